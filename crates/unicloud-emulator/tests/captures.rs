//! Requests captured from the vendors' official SDKs, replayed byte for byte with their
//! credentials and the clock fixed at capture time, pass the signature checks; tampered,
//! stale, replayed or unknown-key variants fail with each vendor's own codes.

// Test helpers outside #[test] fns may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{Resp, build_raw, send_raw, shared_file};
use unicloud_core::Provider;
use unicloud_emulator::{Emulator, EmulatorHandle};

const TC_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const TC_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
const ALI_ID: &str = "testid";
const ALI_KEY: &str = "testsecret";

struct Capture {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Capture {
    fn load(name: &str) -> Self {
        let text = std::fs::read_to_string(shared_file(&format!("wire-captures/{name}"))).unwrap();
        let req = text
            .split_once("===\n")
            .unwrap()
            .1
            .split("\n=== RESPONSE")
            .next()
            .unwrap();
        let (head, body) = req.split_once("\n\n").unwrap();
        let mut lines = head.lines();
        let mut first = lines.next().unwrap().split(' ');
        let method = first.next().unwrap().to_owned();
        let target = first.next().unwrap().to_owned();
        let headers = lines
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap();
                (k.to_owned(), v.trim_start().to_owned())
            })
            .collect();
        let body = body.trim_end_matches('\n');
        let body = if body == "<empty body>" { "" } else { body };
        Self {
            method,
            target,
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The capture's signing time.
    fn time(&self) -> SystemTime {
        if let Some(ts) = self.header("X-TC-Timestamp") {
            return UNIX_EPOCH + Duration::from_secs(ts.parse().unwrap());
        }
        let iso = self
            .header("x-acs-date")
            .map(str::to_owned)
            .unwrap_or_else(|| {
                let q = self.target.split_once('?').unwrap().1;
                let t = q
                    .split('&')
                    .find_map(|p| p.strip_prefix("Timestamp="))
                    .unwrap();
                t.replace("%3A", ":")
            });
        let d = time::OffsetDateTime::parse(&iso, &time::format_description::well_known::Rfc3339)
            .unwrap();
        UNIX_EPOCH + Duration::from_secs(d.unix_timestamp() as u64)
    }

    fn raw(&self) -> Vec<u8> {
        build_raw(&self.method, &self.target, &self.headers, &self.body)
    }
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

const TENCENT: [&str; 5] = [
    "001-tc-cvm-DescribeInstances-ids.txt",
    "003-tc-cvm-DescribeInstances-filters.txt",
    "005-tc-vpc-ReplaceRoutes.txt",
    "007-tc-clb-DescribeTargetHealth.txt",
    "009-tc-cvm-DescribeInstances-GET.txt",
];
const ALIBABA: [&str; 9] = [
    "011-ali-ecs-DescribeInstances-acs3.txt",
    "013-ali-slb-AddBackendServers-acs3.txt",
    "015-ali-ecs-DescribeInstances-v1-hmacsha1.txt",
    "017-ali-slb-AddBackendServers-v1-hmacsha1.txt",
    "019-ali-slb-DescribeHealthStatus-acs3.txt",
    "021-ali-vpc-DescribeRouteEntryList-acs3.txt",
    "023-ali-vpc-ModifyRouteEntry-acs3.txt",
    "025-ali-slb-RemoveBackendServers-acs3.txt",
    "054-ali-legacycore-ecs-DescribeInstances.txt",
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
        let cap = Capture::load(name);
        let emu = emulator(cap.time(), TC_KEY, ALI_KEY).await;
        let code = tencent_code(&send_raw(emu.addr(), &cap.raw()).await);
        assert!(
            code.as_deref().is_none_or(|c| !is_auth_code(c)),
            "{name}: {code:?}"
        );
        if name.contains("cvm-DescribeInstances") {
            assert_eq!(code, None, "{name}");
        }
        emu.shutdown().await;
    }
}

#[tokio::test]
async fn alibaba_captures_pass_signature_checks() {
    for name in ALIBABA {
        let cap = Capture::load(name);
        let emu = emulator(cap.time(), TC_KEY, ALI_KEY).await;
        let resp = send_raw(emu.addr(), &cap.raw()).await;
        let code = alibaba_code(&resp);
        assert!(
            code.as_deref().is_none_or(|c| !is_auth_code(c)),
            "{name}: {code:?}"
        );
        if name.contains("ecs-DescribeInstances") {
            assert_eq!(resp.status, 200, "{name}: {}", resp.body);
            assert_eq!(resp.json()["TotalCount"], 0);
        }
        // The same request again is a replayed nonce.
        let again = alibaba_code(&send_raw(emu.addr(), &cap.raw()).await);
        assert_eq!(again.as_deref(), Some("SignatureNonceUsed"), "{name}");
        emu.shutdown().await;
    }
}

#[tokio::test]
async fn wrong_secret_stale_clock_and_unknown_key_are_rejected() {
    for name in TENCENT {
        let cap = Capture::load(name);
        let emu = emulator(cap.time(), "wrong-secret", ALI_KEY).await;
        let code = tencent_code(&send_raw(emu.addr(), &cap.raw()).await);
        assert_eq!(
            code.as_deref(),
            Some("AuthFailure.SignatureFailure"),
            "{name}"
        );
        emu.shutdown().await;
        let emu = emulator(cap.time() + Duration::from_secs(301), TC_KEY, ALI_KEY).await;
        let code = tencent_code(&send_raw(emu.addr(), &cap.raw()).await);
        assert_eq!(
            code.as_deref(),
            Some("AuthFailure.SignatureExpire"),
            "{name}"
        );
        emu.shutdown().await;
    }
    for name in ALIBABA {
        let cap = Capture::load(name);
        let emu = emulator(cap.time(), TC_KEY, "wrong-secret").await;
        let resp = send_raw(emu.addr(), &cap.raw()).await;
        assert_eq!(resp.status, 400, "{name}");
        assert_eq!(
            alibaba_code(&resp).as_deref(),
            Some("SignatureDoesNotMatch"),
            "{name}"
        );
        emu.shutdown().await;
        let emu = emulator(cap.time() - Duration::from_secs(301), TC_KEY, ALI_KEY).await;
        let resp = send_raw(emu.addr(), &cap.raw()).await;
        assert_eq!(
            alibaba_code(&resp).as_deref(),
            Some("InvalidTimeStamp.Expired"),
            "{name}"
        );
        emu.shutdown().await;
    }
    // Unknown keys.
    let cap = Capture::load(TENCENT[0]);
    let emu = Emulator::builder()
        .key(Provider::Tencent, "AKIDother", TC_KEY)
        .key(Provider::Alibaba, "otherid", ALI_KEY)
        .fixed_time(cap.time())
        .start()
        .await
        .unwrap();
    let code = tencent_code(&send_raw(emu.addr(), &cap.raw()).await);
    assert_eq!(code.as_deref(), Some("AuthFailure.SecretIdNotFound"));
    let cap = Capture::load(ALIBABA[0]);
    let resp = send_raw(emu.addr(), &cap.raw()).await;
    assert_eq!(resp.status, 404);
    assert_eq!(
        alibaba_code(&resp).as_deref(),
        Some("InvalidAccessKeyId.NotFound")
    );
    // A tampered body fails the signature.
    let cap = Capture::load(TENCENT[0]);
    let emu2 = emulator(cap.time(), TC_KEY, ALI_KEY).await;
    let mut tampered = Capture::load(TENCENT[0]);
    tampered.body = tampered
        .body
        .iter()
        .map(|b| if *b == b'8' { b'9' } else { *b })
        .collect();
    let code = tencent_code(&send_raw(emu2.addr(), &tampered.raw()).await);
    assert_eq!(code.as_deref(), Some("AuthFailure.SignatureFailure"));
    emu.shutdown().await;
    emu2.shutdown().await;
}
