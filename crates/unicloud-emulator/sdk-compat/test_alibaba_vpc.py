"""The official Alibaba Cloud SDK for Python (alibabacloud_vpc20160428, with
alibabacloud_ecs20140526 for the instances routes point at; ACS3-HMAC-SHA256) against the
emulator's VPC: a VPC and its system table, vSwitches, custom tables, and route entries
created (with a ClientToken), modified, listed and deleted, with the vendor's error codes."""

import json
import unittest
import uuid

from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi import exceptions as tea_errors
from alibabacloud_tea_openapi.models import Config
from alibabacloud_vpc20160428 import models as vpc
from alibabacloud_vpc20160428.client import Client as VpcClient

import emulator_env as env

REGION = "cn-shenzhen"
ZONE = f"{REGION}-a"
IMAGE = "aliyun_3_x64_20G_alibase_20240819.vhd"


def config():
    return Config(
        access_key_id=env.ALIBABA_ID,
        access_key_secret=env.ALIBABA_SECRET,
        endpoint=env.ADDR,
        protocol="http",
        region_id=REGION,
    )


def hops(entry):
    return [(h.next_hop_type, h.next_hop_id) for h in entry.next_hops.next_hop]


class Vpc(unittest.TestCase):
    def setUp(self):
        self.vpc = VpcClient(config())
        self.ecs = EcsClient(config())
        self.suite = uuid.uuid4().hex[:8]

    def code(self, call, request):
        with self.assertRaises(tea_errors.AlibabaCloudException) as cm:
            call(request)
        return cm.exception.status_code, cm.exception.code

    def entries(self, table, **kwargs):
        body = self.vpc.describe_route_entry_list(
            vpc.DescribeRouteEntryListRequest(region_id=REGION, route_table_id=table, **kwargs)
        ).body
        return {e.destination_cidr_block: e for e in body.route_entrys.route_entry}

    def network(self, cidr):
        """A VPC with one vSwitch and two instances in it: (vpc id, system table, vSwitch, ids)."""
        token = f"vpc-{self.suite}"
        created = self.vpc.create_vpc(
            vpc.CreateVpcRequest(region_id=REGION, cidr_block=cidr, vpc_name=f"v-{self.suite}", client_token=token)
        ).body
        self.assertRegex(created.vpc_id, r"^vpc-[0-9a-z]+$")
        self.assertRegex(created.route_table_id, r"^vtb-[0-9a-z]+$")
        again = self.vpc.create_vpc(
            vpc.CreateVpcRequest(region_id=REGION, cidr_block=cidr, vpc_name=f"v-{self.suite}", client_token=token)
        ).body
        self.assertEqual(again.vpc_id, created.vpc_id, "same ClientToken, same VPC")
        vsw = self.vpc.create_vswitch(
            vpc.CreateVSwitchRequest(
                region_id=REGION,
                vpc_id=created.vpc_id,
                zone_id=ZONE,
                cidr_block=cidr.replace(".0.0/16", ".1.0/24"),
            )
        ).body.v_switch_id
        run = self.ecs.run_instances(
            ecs.RunInstancesRequest(
                region_id=REGION,
                image_id=IMAGE,
                instance_type="ecs.g7.large",
                v_switch_id=vsw,
                amount=2,
            )
        ).body
        ids = run.instance_id_sets.instance_id_set
        listed = self.ecs.describe_instances(
            ecs.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps(ids))
        ).body.instances.instance
        for i in listed:
            self.assertEqual(i.vpc_attributes.vpc_id, created.vpc_id)
            self.assertEqual(i.vpc_attributes.v_switch_id, vsw)
        return created.vpc_id, created.route_table_id, vsw, ids

    def test_system_table_custom_tables_and_paging(self):
        vpc_id, system, vsw, _ = self.network("192.168.0.0/16")
        listed = self.vpc.describe_route_table_list(
            vpc.DescribeRouteTableListRequest(region_id=REGION, vpc_id=vpc_id)
        ).body
        self.assertEqual(listed.total_count, 1)
        table = listed.router_table_list.router_table_list_type[0]
        self.assertEqual((table.route_table_id, table.route_table_type), (system, "System"))
        # Which vSwitches the system table lists is left open: it serves every unbound one.
        local = self.entries(system)["192.168.0.0/16"]
        self.assertEqual(local.type, "System")

        custom = self.vpc.create_route_table(
            vpc.CreateRouteTableRequest(region_id=REGION, vpc_id=vpc_id, route_table_name=f"edge-{self.suite}")
        ).body.route_table_id
        self.vpc.associate_route_table(
            vpc.AssociateRouteTableRequest(region_id=REGION, route_table_id=custom, v_switch_id=vsw)
        )
        pages = [
            self.vpc.describe_route_table_list(
                vpc.DescribeRouteTableListRequest(region_id=REGION, vpc_id=vpc_id, page_number=n, page_size=1)
            ).body
            for n in (1, 2)
        ]
        self.assertEqual([p.total_count for p in pages], [2, 2])
        seen = {p.router_table_list.router_table_list_type[0].route_table_id: p for p in pages}
        self.assertEqual(set(seen), {system, custom})
        custom_row = seen[custom].router_table_list.router_table_list_type[0]
        self.assertEqual(custom_row.route_table_type, "Custom")
        self.assertEqual(custom_row.v_switch_ids.v_switch_id, [vsw], "the vSwitch moved to the custom table")
        self.assertEqual(
            self.code(
                self.vpc.describe_route_entry_list,
                vpc.DescribeRouteEntryListRequest(region_id=REGION, route_table_id="vtb-doesnotexist"),
            ),
            (404, "InvalidRouteTableId.NotFound"),
        )

    def test_route_entries_created_modified_and_deleted(self):
        vpc_id, _, _, ids = self.network("192.169.0.0/16")
        table = self.vpc.create_route_table(
            vpc.CreateRouteTableRequest(region_id=REGION, vpc_id=vpc_id)
        ).body.route_table_id

        def create(dest, hop, token=None):
            return self.vpc.create_route_entry(
                vpc.CreateRouteEntryRequest(
                    region_id=REGION,
                    route_table_id=table,
                    destination_cidr_block=dest,
                    next_hop_type="Instance",
                    next_hop_id=hop,
                    client_token=token,
                )
            ).body

        token = f"rte-{self.suite}"
        first = create("10.80.0.0/16", ids[0], token)
        self.assertRegex(first.route_entry_id, r"^rte-[0-9a-z]+$")
        self.assertEqual(create("10.80.0.0/16", ids[0], token).route_entry_id, first.route_entry_id,
                         "same ClientToken, same entry")
        create("10.81.0.0/16", ids[0])
        now = self.entries(table, route_entry_type="Custom")
        self.assertEqual(sorted(now), ["10.80.0.0/16", "10.81.0.0/16"])
        self.assertEqual(hops(now["10.80.0.0/16"]), [("Instance", ids[0])])
        self.assertEqual(now["10.80.0.0/16"].type, "Custom")
        self.assertEqual(now["10.80.0.0/16"].route_entry_id, first.route_entry_id)

        # Refusals: a destination taken, an instance that does not exist.
        self.assertEqual(
            self.code(
                self.vpc.create_route_entry,
                vpc.CreateRouteEntryRequest(
                    region_id=REGION,
                    route_table_id=table,
                    destination_cidr_block="10.81.0.0/16",
                    next_hop_type="Instance",
                    next_hop_id=ids[1],
                ),
            ),
            (400, "RouterEntryConflict.Duplicated"),
        )
        self.assertEqual(
            self.code(
                self.vpc.create_route_entry,
                vpc.CreateRouteEntryRequest(
                    region_id=REGION,
                    route_table_id=table,
                    destination_cidr_block="10.82.0.0/16",
                    next_hop_type="Instance",
                    next_hop_id="i-doesnotexist00",
                ),
            )[1],
            "InvalidInstanceId.NotFound",
        )

        # Modified by table and destination, as the vendor's SDK sends it.
        self.vpc.modify_route_entry(
            vpc.ModifyRouteEntryRequest(
                region_id=REGION,
                route_table_id=table,
                destination_cidr_block="10.80.0.0/16",
                new_next_hop_type="Instance",
                new_next_hop_id=ids[1],
            )
        )
        self.assertEqual(hops(self.entries(table)["10.80.0.0/16"]), [("Instance", ids[1])])

        # Deleted by entry id, then by table and destination.
        self.vpc.delete_route_entry(vpc.DeleteRouteEntryRequest(region_id=REGION, route_entry_id=first.route_entry_id))
        self.vpc.delete_route_entry(
            vpc.DeleteRouteEntryRequest(region_id=REGION, route_table_id=table, destination_cidr_block="10.81.0.0/16")
        )
        self.assertEqual(self.entries(table, route_entry_type="Custom"), {})
        self.assertEqual(
            self.code(
                self.vpc.delete_route_entry,
                vpc.DeleteRouteEntryRequest(region_id=REGION, route_entry_id=first.route_entry_id),
            ),
            (404, "InvalidRouteEntry.NotFound"),
        )


if __name__ == "__main__":
    unittest.main()
