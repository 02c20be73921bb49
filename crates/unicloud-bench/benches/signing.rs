//! The cost of signing one request with each signer, on the published vectors of
//! `shared/signature-vectors.md`. See the crate docs of `unicloud-bench` for how to run it.

#![allow(clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use unicloud_alibaba::sign::oss::v4;
use unicloud_alibaba::sign::{Credential as AliCredential, acs3, rpc_v1};
use unicloud_tencent::sign::{Credential as TcCredential, Payload, cos, tc3};

/// TC3-HMAC-SHA256, CVM DescribeInstances at 1551113065 (the documented example).
fn tc3(c: &mut Criterion) {
    let headers = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Host", "cvm.tencentcloudapi.com"),
        ("X-TC-Action", "DescribeInstances"),
        ("X-TC-Version", "2017-03-12"),
        ("X-TC-Region", "ap-guangzhou"),
        ("X-TC-Timestamp", "1551113065"),
    ];
    let body = br#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
    let req = tc3::Tc3Request {
        method: "POST",
        canonical_uri: "/",
        canonical_query: "",
        headers: &headers,
        signed_headers: &["content-type", "host"],
        payload: Payload::Bytes(body),
    };
    let cred = TcCredential::new(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    );
    let sign = || tc3::sign(black_box(&req), black_box(&cred), "cvm", 1551113065);
    assert_eq!(
        sign().expect("TC3 signs the vector").signature,
        "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    );
    c.bench_function("sign/tencent_tc3", |b| b.iter(sign));
}

/// ACS3-HMAC-SHA256, ECS RunInstances (the documented example).
fn acs3(c: &mut Criterion) {
    let headers = [
        ("host", "ecs.cn-shanghai.aliyuncs.com"),
        ("x-acs-action", "RunInstances"),
        ("x-acs-version", "2014-05-26"),
        ("x-acs-date", "2023-10-26T10:22:32Z"),
        ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
        (
            "x-acs-content-sha256",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
    ];
    let names: Vec<&str> = headers.iter().map(|(k, _)| *k).collect();
    let query = [
        (
            "ImageId",
            "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
        ),
        ("RegionId", "cn-shanghai"),
    ];
    let req = acs3::Acs3Request {
        method: "POST",
        path: "/",
        query: &query,
        headers: &headers,
        signed_headers: &names,
        payload: Payload::Bytes(b""),
    };
    let cred = AliCredential::new("YourAccessKeyId", "YourAccessKeySecret");
    let sign = || acs3::sign(black_box(&req), black_box(&cred));
    assert_eq!(
        sign().expect("ACS3 signs the vector").signature,
        "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    );
    c.bench_function("sign/alibaba_acs3", |b| b.iter(sign));
}

/// RPC v1 HMAC-SHA1, DescribeRegions (the documented example).
fn rpc_v1(c: &mut Criterion) {
    let params = [
        ("AccessKeyId", "testid"),
        ("Action", "DescribeRegions"),
        ("Format", "XML"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
        ("SignatureVersion", "1.0"),
        ("Timestamp", "2016-02-23T12:46:24Z"),
        ("Version", "2014-05-26"),
    ];
    let sign = || rpc_v1::sign("GET", black_box(&params), black_box("testsecret"));
    assert_eq!(sign().signature, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
    c.bench_function("sign/alibaba_rpc_v1", |b| b.iter(sign));
}

/// COS `q-sign-algorithm=sha1`, PUT of an object (the documented example).
fn cos(c: &mut Criterion) {
    let headers = [
        (
            "Host",
            "examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
        ),
        ("Content-Type", "text/plain"),
        ("Content-Length", "13"),
        ("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg=="),
        ("Date", "Thu, 16 May 2019 06:45:51 GMT"),
        ("x-cos-acl", "private"),
        ("x-cos-grant-read", "uin=\"100000000011\""),
    ];
    let names: Vec<&str> = headers.iter().map(|(k, _)| *k).collect();
    let req = cos::CosRequest {
        method: "PUT",
        path: "/exampleobject(腾讯云)",
        params: &[],
        headers: &headers,
        signed_headers: &names,
        signed_params: &[],
    };
    let cred = TcCredential::new(
        "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
    );
    let key_time = cos::KeyTime::new(1557989151, 1557996351).expect("a valid key time");
    let sign = || cos::sign(black_box(&req), black_box(&cred), key_time);
    assert_eq!(
        sign().expect("COS signs the vector").signature,
        "3b8851a11a569213c17ba8fa7dcf2abec6935172"
    );
    c.bench_function("sign/tencent_cos", |b| b.iter(sign));
}

/// OSS4-HMAC-SHA256, PUT of an object (the official OSS v2 SDK's unit-test vector).
fn oss_v4(c: &mut Criterion) {
    let headers = [
        ("x-oss-head1", "value"),
        ("abc", "value"),
        ("ZAbc", "value"),
        ("XYZ", "value"),
        ("content-type", "text/plain"),
        ("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
        ("x-oss-date", "20231216T162057Z"),
    ];
    let query = [
        ("param1", "value1"),
        ("+param1", "value3"),
        ("|param1", "value4"),
        ("+param2", ""),
        ("|param2", ""),
        ("param2", ""),
    ];
    let req = v4::OssV4Request {
        method: "PUT",
        bucket: Some("bucket"),
        key: Some("1234+-/123/1.txt"),
        query: &query,
        headers: &headers,
        additional_headers: &[],
    };
    let cred = AliCredential::new("ak", "sk");
    let sign = || v4::sign(black_box(&req), black_box(&cred), "cn-hangzhou", 1702743657);
    assert_eq!(
        sign().expect("OSS v4 signs the vector").authorization,
        "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,\
         Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe"
    );
    c.bench_function("sign/alibaba_oss_v4", |b| b.iter(sign));
}

criterion_group!(signers, tc3, acs3, rpc_v1, cos, oss_v4);
criterion_main!(signers);
