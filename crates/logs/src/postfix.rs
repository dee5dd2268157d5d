//! Postfix log messages (the part after `postfix/daemon[pid]: `).
//!
//! The parser is driven by the message text, with the daemon name only as a hint, because some
//! framings lose it (rsyslog's RFC 5424 template logs the app-name `postfix` without the daemon).

use crate::scan::find_byte;

use crate::event::{Attempt, Dsn, Kind, NoticeKind, Stage, Status, Transport};
use crate::parse::{LineClass, Out};
use crate::reply::stage_of;

/// Whether a program-name component is a Postfix daemon.
pub fn is_daemon(d: &[u8]) -> bool {
    matches!(
        d,
        b"smtpd"
            | b"smtp"
            | b"lmtp"
            | b"qmgr"
            | b"oqmgr"
            | b"nqmgr"
            | b"cleanup"
            | b"local"
            | b"virtual"
            | b"pipe"
            | b"bounce"
            | b"defer"
            | b"trace"
            | b"error"
            | b"retry"
            | b"discard"
            | b"pickup"
            | b"postscreen"
            | b"sendmail"
            | b"postsuper"
            | b"postdrop"
            | b"qmqpd"
            | b"smtp-tls"
    ) || is_info_only(d)
}

/// Daemons whose lines never carry delivery events.
fn is_info_only(d: &[u8]) -> bool {
    matches!(
        d,
        b"anvil"
            | b"scache"
            | b"tlsmgr"
            | b"tlsproxy"
            | b"master"
            | b"dnsblog"
            | b"trivial-rewrite"
            | b"rewrite"
            | b"verify"
            | b"showq"
            | b"flush"
            | b"spawn"
            | b"proxymap"
            | b"proxywrite"
            | b"postfix-script"
            | b"postmap"
            | b"postalias"
            | b"postmulti"
            | b"postconf"
            | b"postcat"
            | b"postqueue"
            | b"postlog"
    )
}

#[inline]
fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    crate::scan::find_short(h, n)
}

const ALNUM: u8 = 1;
const DIGIT: u8 = 2;
/// A digit or `A`-`F` (the alphabet of short queue ids).
const HEXU: u8 = 4;
const UPPER: u8 = 8;
const LOWER_Z: u8 = 16;

/// Character classes of queue-id bytes, one table lookup per byte.
static QID_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let mut k = 0;
        if b.is_ascii_alphanumeric() {
            k |= ALNUM;
        }
        if b.is_ascii_digit() {
            k |= DIGIT | HEXU;
        }
        if b >= b'A' && b <= b'F' {
            k |= HEXU;
        }
        if b.is_ascii_uppercase() {
            k |= UPPER;
        }
        if b == b'z' {
            k |= LOWER_Z;
        }
        t[c] = k;
        c += 1;
    }
    t
};

/// A queue id followed by `: ` (or `:` at the end) at the start of `msg`.
#[inline]
pub fn split_qid(msg: &[u8]) -> Option<(&[u8], &[u8])> {
    // one pass: length of the alphanumeric run and the classes of its bytes
    let mut n = 0;
    let mut all = u8::MAX;
    let mut any = 0u8;
    for &c in msg.iter().take(32) {
        let k = QID_CLASS[c as usize];
        if k & ALNUM == 0 {
            break;
        }
        all &= k;
        any |= k;
        n += 1;
    }
    if !(5..=24).contains(&n) || msg.get(n) != Some(&b':') {
        return None;
    }
    let q = &msg[..n];
    let rest = match msg.get(n + 1) {
        Some(b' ') => &msg[n + 2..],
        None => &msg[n + 1..],
        Some(_) => return None,
    };
    let short = all & HEXU != 0;
    let digit = any & DIGIT != 0;
    let long = n >= 10 && any & LOWER_Z != 0 && digit;
    if (short && q != b"DEADBEEF") || long || (n >= 10 && digit && any & UPPER != 0) {
        if q == b"NOQUEUE" {
            return None;
        }
        return Some((q, rest));
    }
    None
}

/// Parses one Postfix message.
pub fn parse(msg: &[u8], daemon: &[u8], out: &mut Out<'_>) -> LineClass {
    if is_info_only(daemon) {
        return LineClass::Info;
    }
    if daemon == b"postscreen" {
        if let Some(r) = msg.strip_prefix(b"NOQUEUE: ") {
            return noqueue(r, out);
        }
        return LineClass::Info;
    }
    if let Some((qid, rest)) = split_qid(msg) {
        let q = out.span(qid);
        return with_qid(q, rest, daemon, out);
    }
    if let Some(r) = msg.strip_prefix(b"NOQUEUE: ") {
        return noqueue(r, out);
    }
    // Postfix before 2.3 logged rejections without "NOQUEUE: "
    if msg.starts_with(b"reject: ") || msg.starts_with(b"reject_warning: ") {
        return noqueue(msg, out);
    }
    if is_info(msg) {
        return LineClass::Info;
    }
    LineClass::Unknown
}

const INFO_PREFIXES: &[&[u8]] = &[
    b"connect from ",
    b"disconnect from ",
    b"lost connection after ",
    b"timeout after ",
    b"too many errors after ",
    b"improper command pipelining after ",
    b"connect to ",
    b"warning: ",
    b"fatal: ",
    b"panic: ",
    b"error: ",
    b"info: ",
    b"statistics: ",
    b"Anonymous TLS connection",
    b"Trusted TLS connection",
    b"Untrusted TLS connection",
    b"Verified TLS connection",
    b"TLS connection established",
    b"SSL_accept error",
    b"SSL_connect error",
    b"daemon started",
    b"terminating on signal",
    b"reload ",
    b"starting the Postfix",
    b"stopping the Postfix",
    b"refreshing the Postfix",
    b"the Postfix mail system",
    b"waiting on",
    b"table ",
    b"Deleted: ",
    b"Requeued: ",
    b"Placed on hold: ",
    b"Released from hold: ",
    b"Expired: ",
    b"CONNECT from ",
    b"DISCONNECT ",
    b"PASS NEW ",
    b"PASS OLD ",
    b"PREGREET ",
    b"HANGUP ",
    b"DNSBL rank ",
    b"COMMAND ",
    b"NON-SMTP COMMAND",
    b"BARE NEWLINE",
    b"WHITELISTED ",
    b"BLACKLISTED ",
    b"ALLOWLISTED ",
    b"DENYLISTED ",
    b"WHITELIST VETO ",
    b"ALLOWLIST VETO ",
    b"cache ",
    b"addr ",
    b"discarding EHLO keywords",
    b"certificate verification failed",
    b"server certificate verification failed",
    b"Host offered STARTTLS",
    b"Unverified: ",
    b"Verified: ",
    b"looking for plugins",
    b"cannot load Certificate Authority",
    b"unable to dlopen",
    b"bare <LF> received",
    b"proxy-accept: ",
    b"proxy-reject: ",
    b"setting up TLS connection",
    b"lost connection with ",
    b"conversation with ",
    b"host ",
    b"Cannot start TLS",
    b"SASL authentication failed",
    b"SASL [CACHED] authentication failed",
    b"enabling PIX",
    b"mail for ",
    b"sender: ",
    b"uid=",
    b"postfix/",
    b"dict_",
    b"close database",
    b"open database",
    b"mail_queue_enter",
    b"message size exceeds",
    b"hostname ",
    b"address not listed for hostname",
    b"unknown ",
    b"subject_CN=",
    b"Untrusted: ",
    b"Anonymous ",
    b"Trusted ",
    b"ehlo=",
    b"helo=",
    b"proto=",
    b"using ",
    b"looking up ",
    b"too many ",
    b"rejecting ",
    b"non-SMTP command",
    b"client certificate",
    b"peer certificate",
    b"certificate ",
    b"read from ",
    b"write to ",
    b"Illegal address",
    b"postsuper: ",
    b"Message ",
];

fn is_info(msg: &[u8]) -> bool {
    // the first byte rules out most prefixes without a comparison call
    let Some(&c) = msg.first() else {
        return false;
    };
    INFO_PREFIXES
        .iter()
        .any(|p| p.first() == Some(&c) && msg.starts_with(p))
}

fn noqueue(r: &[u8], out: &mut Out<'_>) -> LineClass {
    let (action, rest) = match find_byte(b':', r) {
        Some(i) if i < 20 => (&r[..i], r.get(i + 1..).unwrap_or(&[])),
        _ => return LineClass::Info,
    };
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    match action {
        b"reject" | b"milter-reject" => reject(Span0, rest, false, out),
        b"reject_warning" => reject(Span0, rest, true, out),
        _ => LineClass::Info,
    }
}

/// Marker for "no queue id".
#[derive(Clone, Copy)]
struct Span0;

impl From<Span0> for crate::event::Span {
    fn from(_: Span0) -> Self {
        crate::event::Span::EMPTY
    }
}

/// `RCPT from host[ip]: 550 5.1.1 <x>: text; from=<a> to=<b> proto=ESMTP helo=<h>`
fn reject(
    qid: impl Into<crate::event::Span>,
    r: &[u8],
    warning: bool,
    out: &mut Out<'_>,
) -> LineClass {
    let qid = qid.into();
    let r = r.trim_ascii_start();
    let sp = find_byte(b' ', r).unwrap_or(r.len());
    let word = &r[..sp];
    let stage = match word {
        b"RCPT" => Stage::Rcpt,
        b"MAIL" => Stage::Mail,
        b"DATA" => Stage::Data,
        b"END-OF-MESSAGE" => Stage::DataEnd,
        b"CONNECT" => Stage::Greeting,
        b"HELO" | b"EHLO" => Stage::Helo,
        b"VRFY" | b"ETRN" | b"BDAT" | b"AUTH" | b"STARTTLS" => Stage::Unknown,
        b"header" | b"body" | b"content" | b"Subject:" => {
            // cleanup content rejection
            let reply = reply_tail(r);
            if qid.is_empty() {
                return LineClass::Info;
            }
            if warning {
                out.reject(qid, Stage::DataEnd, true, [reply, b"", b"", b""]);
            } else {
                out.content_rejected(qid, reply);
            }
            return LineClass::Event;
        }
        _ => return LineClass::Unknown,
    };
    let rest = r[sp..].trim_ascii_start();
    let rest = rest.strip_prefix(b"from ").unwrap_or(rest);
    // client up to ": "
    let (client, rest) = match find_lit!(rest, b": ") {
        Some(i) => (&rest[..i], &rest[i + 2..]),
        None => (&rest[..0], rest),
    };
    let end = find_lit!(rest, b"; from=")
        .or_else(|| find_lit!(rest, b"; to="))
        .or_else(|| find_lit!(rest, b"; proto="))
        .unwrap_or(rest.len());
    let reply = &rest[..end];
    let tail = &rest[end..];
    let from = angle_value(tail, b"from=<");
    let to = angle_value(tail, b"to=<");
    if !qid.is_empty() && matches!(stage, Stage::DataEnd | Stage::Data) && !warning {
        out.content_rejected(qid, reply);
        return LineClass::Event;
    }
    out.reject(qid, stage, warning, [reply, from, to, client]);
    LineClass::Event
}

/// The text after the `from ...; from=<> to=<> ...: ` of a cleanup action line: the optional
/// text after the last `: `, else everything.
fn reply_tail(r: &[u8]) -> &[u8] {
    match rfind_lit!(r, b">: ") {
        Some(i) => &r[i + 3..],
        None => r,
    }
}

fn angle_value<'b>(h: &'b [u8], key: &[u8]) -> &'b [u8] {
    match find(h, key) {
        Some(i) => {
            let v = &h[i + key.len()..];
            match find_byte(b'>', v) {
                Some(e) => &v[..e],
                None => &v[..0],
            }
        }
        None => &h[..0],
    }
}

fn with_qid(q: crate::event::Span, r: &[u8], daemon: &[u8], out: &mut Out<'_>) -> LineClass {
    let Some(&c) = r.first() else {
        return LineClass::Unknown;
    };
    match c {
        b't' => {
            if let Some(v) = r.strip_prefix(b"to=") {
                return delivery(q, v, daemon, out);
            }
        }
        b'c' => {
            if let Some(v) = r.strip_prefix(b"client=") {
                let end = find_byte(b',', v).unwrap_or(v.len());
                let client = out.span(&v[..end]);
                out.push(
                    q,
                    Kind::Received {
                        client,
                        local: false,
                    },
                );
                return LineClass::Event;
            }
            if r.starts_with(b"conversation with ")
                || r.starts_with(b"connect to ")
                || r.starts_with(b"cannot ")
            {
                return LineClass::Info;
            }
        }
        b'm' => {
            if let Some(v) = r.strip_prefix(b"message-id=") {
                let v = v.trim_ascii();
                let v = v
                    .strip_prefix(b"<")
                    .map(|x| x.strip_suffix(b">").unwrap_or(x))
                    .unwrap_or(v);
                let s = out.span(v);
                out.push(q, Kind::MessageId(s));
                return LineClass::Event;
            }
            if let Some(v) = r.strip_prefix(b"milter-reject: ") {
                return reject(q, v, false, out);
            }
            if r.starts_with(b"milter-discard: ") {
                out.push(q, Kind::Discarded);
                return LineClass::Event;
            }
            if r.starts_with(b"milter-hold: ") {
                out.push(q, Kind::Held);
                return LineClass::Event;
            }
            if r.starts_with(b"milter-") {
                return LineClass::Info;
            }
        }
        b'f' => {
            if let Some(v) = r.strip_prefix(b"from=<") {
                let e = find_byte(b'>', v).unwrap_or(v.len());
                let from = &v[..e];
                let tail = v.get(e + 1..).unwrap_or(&[]);
                // ", size=N, nrcpt=M (queue active)" or ", status=expired, returned to sender"
                if let Some(t) = tail.strip_prefix(b", size=") {
                    let (size, n) = num_prefix(t);
                    let nrcpt = t
                        .get(n..)
                        .and_then(|r| r.strip_prefix(b", nrcpt="))
                        .map_or(0, |r| num_prefix(r).0 as u32);
                    let from = out.span(from);
                    out.push(q, Kind::Queued { from, size, nrcpt });
                    return LineClass::Event;
                }
                if tail.starts_with(b", status=expired")
                    || find_lit!(tail, b"status=expired").is_some()
                {
                    out.push(q, Kind::Expired { forced: false });
                    return LineClass::Event;
                }
                if find_lit!(tail, b"status=force-expired").is_some() {
                    out.push(q, Kind::Expired { forced: true });
                    return LineClass::Event;
                }
                if let Some(size) = num_after(tail, b"size=") {
                    let nrcpt = num_after(tail, b"nrcpt=").unwrap_or(0) as u32;
                    let from = out.span(from);
                    out.push(q, Kind::Queued { from, size, nrcpt });
                    return LineClass::Event;
                }
                return LineClass::Info;
            }
            if r.starts_with(b"filter: ") {
                return LineClass::Info;
            }
        }
        b'r' => {
            if r == b"removed" || r.starts_with(b"removed ") {
                out.push(
                    q,
                    if daemon == b"postsuper" {
                        Kind::Deleted
                    } else {
                        Kind::Removed
                    },
                );
                return LineClass::Event;
            }
            if let Some(v) = r.strip_prefix(b"reject: ") {
                return reject(q, v, false, out);
            }
            if let Some(v) = r.strip_prefix(b"reject_warning: ") {
                return reject(q, v, true, out);
            }
            if r.starts_with(b"released from hold") {
                out.push(q, Kind::Released);
                return LineClass::Event;
            }
            if r.starts_with(b"requeued")
                || r.starts_with(b"replace: ")
                || r.starts_with(b"redirect: ")
                || r.starts_with(b"resent-message-id=")
            {
                return LineClass::Info;
            }
        }
        b's' => {
            for (p, kind) in [
                (
                    &b"sender non-delivery notification: "[..],
                    NoticeKind::NonDelivery,
                ),
                (b"sender delay notification: ", NoticeKind::Delay),
                (
                    b"sender delivery status notification: ",
                    NoticeKind::Success,
                ),
            ] {
                if let Some(v) = r.strip_prefix(p) {
                    let child = out.span(token(v));
                    out.push(q, Kind::Notice { kind, child });
                    return LineClass::Event;
                }
            }
            if r.starts_with(b"skipped, still being delivered")
                || r.starts_with(b"status=")
                || r.starts_with(b"sasl_")
            {
                return LineClass::Info;
            }
        }
        b'p' => {
            if let Some(v) = r.strip_prefix(b"postmaster non-delivery notification: ") {
                let child = out.span(token(v));
                out.push(
                    q,
                    Kind::Notice {
                        kind: NoticeKind::Postmaster,
                        child,
                    },
                );
                return LineClass::Event;
            }
            if r.starts_with(b"placed on hold") {
                out.push(q, Kind::Held);
                return LineClass::Event;
            }
            if r.starts_with(b"prepend: ") {
                return LineClass::Info;
            }
        }
        b'u' if r.starts_with(b"uid=") && find_lit!(r, b"from=").is_some() => {
            out.push(
                q,
                Kind::Received {
                    client: crate::event::Span::EMPTY,
                    local: true,
                },
            );
            return LineClass::Event;
        }
        b'h' => {
            if r.starts_with(b"hold: ") {
                out.push(q, Kind::Held);
                return LineClass::Event;
            }
            if r.starts_with(b"host ") {
                return LineClass::Info;
            }
        }
        b'w' => {
            if let Some(v) = r.strip_prefix(b"warning: ") {
                if v.starts_with(b"header ") || v.starts_with(b"body ") {
                    return reject(q, v, true, out);
                }
                return LineClass::Info;
            }
        }
        b'd' if r.starts_with(b"discard: ") => {
            out.push(q, Kind::Discarded);
            return LineClass::Event;
        }
        b'l' | b'e' | b'i' | b'b' | b'S' | b'C' | b'D' | b'T' | b'E' | b'U' | b'A' | b'V'
        | b'P' | b'X' | b'L' => {
            const QINFO: &[&[u8]] = &[
                b"lost connection with ",
                b"enabling PIX",
                b"info: ",
                b"bcc: ",
                b"SASL ",
                b"Cannot start TLS",
                b"DSN ",
                b"TLS ",
                b"Trusted TLS",
                b"Untrusted TLS",
                b"Verified TLS",
                b"Anonymous TLS",
                b"ETRN ",
                b"EHLO ",
                b"XFORWARD",
                b"LMTP ",
                b"certificate ",
                b"Peer ",
                b"end of ",
                b"error: ",
            ];
            if QINFO.iter().any(|p| r.starts_with(p)) {
                return LineClass::Info;
            }
        }
        _ => {}
    }
    if r.starts_with(b"warning: ") || r.starts_with(b"fatal: ") || r.starts_with(b"error: ") {
        return LineClass::Info;
    }
    LineClass::Unknown
}

/// The end of an unquoted `key=value` value: the next `", "`, else the next space, else the end.
#[inline]
fn value_end(v: &[u8]) -> usize {
    // short values: eight bytes at a time, not a memchr2 iterator per value
    let mut space = None;
    let mut i = 0;
    while let Some(k) = crate::scan::find_byte2(b',', b' ', &v[i..]) {
        let p = i + k;
        if v[p] == b',' {
            if v.get(p + 1) == Some(&b' ') {
                return p;
            }
        } else if space.is_none() {
            space = Some(p);
        }
        i = p + 1;
    }
    space.unwrap_or(v.len())
}

fn token(v: &[u8]) -> &[u8] {
    let n = v.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    &v[..n]
}

/// Leading decimal number: (value, digits).
fn num_prefix(h: &[u8]) -> (u64, usize) {
    let mut n = 0u64;
    let mut i = 0;
    while let Some(&c) = h.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        n = n.saturating_mul(10).saturating_add((c - b'0') as u64);
        i += 1;
    }
    (n, i)
}

fn num_after(h: &[u8], key: &[u8]) -> Option<u64> {
    let i = find(h, key)? + key.len();
    let mut n = 0u64;
    let mut any = false;
    for &c in &h[i..] {
        if c.is_ascii_digit() {
            n = n.saturating_mul(10).saturating_add((c - b'0') as u64);
            any = true;
        } else {
            break;
        }
    }
    any.then_some(n)
}

fn parse_f32(v: &[u8]) -> Option<f32> {
    // fast path for the usual `D[.DDD]`: mantissa and power of ten are exact in f32, so one
    // division is correctly rounded, the same value as `str::parse` (Clinger's fast path)
    const POW10: [f32; 11] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];
    let mut m: u32 = 0;
    let mut frac: Option<usize> = None;
    let mut digits = 0;
    for &c in v {
        match c {
            b'0'..=b'9' => {
                m = m * 10 + (c - b'0') as u32;
                digits += 1;
                if let Some(f) = frac.as_mut() {
                    *f += 1;
                }
                if m >= 1 << 24 || digits > 9 {
                    return std::str::from_utf8(v).ok()?.parse().ok();
                }
            }
            b'.' if frac.is_none() => frac = Some(0),
            _ => return std::str::from_utf8(v).ok()?.parse().ok(),
        }
    }
    if digits == 0 {
        return None;
    }
    Some(m as f32 / POW10[frac.unwrap_or(0)])
}

/// `to=<rcpt>, [orig_to=<o>, ]relay=R, [conn_use=N, ]delay=D, delays=a/b/c/d, dsn=X.Y.Z,
/// status=S (text)` (older versions lack `delays`/`dsn`).
fn delivery(q: crate::event::Span, v: &[u8], daemon: &[u8], out: &mut Out<'_>) -> LineClass {
    let (rcpt, mut r) = if let Some(a) = v.strip_prefix(b"<") {
        match find_byte(b'>', a) {
            Some(e) => (&a[..e], &a[e + 1..]),
            None => return LineClass::Skipped("truncated delivery line"),
        }
    } else {
        let e = find_byte(b',', v).unwrap_or(v.len());
        (&v[..e], &v[e..])
    };
    let mut orig: &[u8] = &[];
    let mut relay: &[u8] = &[];
    let mut delay = None;
    let mut dsn = None;
    let mut status: Option<&[u8]> = None;
    let mut text: &[u8] = &[];
    loop {
        // separators: ", " or " " (conn_use=2 delay=...)
        while let Some((&c, rest)) = r.split_first() {
            if c == b',' || c == b' ' {
                r = rest;
            } else {
                break;
            }
        }
        if r.is_empty() {
            break;
        }
        // the key ends at '='; a space before it (or no '=') ends the fields
        let Some(eq) = crate::scan::find_byte2(b'=', b' ', r) else {
            break;
        };
        if r[eq] == b' ' {
            break;
        }
        let key = &r[..eq];
        let val_start = &r[eq + 1..];
        if key == b"status" {
            let sp = find_byte(b' ', val_start).unwrap_or(val_start.len());
            status = Some(&val_start[..sp]);
            let mut t = val_start[sp..].trim_ascii();
            if let Some(x) = t.strip_prefix(b"(") {
                t = x.strip_suffix(b")").unwrap_or(x);
            }
            text = t;
            break;
        }
        let (val, rest) = if val_start.first() == Some(&b'<') {
            match find_byte(b'>', val_start) {
                Some(e) => (&val_start[1..e], &val_start[e + 1..]),
                None => (val_start, &val_start[val_start.len()..]),
            }
        } else {
            let e = value_end(val_start);
            (&val_start[..e], &val_start[e..])
        };
        match key {
            b"orig_to" => orig = val,
            b"relay" => relay = val,
            b"delay" => delay = parse_f32(val),
            b"dsn" => dsn = Dsn::parse(val).map(|d| d.0),
            _ => {}
        }
        r = rest;
    }
    let Some(status) = status else {
        return LineClass::Skipped("truncated delivery line");
    };
    let status = match status {
        b"sent" => Status::Sent,
        b"deferred" | b"SOFTBOUNCE" => Status::Deferred,
        b"bounced" => Status::Bounced,
        b"deliverable" | b"undeliverable" | b"undeliverable-but-not-cached" => Status::Probe,
        b"expired" => Status::Bounced,
        _ => return LineClass::Unknown,
    };
    let transport = match daemon {
        b"smtp" => Transport::Smtp,
        b"lmtp" => Transport::Lmtp,
        b"local" => Transport::Local,
        b"virtual" => Transport::Virtual,
        b"pipe" => Transport::Pipe,
        b"error" | b"retry" | b"discard" => Transport::Internal,
        _ => match relay {
            b"local" => Transport::Local,
            b"virtual" => Transport::Virtual,
            b"none" => Transport::Smtp,
            _ if relay.ends_with(b"]") || find_lit!(relay, b"]:").is_some() => Transport::Smtp,
            _ => Transport::Other,
        },
    };
    let host = relay_host(relay, text);
    // content filter / next local instance hop
    let mut hop: &[u8] = &[];
    if status == Status::Sent
        && is_loopback_relay(relay)
        && let Some(i) = rfind_lit!(text, b"queued as ")
    {
        hop = token(&text[i + 10..]);
    }
    let stage = if status == Status::Sent {
        Stage::Unknown
    } else {
        let s = stage_of(text);
        if s == Stage::Unknown
            && matches!(
                transport,
                Transport::Local | Transport::Virtual | Transport::Pipe
            )
        {
            Stage::Local
        } else {
            s
        }
    };
    let dsn = dsn.or_else(|| {
        let (_, t) = crate::reply::remote_reply(text);
        Dsn::parse(t).map(|d| d.0)
    });
    let [rcpt, orig, relay_s, host, text_s, hop] = out.spans([rcpt, orig, relay, host, text, hop]);
    let (norm, reason) = out.failure(status, dsn, text, stage, None);
    out.push(
        q,
        Kind::Attempt(Attempt {
            rcpt,
            orig,
            relay: relay_s,
            relay_host: host,
            status,
            dsn,
            text: text_s,
            norm,
            delay,
            stage,
            reason,
            hop,
            transport,
        }),
    );
    LineClass::Event
}

/// `mx.example[192.0.2.1]:25` → `mx.example`; `none` → the host named in the text.
pub fn relay_host<'b>(relay: &'b [u8], text: &'b [u8]) -> &'b [u8] {
    if relay.is_empty() || relay == b"none" {
        for p in [
            &b"connect to "[..],
            b"host ",
            b"conversation with ",
            b"lost connection with ",
        ] {
            if let Some(i) = find(text, p) {
                let h = &text[i + p.len()..];
                let e = h
                    .iter()
                    .position(|c| *c == b'[' || *c == b' ' || *c == b':')
                    .unwrap_or(h.len());
                if e > 0 {
                    return &h[..e];
                }
            }
        }
        return relay;
    }
    match find_byte(b'[', relay) {
        Some(0) => {
            let e = find_byte(b']', relay).unwrap_or(relay.len());
            &relay[1..e]
        }
        Some(i) => &relay[..i],
        None => relay,
    }
}

fn is_loopback_relay(relay: &[u8]) -> bool {
    let ip = match (find_byte(b'[', relay), find_byte(b']', relay)) {
        (Some(a), Some(b)) if b > a => &relay[a + 1..b],
        _ => relay,
    };
    ip.starts_with(b"127.") || ip == b"::1" || ip.starts_with(b"::ffff:127.") || ip == b"localhost"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_parse_as_str_parse_does() {
        for t in [
            "0",
            "0.01",
            "3.4",
            "1.6",
            "0.1",
            "12345.67",
            "16777215",
            "16777217",
            "0.3333333",
            "99999.999",
            "1e3",
            "inf",
            "5.",
            ".5",
            "1.2.3",
            "",
            ".",
            "-1",
            "123456789012",
        ] {
            assert_eq!(parse_f32(t.as_bytes()), t.parse::<f32>().ok(), "{t:?}");
        }
    }

    #[test]
    fn qids() {
        assert_eq!(split_qid(b"BE592BC709: client=x").unwrap().0, b"BE592BC709");
        assert_eq!(
            split_qid(b"44JCRG5tYPzCqt2: to=<a>").unwrap().0,
            b"44JCRG5tYPzCqt2"
        );
        assert!(split_qid(b"warning: foo").is_none());
        assert!(split_qid(b"NOQUEUE: reject").is_none());
        assert!(split_qid(b"statistics: x").is_none());
        assert_eq!(split_qid(b"D4F2023DB: removed").unwrap().1, b"removed");
    }

    /// The straightforward form of `split_qid` (several passes), to check the one-pass version.
    fn split_qid_reference(msg: &[u8]) -> Option<(&[u8], &[u8])> {
        let n = msg
            .iter()
            .take(32)
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if !(5..=24).contains(&n) || msg.get(n) != Some(&b':') {
            return None;
        }
        let q = &msg[..n];
        let rest = match msg.get(n + 1) {
            Some(b' ') => &msg[n + 2..],
            None => &msg[n + 1..],
            Some(_) => return None,
        };
        let short = q
            .iter()
            .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c));
        let long = n >= 10 && q.contains(&b'z') && q.iter().any(u8::is_ascii_digit);
        if (short && q != b"DEADBEEF")
            || long
            || (n >= 10 && q.iter().any(u8::is_ascii_digit) && q.iter().any(u8::is_ascii_uppercase))
        {
            if q == b"NOQUEUE" {
                return None;
            }
            return Some((q, rest));
        }
        None
    }

    proptest::proptest! {
        #[test]
        fn split_qid_matches_reference(
            q in "[0-9A-Za-z]{0,30}",
            sep in proptest::sample::select(vec![": ", ":", ":x", " ", ""]),
            tail in "[ -~]{0,8}",
        ) {
            let line = format!("{q}{sep}{tail}");
            proptest::prop_assert_eq!(split_qid(line.as_bytes()), split_qid_reference(line.as_bytes()));
        }
    }

    #[test]
    fn relay_hosts() {
        assert_eq!(relay_host(b"mx.ok.test[127.0.0.2]:25", b""), b"mx.ok.test");
        assert_eq!(
            relay_host(
                b"none",
                b"connect to mx.refused.test[127.0.0.5]:25: Connection refused"
            ),
            b"mx.refused.test"
        );
        assert_eq!(relay_host(b"local", b""), b"local");
        assert_eq!(
            relay_host(b"mail.example.com[private/dovecot-lmtp]", b""),
            b"mail.example.com"
        );
        assert!(is_loopback_relay(b"127.0.0.1[127.0.0.1]:10024"));
        assert!(!is_loopback_relay(b"mx.ok.test[192.0.2.1]:25"));
    }
}
