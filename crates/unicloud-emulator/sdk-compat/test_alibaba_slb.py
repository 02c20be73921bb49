"""The official Alibaba Cloud SDK for Python (alibabacloud_slb20140515, with
alibabacloud_vpc20160428 and alibabacloud_ecs20140526 for the network and the instances behind
it) against the emulator's SLB: a load balancer in a vSwitch, a TCP listener created stopped and
started, ECS instances added to the default server group with a `BackendServers` JSON string,
`DescribeHealthStatus` (unavailable while the listener is stopped, then normal, abnormal once
the instance stops), `RemoveBackendServers`, and the vendor's error codes."""

import json
import time
import unittest
import uuid

from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_slb20140515 import models as slb
from alibabacloud_slb20140515.client import Client as SlbClient
from alibabacloud_tea_openapi import exceptions as tea_errors
from alibabacloud_vpc20160428 import models as vpc
from alibabacloud_vpc20160428.client import Client as VpcClient

from test_alibaba_vpc import IMAGE, config

REGION = "cn-shenzhen"
ZONE = f"{REGION}-a"
#: How long a poll waits for a state the emulator reaches after its transition delay.
WAIT_SECONDS = 20


def wait_for(read, done, what):
    """Polls `read()` until `done(value)`, at most WAIT_SECONDS; returns the last value."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {value!r} after {WAIT_SECONDS}s")
        time.sleep(0.2)


class Slb(unittest.TestCase):
    def setUp(self):
        self.slb = SlbClient(config())
        self.vpc = VpcClient(config())
        self.ecs = EcsClient(config())
        self.suite = uuid.uuid4().hex[:8]

    def code(self, call, request):
        with self.assertRaises(tea_errors.AlibabaCloudException) as cm:
            call(request)
        return cm.exception.status_code, cm.exception.code

    def statuses(self, ids):
        listed = self.ecs.describe_instances(
            ecs.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps(ids))
        ).body.instances.instance
        return {i.instance_id: i.status for i in listed}

    def network(self, cidr):
        """A VPC with one vSwitch and two running instances in it: (vpc id, vSwitch id,
        {instance id: private address})."""
        vpc_id = self.vpc.create_vpc(
            vpc.CreateVpcRequest(region_id=REGION, cidr_block=cidr, vpc_name=f"v-{self.suite}")
        ).body.vpc_id
        vsw = self.vpc.create_vswitch(
            vpc.CreateVSwitchRequest(
                region_id=REGION, vpc_id=vpc_id, zone_id=ZONE, cidr_block=cidr.replace(".0.0/16", ".1.0/24")
            )
        ).body.v_switch_id
        ids = self.ecs.run_instances(
            ecs.RunInstancesRequest(
                region_id=REGION, image_id=IMAGE, instance_type="ecs.g7.large", v_switch_id=vsw, amount=2
            )
        ).body.instance_id_sets.instance_id_set
        wait_for(lambda: self.statuses(ids), lambda s: set(s.values()) == {"Running"}, "instances Running")
        listed = self.ecs.describe_instances(
            ecs.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps(ids))
        ).body.instances.instance
        return vpc_id, vsw, {i.instance_id: i.vpc_attributes.private_ip_address.ip_address[0] for i in listed}

    def health(self, lb_id, **kwargs):
        """{server id: (ServerHealthStatus, ListenerPort, Port, ServerIp)} of the load balancer."""
        body = self.slb.describe_health_status(
            slb.DescribeHealthStatusRequest(region_id=REGION, load_balancer_id=lb_id, **kwargs)
        ).body
        return {
            s.server_id: (s.server_health_status, s.listener_port, s.port, s.server_ip)
            for s in body.backend_servers.backend_server
        }

    def load_balancer(self, vpc_id, vsw, **kwargs):
        body = self.slb.create_load_balancer(
            slb.CreateLoadBalancerRequest(region_id=REGION, vpc_id=vpc_id, v_switch_id=vsw, **kwargs)
        ).body
        self.assertRegex(body.load_balancer_id, r"^lb-[0-9a-z]+$")
        return body

    def test_listener_backend_servers_and_health(self):
        vpc_id, vsw, ips = self.network("10.70.0.0/16")
        ids = sorted(ips)
        created = self.load_balancer(
            vpc_id, vsw, load_balancer_name=f"web-{self.suite}", address_type="intranet"
        )
        lb_id = created.load_balancer_id
        self.assertEqual(
            (created.load_balancer_name, created.vpc_id, created.v_switch_id, created.network_type),
            (f"web-{self.suite}", vpc_id, vsw, "vpc"),
        )
        self.assertTrue(created.address)
        listed = self.slb.describe_load_balancers(
            slb.DescribeLoadBalancersRequest(region_id=REGION, load_balancer_id=lb_id)
        ).body
        self.assertEqual(listed.total_count, 1)
        row = listed.load_balancers.load_balancer[0]
        self.assertEqual(
            (row.load_balancer_id, row.load_balancer_status, row.address_type, row.address),
            (lb_id, "active", "intranet", created.address),
        )

        self.slb.create_load_balancer_tcplistener(
            slb.CreateLoadBalancerTCPListenerRequest(
                region_id=REGION, load_balancer_id=lb_id, listener_port=80, backend_server_port=8080, bandwidth=-1
            )
        )
        self.assertEqual(
            self.code(
                self.slb.create_load_balancer_tcplistener,
                slb.CreateLoadBalancerTCPListenerRequest(
                    region_id=REGION, load_balancer_id=lb_id, listener_port=80, backend_server_port=8081, bandwidth=-1
                ),
            ),
            (400, "ListenerAlreadyExists"),
        )
        attr = self.slb.describe_load_balancer_attribute(
            slb.DescribeLoadBalancerAttributeRequest(region_id=REGION, load_balancer_id=lb_id)
        ).body
        self.assertEqual(attr.listener_ports.listener_port, [80])
        self.assertEqual(
            [(p.listener_port, p.listener_protocol) for p in attr.listener_ports_and_protocol.listener_port_and_protocol],
            [(80, "tcp")],
        )

        # Added with BackendServers as a JSON string (Weight as a string, as the console sends it).
        added = self.slb.add_backend_servers(
            slb.AddBackendServersRequest(
                region_id=REGION,
                load_balancer_id=lb_id,
                backend_servers=json.dumps(
                    [{"ServerId": ids[0], "Weight": "100", "Type": "ecs"}, {"ServerId": ids[1], "Weight": 50}]
                ),
            )
        ).body
        self.assertEqual(added.load_balancer_id, lb_id)
        self.assertEqual(
            sorted((s.server_id, s.weight, s.type) for s in added.backend_servers.backend_server),
            sorted([(ids[0], "100", "ecs"), (ids[1], "50", "ecs")]),
        )
        attr = self.slb.describe_load_balancer_attribute(
            slb.DescribeLoadBalancerAttributeRequest(region_id=REGION, load_balancer_id=lb_id)
        ).body
        self.assertEqual(
            sorted((s.server_id, s.weight) for s in attr.backend_servers.backend_server),
            sorted([(ids[0], 100), (ids[1], 50)]),
        )

        # The listener is created stopped: no health checks run until it starts.
        stopped = self.health(lb_id)
        self.assertEqual({i: stopped[i][0] for i in ids}, {i: "unavailable" for i in ids})
        self.slb.start_load_balancer_listener(
            slb.StartLoadBalancerListenerRequest(region_id=REGION, load_balancer_id=lb_id, listener_port=80)
        )
        normal = wait_for(
            lambda: self.health(lb_id),
            lambda h: all(h.get(i, ("",))[0] == "normal" for i in ids),
            "servers normal",
        )
        for i in ids:
            self.assertEqual(normal[i], ("normal", 80, 8080, ips[i]))
        self.assertEqual(
            sorted(self.health(lb_id, listener_port=80, listener_protocol="tcp")), ids
        )

        # The instance stops: its server is abnormal.
        self.ecs.stop_instances(ecs.StopInstancesRequest(region_id=REGION, instance_id=[ids[0]]))
        wait_for(lambda: self.statuses([ids[0]]), lambda s: s[ids[0]] == "Stopped", "instance Stopped")
        now = self.health(lb_id)
        self.assertEqual(now[ids[0]][0], "abnormal")
        self.assertEqual(now[ids[1]][0], "normal")

        # Removed: the answer lists what is left; removing it again changes nothing.
        removed = self.slb.remove_backend_servers(
            slb.RemoveBackendServersRequest(
                region_id=REGION, load_balancer_id=lb_id, backend_servers=json.dumps([{"ServerId": ids[0]}])
            )
        ).body
        self.assertEqual([(s.server_id, s.weight) for s in removed.backend_servers.backend_server], [(ids[1], 50)])
        again = self.slb.remove_backend_servers(
            slb.RemoveBackendServersRequest(
                region_id=REGION, load_balancer_id=lb_id, backend_servers=json.dumps([{"ServerId": ids[0]}])
            )
        ).body
        self.assertEqual([s.server_id for s in again.backend_servers.backend_server], [ids[1]])
        self.assertEqual(sorted(self.health(lb_id)), [ids[1]])

    def test_error_codes(self):
        vpc_id, vsw, ips = self.network("10.71.0.0/16")
        servers = json.dumps([{"ServerId": sorted(ips)[0], "Weight": 100}])
        self.assertEqual(
            self.code(
                self.slb.describe_health_status,
                slb.DescribeHealthStatusRequest(region_id=REGION, load_balancer_id="lb-doesnotexist"),
            ),
            (404, "InvalidLoadBalancerId.NotFound"),
        )
        self.assertEqual(
            self.code(
                self.slb.add_backend_servers,
                slb.AddBackendServersRequest(region_id=REGION, load_balancer_id="lb-doesnotexist", backend_servers=servers),
            ),
            (404, "InvalidLoadBalancerId.NotFound"),
        )
        lb_id = self.load_balancer(vpc_id, vsw).load_balancer_id
        self.assertEqual(
            self.code(
                self.slb.add_backend_servers,
                slb.AddBackendServersRequest(
                    region_id=REGION,
                    load_balancer_id=lb_id,
                    backend_servers=json.dumps([{"ServerId": "i-doesnotexist00", "Weight": 100}]),
                ),
            ),
            (400, "InvalidBackendServers.ServerIdNotExist"),
        )
        self.assertEqual(
            self.code(
                self.slb.add_backend_servers,
                slb.AddBackendServersRequest(region_id=REGION, load_balancer_id=lb_id, backend_servers="not json"),
            ),
            (400, "InvalidParameter.BackendServers"),
        )
        self.assertEqual(
            self.code(
                self.slb.start_load_balancer_listener,
                slb.StartLoadBalancerListenerRequest(region_id=REGION, load_balancer_id=lb_id, listener_port=8443),
            ),
            (404, "InvalidListener.NotFound"),
        )
        self.assertEqual(
            self.code(
                self.slb.create_load_balancer,
                slb.CreateLoadBalancerRequest(region_id=REGION, vpc_id=vpc_id, v_switch_id="vsw-doesnotexist"),
            ),
            (404, "InvalidVSwitchId.NotFound"),
        )
        # Nothing was added by the refused calls.
        attr = self.slb.describe_load_balancer_attribute(
            slb.DescribeLoadBalancerAttributeRequest(region_id=REGION, load_balancer_id=lb_id)
        ).body
        self.assertEqual(attr.backend_servers.backend_server, [])


if __name__ == "__main__":
    unittest.main()
