//! Small helpers shared by the protocol front-ends: encoding, hashing, ids, time formats.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;
use time::OffsetDateTime;

/// RFC 3986 encoding, hashing, HMAC and constant-time comparison come from the signers' shared
/// module, so the emulator and the clients use one implementation.
pub(crate) use unicloud_core::signing::{
    constant_time_eq as ct_eq, hmac_sha256, rfc3986_encode as rfc3986, sha256_hex,
};

/// Percent-decodes `s`; with `plus_is_space` a `+` decodes to a space (form encoding).
pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let replaced;
    let s = if plus_is_space && s.contains('+') {
        replaced = s.replace('+', " ");
        replaced.as_str()
    } else {
        s
    };
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Splits a raw query (or form body) into decoded `(name, value)` pairs, in order.
pub(crate) fn parse_pairs(raw: &str, plus_is_space: bool) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                percent_decode(k, plus_is_space),
                percent_decode(v, plus_is_space),
            )
        })
        .collect()
}

/// Seconds since the Unix epoch (negative before it).
pub(crate) fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// A `SystemTime` from Unix seconds.
#[cfg(test)]
pub(crate) fn from_unix(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + std::time::Duration::from_secs(secs.unsigned_abs())
    } else {
        UNIX_EPOCH - std::time::Duration::from_secs(secs.unsigned_abs())
    }
}

fn odt(t: SystemTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix(t)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `2024-01-01T08:00:00Z`.
pub(crate) fn iso8601(t: SystemTime) -> String {
    let d = odt(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// `2024-01-01T08:00:00.000Z` (EC2 launchTime style).
pub(crate) fn iso8601_millis(t: SystemTime) -> String {
    let s = iso8601(t);
    format!("{}.000Z", s.trim_end_matches('Z'))
}

/// `2024-01-01T08:00Z` (ECS CreationTime style).
pub(crate) fn iso8601_minutes(t: SystemTime) -> String {
    let s = iso8601(t);
    s.get(..16).map(|p| format!("{p}Z")).unwrap_or(s)
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (seconds optional fraction) into Unix seconds.
pub(crate) fn parse_iso8601(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || !s.ends_with('Z') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let month = time::Month::try_from(u8::try_from(mo).ok()?).ok()?;
    let date = time::Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?)
        .ok()?;
    let t = time::Time::from_hms(
        u8::try_from(h).ok()?,
        u8::try_from(mi).ok()?,
        u8::try_from(se).ok()?,
    )
    .ok()?;
    Some(date.with_time(t).assume_utc().unix_timestamp())
}

/// Parses the SigV4 `20150830T123600Z` basic format into Unix seconds.
pub(crate) fn parse_amz_date(s: &str) -> Option<i64> {
    if s.len() != 16 || !s.is_ascii() {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        s.get(0..4)?,
        s.get(4..6)?,
        s.get(6..8)?,
        s.get(9..11)?,
        s.get(11..13)?,
        s.get(13..15)?
    );
    if s.as_bytes().get(8) != Some(&b'T') {
        return None;
    }
    parse_iso8601(&iso)
}

/// A random string of `n` characters from `alphabet`.
pub(crate) fn random_from(alphabet: &[u8], n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// Lower-case letters and digits.
pub(crate) const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Lower-case hex digits.
pub(crate) const HEX: &[u8] = b"0123456789abcdef";
/// Upper-case letters and digits.
pub(crate) const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// A fresh request id (UUID v4, lower-case).
pub(crate) fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Escapes text for XML element content. Characters XML 1.0 does not allow at all (most C0
/// controls, U+FFFE, U+FFFF; not even as character references) become U+FFFD, so that text a
/// request supplied never makes a response ill-formed.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_decodes() {
        assert_eq!(rfc3986("a b*~/"), "a%20b%2A~%2F");
        assert_eq!(percent_decode("a+b%2B", true), "a b+");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(
            parse_pairs("A=1&B=&C", false),
            vec![
                ("A".into(), "1".into()),
                ("B".into(), String::new()),
                ("C".into(), String::new())
            ]
        );
    }

    #[test]
    fn times_round_trip() {
        let t = parse_iso8601("2026-11-23T14:15:25Z").unwrap();
        assert_eq!(iso8601(from_unix(t)), "2026-11-23T14:15:25Z");
        assert_eq!(
            parse_amz_date("20150830T123600Z"),
            parse_iso8601("2015-08-30T12:36:00Z")
        );
        assert_eq!(iso8601_minutes(from_unix(t)), "2026-11-23T14:15Z");
        assert!(parse_iso8601("garbage").is_none());
        assert!(parse_amz_date("2015083XT123600Z").is_none());
    }

    #[test]
    fn xml_escape_leaves_no_forbidden_characters() {
        assert_eq!(xml_escape("a<&>\"'b"), "a&lt;&amp;&gt;&quot;&apos;b");
        assert_eq!(
            xml_escape("x\u{0}\u{1}\u{b}\u{1f}\u{fffe}\t\n"),
            "x\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\t\n"
        );
    }
}
