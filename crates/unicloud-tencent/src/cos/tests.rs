//! The client's requests pinned to cos-python-sdk-v5's captured ones (043, 047–051): the same
//! call at the capture's time gives the same `Authorization`, `Host`, path and body; and the
//! captured replies, served back by a loopback server, decode into the outcomes.

use std::time::{Duration, UNIX_EPOCH};

use std::sync::Arc;
use unicloud_core::RetryPolicy;
use unicloud_core::clock::ManualClock;

use unicloud_core::object::PutOptions;
use unicloud_core::object::rest::ObjectOp;
use unicloud_core::transport::Bytes;
use unicloud_core::{ClientConfig, ErrorKind, Region};
use unicloud_testkit::capture::{Capture, captured_reply};
use unicloud_testkit::server::{Recorded, RecordingServer};

use super::*;

const ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
const BUCKET: &str = "examplebucket-1250000000";
const UPLOAD_ID: &str = "59C9D1D976F94C78BEF976CAFD9F6956";

/// The captures' key time is `1795443267;1795453327`: the SDK signs from 60 s before its now
/// to 10000 s after.
const SDK_NOW: u64 = 1_795_443_327;
const SDK_KEY_TIME: (i64, i64) = (60, 10_000);

/// A client at the captures' time with the SDK's key-time window, sending to `endpoint`.
fn sdk_client(endpoint: &str) -> CosClient {
    let config = ClientConfig::default()
        .with_service_endpoint("cos", endpoint)
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(SDK_NOW),
        )))
        .with_retry(RetryPolicy::disabled());
    CosClient::builder(Region::new(Provider::Tencent, "ap-guangzhou").unwrap())
        .credentials(Credentials::new(ID, KEY))
        .config(config)
        .dialect(Cos::with_key_time(SDK_KEY_TIME.0, SDK_KEY_TIME.1))
        .build()
        .unwrap()
}

/// Serves capture `prefix`'s reply to one request from a client at the capture's time.
async fn replay(prefix: &str) -> (CosClient, RecordingServer, Capture) {
    let server = RecordingServer::scripted(vec![captured_reply(prefix).unwrap()])
        .await
        .unwrap();
    let client = sdk_client(&server.url());
    (client, server, Capture::load(prefix).unwrap())
}

/// The one request `server` received matches capture `cap` in method, path, `Host`,
/// `Content-Length`, `Content-Type` and `Authorization`.
fn assert_same_request(server: &RecordingServer, cap: &Capture) -> Recorded {
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{}", cap.name);
    let got = requests.into_iter().next().unwrap();
    assert_eq!(got.method, cap.method, "{}", cap.name);
    assert_eq!(got.path(), cap.path(), "{}", cap.name);
    for name in ["Host", "Content-Length", "Content-Type", "Authorization"] {
        assert_eq!(got.header(name), cap.header(name), "{}: {name}", cap.name);
    }
    got
}

#[tokio::test]
async fn capture_043_put_object_by_ip() {
    let (client, server, cap) = replay("043").await;
    let opts = PutOptions::default().with_content_type("text/plain");
    let out = client
        .put_object(
            BUCKET,
            "dir/hello.txt",
            Bytes::from_static(b"hello cos\n"),
            &opts,
        )
        .await
        .unwrap();
    let got = assert_same_request(&server, &cap);
    assert_eq!(got.body, cap.body);
    assert_eq!(out.etag, "\"312feb8f1c7b8e2f7c19fe1554f84637\"");
    assert_eq!(out.crc64, Some(3_777_670_931_780_528_061));
    assert_eq!(
        out.request_id.as_deref(),
        Some("kBRDNCgE1qAHGvt1gVANQWKaGvcwLTbo")
    );
}

#[tokio::test]
async fn capture_044_no_such_bucket() {
    let server = RecordingServer::scripted(vec![captured_reply("044").unwrap()])
        .await
        .unwrap();
    let err = sdk_client(&server.url())
        .put_object(
            BUCKET,
            "dir/hello.txt",
            Bytes::from_static(b"hello cos\n"),
            &PutOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.code(), Some("NoSuchBucket"));
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.operation(), Some("PutObject"));
    assert_eq!(err.provider(), Some(Provider::Tencent));
    assert_eq!(err.request_id(), Some("e+H6uQa+u7UfvtMaaARJ/QUBfy+iYX/2"));
    assert_eq!(err.message(), "The specified bucket does not exist.");
}

#[tokio::test]
async fn capture_047_initiate_multipart() {
    let (client, server, cap) = replay("047").await;
    let id = client
        .initiate_multipart_upload(BUCKET, "dir/big.bin", &PutOptions::default())
        .await
        .unwrap();
    let got = assert_same_request(&server, &cap);
    assert_eq!(got.query(), "uploads");
    assert_eq!(id, UPLOAD_ID);
}

#[tokio::test]
async fn captures_048_to_050_upload_parts() {
    let crcs = [
        (
            "048",
            1,
            "\"d8ca544a885980e27a4523852e6599bf\"",
            2_156_486_696_513_731_431,
        ),
        (
            "049",
            2,
            "\"755b99dc869468fde58b5e0dacf18e8c\"",
            17_607_151_115_571_287_618,
        ),
        (
            "050",
            3,
            "\"0b62e4e48f22db621b6a1bf0e7c4931a\"",
            13_359_027_406_496_940_703,
        ),
    ];
    for (prefix, number, etag, crc) in crcs {
        let (client, server, cap) = replay(prefix).await;
        let out = client
            .upload_part(
                BUCKET,
                "dir/big.bin",
                UPLOAD_ID,
                number,
                Bytes::from(vec![0u8; 102_400]),
            )
            .await
            .unwrap();
        let got = assert_same_request(&server, &cap);
        assert_eq!(
            got.query(),
            format!("partNumber={number}&uploadId={UPLOAD_ID}")
        );
        assert_eq!(
            (out.etag.as_str(), out.crc64),
            (etag, Some(crc)),
            "{prefix}"
        );
    }
}

#[tokio::test]
async fn capture_051_complete_multipart() {
    let (client, server, cap) = replay("051").await;
    let parts = [
        (2, "\"755b99dc869468fde58b5e0dacf18e8c\"".to_owned()),
        (1, "\"d8ca544a885980e27a4523852e6599bf\"".to_owned()),
        (3, "\"0b62e4e48f22db621b6a1bf0e7c4931a\"".to_owned()),
    ];
    let out = client
        .complete_multipart_upload(BUCKET, "dir/big.bin", UPLOAD_ID, &parts)
        .await
        .unwrap();
    let got = assert_same_request(&server, &cap);
    assert_eq!(got.body_text(), String::from_utf8_lossy(&cap.body));
    assert_eq!(out.etag, "\"9102501a82b47a21297905881a321854-3\"");
    assert_eq!(out.crc64, Some(12_786_454_126_862_522_413));
    assert_eq!(
        out.request_id.as_deref(),
        Some("kV04tfRM69Hrd/uB4JTbIoV9CLYmbG0j")
    );
}

/// The SDK's request of capture 043, signed at its time, gives its `Authorization` without a
/// server in between (the signing path alone).
#[test]
fn capture_043_signature_from_the_signing_path() {
    let cap = Capture::load("043").unwrap();
    let client = sdk_client("http://127.0.0.1:8090");
    let mut call = ObjectCall::new(ObjectOp::PutObject, BUCKET, Some("dir/hello.txt"))
        .body(Bytes::from_static(b"hello cos\n"));
    call.headers = vec![("Content-Type".to_owned(), "text/plain".to_owned())];
    let req = client
        .sign(
            &call,
            &Credentials::new(ID, KEY),
            UNIX_EPOCH + Duration::from_secs(SDK_NOW),
        )
        .unwrap();
    assert_eq!(req.uri(), "http://127.0.0.1:8090/dir/hello.txt");
    assert_eq!(req.headers()["host"], cap.header("Host").unwrap());
    assert_eq!(
        req.headers()["authorization"],
        cap.header("Authorization").unwrap()
    );
}

#[test]
fn default_addressing_is_virtual_hosted_with_encoded_keys() {
    let client = CosClient::builder(Region::new(Provider::Tencent, "ap-beijing").unwrap())
        .credentials(Credentials::new(ID, KEY).with_session_token("tok-123"))
        .build()
        .unwrap();
    let call = ObjectCall::new(ObjectOp::GetObject, BUCKET, Some("a dir/ü+x.txt"));
    let req = client
        .sign(
            &call,
            &Credentials::new(ID, KEY).with_session_token("tok-123"),
            UNIX_EPOCH + Duration::from_secs(SDK_NOW),
        )
        .unwrap();
    assert_eq!(
        req.uri(),
        "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/a%20dir/%C3%BC%2Bx.txt"
    );
    assert_eq!(req.headers()["x-cos-security-token"], "tok-123");
    let auth = req.headers()["authorization"].to_str().unwrap();
    assert!(
        auth.contains("&q-header-list=host;x-cos-security-token&"),
        "{auth}"
    );
    // A GET sends no body and neither sends nor signs a length.
    assert!(req.headers().get("content-length").is_none());
    // The default window is short: 60 s before now to 900 s after.
    assert!(auth.contains("q-key-time=1795443267;1795444227&"), "{auth}");
}

#[test]
fn put_options_become_signed_headers() {
    // What core's client makes of PutOptions (content type, metadata, storage class, SSE).
    let headers: Vec<(String, String)> = [
        ("Content-Type", "application/json"),
        ("x-cos-meta-owner", "ci"),
        ("x-cos-storage-class", "STANDARD_IA"),
        ("x-cos-server-side-encryption", "AES256"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .into();
    let client = sdk_client("http://127.0.0.1:8090");
    let mut call =
        ObjectCall::new(ObjectOp::PutObject, BUCKET, Some("k")).body(Bytes::from_static(b"x"));
    call.headers = headers;
    let req = client
        .sign(
            &call,
            &Credentials::new(ID, KEY),
            UNIX_EPOCH + Duration::from_secs(SDK_NOW),
        )
        .unwrap();
    let auth = req.headers()["authorization"].to_str().unwrap();
    assert!(
        auth.contains("q-header-list=content-length;content-type;host;x-cos-meta-owner;x-cos-server-side-encryption;x-cos-storage-class&"),
        "{auth}"
    );
}

#[test]
fn debug_shows_no_secret() {
    let builder = CosClient::builder(Region::new(Provider::Tencent, "ap-guangzhou").unwrap())
        .credentials(
            Credentials::new("AKIDdebug", "cos-debug-secret").with_session_token("cos-debug-token"),
        );
    let shown_builder = format!("{builder:?}");
    let client = builder.build().unwrap();
    for shown in [
        shown_builder,
        format!("{client:?}"),
        format!("{:?}", client.clone()),
    ] {
        assert!(!shown.contains("cos-debug-secret"), "{shown}");
        assert!(!shown.contains("cos-debug-token"), "{shown}");
    }
    assert!(format!("{client:?}").contains("ap-guangzhou"));
}

#[test]
fn a_region_of_another_provider_is_refused() {
    let err = CosClient::builder(Region::new(Provider::Alibaba, "cn-hangzhou").unwrap())
        .credentials(Credentials::new(ID, KEY))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

/// Calls futures are `Send` (the storage engine spawns them).
#[test]
fn call_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    let client = sdk_client("http://127.0.0.1:8090");
    send(&client.put_object(BUCKET, "k", Bytes::new(), &PutOptions::default()));
    send(&client.list_multipart_uploads(BUCKET, None));
    send(&client.complete_multipart_upload(BUCKET, "k", "u", &[]));
}
