//! Small helpers shared by the backends.

use base64::Engine as _;

/// Vendor timestamps (RFC 3339, or Alibaba Cloud's minute-precision form): core's parser.
#[cfg(any(feature = "tencent", feature = "alibaba", test))]
pub(crate) use unicloud_core::time_fmt::parse_rfc3339 as parse_time;

/// User data as the vendors want it: standard base64.
#[cfg_attr(
    not(any(feature = "aws", feature = "tencent", feature = "alibaba")),
    allow(dead_code)
)]
pub(crate) fn base64(data: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(data.as_bytes())
}

/// Whether `s` is non-empty and made only of ASCII letters and digits.
#[cfg(any(feature = "alibaba", test))]
pub(crate) fn alnum(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn vendor_timestamps() {
        let t = UNIX_EPOCH + Duration::from_secs(1_714_550_400); // 2024-05-01T08:00:00Z
        assert_eq!(parse_time("2024-05-01T08:00:00Z"), Some(t));
        assert_eq!(parse_time("2024-05-01T08:00:00.000Z"), Some(t));
        assert_eq!(parse_time("2024-05-01T16:00:00+08:00"), Some(t));
        assert_eq!(parse_time("2024-05-01T08:00Z"), Some(t));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time(""), None);
        // Ends in a multi-byte character: refused, not a panic.
        assert_eq!(parse_time("2024-05-01T08:00:0é"), None);
    }

    #[test]
    fn user_data_is_base64() {
        assert_eq!(base64("#!/bin/sh\n"), "IyEvYmluL3NoCg==");
        assert!(alnum("abc123"));
        assert!(!alnum(""));
        assert!(!alnum("ab-c"));
    }
}
