//! Percent-encoding and decoding, form parsing and calendar dates.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Every byte except the RFC 3986 unreserved characters (`A-Z a-z 0-9 - _ . ~`).
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes every byte of `s` (as UTF-8) except the RFC 3986 unreserved characters,
/// with upper-case hex digits.
///
/// ```
/// use unicloud_core::signing::rfc3986_encode;
/// assert_eq!(rfc3986_encode("a b+c*~/"), "a%20b%2Bc%2A~%2F");
/// ```
pub fn rfc3986_encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// Percent-decodes `s` into UTF-8 (without treating `+` as a space); `None` when the result
/// is not UTF-8.
///
/// ```
/// use unicloud_core::signing::percent_decode;
/// assert_eq!(percent_decode("dir%2Fa+b").as_deref(), Some("dir/a+b"));
/// assert_eq!(percent_decode("%FF"), None);
/// ```
pub fn percent_decode(s: &str) -> Option<String> {
    percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Splits an `application/x-www-form-urlencoded` string (also used for query strings) into
/// decoded pairs, in order, with `+` read as a space. Returns `None` on invalid UTF-8.
///
/// ```
/// use unicloud_core::signing::parse_form;
/// let pairs = parse_form("a=1&b=x+y%2B&c").unwrap_or_default();
/// assert_eq!(pairs[1], ("b".to_owned(), "x y+".to_owned()));
/// assert_eq!(pairs[2], ("c".to_owned(), String::new()));
/// ```
pub fn parse_form(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for part in s.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let k = percent_decode(&k.replace('+', " "))?;
        let v = percent_decode(&v.replace('+', " "))?;
        out.push((k, v));
    }
    Some(out)
}

/// Borrows owned pairs (such as [`parse_form`]'s) as the `&[(&str, &str)]` the signers take.
pub fn borrow_pairs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// The UTC calendar date of a Unix timestamp as `YYYY-MM-DD`; `None` when out of range.
///
/// ```
/// use unicloud_core::signing::utc_date;
/// assert_eq!(utc_date(1551113065).as_deref(), Some("2019-02-25"));
/// ```
pub fn utc_date(timestamp: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(timestamp).ok()?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        t.year(),
        u8::from(t.month()),
        t.day()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_date_formats() {
        assert_eq!(utc_date(1551113065).as_deref(), Some("2019-02-25"));
        assert_eq!(utc_date(i64::MAX), None);
    }

    #[test]
    fn form_decoding() {
        assert_eq!(
            parse_form("a=1&b=x+y%2B&c").unwrap(),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y+".into()),
                ("c".into(), String::new())
            ]
        );
        assert_eq!(parse_form("a=%FF"), None);
    }

    #[test]
    fn rfc3986_keeps_only_unreserved_characters() {
        assert_eq!(rfc3986_encode("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(rfc3986_encode("腾"), "%E8%85%BE");
        assert_eq!(rfc3986_encode("=&?#"), "%3D%26%3F%23");
    }
}
