//! The Tencent captures in `shared/wire-captures/` load through
//! [`unicloud_testkit::capture`] (a dev-dependency: the loader reads files beside the checkout,
//! so it has no place in a published crate); a capture that is missing makes the test fail (it
//! never skips). [`CaptureWire`] turns a capture into this crate's [`WireRequest`].

use unicloud_testkit::capture::Capture;

use super::WireRequest;

/// A capture as a [`WireRequest`] (the testkit depends on no unicloud crate, so it cannot
/// build one itself).
pub(crate) trait CaptureWire {
    /// The capture over `headers` (usually `cap.header_pairs()`).
    fn wire<'a>(&'a self, headers: &'a [(&'a str, &'a str)]) -> WireRequest<'a>;
}

impl CaptureWire for Capture {
    fn wire<'a>(&'a self, headers: &'a [(&'a str, &'a str)]) -> WireRequest<'a> {
        WireRequest {
            method: &self.method,
            target: &self.target,
            headers,
            body: &self.body,
        }
    }
}

#[test]
fn loads_a_capture_with_its_exact_body() {
    let cap = Capture::load("001").unwrap();
    assert_eq!(cap.method, "POST");
    assert_eq!(cap.target, "/");
    assert_eq!(
        cap.body,
        br#"{"InstanceIds": ["ins-r8hr2upy"], "Limit": 20}"#
    );
    assert!(cap.name.starts_with("001-"));
}

#[test]
#[should_panic(expected = "missing")]
fn a_missing_capture_fails_the_test() {
    Capture::load("999").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_capture_becomes_the_wire_request_it_records() {
    let cap = Capture::load("011").unwrap();
    let headers = cap.header_pairs();
    let wire = cap.wire(&headers);
    assert_eq!(
        (wire.method, wire.target),
        (cap.method.as_str(), cap.target.as_str())
    );
    assert_eq!(wire.headers, headers.as_slice());
    assert_eq!(wire.body, cap.body.as_slice());
    assert_eq!(wire.header("authorization"), cap.header("Authorization"));
}
