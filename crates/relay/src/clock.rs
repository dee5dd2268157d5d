//! The engine's clock, injected: the system clock in production, a [`ManualClock`] in tests
//! (time moves only when the test says so, and sleeping tasks wake up when it does).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

/// A boxed future, as returned by the injected traits.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Wall-clock time for scheduling (retry times, expiry, DSN dates).
///
/// SMTP I/O timeouts are not measured with this clock: they use tokio's timer.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;
    /// Completes once `now() >= deadline`.
    fn sleep_until(&self, deadline: SystemTime) -> BoxFuture<'static, ()>;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep_until(&self, deadline: SystemTime) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            loop {
                let now = SystemTime::now();
                match deadline.duration_since(now) {
                    Ok(d) if !d.is_zero() => {
                        // Re-check at least every minute: the wall clock may be stepped.
                        tokio::time::sleep(d.min(Duration::from_secs(60))).await;
                    }
                    _ => return,
                }
            }
        })
    }
}

/// A clock for tests: starts at a given time and moves only with [`ManualClock::advance`] or
/// [`ManualClock::set`]; tasks sleeping on it wake when it passes their deadline.
#[derive(Debug, Clone)]
pub struct ManualClock {
    tx: Arc<watch::Sender<SystemTime>>,
}

impl ManualClock {
    /// A clock reading `start`.
    pub fn new(start: SystemTime) -> Self {
        let (tx, _rx) = watch::channel(start);
        Self { tx: Arc::new(tx) }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.tx.send_modify(|t| *t += by);
    }

    /// Sets the clock (it may go backwards; sleepers wait for the new deadline).
    pub fn set(&self, to: SystemTime) {
        self.tx.send_replace(to);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.tx.borrow()
    }

    fn sleep_until(&self, deadline: SystemTime) -> BoxFuture<'static, ()> {
        let mut rx = self.tx.subscribe();
        Box::pin(async move {
            let _ = rx.wait_for(|t| *t >= deadline).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_wakes_sleepers() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let c = ManualClock::new(start);
        let sleeper = c.sleep_until(start + Duration::from_secs(60));
        let h = tokio::spawn(sleeper);
        tokio::task::yield_now().await;
        assert!(!h.is_finished());
        c.advance(Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!h.is_finished());
        c.advance(Duration::from_secs(30));
        tokio::time::timeout(Duration::from_secs(5), h)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.now(), start + Duration::from_secs(60));
    }
}
