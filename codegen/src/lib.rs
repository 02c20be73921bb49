//! Code generator for unicloud's Tencent Cloud and Alibaba Cloud API types.
//!
//! The pipeline has three stages, each a module here and each testable without touching disk:
//!
//! 1. [`import`]: read a vendor's machine-readable API definition (Tencent's tccli `api.json`,
//!    Alibaba's OpenAPI metadata) and keep only the actions listed in `specs/manifest.toml` and
//!    the shapes they reach, as our own normalised [`spec`] format. Only structure survives
//!    (names, types, required flags, nesting, limits, Alibaba parameter location and wire style);
//!    every piece of vendor prose is dropped. Output is canonical JSON, so the same input always
//!    gives the same bytes.
//! 2. [`ir`]: lower a normalised spec into a small intermediate representation: one Rust struct
//!    per request, response and nested shape, with Rust names, Rust types, optionality and the
//!    Alibaba wire encoding of each field already decided.
//! 3. [`emit`]: print the IR as Rust with `quote`/`syn`, formatted by `prettyplease`.
//!
//! [`pipeline`] strings the stages together for `cargo xtask import-specs` and
//! `cargo xtask codegen`; the xtask binary only does argument parsing and file I/O.
//!
//! ```
//! use unicloud_codegen::{emit, ir, spec};
//!
//! let spec: spec::TencentSpec = serde_json::from_str(r#"{
//!     "format": "unicloud-spec/1", "service": "demo", "version": "2020-01-01",
//!     "actions": {"Ping": {"input": "PingRequest", "output": "PingResponse"}},
//!     "shapes": {
//!         "PingRequest": {"members": [{"name": "Id", "required": true, "schema": {"type": "string"}}]},
//!         "PingResponse": {"members": [{"name": "RequestId", "schema": {"type": "string"}}]}
//!     }
//! }"#).unwrap();
//! let module = ir::lower_tencent(&spec, &[]).unwrap();
//! let code = emit::emit_module(&module).unwrap();
//! assert!(code.starts_with(emit::HEADER));
//! assert!(code.contains("pub struct PingRequest"));
//! ```
//!
//! # Why a custom generator and not progenitor
//!
//! The project's first design named progenitor, the OpenAPI 3 client generator. It does not fit:
//!
//! - Neither vendor publishes OpenAPI 3. Tencent describes actions and objects in tccli's own
//!   format; Alibaba's metadata looks OpenAPI-like but is its own dialect.
//! - Both APIs are RPC over a single URL. Every Tencent call is `POST /` with the action named in
//!   the `X-TC-Action` header, and every Alibaba RPC call goes to `/` with `Action` as a parameter.
//!   progenitor keys operations on distinct paths and methods, so every action would collide.
//! - Alibaba puts structured parameters on the wire in styles OpenAPI cannot state: lists and
//!   objects flattened to `Tag.1.Key=...` (1-based), values JSON-encoded into one string, lists
//!   joined with commas. Getting these exactly right is the whole job of the Alibaba encoder.
//! - Tencent reports errors inside an HTTP 200 `{"Response": {"Error": ...}}` envelope, which a
//!   generated OpenAPI client would treat as success.
//!
//! Converting the specs to OpenAPI just to feed progenitor would lose the encoding styles and still
//! need a hand-written runtime for signing, envelopes and errors. What we do need from a generator is
//! small: serde types with the vendor's names and one `Action` impl per operation. This crate does
//! exactly that in a few hundred lines, and the provider crates keep the runtime (signing,
//! transport, parameter encoding, error mapping) as ordinary hand-written code.

pub mod emit;
pub mod import;
pub mod ir;
pub mod manifest;
pub mod naming;
pub mod pipeline;
pub mod spec;

use std::fmt;

/// An error anywhere in the pipeline: a malformed vendor file, an action missing from a spec,
/// a name the generator cannot turn into Rust, or an I/O failure in [`pipeline`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl Error {
    /// Creates an error from a message.
    pub fn new(message: impl Into<String>) -> Self {
        Error(message.into())
    }

    /// Prefixes the message with where it happened.
    #[must_use]
    pub fn context(self, what: impl fmt::Display) -> Self {
        Error(format!("{what}: {}", self.0))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
