"""The official Tencent Cloud SDK for Python (tencentcloud-sdk-python-common + -cvm + -sts)
against the emulator: CVM and STS, TC3-HMAC-SHA256 and the legacy HmacSHA1/HmacSHA256."""

import json
import unittest
import uuid

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cvm.v20170312 import cvm_client
from tencentcloud.cvm.v20170312 import models as cvm
from tencentcloud.sts.v20180813 import models as sts
from tencentcloud.sts.v20180813 import sts_client

import emulator_env as env

REGION = "ap-shanghai"


def profile(sign_method=None, method="POST"):
    http = HttpProfile(endpoint=env.ADDR, protocol="http", reqMethod=method)
    if sign_method:
        return ClientProfile(signMethod=sign_method, httpProfile=http)
    return ClientProfile(httpProfile=http)


def cvm_of(cred=None, prof=None):
    cred = cred or credential.Credential(env.TENCENT_ID, env.TENCENT_SECRET)
    return cvm_client.CvmClient(cred, REGION, prof or profile())


def request(cls, **fields):
    req = cls()
    req.from_json_string(json.dumps(fields))
    return req


def run(client, count, suite, token=None):
    fields = {
        "Placement": {"Zone": f"{REGION}-2"},
        "ImageId": "img-pi0ii46r",
        "InstanceType": "S5.MEDIUM2",
        "InstanceCount": count,
        "InstanceName": "web",
        "TagSpecification": [
            {"ResourceType": "instance", "Tags": [{"Key": "suite", "Value": suite}]}
        ],
    }
    if token:
        fields["ClientToken"] = token
    return client.RunInstances(request(cvm.RunInstancesRequest, **fields))


def describe(client, **fields):
    return client.DescribeInstances(request(cvm.DescribeInstancesRequest, **fields))


def tag_filter(suite):
    return [{"Name": "tag:suite", "Values": [suite]}]


class Cvm(unittest.TestCase):
    def setUp(self):
        self.cvm = cvm_of()
        self.suite = uuid.uuid4().hex

    def test_run_instances_client_token_and_describe(self):
        token = f"tok-{self.suite}"
        first = run(self.cvm, 2, self.suite, token)
        ids = first.InstanceIdSet
        self.assertEqual(len(ids), 2)
        for i in ids:
            self.assertRegex(i, r"^ins-[0-9a-z]{8}$")
        self.assertTrue(first.RequestId)
        again = run(self.cvm, 2, self.suite, token)
        self.assertEqual(again.InstanceIdSet, ids, "same ClientToken, same instances")
        out = describe(self.cvm, InstanceIds=ids)
        self.assertEqual(out.TotalCount, 2)
        self.assertEqual(sorted(i.InstanceId for i in out.InstanceSet), sorted(ids))
        one = out.InstanceSet[0]
        self.assertEqual(one.InstanceName, "web")
        self.assertEqual(one.InstanceType, "S5.MEDIUM2")
        self.assertEqual(one.ImageId, "img-pi0ii46r")
        self.assertEqual(one.Placement.Zone, f"{REGION}-2")
        self.assertEqual([(t.Key, t.Value) for t in one.Tags], [("suite", self.suite)])
        self.assertIn(one.InstanceState, ("PENDING", "RUNNING"))
        self.assertTrue(one.PrivateIpAddresses)

    def test_filters_and_offset_limit_paging(self):
        ids = run(self.cvm, 5, self.suite).InstanceIdSet
        seen = []
        for offset in (0, 2, 4):
            page = describe(self.cvm, Filters=tag_filter(self.suite), Offset=offset, Limit=2)
            self.assertEqual(page.TotalCount, 5)
            seen += [i.InstanceId for i in page.InstanceSet]
        self.assertEqual(sorted(seen), sorted(ids))
        self.cvm.StopInstances(request(cvm.StopInstancesRequest, InstanceIds=ids[:2]))
        stopped = describe(
            self.cvm,
            Filters=tag_filter(self.suite) + [{"Name": "instance-state", "Values": ["STOPPED"]}],
        )
        self.assertEqual(sorted(i.InstanceId for i in stopped.InstanceSet), sorted(ids[:2]))
        with self.assertRaises(TencentCloudSDKException) as cm:
            describe(self.cvm, Limit=101)
        self.assertEqual(cm.exception.get_code(), "InvalidParameterValue.LimitExceeded")

    def test_stop_start_terminate(self):
        ids = run(self.cvm, 2, self.suite).InstanceIdSet

        def states():
            return {i.InstanceId: i.InstanceState for i in describe(self.cvm, InstanceIds=ids).InstanceSet}

        self.assertEqual(set(states().values()), {"RUNNING"})
        self.assertTrue(self.cvm.StopInstances(request(cvm.StopInstancesRequest, InstanceIds=ids)).RequestId)
        self.assertEqual(set(states().values()), {"STOPPED"})
        self.cvm.StartInstances(request(cvm.StartInstancesRequest, InstanceIds=ids))
        self.assertEqual(set(states().values()), {"RUNNING"})
        with self.assertRaises(TencentCloudSDKException) as cm:
            self.cvm.StartInstances(request(cvm.StartInstancesRequest, InstanceIds=ids))
        self.assertEqual(cm.exception.get_code(), "UnsupportedOperation.InstanceStateRunning")
        self.cvm.TerminateInstances(request(cvm.TerminateInstancesRequest, InstanceIds=ids))
        self.assertEqual(describe(self.cvm, InstanceIds=ids).TotalCount, 0)
        with self.assertRaises(TencentCloudSDKException) as cm:
            self.cvm.StopInstances(request(cvm.StopInstancesRequest, InstanceIds=ids))
        self.assertEqual(cm.exception.get_code(), "InvalidInstanceId.NotFound")

    def test_legacy_signatures_get_and_post(self):
        ids = run(self.cvm, 1, self.suite).InstanceIdSet
        for method in ("GET", "POST"):
            for sign_method in ("HmacSHA1", "HmacSHA256", "TC3-HMAC-SHA256"):
                with self.subTest(method=method, sign_method=sign_method):
                    client = cvm_of(prof=profile(sign_method, method))
                    out = describe(client, Filters=tag_filter(self.suite))
                    self.assertEqual([i.InstanceId for i in out.InstanceSet], ids)
                    bad = cvm_of(credential.Credential(env.TENCENT_ID, "not-the-secret"), profile(sign_method, method))
                    with self.assertRaises(TencentCloudSDKException) as cm:
                        describe(bad)
                    self.assertEqual(cm.exception.get_code(), "AuthFailure.SignatureFailure")

    def test_wrong_secret_and_unknown_key(self):
        bad = cvm_of(credential.Credential(env.TENCENT_ID, "not-the-secret"))
        with self.assertRaises(TencentCloudSDKException) as cm:
            describe(bad)
        self.assertEqual(cm.exception.get_code(), "AuthFailure.SignatureFailure")
        self.assertTrue(cm.exception.get_request_id())
        unknown = cvm_of(credential.Credential("AKIDunknownunknownunknown", env.TENCENT_SECRET))
        with self.assertRaises(TencentCloudSDKException) as cm:
            describe(unknown)
        self.assertEqual(cm.exception.get_code(), "AuthFailure.SecretIdNotFound")


class Sts(unittest.TestCase):
    def test_assume_role_then_cvm_with_the_temporary_credentials(self):
        cred = credential.Credential(env.TENCENT_ID, env.TENCENT_SECRET)
        client = sts_client.StsClient(cred, REGION, profile())
        role = f"qcs::cam::uin/{env.TENCENT_ACCOUNT}:roleName/sdk-compat"
        out = client.AssumeRole(
            request(sts.AssumeRoleRequest, RoleArn=role, RoleSessionName="tc-sdk", DurationSeconds=900)
        )
        c = out.Credentials
        self.assertTrue(c.TmpSecretId.startswith("AKID"), c.TmpSecretId)
        self.assertTrue(c.TmpSecretKey and c.Token)
        self.assertGreater(out.ExpiredTime, 0)
        self.assertTrue(out.Expiration.endswith("Z"), out.Expiration)
        temp = credential.Credential(c.TmpSecretId, c.TmpSecretKey, c.Token)
        tcvm = cvm_of(temp)
        suite = uuid.uuid4().hex
        ids = run(tcvm, 1, suite).InstanceIdSet
        self.assertEqual(describe(tcvm, InstanceIds=ids).InstanceSet[0].InstanceId, ids[0])
        who = sts_client.StsClient(temp, REGION, profile()).GetCallerIdentity(sts.GetCallerIdentityRequest())
        self.assertEqual(who.AccountId, env.TENCENT_ACCOUNT)
        self.assertIn("sdk-compat", who.Arn)
        # The temporary key without its token is refused.
        no_token = cvm_of(credential.Credential(c.TmpSecretId, c.TmpSecretKey))
        with self.assertRaises(TencentCloudSDKException) as cm:
            describe(no_token)
        self.assertEqual(cm.exception.get_code(), "AuthFailure.TokenFailure")


if __name__ == "__main__":
    unittest.main()
