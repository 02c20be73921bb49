//! Client configuration shared by every provider.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{SharedClock, SystemClock};
use crate::error::{Error, ErrorKind};
use crate::retry::RetryPolicy;

/// The user agent every unicloud request carries: `unicloud/<version>`.
pub const USER_AGENT: &str = concat!("unicloud/", env!("CARGO_PKG_VERSION"));

/// Settings every provider client honours.
///
/// ```
/// use std::time::Duration;
/// use unicloud_core::ClientConfig;
///
/// let cfg = ClientConfig::default()
///     .with_endpoint("http://127.0.0.1:4566")
///     .unwrap()
///     .with_timeouts(Duration::from_secs(2), Duration::from_secs(30));
/// assert_eq!(cfg.endpoint(), Some("http://127.0.0.1:4566"));
/// assert!(cfg.user_agent().starts_with("unicloud/"));
/// assert!(ClientConfig::default().with_endpoint("ftp://x").is_err());
/// ```
#[derive(Clone)]
pub struct ClientConfig {
    endpoint: Option<String>,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    clock: SharedClock,
}

impl Default for ClientConfig {
    /// No endpoint override, 5 s to connect, 60 s per request, default retries, the real clock.
    fn default() -> Self {
        Self {
            endpoint: None,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(60),
            user_agent: USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
        }
    }
}

impl ClientConfig {
    /// Sends every request to `endpoint` (e.g. the emulator's `http://127.0.0.1:PORT` or a
    /// private endpoint) instead of the provider's public one. Must be an `http` or `https` URL.
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Result<Self, Error> {
        let endpoint = endpoint.into();
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
        self.endpoint = Some(endpoint.trim_end_matches('/').to_owned());
        Ok(self)
    }

    /// Sets the connect time-out and the overall per-request time-out.
    #[must_use]
    pub fn with_timeouts(mut self, connect: Duration, request: Duration) -> Self {
        self.connect_timeout = connect;
        self.timeout = request;
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

    /// Sets the clock used for retries, waiters and credential refresh.
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The endpoint override, if any.
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// The connect time-out.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The per-request time-out.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The user agent.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The retry policy.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// An HTTP client with these time-outs and user agent (rustls, HTTP/1.1 and HTTP/2).
    pub fn http_client(&self) -> Result<reqwest::Client, Error> {
        reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(self.user_agent.clone())
            .build()
            .map_err(Error::from)
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("endpoint", &self.endpoint)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .finish()
    }
}
