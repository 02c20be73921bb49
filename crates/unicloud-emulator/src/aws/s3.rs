//! Amazon S3 (REST-XML): the bucket from a virtual-hosted `Host` (`bucket.s3.<region>.amazonaws.com`,
//! `bucket.s3.localhost`) or the first path segment (path-style, `PUT /bucket`,
//! `/bucket/key`), SigV4 by header (hex SHA-256, `UNSIGNED-PAYLOAD`, `aws-chunked` with or
//! without chunk signatures and trailers) or presigned query; the actions are the shared
//! engine's (`storage.rs`) under S3's names. Errors are `<Error><Code/><Message/><Resource/>
//! <RequestId/></Error>` with `x-amz-request-id`; HEAD errors have no body.

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use unicloud_core::Provider;

use crate::auth::{ApiError, verify_s3};
use crate::server::{Incoming, Shared};
use crate::storage::{Payload, StorageRequest, Vendor, error_xml, serve};
use crate::util::{percent_decode, request_id, xml_escape as x};

/// How S3 words object storage.
pub(crate) const VENDOR: Vendor = Vendor {
    provider: Provider::Aws,
    prefix: "x-amz-",
    request_id_header: "x-amz-request-id",
    xmlns: Some("http://s3.amazonaws.com/doc/2006-03-01/"),
    min_part: 5 * 1024 * 1024,
    upper_etag: false,
    crc64_header: None,
    default_class: "STANDARD",
    create_bucket: "CreateBucket",
    initiate: "CreateMultipartUpload",
    throttle: (503, "SlowDown", "Please reduce your request rate."),
    server_error: (
        500,
        "InternalError",
        "We encountered an internal error. Please try again.",
    ),
    error,
};

fn error(sreq: &StorageRequest<'_>, e: &ApiError) -> Response {
    let extra = format!(
        "<Resource>{}</Resource><RequestId>{}</RequestId><HostId>unicloud-emulator</HostId>",
        x(&sreq.resource()),
        x(&sreq.rid)
    );
    let mut r = error_xml(sreq, e, VENDOR.request_id_header, &extra);
    crate::storage::set(&mut r, "x-amz-id-2", "unicloud-emulator");
    r
}

/// The bucket a virtual-hosted `Host` names: the labels before the `s3` (or `s3-…`,
/// `s3.dualstack`) label, if any.
pub(crate) fn host_bucket(host: &str) -> Option<String> {
    let name = match host.rsplit_once(':') {
        Some((n, p)) if p.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => host,
    };
    let lower = name.to_ascii_lowercase();
    let labels: Vec<&str> = lower.split('.').collect();
    let i = labels
        .iter()
        .position(|l| *l == "s3" || l.starts_with("s3-"))?;
    (i > 0).then(|| labels[..i].join("."))
}

/// Bucket and key of a request: virtual-hosted when the host names a bucket, else
/// path-style.
pub(crate) fn address(req: &Incoming) -> (Option<String>, Option<String>) {
    let path = req.path.strip_prefix('/').unwrap_or(&req.path);
    if let Some(b) = host_bucket(&req.host) {
        let key = (!path.is_empty()).then(|| percent_decode(path, false));
        return (Some(b), key);
    }
    let (b, k) = path.split_once('/').unwrap_or((path, ""));
    let bucket = (!b.is_empty()).then(|| percent_decode(b, false));
    let key = (!k.is_empty()).then(|| percent_decode(k, false));
    (bucket, key)
}

/// Handles one S3 request.
pub(crate) async fn handle(shared: &Arc<Shared>, req: Incoming, body: Body) -> Response {
    let (bucket, key) = address(&req);
    let mut sreq = StorageRequest {
        req: &req,
        bucket,
        key,
        region: "us-east-1".to_owned(),
        payload: Payload::Plain,
        rid: request_id().replace('-', "").to_ascii_uppercase(),
        owner: crate::auth::AWS_ACCOUNT.to_owned(),
    };
    if sreq.key.as_ref().is_some_and(|k| k.len() > 1024) {
        return error(
            &sreq,
            &ApiError::new(400, "KeyTooLongError", "Your key is too long"),
        );
    }
    let verified = match verify_s3(&shared.keys, shared.now(), &req) {
        Ok(v) => v,
        Err(e) => return error(&sreq, &e),
    };
    sreq.region = verified.region;
    sreq.owner = verified.principal.account;
    let chunked = req
        .header("content-encoding")
        .is_some_and(|c| c.split(',').any(|p| p.trim() == "aws-chunked"));
    sreq.payload = match verified.content_sha256.as_str() {
        "UNSIGNED-PAYLOAD" if !chunked => Payload::Plain,
        "UNSIGNED-PAYLOAD" | "STREAMING-UNSIGNED-PAYLOAD-TRAILER" => {
            Payload::Chunked { signer: None }
        }
        s if s.starts_with("STREAMING-AWS4-HMAC-SHA256-PAYLOAD") => Payload::Chunked {
            signer: verified.chunk_signer,
        },
        hex => Payload::Sha256(hex.to_ascii_lowercase()),
    };
    serve(shared, &VENDOR, sreq, body).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;

    fn req(target: &str, host: &str) -> Incoming {
        Incoming::from_parts(
            "GET",
            target,
            vec![("host".into(), host.into())],
            Bytes::new(),
        )
    }

    #[test]
    fn addresses_of_both_styles() {
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            address(&req("/b/dir/k%20x", "127.0.0.1:4566")),
            (some("b"), some("dir/k x"))
        );
        assert_eq!(address(&req("/b", "127.0.0.1:4566")), (some("b"), None));
        assert_eq!(address(&req("/b/", "localhost")), (some("b"), None));
        assert_eq!(address(&req("/", "localhost")), (None, None));
        assert_eq!(
            address(&req("/k", "my.bucket.s3.us-west-2.amazonaws.com")),
            (some("my.bucket"), some("k"))
        );
        assert_eq!(
            address(&req("/a/b", "bucket.s3.localhost:4566")),
            (some("bucket"), some("a/b"))
        );
        assert_eq!(
            address(&req("/b/k", "s3.us-east-1.amazonaws.com")),
            (some("b"), some("k"))
        );
    }
}
