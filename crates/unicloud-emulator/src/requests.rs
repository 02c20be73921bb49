//! Request counts: how many requests the emulator received, per (cloud, region, action).
//!
//! A request is counted once the emulator knows which action of which cloud it asks for —
//! after its signature checked out and its action was found among those the emulator serves —
//! and before fault injection: a request answered with an injected fault (throttling, a
//! server error, a rejection, a dropped connection) is counted like any other. Requests refused
//! before that (a bad or missing signature, an unknown action, an unparsable body, a body over
//! the size limit) are not counted. Object-storage requests count under the vendor's action
//! name (`PutObject`, `UploadPart`, …) and the region their signature or host names.
//!
//! Read them with [`EmulatorHandle::request_counts`](crate::EmulatorHandle::request_counts).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use unicloud_core::Provider;

use crate::faults::provider_key;

/// The most distinct (cloud, region, action) keys kept; requests beyond are still counted in
/// [`RequestCounts::total`] (regions are whatever the requests name, so this bounds memory).
const MAX_KEYS: usize = 65_536;

/// A snapshot of the request counters (see
/// [`EmulatorHandle::request_counts`](crate::EmulatorHandle::request_counts)): how many
/// requests each (cloud, region, action) received.
///
/// A request is counted once the emulator knows which action of which cloud it asks for —
/// its signature checked out and its action is one the emulator serves — and before fault
/// injection, so a request answered with an injected fault (throttling, including a `rate`
/// rule's, a server error, a rejection, a dropped connection) counts like any other. Requests
/// refused before that (a bad or missing signature, an unknown action, an unreadable body, a
/// body over the size limit) are not counted. The region is the one the request names (AWS:
/// the SigV4 scope; Tencent Cloud: `X-TC-Region`; Alibaba Cloud: `RegionId`, empty when
/// absent); object-storage requests count under the vendor's action name (`PutObject`,
/// `UploadPart`, …) and the region their signature or host names. At most 65 536 distinct
/// keys are kept; requests past that still count in [`RequestCounts::total`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestCounts {
    counts: BTreeMap<(String, String, String), u64>,
    total: u64,
}

impl RequestCounts {
    /// How many requests for `action` (the vendor's name, e.g. `DescribeInstances`) of
    /// `provider` in `region` were received.
    pub fn get(&self, provider: Provider, region: &str, action: &str) -> u64 {
        self.counts
            .get(&(
                provider_key(provider).to_owned(),
                region.to_owned(),
                action.to_owned(),
            ))
            .copied()
            .unwrap_or(0)
    }

    /// How many requests for `action` of `provider` were received, in every region.
    pub fn action_total(&self, provider: Provider, action: &str) -> u64 {
        let p = provider_key(provider);
        self.counts
            .iter()
            .filter(|((cp, _, a), _)| cp == p && a == action)
            .map(|(_, n)| n)
            .sum()
    }

    /// How many requests `provider` received, every region and action together.
    pub fn provider_total(&self, provider: Provider) -> u64 {
        let p = provider_key(provider);
        self.counts
            .iter()
            .filter(|((cp, _, _), _)| cp == p)
            .map(|(_, n)| n)
            .sum()
    }

    /// How many requests were counted in all.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Every counter: ((cloud as in configs — `aws`, `tencent`, `alibaba` —, region, action),
    /// count), sorted.
    pub fn iter(&self) -> impl Iterator<Item = ((&str, &str, &str), u64)> {
        self.counts
            .iter()
            .map(|((p, r, a), n)| ((p.as_str(), r.as_str(), a.as_str()), *n))
    }
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct RequestCounter {
    counts: Mutex<HashMap<(Provider, String, String), u64>>,
    total: AtomicU64,
}

impl RequestCounter {
    /// Counts one request for `action` of `provider` in `region`.
    pub(crate) fn count(&self, provider: Provider, region: &str, action: &str) {
        self.total.fetch_add(1, Ordering::Relaxed);
        let mut counts = crate::model::lock(&self.counts);
        let key = (provider, region.to_owned(), action.to_owned());
        if let Some(n) = counts.get_mut(&key) {
            *n = n.saturating_add(1);
        } else if counts.len() < MAX_KEYS {
            counts.insert(key, 1);
        }
    }

    /// A snapshot.
    pub(crate) fn snapshot(&self) -> RequestCounts {
        let counts = crate::model::lock(&self.counts);
        RequestCounts {
            counts: counts
                .iter()
                .map(|((p, r, a), n)| ((provider_key(*p).to_owned(), r.clone(), a.clone()), *n))
                .collect(),
            total: self.total.load(Ordering::Relaxed),
        }
    }

    /// Sets every counter back to zero.
    pub(crate) fn reset(&self) {
        let mut counts = crate::model::lock(&self.counts);
        counts.clear();
        self.total.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_cloud_region_and_action() {
        let c = RequestCounter::default();
        for _ in 0..3 {
            c.count(Provider::Aws, "us-east-1", "DescribeInstances");
        }
        c.count(Provider::Aws, "us-west-2", "DescribeInstances");
        c.count(Provider::Tencent, "us-east-1", "DescribeInstances");
        c.count(Provider::Aws, "us-east-1", "RunInstances");
        let s = c.snapshot();
        assert_eq!(s.get(Provider::Aws, "us-east-1", "DescribeInstances"), 3);
        assert_eq!(s.get(Provider::Aws, "us-west-2", "DescribeInstances"), 1);
        assert_eq!(
            s.get(Provider::Alibaba, "us-east-1", "DescribeInstances"),
            0
        );
        assert_eq!(s.action_total(Provider::Aws, "DescribeInstances"), 4);
        assert_eq!(s.provider_total(Provider::Aws), 5);
        assert_eq!(s.total(), 6);
        assert_eq!(s.iter().count(), 4);
        assert_eq!(
            s.iter().next(),
            Some((("aws", "us-east-1", "DescribeInstances"), 3))
        );
        c.reset();
        assert_eq!(c.snapshot(), RequestCounts::default());
    }

    #[test]
    fn keys_are_capped_but_every_request_is_in_the_total() {
        let c = RequestCounter::default();
        for n in 0..MAX_KEYS + 10 {
            c.count(Provider::Aws, &format!("r{n}"), "DescribeInstances");
        }
        c.count(Provider::Aws, "r0", "DescribeInstances");
        let s = c.snapshot();
        assert_eq!(s.iter().count(), MAX_KEYS);
        assert_eq!(s.total(), MAX_KEYS as u64 + 11);
        assert_eq!(s.get(Provider::Aws, "r0", "DescribeInstances"), 2);
    }
}
