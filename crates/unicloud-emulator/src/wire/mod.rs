//! What every vendor front-end writes: the error type in a vendor's terms, and the per-protocol
//! encoders (AWS Query/XML, Tencent's JSON envelope, Alibaba's RPC JSON).

/// An error in a vendor's terms: the code, message and HTTP status it answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    /// The vendor error code (`AuthFailure.SignatureFailure`, `SignatureDoesNotMatch`, ...).
    pub(crate) code: String,
    /// Human-readable message.
    pub(crate) message: String,
    /// HTTP status (Tencent answers 200 whatever this says, unless it is a 5xx fault).
    pub(crate) status: u16,
}

impl ApiError {
    /// Builds an error.
    pub(crate) fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            status,
        }
    }
}

pub(crate) mod xml;

use crate::util::parse_pairs;

/// The most parameters one request may carry (query and form body together, or the
/// flattened keys of a Tencent GET). Every emulated action needs far fewer; the cap keeps a
/// request made of many distinct keys from costing memory without bound. Vendors answer
/// more with their "invalid parameter" error; so does the emulator.
pub(crate) const MAX_PARAMS: usize = 1000;

/// Flat `name=value` parameters (AWS Query, Alibaba RPC, Tencent v1), decoded and in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Params(pub(crate) Vec<(String, String)>);

impl Params {
    /// Parses the raw query (`+` is a space when `query_plus_is_space`) and, when given, a
    /// form body (where `+` is always a space); `None` when there are more than
    /// [`MAX_PARAMS`].
    pub(crate) fn parse(
        query: &str,
        form: Option<&str>,
        query_plus_is_space: bool,
    ) -> Option<Params> {
        let count = |raw: &str| raw.split('&').filter(|p| !p.is_empty()).count();
        if count(query) + form.map_or(0, count) > MAX_PARAMS {
            return None;
        }
        let mut pairs = parse_pairs(query, query_plus_is_space);
        if let Some(body) = form {
            pairs.extend(parse_pairs(body, true));
        }
        Some(Params(pairs))
    }

    /// The first value of `name`, possibly empty.
    pub(crate) fn raw(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `Name.1`, `Name.2`, ... in index order (other suffixes are ignored).
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        let prefix = format!("{name}.");
        let mut v: Vec<(usize, String)> = self
            .0
            .iter()
            .filter_map(|(k, val)| Some((k.strip_prefix(&prefix)?.parse().ok()?, val.clone())))
            .collect();
        v.sort_by_key(|(i, _)| *i);
        v.into_iter().map(|(_, s)| s).collect()
    }

    /// The pairs sorted, without the ones named in `skip`: what makes two calls "the same"
    /// for client-token idempotency.
    pub(crate) fn fingerprint(&self, skip: &[&str]) -> String {
        let mut fp: Vec<&(String, String)> = self
            .0
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .collect();
        fp.sort();
        format!("{fp:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_capped_before_they_are_decoded() {
        let many = vec!["a=1"; MAX_PARAMS].join("&");
        assert_eq!(
            Params::parse(&many, None, false).map(|p| p.0.len()),
            Some(MAX_PARAMS)
        );
        assert!(Params::parse(&many, Some("b=2"), false).is_none());
        let p = Params::parse("X.2=b&X.1=a&X.z=c&Y=", Some("Z=1+2"), true).unwrap();
        assert_eq!(p.list("X"), ["a", "b"]);
        assert_eq!(p.raw("Y"), Some(""));
        assert_eq!(p.raw("Z"), Some("1 2"));
        assert_eq!(
            p.fingerprint(&["Z"]),
            Params(vec![
                ("X.1".into(), "a".into()),
                ("X.2".into(), "b".into()),
                ("X.z".into(), "c".into()),
                ("Y".into(), String::new())
            ])
            .fingerprint(&[])
        );
    }
}
