//! The COS (Tencent Cloud Object Storage) request signature, `q-sign-algorithm=sha1`.
//!
//! The steps, each exposed in [`CosSignature`]:
//!
//! 1. `KeyTime = start;end` (Unix seconds) and `SignKey = hex(HMAC-SHA1(SecretKey, KeyTime))`.
//! 2. `HttpParameters` and `HttpHeaders`: the signed parameters / headers as
//!    `urlencode(lower(name))=urlencode(value)`, sorted and `&`-joined (RFC 3986 encoding,
//!    upper-case hex); `q-url-param-list` / `q-header-list` are the encoded names `;`-joined.
//! 3. `HttpString = lower(Method) \n Path \n HttpParameters \n HttpHeaders \n`, the path being the
//!    decoded (raw UTF-8) object path.
//! 4. `StringToSign = sha1 \n KeyTime \n hex(sha1(HttpString)) \n` and
//!    `Signature = hex(HMAC-SHA1(SignKey, StringToSign))`.
//!
//! The official Python SDK signs the `host` it connects to without the port (it sends
//! `Host: 127.0.0.1:8090` but signs `host=127.0.0.1`); [`verify`] accepts both forms.

use std::fmt;

use unicloud_core::signing::{
    AuthorizationFields, FieldSeparator, borrow_pairs, constant_time_eq, header_values, hmac_sha1,
    is_lower_hex, normalize_header_names, parse_form, percent_decode, rfc3986_encode, sha1_hex,
};

use super::{AuthorizationError, Credential, SignError, VerifyError, WireRequest};

/// The only algorithm COS defines.
pub const ALGORITHM: &str = "sha1";

/// A signature validity window, `start;end` in Unix seconds (`q-sign-time`, `q-key-time`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyTime {
    /// First second of validity.
    pub start: i64,
    /// Last second of validity.
    pub end: i64,
}

impl KeyTime {
    /// A window from `start` to `end` (inclusive); fails if it ends before it starts.
    pub fn new(start: i64, end: i64) -> Result<Self, SignError> {
        if end < start {
            Err(SignError::InvalidKeyTime { start, end })
        } else {
            Ok(Self { start, end })
        }
    }

    /// True when `now` (Unix seconds) lies in the window.
    pub fn contains(&self, now: i64) -> bool {
        self.start <= now && now <= self.end
    }

    fn parse(s: &str) -> Result<Self, AuthorizationError> {
        let bad = || AuthorizationError::MalformedTime(s.to_owned());
        let (a, b) = s.split_once(';').ok_or_else(bad)?;
        let digits = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit());
        if !digits(a) || !digits(b) {
            return Err(bad());
        }
        let start = a.parse().map_err(|_| bad())?;
        let end = b.parse().map_err(|_| bad())?;
        Self::new(start, end).map_err(|_| bad())
    }
}

impl fmt::Display for KeyTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{};{}", self.start, self.end)
    }
}

/// The parts of a COS request that the signature covers.
#[derive(Debug, Clone, Copy)]
pub struct CosRequest<'a> {
    /// HTTP method, any case.
    pub method: &'a str,
    /// The decoded object path, e.g. `/dir/hello.txt` or `/exampleobject(腾讯云)`.
    pub path: &'a str,
    /// The decoded query parameters (e.g. `("uploadId", "…")`, `("uploads", "")`).
    pub params: &'a [(&'a str, &'a str)],
    /// Every request header; only those named in `signed_headers` are used.
    pub headers: &'a [(&'a str, &'a str)],
    /// The header names to sign (any case), e.g. `["content-length", "content-type", "host"]`.
    pub signed_headers: &'a [&'a str],
    /// The query parameter names to sign (any case); usually every parameter sent.
    pub signed_params: &'a [&'a str],
}

/// Every intermediate and final value of a COS signature.
#[derive(Clone, PartialEq, Eq)]
pub struct CosSignature {
    /// `hex(HMAC-SHA1(SecretKey, KeyTime))`. Secret for the key time window: `Debug` hides it.
    pub sign_key: String,
    /// The `HttpString`.
    pub http_string: String,
    /// The `StringToSign`.
    pub string_to_sign: String,
    /// The `q-header-list` value.
    pub header_list: String,
    /// The `q-url-param-list` value.
    pub param_list: String,
    /// The hex signature (`q-signature`).
    pub signature: String,
    /// The complete `Authorization` header value.
    pub authorization: String,
}

impl fmt::Debug for CosSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CosSignature")
            .field("sign_key", &"<redacted>")
            .field("http_string", &self.http_string)
            .field("string_to_sign", &self.string_to_sign)
            .field("header_list", &self.header_list)
            .field("param_list", &self.param_list)
            .field("signature", &self.signature)
            .field("authorization", &self.authorization)
            .finish()
    }
}

/// Encodes the named entries of `pairs` as `(list, string)`.
fn canonical_pairs(
    pairs: &[(&str, &str)],
    names: &[String],
    missing: fn(String) -> SignError,
) -> Result<(String, String), SignError> {
    let mut encoded: Vec<(String, String)> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for name in names {
        let values = header_values(pairs, name);
        if values.is_empty() {
            return Err(missing(name.clone()));
        }
        let key = rfc3986_encode(name);
        for v in values {
            encoded.push((key.clone(), rfc3986_encode(v)));
        }
        keys.push(key);
    }
    encoded.sort();
    keys.sort();
    keys.dedup();
    let string: Vec<String> = encoded.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Ok((keys.join(";"), string.join("&")))
}

/// Signs `req` with `credential` for the validity window `key_time`.
///
/// ```
/// use unicloud_tencent::sign::{Credential, cos};
/// let headers = [
///     ("Host", "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"),
///     ("Content-Type", "text/plain"),
///     ("Content-Length", "13"),
///     ("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg=="),
///     ("Date", "Thu, 16 May 2019 06:45:51 GMT"),
///     ("x-cos-acl", "private"),
///     ("x-cos-grant-read", "uin=\"100000000011\""),
/// ];
/// let names: Vec<&str> = headers.iter().map(|(k, _)| *k).collect();
/// let req = cos::CosRequest {
///     method: "PUT",
///     path: "/exampleobject(腾讯云)",
///     params: &[],
///     headers: &headers,
///     signed_headers: &names,
///     signed_params: &[],
/// };
/// let cred = Credential::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz");
/// let sig = cos::sign(&req, &cred, cos::KeyTime::new(1557989151, 1557996351)?)?;
/// assert_eq!(sig.signature, "3b8851a11a569213c17ba8fa7dcf2abec6935172");
/// # Ok::<(), unicloud_tencent::sign::SignError>(())
/// ```
pub fn sign(
    req: &CosRequest<'_>,
    credential: &Credential<'_>,
    key_time: KeyTime,
) -> Result<CosSignature, SignError> {
    let key_time_str = key_time.to_string();
    let sign_key = hex::encode(hmac_sha1(
        credential.secret_key.as_bytes(),
        key_time_str.as_bytes(),
    ));
    let header_names = normalize_header_names(req.signed_headers)?;
    let param_names = req
        .signed_params
        .iter()
        .map(|p| p.to_lowercase())
        .collect::<Vec<_>>();
    let mut param_names_sorted = param_names;
    param_names_sorted.sort();
    param_names_sorted.dedup();
    let (header_list, header_string) =
        canonical_pairs(req.headers, &header_names, SignError::MissingSignedHeader)?;
    let lowered_params: Vec<(String, &str)> = req
        .params
        .iter()
        .map(|(k, v)| (k.to_lowercase(), *v))
        .collect();
    let lowered_refs: Vec<(&str, &str)> = lowered_params
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    let (param_list, param_string) = canonical_pairs(
        &lowered_refs,
        &param_names_sorted,
        SignError::MissingSignedParam,
    )?;
    let http_string = format!(
        "{}\n{}\n{param_string}\n{header_string}\n",
        req.method.to_lowercase(),
        req.path
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{key_time_str}\n{}\n",
        sha1_hex(http_string.as_bytes())
    );
    let signature = hex::encode(hmac_sha1(sign_key.as_bytes(), string_to_sign.as_bytes()));
    let authorization = format!(
        "q-sign-algorithm={ALGORITHM}&q-ak={}&q-sign-time={key_time_str}&q-key-time={key_time_str}&q-header-list={header_list}&q-url-param-list={param_list}&q-signature={signature}",
        credential.secret_id
    );
    Ok(CosSignature {
        sign_key,
        http_string,
        string_to_sign,
        header_list,
        param_list,
        signature,
        authorization,
    })
}

/// The parts of a COS `Authorization` value (header or query form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosAuthorization {
    /// `q-ak`, the `SecretId`.
    pub secret_id: String,
    /// `q-sign-time`.
    pub sign_time: KeyTime,
    /// `q-key-time`.
    pub key_time: KeyTime,
    /// `q-header-list`, split on `;`.
    pub header_list: Vec<String>,
    /// `q-url-param-list`, split on `;`.
    pub param_list: Vec<String>,
    /// `q-signature`, 40 hex digits.
    pub signature: String,
}

fn split_list(s: &str) -> Result<Vec<String>, AuthorizationError> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let items: Vec<String> = s.split(';').map(str::to_owned).collect();
    if items
        .iter()
        .any(|i| i.is_empty() || i.chars().any(|c| c.is_whitespace()))
    {
        return Err(AuthorizationError::MalformedList(s.to_owned()));
    }
    Ok(items)
}

/// Parses `q-sign-algorithm=sha1&q-ak=…&q-sign-time=…&q-key-time=…&q-header-list=…&q-url-param-list=…&q-signature=…`.
///
/// ```
/// use unicloud_tencent::sign::cos;
/// let auth = cos::parse_authorization("q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;2&q-header-list=host&q-url-param-list=&q-signature=3b8851a11a569213c17ba8fa7dcf2abec6935172")?;
/// assert_eq!(auth.header_list, ["host"]);
/// assert!(auth.param_list.is_empty());
/// # Ok::<(), unicloud_tencent::sign::AuthorizationError>(())
/// ```
pub fn parse_authorization(value: &str) -> Result<CosAuthorization, AuthorizationError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AuthorizationError::Empty);
    }
    let fields = AuthorizationFields::parse(
        value,
        FieldSeparator::Ampersand,
        [
            "q-sign-algorithm",
            "q-ak",
            "q-sign-time",
            "q-key-time",
            "q-header-list",
            "q-url-param-list",
            "q-signature",
        ],
    )?;
    let algorithm = fields.require("q-sign-algorithm")?;
    if algorithm != ALGORITHM {
        return Err(AuthorizationError::UnsupportedAlgorithm(
            algorithm.to_owned(),
        ));
    }
    let ak = fields.require("q-ak")?;
    if ak.is_empty() || ak.chars().any(char::is_whitespace) {
        return Err(AuthorizationError::MalformedCredential(ak.to_owned()));
    }
    let sign_time = KeyTime::parse(fields.require("q-sign-time")?)?;
    let key_time = KeyTime::parse(fields.require("q-key-time")?)?;
    let header_list = split_list(fields.require("q-header-list")?)?;
    let param_list = split_list(fields.require("q-url-param-list")?)?;
    let signature = fields.require("q-signature")?;
    if !is_lower_hex(signature, 40) {
        return Err(AuthorizationError::MalformedSignature);
    }
    Ok(CosAuthorization {
        secret_id: ak.to_owned(),
        sign_time,
        key_time,
        header_list,
        param_list,
        signature: signature.to_owned(),
    })
}

/// Verifies a received COS request against `secret_key` (looked up from `auth.secret_id`).
///
/// Recomputes the signature over the decoded path, the parameters in `q-url-param-list` and
/// the headers in `q-header-list`. `q-sign-time` must equal `q-key-time`; checking that the
/// window contains the current time ([`KeyTime::contains`]) is left to the caller. When the
/// `Host` header carries a port, the port-less host is accepted too (see the module docs).
pub fn verify(
    wire: &WireRequest<'_>,
    auth: &CosAuthorization,
    secret_key: &str,
) -> Result<CosSignature, VerifyError> {
    if auth.sign_time != auth.key_time {
        return Err(VerifyError::ScopeMismatch(
            "q-sign-time differs from q-key-time".to_owned(),
        ));
    }
    let path = percent_decode(wire.path()).ok_or(VerifyError::InvalidTarget)?;
    let params = parse_form(wire.query()).ok_or(VerifyError::InvalidTarget)?;
    let param_refs = borrow_pairs(&params);
    let header_names: Vec<&str> = auth.header_list.iter().map(String::as_str).collect();
    let param_names: Vec<&str> = auth.param_list.iter().map(String::as_str).collect();
    let credential = Credential::new(&auth.secret_id, secret_key);
    let attempt = |headers: &[(&str, &str)]| {
        sign(
            &CosRequest {
                method: wire.method,
                path: &path,
                params: &param_refs,
                headers,
                signed_headers: &header_names,
                signed_params: &param_names,
            },
            &credential,
            auth.key_time,
        )
    };
    let sig = attempt(wire.headers)?;
    if constant_time_eq(sig.signature.as_bytes(), auth.signature.as_bytes()) {
        return Ok(sig);
    }
    let signs_host = auth
        .header_list
        .iter()
        .any(|h| h.eq_ignore_ascii_case("host"));
    let portless_host = wire
        .header("Host")
        .filter(|_| signs_host)
        .and_then(|host| host.rsplit_once(':'))
        .filter(|(name, port)| {
            !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && !name.ends_with(']')
        })
        .map(|(name, _)| name);
    if let Some(name) = portless_host {
        let headers: Vec<(&str, &str)> = wire
            .headers
            .iter()
            .map(|(k, v)| {
                if k.eq_ignore_ascii_case("host") {
                    (*k, name)
                } else {
                    (*k, *v)
                }
            })
            .collect();
        let alt = attempt(&headers)?;
        if constant_time_eq(alt.signature.as_bytes(), auth.signature.as_bytes()) {
            return Ok(alt);
        }
    }
    Err(VerifyError::SignatureMismatch {
        string_to_sign: sig.string_to_sign,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::capture_tests::CaptureWire as _;
    use unicloud_testkit::capture::Capture;

    const ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
    const KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";

    #[test]
    fn published_vector() {
        let headers = [
            (
                "Host",
                "examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
            ),
            ("Content-Type", "text/plain"),
            ("Content-Length", "13"),
            ("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg=="),
            ("Date", "Thu, 16 May 2019 06:45:51 GMT"),
            ("x-cos-acl", "private"),
            ("x-cos-grant-read", "uin=\"100000000011\""),
        ];
        let names: Vec<&str> = headers.iter().map(|(k, _)| *k).collect();
        let req = CosRequest {
            method: "PUT",
            path: "/exampleobject(腾讯云)",
            params: &[],
            headers: &headers,
            signed_headers: &names,
            signed_params: &[],
        };
        let cred = Credential::new(
            "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
            "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
        );
        let sig = sign(&req, &cred, KeyTime::new(1557989151, 1557996351).unwrap()).unwrap();
        assert_eq!(sig.sign_key, "eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f");
        assert_eq!(
            sig.http_string,
            "put\n/exampleobject(腾讯云)\n\ncontent-length=13&content-md5=mQ%2FfVh815F3k6TAUm8m0eg%3D%3D&content-type=text%2Fplain&date=Thu%2C%2016%20May%202019%2006%3A45%3A51%20GMT&host=examplebucket-1250000000.cos.ap-beijing.myqcloud.com&x-cos-acl=private&x-cos-grant-read=uin%3D%22100000000011%22\n"
        );
        assert_eq!(
            sig.string_to_sign,
            "sha1\n1557989151;1557996351\n8b2751e77f43a0995d6e9eb9477f4b685cca4172\n"
        );
        assert_eq!(sig.signature, "3b8851a11a569213c17ba8fa7dcf2abec6935172");
        assert_eq!(
            sig.header_list,
            "content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read"
        );
        assert_eq!(
            sig.authorization,
            "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1557989151;1557996351&q-key-time=1557989151;1557996351&q-header-list=content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read&q-url-param-list=&q-signature=3b8851a11a569213c17ba8fa7dcf2abec6935172"
        );
        let shown = format!("{sig:?}");
        assert!(!shown.contains(&sig.sign_key), "sign key leaked: {shown}");
    }

    /// Re-signs a captured SDK request from its parts and checks `Authorization` byte for byte,
    /// then runs the verifier (and a wrong secret) on the request as received.
    fn check_capture(prefix: &str, signed_host: Option<&str>) {
        let cap = Capture::load(prefix).unwrap();
        let headers = cap.header_pairs();
        let wire = cap.wire(&headers);
        let sent = wire.header("Authorization").unwrap();
        let auth = parse_authorization(sent).unwrap();
        // Build the signing input the way a client would: the decoded path, every query
        // parameter, and the SDK's signed headers (content-*, host).
        let path = percent_decode(wire.path()).unwrap();
        let params = parse_form(wire.query()).unwrap();
        let param_refs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let param_names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
        let mut sign_headers: Vec<(&str, &str)> = headers
            .iter()
            .copied()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("authorization"))
            .collect();
        if let Some(host) = signed_host {
            for (k, v) in sign_headers.iter_mut() {
                if k.eq_ignore_ascii_case("host") {
                    *v = host;
                }
            }
        }
        let signed: Vec<&str> = sign_headers
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| {
                k.to_ascii_lowercase().starts_with("content-") || k.eq_ignore_ascii_case("host")
            })
            .collect();
        let req = CosRequest {
            method: wire.method,
            path: &path,
            params: &param_refs,
            headers: &sign_headers,
            signed_headers: &signed,
            signed_params: &param_names,
        };
        let sig = sign(&req, &Credential::new(ID, KEY), auth.key_time).unwrap();
        assert_eq!(sig.authorization, sent, "capture {prefix}");
        assert_eq!(verify(&wire, &auth, KEY).unwrap().signature, sig.signature);
        assert!(matches!(
            verify(&wire, &auth, "wrong"),
            Err(VerifyError::SignatureMismatch { .. })
        ));
    }

    #[test]
    fn capture_043_put_object_by_ip_port() {
        check_capture("043", None);
    }

    #[test]
    fn capture_045_put_object_by_domain() {
        // The SDK signs the host it connects to without the port.
        check_capture("045", Some("127.0.0.1"));
    }

    #[test]
    fn capture_047_initiate_multipart() {
        check_capture("047", None);
    }

    #[test]
    fn capture_048_upload_part_1() {
        check_capture("048", None);
    }

    #[test]
    fn capture_049_upload_part_2() {
        check_capture("049", None);
    }

    #[test]
    fn capture_050_upload_part_3() {
        check_capture("050", None);
    }

    #[test]
    fn capture_051_complete_multipart() {
        check_capture("051", None);
    }

    #[test]
    fn multipart_param_list_is_lower_case_and_sorted() {
        let cap = Capture::load("048").unwrap();
        let auth = parse_authorization(
            cap.headers
                .iter()
                .find(|(k, _)| k == "Authorization")
                .map(|(_, v)| v.as_str())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(auth.param_list, ["partnumber", "uploadid"]);
        let headers = cap.header_pairs();
        let sig = verify(&cap.wire(&headers), &auth, KEY).unwrap();
        assert!(
            sig.http_string
                .starts_with("put\n/dir/big.bin\npartnumber=1&uploadid=59C9D1D976F94C78BEF976CAFD9F6956\ncontent-length=102400&host=")
        );
    }

    #[test]
    fn missing_signed_items_are_errors() {
        let req = CosRequest {
            method: "PUT",
            path: "/a",
            params: &[],
            headers: &[("Host", "h")],
            signed_headers: &["host", "content-type"],
            signed_params: &[],
        };
        let cred = Credential::new(ID, KEY);
        let kt = KeyTime::new(1, 2).unwrap();
        assert_eq!(
            sign(&req, &cred, kt),
            Err(SignError::MissingSignedHeader("content-type".into()))
        );
        let req = CosRequest {
            signed_headers: &["host"],
            signed_params: &["uploadId"],
            ..req
        };
        assert_eq!(
            sign(&req, &cred, kt),
            Err(SignError::MissingSignedParam("uploadid".into()))
        );
        assert_eq!(
            KeyTime::new(5, 4),
            Err(SignError::InvalidKeyTime { start: 5, end: 4 })
        );
        assert!(kt.contains(1) && kt.contains(2) && !kt.contains(3));
    }

    #[test]
    fn malformed_authorization_values() {
        let sig = "3b8851a11a569213c17ba8fa7dcf2abec6935172";
        let ok = format!(
            "q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;2&q-header-list=host&q-url-param-list=&q-signature={sig}"
        );
        assert!(parse_authorization(&ok).is_ok());
        let cases = [
            ("".to_owned(), AuthorizationError::Empty),
            (
                ok.replace("=sha1", "=md5"),
                AuthorizationError::UnsupportedAlgorithm("md5".into()),
            ),
            (
                ok.replace("q-ak=AKID&", ""),
                AuthorizationError::MissingField("q-ak"),
            ),
            (
                format!("{ok}&q-ak=x"),
                AuthorizationError::DuplicateField("q-ak".into()),
            ),
            (
                format!("{ok}&q-foo=x"),
                AuthorizationError::UnknownField("q-foo".into()),
            ),
            (
                format!("{ok}&junk"),
                AuthorizationError::MalformedField("junk".into()),
            ),
            (
                ok.replace("q-sign-time=1;2", "q-sign-time=2;1"),
                AuthorizationError::MalformedTime("2;1".into()),
            ),
            (
                ok.replace("q-key-time=1;2", "q-key-time=x"),
                AuthorizationError::MalformedTime("x".into()),
            ),
            (
                ok.replace("q-key-time=1;2", "q-key-time=-1;2"),
                AuthorizationError::MalformedTime("-1;2".into()),
            ),
            (
                ok.replace("q-header-list=host", "q-header-list=host;"),
                AuthorizationError::MalformedList("host;".into()),
            ),
            (
                ok.replace(sig, "XYZ"),
                AuthorizationError::MalformedSignature,
            ),
            (
                ok.replace("q-ak=AKID", "q-ak="),
                AuthorizationError::MalformedCredential(String::new()),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_authorization(&input), Err(want), "input {input:?}");
        }
        assert_eq!(
            parse_authorization(&ok.replace("q-signature", "q-sign")),
            Err(AuthorizationError::UnknownField("q-sign".into()))
        );
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(s in ".*") {
            let _ = parse_authorization(&s);
        }

        #[test]
        fn parser_never_panics_on_near_misses(
            t in "[0-9;-]{0,25}",
            list in "[a-z;]{0,12}",
            sig in "[0-9a-f]{0,42}",
        ) {
            let s = format!("q-sign-algorithm=sha1&q-ak=A&q-sign-time={t}&q-key-time={t}&q-header-list={list}&q-url-param-list={list}&q-signature={sig}");
            let _ = parse_authorization(&s);
        }
    }
}
