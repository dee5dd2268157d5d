//! "Why is this message still here?" in plain words: state per recipient, the last reply and
//! its classification (mailway-status), the next attempt and the expiry.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use mailway_spool::{LastReply, MessageRecord, QueueId, RcptState, opt_time_serde, time_serde};
use mailway_status::explain::{Explanation, Lang, explain_text};
use mailway_status::{Classification, Temporality, classify, parse_reply};
use serde::{Deserialize, Serialize};

use crate::metrics::DestinationStatus;
use crate::options::EngineOptions;
use crate::policy;

/// The explanation for one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhyReport {
    /// Queue id.
    pub id: QueueId,
    /// Envelope sender.
    pub sender: String,
    /// Arrival.
    #[serde(with = "time_serde")]
    pub arrival: SystemTime,
    /// Expiry (arrival + queue lifetime).
    #[serde(with = "time_serde")]
    pub expires: SystemTime,
    /// The next attempt for any recipient.
    #[serde(
        with = "opt_time_serde",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_attempt: Option<SystemTime>,
    /// When the delay warning goes to the sender (`relay.dsn.delay_warning` after arrival), for
    /// a message that still has recipients waiting that asked for one and were not warned yet.
    #[serde(
        with = "opt_time_serde",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub delay_warning_at: Option<SystemTime>,
    /// The message is itself a delivery notice (null sender `<>`): nobody is told when it fails.
    #[serde(default)]
    pub null_sender: bool,
    /// Held by an administrator: not tried until released (`mailway queue retry`).
    #[serde(default)]
    pub held: bool,
    /// A delivery attempt (or a notice) is running on it right now.
    #[serde(default)]
    pub active: bool,
    /// Made from a stopped daemon's spool: nothing is tried until `mailway serve` runs.
    #[serde(default)]
    pub offline: bool,
    /// The whole story in a few sentences.
    pub summary: String,
    /// Per recipient.
    pub recipients: Vec<RcptWhy>,
}

/// The explanation for one recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RcptWhy {
    /// The address.
    pub address: String,
    /// Its state.
    pub state: RcptState,
    /// Attempts so far.
    pub attempts: u32,
    /// When the last attempt ended.
    #[serde(
        with = "opt_time_serde",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_attempt: Option<SystemTime>,
    /// When it is tried next.
    #[serde(
        with = "opt_time_serde",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_attempt: Option<SystemTime>,
    /// The last reply or local error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reply: Option<String>,
    /// Who gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reply_from: Option<String>,
    /// True when the last reply is what a server said; false for a local error (connection
    /// refused, timeout, DNS failure, destination suspended).
    #[serde(default)]
    pub last_reply_smtp: bool,
    /// The last reply a server actually sent, when the last attempt ended in a local error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_server_reply: Option<String>,
    /// The server that sent [`RcptWhy::last_server_reply`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_server_reply_from: Option<String>,
    /// Classification of the last reply (reason, temporary or permanent). A local error is
    /// classified too (`networkerror`, `hostunknown`, `failedstarttls`, …; rule `local-error`),
    /// temporary while the recipient is retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
    /// The enhanced status of the final outcome (`2.0.0`, `5.1.1`, `5.4.7` = expired), once final.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_status: Option<String>,
    /// Deliveries to this recipient's domain are suspended until then after repeated connection
    /// failures (its mail is deferred without connecting).
    #[serde(
        with = "opt_time_serde",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_suspended_until: Option<SystemTime>,
    /// The connection failure that suspended the destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_error: Option<String>,
    /// The sender was already sent a delay warning for this recipient.
    #[serde(default)]
    pub delay_warned: bool,
    /// When a delay warning covering this recipient goes to the sender (it is waiting, asked
    /// for one (NOTIFY=DELAY, the default) and was not warned yet).
    #[serde(
        with = "opt_time_serde",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub delay_warning_at: Option<SystemTime>,
    /// The sender gets a failure notice if this recipient fails or expires (false for a
    /// notice itself, or when the sender asked for none with NOTIFY).
    #[serde(default)]
    pub failure_notice: bool,
    /// What the last reply means, its likely causes and what to do (`mailway explain`), in the
    /// language asked for; for recipients not delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_explained: Option<Explanation>,
    /// Plain-words explanation.
    pub explanation: String,
}

/// The reason word (mailway-status vocabulary) for a reply or local error.
pub(crate) fn reason_of(l: &LastReply) -> String {
    if l.smtp {
        let c = classify(&parse_reply(&l.text));
        if c.reason != mailway_status::Reason::Undefined {
            return c.reason.as_str().to_string();
        }
        return if l.text.starts_with("421") {
            "toomanyconn".into()
        } else {
            c.reason.as_str().to_string()
        };
    }
    local_reason(&l.text).to_string()
}

/// Reason for a local (non-SMTP) failure description.
pub(crate) fn local_reason(text: &str) -> &'static str {
    let t = text.to_ascii_lowercase();
    if t.contains("name service error") || t.contains("host not found") {
        "hostunknown"
    } else if t.contains("null mx") {
        "notaccept"
    } else if t.contains("tls") {
        "failedstarttls"
    } else if t.contains("administrator") {
        "onhold"
    } else {
        "networkerror"
    }
}

/// The classification of a reply; a local error gets its reason word with the temporality of
/// what the relay did with it (retried: temporary; failed: permanent).
fn classification(l: &LastReply, state: RcptState) -> Classification {
    if l.smtp {
        let mut c = classify(&parse_reply(&l.text));
        if c.reason == mailway_status::Reason::Undefined && l.text.starts_with("421") {
            c.reason = mailway_status::Reason::TooManyConn;
        }
        return c;
    }
    let reason = local_reason(&l.text)
        .parse()
        .unwrap_or(mailway_status::Reason::NetworkError);
    let permanent = state == RcptState::Failed;
    Classification {
        reason,
        temporality: if permanent {
            Temporality::Permanent
        } else {
            Temporality::Transient
        },
        hard_bounce: permanent && reason == mailway_status::Reason::NotAccept,
        rule: "local-error".into(),
        topic: None,
        provider: None,
    }
}

fn temporality_word(t: Temporality) -> &'static str {
    match t {
        Temporality::Transient => "temporary",
        Temporality::Permanent => "permanent",
        Temporality::Success => "success",
        Temporality::Unknown => "no code",
    }
}

/// A rough human duration: `3 days 4 hours`, `25 minutes`, `40 seconds`.
pub fn approx(d: Duration) -> String {
    let s = d.as_secs();
    let plural = |n: u64, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    if s >= 86400 {
        let h = (s % 86400) / 3600;
        if h > 0 {
            format!("{} {}", plural(s / 86400, "day"), plural(h, "hour"))
        } else {
            plural(s / 86400, "day")
        }
    } else if s >= 3600 {
        let m = (s % 3600) / 60;
        if m > 0 {
            format!("{} {}", plural(s / 3600, "hour"), plural(m, "minute"))
        } else {
            plural(s / 3600, "hour")
        }
    } else if s >= 60 {
        plural(s / 60, "minute")
    } else {
        plural(s, "second")
    }
}

fn when(t: SystemTime, now: SystemTime) -> String {
    let stamp = mailway_spool::time_serde::format(t);
    match t.duration_since(now) {
        Ok(d) if d.as_secs() == 0 => format!("now ({stamp})"),
        Ok(d) => format!("in {} ({stamp})", approx(d)),
        Err(e) => format!("{} ago ({stamp})", approx(e.duration())),
    }
}

/// What the engine knows beyond the record: whether it is running, whether a job is on the
/// message, and the state of its destinations.
pub(crate) struct Context<'a> {
    pub(crate) active: bool,
    pub(crate) offline: bool,
    pub(crate) dests: &'a HashMap<String, DestinationStatus>,
}

/// Builds the explanation.
pub(crate) fn explain(
    opts: &EngineOptions,
    rec: &MessageRecord,
    cx: &Context<'_>,
    now: SystemTime,
    lang: Lang,
) -> WhyReport {
    let active = cx.active;
    let dests = cx.dests;
    let null = rec.envelope.sender.is_empty();
    let expires = policy::expires_at(&opts.retry, rec.arrival, null);
    let warning_due = !null
        && !opts.dsn.delay_warning.is_zero()
        && rec.recipients.iter().any(|r| {
            !r.state.is_final() && !r.delay_notified && r.recipient.effective_notify().delay
        });
    let delay_warning_at = if warning_due {
        policy::delay_warning_at(opts.dsn.delay_warning, rec.arrival, expires)
    } else {
        None
    };
    let mut out = Vec::new();
    for r in &rec.recipients {
        let last = r.last_reply.as_ref();
        let suspended = if r.state.is_final() {
            None
        } else {
            dests
                .get(&r.recipient.domain())
                .and_then(|ds| ds.dead_until.filter(|t| *t > now).map(|t| (t, ds)))
        };
        let mut text = String::new();
        match r.state {
            RcptState::Delivered => {
                text.push_str(&format!(
                    "Delivered{}{}",
                    last.and_then(|l| l.remote_mta.as_deref())
                        .map(|m| format!(" to {m}"))
                        .unwrap_or_default(),
                    r.last_attempt
                        .map(|t| format!(" {}", when(t, now)))
                        .unwrap_or_default()
                ));
                if let Some(l) = last {
                    text.push_str(&format!(", which answered \"{}\".", l.text));
                } else {
                    text.push('.');
                }
            }
            RcptState::Failed => {
                let expired = r.final_status.as_deref() == Some("5.4.7");
                if expired {
                    text.push_str(&format!(
                        "Expired: it could not be delivered within the queue lifetime ({}) after {} attempts. ",
                        approx(expires.duration_since(rec.arrival).unwrap_or_default()),
                        r.attempts
                    ));
                } else {
                    text.push_str(&format!(
                        "Failed permanently ({}) after {} attempt{}. ",
                        r.final_status.as_deref().unwrap_or("5.0.0"),
                        r.attempts,
                        if r.attempts == 1 { "" } else { "s" }
                    ));
                }
                if let Some(l) = last {
                    text.push_str(&format!("Last reply: \"{}\"", l.text));
                    if let Some(m) = &l.remote_mta {
                        text.push_str(&format!(" from {m}"));
                    }
                    text.push_str(". ");
                }
                if null {
                    text.push_str("The message is itself a notice (null sender), so no failure notice is sent.");
                } else if r.recipient.effective_notify().failure {
                    text.push_str("The sender is sent a failure notice.");
                } else {
                    text.push_str("The sender asked for no failure notice (NOTIFY).");
                }
            }
            RcptState::Pending | RcptState::Deferred => {
                if rec.hold {
                    text.push_str("Held by an administrator: it is not tried until released (mailway queue retry). ");
                } else if active && r.next_attempt.is_none_or(|t| t <= now) {
                    text.push_str("Being delivered right now. ");
                }
                match last {
                    None => text.push_str("Not tried yet. "),
                    Some(l) => {
                        let c = classification(l, r.state);
                        text.push_str(&format!(
                            "Still in the queue because the last attempt ({} of {}) failed temporarily: ",
                            r.last_attempt
                                .map(|t| when(t, now))
                                .unwrap_or_else(|| "earlier".into()),
                            r.attempts
                        ));
                        if l.smtp {
                            text.push_str(&format!(
                                "{} answered \"{}\"",
                                l.remote_mta.as_deref().unwrap_or("the server"),
                                l.text
                            ));
                            text.push_str(&format!(
                                " (reason: {}, {}). ",
                                c.reason,
                                temporality_word(c.temporality)
                            ));
                        } else {
                            text.push_str(&format!(
                                "{} (reason: {}, {}). ",
                                l.text.trim_end_matches('.'),
                                c.reason,
                                temporality_word(c.temporality)
                            ));
                            if let Some(s) = &r.last_smtp_reply {
                                text.push_str(&format!(
                                    "The last answer from a server was \"{}\"{}. ",
                                    s.text,
                                    s.remote_mta
                                        .as_deref()
                                        .map(|m| format!(" from {m}"))
                                        .unwrap_or_default()
                                ));
                            }
                        }
                    }
                }
                if let Some((until, ds)) = suspended {
                    text.push_str(&format!(
                        "Deliveries to {} are suspended {} after repeated connection failures{}. ",
                        r.recipient.domain(),
                        when(until, now).replacen("in ", "for ", 1),
                        ds.last_error
                            .as_deref()
                            .map(|e| format!(" ({e})"))
                            .unwrap_or_default()
                    ));
                }
                if let Some(t) = r.next_attempt
                    && !rec.hold
                {
                    if t <= now && !active {
                        if cx.offline {
                            text.push_str(&format!(
                                "The next attempt was due {}; it is made as soon as `mailway serve` runs. ",
                                when(t, now)
                            ));
                        } else {
                            text.push_str(&format!(
                                "The next attempt is due now (since {}). ",
                                when(t, now)
                            ));
                        }
                    } else if t >= expires {
                        text.push_str(&format!(
                            "The last attempt is {}, when the queue lifetime ends. ",
                            when(t, now)
                        ));
                    } else {
                        text.push_str(&format!("Next attempt {}. ", when(t, now)));
                    }
                }
                text.push_str(&format!(
                    "If it still fails, the message expires {}",
                    when(expires, now)
                ));
                if null {
                    text.push_str(" (it is a notice itself, so nobody is told).");
                } else if r.recipient.effective_notify().failure {
                    text.push_str(" and the sender gets a failure notice (5.4.7).");
                } else {
                    text.push('.');
                }
                if !null
                    && r.recipient.effective_notify().delay
                    && !opts.dsn.delay_warning.is_zero()
                {
                    if r.delay_notified {
                        text.push_str(" The sender was already warned of the delay.");
                    } else if let Some(t) =
                        policy::delay_warning_at(opts.dsn.delay_warning, rec.arrival, expires)
                    {
                        text.push_str(&format!(
                            " A delay warning goes to the sender {}.",
                            when(t, now)
                        ));
                    }
                }
            }
        }
        out.push(RcptWhy {
            address: r.recipient.address.clone(),
            state: r.state,
            attempts: r.attempts,
            last_attempt: r.last_attempt,
            next_attempt: if r.state.is_final() {
                None
            } else {
                r.next_attempt
            },
            last_reply: last.map(|l| l.text.clone()),
            last_reply_from: last.and_then(|l| l.remote_mta.clone()),
            last_reply_smtp: last.is_some_and(|l| l.smtp),
            last_server_reply: match (last, &r.last_smtp_reply) {
                (Some(l), Some(s)) if !l.smtp => Some(s.text.clone()),
                _ => None,
            },
            last_server_reply_from: match (last, &r.last_smtp_reply) {
                (Some(l), Some(s)) if !l.smtp => s.remote_mta.clone(),
                _ => None,
            },
            classification: match (r.state, last) {
                (RcptState::Delivered, Some(l)) if !l.smtp => None,
                (_, Some(l)) => Some(classification(l, r.state)),
                (_, None) => None,
            },
            final_status: r.final_status.clone().filter(|_| r.state.is_final()),
            destination_suspended_until: suspended.map(|(t, _)| t),
            destination_error: suspended.and_then(|(_, ds)| ds.last_error.clone()),
            delay_warned: r.delay_notified,
            delay_warning_at: delay_warning_at.filter(|_| {
                !r.state.is_final() && !r.delay_notified && r.recipient.effective_notify().delay
            }),
            failure_notice: !null && r.recipient.effective_notify().failure,
            reply_explained: match (r.state, last) {
                (RcptState::Delivered, _) | (_, None) => None,
                (_, Some(l)) => {
                    // Explain the server's words when there are any, else the local error.
                    let t = match (&r.last_smtp_reply, l.smtp) {
                        (Some(s), false) => s.text.as_str(),
                        _ => l.text.as_str(),
                    };
                    Some(explain_text(t, lang))
                }
            },
            explanation: text.trim().to_string(),
        });
    }
    let waiting = out.iter().filter(|r| !r.state.is_final()).count();
    let summary = if waiting == 0 {
        "Every recipient is final (delivered or failed); the message leaves the queue.".to_string()
    } else {
        format!(
            "Queued {} ago; {} of {} recipient{} still to deliver. Next attempt {}; expires {}.",
            approx(now.duration_since(rec.arrival).unwrap_or_default()),
            waiting,
            out.len(),
            if out.len() == 1 { "" } else { "s" },
            rec.next_attempt()
                .map(|t| if t <= now && !active {
                    format!("was due {}", when(t, now))
                } else {
                    when(t, now)
                })
                .unwrap_or_else(|| "not scheduled".into()),
            when(expires, now)
        )
    };
    WhyReport {
        id: rec.id,
        sender: rec.envelope.sender.clone(),
        arrival: rec.arrival,
        expires,
        next_attempt: rec.next_attempt(),
        delay_warning_at,
        null_sender: null,
        held: rec.hold,
        active,
        offline: cx.offline,
        summary,
        recipients: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_words() {
        assert_eq!(approx(Duration::from_secs(40)), "40 seconds");
        assert_eq!(approx(Duration::from_secs(60)), "1 minute");
        assert_eq!(
            approx(Duration::from_secs(3 * 3600 + 120)),
            "3 hours 2 minutes"
        );
        assert_eq!(approx(Duration::from_secs(5 * 86400)), "5 days");
        assert_eq!(approx(Duration::from_secs(86400 + 7200)), "1 day 2 hours");
    }

    #[test]
    fn local_reasons() {
        assert_eq!(
            local_reason("connect to 127.0.0.1:25: Connection refused"),
            "networkerror"
        );
        assert_eq!(
            local_reason(
                "Host or domain name not found. Name service error for name=x type=MX: Host not found"
            ),
            "hostunknown"
        );
    }
}
