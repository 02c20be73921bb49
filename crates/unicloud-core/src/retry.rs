//! Retries with exponential back-off and full jitter, driven by [`ErrorKind`](crate::ErrorKind).

use std::future::Future;
use std::time::Duration;

use rand::Rng;

use crate::clock::Clock;
use crate::error::{Error, ErrorKind};

/// Whether a call may be sent again after a failure that left its outcome unknown.
///
/// A time-out or a connection broken after the request left (see
/// [`Error::may_have_been_applied`]) says nothing about whether the provider carried the call
/// out. Repeating a read, a create that carries a client token, or a call that sets a state
/// rather than adding something is harmless; repeating anything else may do it twice. Throttling
/// and provider failures answered before the request was processed are retried either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Idempotency {
    /// Repeating the call has the same effect as sending it once.
    Idempotent,
    /// Repeating the call could apply it twice: not retried once it may have been applied.
    NotIdempotent,
}

impl Idempotency {
    /// `Idempotent` when `safe`.
    pub fn from_bool(safe: bool) -> Self {
        if safe {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        }
    }
}

/// How failed calls are retried.
///
/// Only errors whose [`Error::is_retryable`] is true are retried: throttling, provider-side
/// failures, time-outs and broken connections. The n-th retry waits a random time in
/// `[0, min(max_backoff, base_backoff × 2ⁿ)]` ("full jitter"), or the provider's `Retry-After` when
/// it gave one and that is longer, and no retry starts once the overall time budget would be
/// exceeded.
///
/// ```
/// use std::time::Duration;
/// use unicloud_core::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_base_backoff(Duration::from_millis(200))
///     .with_max_backoff(Duration::from_secs(10))
///     .with_budget(Duration::from_secs(60));
/// assert_eq!(policy.max_attempts(), 5);
/// assert_eq!(RetryPolicy::disabled().max_attempts(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_backoff: Duration,
    max_backoff: Duration,
    budget: Option<Duration>,
    jitter: bool,
    throttle_base_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Four attempts, 100 ms base (1 s when throttled), 20 s cap, a 2-minute budget, full jitter.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_backoff: Duration::from_millis(100),
            throttle_base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(20),
            budget: Some(Duration::from_secs(120)),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total attempts, the first one included (at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The back-off before the first retry of a non-throttling error; doubled on each retry.
    #[must_use]
    pub fn with_base_backoff(mut self, base: Duration) -> Self {
        self.base_backoff = base;
        self
    }

    /// The back-off before the first retry of a throttling error; doubled on each retry.
    #[must_use]
    pub fn with_throttle_base_backoff(mut self, base: Duration) -> Self {
        self.throttle_base_backoff = base;
        self
    }

    /// The longest single back-off.
    #[must_use]
    pub fn with_max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = max;
        self
    }

    /// The overall time allowed for all attempts and back-offs; `None` for no limit.
    #[must_use]
    pub fn with_budget(mut self, budget: impl Into<Option<Duration>>) -> Self {
        self.budget = budget.into();
        self
    }

    /// Turns full jitter on or off (off makes back-off exactly `base × 2ⁿ`, capped: for tests).
    #[must_use]
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Total attempts, the first one included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The overall time budget, if any.
    pub fn budget(&self) -> Option<Duration> {
        self.budget
    }

    /// The longest back-off before retry number `retry` (0-based) of `err`, before jitter.
    pub fn backoff_cap(&self, retry: u32, err: &Error) -> Duration {
        let base = if err.kind() == ErrorKind::Throttled {
            self.throttle_base_backoff
        } else {
            self.base_backoff
        };
        let factor = 1u32.checked_shl(retry.min(30)).unwrap_or(u32::MAX);
        base.saturating_mul(factor).min(self.max_backoff)
    }

    /// The back-off before retry number `retry` (0-based) of `err`, jitter applied.
    pub fn backoff(&self, retry: u32, err: &Error) -> Duration {
        let cap = self.backoff_cap(retry, err);
        let wait = if self.jitter && !cap.is_zero() {
            let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
            Duration::from_nanos(rand::rng().random_range(0..=nanos))
        } else {
            cap
        };
        match err.retry_after() {
            Some(after) if after > wait => after,
            _ => wait,
        }
    }

    /// Runs an idempotent `op`; see [`RetryPolicy::retry_call`].
    pub async fn retry<T, F, Fut>(&self, clock: &dyn Clock, op: F) -> Result<T, Error>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        self.retry_call(clock, Idempotency::Idempotent, op).await
    }

    /// Runs `op` until it succeeds, fails with a non-retryable error, runs out of attempts or
    /// would exceed the budget. A [`Idempotency::NotIdempotent`] call is not retried after a
    /// failure that [may have been applied](Error::may_have_been_applied). Sleeps go through
    /// `clock`, and the budget is measured on its [monotonic](Clock::monotonic) time, so tests
    /// with a [`ManualClock`](crate::clock::ManualClock) never wait.
    pub async fn retry_call<T, F, Fut>(
        &self,
        clock: &dyn Clock,
        idempotency: Idempotency,
        mut op: F,
    ) -> Result<T, Error>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let started = clock.monotonic();
        let mut attempt = 0u32;
        // Whether an attempt already failed in a way that may have been applied.
        let mut maybe_applied = false;
        loop {
            let result = op(attempt).await;
            let err = match result {
                Ok(v) => return Ok(v),
                Err(e) if maybe_applied => e.with_earlier_attempt_may_have_applied(),
                Err(e) => e,
            };
            attempt += 1;
            if !err.is_retryable() || attempt >= self.max_attempts {
                return Err(err);
            }
            if idempotency == Idempotency::NotIdempotent && err.may_have_been_applied() {
                tracing::debug!(
                    attempt,
                    kind = %err.kind(),
                    "not retrying a call that is unsafe to repeat and may have been applied"
                );
                return Err(err);
            }
            maybe_applied |= err.may_have_been_applied();
            let wait = self.backoff(attempt - 1, &err);
            if let Some(budget) = self.budget {
                let elapsed = clock.monotonic().saturating_sub(started);
                if elapsed.saturating_add(wait) > budget {
                    tracing::debug!(attempt, ?elapsed, "retry budget exhausted");
                    return Err(err);
                }
            }
            tracing::debug!(
                attempt,
                kind = %err.kind(),
                code = err.code().unwrap_or(""),
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "retrying after a retryable error"
            );
            clock.sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::UNIX_EPOCH;

    use super::*;
    use crate::clock::ManualClock;

    fn clock() -> ManualClock {
        ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
    }

    fn err(kind: ErrorKind) -> Error {
        Error::new(kind, "test")
    }

    #[tokio::test]
    async fn an_error_after_a_possibly_applied_attempt_says_so() {
        let c = clock();
        let policy = RetryPolicy::default().with_max_attempts(3);
        // A time-out, then the answer a repeated delete gets when the first one went through.
        let e = policy
            .retry_call(&c, Idempotency::Idempotent, |attempt| async move {
                Err::<(), _>(if attempt == 0 {
                    err(ErrorKind::Timeout)
                } else {
                    err(ErrorKind::NotFound)
                })
            })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.earlier_attempt_may_have_applied());
        assert!(e.to_string().contains("earlier attempt"), "{e}");
        // Throttling is answered before processing: nothing was applied.
        let throttled = AtomicU32::new(0);
        let e = policy
            .retry_call(&c, Idempotency::Idempotent, |_| {
                let n = throttled.fetch_add(1, Ordering::SeqCst);
                async move {
                    Err::<(), _>(if n == 0 {
                        err(ErrorKind::Throttled)
                    } else {
                        err(ErrorKind::NotFound)
                    })
                }
            })
            .await
            .unwrap_err();
        assert!(!e.earlier_attempt_may_have_applied());
        // A failure on the first attempt is never marked.
        let e = policy
            .retry_call(&c, Idempotency::Idempotent, |_| async {
                Err::<(), _>(err(ErrorKind::NotFound))
            })
            .await
            .unwrap_err();
        assert!(!e.earlier_attempt_may_have_applied());
    }

    #[tokio::test]
    async fn succeeds_after_retryable_failures_with_exponential_backoff() {
        let c = clock();
        let policy = RetryPolicy::default()
            .with_max_attempts(5)
            .with_jitter(false)
            .with_base_backoff(Duration::from_millis(100));
        let calls = AtomicU32::new(0);
        let out = policy
            .retry(&c, |attempt| {
                calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    if attempt < 3 {
                        Err(err(ErrorKind::Unavailable))
                    } else {
                        Ok(attempt)
                    }
                }
            })
            .await
            .unwrap();
        assert_eq!(out, 3);
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(
            c.sleeps(),
            vec![
                Duration::from_millis(100),
                Duration::from_millis(200),
                Duration::from_millis(400)
            ]
        );
    }

    #[tokio::test]
    async fn throttling_uses_its_own_base() {
        let c = clock();
        let policy = RetryPolicy::default()
            .with_jitter(false)
            .with_throttle_base_backoff(Duration::from_secs(1))
            .with_max_attempts(3);
        let r: Result<(), _> = policy
            .retry(&c, |_| async { Err(err(ErrorKind::Throttled)) })
            .await;
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Throttled);
        assert_eq!(
            c.sleeps(),
            vec![Duration::from_secs(1), Duration::from_secs(2)]
        );
    }

    #[tokio::test]
    async fn non_retryable_fails_at_once() {
        let c = clock();
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = RetryPolicy::default()
            .retry(&c, |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(err(ErrorKind::NotFound)) }
            })
            .await;
        assert_eq!(r.unwrap_err().kind(), ErrorKind::NotFound);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(c.sleeps().is_empty());
    }

    #[tokio::test]
    async fn attempts_are_bounded() {
        let c = clock();
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = RetryPolicy::default()
            .with_max_attempts(3)
            .retry(&c, |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(err(ErrorKind::Transport)) }
            })
            .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(c.sleeps().len(), 2);
    }

    #[tokio::test]
    async fn budget_stops_retries() {
        let c = clock();
        let policy = RetryPolicy::default()
            .with_max_attempts(100)
            .with_jitter(false)
            .with_base_backoff(Duration::from_secs(1))
            .with_max_backoff(Duration::from_secs(8))
            .with_budget(Duration::from_secs(10));
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = policy
            .retry(&c, |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(err(ErrorKind::Unavailable)) }
            })
            .await;
        assert!(r.is_err());
        // 1 + 2 + 4 = 7 s slept; the next 8 s would pass the 10 s budget.
        assert_eq!(c.total_slept(), Duration::from_secs(7));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn disabled_never_retries() {
        let c = clock();
        let calls = AtomicU32::new(0);
        let _ = RetryPolicy::disabled()
            .retry(&c, |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err::<(), _>(err(ErrorKind::Throttled)) }
            })
            .await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn unsafe_calls_are_not_repeated_once_they_may_have_been_applied() {
        for kind in [ErrorKind::Timeout, ErrorKind::Transport] {
            let c = clock();
            let calls = AtomicU32::new(0);
            let r: Result<(), _> = RetryPolicy::default()
                .retry_call(&c, Idempotency::NotIdempotent, |_| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    async move { Err(err(kind)) }
                })
                .await;
            assert_eq!(r.unwrap_err().kind(), kind);
            assert_eq!(calls.load(Ordering::SeqCst), 1, "{kind}");
        }
    }

    #[tokio::test]
    async fn unsafe_calls_still_retry_what_was_not_applied() {
        // Throttling, 5xx answers and refused connections never applied the call.
        for e in [
            err(ErrorKind::Throttled),
            err(ErrorKind::Unavailable),
            err(ErrorKind::Transport).with_not_applied(),
        ] {
            let c = clock();
            let calls = AtomicU32::new(0);
            let kind = e.kind();
            let first = std::sync::Mutex::new(Some(e));
            let r = RetryPolicy::default()
                .with_jitter(false)
                .retry_call(&c, Idempotency::NotIdempotent, |_| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    let next = first.lock().unwrap().take();
                    async move {
                        match next {
                            Some(e) => Err(e),
                            None => Ok(7),
                        }
                    }
                })
                .await;
            assert_eq!(r.unwrap(), 7, "{kind}");
            assert_eq!(calls.load(Ordering::SeqCst), 2, "{kind}");
        }
    }

    #[tokio::test]
    async fn idempotent_calls_retry_time_outs() {
        let c = clock();
        let calls = AtomicU32::new(0);
        let r = RetryPolicy::default()
            .with_jitter(false)
            .retry_call(&c, Idempotency::Idempotent, |attempt| {
                calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    if attempt == 0 {
                        Err(err(ErrorKind::Timeout))
                    } else {
                        Ok(attempt)
                    }
                }
            })
            .await;
        assert_eq!(r.unwrap(), 1);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn budget_is_measured_on_the_monotonic_clock() {
        // A wall clock stepped back by an hour must not extend the budget.
        let c = clock();
        let policy = RetryPolicy::default()
            .with_max_attempts(100)
            .with_jitter(false)
            .with_base_backoff(Duration::from_secs(1))
            .with_max_backoff(Duration::from_secs(1))
            .with_budget(Duration::from_secs(5));
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = policy
            .retry(&c, |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                c.set(c.now() - Duration::from_secs(3600));
                async { Err(err(ErrorKind::Unavailable)) }
            })
            .await;
        assert!(r.is_err());
        assert_eq!(c.total_slept(), Duration::from_secs(5));
        assert_eq!(calls.load(Ordering::SeqCst), 6);
    }

    #[test]
    fn jitter_stays_within_cap_and_cap_is_bounded() {
        let policy = RetryPolicy::default().with_max_backoff(Duration::from_secs(3));
        let e = err(ErrorKind::Unavailable);
        for retry in 0..40 {
            let cap = policy.backoff_cap(retry, &e);
            assert!(cap <= Duration::from_secs(3));
            for _ in 0..20 {
                assert!(policy.backoff(retry, &e) <= cap);
            }
        }
    }

    #[test]
    fn retry_after_is_honoured() {
        let policy = RetryPolicy::default().with_jitter(false);
        let e = err(ErrorKind::Throttled).with_retry_after(Duration::from_secs(7));
        assert_eq!(policy.backoff(0, &e), Duration::from_secs(7));
    }
}
