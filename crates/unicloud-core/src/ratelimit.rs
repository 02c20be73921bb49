//! Client-side rate limits: one token bucket per provider × service × action (× region or
//! bucket, where the vendor limits per region or per bucket), shared by every client built
//! from the same [`ClientConfig`](crate::ClientConfig), and adaptive.
//!
//! Vendors throttle each API of an account separately (EC2 per account and region with token
//! buckets, Tencent Cloud and Alibaba Cloud per action with a published requests-per-second
//! limit). A fleet job that sends faster than that only gets throttling errors back and
//! waits out retries; the limiter instead spaces requests so they stay under the limit:
//!
//! - each provider crate knows the vendor's published limit of every action unicloud sends
//!   (a conservative default where none is published) and passes it as the default;
//! - [`RateLimits`] overrides them (per provider, service and/or action), turns adaptation
//!   off, or turns limiting off altogether;
//! - before every attempt the call takes a token from its bucket, waiting on the configured
//!   clock when there is none (so tests with a [`ManualClock`](crate::clock::ManualClock)
//!   never sleep);
//! - when the vendor throttles anyway (another process spends the same account's budget),
//!   the bucket's rate drops to 70 % of what it was, and then climbs back along a cubic curve
//!   in time to the configured rate — the scheme of the AWS SDKs' adaptive retry mode — so a
//!   shared budget is found instead of hammered.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use std::time::{Duration, UNIX_EPOCH};
//! use unicloud_core::clock::ManualClock;
//! use unicloud_core::ratelimit::{LimitKey, Rate, RateLimiter, RateLimits};
//! use unicloud_core::Provider;
//!
//! let clock = ManualClock::new(UNIX_EPOCH);
//! // Ours: 10 requests a second for CVM DescribeInstances, in bursts of at most 2.
//! let limiter = RateLimiter::new(
//!     RateLimits::default().with_action_rate(Provider::Tencent, "cvm", "DescribeInstances", Rate::per_second(10).with_burst(2)),
//! );
//! let key = LimitKey::new(Provider::Tencent, "cvm", "DescribeInstances").scoped("ap-guangzhou");
//! let vendor_default = Rate::per_second(40);
//! for _ in 0..4 {
//!     limiter.acquire(&key, vendor_default, &clock).await;
//! }
//! // Two from the burst, then one every 100 ms.
//! assert_eq!(clock.sleeps(), [Duration::from_millis(100); 2]);
//! # });
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::clock::Clock;
use crate::error::{Error, ErrorKind};
use crate::provider::Provider;

/// A steady request rate with a burst allowance: a token bucket that holds `burst` tokens and
/// gains `per_second` of them every second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    per_second: f64,
    burst: u32,
}

impl Rate {
    /// `n` requests a second (at least 1), in bursts of up to `n`.
    pub const fn per_second(n: u32) -> Self {
        let n = if n == 0 { 1 } else { n };
        Self {
            per_second: n as f64,
            burst: n,
        }
    }

    /// `n` requests a minute (at least 1), in bursts of up to `max(1, n / 60)`.
    pub const fn per_minute(n: u32) -> Self {
        let n = if n == 0 { 1 } else { n };
        let burst = n / 60;
        Self {
            per_second: n as f64 / 60.0,
            burst: if burst == 0 { 1 } else { burst },
        }
    }

    /// Any positive rate, e.g. `0.5` for one request every two seconds; the burst is the rate
    /// rounded up. A rate that is not a finite positive number is [`ErrorKind::InvalidInput`].
    ///
    /// ```
    /// use unicloud_core::ratelimit::Rate;
    ///
    /// assert_eq!(Rate::try_per_second(2.5)?.burst(), 3);
    /// assert!(Rate::try_per_second(0.0).is_err());
    /// assert!(Rate::try_per_second(f64::NAN).is_err());
    /// # Ok::<_, unicloud_core::Error>(())
    /// ```
    pub fn try_per_second(per_second: f64) -> Result<Self, Error> {
        if !(per_second.is_finite() && per_second > 0.0) {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "a rate limit must be a positive number of requests per second, not {per_second}"
                ),
            ));
        }
        let burst = per_second.ceil().min(f64::from(u32::MAX)) as u32;
        Ok(Self {
            per_second,
            burst: burst.max(1),
        })
    }

    /// The same rate with room for bursts of `burst` requests (at least 1).
    #[must_use]
    pub const fn with_burst(mut self, burst: u32) -> Self {
        self.burst = if burst == 0 { 1 } else { burst };
        self
    }

    /// Requests per second.
    pub fn requests_per_second(&self) -> f64 {
        self.per_second
    }

    /// The largest burst.
    pub fn burst(&self) -> u32 {
        self.burst
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/s (burst {})", self.per_second, self.burst)
    }
}

/// The API a bucket limits: provider, service (`ec2`, `cvm`, `ecs`, `s3`, ...), action, and
/// the scope the vendor limits it in (a region, a bucket), if narrower than the account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LimitKey {
    provider: Provider,
    service: String,
    action: String,
    scope: Option<String>,
}

impl LimitKey {
    /// The key of `action` of `service` on `provider`, account-wide.
    pub fn new(provider: Provider, service: &str, action: &str) -> Self {
        Self {
            provider,
            service: service.to_ascii_lowercase(),
            action: action.to_owned(),
            scope: None,
        }
    }

    /// The same key limited within `scope` (the region for per-region limits, the bucket for
    /// per-bucket ones): each scope gets its own bucket.
    #[must_use]
    pub fn scoped(mut self, scope: &str) -> Self {
        self.scope = Some(scope.to_owned());
        self
    }

    /// The provider.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The service, lower case.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The vendor's action name.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The region or bucket the limit applies in, if narrower than the account.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }
}

impl fmt::Display for LimitKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.provider, self.service, self.action)?;
        if let Some(s) = &self.scope {
            write!(f, "@{s}")?;
        }
        Ok(())
    }
}

/// One call's bucket and the vendor's limit for it: what a provider client hands to
/// [`ClientConfig::run_call`](crate::ClientConfig::run_call).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiLimit {
    /// The bucket.
    pub key: LimitKey,
    /// The vendor's published limit (or the provider's conservative default), used unless
    /// [`RateLimits`] overrides it.
    pub default: Rate,
}

/// The rate a vendor table of `(service, action, rate)` rows gives `action` of `service`
/// (service matched without regard to case), if it lists it: how the provider crates read
/// their published limits.
///
/// ```
/// use unicloud_core::ratelimit::{Rate, published};
///
/// const TABLE: &[(&str, &str, Rate)] = &[("cvm", "DescribeInstances", Rate::per_second(40))];
/// assert_eq!(published(TABLE, "CVM", "DescribeInstances"), Some(Rate::per_second(40)));
/// assert_eq!(published(TABLE, "cvm", "RunInstances"), None);
/// ```
pub fn published(table: &[(&str, &str, Rate)], service: &str, action: &str) -> Option<Rate> {
    table
        .iter()
        .find(|(s, a, _)| s.eq_ignore_ascii_case(service) && *a == action)
        .map(|(_, _, r)| *r)
}

/// An override: a rate for every API that matches.
#[derive(Debug, Clone, PartialEq)]
struct Override {
    provider: Option<Provider>,
    service: Option<String>,
    action: Option<String>,
    rate: Rate,
}

impl Override {
    /// How specifically this override names `key` (higher wins), or `None` when it does not.
    fn specificity(&self, key: &LimitKey) -> Option<u8> {
        let mut score = 0;
        if let Some(p) = self.provider {
            if p != key.provider {
                return None;
            }
            score += 1;
        }
        if let Some(s) = &self.service {
            if !s.eq_ignore_ascii_case(&key.service) {
                return None;
            }
            score += 2;
        }
        if let Some(a) = &self.action {
            if a != &key.action {
                return None;
            }
            score += 4;
        }
        Some(score)
    }
}

/// How requests are rate-limited: on (with the vendors' limits) and adaptive by default.
///
/// ```
/// use unicloud_core::ratelimit::{Rate, RateLimits};
/// use unicloud_core::Provider;
///
/// // Half the published limits for Alibaba Cloud ECS (this process shares the account with
/// // others), and at most 5 RunInstances a second anywhere.
/// let limits = RateLimits::default()
///     .with_service_rate(Provider::Alibaba, "ecs", Rate::per_second(50))
///     .with_rate_for_action("RunInstances", Rate::per_second(5));
/// assert!(limits.is_enabled() && limits.is_adaptive());
/// assert!(!RateLimits::disabled().is_enabled());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimits {
    enabled: bool,
    adaptive: bool,
    overrides: Vec<Override>,
}

impl Default for RateLimits {
    /// On, adaptive, with the vendors' published limits.
    fn default() -> Self {
        Self {
            enabled: true,
            adaptive: true,
            overrides: Vec::new(),
        }
    }
}

impl RateLimits {
    /// No client-side limit at all (throttling is then only met by retries).
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    /// Whether requests are limited.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Whether a throttled bucket slows down and recovers.
    pub fn is_adaptive(&self) -> bool {
        self.adaptive
    }

    /// Turns adaptation on or off: off, a bucket keeps its configured rate whatever the
    /// vendor answers.
    #[must_use]
    pub fn with_adaptive(mut self, adaptive: bool) -> Self {
        self.adaptive = adaptive;
        self
    }

    fn push(mut self, o: Override) -> Self {
        self.overrides.push(o);
        self
    }

    /// `rate` for every API of `provider`.
    #[must_use]
    pub fn with_provider_rate(self, provider: Provider, rate: Rate) -> Self {
        self.push(Override {
            provider: Some(provider),
            service: None,
            action: None,
            rate,
        })
    }

    /// `rate` for every action of `service` (`ec2`, `cvm`, `ecs`, `vpc`, `s3`, ...) of
    /// `provider`.
    #[must_use]
    pub fn with_service_rate(self, provider: Provider, service: &str, rate: Rate) -> Self {
        self.push(Override {
            provider: Some(provider),
            service: Some(service.to_ascii_lowercase()),
            action: None,
            rate,
        })
    }

    /// `rate` for `action` of `service` of `provider`.
    #[must_use]
    pub fn with_action_rate(
        self,
        provider: Provider,
        service: &str,
        action: &str,
        rate: Rate,
    ) -> Self {
        self.push(Override {
            provider: Some(provider),
            service: Some(service.to_ascii_lowercase()),
            action: Some(action.to_owned()),
            rate,
        })
    }

    /// `rate` for the action called `action` on every provider and service.
    #[must_use]
    pub fn with_rate_for_action(self, action: &str, rate: Rate) -> Self {
        self.push(Override {
            provider: None,
            service: None,
            action: Some(action.to_owned()),
            rate,
        })
    }

    /// `rate` for every API: replaces every vendor default (more specific overrides still
    /// win).
    #[must_use]
    pub fn with_default_rate(self, rate: Rate) -> Self {
        self.push(Override {
            provider: None,
            service: None,
            action: None,
            rate,
        })
    }

    /// The rate for `key`: the most specific matching override (the later one among equals),
    /// else `default`.
    pub fn rate_for(&self, key: &LimitKey, default: Rate) -> Rate {
        let mut best: Option<(u8, Rate)> = None;
        for o in &self.overrides {
            if let Some(s) = o.specificity(key)
                && best.is_none_or(|(b, _)| s >= b)
            {
                best = Some((s, o.rate));
            }
        }
        best.map_or(default, |(_, r)| r)
    }
}

/// CUBIC's multiplicative decrease: a throttled bucket drops to this share of its rate.
const BETA: f64 = 0.7;
/// CUBIC's scaling constant (requests per second per second³).
const SCALE: f64 = 0.4;
/// The lowest rate adaptation goes to (unless the configured rate is lower).
const MIN_RATE: f64 = 0.5;

/// One bucket's state.
#[derive(Debug, Clone)]
struct Bucket {
    configured: Rate,
    /// The current refill rate (the configured one unless throttling lowered it).
    rate: f64,
    /// Tokens; negative while requests wait for tokens they reserved.
    tokens: f64,
    /// When `tokens` was last brought up to date (monotonic).
    updated: Duration,
    /// The rate when the vendor last throttled, and when.
    last_max: f64,
    throttled_at: Option<Duration>,
    throttles: u64,
    waits: u64,
    waited: Duration,
    requests: u64,
}

impl Bucket {
    fn new(configured: Rate, now: Duration) -> Self {
        Self {
            configured,
            rate: configured.per_second,
            tokens: f64::from(configured.burst),
            updated: now,
            last_max: configured.per_second,
            throttled_at: None,
            throttles: 0,
            waits: 0,
            waited: Duration::ZERO,
            requests: 0,
        }
    }

    fn refill(&mut self, now: Duration) {
        let elapsed = now.saturating_sub(self.updated).as_secs_f64();
        self.updated = now.max(self.updated);
        self.tokens = (self.tokens + elapsed * self.rate).min(f64::from(self.configured.burst));
    }

    /// Takes a token; the wait until it is due (zero when one is there).
    fn take(&mut self, now: Duration) -> Duration {
        self.refill(now);
        self.requests += 1;
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            return Duration::ZERO;
        }
        let wait = Duration::from_secs_f64(-self.tokens / self.rate);
        self.waits += 1;
        self.waited += wait;
        wait
    }

    fn floor(&self) -> f64 {
        MIN_RATE.min(self.configured.per_second)
    }

    fn throttled(&mut self, now: Duration) {
        self.refill(now);
        self.throttles += 1;
        self.last_max = self.rate;
        self.rate = (self.rate * BETA).max(self.floor());
        self.throttled_at = Some(now);
        // What was left is spent: the vendor says the account has no budget right now.
        self.tokens = self.tokens.min(0.0);
    }

    fn succeeded(&mut self, now: Duration) {
        let Some(at) = self.throttled_at else {
            return;
        };
        self.refill(now);
        let t = now.saturating_sub(at).as_secs_f64();
        let k = (self.last_max * (1.0 - BETA) / SCALE).cbrt();
        let cubic = SCALE * (t - k).powi(3) + self.last_max;
        let top = self.configured.per_second;
        self.rate = cubic.clamp(self.floor(), top);
        if self.rate >= top {
            self.throttled_at = None;
        }
    }
}

/// What one bucket has done: see [`RateLimiter::stats`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BucketStats {
    /// The API.
    pub key: LimitKey,
    /// Its configured rate.
    pub configured: Rate,
    /// Its current rate, in requests per second (lower than configured after throttling,
    /// until it recovers).
    pub current_per_second: f64,
    /// Requests that took a token.
    pub requests: u64,
    /// Requests that had to wait for one.
    pub waits: u64,
    /// The time they waited in all.
    pub waited: Duration,
    /// Throttling answers the vendor gave.
    pub throttles: u64,
}

/// The shared state of the rate limits: cheap to clone, and every clone uses the same
/// buckets. [`ClientConfig`](crate::ClientConfig) holds one, so every client built from a
/// configuration (and every clone of those clients) shares it.
#[derive(Clone)]
pub struct RateLimiter {
    inner: Arc<Shared>,
}

struct Shared {
    limits: RateLimits,
    buckets: Mutex<HashMap<LimitKey, Bucket>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new(RateLimits::default())
    }
}

impl RateLimiter {
    /// A limiter with fresh buckets under `limits`.
    pub fn new(limits: RateLimits) -> Self {
        Self {
            inner: Arc::new(Shared {
                limits,
                buckets: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The settings.
    pub fn limits(&self) -> &RateLimits {
        &self.inner.limits
    }

    fn buckets(&self) -> MutexGuard<'_, HashMap<LimitKey, Bucket>> {
        self.inner
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits (on `clock`) until `key`'s bucket has a token for one request, and takes it.
    /// `default` is the vendor's limit, used unless the settings override it. Returns at once
    /// when limiting is off.
    pub async fn acquire(&self, key: &LimitKey, default: Rate, clock: &dyn Clock) {
        if !self.inner.limits.enabled {
            return;
        }
        let now = clock.monotonic();
        let wait = {
            let mut buckets = self.buckets();
            let bucket = match buckets.get_mut(key) {
                Some(b) => b,
                None => buckets
                    .entry(key.clone())
                    .or_insert_with(|| Bucket::new(self.inner.limits.rate_for(key, default), now)),
            };
            bucket.take(now)
        };
        if !wait.is_zero() {
            tracing::debug!(api = %key, wait_ms = wait.as_millis() as u64, "waiting for the client-side rate limit");
            clock.sleep(wait).await;
        }
    }

    /// Records the outcome of a request sent under `key`: a throttling answer lowers the
    /// bucket's rate, a success lets a lowered rate climb back (when adaptive).
    pub fn record(&self, key: &LimitKey, throttled: bool, clock: &dyn Clock) {
        if !(self.inner.limits.enabled && self.inner.limits.adaptive) {
            return;
        }
        let now = clock.monotonic();
        let mut buckets = self.buckets();
        let Some(bucket) = buckets.get_mut(key) else {
            return;
        };
        if throttled {
            bucket.throttled(now);
            tracing::debug!(api = %key, rate = bucket.rate, "throttled: lowering the client-side rate");
        } else {
            bucket.succeeded(now);
        }
    }

    /// Every bucket used so far, in key order.
    pub fn stats(&self) -> Vec<BucketStats> {
        let mut out: Vec<BucketStats> = self
            .buckets()
            .iter()
            .map(|(k, b)| BucketStats {
                key: k.clone(),
                configured: b.configured,
                current_per_second: b.rate,
                requests: b.requests,
                waits: b.waits,
                waited: b.waited,
                throttles: b.throttles,
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out
    }

    /// The bucket of `key`, if a request has used it.
    pub fn stats_for(&self, key: &LimitKey) -> Option<BucketStats> {
        self.stats().into_iter().find(|s| &s.key == key)
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limits", &self.inner.limits)
            .field("buckets", &self.buckets().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::UNIX_EPOCH;

    use super::*;
    use crate::clock::ManualClock;

    fn key(action: &str) -> LimitKey {
        LimitKey::new(Provider::Tencent, "cvm", action).scoped("ap-guangzhou")
    }

    #[tokio::test]
    async fn a_burst_passes_then_requests_are_spaced_at_the_rate() {
        let clock = ManualClock::new(UNIX_EPOCH);
        let limiter = RateLimiter::default();
        let rate = Rate::per_second(20).with_burst(5);
        for _ in 0..25 {
            limiter
                .acquire(&key("DescribeInstances"), rate, &clock)
                .await;
        }
        // 5 from the burst, then 20 more at 50 ms each: one second for 25 requests.
        let sleeps = clock.sleeps();
        assert_eq!(sleeps.len(), 20);
        assert!(
            sleeps.iter().all(|s| *s == Duration::from_millis(50)),
            "{sleeps:?}"
        );
        let s = limiter.stats_for(&key("DescribeInstances")).unwrap();
        assert_eq!((s.requests, s.waits, s.throttles), (25, 20, 0));
        // Idle time refills up to the burst, no further.
        clock.advance(Duration::from_secs(60));
        for _ in 0..5 {
            limiter
                .acquire(&key("DescribeInstances"), rate, &clock)
                .await;
        }
        assert_eq!(clock.sleeps().len(), 20);
        limiter
            .acquire(&key("DescribeInstances"), rate, &clock)
            .await;
        assert_eq!(clock.sleeps().len(), 21);
    }

    #[tokio::test]
    async fn buckets_are_per_action_and_scope_and_shared_by_clones() {
        let clock = ManualClock::new(UNIX_EPOCH);
        let limiter = RateLimiter::default();
        let clone = limiter.clone();
        let one = Rate::per_second(1);
        limiter
            .acquire(&key("DescribeInstances"), one, &clock)
            .await;
        // Another action, another region: their own buckets.
        limiter.acquire(&key("RunInstances"), one, &clock).await;
        let other_region =
            LimitKey::new(Provider::Tencent, "cvm", "DescribeInstances").scoped("ap-shanghai");
        limiter.acquire(&other_region, one, &clock).await;
        assert!(clock.sleeps().is_empty());
        // The clone shares the first bucket, which is empty.
        clone.acquire(&key("DescribeInstances"), one, &clock).await;
        assert_eq!(clock.sleeps(), [Duration::from_secs(1)]);
        assert_eq!(limiter.stats().len(), 3);
    }

    #[tokio::test]
    async fn overrides_win_by_specificity_and_disabled_never_waits() {
        let limits = RateLimits::default()
            .with_default_rate(Rate::per_second(7))
            .with_provider_rate(Provider::Tencent, Rate::per_second(6))
            .with_service_rate(Provider::Tencent, "CVM", Rate::per_second(5))
            .with_rate_for_action("RunInstances", Rate::per_second(3))
            .with_action_rate(
                Provider::Tencent,
                "cvm",
                "RunInstances",
                Rate::per_second(2),
            );
        let d = Rate::per_second(40);
        assert_eq!(
            limits.rate_for(&key("RunInstances"), d),
            Rate::per_second(2)
        );
        assert_eq!(
            limits.rate_for(&key("StartInstances"), d),
            Rate::per_second(5)
        );
        let vpc = LimitKey::new(Provider::Tencent, "vpc", "ReplaceRoutes");
        assert_eq!(limits.rate_for(&vpc, d), Rate::per_second(6));
        let ecs = LimitKey::new(Provider::Alibaba, "ecs", "RunInstances");
        assert_eq!(limits.rate_for(&ecs, d), Rate::per_second(3));
        let ec2 = LimitKey::new(Provider::Aws, "ec2", "DescribeInstances");
        assert_eq!(limits.rate_for(&ec2, d), Rate::per_second(7));
        assert_eq!(RateLimits::default().rate_for(&ec2, d), d);

        let clock = ManualClock::new(UNIX_EPOCH);
        let off = RateLimiter::new(RateLimits::disabled());
        for _ in 0..100 {
            off.acquire(&key("DescribeInstances"), Rate::per_second(1), &clock)
                .await;
        }
        assert!(clock.sleeps().is_empty());
        assert!(off.stats().is_empty());
    }

    #[tokio::test]
    async fn throttling_lowers_the_rate_which_then_recovers_along_a_cubic() {
        let clock = ManualClock::new(UNIX_EPOCH);
        let limiter = RateLimiter::default();
        let k = key("DescribeInstances");
        let rate = Rate::per_second(20);
        limiter.acquire(&k, rate, &clock).await;
        limiter.record(&k, true, &clock);
        let s = limiter.stats_for(&k).unwrap();
        assert!((s.current_per_second - 14.0).abs() < 1e-9, "{s:?}");
        limiter.record(&k, true, &clock);
        assert!((limiter.stats_for(&k).unwrap().current_per_second - 9.8).abs() < 1e-9);
        // Right after, a success barely moves it; it climbs with time and stops at the
        // configured rate.
        limiter.record(&k, false, &clock);
        let just_after = limiter.stats_for(&k).unwrap().current_per_second;
        assert!((9.79..11.0).contains(&just_after), "{just_after}");
        clock.advance(Duration::from_secs(2));
        limiter.record(&k, false, &clock);
        let later = limiter.stats_for(&k).unwrap().current_per_second;
        assert!(later > just_after && later < 20.0, "{later}");
        clock.advance(Duration::from_secs(30));
        limiter.record(&k, false, &clock);
        let s = limiter.stats_for(&k).unwrap();
        assert!((s.current_per_second - 20.0).abs() < 1e-9, "{s:?}");
        assert_eq!(s.throttles, 2);
        // Never below the floor, however often it is throttled.
        for _ in 0..100 {
            limiter.record(&k, true, &clock);
        }
        assert!((limiter.stats_for(&k).unwrap().current_per_second - MIN_RATE).abs() < 1e-9);
        // Not adaptive: throttling changes nothing.
        let fixed = RateLimiter::new(RateLimits::default().with_adaptive(false));
        fixed.acquire(&k, rate, &clock).await;
        fixed.record(&k, true, &clock);
        assert!((fixed.stats_for(&k).unwrap().current_per_second - 20.0).abs() < 1e-9);
    }

    #[tokio::test]
    async fn a_lowered_rate_spaces_requests_further() {
        let clock = ManualClock::new(UNIX_EPOCH);
        let limiter = RateLimiter::default();
        let k = key("DescribeInstances");
        let rate = Rate::per_second(10).with_burst(1);
        limiter.acquire(&k, rate, &clock).await;
        limiter.record(&k, true, &clock);
        // 7 a second now, and the burst is spent.
        limiter.acquire(&k, rate, &clock).await;
        let wait = clock.sleeps()[0].as_secs_f64();
        assert!((wait - 1.0 / 7.0).abs() < 1e-6, "{wait}");
    }

    #[test]
    fn rates_are_checked_and_shown() {
        assert_eq!(Rate::per_second(0), Rate::per_second(1));
        assert_eq!(Rate::per_minute(600).burst(), 10);
        assert!((Rate::per_minute(30).requests_per_second() - 0.5).abs() < 1e-12);
        assert_eq!(Rate::per_minute(30).burst(), 1);
        assert_eq!(Rate::per_second(20).with_burst(0).burst(), 1);
        assert!(Rate::try_per_second(-1.0).is_err());
        assert!(Rate::try_per_second(f64::INFINITY).is_err());
        assert_eq!(
            Rate::per_second(20).with_burst(5).to_string(),
            "20/s (burst 5)"
        );
        assert_eq!(
            key("RunInstances").to_string(),
            "tencent:cvm:RunInstances@ap-guangzhou"
        );
    }
}
