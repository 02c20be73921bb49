//! The error-code tables of the AWS APIs unicloud calls, one [`CodeTable`] per API, handed to
//! [`map_sdk_error`](crate::map_sdk_error) with the failed operation's error.
//!
//! Each table lives in its own file beside this one (`ec2.rs`, `elb.rs` for ELBv2 and classic
//! ELB, `s3.rs`) and is tested code by code there.
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
mod s3;

pub use ec2::EC2;
pub use elb::{ELB, ELBV2};
pub use s3::S3;
