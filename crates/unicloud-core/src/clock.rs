//! Time, behind a trait so retries, credential refresh and waiters can be tested without sleeping.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// A boxed, sendable future, as returned by the object-safe traits of this crate.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A source of wall-clock time and of sleeps.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// A shared clock handle.
pub type SharedClock = Arc<dyn Clock>;

/// The real clock: `SystemTime::now()` and `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock for tests: time moves only when told to, and `sleep` returns at once after advancing
/// the clock by the slept duration. Every sleep is recorded so tests can assert on back-off.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use unicloud_core::clock::{Clock, ManualClock};
///
/// let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
/// let start = clock.now();
/// futures_lite_block_on(clock.sleep(Duration::from_secs(5)));
/// assert_eq!(clock.now(), start + Duration::from_secs(5));
/// assert_eq!(clock.sleeps(), vec![Duration::from_secs(5)]);
/// # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Clone, Default)]
pub struct ManualClock {
    state: Arc<Mutex<ManualState>>,
}

#[derive(Default)]
struct ManualState {
    now: Option<SystemTime>,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A manual clock that reads `start` until advanced.
    pub fn new(start: SystemTime) -> Self {
        Self {
            state: Arc::new(Mutex::new(ManualState {
                now: Some(start),
                sleeps: Vec::new(),
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, ManualState> {
        // A poisoned lock only means another test thread panicked; the data is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut s = self.lock();
        let now = s.now.unwrap_or(SystemTime::UNIX_EPOCH);
        s.now = Some(now + by);
    }

    /// Sets the current time.
    pub fn set(&self, now: SystemTime) {
        self.lock().now = Some(now);
    }

    /// Every duration passed to [`Clock::sleep`] so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// The sum of all sleeps so far.
    pub fn total_slept(&self) -> Duration {
        self.lock().sleeps.iter().sum()
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.lock();
        f.debug_struct("ManualClock")
            .field("now", &s.now)
            .field("sleeps", &s.sleeps.len())
            .finish()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.lock().now.unwrap_or(SystemTime::UNIX_EPOCH)
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        {
            let mut s = self.lock();
            let now = s.now.unwrap_or(SystemTime::UNIX_EPOCH);
            s.now = Some(now + duration);
            s.sleeps.push(duration);
        }
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_advances_on_sleep() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        let c = ManualClock::new(t0);
        c.sleep(Duration::from_millis(250)).await;
        c.advance(Duration::from_secs(1));
        assert_eq!(c.now(), t0 + Duration::from_millis(1250));
        assert_eq!(c.sleeps(), vec![Duration::from_millis(250)]);
        assert_eq!(c.total_slept(), Duration::from_millis(250));
        let shared: SharedClock = Arc::new(c.clone());
        shared.sleep(Duration::from_secs(2)).await;
        assert_eq!(c.sleeps().len(), 2);
    }

    #[tokio::test]
    async fn system_clock_sleeps_for_real_but_briefly() {
        let c = SystemClock;
        let before = c.now();
        c.sleep(Duration::from_millis(1)).await;
        assert!(c.now() >= before);
    }
}
