//! AWS SDK errors as unicloud errors: one mapper for every `aws-sdk-*` service crate.
//!
//! Every AWS SDK operation fails with an `SdkError<OperationError, HttpResponse>` nested three
//! levels deep. [`map_sdk_error`] flattens it into one [`unicloud_core::Error`]: the kind from the
//! service's [`CodeTable`] (or from the HTTP status when the table does not know the code), the
//! operation, the provider, the HTTP status, the AWS error code and message, the request id, and
//! the SDK error itself as the source. It is generic over the operation error, so it serves EC2,
//! ELBv2, ELB and S3 alike and this crate depends on no service crate.
//!
//! ```no_run
//! # async fn example(sdk: &unicloud_aws::SdkConfig) -> Result<(), unicloud_core::Error> {
//! use unicloud_aws::map_sdk_error;
//! use unicloud_core::codes::{CodeMatch, CodeTable};
//! use unicloud_core::ErrorKind;
//!
//! // A service crate describes its codes once...
//! static STS: CodeTable = CodeTable {
//!     exact: &[("ExpiredTokenException", ErrorKind::Auth)],
//!     rules: &[(CodeMatch::Suffix("NotFound"), ErrorKind::NotFound)],
//!     retryable: &[],
//! };
//! // ...and maps every call's error with the operation's name.
//! let me = aws_sdk_sts::Client::new(sdk)
//!     .get_caller_identity()
//!     .send()
//!     .await
//!     .map_err(|e| map_sdk_error("GetCallerIdentity", &STS, e))?;
//! println!("{:?}", me.arn());
//! # Ok(()) }
//! ```

pub use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
pub use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use unicloud_core::codes::CodeTable;
use unicloud_core::{Error, ErrorKind, Provider};

/// The longest request id taken from a response body (AWS ids are UUIDs or 16–64 characters).
const MAX_REQUEST_ID: usize = 128;

/// `err`, returned by the AWS SDK for `operation` (`"DescribeInstances"`, `"RegisterTargets"`,
/// `"PutObject"`, ...), as a unicloud [`Error`].
///
/// - A service error takes its kind from `table` by its AWS code; an unknown or missing code
///   falls back to [`ErrorKind::from_http_status`], else [`ErrorKind::Other`]. The code, the
///   service's message, the HTTP status and the request id (the `x-amzn-requestid` or
///   `x-amz-request-id` header, else the `<RequestID>`/`<RequestId>` of the XML body) are kept,
///   and the table's retryability overrides are applied.
/// - A time-out is [`ErrorKind::Timeout`].
/// - A request that could not be dispatched is [`ErrorKind::Timeout`] when the connector timed
///   out, [`ErrorKind::InvalidInput`] when the request itself was unsendable, else
///   [`ErrorKind::Transport`]; when the connection never opened, the message says the request
///   was not sent and [`request_not_sent`] answers `true`.
/// - An unreadable response is [`ErrorKind::Transport`] (it is usually a connection cut short).
/// - A request that could not be built is [`ErrorKind::InvalidInput`].
///
/// Every error records [`Provider::Aws`], `operation`, and `err` as its source.
pub fn map_sdk_error<E>(
    operation: &'static str,
    table: &CodeTable,
    err: SdkError<E, HttpResponse>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    let request_id = request_id_of(&err);
    let mut out = match &err {
        SdkError::ServiceError(_) => {
            let code = err.code().filter(|c| !c.is_empty()).map(str::to_owned);
            let kind = code
                .as_deref()
                .and_then(|c| table.kind_of(c))
                .or_else(|| status.and_then(ErrorKind::from_http_status))
                .unwrap_or(ErrorKind::Other);
            let message = match (err.message().filter(|m| !m.is_empty()), &code, status) {
                (Some(m), _, _) => m.to_owned(),
                (None, Some(c), _) => format!("{operation} failed with {c}"),
                (None, None, Some(s)) => format!("{operation} failed with HTTP status {s}"),
                (None, None, None) => format!("{operation} failed"),
            };
            let mut e = Error::new(kind, message);
            if let Some(c) = code {
                if let Some(retryable) = table.retryable_override(&c) {
                    e = e.with_retryable(retryable);
                }
                e = e.with_code(c);
            }
            e
        }
        SdkError::TimeoutError(_) => {
            Error::new(ErrorKind::Timeout, format!("{operation} timed out"))
        }
        SdkError::DispatchFailure(d) => {
            let context = causes(&err);
            if d.is_timeout() {
                Error::new(
                    ErrorKind::Timeout,
                    format!("{operation} timed out: {context}"),
                )
            } else if d.is_user() {
                Error::new(
                    ErrorKind::InvalidInput,
                    format!("cannot send {operation}: {context}"),
                )
            } else if request_not_sent(&err) {
                // Nothing left this machine: even a call unsafe to repeat may be retried.
                Error::new(
                    ErrorKind::Transport,
                    format!("{operation} was not sent: cannot connect: {context}"),
                )
                .with_not_applied()
            } else {
                // `DispatchFailure::is_io` is no "not sent": the SDK's client also calls a
                // connection closed or reset after the request went out an I/O error.
                Error::new(
                    ErrorKind::Transport,
                    format!("{operation} failed in transit: {context}"),
                )
            }
        }
        SdkError::ResponseError(_) => Error::new(
            ErrorKind::Transport,
            format!(
                "the response to {operation} is unreadable: {}",
                causes(&err)
            ),
        ),
        SdkError::ConstructionFailure(_) => Error::new(
            ErrorKind::InvalidInput,
            format!("cannot build {operation}: {}", causes(&err)),
        ),
        _ => Error::new(
            ErrorKind::Other,
            format!("{operation} failed: {}", causes(&err)),
        ),
    }
    .with_provider(Provider::Aws)
    .with_operation(operation);
    if let Some(s) = status {
        out = out.with_status(s);
    }
    if let Some(r) = request_id {
        out = out.with_request_id(r);
    }
    out.with_source(err)
}

/// Whether `err` (an [`Error`] from [`map_sdk_error`], an `SdkError`, or anything whose source
/// chain holds one) failed while connecting, so the request never left this machine and
/// repeating it cannot apply it twice.
///
/// `true` only when that is certain: the AWS SDK's HTTP client reported a connect failure
/// (refused, unreachable, DNS, TLS handshake, connect time-out). A connection that broke later
/// — even one the SDK classifies as an I/O error — answers `false`, because the service may have
/// received and applied the request.
pub fn request_not_sent(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if e.downcast_ref::<hyper_util::client::legacy::Error>()
            .is_some_and(hyper_util::client::legacy::Error::is_connect)
        {
            return true;
        }
        cur = e.source();
    }
    false
}

/// The request id: the one the SDK parsed into the error metadata, else the response headers',
/// else the XML body's.
fn request_id_of<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<String> {
    if let Some(id) = err.meta().extra("aws_request_id") {
        return Some(id.to_owned());
    }
    let raw = err.raw_response()?;
    let headers = raw.headers();
    headers
        .get("x-amzn-requestid")
        .or_else(|| headers.get("x-amz-request-id"))
        .map(str::to_owned)
        .or_else(|| raw.body().bytes().and_then(body_request_id))
}

/// `<RequestID>…</RequestID>` (EC2) or `<RequestId>…</RequestId>` (STS, ELB, S3) in an XML body.
fn body_request_id(body: &[u8]) -> Option<String> {
    ["RequestID", "RequestId"].iter().find_map(|tag| {
        let open = format!("<{tag}>");
        let start = find(body, open.as_bytes())? + open.len();
        let rest = &body[start..];
        let end = find(rest, b"</")?;
        let id = std::str::from_utf8(&rest[..end]).ok()?.trim();
        let plausible = !id.is_empty()
            && id.len() <= MAX_REQUEST_ID
            && id.bytes().all(|b| b.is_ascii_graphic());
        plausible.then(|| id.to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `err` and its causes on one line, each cause's own message once (`dispatch failure: io
/// error: Connection refused (os error 111)`), without the SDK's debug dump of them.
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string().replace('\n', " ");
        let text = text.trim();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(text)) {
            parts.push(text.to_owned());
        }
        next = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::fmt;

    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;
    use unicloud_core::codes::CodeMatch;
    use unicloud_core::{Credentials, Region};

    use unicloud_testkit::server::{RecordingServer, Reply};

    use super::*;
    use crate::config::{AwsConfigOptions, load_sdk_config};

    static TABLE: CodeTable = CodeTable {
        exact: &[
            ("Throttling", ErrorKind::Throttled),
            ("IdempotentParameterMismatch", ErrorKind::Conflict),
            ("LastTokenProcessing", ErrorKind::Conflict),
        ],
        rules: &[(CodeMatch::Suffix(".NotFound"), ErrorKind::NotFound)],
        retryable: &[("LastTokenProcessing", true)],
    };

    /// An operation error as the SDK generates them: metadata and nothing else.
    #[derive(Debug)]
    struct OpError(ErrorMetadata);

    impl fmt::Display for OpError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "operation error {:?}", self.0.code())
        }
    }

    impl std::error::Error for OpError {}

    impl ProvideErrorMetadata for OpError {
        fn meta(&self) -> &ErrorMetadata {
            &self.0
        }
    }

    fn response(status: u16, headers: &[(&'static str, &'static str)], body: &str) -> HttpResponse {
        let mut r = HttpResponse::new(
            StatusCode::try_from(status).unwrap(),
            SdkBody::from(body.to_owned()),
        );
        for (k, v) in headers {
            r.headers_mut().insert(*k, *v);
        }
        r
    }

    fn service_error(
        code: Option<&str>,
        message: Option<&str>,
        raw: HttpResponse,
    ) -> SdkError<OpError, HttpResponse> {
        let mut meta = ErrorMetadata::builder();
        if let Some(c) = code {
            meta = meta.code(c);
        }
        if let Some(m) = message {
            meta = meta.message(m);
        }
        SdkError::service_error(OpError(meta.build()), raw)
    }

    #[test]
    fn service_errors_keep_every_diagnostic() {
        let err = service_error(
            Some("InvalidInstanceID.NotFound"),
            Some("The instance ID 'i-0123' does not exist"),
            response(400, &[("x-amzn-requestid", "req-1")], ""),
        );
        let e = map_sdk_error("DescribeInstances", &TABLE, err);
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.provider(), Some(Provider::Aws));
        assert_eq!(e.operation(), Some("DescribeInstances"));
        assert_eq!(e.status(), Some(400));
        assert_eq!(e.code(), Some("InvalidInstanceID.NotFound"));
        assert_eq!(e.request_id(), Some("req-1"));
        assert_eq!(e.message(), "The instance ID 'i-0123' does not exist");
        assert!(!e.is_retryable());
        let source = std::error::Error::source(&e).unwrap();
        assert!(
            source
                .downcast_ref::<SdkError<OpError, HttpResponse>>()
                .is_some()
        );
        assert_eq!(
            e.to_string(),
            "not-found: The instance ID 'i-0123' does not exist [aws op=DescribeInstances \
             http=400 code=InvalidInstanceID.NotFound request-id=req-1]"
        );
    }

    #[test]
    fn unknown_codes_fall_back_to_the_http_status() {
        for (status, kind) in [
            (400, ErrorKind::InvalidInput),
            (401, ErrorKind::Auth),
            (403, ErrorKind::PermissionDenied),
            (404, ErrorKind::NotFound),
            (409, ErrorKind::Conflict),
            (412, ErrorKind::PreconditionFailed),
            (429, ErrorKind::Throttled),
            (500, ErrorKind::Unavailable),
            (503, ErrorKind::Unavailable),
            (504, ErrorKind::Timeout),
            (302, ErrorKind::Other),
        ] {
            let err = service_error(Some("SomethingNew"), None, response(status, &[], ""));
            let e = map_sdk_error("PutObject", &TABLE, err);
            assert_eq!(e.kind(), kind, "{status}");
            assert_eq!(e.code(), Some("SomethingNew"));
            assert_eq!(e.message(), "PutObject failed with SomethingNew");
        }
        // No code at all (an S3 HEAD has no body): the status decides, the message says it.
        let e = map_sdk_error(
            "HeadObject",
            &TABLE,
            service_error(None, None, response(404, &[], "")),
        );
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.code(), None);
        assert_eq!(e.message(), "HeadObject failed with HTTP status 404");
    }

    #[test]
    fn table_retryability_overrides_the_kind() {
        let e = map_sdk_error(
            "RunInstances",
            &TABLE,
            service_error(Some("LastTokenProcessing"), None, response(400, &[], "")),
        );
        assert_eq!(e.kind(), ErrorKind::Conflict);
        assert!(e.is_retryable());
        let e = map_sdk_error(
            "RunInstances",
            &TABLE,
            service_error(Some("Throttling"), None, response(400, &[], "")),
        );
        assert!(e.is_retryable());
    }

    #[test]
    fn request_ids_from_metadata_headers_or_body() {
        let meta = ErrorMetadata::builder()
            .code("Throttling")
            .custom("aws_request_id", "from-metadata")
            .build();
        let err = SdkError::service_error(
            OpError(meta),
            response(400, &[("x-amzn-requestid", "from-header")], ""),
        );
        assert_eq!(
            map_sdk_error("X", &TABLE, err).request_id(),
            Some("from-metadata")
        );
        let err = service_error(
            Some("Throttling"),
            None,
            response(503, &[("x-amz-request-id", "s3-style")], ""),
        );
        assert_eq!(
            map_sdk_error("X", &TABLE, err).request_id(),
            Some("s3-style")
        );
        let ec2 = "<?xml version=\"1.0\"?><Response><Errors><Error><Code>Throttling</Code>\
                   </Error></Errors><RequestID>ec2-body-id</RequestID></Response>";
        let err = service_error(Some("Throttling"), None, response(503, &[], ec2));
        assert_eq!(
            map_sdk_error("X", &TABLE, err).request_id(),
            Some("ec2-body-id")
        );
        let sts = "<ErrorResponse><Error><Code>Throttling</Code></Error>\
                   <RequestId> sts-body-id </RequestId></ErrorResponse>";
        let err = service_error(Some("Throttling"), None, response(400, &[], sts));
        assert_eq!(
            map_sdk_error("X", &TABLE, err).request_id(),
            Some("sts-body-id")
        );
        for junk in [
            "<RequestId></RequestId>",
            "<RequestId>has space</RequestId>",
            "<RequestId>unterminated",
        ] {
            let err = service_error(Some("Throttling"), None, response(400, &[], junk));
            assert_eq!(map_sdk_error("X", &TABLE, err).request_id(), None, "{junk}");
        }
        let long = format!("<RequestId>{}</RequestId>", "a".repeat(MAX_REQUEST_ID + 1));
        assert_eq!(body_request_id(long.as_bytes()), None);
    }

    #[test]
    fn failures_without_a_response() {
        let e = map_sdk_error(
            "StopInstances",
            &TABLE,
            SdkError::<OpError, HttpResponse>::timeout_error("attempt timed out"),
        );
        assert_eq!(e.kind(), ErrorKind::Timeout);
        assert_eq!(e.operation(), Some("StopInstances"));
        assert_eq!(e.status(), None);

        let cases = [
            (ConnectorError::timeout("slow".into()), ErrorKind::Timeout),
            (
                ConnectorError::user("bad uri".into()),
                ErrorKind::InvalidInput,
            ),
            (ConnectorError::io("reset".into()), ErrorKind::Transport),
            (
                ConnectorError::other("?".into(), None),
                ErrorKind::Transport,
            ),
        ];
        for (c, kind) in cases {
            let err = SdkError::<OpError, HttpResponse>::dispatch_failure(c);
            let e = map_sdk_error("StartInstances", &TABLE, err);
            assert_eq!(e.kind(), kind, "{e}");
            assert_eq!(e.provider(), Some(Provider::Aws));
            assert!(!request_not_sent(&e), "{e}");
        }

        let e = map_sdk_error(
            "RunInstances",
            &TABLE,
            SdkError::<OpError, HttpResponse>::construction_failure("missing ImageId"),
        );
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.message().contains("missing ImageId"), "{e}");

        let e = map_sdk_error(
            "GetObject",
            &TABLE,
            SdkError::<OpError, HttpResponse>::response_error(
                "truncated body",
                response(200, &[("x-amz-request-id", "r")], "<Get"),
            ),
        );
        assert_eq!(e.kind(), ErrorKind::Transport);
        assert_eq!(e.status(), Some(200));
        assert_eq!(e.request_id(), Some("r"));
    }

    async fn sts_client(endpoint: String) -> aws_sdk_sts::Client {
        let sdk = load_sdk_config(&AwsConfigOptions {
            explicit: Some(Credentials::new("AKIDSOURCE", "never-in-errors-4711")),
            region: Some(Region::new(Provider::Aws, "us-east-1").unwrap()),
            endpoint: Some(endpoint),
            ..Default::default()
        })
        .await;
        let conf = aws_sdk_sts::config::Builder::from(&sdk)
            .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }

    /// A real SDK client: a refused connection is "not sent"; a connection dropped after the
    /// request arrived is a transport error that may have been applied.
    #[tokio::test]
    async fn real_sdk_errors_tell_not_sent_from_broken() {
        // A port held bound but never listening: refused, and no other test can take it.
        let closed = unicloud_testkit::refused::RefusedPort::new().unwrap();
        let err = sts_client(closed.url())
            .await
            .get_caller_identity()
            .send()
            .await
            .unwrap_err();
        let e = map_sdk_error("GetCallerIdentity", &TABLE, err);
        assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
        assert!(e.is_retryable());
        assert!(request_not_sent(&e), "{e:?}");
        assert!(!e.may_have_been_applied(), "{e:?}");
        assert!(e.message().contains("was not sent"), "{e}");
        // One line of causes, not the SDK's debug dump of them.
        assert!(!e.message().contains('\n'), "{e}");
        assert!(!e.message().contains("DispatchFailure {"), "{e}");
        assert!(!e.message().contains("ConnectorError {"), "{e}");

        // A server that reads the request, then hangs up without answering.
        let server = RecordingServer::scripted_or(vec![], Reply::hang_up())
            .await
            .unwrap();
        let err = sts_client(server.url())
            .await
            .get_caller_identity()
            .send()
            .await
            .unwrap_err();
        // The SDK reports a hang-up as a dispatch failure (I/O or "other", by hyper's version),
        // never as a connect failure.
        let dispatch =
            matches!(&err, SdkError::DispatchFailure(d) if !d.is_timeout() && !d.is_user());
        assert_eq!(server.request_count(), 1, "the request did arrive");
        let e = map_sdk_error("GetCallerIdentity", &TABLE, err);
        assert!(dispatch, "a hang-up is a dispatch failure: {e:?}");
        assert!(e.may_have_been_applied(), "{e:?}");
        assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
        assert!(!request_not_sent(&e), "{e:?}");
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains("never-in-errors-4711"), "{text}");
        }
    }

    /// A real SDK service error (STS's XML shape) through the mapper.
    #[tokio::test]
    async fn real_sdk_service_error() {
        // Every request gets the same answer, as STS would give it.
        let server = RecordingServer::start(|_| {
            Reply::xml(
                403,
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
             <Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token \
             included in the request is expired</Message></Error>\
             <RequestId>4c0d1ba5-sts-example</RequestId></ErrorResponse>",
            )
        })
        .await
        .unwrap();
        static STS: CodeTable = CodeTable {
            exact: &[("ExpiredToken", ErrorKind::Auth)],
            rules: &[],
            retryable: &[],
        };
        let err = sts_client(server.url())
            .await
            .get_caller_identity()
            .send()
            .await
            .unwrap_err();
        let e = map_sdk_error("GetCallerIdentity", &STS, err);
        assert_eq!(e.kind(), ErrorKind::Auth, "{e}");
        assert_eq!(e.code(), Some("ExpiredToken"));
        assert_eq!(e.status(), Some(403));
        assert_eq!(e.request_id(), Some("4c0d1ba5-sts-example"));
        assert_eq!(
            e.message(),
            "The security token included in the request is expired"
        );
        assert!(!request_not_sent(&e));
    }
}
