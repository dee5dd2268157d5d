//! `mailway logs trace QUERY [FILES]`: every message matching a queue id, Message-ID, sender or
//! recipient, with its whole timeline, each failure explained, the notifications it caused and
//! its fate.

use std::io::Write;
use std::process::ExitCode;

use mailway_logs::time::{Zone, fmt_duration, fmt_local};
use mailway_logs::trace::{MessageTrace, TraceEvent, TraceOptions, trace_sources};
use mailway_logs::{Fate, RcptState};
use serde::Serialize;

use super::{TraceArgs, duration, input};

#[derive(Serialize)]
struct Output<'a> {
    query: &'a str,
    inputs: Vec<String>,
    /// Families of messages: a message, then its content-filter hops and notifications.
    stories: &'a [Vec<MessageTrace>],
    /// SMTP rejections of the address (never queued).
    rejections: &'a [TraceEvent],
}

pub(super) fn run(a: TraceArgs) -> anyhow::Result<ExitCode> {
    let zone = a.read.zone()?;
    let lifetime = duration("--queue-lifetime", &a.queue_lifetime)?;
    let lang = super::explain::lang(a.lang.as_deref())?;
    let mut inputs = input::open(&a.files, &zone)?;
    let sources = std::mem::take(&mut inputs.sources);
    let opts = TraceOptions {
        zone: zone.clone(),
        year: a.read.pipeline(&zone).year,
        queue_lifetime: lifetime,
        limit: a.limit.max(1),
        explain: Some(lang),
        threads: Some(a.read.pipeline(&zone).threads),
    };
    let progress = !a.read.no_progress;
    let report = super::with_progress(&inputs, progress, || {
        trace_sources(sources, &a.query, &opts)
    })?;
    if a.read.verbose {
        super::report_skipped(&report.input_reports);
    }
    let last = report.end.unwrap_or(0);
    let (names, stories, rejections) = (report.inputs, report.stories, report.rejections);
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if a.json {
        serde_json::to_writer_pretty(
            &mut out,
            &Output {
                query: &a.query,
                inputs: names,
                stories: &stories,
                rejections: &rejections,
            },
        )?;
        writeln!(out)?;
    } else {
        render(
            &mut out,
            &a.query,
            &stories,
            &rejections,
            &zone,
            last,
            lifetime,
            lang,
        )?;
    }
    Ok(if stories.is_empty() && rejections.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn hhmmss(ts: i64, zone: &Zone) -> String {
    fmt_local(ts, zone)
}

#[allow(clippy::too_many_arguments)]
fn render(
    w: &mut dyn Write,
    query: &str,
    stories: &[Vec<MessageTrace>],
    rejections: &[TraceEvent],
    zone: &Zone,
    end: i64,
    lifetime: i64,
    lang: super::explain::Lang,
) -> std::io::Result<()> {
    if stories.is_empty() && rejections.is_empty() {
        writeln!(
            w,
            "No message matches {query:?} (queue id, Message-ID, sender or recipient)."
        )?;
        return Ok(());
    }
    let n = stories.len();
    for (i, family) in stories.iter().enumerate() {
        for (k, m) in family.iter().enumerate() {
            if k == 0 {
                writeln!(
                    w,
                    "━━ Message {} of {}: {} ({} on {}) ━━",
                    i + 1,
                    n,
                    m.queue_id,
                    m.mta,
                    if m.host.is_empty() { "-" } else { &m.host }
                )?;
            } else {
                writeln!(w)?;
                let rel = match m.parent_relation {
                    Some("hop") => "next hop (content filter or another MTA instance)".to_string(),
                    Some(r) => format!("{} notification", r.replace('_', "-")),
                    None => "related message".to_string(),
                };
                writeln!(
                    w,
                    "  └─ {}: {} of {}",
                    m.queue_id,
                    rel,
                    m.parent_queue_id.as_deref().unwrap_or("?")
                )?;
            }
            message(w, m, zone, end, lifetime, lang, k > 0)?;
        }
        writeln!(w)?;
    }
    if !rejections.is_empty() {
        writeln!(w, "Rejected during the SMTP conversation (never queued):")?;
        for r in rejections {
            writeln!(w, "  {}  {}", hhmmss(r.ts, zone), r.text)?;
        }
    }
    Ok(())
}

fn fate_words(m: &MessageTrace, end: i64, lifetime: i64) -> String {
    let n = m.recipients.len();
    let count = |s: RcptState| m.recipients.iter().filter(|r| r.state == s).count();
    let (d, b, e, p, f) = (
        count(RcptState::Delivered),
        count(RcptState::Bounced),
        count(RcptState::Expired),
        count(RcptState::Pending),
        count(RcptState::Forwarded),
    );
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(format!("{d} of {n} delivered"));
    }
    if f > 0 {
        parts.push(format!("{f} handed to the next hop"));
    }
    if b > 0 {
        parts.push(format!("{b} bounced"));
    }
    if e > 0 {
        parts.push(format!("{e} expired"));
    }
    if p > 0 {
        parts.push(format!("{p} still pending"));
    }
    let in_queue = (m.last - m.arrival) / 1_000_000;
    let head = match m.fate {
        Fate::Removed | Fate::Completed => "done".to_string(),
        Fate::Expired => format!(
            "expired after {} in the queue; returned to the sender",
            fmt_duration(in_queue)
        ),
        Fate::Deleted => "deleted by an administrator".to_string(),
        Fate::Rejected => "rejected after the content was received (never queued)".to_string(),
        Fate::Discarded => "discarded".to_string(),
        Fate::Pending => {
            let age = (end - m.arrival) / 1_000_000;
            let left = lifetime - age;
            if left >= 0 {
                format!(
                    "still in the queue at the end of the log ({} old, {} left before it expires)",
                    fmt_duration(age),
                    fmt_duration(left)
                )
            } else {
                format!(
                    "still in the queue at the end of the log ({} old, past the {} queue lifetime)",
                    fmt_duration(age),
                    fmt_duration(lifetime)
                )
            }
        }
        Fate::Abandoned => "the client went away before the message was queued".to_string(),
        Fate::Lost => "no more lines about it (the log does not say how it ended)".to_string(),
        Fate::Replaced => "its queue id was reused before its end was logged".to_string(),
    };
    if parts.is_empty() {
        head
    } else {
        format!("{head}: {}", parts.join(", "))
    }
}

#[allow(clippy::too_many_arguments)]
fn message(
    w: &mut dyn Write,
    m: &MessageTrace,
    zone: &Zone,
    end: i64,
    lifetime: i64,
    lang: super::explain::Lang,
    nested: bool,
) -> std::io::Result<()> {
    let ind = if nested { "     " } else { "  " };
    if let Some(mid) = &m.message_id {
        writeln!(w, "{ind}Message-ID  <{mid}>")?;
    }
    if let Some(s) = &m.sender {
        writeln!(
            w,
            "{ind}From        {}{}",
            if s.is_empty() {
                "<> (a bounce or notification)"
            } else {
                s
            },
            if m.size > 0 {
                format!("  ({} bytes)", m.size)
            } else {
                String::new()
            }
        )?;
    }
    let to: Vec<String> = m
        .recipients
        .iter()
        .map(|r| match &r.original {
            Some(o) => format!("{} (for {o})", r.address),
            None => r.address.clone(),
        })
        .collect();
    if !to.is_empty() {
        writeln!(w, "{ind}To          {}", to.join(", "))?;
    }
    writeln!(
        w,
        "{ind}Arrived     {}{}",
        hhmmss(m.arrival, zone),
        m.client
            .as_deref()
            .map(|c| format!(" from {c}"))
            .unwrap_or_default()
    )?;
    writeln!(w, "{ind}Fate        {}", fate_words(m, end, lifetime))?;
    writeln!(w)?;
    let mut explained: Vec<String> = Vec::new();
    let mut attempt_no: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for e in &m.events {
        let t = hhmmss(e.ts, zone);
        let t = &t[11..];
        let line = match e.kind {
            "received" => {
                "received".to_string()
                    + &m.client
                        .as_deref()
                        .map(|c| format!(" from {c}"))
                        .unwrap_or_default()
            }
            "message-id" => "Message-ID logged".into(),
            "queued" => "queued for delivery (queue manager took it)".into(),
            "delivered" | "deferred" | "bounced" | "expired" | "handed-off" => {
                let rc = e.recipient.clone().unwrap_or_default();
                let n = attempt_no.entry(rc.clone()).or_default();
                *n += 1;
                let via = e
                    .relay
                    .as_deref()
                    .map(|r| format!(" via {r}"))
                    .unwrap_or_default();
                let reply = e.reply.as_deref().unwrap_or("");
                match e.kind {
                    "delivered" => format!("delivered to <{rc}>{via} (attempt {n}): {reply}"),
                    "handed-off" => format!(
                        "handed to the next hop{via} for <{rc}>, continues as {}",
                        e.related_queue_id.as_deref().unwrap_or("?")
                    ),
                    "deferred" => format!("deferred <{rc}>{via} (attempt {n}): {reply}"),
                    "expired" => format!("gave up on <{rc}>{via}: {reply}"),
                    _ => format!("bounced <{rc}>{via} (attempt {n}): {reply}"),
                }
            }
            "notification" => format!(
                "{} generated: {}",
                e.text
                    .split(':')
                    .nth(1)
                    .map(str::trim)
                    .unwrap_or("notification"),
                e.related_queue_id.as_deref().unwrap_or("-")
            ),
            "removed" => "removed from the queue".into(),
            "deleted" => "deleted by an administrator".into(),
            "held" => "put on hold (no delivery until released)".into(),
            "released" => "released from hold".into(),
            "rejected" => format!("rejected: {}", e.text),
            "discarded" => "discarded".into(),
            "recipient" => format!("recipient <{}>", e.recipient.as_deref().unwrap_or("")),
            _ => e.text.clone(),
        };
        let line = if e.kind == "expired" && e.recipient.is_none() {
            "expired: the queue lifetime ran out; the message goes back to the sender".to_string()
        } else {
            line
        };
        writeln!(w, "{ind}{t}  {line}")?;
        if matches!(e.kind, "deferred" | "bounced" | "expired") && e.reply.is_some() {
            let key = format!("{:?}{:?}", e.reason, e.reply.as_deref().map(normalized));
            if !explained.contains(&key) {
                explained.push(key);
                if let Some(x) = &e.explanation {
                    for l in super::explain::lines(x, lang) {
                        writeln!(w, "{ind}          ↳ {l}")?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn normalized(s: &str) -> String {
    let mut v = Vec::new();
    mailway_logs::reply::normalize_into(s.as_bytes(), &mut v);
    String::from_utf8_lossy(&v).into_owned()
}
