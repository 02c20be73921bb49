"""The Python peers of .ci/bench-storage.sh, each at its library's default settings, plus the
checks around them and the loopback ceiling.

    peers.py boto3-upload FILE BUCKET KEY        boto3 upload_file (default TransferConfig)
    peers.py cos-upload FILE BUCKET KEY          cos-python-sdk-v5 upload_file (its defaults)
    peers.py oss-upload FILE BUCKET KEY [THREADS] oss2.resumable_upload (its defaults; THREADS
                                                 overrides num_threads)
    peers.py head VENDOR BUCKET KEY              prints the stored object's size
    peers.py delete VENDOR BUCKET KEY            deletes it (so the storage budget holds)
    peers.py loopback FILE                       the ceiling: FILE sent over one loopback TCP
                                                 connection to a sink in another process;
                                                 prints the seconds the transfer took

The endpoint and keys come from the environment the script sets: BENCH_ADDR (127.0.0.1:PORT),
BENCH_AWS_ID/SECRET, BENCH_TENCENT_ID/SECRET, BENCH_ALIBABA_ID/SECRET.
"""

import os
import socket
import sys
import tempfile
import time


def env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"peers.py: {name} is not set (run through .ci/bench-storage.sh)")
    return value


def s3():
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=f"http://{env('BENCH_ADDR')}",
        region_name="us-east-1",
        aws_access_key_id=env("BENCH_AWS_ID"),
        aws_secret_access_key=env("BENCH_AWS_SECRET"),
    )


def cos():
    from qcloud_cos import CosConfig, CosS3Client

    host, port = env("BENCH_ADDR").rsplit(":", 1)
    cfg = CosConfig(
        Region="ap-guangzhou",
        SecretId=env("BENCH_TENCENT_ID"),
        SecretKey=env("BENCH_TENCENT_SECRET"),
        Scheme="http",
        IP=host,
        Port=int(port),
    )
    return CosS3Client(cfg)


def oss(bucket):
    import oss2

    auth = oss2.Auth(env("BENCH_ALIBABA_ID"), env("BENCH_ALIBABA_SECRET"))
    return oss2.Bucket(auth, f"http://{env('BENCH_ADDR')}", bucket)


def head_size(vendor, bucket, key):
    if vendor == "aws":
        return s3().head_object(Bucket=bucket, Key=key)["ContentLength"]
    if vendor == "tencent":
        headers = {k.lower(): v for k, v in cos().head_object(Bucket=bucket, Key=key).items()}
        return int(headers["content-length"])
    return oss(bucket).head_object(key).content_length


def delete(vendor, bucket, key):
    if vendor == "aws":
        s3().delete_object(Bucket=bucket, Key=key)
    elif vendor == "tencent":
        cos().delete_object(Bucket=bucket, Key=key)
    else:
        oss(bucket).delete_object(key)


def loopback(path):
    """Sends `path` with sendfile over one loopback connection to a child process that reads it
    into a 4 MiB buffer and answers with the count once the sender closes its side; returns the
    seconds from connect to that answer."""
    size = os.path.getsize(path)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    addr = listener.getsockname()
    pid = os.fork()
    if pid == 0:
        conn, _ = listener.accept()
        buf = memoryview(bytearray(4 << 20))
        total = 0
        while True:
            n = conn.recv_into(buf)
            if n == 0:
                break
            total += n
        conn.sendall(total.to_bytes(8, "big"))
        conn.close()
        os._exit(0)
    listener.close()
    with open(path, "rb") as f:
        start = time.perf_counter()
        sock = socket.create_connection(addr)
        sock.sendfile(f)
        sock.shutdown(socket.SHUT_WR)
        got = int.from_bytes(sock.recv(8), "big")
        elapsed = time.perf_counter() - start
    sock.close()
    os.waitpid(pid, 0)
    if got != size:
        sys.exit(f"peers.py: the sink received {got} of {size} bytes")
    return elapsed


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "boto3-upload":
        path, bucket, key = args
        s3().upload_file(path, bucket, key)
    elif cmd == "cos-upload":
        path, bucket, key = args
        cos().upload_file(Bucket=bucket, Key=key, LocalFilePath=path)
    elif cmd == "oss-upload":
        import oss2

        path, bucket, key = args[:3]
        kwargs = {}
        if len(args) > 3:
            kwargs["num_threads"] = int(args[3])
        with tempfile.TemporaryDirectory() as store:
            oss2.resumable_upload(oss(bucket), key, path, store=oss2.ResumableStore(root=store), **kwargs)
    elif cmd == "head":
        print(head_size(*args))
    elif cmd == "delete":
        delete(*args)
    elif cmd == "loopback":
        print(f"{loopback(args[0]):.6f}")
    else:
        sys.exit(f"peers.py: unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
