//! Alibaba Cloud OSS: path-style (`/bucket/key`, a `/` in the key possibly sent as `%2F`, as
//! oss2 does with an IP endpoint) or virtual-hosted (`bucket.oss-<region>.aliyuncs.com`);
//! signatures v1 (`OSS id:sig`) and v4 (`OSS4-HMAC-SHA256`, `UNSIGNED-PAYLOAD`); the actions
//! are the shared engine's (`storage.rs`). Answers carry `x-oss-request-id`, upper-case
//! `ETag`s and `x-oss-hash-crc64ecma` (decimal CRC-64/XZ). Errors: XML with Code, Message,
//! RequestId, HostId and EC. EC values: `NoSuchBucket` is `0015-00000101` as OSS answers;
//! the emulator gives other codes the placeholder `0000-00000000` (their real values are not
//! in its references).

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use unicloud_alibaba::sign::oss::ObjectAddress;
use unicloud_core::Provider;

use crate::auth::{ApiError, verify_oss};
use crate::server::{Incoming, Shared};
use crate::storage::{Payload, StorageRequest, Vendor, error_xml, serve};
use crate::util::{request_id, xml_escape as x};

/// How OSS words object storage.
pub(crate) const VENDOR: Vendor = Vendor {
    provider: Provider::Alibaba,
    prefix: "x-oss-",
    request_id_header: "x-oss-request-id",
    xmlns: None,
    min_part: 100 * 1024,
    upper_etag: true,
    crc64_header: Some("x-oss-hash-crc64ecma"),
    default_class: "Standard",
    create_bucket: "PutBucket",
    initiate: "InitiateMultipartUpload",
    throttle: (
        503,
        "ServiceUnavailable",
        "Please reduce your request rate.",
    ),
    server_error: (500, "InternalError", "We encountered an internal error."),
    error,
};

fn ec(code: &str) -> &'static str {
    match code {
        "NoSuchBucket" => "0015-00000101",
        _ => "0000-00000000",
    }
}

fn error(sreq: &StorageRequest<'_>, e: &ApiError) -> Response {
    let bucket = sreq
        .bucket
        .as_deref()
        .map(|b| format!("<BucketName>{}</BucketName>", x(b)))
        .unwrap_or_default();
    let extra = format!(
        "<RequestId>{}</RequestId><HostId>{}</HostId>{bucket}<EC>{}</EC>",
        x(&sreq.rid),
        x(&sreq.req.host),
        ec(&e.code)
    );
    let mut r = error_xml(sreq, e, VENDOR.request_id_header, &extra);
    crate::storage::set(&mut r, "x-oss-ec", ec(&e.code));
    r
}

/// The bucket a virtual-hosted `Host` names (`bucket.oss-cn-hangzhou.aliyuncs.com`).
fn host_bucket(host: &str) -> Option<String> {
    let lower = host.to_ascii_lowercase();
    let mut labels = lower.split('.');
    let first = labels.next()?;
    labels
        .next()
        .is_some_and(|l| l.starts_with("oss-"))
        .then(|| first.to_owned())
}

/// Handles one OSS request.
pub(crate) async fn handle(shared: &Arc<Shared>, req: Incoming, body: Body) -> Response {
    let address = match host_bucket(&req.host) {
        Some(b) => ObjectAddress::virtual_hosted(&b, &req.path),
        None => ObjectAddress::path_style(&req.path),
    }
    .unwrap_or(ObjectAddress {
        bucket: None,
        key: None,
    });
    let mut sreq = StorageRequest {
        req: &req,
        bucket: address.bucket.clone(),
        key: address.key.clone(),
        region: "cn-hangzhou".to_owned(),
        payload: Payload::Plain,
        rid: request_id()
            .replace('-', "")
            .chars()
            .take(24)
            .collect::<String>()
            .to_ascii_uppercase(),
        owner: crate::auth::ALIBABA_ACCOUNT.to_owned(),
    };
    match verify_oss(&shared.keys, shared.now(), &req, &address) {
        Ok((_, region)) => {
            if let Some(r) = region {
                sreq.region = r;
            }
        }
        Err(e) => return error(&sreq, &e),
    }
    serve(shared, &VENDOR, sreq, body).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            host_bucket("examplebucket.oss-cn-hangzhou.aliyuncs.com").as_deref(),
            Some("examplebucket")
        );
        assert_eq!(host_bucket("oss-cn-hangzhou.aliyuncs.com"), None);
        assert_eq!(host_bucket("127.0.0.1:4566"), None);
    }
}
