//! The client's requests pinned to oss2's captured ones (v1: 027, 029–033; v4: 034, 036–040):
//! the same call at the capture's time gives the same `Authorization`, date headers, decoded
//! path and body; and the captured replies, served back by a loopback server, decode into the
//! outcomes.

use std::time::{Duration, UNIX_EPOCH};

use std::sync::Arc;
use unicloud_core::RetryPolicy;
use unicloud_core::clock::ManualClock;
use unicloud_core::signing::percent_decode;

use unicloud_core::object::PutOptions;
use unicloud_core::object::rest::ObjectOp;
use unicloud_core::transport::Bytes;
use unicloud_core::{ClientConfig, ErrorKind, Region};
use unicloud_testkit::capture::{Capture, captured_reply};
use unicloud_testkit::server::{Recorded, RecordingServer};

use super::*;

const BUCKET: &str = "examplebucket";

/// A client at Unix time `now` with `signature`, sending to `endpoint`.
fn sdk_client(endpoint: &str, signature: OssSignature, now: u64) -> OssClient {
    let config = ClientConfig::default()
        .with_service_endpoint("oss", endpoint)
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(now),
        )))
        .with_retry(RetryPolicy::disabled());
    OssClient::builder(Region::new(Provider::Alibaba, "cn-hangzhou").unwrap())
        .credentials(Credentials::new("testid", "testsecret"))
        .config(config)
        .dialect(Oss::with_signature(signature))
        .build()
        .unwrap()
}

async fn replay(
    prefix: &str,
    signature: OssSignature,
    now: u64,
) -> (OssClient, RecordingServer, Capture) {
    let server = RecordingServer::scripted(vec![captured_reply(prefix).unwrap()])
        .await
        .unwrap();
    let client = sdk_client(&server.url(), signature, now);
    (client, server, Capture::load(prefix).unwrap())
}

/// The one request `server` received matches capture `cap`: method, decoded path, and the
/// headers the signatures cover plus `Authorization`.
fn assert_same_request(server: &RecordingServer, cap: &Capture) -> Recorded {
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{}", cap.name);
    let got = requests.into_iter().next().unwrap();
    assert_eq!(got.method, cap.method, "{}", cap.name);
    assert_eq!(
        percent_decode(got.path()),
        percent_decode(cap.path()),
        "{}",
        cap.name
    );
    for name in [
        "Content-Type",
        "Content-Length",
        "Date",
        "x-oss-date",
        "x-oss-content-sha256",
        "Authorization",
    ] {
        assert_eq!(got.header(name), cap.header(name), "{}: {name}", cap.name);
    }
    got
}

/// 14:15:26 and 14:15:27 UTC on 23 Nov 2026, the captures' times.
const T26: u64 = 1_795_443_326;
const T27: u64 = 1_795_443_327;

async fn put_hello(prefix: &str, signature: OssSignature, now: u64) {
    let (client, server, cap) = replay(prefix, signature, now).await;
    let opts = PutOptions::default().with_content_type("text/plain");
    let out = client
        .put_object(
            BUCKET,
            "dir/hello.txt",
            Bytes::from_static(b"hello oss\n"),
            &opts,
        )
        .await
        .unwrap();
    let got = assert_same_request(&server, &cap);
    assert_eq!(got.body, cap.body);
    assert_eq!(out.etag, "\"4B4114A18BBF2A4C5446F9AFCCF9923F\"");
    assert_eq!(out.crc64, Some(17_223_430_255_209_957_478));
    assert!(out.request_id.is_some());
}

#[tokio::test]
async fn capture_027_put_object_v1() {
    put_hello("027", OssSignature::V1, T26).await;
}

#[tokio::test]
async fn capture_034_put_object_v4() {
    put_hello("034", OssSignature::V4, T27).await;
}

/// Initiate, three parts and complete, against the captures `first..first+4`.
async fn multipart(
    first: u32,
    signature: OssSignature,
    times: [u64; 5],
    upload_id: &str,
    etags: [&str; 3],
    crcs: [u64; 3],
    final_etag: &str,
) {
    let (client, server, cap) = replay(&format!("{first:03}"), signature, times[0]).await;
    let id = client
        .initiate_multipart_upload(BUCKET, "dir/big.bin", &PutOptions::default())
        .await
        .unwrap();
    let got = assert_same_request(&server, &cap);
    assert_eq!(got.query(), "uploads");
    assert_eq!(id, upload_id);
    for i in 0..3 {
        let prefix = format!("{:03}", first + 1 + i as u32);
        let (client, server, cap) = replay(&prefix, signature, times[1 + i]).await;
        let out = client
            .upload_part(
                BUCKET,
                "dir/big.bin",
                upload_id,
                i as u32 + 1,
                Bytes::from(vec![0u8; 102_400]),
            )
            .await
            .unwrap();
        assert_same_request(&server, &cap);
        assert_eq!(
            (out.etag.as_str(), out.crc64),
            (etags[i], Some(crcs[i])),
            "{prefix}"
        );
    }
    let prefix = format!("{:03}", first + 4);
    let (client, server, cap) = replay(&prefix, signature, times[4]).await;
    let parts: Vec<(u32, String)> = etags
        .iter()
        .enumerate()
        .map(|(i, e)| (i as u32 + 1, (*e).to_owned()))
        .collect();
    let out = client
        .complete_multipart_upload(BUCKET, "dir/big.bin", upload_id, &parts)
        .await
        .unwrap();
    let got = assert_same_request(&server, &cap);
    assert_eq!(got.body_text(), String::from_utf8_lossy(&cap.body));
    assert_eq!(out.etag, final_etag);
    assert!(out.crc64.is_some());
}

#[tokio::test]
async fn captures_029_to_033_multipart_v1() {
    multipart(
        29,
        OssSignature::V1,
        [T26, T27, T27, T27, T27],
        "E404B2B0233242288AAF73C5DD492D9F",
        [
            "\"1808F4A488E432A4C1041B6A888A8C2A\"",
            "\"2FF475CEAC94E600E5D04778567E36B8\"",
            "\"1B9B480982F39AFEB2F0350308C0764C\"",
        ],
        [
            1_258_063_435_861_157_201,
            11_150_712_149_179_347_724,
            8_371_829_224_284_729_824,
        ],
        "\"2FEC4221A7FFE1164C69FB62544FEDDD-3\"",
    )
    .await;
}

#[tokio::test]
async fn captures_036_to_040_multipart_v4() {
    multipart(
        36,
        OssSignature::V4,
        [T27; 5],
        "C1BB907A388C47F7AEF17BC4940723B4",
        [
            "\"0A8251503FDDBA4E20628AD26915CCDE\"",
            "\"37FD19647DB7821EA5339653245048D4\"",
            "\"048A32FE70F4EE2F293B52DABE2E2AC9\"",
        ],
        [
            6_782_095_383_847_483_576,
            6_853_764_799_490_813_443,
            17_100_353_380_329_486_363,
        ],
        "\"5BA09C1CAB0F23CCCD3DD2A76AD44D3D-3\"",
    )
    .await;
}

#[tokio::test]
async fn capture_035_no_such_bucket() {
    let server = RecordingServer::scripted(vec![captured_reply("035").unwrap()])
        .await
        .unwrap();
    let err = sdk_client(&server.url(), OssSignature::V4, T27)
        .put_object(
            BUCKET,
            "dir/hello.txt",
            Bytes::from_static(b"hello oss\n"),
            &PutOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.code(), Some("NoSuchBucket"));
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.operation(), Some("PutObject"));
    assert_eq!(err.provider(), Some(Provider::Alibaba));
    assert_eq!(err.request_id(), Some("59F1D6656D26455880B5AF19"));
}

#[test]
fn default_addressing_is_virtual_hosted_and_tokens_are_sent() {
    let client = OssClient::builder(Region::new(Provider::Alibaba, "cn-beijing").unwrap())
        .credentials(Credentials::new("testid", "testsecret"))
        .build()
        .unwrap();
    let creds = Credentials::new("testid", "testsecret").with_session_token("tok-9");
    let call = ObjectCall::new(ObjectOp::GetObject, BUCKET, Some("a dir/ü+x.txt"));
    let req = client
        .sign(&call, &creds, UNIX_EPOCH + Duration::from_secs(T27))
        .unwrap();
    assert_eq!(
        req.uri(),
        "https://examplebucket.oss-cn-beijing.aliyuncs.com/a%20dir/%C3%BC%2Bx.txt"
    );
    assert_eq!(req.headers()["x-oss-security-token"], "tok-9");
    assert_eq!(req.headers()["x-oss-date"], "20261123T141527Z");
    assert!(req.headers()["authorization"].to_str().unwrap().starts_with(
        "OSS4-HMAC-SHA256 Credential=testid/20261123/cn-beijing/oss/aliyun_v4_request, Signature="
    ));
}

#[test]
fn debug_shows_no_secret() {
    let builder = OssClient::builder(Region::new(Provider::Alibaba, "cn-hangzhou").unwrap())
        .credentials(
            Credentials::new("LTAIdebug", "oss-debug-secret").with_session_token("oss-debug-token"),
        );
    let shown_builder = format!("{builder:?}");
    let client = builder.build().unwrap();
    for shown in [shown_builder, format!("{client:?}")] {
        assert!(!shown.contains("oss-debug-secret"), "{shown}");
        assert!(!shown.contains("oss-debug-token"), "{shown}");
    }
    assert!(format!("{client:?}").contains("cn-hangzhou"));
}

#[test]
fn a_region_of_another_provider_is_refused() {
    let err = OssClient::builder(Region::new(Provider::Tencent, "ap-guangzhou").unwrap())
        .credentials(Credentials::new("testid", "testsecret"))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn call_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    let client = sdk_client("http://127.0.0.1:8090", OssSignature::V4, T27);
    send(&client.put_object(BUCKET, "k", Bytes::new(), &PutOptions::default()));
    send(&client.list_parts(BUCKET, "k", "u"));
}
