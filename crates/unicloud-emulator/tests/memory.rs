//! The emulator's memory stays bounded under requests built to blow up parsing.
//!
//! The binary runs in a process of its own (so its resident memory is its own, not the test
//! runner's), and validly signed Tencent Cloud requests — signed, so they get past
//! authentication and into the parsers — arrive from four threads at once:
//!
//! - JSON bodies just under the 4 MiB API limit holding one list of ~800,000 one-letter strings;
//! - JSON nested 100,000 levels deep;
//! - queries of 1,000 flattened keys, each padding its list to the top index;
//! - bodies one byte over the limit.
//!
//! Each is answered with the vendor's error (or a 413), the emulator still serves afterwards,
//! and its peak resident set (`VmHWM`) stays under [`PEAK_RSS_BOUND`].

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use unicloud_tencent::sign::{Credential, Payload, tc3};

const KEY: (&str, &str) = ("AKIDmemoryProbe0000000000000000000", "memory-probe-secret");

/// The stated bound on the emulator's peak resident set under this load.
const PEAK_RSS_BOUND: u64 = 384 * 1024 * 1024;

/// The emulator binary on a free loopback port; killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_unicloud-emulator"))
        .args(["--listen", &addr.to_string()])
        .arg("--key")
        .arg(format!("tencent:{}:{}", KEY.0, KEY.1))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "the emulator did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server { child, addr }
}

/// One TC3-signed CVM request: POST with `body`, or GET with `query`.
fn signed(get: bool, query: &str, body: &[u8]) -> Vec<u8> {
    let ts: i64 = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap();
    let ctype = if get {
        "application/x-www-form-urlencoded"
    } else {
        "application/json"
    };
    let headers = vec![
        ("Host", "cvm.tencentcloudapi.com".to_owned()),
        ("Content-Type", ctype.to_owned()),
        ("X-TC-Action", "DescribeInstances".to_owned()),
        ("X-TC-Version", "2017-03-12".to_owned()),
        ("X-TC-Timestamp", ts.to_string()),
        ("X-TC-Region", "ap-guangzhou".to_owned()),
    ];
    let refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let payload = if get { &b""[..] } else { body };
    let req = tc3::Tc3Request {
        method: if get { "GET" } else { "POST" },
        canonical_uri: "/",
        canonical_query: if get { query } else { "" },
        headers: &refs,
        signed_headers: &["content-type", "host"],
        payload: Payload::Bytes(payload),
    };
    let sig = tc3::sign(&req, &Credential::new(KEY.0, KEY.1), "cvm", ts).unwrap();
    let target = if get {
        format!("/?{query}")
    } else {
        "/".to_owned()
    };
    let mut raw = format!("{} {target} HTTP/1.1\r\n", if get { "GET" } else { "POST" });
    for (k, v) in &headers {
        raw.push_str(&format!("{k}: {v}\r\n"));
    }
    raw.push_str(&format!(
        "Authorization: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        sig.authorization,
        payload.len()
    ));
    let mut out = raw.into_bytes();
    out.extend_from_slice(payload);
    out
}

/// Sends `raw` and returns the status and body (the server may close early on a refused body).
fn send(addr: SocketAddr, raw: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    // A refused body may be cut off by the server before it is all written: that is fine.
    let _ = s.write_all(raw);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {:?}", &text[..text.len().min(200)]));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// `VmHWM` (peak resident set) of `pid`, in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("no VmHWM in /proc/PID/status");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kb * 1024
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "reads /proc")]
fn parsing_bombs_are_refused_within_a_memory_bound() {
    let server = start();
    let addr = server.addr;
    let (status, body) = send(addr, &signed(false, "", b"{}"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("TotalCount"), "{body}");
    let idle = peak_rss(server.child.id());

    // Just under 4 MiB: `{"InstanceIds":["a","a",…]}`.
    let mut wide = b"{\"InstanceIds\":[\"a\"".to_vec();
    while wide.len() < 4 * 1024 * 1024 - 16 {
        wide.extend_from_slice(b",\"a\"");
    }
    wide.extend_from_slice(b"]}");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes();
    let padded = (0..1000)
        .map(|n| format!("Filters.{n}.Values.999=x"))
        .collect::<Vec<_>>()
        .join("&");
    let over = vec![b' '; 4 * 1024 * 1024 + 1];
    let bombs: Vec<(&str, Vec<u8>)> = vec![
        ("wide", signed(false, "", &wide)),
        ("deep", signed(false, "", &deep)),
        ("padded", signed(true, &padded, b"")),
        ("over", signed(false, "", &over)),
    ];

    std::thread::scope(|scope| {
        for t in 0..4 {
            let bombs = &bombs;
            scope.spawn(move || {
                for round in 0..10 {
                    let (what, raw) = &bombs[(t + round) % bombs.len()];
                    let (status, body) = send(addr, raw);
                    if *what == "over" {
                        assert_eq!(status, 413, "{what}: {body}");
                    } else {
                        assert_eq!(status, 200, "{what}: Tencent errors come in HTTP 200");
                        assert!(body.contains("\"Error\""), "{what}: {body}");
                        assert!(body.contains("InvalidParameter"), "{what}: {body}");
                    }
                }
            });
        }
    });

    let (status, body) = send(addr, &signed(false, "", b"{}"));
    assert_eq!(status, 200, "still serving: {body}");
    assert!(body.contains("TotalCount"), "{body}");
    let peak = peak_rss(server.child.id());
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "emulator peak RSS: {} MiB idle, {} MiB after 40 parsing bombs from 4 threads (bound {} MiB)",
            idle / (1024 * 1024),
            peak / (1024 * 1024),
            PEAK_RSS_BOUND / (1024 * 1024)
        );
    }
    assert!(
        peak < PEAK_RSS_BOUND,
        "peak RSS {peak} bytes is over the bound {PEAK_RSS_BOUND}"
    );
}
