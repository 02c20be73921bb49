//! Request signers for Tencent Cloud: TC3-HMAC-SHA256 (API 3.0), the legacy `HmacSHA256`
//! v1 signature, and the COS object-storage signature (`q-sign-algorithm=sha1`).
//!
//! Everything here is pure and deterministic: the caller passes the request parts, the
//! credential and the signing time explicitly, and gets back every intermediate string
//! (canonical request, string to sign, signature, final header value) so tests can pin each
//! step. The same functions serve a server that *verifies* incoming requests: each signer has a
//! parser for its `Authorization` format and a `verify` function that recomputes the signature
//! from a [`WireRequest`] and compares it in constant time.
//!
//! - [`tc3`]: TC3-HMAC-SHA256, used by every API 3.0 service (CVM, VPC, CLB, STS, CAM, ...).
//! - [`hmac_v1`]: the older `SignatureMethod=HmacSHA256` query/form signature.
//! - [`cos`]: the COS `q-sign-algorithm=sha1` header signature.

pub mod cos;
pub mod hmac_v1;
pub mod tc3;

#[cfg(test)]
mod capture_tests;

use std::fmt;

pub use unicloud_core::signing::{
    AuthorizationError, Payload, SignError, VerifyError, WireRequest, constant_time_eq,
};

/// A Tencent Cloud key pair (`SecretId` + `SecretKey`), borrowed for the duration of a signing
/// call.
///
/// `Debug` prints the `SecretId` and redacts the `SecretKey`.
#[derive(Clone, Copy)]
pub struct Credential<'a> {
    /// The public key id, for example `AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE`.
    pub secret_id: &'a str,
    /// The secret key. Never printed.
    pub secret_key: &'a str,
}

impl<'a> Credential<'a> {
    /// Pairs a `SecretId` with its `SecretKey`.
    pub fn new(secret_id: &'a str, secret_key: &'a str) -> Self {
        Self {
            secret_id,
            secret_key,
        }
    }
}

impl fmt::Debug for Credential<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .finish()
    }
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
}
