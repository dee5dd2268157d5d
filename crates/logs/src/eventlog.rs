//! The event log of mailway's own relay (`mailway serve`, JSON Lines; format in
//! `docs/event-log.md`): `received`, `attempt`, `delivered`, `deferred`, `failed`, `expired`,
//! `dsn-sent`, `deleted`, `quarantined`. Unknown fields are ignored, unknown events are counted
//! as unrecognised lines.

use std::borrow::Cow;
use std::str::FromStr;

use mailway_status::Reason;
use serde::Deserialize;

use crate::event::{Attempt, Dsn, Kind, Mta, NoticeKind, Span, Stage, Status, Transport};
use crate::frame::FrameCtx;
use crate::parse::{LineClass, Out};
use crate::reply::{remote_reply, stage_of};
use crate::time::parse_iso;

#[derive(Deserialize)]
struct Row<'a> {
    #[serde(borrow)]
    ts: Cow<'a, str>,
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    event: Cow<'a, str>,
    #[serde(borrow, default)]
    from: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    rcpts: Option<Vec<Cow<'a, str>>>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(borrow, default)]
    protocol: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    client: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    message_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    rcpt: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    relay: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    reply: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    last_reply: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    reason: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    status: Option<Cow<'a, str>>,
    #[serde(default)]
    delay: Option<f64>,
    #[serde(borrow, default)]
    dsn_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    action: Option<Cow<'a, str>>,
}

fn relay_host(r: &str) -> &str {
    // "mx.example.com [192.0.2.1]:25" → "mx.example.com"
    r.split([' ', '[']).next().unwrap_or(r)
}

/// Parses one event-log line.
pub fn parse_row(line: &[u8], frame: &mut FrameCtx, out: &mut Out<'_>) -> LineClass {
    let Ok(row) = serde_json::from_slice::<Row<'_>>(line) else {
        return LineClass::Skipped("not an event-log record");
    };
    let Some((stamp, _)) = parse_iso(row.ts.as_bytes(), false) else {
        return LineClass::Skipped("no time stamp or unknown layout");
    };
    out.proto.ts = stamp.resolve(&mut frame.zone);
    out.proto.mta = Mta::Mailway;
    out.proto.line = out.span(line);
    out.proto.daemon = out.span(b"mailway");
    let qid = out.span(row.id.as_bytes());
    let s = |o: &mut Out<'_>, v: &Option<Cow<'_, str>>| {
        v.as_deref().map_or(Span::EMPTY, |x| o.span(x.as_bytes()))
    };
    match row.event.as_ref() {
        "received" => {
            let from = s(out, &row.from);
            let message_id = {
                let m = row.message_id.as_deref().unwrap_or("");
                let m = m
                    .strip_prefix('<')
                    .and_then(|x| x.strip_suffix('>'))
                    .unwrap_or(m);
                out.span(m.as_bytes())
            };
            let client = s(out, &row.client);
            let protocol = row.protocol.as_deref().unwrap_or("");
            let rcpts = row.rcpts.as_deref().unwrap_or(&[]);
            out.push(
                qid,
                Kind::Arrival {
                    from,
                    size: row.size.unwrap_or(0),
                    message_id,
                    client,
                    parent: Span::EMPTY,
                    local: protocol == "dsn" || protocol == "HTTP",
                    nrcpt: rcpts.len() as u32,
                },
            );
            for r in rcpts {
                let sp = out.span(r.as_bytes());
                out.push(qid, Kind::Recipient(sp));
            }
            LineClass::Event
        }
        "delivered" | "deferred" | "failed" | "expired" => {
            let Some(rcpt) = row.rcpt.as_deref() else {
                return LineClass::Unknown;
            };
            let text: &str = row
                .reply
                .as_deref()
                .or(row.last_reply.as_deref())
                .unwrap_or("");
            let status = match row.event.as_ref() {
                "delivered" => Status::Sent,
                "deferred" => Status::Deferred,
                _ => Status::Bounced,
            };
            let dsn = match row.status.as_deref() {
                Some(d) => Dsn::parse(d.as_bytes()).map(|x| x.0),
                None => Dsn::parse(remote_reply(text.as_bytes()).1).map(|x| x.0),
            };
            let stage = if status == Status::Sent {
                Stage::Unknown
            } else {
                stage_of(text.as_bytes())
            };
            let relay = row.relay.as_deref().unwrap_or("");
            let [rcpt_s, relay_s, host_s, text_s] = out.spans([
                rcpt.as_bytes(),
                relay.as_bytes(),
                relay_host(relay).as_bytes(),
                text.as_bytes(),
            ]);
            // mailway's own log states the reason (and the expiry) itself
            let known = if row.event == "expired" {
                Some(Reason::Expired)
            } else {
                row.reason.as_deref().and_then(|r| Reason::from_str(r).ok())
            };
            let (norm, reason) = out.failure(status, dsn, text.as_bytes(), stage, known);
            out.push(
                qid,
                Kind::Attempt(Attempt {
                    rcpt: rcpt_s,
                    orig: Span::EMPTY,
                    relay: relay_s,
                    relay_host: host_s,
                    status,
                    dsn,
                    text: text_s,
                    norm,
                    delay: row.delay.map(|d| d as f32),
                    stage,
                    reason,
                    hop: Span::EMPTY,
                    transport: Transport::Smtp,
                }),
            );
            LineClass::Event
        }
        "dsn-sent" => {
            let kind = match row.action.as_deref() {
                Some("delayed") => NoticeKind::Delay,
                Some("relayed") | Some("delivered") => NoticeKind::Success,
                _ => NoticeKind::NonDelivery,
            };
            let child = s(out, &row.dsn_id);
            out.push(qid, Kind::Notice { kind, child });
            LineClass::Event
        }
        "deleted" => {
            out.push(qid, Kind::Deleted);
            LineClass::Event
        }
        "attempt" | "quarantined" => LineClass::Info,
        _ => LineClass::Unknown,
    }
}
