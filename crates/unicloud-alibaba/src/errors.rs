//! Alibaba Cloud error codes mapped to [`ErrorKind`] in one table.
//!
//! Alibaba answers errors with an HTTP 4xx/5xx status and
//! `{"RequestId", "HostId", "Code", "Message", "Recommend"}`. The code decides the kind; when a
//! code is unknown, the HTTP status does.

use unicloud_core::ErrorKind;
use unicloud_core::codes::{CodeMatch, CodeTable};

/// Alibaba Cloud's codes: exact codes, then whole dotted words, then suffixes and the
/// `Unsupported…`/`Invalid…` families.
pub static TABLE: CodeTable = CodeTable {
    exact: &[
        ("InvalidAccessKeyId.NotFound", ErrorKind::Auth),
        ("InvalidAccessKeyId.Inactive", ErrorKind::Auth),
        ("InvalidAccessKeyId", ErrorKind::Auth),
        ("SignatureDoesNotMatch", ErrorKind::Auth),
        ("IncompleteSignature", ErrorKind::Auth),
        ("InvalidTimeStamp.Expired", ErrorKind::Auth),
        ("InvalidTimeStamp.Format", ErrorKind::Auth),
        ("SignatureNonceUsed", ErrorKind::Auth),
        ("MissingSecurityToken", ErrorKind::Auth),
        ("InvalidSecurityToken.Expired", ErrorKind::Auth),
        ("InvalidSecurityToken.Malformed", ErrorKind::Auth),
        (
            "InvalidSecurityToken.MismatchWithAccessKey",
            ErrorKind::Auth,
        ),
        ("NoPermission", ErrorKind::PermissionDenied),
        ("InvalidApi.NotFound", ErrorKind::Unsupported),
        ("InvalidAction.NotFound", ErrorKind::Unsupported),
        ("InvalidVersion", ErrorKind::Unsupported),
        ("InvalidRegionId.NotFound", ErrorKind::InvalidInput),
        ("InvalidRegionId.MalFormed", ErrorKind::InvalidInput),
        ("MissingParameter", ErrorKind::InvalidInput),
        ("InvalidParameter", ErrorKind::InvalidInput),
        ("IdempotentParameterMismatch", ErrorKind::Conflict),
        ("IdempotenceProcessing", ErrorKind::Conflict),
        ("LastTokenProcessing", ErrorKind::Conflict),
        ("OperationConflict", ErrorKind::Conflict),
        ("IncorrectInstanceStatus", ErrorKind::Conflict),
        ("OperationDenied.NoStock", ErrorKind::QuotaExceeded),
        ("InternalError", ErrorKind::Unavailable),
        ("UnknownError", ErrorKind::Unavailable),
        ("ServiceUnavailable", ErrorKind::Unavailable),
        ("ServiceTimeout", ErrorKind::Timeout),
    ],
    rules: &[
        (CodeMatch::Word("Throttling"), ErrorKind::Throttled),
        (
            CodeMatch::Word("ServiceUnavailable"),
            ErrorKind::Unavailable,
        ),
        (CodeMatch::Word("InternalError"), ErrorKind::Unavailable),
        (CodeMatch::Word("Forbidden"), ErrorKind::PermissionDenied),
        (CodeMatch::Word("NoPermission"), ErrorKind::PermissionDenied),
        (
            CodeMatch::Word("IncorrectInstanceStatus"),
            ErrorKind::Conflict,
        ),
        (CodeMatch::Word("IncorrectStatus"), ErrorKind::Conflict),
        (CodeMatch::Word("IncorrectVpcStatus"), ErrorKind::Conflict),
        (
            CodeMatch::Word("IncorrectLoadBalancerStatus"),
            ErrorKind::Conflict,
        ),
        (CodeMatch::Word("OperationConflict"), ErrorKind::Conflict),
        (CodeMatch::Word("QuotaExceed"), ErrorKind::QuotaExceeded),
        (CodeMatch::Word("QuotaExceeded"), ErrorKind::QuotaExceeded),
        (
            CodeMatch::Word("OperationDenied.NoStock"),
            ErrorKind::QuotaExceeded,
        ),
        (CodeMatch::Word("EntityNotExist"), ErrorKind::NotFound),
        (CodeMatch::Word("MissingParameter"), ErrorKind::InvalidInput),
        (CodeMatch::Word("InvalidParameter"), ErrorKind::InvalidInput),
        (CodeMatch::Word("Unsupported"), ErrorKind::Unsupported),
        (CodeMatch::Suffix(".NotFound"), ErrorKind::NotFound),
        (CodeMatch::Suffix(".NotExist"), ErrorKind::NotFound),
        (CodeMatch::Suffix("NotExists"), ErrorKind::NotFound),
        (CodeMatch::Starts("Unsupported"), ErrorKind::Unsupported),
        (CodeMatch::Starts("Invalid"), ErrorKind::InvalidInput),
        (CodeMatch::Suffix(".Malformed"), ErrorKind::InvalidInput),
        (CodeMatch::Suffix(".MalFormed"), ErrorKind::InvalidInput),
    ],
    retryable: &[
        // The same client token is still being processed: retrying later returns its result.
        ("IdempotenceProcessing", true),
        ("LastTokenProcessing", true),
        // Every attempt is signed with a fresh nonce, so a replayed nonce resolves on retry.
        ("SignatureNonceUsed", true),
    ],
};

/// The [`ErrorKind`] of an Alibaba Cloud error code, with the HTTP status as a fallback.
///
/// ```
/// use unicloud_core::ErrorKind;
/// use unicloud_alibaba::errors::kind_of;
///
/// assert_eq!(kind_of("Throttling.User", 400), ErrorKind::Throttled);
/// assert_eq!(kind_of("InvalidInstanceId.NotFound", 404), ErrorKind::NotFound);
/// assert_eq!(kind_of("SignatureDoesNotMatch", 400), ErrorKind::Auth);
/// assert_eq!(kind_of("SomethingNew", 503), ErrorKind::Unavailable);
/// ```
pub fn kind_of(code: &str, status: u16) -> ErrorKind {
    TABLE
        .kind_of(code)
        .or_else(|| ErrorKind::from_http_status(status))
        .unwrap_or(ErrorKind::Other)
}

/// Codes that are worth retrying although their kind alone would not say so.
pub fn retryable_override(code: &str) -> Option<bool> {
    TABLE.retryable_override(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_code_by_code() {
        let cases = [
            ("Throttling", 400, ErrorKind::Throttled),
            ("Throttling.User", 400, ErrorKind::Throttled),
            ("Throttling.Api", 400, ErrorKind::Throttled),
            ("Throttling.Resource", 503, ErrorKind::Throttled),
            ("ServiceUnavailable", 503, ErrorKind::Unavailable),
            ("ServiceUnavailable.Throttling", 503, ErrorKind::Unavailable),
            ("InternalError", 500, ErrorKind::Unavailable),
            ("UnknownError", 500, ErrorKind::Unavailable),
            ("ServiceTimeout", 504, ErrorKind::Timeout),
            ("InvalidAccessKeyId.NotFound", 404, ErrorKind::Auth),
            ("InvalidAccessKeyId.Inactive", 400, ErrorKind::Auth),
            ("SignatureDoesNotMatch", 400, ErrorKind::Auth),
            ("IncompleteSignature", 400, ErrorKind::Auth),
            ("InvalidTimeStamp.Expired", 400, ErrorKind::Auth),
            ("SignatureNonceUsed", 400, ErrorKind::Auth),
            ("InvalidSecurityToken.Expired", 400, ErrorKind::Auth),
            ("MissingSecurityToken", 400, ErrorKind::Auth),
            ("Forbidden.RAM", 403, ErrorKind::PermissionDenied),
            ("Forbidden", 403, ErrorKind::PermissionDenied),
            ("Forbidden.RiskControl", 403, ErrorKind::PermissionDenied),
            ("NoPermission", 403, ErrorKind::PermissionDenied),
            ("InvalidInstanceId.NotFound", 404, ErrorKind::NotFound),
            ("InvalidRouteTableId.NotFound", 404, ErrorKind::NotFound),
            ("InvalidLoadBalancerId.NotFound", 400, ErrorKind::NotFound),
            ("EntityNotExist.Role", 404, ErrorKind::NotFound),
            ("IncorrectInstanceStatus", 403, ErrorKind::Conflict),
            (
                "IncorrectInstanceStatus.Initializing",
                403,
                ErrorKind::Conflict,
            ),
            ("IncorrectStatus.RouteTableStatus", 400, ErrorKind::Conflict),
            ("IncorrectVpcStatus", 400, ErrorKind::Conflict),
            ("OperationConflict", 400, ErrorKind::Conflict),
            ("IdempotentParameterMismatch", 400, ErrorKind::Conflict),
            ("IdempotenceProcessing", 400, ErrorKind::Conflict),
            ("QuotaExceed.Instance", 400, ErrorKind::QuotaExceeded),
            ("QuotaExceeded", 400, ErrorKind::QuotaExceeded),
            (
                "QuotaExceeded.PrivateIpAddress",
                400,
                ErrorKind::QuotaExceeded,
            ),
            ("OperationDenied.NoStock", 403, ErrorKind::QuotaExceeded),
            ("MissingParameter", 400, ErrorKind::InvalidInput),
            ("MissingParameter.RegionId", 400, ErrorKind::InvalidInput),
            ("InvalidParameter", 400, ErrorKind::InvalidInput),
            ("InvalidParameter.PageSize", 400, ErrorKind::InvalidInput),
            (
                "InvalidInstanceType.ValueNotSupported",
                400,
                ErrorKind::InvalidInput,
            ),
            ("InvalidRegionId.NotFound", 404, ErrorKind::InvalidInput),
            ("InvalidApi.NotFound", 404, ErrorKind::Unsupported),
            ("UnsupportedOperation", 400, ErrorKind::Unsupported),
            ("SomethingNew", 400, ErrorKind::InvalidInput),
            ("SomethingNew", 403, ErrorKind::PermissionDenied),
            ("SomethingNew", 429, ErrorKind::Throttled),
            ("SomethingNew", 502, ErrorKind::Unavailable),
            ("SomethingNew", 418, ErrorKind::Other),
            ("Throttlingish", 418, ErrorKind::Other),
        ];
        for (code, status, kind) in cases {
            assert_eq!(kind_of(code, status), kind, "{code} {status}");
        }
    }

    #[test]
    fn overrides() {
        assert_eq!(retryable_override("IdempotenceProcessing"), Some(true));
        assert_eq!(retryable_override("SignatureNonceUsed"), Some(true));
        assert_eq!(retryable_override("Throttling"), None);
    }
}
