//! Time, behind a trait so retries, credential refresh and waiters can be tested without sleeping.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

/// A boxed, sendable future, as returned by the object-safe traits of this crate.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A source of wall-clock time, of monotonic time and of sleeps.
///
/// Wall-clock time ([`Clock::now`]) dates requests and credentials; it can jump (NTP, a user
/// changing the clock). Durations — retry budgets, waiter time-outs — are measured on
/// [`Clock::monotonic`], which never goes back.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
    /// Time on a monotonic scale from an arbitrary origin: only differences mean anything.
    fn monotonic(&self) -> Duration;
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

    fn monotonic(&self) -> Duration {
        static ORIGIN: OnceLock<Instant> = OnceLock::new();
        ORIGIN.get_or_init(Instant::now).elapsed()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock for tests: time moves only when told to, and `sleep` returns at once after advancing
/// the clock by the slept duration. Every sleep is recorded so tests can assert on back-off.
///
/// [`ManualClock::advance`] and sleeps move both the wall clock and the monotonic clock;
/// [`ManualClock::set`] moves only the wall clock, as a clock step (NTP, a user) would, so tests
/// can check that durations are not fooled by it.
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
    monotonic: Duration,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A manual clock that reads `start` until advanced.
    pub fn new(start: SystemTime) -> Self {
        Self {
            state: Arc::new(Mutex::new(ManualState {
                now: Some(start),
                monotonic: Duration::ZERO,
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
        s.monotonic += by;
    }

    /// Sets the current wall-clock time (the monotonic clock does not move).
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

    fn monotonic(&self) -> Duration {
        self.lock().monotonic
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        {
            let mut s = self.lock();
            let now = s.now.unwrap_or(SystemTime::UNIX_EPOCH);
            s.now = Some(now + duration);
            s.monotonic += duration;
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
    async fn manual_clock_set_moves_wall_time_only() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        let c = ManualClock::new(t0);
        c.set(t0 - Duration::from_secs(50));
        assert_eq!(c.monotonic(), Duration::ZERO);
        c.advance(Duration::from_secs(2));
        c.sleep(Duration::from_secs(3)).await;
        assert_eq!(c.monotonic(), Duration::from_secs(5));
        assert_eq!(c.now(), t0 - Duration::from_secs(45));
    }

    #[tokio::test]
    async fn system_clock_sleeps_for_real_but_briefly() {
        let c = SystemClock;
        let before = c.monotonic();
        c.sleep(Duration::from_millis(1)).await;
        assert!(c.monotonic() >= before + Duration::from_millis(1));
    }
}
