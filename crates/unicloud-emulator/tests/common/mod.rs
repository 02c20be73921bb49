//! Helpers shared by the integration tests: raw HTTP over TCP and a TC3 signer.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::PathBuf;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use unicloud_tencent::sign::{Credential, Payload, tc3};

/// A parsed HTTP response.
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Resp {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Sends raw bytes (which must ask for `Connection: close`) and reads the whole answer.
pub(crate) async fn send_raw(addr: SocketAddr, raw: &[u8]) -> Resp {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(raw).await.unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf).await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Resp {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// Builds a raw request from a method, target, headers and body (adds Content-Length and
/// `Connection: close`).
pub(crate) fn build_raw(
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\n");
    for (k, v) in headers {
        if k.eq_ignore_ascii_case("connection") || k.eq_ignore_ascii_case("content-length") {
            continue;
        }
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Signs and sends a Tencent API 3.0 call; returns the `Response` object.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn tc_call(
    addr: SocketAddr,
    id: &str,
    key: &str,
    token: Option<&str>,
    service: &str,
    action: &str,
    region: &str,
    body: &str,
    ts: i64,
) -> serde_json::Value {
    let host = format!("{service}.tencentcloudapi.com");
    let mut headers = vec![
        ("Host".to_owned(), host),
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("X-TC-Action".to_owned(), action.to_owned()),
        (
            "X-TC-Version".to_owned(),
            match service {
                "sts" => "2018-08-13",
                "clb" => "2018-03-17",
                _ => "2017-03-12",
            }
            .to_owned(),
        ),
        ("X-TC-Timestamp".to_owned(), ts.to_string()),
        ("X-TC-Region".to_owned(), region.to_owned()),
    ];
    if let Some(t) = token {
        headers.push(("X-TC-Token".to_owned(), t.to_owned()));
    }
    let hdrs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let req = tc3::Tc3Request {
        method: "POST",
        canonical_uri: "/",
        canonical_query: "",
        headers: &hdrs,
        signed_headers: &["content-type", "host"],
        payload: Payload::Bytes(body.as_bytes()),
    };
    let sig = tc3::sign(&req, &Credential::new(id, key), service, ts).unwrap();
    headers.push(("Authorization".to_owned(), sig.authorization));
    let resp = send_raw(addr, &build_raw("POST", "/", &headers, body.as_bytes())).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    resp.json()["Response"].clone()
}

/// A file under the shared vendor material; panics (fails the test) when it is missing.
pub(crate) fn shared_file(rel: &str) -> PathBuf {
    let p = unicloud_testkit::fixtures::shared_dir().join(rel);
    assert!(p.exists(), "missing shared vendor file {}", p.display());
    p
}

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Signs (SigV4, region `us-east-1`) and sends an AWS Query POST for `service`.
pub(crate) async fn aws_query_call(
    addr: SocketAddr,
    id: &str,
    secret: &str,
    service: &str,
    params: &[(&str, &str)],
) -> Resp {
    use unicloud_core::signing::{hmac_sha256, rfc3986_encode as enc, sha256_hex};
    let host = format!("{service}.us-east-1.amazonaws.com");
    let body = params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let t = time::OffsetDateTime::now_utc();
    let amz_date = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let date = &amz_date[..8];
    let ctype = "application/x-www-form-urlencoded; charset=utf-8";
    let creq = format!(
        "POST\n/\n\ncontent-type:{ctype}\nhost:{host}\nx-amz-date:{amz_date}\n\ncontent-type;host;x-amz-date\n{}",
        sha256_hex(body.as_bytes())
    );
    let scope = format!("{date}/us-east-1/{service}/aws4_request");
    let sts = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(creq.as_bytes())
    );
    let mut key = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    for part in ["us-east-1", service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    let sig = hex::encode(hmac_sha256(&key, sts.as_bytes()));
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={id}/{scope}, SignedHeaders=content-type;host;x-amz-date, Signature={sig}"
    );
    let headers = vec![
        ("Host".to_owned(), host),
        ("Content-Type".to_owned(), ctype.to_owned()),
        ("X-Amz-Date".to_owned(), amz_date.clone()),
        ("Authorization".to_owned(), auth),
    ];
    send_raw(addr, &build_raw("POST", "/", &headers, body.as_bytes())).await
}
