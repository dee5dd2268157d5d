//! Postfix's queue as printed by `postqueue -j` (Postfix 3.1+): one JSON object per line.
//!
//! ```text
//! {"queue_name": "deferred", "queue_id": "D2974BC70A", "arrival_time": 1795809176,
//!  "message_size": 791, "forced_expire": false, "sender": "alice@lab.test",
//!  "recipients": [{"address": "bob@x.test", "delay_reason": "connect to ...: Connection refused"}]}
//! ```

use serde::Deserialize;

use crate::queue::{QueueEntry, QueueRcpt};

#[derive(Debug, Deserialize)]
struct PqMessage {
    queue_name: String,
    queue_id: String,
    arrival_time: i64,
    #[serde(default)]
    message_size: u64,
    #[serde(default)]
    forced_expire: bool,
    #[serde(default)]
    sender: String,
    #[serde(default)]
    recipients: Vec<PqRcpt>,
}

#[derive(Debug, Deserialize)]
struct PqRcpt {
    address: String,
    #[serde(default)]
    delay_reason: Option<String>,
}

/// A line of `postqueue -j` output that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LineError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The result of [`parse_postqueue_json`]: the messages read and the lines that were not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Messages, in input order.
    pub entries: Vec<QueueEntry>,
    /// Lines that are not a queue entry (never fatal: the other lines still count).
    pub errors: Vec<LineError>,
}

impl Parsed {
    /// The messages read, or the first bad line when no line was a queue entry (the output of
    /// a `postqueue` that failed, or a file that is not its output).
    pub fn into_entries(self) -> Result<Vec<QueueEntry>, LineError> {
        match self.errors.into_iter().next() {
            Some(e) if self.entries.is_empty() => Err(e),
            _ => Ok(self.entries),
        }
    }
}

/// Parses `postqueue -j` output. Blank lines are skipped; bad lines are reported in
/// [`Parsed::errors`] with their number. Never panics.
///
/// Recipients with a `delay_reason` are `deferred`; others take the queue name (`active`,
/// `incoming`, `hold`, ...). A message with `forced_expire` (`postsuper -e`) gets the queue name
/// `expiring` unless it is on hold.
pub fn parse_postqueue_json(text: &str) -> Parsed {
    let mut out = Parsed::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<PqMessage>(line) {
            Ok(m) => {
                let queue = if m.forced_expire && m.queue_name != "hold" {
                    "expiring".to_string()
                } else {
                    m.queue_name
                };
                let recipients = m
                    .recipients
                    .into_iter()
                    .map(|r| {
                        let state = if r.delay_reason.is_some() {
                            "deferred".to_string()
                        } else {
                            queue.clone()
                        };
                        QueueRcpt {
                            reason_text: r.delay_reason.filter(|t| !t.is_empty()),
                            ..QueueRcpt::new(r.address, state)
                        }
                    })
                    .collect();
                out.entries.push(QueueEntry {
                    id: m.queue_id,
                    queue,
                    arrival: m.arrival_time,
                    size: m.message_size,
                    sender: m.sender,
                    recipients,
                    next_attempt: None,
                    expires: None,
                    last_reply: None,
                });
            }
            Err(e) => {
                let mut message = e.to_string();
                if line.starts_with("postqueue:") || !line.starts_with('{') {
                    message = format!("not a postqueue -j line: {:.120}", line);
                }
                out.errors.push(LineError {
                    line: i + 1,
                    message,
                });
            }
        }
    }
    out
}

/// Reads `postconf -h maximal_queue_lifetime bounce_queue_lifetime` output (two lines, Postfix
/// time units; a bare number means days, as in Postfix) into seconds.
pub fn parse_lifetimes(postconf_output: &str) -> Option<(i64, i64)> {
    let mut it = postconf_output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let one = |s: &str| -> Option<i64> {
        if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<i64>().ok()?.checked_mul(86_400)
        } else {
            crate::time::parse_duration(s)
        }
    };
    Some((one(it.next()?)?, one(it.next()?)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_or_the_first_bad_line() {
        let e = parse_postqueue_json("postqueue: fatal: Queue report unavailable\nx\n")
            .into_entries()
            .unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("not a postqueue -j line"), "{e:?}");
        assert!(parse_postqueue_json("").into_entries().unwrap().is_empty());
        // one good line: the bad ones do not make it an error
        let good = r#"{"queue_name": "active", "queue_id": "A1", "arrival_time": 10}"#;
        let v = parse_postqueue_json(&format!("garbage\n{good}\n"))
            .into_entries()
            .unwrap();
        assert_eq!(v.len(), 1);
    }

    #[test]
    fn reads_lines_and_reports_bad_ones() {
        let text = concat!(
            r#"{"queue_name": "active", "queue_id": "A1", "arrival_time": 10, "message_size": 5, "forced_expire": false, "sender": "", "recipients": [{"address": "x@Y.test"}]}"#,
            "\n\n",
            "garbage\n",
            r#"{"queue_name": "deferred", "queue_id": "B2", "arrival_time": 20, "message_size": 6, "forced_expire": true, "sender": "s@a", "recipients": [{"address": "p@q", "delay_reason": "lost connection"}, {"address": "r@q", "delay_reason": ""}]}"#,
            "\n",
            r#"{"queue_name": "hold", "queue_id": 7}"#,
            "\n",
        );
        let p = parse_postqueue_json(text);
        assert_eq!(p.entries.len(), 2);
        assert_eq!(p.entries[0].queue, "active");
        assert_eq!(p.entries[0].recipients[0].state, "active");
        assert_eq!(p.entries[0].recipients[0].domain, "y.test");
        assert!(p.entries[0].is_bounce());
        assert_eq!(p.entries[1].queue, "expiring");
        assert_eq!(p.entries[1].recipients[0].state, "deferred");
        assert_eq!(
            p.entries[1].recipients[0].reason_text.as_deref(),
            Some("lost connection")
        );
        assert_eq!(p.entries[1].recipients[1].reason_text, None);
        assert_eq!(p.errors.len(), 2);
        assert_eq!(p.errors[0].line, 3);
        assert!(p.errors[0].message.contains("garbage"));
        assert_eq!(p.errors[1].line, 5);
    }

    #[test]
    fn lifetimes() {
        assert_eq!(parse_lifetimes("5d\n5d\n"), Some((432_000, 432_000)));
        assert_eq!(parse_lifetimes("300s\n2\n"), Some((300, 172_800)));
        assert_eq!(parse_lifetimes("300s\n"), None);
        assert_eq!(parse_lifetimes("x\ny\n"), None);
    }
}
