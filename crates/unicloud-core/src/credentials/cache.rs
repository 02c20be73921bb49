//! Caching of temporary credentials, refreshed before they expire.

use std::fmt;
use std::time::Duration;

use tokio::sync::Mutex;

use crate::clock::{BoxFuture, SharedClock};
use crate::credentials::{Credentials, ProvideCredentials, SharedCredentialsProvider};
use crate::error::Error;

/// Caches what another provider returns and asks it again only when the credentials are within
/// `refresh_before` of expiring (5 minutes by default). Concurrent callers share one refresh.
/// If a refresh fails while the cached credentials are still valid, the cached ones are returned.
pub struct CachingProvider {
    inner: SharedCredentialsProvider,
    clock: SharedClock,
    refresh_before: Duration,
    cached: Mutex<Option<Credentials>>,
}

impl CachingProvider {
    /// Caches `inner`, reading time from `clock`.
    pub fn new(inner: SharedCredentialsProvider, clock: SharedClock) -> Self {
        Self {
            inner,
            clock,
            refresh_before: Duration::from_secs(300),
            cached: Mutex::new(None),
        }
    }

    /// Refreshes this long before expiry.
    #[must_use]
    pub fn with_refresh_before(mut self, d: Duration) -> Self {
        self.refresh_before = d;
        self
    }

    async fn get(&self) -> Result<Credentials, Error> {
        let mut cached = self.cached.lock().await;
        let now = self.clock.now();
        if let Some(c) = cached.as_ref() {
            let fresh = match c.expires_at() {
                None => true,
                Some(exp) => exp
                    .checked_sub(self.refresh_before)
                    .is_some_and(|refresh_at| now < refresh_at),
            };
            if fresh {
                return Ok(c.clone());
            }
        }
        match self.inner.provide_credentials().await {
            Ok(c) => {
                *cached = Some(c.clone());
                Ok(c)
            }
            Err(e) => match cached.as_ref() {
                Some(c) if !c.is_expired_at(now) => {
                    tracing::warn!(error = %e, "credential refresh failed; using cached credentials until they expire");
                    Ok(c.clone())
                }
                _ => Err(e),
            },
        }
    }
}

impl fmt::Debug for CachingProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachingProvider")
            .field("inner", &self.inner)
            .field("refresh_before", &self.refresh_before)
            .finish()
    }
}

impl ProvideCredentials for CachingProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(self.get())
    }

    fn name(&self) -> &'static str {
        self.inner.name()
    }
}
