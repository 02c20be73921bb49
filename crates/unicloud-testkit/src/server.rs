//! A loopback HTTP/1.1 server that records every request and answers what the test scripts.
//!
//! [`RecordingServer`] listens on `127.0.0.1` on a port the system picks, serves until it is
//! dropped, and keeps a [`Recorded`] copy (method, path and query, headers, body) of each
//! request in arrival order. What it answers comes from a responder: a list of [`Reply`]s
//! used in order ([`RecordingServer::scripted`]) or a closure that sees the request
//! ([`RecordingServer::start`]). A reply can be delayed ([`Reply::with_delay`]) or be no reply
//! at all: [`Reply::hang_up`] reads and records the request, then closes the connection
//! without answering (a request that may have been applied, from the client's side).
//!
//! ```
//! use std::time::Duration;
//! use unicloud_testkit::server::{RecordingServer, Reply};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let server = RecordingServer::start(|req| {
//!     if req.path() == "/slow" {
//!         Reply::text(200, "late").with_delay(Duration::from_millis(10))
//!     } else {
//!         Reply::text(404, "")
//!     }
//! })
//! .await?;
//! assert_eq!(server.addr().ip().to_string(), "127.0.0.1");
//! assert_eq!(server.request_count(), 0);
//! # Ok(())
//! # }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The method, e.g. `POST`.
    pub method: String,
    /// The request target: the path plus `?query` when there is one, as sent.
    pub target: String,
    /// Every header in arrival order, names in lower case (as HTTP/1.1 servers normalise
    /// them), values as received (lossily decoded when not UTF-8).
    pub headers: Vec<(String, String)>,
    /// The body, exactly.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The path part of [`Recorded::target`].
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The query part of [`Recorded::target`] without the `?`, empty when there is none.
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The headers as borrowed pairs, in order (the shape signature verifiers take).
    pub fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What the server does with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code (one HTTP cannot carry is answered `500`, naming the mistake).
    pub status: u16,
    /// Headers to send, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// How long to wait before answering (or before hanging up).
    pub delay: Duration,
    /// Close the connection without answering.
    pub hang_up: bool,
}

impl Reply {
    /// A reply with `status`, `body` and no headers besides the ones the server adds
    /// (`content-length`, `date`).
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
            hang_up: false,
        }
    }

    /// A reply with `Content-Type: application/json`.
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply::new(status, body).with_header("Content-Type", "application/json")
    }

    /// A reply with `Content-Type: text/xml`.
    pub fn xml(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply::new(status, body).with_header("Content-Type", "text/xml")
    }

    /// A reply with `Content-Type: text/plain`.
    pub fn text(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply::new(status, body).with_header("Content-Type", "text/plain")
    }

    /// Read and record the request, then close the connection without answering.
    pub fn hang_up() -> Reply {
        Reply {
            hang_up: true,
            ..Reply::new(200, Vec::new())
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Waits `delay` (on the real clock) before answering or hanging up.
    pub fn with_delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

type Responder = dyn Fn(&Recorded) -> Reply + Send + Sync;

struct Inner {
    requests: Mutex<Vec<Recorded>>,
    responder: Box<Responder>,
}

/// Why the server hung up: returned to hyper as a service error, which closes the connection
/// without a response.
#[derive(Debug)]
struct HangUp;

impl fmt::Display for HangUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("scripted hang-up")
    }
}

impl std::error::Error for HangUp {}

/// A loopback HTTP/1.1 server that records requests; it stops when dropped.
///
/// Must be started inside a Tokio runtime (it spawns its accept loop there).
pub struct RecordingServer {
    addr: SocketAddr,
    inner: Arc<Inner>,
    task: JoinHandle<()>,
}

impl fmt::Debug for RecordingServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingServer")
            .field("addr", &self.addr)
            .field("requests", &self.request_count())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test that panicked while holding the lock must not hide what was recorded.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RecordingServer {
    /// Starts a server that answers each request with what `responder` returns for it.
    ///
    /// The request is recorded before `responder` sees it, so
    /// [`RecordingServer::request_count`] inside the closure includes it.
    pub async fn start(
        responder: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> std::io::Result<RecordingServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            requests: Mutex::new(Vec::new()),
            responder: Box::new(responder),
        });
        let task = tokio::spawn(accept_loop(listener, inner.clone()));
        Ok(RecordingServer { addr, inner, task })
    }

    /// Starts a server that answers the `replies` in order, then `200` with an empty body
    /// once they run out (use [`RecordingServer::scripted_or`] to choose that reply).
    pub async fn scripted(replies: Vec<Reply>) -> std::io::Result<RecordingServer> {
        Self::scripted_or(replies, Reply::new(200, Vec::new())).await
    }

    /// Starts a server that answers the `replies` in order, then `fallback` to every later
    /// request.
    pub async fn scripted_or(
        replies: Vec<Reply>,
        fallback: Reply,
    ) -> std::io::Result<RecordingServer> {
        let queue = Mutex::new(VecDeque::from(replies));
        Self::start(move |_| lock(&queue).pop_front().unwrap_or_else(|| fallback.clone())).await
    }

    /// The address it listens on (`127.0.0.1:<port>`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.inner.requests).clone()
    }

    /// How many requests have arrived so far.
    pub fn request_count(&self) -> usize {
        lock(&self.inner.requests).len()
    }
}

impl Drop for RecordingServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, inner: Arc<Inner>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors and the like: stop serving; the test sees the failure.
            return;
        };
        let inner = inner.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let inner = inner.clone();
                async move { answer(&inner, req).await }
            });
            // A hang-up, or a client that went away, ends the connection; nothing to report.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(inner: &Inner, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, HangUp> {
    let (parts, body) = req.into_parts();
    // A body that cannot be read completely (the client went away mid-request) is not a
    // request the client finished sending: it is not recorded and the connection closes.
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => return Err(HangUp),
    };
    let recorded = Recorded {
        method: parts.method.as_str().to_owned(),
        target: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned()),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    lock(&inner.requests).push(recorded.clone());
    let reply = (inner.responder)(&recorded);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    if reply.hang_up {
        return Err(HangUp);
    }
    Ok(build(reply))
}

/// The response for `reply`; a reply the test scripted wrongly (a status or header HTTP
/// cannot carry) is answered `500` with a body that says what is wrong, never sent altered.
fn build(reply: Reply) -> Response<Full<Bytes>> {
    let invalid = |what: String| {
        let mut r = Response::new(Full::new(Bytes::from(format!(
            "unicloud-testkit: invalid scripted reply: {what}"
        ))));
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r
    };
    let Ok(status) = StatusCode::from_u16(reply.status) else {
        return invalid(format!("status {}", reply.status));
    };
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = status;
    for (name, value) in reply.headers {
        match (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(&value),
        ) {
            (Ok(name), Ok(value)) => {
                response.headers_mut().append(name, value);
            }
            _ => return invalid(format!("header {name:?}: {value:?}")),
        }
    }
    response
}
