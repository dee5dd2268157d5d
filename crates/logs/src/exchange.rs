//! Microsoft Exchange message tracking logs (`MSGTRK*.LOG`): CSV rows whose columns are named by
//! the `#Fields:` header. One row is one event (`RECEIVE`, `SEND`, `DELIVER`, `DEFER`, `FAIL`,
//! `DSN`, `DROP`, ...) for one message and one or more recipients (`;`-separated).
//!
//! Messages are keyed by their Message-ID, constant across transport hops and servers, so a
//! message tracked on several servers is one message; repeated `RECEIVE`/`SEND` rows of internal
//! hops do not count twice.

use mailway_status::Reason;

use crate::event::{Attempt, Dsn, Kind, NoticeKind, Span, Stage, Status, Transport};
use crate::frame::FrameCtx;
use crate::parse::{LineClass, Out};
use crate::reply::stage_of;
use crate::time::parse_iso;

/// Column positions of the fields mailway uses.
#[derive(Debug, Clone)]
pub struct Columns {
    date_time: usize,
    client_ip: usize,
    client_hostname: usize,
    server_ip: usize,
    server_hostname: usize,
    source_context: usize,
    source: usize,
    event_id: usize,
    internal_message_id: usize,
    message_id: usize,
    recipient_address: usize,
    recipient_status: usize,
    total_bytes: usize,
    recipient_count: usize,
    reference: usize,
    sender_address: usize,
    return_path: usize,
}

const DEFAULT_FIELDS: &str = "date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version";

impl Default for Columns {
    fn default() -> Self {
        Self::from_fields(DEFAULT_FIELDS)
    }
}

impl Columns {
    /// From a `#Fields:` value.
    pub fn from_fields(fields: &str) -> Self {
        let names: Vec<String> = fields
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .collect();
        let at = |n: &str| names.iter().position(|x| x == n).unwrap_or(usize::MAX);
        Self {
            date_time: at("date-time"),
            client_ip: at("client-ip"),
            client_hostname: at("client-hostname"),
            server_ip: at("server-ip"),
            server_hostname: at("server-hostname"),
            source_context: at("source-context"),
            source: at("source"),
            event_id: at("event-id"),
            internal_message_id: at("internal-message-id"),
            message_id: at("message-id"),
            recipient_address: at("recipient-address"),
            recipient_status: at("recipient-status"),
            total_bytes: at("total-bytes"),
            recipient_count: at("recipient-count"),
            reference: at("reference"),
            sender_address: at("sender-address"),
            return_path: at("return-path"),
        }
    }

    /// From the first block of a file (its `#Fields:` line), else the Exchange 2013+ default.
    pub fn from_head(head: &[u8]) -> Self {
        for line in head.split(|&c| c == b'\n').take(50) {
            let l = line.strip_suffix(b"\r").unwrap_or(line);
            let l = l.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(l);
            if let Some(f) = l.strip_prefix(b"#Fields:") {
                return Self::from_fields(&String::from_utf8_lossy(f));
            }
        }
        Self::default()
    }
}

/// Splits a CSV row into at most 64 fields (quotes removed; doubled quotes left as they are).
fn split_csv(line: &[u8], fields: &mut Vec<(usize, usize)>) {
    fields.clear();
    let mut i = 0;
    let n = line.len();
    loop {
        if i < n && line[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            loop {
                match memchr::memchr(b'"', &line[j..]) {
                    Some(q) => {
                        let q = j + q;
                        if line.get(q + 1) == Some(&b'"') {
                            j = q + 2;
                            continue;
                        }
                        fields.push((start, q));
                        i = q + 1;
                        break;
                    }
                    None => {
                        fields.push((start, n));
                        i = n;
                        break;
                    }
                }
            }
            // skip to the comma
            match memchr::memchr(b',', &line[i.min(n)..]) {
                Some(c) => i = i + c + 1,
                None => return,
            }
        } else {
            match memchr::memchr(b',', &line[i.min(n)..]) {
                Some(c) => {
                    fields.push((i, i + c));
                    i = i + c + 1;
                }
                None => {
                    fields.push((i.min(n), n));
                    return;
                }
            }
        }
        if fields.len() >= 64 {
            return;
        }
    }
}

/// Recipient statuses split to match `n` recipients (statuses may themselves contain `;`).
fn split_statuses(s: &[u8], n: usize) -> Vec<&[u8]> {
    if n <= 1 {
        return vec![s];
    }
    let parts: Vec<&[u8]> = s.split(|&c| c == b';').collect();
    if parts.len() == n {
        return parts;
    }
    // join pieces that do not start a new status ("250 ...", "To", "Cc", "Bcc")
    let mut out: Vec<&[u8]> = Vec::new();
    let mut start = 0usize;
    let mut pos = 0usize;
    for (k, p) in parts.iter().enumerate() {
        let new = k == 0
            || p.len() >= 3 && p[..3].iter().all(u8::is_ascii_digit)
            || *p == b"To"
            || *p == b"Cc"
            || *p == b"Bcc";
        if new && k > 0 {
            out.push(&s[start..pos - 1]);
            start = pos;
        }
        pos += p.len() + 1;
    }
    out.push(&s[start..s.len()]);
    out
}

/// Parses one row.
pub fn parse_row(line: &[u8], c: &Columns, frame: &mut FrameCtx, out: &mut Out<'_>) -> LineClass {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    if line.first() == Some(&b'#') {
        return LineClass::Info;
    }
    let mut f = Vec::with_capacity(32);
    split_csv(line, &mut f);
    let get = |i: usize| -> &[u8] { f.get(i).map_or(&[][..], |&(a, b)| &line[a..b]) };
    let Some((stamp, _)) = parse_iso(get(c.date_time), false) else {
        return LineClass::Skipped("no time stamp or unknown layout");
    };
    out.proto.ts = stamp.resolve(&mut frame.zone);
    out.proto.mta = crate::event::Mta::Exchange;
    out.proto.line = out.span(line);
    let server = get(c.server_hostname);
    out.proto.daemon = out.span(get(c.source));
    let mid = get(c.message_id);
    let key = if mid.is_empty() {
        get(c.internal_message_id)
    } else {
        mid
    };
    if key.is_empty() {
        return LineClass::Skipped("exchange row without message id");
    }
    let qid = out.span(key);
    let event = get(c.event_id);
    let rcpts: Vec<&[u8]> = get(c.recipient_address)
        .split(|&ch| ch == b';')
        .map(|r| r.trim_ascii())
        .filter(|r| !r.is_empty())
        .collect();
    let statuses = split_statuses(get(c.recipient_status), rcpts.len());
    let status_of = |k: usize| statuses.get(k).copied().unwrap_or(&[]).trim_ascii();
    match event {
        b"RECEIVE" => {
            let rp = get(c.return_path);
            let from = if rp.is_empty() {
                get(c.sender_address)
            } else {
                rp
            };
            let from = from
                .strip_prefix(b"<")
                .map(|x| x.strip_suffix(b">").unwrap_or(x))
                .unwrap_or(from);
            let size = std::str::from_utf8(get(c.total_bytes))
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let nrcpt = std::str::from_utf8(get(c.recipient_count))
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let ch = get(c.client_hostname);
            let client = if ch.is_empty() { get(c.client_ip) } else { ch };
            let local = get(c.source) == b"STOREDRIVER";
            out.arrival(qid, [from, mid, client, b""], size, local, nrcpt);
            for r in &rcpts {
                let s = out.span(r);
                out.push(qid, Kind::Recipient(s));
            }
            LineClass::Event
        }
        b"SEND" | b"DELIVER" | b"DEFER" | b"FAIL" | b"DELIVERFAIL" | b"RESUBMITDEFER"
        | b"RESUBMITFAIL" => {
            if rcpts.is_empty() {
                return LineClass::Info;
            }
            let relay = if server.is_empty() {
                get(c.server_ip)
            } else {
                server
            };
            let transport = if event == b"DELIVER" {
                Transport::Local
            } else {
                Transport::Smtp
            };
            for (k, r) in rcpts.iter().enumerate() {
                let mut text = status_of(k);
                if text.is_empty() || text == b"To" || text == b"Cc" || text == b"Bcc" {
                    text = get(c.source_context);
                }
                let dsn = crate::reply::remote_reply(text).1;
                let dsn = Dsn::parse(dsn).map(|d| d.0);
                let expired = find_lit!(text, b"QUEUE.Expired").is_some()
                    || dsn.is_some_and(|d| d.subject == 4 && d.detail == 7);
                let status = match event {
                    b"SEND" | b"DELIVER" => Status::Sent,
                    b"DEFER" | b"RESUBMITDEFER" => Status::Deferred,
                    _ => Status::Bounced,
                };
                let stage = if status == Status::Sent {
                    Stage::Unknown
                } else if event == b"DELIVERFAIL" {
                    Stage::Local
                } else {
                    stage_of(text)
                };
                let (rcpt, relay_s, text_s) = (out.span(r), out.span(relay), out.span(text));
                let known = (expired && status == Status::Bounced).then_some(Reason::Expired);
                let (norm, reason) = out.failure(status, dsn, text, stage, known);
                out.push(
                    qid,
                    Kind::Attempt(Attempt {
                        rcpt,
                        orig: Span::EMPTY,
                        relay: relay_s,
                        relay_host: relay_s,
                        status,
                        dsn,
                        text: text_s,
                        norm,
                        delay: None,
                        stage,
                        reason,
                        hop: Span::EMPTY,
                        transport,
                    }),
                );
            }
            LineClass::Event
        }
        b"DSN" => {
            // the DSN message's row; `reference` holds the Message-ID of the original
            let parent = get(c.reference);
            if parent.is_empty() {
                return LineClass::Info;
            }
            let st = get(c.recipient_status);
            let kind = if find_lit!(st, b"DELAY").is_some() || st.first() == Some(&b'4') {
                NoticeKind::Delay
            } else if st.first() == Some(&b'2') || find_lit!(st, b"RELAYED").is_some() {
                NoticeKind::Success
            } else {
                NoticeKind::NonDelivery
            };
            let p = out.span(parent);
            out.push(p, Kind::Notice { kind, child: qid });
            LineClass::Event
        }
        b"DROP" => {
            out.push(qid, Kind::Discarded);
            LineClass::Event
        }
        b"POISONMESSAGE" | b"BADMAIL" => {
            out.push(qid, Kind::Deleted);
            LineClass::Event
        }
        b"MODERATIONEXPIRE" => {
            out.push(qid, Kind::Expired { forced: false });
            LineClass::Event
        }
        b"SUBMIT"
        | b"HAREDIRECT"
        | b"HARECEIVE"
        | b"HADISCARD"
        | b"HAREDIRECTFAIL"
        | b"AGENTINFO"
        | b"NOTIFYMAPI"
        | b"NOTIFYSHADOW"
        | b"RESOLVE"
        | b"EXPAND"
        | b"REDIRECT"
        | b"TRANSFER"
        | b"PROCESS"
        | b"PROCESSMEETINGMESSAGE"
        | b"LOAD"
        | b"THROTTLE"
        | b"CLIENTSUBMISSION"
        | b"DUPLICATEDELIVER"
        | b"DUPLICATEEXPAND"
        | b"DUPLICATEREDIRECT"
        | b"INITMESSAGECREATED"
        | b"MODERATORAPPROVE"
        | b"MODERATORREJECT"
        | b"MODERATORSALLNDR"
        | b"RESUBMIT"
        | b"SUBMITDEFER"
        | b"SUBMITFAIL"
        | b"SUPPRESSED"
        | b"AGENT" => LineClass::Info,
        _ => LineClass::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv() {
        let l = br#"a,"b,c",,"d""e",f"#;
        let mut v = Vec::new();
        split_csv(l, &mut v);
        let s: Vec<&[u8]> = v.iter().map(|&(a, b)| &l[a..b]).collect();
        assert_eq!(s, vec![&b"a"[..], b"b,c", b"", b"d\"\"e", b"f"]);
    }

    #[test]
    fn statuses() {
        assert_eq!(
            split_statuses(b"550 4.4.7 QUEUE.Expired;message expired", 1).len(),
            1
        );
        let v = split_statuses(
            b"250 2.1.5 OK;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
            2,
        );
        assert_eq!(
            v,
            vec![
                &b"250 2.1.5 OK"[..],
                b"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"
            ]
        );
    }
}
