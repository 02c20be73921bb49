"""The official Tencent Cloud SDK for Python (tencentcloud-sdk-python-clb, with -vpc and -cvm
for the network and the instances behind it) against the emulator's CLB: a load balancer in a
VPC (with a ClientToken), a TCP listener, instances bound as targets by `RegisterTargets` and
unbound by `DeregisterTargets` — asynchronous tasks polled with `DescribeTaskStatus` —,
`DescribeTargets`, `DescribeTargetHealth` (Alive, Dead once the instance stops), and the
vendor's error codes."""

import json
import time
import unittest
import uuid

from tencentcloud.clb.v20180317 import clb_client
from tencentcloud.clb.v20180317 import models as clb
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cvm
from tencentcloud.vpc.v20170312 import models as vpc
from tencentcloud.vpc.v20170312 import vpc_client

import emulator_env as env

REGION = "ap-guangzhou"
ZONE = f"{REGION}-3"
#: How long a poll waits for a state the emulator reaches after its transition delay.
WAIT_SECONDS = 20


def clients():
    cred = credential.Credential(env.TENCENT_ID, env.TENCENT_SECRET)
    prof = ClientProfile(httpProfile=HttpProfile(endpoint=env.ADDR, protocol="http"))
    return (
        clb_client.ClbClient(cred, REGION, prof),
        vpc_client.VpcClient(cred, REGION, prof),
        cvm_client.CvmClient(cred, REGION, prof),
    )


def request(cls, **fields):
    req = cls()
    req.from_json_string(json.dumps(fields))
    return req


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


class Clb(unittest.TestCase):
    def setUp(self):
        self.clb, self.vpc, self.cvm = clients()
        self.suite = uuid.uuid4().hex[:8]

    def call(self, name, cls, **fields):
        return getattr(self.clb, name)(request(cls, **fields))

    def code(self, name, cls, **fields):
        with self.assertRaises(TencentCloudSDKException) as cm:
            self.call(name, cls, **fields)
        return cm.exception.get_code()

    def states(self, ids):
        out = self.cvm.DescribeInstances(request(cvm.DescribeInstancesRequest, InstanceIds=ids))
        return {i.InstanceId: i.InstanceState for i in out.InstanceSet}

    def network(self, cidr):
        """A VPC with one subnet and two running instances in it: (vpc id, subnet id,
        {instance id: private address})."""
        vpc_id = self.vpc.CreateVpc(
            request(vpc.CreateVpcRequest, VpcName=f"v-{self.suite}", CidrBlock=cidr)
        ).Vpc.VpcId
        subnet_id = self.vpc.CreateSubnet(
            request(
                vpc.CreateSubnetRequest,
                VpcId=vpc_id,
                SubnetName="web",
                CidrBlock=cidr.replace(".0.0/16", ".1.0/24"),
                Zone=ZONE,
            )
        ).Subnet.SubnetId
        run = self.cvm.RunInstances(
            request(
                cvm.RunInstancesRequest,
                Placement={"Zone": ZONE},
                ImageId="img-pi0ii46r",
                InstanceType="S5.MEDIUM2",
                InstanceCount=2,
                VirtualPrivateCloud={"VpcId": vpc_id, "SubnetId": subnet_id},
            )
        )
        ids = run.InstanceIdSet
        wait_for(lambda: self.states(ids), lambda s: set(s.values()) == {"RUNNING"}, "instances RUNNING")
        out = self.cvm.DescribeInstances(request(cvm.DescribeInstancesRequest, InstanceIds=ids))
        return vpc_id, subnet_id, {i.InstanceId: i.PrivateIpAddresses[0] for i in out.InstanceSet}

    def wait_task(self, response):
        """Polls the task a target change started (its RequestId) until it succeeded."""
        self.assertTrue(response.RequestId)
        done = wait_for(
            lambda: self.call("DescribeTaskStatus", clb.DescribeTaskStatusRequest, TaskId=response.RequestId),
            lambda t: t.Status != 2,
            f"task {response.RequestId}",
        )
        self.assertEqual(done.Status, 0)
        return done

    def health(self, lb_id):
        """{instance id: (HealthStatusDetail, HealthStatus, IP, Port)} of the load balancer."""
        out = self.call("DescribeTargetHealth", clb.DescribeTargetHealthRequest, LoadBalancerIds=[lb_id])
        self.assertEqual([lb.LoadBalancerId for lb in out.LoadBalancers], [lb_id])
        return {
            t.TargetId: (t.HealthStatusDetail, t.HealthStatus, t.IP, t.Port)
            for lst in out.LoadBalancers[0].Listeners
            for rule in lst.Rules
            for t in rule.Targets
        }

    def test_load_balancer_listener_and_targets(self):
        vpc_id, subnet_id, ips = self.network("172.30.0.0/16")
        ids = sorted(ips)
        token = f"clb-{self.suite}"
        fields = dict(LoadBalancerType="OPEN", LoadBalancerName=f"web-{self.suite}", VpcId=vpc_id, ClientToken=token)
        created = self.call("CreateLoadBalancer", clb.CreateLoadBalancerRequest, **fields)
        self.assertEqual(len(created.LoadBalancerIds), 1)
        lb_id = created.LoadBalancerIds[0]
        self.assertRegex(lb_id, r"^lb-[0-9a-z]{8}$")
        again = self.call("CreateLoadBalancer", clb.CreateLoadBalancerRequest, **fields)
        self.assertEqual(again.LoadBalancerIds, [lb_id], "same ClientToken, same load balancer")
        listed = self.call("DescribeLoadBalancers", clb.DescribeLoadBalancersRequest, LoadBalancerIds=[lb_id])
        self.assertEqual(listed.TotalCount, 1)
        lb = listed.LoadBalancerSet[0]
        self.assertEqual(
            (lb.LoadBalancerId, lb.LoadBalancerName, lb.LoadBalancerType, lb.VpcId, lb.Forward),
            (lb_id, f"web-{self.suite}", "OPEN", vpc_id, 1),
        )
        self.assertEqual(len(lb.LoadBalancerVips), 1)
        # Every field the emulator sends is one the SDK's model knows (an unknown one is
        # dropped with a warning): `IPv6Mode`, spelt as the vendor does, reads back.
        self.assertEqual(lb.IPv6Mode, "")

        listener_id = self.call(
            "CreateListener",
            clb.CreateListenerRequest,
            LoadBalancerId=lb_id,
            Ports=[80],
            Protocol="TCP",
            ListenerNames=["tcp-80"],
        ).ListenerIds
        self.assertEqual(len(listener_id), 1)
        listener_id = listener_id[0]
        self.assertRegex(listener_id, r"^lbl-[0-9a-z]{8}$")
        listeners = self.call("DescribeListeners", clb.DescribeListenersRequest, LoadBalancerId=lb_id)
        self.assertEqual(listeners.TotalCount, 1)
        self.assertEqual(
            [(l.ListenerId, l.Protocol, l.Port, l.ListenerName) for l in listeners.Listeners],
            [(listener_id, "TCP", 80, "tcp-80")],
        )
        self.assertEqual(
            self.code("CreateListener", clb.CreateListenerRequest, LoadBalancerId=lb_id, Ports=[80], Protocol="TCP"),
            "InvalidParameter.PortCheckFailed",
        )

        # Bound: an asynchronous task, then the targets are listed and their health follows.
        registered = self.call(
            "RegisterTargets",
            clb.RegisterTargetsRequest,
            LoadBalancerId=lb_id,
            ListenerId=listener_id,
            Targets=[{"InstanceId": i, "Port": 8080, "Weight": 20} for i in ids],
        )
        task = self.wait_task(registered)
        self.assertEqual(task.LoadBalancerIds, [lb_id])
        targets = self.call("DescribeTargets", clb.DescribeTargetsRequest, LoadBalancerId=lb_id)
        self.assertEqual([(l.ListenerId, l.Protocol, l.Port) for l in targets.Listeners], [(listener_id, "TCP", 80)])
        bound = {t.InstanceId: t for t in targets.Listeners[0].Targets}
        self.assertEqual(sorted(bound), ids)
        for i in ids:
            self.assertEqual((bound[i].Type, bound[i].Port, bound[i].Weight), ("CVM", 8080, 20))
            self.assertEqual(bound[i].PrivateIpAddresses, [ips[i]])
        alive = wait_for(
            lambda: self.health(lb_id),
            lambda h: all(h.get(i, ("",))[0] == "Alive" for i in ids),
            "targets Alive",
        )
        for i in ids:
            self.assertEqual(alive[i], ("Alive", True, ips[i], 8080))

        # The instance stops: its target is Dead.
        self.cvm.StopInstances(request(cvm.StopInstancesRequest, InstanceIds=[ids[0]]))
        wait_for(lambda: self.states([ids[0]]), lambda s: s[ids[0]] == "STOPPED", "instance STOPPED")
        now = self.health(lb_id)
        self.assertEqual(now[ids[0]], ("Dead", False, ips[ids[0]], 8080))
        self.assertEqual(now[ids[1]][:2], ("Alive", True))

        # Unbound: another task, then only the other target is left.
        deregistered = self.call(
            "DeregisterTargets",
            clb.DeregisterTargetsRequest,
            LoadBalancerId=lb_id,
            ListenerId=listener_id,
            Targets=[{"InstanceId": ids[0], "Port": 8080}],
        )
        self.assertNotEqual(deregistered.RequestId, registered.RequestId)
        self.wait_task(deregistered)
        left = self.call("DescribeTargets", clb.DescribeTargetsRequest, LoadBalancerId=lb_id, ListenerIds=[listener_id])
        self.assertEqual([t.InstanceId for t in left.Listeners[0].Targets], [ids[1]])
        self.assertEqual(sorted(self.health(lb_id)), [ids[1]])
        self.assertEqual(
            self.code(
                "DeregisterTargets",
                clb.DeregisterTargetsRequest,
                LoadBalancerId=lb_id,
                ListenerId=listener_id,
                Targets=[{"InstanceId": ids[0], "Port": 8080}],
            ),
            "InvalidParameter",
            "a target no longer bound",
        )

    def test_error_codes(self):
        _, _, ips = self.network("172.31.0.0/16")
        lb_id = self.call("CreateLoadBalancer", clb.CreateLoadBalancerRequest, LoadBalancerType="OPEN").LoadBalancerIds[0]
        listener_id = self.call(
            "CreateListener", clb.CreateListenerRequest, LoadBalancerId=lb_id, Ports=[443], Protocol="TCP"
        ).ListenerIds[0]
        # An unknown load balancer, well formed or not.
        self.assertEqual(
            self.code("DescribeTargets", clb.DescribeTargetsRequest, LoadBalancerId="lb-zzzzzzzz"),
            "InvalidParameter.LBIdNotFound",
        )
        self.assertEqual(
            self.code("DescribeTargetHealth", clb.DescribeTargetHealthRequest, LoadBalancerIds=["lb-zzzzzzzz"]),
            "InvalidParameter.LBIdNotFound",
        )
        self.assertEqual(
            self.code(
                "RegisterTargets",
                clb.RegisterTargetsRequest,
                LoadBalancerId="lb-zzzzzzzz",
                ListenerId=listener_id,
                Targets=[{"InstanceId": sorted(ips)[0], "Port": 80}],
            ),
            "InvalidParameter.LBIdNotFound",
        )
        self.assertEqual(
            self.code("DescribeListeners", clb.DescribeListenersRequest, LoadBalancerId="lb-1"),
            "InvalidParameter.FormatError",
        )
        # An unknown listener, an unknown instance, an unknown task.
        self.assertEqual(
            self.code(
                "RegisterTargets",
                clb.RegisterTargetsRequest,
                LoadBalancerId=lb_id,
                ListenerId="lbl-zzzzzzzz",
                Targets=[{"InstanceId": sorted(ips)[0], "Port": 80}],
            ),
            "InvalidParameter.ListenerIdNotFound",
        )
        self.assertEqual(
            self.code(
                "RegisterTargets",
                clb.RegisterTargetsRequest,
                LoadBalancerId=lb_id,
                ListenerId=listener_id,
                Targets=[{"InstanceId": "ins-zzzzzzzz", "Port": 80}],
            ),
            "InvalidParameter",
        )
        self.assertEqual(
            self.code("DescribeTaskStatus", clb.DescribeTaskStatusRequest, TaskId=str(uuid.uuid4())),
            "InvalidParameter",
        )
        # Nothing was bound by the refused calls.
        targets = self.call("DescribeTargets", clb.DescribeTargetsRequest, LoadBalancerId=lb_id)
        self.assertEqual([(l.ListenerId, l.Targets) for l in targets.Listeners], [(listener_id, [])])


if __name__ == "__main__":
    unittest.main()
