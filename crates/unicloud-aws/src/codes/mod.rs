//! The error-code tables of the AWS APIs unicloud calls, one [`CodeTable`] per API, handed to
//! [`map_sdk_error`](crate::map_sdk_error) with the failed operation's error.
//!
//! Each table lives in its own file beside this one (`ec2.rs`, `elb.rs` for ELBv2 and classic
//! ELB) and is tested code by code there. S3 shares its `<Error><Code>` vocabulary with COS
//! and OSS, so its table is core's one table of the S3-style stores.
//!
//! ```
//! use unicloud_aws::codes::EC2;
//! use unicloud_core::ErrorKind;
//!
//! assert_eq!(EC2.kind_of("RequestLimitExceeded"), Some(ErrorKind::Throttled));
//! assert_eq!(EC2.kind_of("InvalidSubnetID.NotFound"), Some(ErrorKind::NotFound));
//! assert_eq!(EC2.kind_of("NothingLikeIt"), None); // the mapper then asks the HTTP status
//! ```
//!
//! [`CodeTable`]: unicloud_core::codes::CodeTable

mod ec2;
mod elb;

pub use ec2::EC2;
pub use elb::{ELB, ELBV2};
/// S3's codes: [`unicloud_core::object::codes::CODES`], the table COS and OSS use too
/// (`NoSuch*` not found, signature failures auth, `SlowDown` throttled, `BadDigest` and
/// `XAmzContentSHA256Mismatch` retryable, ...).
pub use unicloud_core::object::codes::CODES as S3;
