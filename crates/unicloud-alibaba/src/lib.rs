//! Alibaba Cloud runtime for unicloud.
//!
//! This crate holds everything that puts an Alibaba Cloud OpenAPI request on the wire: the
//! ACS3-HMAC-SHA256 and RPC v1 HMAC-SHA1 signers, the OSS signers, the RPC parameter encoding
//! styles and the request/response types generated from the vendored specs (see `specs/alibaba/`).

pub mod action;
pub mod encode;
pub mod generated;
pub mod sign;
