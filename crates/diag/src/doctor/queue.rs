//! `mailway doctor --postfix --message QUERY`: from a message waiting in a mail queue (Postfix's
//! `postqueue -j`, read into [`mailway_monitor::QueueEntry`]) to the recipients the doctor
//! diagnoses. Pure.
//!
//! Each recipient still waiting with a reason (Postfix's `delay_reason`: the last reply, or the
//! local error such as `connect to mx.example.com[192.0.2.1]:25: Connection timed out`) becomes
//! a [`RecipientInfo`]: the enhanced status and reason come from that text
//! (`mailway_status`), the relay host from the names Postfix writes in it, and the queue entry
//! itself is the evidence.

use mailway_monitor::QueueEntry;

use super::sending::mta_name;
use super::{Lang, RecipientInfo};

/// True when `entry` is the message `query` names: its queue id, or (ASCII case-insensitively)
/// its sender or one of its recipients.
pub fn queue_matches(entry: &QueueEntry, query: &str) -> bool {
    let q = query.trim().trim_matches(['<', '>']);
    !q.is_empty()
        && (entry.id == q
            || entry.sender.eq_ignore_ascii_case(q)
            || entry
                .recipients
                .iter()
                .any(|r| r.address.eq_ignore_ascii_case(q)))
}

/// The recipients of `entries` that are still waiting with a reason (see the module doc), and
/// the envelope sender of the first such message. `now` (Unix seconds) dates the evidence.
pub fn recipients_from_queue(
    entries: &[&QueueEntry],
    now: i64,
    lang: Lang,
) -> (Vec<RecipientInfo>, Option<String>) {
    let mut out = Vec::new();
    let mut sender = None;
    for e in entries {
        for r in e.open_recipients() {
            let Some(text) = r.reason_text.as_deref().or(e.last_reply.as_deref()) else {
                continue; // not tried yet: nothing went wrong
            };
            let Some((_, domain)) = r.address.rsplit_once('@') else {
                continue;
            };
            let reply = mailway_status::parse_reply(text);
            let class = mailway_status::classify(&reply);
            let mut evidence = vec![super::i18n::tr(
                lang,
                "ev-queue",
                &[
                    ("recipient", r.address.clone()),
                    ("queue", e.id.clone()),
                    ("state", e.queue.clone()),
                    (
                        "age",
                        mailway_monitor::time::human_duration(now - e.arrival),
                    ),
                ],
            )];
            evidence.push(super::i18n::tr(
                lang,
                "ev-queue-reason",
                &[("reason", text.to_string())],
            ));
            if let Some(n) = r.attempts {
                evidence.push(super::i18n::tr(
                    lang,
                    "ev-queue-attempts",
                    &[("count", n.to_string())],
                ));
            }
            if sender.is_none() && !e.is_bounce() {
                sender = Some(e.sender.clone());
            }
            out.push(RecipientInfo {
                recipient: r.address.clone(),
                domain: domain.to_ascii_lowercase(),
                action: Some(
                    if r.state == "failed" {
                        "failed"
                    } else {
                        "delayed"
                    }
                    .into(),
                ),
                status: reply.status.map(|s| s.to_string()),
                reason: class.reason.as_str().to_string(),
                diagnostic: Some(text.to_string()),
                reason_rule: Some(class.rule),
                remote_mta: mailway_bounce::remote_host_in(text)
                    .map(|h| mta_name(&h))
                    .filter(|h| !h.is_empty()),
                will_retry_until: None,
                evidence,
            });
        }
    }
    (out, sender)
}

#[cfg(test)]
mod tests {
    use mailway_monitor::postfix::parse_postqueue_json;

    use super::*;

    const QUEUE: &str = concat!(
        r#"{"queue_name": "deferred", "queue_id": "E9D61BC71E", "arrival_time": 1795808197, "message_size": 717, "forced_expire": false, "sender": "root@lab.test", "recipients": [{"address": "f@tarpit.test", "delay_reason": "conversation with mx.tarpit.test[127.0.0.4] timed out while receiving the initial server greeting"}]}"#,
        "\n",
        r#"{"queue_name": "deferred", "queue_id": "99BDFBC72A", "arrival_time": 1795808216, "message_size": 758, "forced_expire": false, "sender": "newsletter@lab.test", "recipients": [{"address": "r10@tempfail.test", "delay_reason": "host mx.tempfail.test[127.0.0.11] said: 451 4.3.0 <r10@tempfail.test>: Temporary lookup failure (in reply to RCPT TO command)"}, {"address": "ok@tempfail.test"}]}"#,
        "\n",
        r#"{"queue_name": "active", "queue_id": "A1B2C3", "arrival_time": 1795808300, "message_size": 700, "forced_expire": false, "sender": "alice@lab.test", "recipients": [{"address": "new@x.test"}]}"#,
        "\n",
    );

    #[test]
    fn waiting_recipients_with_their_reply_relay_and_reason() {
        let entries = parse_postqueue_json(QUEUE).entries;
        let hit: Vec<&QueueEntry> = entries
            .iter()
            .filter(|e| queue_matches(e, "99BDFBC72A"))
            .collect();
        assert_eq!(hit.len(), 1);
        let (rs, sender) = recipients_from_queue(&hit, 1795808216 + 3600, Lang::En);
        assert_eq!(sender.as_deref(), Some("newsletter@lab.test"));
        assert_eq!(
            rs.len(),
            1,
            "the recipient never tried has nothing to diagnose"
        );
        let r = &rs[0];
        assert_eq!(r.recipient, "r10@tempfail.test");
        assert_eq!(r.domain, "tempfail.test");
        assert_eq!(r.action.as_deref(), Some("delayed"));
        assert_eq!(r.status.as_deref(), Some("4.3.0"));
        assert_eq!(r.remote_mta.as_deref(), Some("mx.tempfail.test"));
        assert!(r.evidence[0].contains("99BDFBC72A"), "{:?}", r.evidence);
        assert!(r.evidence[0].contains("1h"), "{:?}", r.evidence);
        assert!(r.evidence[1].contains("Temporary lookup failure"));
    }

    #[test]
    fn a_timeout_names_the_relay_and_is_a_network_problem() {
        let entries = parse_postqueue_json(QUEUE).entries;
        let hit: Vec<&QueueEntry> = entries
            .iter()
            .filter(|e| queue_matches(e, "<F@Tarpit.test>"))
            .collect();
        assert_eq!(hit.len(), 1, "found by recipient, case-insensitively");
        let (rs, _) = recipients_from_queue(&hit, 1795808197, Lang::Es);
        assert_eq!(rs[0].remote_mta.as_deref(), Some("mx.tarpit.test"));
        assert_eq!(rs[0].status, None);
        assert_eq!(rs[0].reason, "networkerror", "{:?}", rs[0]);
    }

    #[test]
    fn queries_that_match_nothing() {
        let entries = parse_postqueue_json(QUEUE).entries;
        for q in ["", "  ", "E9D61BC71", "nobody@x.test"] {
            assert!(!entries.iter().any(|e| queue_matches(e, q)), "{q:?}");
        }
        // a message not tried yet: found, but nothing to diagnose
        let fresh: Vec<&QueueEntry> = entries
            .iter()
            .filter(|e| queue_matches(e, "A1B2C3"))
            .collect();
        assert_eq!(fresh.len(), 1);
        assert!(recipients_from_queue(&fresh, 0, Lang::En).0.is_empty());
    }
}
