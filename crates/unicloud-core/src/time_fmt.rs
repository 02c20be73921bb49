//! RFC 3339 times as the vendors write them.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use unicloud_core::time_fmt::{parse_rfc3339, rfc3339};
//!
//! let t = UNIX_EPOCH + Duration::from_secs(1_704_096_000);
//! assert_eq!(parse_rfc3339("2024-01-01T16:00:00+08:00"), Some(t));
//! assert_eq!(parse_rfc3339("2024-01-01T08:00Z"), Some(t)); // minute precision
//! assert_eq!(parse_rfc3339("yesterday"), None);
//! assert_eq!(rfc3339(t), "2024-01-01T08:00:00Z");
//! ```

use std::time::SystemTime;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Formats a time as RFC 3339 (`2024-01-01T08:00:00Z`).
pub fn rfc3339(t: SystemTime) -> String {
    OffsetDateTime::from(t)
        .format(&Rfc3339)
        .unwrap_or_else(|_| "<unrepresentable time>".to_owned())
}

/// Parses an RFC 3339 time, accepting the minute-precision form `2024-01-01T08:00Z` some
/// vendors send and surrounding white space. Any other input is `None`, never a panic.
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t.into());
    }
    // `YYYY-MM-DDTHH:MMZ`: add seconds.
    if let Some(minutes) = s.strip_suffix('Z').filter(|m| m.len() == 16) {
        let with_secs = format!("{minutes}:00Z");
        return OffsetDateTime::parse(&with_secs, &Rfc3339)
            .ok()
            .map(Into::into);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn round_trip() {
        let t = UNIX_EPOCH + Duration::from_secs(1_704_096_000);
        assert_eq!(rfc3339(t), "2024-01-01T08:00:00Z");
        assert_eq!(parse_rfc3339("2024-01-01T08:00:00Z"), Some(t));
        assert_eq!(parse_rfc3339("2024-01-01T08:00Z"), Some(t));
        assert_eq!(parse_rfc3339("not a time"), None);
        assert_eq!(parse_rfc3339("2024-01-01T08:0éZ"), None);
        assert_eq!(parse_rfc3339(" 2024-01-01T08:00:00Z\n"), Some(t));
        // A multi-byte character right before the end (a slice there would panic).
        assert_eq!(parse_rfc3339("2024-01-01T08:00é"), None);
        assert_eq!(parse_rfc3339("2024-01-01T08:0é"), None);
        assert_eq!(parse_rfc3339("é"), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse_rfc3339(&s);
        }

        #[test]
        fn never_panics_near_the_minute_form(prefix in "[0-9T:-]{0,16}", tail in "\\PC{0,3}") {
            let _ = parse_rfc3339(&format!("{prefix}{tail}"));
            let _ = parse_rfc3339(&format!("{prefix}{tail}Z"));
        }
    }
}
