"""oss2 against the emulator's OSS: put_object, resumable_upload (multipart), CRC checks."""

import hashlib
import os
import tempfile
import unittest
import uuid

import oss2

import emulator_env as env


def bucket(name, secret=env.ALIBABA_SECRET):
    auth = oss2.Auth(env.ALIBABA_ID, secret)
    return oss2.Bucket(auth, env.URL, name, enable_crc=True)


class Oss(unittest.TestCase):
    def setUp(self):
        self.name = f"compat-{uuid.uuid4().hex[:12]}"
        self.b = bucket(self.name)
        self.b.create_bucket()

    def test_put_and_get_with_crc(self):
        body = b"hello oss\n"
        put = self.b.put_object("dir/hello.txt", body)
        self.assertEqual(put.etag.lower(), hashlib.md5(body).hexdigest())
        self.assertEqual(put.crc, 17223430255209957478)
        self.assertEqual(self.b.get_object("dir/hello.txt").read(), body)

    def test_resumable_upload_multipart(self):
        data = os.urandom(350 * 1024)
        with tempfile.NamedTemporaryFile() as f:
            f.write(data)
            f.flush()
            oss2.resumable_upload(
                self.b, "big.bin", f.name, multipart_threshold=100 * 1024, part_size=100 * 1024, num_threads=2
            )
        head = self.b.head_object("big.bin")
        self.assertTrue(head.etag.endswith("-4"), head.etag)
        self.assertEqual(self.b.get_object("big.bin").read(), data)

    def test_v4_signature(self):
        auth = oss2.AuthV4(env.ALIBABA_ID, env.ALIBABA_SECRET)
        b4 = oss2.Bucket(auth, env.URL, self.name, region="cn-hangzhou")
        b4.put_object("v4.txt", b"v4")
        self.assertEqual(b4.get_object("v4.txt").read(), b"v4")

    def test_wrong_secret(self):
        with self.assertRaises(oss2.exceptions.ServerError) as e:
            bucket(self.name, "wrong").put_object("evil", b"x")
        self.assertEqual(e.exception.code, "SignatureDoesNotMatch")
        self.assertEqual(e.exception.status, 403)


if __name__ == "__main__":
    unittest.main()
