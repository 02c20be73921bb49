//! Fault injection: per-action throttling, server errors, rejections, latency and dropped
//! connections — at random (seeded) or deterministically, on chosen requests only.
//!
//! Configured from the builder ([`FaultConfig`]), from `--fault` flags or from a TOML file:
//!
//! ```toml
//! seed = 42                    # makes every run draw the same faults
//!
//! [[rule]]
//! provider = "tencent"         # aws | tencent | alibaba; omit for every cloud
//! action = "RunInstances"      # the vendor's action name; omit or "*" for every action
//! throttle = 0.2               # probability of the vendor's throttling error
//! server_error = 0.1           # probability of a 5xx (Tencent: HTTP 500 + InternalError)
//! latency_ms = 50              # added before the request is handled
//! drop_after_apply = 0.05      # probability of applying the change, then closing the connection
//!                              # (not on HEAD requests: their answer has no body to cut short)
//! reject = 0.0                 # probability of a non-retryable client error (see below)
//! drop_mid_body = 0.0          # object storage: drop the connection while the body arrives
//! after = 0                    # the first N matching requests pass untouched
//! times = 3                    # inject into at most N matching requests, then stop (omit: no limit)
//! rate = 20.0                  # requests per second allowed (token bucket), the rest throttled
//! burst = 5.0                  # the bucket's size (default: the rate, at least 1)
//! ```
//!
//! A rule *matches* a request by cloud and action. Each rule counts the requests it matches,
//! separately per (cloud, action) — a rule for `*` counts `RunInstances` and `ReplaceRoutes`
//! apart — whatever other rules do to them; the counters only ever hold the actions the
//! emulator serves. A rule is *active* for its matching requests number `after + 1` to
//! `after + times` (every one from `after + 1` on without `times`). The first active rule
//! decides; a rule outside its window leaves the request to the rules after it. Every injected
//! fault is counted ([`FaultCounters`]).
//!
//! `reject` answers with a client error the vendors' SDKs never retry, in the vendor's shape
//! — AWS HTTP 400 `InvalidParameterValue` (Query XML), Tencent Cloud HTTP 200
//! `Error.Code = InvalidParameterValue`, Alibaba Cloud HTTP 400 `InvalidParameter` — with a
//! message saying the fault was injected; the request is not applied. With `1.0` and a window
//! it fails exactly the chosen calls, e.g. a client's rollback path:
//!
//! ```
//! use unicloud_core::Provider;
//! use unicloud_emulator::{FaultConfig, FaultRule};
//!
//! // Fail exactly the 2nd ReplaceRoute; the 1st, 3rd, ... go through.
//! let second = FaultRule::new(Some(Provider::Aws), "ReplaceRoute").after(1).times(1).reject(1.0);
//! // Fail the 2nd and 3rd Tencent ReplaceRoutes.
//! let two = FaultRule::new(Some(Provider::Tencent), "ReplaceRoutes").after(1).times(2).reject(1.0);
//! let config = FaultConfig::default().rule(second).rule(two);
//! # let _ = config;
//! ```
//!
//! The same as flags: `--fault aws:ReplaceRoute:reject=1,after=1,times=1` and
//! `--fault tencent:ReplaceRoutes:reject=1,after=1,times=2`.
//!
//! # Rate limits
//!
//! `rate = R` makes a rule answer the requests above R per second with the vendor's real
//! throttling error — the one `throttle` sends: AWS EC2 `RequestLimitExceeded` (HTTP 503),
//! ELB/ELBv2 and STS `Throttling` (HTTP 400), Tencent Cloud `RequestLimitExceeded` (in HTTP
//! 200), Alibaba Cloud `Throttling.User` (HTTP 400), S3 `SlowDown`, … — as a token bucket:
//! `burst = B` tokens (default R, at least 1), full at the first request, refilled at R per
//! second on the emulator's clock (so a [`ManualClock`](unicloud_core::clock::ManualClock)
//! makes it deterministic); each request the rule decides takes a token, a request that finds
//! none is throttled (and takes none). There is one bucket per rule and (cloud, region,
//! action): `*` rules limit each action apart, as the vendors do per API. A throttled request
//! is counted as [`FaultKind::Throttle`]; a request that got a token is then decided by the
//! rule's other settings (all 0 by default: it passes). `after` and `times` apply as above:
//! the bucket only sees the requests in the rule's window.
//!
//! ```
//! use unicloud_core::Provider;
//! use unicloud_emulator::{FaultConfig, FaultRule};
//!
//! // At most 20 DescribeInstances per second per region, bursts of 5.
//! let limit = FaultRule::new(Some(Provider::Aws), "DescribeInstances").rate(20.0).burst(5.0);
//! let config = FaultConfig::default().rule(limit);
//! # let _ = config;
//! ```
//!
//! As a flag: `--fault aws:DescribeInstances:rate=20,burst=5`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::Deserialize;
use unicloud_core::Provider;

/// The whole fault-injection configuration.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FaultConfig {
    /// Seed of the random draws; a fixed seed makes a run reproducible. Without one the seed
    /// is random.
    #[serde(default)]
    pub seed: Option<u64>,
    /// The rules, first match wins.
    #[serde(default, rename = "rule")]
    pub rules: Vec<FaultRule>,
}

impl FaultConfig {
    /// Parses the TOML format shown in the [module docs](self).
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Appends a rule.
    pub fn rule(mut self, rule: FaultRule) -> Self {
        self.rules.push(rule);
        self
    }
}

/// One fault rule: which requests it matches and what it does to them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FaultRule {
    /// `aws`, `tencent` or `alibaba`; `None` matches every cloud.
    #[serde(default)]
    pub provider: Option<String>,
    /// The vendor's action name; `None` or `*` matches every action.
    #[serde(default)]
    pub action: Option<String>,
    /// Probability (0–1) of answering with the vendor's throttling error.
    #[serde(default)]
    pub throttle: f64,
    /// Probability (0–1) of answering with a 5xx server error.
    #[serde(default)]
    pub server_error: f64,
    /// Latency added to every matching request, in milliseconds.
    #[serde(default)]
    pub latency_ms: u64,
    /// Probability (0–1) of applying the change and then dropping the connection unanswered.
    #[serde(default)]
    pub drop_after_apply: f64,
    /// Probability (0–1) of refusing the request, unapplied, with the vendor's non-retryable
    /// invalid-parameter error.
    #[serde(default)]
    pub reject: f64,
    /// Probability (0–1) of dropping the connection while an object-storage body is being
    /// received (nothing is stored).
    #[serde(default)]
    pub drop_mid_body: f64,
    /// How many matching requests (per cloud and action) pass untouched before the rule acts.
    #[serde(default)]
    pub after: u64,
    /// On how many matching requests (per cloud and action) the rule acts after the first
    /// `after`; `None`: on all of them.
    #[serde(default)]
    pub times: Option<u64>,
    /// Requests per second the rule lets through (a token bucket per cloud, region and action);
    /// the others get the vendor's throttling error. `None`: no rate limit.
    #[serde(default)]
    pub rate: Option<f64>,
    /// The token bucket's size for [`rate`](Self::rate): how many requests may come at once
    /// (default: the rate, at least 1).
    #[serde(default)]
    pub burst: Option<f64>,
}

impl FaultRule {
    /// A rule matching `action` (`"*"` for every action) of `provider` (`None`: every cloud).
    pub fn new(provider: Option<Provider>, action: &str) -> Self {
        Self {
            provider: provider.map(|p| provider_key(p).to_owned()),
            action: Some(action.to_owned()),
            ..Self::default()
        }
    }

    /// Sets the throttling probability.
    pub fn throttle(mut self, p: f64) -> Self {
        self.throttle = p;
        self
    }

    /// Sets the 5xx probability.
    pub fn server_error(mut self, p: f64) -> Self {
        self.server_error = p;
        self
    }

    /// Sets the added latency.
    pub fn latency(mut self, d: Duration) -> Self {
        self.latency_ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Sets the drop-after-apply probability.
    pub fn drop_after_apply(mut self, p: f64) -> Self {
        self.drop_after_apply = p;
        self
    }

    /// Sets the probability of a non-retryable rejection (the request is not applied).
    pub fn reject(mut self, p: f64) -> Self {
        self.reject = p;
        self
    }

    /// Sets the probability of dropping the connection mid-body (object storage uploads).
    pub fn drop_mid_body(mut self, p: f64) -> Self {
        self.drop_mid_body = p;
        self
    }

    /// Lets the first `n` matching requests (per cloud and action) pass untouched.
    pub fn after(mut self, n: u64) -> Self {
        self.after = n;
        self
    }

    /// Acts on at most `n` matching requests (per cloud and action), after the first
    /// [`after`](Self::after) ones; then leaves them to the following rules.
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// Limits matching requests to `per_second` per (cloud, region, action), throttling the
    /// others (see [Rate limits](self#rate-limits)).
    pub fn rate(mut self, per_second: f64) -> Self {
        self.rate = Some(per_second);
        self
    }

    /// Sets the token bucket's size for [`rate`](Self::rate) (default: the rate, at least 1).
    pub fn burst(mut self, requests: f64) -> Self {
        self.burst = Some(requests);
        self
    }

    /// The bucket size a rate rule uses.
    fn bucket_size(&self) -> f64 {
        self.burst
            .unwrap_or_else(|| self.rate.unwrap_or(1.0))
            .max(1.0)
    }

    /// Whether the `n`th matching request (1-based) falls in the rule's window.
    fn active_for(&self, n: u64) -> bool {
        n > self.after && self.times.is_none_or(|t| n - self.after <= t)
    }

    /// Parses the `--fault` flag format `PROVIDER:ACTION:key=value,...` (`*` for any provider or
    /// action; keys `throttle`, `server_error`, `latency_ms`, `drop_after_apply` (or `drop`),
    /// `reject`, `drop_mid_body`, `after`, `times`, `rate` (requests per second, above 0) and
    /// `burst` (at least 1)).
    pub fn parse_flag(s: &str) -> Result<Self, String> {
        let mut parts = s.splitn(3, ':');
        let provider = parts.next().unwrap_or_default();
        let action = parts
            .next()
            .ok_or("expected PROVIDER:ACTION:key=value,...")?;
        let settings = parts.next().unwrap_or_default();
        let mut rule = Self {
            provider: (provider != "*").then(|| provider.to_owned()),
            action: (action != "*").then(|| action.to_owned()),
            ..Self::default()
        };
        if let Some(p) = &rule.provider
            && !matches!(p.as_str(), "aws" | "tencent" | "alibaba")
        {
            return Err(format!("unknown provider `{p}`"));
        }
        for kv in settings.split(',').filter(|kv| !kv.is_empty()) {
            let (k, v) = kv
                .split_once('=')
                .ok_or(format!("expected key=value, got `{kv}`"))?;
            let prob = || {
                v.parse::<f64>()
                    .ok()
                    .filter(|p| (0.0..=1.0).contains(p))
                    .ok_or(format!("`{k}` needs a probability between 0 and 1"))
            };
            match k {
                "throttle" => rule.throttle = prob()?,
                "server_error" => rule.server_error = prob()?,
                "drop_after_apply" | "drop" => rule.drop_after_apply = prob()?,
                "reject" => rule.reject = prob()?,
                "drop_mid_body" => rule.drop_mid_body = prob()?,
                "latency_ms" => {
                    rule.latency_ms = v.parse().map_err(|_| "`latency_ms` needs an integer")?
                }
                "after" => rule.after = v.parse().map_err(|_| "`after` needs an integer")?,
                "times" => rule.times = Some(v.parse().map_err(|_| "`times` needs an integer")?),
                "rate" => {
                    rule.rate = Some(
                        v.parse::<f64>()
                            .ok()
                            .filter(|r| r.is_finite() && *r > 0.0)
                            .ok_or("`rate` needs a number of requests per second above 0")?,
                    )
                }
                "burst" => {
                    rule.burst = Some(
                        v.parse::<f64>()
                            .ok()
                            .filter(|b| b.is_finite() && *b >= 1.0)
                            .ok_or("`burst` needs a number of requests, at least 1")?,
                    )
                }
                other => return Err(format!("unknown fault setting `{other}`")),
            }
        }
        Ok(rule)
    }

    fn matches(&self, provider: Provider, action: &str) -> bool {
        self.provider
            .as_deref()
            .is_none_or(|p| p == provider_key(provider))
            && self
                .action
                .as_deref()
                .is_none_or(|a| a == "*" || a == action)
    }
}

/// The short name used in configs and counters.
pub(crate) fn provider_key(p: Provider) -> &'static str {
    match p {
        Provider::Aws => "aws",
        Provider::Tencent => "tencent",
        _ => "alibaba",
    }
}

/// A kind of injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FaultKind {
    /// The vendor's throttling error.
    Throttle,
    /// A 5xx server error.
    ServerError,
    /// Added latency.
    Latency,
    /// The change was applied and the connection dropped.
    DropAfterApply,
    /// The request was refused, unapplied, with a non-retryable client error.
    Reject,
    /// The connection was dropped while an object-storage body was being received.
    DropMidBody,
}

/// A snapshot of the injected-fault counters, keyed by (provider, action, kind).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FaultCounters {
    counts: BTreeMap<(String, String, FaultKind), u64>,
}

impl FaultCounters {
    /// How many faults of `kind` were injected into `action` of `provider`.
    pub fn get(&self, provider: Provider, action: &str, kind: FaultKind) -> u64 {
        self.counts
            .get(&(provider_key(provider).to_owned(), action.to_owned(), kind))
            .copied()
            .unwrap_or(0)
    }

    /// How many faults of `kind` were injected in total.
    pub fn total(&self, kind: FaultKind) -> u64 {
        self.counts
            .iter()
            .filter(|((_, _, k), _)| *k == kind)
            .map(|(_, n)| n)
            .sum()
    }

    /// Every counter: ((provider, action, kind), count).
    pub fn iter(&self) -> impl Iterator<Item = (&(String, String, FaultKind), &u64)> {
        self.counts.iter()
    }
}

/// What to do to one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) throttle: bool,
    pub(crate) server_error: bool,
    pub(crate) reject: bool,
    pub(crate) latency: Duration,
    pub(crate) drop_after_apply: bool,
    pub(crate) drop_mid_body: bool,
}

/// The live fault engine (config + seeded RNG + counters).
#[derive(Debug)]
pub(crate) struct FaultEngine {
    config: FaultConfig,
    rng: Mutex<StdRng>,
    counters: Mutex<FaultCounters>,
    /// How many requests each rule has matched, per (rule index, cloud, action). Only actions
    /// a front-end serves reach the engine, so this stays as small as rules × actions.
    seen: Mutex<HashMap<(usize, Provider, String), u64>>,
    /// The token buckets of rate rules, per (rule index, cloud, region, action).
    buckets: Mutex<HashMap<(usize, Provider, String, String), Bucket>>,
}

/// The most token buckets kept; past it, full ones (no different from new ones) are dropped.
const MAX_BUCKETS: usize = 65_536;

/// A token bucket of a rate rule.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: SystemTime,
}

impl Bucket {
    /// Refills for the time since it was last seen (none if the clock went back).
    fn refill(&mut self, now: SystemTime, rate: f64, size: f64) {
        let elapsed = now.duration_since(self.at).unwrap_or_default();
        self.tokens = (self.tokens + elapsed.as_secs_f64() * rate).min(size);
        self.at = self.at.max(now);
    }
}

impl FaultEngine {
    pub(crate) fn new(config: FaultConfig) -> Self {
        let rng = match config.seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_os_rng(),
        };
        Self {
            config,
            rng: Mutex::new(rng),
            counters: Mutex::new(FaultCounters::default()),
            seen: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Whether rule `index` (with a rate) has a token for (`provider`, `region`, `action`) at
    /// `now`; takes it if so.
    fn take_token(
        &self,
        index: usize,
        rule: &FaultRule,
        key: (Provider, &str, &str),
        now: SystemTime,
    ) -> bool {
        let Some(rate) = rule.rate.filter(|r| *r > 0.0) else {
            return true;
        };
        let size = rule.bucket_size();
        let (provider, region, action) = key;
        let mut buckets = crate::model::lock(&self.buckets);
        let key = (index, provider, region.to_owned(), action.to_owned());
        if !buckets.contains_key(&key) && buckets.len() >= MAX_BUCKETS {
            let rules = &self.config.rules;
            buckets.retain(|(i, ..), b| {
                let r = &rules[*i];
                let mut b = *b;
                b.refill(now, r.rate.unwrap_or(0.0), r.bucket_size());
                b.tokens < r.bucket_size()
            });
            if buckets.len() >= MAX_BUCKETS {
                return true;
            }
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: size,
            at: now,
        });
        bucket.refill(now, rate, size);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Draws the faults for one request for `action` of `provider` in `region`, at `now` on
    /// the emulator's clock, and counts them.
    pub(crate) fn decide(
        &self,
        provider: Provider,
        region: &str,
        action: &str,
        now: SystemTime,
    ) -> Decision {
        let rule = {
            let mut seen = crate::model::lock(&self.seen);
            let mut chosen = None;
            for (i, r) in self.config.rules.iter().enumerate() {
                if !r.matches(provider, action) {
                    continue;
                }
                let n = seen.entry((i, provider, action.to_owned())).or_insert(0);
                *n = n.saturating_add(1);
                if chosen.is_none() && r.active_for(*n) {
                    chosen = Some((i, r));
                }
            }
            chosen
        };
        let Some((index, rule)) = rule else {
            return Decision::default();
        };
        let over_rate = !self.take_token(index, rule, (provider, region, action), now);
        let mut d = Decision {
            latency: Duration::from_millis(rule.latency_ms),
            ..Decision::default()
        };
        d.throttle = over_rate;
        if let Ok(mut rng) = self.rng.lock() {
            // Always draw all three so a seed gives the same sequence whatever the outcome
            // (and a fourth only for rules that reject, so older configs draw as they did).
            let (a, b, c): (f64, f64, f64) = (rng.random(), rng.random(), rng.random());
            let r: f64 = if rule.reject > 0.0 { rng.random() } else { 1.0 };
            d.throttle = over_rate || a < rule.throttle;
            d.server_error = !d.throttle && b < rule.server_error;
            d.reject = !d.throttle && !d.server_error && r < rule.reject;
            d.drop_after_apply =
                !d.throttle && !d.server_error && !d.reject && c < rule.drop_after_apply;
            if rule.drop_mid_body > 0.0 {
                let m: f64 = rng.random();
                d.drop_mid_body =
                    !d.throttle && !d.server_error && !d.reject && m < rule.drop_mid_body;
            }
        }
        if d.throttle {
            self.count(provider, action, FaultKind::Throttle);
        }
        if d.server_error {
            self.count(provider, action, FaultKind::ServerError);
        }
        if d.reject {
            self.count(provider, action, FaultKind::Reject);
        }
        if !d.latency.is_zero() {
            self.count(provider, action, FaultKind::Latency);
        }
        d
    }

    /// Counts a fault (drop-after-apply is counted when it actually happens).
    pub(crate) fn count(&self, provider: Provider, action: &str, kind: FaultKind) {
        if let Ok(mut c) = self.counters.lock() {
            *c.counts
                .entry((provider_key(provider).to_owned(), action.to_owned(), kind))
                .or_default() += 1;
        }
    }

    pub(crate) fn counters(&self) -> FaultCounters {
        self.counters.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    /// One request at the epoch in region `r1`.
    fn decide(e: &FaultEngine, p: Provider, action: &str) -> Decision {
        e.decide(p, "r1", action, SystemTime::UNIX_EPOCH)
    }

    use super::*;

    #[test]
    fn parses_toml_and_flags() {
        let cfg = FaultConfig::from_toml(
            "seed = 7\n[[rule]]\nprovider = \"aws\"\naction = \"RunInstances\"\nthrottle = 0.5\nlatency_ms = 3\n",
        )
        .unwrap();
        assert_eq!(cfg.seed, Some(7));
        assert_eq!(cfg.rules[0].throttle, 0.5);
        assert!(FaultConfig::from_toml("bogus = 1").is_err());
        let r = FaultRule::parse_flag("tencent:*:server_error=0.25,drop=1").unwrap();
        assert_eq!(r.provider.as_deref(), Some("tencent"));
        assert_eq!(r.action, None);
        assert_eq!(r.server_error, 0.25);
        assert_eq!(r.drop_after_apply, 1.0);
        assert!(FaultRule::parse_flag("gcp:*:throttle=0.1").is_err());
        assert!(FaultRule::parse_flag("aws:*:throttle=2").is_err());
    }

    #[test]
    fn seeded_runs_repeat_and_are_counted() {
        let cfg = FaultConfig::default()
            .seed(42)
            .rule(FaultRule::new(Some(Provider::Aws), "RunInstances").throttle(0.5));
        let draw = || {
            let e = FaultEngine::new(cfg.clone());
            let v: Vec<bool> = (0..64)
                .map(|_| decide(&e, Provider::Aws, "RunInstances").throttle)
                .collect();
            (v, e.counters())
        };
        let (a, ca) = draw();
        let (b, _) = draw();
        assert_eq!(a, b);
        let n = a.iter().filter(|t| **t).count() as u64;
        assert!(n > 0 && n < 64);
        assert_eq!(
            ca.get(Provider::Aws, "RunInstances", FaultKind::Throttle),
            n
        );
        let e = FaultEngine::new(cfg);
        assert_eq!(
            decide(&e, Provider::Tencent, "RunInstances"),
            Decision::default()
        );
    }

    #[test]
    fn windows_parse_from_toml_builder_and_flags() {
        let cfg = FaultConfig::from_toml(
            "[[rule]]\nprovider = \"aws\"\naction = \"ReplaceRoute\"\nreject = 1.0\nafter = 1\ntimes = 1\n",
        )
        .unwrap();
        let built = FaultRule::new(Some(Provider::Aws), "ReplaceRoute")
            .after(1)
            .times(1)
            .reject(1.0);
        assert_eq!(cfg.rules[0], built);
        assert_eq!(
            FaultRule::parse_flag("aws:ReplaceRoute:reject=1,after=1,times=1").unwrap(),
            built
        );
        let open = FaultRule::parse_flag("alibaba:*:reject=0.5,after=3").unwrap();
        assert_eq!((open.reject, open.after, open.times), (0.5, 3, None));
        for bad in [
            "aws:*:reject=2",
            "aws:*:after=-1",
            "aws:*:times=x",
            "aws:*:after",
        ] {
            assert!(FaultRule::parse_flag(bad).is_err(), "{bad}");
        }
        assert!(FaultConfig::from_toml("[[rule]]\ntimes = -1\n").is_err());
    }

    #[test]
    fn a_window_picks_exact_calls_per_cloud_and_action() {
        let e = FaultEngine::new(
            FaultConfig::default().rule(
                FaultRule::new(Some(Provider::Aws), "ReplaceRoute")
                    .after(1)
                    .times(2)
                    .reject(1.0),
            ),
        );
        let rejected: Vec<bool> = (0..5)
            .map(|_| decide(&e, Provider::Aws, "ReplaceRoute").reject)
            .collect();
        assert_eq!(rejected, [false, true, true, false, false]);
        // Other actions and clouds have counters of their own and are not matched.
        assert!(!decide(&e, Provider::Aws, "CreateRoute").reject);
        assert!(!decide(&e, Provider::Tencent, "ReplaceRoute").reject);
        let c = e.counters();
        assert_eq!(c.get(Provider::Aws, "ReplaceRoute", FaultKind::Reject), 2);
        assert_eq!(c.total(FaultKind::Reject), 2);

        // A wildcard rule counts each (cloud, action) apart.
        let e = FaultEngine::new(
            FaultConfig::default().rule(FaultRule::new(None, "*").after(1).times(1).reject(1.0)),
        );
        for (p, a) in [
            (Provider::Tencent, "ReplaceRoutes"),
            (Provider::Alibaba, "ModifyRouteEntry"),
            (Provider::Aws, "ReplaceRoute"),
        ] {
            let got: Vec<bool> = (0..3).map(|_| decide(&e, p, a).reject).collect();
            assert_eq!(got, [false, true, false], "{p:?} {a}");
        }
    }

    #[test]
    fn a_rule_outside_its_window_leaves_the_request_to_later_rules() {
        let e = FaultEngine::new(
            FaultConfig::default()
                .rule(FaultRule::new(None, "RunInstances").times(1).reject(1.0))
                .rule(FaultRule::new(None, "*").server_error(1.0)),
        );
        let first = decide(&e, Provider::Alibaba, "RunInstances");
        assert!(first.reject && !first.server_error);
        let second = decide(&e, Provider::Alibaba, "RunInstances");
        assert!(!second.reject && second.server_error);
        // The later rule counted the first request too, though the first rule decided it.
        let e = FaultEngine::new(
            FaultConfig::default()
                .rule(FaultRule::new(None, "*").times(1).throttle(1.0))
                .rule(FaultRule::new(None, "*").after(1).times(1).reject(1.0)),
        );
        assert!(decide(&e, Provider::Aws, "DeleteRoute").throttle);
        assert!(decide(&e, Provider::Aws, "DeleteRoute").reject);
        assert_eq!(
            decide(&e, Provider::Aws, "DeleteRoute"),
            Decision::default()
        );
    }

    #[test]
    fn certain_faults_always_fire() {
        let e = FaultEngine::new(
            FaultConfig::default().rule(FaultRule::new(None, "*").server_error(1.0)),
        );
        for _ in 0..10 {
            assert!(decide(&e, Provider::Alibaba, "StopInstances").server_error);
        }
        assert_eq!(e.counters().total(FaultKind::ServerError), 10);
    }

    #[test]
    fn rates_parse_from_toml_builder_and_flags() {
        let built = FaultRule::new(Some(Provider::Aws), "DescribeInstances")
            .rate(20.0)
            .burst(5.0);
        assert_eq!(
            FaultRule::parse_flag("aws:DescribeInstances:rate=20,burst=5").unwrap(),
            built
        );
        for toml in [
            "[[rule]]\nprovider = \"aws\"\naction = \"DescribeInstances\"\nrate = 20.0\nburst = 5.0\n",
            "[[rule]]\nprovider = \"aws\"\naction = \"DescribeInstances\"\nrate = 20\nburst = 5\n",
        ] {
            assert_eq!(
                FaultConfig::from_toml(toml).unwrap().rules[0],
                built,
                "{toml}"
            );
        }
        let r = FaultRule::parse_flag("tencent:*:rate=0.5").unwrap();
        assert_eq!((r.rate, r.burst, r.bucket_size()), (Some(0.5), None, 1.0));
        assert_eq!(FaultRule::default().rate(8.0).bucket_size(), 8.0);
        for bad in [
            "aws:*:rate=0",
            "aws:*:rate=-1",
            "aws:*:rate=x",
            "aws:*:rate=inf",
            "aws:*:rate=5,burst=0.5",
        ] {
            assert!(FaultRule::parse_flag(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_rate_throttles_above_a_token_bucket_on_the_clock_given() {
        let e = FaultEngine::new(
            FaultConfig::default().seed(1).rule(
                FaultRule::new(Some(Provider::Aws), "DescribeInstances")
                    .rate(2.0)
                    .burst(3.0),
            ),
        );
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let go = |region: &str, ms: u64| {
            e.decide(Provider::Aws, region, "DescribeInstances", at(ms))
                .throttle
        };
        // A full bucket of 3, then throttled at the same instant.
        let burst: Vec<bool> = (0..5).map(|_| go("us-east-1", 0)).collect();
        assert_eq!(burst, [false, false, false, true, true]);
        // 2 per second: one token back after 500 ms, not before.
        assert!(go("us-east-1", 499));
        assert!(!go("us-east-1", 500));
        assert!(go("us-east-1", 500));
        // Another region, another bucket; other actions and clouds are not matched.
        assert!(!go("us-west-2", 500));
        assert!(
            !e.decide(Provider::Aws, "us-east-1", "RunInstances", at(500))
                .throttle
        );
        assert!(
            !e.decide(Provider::Tencent, "us-east-1", "DescribeInstances", at(500))
                .throttle
        );
        // A long pause refills up to the burst only.
        let later: Vec<bool> = (0..4).map(|_| go("us-east-1", 60_000)).collect();
        assert_eq!(later, [false, false, false, true]);
        // A clock that goes back gives no tokens (and takes none).
        assert!(go("us-east-1", 1_000));
        let c = e.counters();
        assert_eq!(
            c.get(Provider::Aws, "DescribeInstances", FaultKind::Throttle),
            6
        );
        assert_eq!(c.total(FaultKind::Throttle), 6);
    }

    #[test]
    fn a_steady_rate_lets_through_about_that_many_per_second() {
        let e = FaultEngine::new(
            FaultConfig::default().rule(FaultRule::new(None, "*").rate(20.0).burst(5.0)),
        );
        let t0 = SystemTime::UNIX_EPOCH;
        // 100 requests per second for 10 seconds: 5 (the burst) + 20 per second get through.
        let passed = (0..1000u64)
            .filter(|n| {
                !e.decide(
                    Provider::Alibaba,
                    "cn-hangzhou",
                    "DescribeInstances",
                    t0 + Duration::from_millis(n * 10),
                )
                .throttle
            })
            .count();
        assert!((200..=205).contains(&passed), "{passed}");
    }
}
