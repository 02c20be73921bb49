//! Elastic Load Balancing error codes: ELBv2 (`2015-12-01`) and classic ELB (`2012-06-01`).

use unicloud_core::ErrorKind;
use unicloud_core::codes::{CodeMatch, CodeTable};

/// The Query-protocol codes every AWS API shares (auth, throttling, validation, 5xx).
macro_rules! common {
    ($($extra:tt)*) => {
        &[
            ("InvalidClientTokenId", ErrorKind::Auth),
            ("SignatureDoesNotMatch", ErrorKind::Auth),
            ("IncompleteSignature", ErrorKind::Auth),
            ("MissingAuthenticationToken", ErrorKind::Auth),
            ("RequestExpired", ErrorKind::Auth),
            ("ExpiredToken", ErrorKind::Auth),
            ("InvalidAccessKeyId", ErrorKind::Auth),
            ("AuthFailure", ErrorKind::Auth),
            ("AccessDenied", ErrorKind::PermissionDenied),
            ("AccessDeniedException", ErrorKind::PermissionDenied),
            ("OptInRequired", ErrorKind::PermissionDenied),
            ("Throttling", ErrorKind::Throttled),
            ("ThrottlingException", ErrorKind::Throttled),
            ("RequestLimitExceeded", ErrorKind::Throttled),
            ("ValidationError", ErrorKind::InvalidInput),
            ("InvalidParameterValue", ErrorKind::InvalidInput),
            ("InvalidParameterCombination", ErrorKind::InvalidInput),
            ("MissingParameter", ErrorKind::InvalidInput),
            ("InvalidAction", ErrorKind::Unsupported),
            ("InternalFailure", ErrorKind::Unavailable),
            ("InternalError", ErrorKind::Unavailable),
            ("ServiceUnavailable", ErrorKind::Unavailable),
            $($extra)*
        ]
    };
}

/// ELBv2's codes (application, network and gateway load balancers, target groups):
/// `TargetGroupNotFound`, `LoadBalancerNotFound`, `ListenerNotFound` not found;
/// `InvalidTarget` (an unknown, stopped or foreign-VPC instance, or a target not registered)
/// invalid input; `TooManyTargets` and the other `TooMany…` quota; `ResourceInUse` and
/// `OperationNotPermitted` conflict.
pub static ELBV2: CodeTable = CodeTable {
    exact: common![
        ("TargetGroupNotFound", ErrorKind::NotFound),
        ("LoadBalancerNotFound", ErrorKind::NotFound),
        ("ListenerNotFound", ErrorKind::NotFound),
        ("RuleNotFound", ErrorKind::NotFound),
        ("InvalidTarget", ErrorKind::InvalidInput),
        ("InvalidConfigurationRequest", ErrorKind::InvalidInput),
        ("ResourceInUse", ErrorKind::Conflict),
        ("OperationNotPermitted", ErrorKind::Conflict),
        ("DuplicateTargetGroupName", ErrorKind::AlreadyExists),
        ("DuplicateLoadBalancerName", ErrorKind::AlreadyExists),
        ("DuplicateListener", ErrorKind::AlreadyExists),
    ],
    rules: &[
        (CodeMatch::Starts("TooMany"), ErrorKind::QuotaExceeded),
        (CodeMatch::Suffix("NotFound"), ErrorKind::NotFound),
    ],
    retryable: &[],
};

/// Classic ELB's codes: `LoadBalancerNotFound` (the `AccessPointNotFound` error) not found;
/// `InvalidInstance` (an instance that does not exist or is not in the load balancer's VPC)
/// and `InvalidEndPoint` invalid input; `TooMany…` quota.
pub static ELB: CodeTable = CodeTable {
    exact: common![
        ("LoadBalancerNotFound", ErrorKind::NotFound),
        ("InvalidInstance", ErrorKind::InvalidInput),
        ("InvalidEndPoint", ErrorKind::InvalidInput),
        ("InvalidConfigurationRequest", ErrorKind::InvalidInput),
        ("DuplicateLoadBalancerName", ErrorKind::AlreadyExists),
        ("OperationNotPermitted", ErrorKind::Conflict),
    ],
    rules: &[
        (CodeMatch::Starts("TooMany"), ErrorKind::QuotaExceeded),
        (CodeMatch::Suffix("NotFound"), ErrorKind::NotFound),
    ],
    retryable: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_has_its_kind() {
        for (code, kind) in [
            ("TargetGroupNotFound", ErrorKind::NotFound),
            ("LoadBalancerNotFound", ErrorKind::NotFound),
            ("InvalidTarget", ErrorKind::InvalidInput),
            ("TooManyTargets", ErrorKind::QuotaExceeded),
            ("TooManyRegistrationsForTargetId", ErrorKind::QuotaExceeded),
            ("Throttling", ErrorKind::Throttled),
            ("SignatureDoesNotMatch", ErrorKind::Auth),
            ("ResourceInUse", ErrorKind::Conflict),
        ] {
            assert_eq!(ELBV2.kind_of(code), Some(kind), "{code}");
        }
        for (code, kind) in [
            ("LoadBalancerNotFound", ErrorKind::NotFound),
            ("InvalidInstance", ErrorKind::InvalidInput),
            ("TooManyLoadBalancers", ErrorKind::QuotaExceeded),
            ("Throttling", ErrorKind::Throttled),
        ] {
            assert_eq!(ELB.kind_of(code), Some(kind), "{code}");
        }
        assert_eq!(ELBV2.kind_of("SomethingElse"), None);
    }
}
