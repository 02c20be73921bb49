//! Fault injection: per-action throttling, server errors, latency and dropped connections.
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
//! ```
//!
//! The first rule that matches a request decides. Every injected fault is counted
//! ([`FaultCounters`]).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

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

    /// Parses the `--fault` flag format `PROVIDER:ACTION:key=value,...` (`*` for any provider or
    /// action; keys `throttle`, `server_error`, `latency_ms`, `drop_after_apply`).
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
                "latency_ms" => {
                    rule.latency_ms = v.parse().map_err(|_| "`latency_ms` needs an integer")?
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
    pub(crate) latency: Duration,
    pub(crate) drop_after_apply: bool,
}

/// The live fault engine (config + seeded RNG + counters).
#[derive(Debug)]
pub(crate) struct FaultEngine {
    config: FaultConfig,
    rng: Mutex<StdRng>,
    counters: Mutex<FaultCounters>,
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
        }
    }

    /// Draws the faults for one request and counts them.
    pub(crate) fn decide(&self, provider: Provider, action: &str) -> Decision {
        let Some(rule) = self
            .config
            .rules
            .iter()
            .find(|r| r.matches(provider, action))
        else {
            return Decision::default();
        };
        let mut d = Decision {
            latency: Duration::from_millis(rule.latency_ms),
            ..Decision::default()
        };
        if let Ok(mut rng) = self.rng.lock() {
            // Always draw all three so a seed gives the same sequence whatever the outcome.
            let (a, b, c): (f64, f64, f64) = (rng.random(), rng.random(), rng.random());
            d.throttle = a < rule.throttle;
            d.server_error = !d.throttle && b < rule.server_error;
            d.drop_after_apply = !d.throttle && !d.server_error && c < rule.drop_after_apply;
        }
        if d.throttle {
            self.count(provider, action, FaultKind::Throttle);
        }
        if d.server_error {
            self.count(provider, action, FaultKind::ServerError);
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
                .map(|_| e.decide(Provider::Aws, "RunInstances").throttle)
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
            e.decide(Provider::Tencent, "RunInstances"),
            Decision::default()
        );
    }

    #[test]
    fn certain_faults_always_fire() {
        let e = FaultEngine::new(
            FaultConfig::default().rule(FaultRule::new(None, "*").server_error(1.0)),
        );
        for _ in 0..10 {
            assert!(e.decide(Provider::Alibaba, "StopInstances").server_error);
        }
        assert_eq!(e.counters().total(FaultKind::ServerError), 10);
    }
}
