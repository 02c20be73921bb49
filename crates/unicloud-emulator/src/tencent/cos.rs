//! Tencent COS (XML API): the bucket (`<name>-<appid>`, any APPID) from the `Host`
//! (`<bucket>.cos.<region>.myqcloud.com`, even when the connection goes to 127.0.0.1, as
//! cos-python-sdk-v5 sends it), else path-style (`/<name>-<appid>/key`) when the first path
//! segment has that shape, else — for a request to an IP or `localhost` naming no bucket —
//! the only COS bucket, when exactly one exists. `q-sign-algorithm=sha1` signatures; the
//! actions are the shared engine's (`storage.rs`). Every answer carries `x-cos-request-id`,
//! objects and parts `x-cos-hash-crc64ecma` (decimal CRC-64/XZ). Errors: XML with Code,
//! Message, Resource, RequestId, TraceId.

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use unicloud_core::Provider;

use crate::auth::{ApiError, verify_cos};
use crate::model::lock;
use crate::server::{Incoming, Shared};
use crate::storage::{Payload, StorageRequest, Vendor, error_xml, serve};
use crate::util::{percent_decode, request_id, xml_escape as x};

/// How COS words object storage.
pub(crate) const VENDOR: Vendor = Vendor {
    provider: Provider::Tencent,
    prefix: "x-cos-",
    request_id_header: "x-cos-request-id",
    xmlns: None,
    min_part: 1024 * 1024,
    upper_etag: false,
    crc64_header: Some("x-cos-hash-crc64ecma"),
    default_class: "STANDARD",
    create_bucket: "PutBucket",
    initiate: "InitiateMultipartUpload",
    throttle: (503, "SlowDown", "Please reduce your request rate."),
    server_error: (500, "InternalError", "We encountered an internal error."),
    error,
};

fn error(sreq: &StorageRequest<'_>, e: &ApiError) -> Response {
    let trace = uuid::Uuid::new_v4().simple().to_string();
    let extra = format!(
        "<Resource>{}{}</Resource><RequestId>{}</RequestId><TraceId>{trace}</TraceId>",
        x(&sreq.req.host),
        x(&sreq.req.path),
        x(&sreq.rid)
    );
    error_xml(sreq, e, VENDOR.request_id_header, &extra)
}

/// Whether `s` is a COS bucket name with its APPID (`name-1250000000`).
fn is_bucket(s: &str) -> bool {
    s.rsplit_once('-').is_some_and(|(name, appid)| {
        !name.is_empty() && !appid.is_empty() && appid.bytes().all(|b| b.is_ascii_digit())
    })
}

/// The bucket a `Host` names (`bucket-appid.cos.region.myqcloud.com`).
fn host_bucket(host: &str) -> Option<String> {
    let lower = host.to_ascii_lowercase();
    let mut labels = lower.split('.');
    let first = labels.next()?;
    (labels.next() == Some("cos") && is_bucket(first)).then(|| first.to_owned())
}

fn address(shared: &Shared, req: &Incoming) -> (Option<String>, Option<String>) {
    let path = req.path.strip_prefix('/').unwrap_or(&req.path);
    let key_of = |p: &str| (!p.is_empty()).then(|| percent_decode(p, false));
    if let Some(b) = host_bucket(&req.host) {
        return (Some(b), key_of(path));
    }
    let (first, rest) = path.split_once('/').unwrap_or((path, ""));
    if is_bucket(first) {
        return (Some(first.to_owned()), key_of(rest));
    }
    let store = lock(shared.stores.of(Provider::Tencent));
    let only = (store.buckets.len() == 1)
        .then(|| store.buckets.keys().next().cloned())
        .flatten();
    match only {
        Some(b) if !path.is_empty() => (Some(b), key_of(path)),
        _ => (None, key_of(path)),
    }
}

/// Handles one COS request.
pub(crate) async fn handle(shared: &Arc<Shared>, req: Incoming, body: Body) -> Response {
    let (bucket, key) = address(shared, &req);
    let region = req
        .host
        .to_ascii_lowercase()
        .split('.')
        .skip_while(|l| *l != "cos")
        .nth(1)
        .unwrap_or("ap-guangzhou")
        .to_owned();
    let sreq = StorageRequest {
        req: &req,
        bucket,
        key,
        region,
        payload: Payload::Plain,
        rid: request_id().replace('-', ""),
        owner: format!("qcs::cam::uin/{0}:uin/{0}", crate::auth::TENCENT_ACCOUNT),
    };
    if let Err(e) = verify_cos(&shared.keys, shared.now(), &req) {
        return error(&sreq, &e);
    }
    if sreq.bucket.is_none() && sreq.key.is_some() {
        return error(
            &sreq,
            &ApiError::new(404, "NoSuchBucket", "The specified bucket does not exist."),
        );
    }
    serve(shared, &VENDOR, sreq, body).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_and_hosts() {
        assert!(is_bucket("examplebucket-1250000000"));
        assert!(!is_bucket("dir"));
        assert!(!is_bucket("-12"));
        assert_eq!(
            host_bucket("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com").as_deref(),
            Some("examplebucket-1250000000")
        );
        assert_eq!(host_bucket("127.0.0.1:4566"), None);
    }
}
