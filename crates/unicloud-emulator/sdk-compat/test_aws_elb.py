"""boto3 (the official AWS SDK for Python) against the emulator's load balancers: ELBv2
(`elbv2`) application and network load balancers in a VPC's subnets, target groups and
listeners, EC2 instances registered as targets with their health followed (initial → healthy,
unhealthy once stopped, draining then gone once deregistered), ELBv2's error codes; and
classic ELB (`elb`): a load balancer with its listeners, instances registered,
`DescribeInstanceHealth` InService, deregistered, with the vendor's error codes."""

import time
import unittest
import uuid

import botocore.exceptions

from test_aws import client, states

REGION = "ca-central-1"
IMAGE = "ami-0abcdef1234567890"
#: How long a poll waits for a state the emulator reaches after its transition delay.
WAIT_SECONDS = 20


def only(items):
    assert len(items) == 1, items
    return items[0]


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


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ec2 = client("ec2", REGION)

    def setUp(self):
        self.suite = uuid.uuid4().hex[:8]

    def code(self, call, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call(**kwargs)
        return cm.exception.response["Error"]["Code"]

    def network(self, cidr, instances=2):
        """A VPC with subnets in two zones and running instances in the first:
        (vpc id, [subnet ids], [instance ids])."""
        vpc_id = self.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        subnets = [
            self.ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr.replace(".0.0/16", f".{n}.0/24"),
                AvailabilityZone=f"{REGION}{zone}",
            )["Subnet"]["SubnetId"]
            for n, zone in ((1, "a"), (2, "b"))
        ]
        run = self.ec2.run_instances(
            ImageId=IMAGE,
            InstanceType="t3.micro",
            MinCount=instances,
            MaxCount=instances,
            SubnetId=subnets[0],
        )
        ids = [i["InstanceId"] for i in run["Instances"]]
        wait_for(lambda: states(self.ec2, ids), lambda s: set(s.values()) == {"running"}, "instances running")
        return vpc_id, subnets, ids


class Elbv2(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.elbv2 = client("elbv2", REGION)

    def health(self, tg_arn, **kwargs):
        """{instance id: (state, reason or None)} of the target group."""
        out = self.elbv2.describe_target_health(TargetGroupArn=tg_arn, **kwargs)["TargetHealthDescriptions"]
        return {d["Target"]["Id"]: (d["TargetHealth"]["State"], d["TargetHealth"].get("Reason")) for d in out}

    def test_load_balancers_target_groups_and_listeners(self):
        vpc_id, subnets, _ = self.network("10.60.0.0/16", instances=1)
        name = f"web-{self.suite}"
        alb = only(self.elbv2.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"])
        self.assertRegex(
            alb["LoadBalancerArn"],
            rf"^arn:aws:elasticloadbalancing:{REGION}:123456789012:loadbalancer/app/{name}/[0-9a-f]{{16}}$",
        )
        self.assertEqual(
            (alb["Type"], alb["Scheme"], alb["VpcId"], alb["State"]["Code"]),
            ("application", "internet-facing", vpc_id, "active"),
        )
        self.assertEqual(
            sorted((z["ZoneName"], z["SubnetId"]) for z in alb["AvailabilityZones"]),
            [(f"{REGION}a", subnets[0]), (f"{REGION}b", subnets[1])],
        )
        self.assertTrue(alb["DNSName"].endswith(f".elb.{REGION}.amazonaws.com"), alb["DNSName"])
        # The same name and settings answer with the one that exists.
        again = only(self.elbv2.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"])
        self.assertEqual(again["LoadBalancerArn"], alb["LoadBalancerArn"])
        self.assertEqual(
            self.code(self.elbv2.create_load_balancer, Name=name, Subnets=subnets, Scheme="internal"),
            "DuplicateLoadBalancerName",
        )
        by_name = only(self.elbv2.describe_load_balancers(Names=[name])["LoadBalancers"])
        self.assertEqual(by_name["LoadBalancerArn"], alb["LoadBalancerArn"])
        self.assertEqual(
            self.code(self.elbv2.create_load_balancer, Name=f"one-{self.suite}", Subnets=subnets[:1]),
            "ValidationError",
            "an application load balancer needs two zones",
        )
        self.assertEqual(
            self.code(self.elbv2.create_load_balancer, Name=f"bad-{self.suite}", Subnets=["subnet-0123456789abcdef0"]),
            "SubnetNotFound",
        )
        self.assertEqual(
            self.code(self.elbv2.describe_load_balancers, Names=[f"none-{self.suite}"]),
            "LoadBalancerNotFound",
        )

        tg = only(
            self.elbv2.create_target_group(Name=f"tg-{self.suite}", Protocol="HTTP", Port=8080, VpcId=vpc_id)[
                "TargetGroups"
            ]
        )
        self.assertRegex(
            tg["TargetGroupArn"],
            rf"^arn:aws:elasticloadbalancing:{REGION}:123456789012:targetgroup/tg-{self.suite}/[0-9a-f]{{16}}$",
        )
        self.assertEqual(
            (tg["Protocol"], tg["Port"], tg["VpcId"], tg["TargetType"], tg["HealthCheckPath"]),
            ("HTTP", 8080, vpc_id, "instance", "/"),
        )
        self.assertEqual(tg["LoadBalancerArns"], [])
        listener = only(
            self.elbv2.create_listener(
                LoadBalancerArn=alb["LoadBalancerArn"],
                Protocol="HTTP",
                Port=80,
                DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
            )["Listeners"]
        )
        self.assertRegex(
            listener["ListenerArn"],
            rf"^arn:aws:elasticloadbalancing:{REGION}:123456789012:listener/app/{name}/[0-9a-f]{{16}}/[0-9a-f]{{16}}$",
        )
        self.assertEqual((listener["Port"], listener["Protocol"]), (80, "HTTP"))
        self.assertEqual(
            [(a["Type"], a["TargetGroupArn"]) for a in listener["DefaultActions"]],
            [("forward", tg["TargetGroupArn"])],
        )
        self.assertEqual(
            self.code(
                self.elbv2.create_listener,
                LoadBalancerArn=alb["LoadBalancerArn"],
                Protocol="HTTPS",
                Port=80,
                DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
            ),
            "DuplicateListener",
        )
        now = only(self.elbv2.describe_target_groups(TargetGroupArns=[tg["TargetGroupArn"]])["TargetGroups"])
        self.assertEqual(now["LoadBalancerArns"], [alb["LoadBalancerArn"]])
        of_lb = self.elbv2.describe_target_groups(LoadBalancerArn=alb["LoadBalancerArn"])["TargetGroups"]
        self.assertEqual([t["TargetGroupArn"] for t in of_lb], [tg["TargetGroupArn"]])

    def test_targets_registered_health_followed_and_deregistered(self):
        vpc_id, subnets, ids = self.network("10.61.0.0/16")
        nlb = only(
            self.elbv2.create_load_balancer(
                Name=f"net-{self.suite}", Type="network", Scheme="internal", Subnets=subnets[:1]
            )["LoadBalancers"]
        )
        self.assertEqual((nlb["Type"], nlb["Scheme"]), ("network", "internal"))
        self.assertRegex(nlb["LoadBalancerArn"], rf":loadbalancer/net/net-{self.suite}/[0-9a-f]{{16}}$")
        tg_arn = only(
            self.elbv2.create_target_group(Name=f"tcp-{self.suite}", Protocol="TCP", Port=80, VpcId=vpc_id)[
                "TargetGroups"
            ]
        )["TargetGroupArn"]

        # Registered before any listener forwards to the group: unused, not in use.
        self.elbv2.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": ids[0]}, {"Id": ids[1], "Port": 8080}])
        out = self.elbv2.describe_target_health(TargetGroupArn=tg_arn)["TargetHealthDescriptions"]
        self.assertEqual(sorted((d["Target"]["Id"], d["Target"]["Port"]) for d in out), sorted([(ids[0], 80), (ids[1], 8080)]))
        self.assertEqual(self.health(tg_arn)[ids[0]], ("unused", "Target.NotInUse"))

        self.elbv2.create_listener(
            LoadBalancerArn=nlb["LoadBalancerArn"],
            Protocol="TCP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}],
        )
        first = self.health(tg_arn)
        for i in ids:
            self.assertIn(first[i], [("initial", "Elb.RegistrationInProgress"), ("healthy", None)])
        healthy = wait_for(
            lambda: self.health(tg_arn),
            lambda h: all(h.get(i) == ("healthy", None) for i in ids),
            "targets healthy",
        )
        self.assertEqual(sorted(healthy), sorted(ids))
        one = self.health(tg_arn, Targets=[{"Id": ids[0]}])
        self.assertEqual(one, {ids[0]: ("healthy", None)})

        # The instance stops: its target fails its health checks.
        self.ec2.stop_instances(InstanceIds=[ids[0]])
        wait_for(lambda: states(self.ec2, [ids[0]]), lambda s: s[ids[0]] == "stopped", "instance stopped")
        self.assertEqual(self.health(tg_arn)[ids[0]], ("unhealthy", "Target.FailedHealthChecks"))
        self.assertEqual(self.health(tg_arn)[ids[1]], ("healthy", None))

        # Refusals: an unknown target group, an unknown instance, a stopped one, one not registered.
        unknown_tg = f"arn:aws:elasticloadbalancing:{REGION}:123456789012:targetgroup/none/0123456789abcdef"
        self.assertEqual(self.code(self.elbv2.describe_target_health, TargetGroupArn=unknown_tg), "TargetGroupNotFound")
        self.assertEqual(
            self.code(self.elbv2.register_targets, TargetGroupArn=unknown_tg, Targets=[{"Id": ids[1]}]),
            "TargetGroupNotFound",
        )
        self.assertEqual(
            self.code(self.elbv2.register_targets, TargetGroupArn=tg_arn, Targets=[{"Id": "i-0123456789abcdef0"}]),
            "InvalidTarget",
        )
        self.assertEqual(
            self.code(self.elbv2.register_targets, TargetGroupArn=tg_arn, Targets=[{"Id": ids[0], "Port": 81}]),
            "InvalidTarget",
            "a stopped instance cannot be registered",
        )
        self.assertEqual(
            self.code(self.elbv2.deregister_targets, TargetGroupArn=tg_arn, Targets=[{"Id": ids[1], "Port": 9999}]),
            "InvalidTarget",
        )

        # Deregistered: draining for the transition delay, then gone.
        self.elbv2.deregister_targets(TargetGroupArn=tg_arn, Targets=[{"Id": ids[1], "Port": 8080}])
        after = self.health(tg_arn)
        self.assertIn(after.get(ids[1]), [("draining", "Target.DeregistrationInProgress"), None])
        gone = wait_for(lambda: self.health(tg_arn), lambda h: ids[1] not in h, "target gone")
        self.assertEqual(gone, {ids[0]: ("unhealthy", "Target.FailedHealthChecks")})
        # Asked about by id, a target no longer registered reads unused, not registered.
        self.assertEqual(
            self.health(tg_arn, Targets=[{"Id": ids[1], "Port": 8080}]),
            {ids[1]: ("unused", "Target.NotRegistered")},
        )


class ClassicElb(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.elb = client("elb", REGION)

    def instance_health(self, name):
        out = self.elb.describe_instance_health(LoadBalancerName=name)["InstanceStates"]
        return {s["InstanceId"]: (s["State"], s["ReasonCode"]) for s in out}

    def test_register_health_and_deregister(self):
        vpc_id, subnets, ids = self.network("10.62.0.0/16")
        name = f"classic-{self.suite}"
        created = self.elb.create_load_balancer(
            LoadBalancerName=name,
            Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}],
            Subnets=subnets[:1],
        )
        self.assertEqual(created["DNSName"], f"{name}-123456.{REGION}.elb.amazonaws.com")
        desc = only(self.elb.describe_load_balancers(LoadBalancerNames=[name])["LoadBalancerDescriptions"])
        self.assertEqual((desc["LoadBalancerName"], desc["VPCId"], desc["Subnets"]), (name, vpc_id, subnets[:1]))
        self.assertEqual(
            [(l["Listener"]["Protocol"], l["Listener"]["LoadBalancerPort"], l["Listener"]["InstancePort"])
             for l in desc["ListenerDescriptions"]],
            [("HTTP", 80, 8080)],
        )
        self.assertEqual(desc["Instances"], [])

        registered = self.elb.register_instances_with_load_balancer(
            LoadBalancerName=name, Instances=[{"InstanceId": i} for i in ids]
        )["Instances"]
        self.assertEqual(sorted(i["InstanceId"] for i in registered), sorted(ids))
        first = self.instance_health(name)
        for i in ids:
            self.assertIn(first[i], [("OutOfService", "ELB"), ("InService", "N/A")])
        wait_for(
            lambda: self.instance_health(name),
            lambda h: all(h.get(i) == ("InService", "N/A") for i in ids),
            "instances InService",
        )
        one = self.elb.describe_instance_health(LoadBalancerName=name, Instances=[{"InstanceId": ids[0]}])
        self.assertEqual([(s["InstanceId"], s["State"]) for s in one["InstanceStates"]], [(ids[0], "InService")])

        self.ec2.stop_instances(InstanceIds=[ids[1]])
        wait_for(lambda: states(self.ec2, [ids[1]]), lambda s: s[ids[1]] == "stopped", "instance stopped")
        stopped = only(
            self.elb.describe_instance_health(LoadBalancerName=name, Instances=[{"InstanceId": ids[1]}])[
                "InstanceStates"
            ]
        )
        self.assertEqual(
            (stopped["State"], stopped["ReasonCode"], stopped["Description"]),
            ("OutOfService", "Instance", "Instance is in stopped state."),
        )

        left = self.elb.deregister_instances_from_load_balancer(
            LoadBalancerName=name, Instances=[{"InstanceId": ids[1]}]
        )["Instances"]
        self.assertEqual([i["InstanceId"] for i in left], [ids[0]])
        self.assertEqual(self.instance_health(name), {ids[0]: ("InService", "N/A")})
        desc = only(self.elb.describe_load_balancers(LoadBalancerNames=[name])["LoadBalancerDescriptions"])
        self.assertEqual([i["InstanceId"] for i in desc["Instances"]], [ids[0]])

        # Refusals: an unknown load balancer, a name taken, an instance not registered or unknown.
        self.assertEqual(
            self.code(self.elb.describe_instance_health, LoadBalancerName=f"none-{self.suite}"),
            "LoadBalancerNotFound",
        )
        self.assertEqual(
            self.code(
                self.elb.create_load_balancer,
                LoadBalancerName=name,
                Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 81, "InstancePort": 81}],
                Subnets=subnets[:1],
            ),
            "DuplicateLoadBalancerName",
        )
        self.assertEqual(
            self.code(self.elb.describe_instance_health, LoadBalancerName=name, Instances=[{"InstanceId": ids[1]}]),
            "InvalidInstance",
        )
        self.assertEqual(
            self.code(
                self.elb.register_instances_with_load_balancer,
                LoadBalancerName=name,
                Instances=[{"InstanceId": "i-0123456789abcdef0"}],
            ),
            "InvalidInstance",
        )


if __name__ == "__main__":
    unittest.main()
