//! The shared client's parts on a toy dialect: headers, heads, errors, part lists, names and
//! URLs. The COS and OSS dialects pin their wire format to the vendors' captures in their own
//! crates.

use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::transport::build_request;

#[derive(Debug, Default)]
struct Toy;

impl Dialect for Toy {
    const PROVIDER: Provider = Provider::Alibaba;
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
        _credentials: &Credentials,
        target: Target<'_>,
        _now: SystemTime,
    ) -> Result<HttpRequest, Error> {
        let base = target.endpoint.unwrap_or("https://toy.invalid");
        let mut headers = call.headers.clone();
        headers.extend(call.content_length());
        build_request(
            call.op.method(),
            &call.url(&format!("{base}/{}/", call.bucket)),
            headers,
            call.body.clone(),
        )
    }

    fn bodiless_error(&self, response: &HttpResponse) -> Option<Vec<u8>> {
        header_value(response, "x-toy-err").map(String::into_bytes)
    }
}

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
