//! Amazon EC2 (Query API `2016-11-15`) error codes.

use unicloud_core::ErrorKind;
use unicloud_core::codes::{CodeMatch, CodeTable};

/// EC2's error codes: the common client and server errors of every AWS Query API plus EC2's
/// own, exact codes first, then any `….NotFound` (not found) and `….Malformed` (invalid input).
/// Codes the table does not know take their kind from the HTTP status.
pub static EC2: CodeTable = CodeTable {
    exact: &[
        ("AuthFailure", ErrorKind::Auth),
        ("InvalidClientTokenId", ErrorKind::Auth),
        ("SignatureDoesNotMatch", ErrorKind::Auth),
        ("IncompleteSignature", ErrorKind::Auth),
        ("MissingAuthenticationToken", ErrorKind::Auth),
        ("RequestExpired", ErrorKind::Auth),
        ("ExpiredToken", ErrorKind::Auth),
        ("InvalidAccessKeyId", ErrorKind::Auth),
        ("InvalidToken", ErrorKind::Auth),
        ("UnauthorizedOperation", ErrorKind::PermissionDenied),
        ("AccessDenied", ErrorKind::PermissionDenied),
        ("AccessDeniedException", ErrorKind::PermissionDenied),
        ("Blocked", ErrorKind::PermissionDenied),
        ("OptInRequired", ErrorKind::PermissionDenied),
        ("PendingVerification", ErrorKind::PermissionDenied),
        ("RequestLimitExceeded", ErrorKind::Throttled),
        ("Throttling", ErrorKind::Throttled),
        ("ThrottlingException", ErrorKind::Throttled),
        ("InvalidParameterValue", ErrorKind::InvalidInput),
        ("InvalidParameter", ErrorKind::InvalidInput),
        ("InvalidParameterCombination", ErrorKind::InvalidInput),
        ("MissingParameter", ErrorKind::InvalidInput),
        ("UnknownParameter", ErrorKind::InvalidInput),
        ("ValidationError", ErrorKind::InvalidInput),
        ("InvalidFilter", ErrorKind::InvalidInput),
        ("InvalidInput", ErrorKind::InvalidInput),
        ("IncorrectInstanceState", ErrorKind::Conflict),
        ("IncorrectState", ErrorKind::Conflict),
        ("IdempotentParameterMismatch", ErrorKind::Conflict),
        ("OperationNotPermitted", ErrorKind::Conflict),
        ("InstanceLimitExceeded", ErrorKind::QuotaExceeded),
        ("InsufficientInstanceCapacity", ErrorKind::QuotaExceeded),
        ("VcpuLimitExceeded", ErrorKind::QuotaExceeded),
        ("ResourceLimitExceeded", ErrorKind::QuotaExceeded),
        ("InsufficientCapacity", ErrorKind::QuotaExceeded),
        ("InternalError", ErrorKind::Unavailable),
        ("InternalFailure", ErrorKind::Unavailable),
        ("ServiceUnavailable", ErrorKind::Unavailable),
        ("Unavailable", ErrorKind::Unavailable),
        ("UnsupportedOperation", ErrorKind::Unsupported),
        ("Unsupported", ErrorKind::Unsupported),
        ("InvalidAction", ErrorKind::Unsupported),
    ],
    rules: &[
        (CodeMatch::Suffix(".NotFound"), ErrorKind::NotFound),
        (CodeMatch::Suffix(".Malformed"), ErrorKind::InvalidInput),
    ],
    retryable: &[],
};

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::HashSet;

    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;
    use crate::errors::{HttpResponse, SdkError, map_sdk_error};

    /// The exact codes are looked up first-match: a code listed twice would hide its second
    /// kind. (What each code maps to is checked through the mapper in `error_table`.)
    #[test]
    fn no_code_is_listed_twice() {
        let mut seen = HashSet::new();
        for (code, _) in EC2.exact {
            assert!(seen.insert(*code), "{code} is listed twice");
        }
        assert!(EC2.retryable.is_empty());
    }

    #[test]
    fn suffix_rules() {
        for code in [
            "InvalidInstanceID.NotFound",
            "InvalidAMIID.NotFound",
            "InvalidSubnetID.NotFound",
            "InvalidRouteTableID.NotFound",
            "InvalidGroup.NotFound",
        ] {
            assert_eq!(EC2.kind_of(code), Some(ErrorKind::NotFound), "{code}");
        }
        for code in [
            "InvalidInstanceID.Malformed",
            "InvalidAMIID.Malformed",
            "InvalidSubnetID.Malformed",
        ] {
            assert_eq!(EC2.kind_of(code), Some(ErrorKind::InvalidInput), "{code}");
        }
        for code in [
            "",
            "NotFound",
            "Malformed",
            "Weird",
            "InvalidInstanceID.NotFoundish",
        ] {
            assert_eq!(EC2.kind_of(code), None, "{code}");
        }
    }

    /// What compute's EC2 backend relied on before the table moved here, through the mapper:
    /// known codes keep their kind whatever the status; unknown ones follow the status.
    #[test]
    fn error_table() {
        #[derive(Debug)]
        struct Ec2Error(ErrorMetadata);
        impl std::fmt::Display for Ec2Error {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("ec2 error")
            }
        }
        impl std::error::Error for Ec2Error {}
        impl aws_smithy_types::error::metadata::ProvideErrorMetadata for Ec2Error {
            fn meta(&self) -> &ErrorMetadata {
                &self.0
            }
        }
        let map = |code: &str, status: u16| {
            let raw = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
            let err =
                SdkError::service_error(Ec2Error(ErrorMetadata::builder().code(code).build()), raw);
            map_sdk_error("DescribeInstances", &EC2, err).kind()
        };
        let cases = [
            ("AuthFailure", ErrorKind::Auth),
            ("InvalidClientTokenId", ErrorKind::Auth),
            ("UnauthorizedOperation", ErrorKind::PermissionDenied),
            ("RequestLimitExceeded", ErrorKind::Throttled),
            ("InvalidInstanceID.NotFound", ErrorKind::NotFound),
            ("InvalidAMIID.NotFound", ErrorKind::NotFound),
            ("InvalidInstanceID.Malformed", ErrorKind::InvalidInput),
            ("InvalidParameterValue", ErrorKind::InvalidInput),
            ("IncorrectInstanceState", ErrorKind::Conflict),
            ("IdempotentParameterMismatch", ErrorKind::Conflict),
            ("InstanceLimitExceeded", ErrorKind::QuotaExceeded),
            ("InsufficientInstanceCapacity", ErrorKind::QuotaExceeded),
            ("InternalError", ErrorKind::Unavailable),
            ("Unavailable", ErrorKind::Unavailable),
        ];
        for (code, kind) in cases {
            assert_eq!(map(code, 400), kind, "{code}");
        }
        assert_eq!(map("Weird", 503), ErrorKind::Unavailable);
        assert_eq!(map("Weird", 400), ErrorKind::InvalidInput);
        assert_eq!(map("Weird", 302), ErrorKind::Other);
    }
}
