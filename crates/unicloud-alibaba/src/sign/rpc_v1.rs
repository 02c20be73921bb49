//! The RPC signature v1 (`SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`), sent by the
//! legacy core SDK and still accepted by every RPC-style Alibaba Cloud API.
//!
//! All parameters (`Action`, `Version`, `Format`, `AccessKeyId`, `SignatureMethod`,
//! `SignatureVersion`, `SignatureNonce`, `Timestamp` and the API's own) travel in the query
//! string (or a form body). With `encode` being RFC 3986 percent-encoding (so `+` → `%20`,
//! `*` → `%2A`, `~` kept):
//!
//! 1. `CanonicalizedQueryString = encode(k1)=encode(v1)&…` over every parameter except
//!    `Signature`, sorted by name;
//! 2. `StringToSign = METHOD & %2F & encode(CanonicalizedQueryString)`;
//! 3. `Signature = base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use unicloud_core::signing::{
    borrow_pairs, check_signature, hmac_sha1, parse_form, rfc3986_encode,
};

use super::{VerifyError, WireRequest};

/// The only `SignatureMethod` this module implements.
pub const SIGNATURE_METHOD: &str = "HMAC-SHA1";

/// The only `SignatureVersion` this module implements.
pub const SIGNATURE_VERSION: &str = "1.0";

/// The intermediate strings and the signature of an RPC v1 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcV1Signature {
    /// The sorted, encoded parameters.
    pub canonicalized_query: String,
    /// `METHOD&%2F&encode(canonicalized_query)`.
    pub string_to_sign: String,
    /// The base64 signature (the `Signature` parameter before URL-encoding).
    pub signature: String,
}

/// The canonicalized query string over `params` (any `Signature` parameter is left out).
pub fn canonicalized_query(params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = params.iter().filter(|(k, _)| *k != "Signature").collect();
    sorted.sort();
    let parts: Vec<String> = sorted
        .iter()
        .map(|(k, v)| format!("{}={}", rfc3986_encode(k), rfc3986_encode(v)))
        .collect();
    parts.join("&")
}

/// Signs the decoded `params` of a `method` request with `access_key_secret`.
///
/// The caller puts `AccessKeyId`, `SignatureMethod`, `SignatureVersion`, `SignatureNonce` and
/// `Timestamp` in `params` itself; nothing is added.
///
/// ```
/// use unicloud_alibaba::sign::rpc_v1;
/// let params = [
///     ("AccessKeyId", "testid"),
///     ("Action", "DescribeRegions"),
///     ("Format", "XML"),
///     ("SignatureMethod", "HMAC-SHA1"),
///     ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
///     ("SignatureVersion", "1.0"),
///     ("Timestamp", "2016-02-23T12:46:24Z"),
///     ("Version", "2014-05-26"),
/// ];
/// let sig = rpc_v1::sign("GET", &params, "testsecret");
/// assert_eq!(sig.signature, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
/// ```
pub fn sign(method: &str, params: &[(&str, &str)], access_key_secret: &str) -> RpcV1Signature {
    let canonicalized_query = canonicalized_query(params);
    let string_to_sign = format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        rfc3986_encode("/"),
        rfc3986_encode(&canonicalized_query)
    );
    let key = format!("{access_key_secret}&");
    let signature = STANDARD.encode(hmac_sha1(key.as_bytes(), string_to_sign.as_bytes()));
    RpcV1Signature {
        canonicalized_query,
        string_to_sign,
        signature,
    }
}

/// The signature-related parameters of a received RPC v1 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcV1Params {
    /// Every parameter, decoded, query first then form body, in order.
    pub params: Vec<(String, String)>,
    /// `AccessKeyId`.
    pub access_key_id: String,
    /// `Signature`, base64.
    pub signature: String,
    /// `SignatureNonce`, if sent (the caller checks it for reuse).
    pub signature_nonce: Option<String>,
    /// `Timestamp`, if sent (the caller checks it for freshness).
    pub timestamp: Option<String>,
}

/// Extracts the RPC v1 parameters of a received request: the query string plus, when the
/// body is `application/x-www-form-urlencoded`, the form body. Fails when `AccessKeyId` or
/// `Signature` is missing or `SignatureMethod`/`SignatureVersion` are not HMAC-SHA1 / 1.0.
pub fn parse_request(wire: &WireRequest<'_>) -> Result<RpcV1Params, VerifyError> {
    let mut params = parse_form(wire.query()).ok_or(VerifyError::InvalidTarget)?;
    let is_form = wire.header("Content-Type").is_some_and(|ct| {
        ct.trim()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if is_form && !wire.body.is_empty() {
        let body = std::str::from_utf8(wire.body).map_err(|_| VerifyError::InvalidTarget)?;
        params.extend(parse_form(body).ok_or(VerifyError::InvalidTarget)?);
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let access_key_id = get("AccessKeyId").ok_or(VerifyError::MissingHeader("AccessKeyId"))?;
    let signature = get("Signature").ok_or(VerifyError::MissingHeader("Signature"))?;
    if get("SignatureMethod").as_deref() != Some(SIGNATURE_METHOD) {
        return Err(VerifyError::InvalidValue {
            name: "SignatureMethod",
        });
    }
    if get("SignatureVersion").as_deref() != Some(SIGNATURE_VERSION) {
        return Err(VerifyError::InvalidValue {
            name: "SignatureVersion",
        });
    }
    let signature_nonce = get("SignatureNonce");
    let timestamp = get("Timestamp");
    Ok(RpcV1Params {
        params,
        access_key_id,
        signature,
        signature_nonce,
        timestamp,
    })
}

/// Verifies a received RPC v1 request against `access_key_secret` (looked up by the caller
/// from [`RpcV1Params::access_key_id`]). Returns the recomputed signature.
pub fn verify(
    wire: &WireRequest<'_>,
    parsed: &RpcV1Params,
    access_key_secret: &str,
) -> Result<RpcV1Signature, VerifyError> {
    let pairs = borrow_pairs(&parsed.params);
    let sig = sign(wire.method, &pairs, access_key_secret);
    check_signature(&sig.signature, &parsed.signature, &sig.string_to_sign)?;
    Ok(sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::capture_tests::CaptureWire as _;
    use unicloud_testkit::capture::Capture;

    #[test]
    fn published_vector_describe_regions() {
        let params = [
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ];
        let sig = sign("GET", &params, "testsecret");
        assert_eq!(
            sig.string_to_sign,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
        );
        assert_eq!(sig.signature, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
    }

    #[test]
    fn published_vector_describe_dedicated_hosts() {
        let params = [
            ("Action", "DescribeDedicatedHosts"),
            ("Format", "JSON"),
            ("RegionId", "cn-beijing"),
            ("SignatureNonce", "edb2b34af0af9a6d14deaf7c1a5315eb"),
            ("Timestamp", "2023-03-13T08:34:30Z"),
            ("Version", "2014-05-26"),
            ("AccessKeyId", "testid"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
        ];
        assert_eq!(
            sign("GET", &params, "testsecret").signature,
            "9NaGiOspFP5UPcwX8Iwt2YJXXuk="
        );
    }

    #[test]
    fn vendor_percent_encoding_rules() {
        let sig = sign("GET", &[("a b", "x+y*z~")], "k");
        assert_eq!(sig.canonicalized_query, "a%20b=x%2By%2Az~");
        assert!(sig.string_to_sign.ends_with("a%2520b%3Dx%252By%252Az~"));
    }

    fn check_capture(prefix: &str) {
        let cap = Capture::load(prefix).unwrap();
        let headers = cap.header_pairs();
        let wire = cap.wire(&headers);
        let parsed = parse_request(&wire).unwrap();
        assert_eq!(parsed.access_key_id, "testid");
        // Re-sign from the decoded parameters, as a client would.
        let pairs: Vec<(&str, &str)> = parsed
            .params
            .iter()
            .filter(|(k, _)| k != "Signature")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let sig = sign(wire.method, &pairs, "testsecret");
        assert_eq!(sig.signature, parsed.signature, "capture {prefix}");
        let sent_param = wire
            .query()
            .split('&')
            .find_map(|p| p.strip_prefix("Signature="))
            .unwrap();
        assert_eq!(
            rfc3986_encode(&sig.signature),
            sent_param,
            "capture {prefix}"
        );
        assert_eq!(verify(&wire, &parsed, "testsecret").unwrap(), sig);
        assert!(matches!(
            verify(&wire, &parsed, "wrong"),
            Err(VerifyError::SignatureMismatch { .. })
        ));
    }

    #[test]
    fn capture_015_ecs_describe_instances() {
        check_capture("015");
    }

    #[test]
    fn capture_017_slb_add_backend_servers() {
        check_capture("017");
    }

    #[test]
    fn capture_054_legacy_core_ecs_describe_instances() {
        // Includes an empty `SignatureType=` parameter, which is signed as `SignatureType=`.
        check_capture("054");
    }

    #[test]
    fn parse_request_errors() {
        let wire = |target| WireRequest {
            method: "GET",
            target,
            headers: &[],
            body: b"",
        };
        assert_eq!(
            parse_request(&wire("/?Signature=x")),
            Err(VerifyError::MissingHeader("AccessKeyId"))
        );
        assert_eq!(
            parse_request(&wire("/?AccessKeyId=a")),
            Err(VerifyError::MissingHeader("Signature"))
        );
        assert_eq!(
            parse_request(&wire(
                "/?AccessKeyId=a&Signature=x&SignatureMethod=HMAC-SHA256&SignatureVersion=1.0"
            )),
            Err(VerifyError::InvalidValue {
                name: "SignatureMethod"
            })
        );
        assert_eq!(
            parse_request(&wire("/?a=%FF")),
            Err(VerifyError::InvalidTarget)
        );
        let form = WireRequest {
            method: "POST",
            target: "/",
            headers: &[("Content-Type", "application/x-www-form-urlencoded")],
            body: b"AccessKeyId=a&Signature=x&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0",
        };
        assert_eq!(parse_request(&form).unwrap().access_key_id, "a");
    }
}
