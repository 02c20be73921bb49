//! Request signers for Alibaba Cloud: ACS3-HMAC-SHA256 (the current OpenAPI signature), the
//! older RPC v1 HMAC-SHA1 query signature, and the OSS object-storage signatures v1
//! (`OSS ak:sig`) and v4 (`OSS4-HMAC-SHA256`).
//!
//! Everything here is pure and deterministic: the caller passes the request parts, the
//! credential, the signing time and nonce explicitly, and gets back every intermediate string
//! (canonical request, string to sign, signature, final header value) so tests can pin each
//! step. The same functions serve a server that *verifies* incoming requests: each signer has a
//! parser for its `Authorization` format (or signed parameters) and a `verify` function that
//! recomputes the signature from a [`WireRequest`] and compares it in constant time.
//!
//! - [`acs3`]: ACS3-HMAC-SHA256, sent by today's SDKs for ECS, VPC, SLB, STS, RAM, ...
//! - [`rpc_v1`]: `SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`, signature in the query.
//! - [`oss`]: OSS v1 and v4 header signatures.

pub mod acs3;
pub mod oss;
pub mod rpc_v1;

mod util;

#[cfg(test)]
mod capture_tests;

use std::fmt;

pub use util::constant_time_eq;

/// An Alibaba Cloud AccessKey pair, borrowed for the duration of a signing call.
///
/// `Debug` prints the AccessKeyId and redacts the AccessKeySecret.
#[derive(Clone, Copy)]
pub struct Credential<'a> {
    /// The AccessKeyId, for example `testid`.
    pub access_key_id: &'a str,
    /// The AccessKeySecret. Never printed.
    pub access_key_secret: &'a str,
}

impl<'a> Credential<'a> {
    /// Pairs an AccessKeyId with its secret.
    pub fn new(access_key_id: &'a str, access_key_secret: &'a str) -> Self {
        Self {
            access_key_id,
            access_key_secret,
        }
    }
}

impl fmt::Debug for Credential<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .finish()
    }
}

/// The body of a request to sign: either the bytes themselves or their lower-case hex SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload<'a> {
    /// The exact body bytes (hashed by the signer).
    Bytes(&'a [u8]),
    /// The lower-case hex SHA-256 of the body, already computed by the caller.
    Sha256Hex(&'a str),
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
        util::find_header(self.headers, name)
    }
}

/// An error while computing a signature from the given inputs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// A header named in the signed-header list is not present in the header set.
    #[error("header `{0}` is listed as signed but is not in the request")]
    MissingSignedHeader(String),
    /// A query parameter named in the signed-parameter list is not present.
    #[error("query parameter `{0}` is listed as signed but is not in the request")]
    MissingSignedParam(String),
    /// The signed-header list holds an empty or otherwise unusable name.
    #[error("invalid header name `{0}` in the signed header list")]
    InvalidHeaderName(String),
    /// The signing timestamp cannot be represented as a calendar date.
    #[error("timestamp {0} is out of range")]
    InvalidTimestamp(i64),
    /// A pre-computed payload hash is not 64 lower-case hex digits.
    #[error("payload hash is not a lower-case hex SHA-256")]
    InvalidPayloadHash,
    /// A header whose value the signer also receives as an argument disagrees with it
    /// (e.g. OSS v4 `x-oss-date` versus the signing time).
    #[error("header `{name}` is `{found}` but the signer expected `{expected}`")]
    HeaderMismatch {
        /// The header name.
        name: &'static str,
        /// The value the signer derived from its arguments.
        expected: String,
        /// The value in the header set.
        found: String,
    },
    /// A header the signature format requires is absent from the header set.
    #[error("required header `{0}` is missing")]
    MissingHeader(&'static str),
}

/// A malformed or unsupported `Authorization` header value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// The header value is empty.
    #[error("authorization header is empty")]
    Empty,
    /// The value does not start with the expected algorithm name.
    #[error("unsupported signature algorithm `{0}`")]
    UnsupportedAlgorithm(String),
    /// A required field is absent.
    #[error("authorization header lacks the `{0}` field")]
    MissingField(&'static str),
    /// A field appears twice.
    #[error("authorization header repeats the `{0}` field")]
    DuplicateField(String),
    /// A field that the format does not define.
    #[error("authorization header has an unknown field `{0}`")]
    UnknownField(String),
    /// A field is not of the form `name=value`.
    #[error("authorization header has a malformed field `{0}`")]
    MalformedField(String),
    /// The credential (scope) part is malformed.
    #[error("malformed credential: {0}")]
    MalformedCredential(String),
    /// The signature is not in the expected encoding.
    #[error("malformed signature")]
    MalformedSignature,
    /// The signed-header (or parameter) list is empty or malformed.
    #[error("malformed signed header or parameter list `{0}`")]
    MalformedList(String),
}

/// Why an incoming request failed signature verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The `Authorization` header is malformed.
    #[error(transparent)]
    Authorization(#[from] AuthorizationError),
    /// The signature could not be recomputed from the request.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// A header the protocol requires is absent.
    #[error("request lacks the `{0}` header")]
    MissingHeader(&'static str),
    /// A required header or parameter has an unusable value.
    #[error("`{name}` has an invalid value")]
    InvalidValue {
        /// The header or parameter name.
        name: &'static str,
    },
    /// A header the protocol requires to be signed is not in the signed list.
    #[error("header `{0}` must be signed")]
    HeaderNotSigned(&'static str),
    /// The credential scope disagrees with the request (e.g. scope date vs. timestamp).
    #[error("credential scope does not match the request: {0}")]
    ScopeMismatch(String),
    /// The body does not hash to the `x-acs-content-sha256` header.
    #[error("body does not match x-acs-content-sha256")]
    BodyHashMismatch,
    /// The request path or query cannot be decoded.
    #[error("request target cannot be decoded")]
    InvalidTarget,
    /// The recomputed signature differs from the one sent.
    #[error("signature does not match")]
    SignatureMismatch {
        /// The string to sign the verifier computed, to help diagnose client bugs.
        string_to_sign: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_debug_never_shows_the_secret() {
        let cred = Credential::new(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        );
        let shown = format!("{cred:?} {cred:#?}");
        assert!(
            !shown.contains("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"),
            "{shown}"
        );
        assert!(shown.contains("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"));
        assert!(shown.contains("<redacted>"));
    }

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
