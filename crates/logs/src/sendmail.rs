//! Sendmail: `from=` (arrival), `to=... stat=Sent|Deferred|<failure>`, `DSN:` lines (bounces,
//! delay warnings, `Cannot send message for N days` expiries), `ruleset=check_*` rejections.

use memchr::memmem;

use crate::event::{Attempt, Dsn, Kind, NoticeKind, Span, Stage, Status, Transport};
use crate::parse::{LineClass, Out};
use crate::reply::stage_of;

#[inline]
fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    memmem::find(h, n)
}

fn split_id(m: &[u8]) -> Option<(&[u8], &[u8])> {
    let n = m
        .iter()
        .take(24)
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    if !(8..=20).contains(&n) || m.get(n) != Some(&b':') || m.get(n + 1) != Some(&b' ') {
        return None;
    }
    if !m[..n].iter().any(u8::is_ascii_digit) {
        return None;
    }
    Some((&m[..n], &m[n + 2..]))
}

/// `key=value` in a sendmail field list (values end at `, `).
fn kv<'b>(h: &'b [u8], key: &[u8]) -> Option<&'b [u8]> {
    let mut from = 0;
    while let Some(i) = find(&h[from..], key) {
        let at = from + i;
        if at == 0 || h[at - 1] == b' ' || h[at - 1] == b',' {
            let v = &h[at + key.len()..];
            let e = find_lit!(v, b", ").unwrap_or(v.len());
            return Some(&v[..e]);
        }
        from = at + key.len();
    }
    None
}

fn strip_angle(v: &[u8]) -> &[u8] {
    let v = v.trim_ascii();
    v.strip_prefix(b"<")
        .map(|x| x.strip_suffix(b">").unwrap_or(x))
        .unwrap_or(v)
}

/// `HH:MM:SS` or `D+HH:MM:SS` → seconds.
fn delay_secs(v: &[u8]) -> Option<f32> {
    let s = std::str::from_utf8(v).ok()?;
    let (days, hms) = match s.split_once('+') {
        Some((d, r)) => (d.parse::<u32>().ok()?, r),
        None => (0, s),
    };
    let mut it = hms.split(':');
    let h: u32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let sec: u32 = it.next()?.parse().ok()?;
    Some((days * 86_400 + h * 3600 + m * 60 + sec) as f32)
}

/// Parses one Sendmail message.
pub fn parse(msg: &[u8], out: &mut Out<'_>) -> LineClass {
    let Some((id, rest)) = split_id(msg) else {
        if let Some(r) = msg.strip_prefix(b"ruleset=") {
            return ruleset(Span::EMPTY, r, out);
        }
        return LineClass::Info;
    };
    let qid = out.span(id);
    if let Some(v) = rest.strip_prefix(b"from=") {
        let from = strip_angle(kv(rest, b"from=").unwrap_or(v));
        let size = kv(rest, b"size=")
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let nrcpt = kv(rest, b"nrcpts=")
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mid = strip_angle(kv(rest, b"msgid=").unwrap_or(&[]));
        let relay = kv(rest, b"relay=").unwrap_or(&[]);
        let local = relay.is_empty()
            || relay.starts_with(b"localhost")
            || relay.starts_with(b"root@localhost")
            || find_lit!(relay, b"@localhost").is_some();
        out.arrival(qid, [from, mid, relay, b""], size, local, nrcpt);
        return LineClass::Event;
    }
    if rest.starts_with(b"to=") {
        return delivery(qid, rest, out);
    }
    if let Some(r) = rest.strip_prefix(b"ruleset=") {
        return ruleset(qid, r, out);
    }
    // "QID: NEWQID: DSN: text" / "return to sender:" / "postmaster notify:" / "sender notify:"
    if let Some((child, r)) = split_id(rest) {
        let (kind, text) = if let Some(t) = r
            .strip_prefix(b"DSN: ")
            .or_else(|| r.strip_prefix(b"return to sender: "))
        {
            let k = if t.starts_with(b"Return receipt") || t.starts_with(b"Delivery receipt") {
                NoticeKind::Success
            } else if t.starts_with(b"Warning: could not send message for past") {
                NoticeKind::Delay
            } else {
                NoticeKind::NonDelivery
            };
            (k, t)
        } else if let Some(t) = r.strip_prefix(b"postmaster notify: ") {
            (NoticeKind::Postmaster, t)
        } else if let Some(t) = r.strip_prefix(b"sender notify: ") {
            (NoticeKind::NonDelivery, t)
        } else {
            return LineClass::Info;
        };
        if text.starts_with(b"Cannot send message for") {
            out.push(qid, Kind::Expired { forced: false });
        }
        let child = out.span(child);
        out.push(qid, Kind::Notice { kind, child });
        return LineClass::Event;
    }
    if rest.starts_with(b"Milter") && find_lit!(rest, b"reject=").is_some() {
        let reply = kv(rest, b"reject=").unwrap_or(&[]);
        out.content_rejected(qid, reply);
        return LineClass::Event;
    }
    if rest.starts_with(b"<") && find_lit!(rest, b"... ").is_some() {
        // "<x@y>... User unknown" (RCPT rejected during the session)
        let e = find_lit!(rest, b"... ").unwrap_or(0);
        let to = strip_angle(&rest[..e]);
        let reply = &rest[e + 4..];
        out.reject(qid, Stage::Rcpt, false, [reply, b"", to, b""]);
        return LineClass::Event;
    }
    if rest.starts_with(b"done") {
        out.push(qid, Kind::Removed);
        return LineClass::Event;
    }
    LineClass::Info
}

fn ruleset(qid: Span, r: &[u8], out: &mut Out<'_>) -> LineClass {
    let Some(reply) = kv(r, b"reject=") else {
        return LineClass::Info;
    };
    let stage = if r.starts_with(b"check_rcpt") {
        Stage::Rcpt
    } else if r.starts_with(b"check_mail") {
        Stage::Mail
    } else if r.starts_with(b"check_relay") {
        Stage::Greeting
    } else {
        Stage::Unknown
    };
    let arg = strip_angle(kv(r, b"arg1=").unwrap_or(&[]));
    let client = kv(r, b"relay=").unwrap_or(&[]);
    let (from, to) = if stage == Stage::Mail {
        (arg, &arg[..0])
    } else {
        (&arg[..0], arg)
    };
    out.reject(qid, stage, false, [reply, from, to, client]);
    LineClass::Event
}

fn delivery(qid: Span, rest: &[u8], out: &mut Out<'_>) -> LineClass {
    // to= may list several addresses: up to the next known key
    let v = &rest[3..];
    let mut end = v.len();
    for k in [
        &b", ctladdr="[..],
        b", delay=",
        b", xdelay=",
        b", mailer=",
        b", pri=",
        b", relay=",
        b", dsn=",
        b", stat=",
    ] {
        if let Some(i) = find(v, k) {
            end = end.min(i);
        }
    }
    let to_list = &v[..end];
    let Some(stat) = kv(rest, b"stat=").map(|_| {
        let i = find_lit!(rest, b"stat=").unwrap_or(0) + 5;
        &rest[i..]
    }) else {
        return LineClass::Skipped("truncated delivery line");
    };
    let (status, text): (Status, &[u8]) = if let Some(t) = stat.strip_prefix(b"Sent") {
        let t = t.trim_ascii();
        let t = t
            .strip_prefix(b"(")
            .map(|x| x.strip_suffix(b")").unwrap_or(x))
            .unwrap_or(t);
        (Status::Sent, t)
    } else if let Some(t) = stat.strip_prefix(b"Deferred") {
        let t = t.strip_prefix(b":").unwrap_or(t).trim_ascii();
        (Status::Deferred, t)
    } else if stat.starts_with(b"queued") || stat.starts_with(b"Queued") {
        return LineClass::Info;
    } else {
        (Status::Bounced, stat.trim_ascii())
    };
    let dsn = kv(rest, b"dsn=").and_then(|d| Dsn::parse(d).map(|x| x.0));
    let status = match (status, dsn) {
        (Status::Sent, Some(d)) if d.class == 5 => Status::Bounced,
        (s, _) => s,
    };
    let delay = kv(rest, b"delay=").and_then(delay_secs);
    let relay = kv(rest, b"relay=").unwrap_or(&[]);
    let host = {
        let h = relay.split(|&c| c == b' ').next().unwrap_or(&[]);
        let h = h.strip_suffix(b".").unwrap_or(h);
        if h.starts_with(b"[") {
            h.strip_prefix(b"[")
                .and_then(|x| x.strip_suffix(b"]"))
                .unwrap_or(h)
        } else {
            h
        }
    };
    let mailer = kv(rest, b"mailer=").unwrap_or(&[]);
    let transport = match mailer {
        b"esmtp" | b"smtp" | b"relay" | b"dsmtp" | b"smtp8" => Transport::Smtp,
        b"local" | b"procmail" | b"cyrus" | b"cyrusv2" => Transport::Local,
        b"prog" => Transport::Pipe,
        _ => Transport::Other,
    };
    let stage = if status == Status::Sent {
        Stage::Unknown
    } else {
        stage_of(text)
    };
    let (relay_s, host_s, text_s) = (out.span(relay), out.span(host), out.span(text));
    let (norm, reason) = out.failure(status, dsn, text, stage, None);
    let mut any = false;
    for a in to_list.split(|&c| c == b',') {
        let a = strip_angle(a);
        if a.is_empty() {
            continue;
        }
        any = true;
        let rcpt = out.span(a);
        out.push(
            qid,
            Kind::Attempt(Attempt {
                rcpt,
                orig: Span::EMPTY,
                relay: relay_s,
                relay_host: host_s,
                status,
                dsn,
                text: text_s,
                norm,
                delay,
                stage,
                reason,
                hop: Span::EMPTY,
                transport,
            }),
        );
    }
    if any {
        LineClass::Event
    } else {
        LineClass::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays() {
        assert_eq!(delay_secs(b"00:10:31"), Some(631.0));
        assert_eq!(delay_secs(b"5+00:00:02"), Some(432_002.0));
        assert_eq!(delay_secs(b"x"), None);
    }
}
