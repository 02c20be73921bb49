//! The recording server and the refused port, driven by hand-written HTTP/1.1 over raw TCP
//! (so what is checked is the bytes on the wire, not a client library's reading of them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use unicloud_testkit::refused::RefusedPort;
use unicloud_testkit::server::{RecordingServer, Reply};

/// Sends one request on a fresh connection (`Connection: close`) and returns all it got back.
async fn exchange(addr: SocketAddr, request: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8(out).unwrap()
}

fn post(target: &str, body: &str) -> String {
    format!(
        "POST {target} HTTP/1.1\r\nHost: h\r\nX-Tc-Action: Describe\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn records_requests_and_answers_the_script_in_order() {
    let server = RecordingServer::scripted_or(
        vec![
            Reply::json(200, r#"{"n":1}"#).with_header("X-Request-Id", "r1"),
            Reply::text(503, "busy"),
        ],
        Reply::new(404, "after"),
    )
    .await
    .unwrap();
    let first = exchange(server.addr(), &post("/a/b?x=1&y=%2F", "{\"k\":true}")).await;
    let second = exchange(server.addr(), &post("/", "")).await;
    let third = exchange(
        server.addr(),
        "GET /later HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    )
    .await;

    assert!(first.starts_with("HTTP/1.1 200 OK\r\n"), "{first}");
    assert!(
        first
            .to_ascii_lowercase()
            .contains("content-type: application/json\r\n"),
        "{first}"
    );
    assert!(
        first.to_ascii_lowercase().contains("x-request-id: r1\r\n"),
        "{first}"
    );
    assert!(first.ends_with("\r\n\r\n{\"n\":1}"), "{first}");
    assert!(second.starts_with("HTTP/1.1 503 "), "{second}");
    assert!(second.ends_with("busy"), "{second}");
    assert!(third.starts_with("HTTP/1.1 404 "), "{third}");
    assert!(third.ends_with("after"), "{third}");

    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    assert_eq!(server.request_count(), 3);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].target, "/a/b?x=1&y=%2F");
    assert_eq!((seen[0].path(), seen[0].query()), ("/a/b", "x=1&y=%2F"));
    assert_eq!(seen[0].header("x-tc-action"), Some("Describe"));
    assert_eq!(seen[0].header("X-TC-ACTION"), Some("Describe"));
    assert_eq!(seen[0].body, b"{\"k\":true}");
    assert_eq!(seen[0].body_text(), "{\"k\":true}");
    assert_eq!(
        seen[0].header_pairs()[..2],
        [("host", "h"), ("x-tc-action", "Describe")]
    );
    assert_eq!((seen[2].method.as_str(), seen[2].query()), ("GET", ""));
    assert!(seen[2].body.is_empty());
}

#[tokio::test]
async fn the_closure_sees_the_request_already_recorded() {
    let server =
        RecordingServer::start(|req| Reply::text(200, format!("{} {}", req.method, req.path())))
            .await
            .unwrap();
    let out = exchange(server.addr(), &post("/echo?q", "")).await;
    assert!(out.ends_with("\r\n\r\nPOST /echo"), "{out}");
    assert_eq!(server.url(), format!("http://{}", server.addr()));
}

#[tokio::test]
async fn a_hang_up_records_the_request_and_closes_without_a_byte() {
    let server = RecordingServer::scripted(vec![Reply::hang_up(), Reply::text(200, "ok")])
        .await
        .unwrap();
    let out = exchange(server.addr(), &post("/", "applied?")).await;
    assert_eq!(out, "", "a hang-up answers nothing");
    assert_eq!(server.requests()[0].body, b"applied?");
    let out = exchange(server.addr(), &post("/", "")).await;
    assert!(
        out.ends_with("ok"),
        "the script goes on after a hang-up: {out}"
    );
}

#[tokio::test]
async fn a_delayed_reply_comes_after_the_delay() {
    let server = RecordingServer::scripted(vec![
        Reply::text(200, "late").with_delay(Duration::from_millis(300)),
    ])
    .await
    .unwrap();
    let start = Instant::now();
    let out = exchange(server.addr(), &post("/", "")).await;
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert!(out.ends_with("late"), "{out}");
}

#[tokio::test]
async fn an_impossible_scripted_reply_is_a_500_that_says_so() {
    let server = RecordingServer::scripted(vec![
        Reply::new(42, "x"),
        Reply::new(200, "x").with_header("bad name", "v"),
    ])
    .await
    .unwrap();
    for _ in 0..2 {
        let out = exchange(server.addr(), &post("/", "")).await;
        assert!(out.starts_with("HTTP/1.1 500 "), "{out}");
        assert!(out.contains("invalid scripted reply"), "{out}");
    }
}

#[tokio::test]
async fn keep_alive_connections_are_recorded_per_request() {
    let server = RecordingServer::scripted(vec![Reply::text(200, "1"), Reply::text(200, "2")])
        .await
        .unwrap();
    let mut s = TcpStream::connect(server.addr()).await.unwrap();
    s.write_all(b"GET /one HTTP/1.1\r\nHost: h\r\n\r\nGET /two HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 2, "{out}");
    let targets: Vec<_> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets, ["/one", "/two"]);
}

#[tokio::test]
async fn a_dropped_server_stops_answering() {
    let server = RecordingServer::scripted(vec![]).await.unwrap();
    let addr = server.addr();
    drop(server);
    // The accept loop is aborted; give the runtime a moment to close the listener.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(TcpStream::connect(addr).await.is_err());
}

#[test]
fn the_refused_port_refuses_and_stays_reserved() {
    let refused = RefusedPort::new().unwrap();
    for _ in 0..3 {
        let err = std::net::TcpStream::connect(refused.addr()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    }
    // While it is held, nobody else can listen there.
    let taken = std::net::TcpListener::bind(refused.addr()).unwrap_err();
    assert_eq!(taken.kind(), std::io::ErrorKind::AddrInUse);
    assert_eq!(refused.url(), format!("http://{}", refused.addr()));
    assert_eq!(refused.addr().ip().to_string(), "127.0.0.1");
}
