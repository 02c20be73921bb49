//! Object storage (S3, COS, OSS) as routed today: recognised by the router from the request
//! head and answered `501 NotImplemented` in each vendor's own XML error shape, with the
//! vendor's request-id header, so an SDK pointed at the emulator reports a clear service
//! error instead of a parse failure. The body is never read. The storage vertical replaces
//! this with `aws/s3.rs`, `tencent/cos.rs` and `alibaba/oss.rs` handler tables.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use unicloud_core::Provider;

use crate::server::Incoming;
use crate::util::{request_id, xml_escape as x};
use crate::wire::xml::DECLARATION;

/// Answers a storage request for `cloud` (its `body` is dropped unread).
pub(crate) fn handle(cloud: Provider, req: &Incoming, body: Body) -> Response {
    drop(body);
    let rid = request_id();
    let message = format!(
        "{} object storage is not emulated yet ({} {}).",
        cloud.display_name(),
        req.method,
        req.path
    );
    let (xml, id_header) = match cloud {
        Provider::Aws => (
            format!(
                "{DECLARATION}<Error><Code>NotImplemented</Code><Message>{}</Message><RequestId>{rid}</RequestId><HostId>unicloud-emulator</HostId></Error>",
                x(&message)
            ),
            "x-amz-request-id",
        ),
        Provider::Tencent => (
            format!(
                "{DECLARATION}<Error><Code>NotImplemented</Code><Message>{}</Message><Resource>{}</Resource><RequestId>{rid}</RequestId><TraceId>{rid}</TraceId></Error>",
                x(&message),
                x(&format!("{}{}", req.host, req.path))
            ),
            "x-cos-request-id",
        ),
        _ => (
            format!(
                "{DECLARATION}<Error><Code>NotImplemented</Code><Message>{}</Message><RequestId>{rid}</RequestId><HostId>{}</HostId></Error>",
                x(&message),
                x(&req.host)
            ),
            "x-oss-request-id",
        ),
    };
    let mut r = (StatusCode::NOT_IMPLEMENTED, xml).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    if let Ok(v) = HeaderValue::from_str(&rid) {
        r.headers_mut().insert(id_header, v);
    }
    r
}
