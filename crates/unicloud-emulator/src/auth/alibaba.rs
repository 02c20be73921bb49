//! Alibaba ACS3-HMAC-SHA256 and RPC v1 (HMAC-SHA1), checked by `unicloud_alibaba::sign`;
//! key lookup, skew, security token and nonce replay policy here.

use super::keys::Lookup;
use super::*;

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

/// Verifies an OSS request addressed at `address`: `OSS id:signature` (v1, `Date` header) or
/// `OSS4-HMAC-SHA256` (v4, `x-oss-date`), with `unicloud_alibaba::sign::oss`. Returns the
/// caller and the region of a v4 scope. Errors are OSS's: 403 `AccessDenied`,
/// `InvalidAccessKeyId`, `SignatureDoesNotMatch`, `RequestTimeTooSkewed`.
pub(crate) fn verify_oss(
    keys: &KeyStore,
    now: SystemTime,
    req: &Incoming,
    address: &unicloud_alibaba::sign::oss::ObjectAddress,
) -> Result<(Principal, Option<String>), ApiError> {
    use unicloud_alibaba::sign::oss::{v1, v4};
    let denied = |m: String| ApiError::new(403, "AccessDenied", m);
    let Some(value) = req.header("authorization").map(str::trim) else {
        return Err(denied(
            "AccessDenied: anonymous access and presigned URLs are not emulated.".to_owned(),
        ));
    };
    let headers = req.header_pairs();
    let wire = req.wire(&headers);
    let lookup = |id: &str| match keys.lookup(Provider::Alibaba, id) {
        None => Err(ApiError::new(
            403,
            "InvalidAccessKeyId",
            "The OSS Access Key Id you provided does not exist in our records.",
        )),
        Some(Lookup::Static(s)) => Ok((s, None)),
        Some(Lookup::Temp(t)) => Ok((t.secret.clone(), Some(t))),
    };
    let skewed = || {
        ApiError::new(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        )
    };
    // OSS allows 15 minutes between the request's time and its own.
    const OSS_SKEW: i64 = 900;
    let bad = |sts: Option<String>| {
        let mut m = "The request signature we calculated does not match the signature you provided. Check your key and signing method.".to_owned();
        if let Some(s) = sts {
            // On one line (line breaks written `\n`), so a client's one-line error stays one.
            m.push_str(&format!(" StringToSign: {}", s.replace('\n', "\\n")));
        }
        ApiError::new(403, "SignatureDoesNotMatch", m)
    };
    let (id, region, temp) = if value.starts_with("OSS4-HMAC-SHA256") {
        let auth = v4::parse_authorization(value)
            .map_err(|e| denied(format!("The authorization header is malformed: {e}.")))?;
        let (secret, temp) = lookup(&auth.access_key_id)?;
        let ts = req
            .header("x-oss-date")
            .and_then(|d| v4::parse_date(d.trim()))
            .ok_or_else(|| denied("x-oss-date is missing or malformed.".to_owned()))?;
        if (unix(now) - ts).abs() > OSS_SKEW {
            return Err(skewed());
        }
        match v4::verify(&wire, address, &auth, &secret) {
            Ok(_) => {}
            Err(unicloud_alibaba::sign::VerifyError::SignatureMismatch { string_to_sign }) => {
                return Err(bad(Some(string_to_sign)));
            }
            Err(_) => return Err(bad(None)),
        }
        (auth.access_key_id, Some(auth.region), temp)
    } else {
        let auth = v1::parse_authorization(value)
            .map_err(|e| denied(format!("The authorization header is malformed: {e}.")))?;
        let (secret, temp) = lookup(&auth.access_key_id)?;
        let ts = req
            .header("date")
            .and_then(|d| crate::storage::parse_http_date(d.trim()))
            .ok_or_else(|| denied("The Date header is missing or malformed.".to_owned()))?;
        if (unix(now) - ts).abs() > OSS_SKEW {
            return Err(skewed());
        }
        match v1::verify(&wire, address, &auth, &secret) {
            Ok(_) => {}
            Err(unicloud_alibaba::sign::VerifyError::SignatureMismatch { string_to_sign }) => {
                return Err(bad(Some(string_to_sign)));
            }
            Err(_) => return Err(bad(None)),
        }
        (auth.access_key_id, None, temp)
    };
    if let Some(t) = &temp {
        let sent = req.header("x-oss-security-token");
        if sent != Some(t.token.as_str()) || now >= t.expires {
            return Err(ApiError::new(
                403,
                "InvalidAccessKeyId",
                "The security token is missing, invalid or expired.",
            ));
        }
    }
    Ok((principal(Provider::Alibaba, &id, temp.as_ref()), region))
}
