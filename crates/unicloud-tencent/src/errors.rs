//! Tencent Cloud error codes mapped to [`ErrorKind`] in one table.
//!
//! Tencent answers API 3.0 errors with HTTP 200 and
//! `{"Response": {"Error": {"Code": "...", "Message": "..."}, "RequestId": "..."}}`; the code is
//! dotted (`AuthFailure.SignatureExpire`, `ResourceNotFound.InstanceId`), so the table matches
//! exact codes first, then prefixes, then suffixes.

use unicloud_core::ErrorKind;

/// Exact codes, checked first.
const EXACT: &[(&str, ErrorKind)] = &[
    (
        "AuthFailure.UnauthorizedOperation",
        ErrorKind::PermissionDenied,
    ),
    ("UnauthorizedOperation", ErrorKind::PermissionDenied),
    ("InvalidInstanceId.NotFound", ErrorKind::NotFound),
    ("InvalidInstanceId.Malformed", ErrorKind::InvalidInput),
    ("MissingParameter", ErrorKind::InvalidInput),
    ("UnknownParameter", ErrorKind::InvalidInput),
    ("RequestSizeLimitExceeded", ErrorKind::InvalidInput),
    ("ResponseSizeLimitExceeded", ErrorKind::InvalidInput),
    ("InvalidAction", ErrorKind::Unsupported),
    ("NoSuchVersion", ErrorKind::Unsupported),
    ("NoSuchProduct", ErrorKind::Unsupported),
    ("UnsupportedRegion", ErrorKind::Unsupported),
    ("UnsupportedProtocol", ErrorKind::Unsupported),
    ("InvalidRegion", ErrorKind::InvalidInput),
    ("ServiceUnavailable", ErrorKind::Unavailable),
    ("ServiceNotExist", ErrorKind::Unsupported),
    ("IdempotentParameterMismatch", ErrorKind::Conflict),
    ("ResourcesSoldOut", ErrorKind::QuotaExceeded),
    ("DryRunOperation", ErrorKind::Other),
];

/// Prefixes (the part before the first dot, or a longer dotted prefix), checked in order.
const PREFIX: &[(&str, ErrorKind)] = &[
    ("AuthFailure", ErrorKind::Auth),
    ("UnauthorizedOperation", ErrorKind::PermissionDenied),
    ("RequestLimitExceeded", ErrorKind::Throttled),
    ("ResourceNotFound", ErrorKind::NotFound),
    ("UnsupportedOperation.InstanceState", ErrorKind::Conflict),
    ("UnsupportedOperation", ErrorKind::Unsupported),
    ("InvalidParameterValue", ErrorKind::InvalidInput),
    ("InvalidParameter", ErrorKind::InvalidInput),
    ("InvalidFilter", ErrorKind::InvalidInput),
    ("LimitExceeded", ErrorKind::QuotaExceeded),
    ("ResourceInsufficient", ErrorKind::QuotaExceeded),
    ("ResourceUnavailable", ErrorKind::QuotaExceeded),
    ("ResourceInUse", ErrorKind::Conflict),
    (
        "OperationDenied.InstanceOperationInProgress",
        ErrorKind::Conflict,
    ),
    ("OperationDenied", ErrorKind::PermissionDenied),
    ("InternalError", ErrorKind::Unavailable),
    ("FailedOperation", ErrorKind::Other),
];

/// The [`ErrorKind`] of a Tencent Cloud error code.
///
/// ```
/// use unicloud_core::ErrorKind;
/// use unicloud_tencent::errors::kind_of;
///
/// assert_eq!(kind_of("AuthFailure.SignatureExpire"), ErrorKind::Auth);
/// assert_eq!(kind_of("RequestLimitExceeded.UinLimitExceeded"), ErrorKind::Throttled);
/// assert_eq!(kind_of("InvalidInstanceId.NotFound"), ErrorKind::NotFound);
/// assert_eq!(kind_of("SomethingNew"), ErrorKind::Other);
/// ```
pub fn kind_of(code: &str) -> ErrorKind {
    if let Some((_, k)) = EXACT.iter().find(|(c, _)| *c == code) {
        return *k;
    }
    // A dotted prefix (`UnsupportedOperation.InstanceState`) matches any continuation; a
    // top-level one (`AuthFailure`) only a whole word, so `AuthFailureish` does not match.
    let matches_prefix = |p: &str| {
        code == p
            || code.strip_prefix(p).is_some_and(|rest| {
                p.contains('.') || rest.starts_with('.') || rest.starts_with('_')
            })
    };
    if let Some((_, k)) = PREFIX.iter().find(|(p, _)| matches_prefix(p)) {
        return *k;
    }
    if code.ends_with(".NotFound") || code.ends_with("NotExist") {
        return ErrorKind::NotFound;
    }
    if code.ends_with(".Malformed") {
        return ErrorKind::InvalidInput;
    }
    ErrorKind::Other
}

/// Whether an error with this code should be retried even though its kind alone would not say
/// so (none today; kept as the single place to add such exceptions).
pub fn retryable_override(code: &str) -> Option<bool> {
    match code {
        // The instance is busy with another operation: retrying after a back-off succeeds.
        "OperationDenied.InstanceOperationInProgress" => Some(true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_code_by_code() {
        let cases = [
            ("AuthFailure.SignatureFailure", ErrorKind::Auth),
            ("AuthFailure.SignatureExpire", ErrorKind::Auth),
            ("AuthFailure.SecretIdNotFound", ErrorKind::Auth),
            ("AuthFailure.TokenFailure", ErrorKind::Auth),
            ("AuthFailure.InvalidSecretId", ErrorKind::Auth),
            ("AuthFailure.MFAFailure", ErrorKind::Auth),
            ("AuthFailure.InvalidAuthorization", ErrorKind::Auth),
            (
                "AuthFailure.UnauthorizedOperation",
                ErrorKind::PermissionDenied,
            ),
            ("UnauthorizedOperation", ErrorKind::PermissionDenied),
            (
                "UnauthorizedOperation.CamNoAuth",
                ErrorKind::PermissionDenied,
            ),
            ("RequestLimitExceeded", ErrorKind::Throttled),
            (
                "RequestLimitExceeded.UinLimitExceeded",
                ErrorKind::Throttled,
            ),
            (
                "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
                ErrorKind::Throttled,
            ),
            ("RequestLimitExceeded.IPLimitExceeded", ErrorKind::Throttled),
            ("ResourceNotFound", ErrorKind::NotFound),
            ("ResourceNotFound.InvalidPlacementSet", ErrorKind::NotFound),
            ("InvalidInstanceId.NotFound", ErrorKind::NotFound),
            ("InvalidInstanceId.Malformed", ErrorKind::InvalidInput),
            ("InvalidRouteTableId.NotFound", ErrorKind::NotFound),
            ("InvalidParameter", ErrorKind::InvalidInput),
            ("InvalidParameter.InvalidFilter", ErrorKind::InvalidInput),
            ("InvalidParameterValue", ErrorKind::InvalidInput),
            (
                "InvalidParameterValue.LimitExceeded",
                ErrorKind::InvalidInput,
            ),
            ("InvalidFilter", ErrorKind::InvalidInput),
            ("MissingParameter", ErrorKind::InvalidInput),
            ("UnknownParameter", ErrorKind::InvalidInput),
            ("LimitExceeded", ErrorKind::QuotaExceeded),
            ("LimitExceeded.InstanceQuota", ErrorKind::QuotaExceeded),
            ("ResourceInsufficient", ErrorKind::QuotaExceeded),
            (
                "ResourceInsufficient.CloudDiskSoldOut",
                ErrorKind::QuotaExceeded,
            ),
            ("ResourceUnavailable.InstanceType", ErrorKind::QuotaExceeded),
            ("ResourcesSoldOut", ErrorKind::QuotaExceeded),
            ("ResourceInUse", ErrorKind::Conflict),
            (
                "UnsupportedOperation.InstanceStateRunning",
                ErrorKind::Conflict,
            ),
            (
                "UnsupportedOperation.InstanceStateStopped",
                ErrorKind::Conflict,
            ),
            ("UnsupportedOperation", ErrorKind::Unsupported),
            (
                "UnsupportedOperation.NotSupportImportInstancesActionTimer",
                ErrorKind::Unsupported,
            ),
            (
                "OperationDenied.InstanceOperationInProgress",
                ErrorKind::Conflict,
            ),
            ("OperationDenied", ErrorKind::PermissionDenied),
            ("InternalError", ErrorKind::Unavailable),
            ("InternalError.TradeUnknownError", ErrorKind::Unavailable),
            ("ServiceUnavailable", ErrorKind::Unavailable),
            ("InvalidAction", ErrorKind::Unsupported),
            ("NoSuchVersion", ErrorKind::Unsupported),
            ("UnsupportedRegion", ErrorKind::Unsupported),
            ("RequestSizeLimitExceeded", ErrorKind::InvalidInput),
            ("IdempotentParameterMismatch", ErrorKind::Conflict),
            ("FailedOperation", ErrorKind::Other),
            ("DryRunOperation", ErrorKind::Other),
            ("", ErrorKind::Other),
            ("AuthFailureish", ErrorKind::Other),
        ];
        for (code, kind) in cases {
            assert_eq!(kind_of(code), kind, "{code}");
        }
    }

    #[test]
    fn retryable_kinds_follow_the_table() {
        assert!(kind_of("RequestLimitExceeded").is_retryable());
        assert!(kind_of("InternalError").is_retryable());
        assert!(!kind_of("AuthFailure.SignatureFailure").is_retryable());
        assert_eq!(
            retryable_override("OperationDenied.InstanceOperationInProgress"),
            Some(true)
        );
        assert_eq!(retryable_override("InvalidParameter"), None);
    }
}
