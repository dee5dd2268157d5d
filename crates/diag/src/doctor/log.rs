//! `mailway doctor --log FILES --message QUERY`: from a message traced through the mail logs
//! (`mailway_logs::trace`) to the recipients the doctor diagnoses. Pure.
//!
//! Each recipient of the traced message (not of the bounce or delay notifications it caused)
//! that is still deferred, bounced or expired becomes a [`RecipientInfo`] with the last
//! attempt's enhanced status, reason, reply and relay host; its log lines (every deferral and
//! the final failure) are the evidence.

use mailway_logs::pipeline::{self, PipelineOptions, ReadError, Source};
use mailway_logs::trace::{MessageTrace, Query, TraceEvent, Tracer};
use mailway_logs::{CorrelateOptions, Correlator, RcptState};

use super::RecipientInfo;
use super::sending::mta_name;

/// Traces `query` (queue id, Message-ID, sender or recipient) through `sources` with
/// `mailway_logs` (the same trace as `mailway logs trace`): the stories of the matching
/// messages, times in `opts.zone`.
pub fn trace_logs(
    sources: Vec<Source>,
    query: &str,
    opts: &PipelineOptions,
) -> Result<Vec<Vec<MessageTrace>>, ReadError> {
    let mut c = Correlator::new(CorrelateOptions::default(), Tracer::new(Query::new(query)));
    pipeline::run(sources, opts, &mut c)?;
    let (tracer, ..) = c.finish();
    Ok(tracer.finish(&opts.zone))
}

/// Log lines kept as evidence per recipient (the first attempts and the last ones).
const MAX_LINES: usize = 8;

fn relay_host(relay: &str) -> Option<String> {
    // `mx.example.com[192.0.2.1]:25`, `[192.0.2.1]:25`, `none`, `local`
    let r = relay.trim();
    if r.is_empty() || r == "none" || r == "local" || r.starts_with("private/") {
        return None;
    }
    let host = match r.split_once('[') {
        Some(("", rest)) => rest.split(']').next().unwrap_or(""),
        Some((h, _)) => h,
        None => r.rsplit_once(':').map_or(r, |(h, p)| {
            if p.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                r
            }
        }),
    };
    let h = mta_name(host);
    (!h.is_empty()).then_some(h)
}

fn is_failure(e: &TraceEvent) -> bool {
    matches!(e.kind, "deferred" | "bounced" | "expired")
}

fn line(e: &TraceEvent, lang: super::Lang) -> String {
    super::i18n::tr(
        lang,
        "ev-log",
        &[("line", format!("{} {}: {}", e.time, e.program, e.text))],
    )
}

/// The failed or delayed recipients of the traced messages (see the module doc), and the
/// envelope sender of the first one.
pub fn recipients_from_trace(
    stories: &[Vec<MessageTrace>],
) -> (Vec<RecipientInfo>, Option<String>) {
    recipients_from_trace_in(stories, super::Lang::En)
}

/// [`recipients_from_trace`] with the evidence summaries in `lang` (log lines stay as logged).
pub fn recipients_from_trace_in(
    stories: &[Vec<MessageTrace>],
    lang: super::Lang,
) -> (Vec<RecipientInfo>, Option<String>) {
    let mut out: Vec<RecipientInfo> = Vec::new();
    let mut sender = None;
    for m in stories.iter().flatten() {
        // Notifications (bounce, delay) carry the sender's address as recipient: not ours.
        if m.parent_relation.is_some_and(|r| r != "hop") {
            continue;
        }
        for r in &m.recipients {
            let action = match r.state {
                RcptState::Pending if r.deferrals > 0 => "delayed",
                RcptState::Bounced | RcptState::Expired => "failed",
                _ => continue,
            };
            let addr = r.address.trim_matches(['<', '>']).to_string();
            let Some((_, domain)) = addr.rsplit_once('@') else {
                continue;
            };
            let domain = domain.to_ascii_lowercase();
            let evs: Vec<&TraceEvent> = m
                .events
                .iter()
                .filter(|e| is_failure(e))
                .filter(|e| {
                    e.recipient
                        .as_deref()
                        .is_none_or(|x| x.trim_matches(['<', '>']).eq_ignore_ascii_case(&addr))
                })
                .collect();
            let last = evs.iter().rev().find(|e| e.recipient.is_some()).copied();
            let mut evidence: Vec<String> = if evs.len() > MAX_LINES {
                let mut v: Vec<String> = evs[..2].iter().map(|e| line(e, lang)).collect();
                v.push(super::i18n::tr(
                    lang,
                    "ev-log-more",
                    &[("count", (evs.len() - MAX_LINES).to_string())],
                ));
                v.extend(
                    evs[evs.len() - (MAX_LINES - 2)..]
                        .iter()
                        .map(|e| line(e, lang)),
                );
                v
            } else {
                evs.iter().map(|e| line(e, lang)).collect()
            };
            if evidence.is_empty() {
                evidence.push(super::i18n::tr(
                    lang,
                    "ev-log-in-queue",
                    &[
                        ("recipient", addr.clone()),
                        ("queue", m.queue_id.clone()),
                        ("deferrals", r.deferrals.to_string()),
                    ],
                ));
            }
            if sender.is_none() {
                sender = m.sender.clone().filter(|s| !s.is_empty());
            }
            out.push(RecipientInfo {
                recipient: addr,
                domain,
                action: Some(action.into()),
                status: last.and_then(|e| e.dsn.clone()),
                reason: r
                    .last_reason
                    .or_else(|| last.and_then(|e| e.reason))
                    .map_or("undefined", |x| x.as_str())
                    .to_string(),
                diagnostic: last.and_then(|e| e.reply.clone()),
                reason_rule: None,
                remote_mta: last.and_then(|e| e.relay.as_deref()).and_then(relay_host),
                will_retry_until: None,
                evidence,
            });
        }
    }
    (out, sender)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_hosts() {
        assert_eq!(
            relay_host("mx.example.com[192.0.2.1]:25").as_deref(),
            Some("mx.example.com")
        );
        assert_eq!(relay_host("[192.0.2.1]:25").as_deref(), Some("192.0.2.1"));
        assert_eq!(relay_host("none"), None);
        assert_eq!(
            relay_host("mx.example.com:25").as_deref(),
            Some("mx.example.com")
        );
        assert_eq!(
            relay_host("MX.Example.com.").as_deref(),
            Some("mx.example.com")
        );
    }
}
