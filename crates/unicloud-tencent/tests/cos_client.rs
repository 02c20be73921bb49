//! The COS dialect against loopback servers: what is COS's own — how an object and a
//! bucket-level listing are addressed under an endpoint override (the request line and `Host`
//! on the wire), and its `x-cos-*` headers read back. The shared client's
//! paging, error mapping, retries by idempotency and input checks are tested once, in
//! `unicloud-core/tests/object_rest.rs`.
#![cfg(feature = "cos")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::SystemTime;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use unicloud_core::clock::ManualClock;
use unicloud_core::object::PutOptions;
use unicloud_core::transport::Bytes;
use unicloud_core::{ClientConfig, Credentials, Provider, Region, RetryPolicy};
use unicloud_tencent::cos::CosClient;
use unicloud_testkit::server::{RecordingServer, Reply};

const BUCKET: &str = "examplebucket-1250000000";
const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";

fn client_with(endpoint: &str, config: ClientConfig) -> CosClient {
    let config = config
        .with_service_endpoint("cos", endpoint)
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(SystemTime::now())));
    CosClient::builder(Region::new(Provider::Tencent, "ap-guangzhou").unwrap())
        .credentials(Credentials::new("AKIDtest", "test-secret"))
        .config(config)
        .build()
        .unwrap()
}

fn client(endpoint: &str) -> CosClient {
    client_with(
        endpoint,
        ClientConfig::default().with_retry(RetryPolicy::default().with_max_attempts(3)),
    )
}

/// The request head as bytes arrived on the socket: reqwest/hyper really send the `Host` we
/// set (the virtual host), not the override's address, and the path is `/<key>`.
#[tokio::test]
async fn the_virtual_host_goes_on_the_wire_with_an_endpoint_override() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buf = [0u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = sock.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed before the head ended");
            head.extend_from_slice(&buf[..n]);
        }
        sock.write_all(b"HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nx-cos-hash-crc64ecma: 42\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        String::from_utf8_lossy(&head).into_owned()
    });
    let out = client(&format!("http://{addr}"))
        .put_object(
            BUCKET,
            "dir/a b.txt",
            Bytes::from_static(b"hi"),
            &PutOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!((out.etag.as_str(), out.crc64), ("\"e1\"", Some(42)));
    let head = server.await.unwrap();
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("PUT /dir/a%20b.txt HTTP/1.1"));
    let hosts: Vec<&str> = head
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("host:"))
        .collect();
    assert_eq!(hosts.len(), 1, "{head}");
    assert_eq!(hosts[0][5..].trim(), HOST, "{head}");
}

#[tokio::test]
async fn a_bucket_listing_is_addressed_as_the_vendor_does() {
    // Paging itself is the shared client's (unicloud-core's object::rest tests).
    let page = "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>\
        <Upload><Key>k1</Key><UploadId>u1</UploadId></Upload></ListMultipartUploadsResult>";
    let server = RecordingServer::scripted(vec![Reply::xml(200, page)])
        .await
        .unwrap();
    let uploads = client(&server.url())
        .list_multipart_uploads(BUCKET, Some("k"))
        .await
        .unwrap();
    assert_eq!(uploads.len(), 1);
    let reqs = server.requests();
    assert_eq!(reqs[0].target, "/?uploads&prefix=k");
    assert_eq!(reqs[0].header("host"), Some(HOST));
}

#[tokio::test]
async fn head_object_reads_the_metadata() {
    let server = RecordingServer::scripted(vec![
        Reply::new(200, Vec::new())
            .with_header("ETag", "\"abc\"")
            .with_header("Content-Type", "text/plain")
            .with_header("Last-Modified", "Mon, 23 Nov 2026 14:15:26 GMT")
            .with_header("x-cos-hash-crc64ecma", "3777670931780528061")
            .with_header("x-cos-meta-owner", "ci")
            .with_header("x-cos-storage-class", "STANDARD_IA"),
    ])
    .await
    .unwrap();
    let head = client(&server.url())
        .head_object(BUCKET, "k")
        .await
        .unwrap();
    assert_eq!(head.etag, "\"abc\"");
    assert_eq!(head.crc64, Some(3_777_670_931_780_528_061));
    assert_eq!(head.content_type.as_deref(), Some("text/plain"));
    assert_eq!(head.storage_class.as_deref(), Some("STANDARD_IA"));
    assert_eq!(head.metadata, [("owner".to_owned(), "ci".to_owned())]);
    assert!(head.last_modified.is_some());
}
