//! Failure texts: the SMTP stage they came from, normalisation for grouping, and classification
//! through `mailway_status` (with a cache, since logs repeat the same replies endlessly).

use mailway_status::{Reason, Reply, classify};

use crate::event::{Dsn, Stage, Status};
use crate::hash::FxHashMap;

#[inline]
fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    crate::scan::find_short(h, n)
}

/// The stage of a failure text from any MTA (Postfix, Exim, Sendmail, Exchange).
pub fn stage_of(text: &[u8]) -> Stage {
    // Postfix: "(in reply to RCPT TO command)"
    if let Some(i) = find_lit!(text, b"in reply to ") {
        let r = &text[i + 12..];
        return command_stage(r).unwrap_or(Stage::Unknown);
    }
    // Exim: "SMTP error from remote mail server after RCPT TO:<x>: 550 ..."
    if let Some(i) = find_lit!(text, b"from remote mail server after ")
        .map(|i| i + 30)
        .or_else(|| find_lit!(text, b"from remote server after ").map(|i| i + 25))
        .or_else(|| find_lit!(text, b"error after ").map(|i| i + 12))
        .or_else(|| find_lit!(text, b"timeout after ").map(|i| i + 14))
    {
        let r = &text[i..];
        if r.starts_with(b"initial connection") || r.starts_with(b"connection") {
            return Stage::Greeting;
        }
        if r.starts_with(b"pipelined ") {
            return command_stage(&r[10..]).unwrap_or(Stage::Unknown);
        }
        return command_stage(r).unwrap_or(Stage::Unknown);
    }
    if let Some(i) = find_lit!(text, b"while ") {
        let r = &text[i + 6..];
        if find_lit!(r, b"greeting").is_some() {
            return Stage::Greeting;
        }
        if find_lit!(r, b"EHLO").is_some()
            || find_lit!(r, b"HELO").is_some()
            || find_lit!(r, b"LHLO").is_some()
        {
            return Stage::Helo;
        }
        if find_lit!(r, b"TLS").is_some() {
            return Stage::Starttls;
        }
        if let Some(j) = find_lit!(r, b"sending ")
            && let Some(s) = command_stage(&r[j + 8..])
        {
            return s;
        }
        if find_lit!(r, b"end of data").is_some() || find_lit!(r, b"message body").is_some() {
            return Stage::DataEnd;
        }
    }
    let lower_has = |n: &[u8]| text.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    if find_lit!(text, b"refused to talk to me").is_some() || find_lit!(text, b"greeting").is_some()
    {
        return Stage::Greeting;
    }
    if find_lit!(text, b"Host or domain name not found").is_some()
        || find_lit!(text, b"Name service error").is_some()
        || find_lit!(text, b"Host not found").is_some()
        || find_lit!(text, b"host not found").is_some()
        || find_lit!(text, b"Unrouteable").is_some()
        || find_lit!(text, b"MX").is_some() && find_lit!(text, b"lookup").is_some()
        || find_lit!(text, b"DNS").is_some() && find_lit!(text, b"SERVFAIL").is_some()
        || find_lit!(text, b"DNS.").is_some()
    {
        return Stage::Dns;
    }
    if find_lit!(text, b"connect to ").is_some()
        || lower_has(b"connection refused")
        || lower_has(b"connection timed out")
        || lower_has(b"no route to host")
        || lower_has(b"network is unreachable")
        || find_lit!(text, b"all hosts").is_some()
        || lower_has(b"retry time not reached")
    {
        return Stage::Connect;
    }
    if find_lit!(text, b"TLS").is_some()
        || find_lit!(text, b"certificate").is_some()
        || find_lit!(text, b"handshake").is_some()
    {
        return Stage::Starttls;
    }
    if find_lit!(text, b"SASL").is_some() || find_lit!(text, b"authentication").is_some() {
        return Stage::Auth;
    }
    if find_lit!(text, b"mailbox").is_some()
        || find_lit!(text, b"maildir").is_some()
        || find_lit!(text, b"delivered to command").is_some()
        || find_lit!(text, b"unknown user").is_some()
        || find_lit!(text, b"Command died").is_some()
    {
        return Stage::Local;
    }
    Stage::Unknown
}

fn command_stage(r: &[u8]) -> Option<Stage> {
    let w = |p: &[u8]| r.len() >= p.len() && r[..p.len()].eq_ignore_ascii_case(p);
    let s = if w(b"RCPT") {
        Stage::Rcpt
    } else if w(b"MAIL") {
        Stage::Mail
    } else if w(b"end of data") || w(b"end of DATA") || w(b"BDAT") || w(b"message body") {
        Stage::DataEnd
    } else if w(b"DATA") {
        Stage::Data
    } else if w(b"EHLO") || w(b"HELO") || w(b"LHLO") {
        Stage::Helo
    } else if w(b"STARTTLS") {
        Stage::Starttls
    } else if w(b"AUTH") {
        Stage::Auth
    } else if w(b"initial") || w(b"CONNECT") || w(b"greeting") {
        Stage::Greeting
    } else if w(b"XFORWARD") || w(b"XCLIENT") || w(b"RSET") || w(b"QUIT") {
        Stage::Unknown
    } else {
        return None;
    };
    Some(s)
}

/// Splits a failure text into the remote reply (code + text) when it quotes one: Postfix's
/// `host X[ip] said: 451 4.3.0 text (in reply to RCPT TO command)` → (`451`, `4.3.0 text`).
/// Texts without a reply (`connect to ...: Connection refused`) come back whole without a code.
pub fn remote_reply(text: &[u8]) -> (Option<u16>, &[u8]) {
    let mut t = text;
    if let Some(i) = find_lit!(t, b"delivery temporarily suspended: ") {
        t = &t[i + 32..];
    }
    for marker in [&b" said: "[..], b"refused to talk to me: ", b"] said: "] {
        if let Some(i) = find(t, marker) {
            t = &t[i + marker.len()..];
            break;
        }
    }
    // Exim: "...after RCPT TO:<x>: 550 5.1.1 ..." — reply after the last ": " followed by a code
    if let Some(i) = find_lit!(t, b"from remote mail server after ") {
        let r = &t[i..];
        let mut k = 0;
        while let Some(j) = find_lit!(&r[k..], b": ") {
            let c = &r[k + j + 2..];
            if c.len() >= 3 && c[..3].iter().all(u8::is_ascii_digit) {
                t = c;
                break;
            }
            k += j + 2;
        }
    }
    if let Some(i) = find_lit!(t, b" (in reply to ") {
        t = &t[..i];
    }
    let t = trim(t);
    if t.len() >= 3
        && t[..3].iter().all(u8::is_ascii_digit)
        && matches!(t[0], b'2' | b'4' | b'5')
        && t.get(3).is_none_or(|c| *c == b' ' || *c == b'-')
    {
        let code = (t[0] - b'0') as u16 * 100 + (t[1] - b'0') as u16 * 10 + (t[2] - b'0') as u16;
        return (Some(code), trim(&t[3..]));
    }
    (None, t)
}

fn trim(mut t: &[u8]) -> &[u8] {
    while let Some((f, r)) = t.split_first() {
        if f.is_ascii_whitespace() || *f == b'-' {
            t = r;
        } else {
            break;
        }
    }
    while let Some((l, r)) = t.split_last() {
        if l.is_ascii_whitespace() {
            t = r;
        } else {
            break;
        }
    }
    t
}

/// Bytes that can start a normalisation in `normalize_into`: '@' and hexadecimal digits.
static NORM_START: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = c as u8 == b'@' || (c as u8).is_ascii_hexdigit();
        c += 1;
    }
    t
};

fn is_local_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b".!#$%&'*+-/=?^_`{|}~".contains(&c)
}

fn is_domain_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'.' || c == b'-' || c == b'_'
}

/// Appends `text` to `out` with what varies between attempts of the same failure normalised:
/// the local part of addresses (`<user1@ex.com>` → `<*@ex.com>`), Gmail's per-attempt tokens
/// before ` - gsmtp`, ISO time stamps, and long hexadecimal tokens.
pub fn normalize_into(text: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    let n = text.len();
    let start = out.len();
    out.reserve(n);
    // `text[..copied]` is in `out` (unchanged runs are copied in one piece, not byte by byte)
    let mut copied = 0;
    while i < n {
        let c = text[i];
        // only '@' and hexadecimal digits can start something to normalise
        if !NORM_START[c as usize] {
            i += 1;
            continue;
        }
        if c == b'@'
            && i > 0
            && is_local_char(text[i - 1])
            && i + 1 < n
            && is_domain_char(text[i + 1])
        {
            out.extend_from_slice(&text[copied..i]);
            // rewind the local part already copied
            let mut k = out.len();
            while k > start && is_local_char(out[k - 1]) {
                k -= 1;
            }
            out.truncate(k);
            out.extend_from_slice(b"*@");
            i += 1;
            copied = i;
            continue;
        }
        if c.is_ascii_hexdigit() && (i == 0 || !text[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < n && text[j].is_ascii_alphanumeric() {
                j += 1;
            }
            let tok = &text[i..j];
            let hexlen = tok.iter().take_while(|c| c.is_ascii_hexdigit()).count();
            if hexlen >= 16 && hexlen == tok.len() {
                out.extend_from_slice(&text[copied..i]);
                out.push(b'#');
                i = j;
                copied = i;
                continue;
            }
            // ISO time stamp 2025-03-01T10:11:12.345Z
            if tok.len() == 4 && text.get(j) == Some(&b'-') && tok.iter().all(u8::is_ascii_digit) {
                let mut e = j;
                while e < n && (text[e].is_ascii_alphanumeric() || b"-:.+".contains(&text[e])) {
                    e += 1;
                }
                if find_lit!(&text[i..e], b"T").is_some() && e - i >= 19 {
                    out.extend_from_slice(&text[copied..i]);
                    out.push(b'#');
                    i = e;
                    copied = i;
                    continue;
                }
            }
            // the rest of the token is alphanumeric: nothing in it starts a normalisation
            i = j;
            continue;
        }
        i += 1;
    }
    out.extend_from_slice(&text[copied..]);
    // Gmail: "<token> - gsmtp"
    // (a forward search first: it rules the text out faster than the reverse search, which
    // costs more on every text without the marker)
    if find_lit!(&out[start..], b" - gsmtp").is_some()
        && let Some(p) = rfind_lit!(&out[start..], b" - gsmtp")
    {
        let p = start + p;
        let mut k = p;
        while k > start && !out[k - 1].is_ascii_whitespace() {
            k -= 1;
        }
        if k < p {
            out.drain(k..p);
            out.splice(k..k, b"#".iter().copied());
        }
    }
}

/// Classifies failure texts into reasons, remembering results.
#[derive(Default)]
pub struct Classifier {
    cache: FxHashMap<Vec<u8>, Reason>,
    key: Vec<u8>,
    /// Reasons by DSN, stage and whole normalised text: the same text repeats for every
    /// attempt to one destination, and looking it up costs less than building its `cache` key.
    by_norm: FxHashMap<Vec<u8>, Reason>,
    norm_key: Vec<u8>,
}

impl Classifier {
    /// Reason for an attempt. `norm` is the normalised text (cache key).
    pub fn reason(
        &mut self,
        status: Status,
        dsn: Option<Dsn>,
        text: &[u8],
        norm: &[u8],
        stage: Stage,
    ) -> Reason {
        if status == Status::Sent {
            return Reason::Delivered;
        }
        // the whole normalised text with what the class depends on besides it: the `cache` key
        // below is a function of these, so the reason found through it is the same
        let nk = &mut self.norm_key;
        nk.clear();
        match dsn {
            Some(d) => {
                nk.push(b'0' + d.class);
                nk.extend_from_slice(&d.subject.to_le_bytes());
                nk.extend_from_slice(&d.detail.to_le_bytes());
            }
            None => nk.push(b'-'),
        }
        nk.push(stage as u8);
        nk.extend_from_slice(norm);
        if let Some(r) = self.by_norm.get(nk.as_slice()) {
            return *r;
        }
        let r = self.reason_by_key(dsn, text, norm, stage);
        // bounded (whole texts are longer than the keys of `cache`): a few MB at most
        if self.by_norm.len() > 16_384 {
            self.by_norm.clear();
        }
        self.by_norm.insert(self.norm_key.clone(), r);
        r
    }

    /// The reason through the cache keyed without host names and addresses.
    fn reason_by_key(
        &mut self,
        dsn: Option<Dsn>,
        text: &[u8],
        norm: &[u8],
        stage: Stage,
    ) -> Reason {
        // the key: what classification depends on (codes, stage, the remote reply), without the
        // host names and addresses that make each destination's text unique
        let key = &mut self.key;
        key.clear();
        if let Some(d) = dsn {
            key.push(b'0' + d.class);
            key.extend_from_slice(&d.subject.to_le_bytes());
            key.extend_from_slice(&d.detail.to_le_bytes());
        }
        key.push(stage as u8);
        key.push(b'|');
        let (code, rest) = remote_reply(norm);
        key.extend_from_slice(&code.unwrap_or(0).to_le_bytes());
        let body_from = key.len();
        let mut depth = 0u32;
        for &c in rest {
            match c {
                b'[' => depth += 1,
                b']' => depth = depth.saturating_sub(1),
                _ if depth == 0 => key.push(c),
                _ => {}
            }
        }
        // host and domain names (a token with a letter and a dot: `mx3.example.com`,
        // `name=example.nl`, a URL naming the domain) make each destination's text unique
        // without changing its class; they are left out of the key
        let mut w = body_from;
        let mut i = body_from;
        let n = key.len();
        while i < n {
            let c = key[i];
            if c == b' ' || c == b'(' || c == b')' || c == b',' || c == b';' {
                key[w] = c;
                w += 1;
                i += 1;
                continue;
            }
            let mut j = i;
            let (mut dot, mut alpha) = (false, false);
            while j < n && !matches!(key[j], b' ' | b'(' | b')' | b',' | b';') {
                dot |= key[j] == b'.';
                alpha |= key[j].is_ascii_alphabetic();
                j += 1;
            }
            // keep the token's trailing ':' (e.g. `mx.example.com:` before the reply)
            let hostish = dot && alpha && key[j - 1] != b'.';
            if !hostish {
                key.copy_within(i..j, w);
                w += j - i;
            }
            i = j;
        }
        key.truncate(w);
        if let Some(r) = self.cache.get(key.as_slice()) {
            return *r;
        }
        let r = classify_text(dsn, text, stage);
        if self.cache.len() > 50_000 {
            self.cache.clear();
        }
        self.cache.insert(key.clone(), r);
        r
    }
}

/// Classifies one failure text through `mailway_status::classify`.
pub fn classify_text(dsn: Option<Dsn>, text: &[u8], stage: Stage) -> Reason {
    let (code, rest) = remote_reply(text);
    let s = String::from_utf8_lossy(rest);
    let parsed = mailway_status::parse_reply(&s);
    let reply = Reply {
        code: code.or(parsed.code),
        status: dsn.map(Dsn::to_status).or(parsed.status),
        text: if code.is_some() {
            parsed.text
        } else {
            s.into_owned()
        },
        command: stage.command(),
    };
    classify(&reply).reason
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        let mut v = Vec::new();
        normalize_into(s.as_bytes(), &mut v);
        String::from_utf8(v).unwrap()
    }

    /// The byte-at-a-time form `normalize_into` had before it copied unchanged runs whole.
    fn normalize_reference(text: &[u8], out: &mut Vec<u8>) {
        let mut i = 0;
        let n = text.len();
        let start = out.len();
        while i < n {
            let c = text[i];
            if c == b'@'
                && i > 0
                && is_local_char(text[i - 1])
                && i + 1 < n
                && is_domain_char(text[i + 1])
            {
                // rewind the local part already copied
                let mut k = out.len();
                while k > start && is_local_char(out[k - 1]) {
                    k -= 1;
                }
                out.truncate(k);
                out.extend_from_slice(b"*@");
                i += 1;
                continue;
            }
            if c.is_ascii_hexdigit() && (i == 0 || !text[i - 1].is_ascii_alphanumeric()) {
                let mut j = i;
                while j < n && text[j].is_ascii_alphanumeric() {
                    j += 1;
                }
                let tok = &text[i..j];
                let hexlen = tok.iter().take_while(|c| c.is_ascii_hexdigit()).count();
                if hexlen >= 16 && hexlen == tok.len() {
                    out.push(b'#');
                    i = j;
                    continue;
                }
                // ISO time stamp 2025-03-01T10:11:12.345Z
                if tok.len() == 4
                    && text.get(j) == Some(&b'-')
                    && tok.iter().all(u8::is_ascii_digit)
                {
                    let mut e = j;
                    while e < n && (text[e].is_ascii_alphanumeric() || b"-:.+".contains(&text[e])) {
                        e += 1;
                    }
                    if find_lit!(&text[i..e], b"T").is_some() && e - i >= 19 {
                        out.push(b'#');
                        i = e;
                        continue;
                    }
                }
            }
            out.push(c);
            i += 1;
        }
        // Gmail: "<token> - gsmtp"
        // (a forward search first: it rules the text out faster than the reverse search, which
        // costs more on every text without the marker)
        if find_lit!(&out[start..], b" - gsmtp").is_some()
            && let Some(p) = rfind_lit!(&out[start..], b" - gsmtp")
        {
            let p = start + p;
            let mut k = p;
            while k > start && !out[k - 1].is_ascii_whitespace() {
                k -= 1;
            }
            if k < p {
                out.drain(k..p);
                out.splice(k..k, b"#".iter().copied());
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn normalize_same_as_reference(
            t in proptest::collection::vec(proptest::sample::select(
                b"ab@.-_xZ09fF:T+ #<>*gsmtp".to_vec()), 0..120),
            prefix in "[ -~]{0,4}",
        ) {
            let mut a = prefix.as_bytes().to_vec();
            let mut b = a.clone();
            normalize_into(&t, &mut a);
            normalize_reference(&t, &mut b);
            proptest::prop_assert_eq!(a, b);
        }

        #[test]
        fn normalize_same_as_reference_on_replies(
            t in "(host mx[0-9]\\.ex-ample\\.com\\[1\\.2\\.3\\.4\\] said: )?[45][0-9]{2} [45]\\.[0-9]\\.[0-9] <[a-z.+*#]{0,8}@[a-z0-9.-]{0,12}>: [ -~]{0,40}( [0-9a-f]{10,20})?( 2025-03-01T10:11:12\\.345Z)?( [A-Za-z0-9]{0,12} - gsmtp)?",
        ) {
            let mut a = Vec::new();
            let mut b = Vec::new();
            normalize_into(t.as_bytes(), &mut a);
            normalize_reference(t.as_bytes(), &mut b);
            proptest::prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn normalises_recipients_and_tokens() {
        assert_eq!(
            norm(
                "host mx.tempfail.test[127.0.0.11] said: 451 4.3.0 <user1@tempfail.test>: Temporary lookup failure (in reply to RCPT TO command)"
            ),
            "host mx.tempfail.test[127.0.0.11] said: 451 4.3.0 <*@tempfail.test>: Temporary lookup failure (in reply to RCPT TO command)"
        );
        assert_eq!(
            norm(
                "550 5.1.1 https://support.google.com/mail/?p=NoSuchUser ffacd0b85a97d-3a1f9aa12b1si77.5 - gsmtp"
            ),
            "550 5.1.1 https://support.google.com/mail/?p=NoSuchUser # - gsmtp"
        );
        assert_eq!(
            norm(
                "Server busy [AM4PEPF00027A6C.eurprd04.prod.outlook.com 2025-03-01T10:11:12.345Z 08DC3E1F2A1B4C5D]"
            ),
            "Server busy [AM4PEPF00027A6C.eurprd04.prod.outlook.com # #]"
        );
        assert_eq!(norm("no address here"), "no address here");
    }

    #[test]
    fn stages() {
        let s = |t: &str| stage_of(t.as_bytes());
        assert_eq!(
            s("host a[1] said: 450 4.2.0 x (in reply to RCPT TO command)"),
            Stage::Rcpt
        );
        assert_eq!(
            s("host a[1] said: 554 5.7.1 spam (in reply to end of DATA command)"),
            Stage::DataEnd
        );
        assert_eq!(
            s("host a[1] said: 451 x (in reply to MAIL FROM command)"),
            Stage::Mail
        );
        assert_eq!(
            s("connect to mx.refused.test[127.0.0.5]:25: Connection refused"),
            Stage::Connect
        );
        assert_eq!(
            s("conversation with mx[1] timed out while receiving the initial server greeting"),
            Stage::Greeting
        );
        assert_eq!(
            s("host mx.busy.test[127.0.0.6] refused to talk to me: 421 4.3.2 busy"),
            Stage::Greeting
        );
        assert_eq!(
            s("lost connection with mx.drop.test[127.0.0.10] while sending MAIL FROM"),
            Stage::Mail
        );
        assert_eq!(
            s(
                "conversation with mx[1] timed out while sending end of data -- message may be sent more than once"
            ),
            Stage::DataEnd
        );
        assert_eq!(
            s(
                "Host or domain name not found. Name service error for name=x type=MX: Host not found, try again"
            ),
            Stage::Dns
        );
        assert_eq!(
            s("SMTP error from remote mail server after RCPT TO:<x@y>: 550 5.1.1 unknown"),
            Stage::Rcpt
        );
        assert_eq!(
            s("SMTP error from remote mail server after pipelined end of data: 451 later"),
            Stage::DataEnd
        );
        assert_eq!(s("delivered to maildir"), Stage::Local);
    }

    #[test]
    fn remote_replies() {
        let (c, t) = remote_reply(b"host mx[1] said: 451 4.3.0 <a@b>: Temporary lookup failure (in reply to RCPT TO command)");
        assert_eq!(c, Some(451));
        assert_eq!(t, b"4.3.0 <a@b>: Temporary lookup failure");
        let (c, t) = remote_reply(b"connect to mx[1]:25: Connection refused");
        assert_eq!(c, None);
        assert_eq!(t, b"connect to mx[1]:25: Connection refused");
        let (c, _) = remote_reply(
            b"SMTP error from remote mail server after RCPT TO:<a@b>: 550 5.1.1 User unknown",
        );
        assert_eq!(c, Some(550));
    }
}
