//! Test support for the unicloud workspace (not published).
//!
//! - [`fixtures`]: where the team's shared vendor material lives beside the checkout
//!   (`shared/wire-captures`, `shared/specs-upstream`), so tests need not compute `../shared`
//!   paths themselves;
//! - [`capture`]: the request half of the raw HTTP captures taken from the vendors' SDKs;
//! - [`server`]: a loopback HTTP server that records every request and answers scripted
//!   replies (including a delay, or hanging up without an answer);
//! - [`refused`]: a loopback address on which a connection is refused, with no race against
//!   other tests taking the port;
//! - [`arbitrary`]: `proptest` strategies for the bytes a parser of replies may be handed;
//! - [`generated`]: the field names and actions a vendor crate's generated code declares;
//! - [`bench_args`]: the options of the bench binaries (flag, else environment variable).
//!
//! This crate depends on no other unicloud crate, so any of them, `unicloud-core` included, can
//! use it as a dev-dependency.
//!
//! ```
//! use unicloud_testkit::server::{RecordingServer, Reply};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let server = RecordingServer::scripted(vec![
//!     Reply::json(200, r#"{"ok":true}"#),
//!     Reply::hang_up(),
//! ])
//! .await?;
//! // Point the client under test at `server.url()`, run it, then look at what it sent:
//! assert!(server.url().starts_with("http://127.0.0.1:"));
//! assert!(server.requests().is_empty());
//! # Ok(())
//! # }
//! ```

pub mod arbitrary;
pub mod bench_args;
pub mod capture;
pub mod fixtures;
pub mod generated;
pub mod refused;
pub mod server;
