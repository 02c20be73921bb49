//! AWS runtime for unicloud.
//!
//! The AWS SDK does the signing and the wire work; this crate makes it look like the other two
//! clouds to the rest of unicloud:
//!
//! - [`client`] — [`AwsClient`], the region-checked pair of an [`SdkConfig`] and unicloud's
//!   `ClientConfig` that every AWS service is built from (like `TencentClient`, `AlibabaClient`);
//! - [`config`] — [`load_sdk_config`] asks `aws-config`'s default chain (environment, profiles,
//!   SSO, web identity, container and instance roles) for an [`SdkConfig`], with explicit keys, a
//!   profile, a region and an endpoint override layered on top;
//! - [`credentials`] — [`AwsCredentialsProvider`] turns any `aws-config` provider into a unicloud
//!   [`ProvideCredentials`](unicloud_core::ProvideCredentials), plus conversions both ways;
//! - [`errors`] — [`map_sdk_error`], one mapper from any `aws-sdk-*` operation's `SdkError` to a
//!   flat [`unicloud_core::Error`], and [`request_not_sent`];
//! - [`idempotency()`] — which AWS operations may be repeated after a failure that may have been
//!   applied (reads, token-carrying creates, state setters), each with its reason;
//! - [`codes`] — the AWS APIs' error-code tables ([`codes::EC2`], ...);
//! - [`sts`] — [`assume_role`], which checks a role before any request and lets `aws-config`
//!   assume and refresh it.
//!
//! ```
//! use unicloud_aws::{assume_role, load_sdk_config, AwsConfigOptions, AwsCredentialsProvider};
//! use unicloud_core::credentials::RoleSpec;
//! use unicloud_core::{Credentials, ErrorKind, ProvideCredentials, Provider, Region};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let sdk = load_sdk_config(&AwsConfigOptions {
//!     explicit: Some(Credentials::new("AKIAIOSFODNN7EXAMPLE", "example-secret")),
//!     region: Some(Region::new(Provider::Aws, "eu-west-1")?),
//!     endpoint: Some("http://127.0.0.1:4566".into()), // an emulator; omit for AWS itself
//!     ..Default::default()
//! })
//! .await;
//! assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-1"));
//! // `sdk` configures any aws-sdk-* client: `aws_sdk_ec2::Client::new(&sdk)`.
//!
//! let creds = AwsCredentialsProvider::from_sdk_config(&sdk)?.provide_credentials().await?;
//! assert_eq!(creds.access_key_id(), "AKIAIOSFODNN7EXAMPLE");
//! assert!(!format!("{creds:?}").contains("example-secret"));
//!
//! // A role is checked before anything is sent.
//! let role = RoleSpec {
//!     role_arn: "arn:aws:iam::123456789012:role/ops".into(),
//!     session_name: "x".into(), // too short
//!     duration: None,
//!     external_id: None,
//!     policy: None,
//! };
//! let err = assume_role(&sdk, &role).await.unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::InvalidInput);
//! assert!(err.message().starts_with("session_name"));
//! # Ok::<_, unicloud_core::Error>(())
//! # }).unwrap();
//! ```

pub mod client;
pub mod codes;
pub mod config;
pub mod credentials;
pub mod errors;
pub mod idempotency;
pub mod limits;
pub mod sts;

pub use client::AwsClient;
pub use config::{AwsConfigOptions, AwsProfileFiles, SdkConfig, load_sdk_config, with_region};
pub use credentials::{AwsCredentialsProvider, from_aws_credentials, to_aws_credentials};
pub use errors::{map_sdk_error, request_not_sent};
pub use idempotency::idempotency;
pub use sts::{assume_role, validate_role};
