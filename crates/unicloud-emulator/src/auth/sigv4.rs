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
    let payload = req
        .header("x-amz-content-sha256")
        .map(str::to_owned)
        .unwrap_or_else(|| sha256_hex(&req.body));
    let query = parse_pairs(&req.query, false);
    let (creq, _, sts) = string_to_sign(
        req,
        &sigv4_canonical_uri(&req.path),
        query.iter(),
        auth,
        amz_date,
        &payload,
    )?;
    let key = signing_key(secret, &auth.date, &auth.region, &auth.service);
    let sig = hex::encode(hmac_sha256(&key, sts.as_bytes()));
    Some((creq, sts, sig))
}

/// The canonical request and string to sign of a received request, as both SigV4 forms (the
/// query APIs and S3's REST) build them: `query`'s pairs encoded and sorted, the signed
/// headers with their values folded (`None` when one is missing), `payload` as the body hash.
/// Returns the canonical request, the credential scope and the string to sign.
fn string_to_sign<'a>(
    req: &Incoming,
    canonical_uri: &str,
    query: impl Iterator<Item = &'a (String, String)>,
    auth: &SigV4Auth,
    amz_date: &str,
    payload: &str,
) -> Option<(String, String, String)> {
    let mut q: Vec<(String, String)> = query.map(|(k, v)| (rfc3986(k), rfc3986(v))).collect();
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
    Some((creq, scope, sts))
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

/// What an S3 request's signature check leaves for the body: who signed, the region of the
/// scope, the payload mode the signature covers and, for signed `aws-chunked` bodies, what
/// checks the chunk signatures.
#[derive(Debug)]
pub(crate) struct S3Verified {
    pub(crate) principal: Principal,
    pub(crate) region: String,
    /// `x-amz-content-sha256` as sent (`UNSIGNED-PAYLOAD` for presigned URLs without it).
    pub(crate) content_sha256: String,
    pub(crate) chunk_signer: Option<crate::storage::ChunkSigner>,
}

fn s3_error(status: u16, code: &str, message: &str) -> ApiError {
    ApiError::new(status, code, message)
}

/// The S3 canonical URI: the path as sent, each segment decoded and RFC 3986-encoded once,
/// empty and dot segments kept (S3 does not normalise).
fn s3_canonical_uri(path: &str) -> String {
    path.split('/')
        .map(|seg| rfc3986(&percent_decode(seg, false)))
        .collect::<Vec<_>>()
        .join("/")
}

fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request").to_vec()
}

/// Verifies an S3 request signed with SigV4: an `Authorization` header, or a presigned
/// query (`X-Amz-Signature`). Errors are S3's (403 `SignatureDoesNotMatch`,
/// `InvalidAccessKeyId`, `RequestTimeTooSkewed`, `AccessDenied` …).
pub(crate) fn verify_s3(
    keys: &KeyStore,
    now: SystemTime,
    req: &Incoming,
) -> Result<S3Verified, ApiError> {
    let query = parse_pairs(&req.query, false);
    let qp = |n: &str| query.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let presigned = qp("X-Amz-Signature").is_some() && req.header("authorization").is_none();
    let (auth, amz_date) = if presigned {
        if qp("X-Amz-Algorithm").as_deref() != Some("AWS4-HMAC-SHA256") {
            return Err(s3_error(
                400,
                "AuthorizationQueryParametersError",
                "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
            ));
        }
        let header = format!(
            "AWS4-HMAC-SHA256 Credential={}, SignedHeaders={}, Signature={}",
            qp("X-Amz-Credential").unwrap_or_default(),
            qp("X-Amz-SignedHeaders").unwrap_or_default(),
            qp("X-Amz-Signature").unwrap_or_default()
        );
        let auth = parse_sigv4(&header).ok_or_else(|| {
            s3_error(
                400,
                "AuthorizationQueryParametersError",
                "Query-string authentication requires the X-Amz-Credential, X-Amz-SignedHeaders and X-Amz-Signature parameters.",
            )
        })?;
        (auth, qp("X-Amz-Date").unwrap_or_default())
    } else {
        let Some(value) = req.header("authorization") else {
            return Err(s3_error(403, "AccessDenied", "Access Denied"));
        };
        let auth = parse_sigv4(value).ok_or_else(|| {
            s3_error(
                400,
                "AuthorizationHeaderMalformed",
                "The authorization header is malformed.",
            )
        })?;
        (
            auth,
            req.header("x-amz-date").unwrap_or_default().to_owned(),
        )
    };
    let (secret, temp) = match keys.lookup(Provider::Aws, &auth.access_key_id) {
        None => {
            return Err(s3_error(
                403,
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
            ));
        }
        Some(Lookup::Static(s)) => (s, None),
        Some(Lookup::Temp(t)) => (t.secret.clone(), Some(t)),
    };
    let Some(ts) = parse_amz_date(&amz_date) else {
        return Err(s3_error(
            403,
            "AccessDenied",
            "AWS authentication requires a valid Date or x-amz-date header",
        ));
    };
    let bad_sig = || {
        s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        )
    };
    if !amz_date.starts_with(&auth.date) {
        return Err(bad_sig());
    }
    if presigned {
        let expires: i64 = qp("X-Amz-Expires")
            .and_then(|e| e.parse().ok())
            .filter(|e| (1..=604_800).contains(e))
            .ok_or_else(|| {
                s3_error(
                    400,
                    "AuthorizationQueryParametersError",
                    "X-Amz-Expires must be between 1 and 604800 seconds.",
                )
            })?;
        let t = unix(now);
        if t > ts + expires || ts - t > MAX_SKEW_SECS {
            return Err(s3_error(403, "AccessDenied", "Request has expired"));
        }
    } else if (unix(now) - ts).abs() > MAX_SKEW_SECS {
        return Err(s3_error(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        ));
    }
    let content_sha256 = match req.header("x-amz-content-sha256") {
        Some(v) => v.trim().to_owned(),
        None if presigned => "UNSIGNED-PAYLOAD".to_owned(),
        None => {
            return Err(s3_error(
                400,
                "InvalidRequest",
                "Missing required header for this request: x-amz-content-sha256",
            ));
        }
    };
    let known_mode = matches!(
        content_sha256.as_str(),
        "UNSIGNED-PAYLOAD"
            | "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
            | "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
            | "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    ) || (content_sha256.len() == 64
        && content_sha256.bytes().all(|b| b.is_ascii_hexdigit()));
    if !known_mode {
        return Err(s3_error(
            400,
            "InvalidArgument",
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid SHA-256 hex digest",
        ));
    }
    let (_, scope, sts) = string_to_sign(
        req,
        &s3_canonical_uri(&req.path),
        query
            .iter()
            .filter(|(k, _)| !(presigned && k == "X-Amz-Signature")),
        &auth,
        &amz_date,
        &content_sha256,
    )
    .ok_or_else(bad_sig)?;
    let key = signing_key(&secret, &auth.date, &auth.region, &auth.service);
    let sig = hex::encode(hmac_sha256(&key, sts.as_bytes()));
    if !ct_eq(sig.as_bytes(), auth.signature.as_bytes()) {
        return Err(bad_sig());
    }
    let token = req
        .header("x-amz-security-token")
        .map(str::to_owned)
        .or_else(|| qp("X-Amz-Security-Token"));
    match &temp {
        None if token.is_some() => {
            return Err(s3_error(
                400,
                "InvalidToken",
                "The provided token is malformed or otherwise invalid.",
            ));
        }
        Some(t) if token.as_deref() != Some(t.token.as_str()) => {
            return Err(s3_error(
                400,
                "InvalidToken",
                "The provided token is malformed or otherwise invalid.",
            ));
        }
        Some(t) if now >= t.expires => {
            return Err(s3_error(
                400,
                "ExpiredToken",
                "The provided token has expired.",
            ));
        }
        _ => {}
    }
    let chunk_signer = content_sha256
        .starts_with("STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
        .then(|| crate::storage::ChunkSigner {
            signing_key: key,
            amz_date: amz_date.clone(),
            scope,
            seed: sig,
        });
    Ok(S3Verified {
        principal: principal(Provider::Aws, &auth.access_key_id, temp.as_ref()),
        region: auth.region,
        content_sha256,
        chunk_signer,
    })
}
