//! Retry arithmetic: pure functions of the policy, the attempt count, the arrival time and
//! `now`. No clock, no I/O; the scheduler is a thin loop around these.
//!
//! The schedule: after the n-th failed attempt the message waits
//! `min(initial × multiplier^(n-1), max_interval)`, spread by ± `jitter` (deterministic per
//! message, from a seed, so it is testable) and never more than `max_interval`. A message
//! expires exactly at `arrival + lifetime`: when the next wait would end after that, the last
//! attempt is scheduled *at* the boundary, and a transient failure at or after the boundary
//! expires the message (5.4.7) instead of scheduling another attempt.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use mailway_relay::{RetryPolicy, policy::{next_after_failure, Next}};
//!
//! let p = RetryPolicy { jitter: 0.0, ..RetryPolicy::default() };
//! let arrival = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! // first attempt failed right away: next one 5 minutes later
//! assert_eq!(next_after_failure(&p, 1, arrival, arrival, 0), Next::RetryAt(arrival + Duration::from_secs(300)));
//! // near the end of the 5 days: the last attempt lands exactly on the boundary
//! let late = arrival + p.lifetime - Duration::from_secs(60);
//! assert_eq!(next_after_failure(&p, 40, arrival, late, 0), Next::RetryAt(arrival + p.lifetime));
//! // a failure at the boundary expires the message
//! assert_eq!(next_after_failure(&p, 41, arrival, arrival + p.lifetime, 0), Next::Expire);
//! ```

use std::time::{Duration, SystemTime};

use crate::options::RetryPolicy;

/// What to do with a recipient after a transient failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Try again at this time.
    RetryAt(SystemTime),
    /// The queue lifetime is over: fail it (5.4.7) with the last real reply.
    Expire,
}

/// When a message arriving at `arrival` expires.
pub fn expires_at(policy: &RetryPolicy, arrival: SystemTime, null_sender: bool) -> SystemTime {
    arrival
        + if null_sender {
            policy.bounce_lifetime
        } else {
            policy.lifetime
        }
}

/// The wait after the `failures`-th failed attempt (1-based), before jitter and capping.
pub fn base_backoff(policy: &RetryPolicy, failures: u32) -> Duration {
    let n = failures.max(1) - 1;
    let secs = policy.initial.as_secs_f64() * policy.multiplier.powi(n.min(1000) as i32);
    let max = policy.max_interval.as_secs_f64();
    Duration::from_secs_f64(if secs.is_finite() { secs.min(max) } else { max })
}

/// The wait after the `failures`-th failed attempt, with deterministic jitter from `seed`,
/// never longer than `max_interval` and never shorter than one second.
pub fn backoff(policy: &RetryPolicy, failures: u32, seed: u64) -> Duration {
    let base = base_backoff(policy, failures).as_secs_f64();
    let spread = unit_interval(seed ^ u64::from(failures).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    // spread in [0, 1) → factor in [1 - jitter, 1 + jitter)
    let factor = 1.0 + policy.jitter * (2.0 * spread - 1.0);
    let secs = (base * factor)
        .min(policy.max_interval.as_secs_f64())
        .max(1.0);
    Duration::from_secs_f64(secs)
}

/// After the `failures`-th failed attempt (1-based) ending at `now`, of a message that
/// arrived at `arrival` (and whose lifetime is the policy's `lifetime`).
pub fn next_after_failure(
    policy: &RetryPolicy,
    failures: u32,
    arrival: SystemTime,
    now: SystemTime,
    seed: u64,
) -> Next {
    next_after_failure_until(policy, failures, arrival + policy.lifetime, now, seed)
}

/// As [`next_after_failure`], with an explicit expiry time.
pub fn next_after_failure_until(
    policy: &RetryPolicy,
    failures: u32,
    expires: SystemTime,
    now: SystemTime,
    seed: u64,
) -> Next {
    if now >= expires {
        return Next::Expire;
    }
    let at = now + backoff(policy, failures, seed);
    if at >= expires {
        Next::RetryAt(expires)
    } else {
        Next::RetryAt(at)
    }
}

/// When the delay warning for a message is due, if warnings are on and it comes before expiry.
pub fn delay_warning_at(
    delay_warning: Duration,
    arrival: SystemTime,
    expires: SystemTime,
) -> Option<SystemTime> {
    if delay_warning.is_zero() {
        return None;
    }
    let at = arrival + delay_warning;
    (at < expires).then_some(at)
}

/// The whole schedule of attempt times for a message that always fails temporarily and whose
/// attempts take no time: the first at `arrival`, the last at expiry. For `queue show` and tests.
pub fn schedule(policy: &RetryPolicy, arrival: SystemTime, seed: u64) -> Vec<SystemTime> {
    let expires = arrival + policy.lifetime;
    let mut out = vec![arrival];
    let mut now = arrival;
    let mut failures = 1;
    while let Next::RetryAt(t) = next_after_failure_until(policy, failures, expires, now, seed) {
        out.push(t);
        now = t;
        failures += 1;
        if out.len() > 100_000 {
            break;
        }
    }
    out
}

/// splitmix64 mapped to [0, 1).
fn unit_interval(seed: u64) -> f64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn no_jitter() -> RetryPolicy {
        RetryPolicy {
            jitter: 0.0,
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn exponential_then_capped() {
        let p = no_jitter();
        let secs: Vec<u64> = (1..=6).map(|n| backoff(&p, n, 7).as_secs()).collect();
        assert_eq!(secs, [300, 600, 1200, 2400, 4000, 4000]);
    }

    #[test]
    fn jitter_stays_within_bounds_and_max() {
        let p = RetryPolicy {
            jitter: 0.2,
            ..RetryPolicy::default()
        };
        let mut seen_low = false;
        let mut seen_high = false;
        for seed in 0..2000u64 {
            let d = backoff(&p, 1, seed).as_secs_f64();
            assert!((240.0..=360.0).contains(&d), "{d}");
            seen_low |= d < 290.0;
            seen_high |= d > 310.0;
            // at the cap, jitter never exceeds max_interval
            assert!(backoff(&p, 10, seed) <= p.max_interval);
        }
        assert!(seen_low && seen_high, "jitter must actually spread");
        // deterministic
        assert_eq!(backoff(&p, 3, 42), backoff(&p, 3, 42));
    }

    #[test]
    fn last_attempt_exactly_at_lifetime_boundary() {
        let p = no_jitter();
        let s = schedule(&p, t0(), 1);
        let expires = t0() + p.lifetime;
        assert_eq!(*s.last().unwrap(), expires);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        // every gap but the last follows the policy exactly
        for w in s.windows(2).take(s.len() - 2) {
            let gap = w[1].duration_since(w[0]).unwrap();
            assert!(gap <= p.max_interval);
        }
        // nothing scheduled beyond expiry, and the failure there expires
        assert_eq!(
            next_after_failure(&p, s.len() as u32, t0(), expires, 1),
            Next::Expire
        );
        // a failure just before expiry retries at the boundary, not one interval later
        assert_eq!(
            next_after_failure(&p, 3, t0(), expires - Duration::from_secs(1), 1),
            Next::RetryAt(expires)
        );
    }

    #[test]
    fn short_lifetime_schedule() {
        let p = RetryPolicy {
            initial: Duration::from_secs(60),
            max_interval: Duration::from_secs(600),
            lifetime: Duration::from_secs(1000),
            jitter: 0.0,
            ..RetryPolicy::default()
        };
        let secs: Vec<u64> = schedule(&p, t0(), 0)
            .iter()
            .map(|t| t.duration_since(t0()).unwrap().as_secs())
            .collect();
        assert_eq!(secs, [0, 60, 180, 420, 900, 1000]);
    }

    #[test]
    fn delay_warning_only_before_expiry() {
        let a = t0();
        let e = a + Duration::from_secs(3600);
        assert_eq!(
            delay_warning_at(Duration::from_secs(600), a, e),
            Some(a + Duration::from_secs(600))
        );
        assert_eq!(delay_warning_at(Duration::from_secs(3600), a, e), None);
        assert_eq!(delay_warning_at(Duration::ZERO, a, e), None);
    }

    #[test]
    fn null_sender_uses_bounce_lifetime() {
        let p = RetryPolicy {
            bounce_lifetime: Duration::from_secs(3600),
            ..RetryPolicy::default()
        };
        assert_eq!(expires_at(&p, t0(), true), t0() + Duration::from_secs(3600));
        assert_eq!(expires_at(&p, t0(), false), t0() + p.lifetime);
    }
}
