//! Raw HTTP requests captured from the vendors' official SDKs, as stored in
//! `shared/wire-captures/` (see [`crate::fixtures::wire_captures_dir`]), parsed for signature
//! tests and request replays.
//!
//! Each capture file starts with
//!
//! ```text
//! === REQUEST (as received on 127.0.0.1:8090) ===
//! POST /?Action=... HTTP/1.1
//! Name: value
//! ...
//!
//! <body>
//! ```
//!
//! followed by the response, which is ignored. The body is either `<empty body>`, a
//! `<binary N bytes, md5=…>` placeholder line (object-storage signatures do not cover the
//! body), or exactly `Content-Length` bytes.
//!
//! A capture that is missing, unreadable or malformed is an error, never silently skipped:
//!
//! ```no_run
//! use unicloud_testkit::capture::Capture;
//! let cap = Capture::load("011")?; // 011-ali-ecs-DescribeInstances-acs3.txt
//! assert!(cap.header("Authorization").is_some());
//! // A signer's verifier takes the parts: `cap.method`, `cap.target`, `cap.header_pairs()`,
//! // `cap.body`.
//! # Ok::<(), unicloud_testkit::capture::CaptureError>(())
//! ```
//!
//! This crate cannot name `unicloud_core::signing::WireRequest` (it depends on no unicloud
//! crate), so the crates that verify signatures build one from those public fields.

use std::path::{Path, PathBuf};

/// The first line of every capture file.
const MARKER: &[u8] = b"=== REQUEST (as received on 127.0.0.1:8090) ===\n";

/// Why a capture could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The capture directory cannot be listed.
    #[error("wire captures directory {} unreadable: {source}", dir.display())]
    DirUnreadable {
        /// The directory.
        dir: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No file in the directory is named after the prefix.
    #[error("wire capture {prefix}-* missing from {}", dir.display())]
    Missing {
        /// The prefix asked for, e.g. `001`.
        prefix: String,
        /// The directory searched.
        dir: PathBuf,
    },
    /// The capture file cannot be read.
    #[error("cannot read capture {name}: {source}")]
    Unreadable {
        /// The file name.
        name: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a capture in the expected format.
    #[error("{name}: {reason}")]
    Malformed {
        /// The file name.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

/// The request half of one capture file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    /// The file name, e.g. `001-tc-cvm-DescribeInstances-ids.txt`.
    pub name: String,
    /// The request method.
    pub method: String,
    /// The request target exactly as on the request line.
    pub target: String,
    /// Every header, in order, as received.
    pub headers: Vec<(String, String)>,
    /// The exact body, or the placeholder line for bodies the capture summarises as
    /// `<binary N bytes, md5=…>` (object-storage signatures do not cover the body).
    pub body: Vec<u8>,
}

impl Capture {
    /// Loads from [`wire_captures_dir`](crate::fixtures::wire_captures_dir) the capture whose
    /// file name starts with `prefix` followed by `-`, e.g. `"001"`.
    pub fn load(prefix: &str) -> Result<Capture, CaptureError> {
        Self::load_from(crate::fixtures::wire_captures_dir(), prefix)
    }

    /// Loads from `dir` the capture whose file name starts with `prefix` followed by `-`
    /// (the first in name order if several do).
    pub fn load_from(dir: impl AsRef<Path>, prefix: &str) -> Result<Capture, CaptureError> {
        let (name, raw) = read_capture(dir.as_ref(), prefix)?;
        Self::parse(&name, &raw)
    }

    /// Parses the contents `raw` of the capture file `name`.
    pub fn parse(name: &str, raw: &[u8]) -> Result<Capture, CaptureError> {
        let malformed = |reason: &str| CaptureError::Malformed {
            name: name.to_owned(),
            reason: reason.to_owned(),
        };
        let rest = raw
            .strip_prefix(MARKER)
            .ok_or_else(|| malformed("unexpected capture header"))?;
        let head_end = find(rest, b"\n\n").ok_or_else(|| malformed("no header end"))?;
        let (head, after) = rest.split_at(head_end);
        let head = std::str::from_utf8(head).map_err(|_| malformed("header block is not UTF-8"))?;
        let after = after.get(2..).unwrap_or_default();
        let mut lines = head.split('\n');
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts
            .next()
            .ok_or_else(|| malformed("request line has no target"))?
            .to_owned();
        if parts.next() != Some("HTTP/1.1") {
            return Err(malformed("request line does not end in HTTP/1.1"));
        }
        let headers = lines
            .map(|l| {
                l.split_once(": ")
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .ok_or_else(|| malformed(&format!("bad header line {l:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let body = if after.starts_with(b"<empty body>\n") {
            Vec::new()
        } else if after.starts_with(b"<binary ") {
            let end = find(after, b"\n").ok_or_else(|| malformed("placeholder line has no end"))?;
            after.get(..end).unwrap_or_default().to_vec()
        } else {
            let len: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .map(|(_, v)| v.as_str())
                .ok_or_else(|| malformed("body without Content-Length"))?
                .parse()
                .map_err(|_| malformed("Content-Length is not numeric"))?;
            after
                .get(..len)
                .ok_or_else(|| malformed("body shorter than Content-Length"))?
                .to_vec()
        };
        Ok(Capture {
            name: name.to_owned(),
            method,
            target,
            headers,
            body,
        })
    }

    /// The headers as borrowed pairs, in order, for a signer's wire request.
    pub fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The raw (still percent-encoded) path part of [`Capture::target`].
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The raw query string of [`Capture::target`] (without the `?`), empty when it has none.
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The response half of the capture whose file name starts with `prefix` (in
/// [`wire_captures_dir`](crate::fixtures::wire_captures_dir)), as a
/// [`Reply`](crate::server::Reply) a loopback server can send back: status, every header but
/// `Content-Length` (left to the server, since the captures' hand-written bodies have
/// approximate lengths) and the body (`<empty body>` is empty).
pub fn captured_reply(prefix: &str) -> Result<crate::server::Reply, CaptureError> {
    let (name, raw) = read_capture(&crate::fixtures::wire_captures_dir(), prefix)?;
    let raw = String::from_utf8_lossy(&raw);
    let malformed = |reason: &str| CaptureError::Malformed {
        name: name.clone(),
        reason: reason.to_owned(),
    };
    let (_, response) = raw
        .split_once("=== RESPONSE SENT ===\n")
        .ok_or_else(|| malformed("no response section"))?;
    let (head, body) = response.split_once("\n\n").unwrap_or((response, ""));
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| malformed("no response status line"))?;
    let body = body.trim_end();
    let body = if body == "<empty body>" { "" } else { body };
    let mut reply = crate::server::Reply::new(status, body.as_bytes().to_vec());
    for line in lines {
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| malformed("a response header line without `:`"))?;
        if !k.eq_ignore_ascii_case("content-length") {
            reply = reply.with_header(k.trim(), v.trim());
        }
    }
    Ok(reply)
}

/// The name and bytes of the capture in `dir` whose file name starts with `prefix` followed
/// by `-` (the first in name order if several do).
fn read_capture(dir: &Path, prefix: &str) -> Result<(String, Vec<u8>), CaptureError> {
    let wanted = format!("{prefix}-");
    let entries = std::fs::read_dir(dir).map_err(|source| CaptureError::DirUnreadable {
        dir: dir.to_owned(),
        source,
    })?;
    let name = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&wanted))
        .min()
        .ok_or_else(|| CaptureError::Missing {
            prefix: prefix.to_owned(),
            dir: dir.to_owned(),
        })?;
    let raw = std::fs::read(dir.join(&name)).map_err(|source| CaptureError::Unreadable {
        name: name.clone(),
        source,
    })?;
    Ok((name, raw))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const MINIMAL: &[u8] = b"=== REQUEST (as received on 127.0.0.1:8090) ===\nPUT /b/k?x=1 HTTP/1.1\nHost: h\nContent-Length: 3\n\nabcdef\n=== RESPONSE ===\n";

    #[test]
    fn parses_the_request_half() {
        let cap = Capture::parse("x.txt", MINIMAL).unwrap();
        assert_eq!(
            (cap.method.as_str(), cap.target.as_str()),
            ("PUT", "/b/k?x=1")
        );
        assert_eq!(cap.body, b"abc");
        assert_eq!(cap.header("host"), Some("h"));
        assert_eq!(cap.header_pairs(), [("Host", "h"), ("Content-Length", "3")]);
        assert_eq!((cap.path(), cap.query()), ("/b/k", "x=1"));
    }

    #[test]
    fn empty_and_placeholder_bodies() {
        let head = "=== REQUEST (as received on 127.0.0.1:8090) ===\nGET / HTTP/1.1\nHost: h\n\n";
        let empty = Capture::parse("e", format!("{head}<empty body>\n").as_bytes()).unwrap();
        assert!(empty.body.is_empty());
        let binary = Capture::parse(
            "b",
            format!("{head}<binary 5 bytes, md5=x>\nrest").as_bytes(),
        )
        .unwrap();
        assert_eq!(binary.body, b"<binary 5 bytes, md5=x>");
    }

    #[test]
    fn malformed_captures_are_errors() {
        let bad = |raw: &[u8]| {
            matches!(
                Capture::parse("m", raw),
                Err(CaptureError::Malformed { .. })
            )
        };
        assert!(bad(b"GET / HTTP/1.1\n\n"));
        assert!(bad(&MINIMAL[..60]));
        let replace = |from: &str, to: &str| {
            String::from_utf8_lossy(MINIMAL)
                .replacen(from, to, 1)
                .into_bytes()
        };
        assert!(bad(&replace(" HTTP/1.1", " HTTP/2")));
        assert!(bad(&replace("Host: h", "Host:h")));
        assert!(bad(&replace("Content-Length: 3", "Content-Length: 300")));
        assert!(bad(&replace("Content-Length: 3", "X: 3")));
    }

    #[test]
    fn loads_vendor_captures() {
        let cap = Capture::load("001").unwrap();
        assert!(cap.name.starts_with("001-"));
        assert_eq!(cap.method, "POST");
        assert_eq!(
            cap.body,
            br#"{"InstanceIds": ["ins-r8hr2upy"], "Limit": 20}"#
        );
    }

    #[test]
    fn a_missing_capture_is_an_error() {
        let err = Capture::load("999").unwrap_err();
        assert!(matches!(err, CaptureError::Missing { .. }), "{err:?}");
        assert!(err.to_string().contains("missing"), "{err}");
        assert!(matches!(
            Capture::load_from("/nonexistent/wire-captures", "001"),
            Err(CaptureError::DirUnreadable { .. })
        ));
    }
}
