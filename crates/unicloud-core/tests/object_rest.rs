//! The S3-style object REST client against loopback servers, in a path-style toy dialect:
//! listings follow every page, errors keep their code and request id, HEAD failures map by
//! status, ranges are sent, a part is retried after a 5xx while a complete is not repeated
//! after a time-out, an `<Error>` inside a 200 complete is an error, and bad input sends
//! nothing. The COS and OSS dialects' own addressing and signing are tested in their crates
//! (loopback servers and the official SDKs' captures).
#![cfg(feature = "object-rest")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use unicloud_core::clock::ManualClock;
use unicloud_core::object::PutOptions;
use unicloud_core::object::rest::{CompleteBodyStyle, Dialect, ObjectCall, ObjectClient, Target};
use unicloud_core::transport::{Bytes, HttpRequest, build_request};
use unicloud_core::{ClientConfig, Credentials, Error, ErrorKind, Provider, Region, RetryPolicy};
use unicloud_testkit::server::{RecordingServer, Reply};

/// Path-style requests carrying the key id as their "signature".
#[derive(Debug, Default)]
struct Toy;

impl Dialect for Toy {
    const PROVIDER: Provider = Provider::Tencent;
    const SERVICE: &'static str = "toy";
    const PRODUCT: &'static str = "TOY";
    const HEADER_PREFIX: &'static str = "x-toy-";
    const COMPLETE_BODY: CompleteBodyStyle = CompleteBodyStyle {
        declaration: false,
        escape_quotes: false,
    };

    fn sign(
        &self,
        call: &ObjectCall,
        creds: &Credentials,
        target: Target<'_>,
        _now: SystemTime,
    ) -> Result<HttpRequest, Error> {
        let base = target.endpoint.unwrap_or("https://toy.invalid");
        let mut headers = call.headers.clone();
        headers.extend(call.content_length());
        headers.push(("Authorization".into(), creds.access_key_id().into()));
        build_request(
            call.op.method(),
            &call.url(&format!("{base}/{}/", call.bucket)),
            headers,
            call.body.clone(),
        )
    }
}

const BUCKET: &str = "bucket-1";

fn client_with(endpoint: &str, config: ClientConfig) -> ObjectClient<Toy> {
    let config = config
        .with_service_endpoint("toy", endpoint)
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(SystemTime::now())));
    ObjectClient::<Toy>::builder(Region::new(Provider::Tencent, "ap-guangzhou").unwrap())
        .credentials(Credentials::new("AKIDtest", "test-secret"))
        .config(config)
        .build()
        .unwrap()
}

fn client(endpoint: &str) -> ObjectClient<Toy> {
    client_with(
        endpoint,
        ClientConfig::default().with_retry(RetryPolicy::default().with_max_attempts(3)),
    )
}

#[tokio::test]
async fn list_multipart_uploads_follows_every_page() {
    let page1 = "<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>true</IsTruncated>\
        <NextKeyMarker>k1</NextKeyMarker><NextUploadIdMarker>u1</NextUploadIdMarker>\
        <Upload><Key>k1</Key><UploadId>u1</UploadId><Initiated>2026-11-23T14:15:26.000Z</Initiated></Upload>\
        </ListMultipartUploadsResult>";
    let page2 = "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>\
        <Upload><Key>k2</Key><UploadId>u2</UploadId></Upload></ListMultipartUploadsResult>";
    let server = RecordingServer::scripted(vec![Reply::xml(200, page1), Reply::xml(200, page2)])
        .await
        .unwrap();
    let uploads = client(&server.url())
        .list_multipart_uploads(BUCKET, Some("k"))
        .await
        .unwrap();
    let ids: Vec<(&str, &str)> = uploads
        .iter()
        .map(|u| (u.key.as_str(), u.upload_id.as_str()))
        .collect();
    assert_eq!(ids, [("k1", "u1"), ("k2", "u2")]);
    assert!(uploads[0].initiated.is_some());
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].target, "/bucket-1/?uploads&prefix=k");
    assert_eq!(
        reqs[1].target,
        "/bucket-1/?uploads&prefix=k&key-marker=k1&upload-id-marker=u1"
    );
}

#[tokio::test]
async fn a_truncated_listing_that_does_not_move_on_is_an_invalid_reply() {
    let stuck = "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>\
        <NextKeyMarker>k1</NextKeyMarker><NextUploadIdMarker>u1</NextUploadIdMarker>\
        </ListMultipartUploadsResult>";
    let server = RecordingServer::scripted(vec![Reply::xml(200, stuck), Reply::xml(200, stuck)])
        .await
        .unwrap();
    let err = client(&server.url())
        .list_multipart_uploads(BUCKET, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn list_parts_follows_every_page() {
    let page1 = "<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>1</NextPartNumberMarker>\
        <Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag><Size>5242880</Size>\
        <HashCrc64ecma>42</HashCrc64ecma></Part></ListPartsResult>";
    let page2 = "<ListPartsResult><IsTruncated>false</IsTruncated>\
        <Part><PartNumber>2</PartNumber><ETag>\"b\"</ETag><Size>7</Size></Part></ListPartsResult>";
    let server = RecordingServer::scripted(vec![Reply::xml(200, page1), Reply::xml(200, page2)])
        .await
        .unwrap();
    let parts = client(&server.url())
        .list_parts(BUCKET, "big.bin", "up-1")
        .await
        .unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(
        (parts[0].part_number, parts[0].size, parts[0].crc64),
        (1, 5_242_880, Some(42))
    );
    assert_eq!((parts[1].part_number, parts[1].etag.as_str()), (2, "\"b\""));
    let reqs = server.requests();
    assert_eq!(reqs[0].target, "/bucket-1/big.bin?uploadId=up-1");
    assert_eq!(
        reqs[1].target,
        "/bucket-1/big.bin?uploadId=up-1&part-number-marker=1"
    );
}

#[tokio::test]
async fn no_such_upload_is_not_found_with_code_and_request_id() {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchUpload</Code>\
        <Message>The specified upload does not exist.</Message><Resource>x</Resource>\
        <RequestId>req-404-1</RequestId><TraceId>t</TraceId></Error>";
    let server = RecordingServer::scripted(vec![Reply::xml(404, body)])
        .await
        .unwrap();
    let err = client(&server.url())
        .abort_multipart_upload(BUCKET, "big.bin", "gone")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.code(), Some("NoSuchUpload"));
    assert_eq!(err.request_id(), Some("req-404-1"));
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.operation(), Some("AbortMultipartUpload"));
    assert_eq!(err.provider(), Some(Provider::Tencent));
    assert!(!err.to_string().contains("127.0.0.1"), "{err}");
    assert!(!err.to_string().contains("test-secret"), "{err}");
}

#[tokio::test]
async fn head_errors_without_a_body_map_by_status() {
    let server = RecordingServer::scripted(vec![
        Reply::new(404, Vec::new()).with_header("x-toy-request-id", "head-404"),
        Reply::new(403, Vec::new()),
    ])
    .await
    .unwrap();
    let c = client(&server.url());
    let err = c.head_object(BUCKET, "missing").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.request_id(), Some("head-404"));
    assert_eq!(err.operation(), Some("HeadObject"));
    let err = c.head_bucket(BUCKET).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn get_object_sends_the_range() {
    let server = RecordingServer::scripted(vec![Reply::new(206, b"cde".to_vec())])
        .await
        .unwrap();
    let c = client(&server.url());
    let got = c.get_object(BUCKET, "k", Some(2..5)).await.unwrap();
    assert_eq!(&got[..], b"cde");
    assert_eq!(server.requests()[0].header("range"), Some("bytes=2-4"));
    let err = c.get_object(BUCKET, "k", Some(5..5)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn a_500_on_upload_part_is_retried() {
    let server = RecordingServer::scripted(vec![
        Reply::xml(
            500,
            "<Error><Code>InternalError</Code><Message>oops</Message></Error>",
        ),
        Reply::new(200, Vec::new()).with_header("ETag", "\"p1\""),
    ])
    .await
    .unwrap();
    let out = client(&server.url())
        .upload_part(BUCKET, "big.bin", "up-1", 1, Bytes::from_static(b"part"))
        .await
        .unwrap();
    assert_eq!(out.etag, "\"p1\"");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].body, b"part");
}

#[tokio::test]
async fn complete_is_not_repeated_after_a_timeout() {
    let server = RecordingServer::scripted_or(
        vec![
            Reply::xml(200, "<CompleteMultipartUploadResult/>").with_delay(Duration::from_secs(3)),
        ],
        Reply::xml(404, "<Error><Code>NoSuchUpload</Code></Error>"),
    )
    .await
    .unwrap();
    let config = ClientConfig::default()
        .with_timeouts(Duration::from_secs(2), Duration::from_millis(300))
        .with_retry(RetryPolicy::default().with_max_attempts(3));
    let err = client_with(&server.url(), config)
        .complete_multipart_upload(BUCKET, "big.bin", "up-1", &[(1, "\"p1\"".to_owned())])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.may_have_been_applied());
    assert_eq!(err.operation(), Some("CompleteMultipartUpload"));
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn an_error_inside_a_200_complete_is_an_error() {
    let server = RecordingServer::scripted(vec![Reply::xml(
        200,
        "<Error><Code>InvalidPart</Code><Message>bad part</Message><RequestId>r-9</RequestId></Error>",
    )])
    .await
    .unwrap();
    let err = client(&server.url())
        .complete_multipart_upload(BUCKET, "big.bin", "up-1", &[(1, "\"p1\"".to_owned())])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.code(), Some("InvalidPart"));
    assert_eq!(err.request_id(), Some("r-9"));
    assert_eq!(server.request_count(), 1);
    // The body sent lists the part as the dialect writes it.
    assert_eq!(
        server.requests()[0].body,
        b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"p1\"</ETag></Part></CompleteMultipartUpload>"
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let server = RecordingServer::scripted(vec![]).await.unwrap();
    let c = client(&server.url());
    let no_opts = PutOptions::default();
    let errs = [
        c.put_object("", "k", Bytes::new(), &no_opts)
            .await
            .unwrap_err(),
        c.put_object(BUCKET, "", Bytes::new(), &no_opts)
            .await
            .unwrap_err(),
        c.put_object(
            BUCKET,
            "k",
            Bytes::new(),
            &no_opts.clone().with_metadata("", "v"),
        )
        .await
        .unwrap_err(),
        c.head_bucket("Bad_Bucket").await.unwrap_err(),
        c.upload_part(BUCKET, "k", "u", 0, Bytes::new())
            .await
            .unwrap_err(),
        c.upload_part(BUCKET, "k", "u", 10_001, Bytes::new())
            .await
            .unwrap_err(),
        c.upload_part(BUCKET, "k", "", 1, Bytes::new())
            .await
            .unwrap_err(),
        c.complete_multipart_upload(BUCKET, "k", "u", &[])
            .await
            .unwrap_err(),
        c.complete_multipart_upload(BUCKET, "k", "u", &[(1, "a".into()), (1, "b".into())])
            .await
            .unwrap_err(),
        c.list_parts(BUCKET, "k", "").await.unwrap_err(),
    ];
    for e in errs {
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    }
    assert_eq!(server.request_count(), 0);
}
