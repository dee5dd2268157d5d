//! Syslog framings: from one line to (time stamp, host, program, pid, message).
//!
//! Supported: RFC 3164 (`Nov 27 19:36:35 host prog[pid]: msg`, also with `<PRI>` and with
//! fractional seconds as in `journalctl -o short-precise`), rsyslog's ISO 8601 / RFC 3339 form
//! (Debian 12's default, `journalctl -o short-iso`), RFC 5424 (`<22>1 2026-... host app procid
//! msgid sd msg`), Postfix's own `maillog_file` (RFC 3164 layout), the Exim main log
//! (`2026-11-27 19:36:35 [pid] ...`), and mailway's internal framing for transcoded journal
//! records (`@<micros> host prog[pid]: msg`).

use crate::scan::{find_byte, find_byte2, find_byte3};
use crate::time::{
    DateTimeStamp, MICROS_PER_SEC, MonthDayTime, YearHint, ZoneCache, parse_iso, parse_rfc3164,
};

/// A line-based log layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Framing {
    /// `Mmm dd hh:mm:ss host tag[pid]: msg` (RFC 3164, Postfix `maillog_file`, journal `short`).
    Rfc3164,
    /// `YYYY-MM-DDThh:mm:ss[.f]±zz:zz host tag[pid]: msg` (rsyslog default on Debian 12).
    Iso,
    /// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG` (RFC 5424).
    Rfc5424,
    /// Exim's own main log: `YYYY-MM-DD hh:mm:ss [+zzzz] [[pid]] msg`.
    Exim,
    /// mailway's framing of transcoded journal records: `@<micros> host tag[pid]: msg`.
    Internal,
    /// daemontools / s6 TAI64N labels: `@4000000063b1f5a81234abcd tag: msg` (qmail, dovecot
    /// under multilog).
    Tai64n,
}

impl Framing {
    /// Name used in reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            Framing::Rfc3164 => "syslog-rfc3164",
            Framing::Iso => "syslog-iso8601",
            Framing::Rfc5424 => "syslog-rfc5424",
            Framing::Exim => "exim-mainlog",
            Framing::Internal => "journal",
            Framing::Tai64n => "tai64n",
        }
    }
}

/// One framed line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// UTC microseconds.
    pub ts: i64,
    /// Host name (may be empty).
    pub host: &'a [u8],
    /// Program / tag (`postfix/smtpd`, `exim`, `sm-mta`), without the pid.
    pub prog: &'a [u8],
    /// The pid text (may be empty).
    pub pid: &'a [u8],
    /// The message.
    pub msg: &'a [u8],
}

/// Per-input framing state: layout, zone, year inference and a one-entry stamp cache.
#[derive(Debug, Clone)]
pub struct FrameCtx {
    /// The layout detected for the input.
    pub framing: Framing,
    /// Zone for stamps without an offset.
    pub zone: ZoneCache,
    /// Year inference for year-less stamps.
    pub year: Option<YearHint>,
    /// Reference wall-clock time (seconds as if UTC) used when a year-less stamp appears in an
    /// input whose first stamp had a year.
    pub reference_naive: i64,
    last_key: [u8; 24],
    last_len: usize,
    last_ts: i64,
}

impl FrameCtx {
    /// A context for one input.
    pub fn new(
        framing: Framing,
        zone: ZoneCache,
        year: Option<YearHint>,
        reference_naive: i64,
    ) -> Self {
        Self {
            framing,
            zone,
            year,
            reference_naive,
            last_key: [0; 24],
            last_len: 0,
            last_ts: 0,
        }
    }

    #[inline]
    fn cached(&self, key: &[u8]) -> Option<i64> {
        (self.last_len == key.len() && key.len() <= 24 && eq_upto24(&self.last_key, key))
            .then_some(self.last_ts)
    }

    #[inline]
    fn remember(&mut self, key: &[u8], ts: i64) {
        if key.len() <= 24 {
            self.last_key[..key.len()].copy_from_slice(key);
            self.last_len = key.len();
            self.last_ts = ts;
        }
    }

    fn resolve_3164(&mut self, t: MonthDayTime) -> i64 {
        let hint = match self.year {
            Some(h) => h,
            None => {
                let h = YearHint::from_first(t, self.reference_naive);
                self.year = Some(h);
                h
            }
        };
        let naive = hint.naive(t);
        self.zone.local_to_utc(naive) * MICROS_PER_SEC + t.frac as i64
    }

    fn resolve_dt(&mut self, t: DateTimeStamp) -> i64 {
        t.resolve(&mut self.zone)
    }

    /// Frames a line with the input's layout, falling back to the other layouts.
    #[inline]
    pub fn frame<'a>(&mut self, line: &'a [u8]) -> Option<Frame<'a>> {
        if let Some(f) = self.frame_as(self.framing, line) {
            return Some(f);
        }
        for alt in [
            Framing::Rfc3164,
            Framing::Iso,
            Framing::Rfc5424,
            Framing::Exim,
            Framing::Tai64n,
        ] {
            if alt != self.framing
                && let Some(f) = self.frame_as(alt, line)
            {
                return Some(f);
            }
        }
        // `host exim[pid]: 2021-07-17 23:20:49 msg`: syslog without its own stamp, the program's
        // stamp inside the message
        if let Some(f) = host_tag_msg(0, line)
            && let Some((t, n)) = parse_iso(f.msg, true)
            && f.msg.get(n) == Some(&b' ')
        {
            let ts = self.resolve_dt(t);
            return Some(Frame {
                ts,
                msg: &f.msg[n + 1..],
                ..f
            });
        }
        None
    }

    /// Frames a line with one layout.
    pub fn frame_as<'a>(&mut self, framing: Framing, line: &'a [u8]) -> Option<Frame<'a>> {
        match framing {
            Framing::Rfc3164 => {
                let mut b = line;
                if b.first() == Some(&b'<') {
                    b = skip_pri(b)?;
                }
                let ts_len = match stamp_len_3164(b) {
                    Some(n) => n,
                    None => parse_rfc3164(b)?.1,
                };
                let key = &b[..ts_len];
                let ts = match self.cached(key) {
                    Some(ts) => ts,
                    None => {
                        let (t, n) = parse_rfc3164(b)?;
                        if n != ts_len {
                            return None;
                        }
                        let ts = self.resolve_3164(t);
                        self.remember(key, ts);
                        ts
                    }
                };
                let rest = b.get(ts_len + 1..)?;
                if b.get(ts_len) != Some(&b' ') {
                    return None;
                }
                host_tag_msg(ts, rest)
            }
            Framing::Iso => {
                let sp = find_byte(b' ', line)?;
                if sp < 19 || !line[0].is_ascii_digit() || line.get(10) != Some(&b'T') {
                    return None;
                }
                let key = &line[..sp];
                let ts = match self.cached(key) {
                    Some(ts) => ts,
                    None => {
                        let (t, n) = parse_iso(key, false)?;
                        if n != sp {
                            return None;
                        }
                        let ts = self.resolve_dt(t);
                        self.remember(key, ts);
                        ts
                    }
                };
                host_tag_msg(ts, &line[sp + 1..])
            }
            Framing::Rfc5424 => self.frame_5424(line),
            Framing::Exim => {
                if line.len() < 20 || line.get(10) != Some(&b' ') || !line[0].is_ascii_digit() {
                    return None;
                }
                let (t, n) = match self.cached(&line[..19]) {
                    Some(ts) if line.get(19) == Some(&b' ') && !looks_like_zone(&line[20..]) => {
                        return Some(exim_rest(ts, &line[20..]));
                    }
                    _ => parse_iso(line, true)?,
                };
                let ts = self.resolve_dt(t);
                if n == 19 {
                    self.remember(&line[..19], ts);
                }
                if line.get(n) != Some(&b' ') {
                    return None;
                }
                Some(exim_rest(ts, &line[n + 1..]))
            }
            Framing::Tai64n => {
                if line.len() < 26
                    || line[0] != b'@'
                    || line[25] != b' '
                    || !line[1..25].iter().all(u8::is_ascii_hexdigit)
                {
                    return None;
                }
                let hex = std::str::from_utf8(&line[1..25]).ok()?;
                // TAI64 label: 2^62 + TAI seconds (10 s ahead of UTC since 1972); a label far
                // outside any real date is not a stamp (and must not overflow)
                let tai = u64::from_str_radix(&hex[..16], 16)
                    .ok()?
                    .checked_sub(1 << 62)?;
                let secs = i64::try_from(tai).ok()?.checked_sub(10)?;
                let nanos = u64::from_str_radix(&hex[16..], 16).ok()? as i64;
                let ts = secs
                    .checked_mul(MICROS_PER_SEC)?
                    .checked_add(nanos / 1000)?;
                let rest = &line[26..];
                let colon = find_byte(b':', rest)?;
                let tag = &rest[..colon];
                if tag.is_empty() || find_byte(b' ', tag).is_some() {
                    return None;
                }
                let (prog, pid) = split_tag(tag)?;
                let msg = rest.get(colon + 1..).unwrap_or(&[]);
                Some(Frame {
                    ts,
                    host: &rest[..0],
                    prog,
                    pid,
                    msg: msg.strip_prefix(b" ").unwrap_or(msg),
                })
            }
            Framing::Internal => {
                if line.first() != Some(&b'@') {
                    return None;
                }
                let sp = find_byte(b' ', line)?;
                let ts: i64 = std::str::from_utf8(&line[1..sp]).ok()?.parse().ok()?;
                host_tag_msg(ts, &line[sp + 1..])
            }
        }
    }

    fn frame_5424<'a>(&mut self, line: &'a [u8]) -> Option<Frame<'a>> {
        let b = skip_pri(line)?;
        // VERSION
        let sp = find_byte(b' ', b)?;
        if sp == 0 || sp > 2 || !b[..sp].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let b = &b[sp + 1..];
        let (stamp, b) = field(b)?;
        if stamp == b"-" {
            return None;
        }
        let ts = match self.cached(stamp) {
            Some(ts) => ts,
            None => {
                let (t, n) = parse_iso(stamp, false)?;
                if n != stamp.len() {
                    return None;
                }
                let ts = self.resolve_dt(t);
                self.remember(stamp, ts);
                ts
            }
        };
        let (host, b) = field(b)?;
        let (app, b) = field(b)?;
        let (procid, b) = field(b)?;
        let (_msgid, b) = field(b)?;
        // STRUCTURED-DATA: "-" or one or more [..] elements (with \] escapes)
        let b = if b.first() == Some(&b'-') {
            &b[1..]
        } else if b.first() == Some(&b'[') {
            let mut i = 0;
            while b.get(i) == Some(&b'[') {
                i += 1;
                loop {
                    match b.get(i)? {
                        b'\\' => i += 2,
                        b']' => {
                            i += 1;
                            break;
                        }
                        _ => i += 1,
                    }
                }
            }
            &b[i..]
        } else {
            return None;
        };
        let mut msg = b;
        while let Some((&c, rest)) = msg.split_first() {
            if c == b' ' {
                msg = rest;
            } else {
                break;
            }
        }
        if let Some(rest) = msg.strip_prefix(b"\xEF\xBB\xBF") {
            msg = rest;
        }
        let nil = |f: &'a [u8]| if f == b"-" { &f[..0] } else { f };
        Some(Frame {
            ts,
            host: nil(host),
            prog: nil(app),
            pid: nil(procid),
            msg,
        })
    }
}

/// `key == &last[..key.len()]` for keys of at most 24 bytes, compared a word at a time (the
/// usual stamp keys are 15 to 32 bytes: two or three overlapping words instead of a `memcmp`
/// call).
#[inline]
fn eq_upto24(last: &[u8; 24], key: &[u8]) -> bool {
    let n = key.len();
    let w = |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    match n {
        0..=7 => &last[..n] == key,
        8..=16 => w(last, 0) == w(key, 0) && w(last, n - 8) == w(key, n - 8),
        17..=24 => {
            w(last, 0) == w(key, 0) && w(last, 8) == w(key, 8) && w(last, n - 8) == w(key, n - 8)
        }
        _ => false,
    }
}

#[inline]
fn looks_like_zone(b: &[u8]) -> bool {
    matches!(b.first(), Some(b'+' | b'-'))
        && b.len() >= 5
        && b[1..5].iter().all(u8::is_ascii_digit)
        && b.get(5).is_none_or(|c| *c == b' ')
}

fn exim_rest(ts: i64, rest: &[u8]) -> Frame<'_> {
    // optional "[pid] "
    let (pid, msg) = if rest.first() == Some(&b'[') {
        match find_byte(b']', rest) {
            Some(e) if e < 12 && rest[1..e].iter().all(u8::is_ascii_digit) => {
                let m = rest.get(e + 1..).unwrap_or(&[]);
                (&rest[1..e], m.strip_prefix(b" ").unwrap_or(m))
            }
            _ => (&rest[..0], rest),
        }
    } else {
        (&rest[..0], rest)
    };
    Frame {
        ts,
        host: &rest[..0],
        prog: b"exim",
        pid,
        msg,
    }
}

#[inline]
fn skip_pri(b: &[u8]) -> Option<&[u8]> {
    if b.first() != Some(&b'<') {
        return None;
    }
    let e = b.iter().take(6).position(|&c| c == b'>')?;
    if e < 2 || !b[1..e].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(&b[e + 1..])
}

#[inline]
fn field(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let sp = find_byte(b' ', b)?;
    if sp == 0 {
        return None;
    }
    Some((&b[..sp], &b[sp + 1..]))
}

/// Length of an RFC 3164 stamp at the start of `b` (15, or more with a fraction), without
/// validating it fully (the cache key); `None` for the unusual layouts (unpadded day).
#[inline]
fn stamp_len_3164(b: &[u8]) -> Option<usize> {
    if b.len() < 16 || b[3] != b' ' || b[6] != b' ' || b[9] != b':' || b[12] != b':' {
        return None;
    }
    let mut n = 15;
    if b[15] == b'.' {
        n = 16;
        while b.get(n).is_some_and(u8::is_ascii_digit) {
            n += 1;
        }
    }
    Some(n)
}

/// `host tag[pid]: msg` (host optional when the first token already is a tag).
#[inline]
fn host_tag_msg(ts: i64, mut b: &[u8]) -> Option<Frame<'_>> {
    // syslog-ng's optional "<mail.info>" before the host
    if b.first() == Some(&b'<')
        && let Some(e) = find_byte(b'>', b)
        && e < 24
        && b.get(e + 1) == Some(&b' ')
    {
        b = &b[e + 2..];
    }
    let sp = find_byte(b' ', b)?;
    let first = &b[..sp];
    // no host: "postfix/smtpd[1]: msg"
    if first.last() == Some(&b':') && first.len() > 1 {
        let (prog, pid) = split_tag(&first[..first.len() - 1])?;
        return Some(Frame {
            ts,
            host: &b[..0],
            prog,
            pid,
            msg: &b[sp + 1..],
        });
    }
    let host = first;
    let rest = &b[sp + 1..];
    // tag ends at ": " (or ':' at end of line); tags have no spaces. One pass finds the first
    // ':', ' ' or '[' (a space before the colon: not a tag), a second one after a '['.
    let p = find_byte3(b':', b' ', b'[', rest)?;
    let (colon, open) = match rest[p] {
        b':' => (p, None),
        b'[' => {
            let q = p + 1 + find_byte2(b':', b' ', &rest[p + 1..])?;
            if rest[q] != b':' {
                return None;
            }
            (q, Some(p))
        }
        _ => return None,
    };
    let tag = &rest[..colon];
    if tag.is_empty() || tag.len() > 96 {
        return None;
    }
    let (prog, pid) = match open {
        // as split_tag: "prog[pid]", the first '[' and a final ']'
        Some(o) => {
            let close = colon - 1;
            if tag[close] != b']' || close < o + 1 {
                return None;
            }
            (&tag[..o], &tag[o + 1..close])
        }
        None => (tag, &tag[..0]),
    };
    let msg = match rest.get(colon + 1) {
        Some(b' ') => &rest[colon + 2..],
        None => &rest[colon + 1..],
        Some(_) => &rest[colon + 1..],
    };
    Some(Frame {
        ts,
        host,
        prog,
        pid,
        msg,
    })
}

#[inline]
fn split_tag(tag: &[u8]) -> Option<(&[u8], &[u8])> {
    match find_byte(b'[', tag) {
        Some(o) => {
            let close = tag.len().checked_sub(1)?;
            if tag[close] != b']' || close < o + 1 {
                return None;
            }
            Some((&tag[..o], &tag[o + 1..close]))
        }
        None => Some((tag, &tag[..0])),
    }
}

/// Guesses the layout of a line (used to detect an input's layout from its first lines).
pub fn guess(line: &[u8]) -> Option<Framing> {
    let b = line;
    match b.first()? {
        b'<' => {
            let r = skip_pri(b)?;
            if r.first().is_some_and(u8::is_ascii_digit) && r.get(1) == Some(&b' ') {
                Some(Framing::Rfc5424)
            } else if parse_rfc3164(r).is_some() {
                Some(Framing::Rfc3164)
            } else {
                None
            }
        }
        b'@' => (b.len() > 26 && b[25] == b' ' && b[1..25].iter().all(u8::is_ascii_hexdigit))
            .then_some(Framing::Tai64n),
        c if c.is_ascii_digit() => match b.get(10) {
            Some(b'T') => parse_iso(b, false).map(|_| Framing::Iso),
            Some(b' ') => parse_iso(b, true).map(|_| Framing::Exim),
            _ => None,
        },
        _ => parse_rfc3164(b).map(|_| Framing::Rfc3164),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{Zone, days_from_civil};

    fn ctx(f: Framing) -> FrameCtx {
        let reference = days_from_civil(2026, 11, 28) * 86_400;
        FrameCtx::new(f, ZoneCache::new(Zone::utc()), None, reference)
    }

    fn s(f: Frame<'_>) -> (String, String, String, String) {
        (
            String::from_utf8_lossy(f.host).into(),
            String::from_utf8_lossy(f.prog).into(),
            String::from_utf8_lossy(f.pid).into(),
            String::from_utf8_lossy(f.msg).into(),
        )
    }

    #[test]
    fn frames_all_layouts_alike() {
        let t =
            (days_from_civil(2026, 11, 27) * 86_400 + 19 * 3600 + 36 * 60 + 37) * MICROS_PER_SEC;
        let lines: [(Framing, &[u8]); 4] = [
            (
                Framing::Rfc3164,
                b"Nov 27 19:36:37 vm postfix/smtpd[11649]: BE592BC709: client=localhost[127.0.0.1]",
            ),
            (
                Framing::Iso,
                b"2026-11-27T19:36:37.779802+00:00 vm postfix/smtpd[11649]: BE592BC709: client=localhost[127.0.0.1]",
            ),
            (
                Framing::Rfc5424,
                b"<22>1 2026-11-27T19:36:37.779802+00:00 vm postfix/smtpd 11649 - -  BE592BC709: client=localhost[127.0.0.1]",
            ),
            (
                Framing::Rfc3164,
                b"Nov 27 19:36:37.779802 vm postfix/smtpd[11649]: BE592BC709: client=localhost[127.0.0.1]",
            ),
        ];
        for (f, l) in lines {
            assert_eq!(guess(l), Some(f));
            let fr = ctx(f).frame(l).unwrap();
            assert_eq!(
                fr.ts / MICROS_PER_SEC,
                t / MICROS_PER_SEC,
                "{}",
                String::from_utf8_lossy(l)
            );
            let (h, p, pid, m) = s(fr);
            assert_eq!((h.as_str(), pid.as_str()), ("vm", "11649"));
            assert!(p.starts_with("postfix"));
            assert_eq!(m, "BE592BC709: client=localhost[127.0.0.1]");
        }
    }

    #[test]
    fn frames_exim_native_and_pid() {
        let mut c = ctx(Framing::Exim);
        let f = c
            .frame(b"2013-06-10 18:33:32 [10099] H=(yakult.com.tw) [202.132.70.178]:3755 rejected")
            .unwrap();
        let (_, p, pid, m) = s(f);
        assert_eq!((p.as_str(), pid.as_str()), ("exim", "10099"));
        assert!(m.starts_with("H=(yakult"));
        let f = c
            .frame(b"2024-01-01 10:00:00 +0100 1rXyZq-000ABC-DE Completed")
            .unwrap();
        assert_eq!(
            f.ts / MICROS_PER_SEC,
            days_from_civil(2024, 1, 1) * 86_400 + 9 * 3600
        );
        assert_eq!(f.msg, b"1rXyZq-000ABC-DE Completed");
    }

    #[test]
    fn tai64n_labels() {
        let mut c = ctx(Framing::Tai64n);
        let f = c.frame(b"@4000000063b1f5a81234abcd dovecot: msg").unwrap();
        assert_eq!(
            f.ts,
            (0x63b1_f5a8 - 10) * MICROS_PER_SEC + 0x1234_abcd / 1000
        );
        assert_eq!((f.prog, f.msg), (&b"dovecot"[..], &b"msg"[..]));
        // labels far outside any date (found by fuzzing: the seconds overflowed) are not stamps
        for l in [
            &b"@555555555555555555555554 x: y"[..],
            b"@ffffffffffffffffffffffff x: y",
            b"@c000000000000000ffffffff x: y",
            b"@3fffffffffffffff00000000 x: y",
        ] {
            assert!(c.frame_as(Framing::Tai64n, l).is_none(), "{l:?}");
            let _ = c.frame(l);
        }
    }

    /// `host_tag_msg` as it was before it found the tag's end and '[' in one pass.
    fn host_tag_msg_reference(ts: i64, mut b: &[u8]) -> Option<Frame<'_>> {
        // syslog-ng's optional "<mail.info>" before the host
        if b.first() == Some(&b'<')
            && let Some(e) = find_byte(b'>', b)
            && e < 24
            && b.get(e + 1) == Some(&b' ')
        {
            b = &b[e + 2..];
        }
        let sp = find_byte(b' ', b)?;
        let first = &b[..sp];
        // no host: "postfix/smtpd[1]: msg"
        if first.last() == Some(&b':') && first.len() > 1 {
            let (prog, pid) = split_tag(&first[..first.len() - 1])?;
            return Some(Frame {
                ts,
                host: &b[..0],
                prog,
                pid,
                msg: &b[sp + 1..],
            });
        }
        let host = first;
        let rest = &b[sp + 1..];
        // tag ends at ": " (or ':' at end of line); tags have no spaces
        let colon = find_byte(b':', rest)?;
        let tag = &rest[..colon];
        if tag.is_empty() || tag.len() > 96 || find_byte(b' ', tag).is_some() {
            return None;
        }
        let (prog, pid) = split_tag(tag)?;
        let msg = match rest.get(colon + 1) {
            Some(b' ') => &rest[colon + 2..],
            None => &rest[colon + 1..],
            Some(_) => &rest[colon + 1..],
        };
        Some(Frame {
            ts,
            host,
            prog,
            pid,
            msg,
        })
    }

    proptest::proptest! {
        #[test]
        fn host_tag_msg_same_as_reference(
            b in proptest::collection::vec(proptest::sample::select(
                b"ab: []<>1/x.-".to_vec()), 0..60),
        ) {
            proptest::prop_assert_eq!(host_tag_msg(7, &b), host_tag_msg_reference(7, &b));
        }

        #[test]
        fn host_tag_msg_same_as_reference_on_lines(
            b in "(<mail\\.info> )?[a-z0-9.]{0,8} ?[a-z/-]{0,16}(\\[[0-9a-z ]{0,6}\\]?)?:? ?[ -~]{0,12}",
        ) {
            let b = b.as_bytes();
            proptest::prop_assert_eq!(host_tag_msg(7, b), host_tag_msg_reference(7, b));
        }

        #[test]
        fn stamp_cache_compare_is_slice_equality(
            key in proptest::collection::vec(0u8..3, 0..=24),
            last in proptest::collection::vec(0u8..3, 24),
        ) {
            let last: [u8; 24] = last.try_into().unwrap();
            proptest::prop_assert_eq!(eq_upto24(&last, &key), last[..key.len()] == key[..]);
        }
    }

    #[test]
    fn rejects_garbage() {
        let mut c = ctx(Framing::Rfc3164);
        for l in [
            &b""[..],
            b"garbage",
            b"\x00\x01\x02",
            b"Nov 27 19:36",
            b"<22>1 - - - - - -",
        ] {
            assert!(c.frame(l).is_none(), "{:?}", l);
        }
    }

    #[test]
    fn frame_without_host_and_with_pri() {
        let mut c = ctx(Framing::Rfc3164);
        let f = c
            .frame(b"<22>Nov 27 19:36:37 postfix/qmgr[1]: ABC: removed")
            .unwrap();
        assert_eq!(f.host, b"");
        assert_eq!(f.prog, b"postfix/qmgr");
        let f = c
            .frame(b"Nov 27 19:36:37 mail dovecot: imap-login: Login")
            .unwrap();
        assert_eq!(f.prog, b"dovecot");
        assert_eq!(f.msg, b"imap-login: Login");
    }
}
