//! A log summary (the JSON of `mailway logs summary --json`) turned into plot data: deferrals per
//! hour (gaps filled with zeros), deferrals by domain and by reason, and messages close to expiry.
//!
//! The summary is read through its JSON so that this crate only depends on its documented field
//! names (`hourly[].hour/deferred/...`, `by_domain[]`, `by_reason[]`, `pending[]`, `totals`).

use serde::{Deserialize, Serialize};

use crate::Series;
use crate::time::{format_rfc3339, parse_rfc3339};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReportIn {
    totals: TotalsIn,
    period: PeriodIn,
    by_domain: Vec<DomainIn>,
    by_reason: Vec<ReasonIn>,
    pending: Vec<PendingIn>,
    expired_messages: Vec<serde_json::Value>,
    hourly: Vec<HourIn>,
    queue_lifetime_s: i64,
}

/// Headline counts of the log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct TotalsIn {
    /// Messages received.
    pub received: u64,
    /// Recipient deliveries.
    pub delivered: u64,
    /// Deferred attempts.
    pub deferred_attempts: u64,
    /// Messages deferred at least once.
    pub deferred_messages: u64,
    /// Recipients bounced.
    pub bounced: u64,
    /// Messages expired.
    pub expired: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PeriodIn {
    first: Option<String>,
    last: Option<String>,
    zone: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DomainIn {
    domain: String,
    delivered: u64,
    deferred_attempts: u64,
    deferred_recipients: u64,
    bounced: u64,
    expired: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReasonIn {
    reason: String,
    deferred_attempts: u64,
    bounced: u64,
    expired: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PendingIn {
    queue_id: String,
    sender: Option<String>,
    recipients: Vec<String>,
    arrival: String,
    age_s: i64,
    time_left_s: i64,
    expiring_soon: bool,
    deferrals: u32,
    last_reason: Option<String>,
    last_text: Option<String>,
    held: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct HourIn {
    hour: String,
    delivered: u64,
    deferred: u64,
    bounced: u64,
    expired: u64,
}

/// Deferrals, deliveries and bounces in one hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HourPoint {
    /// Start of the hour (RFC 3339, in the log's zone).
    pub hour: String,
    /// Short label (`19:00`, or `27 19:00` on a new day).
    pub label: String,
    /// Deferred attempts.
    pub deferred: u64,
    /// Recipient deliveries.
    pub delivered: u64,
    /// Bounced recipients.
    pub bounced: u64,
    /// Expired messages.
    pub expired: u64,
}

/// Deferrals to one domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogDomainRow {
    /// Recipient domain.
    pub domain: String,
    /// Deferred attempts.
    pub deferred_attempts: u64,
    /// Recipients deferred at least once.
    pub deferred_recipients: u64,
    /// Deliveries.
    pub delivered: u64,
    /// Bounces.
    pub bounced: u64,
    /// Expiries.
    pub expired: u64,
}

/// Deferrals for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogReasonRow {
    /// Reason category.
    pub reason: String,
    /// Deferred attempts.
    pub deferred_attempts: u64,
    /// Bounces.
    pub bounced: u64,
    /// Expiries (by the reason of the last deferral).
    pub expired: u64,
}

/// A message still queued at the end of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogPendingRow {
    /// Queue id.
    pub queue_id: String,
    /// Sender.
    pub sender: String,
    /// Recipients not yet delivered.
    pub recipients: Vec<String>,
    /// Arrival.
    pub arrival: String,
    /// Age at the end of the log (s).
    pub age_s: i64,
    /// Time left before expiry (s).
    pub time_left_s: i64,
    /// Less than the warning threshold left.
    pub expiring_soon: bool,
    /// Deferrals so far.
    pub deferrals: u32,
    /// Reason of the last deferral.
    pub last_reason: Option<String>,
    /// Text of the last deferral.
    pub last_text: Option<String>,
    /// On hold.
    pub held: bool,
}

/// What the dashboard shows about the logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogView {
    /// First event of the log.
    pub first: Option<String>,
    /// Last event of the log.
    pub last: Option<String>,
    /// Zone of times and hours.
    pub zone: String,
    /// Headline counts.
    pub totals: TotalsIn,
    /// One point per hour from the first to the last hour with activity (at most
    /// `max_hours`, the latest kept), gaps filled with zeros.
    pub hourly: Vec<HourPoint>,
    /// Deferred attempts per hour: the deferral plot.
    pub deferrals_per_hour: Series,
    /// Domains with deferrals, most first.
    pub by_domain: Vec<LogDomainRow>,
    /// Deferred attempts per domain (top rows): the by-domain plot.
    pub deferrals_by_domain: Series,
    /// Reasons with deferrals, bounces or expiries, most deferrals first.
    pub by_reason: Vec<LogReasonRow>,
    /// Deferred attempts per reason: the by-reason plot.
    pub deferrals_by_reason: Series,
    /// Messages still queued at the end of the log.
    pub pending: u64,
    /// Of which close to expiry (or overdue), soonest first.
    pub expiring: Vec<LogPendingRow>,
    /// Messages that expired during the log.
    pub expired_messages: u64,
    /// Queue lifetime the summary assumed (s).
    pub queue_lifetime_s: i64,
}

/// Options of [`LogView::from_report`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogViewOptions {
    /// Rows of the domain and reason plots (default 15).
    pub top: usize,
    /// Longest hourly series (default 14 days).
    pub max_hours: usize,
}

impl Default for LogViewOptions {
    fn default() -> Self {
        Self {
            top: 15,
            max_hours: 14 * 24,
        }
    }
}

/// A report that is not the JSON of `mailway logs summary`.
#[derive(Debug, thiserror::Error)]
#[error("not a mailway logs summary: {0}")]
pub struct ReportError(#[from] serde_json::Error);

fn label(t: i64, off: i64, prev_day: Option<i64>) -> String {
    let s = format_rfc3339(t, off);
    let day = (t + off).div_euclid(86_400);
    if prev_day.is_some_and(|p| p == day) {
        s[11..16].to_string()
    } else {
        format!("{} {}", &s[8..10], &s[11..16])
    }
}

impl LogView {
    /// Builds the view from the summary's JSON value.
    pub fn from_report(
        report: &serde_json::Value,
        opts: &LogViewOptions,
    ) -> Result<Self, ReportError> {
        let r = ReportIn::deserialize(report)?;
        // hourly, gaps filled
        let mut hours: Vec<(i64, i64, &HourIn)> = r
            .hourly
            .iter()
            .filter_map(|h| parse_rfc3339(&h.hour).map(|(t, o)| (t, o, h)))
            .collect();
        hours.sort_by_key(|h| h.0);
        let mut hourly: Vec<HourPoint> = Vec::new();
        if let (Some(first), Some(last)) = (hours.first(), hours.last()) {
            let start = first
                .0
                .max(last.0 - (opts.max_hours.max(1) as i64 - 1) * 3600);
            let mut it = hours.iter().peekable();
            let mut off = first.1;
            let mut t = start;
            let mut prev_day = None;
            while t <= last.0 {
                while it.peek().is_some_and(|h| h.0 < t) {
                    it.next();
                }
                let mut p = HourPoint {
                    hour: String::new(),
                    label: String::new(),
                    deferred: 0,
                    delivered: 0,
                    bounced: 0,
                    expired: 0,
                };
                // rows in the same hour (a zone change can repeat one) add up
                while let Some(h) = it.next_if(|h| h.0 < t + 3600) {
                    off = h.1;
                    p.deferred += h.2.deferred;
                    p.delivered += h.2.delivered;
                    p.bounced += h.2.bounced;
                    p.expired += h.2.expired;
                }
                p.hour = format_rfc3339(t, off);
                p.label = label(t, off, prev_day);
                prev_day = Some((t + off).div_euclid(86_400));
                hourly.push(p);
                t += 3600;
            }
        }
        let deferrals_per_hour = Series {
            labels: hourly.iter().map(|h| h.label.clone()).collect(),
            values: hourly.iter().map(|h| h.deferred).collect(),
        };
        let mut by_domain: Vec<LogDomainRow> = r
            .by_domain
            .into_iter()
            .filter(|d| d.deferred_attempts + d.bounced + d.expired > 0)
            .map(|d| LogDomainRow {
                domain: d.domain,
                deferred_attempts: d.deferred_attempts,
                deferred_recipients: d.deferred_recipients,
                delivered: d.delivered,
                bounced: d.bounced,
                expired: d.expired,
            })
            .collect();
        by_domain.sort_by(|a, b| {
            b.deferred_attempts
                .cmp(&a.deferred_attempts)
                .then(b.expired.cmp(&a.expired))
                .then(b.bounced.cmp(&a.bounced))
                .then_with(|| a.domain.cmp(&b.domain))
        });
        by_domain.truncate(opts.top);
        let plot_rows = |rows: Vec<(String, u64)>| {
            let rows: Vec<(String, u64)> = rows.into_iter().filter(|r| r.1 > 0).collect();
            Series {
                labels: rows.iter().map(|r| r.0.clone()).collect(),
                values: rows.iter().map(|r| r.1).collect(),
            }
        };
        let deferrals_by_domain = plot_rows(
            by_domain
                .iter()
                .map(|d| (d.domain.clone(), d.deferred_attempts))
                .collect(),
        );
        let mut by_reason: Vec<LogReasonRow> = r
            .by_reason
            .into_iter()
            .filter(|x| x.deferred_attempts + x.bounced + x.expired > 0)
            .map(|x| LogReasonRow {
                reason: x.reason,
                deferred_attempts: x.deferred_attempts,
                bounced: x.bounced,
                expired: x.expired,
            })
            .collect();
        by_reason.sort_by(|a, b| {
            b.deferred_attempts
                .cmp(&a.deferred_attempts)
                .then(b.expired.cmp(&a.expired))
                .then(b.bounced.cmp(&a.bounced))
                .then_with(|| a.reason.cmp(&b.reason))
        });
        by_reason.truncate(opts.top);
        let deferrals_by_reason = plot_rows(
            by_reason
                .iter()
                .map(|d| (d.reason.clone(), d.deferred_attempts))
                .collect(),
        );
        let pending = r.pending.len() as u64;
        let mut expiring: Vec<LogPendingRow> = r
            .pending
            .into_iter()
            .filter(|p| p.expiring_soon || p.time_left_s < 0)
            .map(|p| LogPendingRow {
                queue_id: p.queue_id,
                sender: p.sender.unwrap_or_default(),
                recipients: p.recipients,
                arrival: p.arrival,
                age_s: p.age_s,
                time_left_s: p.time_left_s,
                expiring_soon: p.expiring_soon,
                deferrals: p.deferrals,
                last_reason: p.last_reason,
                last_text: p.last_text,
                held: p.held,
            })
            .collect();
        expiring.sort_by(|a, b| {
            a.time_left_s
                .cmp(&b.time_left_s)
                .then_with(|| a.queue_id.cmp(&b.queue_id))
        });
        Ok(LogView {
            first: r.period.first,
            last: r.period.last,
            zone: r.period.zone,
            totals: r.totals,
            hourly,
            deferrals_per_hour,
            by_domain,
            deferrals_by_domain,
            by_reason,
            deferrals_by_reason,
            pending,
            expiring,
            expired_messages: r.expired_messages.len() as u64,
            queue_lifetime_s: r.queue_lifetime_s,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hours_filled_and_sorted() {
        let r = json!({
            "period": {"first": "2026-11-27T19:36:37+01:00", "last": "2026-11-28T00:10:00+01:00", "zone": "+01:00"},
            "hourly": [
                {"hour": "2026-11-28T00:00:00+01:00", "deferred": 1, "delivered": 0},
                {"hour": "2026-11-27T21:00:00+01:00", "deferred": 4, "delivered": 2, "bounced": 1},
                {"hour": "2026-11-27T23:00:00+01:00", "deferred": 0, "delivered": 1},
            ],
            "by_domain": [
                {"domain": "ok.test", "delivered": 9},
                {"domain": "b.test", "deferred_attempts": 2},
                {"domain": "a.test", "deferred_attempts": 2, "expired": 1},
                {"domain": "c.test", "bounced": 1},
            ],
            "by_reason": [
                {"reason": "blocked", "bounced": 1},
                {"reason": "networkerror", "deferred_attempts": 3},
                {"reason": "delivered"},
            ],
            "pending": [
                {"queue_id": "B", "recipients": ["x@a.test"], "time_left_s": 500, "expiring_soon": true},
                {"queue_id": "A", "recipients": ["y@a.test"], "time_left_s": -5, "expiring_soon": false},
                {"queue_id": "C", "recipients": ["z@a.test"], "time_left_s": 400000, "expiring_soon": false},
            ],
            "expired_messages": [{}, {}],
            "totals": {"deferred_attempts": 5, "expired": 2},
            "queue_lifetime_s": 432000,
        });
        let v = LogView::from_report(&r, &LogViewOptions::default()).unwrap();
        assert_eq!(v.deferrals_per_hour.values, vec![4, 0, 0, 1]);
        assert_eq!(
            v.deferrals_per_hour.labels,
            ["27 21:00", "22:00", "23:00", "28 00:00"]
        );
        assert_eq!(v.hourly[0].hour, "2026-11-27T21:00:00+01:00");
        assert_eq!(v.hourly[0].bounced, 1);
        assert_eq!(v.hourly[2].delivered, 1);
        let doms: Vec<&str> = v.by_domain.iter().map(|d| d.domain.as_str()).collect();
        assert_eq!(doms, ["a.test", "b.test", "c.test"]);
        assert_eq!(v.deferrals_by_domain.labels, ["a.test", "b.test"]);
        assert_eq!(v.by_reason[0].reason, "networkerror");
        assert_eq!(v.by_reason.len(), 2);
        assert_eq!(v.deferrals_by_reason.values, vec![3]);
        assert_eq!(v.pending, 3);
        let ids: Vec<&str> = v.expiring.iter().map(|p| p.queue_id.as_str()).collect();
        assert_eq!(ids, ["A", "B"]);
        assert_eq!(v.expired_messages, 2);
        assert_eq!(v.totals.deferred_attempts, 5);
        assert_eq!(v.zone, "+01:00");
    }

    #[test]
    fn long_logs_keep_the_latest_hours() {
        let r = json!({"hourly": [
            {"hour": "2026-01-01T00:00:00Z", "deferred": 7},
            {"hour": "2026-01-03T00:00:00Z", "deferred": 1},
        ]});
        let v = LogView::from_report(
            &r,
            &LogViewOptions {
                max_hours: 5,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(v.hourly.len(), 5);
        assert_eq!(v.deferrals_per_hour.values, vec![0, 0, 0, 0, 1]);
        assert_eq!(v.hourly[4].hour, "2026-01-03T00:00:00Z");
    }

    #[test]
    fn empty_and_wrong_input() {
        let v = LogView::from_report(&json!({}), &LogViewOptions::default()).unwrap();
        assert!(v.hourly.is_empty() && v.by_domain.is_empty() && v.expiring.is_empty());
        assert!(LogView::from_report(&json!({"hourly": 5}), &LogViewOptions::default()).is_err());
        assert!(LogView::from_report(&json!([1, 2]), &LogViewOptions::default()).is_err());
    }
}
