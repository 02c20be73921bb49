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

#[cfg(test)]
mod capture_tests;

use std::fmt;

pub use unicloud_core::signing::{
    AuthorizationError, Payload, SignError, VerifyError, WireRequest, constant_time_eq,
};

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
