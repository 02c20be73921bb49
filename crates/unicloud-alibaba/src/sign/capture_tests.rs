//! Test support: loads the raw HTTP requests in `shared/wire-captures/`.
//!
//! A capture that is missing or unreadable makes the test fail (it never skips).

use super::WireRequest;

/// Where the captures live, relative to this crate.
const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/wire-captures/"
);

/// The request half of one capture file.
pub(crate) struct Capture {
    pub(crate) name: String,
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, String)>,
    /// The exact body, or the placeholder line for bodies the capture summarises as
    /// `<binary N bytes, md5=…>` (object-storage signatures do not cover the body).
    pub(crate) body: Vec<u8>,
}

impl Capture {
    /// Loads the capture whose file name starts with `prefix` followed by `-`, e.g. `"001"`.
    pub(crate) fn load(prefix: &str) -> Capture {
        let wanted = format!("{prefix}-");
        let entries = std::fs::read_dir(DIR)
            .unwrap_or_else(|e| panic!("wire captures directory {DIR} unreadable: {e}"));
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&wanted))
            .collect();
        names.sort();
        let name = names
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("wire capture {prefix}-* missing from {DIR}"));
        let raw = std::fs::read(format!("{DIR}{name}"))
            .unwrap_or_else(|e| panic!("cannot read capture {name}: {e}"));
        Self::parse(&name, &raw)
    }

    fn parse(name: &str, raw: &[u8]) -> Capture {
        let marker = b"=== REQUEST (as received on 127.0.0.1:8090) ===\n";
        assert!(raw.starts_with(marker), "{name}: unexpected capture header");
        let rest = &raw[marker.len()..];
        let head_end = find(rest, b"\n\n").unwrap_or_else(|| panic!("{name}: no header end"));
        let head = std::str::from_utf8(&rest[..head_end]).expect("header block is UTF-8");
        let after = &rest[head_end + 2..];
        let mut lines = head.split('\n');
        let request_line = lines.next().expect("request line");
        let mut parts = request_line.split(' ');
        let method = parts.next().expect("method").to_owned();
        let target = parts.next().expect("target").to_owned();
        assert_eq!(parts.next(), Some("HTTP/1.1"), "{name}: request line");
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (k, v) = l
                    .split_once(": ")
                    .unwrap_or_else(|| panic!("{name}: bad header line {l:?}"));
                (k.to_owned(), v.to_owned())
            })
            .collect();
        let body = if after.starts_with(b"<empty body>\n") {
            Vec::new()
        } else if after.starts_with(b"<binary ") {
            let end = find(after, b"\n").expect("placeholder line end");
            after[..end].to_vec()
        } else {
            let len: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .map(|(_, v)| v.parse().expect("numeric Content-Length"))
                .unwrap_or_else(|| panic!("{name}: body without Content-Length"));
            assert!(
                after.len() >= len,
                "{name}: body shorter than Content-Length"
            );
            after[..len].to_vec()
        };
        Capture {
            name: name.to_owned(),
            method,
            target,
            headers,
            body,
        }
    }

    /// The headers as borrowed pairs, for [`WireRequest::headers`] and the signers.
    pub(crate) fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// The capture as a [`WireRequest`] over `headers` (usually [`Capture::header_pairs`]).
    pub(crate) fn wire<'a>(&'a self, headers: &'a [(&'a str, &'a str)]) -> WireRequest<'a> {
        WireRequest {
            method: &self.method,
            target: &self.target,
            headers,
            body: &self.body,
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn loads_a_capture_with_its_exact_body() {
    let cap = Capture::load("027");
    assert_eq!(cap.method, "PUT");
    assert_eq!(cap.target, "/examplebucket/dir%2Fhello.txt");
    assert_eq!(cap.body, b"hello oss\n");
    assert!(cap.name.starts_with("027-"));
    assert!(Capture::load("011").body.is_empty());
}

#[test]
#[should_panic(expected = "missing")]
fn a_missing_capture_fails_the_test() {
    Capture::load("999");
}
