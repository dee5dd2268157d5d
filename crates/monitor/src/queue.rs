//! One queue snapshot (mailway's or Postfix's, same shape) and its statistics.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Series;
use crate::time::format_rfc3339;

/// One recipient of a queued message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueRcpt {
    /// The address.
    pub address: String,
    /// Its domain, lower-cased (`(none)` when it has none).
    pub domain: String,
    /// Where it stands: mailway `pending` / `deferred` / `delivered` / `failed`; Postfix
    /// `deferred` (it has a delay reason) or the message's queue name.
    pub state: String,
    /// Delivery attempts so far, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// Why it is still queued: the last reply or local error (Postfix `delay_reason`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_text: Option<String>,
}

impl QueueRcpt {
    /// A recipient; the domain is taken from the address.
    pub fn new(address: impl Into<String>, state: impl Into<String>) -> Self {
        let address = address.into();
        Self {
            domain: crate::domain_of(&address),
            address,
            state: state.into(),
            attempts: None,
            reason_text: None,
        }
    }

    /// True when nothing more will happen to it (delivered or failed).
    pub fn is_final(&self) -> bool {
        matches!(self.state.as_str(), "delivered" | "failed")
    }
}

/// One queued message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueEntry {
    /// Queue id.
    pub id: String,
    /// Queue or state of the whole message: Postfix `active` / `deferred` / `hold` / `incoming` /
    /// `maildrop`; mailway `active` (being delivered now), `hold`, `deferred` (a recipient
    /// was deferred) or `pending` (not tried yet).
    pub queue: String,
    /// Arrival, Unix seconds.
    pub arrival: i64,
    /// Size in bytes.
    pub size: u64,
    /// Envelope sender (empty, `<>` or `MAILER-DAEMON` for bounces).
    pub sender: String,
    /// Recipients.
    pub recipients: Vec<QueueRcpt>,
    /// Next attempt, Unix seconds, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt: Option<i64>,
    /// Expiry, Unix seconds, when the source knows it (else arrival + the queue lifetime).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<i64>,
    /// The last reply seen for the message, in short.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_reply: Option<String>,
}

impl QueueEntry {
    /// True for delivery status notifications (null sender).
    pub fn is_bounce(&self) -> bool {
        matches!(self.sender.as_str(), "" | "<>" | "MAILER-DAEMON")
    }

    /// The recipients still to deliver.
    pub fn open_recipients(&self) -> impl Iterator<Item = &QueueRcpt> {
        self.recipients.iter().filter(|r| !r.is_final())
    }

    /// The reply text that best tells why the message waits: the first open recipient's reason,
    /// else the message's last reply.
    pub fn reason_text(&self) -> Option<&str> {
        self.open_recipients()
            .find_map(|r| r.reason_text.as_deref())
            .or(self.last_reply.as_deref())
    }
}

/// A queue as seen at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueSnapshot {
    /// Where it came from (`mailway`, `postfix`, a spool path, an API address).
    pub source: String,
    /// When it was taken, Unix seconds.
    pub taken_at: i64,
    /// The messages.
    pub entries: Vec<QueueEntry>,
}

/// Options of [`QueueSnapshot::stats`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsOptions {
    /// Queue lifetime (s) for messages whose source gives no expiry (Postfix
    /// `maximal_queue_lifetime`, default 5 days).
    pub queue_lifetime: i64,
    /// Queue lifetime of bounces (s) (Postfix `bounce_queue_lifetime`, default 5 days).
    pub bounce_queue_lifetime: i64,
    /// Messages with less time left than this (s) are "close to expiry" (default 1 day).
    pub warn_within: i64,
    /// Rows of the domain and reason tables (default 15).
    pub top: usize,
    /// Rows of the message table (default 500, oldest first).
    pub max_messages: usize,
}

impl Default for StatsOptions {
    fn default() -> Self {
        Self {
            queue_lifetime: 5 * 86_400,
            bounce_queue_lifetime: 5 * 86_400,
            warn_within: 86_400,
            top: 15,
            max_messages: 500,
        }
    }
}

/// A label with a count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// The label.
    pub label: String,
    /// How many.
    pub count: u64,
}

/// One destination domain in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainRow {
    /// Recipient domain.
    pub domain: String,
    /// Open recipients queued for it.
    pub recipients: u64,
    /// Of which deferred (tried and failed temporarily).
    pub deferred: u64,
    /// Age of its oldest message (s).
    pub oldest_age_s: i64,
}

/// One reason why recipients wait (classified from their last reply by `mailway-status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonRow {
    /// Reason category (`greylisting`-like topics are folded into their reason:
    /// `blocked`, `networkerror`, `expired`, `systemerror`, ...).
    pub reason: String,
    /// Recipients with this reason.
    pub recipients: u64,
    /// One reply text with this reason, as an example.
    pub example: String,
}

/// A message close to its expiry (or past it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiringRow {
    /// Queue id.
    pub id: String,
    /// Sender.
    pub sender: String,
    /// Open recipients.
    pub recipients: Vec<String>,
    /// When it expires (RFC 3339, UTC).
    pub expires: String,
    /// Time left (s); negative: overdue.
    pub time_left_s: i64,
    /// Why it still waits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_text: Option<String>,
}

/// One row of the message table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageRow {
    /// Queue id.
    pub id: String,
    /// Queue or state.
    pub queue: String,
    /// Arrival (RFC 3339, UTC).
    pub arrival: String,
    /// Age (s).
    pub age_s: i64,
    /// Size in bytes.
    pub size: u64,
    /// Sender.
    pub sender: String,
    /// Open recipients (every recipient when all are final).
    pub recipients: Vec<String>,
    /// Reason category of the wait, when there is a reply to classify.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The reply or error text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_text: Option<String>,
    /// Time left before expiry (s).
    pub time_left_s: i64,
    /// Next attempt (RFC 3339, UTC), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt: Option<String>,
}

/// An age bucket of the age histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeBucket {
    /// Label (`<5m`, `5m-1h`, ...).
    pub label: &'static str,
    /// Upper bound (s, exclusive); `i64::MAX` for the last bucket.
    pub below: i64,
}

/// The buckets of [`QueueStats::age`].
pub const AGE_BUCKETS: [AgeBucket; 6] = [
    AgeBucket {
        label: "<5m",
        below: 300,
    },
    AgeBucket {
        label: "5m-1h",
        below: 3600,
    },
    AgeBucket {
        label: "1h-4h",
        below: 4 * 3600,
    },
    AgeBucket {
        label: "4h-1d",
        below: 86_400,
    },
    AgeBucket {
        label: "1d-3d",
        below: 3 * 86_400,
    },
    AgeBucket {
        label: ">=3d",
        below: i64::MAX,
    },
];

/// What the dashboard shows about one queue snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    /// Where the snapshot came from.
    pub source: String,
    /// When it was taken (RFC 3339, UTC).
    pub taken_at: String,
    /// Messages.
    pub messages: u64,
    /// Open recipients.
    pub recipients: u64,
    /// Of which deferred.
    pub deferred: u64,
    /// Bytes of content.
    pub bytes: u64,
    /// Age of the oldest message (s), none when empty.
    pub oldest_age_s: Option<i64>,
    /// Messages per queue name (`active`, `deferred`, `hold`, ...).
    pub by_queue: Vec<Count>,
    /// Open recipients per state.
    pub by_state: Vec<Count>,
    /// Messages per age bucket ([`AGE_BUCKETS`]): the age plot.
    pub age: Series,
    /// Open recipients per domain, most first.
    pub by_domain: Vec<DomainRow>,
    /// Open recipients per reason of their wait, most first.
    pub by_reason: Vec<ReasonRow>,
    /// Messages with less than `warn_within` left before expiry, soonest first.
    pub expiring: Vec<ExpiringRow>,
    /// Messages, oldest first (at most `max_messages`).
    pub table: Vec<MessageRow>,
    /// Messages left out of `table`.
    pub table_truncated: u64,
}

/// The reason category of a reply or error text (`mailway_status::classify_text`).
pub fn reason_of(text: &str) -> String {
    mailway_status::classify_text(text)
        .reason
        .as_str()
        .to_string()
}

fn counts(map: BTreeMap<String, u64>) -> Vec<Count> {
    let mut v: Vec<Count> = map
        .into_iter()
        .map(|(label, count)| Count { label, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    v
}

impl QueueSnapshot {
    /// A snapshot; entries are sorted oldest first (then by id).
    pub fn new(source: impl Into<String>, taken_at: i64, mut entries: Vec<QueueEntry>) -> Self {
        entries.sort_by(|a, b| a.arrival.cmp(&b.arrival).then_with(|| a.id.cmp(&b.id)));
        Self {
            source: source.into(),
            taken_at,
            entries,
        }
    }

    /// When `e` expires: its own expiry, else arrival + the applicable queue lifetime.
    pub fn expiry_of(e: &QueueEntry, opts: &StatsOptions) -> i64 {
        e.expires.unwrap_or_else(|| {
            e.arrival.saturating_add(if e.is_bounce() {
                opts.bounce_queue_lifetime
            } else {
                opts.queue_lifetime
            })
        })
    }

    /// The statistics of this snapshot (ages relative to `taken_at`).
    pub fn stats(&self, opts: &StatsOptions) -> QueueStats {
        let now = self.taken_at;
        let mut by_queue: BTreeMap<String, u64> = BTreeMap::new();
        let mut by_state: BTreeMap<String, u64> = BTreeMap::new();
        let mut domains: BTreeMap<String, DomainRow> = BTreeMap::new();
        let mut reasons: BTreeMap<String, ReasonRow> = BTreeMap::new();
        let mut age = vec![0u64; AGE_BUCKETS.len()];
        let mut expiring = Vec::new();
        let mut table = Vec::new();
        let (mut recipients, mut deferred, mut bytes) = (0u64, 0u64, 0u64);
        let mut oldest: Option<i64> = None;
        // one classification per distinct text
        let mut classified: BTreeMap<String, String> = BTreeMap::new();
        let mut classify = |t: &str| -> String {
            if let Some(r) = classified.get(t) {
                return r.clone();
            }
            let r = reason_of(t);
            classified.insert(t.to_string(), r.clone());
            r
        };
        for e in &self.entries {
            let age_s = (now - e.arrival).max(0);
            oldest = Some(oldest.map_or(age_s, |o: i64| o.max(age_s)));
            bytes += e.size;
            *by_queue.entry(e.queue.clone()).or_default() += 1;
            let b = AGE_BUCKETS
                .iter()
                .position(|b| age_s < b.below)
                .unwrap_or(AGE_BUCKETS.len() - 1);
            age[b] += 1;
            let mut open = Vec::new();
            for r in e.open_recipients() {
                recipients += 1;
                open.push(r.address.clone());
                *by_state.entry(r.state.clone()).or_default() += 1;
                let d = domains
                    .entry(r.domain.clone())
                    .or_insert_with(|| DomainRow {
                        domain: r.domain.clone(),
                        recipients: 0,
                        deferred: 0,
                        oldest_age_s: 0,
                    });
                d.recipients += 1;
                d.oldest_age_s = d.oldest_age_s.max(age_s);
                if r.state == "deferred" {
                    deferred += 1;
                    d.deferred += 1;
                }
                if let Some(t) = r.reason_text.as_deref().or(e.last_reply.as_deref())
                    && (r.state == "deferred" || r.reason_text.is_some())
                {
                    let reason = classify(t);
                    let row = reasons.entry(reason.clone()).or_insert_with(|| ReasonRow {
                        reason,
                        recipients: 0,
                        example: t.to_string(),
                    });
                    row.recipients += 1;
                }
            }
            let expires = Self::expiry_of(e, opts);
            let left = expires - now;
            let reason_text = e.reason_text().map(str::to_string);
            if left < opts.warn_within && !open.is_empty() {
                expiring.push(ExpiringRow {
                    id: e.id.clone(),
                    sender: e.sender.clone(),
                    recipients: open.clone(),
                    expires: format_rfc3339(expires, 0),
                    time_left_s: left,
                    reason_text: reason_text.clone(),
                });
            }
            if table.len() < opts.max_messages {
                table.push(MessageRow {
                    id: e.id.clone(),
                    queue: e.queue.clone(),
                    arrival: format_rfc3339(e.arrival, 0),
                    age_s,
                    size: e.size,
                    sender: e.sender.clone(),
                    recipients: if open.is_empty() {
                        e.recipients.iter().map(|r| r.address.clone()).collect()
                    } else {
                        open
                    },
                    reason: reason_text.as_deref().map(&mut classify),
                    reason_text,
                    time_left_s: left,
                    next_attempt: e.next_attempt.map(|t| format_rfc3339(t, 0)),
                });
            }
        }
        expiring.sort_by(|a, b| a.time_left_s.cmp(&b.time_left_s).then(a.id.cmp(&b.id)));
        let mut by_domain: Vec<DomainRow> = domains.into_values().collect();
        by_domain.sort_by(|a, b| {
            b.recipients
                .cmp(&a.recipients)
                .then(b.oldest_age_s.cmp(&a.oldest_age_s))
                .then_with(|| a.domain.cmp(&b.domain))
        });
        by_domain.truncate(opts.top);
        let mut by_reason: Vec<ReasonRow> = reasons.into_values().collect();
        by_reason.sort_by(|a, b| {
            b.recipients
                .cmp(&a.recipients)
                .then_with(|| a.reason.cmp(&b.reason))
        });
        by_reason.truncate(opts.top);
        QueueStats {
            source: self.source.clone(),
            taken_at: format_rfc3339(now, 0),
            messages: self.entries.len() as u64,
            recipients,
            deferred,
            bytes,
            oldest_age_s: oldest,
            by_queue: counts(by_queue),
            by_state: counts(by_state),
            age: Series {
                labels: AGE_BUCKETS.iter().map(|b| b.label.to_string()).collect(),
                values: age,
            },
            by_domain,
            by_reason,
            expiring,
            table_truncated: (self.entries.len() - table.len()) as u64,
            table,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        id: &str,
        arrival: i64,
        sender: &str,
        rcpts: &[(&str, &str, Option<&str>)],
    ) -> QueueEntry {
        QueueEntry {
            id: id.into(),
            queue: "deferred".into(),
            arrival,
            size: 100,
            sender: sender.into(),
            recipients: rcpts
                .iter()
                .map(|(a, s, t)| QueueRcpt {
                    reason_text: t.map(str::to_string),
                    ..QueueRcpt::new(*a, *s)
                })
                .collect(),
            next_attempt: None,
            expires: None,
            last_reply: None,
        }
    }

    #[test]
    fn reasons_are_classified() {
        // the status crate's categories, not our own guesses
        assert_eq!(
            reason_of("550 5.1.1 <x@example.com>: Recipient address rejected: User unknown"),
            "userunknown"
        );
        assert_ne!(
            reason_of("452 4.2.2 Mailbox full"),
            reason_of("550 5.1.1 User unknown")
        );
    }

    #[test]
    fn empty_queue() {
        let s = QueueSnapshot::new("x", 1000, vec![]).stats(&StatsOptions::default());
        assert_eq!(s.messages, 0);
        assert_eq!(s.oldest_age_s, None);
        assert_eq!(s.age.values, vec![0; 6]);
        assert!(s.by_domain.is_empty() && s.expiring.is_empty() && s.table.is_empty());
    }

    #[test]
    fn ages_domains_reasons_and_expiry() {
        let now = 10 * 86_400;
        let grey = "host mx.example.com[192.0.2.1] said: 450 4.2.0 <a@example.com>: Recipient address rejected: Greylisted (in reply to RCPT TO command)";
        let refused = "connect to mx.other.org[192.0.2.2]:25: Connection refused";
        let snap = QueueSnapshot::new(
            "test",
            now,
            vec![
                entry(
                    "NEW",
                    now - 60,
                    "a@x",
                    &[("a@example.com", "deferred", Some(grey))],
                ),
                entry(
                    "OLD",
                    now - 4 * 86_400 - 3600,
                    "b@x",
                    &[
                        ("b@Other.org", "deferred", Some(refused)),
                        ("c@other.org", "deferred", Some(refused)),
                        ("d@example.com", "delivered", None),
                    ],
                ),
                entry(
                    "MID",
                    now - 2 * 3600,
                    "",
                    &[("e@example.com", "pending", None)],
                ),
            ],
        );
        let s = snap.stats(&StatsOptions::default());
        assert_eq!(s.messages, 3);
        assert_eq!(s.recipients, 4, "delivered recipients are not open");
        assert_eq!(s.deferred, 3);
        assert_eq!(s.bytes, 300);
        assert_eq!(s.oldest_age_s, Some(4 * 86_400 + 3600));
        assert_eq!(s.age.values, vec![1, 0, 1, 0, 0, 1]);
        assert_eq!(s.age.max(), 1);
        // sorted oldest first
        assert_eq!(
            s.table.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            ["OLD", "MID", "NEW"]
        );
        assert_eq!(s.table[0].recipients, ["b@Other.org", "c@other.org"]);
        // two domains with 2 open recipients each: the one waiting longest first
        assert_eq!(s.by_domain[0].domain, "other.org");
        assert_eq!(s.by_domain[0].recipients, 2);
        assert_eq!(s.by_domain[0].deferred, 2);
        assert_eq!(s.by_domain[0].oldest_age_s, 4 * 86_400 + 3600);
        assert_eq!(s.by_domain[1].domain, "example.com");
        assert_eq!(s.by_domain[1].recipients, 2);
        assert_eq!(s.by_domain[1].deferred, 1);
        assert_eq!(s.by_domain[1].oldest_age_s, 2 * 3600);
        // by reason: the three deferred recipients, grouped by the status crate's category
        let (r_grey, r_refused) = (reason_of(grey), reason_of(refused));
        if r_grey == r_refused {
            assert_eq!(s.by_reason.len(), 1);
            assert_eq!(s.by_reason[0].recipients, 3);
        } else {
            assert_eq!(s.by_reason.len(), 2);
            assert_eq!(s.by_reason[0].reason, r_refused);
            assert_eq!(s.by_reason[0].recipients, 2);
            assert_eq!(s.by_reason[0].example, refused);
            assert_eq!(s.by_reason[1].reason, r_grey);
            assert_eq!(s.by_reason[1].recipients, 1);
        }
        assert_eq!(s.table[2].reason.as_deref(), Some(r_grey.as_str()));
        assert_eq!(s.table[1].reason, None, "pending, never tried: no reason");
        // OLD has 19h left of 5 days: close to expiry; the others are not
        assert_eq!(s.expiring.len(), 1);
        assert_eq!(s.expiring[0].id, "OLD");
        assert_eq!(s.expiring[0].time_left_s, 86_400 - 3600);
        assert_eq!(s.expiring[0].reason_text.as_deref(), Some(refused));
        let counts: Vec<(&str, u64)> = s
            .by_state
            .iter()
            .map(|c| (c.label.as_str(), c.count))
            .collect();
        assert_eq!(counts, [("deferred", 3), ("pending", 1)]);
    }

    #[test]
    fn expiry_from_source_and_bounce_lifetime() {
        let opts = StatsOptions {
            queue_lifetime: 1000,
            bounce_queue_lifetime: 100,
            warn_within: 50,
            ..Default::default()
        };
        let mut a = entry("A", 0, "MAILER-DAEMON", &[("x@y", "deferred", None)]);
        assert_eq!(QueueSnapshot::expiry_of(&a, &opts), 100);
        a.expires = Some(7);
        assert_eq!(QueueSnapshot::expiry_of(&a, &opts), 7);
        let b = entry("B", 0, "s@x", &[("x@y", "deferred", None)]);
        let s = QueueSnapshot::new("t", 60, vec![a, b]).stats(&opts);
        assert_eq!(s.expiring.len(), 1);
        assert_eq!(s.expiring[0].time_left_s, -53);
    }

    #[test]
    fn table_limit() {
        let entries = (0..10)
            .map(|i| entry(&format!("M{i}"), i, "s@x", &[("x@y", "pending", None)]))
            .collect();
        let s = QueueSnapshot::new("t", 100, entries).stats(&StatsOptions {
            max_messages: 4,
            ..Default::default()
        });
        assert_eq!(s.table.len(), 4);
        assert_eq!(s.table_truncated, 6);
        assert_eq!(s.messages, 10);
    }
}
