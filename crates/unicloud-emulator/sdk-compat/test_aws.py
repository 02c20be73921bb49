"""boto3 (the official AWS SDK for Python) against the emulator: EC2 and STS."""

import os
import unittest
import uuid

import boto3
import botocore.exceptions
from botocore.config import Config

import emulator_env as env

# One attempt: an error must surface, not be retried away.
NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"})


def client(service, region, key_id=env.AWS_ID, secret=env.AWS_SECRET, token=None):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=env.URL,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=NO_RETRY,
    )


def instance_ids(reservations):
    return [i["InstanceId"] for r in reservations for i in r["Instances"]]


def states(ec2, ids):
    out = ec2.describe_instances(InstanceIds=ids)
    return {i["InstanceId"]: i["State"]["Name"] for r in out["Reservations"] for i in r["Instances"]}


class Ec2(unittest.TestCase):
    REGION = "us-west-2"

    @classmethod
    def setUpClass(cls):
        cls.ec2 = client("ec2", cls.REGION)

    def run_tagged(self, count, suite, token=None, itype="t3.micro"):
        kwargs = dict(
            ImageId="ami-0abcdef1234567890",
            InstanceType=itype,
            MinCount=count,
            MaxCount=count,
            TagSpecifications=[
                {
                    "ResourceType": "instance",
                    "Tags": [{"Key": "Name", "Value": "web"}, {"Key": "suite", "Value": suite}],
                }
            ],
        )
        if token:
            kwargs["ClientToken"] = token
        return self.ec2.run_instances(**kwargs)

    def test_run_instances_client_token_and_tags(self):
        suite = uuid.uuid4().hex
        token = f"tok-{suite}"
        first = self.run_tagged(2, suite, token)
        ids = [i["InstanceId"] for i in first["Instances"]]
        self.assertEqual(len(ids), 2)
        for i in first["Instances"]:
            self.assertRegex(i["InstanceId"], r"^i-[0-9a-f]{17}$")
            self.assertIn(i["State"]["Name"], ("pending", "running"))
            self.assertEqual(i["InstanceType"], "t3.micro")
            self.assertEqual(i["ImageId"], "ami-0abcdef1234567890")
            self.assertEqual({t["Key"]: t["Value"] for t in i["Tags"]}, {"Name": "web", "suite": suite})
            self.assertEqual(i["Placement"]["AvailabilityZone"][: len(self.REGION)], self.REGION)
        self.assertTrue(first["ReservationId"].startswith("r-"))
        # The same ClientToken returns the original reservation and creates nothing new.
        again = self.run_tagged(2, suite, token)
        self.assertEqual([i["InstanceId"] for i in again["Instances"]], ids)
        self.assertEqual(again["ReservationId"], first["ReservationId"])
        tagged = self.ec2.describe_instances(Filters=[{"Name": "tag:suite", "Values": [suite]}])
        self.assertEqual(sorted(instance_ids(tagged["Reservations"])), sorted(ids))
        # The same token with other parameters is refused.
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.run_tagged(3, suite, token)
        self.assertEqual(cm.exception.response["Error"]["Code"], "IdempotentParameterMismatch")

    def test_describe_filters_and_paging(self):
        suite = uuid.uuid4().hex
        ids = [i["InstanceId"] for i in self.run_tagged(6, suite)["Instances"]]
        big = [i["InstanceId"] for i in self.run_tagged(1, suite, itype="m5.large")["Instances"]]
        flt = [{"Name": "tag:suite", "Values": [suite]}]
        # Paging: MaxResults 5 over 7 instances is two pages linked by NextToken.
        first = self.ec2.describe_instances(Filters=flt, MaxResults=5)
        self.assertEqual(len(instance_ids(first["Reservations"])), 5)
        self.assertTrue(first.get("NextToken"))
        second = self.ec2.describe_instances(Filters=flt, MaxResults=5, NextToken=first["NextToken"])
        self.assertEqual(len(instance_ids(second["Reservations"])), 2)
        self.assertFalse(second.get("NextToken"))
        seen = instance_ids(first["Reservations"]) + instance_ids(second["Reservations"])
        self.assertEqual(sorted(seen), sorted(ids + big))
        # The paginator follows the same tokens.
        pages = self.ec2.get_paginator("describe_instances").paginate(
            Filters=flt, PaginationConfig={"PageSize": 5}
        )
        paged = [i for page in pages for i in instance_ids(page["Reservations"])]
        self.assertEqual(sorted(paged), sorted(ids + big))
        # Filters: instance-type, instance-state-name, and ids.
        m5 = self.ec2.describe_instances(
            Filters=flt + [{"Name": "instance-type", "Values": ["m5.large"]}]
        )
        self.assertEqual(instance_ids(m5["Reservations"]), big)
        self.ec2.stop_instances(InstanceIds=ids[:2])
        stopped = self.ec2.describe_instances(
            Filters=flt + [{"Name": "instance-state-name", "Values": ["stopped"]}]
        )
        self.assertEqual(sorted(instance_ids(stopped["Reservations"])), sorted(ids[:2]))
        by_id = self.ec2.describe_instances(InstanceIds=[ids[3]])
        self.assertEqual(instance_ids(by_id["Reservations"]), [ids[3]])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"])
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidInstanceID.NotFound")

    def test_stop_start_terminate(self):
        suite = uuid.uuid4().hex
        ids = [i["InstanceId"] for i in self.run_tagged(2, suite)["Instances"]]
        self.assertEqual(set(states(self.ec2, ids).values()), {"running"})
        stop = self.ec2.stop_instances(InstanceIds=ids)
        for change in stop["StoppingInstances"]:
            self.assertIn(change["InstanceId"], ids)
            self.assertEqual(change["PreviousState"]["Name"], "running")
            self.assertIn(change["CurrentState"]["Name"], ("stopping", "stopped"))
        self.assertEqual(set(states(self.ec2, ids).values()), {"stopped"})
        start = self.ec2.start_instances(InstanceIds=ids)
        for change in start["StartingInstances"]:
            self.assertEqual(change["PreviousState"]["Name"], "stopped")
            self.assertIn(change["CurrentState"]["Name"], ("pending", "running"))
        self.assertEqual(set(states(self.ec2, ids).values()), {"running"})
        waiter = self.ec2.get_waiter("instance_running")
        waiter.wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 3})
        term = self.ec2.terminate_instances(InstanceIds=ids)
        self.assertEqual(sorted(c["InstanceId"] for c in term["TerminatingInstances"]), sorted(ids))
        for change in term["TerminatingInstances"]:
            self.assertEqual(change["PreviousState"]["Name"], "running")
            self.assertIn(change["CurrentState"]["Name"], ("shutting-down", "terminated"))
        self.assertEqual(set(states(self.ec2, ids).values()), {"terminated"})
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.ec2.start_instances(InstanceIds=ids[:1])
        self.assertEqual(cm.exception.response["Error"]["Code"], "IncorrectInstanceState")

    def test_wrong_secret_is_auth_failure(self):
        bad = client("ec2", self.REGION, secret="not-the-secret")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            bad.describe_instances()
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], "AuthFailure")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 401)
        unknown = client("ec2", self.REGION, key_id="AKIAUNKNOWNKEY000000")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            unknown.describe_instances()
        self.assertEqual(cm.exception.response["Error"]["Code"], "AuthFailure")


class EndpointFromEnvironment(unittest.TestCase):
    def test_aws_endpoint_url_variable(self):
        # AWS_ENDPOINT_URL points every service of a session at the emulator.
        saved = os.environ.get("AWS_ENDPOINT_URL")
        os.environ["AWS_ENDPOINT_URL"] = env.URL
        try:
            session = boto3.session.Session(
                aws_access_key_id=env.AWS_ID,
                aws_secret_access_key=env.AWS_SECRET,
                region_name="ap-southeast-1",
            )
            me = session.client("sts", config=NO_RETRY).get_caller_identity()
            self.assertEqual(me["Account"], env.AWS_ACCOUNT)
            out = session.client("ec2", config=NO_RETRY).describe_instances()
            self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 200)
        finally:
            if saved is None:
                del os.environ["AWS_ENDPOINT_URL"]
            else:
                os.environ["AWS_ENDPOINT_URL"] = saved


class Sts(unittest.TestCase):
    REGION = "eu-central-1"

    def test_caller_identity_of_a_static_key(self):
        me = client("sts", self.REGION).get_caller_identity()
        self.assertEqual(me["Account"], env.AWS_ACCOUNT)
        self.assertTrue(me["Arn"].startswith(f"arn:aws:iam::{env.AWS_ACCOUNT}:user/"), me["Arn"])
        self.assertTrue(me["UserId"])

    def test_assume_role_then_ec2_with_the_temporary_credentials(self):
        role = f"arn:aws:iam::{env.AWS_ACCOUNT}:role/sdk-compat"
        out = client("sts", self.REGION).assume_role(
            RoleArn=role, RoleSessionName="boto3", DurationSeconds=900
        )
        creds = out["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"), creds["AccessKeyId"])
        self.assertTrue(creds["SecretAccessKey"] and creds["SessionToken"])
        self.assertEqual(
            out["AssumedRoleUser"]["Arn"],
            f"arn:aws:sts::{env.AWS_ACCOUNT}:assumed-role/sdk-compat/boto3",
        )
        self.assertTrue(out["AssumedRoleUser"]["AssumedRoleId"].endswith(":boto3"))
        temp = dict(key_id=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
        who = client("sts", self.REGION, **temp).get_caller_identity()
        self.assertEqual(who["Arn"], out["AssumedRoleUser"]["Arn"])
        ec2 = client("ec2", self.REGION, **temp)
        run = ec2.run_instances(ImageId="ami-0abcdef1234567890", InstanceType="t3.nano", MinCount=1, MaxCount=1)
        new = run["Instances"][0]["InstanceId"]
        self.assertEqual(states(ec2, [new]), {new: "running"})
        # The same temporary key without its session token is refused.
        no_token = client("ec2", self.REGION, key_id=creds["AccessKeyId"], secret=creds["SecretAccessKey"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            no_token.describe_instances()
        self.assertEqual(cm.exception.response["Error"]["Code"], "AuthFailure")

    def test_wrong_secret_is_signature_does_not_match(self):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            client("sts", self.REGION, secret="not-the-secret").get_caller_identity()
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], "SignatureDoesNotMatch")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 403)


if __name__ == "__main__":
    unittest.main()
