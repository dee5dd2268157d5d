//! Samples of queue statistics over time (a bounded ring), for the "queue over time" plot.

use std::collections::VecDeque;

use serde::Serialize;

use crate::queue::QueueStats;
use crate::time::format_rfc3339;

/// One sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// When (Unix seconds).
    pub t: i64,
    /// When (RFC 3339, UTC).
    pub time: String,
    /// Messages queued.
    pub messages: u64,
    /// Open recipients.
    pub recipients: u64,
    /// Deferred recipients.
    pub deferred: u64,
    /// Messages close to expiry.
    pub expiring: u64,
    /// Age of the oldest message (s).
    pub oldest_age_s: i64,
}

impl Sample {
    /// The sample of a snapshot's statistics taken at `t`.
    pub fn of(t: i64, s: &QueueStats) -> Self {
        Self {
            t,
            time: format_rfc3339(t, 0),
            messages: s.messages,
            recipients: s.recipients,
            deferred: s.deferred,
            expiring: s.expiring.len() as u64,
            oldest_age_s: s.oldest_age_s.unwrap_or(0),
        }
    }
}

/// The last `capacity` samples, oldest first.
#[derive(Debug, Clone)]
pub struct History {
    cap: usize,
    samples: VecDeque<Sample>,
}

impl History {
    /// An empty history keeping at most `capacity` samples (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            cap: capacity.max(1),
            samples: VecDeque::new(),
        }
    }

    /// Adds a sample. One older than the newest is ignored (clocks going back); one at the same
    /// second replaces it.
    pub fn push(&mut self, s: Sample) {
        if let Some(last) = self.samples.back_mut() {
            if s.t < last.t {
                return;
            }
            if s.t == last.t {
                *last = s;
                return;
            }
        }
        if self.samples.len() == self.cap {
            self.samples.pop_front();
        }
        self.samples.push_back(s);
    }

    /// The samples, oldest first.
    pub fn samples(&self) -> Vec<Sample> {
        self.samples.iter().cloned().collect()
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// True without samples.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: i64, m: u64) -> Sample {
        Sample {
            t,
            time: String::new(),
            messages: m,
            recipients: m,
            deferred: 0,
            expiring: 0,
            oldest_age_s: 0,
        }
    }

    #[test]
    fn ring() {
        let mut h = History::new(3);
        assert!(h.is_empty());
        for (t, m) in [(1, 1), (2, 2), (2, 5), (1, 9), (3, 3), (4, 4)] {
            h.push(s(t, m));
        }
        let v: Vec<(i64, u64)> = h.samples().iter().map(|x| (x.t, x.messages)).collect();
        assert_eq!(v, [(2, 5), (3, 3), (4, 4)]);
        assert_eq!(h.len(), 3);
        assert_eq!(History::new(0).cap, 1);
    }
}
