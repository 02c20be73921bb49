//! The shared foundation of unicloud.
//!
//! Every unicloud crate speaks in the types defined here:
//!
//! - [`Provider`] and [`Region`] — which cloud and where, validated before any request;
//! - [`Credentials`] and the [`credentials`] module — explicit keys, environment variables,
//!   the vendors' credential files with profiles, instance roles from the metadata service, and
//!   each provider's default chain, cached and refreshed before expiry; secrets never appear in
//!   `Debug`, `Display`, logs or errors;
//! - [`Error`] with a flat [`ErrorKind`] — one level to match on, with the provider's code,
//!   message, HTTP status and request id kept for diagnosis;
//! - [`codes`] — the one shape of every vendor's error-code table;
//! - [`RetryPolicy`] — exponential back-off with full jitter, bounded attempts and time;
//! - [`ratelimit`] — client-side, adaptive rate limits per provider × service × action,
//!   shared by every client built from one [`ClientConfig`];
//! - [`clock`] — real and manual clocks, so tests of retries, refresh and waiters never sleep;
//! - the mechanics every service shares: [`ids`] (validation, de-duplication, per-call chunks,
//!   client tokens), [`paging`] (a lazy stream over every page), [`waiter`] (polling until a
//!   state, with a time-out that is not retried), and [`Idempotency`], which decides whether a
//!   call is repeated after a failure that may have been applied;
//! - [`time_fmt`] — RFC 3339 times as vendors write them, parsed without panics;
//! - [`ClientConfig`] — endpoint overrides (global and per service), connect/read/total
//!   time-outs and the `unicloud/<version>` user agent;
//! - [`transport`] — the HTTP transport the hand-written clients share: sending, retries,
//!   transport-error mapping, with each vendor's signing and decoding behind a `Protocol`;
//! - [`object`] — the vendor-neutral shapes of object-storage calls (put options, outcomes,
//!   heads, open multipart uploads and their parts), shared by the COS and OSS clients and the
//!   storage engine;
//! - [`signing`] — the provider-neutral parts of request signing and verification, shared by
//!   the Tencent and Alibaba signers.
//!
//! ```
//! use unicloud_core::credentials::{default_chain, DefaultChainOptions, Env};
//! use unicloud_core::{Credentials, ErrorKind, Provider, Region};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let provider: Provider = "aliyun".parse()?;
//! let region = Region::new(provider, "cn-hangzhou")?;
//!
//! // Explicit keys always win; without them the vendor's default chain is searched.
//! let chain = default_chain(provider, DefaultChainOptions {
//!     explicit: Some(Credentials::new("LTAI5tExample", "example-secret")),
//!     ..Default::default()
//! })?;
//! let creds = chain.provide_credentials().await?;
//! assert_eq!(creds.access_key_id(), "LTAI5tExample");
//! assert!(!format!("{creds:?}").contains("example-secret"));
//!
//! let err = Region::new(provider, "Hangzhou!").unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::InvalidInput);
//! # let _ = region;
//! # Ok::<_, unicloud_core::Error>(())
//! # }).unwrap();
//! ```

pub mod clock;
pub mod codes;
mod config;
pub mod credentials;
mod error;
pub mod ids;
pub mod listing;
pub mod object;
pub mod paging;
mod provider;
pub mod ratelimit;
mod region;
mod retry;
pub mod signing;
pub mod time_fmt;
pub mod transport;
pub mod waiter;

pub use config::{ClientConfig, USER_AGENT};
pub use credentials::{
    Credentials, ProvideCredentials, Secret, SharedCredentialsProvider, StaticProvider,
};
pub use error::{BoxError, Error, ErrorKind, Result};
pub use provider::Provider;
pub use region::Region;
pub use retry::{Idempotency, RetryPolicy};
