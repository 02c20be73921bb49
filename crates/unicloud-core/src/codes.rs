//! One shape for every vendor's table of error codes.
//!
//! Each provider crate describes its vendor's codes as a [`CodeTable`]: exact codes first, then
//! an ordered list of [`CodeMatch`] rules (a dotted prefix, any continuation of a prefix, a
//! suffix), plus the codes whose retryability differs from what their kind says. The table is
//! data; the matching is written once, here.
//!
//! ```
//! use unicloud_core::codes::{CodeMatch, CodeTable};
//! use unicloud_core::ErrorKind;
//!
//! static TABLE: CodeTable = CodeTable {
//!     exact: &[("InvalidInstanceId.Malformed", ErrorKind::InvalidInput)],
//!     rules: &[
//!         (CodeMatch::Word("AuthFailure"), ErrorKind::Auth),
//!         (CodeMatch::Starts("UnsupportedOperation.InstanceState"), ErrorKind::Conflict),
//!         (CodeMatch::Suffix(".NotFound"), ErrorKind::NotFound),
//!     ],
//!     retryable: &[("OperationDenied.InstanceOperationInProgress", true)],
//! };
//! assert_eq!(TABLE.kind_of("AuthFailure.SignatureExpire"), Some(ErrorKind::Auth));
//! assert_eq!(TABLE.kind_of("AuthFailureish"), None); // a word prefix needs a separator
//! assert_eq!(TABLE.kind_of("UnsupportedOperation.InstanceStateStopped"), Some(ErrorKind::Conflict));
//! assert_eq!(TABLE.kind_of("InvalidRouteTableId.NotFound"), Some(ErrorKind::NotFound));
//! assert_eq!(TABLE.retryable_override("OperationDenied.InstanceOperationInProgress"), Some(true));
//! ```

use crate::error::ErrorKind;

/// How a rule of a [`CodeTable`] matches a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeMatch {
    /// The code is this word, or starts with it followed by `.` or `_` (`AuthFailure` matches
    /// `AuthFailure.SignatureExpire`, not `AuthFailureish`).
    Word(&'static str),
    /// The code starts with this text, whatever follows (`UnsupportedOperation.InstanceState`
    /// matches `UnsupportedOperation.InstanceStateRunning`).
    Starts(&'static str),
    /// The code ends with this text (`.NotFound`).
    Suffix(&'static str),
}

impl CodeMatch {
    /// Whether `code` matches.
    pub fn matches(self, code: &str) -> bool {
        match self {
            CodeMatch::Word(p) => code
                .strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '_'])),
            CodeMatch::Starts(p) => code.starts_with(p),
            CodeMatch::Suffix(s) => code.ends_with(s),
        }
    }
}

/// A vendor's error codes mapped to [`ErrorKind`]s: see the [module docs](self).
#[derive(Debug, Clone, Copy)]
pub struct CodeTable {
    /// Codes matched exactly, checked first.
    pub exact: &'static [(&'static str, ErrorKind)],
    /// Rules checked in order after the exact codes; the first match wins.
    pub rules: &'static [(CodeMatch, ErrorKind)],
    /// Codes whose retryability differs from their kind's (e.g. a token still being processed
    /// is a conflict that resolves on retry).
    pub retryable: &'static [(&'static str, bool)],
}

impl CodeTable {
    /// The kind of `code`, or `None` when the table does not know it (the caller then falls back
    /// to the HTTP status, see [`ErrorKind::from_http_status`]).
    pub fn kind_of(&self, code: &str) -> Option<ErrorKind> {
        if code.is_empty() {
            return None;
        }
        self.exact
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, k)| *k)
            .or_else(|| {
                self.rules
                    .iter()
                    .find(|(m, _)| m.matches(code))
                    .map(|(_, k)| *k)
            })
    }

    /// Whether an error with `code` is retryable regardless of its kind, when the table says.
    pub fn retryable_override(&self, code: &str) -> Option<bool> {
        self.retryable
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, r)| *r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static T: CodeTable = CodeTable {
        exact: &[
            ("Throttling.Special", ErrorKind::Other),
            ("X", ErrorKind::Conflict),
        ],
        rules: &[
            (CodeMatch::Word("Throttling"), ErrorKind::Throttled),
            (CodeMatch::Starts("Invalid"), ErrorKind::InvalidInput),
            (CodeMatch::Suffix(".NotFound"), ErrorKind::NotFound),
        ],
        retryable: &[("LastTokenProcessing", true)],
    };

    #[test]
    fn exact_beats_rules_and_rules_keep_their_order() {
        assert_eq!(T.kind_of("Throttling.Special"), Some(ErrorKind::Other));
        assert_eq!(T.kind_of("Throttling"), Some(ErrorKind::Throttled));
        assert_eq!(T.kind_of("Throttling.User"), Some(ErrorKind::Throttled));
        assert_eq!(T.kind_of("Throttling_x"), Some(ErrorKind::Throttled));
        assert_eq!(T.kind_of("ThrottlingX"), None);
        // `Starts` comes before `Suffix` in this table.
        assert_eq!(
            T.kind_of("InvalidVpc.NotFound"),
            Some(ErrorKind::InvalidInput)
        );
        assert_eq!(T.kind_of("Vpc.NotFound"), Some(ErrorKind::NotFound));
        assert_eq!(T.kind_of(""), None);
        assert_eq!(T.kind_of("Unknown"), None);
        assert_eq!(T.retryable_override("LastTokenProcessing"), Some(true));
        assert_eq!(T.retryable_override("X"), None);
    }

    proptest::proptest! {
        #[test]
        fn lookup_never_panics(code in ".{0,40}") {
            let _ = T.kind_of(&code);
            let _ = T.retryable_override(&code);
        }
    }
}
