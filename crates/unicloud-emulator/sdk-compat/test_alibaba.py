"""The official Alibaba Cloud SDKs for Python against the emulator: the Tea/OpenAPI SDKs
(alibabacloud_ecs20140526, alibabacloud_sts20150401; ACS3-HMAC-SHA256) and the legacy core SDK
(aliyun-python-sdk-core + aliyun-python-sdk-ecs; RPC v1 HMAC-SHA1)."""

import json
import unittest
import uuid

from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_sts20150401 import models as sts
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi import exceptions as tea_errors
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest

import emulator_env as env

REGION = "cn-shenzhen"
IMAGE = "aliyun_3_x64_20G_alibase_20240819.vhd"


def config(key_id=env.ALIBABA_ID, secret=env.ALIBABA_SECRET, token=None):
    return Config(
        access_key_id=key_id,
        access_key_secret=secret,
        security_token=token,
        endpoint=env.ADDR,
        protocol="http",
        region_id=REGION,
    )


def run(client, amount, suite, token=None):
    return client.run_instances(
        ecs.RunInstancesRequest(
            region_id=REGION,
            zone_id=f"{REGION}-a",
            image_id=IMAGE,
            instance_type="ecs.g7.large",
            instance_name="web",
            amount=amount,
            client_token=token,
            tag=[ecs.RunInstancesRequestTag(key="suite", value=suite)],
        )
    ).body


def describe(client, **kwargs):
    return client.describe_instances(ecs.DescribeInstancesRequest(region_id=REGION, **kwargs)).body


def suite_tag(suite):
    return [ecs.DescribeInstancesRequestTag(key="suite", value=suite)]


def listed(body):
    return [i.instance_id for i in body.instances.instance]


class Ecs(unittest.TestCase):
    def setUp(self):
        self.ecs = EcsClient(config())
        self.suite = uuid.uuid4().hex

    def statuses(self, ids):
        body = describe(self.ecs, instance_ids=json.dumps(ids))
        return {i.instance_id: i.status for i in body.instances.instance}

    def test_run_instances_client_token_and_describe(self):
        token = f"tok-{self.suite}"
        first = run(self.ecs, 2, self.suite, token)
        ids = first.instance_id_sets.instance_id_set
        self.assertEqual(len(ids), 2)
        for i in ids:
            self.assertRegex(i, r"^i-[0-9a-z]{20}$")
        self.assertTrue(first.request_id)
        again = run(self.ecs, 2, self.suite, token)
        self.assertEqual(again.instance_id_sets.instance_id_set, ids, "same ClientToken, same instances")
        body = describe(self.ecs, instance_ids=json.dumps(ids))
        self.assertEqual(body.total_count, 2)
        self.assertEqual(sorted(listed(body)), sorted(ids))
        one = body.instances.instance[0]
        self.assertEqual(one.instance_name, "web")
        self.assertEqual(one.instance_type, "ecs.g7.large")
        self.assertEqual(one.image_id, IMAGE)
        self.assertEqual(one.zone_id, f"{REGION}-a")
        self.assertEqual(one.region_id, REGION)
        self.assertEqual([(t.tag_key, t.tag_value) for t in one.tags.tag], [("suite", self.suite)])
        self.assertIn(one.status, ("Pending", "Starting", "Running"))
        self.assertTrue(one.vpc_attributes.private_ip_address.ip_address)

    def test_tag_filters_and_paging(self):
        ids = run(self.ecs, 5, self.suite).instance_id_sets.instance_id_set
        seen = []
        for page in (1, 2, 3):
            body = describe(self.ecs, tag=suite_tag(self.suite), page_number=page, page_size=2)
            self.assertEqual((body.total_count, body.page_number, body.page_size), (5, page, 2))
            seen += listed(body)
        self.assertEqual(sorted(seen), sorted(ids))
        # NextToken paging.
        first = describe(self.ecs, tag=suite_tag(self.suite), max_results=3)
        self.assertEqual(len(listed(first)), 3)
        self.assertTrue(first.next_token)
        second = describe(self.ecs, tag=suite_tag(self.suite), max_results=3, next_token=first.next_token)
        self.assertEqual(sorted(listed(first) + listed(second)), sorted(ids))
        self.assertFalse(second.next_token)
        # Status and InstanceIds (a JSON array in a string) together with Tag.N.
        self.ecs.stop_instances(ecs.StopInstancesRequest(region_id=REGION, instance_id=ids[:2]))
        stopped = describe(self.ecs, tag=suite_tag(self.suite), status="Stopped")
        self.assertEqual(sorted(listed(stopped)), sorted(ids[:2]))
        picked = describe(self.ecs, tag=suite_tag(self.suite), instance_ids=json.dumps(ids[1:3]))
        self.assertEqual(sorted(listed(picked)), sorted(ids[1:3]))
        other = describe(self.ecs, tag=suite_tag("no-such-suite"), instance_ids=json.dumps(ids))
        self.assertEqual(other.total_count, 0)

    def test_stop_start_delete(self):
        ids = run(self.ecs, 2, self.suite).instance_id_sets.instance_id_set
        self.assertEqual(set(self.statuses(ids).values()), {"Running"})
        stop = self.ecs.stop_instances(ecs.StopInstancesRequest(region_id=REGION, instance_id=ids)).body
        self.assertEqual(
            sorted((r.instance_id, r.previous_status) for r in stop.instance_responses.instance_response),
            sorted((i, "Running") for i in ids),
        )
        self.assertEqual(set(self.statuses(ids).values()), {"Stopped"})
        self.ecs.start_instances(ecs.StartInstancesRequest(region_id=REGION, instance_id=ids))
        self.assertEqual(set(self.statuses(ids).values()), {"Running"})
        # A running instance is deleted only with Force (which the SDK sends as `Force=True`).
        with self.assertRaises(tea_errors.AlibabaCloudException) as cm:
            self.ecs.delete_instances(ecs.DeleteInstancesRequest(region_id=REGION, instance_id=ids))
        self.assertEqual(cm.exception.code, "IncorrectInstanceStatus")
        deleted = self.ecs.delete_instances(
            ecs.DeleteInstancesRequest(region_id=REGION, instance_id=ids, force=True)
        ).body
        self.assertTrue(deleted.request_id)
        self.assertEqual(self.statuses(ids), {})

    def test_wrong_secret_and_unknown_key(self):
        with self.assertRaises(tea_errors.AlibabaCloudException) as cm:
            describe(EcsClient(config(secret="not-the-secret")))
        self.assertEqual(cm.exception.code, "SignatureDoesNotMatch")
        self.assertEqual(cm.exception.status_code, 400)
        self.assertTrue(cm.exception.request_id)
        with self.assertRaises(tea_errors.AlibabaCloudException) as cm:
            describe(EcsClient(config(key_id="LTAIunknownunknown")))
        self.assertEqual(cm.exception.code, "InvalidAccessKeyId.NotFound")
        self.assertEqual(cm.exception.status_code, 404)


class LegacyCore(unittest.TestCase):
    """aliyun-python-sdk-core: RPC v1 HMAC-SHA1, parameters in the query."""

    def describe(self, secret=env.ALIBABA_SECRET, **params):
        client = AcsClient(env.ALIBABA_ID, secret, REGION, auto_retry=False)
        req = DescribeInstancesRequest()
        req.set_endpoint(env.ADDR)
        req.set_protocol_type("http")
        for name, value in params.items():
            getattr(req, f"set_{name}")(value)
        return json.loads(client.do_action_with_exception(req))

    def test_describe_instances(self):
        suite = f"legacy {uuid.uuid4().hex}+1"  # a space and a '+' survive both encodings
        ids = run(EcsClient(config()), 2, suite).instance_id_sets.instance_id_set
        out = self.describe(InstanceIds=json.dumps(ids), Tags=[{"Key": "suite", "Value": suite}])
        self.assertEqual(out["TotalCount"], 2)
        got = out["Instances"]["Instance"]
        self.assertEqual(sorted(i["InstanceId"] for i in got), sorted(ids))
        self.assertEqual(got[0]["Tags"]["Tag"], [{"TagKey": "suite", "TagValue": suite}])
        self.assertEqual(got[0]["Status"], "Running")
        page = self.describe(Tags=[{"Key": "suite", "Value": suite}], PageSize=1, PageNumber=2)
        self.assertEqual((page["TotalCount"], page["PageNumber"]), (2, 2))
        self.assertEqual(len(page["Instances"]["Instance"]), 1)

    def test_wrong_secret(self):
        # The emulator answers 400 SignatureDoesNotMatch with its string to sign after the
        # message's ':'; the SDK compares that with its own and, as they are equal, reports
        # the wrong secret as InvalidAccessKeySecret.
        with self.assertRaises(ServerException) as cm:
            self.describe(secret="not-the-secret")
        self.assertEqual(cm.exception.get_error_code(), "InvalidAccessKeySecret")
        self.assertEqual(cm.exception.get_http_status(), 400)
        self.assertTrue(cm.exception.get_request_id())


class Sts(unittest.TestCase):
    def test_assume_role_then_ecs_with_the_temporary_credentials(self):
        role = f"acs:ram::{env.ALIBABA_ACCOUNT}:role/sdk-compat"
        out = StsClient(config()).assume_role(
            sts.AssumeRoleRequest(role_arn=role, role_session_name="tea-sdk", duration_seconds=900)
        ).body
        c = out.credentials
        self.assertTrue(c.access_key_id.startswith("STS."), c.access_key_id)
        self.assertTrue(c.access_key_secret and c.security_token)
        self.assertTrue(c.expiration.endswith("Z"), c.expiration)
        self.assertEqual(
            out.assumed_role_user.arn, f"acs:ram::{env.ALIBABA_ACCOUNT}:assumed-role/sdk-compat/tea-sdk"
        )
        temp = config(c.access_key_id, c.access_key_secret, c.security_token)
        tecs = EcsClient(temp)
        suite = uuid.uuid4().hex
        ids = run(tecs, 1, suite).instance_id_sets.instance_id_set
        self.assertEqual(listed(describe(tecs, instance_ids=json.dumps(ids))), ids)
        who = StsClient(temp).get_caller_identity().body
        self.assertEqual(who.account_id, env.ALIBABA_ACCOUNT)
        self.assertEqual(who.arn, out.assumed_role_user.arn)
        # The temporary key without its token is refused.
        with self.assertRaises(tea_errors.AlibabaCloudException) as cm:
            describe(EcsClient(config(c.access_key_id, c.access_key_secret)))
        self.assertEqual(cm.exception.code, "InvalidSecurityToken.MismatchWithAccessKey")

    def test_caller_identity_of_a_static_key(self):
        who = StsClient(config()).get_caller_identity().body
        self.assertEqual(who.account_id, env.ALIBABA_ACCOUNT)
        self.assertTrue(who.arn.startswith(f"acs:ram::{env.ALIBABA_ACCOUNT}:"), who.arn)


if __name__ == "__main__":
    unittest.main()
