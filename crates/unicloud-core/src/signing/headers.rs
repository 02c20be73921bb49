//! Header lookup and signed-header name lists.

use super::SignError;

/// The value of the first header named `name` (case-insensitive; surrounding whitespace in
/// the stored names is ignored).
///
/// ```
/// use unicloud_core::signing::find_header;
/// let headers = [("Host", "a"), ("host", "b")];
/// assert_eq!(find_header(&headers, "HOST"), Some("a"));
/// assert_eq!(find_header(&headers, "date"), None);
/// ```
pub fn find_header<'a>(headers: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// All values of the headers named `name` (case-insensitive), in order.
pub fn header_values<'a>(headers: &[(&'a str, &'a str)], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
        .collect()
}

/// Lower-cases, sorts and de-duplicates a header-name list (names are trimmed first).
///
/// Fails with [`SignError::InvalidHeaderName`] on an empty name or one holding a space,
/// control character or `:`. An empty list is returned as is.
///
/// ```
/// use unicloud_core::signing::{SignError, normalize_header_names};
/// assert_eq!(normalize_header_names(&["Host", "content-type", "host"])?, ["content-type", "host"]);
/// assert_eq!(normalize_header_names(&["a b"]), Err(SignError::InvalidHeaderName("a b".into())));
/// # Ok::<(), SignError>(())
/// ```
pub fn normalize_header_names(names: &[&str]) -> Result<Vec<String>, SignError> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let lower = name.trim().to_ascii_lowercase();
        if lower.is_empty() || lower.bytes().any(|b| b <= b' ' || b == b':' || b == 0x7f) {
            return Err(SignError::InvalidHeaderName((*name).to_owned()));
        }
        out.push(lower);
    }
    out.sort();
    out.dedup();
    Ok(out)
}
