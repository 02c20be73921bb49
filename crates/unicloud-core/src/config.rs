//! Client configuration shared by every provider.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{SharedClock, SystemClock};
use crate::error::{Error, ErrorKind};
use crate::ratelimit::{ApiLimit, RateLimiter, RateLimits};
use crate::retry::{Idempotency, RetryPolicy};

/// The user agent every unicloud request carries: `unicloud/<version>`.
pub const USER_AGENT: &str = concat!("unicloud/", env!("CARGO_PKG_VERSION"));

/// Settings every provider client honours.
///
/// Time-outs are split so that long transfers are not cut short: the connect time-out bounds
/// establishing a connection, the read time-out bounds each wait for data (it restarts whenever
/// bytes arrive), and the optional total time-out bounds a whole request (off by default, so a
/// large upload part is never stopped while it makes progress).
///
/// ```
/// use std::time::Duration;
/// use unicloud_core::ClientConfig;
///
/// let cfg = ClientConfig::default()
///     .with_endpoint("http://127.0.0.1:4566")
///     .unwrap()
///     .with_service_endpoint("s3", "http://127.0.0.1:9000/")
///     .unwrap()
///     .with_timeouts(Duration::from_secs(2), Duration::from_secs(30))
///     .with_total_timeout(Duration::from_secs(300));
/// assert_eq!(cfg.endpoint(), Some("http://127.0.0.1:4566"));
/// assert_eq!(cfg.endpoint_for("s3"), Some("http://127.0.0.1:9000"));
/// assert_eq!(cfg.endpoint_for("ec2"), Some("http://127.0.0.1:4566"));
/// assert_eq!(cfg.read_timeout(), Duration::from_secs(30));
/// assert_eq!(cfg.total_timeout(), Some(Duration::from_secs(300)));
/// assert!(cfg.user_agent().starts_with("unicloud/"));
/// assert!(ClientConfig::default().with_endpoint("ftp://x").is_err());
/// ```
#[derive(Clone)]
pub struct ClientConfig {
    endpoint: Option<String>,
    service_endpoints: BTreeMap<String, String>,
    connect_timeout: Duration,
    read_timeout: Duration,
    total_timeout: Option<Duration>,
    user_agent: String,
    retry: RetryPolicy,
    rate_limiter: RateLimiter,
    clock: SharedClock,
}

impl Default for ClientConfig {
    /// No endpoint override, 5 s to connect, 60 s without data before a read fails, no total
    /// time-out, default retries, the vendors' rate limits (adaptive), the real clock.
    fn default() -> Self {
        Self {
            endpoint: None,
            service_endpoints: BTreeMap::new(),
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(60),
            total_timeout: None,
            user_agent: USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            rate_limiter: RateLimiter::default(),
            clock: Arc::new(SystemClock),
        }
    }
}

/// Checks that `endpoint` is an `http(s)://host[:port]` URL and returns it without a trailing `/`.
fn validated_endpoint(endpoint: String) -> Result<String, Error> {
    let parsed = reqwest::Url::parse(&endpoint).map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("invalid endpoint `{endpoint}`: {e}"),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("invalid endpoint `{endpoint}`: expected http(s)://host[:port]"),
        ));
    }
    Ok(endpoint.trim_end_matches('/').to_owned())
}

impl ClientConfig {
    /// Sends every request to `endpoint` (e.g. the emulator's `http://127.0.0.1:PORT` or a
    /// private endpoint) instead of the provider's public one. Must be an `http` or `https` URL.
    /// A [per-service endpoint](ClientConfig::with_service_endpoint) wins over this one.
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Result<Self, Error> {
        self.endpoint = Some(validated_endpoint(endpoint.into())?);
        Ok(self)
    }

    /// Sends the requests of one service to `endpoint`, validated like
    /// [`with_endpoint`](ClientConfig::with_endpoint). `service` is the provider's short name
    /// for it, matched without regard to case: `ec2`, `s3` on AWS; `cvm`, `vpc`, `clb`, `cos`
    /// on Tencent Cloud; `ecs`, `vpc`, `slb`, `oss` on Alibaba Cloud.
    ///
    /// ```
    /// use unicloud_core::ClientConfig;
    ///
    /// let cfg = ClientConfig::default()
    ///     .with_service_endpoint("cvm", "https://cvm.internal.example")?
    ///     .with_service_endpoint("COS", "http://127.0.0.1:9000")?;
    /// assert_eq!(cfg.endpoint_for("cos"), Some("http://127.0.0.1:9000"));
    /// assert_eq!(cfg.endpoint_for("vpc"), None);
    /// assert!(ClientConfig::default().with_service_endpoint("cvm", "not a url").is_err());
    /// # Ok::<_, unicloud_core::Error>(())
    /// ```
    pub fn with_service_endpoint(
        mut self,
        service: &str,
        endpoint: impl Into<String>,
    ) -> Result<Self, Error> {
        let endpoint = validated_endpoint(endpoint.into())?;
        self.service_endpoints
            .insert(service.to_ascii_lowercase(), endpoint);
        Ok(self)
    }

    /// Sets the connect time-out and the read time-out (the longest wait for data from the
    /// server; it restarts whenever data arrives).
    #[must_use]
    pub fn with_timeouts(mut self, connect: Duration, read: Duration) -> Self {
        self.connect_timeout = connect;
        self.read_timeout = read;
        self
    }

    /// Bounds each request as a whole, from sending to the last byte of the reply; `None`
    /// (the default) sets no such bound.
    ///
    /// ```
    /// use std::time::Duration;
    /// use unicloud_core::ClientConfig;
    ///
    /// let cfg = ClientConfig::default().with_total_timeout(Duration::from_secs(600));
    /// assert_eq!(cfg.total_timeout(), Some(Duration::from_secs(600)));
    /// assert_eq!(cfg.with_total_timeout(None).total_timeout(), None);
    /// ```
    #[must_use]
    pub fn with_total_timeout(mut self, total: impl Into<Option<Duration>>) -> Self {
        self.total_timeout = total.into();
        self
    }

    /// Appends `suffix` to the user agent (`unicloud/<version> <suffix>`).
    #[must_use]
    pub fn with_user_agent_suffix(mut self, suffix: &str) -> Self {
        self.user_agent = format!("{USER_AGENT} {suffix}");
        self
    }

    /// Sets the retry policy.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the client-side rate limits (default: [`RateLimits::default`], the vendors'
    /// published per-action limits, adaptive). The buckets start empty of history and are
    /// shared by every clone of this configuration and every client built from it.
    ///
    /// ```
    /// use unicloud_core::ratelimit::{Rate, RateLimits};
    /// use unicloud_core::{ClientConfig, Provider};
    ///
    /// let cfg = ClientConfig::default()
    ///     .with_rate_limits(RateLimits::default().with_service_rate(Provider::Tencent, "cvm", Rate::per_second(5)));
    /// assert!(cfg.rate_limiter().limits().is_enabled());
    /// let off = ClientConfig::default().with_rate_limits(RateLimits::disabled());
    /// assert!(!off.rate_limiter().limits().is_enabled());
    /// ```
    #[must_use]
    pub fn with_rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate_limiter = RateLimiter::new(limits);
        self
    }

    /// Shares `limiter`'s buckets (e.g. with the configuration of another client that spends
    /// the same account's budget).
    #[must_use]
    pub fn with_rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.rate_limiter = limiter;
        self
    }

    /// Sets the clock used for retries, waiters and credential refresh.
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The endpoint override for every service, if any.
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// The endpoint override for `service` (matched without regard to case): its own when one
    /// was set, otherwise the [global one](ClientConfig::endpoint), otherwise `None` (the
    /// provider's public endpoint is used).
    ///
    /// ```
    /// use unicloud_core::ClientConfig;
    ///
    /// let cfg = ClientConfig::default().with_service_endpoint("Ecs", "http://127.0.0.1:1")?;
    /// assert_eq!(cfg.endpoint_for("ecs"), Some("http://127.0.0.1:1"));
    /// assert_eq!(cfg.endpoint_for("slb"), None);
    /// let cfg = cfg.with_endpoint("http://127.0.0.1:2")?;
    /// assert_eq!(cfg.endpoint_for("slb"), Some("http://127.0.0.1:2"));
    /// # Ok::<_, unicloud_core::Error>(())
    /// ```
    pub fn endpoint_for(&self, service: &str) -> Option<&str> {
        self.service_endpoints
            .get(&service.to_ascii_lowercase())
            .map(String::as_str)
            .or(self.endpoint.as_deref())
    }

    /// The connect time-out.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The read time-out: the longest wait for data from the server.
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// The bound on a whole request, if any.
    pub fn total_timeout(&self) -> Option<Duration> {
        self.total_timeout
    }

    /// The user agent.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The retry policy.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The rate limiter every client built from this configuration shares.
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.rate_limiter
    }

    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// Runs one call under this configuration: every attempt first takes a token from
    /// `api`'s [rate-limit bucket](crate::ratelimit) (none when `api` is `None`) and reports
    /// whether the vendor throttled it; failures are retried under the
    /// [retry policy](RetryPolicy::retry_call) and `idempotency`, on the configured clock.
    /// `op` gets the attempt number and sends the request once.
    pub async fn run_call<T, F, Fut>(
        &self,
        api: Option<&ApiLimit>,
        idempotency: Idempotency,
        mut op: F,
    ) -> Result<T, Error>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let clock = self.clock.as_ref();
        let limiter = &self.rate_limiter;
        self.retry
            .retry_call(clock, idempotency, |attempt| {
                // Boxed: SDK request futures run to kilobytes, and every caller's future
                // would otherwise carry them inline next to the limiter's.
                let sent = Box::pin(op(attempt));
                async move {
                    if let Some(api) = api {
                        limiter.acquire(&api.key, api.default, clock).await;
                    }
                    let result = sent.await;
                    if let Some(api) = api {
                        let throttled =
                            matches!(&result, Err(e) if e.kind() == ErrorKind::Throttled);
                        limiter.record(&api.key, throttled, clock);
                    }
                    result
                }
            })
            .await
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("endpoint", &self.endpoint)
            .field("service_endpoints", &self.service_endpoints)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("rate_limits", self.rate_limiter.limits())
            .finish_non_exhaustive()
    }
}
