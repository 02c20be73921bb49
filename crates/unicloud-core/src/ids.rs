//! Resource ids checked before any request, client tokens, and id lists cut to a vendor's
//! per-call limit.
//!
//! Every service validates the ids a caller hands it the same way: a non-empty list where one is
//! required, each id of the vendor's shape, duplicates dropped in first-seen order. An
//! [`IdRule`] says what "the vendor's shape" is for one kind of resource; the rest is shared.
//!
//! ```
//! use unicloud_core::ids::{IdRule, batch_size};
//! use unicloud_core::{ErrorKind, Provider};
//!
//! const ROUTE_TABLE: IdRule = IdRule {
//!     noun: "route table",
//!     provider: Provider::Tencent,
//!     is_valid: |id| id.starts_with("rtb-") && id.len() == 12,
//! };
//! let ids = ROUTE_TABLE.check(["rtb-abcdefgh", "rtb-abcdefgh", "rtb-12345678"], true).unwrap();
//! assert_eq!(ids, ["rtb-abcdefgh", "rtb-12345678"]);
//!
//! let err = ROUTE_TABLE.check(["vpc-1"], true).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::InvalidInput);
//! assert!(err.to_string().contains("`vpc-1` is not a well-formed Tencent Cloud route table id"));
//! assert!(ROUTE_TABLE.check(Vec::<String>::new(), true).is_err());
//!
//! // A caller's batch size is clamped to the vendor's limit.
//! assert_eq!(batch_size(100, Some(500)), 100);
//! assert_eq!(batch_size(100, Some(0)), 1);
//! assert_eq!(batch_size(100, None), 100);
//! ```

use std::collections::HashSet;
use std::future::Future;

use crate::error::Error;
use crate::provider::Provider;

/// How one kind of resource id looks at one provider.
#[derive(Debug, Clone, Copy)]
pub struct IdRule {
    /// What the id names, for messages (`instance`, `route table`).
    pub noun: &'static str,
    /// The provider whose ids these are.
    pub provider: Provider,
    /// Whether an id has the vendor's shape.
    pub is_valid: fn(&str) -> bool,
}

impl IdRule {
    /// Checks `ids`: at least one when `required`, each of the vendor's shape. Returns them
    /// without duplicates, in the order first seen. Nothing is sent: a bad id is an
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) error.
    pub fn check<I>(&self, ids: I, required: bool) -> Result<Vec<String>, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for id in ids {
            let id = id.as_ref();
            if !(self.is_valid)(id) {
                return Err(self.invalid(format!(
                    "`{}` is not a well-formed {} {} id",
                    printable(id),
                    self.provider.display_name(),
                    self.noun
                )));
            }
            if seen.insert(id.to_owned()) {
                out.push(id.to_owned());
            }
        }
        if required && out.is_empty() {
            return Err(self.invalid(format!("no {} id given", self.noun)));
        }
        Ok(out)
    }

    fn invalid(&self, message: String) -> Error {
        Error::invalid_input(message).with_provider(self.provider)
    }
}

/// The id as shown in a message: control characters escaped and at most 80 characters, so a
/// hostile or mistaken argument cannot garble a terminal or flood a log.
fn printable(id: &str) -> String {
    let mut out: String = id.chars().take(80).flat_map(char::escape_debug).collect();
    if id.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// The number of ids to send per call: the caller's choice clamped to `1..=limit`, or `limit`.
pub fn batch_size(limit: usize, requested: Option<usize>) -> usize {
    let limit = limit.max(1);
    requested.map_or(limit, |n| n.clamp(1, limit))
}

/// Calls `call` with consecutive chunks of at most `size` items, one call at a time, and
/// concatenates the results in the order of `items`. Stops at the first error.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use unicloud_core::ids::try_chunked;
///
/// let ids: Vec<u32> = (0..7).collect();
/// let sizes = try_chunked(&ids, 3, |chunk| {
///     let n = chunk.len();
///     async move { Ok::<_, unicloud_core::Error>(vec![n]) }
/// })
/// .await
/// .unwrap();
/// assert_eq!(sizes, [3, 3, 1]);
/// # });
/// ```
pub async fn try_chunked<'a, T, R, F, Fut>(
    items: &'a [T],
    size: usize,
    mut call: F,
) -> Result<Vec<R>, Error>
where
    F: FnMut(&'a [T]) -> Fut,
    Fut: Future<Output = Result<Vec<R>, Error>>,
{
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(size.max(1)) {
        out.extend(call(chunk).await?);
    }
    Ok(out)
}

/// A fresh client token (a random UUID, 36 characters: within every vendor's 64-character limit).
///
/// Generate one per logical create and send the same token on every retry of that call, so
/// the provider creates at most once.
pub fn new_client_token() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    const RULE: IdRule = IdRule {
        noun: "instance",
        provider: Provider::Aws,
        is_valid: |id| id.starts_with("i-") && id.len() > 2,
    };

    #[test]
    fn dedups_in_order_and_rejects_bad_ids() {
        assert_eq!(
            RULE.check(["i-2", "i-1", "i-2"], false).unwrap(),
            ["i-2", "i-1"]
        );
        assert!(RULE.check(Vec::<&str>::new(), false).unwrap().is_empty());
        let e = RULE.check(Vec::<&str>::new(), true).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(e.provider(), Some(Provider::Aws));
        assert!(e.message().contains("no instance id given"));
        let owned = vec![String::from("i-1")];
        assert_eq!(RULE.check(&owned, true).unwrap(), ["i-1"]);
    }

    #[test]
    fn hostile_ids_are_escaped_and_cut() {
        let long = format!("\u{1b}[31m{}", "x".repeat(500));
        let e = RULE.check([long.as_str()], true).unwrap_err();
        assert!(!e.message().contains('\u{1b}'));
        assert!(e.message().len() < 200);
    }

    #[test]
    fn batch_sizes() {
        assert_eq!(batch_size(1000, None), 1000);
        assert_eq!(batch_size(1000, Some(5)), 5);
        assert_eq!(batch_size(0, None), 1);
    }

    #[tokio::test]
    async fn chunks_stop_at_the_first_error() {
        let items: Vec<u32> = (0..10).collect();
        let mut calls = 0;
        let r: Result<Vec<u32>, _> = try_chunked(&items, 4, |c| {
            calls += 1;
            let first = c[0];
            async move {
                if first >= 4 {
                    Err(Error::new(ErrorKind::Unavailable, "down"))
                } else {
                    Ok(c.to_vec())
                }
            }
        })
        .await;
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Unavailable);
        assert_eq!(calls, 2);
        let all = try_chunked(&items, 3, |c| async move { Ok(c.to_vec()) })
            .await
            .unwrap();
        assert_eq!(all, items);
    }

    #[test]
    fn client_tokens_are_unique_and_short() {
        let a = new_client_token();
        assert_eq!(a.len(), 36);
        assert_ne!(a, new_client_token());
    }
}
