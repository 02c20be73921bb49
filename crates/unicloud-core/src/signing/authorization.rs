//! The mechanics shared by the `Authorization` formats: the leading algorithm name, lists of
//! `name=value` fields, `;`-separated header lists, `id/scope/...` credentials and the final
//! constant-time signature check.
//!
//! What each field means, and how it is validated, stays with each algorithm.

use super::{AuthorizationError, VerifyError, constant_time_eq};

/// Checks that `value` (trimmed) starts with `algorithm` followed by a space and returns the
/// rest (the field list), or `""` when nothing follows the algorithm name.
///
/// Fails with [`AuthorizationError::Empty`] on a blank value and with
/// [`AuthorizationError::UnsupportedAlgorithm`] (carrying the name found) on another
/// algorithm.
///
/// ```
/// use unicloud_core::signing::{AuthorizationError, split_algorithm};
/// assert_eq!(split_algorithm(" OSS ak:sig ", "OSS"), Ok("ak:sig"));
/// assert_eq!(split_algorithm("OSS", "OSS"), Ok(""));
/// assert_eq!(split_algorithm("  ", "OSS"), Err(AuthorizationError::Empty));
/// assert_eq!(
///     split_algorithm("AWS a:b", "OSS"),
///     Err(AuthorizationError::UnsupportedAlgorithm("AWS".into()))
/// );
/// ```
pub fn split_algorithm<'a>(value: &'a str, algorithm: &str) -> Result<&'a str, AuthorizationError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AuthorizationError::Empty);
    }
    let (found, rest) = value.split_once(' ').unwrap_or((value, ""));
    if found != algorithm {
        return Err(AuthorizationError::UnsupportedAlgorithm(found.to_owned()));
    }
    Ok(rest)
}

/// How the fields of an `Authorization` value are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldSeparator {
    /// `Name=value, Name=value` (TC3, ACS3, OSS v4): `,` with optional whitespace around
    /// each field.
    Comma,
    /// `name=value&name=value` (COS): `&`, fields taken exactly as they are.
    Ampersand,
}

/// The `name=value` fields of an `Authorization` value, parsed against the fixed set of
/// names a format defines.
///
/// Parsing rejects a field without `=` ([`AuthorizationError::MalformedField`]), a name not in
/// the set ([`AuthorizationError::UnknownField`]) and a name given twice
/// ([`AuthorizationError::DuplicateField`]), checked field by field in order. Which fields
/// are required is up to the caller ([`AuthorizationFields::require`]).
///
/// ```
/// use unicloud_core::signing::{AuthorizationError, AuthorizationFields, FieldSeparator};
/// const NAMES: [&str; 2] = ["Credential", "Signature"];
/// let fields = AuthorizationFields::parse("Credential=ak, Signature=00", FieldSeparator::Comma, NAMES)?;
/// assert_eq!(fields.require("Credential")?, "ak");
/// assert_eq!(fields.get("Signature"), Some("00"));
///
/// let dup = AuthorizationFields::parse("Signature=1,Signature=2", FieldSeparator::Comma, NAMES);
/// assert_eq!(dup.err(), Some(AuthorizationError::DuplicateField("Signature".into())));
/// let unknown = AuthorizationFields::parse("a=1&Region=x", FieldSeparator::Ampersand, ["a"]);
/// assert_eq!(unknown.err(), Some(AuthorizationError::UnknownField("Region".into())));
/// # Ok::<(), AuthorizationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationFields<'a, const N: usize> {
    names: [&'static str; N],
    values: [Option<&'a str>; N],
}

impl<'a, const N: usize> AuthorizationFields<'a, N> {
    /// Splits `list` on `separator` and assigns each field to one of `names`.
    ///
    /// An empty `list` is one empty field, hence [`AuthorizationError::MalformedField`].
    pub fn parse(
        list: &'a str,
        separator: FieldSeparator,
        names: [&'static str; N],
    ) -> Result<Self, AuthorizationError> {
        let (split_on, trim) = match separator {
            FieldSeparator::Comma => (',', true),
            FieldSeparator::Ampersand => ('&', false),
        };
        let mut values = [None; N];
        for field in list.split(split_on) {
            let field = if trim { field.trim() } else { field };
            let (name, value) = field
                .split_once('=')
                .ok_or_else(|| AuthorizationError::MalformedField(field.to_owned()))?;
            let slot = names
                .iter()
                .position(|n| *n == name)
                .and_then(|i| values.get_mut(i))
                .ok_or_else(|| AuthorizationError::UnknownField(name.to_owned()))?;
            if slot.replace(value).is_some() {
                return Err(AuthorizationError::DuplicateField(name.to_owned()));
            }
        }
        Ok(Self { names, values })
    }

    /// The value of field `name`, if it was given.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.names
            .iter()
            .position(|n| *n == name)
            .and_then(|i| self.values.get(i).copied().flatten())
    }

    /// The value of field `name`, or [`AuthorizationError::MissingField`] when it was not
    /// given.
    pub fn require(&self, name: &'static str) -> Result<&'a str, AuthorizationError> {
        self.get(name).ok_or(AuthorizationError::MissingField(name))
    }
}

/// Parses a `;`-separated header-name list (`SignedHeaders`, `AdditionalHeaders`) into
/// lower-case names, in the order given.
///
/// Fails with [`AuthorizationError::MalformedList`] (carrying `list`) when a name is empty or
/// holds whitespace or `:`.
///
/// ```
/// use unicloud_core::signing::{AuthorizationError, parse_header_list};
/// assert_eq!(parse_header_list("Host;content-type")?, ["host", "content-type"]);
/// assert_eq!(parse_header_list("host;"), Err(AuthorizationError::MalformedList("host;".into())));
/// # Ok::<(), AuthorizationError>(())
/// ```
pub fn parse_header_list(list: &str) -> Result<Vec<String>, AuthorizationError> {
    let names: Vec<String> = list.split(';').map(str::to_ascii_lowercase).collect();
    if names
        .iter()
        .any(|h| h.is_empty() || h.chars().any(|c| c.is_whitespace() || c == ':'))
    {
        return Err(AuthorizationError::MalformedList(list.to_owned()));
    }
    Ok(names)
}

/// Splits a credential `KeyId/scope1/.../scopeK` into `N` parts from the right, so the key
/// id (the first part) may itself hold `/`. `None` when there are fewer than `N` parts.
///
/// ```
/// use unicloud_core::signing::split_credential_scope;
/// assert_eq!(
///     split_credential_scope::<4>("AKID/2019-02-25/cvm/tc3_request"),
///     Some(["AKID", "2019-02-25", "cvm", "tc3_request"])
/// );
/// assert_eq!(split_credential_scope::<3>("a/b/c/d"), Some(["a/b", "c", "d"]));
/// assert_eq!(split_credential_scope::<4>("cvm/tc3_request"), None);
/// ```
pub fn split_credential_scope<const N: usize>(credential: &str) -> Option<[&str; N]> {
    let mut parts: Vec<&str> = credential.rsplitn(N, '/').collect();
    parts.reverse();
    parts.try_into().ok()
}

/// Compares a recomputed signature with the one sent, in constant time.
///
/// On a mismatch returns [`VerifyError::SignatureMismatch`] carrying `string_to_sign`, to help
/// diagnose client bugs.
///
/// ```
/// use unicloud_core::signing::{VerifyError, check_signature};
/// assert_eq!(check_signature("abc", "abc", "sts"), Ok(()));
/// assert_eq!(
///     check_signature("abc", "abd", "sts"),
///     Err(VerifyError::SignatureMismatch { string_to_sign: "sts".into() })
/// );
/// ```
pub fn check_signature(
    computed: &str,
    sent: &str,
    string_to_sign: &str,
) -> Result<(), VerifyError> {
    if constant_time_eq(computed.as_bytes(), sent.as_bytes()) {
        Ok(())
    } else {
        Err(VerifyError::SignatureMismatch {
            string_to_sign: string_to_sign.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 3] = ["Credential", "SignedHeaders", "Signature"];

    #[test]
    fn comma_fields_tolerate_spaces_ampersand_fields_do_not() {
        let f = AuthorizationFields::parse(
            "Credential=a,  SignedHeaders=host ,Signature=s",
            FieldSeparator::Comma,
            NAMES,
        )
        .unwrap();
        assert_eq!(f.get("SignedHeaders"), Some("host"));
        assert_eq!(f.require("Signature"), Ok("s"));
        assert_eq!(
            AuthorizationFields::parse("a=1& b=2", FieldSeparator::Ampersand, ["a", "b"]),
            Err(AuthorizationError::UnknownField(" b".into()))
        );
    }

    #[test]
    fn field_errors() {
        let parse = |s| AuthorizationFields::parse(s, FieldSeparator::Comma, NAMES);
        assert_eq!(
            parse(""),
            Err(AuthorizationError::MalformedField(String::new()))
        );
        assert_eq!(
            parse("Credential=a, junk"),
            Err(AuthorizationError::MalformedField("junk".into()))
        );
        assert_eq!(
            parse("Credential=a,Credential=b"),
            Err(AuthorizationError::DuplicateField("Credential".into()))
        );
        let f = parse("Credential=").unwrap();
        assert_eq!(f.get("Credential"), Some(""));
        assert_eq!(
            f.require("Signature"),
            Err(AuthorizationError::MissingField("Signature"))
        );
        assert_eq!(f.get("Other"), None);
    }

    #[test]
    fn credential_scopes() {
        assert_eq!(split_credential_scope::<2>("a"), None);
        assert_eq!(split_credential_scope::<2>("/b"), Some(["", "b"]));
        assert_eq!(split_credential_scope::<1>("a/b"), Some(["a/b"]));
    }

    proptest::proptest! {
        #[test]
        fn field_parser_never_panics(s in ".*") {
            let _ = AuthorizationFields::parse(&s, FieldSeparator::Comma, NAMES);
            let _ = AuthorizationFields::parse(&s, FieldSeparator::Ampersand, NAMES);
        }
    }
}
