//! unicloud: one Rust API over AWS, Tencent Cloud and Alibaba Cloud.
//!
//! [`Cloud`] is the entry point: pick a provider, optionally a region, a profile, explicit keys,
//! an endpoint (the emulator, moto, a private endpoint) and retry settings, then ask it for a
//! service. The same code then runs on every cloud:
//!
//! ```no_run
//! # #[cfg(feature = "compute")]
//! # async fn example() -> Result<(), unicloud::Error> {
//! use std::time::Duration;
//! use unicloud::{Cloud, Provider};
//! use unicloud::compute::{CreateInstancesSpec, Filters, InstanceState};
//!
//! for (provider, region, image, itype) in [
//!     (Provider::Aws, "us-east-1", "ami-0abcdef1234567890", "t3.micro"),
//!     (Provider::Tencent, "ap-guangzhou", "img-pi0ii46r", "S5.MEDIUM2"),
//!     (Provider::Alibaba, "cn-hangzhou", "aliyun_3_x64_20G_alibase_20240819.vhd", "ecs.g7.large"),
//! ] {
//!     // Credentials from each provider's usual chain; `.profile("prod")` picks a profile.
//!     let cloud = Cloud::builder(provider).region(region).build().await?;
//!     let compute = cloud.compute();
//!     let ids = compute
//!         .create_instances(&CreateInstancesSpec::new(image, itype).count(2).name("web"))
//!         .await?;
//!     compute.wait_until(&ids, InstanceState::Running, Duration::from_secs(300)).await?;
//!     let web = compute.list_instances(Filters::new().name("web")).await?;
//!     println!("{provider}: {} instances named web", web.len());
//!     compute.destroy_instances(&ids).await?;
//! }
//! # Ok(()) }
//! ```
//!
//! The crate re-exports the pieces: [`base`] (providers, regions, credentials and their chains,
//! errors, retries, clocks; the everyday types also at the crate root), [`compute`] (instances), [`network`] (route tables), [`lb`] (load-balancer backends), [`storage`] (object upload), and the provider runtimes [`aws`]
//! (`aws-config` loading, the AWS SDK's errors mapped, assume-role), [`tencent`] and [`alibaba`]
//! (`client.call(any generated action)` for what the unified API does not cover).
//!
//! Cargo features: services (`compute`, `network`, `lb`, `storage`) × providers (`aws`, `tencent`, `alibaba`), all on by
//! default, so `default-features = false, features = ["compute", "tencent"]` compiles only the
//! Tencent Cloud backend of the compute API (no AWS SDK at all).

mod cloud;
mod fleet;

/// The README's Rust examples, compiled as doc tests so they cannot drift from the API.
#[cfg(all(
    doctest,
    feature = "compute",
    feature = "network",
    feature = "lb",
    feature = "storage",
    feature = "aws",
    feature = "tencent",
    feature = "alibaba"
))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

pub use cloud::{Cloud, CloudBuilder, ProviderClient, Service};
pub use fleet::{DEFAULT_CONCURRENCY, Fleet, FleetReport, Regional};
#[cfg(feature = "alibaba")]
pub use unicloud_alibaba as alibaba;
#[cfg(feature = "aws")]
pub use unicloud_aws as aws;
#[cfg(feature = "compute")]
pub use unicloud_compute as compute;
/// The foundation every service shares (credentials, errors, retries, clocks, configuration):
/// [`unicloud_core`], under a name that does not shadow the language's `core`.
pub use unicloud_core as base;
pub use unicloud_core::{
    ClientConfig, Credentials, Error, ErrorKind, Provider, Region, RetryPolicy,
};
#[cfg(feature = "lb")]
pub use unicloud_lb as lb;
#[cfg(feature = "network")]
pub use unicloud_network as network;
#[cfg(feature = "storage")]
pub use unicloud_storage as storage;
#[cfg(feature = "tencent")]
pub use unicloud_tencent as tencent;
