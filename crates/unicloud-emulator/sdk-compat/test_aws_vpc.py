"""boto3 (the official AWS SDK for Python) against the emulator's EC2 route tables: a VPC and
its main table, subnets, internet gateways, custom tables with ClientToken, and routes created,
replaced and deleted, with EC2's error codes."""

import unittest
import uuid

import botocore.exceptions

from test_aws import client

REGION = "eu-central-1"


def only(tables):
    assert len(tables) == 1, tables
    return tables[0]


class RouteTables(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ec2 = client("ec2", REGION)

    def code(self, call, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call(**kwargs)
        return cm.exception.response["Error"]["Code"]

    def table(self, table_id):
        return only(self.ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"])

    def routes(self, table_id):
        return {r["DestinationCidrBlock"]: r for r in self.table(table_id)["Routes"] if "DestinationCidrBlock" in r}

    def network(self, cidr):
        vpc_id = self.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        subnet = self.ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr.replace(".0.0/16", ".1.0/24"))["Subnet"]
        igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
        run = self.ec2.run_instances(
            ImageId="ami-0abcdef1234567890",
            InstanceType="t3.micro",
            MinCount=2,
            MaxCount=2,
            SubnetId=subnet["SubnetId"],
        )
        ids = [i["InstanceId"] for i in run["Instances"]]
        return vpc_id, subnet["SubnetId"], igw, ids

    def test_main_table_custom_tables_and_filters(self):
        suite = uuid.uuid4().hex
        vpc_id, subnet_id, _, _ = self.network("10.40.0.0/16")
        main = only(
            self.ec2.describe_route_tables(
                Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
            )["RouteTables"]
        )
        self.assertRegex(main["RouteTableId"], r"^rtb-[0-9a-f]{17}$")
        self.assertEqual(
            [(r["DestinationCidrBlock"], r["GatewayId"], r["Origin"]) for r in main["Routes"]],
            [("10.40.0.0/16", "local", "CreateRouteTable")],
        )
        token = f"tok-{suite}"
        custom = self.ec2.create_route_table(
            VpcId=vpc_id,
            ClientToken=token,
            TagSpecifications=[{"ResourceType": "route-table", "Tags": [{"Key": "suite", "Value": suite}]}],
        )["RouteTable"]
        again = self.ec2.create_route_table(
            VpcId=vpc_id,
            ClientToken=token,
            TagSpecifications=[{"ResourceType": "route-table", "Tags": [{"Key": "suite", "Value": suite}]}],
        )["RouteTable"]
        self.assertEqual(again["RouteTableId"], custom["RouteTableId"], "same ClientToken, same table")
        self.ec2.associate_route_table(RouteTableId=custom["RouteTableId"], SubnetId=subnet_id)
        tagged = self.ec2.describe_route_tables(Filters=[{"Name": "tag:suite", "Values": [suite]}])["RouteTables"]
        self.assertEqual([t["RouteTableId"] for t in tagged], [custom["RouteTableId"]])
        by_subnet = self.ec2.describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
        )["RouteTables"]
        self.assertEqual([t["RouteTableId"] for t in by_subnet], [custom["RouteTableId"]])
        pages = self.ec2.get_paginator("describe_route_tables").paginate(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}], PaginationConfig={"PageSize": 5}
        )
        seen = sorted(t["RouteTableId"] for page in pages for t in page["RouteTables"])
        self.assertEqual(seen, sorted([main["RouteTableId"], custom["RouteTableId"]]))
        self.assertEqual(
            self.code(self.ec2.describe_route_tables, RouteTableIds=["rtb-0123456789abcdef0"]),
            "InvalidRouteTableID.NotFound",
        )

    def test_routes_created_replaced_and_deleted(self):
        vpc_id, _, igw, ids = self.network("10.41.0.0/16")
        table = self.ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
        self.ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        self.ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.90.0.0/16", InstanceId=ids[0])
        routes = self.routes(table)
        self.assertEqual(routes["0.0.0.0/0"]["GatewayId"], igw)
        self.assertEqual(routes["0.0.0.0/0"]["Origin"], "CreateRoute")
        self.assertEqual(routes["10.90.0.0/16"]["InstanceId"], ids[0])
        self.assertEqual(routes["10.90.0.0/16"]["State"], "active")
        self.assertEqual(
            self.code(self.ec2.create_route, RouteTableId=table, DestinationCidrBlock="10.90.0.0/16", InstanceId=ids[1]),
            "RouteAlreadyExists",
        )
        self.assertEqual(
            self.code(self.ec2.create_route, RouteTableId=table, DestinationCidrBlock="10.91.0.0/16", InstanceId="i-0123456789abcdef0"),
            "InvalidInstanceID.NotFound",
        )
        self.ec2.replace_route(RouteTableId=table, DestinationCidrBlock="10.90.0.0/16", InstanceId=ids[1])
        self.assertEqual(self.routes(table)["10.90.0.0/16"]["InstanceId"], ids[1])
        self.assertEqual(
            self.code(self.ec2.replace_route, RouteTableId=table, DestinationCidrBlock="10.92.0.0/16", InstanceId=ids[1]),
            "InvalidParameterValue",
        )
        self.ec2.delete_route(RouteTableId=table, DestinationCidrBlock="10.90.0.0/16")
        self.assertEqual(sorted(self.routes(table)), ["0.0.0.0/0", "10.41.0.0/16"])
        self.assertEqual(
            self.code(self.ec2.delete_route, RouteTableId=table, DestinationCidrBlock="10.90.0.0/16"),
            "InvalidRoute.NotFound",
        )


if __name__ == "__main__":
    unittest.main()
