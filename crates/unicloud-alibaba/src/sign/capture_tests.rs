//! The Alibaba captures in `shared/wire-captures/` load through
//! [`unicloud_core::signing::capture`]; a capture that is missing makes the test fail (it
//! never skips).

use unicloud_core::signing::capture::Capture;

#[test]
fn loads_a_capture_with_its_exact_body() {
    let cap = Capture::load("027").unwrap();
    assert_eq!(cap.method, "PUT");
    assert_eq!(cap.target, "/examplebucket/dir%2Fhello.txt");
    assert_eq!(cap.body, b"hello oss\n");
    assert!(cap.name.starts_with("027-"));
    assert!(Capture::load("011").unwrap().body.is_empty());
}

#[test]
#[should_panic(expected = "missing")]
fn a_missing_capture_fails_the_test() {
    Capture::load("999").unwrap_or_else(|e| panic!("{e}"));
}
