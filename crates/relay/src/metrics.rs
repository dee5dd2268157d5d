//! Counters and histograms, fed by the engine's events; [`MetricsSnapshot`] is what
//! `/metrics` renders (in `mailway-web`).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::SystemTime;

use mailway_spool::{RcptState, opt_time_serde};
use serde::{Deserialize, Serialize};

use crate::events::EventKind;

/// A histogram with fixed upper bounds (seconds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Upper bounds of the buckets, ascending (the `+Inf` bucket is implicit).
    pub bounds: Vec<f64>,
    /// Observations per bucket, not cumulative; one more entry than `bounds` (the overflow).
    pub counts: Vec<u64>,
    /// Sum of observations.
    pub sum: f64,
    /// Number of observations.
    pub count: u64,
}

impl Histogram {
    /// An empty histogram with these bounds.
    pub fn new(bounds: &[f64]) -> Self {
        Self {
            bounds: bounds.to_vec(),
            counts: vec![0; bounds.len() + 1],
            sum: 0.0,
            count: 0,
        }
    }

    /// Records one observation.
    pub fn observe(&mut self, v: f64) {
        let v = if v.is_finite() { v.max(0.0) } else { 0.0 };
        let i = self
            .bounds
            .iter()
            .position(|&b| v <= b)
            .unwrap_or(self.bounds.len());
        self.counts[i] += 1;
        self.sum += v;
        self.count += 1;
    }

    /// Cumulative counts per bound (what Prometheus `_bucket{le=…}` wants), `+Inf` last.
    pub fn cumulative(&self) -> Vec<u64> {
        let mut acc = 0;
        self.counts
            .iter()
            .map(|c| {
                acc += c;
                acc
            })
            .collect()
    }
}

/// Recipients in one state for one domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueGauge {
    /// Recipient state.
    pub state: RcptState,
    /// Recipient domain (the 50 largest by count; the rest are summed as `other`).
    pub domain: String,
    /// Number of recipients.
    pub recipients: u64,
}

/// Live state of one destination queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DestinationStatus {
    /// The destination (recipient domain).
    pub domain: String,
    /// Concurrency window now (parallel connections allowed).
    pub window: u32,
    /// Connections open now.
    pub active: u32,
    /// Jobs waiting for a connection.
    pub queued: u32,
    /// Dead (suspended after connection failures) until then.
    #[serde(
        with = "opt_time_serde",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub dead_until: Option<SystemTime>,
    /// The last connection-level error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// Everything `/metrics` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsSnapshot {
    /// Recipients by state and domain.
    pub queue: Vec<QueueGauge>,
    /// Messages in the queue.
    pub messages: u64,
    /// Age of the oldest message, seconds (0 when empty).
    pub oldest_age_seconds: f64,
    /// Bytes of message content in the spool.
    pub spool_bytes: u64,
    /// Messages accepted since start.
    pub received_total: u64,
    /// Delivery attempts since start (one per destination per try).
    pub attempts_total: u64,
    /// Recipients delivered since start.
    pub delivered_total: u64,
    /// Recipients failed permanently since start (expired included).
    pub failed_total: u64,
    /// Recipients expired since start.
    pub expired_total: u64,
    /// Deferrals since start by reason.
    pub deferred_by_reason: BTreeMap<String, u64>,
    /// DSNs queued since start by action.
    pub dsn_by_action: BTreeMap<String, u64>,
    /// Arrival → delivery, seconds.
    pub delivery_latency: Histogram,
    /// Duration of one delivery attempt, seconds.
    pub attempt_duration: Histogram,
    /// Destination queues.
    pub destinations: Vec<DestinationStatus>,
}

/// Latency buckets: 0.1 s … 5 days.
pub(crate) const LATENCY_BOUNDS: &[f64] = &[
    0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0, 43200.0, 86400.0, 259200.0,
    432000.0,
];
/// Attempt duration buckets: 10 ms … 10 min.
pub(crate) const ATTEMPT_BOUNDS: &[f64] = &[
    0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0,
];

#[derive(Debug)]
pub(crate) struct Counters {
    pub received: u64,
    pub attempts: u64,
    pub delivered: u64,
    pub failed: u64,
    pub expired: u64,
    pub deferred: BTreeMap<String, u64>,
    pub dsn: BTreeMap<String, u64>,
    pub latency: Histogram,
    pub attempt: Histogram,
}

/// The engine's counters (behind one mutex: events are rare next to I/O).
#[derive(Debug)]
pub(crate) struct Metrics {
    pub c: Mutex<Counters>,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        Self {
            c: Mutex::new(Counters {
                received: 0,
                attempts: 0,
                delivered: 0,
                failed: 0,
                expired: 0,
                deferred: BTreeMap::new(),
                dsn: BTreeMap::new(),
                latency: Histogram::new(LATENCY_BOUNDS),
                attempt: Histogram::new(ATTEMPT_BOUNDS),
            }),
        }
    }

    pub(crate) fn record(&self, kind: &EventKind) {
        let mut c = self.c.lock().unwrap_or_else(|e| e.into_inner());
        match kind {
            EventKind::Received { .. } => c.received += 1,
            EventKind::Attempt { duration, .. } => {
                c.attempts += 1;
                c.attempt.observe(*duration);
            }
            EventKind::Delivered { delay, .. } => {
                c.delivered += 1;
                c.latency.observe(*delay);
            }
            EventKind::Deferred { reason, .. } => {
                *c.deferred.entry(reason.clone()).or_default() += 1;
            }
            EventKind::Failed { .. } => c.failed += 1,
            EventKind::Expired { .. } => {
                c.expired += 1;
                c.failed += 1;
            }
            EventKind::DsnSent { action, .. } => *c.dsn.entry(action.clone()).or_default() += 1,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets() {
        let mut h = Histogram::new(&[1.0, 10.0]);
        for v in [0.5, 1.0, 5.0, 100.0, f64::NAN] {
            h.observe(v);
        }
        assert_eq!(h.counts, [3, 1, 1]);
        assert_eq!(h.cumulative(), [3, 4, 5]);
        assert_eq!(h.count, 5);
        assert!((h.sum - 106.5).abs() < 1e-9);
    }
}
