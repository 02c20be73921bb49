//! No input makes the emulator panic, hang or answer outside its vendor's error shape.
//!
//! One emulator runs on `127.0.0.1:0` in a runtime of its own; every case is one raw HTTP/1.1
//! request over a fresh TCP connection, read with a client time-out (a hang fails the case).
//! The properties send arbitrary methods, paths, queries, headers (malformed `Authorization`,
//! `X-TC-*`, `x-acs-*`, SigV4 scopes, non-ASCII values) and bodies (random bytes, truncated,
//! huge or deeply nested JSON, invalid UTF-8, random forms), unsigned and validly signed, and
//! check that the answer is well-formed HTTP in the shape of the protocol the request was routed
//! to: Tencent a 200 JSON `{"Response": {..., "RequestId"}}` (an `Error` with `Code` and
//! `Message` when it failed); Alibaba JSON with `RequestId`, and `Code`/`Message` with a 4xx
//! when it failed; AWS well-formed XML, `<...Response>` on success and an `<Error>` with a
//! `<Code>` and a 4xx otherwise. Inputs that once broke the emulator are kept as plain tests
//! at the end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use serde_json::Value;
use unicloud_alibaba::sign::rpc_v1;
use unicloud_core::Provider;
use unicloud_core::signing::{hmac_sha256, rfc3986_encode as enc, sha256_hex};
use unicloud_emulator::{Emulator, Instance};
use unicloud_tencent::sign::hmac_v1::{self, SignatureMethod};
use unicloud_tencent::sign::{Credential, Payload, tc3};

const AWS: (&str, &str) = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
const TENCENT: (&str, &str) = ("AKIDrobustnessTencent", "robustness-tencent-secret");
const ALIBABA: (&str, &str) = ("LTAIrobustness", "robustness-alibaba-secret");
/// Per-request client time-out: generous for a loaded 2-core machine, short next to a hang.
const TIMEOUT: Duration = Duration::from_secs(20);
const CASES: u32 = 256;

// ---------------------------------------------------------------------------------------------
// The server and a raw HTTP client
// ---------------------------------------------------------------------------------------------

/// The shared emulator, started once on a runtime thread of its own, with one seeded instance
/// per cloud whose fields are long runs of one letter (for the EC2 wildcard filters).
fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let emu = Emulator::builder()
                    .key(Provider::Aws, AWS.0, AWS.1)
                    .key(Provider::Tencent, TENCENT.0, TENCENT.1)
                    .key(Provider::Alibaba, ALIBABA.0, ALIBABA.1)
                    .bucket(Provider::Aws, "robust")
                    .start()
                    .await
                    .unwrap();
                let long = "a".repeat(64);
                for (p, region, id) in [
                    (Provider::Aws, "us-east-1", "i-0123456789abcdef0"),
                    (Provider::Tencent, "ap-guangzhou", "ins-robust01"),
                    (Provider::Alibaba, "cn-hangzhou", "i-bp1robustness0001"),
                ] {
                    let mut i = Instance::template(p, region, id);
                    i.name = long.clone();
                    i.client_token = long.clone();
                    i.tags = vec![("Name".to_owned(), long.clone())];
                    emu.seed_instance(p, i);
                }
                tx.send(emu.addr()).unwrap();
                // Serve until the test process exits.
                std::future::pending::<()>().await;
            });
        });
        rx.recv().unwrap()
    })
}

/// A response as read off the socket, framing checked.
#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `raw` (which asks for `Connection: close`) and reads the whole answer, failing on a
/// time-out or on anything that is not a well-formed HTTP/1.1 response.
fn send(raw: &[u8]) -> Result<Resp, String> {
    let mut s = TcpStream::connect(server()).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s.set_write_timeout(Some(TIMEOUT)).unwrap();
    // The server may answer (and close) before reading a whole large body; the answer counts.
    let _ = s.write_all(raw);
    let mut buf = Vec::new();
    if let Err(e) = s.read_to_end(&mut buf)
        && buf.is_empty()
    {
        return Err(format!("no response (hang or reset?): {e}"));
    }
    parse_response(&buf)
}

fn parse_response(buf: &[u8]) -> Result<Resp, String> {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no header end in {:?}", String::from_utf8_lossy(buf)))?;
    let head = std::str::from_utf8(&buf[..end]).map_err(|e| format!("head not UTF-8: {e}"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    if parts.next() != Some("HTTP/1.1") {
        return Err(format!("bad status line {status_line:?}"));
    }
    let status: u16 = parts
        .next()
        .and_then(|c| c.parse().ok())
        .filter(|c| (100..600).contains(c))
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let mut headers = Vec::new();
    for l in lines {
        let (k, v) = l
            .split_once(':')
            .ok_or_else(|| format!("bad header line {l:?}"))?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let mut resp = Resp {
        status,
        headers,
        body: Vec::new(),
    };
    let rest = &buf[end + 4..];
    if let Some(len) = resp.header("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| format!("bad content-length {len}"))?;
        if rest.len() != len {
            return Err(format!(
                "content-length {len} but {} body bytes (connection dropped?)",
                rest.len()
            ));
        }
        resp.body = rest.to_vec();
    } else if resp
        .header("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        resp.body = dechunk(rest)?;
    } else {
        resp.body = rest.to_vec();
    }
    Ok(resp)
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("truncated chunk size")?;
        let size = std::str::from_utf8(&rest[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok())
            .ok_or("bad chunk size")?;
        rest = &rest[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if rest.len() < size + 2 {
            return Err("truncated chunk".to_owned());
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// A raw request: the request line, `headers` as given (values may hold obs-text bytes), a
/// `Content-Length`, `Connection: close` and `body`.
fn build(method: &str, target: &str, headers: &[(String, Vec<u8>)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
    for (k, v) in headers {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out.extend_from_slice(body);
    out
}

fn text_headers(h: &[(&str, String)]) -> Vec<(String, Vec<u8>)> {
    h.iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone().into_bytes()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Oracles: which cloud a request is routed to, and that cloud's answer shape
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Tencent,
    Alibaba,
    Aws,
    /// Object storage, by its request-id header (S3, COS, OSS).
    Storage(&'static str),
    Unknown,
}

/// The raw value of parameter `name` in a raw query.
fn param<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.split('&').find_map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (k == name).then_some(v)
    })
}

/// The service of a SigV4 credential scope.
fn sigv4_scope(auth: &str) -> Option<String> {
    let cred = auth.split("Credential=").nth(1)?.split([',', ' ']).next()?;
    let parts: Vec<&str> = cred.split('/').collect();
    (parts.len() == 5 && parts[4] == "aws4_request").then(|| parts[3].to_owned())
}

/// Rule 5 of the router: the storage a bucket-style host names.
fn storage_host(host: &str) -> Option<Route> {
    let name = match host.rsplit_once(':') {
        Some((n, port)) if port.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => host,
    }
    .to_ascii_lowercase();
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        None
    } else if labels.iter().any(|l| *l == "s3" || l.starts_with("s3-")) {
        Some(Route::Storage("x-amz-request-id"))
    } else if labels.contains(&"cos") {
        Some(Route::Storage("x-cos-request-id"))
    } else if labels.iter().any(|l| l.starts_with("oss-")) {
        Some(Route::Storage("x-oss-request-id"))
    } else {
        None
    }
}

fn has_param(raw: &str, name: &str) -> bool {
    raw.split('&')
        .any(|p| p.split_once('=').map_or(p, |(k, _)| k) == name)
}

/// The documented routing rule (the `router` module's docs), over the headers the server can
/// read as text (a value with a byte outside visible ASCII is not readable and does not count).
fn expected_route(target: &str, headers: &[(String, Vec<u8>)], body: &[u8]) -> Route {
    let readable = |name: &str| {
        headers
            .iter()
            .filter(|(k, v)| {
                k.eq_ignore_ascii_case(name)
                    && v.iter().all(|b| *b == b'\t' || (0x20..0x7f).contains(b))
            })
            .map(|(_, v)| String::from_utf8_lossy(v).trim().to_owned())
            .next()
    };
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let body_text = String::from_utf8_lossy(body);
    if readable("x-tc-action").is_some() {
        return Route::Tencent;
    }
    let auth = readable("authorization").unwrap_or_default();
    if auth.starts_with("AWS4-HMAC-SHA256") {
        return if sigv4_scope(&auth).as_deref() == Some("s3") {
            Route::Storage("x-amz-request-id")
        } else {
            Route::Aws
        };
    }
    if auth.starts_with("q-sign-algorithm=") {
        return Route::Storage("x-cos-request-id");
    }
    if auth.starts_with("OSS ") || auth.starts_with("OSS4-HMAC-SHA256") {
        return Route::Storage("x-oss-request-id");
    }
    if let Some(cred) = param(query, "X-Amz-Credential") {
        let decoded = percent_encoding::percent_decode_str(cred)
            .decode_utf8_lossy()
            .into_owned();
        return if decoded.split('/').nth(3) == Some("s3") {
            Route::Storage("x-amz-request-id")
        } else {
            Route::Aws
        };
    }
    if param(query, "q-sign-algorithm").is_some() {
        return Route::Storage("x-cos-request-id");
    }
    if param(query, "OSSAccessKeyId").is_some() || param(query, "x-oss-credential").is_some() {
        return Route::Storage("x-oss-request-id");
    }
    if let Some(r) = readable("host").and_then(|h| storage_host(&h)) {
        return r;
    }
    let form = readable("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if has_param(query, "SecretId") || (form && has_param(&body_text, "SecretId")) {
        return Route::Tencent;
    }
    if readable("x-acs-action").is_some()
        || auth.starts_with("ACS3-")
        || query.split('&').any(|p| p.starts_with("Action="))
    {
        return Route::Alibaba;
    }
    if body_text.split('&').any(|p| p.starts_with("Action=")) {
        return Route::Aws;
    }
    Route::Unknown
}

fn check(route: Route, r: &Resp) -> Result<(), String> {
    let ctx = || {
        format!(
            "status {} headers {:?} body {:?}",
            r.status,
            r.headers,
            r.text()
        )
    };
    match route {
        Route::Tencent => check_tencent(r).map_err(|e| format!("Tencent shape: {e}; {}", ctx())),
        Route::Alibaba => check_alibaba(r).map_err(|e| format!("Alibaba shape: {e}; {}", ctx())),
        Route::Aws => check_aws(r).map_err(|e| format!("AWS shape: {e}; {}", ctx())),
        Route::Storage(id_header) => {
            check_storage(r, id_header).map_err(|e| format!("storage shape: {e}; {}", ctx()))
        }
        Route::Unknown => {
            if r.status == 400 || r.status == 200 {
                Ok(())
            } else {
                Err(format!("unrouted request: {}", ctx()))
            }
        }
    }
}

fn check_tencent(r: &Resp) -> Result<(), String> {
    if r.status != 200 {
        return Err("status is not 200".into());
    }
    if r.header("content-type") != Some("application/json") {
        return Err("content-type is not exactly application/json".into());
    }
    let v: Value = serde_json::from_slice(&r.body).map_err(|e| format!("not JSON: {e}"))?;
    let resp = v
        .get("Response")
        .and_then(Value::as_object)
        .ok_or("no Response object")?;
    if !resp.get("RequestId").is_some_and(Value::is_string) {
        return Err("no Response.RequestId".into());
    }
    if let Some(e) = resp.get("Error") {
        let code = e.get("Code").and_then(Value::as_str).unwrap_or_default();
        if code.is_empty() || !e.get("Message").is_some_and(Value::is_string) {
            return Err("Response.Error without Code/Message".into());
        }
    }
    Ok(())
}

fn check_alibaba(r: &Resp) -> Result<(), String> {
    if !r
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json"))
    {
        return Err("content-type is not JSON".into());
    }
    let v: Value = serde_json::from_slice(&r.body).map_err(|e| format!("not JSON: {e}"))?;
    if !v.get("RequestId").is_some_and(Value::is_string) {
        return Err("no RequestId".into());
    }
    if (200..300).contains(&r.status) {
        return Ok(());
    }
    if !(400..500).contains(&r.status) {
        return Err("an error that is not a 4xx".into());
    }
    let code = v.get("Code").and_then(Value::as_str).unwrap_or_default();
    if code.is_empty() || !v.get("Message").is_some_and(Value::is_string) {
        return Err("error without Code/Message".into());
    }
    Ok(())
}

/// Object storage: the vendor's request-id header on every answer; a 2xx, or an XML
/// `<Error>` with a `<Code>` and a 4xx/5xx (HEAD errors carry no body and no content type).
fn check_storage(r: &Resp, id_header: &str) -> Result<(), String> {
    if r.header(id_header).is_none() {
        return Err(format!("no {id_header} header"));
    }
    let text = std::str::from_utf8(&r.body).map_err(|e| format!("body not UTF-8: {e}"))?;
    if (200..300).contains(&r.status) {
        if r.header("content-type").is_some_and(|c| c.contains("xml")) {
            xml_elements(text)?;
        }
        return Ok(());
    }
    if r.status < 400 {
        return Err("neither success nor error".into());
    }
    if r.body.is_empty() && r.header("content-type").is_none() {
        return Ok(());
    }
    let elements = xml_elements(text)?;
    if elements.first().map(String::as_str) != Some("Error")
        || !elements.iter().any(|e| e == "Code")
    {
        return Err("not an <Error><Code> body".into());
    }
    Ok(())
}

/// A validly signed S3 REST request (hex SHA-256 payload), path-style on the emulator's host.
fn s3_rest(method: &str, target: &str, body: &[u8]) -> Vec<u8> {
    let host = "127.0.0.1:4566".to_owned();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let amz_date = iso_now(true);
    let date = &amz_date[..8];
    let payload = sha256_hex(body);
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let uri = path
        .split('/')
        .map(|seg| enc(&decode(seg)))
        .collect::<Vec<_>>()
        .join("/");
    let mut q: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (enc(&decode(k)), enc(&decode(v)))
        })
        .collect();
    q.sort();
    let cq = q
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let creq = format!(
        "{method}\n{uri}\n{cq}\nhost:{host}\nx-amz-content-sha256:{payload}\nx-amz-date:{amz_date}\n\nhost;x-amz-content-sha256;x-amz-date\n{payload}"
    );
    let scope = format!("{date}/us-east-1/s3/aws4_request");
    let sts = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(creq.as_bytes())
    );
    let mut key = hmac_sha256(format!("AWS4{}", AWS.1).as_bytes(), date.as_bytes());
    for part in ["us-east-1", "s3", "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    let sig = hex::encode(hmac_sha256(&key, sts.as_bytes()));
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={sig}",
        AWS.0
    );
    let headers = [
        ("Host", host),
        ("X-Amz-Date", amz_date.clone()),
        ("X-Amz-Content-Sha256", payload),
        ("Authorization", auth),
    ];
    build(method, target, &text_headers(&headers), body)
}

fn check_aws(r: &Resp) -> Result<(), String> {
    if !r
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/xml"))
    {
        return Err("content-type is not text/xml".into());
    }
    let text = std::str::from_utf8(&r.body).map_err(|e| format!("body not UTF-8: {e}"))?;
    let elements = xml_elements(text)?;
    let root = elements.first().ok_or("no root element")?;
    if r.status == 200 {
        return if root.ends_with("Response") && root != "ErrorResponse" {
            Ok(())
        } else {
            Err(format!("a 200 with root <{root}>"))
        };
    }
    if !(400..500).contains(&r.status) {
        return Err("an error that is not a 4xx".into());
    }
    let shaped =
        (root == "Response" && elements.iter().any(|e| e == "Errors")) || root == "ErrorResponse";
    if !shaped || !elements.iter().any(|e| e == "Error") || !elements.iter().any(|e| e == "Code") {
        return Err("not an <Errors><Error><Code> / <ErrorResponse><Error><Code> body".into());
    }
    Ok(())
}

/// Checks that `text` is one well-formed XML document (an optional declaration, one root
/// element, balanced tags, only XML 1.0 characters, entity references that exist) and returns
/// the element names in document order.
fn xml_elements(text: &str) -> Result<Vec<String>, String> {
    if let Some(c) = text.chars().find(|c| {
        !matches!(*c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    }) {
        return Err(format!("character U+{:04X} is not allowed in XML", u32::from(c)));
    }
    let mut rest = text.trim_start();
    if let Some(r) = rest.strip_prefix("<?xml") {
        rest = r.split_once("?>").ok_or("unterminated declaration")?.1;
    }
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut closed_root = false;
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        let (chars, after) = rest.split_at(lt);
        if stack.is_empty() && !chars.trim().is_empty() {
            return Err("text outside the root element".into());
        }
        check_references(chars)?;
        if after.is_empty() {
            break;
        }
        let gt = after.find('>').ok_or("unterminated tag")?;
        let tag = &after[1..gt];
        rest = &after[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name.trim() => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            closed_root = stack.is_empty();
            continue;
        }
        if closed_root {
            return Err("a second root element".into());
        }
        let self_closing = tag.ends_with('/');
        let inner = tag.trim_end_matches('/');
        let name = inner.split_whitespace().next().unwrap_or_default();
        if name.is_empty() || name.contains(['<', '&', '"', '\'']) {
            return Err(format!("bad tag <{tag}>"));
        }
        check_references(inner)?;
        names.push(name.to_owned());
        if self_closing {
            closed_root = stack.is_empty();
        } else {
            stack.push(name.to_owned());
        }
    }
    if !stack.is_empty() || !closed_root {
        return Err(format!("unclosed elements {stack:?}"));
    }
    Ok(names)
}

fn check_references(s: &str) -> Result<(), String> {
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        let after = &rest[amp + 1..];
        let semi = after.find(';').ok_or("a bare & in XML")?;
        let name = &after[..semi];
        let known = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
            || name
                .strip_prefix("#x")
                .is_some_and(|h| u32::from_str_radix(h, 16).is_ok())
            || name
                .strip_prefix('#')
                .is_some_and(|d| d.parse::<u32>().is_ok());
        if !known {
            return Err(format!("unknown reference &{name};"));
        }
        rest = &after[semi + 1..];
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Signers (each cloud's real algorithm; the signed requests exercise what lies past auth)
// ---------------------------------------------------------------------------------------------

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn iso_now(basic: bool) -> String {
    let t = time::OffsetDateTime::now_utc();
    let (y, mo, d) = (t.year(), u8::from(t.month()), t.day());
    let (h, mi, s) = (t.hour(), t.minute(), t.second());
    if basic {
        format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

fn form(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A TC3-signed Tencent API 3.0 request: POST with `body`, or GET with the raw `query`.
fn tencent_tc3(action: &str, get: bool, query: &str, body: &[u8]) -> Vec<u8> {
    let host = "cvm.tencentcloudapi.com".to_owned();
    let ctype = if get {
        "application/x-www-form-urlencoded"
    } else {
        "application/json"
    };
    let ts = now();
    let mut headers = vec![
        ("Host", host),
        ("Content-Type", ctype.to_owned()),
        ("X-TC-Action", action.to_owned()),
        ("X-TC-Version", "2017-03-12".to_owned()),
        ("X-TC-Timestamp", ts.to_string()),
        ("X-TC-Region", "ap-guangzhou".to_owned()),
    ];
    let refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (method, target, body) = if get {
        ("GET", format!("/?{query}"), &b""[..])
    } else {
        ("POST", "/".to_owned(), body)
    };
    let req = tc3::Tc3Request {
        method,
        canonical_uri: "/",
        canonical_query: if get { query } else { "" },
        headers: &refs,
        signed_headers: &["content-type", "host"],
        payload: Payload::Bytes(body),
    };
    let service = tencent_service(action);
    let sig = tc3::sign(&req, &Credential::new(TENCENT.0, TENCENT.1), service, ts).unwrap();
    headers.push(("Authorization", sig.authorization));
    build(method, &target, &text_headers(&headers), body)
}

/// The Tencent product serving `action` (its TC3 scope and host label).
fn tencent_service(action: &str) -> &'static str {
    match action {
        "CreateVpc"
        | "CreateSubnet"
        | "CreateRouteTable"
        | "DescribeRouteTables"
        | "CreateRoutes"
        | "ReplaceRoutes"
        | "DeleteRoutes" => "vpc",
        "AssumeRole" | "GetCallerIdentity" => "sts",
        "CreateLoadBalancer"
        | "CreateListener"
        | "DescribeLoadBalancers"
        | "DescribeListeners"
        | "RegisterTargets"
        | "DeregisterTargets"
        | "DescribeTargets"
        | "DescribeTargetHealth"
        | "DescribeTaskStatus" => "clb",
        _ => "cvm",
    }
}

/// A Tencent legacy v1 (HmacSHA256) GET with `params` besides the common ones.
fn tencent_v1(action: &str, params: &[(String, String)]) -> Vec<u8> {
    let host = &format!("{}.tencentcloudapi.com", tencent_service(action));
    let ts = now().to_string();
    let mut all: Vec<(String, String)> = params.to_vec();
    for (k, v) in [
        ("Action", action),
        ("Version", "2017-03-12"),
        ("Region", "ap-guangzhou"),
        ("Timestamp", ts.as_str()),
        ("Nonce", "4242"),
        ("SecretId", TENCENT.0),
        ("SignatureMethod", "HmacSHA256"),
    ] {
        all.retain(|(n, _)| n != k);
        all.push((k.to_owned(), v.to_owned()));
    }
    let refs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let sig = hmac_v1::sign(
        "GET",
        host,
        "/",
        &refs,
        TENCENT.1,
        SignatureMethod::HmacSha256,
    );
    all.push(("Signature".to_owned(), sig.signature));
    let target = format!("/?{}", form(&all));
    build(
        "GET",
        &target,
        &text_headers(&[("Host", host.to_owned())]),
        b"",
    )
}

/// An Alibaba RPC v1 (HMAC-SHA1) GET with `params` besides the common ones.
fn alibaba_rpc(action: &str, params: &[(String, String)]) -> Vec<u8> {
    let nonce = uuid::Uuid::new_v4().to_string();
    let ts = iso_now(false);
    let version = if matches!(action, "AssumeRole" | "GetCallerIdentity") {
        "2015-04-01"
    } else if ALIBABA_VPC_ACTIONS.contains(&action) {
        "2016-04-28"
    } else if ALIBABA_SLB_ACTIONS.contains(&action) {
        "2014-05-15"
    } else {
        "2014-05-26"
    };
    let mut all: Vec<(String, String)> = params.to_vec();
    for (k, v) in [
        ("Action", action),
        ("AccessKeyId", ALIBABA.0),
        ("Format", "JSON"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", nonce.as_str()),
        ("SignatureVersion", "1.0"),
        ("Timestamp", ts.as_str()),
        ("Version", version),
    ] {
        all.retain(|(n, _)| n != k && n != "Signature");
        all.push((k.to_owned(), v.to_owned()));
    }
    let refs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let sig = rpc_v1::sign("GET", &refs, ALIBABA.1);
    let target = format!(
        "/?{}&Signature={}",
        sig.canonicalized_query,
        enc(&sig.signature)
    );
    build(
        "GET",
        &target,
        &text_headers(&[("Host", "ecs.aliyuncs.com".to_owned())]),
        b"",
    )
}

/// A SigV4-signed AWS Query POST (form body) for `service` (`ec2`, `sts`).
fn aws_query(service: &str, params: &[(String, String)]) -> Vec<u8> {
    let host = format!("{service}.us-east-1.amazonaws.com");
    let body = form(params);
    let amz_date = iso_now(true);
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
    let mut key = hmac_sha256(format!("AWS4{}", AWS.1).as_bytes(), date.as_bytes());
    for part in ["us-east-1", service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    let sig = hex::encode(hmac_sha256(&key, sts.as_bytes()));
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders=content-type;host;x-amz-date, Signature={sig}",
        AWS.0
    );
    let headers = [
        ("Host", host),
        ("Content-Type", ctype.to_owned()),
        ("X-Amz-Date", amz_date.clone()),
        ("Authorization", auth),
    ];
    build("POST", "/", &text_headers(&headers), body.as_bytes())
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Text a parameter value might hold: short words, numbers, ids, wildcards, control and
/// non-ASCII characters, JSON fragments, long runs.
fn value_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9._:/*?-]{0,24}",
        2 => any::<String>(),
        1 => prop_oneof![
            Just(String::new()),
            Just("-1".to_owned()),
            Just("0".to_owned()),
            Just("100".to_owned()),
            Just("101".to_owned()),
            Just("9223372036854775807".to_owned()),
            Just("-9223372036854775808".to_owned()),
            Just("99999999999999999999999".to_owned()),
            Just("1e400".to_owned()),
            Just("true".to_owned()),
            Just("True".to_owned()),
            Just("i-0123456789abcdef0".to_owned()),
            Just("ins-robust01".to_owned()),
            Just("i-bp1robustness0001".to_owned()),
            Just("[\"i-1\",\"i-2\"]".to_owned()),
            Just("[1,{},null]".to_owned()),
            Just("emu0000000000000064".to_owned()),
            Just("emu-7fffffffffffffff".to_owned()),
            Just("emu-18446744073709551615".to_owned()),
            Just("\u{0}\u{1}\u{8}\u{b}\u{c}\u{1f}\u{fffe}\u{ffff}".to_owned()),
            Just("<Error>&amp;&#0;]]>".to_owned()),
            Just("10.0.0.0/16".to_owned()),
            Just("10.0.0.1/16".to_owned()),
            Just("0.0.0.0/0".to_owned()),
            Just("::/0".to_owned()),
            Just("2001:db8::/129".to_owned()),
            Just("10.0.0.0/99999999999".to_owned()),
            Just("255.255.255.255/32".to_owned()),
        ],
        1 => ("[*?ab]{1,40}", 1usize..80).prop_map(|(p, n)| if n % 2 == 0 { p } else { "a".repeat(n) }),
        1 => (1usize..4000).prop_map(|n| "x".repeat(n)),
    ]
}

/// A parameter index: small, at a boundary, or absurd.
fn index_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        30 => (0u64..5).prop_map(|n| n.to_string()),
        1 => Just("100".to_owned()),
        1 => Just("4294967296".to_owned()),
        1 => Just("18446744073709551615".to_owned()),
        1 => Just("99999999999999999999".to_owned()),
        1 => Just("-1".to_owned()),
        1 => Just(String::new()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
    ]
}

/// A flattened parameter name in the style of every vendor (`InstanceIds.0`,
/// `Filter.1.Value.2`, `Tag.3.Key`, `Placement.Zone`, ...), or a random one.
fn param_name_strategy() -> impl Strategy<Value = String> {
    let plain = prop_oneof![
        Just("Action"),
        Just("Version"),
        Just("RegionId"),
        Just("Region"),
        Just("InstanceIds"),
        Just("InstanceId"),
        Just("InstanceName"),
        Just("InstanceType"),
        Just("ImageId"),
        Just("ZoneId"),
        Just("VpcId"),
        Just("VSwitchId"),
        Just("Status"),
        Just("PrivateIpAddresses"),
        Just("PageNumber"),
        Just("PageSize"),
        Just("NextToken"),
        Just("MaxResults"),
        Just("Offset"),
        Just("Limit"),
        Just("Amount"),
        Just("MinCount"),
        Just("MaxCount"),
        Just("InstanceCount"),
        Just("ClientToken"),
        Just("DryRun"),
        Just("Force"),
        Just("RoleArn"),
        Just("RoleSessionName"),
        Just("DurationSeconds"),
        Just("Placement.Zone"),
        Just("Placement.AvailabilityZone"),
        Just("SubnetId"),
        Just("Filters"),
        Just("Filter"),
        Just("Tag"),
        Just("TagSpecification"),
        Just("VirtualPrivateCloud"),
        Just("CidrBlock"),
        Just("DestinationCidrBlock"),
        Just("DestinationIpv6CidrBlock"),
        Just("RouteTableId"),
        Just("GatewayId"),
        Just("InternetGatewayId"),
        Just("NatGatewayId"),
        Just("AvailabilityZone"),
        Just("Routes"),
        Just("RouteId"),
        Just("RouteItemId"),
        Just("GatewayType"),
        Just("RouteTableIds"),
        Just("RouteTableName"),
        Just("RouteTableType"),
        Just("VpcName"),
        Just("SubnetName"),
        Just("VSwitchName"),
        Just("Zone"),
        Just("NextHopType"),
        Just("NextHopId"),
        Just("NewNextHopType"),
        Just("NewNextHopId"),
        Just("RouteEntryId"),
        Just("RouteEntryType"),
        Just("RouteEntryName"),
        Just("MaxResult"),
        Just("NextHopList"),
    ];
    prop_oneof![
        3 => plain.clone().prop_map(str::to_owned),
        3 => (plain.clone(), index()).prop_map(|(p, i)| format!("{p}.{i}")),
        2 => (
            prop_oneof![Just("Filter"), Just("Filters"), Just("Tag"), Just("TagSpecification")],
            index(),
            prop_oneof![Just("Name"), Just("Key"), Just("Value"), Just("Values"), Just("ResourceType")],
        )
            .prop_map(|(p, i, f)| format!("{p}.{i}.{f}")),
        2 => (index(), index(), prop_oneof![Just("Value"), Just("Values")])
            .prop_map(|(i, j, v)| format!("Filter.{i}.{v}.{j}")),
        1 => (index(), index()).prop_map(|(i, j)| format!("TagSpecification.{i}.Tag.{j}.Value")),
        2 => (
            index(),
            prop_oneof![
                Just("RouteId"),
                Just("RouteItemId"),
                Just("DestinationCidrBlock"),
                Just("DestinationIpv6CidrBlock"),
                Just("GatewayType"),
                Just("GatewayId"),
                Just("NextHopType"),
                Just("NextHopId"),
            ],
        )
            .prop_map(|(i, f)| format!("Routes.{i}.{f}")),
        1 => "[A-Za-z.0-9]{0,12}",
        1 => any::<String>(),
    ]
}

fn params_strategy() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((param_name(), value()), 0..12)
}

/// Filter names each cloud knows, and some it does not.
fn with_filters(cloud: Provider) -> impl Strategy<Value = Vec<(String, String)>> {
    let names: Vec<&'static str> = match cloud {
        Provider::Aws => vec![
            "instance-state-name",
            "instance-id",
            "tag:Name",
            "tag-key",
            "tag-value",
            "client-token",
            "instance-type",
            "bogus",
        ],
        _ => vec![
            "zone",
            "instance-name",
            "tag:Name",
            "instance-state",
            "bogus",
            "route-table-id",
            "vpc-id",
            "association.main",
            "next-hop-type",
        ],
    };
    prop::collection::vec(
        (
            prop::sample::select(names),
            prop::collection::vec(value(), 0..3),
        ),
        0..3,
    )
    .prop_map(move |filters| {
        let mut out = Vec::new();
        for (n, (name, values)) in filters.into_iter().enumerate() {
            match cloud {
                Provider::Aws => {
                    out.push((format!("Filter.{}.Name", n + 1), name.to_owned()));
                    for (m, v) in values.into_iter().enumerate() {
                        out.push((format!("Filter.{}.Value.{}", n + 1, m + 1), v));
                    }
                }
                _ => {
                    out.push((format!("Filters.{n}.Name"), name.to_owned()));
                    for (m, v) in values.into_iter().enumerate() {
                        out.push((format!("Filters.{n}.Values.{m}"), v));
                    }
                }
            }
        }
        out
    })
}

/// An arbitrary JSON value, nested a few levels.
fn json_value_strategy() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        value().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((param_name(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A Tencent JSON body: a plausible object with field names the actions use, or garbage.
fn tencent_body_strategy() -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![
        Just("InstanceIds"),
        Just("Filters"),
        Just("Offset"),
        Just("Limit"),
        Just("Placement"),
        Just("ImageId"),
        Just("InstanceCount"),
        Just("InstanceName"),
        Just("ClientToken"),
        Just("DryRun"),
        Just("TagSpecification"),
        Just("VirtualPrivateCloud"),
        Just("RoleArn"),
        Just("RoleSessionName"),
        Just("DurationSeconds"),
        Just("Routes"),
        Just("RouteTableId"),
        Just("RouteTableIds"),
        Just("RouteTableName"),
        Just("VpcId"),
        Just("VpcName"),
        Just("SubnetName"),
        Just("CidrBlock"),
        Just("Zone"),
        Just("NeedRouterInfo"),
    ];
    prop_oneof![
        4 => prop::collection::vec((field, json_value()), 0..6).prop_map(|kv| {
            Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                .to_string()
                .into_bytes()
        }),
        3 => body(),
    ]
}

/// A request body: empty, random bytes, invalid UTF-8, forms, JSON (truncated, deep, huge).
fn body_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => Just(Vec::new()),
        2 => prop::collection::vec(any::<u8>(), 0..512),
        1 => Just(vec![0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28]),
        2 => params().prop_map(|p| form(&p).into_bytes()),
        1 => params().prop_map(|p| {
            p.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&").into_bytes()
        }),
        2 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => (json_value(), any::<prop::sample::Index>()).prop_map(|(v, i)| {
            let s = v.to_string().into_bytes();
            let cut = i.index(s.len().max(1));
            s[..cut.min(s.len())].to_vec()
        }),
        1 => (1usize..200_000).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n % 7)).into_bytes()),
        1 => (1usize..50_000).prop_map(|n| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)).into_bytes()),
        1 => (1usize..3_000_000).prop_map(|n| format!("{{\"InstanceIds\":[\"{}\"]}}", "i".repeat(n)).into_bytes()),
        1 => Just(b"{\"Limit\": 1e999999, \"Offset\": -0}".to_vec()),
    ]
}

/// A header value: printable ASCII, or with bytes a server cannot read as text.
fn header_value_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[ -~]{0,40}".prop_map(|s| s.trim().to_owned().into_bytes()),
        1 => prop::collection::vec(prop_oneof![0x21u8..0x7f, 0x80u8..=0xff], 1..24),
        1 => (1usize..6000).prop_map(|n| vec![b'A'; n]),
    ]
}

/// An `Authorization` value: each vendor's scheme, well-formed or broken in one place, with
/// known and unknown key ids.
fn authorization_strategy() -> impl Strategy<Value = Vec<u8>> {
    let id = prop_oneof![
        Just(AWS.0.to_owned()),
        Just(TENCENT.0.to_owned()),
        Just(ALIBABA.0.to_owned()),
        "[A-Za-z0-9/=,;. ]{0,20}",
    ];
    let date = prop_oneof![
        Just(iso_now(true)[..8].to_owned()),
        Just("20150830".to_owned()),
        "[0-9]{0,10}",
        Just(String::new()),
    ];
    let region = prop_oneof![
        Just("us-east-1"),
        Just("ap-guangzhou"),
        Just(""),
        Just("/"),
        Just("é")
    ];
    let service = prop_oneof![
        Just("ec2"),
        Just("sts"),
        Just("cvm"),
        Just("s3"),
        Just(""),
        Just("iam")
    ];
    let terminator = prop_oneof![
        Just("aws4_request"),
        Just("tc3_request"),
        Just(""),
        Just("x")
    ];
    let signed = prop_oneof![
        Just("host;x-amz-date"),
        Just("content-type;host"),
        Just("host;x-acs-action;x-acs-date"),
        Just(""),
        Just(";;;"),
        Just("HOST;X-Nope"),
    ];
    let sig = prop_oneof![Just("0".repeat(64)), "[0-9a-f]{0,70}", "[ -~]{0,20}",];
    let algorithm = prop_oneof![
        Just("AWS4-HMAC-SHA256"),
        Just("TC3-HMAC-SHA256"),
        Just("ACS3-HMAC-SHA256"),
        Just("ACS3-HMAC-SM3"),
        Just("AWS4-HMAC-SHA256x"),
        Just("Bearer"),
        Just(""),
    ];
    prop_oneof![
        4 => (algorithm, id, date, region, service, terminator, signed, sig, any::<u8>()).prop_map(
            |(alg, id, date, region, service, term, signed, sig, style)| {
                let cred = match style % 4 {
                    0 => format!("{id}/{date}/{region}/{service}/{term}"),
                    1 => format!("{id}/{date}/{service}/{term}"),
                    2 => id.clone(),
                    _ => format!("{id}//{date}////"),
                };
                let sep = if style % 3 == 0 { ", " } else { "," };
                match style % 5 {
                    4 => format!("{alg} Credential={cred}"),
                    _ => format!("{alg} Credential={cred}{sep}SignedHeaders={signed}{sep}Signature={sig}"),
                }
                .into_bytes()
            }
        ),
        1 => prop_oneof![
            Just(b"q-sign-algorithm=sha1&q-ak=AKIDx&q-sign-time=1;2&q-key-time=1;2&q-header-list=host&q-url-param-list=&q-signature=0".to_vec()),
            Just(b"OSS LTAIx:c2lnbmF0dXJl".to_vec()),
            Just(b"OSS4-HMAC-SHA256 Credential=LTAIx/20240101/cn-hangzhou/oss/aliyun_v4_request,Signature=0".to_vec()),
        ],
        1 => header_value(),
    ]
}

/// Headers a request may carry: vendor headers with odd values, in any combination.
fn headers_strategy() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let name = prop_oneof![
        Just("X-TC-Action"),
        Just("X-TC-Timestamp"),
        Just("X-TC-Region"),
        Just("X-TC-Version"),
        Just("X-TC-Token"),
        Just("X-TC-Language"),
        Just("x-acs-action"),
        Just("x-acs-version"),
        Just("x-acs-date"),
        Just("x-acs-signature-nonce"),
        Just("x-acs-content-sha256"),
        Just("x-acs-security-token"),
        Just("X-Amz-Date"),
        Just("X-Amz-Content-Sha256"),
        Just("X-Amz-Security-Token"),
        Just("Content-Type"),
        Just("Host"),
        Just("Date"),
    ];
    let content_type = prop_oneof![
        Just(b"application/json".to_vec()),
        Just(b"application/x-www-form-urlencoded".to_vec()),
        Just(b"application/x-www-form-urlencoded; charset=utf-8".to_vec()),
        Just(b"text/plain".to_vec()),
        Just(b"multipart/form-data; boundary=x".to_vec()),
    ];
    let timestamp = prop_oneof![
        Just(now().to_string().into_bytes()),
        Just(iso_now(true).into_bytes()),
        Just(iso_now(false).into_bytes()),
        Just(b"-9223372036854775808".to_vec()),
        Just(b"99999999999999999999".to_vec()),
    ];
    (
        prop::collection::vec((name, header_value()), 0..6),
        prop::option::of(authorization()),
        prop::option::of(content_type),
        prop::option::of(timestamp),
        prop::option::of(prop_oneof![
            Just("X-TC-Timestamp"),
            Just("X-Amz-Date"),
            Just("x-acs-date")
        ]),
        prop::option::of(host_strategy()),
    )
        .prop_map(|(mut h, auth, ctype, ts, ts_name, host)| {
            let mut out: Vec<(String, Vec<u8>)> =
                h.drain(..).map(|(k, v)| (k.to_owned(), v)).collect();
            if let Some(a) = auth {
                out.push(("Authorization".to_owned(), a));
            }
            if let Some(c) = ctype {
                out.push(("Content-Type".to_owned(), c));
            }
            if let (Some(t), Some(n)) = (ts, ts_name) {
                out.push((n.to_owned(), t));
            }
            if let Some(host) = host {
                out.insert(0, ("Host".to_owned(), host.into_bytes()));
            }
            out
        })
}

/// Hosts: the emulator's own, the vendors' API hosts, and bucket-style storage hosts
/// (virtual-hosted S3, COS with an app id, OSS), with odd cases, ports and labels.
fn host_strategy() -> impl Strategy<Value = String> {
    let bucket = "[a-z0-9][a-z0-9.-]{0,12}";
    let port = prop_oneof![
        Just(String::new()),
        Just(":4566".to_owned()),
        Just(":".to_owned()),
        Just(":x1".to_owned())
    ];
    let name = prop_oneof![
        Just("127.0.0.1".to_owned()),
        Just("ecs.cn-hangzhou.aliyuncs.com".to_owned()),
        Just("cvm.tencentcloudapi.com".to_owned()),
        Just("ec2.us-east-1.amazonaws.com".to_owned()),
        bucket.prop_map(|b| format!("{b}.s3.localhost")),
        bucket.prop_map(|b| format!("{b}.S3.us-east-1.amazonaws.com")),
        Just("s3-us-west-2.amazonaws.com".to_owned()),
        bucket.prop_map(|b| format!("{b}-1250000000.cos.ap-guangzhou.myqcloud.com")),
        bucket.prop_map(|b| format!("{b}.oss-cn-hangzhou.aliyuncs.com")),
        Just("s3".to_owned()),
        Just("[::1]".to_owned()),
        "[ -~]{0,30}",
    ];
    (name, port).prop_map(|(n, p)| format!("{n}{p}"))
}

fn method_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("POST".to_owned()),
        4 => Just("GET".to_owned()),
        1 => Just("PUT".to_owned()),
        1 => Just("DELETE".to_owned()),
        1 => Just("PATCH".to_owned()),
        1 => Just("OPTIONS".to_owned()),
        1 => "[A-Z]{1,10}",
    ]
}

/// A request target: a path (maybe with dot segments and percent-escapes) and a query made of
/// vendor-style parameters, percent-encoded or raw.
fn target_strategy() -> impl Strategy<Value = String> {
    let path = prop_oneof![
        4 => Just("/".to_owned()),
        1 => prop::collection::vec(prop_oneof![
            Just("..".to_owned()),
            Just(".".to_owned()),
            Just(String::new()),
            "[a-zA-Z0-9_~-]{1,8}",
            any::<String>().prop_map(|s| enc(&s)),
        ], 1..5)
            .prop_map(|segs| format!("/{}", segs.join("/"))),
    ];
    let query = prop_oneof![
        2 => Just(String::new()),
        3 => params().prop_map(|p| form(&p)),
        1 => params().prop_map(|p| {
            // Raw, unencoded where the URI grammar allows it: odd escapes and empty pairs.
            p.iter()
                .map(|(k, v)| {
                    let raw = |s: &str| -> String {
                        s.chars()
                            .map(|c| if c.is_ascii_alphanumeric() || "-._~!$'()*+,;=:@/?%".contains(c) { c.to_string() } else { enc(&c.to_string()) })
                            .collect()
                    };
                    format!("{}={}", raw(k), raw(v))
                })
                .collect::<Vec<_>>()
                .join("&")
        }),
        1 => Just("Action".to_owned()),
        1 => Just("Action=&SecretId&&=&%zz=%".to_owned()),
        1 => prop_oneof![
            Just("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=0".to_owned()),
            Just("X-Amz-Credential=AK%2F20240101%2Fus-east-1%2Fec2%2Faws4_request&Action=DescribeInstances".to_owned()),
            Just("X-Amz-Credential=%zz".to_owned()),
            Just("q-sign-algorithm=sha1&q-ak=AKIDx&q-signature=0".to_owned()),
            Just("OSSAccessKeyId=LTAIx&Expires=1&Signature=x".to_owned()),
            Just("x-oss-credential=LTAIx%2F20240101%2Fcn-hangzhou%2Foss%2Faliyun_v4_request".to_owned()),
        ],
    ];
    (path, query).prop_map(|(p, q)| if q.is_empty() { p } else { format!("{p}?{q}") })
}

/// The Alibaba VPC `2016-04-28` actions the emulator serves.
const ALIBABA_VPC_ACTIONS: [&str; 9] = [
    "CreateVpc",
    "CreateVSwitch",
    "CreateRouteTable",
    "AssociateRouteTable",
    "DescribeRouteTableList",
    "DescribeRouteEntryList",
    "CreateRouteEntry",
    "DeleteRouteEntry",
    "ModifyRouteEntry",
];

/// The Alibaba SLB `2014-05-15` actions the emulator serves.
const ALIBABA_SLB_ACTIONS: [&str; 13] = [
    "CreateLoadBalancer",
    "CreateLoadBalancerTCPListener",
    "CreateLoadBalancerHTTPListener",
    "StartLoadBalancerListener",
    "DescribeLoadBalancers",
    "DescribeLoadBalancerAttribute",
    "AddBackendServers",
    "RemoveBackendServers",
    "CreateVServerGroup",
    "DescribeVServerGroupAttribute",
    "AddVServerGroupBackendServers",
    "RemoveVServerGroupBackendServers",
    "DescribeHealthStatus",
];

/// Classic ELB `2012-06-01` actions (the other `elasticloadbalancing` actions go to ELBv2).
const AWS_CLASSIC_ELB_ACTIONS: [&str; 3] = [
    "RegisterInstancesWithLoadBalancer",
    "DeregisterInstancesFromLoadBalancer",
    "DescribeInstanceHealth",
];

/// The Query API version of `action` on `service`.
fn aws_version(service: &str, action: &str) -> &'static str {
    match service {
        "elasticloadbalancing" if AWS_CLASSIC_ELB_ACTIONS.contains(&action) => "2012-06-01",
        "elasticloadbalancing" => "2015-12-01",
        _ => "2016-11-15",
    }
}

fn tencent_action_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "DescribeInstances",
            "RunInstances",
            "StartInstances",
            "StopInstances",
            "TerminateInstances",
            "AssumeRole",
            "GetCallerIdentity",
            "CreateVpc",
            "CreateSubnet",
            "CreateRouteTable",
            "DescribeRouteTables",
            "CreateRoutes",
            "ReplaceRoutes",
            "DeleteRoutes",
            "CreateLoadBalancer",
            "CreateListener",
            "DescribeLoadBalancers",
            "DescribeListeners",
            "RegisterTargets",
            "DeregisterTargets",
            "DescribeTargets",
            "DescribeTargetHealth",
            "DescribeTaskStatus",
        ])
        .prop_map(str::to_owned),
        1 => "[A-Za-z]{0,12}",
    ]
}

fn alibaba_action_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "DescribeInstances",
            "RunInstances",
            "StartInstances",
            "StopInstances",
            "DeleteInstances",
            "AssumeRole",
            "GetCallerIdentity",
            "CreateVpc",
            "CreateVSwitch",
            "CreateRouteTable",
            "AssociateRouteTable",
            "DescribeRouteTableList",
            "DescribeRouteEntryList",
            "CreateRouteEntry",
            "DeleteRouteEntry",
            "ModifyRouteEntry",
            "CreateLoadBalancer",
            "CreateLoadBalancerTCPListener",
            "CreateLoadBalancerHTTPListener",
            "StartLoadBalancerListener",
            "DescribeLoadBalancers",
            "DescribeLoadBalancerAttribute",
            "AddBackendServers",
            "RemoveBackendServers",
            "CreateVServerGroup",
            "DescribeVServerGroupAttribute",
            "AddVServerGroupBackendServers",
            "RemoveVServerGroupBackendServers",
            "DescribeHealthStatus",
        ])
        .prop_map(str::to_owned),
        1 => "[A-Za-z]{0,12}",
    ]
}

fn aws_action_strategy() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        6 => prop::sample::select(vec![
            ("ec2", "DescribeInstances"),
            ("ec2", "RunInstances"),
            ("ec2", "StartInstances"),
            ("ec2", "StopInstances"),
            ("ec2", "TerminateInstances"),
            ("ec2", "CreateVpc"),
            ("ec2", "CreateSubnet"),
            ("ec2", "CreateInternetGateway"),
            ("ec2", "AttachInternetGateway"),
            ("ec2", "CreateRouteTable"),
            ("ec2", "DescribeRouteTables"),
            ("ec2", "AssociateRouteTable"),
            ("ec2", "CreateRoute"),
            ("ec2", "ReplaceRoute"),
            ("ec2", "DeleteRoute"),
            ("sts", "AssumeRole"),
            ("sts", "GetCallerIdentity"),
            ("elasticloadbalancing", "CreateLoadBalancer"),
            ("elasticloadbalancing", "DescribeLoadBalancers"),
            ("elasticloadbalancing", "CreateTargetGroup"),
            ("elasticloadbalancing", "DescribeTargetGroups"),
            ("elasticloadbalancing", "CreateListener"),
            ("elasticloadbalancing", "RegisterTargets"),
            ("elasticloadbalancing", "DeregisterTargets"),
            ("elasticloadbalancing", "DescribeTargetHealth"),
            ("elasticloadbalancing", "RegisterInstancesWithLoadBalancer"),
            ("elasticloadbalancing", "DeregisterInstancesFromLoadBalancer"),
            ("elasticloadbalancing", "DescribeInstanceHealth"),
        ])
        .prop_map(|(s, a)| (s.to_owned(), a.to_owned())),
        1 => (prop_oneof![Just("ec2"), Just("sts"), Just("s3"), Just("elasticloadbalancing")], "[A-Za-z]{0,12}")
            .prop_map(|(s, a)| (s.to_owned(), a)),
    ]
}

/// Parameters that make `action` valid on `cloud` (so that half the signed cases get past
/// validation into the state machine), to which the arbitrary ones are added.
fn base_params(cloud: Provider, action: &str) -> Vec<(String, String)> {
    let p = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    match (cloud, action) {
        (Provider::Aws, "RunInstances") => p(&[
            ("ImageId", "ami-12345678"),
            ("MinCount", "1"),
            ("MaxCount", "2"),
        ]),
        (Provider::Aws, "StartInstances" | "StopInstances" | "TerminateInstances") => {
            p(&[("InstanceId.1", "i-0123456789abcdef0")])
        }
        (Provider::Aws, "CreateVpc") => p(&[("CidrBlock", "10.0.0.0/16")]),
        (Provider::Aws, "CreateSubnet") => p(&[
            ("VpcId", "vpc-0123456789abcdef0"),
            ("CidrBlock", "10.0.1.0/24"),
        ]),
        (Provider::Aws, "CreateRouteTable") => p(&[("VpcId", "vpc-0123456789abcdef0")]),
        (Provider::Aws, "AttachInternetGateway") => p(&[
            ("InternetGatewayId", "igw-0123456789abcdef0"),
            ("VpcId", "vpc-0123456789abcdef0"),
        ]),
        (Provider::Aws, "AssociateRouteTable") => p(&[
            ("RouteTableId", "rtb-0123456789abcdef0"),
            ("SubnetId", "subnet-0123456789abcdef0"),
        ]),
        (Provider::Aws, "CreateRoute" | "ReplaceRoute") => p(&[
            ("RouteTableId", "rtb-0123456789abcdef0"),
            ("DestinationCidrBlock", "0.0.0.0/0"),
            ("GatewayId", "igw-0123456789abcdef0"),
        ]),
        (Provider::Aws, "DeleteRoute") => p(&[
            ("RouteTableId", "rtb-0123456789abcdef0"),
            ("DestinationCidrBlock", "0.0.0.0/0"),
        ]),
        (Provider::Aws, "AssumeRole") => p(&[
            ("RoleArn", "arn:aws:iam::123456789012:role/r"),
            ("RoleSessionName", "s"),
        ]),
        (Provider::Tencent, "RunInstances") => p(&[
            ("Placement.Zone", "ap-guangzhou-3"),
            ("ImageId", "img-pi0ii46r"),
        ]),
        (Provider::Tencent, "StartInstances" | "StopInstances" | "TerminateInstances") => {
            p(&[("InstanceIds.0", "ins-robust01")])
        }
        (Provider::Tencent, "AssumeRole") => p(&[
            ("RoleArn", "qcs::cam::uin/100000000001:roleName/r"),
            ("RoleSessionName", "s"),
        ]),
        (Provider::Tencent, "CreateVpc") => p(&[("VpcName", "v"), ("CidrBlock", "10.0.0.0/16")]),
        (Provider::Tencent, "CreateSubnet") => p(&[
            ("VpcId", "vpc-robust01"),
            ("SubnetName", "s"),
            ("CidrBlock", "10.0.1.0/24"),
            ("Zone", "ap-guangzhou-3"),
        ]),
        (Provider::Tencent, "CreateRouteTable") => {
            p(&[("VpcId", "vpc-robust01"), ("RouteTableName", "t")])
        }
        (Provider::Tencent, "DescribeRouteTables") => p(&[("Offset", "0"), ("Limit", "10")]),
        (Provider::Tencent, "CreateRoutes" | "ReplaceRoutes" | "DeleteRoutes") => p(&[
            ("RouteTableId", "rtb-robust01"),
            ("Routes.0.RouteId", "2"),
            ("Routes.0.DestinationCidrBlock", "192.168.0.0/16"),
            ("Routes.0.GatewayType", "NORMAL_CVM"),
            ("Routes.0.GatewayId", "10.0.1.4"),
        ]),
        (Provider::Alibaba, "CreateVpc") => p(&[("CidrBlock", "10.0.0.0/16")]),
        (Provider::Alibaba, "CreateVSwitch") => p(&[
            ("VpcId", "vpc-robust01"),
            ("ZoneId", "cn-hangzhou-i"),
            ("CidrBlock", "10.0.1.0/24"),
        ]),
        (Provider::Alibaba, "CreateRouteTable") => p(&[("VpcId", "vpc-robust01")]),
        (Provider::Alibaba, "AssociateRouteTable") => p(&[
            ("RouteTableId", "vtb-robust01"),
            ("VSwitchId", "vsw-robust01"),
        ]),
        (Provider::Alibaba, "DescribeRouteTableList") => p(&[("PageSize", "10")]),
        (Provider::Alibaba, "DescribeRouteEntryList") => p(&[("RouteTableId", "vtb-robust01")]),
        (Provider::Alibaba, "CreateRouteEntry" | "DeleteRouteEntry" | "ModifyRouteEntry") => p(&[
            ("RouteTableId", "vtb-robust01"),
            ("DestinationCidrBlock", "192.168.0.0/16"),
            ("NextHopType", "Instance"),
            ("NextHopId", "i-bp1robustness0001"),
            ("NewNextHopType", "Instance"),
            ("NewNextHopId", "i-bp1robustness0001"),
        ]),
        (Provider::Aws, "RegisterTargets" | "DeregisterTargets" | "DescribeTargetHealth") => p(&[
            (
                "TargetGroupArn",
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/0123456789abcdef",
            ),
            ("Targets.member.1.Id", "i-0123456789abcdef0"),
            ("Targets.member.1.Port", "80"),
        ]),
        (
            Provider::Aws,
            "RegisterInstancesWithLoadBalancer"
            | "DeregisterInstancesFromLoadBalancer"
            | "DescribeInstanceHealth",
        ) => p(&[
            ("LoadBalancerName", "web"),
            ("Instances.member.1.InstanceId", "i-0123456789abcdef0"),
        ]),
        (Provider::Tencent, "RegisterTargets" | "DeregisterTargets") => p(&[
            ("LoadBalancerId", "lb-robust01"),
            ("ListenerId", "lbl-robust01"),
            ("Targets.0.InstanceId", "ins-robust01"),
            ("Targets.0.Port", "80"),
        ]),
        (Provider::Tencent, "DescribeTargetHealth") => p(&[("LoadBalancerIds.0", "lb-robust01")]),
        (Provider::Alibaba, "AddBackendServers" | "RemoveBackendServers") => p(&[
            ("LoadBalancerId", "lb-robust01"),
            (
                "BackendServers",
                r#"[{"ServerId": "i-bp1robustness0001", "Weight": "100", "Type": "ecs"}]"#,
            ),
        ]),
        (Provider::Alibaba, "DescribeHealthStatus") => p(&[("LoadBalancerId", "lb-robust01")]),
        (Provider::Alibaba, "RunInstances") => p(&[
            ("ImageId", "aliyun_3_x64_20G_alibase_20240819.vhd"),
            ("InstanceType", "ecs.g7.large"),
        ]),
        (Provider::Alibaba, "StartInstances" | "StopInstances" | "DeleteInstances") => {
            p(&[("InstanceId.1", "i-bp1robustness0001")])
        }
        (Provider::Alibaba, "AssumeRole") => p(&[
            ("RoleArn", "acs:ram::1234567890123456:role/r"),
            ("RoleSessionName", "s"),
        ]),
        _ => Vec::new(),
    }
}

/// [`base_params`] for a Tencent JSON body.
fn tencent_base_json(action: &str) -> serde_json::Map<String, Value> {
    let v = match action {
        "RunInstances" => {
            serde_json::json!({"Placement": {"Zone": "ap-guangzhou-3"}, "ImageId": "img-pi0ii46r"})
        }
        "StartInstances" | "StopInstances" | "TerminateInstances" => {
            serde_json::json!({"InstanceIds": ["ins-robust01"]})
        }
        "AssumeRole" => serde_json::json!({
            "RoleArn": "qcs::cam::uin/100000000001:roleName/r",
            "RoleSessionName": "s"
        }),
        "CreateVpc" => serde_json::json!({"VpcName": "v", "CidrBlock": "10.0.0.0/16"}),
        "CreateSubnet" => serde_json::json!({
            "VpcId": "vpc-robust01", "SubnetName": "s", "CidrBlock": "10.0.1.0/24", "Zone": "ap-guangzhou-3"
        }),
        "CreateRouteTable" => serde_json::json!({"VpcId": "vpc-robust01", "RouteTableName": "t"}),
        "DescribeRouteTables" => serde_json::json!({"Offset": "0", "Limit": "10"}),
        "RegisterTargets" | "DeregisterTargets" => serde_json::json!({
            "LoadBalancerId": "lb-robust01", "ListenerId": "lbl-robust01",
            "Targets": [{"InstanceId": "ins-robust01", "Port": 80, "Weight": 10}]
        }),
        "DescribeTargetHealth" => serde_json::json!({"LoadBalancerIds": ["lb-robust01"]}),
        "CreateRoutes" | "ReplaceRoutes" | "DeleteRoutes" => serde_json::json!({
            "RouteTableId": "rtb-robust01",
            "Routes": [{"RouteId": 2, "DestinationCidrBlock": "192.168.0.0/16", "GatewayType": "NORMAL_CVM", "GatewayId": "10.0.1.4"}]
        }),
        _ => serde_json::json!({}),
    };
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// [`CASES`] per property; `PROPTEST_CASES=N` runs more (or fewer) for a deeper local search.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(CASES),
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    /// Anything at all: routed by the documented rule and answered in that cloud's shape.
    #[test]
    fn arbitrary_requests_get_their_clouds_error_shape(
        method in method(),
        target in target(),
        headers in headers(),
        body in body(),
    ) {
        let route = expected_route(&target, &headers, &body);
        let r = send(&build(&method, &target, &headers, &body)).map_err(TestCaseError::fail)?;
        check(route, &r).map_err(TestCaseError::fail)?;
    }

    /// Validly signed Tencent API 3.0 calls (JSON POST and flattened GET) with arbitrary
    /// parameters, and legacy v1 calls: a 200 JSON envelope, whatever the parameters.
    #[test]
    fn signed_tencent_calls_with_arbitrary_parameters(
        action in tencent_action(),
        style in 0u8..3,
        body in tencent_body(),
        params in params(),
        filters in with_filters(Provider::Tencent),
        valid_base in any::<bool>(),
    ) {
        let mut p = if valid_base { base_params(Provider::Tencent, &action) } else { Vec::new() };
        p.extend(params);
        p.extend(filters);
        let raw = match style {
            0 => {
                // A JSON object body gets the valid fields it lacks; anything else goes as is.
                let body = match serde_json::from_slice::<Value>(&body) {
                    Ok(Value::Object(mut m)) if valid_base => {
                        for (k, v) in tencent_base_json(&action) {
                            m.entry(k).or_insert(v);
                        }
                        Value::Object(m).to_string().into_bytes()
                    }
                    _ => body,
                };
                tencent_tc3(&action, false, "", &body)
            }
            1 => tencent_tc3(&action, true, &form(&p), b""),
            _ => tencent_v1(&action, &p),
        };
        let r = send(&raw).map_err(TestCaseError::fail)?;
        check(Route::Tencent, &r).map_err(TestCaseError::fail)?;
    }

    /// Validly signed Alibaba RPC calls with arbitrary parameters: JSON, a 4xx with a `Code`
    /// when refused.
    #[test]
    fn signed_alibaba_calls_with_arbitrary_parameters(
        action in alibaba_action(),
        params in params(),
        region in prop_oneof![Just("cn-hangzhou".to_owned()), value()],
        valid_base in any::<bool>(),
    ) {
        let mut p = vec![("RegionId".to_owned(), region)];
        if valid_base {
            p.extend(base_params(Provider::Alibaba, &action));
        }
        p.extend(params);
        let r = send(&alibaba_rpc(&action, &p)).map_err(TestCaseError::fail)?;
        check(Route::Alibaba, &r).map_err(TestCaseError::fail)?;
    }

    /// Validly signed AWS Query calls with arbitrary parameters (filters with wildcards, tag
    /// specifications, control characters): well-formed XML, an `<Error>` when refused.
    #[test]
    fn signed_aws_calls_with_arbitrary_parameters(
        (service, action) in aws_action(),
        params in params(),
        filters in with_filters(Provider::Aws),
        valid_base in any::<bool>(),
    ) {
        let mut p = vec![
            ("Action".to_owned(), action.clone()),
            ("Version".to_owned(), aws_version(&service, &action).to_owned()),
        ];
        if valid_base {
            p.extend(base_params(Provider::Aws, &action));
        }
        p.extend(params);
        p.extend(filters);
        let r = send(&aws_query(&service, &p)).map_err(TestCaseError::fail)?;
        // A SigV4 scope of `s3` is object storage, whatever the parameters say.
        let route = if service == "s3" { Route::Storage("x-amz-request-id") } else { Route::Aws };
        check(route, &r).map_err(TestCaseError::fail)?;
    }

    /// Validly signed S3 REST requests with arbitrary methods, paths (buckets, keys, dot
    /// segments, escapes), sub-resources and bodies: S3's shape, never a panic.
    #[test]
    fn signed_s3_requests_with_arbitrary_targets(
        method in prop_oneof![Just("PUT"), Just("GET"), Just("HEAD"), Just("POST"), Just("DELETE")],
        target in target_strategy(),
        bucket in prop_oneof![Just("robust"), Just("nope"), Just("")],
        sub in prop_oneof![
            Just(""), Just("uploads"), Just("uploads="), Just("uploadId=X&partNumber=1"),
            Just("uploadId=X"), Just("list-type=2&prefix=a"), Just("acl"), Just("partNumber=99999&uploadId=1"),
        ],
        body in body_strategy(),
    ) {
        let path = if bucket.is_empty() { target.clone() } else { format!("/{bucket}{target}") };
        let full = match (path.contains('?'), sub.is_empty()) {
            (_, true) => path,
            (true, false) => format!("{path}&{sub}"),
            (false, false) => format!("{path}?{sub}"),
        };
        let r = send(&s3_rest(method, &full, &body)).map_err(TestCaseError::fail)?;
        check(Route::Storage("x-amz-request-id"), &r).map_err(TestCaseError::fail)?;
        prop_assert!(r.status != 403 || full.contains("X-Amz") || full.contains("%"), "signature refused: {}", r.text());
    }
}

// ---------------------------------------------------------------------------------------------
// The signers reach past authentication (otherwise the properties above prove little)
// ---------------------------------------------------------------------------------------------

#[test]
fn the_test_signers_are_accepted() {
    let tc = send(&tencent_tc3("DescribeInstances", false, "", b"{}")).unwrap();
    check(Route::Tencent, &tc).unwrap();
    assert!(tc.text().contains("TotalCount"), "{}", tc.text());
    let tc_get = send(&tencent_tc3("DescribeInstances", true, "Limit=5", b"")).unwrap();
    assert!(tc_get.text().contains("TotalCount"), "{}", tc_get.text());
    let v1 = send(&tencent_v1("DescribeInstances", &[])).unwrap();
    assert!(v1.text().contains("TotalCount"), "{}", v1.text());
    let ali = send(&alibaba_rpc(
        "DescribeInstances",
        &[("RegionId".to_owned(), "cn-hangzhou".to_owned())],
    ))
    .unwrap();
    assert_eq!(ali.status, 200, "{}", ali.text());
    let aws = send(&aws_query(
        "ec2",
        &[
            ("Action".to_owned(), "DescribeInstances".to_owned()),
            ("Version".to_owned(), "2016-11-15".to_owned()),
        ],
    ))
    .unwrap();
    assert_eq!(aws.status, 200, "{}", aws.text());
    check(Route::Aws, &aws).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Inputs that once broke the emulator
// ---------------------------------------------------------------------------------------------

/// A flattened Tencent list index of 2^64-1 made the GET/v1 parameter decoder grow an array
/// to that length (the process was killed for running out of memory).
#[test]
fn regression_tencent_huge_list_index() {
    for raw in [
        tencent_tc3(
            "TerminateInstances",
            true,
            "InstanceIds.18446744073709551615=ins-robust01",
            b"",
        ),
        tencent_v1(
            "DescribeInstances",
            &[("Filters.4294967296.Name".to_owned(), "zone".to_owned())],
        ),
    ] {
        let r = send(&raw).unwrap();
        check(Route::Tencent, &r).unwrap();
        assert!(r.text().contains("InvalidParameterValue"), "{}", r.text());
    }
}

/// EC2 filter wildcards were matched by naive backtracking: many `*` against a long field
/// (here a 64-letter tag and client token) took exponential time while holding the state lock.
#[test]
fn regression_aws_wildcard_filter_backtracking() {
    let pattern = format!("{}b", "*a".repeat(20));
    for (n, filter) in ["tag:Name", "client-token", "tag-value"].iter().enumerate() {
        let r = send(&aws_query(
            "ec2",
            &[
                ("Action".to_owned(), "DescribeInstances".to_owned()),
                ("Version".to_owned(), "2016-11-15".to_owned()),
                (format!("Filter.{}.Name", n + 1), (*filter).to_owned()),
                (format!("Filter.{}.Value.1", n + 1), pattern.clone()),
            ],
        ))
        .unwrap();
        check(Route::Aws, &r).unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let hit = send(&aws_query(
        "ec2",
        &[
            ("Action".to_owned(), "DescribeInstances".to_owned()),
            ("Version".to_owned(), "2016-11-15".to_owned()),
            ("Filter.1.Name".to_owned(), "tag:Name".to_owned()),
            (
                "Filter.1.Value.1".to_owned(),
                format!("{}a", "*a".repeat(20)),
            ),
        ],
    ))
    .unwrap();
    assert!(hit.text().contains("i-0123456789abcdef0"), "{}", hit.text());
}

/// Control characters from a request (in a tag value, or echoed in an error message) were
/// copied into EC2's XML, which XML 1.0 forbids even as character references.
#[test]
fn regression_aws_control_characters_in_xml() {
    let r = send(&aws_query(
        "ec2",
        &[
            ("Action".to_owned(), "DescribeInstances".to_owned()),
            ("Version".to_owned(), "2016-11-15".to_owned()),
            ("MaxResults".to_owned(), "1\u{1}\u{0}".to_owned()),
        ],
    ))
    .unwrap();
    check(Route::Aws, &r).unwrap();
    assert_eq!(r.status, 400, "{}", r.text());
    let run = send(&aws_query(
        "ec2",
        &[
            ("Action".to_owned(), "RunInstances".to_owned()),
            ("Version".to_owned(), "2016-11-15".to_owned()),
            ("ImageId".to_owned(), "ami-12345678".to_owned()),
            ("MinCount".to_owned(), "1".to_owned()),
            ("MaxCount".to_owned(), "1".to_owned()),
            (
                "TagSpecification.1.ResourceType".to_owned(),
                "instance".to_owned(),
            ),
            (
                "TagSpecification.1.Tag.1.Key".to_owned(),
                "Name\u{b}".to_owned(),
            ),
            (
                "TagSpecification.1.Tag.1.Value".to_owned(),
                "web\u{1f}\u{fffe}".to_owned(),
            ),
        ],
    ))
    .unwrap();
    check(Route::Aws, &run).unwrap();
    assert_eq!(run.status, 200, "{}", run.text());
}

/// `value_strategy`, boxed: boxing keeps the generated value trees shallow on the stack.
fn value() -> BoxedStrategy<String> {
    value_strategy().boxed()
}

/// `index_strategy`, boxed: boxing keeps the generated value trees shallow on the stack.
fn index() -> BoxedStrategy<String> {
    index_strategy().boxed()
}

/// `param_name_strategy`, boxed: boxing keeps the generated value trees shallow on the stack.
fn param_name() -> BoxedStrategy<String> {
    param_name_strategy().boxed()
}

/// `params_strategy`, boxed: boxing keeps the generated value trees shallow on the stack.
fn params() -> BoxedStrategy<Vec<(String, String)>> {
    params_strategy().boxed()
}

/// `json_value_strategy`, boxed: boxing keeps the generated value trees shallow on the stack.
fn json_value() -> BoxedStrategy<Value> {
    json_value_strategy().boxed()
}

/// `tencent_body_strategy`, boxed: boxing keeps the generated value trees shallow on the stack.
fn tencent_body() -> BoxedStrategy<Vec<u8>> {
    tencent_body_strategy().boxed()
}

/// `body_strategy`, boxed: boxing keeps the generated value trees shallow on the stack.
fn body() -> BoxedStrategy<Vec<u8>> {
    body_strategy().boxed()
}

/// `header_value_strategy`, boxed: boxing keeps the generated value trees shallow on the stack.
fn header_value() -> BoxedStrategy<Vec<u8>> {
    header_value_strategy().boxed()
}

/// `authorization_strategy`, boxed: boxing keeps the generated value trees shallow on the stack.
fn authorization() -> BoxedStrategy<Vec<u8>> {
    authorization_strategy().boxed()
}

/// `headers_strategy`, boxed: boxing keeps the generated value trees shallow on the stack.
fn headers() -> BoxedStrategy<Vec<(String, Vec<u8>)>> {
    headers_strategy().boxed()
}

/// `method_strategy`, boxed: boxing keeps the generated value trees shallow on the stack.
fn method() -> BoxedStrategy<String> {
    method_strategy().boxed()
}

/// `target_strategy`, boxed: boxing keeps the generated value trees shallow on the stack.
fn target() -> BoxedStrategy<String> {
    target_strategy().boxed()
}

/// `tencent_action_strategy`, boxed: boxing keeps the generated value trees shallow on the stack.
fn tencent_action() -> BoxedStrategy<String> {
    tencent_action_strategy().boxed()
}

/// `alibaba_action_strategy`, boxed: boxing keeps the generated value trees shallow on the stack.
fn alibaba_action() -> BoxedStrategy<String> {
    alibaba_action_strategy().boxed()
}

/// `aws_action_strategy`, boxed: boxing keeps the generated value trees shallow on the stack.
fn aws_action() -> BoxedStrategy<(String, String)> {
    aws_action_strategy().boxed()
}

/// Many distinct flattened keys (`Filters.N.Values.M`, each index under the per-index cap)
/// used to allocate without a bound on their total. Validly signed requests with more
/// parameters than the emulator's cap (1000) are refused in each cloud's error shape, and the
/// emulator goes on serving.
#[test]
fn validly_signed_requests_with_too_many_parameters_are_refused() {
    let many: Vec<(String, String)> = (0..1200)
        .map(|n| {
            (
                format!("Filters.{}.Values.{}", n / 100, n % 100),
                "x".to_owned(),
            )
        })
        .collect();
    let query = many
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let tencent_get = send(&tencent_tc3("DescribeInstances", true, &query, b"")).unwrap();
    check(Route::Tencent, &tencent_get).unwrap();
    assert!(
        tencent_get.text().contains("InvalidParameterValue"),
        "{}",
        tencent_get.text()
    );
    let tencent_v1 = send(&tencent_v1("DescribeInstances", &many)).unwrap();
    check(Route::Tencent, &tencent_v1).unwrap();
    assert!(
        tencent_v1.text().contains("InvalidParameterValue"),
        "{}",
        tencent_v1.text()
    );

    let mut ali_params = vec![("RegionId".to_owned(), "cn-hangzhou".to_owned())];
    ali_params.extend((0..1200).map(|n| (format!("Tag.{n}.Key"), "k".to_owned())));
    let ali = send(&alibaba_rpc("DescribeInstances", &ali_params)).unwrap();
    check(Route::Alibaba, &ali).unwrap();
    assert_eq!(ali.status, 400, "{}", ali.text());
    assert!(ali.text().contains("InvalidParameter"), "{}", ali.text());

    let mut aws_params = vec![
        ("Action".to_owned(), "DescribeInstances".to_owned()),
        ("Version".to_owned(), "2016-11-15".to_owned()),
    ];
    aws_params.extend((0..1200).map(|n| (format!("InstanceId.{n}"), "i-0".to_owned())));
    let aws = send(&aws_query("ec2", &aws_params)).unwrap();
    check(Route::Aws, &aws).unwrap();
    assert_eq!(aws.status, 400, "{}", aws.text());
    assert!(
        aws.text().contains("InvalidParameterValue"),
        "{}",
        aws.text()
    );

    let after = send(&tencent_tc3("DescribeInstances", false, "", b"{}")).unwrap();
    assert!(after.text().contains("TotalCount"), "{}", after.text());
}

/// A thousand parameters, each index within bounds, that would pad a thousand lists to 1000
/// entries each (a million values): refused in Tencent's shape, and the emulator serves on.
#[test]
fn validly_signed_lists_padded_to_the_top_index_are_refused() {
    let query = (0..1000)
        .map(|n| format!("Filters.{n}.Values.999=x"))
        .collect::<Vec<_>>()
        .join("&");
    let r = send(&tencent_tc3("DescribeInstances", true, &query, b"")).unwrap();
    check(Route::Tencent, &r).unwrap();
    assert!(r.text().contains("InvalidParameterValue"), "{}", r.text());
    let after = send(&tencent_tc3("DescribeInstances", false, "", b"{}")).unwrap();
    assert!(after.text().contains("TotalCount"), "{}", after.text());
}

/// An API body over the limit (4 MiB by default) is refused with 413 before it is parsed.
#[test]
fn an_api_body_over_the_limit_is_refused_unparsed() {
    let body = vec![b'0'; 4 * 1024 * 1024 + 1];
    let raw = build(
        "POST",
        "/",
        &text_headers(&[
            ("X-TC-Action", "DescribeInstances".to_owned()),
            ("Content-Type", "application/json".to_owned()),
        ]),
        &body,
    );
    let r = send(&raw).unwrap();
    assert_eq!(r.status, 413, "{}", r.text());
}

/// A body that does not hash to its `x-amz-content-sha256`, or to its `Content-MD5`, is
/// refused with S3's codes and stores nothing; a HEAD error has no body.
#[test]
fn s3_payload_digests_are_checked() {
    fn with_header(raw: Vec<u8>, name: &str, value: &str) -> Vec<u8> {
        let text = String::from_utf8(raw).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        format!("{head}\r\n{name}: {value}\r\n\r\n{body}").into_bytes()
    }
    // Signed over the hash of "good", sent with "evil".
    let signed = String::from_utf8(s3_rest("PUT", "/robust/digest", b"good")).unwrap();
    let tampered = signed.replace("\r\n\r\ngood", "\r\n\r\nevil");
    let r = send(tampered.as_bytes()).unwrap();
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.text().contains("<Code>XAmzContentSHA256Mismatch</Code>"),
        "{}",
        r.text()
    );
    let r = send(&s3_rest("GET", "/robust/digest", b"")).unwrap();
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(r.text().contains("<Code>NoSuchKey</Code>"), "{}", r.text());
    // Content-MD5 (not signed here) of other bytes; then one that is not an MD5 at all.
    let bad_md5 = with_header(
        s3_rest("PUT", "/robust/md5", b"data"),
        "Content-MD5",
        "1B2M2Y8AsgTpgAmY7PhCfg==",
    );
    let r = send(&bad_md5).unwrap();
    assert!(r.text().contains("<Code>BadDigest</Code>"), "{}", r.text());
    let junk_md5 = with_header(
        s3_rest("PUT", "/robust/md5", b"data"),
        "Content-MD5",
        "nope",
    );
    let r = send(&junk_md5).unwrap();
    assert!(
        r.text().contains("<Code>InvalidDigest</Code>"),
        "{}",
        r.text()
    );
    let r = send(&s3_rest("HEAD", "/robust/md5", b"")).unwrap();
    assert_eq!(r.status, 404);
    assert!(r.body.is_empty());
    assert!(r.header("x-amz-request-id").is_some());
}
