//! Provider-neutral building blocks of request signing and signature verification.
//!
//! The provider crates implement each vendor's algorithm (Tencent TC3, COS and the v1
//! `HmacSHA256` signature; Alibaba ACS3, RPC v1 and the OSS signatures); what those
//! algorithms have in common lives here:
//!
//! - [`WireRequest`], a request as received, and [`Payload`], a body or its SHA-256;
//! - [`SignError`], [`AuthorizationError`] and [`VerifyError`], shared by every signer;
//! - hashing and HMAC ([`sha256_hex`], [`hmac_sha256`], ...) and [`constant_time_eq`];
//! - encoding: [`rfc3986_encode`], [`percent_decode`], [`parse_form`], [`utc_date`];
//! - header lookup ([`find_header`], [`header_values`]) and signed-header lists
//!   ([`normalize_header_names`], [`parse_header_list`]);
//! - the mechanics of `Authorization` values: [`split_algorithm`], [`AuthorizationFields`],
//!   [`split_credential_scope`] and [`check_signature`];
//!
//! Everything is pure and deterministic. (The loader for the SDK captures the signers are
//! tested against lives in the unpublished `unicloud-testkit` crate.)

mod authorization;
mod crypto;
mod encoding;
mod error;
mod headers;

pub use authorization::{
    AuthorizationFields, FieldSeparator, check_signature, parse_header_list, split_algorithm,
    split_credential_scope,
};
pub use crypto::{constant_time_eq, hmac_sha1, hmac_sha256, is_lower_hex, sha1_hex, sha256_hex};
pub use encoding::{borrow_pairs, parse_form, percent_decode, rfc3986_encode, utc_date};
pub use error::{AuthorizationError, SignError, VerifyError};
pub use headers::{find_header, header_values, normalize_header_names};

/// The body of a request to sign: either the bytes themselves or their lower-case hex SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload<'a> {
    /// The exact body bytes (hashed by the signer).
    Bytes(&'a [u8]),
    /// The lower-case hex SHA-256 of the body, already computed by the caller.
    Sha256Hex(&'a str),
}

impl Payload<'_> {
    /// The lower-case hex SHA-256 of the body: computed from [`Payload::Bytes`], or checked
    /// to be 64 lower-case hex digits for [`Payload::Sha256Hex`].
    ///
    /// ```
    /// use unicloud_core::signing::{Payload, SignError};
    /// let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    /// assert_eq!(Payload::Bytes(b"").sha256_hex().as_deref(), Ok(empty));
    /// assert_eq!(Payload::Sha256Hex(empty).sha256_hex().as_deref(), Ok(empty));
    /// assert_eq!(Payload::Sha256Hex("ABC").sha256_hex(), Err(SignError::InvalidPayloadHash));
    /// ```
    pub fn sha256_hex(&self) -> Result<String, SignError> {
        match *self {
            Payload::Bytes(body) => Ok(sha256_hex(body)),
            Payload::Sha256Hex(hash) if is_lower_hex(hash, 64) => Ok(hash.to_owned()),
            Payload::Sha256Hex(_) => Err(SignError::InvalidPayloadHash),
        }
    }
}

/// An HTTP request as received on the wire, for signature verification (and for tests that
/// replay captured requests).
///
/// Header names are matched case-insensitively; values are used as received.
#[derive(Debug, Clone, Copy)]
pub struct WireRequest<'a> {
    /// The request method, e.g. `POST`.
    pub method: &'a str,
    /// The request target exactly as on the request line: the path plus an optional `?query`.
    pub target: &'a str,
    /// Every header received, in order, with repeated names kept.
    pub headers: &'a [(&'a str, &'a str)],
    /// The request body.
    pub body: &'a [u8],
}

impl<'a> WireRequest<'a> {
    /// The raw (still percent-encoded) path part of [`WireRequest::target`].
    pub fn path(&self) -> &'a str {
        match self.target.split_once('?') {
            Some((path, _)) => path,
            None => self.target,
        }
    }

    /// The raw query string (without the `?`), empty when the target has none.
    pub fn query(&self) -> &'a str {
        match self.target.split_once('?') {
            Some((_, query)) => query,
            None => "",
        }
    }

    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        find_header(self.headers, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_request_splits_the_target() {
        let headers = [("Host", "h"), ("host", "second")];
        let wire = WireRequest {
            method: "GET",
            target: "/a/b?x=1&y",
            headers: &headers,
            body: b"",
        };
        assert_eq!(wire.path(), "/a/b");
        assert_eq!(wire.query(), "x=1&y");
        assert_eq!(wire.header("HOST"), Some("h"));
        let bare = WireRequest {
            target: "/",
            ..wire
        };
        assert_eq!((bare.path(), bare.query()), ("/", ""));
    }
}
