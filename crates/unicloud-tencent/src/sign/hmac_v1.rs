//! The legacy Tencent Cloud signature (`SignatureMethod=HmacSHA256` or `HmacSHA1`), still
//! accepted by API 3.0 endpoints and sent by the SDKs when asked for it.
//!
//! All parameters, including `Action`, `Nonce`, `Timestamp`, `SecretId` and `SignatureMethod`,
//! travel in the query (GET) or form body (POST). The signature is
//! `base64(HMAC(SecretKey, METHOD + Host + Path + "?" + k1=v1&k2=v2…))` over the parameters
//! other than `Signature`, sorted by name, with raw (not encoded) values.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use unicloud_core::signing::{borrow_pairs, check_signature, hmac_sha1, hmac_sha256, parse_form};

use super::{VerifyError, WireRequest};

/// The HMAC used by a v1 signature (the `SignatureMethod` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureMethod {
    /// `HmacSHA1`, the default when `SignatureMethod` is absent.
    HmacSha1,
    /// `HmacSHA256`.
    HmacSha256,
}

impl SignatureMethod {
    /// Reads a `SignatureMethod` parameter value.
    pub fn from_param(value: &str) -> Option<Self> {
        match value {
            "HmacSHA1" => Some(Self::HmacSha1),
            "HmacSHA256" => Some(Self::HmacSha256),
            _ => None,
        }
    }
}

/// The string to sign and the base64 signature of a v1 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Signature {
    /// `METHOD + host + path + "?" + sorted raw parameters`.
    pub string_to_sign: String,
    /// The base64 signature (the `Signature` parameter, before URL-encoding).
    pub signature: String,
}

/// Signs decoded `params` (any `Signature` parameter is ignored) for a request to `host` and
/// `path`.
///
/// ```
/// use unicloud_tencent::sign::hmac_v1::{self, SignatureMethod};
/// let params = [("Action", "DescribeInstances"), ("Nonce", "1"), ("Timestamp", "1795443324")];
/// let sig = hmac_v1::sign("GET", "cvm.tencentcloudapi.com", "/", &params, "secret", SignatureMethod::HmacSha256);
/// assert_eq!(
///     sig.string_to_sign,
///     "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&Nonce=1&Timestamp=1795443324"
/// );
/// ```
pub fn sign(
    method: &str,
    host: &str,
    path: &str,
    params: &[(&str, &str)],
    secret_key: &str,
    signature_method: SignatureMethod,
) -> V1Signature {
    let mut sorted: Vec<&(&str, &str)> = params.iter().filter(|(k, _)| *k != "Signature").collect();
    sorted.sort();
    let joined: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let string_to_sign = format!("{method}{host}{path}?{}", joined.join("&"));
    let mac: Vec<u8> = match signature_method {
        SignatureMethod::HmacSha1 => {
            hmac_sha1(secret_key.as_bytes(), string_to_sign.as_bytes()).to_vec()
        }
        SignatureMethod::HmacSha256 => {
            hmac_sha256(secret_key.as_bytes(), string_to_sign.as_bytes()).to_vec()
        }
    };
    V1Signature {
        string_to_sign,
        signature: STANDARD.encode(mac),
    }
}

/// The decoded parameters of a received v1 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Params {
    /// Every parameter (query for GET, form body otherwise), decoded, in order.
    pub params: Vec<(String, String)>,
    /// The `SecretId` parameter.
    pub secret_id: String,
    /// The `Signature` parameter.
    pub signature: String,
    /// The `SignatureMethod` parameter (HmacSHA1 when absent).
    pub signature_method: SignatureMethod,
}

/// Extracts the v1 parameters from a received request: the query string for `GET`, the
/// `application/x-www-form-urlencoded` body otherwise.
pub fn parse_request(wire: &WireRequest<'_>) -> Result<V1Params, VerifyError> {
    let raw = if wire.method.eq_ignore_ascii_case("GET") {
        wire.query().to_owned()
    } else {
        String::from_utf8(wire.body.to_vec()).map_err(|_| VerifyError::InvalidTarget)?
    };
    let params = parse_form(&raw).ok_or(VerifyError::InvalidTarget)?;
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let secret_id = get("SecretId").ok_or(VerifyError::MissingHeader("SecretId"))?;
    let signature = get("Signature").ok_or(VerifyError::MissingHeader("Signature"))?;
    let signature_method = match get("SignatureMethod") {
        None => SignatureMethod::HmacSha1,
        Some(m) => SignatureMethod::from_param(&m).ok_or(VerifyError::InvalidValue {
            name: "SignatureMethod",
        })?,
    };
    Ok(V1Params {
        params,
        secret_id,
        signature,
        signature_method,
    })
}

/// Verifies a received v1 request against `secret_key` (looked up from
/// [`V1Params::secret_id`]); the `Host` header and the request path are signed.
pub fn verify(
    wire: &WireRequest<'_>,
    parsed: &V1Params,
    secret_key: &str,
) -> Result<V1Signature, VerifyError> {
    let host = wire
        .header("Host")
        .ok_or(VerifyError::MissingHeader("Host"))?;
    let pairs = borrow_pairs(&parsed.params);
    let sig = sign(
        &wire.method.to_ascii_uppercase(),
        host,
        wire.path(),
        &pairs,
        secret_key,
        parsed.signature_method,
    );
    check_signature(&sig.signature, &parsed.signature, &sig.string_to_sign)?;
    Ok(sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::capture_tests::CaptureWire as _;
    use unicloud_testkit::capture::Capture;

    #[test]
    fn capture_010_hmacsha256_v1() {
        let cap = Capture::load("010").unwrap();
        let headers = cap.header_pairs();
        let wire = cap.wire(&headers);
        let parsed = parse_request(&wire).unwrap();
        assert_eq!(parsed.secret_id, "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE");
        assert_eq!(parsed.signature_method, SignatureMethod::HmacSha256);
        assert_eq!(
            parsed.signature,
            "CGcACKp/aS3ZXRNSm6tv6kJHWPgQirK48y6R2Bjdm4M="
        );
        let sig = verify(&wire, &parsed, "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE").unwrap();
        assert!(sig.string_to_sign.starts_with(
            "POST127.0.0.1:8090/?Action=DescribeInstances&InstanceIds.0=ins-r8hr2upy&Language=zh-CN&Nonce=3211170153363980777&"
        ));
        assert_eq!(sig.signature, parsed.signature);
        assert!(matches!(
            verify(&wire, &parsed, "wrong"),
            Err(VerifyError::SignatureMismatch { .. })
        ));
    }
}
