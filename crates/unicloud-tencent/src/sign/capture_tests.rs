//! The Tencent captures in `shared/wire-captures/` load through
//! [`unicloud_core::signing::capture`]; a capture that is missing makes the test fail (it
//! never skips).

use unicloud_core::signing::capture::Capture;

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
