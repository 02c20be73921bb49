//! OSS signature v4: `Authorization: OSS4-HMAC-SHA256 Credential=…,Signature=…`.
//!
//! The steps, each exposed in [`OssV4Signature`]:
//!
//! 1. `CanonicalRequest = VERB \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
//!    AdditionalHeaders \n HashedPayload`: the URI is `/bucket/key` RFC 3986-encoded with `/`
//!    kept; the query is every parameter as `encode(k)=encode(v)` (or just `encode(k)` when the
//!    value is empty) sorted; the headers are `content-type`, `content-md5`, every `x-oss-*`
//!    and the additional headers, as `lower(name):trim(value)\n` sorted; the payload hash is
//!    the `x-oss-content-sha256` value (`UNSIGNED-PAYLOAD`).
//! 2. `StringToSign = OSS4-HMAC-SHA256 \n yyyymmddThhmmssZ \n date/region/oss/aliyun_v4_request \n
//!    hex(sha256(CanonicalRequest))`.
//! 3. `SigningKey = HMAC(HMAC(HMAC(HMAC("aliyun_v4" + secret, date), region), "oss"),
//!    "aliyun_v4_request")` and `Signature = hex(HMAC(SigningKey, StringToSign))`.

use unicloud_core::signing::{
    AuthorizationFields, FieldSeparator, borrow_pairs, check_signature, header_values, hmac_sha256,
    is_lower_hex, normalize_header_names, parse_form, parse_header_list, rfc3986_encode,
    sha256_hex, split_algorithm, split_credential_scope,
};

use super::super::{AuthorizationError, Credential, SignError, VerifyError, WireRequest};
use super::ObjectAddress;

/// The algorithm name.
pub const ALGORITHM: &str = "OSS4-HMAC-SHA256";

/// The fixed last component of the credential scope.
pub const TERMINATOR: &str = "aliyun_v4_request";

/// The product component of the credential scope.
pub const PRODUCT: &str = "oss";

/// The parts of an OSS request that the v4 signature covers.
#[derive(Debug, Clone, Copy)]
pub struct OssV4Request<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// The bucket, if any.
    pub bucket: Option<&'a str>,
    /// The decoded object key, if any (e.g. `dir/hello.txt`).
    pub key: Option<&'a str>,
    /// Every decoded query parameter (all are signed).
    pub query: &'a [(&'a str, &'a str)],
    /// Every request header. It must hold `x-oss-date` (the signing time) and
    /// `x-oss-content-sha256`.
    pub headers: &'a [(&'a str, &'a str)],
    /// Extra headers to sign besides the default ones (e.g. `host`); listed in the
    /// `AdditionalHeaders` field.
    pub additional_headers: &'a [&'a str],
}

/// Every intermediate and final value of an OSS v4 signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OssV4Signature {
    /// The canonical request.
    pub canonical_request: String,
    /// `date/region/oss/aliyun_v4_request`.
    pub scope: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The `AdditionalHeaders` value (empty when none).
    pub additional_headers: String,
    /// The hex signature.
    pub signature: String,
    /// The `Authorization` value with `,` between fields, as the OSS v2 SDKs send it.
    pub authorization: String,
}

impl OssV4Signature {
    /// The `Authorization` value with another field separator; the oss2 Python SDK uses `", "`.
    pub fn authorization_with_separator(&self, separator: &str) -> String {
        self.authorization.replace(",", separator)
    }
}

/// Formats a Unix timestamp as the `x-oss-date` value, `yyyymmddThhmmssZ`.
pub fn format_date(timestamp: i64) -> Result<String, SignError> {
    let t = time::OffsetDateTime::from_unix_timestamp(timestamp)
        .map_err(|_| SignError::InvalidTimestamp(timestamp))?;
    if !(0..=9999).contains(&t.year()) {
        return Err(SignError::InvalidTimestamp(timestamp));
    }
    Ok(format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

/// Parses an `x-oss-date` value (`yyyymmddThhmmssZ`) into a Unix timestamp.
pub fn parse_date(value: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let dt = time::PrimitiveDateTime::parse(value, format).ok()?;
    Some(dt.assume_utc().unix_timestamp())
}

fn is_default_signed(name: &str) -> bool {
    name == "content-type" || name == "content-md5" || name.starts_with("x-oss-")
}

/// Signs `req` for `region` (e.g. `cn-hangzhou`) at Unix time `timestamp`, which must match
/// the request's `x-oss-date` header.
///
/// ```
/// use unicloud_alibaba::sign::{Credential, oss::v4};
/// let headers = [
///     ("x-oss-head1", "value"),
///     ("abc", "value"),
///     ("content-type", "text/plain"),
///     ("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
///     ("x-oss-date", "20231216T162057Z"),
/// ];
/// let req = v4::OssV4Request {
///     method: "PUT",
///     bucket: Some("bucket"),
///     key: Some("1234+-/123/1.txt"),
///     query: &[("param1", "value1"), ("+param1", "value3"), ("|param1", "value4"),
///              ("+param2", ""), ("|param2", ""), ("param2", "")],
///     headers: &headers,
///     additional_headers: &[],
/// };
/// let sig = v4::sign(&req, &Credential::new("ak", "sk"), "cn-hangzhou", 1702743657)?;
/// assert_eq!(
///     sig.authorization,
///     "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe"
/// );
/// # Ok::<(), unicloud_alibaba::sign::SignError>(())
/// ```
pub fn sign(
    req: &OssV4Request<'_>,
    credential: &Credential<'_>,
    region: &str,
    timestamp: i64,
) -> Result<OssV4Signature, SignError> {
    let datetime = format_date(timestamp)?;
    let date = datetime.get(..8).unwrap_or_default();
    match header_values(req.headers, "x-oss-date").first() {
        None => return Err(SignError::MissingHeader("x-oss-date")),
        Some(found) if found.trim() != datetime => {
            return Err(SignError::HeaderMismatch {
                name: "x-oss-date",
                expected: datetime,
                found: (*found).to_owned(),
            });
        }
        Some(_) => {}
    }
    let payload_hash = header_values(req.headers, "x-oss-content-sha256")
        .first()
        .map(|v| v.trim().to_owned())
        .ok_or(SignError::MissingHeader("x-oss-content-sha256"))?;

    let additional: Vec<String> = normalize_header_names(req.additional_headers)?
        .into_iter()
        .filter(|n| !is_default_signed(n))
        .collect();
    let mut names: Vec<String> = req
        .headers
        .iter()
        .map(|(k, _)| k.trim().to_ascii_lowercase())
        .filter(|k| is_default_signed(k))
        .collect();
    for name in &additional {
        if header_values(req.headers, name).is_empty() {
            return Err(SignError::MissingSignedHeader(name.clone()));
        }
        names.push(name.clone());
    }
    names.sort();
    names.dedup();
    let mut canonical_headers = String::new();
    for name in &names {
        let values: Vec<&str> = header_values(req.headers, name)
            .into_iter()
            .map(str::trim)
            .collect();
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }

    let mut query: Vec<(String, String)> = req
        .query
        .iter()
        .map(|(k, v)| (rfc3986_encode(k), rfc3986_encode(v)))
        .collect();
    query.sort();
    let canonical_query: Vec<String> = query
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                k.clone()
            } else {
                format!("{k}={v}")
            }
        })
        .collect();

    let uri = match (req.bucket, req.key) {
        (None, _) => "/".to_owned(),
        (Some(b), None) => format!("/{}/", rfc3986_encode(b)),
        (Some(b), Some(k)) => format!(
            "/{}/{}",
            rfc3986_encode(b),
            k.split('/')
                .map(rfc3986_encode)
                .collect::<Vec<_>>()
                .join("/")
        ),
    };
    let additional_headers = additional.join(";");
    let canonical_request = format!(
        "{}\n{uri}\n{}\n{canonical_headers}\n{additional_headers}\n{payload_hash}",
        req.method,
        canonical_query.join("&"),
    );
    let scope = format!("{date}/{region}/{PRODUCT}/{TERMINATOR}");
    let string_to_sign = format!(
        "{ALGORITHM}\n{datetime}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    let k_date = hmac_sha256(
        format!("aliyun_v4{}", credential.access_key_secret).as_bytes(),
        date.as_bytes(),
    );
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_product = hmac_sha256(&k_region, PRODUCT.as_bytes());
    let k_signing = hmac_sha256(&k_product, TERMINATOR.as_bytes());
    let signature = hex::encode(hmac_sha256(&k_signing, string_to_sign.as_bytes()));
    let additional_field = if additional_headers.is_empty() {
        String::new()
    } else {
        format!(",AdditionalHeaders={additional_headers}")
    };
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}{additional_field},Signature={signature}",
        credential.access_key_id
    );
    Ok(OssV4Signature {
        canonical_request,
        scope,
        string_to_sign,
        additional_headers,
        signature,
        authorization,
    })
}

/// The parts of an OSS v4 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OssV4Authorization {
    /// The AccessKeyId.
    pub access_key_id: String,
    /// The scope date, `yyyymmdd`.
    pub date: String,
    /// The scope region, e.g. `cn-hangzhou`.
    pub region: String,
    /// The `AdditionalHeaders` names (empty when the field is absent).
    pub additional_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

/// Parses `OSS4-HMAC-SHA256 Credential=ak/date/region/oss/aliyun_v4_request[,AdditionalHeaders=a;b],Signature=…`
/// (fields separated by `,` with optional spaces).
///
/// ```
/// use unicloud_alibaba::sign::oss::v4;
/// let auth = v4::parse_authorization("OSS4-HMAC-SHA256 Credential=testid/20261123/cn-hangzhou/oss/aliyun_v4_request, Signature=1cc60423a3ef5c8b693213d876e43d1db849d1e6e77974cc2c45b82da34f01a9")?;
/// assert_eq!(auth.region, "cn-hangzhou");
/// assert!(auth.additional_headers.is_empty());
/// # Ok::<(), unicloud_alibaba::sign::AuthorizationError>(())
/// ```
pub fn parse_authorization(value: &str) -> Result<OssV4Authorization, AuthorizationError> {
    let rest = split_algorithm(value, ALGORITHM)?;
    let fields = AuthorizationFields::parse(
        rest,
        FieldSeparator::Comma,
        ["Credential", "AdditionalHeaders", "Signature"],
    )?;
    let credential = fields.require("Credential")?;
    let signature = fields.require("Signature")?;
    let malformed = || AuthorizationError::MalformedCredential(credential.to_owned());
    let [id, date, region, product, terminator] =
        split_credential_scope(credential).ok_or_else(malformed)?;
    if terminator != TERMINATOR
        || product != PRODUCT
        || region.is_empty()
        || id.is_empty()
        || date.len() != 8
        || !date.bytes().all(|b| b.is_ascii_digit())
        || credential.chars().any(char::is_whitespace)
    {
        return Err(malformed());
    }
    let additional_headers = match fields.get("AdditionalHeaders") {
        None | Some("") => Vec::new(),
        Some(list) => parse_header_list(list)?,
    };
    if !is_lower_hex(signature, 64) {
        return Err(AuthorizationError::MalformedSignature);
    }
    Ok(OssV4Authorization {
        access_key_id: id.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        additional_headers,
        signature: signature.to_owned(),
    })
}

/// Verifies a received OSS v4 request addressed at `address` against `secret` (looked up
/// from `auth.access_key_id`), at the time in its `x-oss-date` header, which must fall on
/// the scope date. Checking freshness is left to the caller.
pub fn verify(
    wire: &WireRequest<'_>,
    address: &ObjectAddress,
    auth: &OssV4Authorization,
    secret: &str,
) -> Result<OssV4Signature, VerifyError> {
    let date = wire
        .header("x-oss-date")
        .ok_or(VerifyError::MissingHeader("x-oss-date"))?;
    let timestamp =
        parse_date(date.trim()).ok_or(VerifyError::InvalidValue { name: "x-oss-date" })?;
    if date.get(..8) != Some(auth.date.as_str()) {
        return Err(VerifyError::ScopeMismatch(format!(
            "scope date {} but x-oss-date {date}",
            auth.date
        )));
    }
    let query = parse_form(wire.query()).ok_or(VerifyError::InvalidTarget)?;
    let query_refs = borrow_pairs(&query);
    let additional: Vec<&str> = auth.additional_headers.iter().map(String::as_str).collect();
    let req = OssV4Request {
        method: wire.method,
        bucket: address.bucket.as_deref(),
        key: address.key.as_deref(),
        query: &query_refs,
        headers: wire.headers,
        additional_headers: &additional,
    };
    let sig = sign(
        &req,
        &Credential::new(&auth.access_key_id, secret),
        &auth.region,
        timestamp,
    )?;
    check_signature(&sig.signature, &auth.signature, &sig.string_to_sign)?;
    Ok(sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::capture_tests::CaptureWire as _;
    use unicloud_testkit::capture::Capture;

    const SDK_QUERY: [(&str, &str); 6] = [
        ("param1", "value1"),
        ("+param1", "value3"),
        ("|param1", "value4"),
        ("+param2", ""),
        ("|param2", ""),
        ("param2", ""),
    ];

    #[test]
    fn sdk_test_vector() {
        let headers = [
            ("x-oss-head1", "value"),
            ("abc", "value"),
            ("ZAbc", "value"),
            ("XYZ", "value"),
            ("content-type", "text/plain"),
            ("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
            ("x-oss-date", "20231216T162057Z"),
        ];
        let req = OssV4Request {
            method: "PUT",
            bucket: Some("bucket"),
            key: Some("1234+-/123/1.txt"),
            query: &SDK_QUERY,
            headers: &headers,
            additional_headers: &[],
        };
        let sig = sign(
            &req,
            &Credential::new("ak", "sk"),
            "cn-hangzhou",
            1702743657,
        )
        .unwrap();
        assert_eq!(
            sig.canonical_request,
            "PUT\n/bucket/1234%2B-/123/1.txt\n%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2\ncontent-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20231216T162057Z\nx-oss-head1:value\n\n\nUNSIGNED-PAYLOAD"
        );
        assert_eq!(sig.scope, "20231216/cn-hangzhou/oss/aliyun_v4_request");
        assert_eq!(
            sig.authorization,
            "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe"
        );
    }

    #[test]
    fn additional_headers_are_signed_and_listed() {
        let headers = [
            ("Host", "bucket.oss-cn-hangzhou.aliyuncs.com"),
            ("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
            ("x-oss-date", "20231216T162057Z"),
        ];
        let req = OssV4Request {
            method: "GET",
            bucket: Some("bucket"),
            key: None,
            query: &[],
            headers: &headers,
            additional_headers: &["Host", "x-oss-date"],
        };
        let sig = sign(
            &req,
            &Credential::new("ak", "sk"),
            "cn-hangzhou",
            1702743657,
        )
        .unwrap();
        assert_eq!(sig.additional_headers, "host");
        assert!(sig.canonical_request.starts_with(
            "GET\n/bucket/\n\nhost:bucket.oss-cn-hangzhou.aliyuncs.com\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20231216T162057Z\n\nhost\n"
        ));
        assert!(
            sig.authorization
                .contains(",AdditionalHeaders=host,Signature=")
        );
        // Round trip through the parser and verifier.
        let auth = parse_authorization(&sig.authorization).unwrap();
        assert_eq!(auth.additional_headers, ["host"]);
        let wire = WireRequest {
            method: "GET",
            target: "/",
            headers: &headers,
            body: b"",
        };
        let address = ObjectAddress::virtual_hosted("bucket", "/").unwrap();
        assert_eq!(verify(&wire, &address, &auth, "sk").unwrap(), sig);
        let missing = OssV4Request {
            additional_headers: &["range"],
            ..req
        };
        assert_eq!(
            sign(
                &missing,
                &Credential::new("ak", "sk"),
                "cn-hangzhou",
                1702743657
            ),
            Err(SignError::MissingSignedHeader("range".into()))
        );
    }

    #[test]
    fn date_header_must_match_the_signing_time() {
        let headers = [
            ("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
            ("x-oss-date", "20231216T162057Z"),
        ];
        let req = OssV4Request {
            method: "GET",
            bucket: None,
            key: None,
            query: &[],
            headers: &headers,
            additional_headers: &[],
        };
        let cred = Credential::new("ak", "sk");
        assert!(matches!(
            sign(&req, &cred, "cn-hangzhou", 1702743658),
            Err(SignError::HeaderMismatch {
                name: "x-oss-date",
                ..
            })
        ));
        let no_date = OssV4Request {
            headers: &headers[..1],
            ..req
        };
        assert_eq!(
            sign(&no_date, &cred, "cn-hangzhou", 1702743657),
            Err(SignError::MissingHeader("x-oss-date"))
        );
        let no_hash = OssV4Request {
            headers: &headers[1..],
            ..req
        };
        assert_eq!(
            sign(&no_hash, &cred, "cn-hangzhou", 1702743657),
            Err(SignError::MissingHeader("x-oss-content-sha256"))
        );
        assert_eq!(format_date(1702743657).unwrap(), "20231216T162057Z");
        assert_eq!(parse_date("20231216T162057Z"), Some(1702743657));
        assert_eq!(parse_date("2023-12-16"), None);
        assert!(format_date(i64::MAX).is_err());
    }

    /// Re-signs a captured request from its bucket, decoded key, query and headers and checks
    /// the `Authorization` header byte for byte (oss2 separates fields with ", ", the v2 SDK
    /// with ","), then verifies the request as received.
    fn check_capture(prefix: &str, separator: &str) {
        let cap = Capture::load(prefix).unwrap();
        let headers = cap.header_pairs();
        let wire = cap.wire(&headers);
        let sent = wire.header("authorization").unwrap();
        let address = ObjectAddress::path_style(wire.path()).unwrap();
        let query = parse_form(wire.query()).unwrap();
        let query_refs: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let timestamp = parse_date(wire.header("x-oss-date").unwrap()).unwrap();
        let req = OssV4Request {
            method: wire.method,
            bucket: address.bucket.as_deref(),
            key: address.key.as_deref(),
            query: &query_refs,
            headers: &headers,
            additional_headers: &[],
        };
        let sig = sign(
            &req,
            &Credential::new("testid", "testsecret"),
            "cn-hangzhou",
            timestamp,
        )
        .unwrap();
        assert_eq!(
            sig.authorization_with_separator(separator),
            sent,
            "capture {prefix}"
        );
        let auth = parse_authorization(sent).unwrap();
        assert_eq!(verify(&wire, &address, &auth, "testsecret").unwrap(), sig);
        assert!(matches!(
            verify(&wire, &address, &auth, "wrong"),
            Err(VerifyError::SignatureMismatch { .. })
        ));
    }

    #[test]
    fn capture_034_put_object() {
        check_capture("034", ", ");
    }

    #[test]
    fn capture_036_initiate_multipart() {
        check_capture("036", ", ");
        let cap = Capture::load("036").unwrap();
        let headers = cap.header_pairs();
        let wire = cap.wire(&headers);
        let auth = parse_authorization(wire.header("authorization").unwrap()).unwrap();
        let address = ObjectAddress::path_style(wire.path()).unwrap();
        let sig = verify(&wire, &address, &auth, "testsecret").unwrap();
        assert!(sig.canonical_request.starts_with(
            "POST\n/examplebucket/dir/big.bin\nuploads\ncontent-type:application/octet-stream\n"
        ));
    }

    #[test]
    fn capture_037_upload_part_1() {
        check_capture("037", ", ");
    }

    #[test]
    fn capture_038_upload_part_2() {
        check_capture("038", ", ");
    }

    #[test]
    fn capture_039_upload_part_3() {
        check_capture("039", ", ");
    }

    #[test]
    fn capture_040_complete_multipart() {
        check_capture("040", ", ");
    }

    #[test]
    fn capture_041_oss_v2_sdk_put_object() {
        check_capture("041", ",");
    }

    #[test]
    fn verify_checks_the_scope_date() {
        let cap = Capture::load("034").unwrap();
        let headers = cap.header_pairs();
        let wire = cap.wire(&headers);
        let mut auth = parse_authorization(wire.header("authorization").unwrap()).unwrap();
        auth.date = "20261124".into();
        let address = ObjectAddress::path_style(wire.path()).unwrap();
        assert!(matches!(
            verify(&wire, &address, &auth, "testsecret"),
            Err(VerifyError::ScopeMismatch(_))
        ));
    }

    #[test]
    fn malformed_authorization_headers() {
        let sig = "1cc60423a3ef5c8b693213d876e43d1db849d1e6e77974cc2c45b82da34f01a9";
        let cred = "testid/20261123/cn-hangzhou/oss/aliyun_v4_request";
        let ok = format!("OSS4-HMAC-SHA256 Credential={cred},Signature={sig}");
        assert!(parse_authorization(&ok).is_ok());
        let cases = [
            (String::new(), AuthorizationError::Empty),
            (
                ok.replace("OSS4-HMAC-SHA256", "OSS"),
                AuthorizationError::UnsupportedAlgorithm("OSS".into()),
            ),
            (
                format!("OSS4-HMAC-SHA256 Signature={sig}"),
                AuthorizationError::MissingField("Credential"),
            ),
            (
                format!("OSS4-HMAC-SHA256 Credential={cred}"),
                AuthorizationError::MissingField("Signature"),
            ),
            (
                format!("{ok},Signature={sig}"),
                AuthorizationError::DuplicateField("Signature".into()),
            ),
            (
                format!("{ok},Region=x"),
                AuthorizationError::UnknownField("Region".into()),
            ),
            (
                ok.replace("/oss/", "/s3/"),
                AuthorizationError::MalformedCredential(cred.replace("/oss/", "/s3/")),
            ),
            (
                ok.replace("20261123", "2026-11-23"),
                AuthorizationError::MalformedCredential(cred.replace("20261123", "2026-11-23")),
            ),
            (
                ok.replace("testid/", ""),
                AuthorizationError::MalformedCredential(cred.replace("testid/", "")),
            ),
            (
                format!(
                    "OSS4-HMAC-SHA256 Credential={cred},AdditionalHeaders=host;;a,Signature={sig}"
                ),
                AuthorizationError::MalformedList("host;;a".into()),
            ),
            (
                ok.replace(sig, "zz"),
                AuthorizationError::MalformedSignature,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_authorization(&input), Err(want), "input {input:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(s in ".*") {
            let _ = parse_authorization(&s);
        }

        #[test]
        fn parser_never_panics_on_near_misses(cred in "[a-z0-9/_-]{0,60}", extra in "[A-Za-z=;, ]{0,20}") {
            let _ = parse_authorization(&format!("OSS4-HMAC-SHA256 Credential={cred},{extra}Signature=00"));
        }

        #[test]
        fn date_round_trips(ts in 0i64..253_402_300_799) {
            let formatted = format_date(ts).unwrap();
            proptest::prop_assert_eq!(parse_date(&formatted), Some(ts));
        }
    }
}
