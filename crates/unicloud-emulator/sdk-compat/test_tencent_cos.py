"""cos-python-sdk-v5 against the emulator's COS: put_object, upload_file (multipart), head."""

import hashlib
import os
import tempfile
import unittest
import uuid

from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

import emulator_env as env

# cos-python-sdk-v5 returns the raw response headers as a plain dict; the emulator's HTTP
# stack (hyper) sends header names lower-case (HTTP header names are case-insensitive), so
# the tests read them through `lower`, as the SDK itself does for part ETags.


def lower(headers):
    return {k.lower(): v for k, v in headers.items()}

HOST, PORT = env.ADDR.rsplit(":", 1)


def cos(secret=env.TENCENT_SECRET):
    cfg = CosConfig(
        Region="ap-guangzhou",
        SecretId=env.TENCENT_ID,
        SecretKey=secret,
        Scheme="http",
        IP=HOST,
        Port=int(PORT),
    )
    return CosS3Client(cfg, retry=1)


class Cos(unittest.TestCase):
    def setUp(self):
        self.c = cos()
        self.bucket = f"compat{uuid.uuid4().hex[:10]}-1250000000"
        self.c.create_bucket(Bucket=self.bucket)

    def test_put_and_head(self):
        body = b"hello cos\n"
        put = lower(self.c.put_object(Bucket=self.bucket, Key="dir/hello.txt", Body=body))
        self.assertEqual(put["etag"], '"%s"' % hashlib.md5(body).hexdigest())
        head = lower(self.c.head_object(Bucket=self.bucket, Key="dir/hello.txt"))
        self.assertEqual(head["x-cos-hash-crc64ecma"], "3777670931780528061")
        got = self.c.get_object(Bucket=self.bucket, Key="dir/hello.txt")
        self.assertEqual(got["Body"].get_raw_stream().read(), body)

    def test_upload_file_multipart(self):
        data = os.urandom(3 * 1024 * 1024 + 17)
        with tempfile.NamedTemporaryFile() as f:
            f.write(data)
            f.flush()
            self.c.upload_file(Bucket=self.bucket, Key="big.bin", LocalFilePath=f.name, PartSize=1, MAXThread=2)
        head = lower(self.c.head_object(Bucket=self.bucket, Key="big.bin"))
        self.assertTrue(head["etag"].endswith('-4"'), head["etag"])
        got = self.c.get_object(Bucket=self.bucket, Key="big.bin")
        self.assertEqual(got["Body"].get_raw_stream().read(), data)

    def test_wrong_secret(self):
        with self.assertRaises(CosServiceError) as e:
            cos("wrong").put_object(Bucket=self.bucket, Key="evil", Body=b"x")
        self.assertEqual(e.exception.get_error_code(), "SignatureDoesNotMatch")
        self.assertTrue(e.exception.get_request_id())


if __name__ == "__main__":
    unittest.main()
