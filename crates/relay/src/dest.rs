//! Per-destination concurrency: Postfix's destination concurrency feedback (SCHEDULER_README,
//! "Destination concurrency scheduling"), as pure arithmetic.
//!
//! - A new destination starts at `initial` parallel connections (slow start).
//! - Each delivery that ends without a site-level failure is positive feedback of 1/window;
//!   each connection-level failure (refused, timeout, 421 greeting, lost connection) negative
//!   feedback of 1/window. With a hysteresis of 1, the window grows by one after a full window
//!   of successes and shrinks by one after a full window of failures; it stays within
//!   `1..=limit`.
//! - Consecutive failures also add up to "failed cohorts" (1/window each; any success resets
//!   them). When they reach `failed_cohort_limit`, the destination is dead: its queued mail is
//!   deferred and nothing is tried until the backoff passes; it then restarts at `initial`.

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
            initial,
            limit,
            cohort_limit,
        }
    }

    /// Parallel connections allowed now.
    pub fn window(&self) -> u32 {
        self.window
    }

    /// A delivery completed without a site-level failure.
    pub fn on_success(&mut self) {
        self.failed_cohorts = 0.0;
        self.failure = 0.0;
        self.success += 1.0 / f64::from(self.window);
        if self.success >= 1.0 - 1e-9 {
            self.success = 0.0;
            if self.window < self.limit {
                self.window += 1;
            }
        }
    }

    /// A connection-level failure. Returns true when the destination is now dead.
    pub fn on_failure(&mut self) -> bool {
        self.success = 0.0;
        let w = f64::from(self.window);
        self.failure += 1.0 / w;
        self.failed_cohorts += 1.0 / w;
        if self.failure >= 1.0 - 1e-9 {
            self.failure = 0.0;
            if self.window > 1 {
                self.window -= 1;
            }
        }
        self.cohort_limit > 0 && self.failed_cohorts >= f64::from(self.cohort_limit) - 1e-9
    }

    /// Restart after a dead period (back to slow start).
    pub fn revive(&mut self) {
        *self = Feedback::new(self.initial, self.limit, self.cohort_limit);
    }
}

/// Whether a destination is dead at `now`.
pub fn is_dead(dead_until: Option<SystemTime>, now: SystemTime) -> bool {
    dead_until.is_some_and(|t| now < t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_start_grows_one_per_window_of_successes() {
        let mut f = Feedback::new(5, 20, 1);
        assert_eq!(f.window(), 5);
        for _ in 0..5 {
            f.on_success();
        }
        assert_eq!(f.window(), 6);
        for _ in 0..6 {
            f.on_success();
        }
        assert_eq!(f.window(), 7);
        for _ in 0..1000 {
            f.on_success();
        }
        assert_eq!(f.window(), 20, "capped at the limit");
    }

    #[test]
    fn failures_shrink_and_a_failed_cohort_kills() {
        let mut f = Feedback::new(4, 20, 0); // never dead
        for _ in 0..4 {
            assert!(!f.on_failure());
        }
        assert_eq!(f.window(), 3);
        for _ in 0..20 {
            f.on_failure();
        }
        assert_eq!(f.window(), 1, "never below 1");

        let mut f = Feedback::new(5, 20, 1);
        let mut died_after = None;
        for i in 1..=10 {
            if f.on_failure() {
                died_after = Some(i);
                break;
            }
        }
        // 1/5 each: a full cohort of five consecutive failures.
        assert_eq!(died_after, Some(5));
    }

    #[test]
    fn success_resets_cohorts() {
        let mut f = Feedback::new(2, 20, 1);
        assert!(!f.on_failure());
        f.on_success();
        assert!(!f.on_failure(), "the success reset the failed cohort count");
        f.revive();
        assert_eq!(f.window(), 2);
    }
}
