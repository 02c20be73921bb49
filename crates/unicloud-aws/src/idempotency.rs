//! Which AWS calls unicloud may repeat after a failure that may have been applied.
//!
//! A time-out or a connection broken after the request was written leaves the caller not
//! knowing whether AWS acted on it. [`RetryPolicy::retry_call`](unicloud_core::RetryPolicy::retry_call)
//! repeats such a call only when it is [`Idempotency::Idempotent`]; throttling and 5xx answers
//! (which say the request was not processed) are retried either way. Every AWS operation a
//! unicloud service sends is decided here, once, with the reason; an operation not listed is
//! not repeated, so forgetting to decide is safe.
//!
//! ```
//! use unicloud_aws::idempotency;
//! use unicloud_core::Idempotency;
//!
//! assert_eq!(idempotency("ReplaceRoute"), Idempotency::Idempotent);
//! assert_eq!(idempotency("CreateRoute"), Idempotency::NotIdempotent);
//! assert_eq!(idempotency("SomethingNew"), Idempotency::NotIdempotent);
//! ```

use unicloud_core::Idempotency;

/// The AWS operations that are safe to send twice, each with the reason.
///
/// Reads (`Describe*`, `List*`, `Get*`) are safe by their name and need no entry.
pub const SAFE_TO_REPEAT: &[(&str, &str)] = &[
    (
        "RunInstances",
        "unicloud always sends a ClientToken; EC2 answers a repeat with the first call's instances",
    ),
    (
        "StartInstances",
        "sets a state: starting a started instance changes nothing",
    ),
    (
        "StopInstances",
        "sets a state: stopping a stopped instance changes nothing",
    ),
    (
        "TerminateInstances",
        "terminating a terminated instance succeeds and changes nothing",
    ),
    (
        "ReplaceRoute",
        "sets the route's target: a repeat writes the same value",
    ),
    (
        "RegisterTargets",
        "ELBv2 registration is a set: registering a registered target succeeds and changes nothing",
    ),
    (
        "RegisterInstancesWithLoadBalancer",
        "classic ELB registration is a set: a registered instance stays registered once",
    ),
    (
        "PutObject",
        "writes the whole object: a repeat stores the same bytes under the same key",
    ),
    (
        "UploadPart",
        "a part number holds the last bytes sent for it: a repeat replaces the part with the same bytes",
    ),
    (
        "AbortMultipartUpload",
        "aborting an aborted upload changes nothing (S3 may answer NoSuchUpload, which \
         unicloud-storage treats as done)",
    ),
    (
        "CreateBucket",
        "a repeat in the owner's account answers BucketAlreadyOwnedByYou and changes nothing",
    ),
    (
        "AssumeRole",
        "a repeat issues another short-lived session and creates no resource",
    ),
];

/// Operations that look safe but are not, each with the reason; listed so the decision is on
/// record and tested.
pub const NOT_SAFE_TO_REPEAT: &[(&str, &str)] = &[
    (
        "CreateRoute",
        "no client token: a repeat after success fails with RouteAlreadyExists, hiding the success",
    ),
    (
        "DeleteRoute",
        "a repeat after success fails with InvalidRoute.NotFound, hiding the success",
    ),
    (
        "DeregisterTargets",
        "a repeat after success may fail with InvalidTarget (not registered), hiding the success; \
         unicloud-lb settles a time-out by describing the target group",
    ),
    (
        "DeregisterInstancesFromLoadBalancer",
        "a repeat after success may fail with InvalidInstance, hiding the success; unicloud-lb \
         settles a time-out by describing the load balancer",
    ),
    (
        "CompleteMultipartUpload",
        "a repeat after success fails with NoSuchUpload, hiding the success; unicloud-storage \
         settles a time-out by reading the object's head",
    ),
    (
        "CreateMultipartUpload",
        "each call starts another upload; a repeat leaves an orphaned upload behind",
    ),
];

/// Whether repeating `operation` is safe: see the [module docs](self).
pub fn idempotency(operation: &str) -> Idempotency {
    let read = ["Describe", "List", "Get"].iter().any(|p| {
        operation
            .strip_prefix(p)
            .is_some_and(|rest| rest.starts_with(char::is_uppercase))
    });
    let listed = SAFE_TO_REPEAT.iter().any(|(op, _)| *op == operation);
    let refused = NOT_SAFE_TO_REPEAT.iter().any(|(op, _)| *op == operation);
    Idempotency::from_bool((read || listed) && !refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_safe_and_writes_only_when_listed() {
        for op in [
            "DescribeInstances",
            "DescribeRouteTables",
            "ListObjectsV2",
            "GetObject",
        ] {
            assert_eq!(idempotency(op), Idempotency::Idempotent, "{op}");
        }
        for op in [
            "CreateRoute",
            "DeleteRoute",
            "CreateMultipartUpload",
            "PutBucketPolicy",
        ] {
            assert_eq!(idempotency(op), Idempotency::NotIdempotent, "{op}");
        }
        // A name that merely starts like a read is not one.
        assert_eq!(idempotency("Getaway"), Idempotency::NotIdempotent);
        assert_eq!(idempotency("Listen"), Idempotency::NotIdempotent);
        for (op, _) in SAFE_TO_REPEAT {
            assert_eq!(idempotency(op), Idempotency::Idempotent, "{op}");
        }
    }

    #[test]
    fn no_operation_is_on_both_lists_and_every_entry_says_why() {
        for (op, why) in SAFE_TO_REPEAT {
            assert!(!NOT_SAFE_TO_REPEAT.iter().any(|(o, _)| o == op), "{op}");
            assert!(why.len() > 20, "{op}: say why");
        }
        for (op, why) in NOT_SAFE_TO_REPEAT {
            assert!(why.len() > 20, "{op}: say why");
        }
    }
}
