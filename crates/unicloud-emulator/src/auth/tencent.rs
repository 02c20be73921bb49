//! Tencent TC3-HMAC-SHA256 and the legacy v1 signature (HmacSHA256 / HmacSHA1), checked by
//! `unicloud_tencent::sign`; key lookup, skew and token policy here.

use super::keys::{Lookup, TempKey};
use super::*;

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

/// Verifies a COS request (`q-sign-algorithm=sha1&…` in the `Authorization` header or, for a
/// presigned URL, in the query) with `unicloud_tencent::sign::cos`. The signing window
/// (`q-sign-time`) must contain the emulator's clock, give or take the 5-minute skew. Errors
/// are COS's: 403 `AccessDenied`, `InvalidAccessKeyId`, `SignatureDoesNotMatch`,
/// `RequestTimeTooSkewed`.
pub(crate) fn verify_cos(
    keys: &KeyStore,
    now: SystemTime,
    req: &Incoming,
) -> Result<Principal, ApiError> {
    use unicloud_tencent::sign::cos;
    let denied = |m: &str| ApiError::new(403, "AccessDenied", m);
    let value = match req.header("authorization") {
        Some(v) => v.to_owned(),
        None => {
            let q = parse_pairs(&req.query, false);
            let get = |n: &str| q.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
            if get("q-sign-algorithm").is_none() {
                return Err(denied("Access Denied."));
            }
            [
                "q-sign-algorithm",
                "q-ak",
                "q-sign-time",
                "q-key-time",
                "q-header-list",
                "q-url-param-list",
                "q-signature",
            ]
            .iter()
            .map(|n| format!("{n}={}", get(n).unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("&")
        }
    };
    let auth = cos::parse_authorization(&value)
        .map_err(|e| denied(&format!("The Authorization is malformed: {e}.")))?;
    let (secret, temp) = match keys.lookup(Provider::Tencent, &auth.secret_id) {
        None => {
            return Err(ApiError::new(
                403,
                "InvalidAccessKeyId",
                "The access key Id format you provided is invalid.",
            ));
        }
        Some(Lookup::Static(s)) => (s, None),
        Some(Lookup::Temp(t)) => (t.secret.clone(), Some(t)),
    };
    let t = unix(now);
    if t + MAX_SKEW_SECS < auth.sign_time.start {
        return Err(ApiError::new(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the server's time is too large.",
        ));
    }
    if t > auth.sign_time.end + MAX_SKEW_SECS {
        return Err(denied("Request has expired"));
    }
    let headers = req.header_pairs();
    if cos::verify(&req.wire(&headers), &auth, &secret).is_err() {
        return Err(ApiError::new(
            403,
            "SignatureDoesNotMatch",
            "The Signature you specified is invalid.",
        ));
    }
    if let Some(tk) = &temp {
        let sent = req.header("x-cos-security-token");
        if sent != Some(tk.token.as_str()) || now >= tk.expires {
            return Err(ApiError::new(
                403,
                "InvalidAccessKeyId",
                "The security token is missing, invalid or expired.",
            ));
        }
    }
    Ok(principal(Provider::Tencent, &auth.secret_id, temp.as_ref()))
}
