//! AWS Signature Version 4 (header-signed requests), verified here: nothing else in the
//! workspace implements it. Its tests run the official aws-sig-v4 suite.

use super::keys::Lookup;
use super::*;

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
