//! RFC 3339 times and HTTP dates as the vendors write them.
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
//!
//! use unicloud_core::time_fmt::{http_date, parse_http_date};
//! assert_eq!(http_date(1_704_096_000).as_deref(), Some("Mon, 01 Jan 2024 08:00:00 GMT"));
//! assert_eq!(parse_http_date("Mon, 01 Jan 2024 08:00:00 GMT"), Some(t));
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Formats a time as RFC 3339 (`2024-01-01T08:00:00Z`); a time outside the years RFC 3339
/// can write (0000-9999) is shown as `<unrepresentable time>`.
///
/// The conversion is checked: `OffsetDateTime::from(SystemTime)` panics outside the `time`
/// crate's range, and an expiry a server sent (say `ExpiredTime: 2^62`) can be that far out.
pub fn rfc3339(t: SystemTime) -> String {
    let nanos = match t.duration_since(UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).ok(),
        Err(before) => i128::try_from(before.duration().as_nanos())
            .ok()
            .map(|n| -n),
    };
    nanos
        .and_then(|n| OffsetDateTime::from_unix_timestamp_nanos(n).ok())
        .and_then(|dt| dt.format(&Rfc3339).ok())
        .unwrap_or_else(|| "<unrepresentable time>".to_owned())
}

/// Parses an RFC 3339 time, accepting the minute-precision form `2024-01-01T08:00Z` some
/// vendors send and surrounding white space. Any other input is `None`, never a panic.
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    // `YYYY-MM-DDTHH:MMZ` (every ECS time) is read as it is, not after a failed full parse.
    if s.len() == 17 && s.ends_with('Z') {
        return time::PrimitiveDateTime::parse(s, MINUTES_UTC)
            .ok()
            .map(|t| t.assume_utc().into());
    }
    OffsetDateTime::parse(s, &Rfc3339).ok().map(Into::into)
}

/// `2024-01-01T08:00Z`.
const MINUTES_UTC: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]Z");

/// The HTTP date (`Mon, 01 Jan 2024 08:00:00 GMT`, RFC 9110's IMF-fixdate) of Unix time
/// `secs`; `None` outside the years it can write.
pub fn http_date(secs: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()?
        .format(HTTP_DATE)
        .ok()
}

/// Parses an HTTP date (`Mon, 01 Jan 2024 08:00:00 GMT`); anything else is `None`.
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    time::PrimitiveDateTime::parse(s.trim(), HTTP_DATE)
        .ok()
        .map(|t| t.assume_utc().into())
}

/// IMF-fixdate.
const HTTP_DATE: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::Duration;

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

    #[test]
    fn http_dates() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_443_326);
        assert_eq!(parse_http_date("Mon, 23 Nov 2026 14:15:26 GMT"), Some(t));
        assert_eq!(
            http_date(1_795_443_326).as_deref(),
            Some("Mon, 23 Nov 2026 14:15:26 GMT")
        );
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(http_date(i64::MAX), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse_rfc3339(&s);
            let _ = parse_http_date(&s);
        }

        #[test]
        fn never_panics_near_the_minute_form(prefix in "[0-9T:-]{0,16}", tail in "\\PC{0,3}") {
            let _ = parse_rfc3339(&format!("{prefix}{tail}"));
            let _ = parse_rfc3339(&format!("{prefix}{tail}Z"));
        }
    }

    #[test]
    fn times_beyond_rfc3339_are_shown_not_panicked_on() {
        let far = UNIX_EPOCH + Duration::from_secs(1 << 40);
        assert_eq!(rfc3339(far), "<unrepresentable time>");
        let before = UNIX_EPOCH - Duration::from_secs(1 << 40);
        assert_eq!(rfc3339(before), "<unrepresentable time>");
        let early = UNIX_EPOCH - Duration::from_secs(86_400);
        assert_eq!(rfc3339(early), "1969-12-31T00:00:00Z");
    }

    proptest! {
        /// Any text: no panic, and what parses formats back to a time that parses the same.
        #[test]
        fn parse_rfc3339_never_panics(s in "\\PC{0,40}", n in 0u32..4) {
            let near = format!("2024-01-01T08:{:02}{}Z", n * 7, &s.chars().take(3).collect::<String>());
            for text in [s.as_str(), near.as_str()] {
                if let Some(t) = parse_rfc3339(text) {
                    prop_assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
                }
            }
        }

        #[test]
        fn rfc3339_never_panics(secs in any::<u64>(), nanos in 0u32..1_000_000_000, past in any::<bool>()) {
            let d = Duration::new(secs, nanos);
            let t = if past { UNIX_EPOCH.checked_sub(d) } else { UNIX_EPOCH.checked_add(d) };
            if let Some(t) = t {
                let shown = rfc3339(t);
                prop_assert!(shown == "<unrepresentable time>" || parse_rfc3339(&shown) == Some(t), "{}", shown);
            }
        }
    }
}
