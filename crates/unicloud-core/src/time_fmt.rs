//! Small time formatting helpers shared by the crate.

use std::time::SystemTime;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Formats a time as RFC 3339 (`2024-01-01T08:00:00Z`).
pub(crate) fn rfc3339(t: SystemTime) -> String {
    OffsetDateTime::from(t)
        .format(&Rfc3339)
        .unwrap_or_else(|_| "<unrepresentable time>".to_owned())
}

/// Parses an RFC 3339 time, accepting the minute-precision form `2024-01-01T08:00Z` some
/// vendors send.
pub(crate) fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t.into());
    }
    // `YYYY-MM-DDTHH:MMZ`: add seconds.
    if s.len() == 17 && s.ends_with('Z') {
        let with_secs = format!("{}:00Z", &s[..16]);
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
    }
}
