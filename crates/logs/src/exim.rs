//! Exim main log: `<=` arrival, `=>`/`->`/`>>` delivery, `==` deferral, `**` failure,
//! `Completed`, frozen messages, `retry timeout exceeded`; both message-id formats
//! (`1rXyZq-000ABC-DE` and 4.97+'s `1rXyZq-00000000ABC-DEFG`).

use mailway_status::Reason;
use memchr::memmem;

use crate::event::{Attempt, Dsn, Kind, Span, Stage, Status, Transport};
use crate::parse::{LineClass, Out};
use crate::reply::{remote_reply, stage_of};

/// Whether `t` is an Exim message id.
pub fn is_id(t: &[u8]) -> bool {
    let ok = |s: &[u8]| s.iter().all(u8::is_ascii_alphanumeric);
    match t.len() {
        16 => t[6] == b'-' && t[13] == b'-' && ok(&t[..6]) && ok(&t[7..13]) && ok(&t[14..]),
        23 => t[6] == b'-' && t[18] == b'-' && ok(&t[..6]) && ok(&t[7..18]) && ok(&t[19..]),
        _ => false,
    }
}

#[inline]
fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    memmem::find(h, n)
}

/// The value of ` K=` in `h`: up to the next space (quoted values up to the closing quote).
fn field<'b>(h: &'b [u8], key: &[u8]) -> Option<&'b [u8]> {
    let mut from = 0;
    while let Some(i) = find(&h[from..], key) {
        let at = from + i;
        if at == 0 || h[at - 1] == b' ' {
            let v = &h[at + key.len()..];
            if v.first() == Some(&b'"') {
                let e = v[1..]
                    .iter()
                    .position(|&c| c == b'"')
                    .map_or(v.len(), |e| e + 1);
                return Some(&v[1..e.min(v.len())]);
            }
            let e = memchr::memchr(b' ', v).unwrap_or(v.len());
            return Some(&v[..e]);
        }
        from = at + key.len();
    }
    None
}

/// `H=name (helo) [ip]:port` → `name` (or the ip when there is no name).
fn host_of(h: &[u8]) -> Option<&[u8]> {
    let i = find_lit!(h, b" H=")
        .map(|i| i + 3)
        .or_else(|| h.starts_with(b"H=").then_some(2))?;
    let v = &h[i..];
    if v.first() == Some(&b'[') {
        let e = memchr::memchr(b']', v)?;
        return Some(&v[1..e]);
    }
    let e = memchr::memchr(b' ', v).unwrap_or(v.len());
    Some(&v[..e])
}

/// Parses one Exim message (framing removed).
pub fn parse(msg: &[u8], out: &mut Out<'_>) -> LineClass {
    let mut m = msg;
    // syslog-delivered lines repeat the time stamp and pid
    if m.len() > 20 && m[4] == b'-' && m[10] == b' ' && m[13] == b':' {
        m = m[19..].trim_ascii_start();
    }
    if m.first() == Some(&b'[')
        && let Some(e) = memchr::memchr(b']', m)
        && m[1..e].iter().all(u8::is_ascii_digit)
    {
        m = m[e + 1..].trim_ascii_start();
    }
    let sp = memchr::memchr(b' ', m).unwrap_or(m.len());
    let first = &m[..sp];
    if !is_id(first) {
        return no_id(m, out);
    }
    let qid = out.span(first);
    let rest = m.get(sp + 1..).unwrap_or(&[]);
    if rest.len() >= 3 && rest[2] == b' ' {
        let flag = &rest[..2];
        let body = &rest[3..];
        match flag {
            b"<=" => return arrival(qid, body, out),
            b"=>" | b"->" | b">>" => return delivery(qid, body, Status::Sent, out),
            b"==" => return delivery(qid, body, Status::Deferred, out),
            b"**" => return delivery(qid, body, Status::Bounced, out),
            b"*>" | b"(=" | b"<>" => return LineClass::Info,
            _ => {}
        }
    }
    if rest.starts_with(b"Completed") {
        out.push(qid, Kind::Removed);
        return LineClass::Event;
    }
    if rest.starts_with(b"Frozen")
        || rest.starts_with(b"Message is frozen")
        || rest.starts_with(b"frozen")
    {
        out.push(qid, Kind::Held);
        return LineClass::Event;
    }
    if rest.starts_with(b"Unfrozen") || rest.starts_with(b"unfrozen") || rest.starts_with(b"thawed")
    {
        out.push(qid, Kind::Released);
        return LineClass::Event;
    }
    if rest.starts_with(b"removed by")
        || rest.starts_with(b"cancelled by")
        || rest.starts_with(b"Message removed")
    {
        out.push(qid, Kind::Deleted);
        return LineClass::Event;
    }
    if let Some(i) = find_lit!(rest, b" rejected after DATA")
        .or_else(|| find_lit!(rest, b" rejected by local_scan"))
    {
        let reply = rest[i..]
            .split(|&c| c == b':')
            .nth(1)
            .unwrap_or(&[])
            .trim_ascii();
        out.content_rejected(qid, reply);
        return LineClass::Event;
    }
    // anything else about a message (ACL logwrite, DKIM, TLS, SA...) is information
    LineClass::Info
}

fn no_id(m: &[u8], out: &mut Out<'_>) -> LineClass {
    if let Some(i) = find_lit!(m, b" rejected ") {
        let after = &m[i + 10..];
        let stage = if after.starts_with(b"RCPT") {
            Stage::Rcpt
        } else if after.starts_with(b"MAIL") {
            Stage::Mail
        } else if after.starts_with(b"EHLO") || after.starts_with(b"HELO") {
            Stage::Helo
        } else if after.starts_with(b"after DATA") || after.starts_with(b"DATA") {
            Stage::DataEnd
        } else if after.starts_with(b"connection") {
            Stage::Greeting
        } else {
            return LineClass::Info;
        };
        let reply = match find_lit!(after, b": ") {
            Some(j) => &after[j + 2..],
            None => &after[..0],
        };
        let to = if stage == Stage::Rcpt {
            let t = &after[4..];
            let t = t.trim_ascii_start();
            let e = find_lit!(t, b": ").unwrap_or(t.len());
            let a = &t[..e];
            a.strip_prefix(b"<")
                .map(|x| x.strip_suffix(b">").unwrap_or(x))
                .unwrap_or(a)
        } else {
            &after[..0]
        };
        let from = field(m, b"F=").unwrap_or(&[]);
        let from = from
            .strip_prefix(b"<")
            .map(|x| x.strip_suffix(b">").unwrap_or(x))
            .unwrap_or(from);
        let client = host_of(m).unwrap_or(&[]);
        out.reject(Span::EMPTY, stage, false, [reply, from, to, client]);
        return LineClass::Event;
    }
    LineClass::Info
}

fn arrival(qid: Span, body: &[u8], out: &mut Out<'_>) -> LineClass {
    let sp = memchr::memchr(b' ', body).unwrap_or(body.len());
    let sender = &body[..sp];
    let sender = if sender == b"<>" {
        &sender[..0]
    } else {
        sender
            .strip_prefix(b"<")
            .map(|x| x.strip_suffix(b">").unwrap_or(x))
            .unwrap_or(sender)
    };
    // the subject may contain anything: look for fields before it
    let fields = match find_lit!(body, b" T=\"") {
        Some(i) => &body[..i],
        None => body,
    };
    let size = field(fields, b"S=")
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mid = field(fields, b"id=").unwrap_or(&[]);
    let parent = field(fields, b"R=").filter(|v| is_id(v)).unwrap_or(&[]);
    let proto = field(fields, b"P=").unwrap_or(&[]);
    let client = host_of(fields).unwrap_or(&[]);
    let local = client.is_empty() || proto.starts_with(b"local");
    out.arrival(qid, [sender, mid, client, parent], size, local, 0);
    LineClass::Event
}

fn delivery(qid: Span, body: &[u8], status: Status, out: &mut Out<'_>) -> LineClass {
    if body.is_empty() {
        return LineClass::Unknown;
    }
    // address: up to the first space or ':' (failures: "** x@y: reason"), except that an
    // address with spaces (":defer: defer message@special") is followed by its <original>
    let mut addr_end = body
        .iter()
        .position(|&c| {
            c == b' ' || (c == b':' && status != Status::Sent && !body.starts_with(b":"))
        })
        .unwrap_or(body.len());
    let mut orig: &[u8] = &[];
    let mut rest: &[u8];
    if let Some(p) = find_lit!(body, b" <")
        && p > addr_end
        && body[addr_end..p].iter().all(|&c| c != b'=')
        && let Some(c) = memchr::memchr(b'>', &body[p..])
    {
        addr_end = p;
        orig = &body[p + 2..p + c];
        rest = &body[p + c + 1..];
    } else {
        rest = &body[addr_end..];
        let t = rest.trim_ascii_start();
        if t.starts_with(b"<")
            && let Some(c) = memchr::memchr(b'>', t)
        {
            orig = &t[1..c];
            rest = &t[c + 1..];
        }
    }
    let addr = &body[..addr_end];
    if addr.is_empty() {
        return LineClass::Unknown;
    }
    // the envelope recipient is the original address when Exim shows one
    let rcpt = if !orig.is_empty() && memchr::memchr(b'@', addr).is_none() {
        orig
    } else {
        addr
    };
    let orig = if rcpt == orig { &orig[..0] } else { orig };
    let router_at = find_lit!(rest, b"R=").unwrap_or(0);
    // the reason follows the first ": " after the router/transport fields (also after
    // "defer (-44)" and "H=host [ip]"), or directly after the address ("** x@y: Unrouteable")
    let text: &[u8] = if status == Status::Sent {
        field(rest, b"C=").unwrap_or(&[])
    } else {
        match find_lit!(&rest[router_at..], b": ") {
            Some(j) => &rest[router_at + j + 2..],
            None => match rest.trim_ascii_start().strip_prefix(b": ") {
                Some(r) => r,
                None => rest
                    .strip_prefix(b":")
                    .unwrap_or(&rest[..0])
                    .trim_ascii_start(),
            },
        }
    };
    let host = host_of(rest);
    let transport_name = field(rest, b"T=").unwrap_or(&[]);
    let transport = if host.is_some() || find_lit!(transport_name, b"smtp").is_some() {
        Transport::Smtp
    } else if find_lit!(transport_name, b"lmtp").is_some() {
        Transport::Lmtp
    } else if find_lit!(transport_name, b"pipe").is_some() {
        Transport::Pipe
    } else if !transport_name.is_empty() {
        Transport::Local
    } else {
        Transport::Other
    };
    let relay = host.unwrap_or(if transport_name.is_empty() {
        &rest[..0]
    } else {
        transport_name
    });
    let expired = status == Status::Bounced
        && (find_lit!(text, b"retry timeout exceeded").is_some()
            || find(
                text,
                b"retry time not reached for any host after a long failure period",
            )
            .is_some());
    let dsn = {
        let (_, t) = remote_reply(text);
        Dsn::parse(t).map(|d| d.0)
    };
    let stage = if status == Status::Sent {
        Stage::Unknown
    } else {
        stage_of(text)
    };
    let [rcpt, orig, relay_s, text_s] = out.spans([rcpt, orig, relay, text]);
    let (norm, reason) = out.failure(status, dsn, text, stage, expired.then_some(Reason::Expired));
    out.push(
        qid,
        Kind::Attempt(Attempt {
            rcpt,
            orig,
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
    LineClass::Event
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_id(b"10HmaX-0005vi-00"));
        assert!(is_id(b"10HmaX-000000005vi-0000"));
        assert!(!is_id(b"10HmaX-0005vi-0"));
        assert!(!is_id(b"H=(test)"));
    }

    #[test]
    fn fields() {
        let b =
            b"someone@some.domain H=mx (helo) [1.2.3.4]:25 P=esmtp S=123 id=abc@x T=\"S=9 R=x\"";
        assert_eq!(field(b, b"S="), Some(&b"123"[..]));
        assert_eq!(field(b, b"id="), Some(&b"abc@x"[..]));
        assert_eq!(host_of(b), Some(&b"mx"[..]));
    }
}
