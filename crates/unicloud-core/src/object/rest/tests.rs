//! The shared client's parts on a toy dialect: headers, heads, errors, part lists, names and
//! URLs. The COS and OSS dialects pin their wire format to the vendors' captures in their own
//! crates.

use std::time::{Duration, UNIX_EPOCH};

use super::*;

fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
    let mut b = http::Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Bytes::from(body.to_owned())).unwrap()
}

#[test]
fn put_options_become_prefixed_headers() {
    let opts = PutOptions::default()
        .with_content_type("text/plain")
        .with_metadata("Owner", "ci")
        .with_storage_class("STANDARD_IA")
        .with_server_side_encryption("AES256");
    assert_eq!(
        put_headers::<Toy>(ObjectOp::PutObject, &opts).unwrap(),
        [
            ("Content-Type", "text/plain"),
            ("x-toy-meta-owner", "ci"),
            ("x-toy-storage-class", "STANDARD_IA"),
            ("x-toy-server-side-encryption", "AES256"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    let err = put_headers::<Toy>(
        ObjectOp::PutObject,
        &PutOptions::default().with_metadata("", "x"),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.provider(), Some(Provider::Alibaba));
    assert_eq!(err.operation(), Some("PutObject"));
}

#[test]
fn heads_read_every_header() {
    let r = reply(
        200,
        &[
            ("content-length", "11"),
            ("etag", "\"abc\""),
            ("x-toy-hash-crc64ecma", "5981764153023615706"),
            ("content-type", "text/plain"),
            ("last-modified", "Mon, 23 Nov 2026 14:15:26 GMT"),
            ("x-toy-version-id", "v1"),
            ("x-toy-storage-class", "Standard"),
            ("x-toy-meta-owner", "ci"),
            ("x-other-meta-x", "no"),
        ],
        "",
    );
    let head = object_head::<Toy>(ObjectOp::HeadObject, &r).unwrap();
    assert_eq!(head.size, 11);
    assert_eq!(head.etag, "\"abc\"");
    assert_eq!(head.crc64, Some(5_981_764_153_023_615_706));
    assert_eq!(head.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        head.last_modified,
        Some(UNIX_EPOCH + Duration::from_secs(1_795_443_326))
    );
    assert_eq!(head.version_id.as_deref(), Some("v1"));
    assert_eq!(head.storage_class.as_deref(), Some("Standard"));
    assert_eq!(head.metadata, [("owner".to_owned(), "ci".to_owned())]);

    let bad = reply(200, &[("x-toy-hash-crc64ecma", "0x12")], "");
    let err = object_head::<Toy>(ObjectOp::HeadObject, &bad).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.message().contains("x-toy-hash-crc64ecma"), "{err}");
}

#[test]
fn errors_from_bodies_headers_and_statuses() {
    let body = "<?xml version=\"1.0\"?><Error><Code>NoSuchUpload</Code><Message>gone</Message>\
                <RequestId>r-1</RequestId></Error>";
    let err = error_from(&Toy, ObjectOp::ListParts, &reply(404, &[], body));
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.code(), Some("NoSuchUpload"));
    assert_eq!(err.message(), "gone");
    assert_eq!(err.request_id(), Some("r-1"));
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.operation(), Some("ListParts"));

    let digest = "<Error><Code>BadDigest</Code><Message>m</Message></Error>";
    let err = error_from(&Toy, ObjectOp::UploadPart, &reply(400, &[], digest));
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.is_retryable(), "the same bytes may arrive intact");

    // A HEAD has no body: the dialect's header, else the status and the request-id header.
    let head_err = reply(
        403,
        &[
            (
                "x-toy-err",
                "<Error><Code>SignatureDoesNotMatch</Code></Error>",
            ),
            ("x-toy-request-id", "r-2"),
        ],
        "",
    );
    let err = error_from(&Toy, ObjectOp::HeadObject, &head_err);
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    assert_eq!(err.request_id(), Some("r-2"));
    let err = error_from(&Toy, ObjectOp::HeadObject, &reply(404, &[], ""));
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.message(), "HTTP 404 from TOY");
    assert_eq!(err.code(), None);
    let err = error_from(&Toy, ObjectOp::GetObject, &reply(503, &[], "not xml"));
    assert_eq!(err.kind(), ErrorKind::Unavailable);
}

#[test]
fn part_lists_are_sorted_and_checked() {
    let parts = [(2, "\"b\"".to_owned()), (1, "\"a\"".to_owned())];
    let sorted = sorted_parts::<Toy>(ObjectOp::CompleteMultipartUpload, &parts).unwrap();
    assert_eq!(sorted[0].0, 1);
    for (bad, why) in [
        (vec![], "no parts"),
        (
            vec![(1, "a".to_owned()), (1, "b".to_owned())],
            "listed twice",
        ),
        (vec![(0, "a".to_owned())], "outside"),
        (vec![(10_001, "a".to_owned())], "outside"),
        (vec![(3, String::new())], "empty ETag"),
    ] {
        let err = sorted_parts::<Toy>(ObjectOp::CompleteMultipartUpload, &bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.message().contains(why), "{err}");
    }
}

#[test]
fn bucket_names_and_keys_are_checked() {
    for ok in ["b", "examplebucket-1250000000", &"a".repeat(63)] {
        assert!(check_bucket::<Toy>(ObjectOp::PutBucket, ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "Upper",
        "under_score",
        "-lead",
        "trail-",
        &"a".repeat(64),
    ] {
        let err = check_bucket::<Toy>(ObjectOp::PutBucket, bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
    }
    assert!(check_object::<Toy>(ObjectOp::PutObject, "b", "").is_err());
    assert!(check_upload::<Toy>(ObjectOp::UploadPart, "b", "k", "").is_err());
}

#[test]
fn calls_encode_keys_and_queries() {
    let call = ObjectCall::new(ObjectOp::UploadPart, "b", Some("a dir/ü+x.txt"))
        .query("partNumber", "1")
        .query("uploadId", "u/1");
    assert_eq!(call.encoded_key(), "a%20dir/%C3%BC%2Bx.txt");
    assert_eq!(
        call.url("http://h/b/"),
        "http://h/b/a%20dir/%C3%BC%2Bx.txt?partNumber=1&uploadId=u%2F1"
    );
    assert_eq!(
        call.content_length(),
        Some(("Content-Length".to_owned(), "0".to_owned()))
    );
    let listing = ObjectCall::new(ObjectOp::ListMultipartUploads, "b", None).query("uploads", "");
    assert_eq!(listing.url("http://h/b/"), "http://h/b/?uploads");
    assert_eq!(listing.content_length(), None);
    let shown = format!("{:?}", call.body(Bytes::from_static(b"secret bytes")));
    assert!(shown.contains("body_len: 12") && !shown.contains("secret bytes"));
}

#[tokio::test]
async fn bad_input_and_foreign_regions_send_nothing() {
    let tencent = Region::new(Provider::Tencent, "ap-guangzhou").unwrap();
    let err = ObjectClient::<Toy>::builder(tencent).build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.message().contains("TOY needs a"), "{err}");

    // Port 9 is refused: an error other than InvalidInput would mean a request was tried.
    let client =
        ObjectClient::<Toy>::builder(Region::new(Provider::Alibaba, "cn-hangzhou").unwrap())
            .credentials(Credentials::new("id", "s3cr3t-value"))
            .config(
                ClientConfig::default()
                    .with_endpoint("http://127.0.0.1:9")
                    .unwrap(),
            )
            .build()
            .unwrap();
    let err = client
        .upload_part("b", "k", "u", 0, Bytes::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = client.get_object("b", "k", Some(5..5)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let shown = format!("{client:?}");
    assert!(!shown.contains("s3cr3t-value"), "{shown}");
}

/// The client against loopback servers: listings follow every page, errors keep their code and
/// request id, HEAD failures map by status, ranges are sent, a part is retried after a 5xx
/// while a complete is not repeated after a time-out, an `<Error>` inside a 200 complete is an
/// error, and bad input sends nothing. The COS and OSS dialects' own addressing and signing are
/// tested in their crates (loopback servers and the official SDKs' captures).
mod loopback {
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    use unicloud_testkit::server::{RecordingServer, Reply};

    use super::*;
    use crate::clock::ManualClock;
    use crate::object::PutOptions;
    use crate::{ClientConfig, RetryPolicy};

    const BUCKET: &str = "bucket-1";

    fn client_with(endpoint: &str, config: ClientConfig) -> ObjectClient<Toy> {
        let config = config
            .with_service_endpoint("toy", endpoint)
            .unwrap()
            .with_clock(Arc::new(ManualClock::new(SystemTime::now())));
        ObjectClient::<Toy>::builder(Region::new(Provider::Alibaba, "cn-hangzhou").unwrap())
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
        let server =
            RecordingServer::scripted(vec![Reply::xml(200, page1), Reply::xml(200, page2)])
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
        let server =
            RecordingServer::scripted(vec![Reply::xml(200, stuck), Reply::xml(200, stuck)])
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
        let server =
            RecordingServer::scripted(vec![Reply::xml(200, page1), Reply::xml(200, page2)])
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
        assert_eq!(err.provider(), Some(Provider::Alibaba));
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
                Reply::xml(200, "<CompleteMultipartUploadResult/>")
                    .with_delay(Duration::from_secs(3)),
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
}
