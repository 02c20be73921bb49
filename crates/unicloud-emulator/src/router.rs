//! Which cloud, and which kind of service, a request is for, from what it carries.
//!
//! One listener serves every cloud, so the protocol decides. The rule, in order (the first
//! that matches wins):
//!
//! 1. an `X-TC-Action` header → Tencent Cloud API 3.0;
//! 2. an `AWS4-HMAC-SHA256` Authorization → AWS: object storage when its scope names `s3`,
//!    else the Query API;
//! 3. a COS Authorization (`q-sign-algorithm=…`) → Tencent COS; an OSS one (`OSS …`,
//!    `OSS4-HMAC-SHA256 …`) → Alibaba OSS;
//! 4. a presigned query: `X-Amz-Credential` → AWS (S3 when its scope names `s3`),
//!    `q-sign-algorithm` → COS, `OSSAccessKeyId` or `x-oss-credential` → OSS;
//! 5. a bucket-style host (port ignored, any case): a label `s3` or starting `s3-` /
//!    `s3.` (`bucket.s3.localhost`, `s3.us-east-1.amazonaws.com`) → S3; a label `cos`
//!    (`bucket-1250000000.cos.ap-guangzhou.myqcloud.com`) → COS; a label starting `oss-`
//!    (`bucket.oss-cn-hangzhou.aliyuncs.com`) → OSS;
//! 6. a `SecretId` parameter in the query or a form body (Tencent's legacy v1 signature) →
//!    Tencent; `x-acs-action`, an ACS3 Authorization or an `Action=` query → Alibaba's RPC
//!    API; an `Action=` form body → AWS's Query API;
//! 7. anything else is not routed (`400`, or `200` for `GET /`, a liveness check).
//!
//! Rules 1–5 read only the request head, so object-storage requests are routed before their
//! body is read (the handler decides how much of it to take); only rule 6 needs the body, and
//! API bodies are small and buffered up to the configured limit. Within a cloud, the service
//! and action are found by the vendor's front-end (see the crate docs).

use unicloud_core::Provider;

use crate::server::Incoming;

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// A cloud's RPC-style API (EC2/STS Query, Tencent API 3.0 and v1, Alibaba RPC).
    Api(Provider),
    /// A cloud's object storage (S3, COS, OSS), REST-style.
    Storage(Provider),
    /// No cloud recognised.
    Unknown,
}

/// The route, when the head alone decides it (rules 1–5); `None` when the body must be read.
pub(crate) fn route_head(req: &Incoming) -> Option<Route> {
    if req.header("x-tc-action").is_some() {
        return Some(Route::Api(Provider::Tencent));
    }
    let auth = req.header("authorization").unwrap_or_default().trim();
    if auth.starts_with("AWS4-HMAC-SHA256") {
        return Some(if sigv4_service(auth) == Some("s3") {
            Route::Storage(Provider::Aws)
        } else {
            Route::Api(Provider::Aws)
        });
    }
    if auth.starts_with("q-sign-algorithm=") {
        return Some(Route::Storage(Provider::Tencent));
    }
    if auth.starts_with("OSS ") || auth.starts_with("OSS4-HMAC-SHA256") {
        return Some(Route::Storage(Provider::Alibaba));
    }
    if let Some(cred) = param(&req.query, "X-Amz-Credential") {
        let decoded = crate::util::percent_decode(cred, false);
        return Some(if decoded.split('/').nth(3) == Some("s3") {
            Route::Storage(Provider::Aws)
        } else {
            Route::Api(Provider::Aws)
        });
    }
    if param(&req.query, "q-sign-algorithm").is_some() {
        return Some(Route::Storage(Provider::Tencent));
    }
    if param(&req.query, "OSSAccessKeyId").is_some()
        || param(&req.query, "x-oss-credential").is_some()
    {
        return Some(Route::Storage(Provider::Alibaba));
    }
    storage_host(&req.host).map(Route::Storage)
}

/// The full route (rules 1–7), the body included.
pub(crate) fn route(req: &Incoming) -> Route {
    if let Some(r) = route_head(req) {
        return r;
    }
    let auth = req.header("authorization").unwrap_or_default();
    let form = req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let body = String::from_utf8_lossy(&req.body);
    if param(&req.query, "SecretId").is_some() || (form && param(&body, "SecretId").is_some()) {
        return Route::Api(Provider::Tencent);
    }
    if req.header("x-acs-action").is_some()
        || auth.starts_with("ACS3-")
        || req.query.split('&').any(|p| p.starts_with("Action="))
    {
        return Route::Api(Provider::Alibaba);
    }
    if body.split('&').any(|p| p.starts_with("Action=")) {
        return Route::Api(Provider::Aws);
    }
    Route::Unknown
}

/// The credential scope's parts (`Credential=a/b/c/…`, up to `,` or a space).
fn scope(authorization: &str) -> Option<Vec<&str>> {
    let cred = authorization.split("Credential=").nth(1)?;
    Some(cred.split([',', ' ']).next()?.split('/').collect())
}

/// The service of a SigV4 scope (`AK/20150830/us-east-1/iam/aws4_request` → `iam`).
pub(crate) fn sigv4_service(authorization: &str) -> Option<&str> {
    match scope(authorization)?.as_slice() {
        [_, _, _, service, "aws4_request"] => Some(service),
        _ => None,
    }
}

/// The service of a TC3 scope (`AKID/2019-02-25/cvm/tc3_request` → `cvm`).
pub(crate) fn tc3_service(authorization: &str) -> Option<&str> {
    match scope(authorization)?.as_slice() {
        [_, _, service, "tc3_request"] => Some(service),
        _ => None,
    }
}

/// The raw value of parameter `name` in a raw query or form.
fn param<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.split('&').find_map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (k == name).then_some(v)
    })
}

/// The object-storage cloud a bucket-style host names (rule 5).
fn storage_host(host: &str) -> Option<Provider> {
    let host = host.trim();
    // Drop a port; an IPv6 literal has no bucket labels anyway.
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.to_ascii_lowercase();
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return None;
    }
    if labels.iter().any(|l| *l == "s3" || l.starts_with("s3-")) {
        return Some(Provider::Aws);
    }
    if labels.contains(&"cos") {
        return Some(Provider::Tencent);
    }
    if labels.iter().any(|l| l.starts_with("oss-")) {
        return Some(Provider::Alibaba);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;

    fn req(target: &str, headers: &[(&str, &str)], body: &str) -> Incoming {
        Incoming::from_parts(
            "POST",
            target,
            headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            Bytes::from(body.to_owned()),
        )
    }

    #[test]
    fn the_documented_rule() {
        use Provider::{Alibaba, Aws, Tencent};
        let sig = |svc: &str| {
            format!(
                "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/{svc}/aws4_request, SignedHeaders=host, Signature=0"
            )
        };
        let cases: Vec<(Incoming, Route)> = vec![
            (
                req("/", &[("x-tc-action", "DescribeInstances")], ""),
                Route::Api(Tencent),
            ),
            (
                req("/", &[("authorization", &sig("ec2"))], ""),
                Route::Api(Aws),
            ),
            (
                req("/b/k", &[("authorization", &sig("s3"))], ""),
                Route::Storage(Aws),
            ),
            (
                req(
                    "/",
                    &[("authorization", &sig("s3")), ("host", "x.cos.y.com")],
                    "",
                ),
                Route::Storage(Aws),
            ),
            (
                req(
                    "/k",
                    &[("authorization", "q-sign-algorithm=sha1&q-ak=AKID")],
                    "",
                ),
                Route::Storage(Tencent),
            ),
            (
                req("/k", &[("authorization", "OSS LTAI:sig")], ""),
                Route::Storage(Alibaba),
            ),
            (
                req(
                    "/k",
                    &[("authorization", "OSS4-HMAC-SHA256 Credential=x")],
                    "",
                ),
                Route::Storage(Alibaba),
            ),
            (
                req(
                    "/k?X-Amz-Credential=AK%2F20240101%2Fus-east-1%2Fs3%2Faws4_request",
                    &[],
                    "",
                ),
                Route::Storage(Aws),
            ),
            (
                req("/k?q-sign-algorithm=sha1", &[], ""),
                Route::Storage(Tencent),
            ),
            (
                req("/k?OSSAccessKeyId=LTAI&Signature=x", &[], ""),
                Route::Storage(Alibaba),
            ),
            (
                req("/k", &[("host", "bucket.s3.localhost:4566")], ""),
                Route::Storage(Aws),
            ),
            (
                req("/k", &[("host", "s3.us-east-1.amazonaws.com")], ""),
                Route::Storage(Aws),
            ),
            (
                req(
                    "/k",
                    &[("host", "Bucket-1250000000.COS.ap-guangzhou.myqcloud.com")],
                    "",
                ),
                Route::Storage(Tencent),
            ),
            (
                req("/k", &[("host", "bucket.oss-cn-hangzhou.aliyuncs.com")], ""),
                Route::Storage(Alibaba),
            ),
            (
                req("/?SecretId=AKID&Action=X", &[], ""),
                Route::Api(Tencent),
            ),
            (
                req(
                    "/",
                    &[("content-type", "application/x-www-form-urlencoded")],
                    "SecretId=AKID",
                ),
                Route::Api(Tencent),
            ),
            (
                req("/?Action=DescribeInstances", &[], ""),
                Route::Api(Alibaba),
            ),
            (
                req("/", &[("x-acs-action", "DescribeInstances")], ""),
                Route::Api(Alibaba),
            ),
            (
                req("/", &[], "Action=DescribeInstances&Version=2016-11-15"),
                Route::Api(Aws),
            ),
            (req("/", &[("host", "127.0.0.1:4566")], ""), Route::Unknown),
            (req("/", &[("host", "s3")], ""), Route::Unknown),
            (req("/", &[("host", "[::1]:4566")], ""), Route::Unknown),
        ];
        for (r, want) in cases {
            assert_eq!(route(&r), want, "{r:?}");
        }
    }

    /// Every request the vendors' own SDKs sent (shared/wire-captures) is routed to its
    /// cloud and kind, and each TC3 scope names the service in the capture's name: the rule is
    /// pinned to real traffic, not only to requests our own clients build.
    #[test]
    fn every_captured_sdk_request_is_routed_to_its_cloud() {
        use unicloud_testkit::capture::Capture;
        let dir = unicloud_testkit::fixtures::wire_captures_dir();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".txt") && n.as_bytes()[0].is_ascii_digit())
            .collect();
        names.sort();
        assert!(names.len() >= 50, "{names:?}");
        for name in names {
            let cap = Capture::load(&name[..3]).unwrap();
            let r = Incoming::from_parts(
                &cap.method,
                &cap.target,
                cap.headers.clone(),
                Bytes::from(cap.body.clone()),
            );
            let kind = name.split('-').nth(1).unwrap_or_default();
            let want = match kind {
                "tc" => Route::Api(Provider::Tencent),
                "ali" => Route::Api(Provider::Alibaba),
                "cos" => Route::Storage(Provider::Tencent),
                k if k.starts_with("oss") => Route::Storage(Provider::Alibaba),
                other => panic!("{name}: no expectation for `{other}`"),
            };
            assert_eq!(route(&r), want, "{name}");
            if let Some(service) = r.header("authorization").and_then(tc3_service) {
                assert_eq!(Some(service), name.split('-').nth(2), "{name}");
            }
        }
    }

    #[test]
    fn scopes_of_both_signature_families() {
        assert_eq!(
            tc3_service(
                "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm/tc3_request, SignedHeaders=x"
            ),
            Some("cvm")
        );
        // Each family reads only its own scope form.
        assert_eq!(
            sigv4_service("AWS4-HMAC-SHA256 Credential=AKID/20261203/s3/tc3_request"),
            None
        );
        assert_eq!(
            tc3_service("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/sts/aws4_request"),
            None
        );
        assert_eq!(
            sigv4_service("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/sts/aws4_request"),
            Some("sts")
        );
        assert_eq!(sigv4_service("AWS4-HMAC-SHA256 Credential=/"), None);
        assert_eq!(sigv4_service(""), None);
    }
}
