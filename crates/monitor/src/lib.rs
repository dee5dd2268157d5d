//! Queue snapshots and log summaries turned into what a dashboard shows: counts, breakdowns,
//! time series and plot data. Pure: no I/O, no clock (`now` is passed in).
//!
//! Inputs:
//! - a mailway queue listing (the JSON of `GET /api/v1/queue`, see [`mailway::parse_api_list`]),
//!   or [`QueueEntry`] values built by the caller from spool records;
//! - a Postfix queue as printed by `postqueue -j` (JSON lines, [`postfix::parse_postqueue_json`]);
//! - a log summary: the JSON of `mailway logs summary --json` ([`logview::LogView::from_report`]).
//!
//! Outputs: [`QueueStats`] (per snapshot), [`History`] (samples over time), [`logview::LogView`]
//! (deferrals per hour, by domain, by reason, messages close to expiry). All are `Serialize`
//! and documented in `docs/monitor-api.md` (the dashboard's `/api/monitor/...` endpoints).
//!
//! ```
//! use mailway_monitor::{postfix, QueueSnapshot, StatsOptions};
//!
//! let line = r#"{"queue_name": "deferred", "queue_id": "D2974BC70A", "arrival_time": 1795809176, "message_size": 791, "forced_expire": false, "sender": "alice@lab.test", "recipients": [{"address": "bob@tempfail.test", "delay_reason": "host mx.tempfail.test[127.0.0.11] said: 451 4.3.0 Temporary lookup failure (in reply to RCPT TO command)"}]}"#;
//! let parsed = postfix::parse_postqueue_json(line);
//! assert!(parsed.errors.is_empty());
//! let snap = QueueSnapshot::new("postfix", 1795809176 + 3600, parsed.entries);
//! let stats = snap.stats(&StatsOptions::default());
//! assert_eq!(stats.messages, 1);
//! assert_eq!(stats.by_domain[0].domain, "tempfail.test");
//! assert_eq!(stats.oldest_age_s, Some(3600));
//! ```

pub mod history;
pub mod logview;
pub mod mailway;
pub mod postfix;
pub mod queue;
pub mod time;

pub use history::{History, Sample};
pub use logview::LogView;
pub use queue::{
    AgeBucket, Count, DomainRow, ExpiringRow, MessageRow, QueueEntry, QueueRcpt, QueueSnapshot,
    QueueStats, ReasonRow, StatsOptions,
};

/// A labelled series of counts: what a bar chart draws.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Series {
    /// One label per bar.
    pub labels: Vec<String>,
    /// One value per bar.
    pub values: Vec<u64>,
}

impl Series {
    /// The largest value (0 when empty).
    pub fn max(&self) -> u64 {
        self.values.iter().copied().max().unwrap_or(0)
    }
}

/// The domain of an address, lower-cased, without a trailing dot (`(none)` without an `@`).
pub fn domain_of(address: &str) -> String {
    let a = address.trim().trim_start_matches('<').trim_end_matches('>');
    match a.rsplit_once('@') {
        Some((_, d)) if !d.is_empty() => d.trim_end_matches('.').to_ascii_lowercase(),
        _ => "(none)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert_eq!(domain_of("Bob@Example.COM."), "example.com");
        assert_eq!(domain_of("<x@a.b>"), "a.b");
        assert_eq!(domain_of("root"), "(none)");
        assert_eq!(domain_of("x@"), "(none)");
    }
}
