//! OSS signature v1: `Authorization: OSS AccessKeyId:Signature`.
//!
//! `StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders
//! CanonicalizedResource`, where `CanonicalizedOSSHeaders` is every `x-oss-*` header as
//! `lower(name):trim(value)\n` sorted by name, and `CanonicalizedResource` is
//! `/bucket/key` (decoded key) followed by the sub-resource parameters present (`uploads`,
//! `uploadId`, `partNumber`, `acl`, …) sorted by name as `?k1&k2=v2`.
//! `Signature = base64(HMAC-SHA1(AccessKeySecret, StringToSign))`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use unicloud_core::signing::{
    borrow_pairs, check_signature, find_header, header_values, hmac_sha1, parse_form,
    split_algorithm,
};

use super::super::{AuthorizationError, Credential, VerifyError, WireRequest};
use super::ObjectAddress;

/// The query parameters that OSS v1 signs when present (all others are ignored).
pub const SUBRESOURCES: &[&str] = &[
    "acl",
    "append",
    "asyncFetch",
    "bucketInfo",
    "callback",
    "callback-var",
    "cname",
    "comp",
    "continuation-token",
    "cors",
    "delete",
    "encryption",
    "endTime",
    "img",
    "inventory",
    "inventoryId",
    "lifecycle",
    "live",
    "location",
    "logging",
    "objectMeta",
    "partNumber",
    "policy",
    "position",
    "qos",
    "qosInfo",
    "referer",
    "regionList",
    "replication",
    "replicationLocation",
    "replicationProgress",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "security-token",
    "sequential",
    "startTime",
    "stat",
    "status",
    "style",
    "styleName",
    "symlink",
    "tagging",
    "transferAcceleration",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "vod",
    "website",
    "worm",
    "wormExtend",
    "wormId",
    "x-oss-ac-forward-allow",
    "x-oss-ac-source-ip",
    "x-oss-ac-subnet-mask",
    "x-oss-ac-vpc-id",
    "x-oss-async-process",
    "x-oss-process",
    "x-oss-request-payer",
    "x-oss-traffic-limit",
];

/// The parts of an OSS request that the v1 signature covers.
#[derive(Debug, Clone, Copy)]
pub struct OssV1Request<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// The bucket, if any.
    pub bucket: Option<&'a str>,
    /// The decoded object key, if any (e.g. `dir/hello.txt`).
    pub key: Option<&'a str>,
    /// The decoded query parameters; only [`SUBRESOURCES`] are signed.
    pub params: &'a [(&'a str, &'a str)],
    /// Every request header. `Content-MD5`, `Content-Type`, `Date` and `x-oss-*` are signed;
    /// the caller sets `Date` itself.
    pub headers: &'a [(&'a str, &'a str)],
}

/// The string to sign, signature and header value of an OSS v1 signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OssV1Signature {
    /// The string to sign.
    pub string_to_sign: String,
    /// The base64 signature.
    pub signature: String,
    /// `OSS AccessKeyId:Signature`.
    pub authorization: String,
}

/// `/bucket/key` plus the sorted sub-resources present in `params`.
pub fn canonicalized_resource(
    bucket: Option<&str>,
    key: Option<&str>,
    params: &[(&str, &str)],
) -> String {
    let mut resource = match (bucket, key) {
        (None, _) => "/".to_owned(),
        (Some(b), None) => format!("/{b}/"),
        (Some(b), Some(k)) => format!("/{b}/{k}"),
    };
    let mut subs: Vec<&(&str, &str)> = params
        .iter()
        .filter(|(k, _)| SUBRESOURCES.contains(k))
        .collect();
    subs.sort();
    if !subs.is_empty() {
        let parts: Vec<String> = subs
            .iter()
            .map(|(k, v)| {
                if v.is_empty() {
                    (*k).to_owned()
                } else {
                    format!("{k}={v}")
                }
            })
            .collect();
        resource.push('?');
        resource.push_str(&parts.join("&"));
    }
    resource
}

/// Builds the v1 string to sign.
pub fn string_to_sign(req: &OssV1Request<'_>) -> String {
    let header = |name| find_header(req.headers, name).unwrap_or("").trim();
    let mut oss_headers: Vec<(String, Vec<&str>)> = Vec::new();
    for (name, _) in req.headers {
        let lower = name.trim().to_ascii_lowercase();
        if lower.starts_with("x-oss-") && !oss_headers.iter().any(|(n, _)| *n == lower) {
            let values = header_values(req.headers, &lower)
                .into_iter()
                .map(str::trim)
                .collect();
            oss_headers.push((lower, values));
        }
    }
    oss_headers.sort();
    let mut s = format!(
        "{}\n{}\n{}\n{}\n",
        req.method,
        header("Content-MD5"),
        header("Content-Type"),
        header("Date")
    );
    for (name, values) in &oss_headers {
        s.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    s.push_str(&canonicalized_resource(req.bucket, req.key, req.params));
    s
}

/// Signs `req` with `credential`.
///
/// ```
/// use unicloud_alibaba::sign::{Credential, oss::v1};
/// let headers = [
///     ("Content-MD5", "ODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM="),
///     ("Content-Type", "text/html"),
///     ("Date", "Thu, 17 Nov 2005 18:49:58 GMT"),
///     ("X-OSS-Meta-Author", "foo@bar.com"),
///     ("X-OSS-Magic", "abracadabra"),
/// ];
/// let req = v1::OssV1Request {
///     method: "PUT",
///     bucket: Some("oss-example"),
///     key: Some("nelson"),
///     params: &[],
///     headers: &headers,
/// };
/// let cred = Credential::new("44CF9590006BF252F707", "OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV");
/// assert_eq!(v1::sign(&req, &cred).authorization, "OSS 44CF9590006BF252F707:26NBxoKdsyly4EDv6inkoDft/yA=");
/// ```
pub fn sign(req: &OssV1Request<'_>, credential: &Credential<'_>) -> OssV1Signature {
    let string_to_sign = string_to_sign(req);
    let signature = STANDARD.encode(hmac_sha1(
        credential.access_key_secret.as_bytes(),
        string_to_sign.as_bytes(),
    ));
    let authorization = format!("OSS {}:{signature}", credential.access_key_id);
    OssV1Signature {
        string_to_sign,
        signature,
        authorization,
    }
}

/// The parts of an `OSS AccessKeyId:Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OssV1Authorization {
    /// The AccessKeyId.
    pub access_key_id: String,
    /// The base64 signature.
    pub signature: String,
}

/// Parses `OSS AccessKeyId:Signature`.
///
/// ```
/// use unicloud_alibaba::sign::oss::v1;
/// let auth = v1::parse_authorization("OSS testid:8tD3qJEP4KJJDAAvDCcg7vJWevg=")?;
/// assert_eq!(auth.access_key_id, "testid");
/// assert!(v1::parse_authorization("OSS testid").is_err());
/// # Ok::<(), unicloud_alibaba::sign::AuthorizationError>(())
/// ```
pub fn parse_authorization(value: &str) -> Result<OssV1Authorization, AuthorizationError> {
    let rest = split_algorithm(value, "OSS")?;
    let (id, signature) = rest
        .rsplit_once(':')
        .ok_or(AuthorizationError::MissingField("Signature"))?;
    if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c == ':') {
        return Err(AuthorizationError::MalformedCredential(id.to_owned()));
    }
    match STANDARD.decode(signature) {
        Ok(raw) if raw.len() == 20 => {}
        _ => return Err(AuthorizationError::MalformedSignature),
    }
    Ok(OssV1Authorization {
        access_key_id: id.to_owned(),
        signature: signature.to_owned(),
    })
}

/// Verifies a received OSS v1 request addressed at `address` against `secret` (looked up
/// from `auth.access_key_id`). Checking the `Date` freshness is left to the caller.
pub fn verify(
    wire: &WireRequest<'_>,
    address: &ObjectAddress,
    auth: &OssV1Authorization,
    secret: &str,
) -> Result<OssV1Signature, VerifyError> {
    let params = parse_form(wire.query()).ok_or(VerifyError::InvalidTarget)?;
    let param_refs = borrow_pairs(&params);
    let req = OssV1Request {
        method: wire.method,
        bucket: address.bucket.as_deref(),
        key: address.key.as_deref(),
        params: &param_refs,
        headers: wire.headers,
    };
    let sig = sign(&req, &Credential::new(&auth.access_key_id, secret));
    check_signature(&sig.signature, &auth.signature, &sig.string_to_sign)?;
    Ok(sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::capture_tests::CaptureWire as _;
    use unicloud_testkit::capture::Capture;

    #[test]
    fn published_vector() {
        let headers = [
            (
                "Content-MD5",
                "ODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=",
            ),
            ("Content-Type", "text/html"),
            ("Date", "Thu, 17 Nov 2005 18:49:58 GMT"),
            ("X-OSS-Meta-Author", "foo@bar.com"),
            ("X-OSS-Magic", "abracadabra"),
            ("Host", "oss-example.oss-cn-hangzhou.aliyuncs.com"),
        ];
        let req = OssV1Request {
            method: "PUT",
            bucket: Some("oss-example"),
            key: Some("nelson"),
            params: &[],
            headers: &headers,
        };
        let sig = sign(
            &req,
            &Credential::new(
                "44CF9590006BF252F707",
                "OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV",
            ),
        );
        assert_eq!(
            sig.string_to_sign,
            "PUT\nODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=\ntext/html\nThu, 17 Nov 2005 18:49:58 GMT\nx-oss-magic:abracadabra\nx-oss-meta-author:foo@bar.com\n/oss-example/nelson"
        );
        assert_eq!(
            sig.authorization,
            "OSS 44CF9590006BF252F707:26NBxoKdsyly4EDv6inkoDft/yA="
        );
    }

    fn check_capture(prefix: &str, resource: &str) {
        let cap = Capture::load(prefix).unwrap();
        let headers = cap.header_pairs();
        let wire = cap.wire(&headers);
        let sent = wire.header("authorization").unwrap();
        let address = ObjectAddress::path_style(wire.path()).unwrap();
        let params = parse_form(wire.query()).unwrap();
        let param_refs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let req = OssV1Request {
            method: wire.method,
            bucket: Some("examplebucket"),
            key: address.key.as_deref(),
            params: &param_refs,
            headers: &headers,
        };
        let sig = sign(&req, &Credential::new("testid", "testsecret"));
        assert!(
            sig.string_to_sign.ends_with(&format!("GMT\n{resource}")),
            "{prefix}: {:?}",
            sig.string_to_sign
        );
        assert_eq!(sig.authorization, sent, "capture {prefix}");
        let auth = parse_authorization(sent).unwrap();
        assert_eq!(verify(&wire, &address, &auth, "testsecret").unwrap(), sig);
        assert!(matches!(
            verify(&wire, &address, &auth, "wrong"),
            Err(VerifyError::SignatureMismatch { .. })
        ));
    }

    #[test]
    fn capture_027_put_object() {
        check_capture("027", "/examplebucket/dir/hello.txt");
    }

    #[test]
    fn capture_029_initiate_multipart() {
        check_capture("029", "/examplebucket/dir/big.bin?uploads");
    }

    #[test]
    fn capture_030_upload_part_1() {
        check_capture(
            "030",
            "/examplebucket/dir/big.bin?partNumber=1&uploadId=E404B2B0233242288AAF73C5DD492D9F",
        );
    }

    #[test]
    fn capture_031_upload_part_2() {
        check_capture(
            "031",
            "/examplebucket/dir/big.bin?partNumber=2&uploadId=E404B2B0233242288AAF73C5DD492D9F",
        );
    }

    #[test]
    fn capture_032_upload_part_3() {
        check_capture(
            "032",
            "/examplebucket/dir/big.bin?partNumber=3&uploadId=E404B2B0233242288AAF73C5DD492D9F",
        );
    }

    #[test]
    fn capture_033_complete_multipart() {
        check_capture(
            "033",
            "/examplebucket/dir/big.bin?uploadId=E404B2B0233242288AAF73C5DD492D9F",
        );
    }

    #[test]
    fn non_subresource_params_are_not_signed() {
        assert_eq!(
            canonicalized_resource(
                Some("b"),
                None,
                &[("prefix", "x"), ("acl", ""), ("max-keys", "5")]
            ),
            "/b/?acl"
        );
        assert_eq!(canonicalized_resource(None, None, &[]), "/");
    }

    #[test]
    fn malformed_authorization_headers() {
        let cases = [
            ("", AuthorizationError::Empty),
            (
                "AWS a:b",
                AuthorizationError::UnsupportedAlgorithm("AWS".into()),
            ),
            ("OSS testid", AuthorizationError::MissingField("Signature")),
            (
                "OSS :8tD3qJEP4KJJDAAvDCcg7vJWevg=",
                AuthorizationError::MalformedCredential(String::new()),
            ),
            ("OSS testid:abc", AuthorizationError::MalformedSignature),
            ("OSS testid:!!!!", AuthorizationError::MalformedSignature),
        ];
        for (input, want) in cases {
            assert_eq!(parse_authorization(input), Err(want), "input {input:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(s in ".*") {
            let _ = parse_authorization(&s);
        }
    }
}
