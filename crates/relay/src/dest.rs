//! Per-destination concurrency: Postfix's destination concurrency feedback (SCHEDULER_README,
//! "Destination concurrency scheduling"; qmgr's `qmgr_queue_throttle`/`unthrottle`), as pure
//! arithmetic, with Postfix's defaults (feedback `1/window`, hysteresis 1).
//!
//! - A new destination starts at `initial` parallel connections (slow start).
//! - Positive feedback: each delivery that ends without a site-level failure adds `1/window`;
//!   when that reaches 1 the window grows by one (and the negative cycle restarts). It grows
//!   only while it is less than the connections in use plus `initial`, and never past `limit`.
//! - Negative feedback: each connection-level failure (refused, timeout, `421` greeting, lost
//!   connection) subtracts `1/window` from the negative cycle, which starts at 0: the *first*
//!   failure lowers the window at once, further ones after a window's worth (never below 1).
//! - Failed cohorts: each failure also adds `1/window`; any success resets them. When they
//!   reach `failed_cohort_limit` the destination is dead: its queued mail is deferred and
//!   nothing is tried until the backoff passes; it then restarts at the connections still in
//!   use, or `initial`.

use std::collections::VecDeque;
use std::time::SystemTime;

/// The feedback state of one destination.
#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    window: u32,
    success: f64,
    failure: f64,
    failed_cohorts: f64,
    initial: u32,
    limit: u32,
    cohort_limit: u32,
}

impl Feedback {
    /// A fresh destination.
    pub fn new(initial: u32, limit: u32, cohort_limit: u32) -> Self {
        let limit = limit.max(1);
        Self {
            window: initial.clamp(1, limit),
            success: 0.0,
            failure: 0.0,
            failed_cohorts: 0.0,
            initial: initial.max(1),
            limit,
            cohort_limit,
        }
    }

    /// Parallel connections allowed now.
    pub fn window(&self) -> u32 {
        self.window
    }

    /// A delivery completed without a site-level failure, with `busy` connections in use.
    /// Returns true when the window grew.
    pub fn on_success(&mut self, busy: u32) -> bool {
        self.failed_cohorts = 0.0;
        let before = self.window;
        if self.window < self.limit && self.window < busy.saturating_add(self.initial) {
            let fb = 1.0 / f64::from(self.window);
            self.success += fb;
            while self.success + fb / 2.0 >= 1.0 {
                self.window += 1;
                self.success -= 1.0;
                self.failure = 0.0;
            }
            self.window = self.window.min(self.limit);
        }
        self.window > before
    }

    /// A connection-level failure. Returns true when the destination is now dead.
    pub fn on_failure(&mut self) -> bool {
        let fb = 1.0 / f64::from(self.window);
        self.failed_cohorts += fb;
        if self.cohort_limit > 0 && self.failed_cohorts >= f64::from(self.cohort_limit) - 1e-9 {
            return true;
        }
        self.failure -= fb;
        let mut window = i64::from(self.window);
        while self.failure - fb / 2.0 < 0.0 {
            window -= 1;
            self.success = 0.0;
            self.failure += 1.0;
        }
        self.window = window.max(1) as u32;
        false
    }

    /// Restart after a dead period: at the connections still in use, else `initial`.
    pub fn revive(&mut self, busy: u32) {
        *self = Feedback::new(self.initial, self.limit, self.cohort_limit);
        if busy > 0 {
            self.window = busy.min(self.limit);
        }
    }
}

/// Whether a destination is dead at `now`.
pub fn is_dead(dead_until: Option<SystemTime>, now: SystemTime) -> bool {
    dead_until.is_some_and(|t| now < t)
}

/// The next job of a destination's queue for a connection, or none while the destination is
/// dead: as Postfix's queue manager assigns no mail to a dead destination (its queue is deferred,
/// here by the engine's drain task), a connection worker started just before the destination
/// died, or one still holding a session, takes nothing more from it.
pub fn pop_live<T>(
    queue: &mut VecDeque<T>,
    dead_until: Option<SystemTime>,
    now: SystemTime,
) -> Option<T> {
    if is_dead(dead_until, now) {
        None
    } else {
        queue.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_destination_gives_no_job_until_its_backoff_passes() {
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000);
        let mut q: VecDeque<u32> = [1, 2].into();
        let until = Some(now + std::time::Duration::from_secs(60));
        assert_eq!(pop_live(&mut q, until, now), None);
        assert_eq!(q.len(), 2, "the queue is left for the drain task");
        assert_eq!(pop_live(&mut q, None, now), Some(1));
        // the backoff has passed: the destination is alive again
        assert_eq!(
            pop_live(&mut q, until, now + std::time::Duration::from_secs(60)),
            Some(2)
        );
        assert_eq!(pop_live(&mut q, None, now), None);
    }

    #[test]
    fn slow_start_grows_one_per_window_of_successes() {
        let mut f = Feedback::new(5, 20, 1);
        assert_eq!(f.window(), 5);
        for _ in 0..4 {
            assert!(!f.on_success(5));
        }
        assert!(f.on_success(5), "the fifth success of a window of five");
        assert_eq!(f.window(), 6);
        for _ in 0..6 {
            f.on_success(6);
        }
        assert_eq!(f.window(), 7);
        for _ in 0..1000 {
            f.on_success(20);
        }
        assert_eq!(f.window(), 20, "capped at the limit");
    }

    #[test]
    fn the_window_stays_near_the_connections_in_use() {
        // One connection busy: the window may reach 1 + initial, no further.
        let mut f = Feedback::new(2, 20, 1);
        for _ in 0..100 {
            f.on_success(1);
        }
        assert_eq!(f.window(), 3);
    }

    #[test]
    fn the_first_failure_lowers_the_window_at_once() {
        let mut f = Feedback::new(5, 20, 0); // never dead
        assert!(!f.on_failure());
        assert_eq!(f.window(), 4, "negative feedback takes effect immediately");
        // then a window's worth of failures per step: 1 - 1/5 = 0.8 left, 1/4 each
        assert!(!f.on_failure());
        assert!(!f.on_failure());
        assert_eq!(f.window(), 4);
        f.on_failure();
        assert_eq!(f.window(), 3);
        for _ in 0..50 {
            f.on_failure();
        }
        assert_eq!(f.window(), 1, "never below 1");
        // a success cycle restarts the negative one
        for _ in 0..1 {
            f.on_success(1);
        }
        assert_eq!(f.window(), 2);
        f.on_failure();
        assert_eq!(f.window(), 1);
    }

    #[test]
    fn a_failed_cohort_kills_and_success_resets_it() {
        let mut f = Feedback::new(5, 20, 1);
        let mut died_after = None;
        for i in 1..=10 {
            if f.on_failure() {
                died_after = Some(i);
                break;
            }
        }
        // 1/5 + 1/4 + 1/4 + 1/4 (window 3 now) + 1/3 >= 1
        assert_eq!(died_after, Some(5));
        let mut f = Feedback::new(2, 20, 1);
        assert!(!f.on_failure());
        f.on_success(1);
        assert!(!f.on_failure(), "the success reset the failed cohort count");
        f.revive(0);
        assert_eq!(f.window(), 2);
        f.revive(3);
        assert_eq!(f.window(), 3, "back at the connections still in use");
    }
}
