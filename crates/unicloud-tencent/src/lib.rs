//! Tencent Cloud runtime for unicloud.
//!
//! This crate holds everything that puts a Tencent Cloud API 3.0 request on the wire: the
//! TC3-HMAC-SHA256 signer, the COS object-storage signer and the request/response types
//! generated from the vendored specs (see `specs/tencent/`).

pub mod action;
pub mod generated;
pub mod sign;
