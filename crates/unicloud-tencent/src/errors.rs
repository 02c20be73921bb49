//! Tencent Cloud error codes mapped to [`ErrorKind`] in one table.
//!
//! Tencent answers API 3.0 errors with HTTP 200 and
//! `{"Response": {"Error": {"Code": "...", "Message": "..."}, "RequestId": "..."}}`; the code is
//! dotted (`AuthFailure.SignatureExpire`, `ResourceNotFound.InstanceId`), so the table matches
//! exact codes first, then prefixes, then suffixes.

use unicloud_core::ErrorKind;
use unicloud_core::codes::{CodeMatch, CodeTable};

/// Tencent Cloud's codes: exact codes, then dotted prefixes (a top-level word such as
/// `AuthFailure` only as a whole word, a dotted one such as `UnsupportedOperation.InstanceState`
/// with any continuation), then suffixes.
pub static TABLE: CodeTable = CodeTable {
    exact: &[
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
    ],
    rules: &[
        (CodeMatch::Word("AuthFailure"), ErrorKind::Auth),
        (
            CodeMatch::Word("UnauthorizedOperation"),
            ErrorKind::PermissionDenied,
        ),
        (
            CodeMatch::Word("RequestLimitExceeded"),
            ErrorKind::Throttled,
        ),
        (CodeMatch::Word("ResourceNotFound"), ErrorKind::NotFound),
        (
            CodeMatch::Starts("UnsupportedOperation.InstanceState"),
            ErrorKind::Conflict,
        ),
        (
            CodeMatch::Word("UnsupportedOperation"),
            ErrorKind::Unsupported,
        ),
        (
            CodeMatch::Word("InvalidParameterValue"),
            ErrorKind::InvalidInput,
        ),
        (CodeMatch::Word("InvalidParameter"), ErrorKind::InvalidInput),
        (CodeMatch::Word("InvalidFilter"), ErrorKind::InvalidInput),
        (CodeMatch::Word("LimitExceeded"), ErrorKind::QuotaExceeded),
        (
            CodeMatch::Word("ResourceInsufficient"),
            ErrorKind::QuotaExceeded,
        ),
        (
            CodeMatch::Word("ResourceUnavailable"),
            ErrorKind::QuotaExceeded,
        ),
        (CodeMatch::Word("ResourceInUse"), ErrorKind::Conflict),
        (
            CodeMatch::Starts("OperationDenied.InstanceOperationInProgress"),
            ErrorKind::Conflict,
        ),
        (
            CodeMatch::Word("OperationDenied"),
            ErrorKind::PermissionDenied,
        ),
        (CodeMatch::Word("InternalError"), ErrorKind::Unavailable),
        (CodeMatch::Word("FailedOperation"), ErrorKind::Other),
        (CodeMatch::Suffix(".NotFound"), ErrorKind::NotFound),
        (CodeMatch::Suffix("NotExist"), ErrorKind::NotFound),
        (CodeMatch::Suffix(".Malformed"), ErrorKind::InvalidInput),
    ],
    // The instance is busy with another operation: retrying after a back-off succeeds.
    retryable: &[("OperationDenied.InstanceOperationInProgress", true)],
};

/// The [`ErrorKind`] of a Tencent Cloud error code ([`ErrorKind::Other`] when unknown).
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
    TABLE.kind_of(code).unwrap_or(ErrorKind::Other)
}

/// Whether an error with this code should be retried although its kind alone would not say so.
pub fn retryable_override(code: &str) -> Option<bool> {
    TABLE.retryable_override(code)
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
