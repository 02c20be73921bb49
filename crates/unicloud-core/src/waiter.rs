//! Waiting until resources reach a state, on a clock tests control.
//!
//! A service supplies one check ("are they there yet?") that answers [`Poll::Ready`] with the
//! result, [`Poll::Pending`] with what it is still waiting for, or an error that ends the wait
//! (a resource that will never get there). [`wait_until`] polls it at an interval, measures the
//! time-out on the clock's [monotonic](crate::clock::Clock::monotonic) time, sleeps on the clock
//! (a [`ManualClock`](crate::clock::ManualClock) never really sleeps), and gives up with an
//! [`ErrorKind::Timeout`] error that is **not** retryable: the caller chose how long to wait,
//! and retrying the wait would silently double it.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use std::time::{Duration, UNIX_EPOCH};
//! use unicloud_core::clock::{Clock, ManualClock};
//! use unicloud_core::waiter::{wait_until, Poll, WaitSpec};
//! use unicloud_core::{ErrorKind, Provider};
//!
//! let clock = ManualClock::new(UNIX_EPOCH);
//! let spec = WaitSpec {
//!     provider: Provider::Aws,
//!     what: "running".into(),
//!     poll_interval: Duration::from_secs(5),
//!     timeout: Duration::from_secs(60),
//! };
//! let mut polls = 0;
//! let ready = wait_until(&clock, &spec, || {
//!     polls += 1;
//!     let n = polls;
//!     async move { Ok(if n < 3 { Poll::Pending(format!("i-1 is pending")) } else { Poll::Ready(n) }) }
//! })
//! .await?;
//! assert_eq!(ready, 3);
//! assert_eq!(clock.total_slept(), Duration::from_secs(10));
//!
//! let err = wait_until(&clock, &spec, || async { Ok(Poll::<()>::Pending("i-1 is pending".into())) })
//!     .await
//!     .unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::Timeout);
//! assert!(!err.is_retryable());
//! # Ok::<_, unicloud_core::Error>(())
//! # }).unwrap();
//! ```

use std::borrow::Cow;
use std::future::Future;
use std::time::Duration;

use crate::clock::Clock;
use crate::error::{Error, ErrorKind};
use crate::provider::Provider;

/// The answer of one check of a wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll<T> {
    /// Done: the wait returns this.
    Ready(T),
    /// Not yet; the text says what is still awaited (`i-1 is pending`), for the time-out error.
    Pending(String),
}

/// What is awaited and for how long.
#[derive(Debug, Clone)]
pub struct WaitSpec {
    /// The provider, for errors.
    pub provider: Provider,
    /// The awaited condition, for the time-out message (`running`, `healthy`).
    pub what: Cow<'static, str>,
    /// Time between checks.
    pub poll_interval: Duration,
    /// How long to wait in all.
    pub timeout: Duration,
}

/// Polls `check` until it is ready, fails, or `spec.timeout` passes: see the
/// [module docs](self).
pub async fn wait_until<T, F, Fut>(
    clock: &dyn Clock,
    spec: &WaitSpec,
    mut check: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, Error>>,
{
    let started = clock.monotonic();
    loop {
        let waiting = match check().await? {
            Poll::Ready(v) => return Ok(v),
            Poll::Pending(why) => why,
        };
        let elapsed = clock.monotonic().saturating_sub(started);
        if elapsed >= spec.timeout {
            return Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "gave up waiting for {} after {elapsed:?}: {waiting}",
                    spec.what
                ),
            )
            .with_provider(spec.provider)
            .with_retryable(false));
        }
        let interval = spec.poll_interval.max(Duration::from_millis(1));
        clock.sleep(interval.min(spec.timeout - elapsed)).await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;
    use crate::clock::ManualClock;

    fn spec(timeout: u64) -> WaitSpec {
        WaitSpec {
            provider: Provider::Tencent,
            what: "stopped".into(),
            poll_interval: Duration::from_secs(4),
            timeout: Duration::from_secs(timeout),
        }
    }

    #[tokio::test]
    async fn times_out_exactly_at_the_deadline_and_is_not_retryable() {
        let clock = ManualClock::new(UNIX_EPOCH);
        let mut polls = 0;
        let err = wait_until(&clock, &spec(10), || {
            polls += 1;
            async { Ok(Poll::<()>::Pending("ins-1 is running".into())) }
        })
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert!(!err.is_retryable());
        assert!(err.message().contains("stopped"));
        assert!(err.message().contains("ins-1 is running"));
        // Sleeps of 4, 4 and the 2 s left; a check after each.
        assert_eq!(clock.sleeps(), [4, 4, 2].map(Duration::from_secs).to_vec());
        assert_eq!(polls, 4);
    }

    #[tokio::test]
    async fn a_check_error_ends_the_wait() {
        let clock = ManualClock::new(UNIX_EPOCH);
        let err = wait_until(&clock, &spec(100), || async {
            Err::<Poll<()>, _>(Error::new(ErrorKind::Conflict, "terminated"))
        })
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conflict);
        assert!(clock.sleeps().is_empty());
    }

    #[tokio::test]
    async fn wall_clock_steps_do_not_extend_the_wait() {
        let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(10_000));
        let mut polls = 0;
        let err = wait_until(&clock, &spec(8), || {
            polls += 1;
            clock.set(clock.now() - Duration::from_secs(1000));
            async { Ok(Poll::<()>::Pending("x".into())) }
        })
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert_eq!(clock.total_slept(), Duration::from_secs(8));
        assert_eq!(polls, 3);
    }
}
