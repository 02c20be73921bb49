//! unicloud: one Rust API over AWS, Tencent Cloud and Alibaba Cloud.
//!
//! This umbrella crate re-exports the pieces under one name:
//!
//! - [`core`] — providers, regions, credentials and their chains, errors, retries, clocks and
//!   client configuration ([`unicloud_core`]);
//! - [`compute`] — instances on EC2, CVM and ECS behind one API ([`unicloud_compute`]).
//!
//! Cargo features `aws`, `tencent` and `alibaba` (all on by default) pass through to the
//! service crates, so `default-features = false, features = ["tencent"]` compiles only the
//! Tencent Cloud backends.
//!
//! ```no_run
//! # #[cfg(feature = "tencent")]
//! # async fn example() -> Result<(), unicloud::core::Error> {
//! use unicloud::compute::{Compute, Filters, InstanceState};
//! use unicloud::core::{Credentials, Provider, Region};
//! use unicloud_tencent::client::TencentClient;
//!
//! let client = TencentClient::builder(Region::new(Provider::Tencent, "ap-guangzhou")?)
//!     .credentials(Credentials::new("AKID...", "secret"))
//!     .build()?;
//! let compute = Compute::tencent(client);
//! let running = compute
//!     .list_instances(&[] as &[String], &Filters::new().state([InstanceState::Running]))
//!     .await?;
//! println!("{} running instances", running.len());
//! # Ok(()) }
//! ```

pub use unicloud_compute as compute;
pub use unicloud_core as core;
