"""boto3 against the emulator's S3: buckets, PUT, multipart through upload_file, checksums."""

import hashlib
import os
import tempfile
import unittest
import uuid

import boto3
import botocore.exceptions
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

import emulator_env as env

NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"})


def s3(secret=env.AWS_SECRET):
    return boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=env.URL,
        aws_access_key_id=env.AWS_ID,
        aws_secret_access_key=secret,
        config=NO_RETRY,
    )


class S3(unittest.TestCase):
    def setUp(self):
        self.c = s3()
        self.bucket = f"compat-{uuid.uuid4().hex[:12]}"
        self.c.create_bucket(Bucket=self.bucket)

    def test_put_get_with_checksum_mode(self):
        body = b"hello from boto3\n"
        put = self.c.put_object(Bucket=self.bucket, Key="dir/a.txt", Body=body, ChecksumAlgorithm="CRC32")
        self.assertEqual(put["ETag"], '"%s"' % hashlib.md5(body).hexdigest())
        got = self.c.get_object(Bucket=self.bucket, Key="dir/a.txt", ChecksumMode="ENABLED")
        self.assertEqual(got["Body"].read(), body)
        self.assertIn("ChecksumCRC32", got)
        part = self.c.get_object(Bucket=self.bucket, Key="dir/a.txt", Range="bytes=0-4")
        self.assertEqual(part["Body"].read(), b"hello")
        listed = self.c.list_objects_v2(Bucket=self.bucket, Prefix="dir/")
        self.assertEqual([o["Key"] for o in listed["Contents"]], ["dir/a.txt"])

    def test_upload_file_multipart(self):
        data = os.urandom(12 * 1024 * 1024 + 123)
        with tempfile.NamedTemporaryFile() as f:
            f.write(data)
            f.flush()
            cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
            self.c.upload_file(f.name, self.bucket, "big.bin", Config=cfg)
        head = self.c.head_object(Bucket=self.bucket, Key="big.bin")
        self.assertTrue(head["ETag"].endswith('-3"'), head["ETag"])
        got = self.c.get_object(Bucket=self.bucket, Key="big.bin", ChecksumMode="ENABLED")
        self.assertEqual(hashlib.md5(got["Body"].read()).hexdigest(), hashlib.md5(data).hexdigest())

    def test_list_uploads_and_abort(self):
        up = self.c.create_multipart_upload(Bucket=self.bucket, Key="tmp/x")
        self.c.create_multipart_upload(Bucket=self.bucket, Key="other/y")
        listed = self.c.list_multipart_uploads(Bucket=self.bucket, Prefix="tmp/")
        self.assertEqual([u["Key"] for u in listed["Uploads"]], ["tmp/x"])
        self.c.abort_multipart_upload(Bucket=self.bucket, Key="tmp/x", UploadId=up["UploadId"])
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.c.abort_multipart_upload(Bucket=self.bucket, Key="tmp/x", UploadId=up["UploadId"])
        self.assertEqual(e.exception.response["Error"]["Code"], "NoSuchUpload")

    def test_wrong_secret_and_missing_bucket(self):
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            s3("wrong-secret").put_object(Bucket=self.bucket, Key="evil", Body=b"x")
        self.assertEqual(e.exception.response["Error"]["Code"], "SignatureDoesNotMatch")
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.c.get_object(Bucket=self.bucket, Key="evil")
        self.assertEqual(e.exception.response["Error"]["Code"], "NoSuchKey")
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.c.get_object(Bucket="no-such-bucket-here", Key="k")
        self.assertEqual(e.exception.response["Error"]["Code"], "NoSuchBucket")


if __name__ == "__main__":
    unittest.main()
