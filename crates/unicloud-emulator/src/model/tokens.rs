//! The idempotency store: what a create call with a client token produced, so that a repeat
//! with the same token returns the same resources instead of creating more.
//!
//! One store per (cloud, region) serves every service: records are keyed by the operation and
//! the token. Records expire after a configured time and are evicted when they do (and the
//! oldest go first when the store is full), so memory stays bounded however many tokens
//! clients send.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

/// What a create call with a client token produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenRecord {
    /// A fingerprint of the call's parameters: a repeat with other parameters is a conflict.
    pub(crate) fingerprint: String,
    /// The ids of what it created, in order.
    pub(crate) ids: Vec<String>,
    /// The call's group id (AWS reservation, Alibaba order, Tencent request id).
    pub(crate) group_id: String,
}

/// A client token came back with parameters other than the first call's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenReused;

/// At most this many records are kept per (cloud, region).
pub(crate) const MAX_TOKENS: usize = 100_000;

/// Client-token records of one (cloud, region).
#[derive(Debug, Clone, Default)]
pub(crate) struct TokenStore {
    records: HashMap<(&'static str, String), (TokenRecord, SystemTime)>,
}

impl TokenStore {
    /// The live record for `token` in `operation`, if any.
    pub(crate) fn get(
        &self,
        operation: &'static str,
        token: &str,
        now: SystemTime,
        ttl: Duration,
    ) -> Option<&TokenRecord> {
        let (record, at) = self.records.get(&(operation, token.to_owned()))?;
        is_live(*at, now, ttl).then_some(record)
    }

    /// Stores `record` for `token` in `operation`, evicting expired records (and, when still
    /// full, the oldest one).
    pub(crate) fn insert(
        &mut self,
        operation: &'static str,
        token: String,
        record: TokenRecord,
        now: SystemTime,
        ttl: Duration,
    ) {
        if self.records.len() >= MAX_TOKENS {
            self.records.retain(|_, (_, at)| is_live(*at, now, ttl));
        }
        if self.records.len() >= MAX_TOKENS
            && let Some(oldest) = self
                .records
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(k, _)| k.clone())
        {
            self.records.remove(&oldest);
        }
        self.records.insert((operation, token), (record, now));
    }

    /// The record of an earlier call with `token` in `operation`: `Ok(None)` when there is
    /// none (go on and create), `Ok(Some(record))` to answer with what it created,
    /// `Err(TokenReused)` when it was made with other parameters.
    pub(crate) fn replay(
        &self,
        operation: &'static str,
        token: Option<&str>,
        fingerprint: &str,
        now: SystemTime,
        ttl: Duration,
    ) -> Result<Option<&TokenRecord>, TokenReused> {
        match token.and_then(|t| self.get(operation, t, now, ttl)) {
            Some(rec) if rec.fingerprint != fingerprint => Err(TokenReused),
            found => Ok(found),
        }
    }

    /// How many records are held (live or not yet evicted).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }
}

fn is_live(at: SystemTime, now: SystemTime, ttl: Duration) -> bool {
    now.duration_since(at).map_or(true, |age| age < ttl)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: usize) -> TokenRecord {
        TokenRecord {
            fingerprint: format!("f{n}"),
            ids: vec![format!("i-{n}")],
            group_id: format!("r-{n}"),
        }
    }

    #[test]
    fn records_are_per_operation_and_expire() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let ttl = Duration::from_secs(60);
        let mut s = TokenStore::default();
        s.insert("RunInstances", "tok".into(), record(1), t0, ttl);
        assert_eq!(s.get("RunInstances", "tok", t0, ttl), Some(&record(1)));
        assert_eq!(s.get("CreateRoute", "tok", t0, ttl), None);
        assert_eq!(s.get("RunInstances", "tok", t0 + ttl, ttl), None);
    }

    #[test]
    fn replays_tell_a_repeat_from_a_reuse() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let ttl = Duration::from_secs(60);
        let mut s = TokenStore::default();
        assert_eq!(
            s.replay("RunInstances", Some("tok"), "f1", t0, ttl),
            Ok(None)
        );
        assert_eq!(s.replay("RunInstances", None, "f1", t0, ttl), Ok(None));
        s.insert("RunInstances", "tok".into(), record(1), t0, ttl);
        assert_eq!(
            s.replay("RunInstances", Some("tok"), "f1", t0, ttl),
            Ok(Some(&record(1)))
        );
        assert_eq!(
            s.replay("RunInstances", Some("tok"), "f2", t0, ttl),
            Err(TokenReused)
        );
    }

    #[test]
    fn a_full_store_evicts_expired_then_oldest() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let ttl = Duration::from_secs(3600);
        let mut s = TokenStore::default();
        for n in 0..MAX_TOKENS {
            s.insert(
                "RunInstances",
                format!("t{n}"),
                record(n),
                t0 + Duration::from_millis(n as u64),
                ttl,
            );
        }
        let later = t0 + Duration::from_secs(200);
        s.insert("RunInstances", "new".into(), record(0), later, ttl);
        assert_eq!(s.len(), MAX_TOKENS);
        assert!(
            s.get("RunInstances", "t0", later, ttl).is_none(),
            "the oldest went"
        );
        assert!(s.get("RunInstances", "t1", later, ttl).is_some());
        let much_later = t0 + ttl + Duration::from_secs(1000);
        s.insert("RunInstances", "newer".into(), record(0), much_later, ttl);
        assert_eq!(s.len(), 1, "every expired record was evicted");
    }
}
