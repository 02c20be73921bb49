"""The official Tencent Cloud SDK for Python (tencentcloud-sdk-python-vpc, with -cvm for the
instances routes point at) against the emulator's VPC: a VPC and its default table, subnets,
custom tables, and routes created, replaced and deleted by RouteId, with the vendor's error codes."""

import json
import unittest
import uuid

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cvm
from tencentcloud.vpc.v20170312 import models as vpc
from tencentcloud.vpc.v20170312 import vpc_client

import emulator_env as env

REGION = "ap-shanghai"
ZONE = f"{REGION}-2"


def clients():
    cred = credential.Credential(env.TENCENT_ID, env.TENCENT_SECRET)
    prof = ClientProfile(httpProfile=HttpProfile(endpoint=env.ADDR, protocol="http"))
    return vpc_client.VpcClient(cred, REGION, prof), cvm_client.CvmClient(cred, REGION, prof)


def request(cls, **fields):
    req = cls()
    req.from_json_string(json.dumps(fields))
    return req


def route(dest, gateway_type, gateway_id, **extra):
    return dict(DestinationCidrBlock=dest, GatewayType=gateway_type, GatewayId=gateway_id, **extra)


class Vpc(unittest.TestCase):
    def setUp(self):
        self.vpc, self.cvm = clients()
        self.suite = uuid.uuid4().hex[:8]

    def call(self, name, cls, **fields):
        return getattr(self.vpc, name)(request(cls, **fields))

    def code(self, name, cls, **fields):
        with self.assertRaises(TencentCloudSDKException) as cm:
            self.call(name, cls, **fields)
        return cm.exception.get_code()

    def tables(self, **fields):
        return self.call("DescribeRouteTables", vpc.DescribeRouteTablesRequest, **fields)

    def network(self, cidr):
        """A VPC with one subnet and two instances in it: (vpc id, default table, addresses)."""
        v = self.call("CreateVpc", vpc.CreateVpcRequest, VpcName=f"v-{self.suite}", CidrBlock=cidr)
        vpc_id = v.Vpc.VpcId
        self.assertRegex(vpc_id, r"^vpc-[0-9a-z]{8}$")
        subnet_cidr = cidr.replace(".0.0/16", ".1.0/24")
        s = self.call(
            "CreateSubnet",
            vpc.CreateSubnetRequest,
            VpcId=vpc_id,
            SubnetName="web",
            CidrBlock=subnet_cidr,
            Zone=ZONE,
        )
        run = self.cvm.RunInstances(
            request(
                cvm.RunInstancesRequest,
                Placement={"Zone": ZONE},
                ImageId="img-pi0ii46r",
                InstanceType="S5.MEDIUM2",
                InstanceCount=2,
                VirtualPrivateCloud={"VpcId": vpc_id, "SubnetId": s.Subnet.SubnetId},
            )
        )
        out = self.cvm.DescribeInstances(
            request(cvm.DescribeInstancesRequest, InstanceIds=run.InstanceIdSet)
        )
        by_id = {i.InstanceId: i for i in out.InstanceSet}
        ips = [by_id[i].PrivateIpAddresses[0] for i in run.InstanceIdSet]
        for i in run.InstanceIdSet:
            self.assertEqual(by_id[i].VirtualPrivateCloud.VpcId, vpc_id)
        return vpc_id, s.Subnet.SubnetId, ips

    def test_default_table_subnets_and_filters(self):
        vpc_id, subnet_id, _ = self.network("172.20.0.0/16")
        main = self.tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
        self.assertEqual(main.TotalCount, 1)
        table = main.RouteTableSet[0]
        self.assertTrue(table.Main)
        self.assertRegex(table.RouteTableId, r"^rtb-[0-9a-z]{8}$")
        self.assertEqual([a.SubnetId for a in table.AssociationSet], [subnet_id])
        self.assertEqual(table.RouteSet, [])
        custom = self.call(
            "CreateRouteTable",
            vpc.CreateRouteTableRequest,
            VpcId=vpc_id,
            RouteTableName=f"edge-{self.suite}",
        ).RouteTable
        self.assertFalse(custom.Main)
        both = self.tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}], Limit="1")
        self.assertEqual(both.TotalCount, 2)
        self.assertEqual(len(both.RouteTableSet), 1)
        second = self.tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}], Offset="1", Limit="1")
        ids = {both.RouteTableSet[0].RouteTableId, second.RouteTableSet[0].RouteTableId}
        self.assertEqual(ids, {table.RouteTableId, custom.RouteTableId})
        named = self.tables(Filters=[{"Name": "route-table-name", "Values": [f"edge-{self.suite}"]}])
        self.assertEqual([t.RouteTableId for t in named.RouteTableSet], [custom.RouteTableId])
        self.assertEqual(
            self.code("DescribeRouteTables", vpc.DescribeRouteTablesRequest, RouteTableIds=["rtb-zzzzzzzz"]),
            "ResourceNotFound",
        )

    def test_routes_created_replaced_and_deleted(self):
        vpc_id, _, ips = self.network("172.21.0.0/16")
        table = self.call("CreateRouteTable", vpc.CreateRouteTableRequest, VpcId=vpc_id, RouteTableName="t").RouteTable
        created = self.call(
            "CreateRoutes",
            vpc.CreateRoutesRequest,
            RouteTableId=table.RouteTableId,
            Routes=[route("10.70.0.0/16", "NORMAL_CVM", ips[0]), route("10.71.0.0/16", "NORMAL_CVM", ips[0])],
        )
        self.assertEqual(created.TotalCount, 2)
        routes = {r.DestinationCidrBlock: r for r in created.RouteTableSet[0].RouteSet}
        self.assertEqual(routes["10.70.0.0/16"].GatewayType, "NORMAL_CVM")
        self.assertEqual(routes["10.70.0.0/16"].GatewayId, ips[0])
        first = routes["10.70.0.0/16"].RouteId

        # A route again, the same destination by another hop (an equal-cost pair with a user
        # route), or an address outside the VPC: refused, nothing of the call applied.
        for routes, want in [
            (
                [route("10.72.0.0/16", "NORMAL_CVM", ips[1]), route("10.70.0.0/16", "NORMAL_CVM", ips[0])],
                "InvalidParameterValue.Duplicate",
            ),
            (
                [route("10.72.0.0/16", "NORMAL_CVM", ips[1]), route("10.70.0.0/16", "NORMAL_CVM", ips[1])],
                "UnsupportedOperation.EcmpWithUserRoute",
            ),
        ]:
            self.assertEqual(
                self.code("CreateRoutes", vpc.CreateRoutesRequest, RouteTableId=table.RouteTableId, Routes=routes),
                want,
            )
        self.assertEqual(
            self.code(
                "CreateRoutes",
                vpc.CreateRoutesRequest,
                RouteTableId=table.RouteTableId,
                Routes=[route("10.72.0.0/16", "NORMAL_CVM", "192.0.2.10")],
            ),
            "InvalidParameterValue.AddressIpNotInVpc",
        )
        now = self.tables(RouteTableIds=[table.RouteTableId]).RouteTableSet[0]
        self.assertEqual(sorted(r.DestinationCidrBlock for r in now.RouteSet), ["10.70.0.0/16", "10.71.0.0/16"])

        replaced = self.call(
            "ReplaceRoutes",
            vpc.ReplaceRoutesRequest,
            RouteTableId=table.RouteTableId,
            Routes=[route("10.70.0.0/16", "NORMAL_CVM", ips[1], RouteId=first)],
        )
        self.assertEqual([r.GatewayId for r in replaced.OldRouteSet], [ips[0]])
        self.assertEqual([r.GatewayId for r in replaced.NewRouteSet], [ips[1]])
        self.assertEqual(
            self.code(
                "ReplaceRoutes",
                vpc.ReplaceRoutesRequest,
                RouteTableId=table.RouteTableId,
                Routes=[route("10.70.0.0/16", "NORMAL_CVM", ips[1], RouteId=99999)],
            ),
            "ResourceNotFound",
        )

        self.call("DeleteRoutes", vpc.DeleteRoutesRequest, RouteTableId=table.RouteTableId, Routes=[{"RouteId": first}])
        left = self.tables(RouteTableIds=[table.RouteTableId]).RouteTableSet[0].RouteSet
        self.assertEqual([r.DestinationCidrBlock for r in left], ["10.71.0.0/16"])
        self.assertEqual(left[0].GatewayId, ips[0])


if __name__ == "__main__":
    unittest.main()
