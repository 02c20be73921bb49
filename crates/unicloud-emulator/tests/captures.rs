//! Requests captured from the vendors' official SDKs, replayed byte for byte with their
//! credentials and the clock fixed at capture time, pass the signature checks; tampered,
//! stale, replayed or unknown-key variants fail with each vendor's own codes.

// Test helpers outside #[test] fns may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{Resp, build_raw, send_raw};
use unicloud_core::Provider;
use unicloud_core::signing::parse_form;
use unicloud_emulator::{Emulator, EmulatorHandle};
use unicloud_testkit::capture::Capture;

const TC_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const TC_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
const ALI_ID: &str = "testid";
const ALI_KEY: &str = "testsecret";

/// Loads a capture through the shared loader (a missing one fails the test).
fn load(prefix: &str) -> Capture {
    Capture::load(prefix).unwrap_or_else(|e| panic!("{e}"))
}

fn header<'a>(cap: &'a Capture, name: &str) -> Option<&'a str> {
    cap.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The capture's signing time: `X-TC-Timestamp`, `x-acs-date`, or the `Timestamp` parameter
/// (Unix seconds for Tencent's v1 signature, ISO 8601 for Alibaba's RPC v1) of the query or
/// form body.
fn capture_time(cap: &Capture) -> SystemTime {
    let from_unix = |s: &str| UNIX_EPOCH + Duration::from_secs(s.parse().unwrap());
    if let Some(ts) = header(cap, "X-TC-Timestamp") {
        return from_unix(ts);
    }
    let iso = header(cap, "x-acs-date")
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let query = cap.target.split_once('?').map_or("", |(_, q)| q);
            let body = String::from_utf8_lossy(&cap.body).into_owned();
            let params = parse_form(query)
                .unwrap()
                .into_iter()
                .chain(parse_form(&body).unwrap_or_default());
            params
                .into_iter()
                .find(|(k, _)| k == "Timestamp")
                .map(|(_, v)| v)
                .unwrap()
        });
    if iso.bytes().all(|b| b.is_ascii_digit()) {
        return from_unix(&iso);
    }
    let d =
        time::OffsetDateTime::parse(&iso, &time::format_description::well_known::Rfc3339).unwrap();
    UNIX_EPOCH + Duration::from_secs(d.unix_timestamp() as u64)
}

/// The capture as raw bytes to send.
fn raw(cap: &Capture) -> Vec<u8> {
    build_raw(&cap.method, &cap.target, &cap.headers, &cap.body)
}

async fn emulator(at: SystemTime, tc_key: &str, ali_key: &str) -> EmulatorHandle {
    Emulator::builder()
        .key(Provider::Tencent, TC_ID, tc_key)
        .key(Provider::Alibaba, ALI_ID, ali_key)
        .fixed_time(at)
        .start()
        .await
        .unwrap()
}

fn tencent_code(r: &Resp) -> Option<String> {
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/json"));
    r.json()["Response"]["Error"]["Code"]
        .as_str()
        .map(str::to_owned)
}

fn alibaba_code(r: &Resp) -> Option<String> {
    if r.status == 200 {
        return None;
    }
    let v = r.json();
    for f in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
        assert!(v.get(f).is_some(), "error lacks {f}: {}", r.body);
    }
    v["Code"].as_str().map(str::to_owned)
}

/// Tencent captures: TC3 POST (001, 003, 005, 007), TC3 GET (009) and the legacy
/// `HmacSHA256` v1 signature in a form body (010).
const TENCENT: [&str; 6] = ["001", "003", "005", "007", "009", "010"];
/// Alibaba captures: ACS3 (011, 013, 019, 021, 023, 025; 013 and 025 carry `+` for spaces in
/// the query) and RPC v1 HMAC-SHA1 (015, 017, 054).
const ALIBABA: [&str; 9] = [
    "011", "013", "015", "017", "019", "021", "023", "025", "054",
];

fn is_auth_code(c: &str) -> bool {
    c.starts_with("AuthFailure")
        || c.starts_with("SignatureDoesNotMatch")
        || c.starts_with("InvalidAccessKeyId")
        || c.starts_with("InvalidTimeStamp")
        || c.starts_with("SignatureNonceUsed")
        || c.starts_with("Missing")
}

#[tokio::test]
async fn tencent_captures_pass_signature_checks() {
    for name in TENCENT {
        let cap = load(name);
        let emu = emulator(capture_time(&cap), TC_KEY, ALI_KEY).await;
        let code = tencent_code(&send_raw(emu.addr(), &raw(&cap)).await);
        assert!(
            code.as_deref().is_none_or(|c| !is_auth_code(c)),
            "{name}: {code:?}"
        );
        if cap.name.contains("cvm-DescribeInstances") {
            assert_eq!(code, None, "{name}");
        }
        emu.shutdown().await;
    }
}

#[tokio::test]
async fn alibaba_captures_pass_signature_checks() {
    for name in ALIBABA {
        let cap = load(name);
        let emu = emulator(capture_time(&cap), TC_KEY, ALI_KEY).await;
        let resp = send_raw(emu.addr(), &raw(&cap)).await;
        let code = alibaba_code(&resp);
        assert!(
            code.as_deref().is_none_or(|c| !is_auth_code(c)),
            "{name}: {code:?}"
        );
        if cap.name.contains("ecs-DescribeInstances") {
            assert_eq!(resp.status, 200, "{name}: {}", resp.body);
            assert_eq!(resp.json()["TotalCount"], 0);
        }
        // The same request again is a replayed nonce.
        let again = alibaba_code(&send_raw(emu.addr(), &raw(&cap)).await);
        assert_eq!(again.as_deref(), Some("SignatureNonceUsed"), "{name}");
        emu.shutdown().await;
    }
}

#[tokio::test]
async fn wrong_secret_stale_clock_and_unknown_key_are_rejected() {
    for name in TENCENT {
        let cap = load(name);
        let emu = emulator(capture_time(&cap), "wrong-secret", ALI_KEY).await;
        let code = tencent_code(&send_raw(emu.addr(), &raw(&cap)).await);
        assert_eq!(
            code.as_deref(),
            Some("AuthFailure.SignatureFailure"),
            "{name}"
        );
        emu.shutdown().await;
        let emu = emulator(
            capture_time(&cap) + Duration::from_secs(301),
            TC_KEY,
            ALI_KEY,
        )
        .await;
        let code = tencent_code(&send_raw(emu.addr(), &raw(&cap)).await);
        assert_eq!(
            code.as_deref(),
            Some("AuthFailure.SignatureExpire"),
            "{name}"
        );
        emu.shutdown().await;
    }
    for name in ALIBABA {
        let cap = load(name);
        let emu = emulator(capture_time(&cap), TC_KEY, "wrong-secret").await;
        let resp = send_raw(emu.addr(), &raw(&cap)).await;
        assert_eq!(resp.status, 400, "{name}");
        assert_eq!(
            alibaba_code(&resp).as_deref(),
            Some("SignatureDoesNotMatch"),
            "{name}"
        );
        emu.shutdown().await;
        let emu = emulator(
            capture_time(&cap) - Duration::from_secs(301),
            TC_KEY,
            ALI_KEY,
        )
        .await;
        let resp = send_raw(emu.addr(), &raw(&cap)).await;
        assert_eq!(
            alibaba_code(&resp).as_deref(),
            Some("InvalidTimeStamp.Expired"),
            "{name}"
        );
        emu.shutdown().await;
    }
    // Unknown keys.
    let cap = load(TENCENT[0]);
    let emu = Emulator::builder()
        .key(Provider::Tencent, "AKIDother", TC_KEY)
        .key(Provider::Alibaba, "otherid", ALI_KEY)
        .fixed_time(capture_time(&cap))
        .start()
        .await
        .unwrap();
    let code = tencent_code(&send_raw(emu.addr(), &raw(&cap)).await);
    assert_eq!(code.as_deref(), Some("AuthFailure.SecretIdNotFound"));
    let cap = load(ALIBABA[0]);
    let resp = send_raw(emu.addr(), &raw(&cap)).await;
    assert_eq!(resp.status, 404);
    assert_eq!(
        alibaba_code(&resp).as_deref(),
        Some("InvalidAccessKeyId.NotFound")
    );
    // A tampered body fails the signature.
    let cap = load(TENCENT[0]);
    let emu2 = emulator(capture_time(&cap), TC_KEY, ALI_KEY).await;
    let mut tampered = load(TENCENT[0]);
    tampered.body = tampered
        .body
        .iter()
        .map(|b| if *b == b'8' { b'9' } else { *b })
        .collect();
    let code = tencent_code(&send_raw(emu2.addr(), &raw(&tampered)).await);
    assert_eq!(code.as_deref(), Some("AuthFailure.SignatureFailure"));
    emu.shutdown().await;
    emu2.shutdown().await;
}

/// The SLB captures (AddBackendServers over ACS3 and RPC v1, DescribeHealthStatus,
/// RemoveBackendServers) and Tencent's CLB DescribeTargetHealth are answered in the vendors'
/// shapes once the world holds the ids they name.
#[tokio::test]
async fn load_balancer_captures_replay_against_seeded_ids() {
    use unicloud_emulator::{Instance, LoadBalancerSeed};
    const SLB: &str = "lb-bp1qjwo61pqz3ah****";
    const ECS: &str = "i-bp67acfmxazb4p****";
    for name in ["013", "017", "019", "025"] {
        let cap = load(name);
        let emu = emulator(capture_time(&cap), TC_KEY, ALI_KEY).await;
        let mut inst = Instance::template(Provider::Alibaba, "cn-hangzhou", ECS);
        inst.vpc_id = String::new();
        emu.seed_instance(Provider::Alibaba, inst);
        let mut seed = LoadBalancerSeed::new(SLB).listener("80", 80, "tcp");
        if name != "013" && name != "017" {
            seed = seed.backend(SLB, ECS, 0);
        }
        emu.seed_load_balancer(Provider::Alibaba, "cn-hangzhou", &seed)
            .unwrap();
        let resp = send_raw(emu.addr(), &raw(&cap)).await;
        assert_eq!(resp.status, 200, "{name}: {}", resp.body);
        let v = resp.json();
        assert!(v["RequestId"].is_string(), "{name}: {v}");
        match name {
            "013" | "017" => {
                assert_eq!(v["LoadBalancerId"], SLB);
                let s = &v["BackendServers"]["BackendServer"][0];
                assert_eq!(
                    (&s["ServerId"], &s["Weight"], &s["Type"]),
                    (&ECS.into(), &"100".into(), &"ecs".into()),
                    "{v}"
                );
            }
            "019" => {
                let s = &v["BackendServers"]["BackendServer"][0];
                assert_eq!(s["ServerId"], ECS, "{v}");
                assert_eq!(s["ListenerPort"], 80);
                assert_eq!(s["Port"], 80);
                assert_eq!(s["ServerHealthStatus"], "normal", "{v}");
            }
            _ => {
                let left = &v["BackendServers"]["BackendServer"];
                assert_eq!(left.as_array().map(Vec::len), Some(0), "{v}");
            }
        }
        emu.shutdown().await;
    }
    // Tencent 007: the load balancer, its HTTP listener and the two targets it names.
    let cap = load("007");
    let emu = emulator(capture_time(&cap), TC_KEY, ALI_KEY).await;
    for id in ["ins-r8hr2upy", "ins-r8hr2upz"] {
        let mut i = Instance::template(Provider::Tencent, "ap-guangzhou", id);
        if id.ends_with('z') {
            i.state = unicloud_emulator::InstanceState::Stopped;
        }
        emu.seed_instance(Provider::Tencent, i);
    }
    let seed = LoadBalancerSeed::new("lb-b7pj5p3q")
        .listener("lbl-qe0xmaxa", 80, "HTTP")
        .backend("lbl-qe0xmaxa", "ins-r8hr2upy", 80)
        .backend("lbl-qe0xmaxa", "ins-r8hr2upz", 80);
    emu.seed_load_balancer(Provider::Tencent, "ap-guangzhou", &seed)
        .unwrap();
    let resp = send_raw(emu.addr(), &raw(&cap)).await;
    assert_eq!(tencent_code(&resp), None, "{}", resp.body);
    let v = resp.json();
    let l = &v["Response"]["LoadBalancers"][0]["Listeners"][0];
    assert_eq!(l["ListenerId"], "lbl-qe0xmaxa", "{v}");
    let t = &l["Rules"][0]["Targets"];
    assert_eq!(t[0]["HealthStatusDetail"], "Alive", "{v}");
    assert_eq!(t[1]["HealthStatusDetail"], "Dead", "{v}");
    assert_eq!(t[1]["HealthStatus"], false);
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------
// Object storage: the oss2, OSS v2 SDK and cos-python-sdk-v5 captures (027–051) replayed
// against seeded buckets and upload ids, each at its own signing time.

/// The signing time of an object-storage capture: OSS v4 `x-oss-date`, OSS v1 `Date`, COS
/// the start of `q-sign-time`.
fn storage_time(cap: &Capture) -> SystemTime {
    if let Some(d) = header(cap, "x-oss-date") {
        let iso = format!(
            "{}-{}-{}T{}:{}:{}Z",
            &d[0..4],
            &d[4..6],
            &d[6..8],
            &d[9..11],
            &d[11..13],
            &d[13..15]
        );
        let t = time::OffsetDateTime::parse(&iso, &time::format_description::well_known::Rfc3339)
            .unwrap();
        return UNIX_EPOCH + Duration::from_secs(t.unix_timestamp() as u64);
    }
    if let Some(d) = header(cap, "date") {
        let t =
            time::OffsetDateTime::parse(d, &time::format_description::well_known::Rfc2822).unwrap();
        return UNIX_EPOCH + Duration::from_secs(t.unix_timestamp() as u64);
    }
    let auth = header(cap, "authorization").unwrap();
    let start = auth
        .split("q-sign-time=")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .unwrap();
    UNIX_EPOCH + Duration::from_secs(start.parse().unwrap())
}

/// The captured body, or for a `<binary N bytes …>` placeholder N bytes of our own (object
/// signatures do not cover the body).
fn storage_body(cap: &Capture, seed: u8) -> Vec<u8> {
    match cap.body.strip_prefix(b"<binary ") {
        Some(rest) => {
            let text = String::from_utf8_lossy(rest);
            let n: usize = text.split(' ').next().unwrap().parse().unwrap();
            (0..n)
                .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
                .collect()
        }
        None => cap.body.clone(),
    }
}

fn md5_hex(data: &[u8]) -> String {
    use md5::Digest as _;
    hex::encode(md5::Md5::digest(data))
}

#[tokio::test]
async fn storage_captures_replay_with_etags_and_crc64() {
    use std::sync::Arc;
    use unicloud_core::clock::ManualClock;
    let clock = Arc::new(ManualClock::new(UNIX_EPOCH));
    let emu = Emulator::builder()
        .key(Provider::Tencent, TC_ID, TC_KEY)
        .key(Provider::Alibaba, ALI_ID, ALI_KEY)
        .clock(clock.clone())
        .bucket(Provider::Alibaba, "examplebucket")
        .bucket(Provider::Tencent, "examplebucket-1250000000")
        // The captures' parts are 100 KiB; COS documents 1 MiB as its minimum.
        .min_part_size(Provider::Tencent, 100 * 1024)
        .start()
        .await
        .unwrap();
    emu.seed_upload(
        Provider::Alibaba,
        "examplebucket",
        "dir/big.bin",
        "E404B2B0233242288AAF73C5DD492D9F",
    )
    .unwrap();
    emu.seed_upload(
        Provider::Alibaba,
        "examplebucket",
        "dir/big.bin",
        "C1BB907A388C47F7AEF17BC4940723B4",
    )
    .unwrap();
    emu.seed_upload(
        Provider::Tencent,
        "examplebucket-1250000000",
        "dir/big.bin",
        "59C9D1D976F94C78BEF976CAFD9F6956",
    )
    .unwrap();
    // Captured part ETag → the one the emulator gave our bytes, for the completes.
    let mut etags: Vec<(String, String)> = Vec::new();
    let mut checked = 0;
    for n in 27..=51 {
        let prefix = format!("{n:03}");
        let cap = load(&prefix);
        clock.set(storage_time(&cap));
        let mut body = storage_body(&cap, n as u8);
        if cap.method == "POST" && cap.target.contains("uploadId=") {
            let mut text = String::from_utf8(body).unwrap();
            for (old, new) in &etags {
                text = text.replace(old.as_str(), new.as_str());
            }
            body = text.into_bytes();
        }
        let r = send_raw(
            emu.addr(),
            &build_raw(&cap.method, &cap.target, &cap.headers, &body),
        )
        .await;
        assert_eq!(r.status, 200, "{prefix}: {} {}", r.status, r.body);
        let id = r
            .header("x-cos-request-id")
            .or(r.header("x-oss-request-id"))
            .unwrap_or_default();
        assert!(!id.is_empty(), "{prefix}: no request id");
        let crc = r
            .header("x-cos-hash-crc64ecma")
            .or(r.header("x-oss-hash-crc64ecma"));
        if cap.method == "PUT" {
            let md5 = md5_hex(&body);
            let etag = r
                .header("etag")
                .unwrap()
                .trim_matches('"')
                .to_ascii_lowercase();
            assert_eq!(etag, md5, "{prefix}");
            let want = crc_fast::checksum(crc_fast::CrcAlgorithm::Crc64Xz, &body);
            assert_eq!(crc, Some(want.to_string().as_str()), "{prefix}");
            if cap.target.contains("partNumber=") {
                // The capture's own part ETag, as the SDK listed it in the complete.
                let text = std::fs::read_to_string(
                    std::fs::read_dir(unicloud_testkit::fixtures::wire_captures_dir())
                        .unwrap()
                        .filter_map(Result::ok)
                        .find(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                        .unwrap()
                        .path(),
                )
                .unwrap();
                let theirs = text.split("md5=").nth(1).unwrap()[..32].to_owned();
                let upper = cap.headers.iter().any(|(_, v)| v.contains("OSS"));
                let (old, new) = if upper {
                    (theirs.to_ascii_uppercase(), md5.to_ascii_uppercase())
                } else {
                    (theirs, md5)
                };
                etags.push((old, new));
            } else {
                // Small single PUTs: the hand-written response's CRC-64 agrees with ours.
                let text_crc = crc.unwrap();
                assert!(
                    ["3777670931780528061", "17223430255209957478"].contains(&text_crc),
                    "{prefix}: {text_crc}"
                );
            }
        }
        if cap.method == "POST" && cap.target.contains("uploadId=") {
            assert!(
                r.body.contains("<CompleteMultipartUploadResult>"),
                "{prefix}: {}",
                r.body
            );
            assert!(r.header("etag").unwrap().ends_with("-3\""), "{prefix}");
            assert!(crc.is_some(), "{prefix}");
        }
        checked += 1;
    }
    assert_eq!(checked, 25);
    assert_eq!(
        crc_fast::checksum(crc_fast::CrcAlgorithm::Crc64Xz, b"123456789"),
        0x995D_C9BB_DF19_39FA
    );
    // The objects are there, with the bytes sent.
    let oss = emu.storage(Provider::Alibaba);
    let b = oss.bucket("examplebucket").unwrap();
    assert_eq!(b.object("dir/hello.txt").unwrap().size, 10);
    assert_eq!(b.object("dir/big.bin").unwrap().parts, 3);
    assert_eq!(
        emu.object_bytes(
            Provider::Tencent,
            "examplebucket-1250000000",
            "dir/hello.txt"
        ),
        Some(b"hello cos\n".to_vec())
    );
    // A tampered signature stores nothing.
    let cap = load("043");
    clock.set(storage_time(&cap));
    let mut headers = cap.headers.clone();
    for (k, v) in &mut headers {
        if k.eq_ignore_ascii_case("authorization") {
            *v = v.replace("q-signature=a", "q-signature=b");
        }
    }
    let r = send_raw(
        emu.addr(),
        &build_raw(&cap.method, "/dir/other.txt", &headers, b"evil\n"),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{}",
        r.body
    );
    for tag in ["<Message>", "<Resource>", "<RequestId>", "<TraceId>"] {
        assert!(r.body.contains(tag), "{}", r.body);
    }
    assert!(
        emu.object_bytes(
            Provider::Tencent,
            "examplebucket-1250000000",
            "dir/other.txt"
        )
        .is_none()
    );
    emu.shutdown().await;
}

/// A COS request signed now by `unicloud_tencent::sign::cos` (path-style on the emulator's
/// address), with `secret`.
fn cos_request(
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: &[u8],
    secret: &str,
) -> Vec<u8> {
    use unicloud_tencent::sign::{Credential, cos};
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let len = body.len().to_string();
    let headers = [("Host", "127.0.0.1"), ("Content-Length", len.as_str())];
    let names: Vec<&str> = query.iter().map(|(k, _)| *k).collect();
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned();
    let sig = cos::sign(
        &cos::CosRequest {
            method,
            path: &decoded,
            params: query,
            headers: &headers,
            // build_raw sends a Content-Length only for a body or a POST.
            signed_headers: if body.is_empty() && method != "POST" {
                &["host"]
            } else {
                &["host", "content-length"]
            },
            signed_params: &names,
        },
        &Credential::new(TC_ID, secret),
        cos::KeyTime::new(now - 10, now + 600).unwrap(),
    )
    .unwrap();
    let q: Vec<String> = query
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                (*k).to_owned()
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    let target = if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", q.join("&"))
    };
    let hs = vec![
        ("Host".to_owned(), "127.0.0.1".to_owned()),
        ("Authorization".to_owned(), sig.authorization),
    ];
    build_raw(method, &target, &hs, body)
}

/// An OSS request signed now with v1 by `unicloud_alibaba::sign::oss::v1`, path-style.
fn oss_request(
    method: &str,
    bucket: &str,
    key: &str,
    query: &[(&str, &str)],
    body: &[u8],
    secret: &str,
) -> Vec<u8> {
    use unicloud_alibaba::sign::Credential;
    use unicloud_alibaba::sign::oss::v1;
    let date = unicloud_emulator_http_date();
    let headers = [("Date", date.as_str())];
    let sig = v1::sign(
        &v1::OssV1Request {
            method,
            bucket: Some(bucket),
            key: (!key.is_empty()).then_some(key),
            params: query,
            headers: &headers,
        },
        &Credential::new(ALI_ID, secret),
    );
    let q: Vec<String> = query
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                (*k).to_owned()
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    let path = format!("/{bucket}/{}", key.replace('/', "%2F"));
    let target = if q.is_empty() {
        path
    } else {
        format!("{path}?{}", q.join("&"))
    };
    let hs = vec![
        ("Host".to_owned(), "127.0.0.1".to_owned()),
        ("Date".to_owned(), date.clone()),
        ("Authorization".to_owned(), sig.authorization),
    ];
    build_raw(method, &target, &hs, body)
}

fn unicloud_emulator_http_date() -> String {
    let t = time::OffsetDateTime::now_utc();
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        days[t.weekday().number_days_from_monday() as usize],
        t.day(),
        months[u8::from(t.month()) as usize - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn has_elements(body: &str, tags: &[&str]) -> bool {
    tags.iter().all(|t| {
        let open = format!("<{t}>");
        body.split(&open)
            .nth(1)
            .is_some_and(|rest| !rest.starts_with('<'))
    })
}

/// COS and OSS errors in their vendors' shapes: every element filled, the request-id header,
/// the vendor's minimum part sizes (COS 1 MiB, OSS 100 KiB) enforced by default.
#[tokio::test]
async fn cos_and_oss_errors_have_the_vendor_shapes() {
    let emu = Emulator::builder()
        .key(Provider::Tencent, TC_ID, TC_KEY)
        .key(Provider::Alibaba, ALI_ID, ALI_KEY)
        .start()
        .await
        .unwrap();
    let cos_tags = ["Code", "Message", "Resource", "RequestId", "TraceId"];
    let oss_tags = ["Code", "Message", "RequestId", "HostId", "EC"];
    let b = "/shape-1250000000";
    let r = send_raw(
        emu.addr(),
        &cos_request("PUT", &format!("{b}/k"), &[], b"x", TC_KEY),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(
        r.body.contains("<Code>NoSuchBucket</Code>") && has_elements(&r.body, &cos_tags),
        "{}",
        r.body
    );
    assert!(r.header("x-cos-request-id").is_some());
    let r = send_raw(
        emu.addr(),
        &cos_request("PUT", &format!("{b}/"), &[], b"", TC_KEY),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = send_raw(
        emu.addr(),
        &cos_request("GET", &format!("{b}/missing"), &[], b"", TC_KEY),
    )
    .await;
    assert!(
        r.body.contains("<Code>NoSuchKey</Code>") && has_elements(&r.body, &cos_tags),
        "{}",
        r.body
    );
    let r = send_raw(
        emu.addr(),
        &cos_request("PUT", &format!("{b}/k"), &[], b"x", "wrong"),
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(
        r.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{}",
        r.body
    );
    let r = send_raw(
        emu.addr(),
        &cos_request(
            "PUT",
            &format!("{b}/k"),
            &[("partNumber", "1"), ("uploadId", "NOPE")],
            b"x",
            TC_KEY,
        ),
    )
    .await;
    assert!(r.body.contains("<Code>NoSuchUpload</Code>"), "{}", r.body);
    // Two small parts: COS refuses the first (under 1 MiB) at completion.
    let r = send_raw(
        emu.addr(),
        &cos_request("POST", &format!("{b}/mp"), &[("uploads", "")], b"", TC_KEY),
    )
    .await;
    let id = r
        .body
        .split("<UploadId>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let mut xml = String::from("<CompleteMultipartUpload>");
    for n in ["1", "2"] {
        let r = send_raw(
            emu.addr(),
            &cos_request(
                "PUT",
                &format!("{b}/mp"),
                &[("partNumber", n), ("uploadId", &id)],
                b"tiny",
                TC_KEY,
            ),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.header("x-cos-hash-crc64ecma").is_some());
        xml.push_str(&format!(
            "<Part><PartNumber>{n}</PartNumber><ETag>{}</ETag></Part>",
            r.header("etag").unwrap()
        ));
    }
    xml.push_str("</CompleteMultipartUpload>");
    let r = send_raw(
        emu.addr(),
        &cos_request(
            "POST",
            &format!("{b}/mp"),
            &[("uploadId", &id)],
            xml.as_bytes(),
            TC_KEY,
        ),
    )
    .await;
    assert!(r.body.contains("<Code>EntityTooSmall</Code>"), "{}", r.body);
    let r = send_raw(
        emu.addr(),
        &cos_request("GET", &format!("{b}/"), &[("uploads", "")], b"", TC_KEY),
    )
    .await;
    assert!(
        r.body.contains(&format!("<UploadId>{id}</UploadId>")),
        "{}",
        r.body
    );

    // OSS.
    let r = send_raw(
        emu.addr(),
        &oss_request("PUT", "shape", "dir/k", &[], b"x", ALI_KEY),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(
        r.body.contains("<Code>NoSuchBucket</Code>") && has_elements(&r.body, &oss_tags),
        "{}",
        r.body
    );
    assert!(r.body.contains("<EC>0015-00000101</EC>"), "{}", r.body);
    assert!(r.header("x-oss-request-id").is_some());
    let r = send_raw(
        emu.addr(),
        &oss_request("PUT", "shape", "", &[], b"", ALI_KEY),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = send_raw(
        emu.addr(),
        &oss_request("PUT", "shape", "dir/k", &[], b"hello oss\n", ALI_KEY),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.header("x-oss-hash-crc64ecma"),
        Some("17223430255209957478")
    );
    let r = send_raw(
        emu.addr(),
        &oss_request("GET", "shape", "dir/k", &[], b"", ALI_KEY),
    )
    .await;
    assert_eq!(r.body, "hello oss\n");
    let r = send_raw(
        emu.addr(),
        &oss_request("GET", "shape", "missing", &[], b"", ALI_KEY),
    )
    .await;
    assert!(
        r.body.contains("<Code>NoSuchKey</Code>") && has_elements(&r.body, &oss_tags),
        "{}",
        r.body
    );
    let r = send_raw(
        emu.addr(),
        &oss_request("PUT", "shape", "evil", &[], b"x", "wrong"),
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(
        r.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{}",
        r.body
    );
    assert!(
        emu.object_bytes(Provider::Alibaba, "shape", "evil")
            .is_none()
    );
    emu.shutdown().await;
}
