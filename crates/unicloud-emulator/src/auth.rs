//! Credentials known to the emulator and the three vendors' signature checks.
//!
//! One verifier per algorithm: Tencent TC3 and the legacy v1 signature are checked by
//! `unicloud_tencent::sign::{tc3, hmac_v1}`, Alibaba ACS3 and RPC v1 by
//! `unicloud_alibaba::sign::{acs3, rpc_v1}` (the signers our clients use, pinned to the
//! published vectors and the wire captures). AWS SigV4 is verified here, as nothing else in the
//! workspace implements it; its tests run the official aws-sig-v4 suite. What stays here is the
//! emulator's policy: key lookup, timestamp skew, security tokens, nonce replay and each
//! vendor's error codes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use unicloud_core::Provider;

use crate::server::Incoming;
use crate::util::{
    ct_eq, hmac_sha256, parse_amz_date, parse_iso8601, parse_pairs, percent_decode, rfc3986,
    sha256_hex, unix,
};

/// The account id every static AWS key belongs to.
pub(crate) const AWS_ACCOUNT: &str = "123456789012";
/// The account (UIN) every static Tencent key belongs to.
pub(crate) const TENCENT_ACCOUNT: &str = "100000000001";
/// The account id every static Alibaba key belongs to.
pub(crate) const ALIBABA_ACCOUNT: &str = "1234567890123456";

/// An error in a vendor's terms: the code, message and HTTP status it answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    /// The vendor error code (`AuthFailure.SignatureFailure`, `SignatureDoesNotMatch`, ...).
    pub(crate) code: String,
    /// Human-readable message.
    pub(crate) message: String,
    /// HTTP status (Tencent answers 200 whatever this says, unless it is a 5xx fault).
    pub(crate) status: u16,
}

impl ApiError {
    /// Builds an error.
    pub(crate) fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            status,
        }
    }
}

/// Who made a request, once its signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Principal {
    /// The access key id used.
    pub(crate) access_key_id: String,
    /// The account the key belongs to.
    pub(crate) account: String,
    /// For temporary credentials: (role ARN, session name).
    pub(crate) role: Option<(String, String)>,
}

#[derive(Debug, Clone)]
struct TempKey {
    secret: String,
    token: String,
    expires: SystemTime,
    role_arn: String,
    session_name: String,
}

/// Temporary credentials issued by an STS front-end.
#[derive(Debug, Clone)]
pub(crate) struct IssuedCredentials {
    pub(crate) access_key_id: String,
    pub(crate) secret: String,
    pub(crate) token: String,
    pub(crate) expires: SystemTime,
}

/// What a lookup found for an access key id.
enum Lookup {
    Static(String),
    Temp(TempKey),
}

/// Every key pair the emulator accepts, plus the replay cache for Alibaba nonces.
#[derive(Debug, Default)]
pub(crate) struct KeyStore {
    static_keys: HashMap<(Provider, String), String>,
    temp: Mutex<HashMap<(Provider, String), TempKey>>,
    nonces: Mutex<HashMap<String, i64>>,
}

/// Allowed clock skew between a request's timestamp and the emulator's clock.
pub(crate) const MAX_SKEW_SECS: i64 = 300;

impl KeyStore {
    /// A store holding `keys` (provider, id, secret).
    pub(crate) fn new(keys: &[(Provider, String, String)]) -> Self {
        Self {
            static_keys: keys
                .iter()
                .map(|(p, id, s)| ((*p, id.clone()), s.clone()))
                .collect(),
            ..Self::default()
        }
    }

    fn lookup(&self, provider: Provider, id: &str) -> Option<Lookup> {
        if let Some(s) = self.static_keys.get(&(provider, id.to_owned())) {
            return Some(Lookup::Static(s.clone()));
        }
        let temp = self.temp.lock().ok()?;
        temp.get(&(provider, id.to_owned()))
            .cloned()
            .map(Lookup::Temp)
    }

    /// Issues temporary credentials for `provider` valid for `duration` from `now`.
    pub(crate) fn issue(
        &self,
        provider: Provider,
        now: SystemTime,
        duration: Duration,
        role_arn: &str,
        session_name: &str,
    ) -> IssuedCredentials {
        use crate::util::{LOWER_ALNUM, UPPER_ALNUM, random_from};
        let id = match provider {
            Provider::Aws => format!("ASIA{}", random_from(UPPER_ALNUM, 16)),
            Provider::Tencent => format!("AKID{}", random_from(UPPER_ALNUM, 32)),
            _ => format!("STS.{}", random_from(UPPER_ALNUM, 24)),
        };
        let secret = random_from(LOWER_ALNUM, 40);
        let token = random_from(LOWER_ALNUM, 96);
        let expires = now + duration;
        if let Ok(mut temp) = self.temp.lock() {
            temp.insert(
                (provider, id.clone()),
                TempKey {
                    secret: secret.clone(),
                    token: token.clone(),
                    expires,
                    role_arn: role_arn.to_owned(),
                    session_name: session_name.to_owned(),
                },
            );
        }
        IssuedCredentials {
            access_key_id: id,
            secret,
            token,
            expires,
        }
    }

    /// Records an Alibaba nonce; false when it was already used within the skew window.
    fn use_nonce(&self, key: &str, nonce: &str, now: i64) -> bool {
        let Ok(mut nonces) = self.nonces.lock() else {
            return true;
        };
        if nonces.len() > 100_000 {
            nonces.retain(|_, seen| now - *seen <= 2 * MAX_SKEW_SECS);
        }
        let k = format!("{key}\n{nonce}");
        match nonces.get(&k) {
            Some(seen) if now - *seen <= 2 * MAX_SKEW_SECS => false,
            _ => {
                nonces.insert(k, now);
                true
            }
        }
    }
}

fn principal(provider: Provider, id: &str, temp: Option<&TempKey>) -> Principal {
    let account = match provider {
        Provider::Aws => AWS_ACCOUNT,
        Provider::Tencent => TENCENT_ACCOUNT,
        _ => ALIBABA_ACCOUNT,
    };
    Principal {
        access_key_id: id.to_owned(),
        account: account.to_owned(),
        role: temp.map(|t| (t.role_arn.clone(), t.session_name.clone())),
    }
}

// ---------------------------------------------------------------------------------------------
// Tencent TC3-HMAC-SHA256 and the legacy v1 signature (HmacSHA256 / HmacSHA1)
// ---------------------------------------------------------------------------------------------

fn tencent_error(code: &str, msg: impl Into<String>) -> ApiError {
    ApiError::new(200, code, msg)
}

fn tencent_signature_failure() -> ApiError {
    tencent_error(
        "AuthFailure.SignatureFailure",
        "The provided credentials could not be validated. Please check your signature is correct.",
    )
}

/// The secret of a Tencent key id, or `AuthFailure.SecretIdNotFound`.
fn tencent_secret(keys: &KeyStore, id: &str) -> Result<(String, Option<TempKey>), ApiError> {
    match keys.lookup(Provider::Tencent, id) {
        None => Err(tencent_error(
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found, please ensure that your SecretId is correct.",
        )),
        Some(Lookup::Static(s)) => Ok((s, None)),
        Some(Lookup::Temp(t)) => Ok((t.secret.clone(), Some(t))),
    }
}

/// Tencent's 5-minute window; `AuthFailure.SignatureExpire` outside it.
fn tencent_fresh(now: SystemTime, ts: i64) -> Result<(), ApiError> {
    if (unix(now) - ts).abs() > MAX_SKEW_SECS {
        return Err(tencent_error(
            "AuthFailure.SignatureExpire",
            "Signature expired. Timestamp and server time are more than 5 minutes apart.",
        ));
    }
    Ok(())
}

/// Temporary credentials need their token and must not have expired.
fn tencent_token(
    now: SystemTime,
    temp: Option<&TempKey>,
    sent: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(t) = temp {
        if sent != Some(t.token.as_str()) {
            return Err(tencent_error(
                "AuthFailure.TokenFailure",
                "The token is missing or invalid.",
            ));
        }
        if now >= t.expires {
            return Err(tencent_error(
                "AuthFailure.TokenFailure",
                "The temporary credentials have expired.",
            ));
        }
    }
    Ok(())
}

/// Verifies a Tencent API 3.0 request (TC3-HMAC-SHA256, token in `X-TC-Token`).
pub(crate) fn verify_tencent(
    keys: &KeyStore,
    now: SystemTime,
    req: &Incoming,
) -> Result<Principal, ApiError> {
    use unicloud_tencent::sign::{VerifyError, tc3};
    let Some(auth) = req.header("authorization") else {
        return Err(tencent_error(
            "AuthFailure.SignatureFailure",
            "The Authorization header is missing.",
        ));
    };
    let parsed = tc3::parse_authorization(auth).map_err(|e| {
        tencent_error(
            "AuthFailure.InvalidAuthorization",
            format!("Authorization header is malformed: {e}."),
        )
    })?;
    let (secret, temp) = tencent_secret(keys, &parsed.secret_id)?;
    let ts = req
        .header("x-tc-timestamp")
        .and_then(|t| t.trim().parse::<i64>().ok())
        .ok_or_else(|| {
            tencent_error(
                "MissingParameter",
                "The request is missing a valid X-TC-Timestamp.",
            )
        })?;
    tencent_fresh(now, ts)?;
    let headers = req.header_pairs();
    match tc3::verify(&req.wire(&headers), &parsed, &secret) {
        Ok(_) => {}
        Err(VerifyError::SignatureMismatch { .. }) => return Err(tencent_signature_failure()),
        Err(e) => {
            return Err(tencent_error(
                "AuthFailure.SignatureFailure",
                format!("The request signature could not be checked: {e}."),
            ));
        }
    }
    tencent_token(now, temp.as_ref(), req.header("x-tc-token"))?;
    Ok(principal(
        Provider::Tencent,
        &parsed.secret_id,
        temp.as_ref(),
    ))
}

/// Verifies a Tencent request signed the legacy way (`Signature`, `SecretId`, `Timestamp`,
/// `Nonce` and `SignatureMethod=HmacSHA256|HmacSHA1` among the parameters: the query of a GET,
/// the form body of a POST; token in `Token`). Returns the caller and every parameter, decoded.
pub(crate) fn verify_tencent_v1(
    keys: &KeyStore,
    now: SystemTime,
    req: &Incoming,
) -> Result<(Principal, Vec<(String, String)>), ApiError> {
    use unicloud_tencent::sign::{VerifyError, hmac_v1};
    let headers = req.header_pairs();
    let wire = req.wire(&headers);
    let parsed = hmac_v1::parse_request(&wire).map_err(|e| match e {
        VerifyError::MissingHeader(name) => tencent_error(
            "MissingParameter",
            format!("The request is missing a required parameter `{name}`."),
        ),
        VerifyError::InvalidValue { name } => tencent_error(
            "InvalidParameterValue",
            format!("The value of parameter `{name}` is not supported."),
        ),
        other => tencent_error(
            "InvalidParameter",
            format!("The request parameters cannot be decoded: {other}."),
        ),
    })?;
    let param = |name: &str| {
        parsed
            .params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let (secret, temp) = tencent_secret(keys, &parsed.secret_id)?;
    let ts = param("Timestamp")
        .and_then(|t| t.trim().parse::<i64>().ok())
        .ok_or_else(|| {
            tencent_error(
                "MissingParameter",
                "The request is missing a valid parameter `Timestamp`.",
            )
        })?;
    tencent_fresh(now, ts)?;
    match hmac_v1::verify(&wire, &parsed, &secret) {
        Ok(_) => {}
        Err(VerifyError::SignatureMismatch { .. }) => return Err(tencent_signature_failure()),
        Err(e) => {
            return Err(tencent_error(
                "AuthFailure.SignatureFailure",
                format!("The request signature could not be checked: {e}."),
            ));
        }
    }
    tencent_token(now, temp.as_ref(), param("Token"))?;
    let who = principal(Provider::Tencent, &parsed.secret_id, temp.as_ref());
    Ok((who, parsed.params))
}

// ---------------------------------------------------------------------------------------------
// Alibaba ACS3-HMAC-SHA256 and RPC v1 (HMAC-SHA1), verified by `unicloud_alibaba::sign`
// ---------------------------------------------------------------------------------------------

/// The Alibaba request's parameters: query pairs plus a form body, decoded (`+` is a space, as
/// the SDKs send it and as the signers decode it).
pub(crate) fn alibaba_params(req: &Incoming) -> Vec<(String, String)> {
    let mut pairs = parse_pairs(&req.query, true);
    let form = req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if form && !req.body.is_empty() {
        pairs.extend(parse_pairs(&String::from_utf8_lossy(&req.body), true));
    }
    pairs
}

/// How an Alibaba request is signed.
enum AliScheme {
    Acs3(unicloud_alibaba::sign::acs3::Acs3Authorization),
    RpcV1(unicloud_alibaba::sign::rpc_v1::RpcV1Params),
}

fn ali_incomplete(detail: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        400,
        "IncompleteSignature",
        format!("The request signature does not conform to Aliyun standards: {detail}."),
    )
}

/// `SignatureDoesNotMatch`, with the server's string to sign after the message's only `:` when
/// known: the legacy core SDK compares it with its own and, when they are equal, tells its user
/// the AccessKeySecret is wrong (`InvalidAccessKeySecret`).
fn ali_not_match(string_to_sign: Option<&str>) -> ApiError {
    let mut message = "Specified signature does not match our calculation.".to_owned();
    if let Some(sts) = string_to_sign {
        message.push_str(" server string to sign is:");
        message.push_str(sts);
    }
    ApiError::new(400, "SignatureDoesNotMatch", message)
}

/// Verifies an Alibaba OpenAPI request signed with ACS3-HMAC-SHA256 (an `Authorization`
/// header) or RPC v1 HMAC-SHA1 (`Signature` among the parameters). The signature itself is
/// checked by `unicloud_alibaba::sign`; key lookup, timestamp skew, the security token and
/// nonce replay are the emulator's policy.
pub(crate) fn verify_alibaba(
    keys: &KeyStore,
    now: SystemTime,
    req: &Incoming,
    params: &[(String, String)],
) -> Result<Principal, ApiError> {
    use unicloud_alibaba::sign::{SignError, VerifyError, acs3, rpc_v1};
    let param = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let headers = req.header_pairs();
    let wire = req.wire(&headers);
    let acs3_header = req
        .header("authorization")
        .filter(|a| a.trim_start().starts_with("ACS3-"));
    let (key_id, ts, nonce, token, scheme) = if let Some(auth) = acs3_header {
        let parsed = acs3::parse_authorization(auth).map_err(ali_incomplete)?;
        (
            parsed.access_key_id.clone(),
            req.header("x-acs-date").map(str::to_owned),
            req.header("x-acs-signature-nonce").map(str::to_owned),
            req.header("x-acs-security-token").map(str::to_owned),
            AliScheme::Acs3(parsed),
        )
    } else {
        if param("Signature").is_none() {
            return Err(ApiError::new(
                400,
                "MissingSignature",
                "Signature is mandatory for this action.",
            ));
        }
        let parsed = rpc_v1::parse_request(&wire).map_err(|e| match e {
            VerifyError::MissingHeader("AccessKeyId") => ApiError::new(
                400,
                "MissingAccessKeyId",
                "AccessKeyId is mandatory for this action.",
            ),
            other => ali_incomplete(other),
        })?;
        (
            parsed.access_key_id.clone(),
            parsed.timestamp.clone(),
            parsed.signature_nonce.clone(),
            param("SecurityToken").map(str::to_owned),
            AliScheme::RpcV1(parsed),
        )
    };
    let (secret, temp) = match keys.lookup(Provider::Alibaba, &key_id) {
        None => {
            return Err(ApiError::new(
                404,
                "InvalidAccessKeyId.NotFound",
                "Specified access key is not found.",
            ));
        }
        Some(Lookup::Static(s)) => (s, None),
        Some(Lookup::Temp(t)) => (t.secret.clone(), Some(t)),
    };
    let now_s = unix(now);
    let Some(ts) = ts.as_deref().and_then(parse_iso8601) else {
        return Err(ApiError::new(
            400,
            "InvalidTimeStamp.Format",
            "Specified time stamp or date value is not well formatted.",
        ));
    };
    if (now_s - ts).abs() > MAX_SKEW_SECS {
        return Err(ApiError::new(
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        ));
    }
    let checked = match &scheme {
        AliScheme::Acs3(a) => acs3::verify(&wire, a, &secret).map(drop),
        AliScheme::RpcV1(p) => rpc_v1::verify(&wire, p, &secret).map(drop),
    };
    match checked {
        Ok(()) => {}
        Err(VerifyError::SignatureMismatch { string_to_sign }) => {
            return Err(ali_not_match(Some(&string_to_sign)));
        }
        Err(
            VerifyError::BodyHashMismatch | VerifyError::Sign(SignError::MissingSignedHeader(_)),
        ) => {
            return Err(ali_not_match(None));
        }
        Err(e) => return Err(ali_incomplete(e)),
    }
    if let Some(t) = &temp {
        if token.as_deref() != Some(t.token.as_str()) {
            return Err(ApiError::new(
                400,
                "InvalidSecurityToken.MismatchWithAccessKey",
                "Specified security token does not match the access key.",
            ));
        }
        if now >= t.expires {
            return Err(ApiError::new(
                400,
                "InvalidSecurityToken.Expired",
                "Specified SecurityToken is expired.",
            ));
        }
    }
    let Some(nonce) = nonce.filter(|n| !n.is_empty()) else {
        return Err(ApiError::new(
            400,
            "MissingSignatureNonce",
            "SignatureNonce is mandatory for this action.",
        ));
    };
    if !keys.use_nonce(&key_id, &nonce, now_s) {
        return Err(ApiError::new(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ));
    }
    Ok(principal(Provider::Alibaba, &key_id, temp.as_ref()))
}

// ---------------------------------------------------------------------------------------------
// AWS SigV4
// ---------------------------------------------------------------------------------------------

/// The parts of an `AWS4-HMAC-SHA256` Authorization header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SigV4Auth {
    pub(crate) access_key_id: String,
    pub(crate) date: String,
    pub(crate) region: String,
    pub(crate) service: String,
    pub(crate) signed_headers: Vec<String>,
    pub(crate) signature: String,
}

/// Parses `AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/service/aws4_request, SignedHeaders=..., Signature=...`.
pub(crate) fn parse_sigv4(value: &str) -> Option<SigV4Auth> {
    let rest = value.trim().strip_prefix("AWS4-HMAC-SHA256")?;
    let mut cred = None;
    let mut signed = None;
    let mut sig = None;
    for field in rest.split(',') {
        match field.trim().split_once('=') {
            Some(("Credential", v)) => cred = Some(v),
            Some(("SignedHeaders", v)) => signed = Some(v),
            Some(("Signature", v)) => sig = Some(v),
            _ => {}
        }
    }
    let mut parts = cred?.rsplitn(5, '/');
    let term = parts.next()?;
    let service = parts.next()?;
    let region = parts.next()?;
    let date = parts.next()?;
    let id = parts.next()?;
    if term != "aws4_request" || id.is_empty() {
        return None;
    }
    Some(SigV4Auth {
        access_key_id: id.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        signed_headers: signed?.split(';').map(str::to_ascii_lowercase).collect(),
        signature: sig?.to_owned(),
    })
}

/// The SigV4 canonical URI of a received path, as the services the emulator serves (EC2, STS,
/// ELB: not S3) compute it: `.` and `..` segments resolved, empty segments dropped (a trailing
/// `/` kept), each segment decoded and RFC 3986-encoded once.
fn sigv4_canonical_uri(path: &str) -> String {
    let mut segments: Vec<String> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(rfc3986(&percent_decode(s, false))),
        }
    }
    let mut uri = format!("/{}", segments.join("/"));
    if !segments.is_empty() && path.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The SigV4 canonical request, string to sign and signature of a received request.
pub(crate) fn sigv4_signature(
    req: &Incoming,
    auth: &SigV4Auth,
    amz_date: &str,
    secret: &str,
) -> Option<(String, String, String)> {
    let canonical_uri = sigv4_canonical_uri(&req.path);
    let mut q: Vec<(String, String)> = parse_pairs(&req.query, false)
        .iter()
        .map(|(k, v)| (rfc3986(k), rfc3986(v)))
        .collect();
    q.sort();
    let canonical_query = q
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut names = auth.signed_headers.clone();
    names.sort();
    let mut canon_headers = String::new();
    for name in &names {
        let values: Vec<String> = req
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if values.is_empty() {
            return None;
        }
        canon_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let payload = req
        .header("x-amz-content-sha256")
        .map(str::to_owned)
        .unwrap_or_else(|| sha256_hex(&req.body));
    let creq = format!(
        "{}\n{canonical_uri}\n{canonical_query}\n{canon_headers}\n{}\n{payload}",
        req.method,
        names.join(";")
    );
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let sts = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(creq.as_bytes())
    );
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), auth.date.as_bytes());
    let k_region = hmac_sha256(&k_date, auth.region.as_bytes());
    let k_service = hmac_sha256(&k_region, auth.service.as_bytes());
    let k_signing = hmac_sha256(&k_service, b"aws4_request");
    let sig = hex::encode(hmac_sha256(&k_signing, sts.as_bytes()));
    Some((creq, sts, sig))
}

/// Verifies an AWS SigV4 request. `ec2_style` selects EC2's error codes (401 `AuthFailure`)
/// over the STS/ELB ones (403 `SignatureDoesNotMatch`, `InvalidClientTokenId`).
pub(crate) fn verify_aws(
    keys: &KeyStore,
    now: SystemTime,
    req: &Incoming,
    auth: &SigV4Auth,
    ec2_style: bool,
) -> Result<Principal, ApiError> {
    let bad_sig = || {
        if ec2_style {
            ApiError::new(
                401,
                "AuthFailure",
                "AWS was not able to validate the provided access credentials",
            )
        } else {
            ApiError::new(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        }
    };
    let unknown_key = || {
        if ec2_style {
            ApiError::new(
                401,
                "AuthFailure",
                "AWS was not able to validate the provided access credentials",
            )
        } else {
            ApiError::new(
                403,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            )
        }
    };
    let (secret, temp) = match keys.lookup(Provider::Aws, &auth.access_key_id) {
        None => return Err(unknown_key()),
        Some(Lookup::Static(s)) => (s, None),
        Some(Lookup::Temp(t)) => (t.secret.clone(), Some(t)),
    };
    let amz_date = req.header("x-amz-date").unwrap_or_default().to_owned();
    let Some(ts) = parse_amz_date(&amz_date) else {
        return Err(ApiError::new(
            400,
            "IncompleteSignature",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        ));
    };
    if !amz_date.starts_with(&auth.date) {
        return Err(bad_sig());
    }
    if (unix(now) - ts).abs() > MAX_SKEW_SECS {
        return Err(if ec2_style {
            ApiError::new(400, "RequestExpired", "Request has expired.")
        } else {
            ApiError::new(403, "SignatureDoesNotMatch", "Signature expired.")
        });
    }
    let Some((_, _, sig)) = sigv4_signature(req, auth, &amz_date, &secret) else {
        return Err(bad_sig());
    };
    if !ct_eq(sig.as_bytes(), auth.signature.as_bytes()) {
        return Err(bad_sig());
    }
    // A long-term key sent with a session token is refused, as AWS does: the token belongs to
    // no key the caller holds.
    if temp.is_none() && req.header("x-amz-security-token").is_some() {
        return Err(unknown_key());
    }
    if let Some(t) = &temp {
        if req.header("x-amz-security-token") != Some(t.token.as_str()) {
            return Err(unknown_key());
        }
        if now >= t.expires {
            return Err(if ec2_style {
                ApiError::new(400, "RequestExpired", "Request has expired.")
            } else {
                ApiError::new(
                    403,
                    "ExpiredToken",
                    "The security token included in the request is expired",
                )
            });
        }
    }
    Ok(principal(Provider::Aws, &auth.access_key_id, temp.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;
    use std::path::{Path, PathBuf};

    fn incoming(method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Incoming {
        Incoming::from_parts(
            method,
            target,
            headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            Bytes::from(body.to_owned()),
        )
    }

    fn at(iso: &str) -> SystemTime {
        crate::util::from_unix(parse_iso8601(iso).unwrap())
    }

    /// The official aws-sig-v4 test suite, as shipped in the source of the `aws-sigv4` crate
    /// this workspace locks (a dependency of the `aws-sdk-ec2` dev-dependency, so cargo has
    /// unpacked it). Missing means the test fails: it never skips.
    fn sigv4_suite_dir() -> PathBuf {
        let lock =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock"))
                .unwrap();
        let version = lock
            .split("[[package]]")
            .find(|p| p.contains("name = \"aws-sigv4\"\n"))
            .and_then(|p| p.split("version = \"").nth(1))
            .and_then(|v| v.split('"').next())
            .expect("aws-sigv4 in Cargo.lock");
        let home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .expect("CARGO_HOME or HOME");
        let registry = home.join("registry/src");
        std::fs::read_dir(&registry)
            .unwrap_or_else(|e| panic!("{}: {e}", registry.display()))
            .filter_map(Result::ok)
            .map(|d| {
                d.path()
                    .join(format!("aws-sigv4-{version}/aws-signing-test-suite/v4"))
            })
            .find(|p| p.is_dir())
            .unwrap_or_else(|| {
                panic!(
                    "aws-sigv4-{version} sources not under {}",
                    registry.display()
                )
            })
    }

    /// Parses a suite `header-signed-request.txt`: request line, headers (continuation lines
    /// folded into the previous value), blank line, body.
    fn parse_signed_request(text: &str) -> Incoming {
        let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
        let mut lines = head.lines();
        let request_line = lines.next().unwrap();
        let method = request_line.split(' ').next().unwrap();
        let target = request_line
            .strip_prefix(method)
            .and_then(|r| r.trim().strip_suffix("HTTP/1.1"))
            .unwrap()
            .trim();
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with(' ') || line.starts_with('\t') {
                let last = headers.last_mut().unwrap();
                last.1.push(' ');
                last.1.push_str(line.trim());
            } else {
                let (k, v) = line.split_once(':').unwrap();
                headers.push((k.to_owned(), v.to_owned()));
            }
        }
        Incoming::from_parts(method, target, headers, Bytes::from(body.to_owned()))
    }

    /// Suite cases outside what the emulator serves: S3-style unnormalised paths and the
    /// double-encoding mode. EC2, STS and ELB only use the path `/`.
    const NOT_APPLICABLE: [&str; 8] = [
        "double-encode-path",
        "double-url-encode",
        "get-relative-relative-unnormalized",
        "get-relative-unnormalized",
        "get-slash-dot-slash-unnormalized",
        "get-slash-pointless-dot-unnormalized",
        "get-slash-unnormalized",
        "get-slashes-unnormalized",
    ];

    #[test]
    fn sigv4_verifier_passes_the_official_suite() {
        let dir = sigv4_suite_dir();
        let mut checked = Vec::new();
        let mut skipped = Vec::new();
        let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        cases.sort();
        for case in cases {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            if NOT_APPLICABLE.contains(&name.as_str()) {
                skipped.push(name);
                continue;
            }
            let context: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(case.join("context.json")).unwrap())
                    .unwrap();
            let secret = context["credentials"]["secret_access_key"]
                .as_str()
                .unwrap();
            let id = context["credentials"]["access_key_id"].as_str().unwrap();
            let now = at(context["timestamp"].as_str().unwrap());
            let text = std::fs::read_to_string(case.join("header-signed-request.txt")).unwrap();
            let req = parse_signed_request(&text);
            let want = std::fs::read_to_string(case.join("header-signature.txt")).unwrap();
            let auth = parse_sigv4(req.header("authorization").unwrap()).unwrap();
            assert_eq!(auth.signature, want.trim(), "{name}");
            let amz_date = req.header("x-amz-date").unwrap();
            let (creq, _, sig) = sigv4_signature(&req, &auth, amz_date, secret).unwrap();
            let want_creq =
                std::fs::read_to_string(case.join("header-canonical-request.txt")).unwrap();
            assert_eq!(creq, want_creq.trim_end_matches('\n'), "{name}");
            assert_eq!(sig, want.trim(), "{name}");

            let keys = KeyStore::new(&[(Provider::Aws, id.into(), secret.into())]);
            if req.header("x-amz-security-token").is_some() {
                // The signature is right (checked above), but the suite's key is a long-term one
                // and AWS refuses a long-term key presented with a session token.
                let e = verify_aws(&keys, now, &req, &auth, true).unwrap_err();
                assert_eq!((e.status, e.code.as_str()), (401, "AuthFailure"), "{name}");
                let e = verify_aws(&keys, now, &req, &auth, false).unwrap_err();
                assert_eq!(
                    (e.status, e.code.as_str()),
                    (403, "InvalidClientTokenId"),
                    "{name}"
                );
                checked.push(name);
                continue;
            }
            for ec2 in [true, false] {
                assert!(verify_aws(&keys, now, &req, &auth, ec2).is_ok(), "{name}");
            }
            // One second past the 5-minute window.
            let late = now + Duration::from_secs(MAX_SKEW_SECS.unsigned_abs() + 1);
            let e = verify_aws(&keys, late, &req, &auth, true).unwrap_err();
            assert_eq!(
                (e.status, e.code.as_str()),
                (400, "RequestExpired"),
                "{name}"
            );
            let wrong = KeyStore::new(&[(Provider::Aws, id.into(), "x".into())]);
            let e = verify_aws(&wrong, now, &req, &auth, true).unwrap_err();
            assert_eq!((e.status, e.code.as_str()), (401, "AuthFailure"), "{name}");
            let e = verify_aws(&wrong, now, &req, &auth, false).unwrap_err();
            assert_eq!(
                (e.status, e.code.as_str()),
                (403, "SignatureDoesNotMatch"),
                "{name}"
            );
            checked.push(name);
        }
        skipped.sort();
        assert_eq!(
            skipped, NOT_APPLICABLE,
            "every not-applicable case is in the suite"
        );
        assert!(
            checked.len() >= 30,
            "only {} suite cases ran",
            checked.len()
        );
    }

    /// The published ACS3-HMAC-SHA256 example, through the emulator's policy layer.
    #[test]
    fn acs3_published_example_verifies() {
        let req = incoming(
            "POST",
            "/?ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai",
            &[
                ("host", "ecs.cn-shanghai.aliyuncs.com"),
                ("x-acs-action", "RunInstances"),
                ("x-acs-version", "2014-05-26"),
                ("x-acs-date", "2023-10-26T10:22:32Z"),
                ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
                (
                    "x-acs-content-sha256",
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                ),
                (
                    "authorization",
                    "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
                ),
            ],
            "",
        );
        let now = at("2023-10-26T10:22:32Z");
        let keys = KeyStore::new(&[(
            Provider::Alibaba,
            "YourAccessKeyId".into(),
            "YourAccessKeySecret".into(),
        )]);
        let params = alibaba_params(&req);
        let who = verify_alibaba(&keys, now, &req, &params).unwrap();
        assert_eq!(who.access_key_id, "YourAccessKeyId");
        let e = verify_alibaba(&keys, now, &req, &params).unwrap_err();
        assert_eq!(e.code, "SignatureNonceUsed");
        let wrong = KeyStore::new(&[(Provider::Alibaba, "YourAccessKeyId".into(), "x".into())]);
        let e = verify_alibaba(&wrong, now, &req, &params).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "SignatureDoesNotMatch"));
    }

    /// The published RPC v1 (HMAC-SHA1) examples, through the emulator's policy layer.
    #[test]
    fn rpc_v1_published_examples_verify() {
        for (query, when) in [
            (
                "AccessKeyId=testid&Action=DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0&Timestamp=2016-02-23T12%3A46%3A24Z&Version=2014-05-26&Signature=OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D",
                "2016-02-23T12:46:24Z",
            ),
            (
                "Action=DescribeDedicatedHosts&Format=JSON&RegionId=cn-beijing&SignatureNonce=edb2b34af0af9a6d14deaf7c1a5315eb&Timestamp=2023-03-13T08%3A34%3A30Z&Version=2014-05-26&AccessKeyId=testid&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&Signature=9NaGiOspFP5UPcwX8Iwt2YJXXuk%3D",
                "2023-03-13T08:34:30Z",
            ),
        ] {
            let req = incoming(
                "GET",
                &format!("/?{query}"),
                &[("host", "ecs.aliyuncs.com")],
                "",
            );
            let keys = KeyStore::new(&[(Provider::Alibaba, "testid".into(), "testsecret".into())]);
            let params = alibaba_params(&req);
            assert!(
                verify_alibaba(&keys, at(when), &req, &params).is_ok(),
                "{query}"
            );
            let tampered = incoming(
                "GET",
                &format!("/?{}", query.replace("Format=", "Format=x")),
                &[("host", "ecs.aliyuncs.com")],
                "",
            );
            let e =
                verify_alibaba(&keys, at(when), &tampered, &alibaba_params(&tampered)).unwrap_err();
            assert_eq!(e.code, "SignatureDoesNotMatch");
            // Found by aliyun-python-sdk-core (sdk-compat): the message carries the server's
            // string to sign after its only `:`, which the SDK compares with its own.
            let params = alibaba_params(&tampered);
            let pairs: Vec<(&str, &str)> = params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let client_sts =
                unicloud_alibaba::sign::rpc_v1::sign("GET", &pairs, "testsecret").string_to_sign;
            assert_eq!(e.message.split(':').nth(1), Some(client_sts.as_str()));
            assert_eq!(e.message.matches(':').count(), 1, "{}", e.message);
        }
    }

    #[test]
    fn malformed_authorization_never_panics() {
        for v in [
            "",
            "AWS4-HMAC-SHA256",
            "AWS4-HMAC-SHA256 Credential=/",
            "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request",
        ] {
            assert!(parse_sigv4(v).is_none() || v.ends_with("aws4_request"));
        }
        let keys = KeyStore::new(&[(Provider::Alibaba, "id".into(), "s".into())]);
        for auth in ["ACS3-HMAC-SHA256 garbage", "ACS3-HMAC-SM3 Credential=id"] {
            let req = incoming("POST", "/?Action=X", &[("authorization", auth)], "");
            let e =
                verify_alibaba(&keys, SystemTime::now(), &req, &alibaba_params(&req)).unwrap_err();
            assert_eq!(e.code, "IncompleteSignature", "{auth}");
        }
        let unsigned = incoming("GET", "/?Action=X&AccessKeyId=id", &[], "");
        let e = verify_alibaba(
            &keys,
            SystemTime::now(),
            &unsigned,
            &alibaba_params(&unsigned),
        )
        .unwrap_err();
        assert_eq!(e.code, "MissingSignature");
        let wrong_method = incoming(
            "GET",
            "/?Action=X&AccessKeyId=id&Signature=x&SignatureMethod=HMAC-SHA256&SignatureVersion=1.0",
            &[],
            "",
        );
        let e = verify_alibaba(
            &keys,
            SystemTime::now(),
            &wrong_method,
            &alibaba_params(&wrong_method),
        )
        .unwrap_err();
        assert_eq!(e.code, "IncompleteSignature");
    }
}
