//! The one error type every unicloud crate returns.
//!
//! Users match on [`Error::kind`] — a flat, provider-neutral [`ErrorKind`] — and never on nested
//! SDK errors. The provider's own code, message, HTTP status and request id are kept for diagnosis.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::provider::Provider;

/// The boxed cause of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, independent of the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The credentials are missing, unknown, malformed, expired or the signature did not match.
    Auth,
    /// The caller is authenticated but not allowed to do this.
    PermissionDenied,
    /// The resource does not exist (or is not visible to the caller).
    NotFound,
    /// The request is invalid; detected before sending whenever possible.
    InvalidInput,
    /// The request conflicts with the resource's current state (e.g. stopping a stopped instance,
    /// reusing a client token with different parameters).
    Conflict,
    /// The resource to create exists already (a duplicate route, a bucket name taken, a backend
    /// registered twice where the provider refuses that).
    AlreadyExists,
    /// A condition the request set did not hold: a conditional write whose ETag or version no
    /// longer matches, or a route table that changed since it was read.
    PreconditionFailed,
    /// A batch was applied in part: some items changed and some did not, and the message says
    /// which (e.g. a route replacement whose rollback failed).
    PartialFailure,
    /// The provider asked us to slow down.
    Throttled,
    /// An account or resource quota would be exceeded, or the provider has no capacity.
    QuotaExceeded,
    /// The provider failed on its side (HTTP 5xx, internal error, service unavailable).
    Unavailable,
    /// The request or an operation (such as a waiter) ran out of time.
    Timeout,
    /// The request could not be sent or the connection broke.
    Transport,
    /// The provider answered with something we could not understand.
    InvalidResponse,
    /// A configuration or credentials file is malformed, or the configuration is incomplete.
    Config,
    /// The operation or option is not supported by this provider.
    Unsupported,
    /// The bytes the service stored differ from the bytes sent: a checksum or size that does
    /// not match what unicloud computed (never reported as a success).
    Integrity,
    /// The caller cancelled the operation (e.g. Ctrl-C); what it had started was undone where
    /// the message says so.
    Cancelled,
    /// Anything else; see the provider code and message.
    Other,
}

impl ErrorKind {
    /// Whether an operation that failed with this kind may succeed if simply retried.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::Throttled
                | ErrorKind::Unavailable
                | ErrorKind::Timeout
                | ErrorKind::Transport
        )
    }

    /// A short stable name (`auth`, `not-found`, ...) for logs, CLIs and exit-code tables.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Auth => "auth",
            ErrorKind::PermissionDenied => "permission-denied",
            ErrorKind::NotFound => "not-found",
            ErrorKind::InvalidInput => "invalid-input",
            ErrorKind::Conflict => "conflict",
            ErrorKind::AlreadyExists => "already-exists",
            ErrorKind::PreconditionFailed => "precondition-failed",
            ErrorKind::PartialFailure => "partial-failure",
            ErrorKind::Throttled => "throttled",
            ErrorKind::QuotaExceeded => "quota-exceeded",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Transport => "transport",
            ErrorKind::InvalidResponse => "invalid-response",
            ErrorKind::Config => "config",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Integrity => "integrity",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Other => "other",
        }
    }
}

impl ErrorKind {
    /// The kind an HTTP status implies when the body says nothing more specific: 400 invalid
    /// input, 401 auth, 403 permission denied, 404 not found, 409 conflict, 412 precondition
    /// failed, 429 throttled, 5xx unavailable (504 a time-out), anything else `None`.
    ///
    /// ```
    /// use unicloud_core::ErrorKind;
    /// assert_eq!(ErrorKind::from_http_status(412), Some(ErrorKind::PreconditionFailed));
    /// assert_eq!(ErrorKind::from_http_status(503), Some(ErrorKind::Unavailable));
    /// assert_eq!(ErrorKind::from_http_status(302), None);
    /// ```
    pub fn from_http_status(status: u16) -> Option<ErrorKind> {
        Some(match status {
            400 => ErrorKind::InvalidInput,
            401 => ErrorKind::Auth,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            412 => ErrorKind::PreconditionFailed,
            429 => ErrorKind::Throttled,
            504 => ErrorKind::Timeout,
            500..=599 => ErrorKind::Unavailable,
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of every unicloud operation.
///
/// ```
/// use unicloud_core::{Error, ErrorKind, Provider};
///
/// let err = Error::new(ErrorKind::NotFound, "instance ins-123 does not exist")
///     .with_provider(Provider::Tencent)
///     .with_code("InvalidInstanceId.NotFound")
///     .with_request_id("6ef60bec-0242-43af-bb20-270359fb54a7");
/// assert_eq!(err.kind(), ErrorKind::NotFound);
/// assert!(!err.is_retryable());
/// assert_eq!(err.code(), Some("InvalidInstanceId.NotFound"));
/// assert_eq!(
///     err.to_string(),
///     "not-found: instance ins-123 does not exist \
///      [tencent code=InvalidInstanceId.NotFound request-id=6ef60bec-0242-43af-bb20-270359fb54a7]"
/// );
///
/// // The operation that failed leads the diagnostics once it is known.
/// let err = err.with_operation("DescribeInstances");
/// assert_eq!(err.operation(), Some("DescribeInstances"));
/// assert!(err.to_string().contains("[tencent op=DescribeInstances code="));
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    provider: Option<Provider>,
    operation: Option<Cow<'static, str>>,
    code: Option<String>,
    request_id: Option<String>,
    status: Option<u16>,
    retry_after: Option<Duration>,
    retryable: Option<bool>,
    not_applied: bool,
    earlier_attempt_may_have_applied: bool,
    source: Option<BoxError>,
}

impl Error {
    /// A new error of `kind` with a message. The message must never contain a secret.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                provider: None,
                operation: None,
                code: None,
                request_id: None,
                status: None,
                retry_after: None,
                retryable: None,
                not_applied: false,
                earlier_attempt_may_have_applied: false,
                source: None,
            }),
        }
    }

    /// Shorthand for an [`ErrorKind::InvalidInput`] error.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// Records which provider produced the error.
    #[must_use]
    pub fn with_provider(mut self, provider: Provider) -> Self {
        self.inner.provider = Some(provider);
        self
    }

    /// Records the operation that failed (`DescribeRouteTables`, `UploadPart`, ...), unless one
    /// is recorded already: the innermost call that knows it names it first.
    #[must_use]
    pub fn with_operation(mut self, operation: impl Into<Cow<'static, str>>) -> Self {
        if self.inner.operation.is_none() {
            self.inner.operation = Some(operation.into());
        }
        self
    }

    /// Records the provider's own error code (e.g. `RequestLimitExceeded`).
    #[must_use]
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.inner.code = Some(code.into());
        self
    }

    /// Records the provider's request id.
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.inner.request_id = Some(request_id.into());
        self
    }

    /// Records the HTTP status of the response.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// Records how long the provider asked us to wait before retrying.
    #[must_use]
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.inner.retry_after = Some(after);
        self
    }

    /// The same error with another kind: the code, message, request id, operation, status,
    /// source and retry facts are kept. For a service that knows better than the shared code
    /// table what one vendor code means in its context (an `InvalidParameter.…` that names
    /// a load balancer that does not exist is a not-found).
    ///
    /// ```
    /// use unicloud_core::{Error, ErrorKind};
    /// let e = Error::new(ErrorKind::InvalidInput, "no such load balancer")
    ///     .with_code("InvalidParameter.LBIdNotFound")
    ///     .with_request_id("r-1")
    ///     .with_kind(ErrorKind::NotFound);
    /// assert_eq!(e.kind(), ErrorKind::NotFound);
    /// assert_eq!((e.code(), e.request_id()), (Some("InvalidParameter.LBIdNotFound"), Some("r-1")));
    /// ```
    #[must_use]
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.inner.kind = kind;
        self
    }

    /// The same error with another message (one that adds what happened next, say): the
    /// kind, code, request id, operation, status and retry flags are kept. The message must
    /// never contain a secret.
    ///
    /// ```
    /// use unicloud_core::{Error, ErrorKind};
    ///
    /// let e = Error::new(ErrorKind::Unavailable, "part 3 failed")
    ///     .with_code("InternalError")
    ///     .with_status(500);
    /// let e2 = e.with_message("part 3 failed; the multipart upload was aborted");
    /// assert_eq!(e2.message(), "part 3 failed; the multipart upload was aborted");
    /// assert_eq!((e2.kind(), e2.code(), e2.status()), (ErrorKind::Unavailable, Some("InternalError"), Some(500)));
    /// ```
    #[must_use]
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.inner.message = message.into();
        self
    }

    /// Overrides whether this particular error is retryable (otherwise the kind decides).
    #[must_use]
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.inner.retryable = Some(retryable);
        self
    }

    /// Marks this failure as one where the request certainly did not reach the provider (the
    /// connection was refused, the name did not resolve, the request could not be built), so
    /// even a call that is unsafe to repeat may be retried.
    #[must_use]
    pub fn with_not_applied(mut self) -> Self {
        self.inner.not_applied = true;
        self
    }

    /// Records the underlying cause.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// Whether retrying the same request may succeed.
    pub fn is_retryable(&self) -> bool {
        self.inner
            .retryable
            .unwrap_or_else(|| self.inner.kind.is_retryable())
    }

    /// Whether the provider may have carried out the request although the call failed: a
    /// time-out or a connection broken after sending, where no answer says what happened.
    /// A call that is not safe to repeat is not retried after such a failure (see
    /// [`Idempotency`](crate::Idempotency)).
    ///
    /// ```
    /// use unicloud_core::{Error, ErrorKind};
    /// assert!(Error::new(ErrorKind::Timeout, "no answer").may_have_been_applied());
    /// assert!(!Error::new(ErrorKind::Transport, "refused").with_not_applied().may_have_been_applied());
    /// assert!(!Error::new(ErrorKind::Throttled, "slow down").may_have_been_applied());
    /// ```
    pub fn may_have_been_applied(&self) -> bool {
        !self.inner.not_applied
            && matches!(self.inner.kind, ErrorKind::Timeout | ErrorKind::Transport)
    }

    /// Whether an earlier attempt of the same call failed in a way that may have been applied
    /// (a time-out or a broken connection) before this error ended the retries. Then a
    /// `NotFound` from a repeated delete, or an `AlreadyExists` from a repeated create, may
    /// be the echo of the earlier attempt's success; the services use this to tell a delete
    /// that reached its goal from one that failed.
    pub fn earlier_attempt_may_have_applied(&self) -> bool {
        self.inner.earlier_attempt_may_have_applied
    }

    /// Marks the error as following an attempt that may have been applied (set by the retry
    /// loop).
    #[must_use]
    pub(crate) fn with_earlier_attempt_may_have_applied(mut self) -> Self {
        self.inner.earlier_attempt_may_have_applied = true;
        self
    }

    /// Our message (or the provider's message when the error came from the provider).
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The provider that produced the error, when known.
    pub fn provider(&self) -> Option<Provider> {
        self.inner.provider
    }

    /// The operation that failed, when known.
    pub fn operation(&self) -> Option<&str> {
        self.inner.operation.as_deref()
    }

    /// The provider's own error code, when there is one.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The provider's request id, when there is one.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// How long the provider asked us to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.inner.kind, self.inner.message)?;
        let i = &self.inner;
        if i.provider.is_some()
            || i.operation.is_some()
            || i.code.is_some()
            || i.request_id.is_some()
            || i.status.is_some()
        {
            f.write_str(" [")?;
            let mut sep = "";
            if let Some(p) = i.provider {
                write!(f, "{p}")?;
                sep = " ";
            }
            if let Some(op) = &i.operation {
                write!(f, "{sep}op={op}")?;
                sep = " ";
            }
            if let Some(s) = i.status {
                write!(f, "{sep}http={s}")?;
                sep = " ";
            }
            if let Some(c) = &i.code {
                write!(f, "{sep}code={c}")?;
                sep = " ";
            }
            if let Some(r) = &i.request_id {
                write!(f, "{sep}request-id={r}")?;
            }
            f.write_str("]")?;
        }
        if i.earlier_attempt_may_have_applied {
            f.write_str(" (after an earlier attempt that may have been applied)")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &i.kind).field("message", &i.message);
        if let Some(p) = i.provider {
            d.field("provider", &p);
        }
        if let Some(op) = &i.operation {
            d.field("operation", op);
        }
        if let Some(c) = &i.code {
            d.field("code", c);
        }
        if let Some(r) = &i.request_id {
            d.field("request_id", r);
        }
        if let Some(s) = i.status {
            d.field("status", &s);
        }
        if let Some(s) = &i.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_kinds() {
        for k in [
            ErrorKind::Throttled,
            ErrorKind::Unavailable,
            ErrorKind::Timeout,
            ErrorKind::Transport,
        ] {
            assert!(k.is_retryable(), "{k}");
            assert!(Error::new(k, "x").is_retryable());
        }
        for k in [
            ErrorKind::Auth,
            ErrorKind::PermissionDenied,
            ErrorKind::NotFound,
            ErrorKind::InvalidInput,
            ErrorKind::Conflict,
            ErrorKind::AlreadyExists,
            ErrorKind::PreconditionFailed,
            ErrorKind::PartialFailure,
            ErrorKind::QuotaExceeded,
            ErrorKind::InvalidResponse,
            ErrorKind::Config,
            ErrorKind::Unsupported,
            ErrorKind::Other,
        ] {
            assert!(!k.is_retryable(), "{k}");
        }
    }

    #[test]
    fn override_retryable() {
        let e = Error::new(ErrorKind::Conflict, "busy").with_retryable(true);
        assert!(e.is_retryable());
        let e = Error::new(ErrorKind::Transport, "x").with_retryable(false);
        assert!(!e.is_retryable());
    }

    #[test]
    fn display_has_all_diagnostics() {
        let e = Error::new(ErrorKind::Throttled, "slow down")
            .with_provider(Provider::Alibaba)
            .with_status(400)
            .with_code("Throttling.User")
            .with_request_id("RID");
        assert_eq!(
            e.to_string(),
            "throttled: slow down [alibaba http=400 code=Throttling.User request-id=RID]"
        );
        assert_eq!(e.status(), Some(400));
        assert_eq!(e.provider(), Some(Provider::Alibaba));
        assert_eq!(e.request_id(), Some("RID"));
        assert_eq!(e.message(), "slow down");
        assert_eq!(Error::new(ErrorKind::Other, "x").to_string(), "other: x");
    }

    #[test]
    fn operation_is_shown_and_first_one_wins() {
        let e = Error::new(ErrorKind::NotFound, "no such table")
            .with_provider(Provider::Aws)
            .with_operation("DescribeRouteTables")
            .with_operation("ReplaceRoutes")
            .with_code("InvalidRouteTableID.NotFound");
        assert_eq!(e.operation(), Some("DescribeRouteTables"));
        assert_eq!(
            e.to_string(),
            "not-found: no such table [aws op=DescribeRouteTables code=InvalidRouteTableID.NotFound]"
        );
        assert!(format!("{e:?}").contains("DescribeRouteTables"));
        let bare = Error::new(ErrorKind::Other, "x").with_operation(String::from("UploadPart"));
        assert_eq!(bare.to_string(), "other: x [op=UploadPart]");
    }

    #[test]
    fn new_kinds_have_stable_names() {
        assert_eq!(ErrorKind::AlreadyExists.as_str(), "already-exists");
        assert_eq!(
            ErrorKind::PreconditionFailed.as_str(),
            "precondition-failed"
        );
        assert_eq!(ErrorKind::PartialFailure.as_str(), "partial-failure");
    }

    #[test]
    fn source_is_kept() {
        let io = std::io::Error::other("boom");
        let e = Error::new(ErrorKind::Transport, "send failed").with_source(io);
        let src = std::error::Error::source(&e).unwrap();
        assert_eq!(src.to_string(), "boom");
        assert!(format!("{e:?}").contains("boom"));
    }

    #[test]
    fn kind_names_are_stable() {
        assert_eq!(ErrorKind::NotFound.as_str(), "not-found");
        assert_eq!(ErrorKind::PermissionDenied.to_string(), "permission-denied");
    }

    #[test]
    fn error_is_small_and_thread_safe() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
