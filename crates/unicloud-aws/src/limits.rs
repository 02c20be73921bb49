//! AWS's published request limits, for the client-side [rate limiter](unicloud_core::ratelimit).
//!
//! EC2 and Elastic Load Balancing throttle each account per region with token buckets: a
//! bucket size (the burst) and a refill rate per second, per action or per category of
//! actions. unicloud's buckets copy those figures and are scoped by region. S3 serves at least
//! 3 500 writes and 5 500 reads a second per prefix; unicloud limits object calls per region at
//! those rates (so one process never trips them on its own). An operation not listed gets
//! [`DEFAULT`], EC2's general bucket for mutating actions.
//!
//! ```
//! use unicloud_core::ratelimit::Rate;
//! use unicloud_aws::limits;
//!
//! assert_eq!(limits::service_and_rate("DescribeInstances"), ("ec2", Rate::per_second(20).with_burst(100)));
//! assert_eq!(limits::service_and_rate("PutObject").0, "s3");
//! assert_eq!(limits::api("RunInstances", "eu-west-1").key.scope(), Some("eu-west-1"));
//! ```

use unicloud_core::Provider;
use unicloud_core::ratelimit::{ApiLimit, LimitKey, Rate};

/// EC2's general bucket for mutating actions (50 tokens, 5 a second): the limit of an
/// operation not listed in [`PUBLISHED`].
pub const DEFAULT: Rate = Rate::per_second(5).with_burst(50);

const EC2_NON_MUTATING: Rate = Rate::per_second(20).with_burst(100);
const EC2_MUTATING: Rate = DEFAULT;
const ELB_NON_MUTATING: Rate = Rate::per_second(10).with_burst(40);
/// ELB's registration calls have their own buckets whose figures we could not confirm: EC2's
/// mutating bucket, which is lower than any ELB figure we saw.
const ELB_MUTATING: Rate = DEFAULT;
const S3_WRITE: Rate = Rate::per_second(3500);
const S3_READ: Rate = Rate::per_second(5500);

/// (operation, service, limit) for every AWS operation unicloud sends.
pub const PUBLISHED: &[(&str, &str, Rate)] = &[
    ("DescribeInstances", "ec2", EC2_NON_MUTATING),
    ("DescribeRouteTables", "ec2", EC2_NON_MUTATING),
    // Request buckets (RunInstances and StartInstances also spend instance tokens, which a
    // call of at most a few hundred instances does not exhaust).
    ("RunInstances", "ec2", Rate::per_second(2).with_burst(5)),
    ("StartInstances", "ec2", Rate::per_second(2).with_burst(5)),
    ("StopInstances", "ec2", EC2_MUTATING),
    (
        "TerminateInstances",
        "ec2",
        Rate::per_second(5).with_burst(100),
    ),
    ("CreateRoute", "ec2", EC2_MUTATING),
    ("ReplaceRoute", "ec2", EC2_MUTATING),
    ("DeleteRoute", "ec2", EC2_MUTATING),
    ("DescribeTargetHealth", "elbv2", ELB_NON_MUTATING),
    ("RegisterTargets", "elbv2", ELB_MUTATING),
    ("DeregisterTargets", "elbv2", ELB_MUTATING),
    ("DescribeInstanceHealth", "elb", ELB_NON_MUTATING),
    ("RegisterInstancesWithLoadBalancer", "elb", ELB_MUTATING),
    ("DeregisterInstancesFromLoadBalancer", "elb", ELB_MUTATING),
    ("PutObject", "s3", S3_WRITE),
    ("CreateMultipartUpload", "s3", S3_WRITE),
    ("UploadPart", "s3", S3_WRITE),
    ("CompleteMultipartUpload", "s3", S3_WRITE),
    ("AbortMultipartUpload", "s3", S3_WRITE),
    ("CreateBucket", "s3", S3_WRITE),
    ("DeleteObject", "s3", S3_WRITE),
    ("HeadObject", "s3", S3_READ),
    ("HeadBucket", "s3", S3_READ),
    ("GetObject", "s3", S3_READ),
    ("ListMultipartUploads", "s3", S3_READ),
    ("ListParts", "s3", S3_READ),
];

/// The service and limit of `operation`; an operation not listed is counted under `aws` at
/// [`DEFAULT`].
pub fn service_and_rate(operation: &str) -> (&'static str, Rate) {
    PUBLISHED
        .iter()
        .find(|(op, _, _)| *op == operation)
        .map_or(("aws", DEFAULT), |(_, s, r)| (*s, *r))
}

/// The bucket of `operation` in `region`, with its limit.
pub fn api(operation: &str, region: &str) -> ApiLimit {
    let (service, default) = service_and_rate(operation);
    ApiLimit {
        key: LimitKey::new(Provider::Aws, service, operation).scoped(region),
        default,
    }
}
