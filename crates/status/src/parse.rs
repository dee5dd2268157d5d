//! Reply parsing: basic reply codes, enhanced status codes and the SMTP command, from anything
//! that holds an SMTP reply — a raw (multi-line) reply, a DSN `Diagnostic-Code:` field, a Postfix
//! or Exim log/bounce sentence, a Sendmail transcript.
//!
//! Everything here works on bytes that are ASCII where it matters and only slices at ASCII
//! positions, so any input (including invalid UTF-8 turned into `str` lossily, NULs, huge lines)
//! is handled without panicking.

use crate::{EnhancedStatus, Reply, SmtpCommand};

/// Upper bound on the text we look at; longer inputs are cut (at a char boundary) first.
/// Replies are short; a multi-megabyte "reply" is garbage and must not cost quadratic time.
pub(crate) const MAX_REPLY_LEN: usize = 64 * 1024;

/// Cuts `s` to at most `max` bytes at a char boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A basic reply code at the start of `line` (`550`, `550-`, `550 `), if any.
fn leading_code(line: &str) -> Option<(u16, &str)> {
    let b = line.as_bytes();
    if b.len() < 3 || !b[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if b.len() > 3 && !matches!(b[3], b' ' | b'-' | b'\t') {
        return None;
    }
    let code = (b[0] - b'0') as u16 * 100 + (b[1] - b'0') as u16 * 10 + (b[2] - b'0') as u16;
    if !is_reply_code(code) {
        return None;
    }
    Some((code, &line[3..]))
}

/// True for a plausible basic SMTP reply code: 2xx..5xx with a second digit 0..5.
pub fn is_reply_code(code: u16) -> bool {
    (200..600).contains(&code) && (code / 10) % 10 <= 5
}

/// Strips a leading enhanced status code (and the space after it) from `s`.
fn strip_leading_status(s: &str) -> (Option<EnhancedStatus>, &str) {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    if end == 0 {
        return (None, s);
    }
    match s[..end].trim_end_matches('.').parse::<EnhancedStatus>() {
        Ok(st) => (Some(st), s[end..].trim_start()),
        Err(_) => (None, s),
    }
}

/// Prefixes of a DSN `Diagnostic-Code:` value that carry no information (`smtp; `).
fn strip_diagnostic_type(s: &str) -> &str {
    let t = s.trim_start();
    if let Some(semi) = t.find(';') {
        let head = &t[..semi];
        if (1..=16).contains(&head.len())
            && head
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            // Only the SMTP/LMTP type says nothing; "X-Postfix;" or "X-Unix;" tell what kind of
            // failure it is (a local pipe, ...) and stay in the text.
            let lower = head.to_ascii_lowercase();
            if lower == "smtp" || lower == "lmtp" || lower == "esmtp" {
                return t[semi + 1..].trim_start();
            }
        }
    }
    t
}

/// An enhanced status code candidate found in text.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    status: EnhancedStatus,
    start: usize,
    end: usize,
}

/// Every plausible enhanced status code in `text`, in order.
fn status_candidates(text: &str) -> Vec<Candidate> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !c.is_ascii_digit() {
            i += 1;
            continue;
        }
        // A run of digits and dots, starting here.
        let start = i;
        let mut end = i;
        while end < b.len() && (b[end].is_ascii_digit() || b[end] == b'.') {
            end += 1;
        }
        let prev_ok = start == 0 || {
            let p = b[start - 1];
            !(p.is_ascii_alphanumeric() || p == b'.' || p == b'_' || p == b'/' || p == b'=')
        };
        // Not followed by something that makes it part of a bigger token (`5.1.1a`, `5.1.1-3`).
        let next_ok = end >= b.len() || {
            let n = b[end];
            !(n.is_ascii_alphabetic()
                || n == b'_'
                || n == b'@'
                || n == b'-' && end + 1 < b.len() && b[end + 1].is_ascii_alphanumeric())
        };
        if prev_ok && next_ok && matches!(c, b'2' | b'4' | b'5') && b.get(start + 1) == Some(&b'.')
        {
            let token = text[start..end].trim_end_matches('.');
            if let Ok(status) = token.parse::<EnhancedStatus>() {
                out.push(Candidate {
                    status,
                    start,
                    end: start + token.len(),
                });
            }
        }
        i = end.max(i + 1);
    }
    out
}

/// Finds the first plausible enhanced status code anywhere in `text` (`#5.1.1`, `[4.4.7]`,
/// `smtp; 550 5.7.1`, `550-5.1.1`). Rejects IP addresses, version strings with more parts and
/// numbers glued to letters. Never panics.
pub fn find_enhanced_status(text: &str) -> Option<EnhancedStatus> {
    status_candidates(truncate(text, MAX_REPLY_LEN))
        .first()
        .map(|c| c.status)
}

/// Finds the enhanced status code that best goes with the basic `code`: the one right after it,
/// else the first of the same class, else the first one.
fn best_status(text: &str, code: Option<(u16, usize)>) -> Option<EnhancedStatus> {
    let cands = status_candidates(text);
    if cands.is_empty() {
        return None;
    }
    if let Some((code, pos)) = code {
        let class = (code / 100) as u8;
        // Directly after the code ("550 5.1.1", "550-5.1.1", "550 #5.1.1").
        if let Some(c) = cands.iter().find(|c| {
            c.start >= pos + 3
                && c.start <= pos + 6
                && text[pos + 3..c.start]
                    .bytes()
                    .all(|b| matches!(b, b' ' | b'-' | b'#' | b'\t' | b'['))
        }) {
            return Some(c.status);
        }
        if let Some(c) = cands.iter().find(|c| c.status.class == class) {
            return Some(c.status);
        }
    }
    // Prefer a marked one (`#5.1.1`, `[5.7.1]`, `(5.1.1)`, `status: 5.1.1`) over a bare one.
    let marked = cands.iter().find(|c| {
        c.start > 0 && matches!(text.as_bytes()[c.start - 1], b'#' | b'[' | b'(' | b':')
            || text.as_bytes().get(c.end) == Some(&b']')
    });
    Some(marked.unwrap_or(&cands[0]).status)
}

/// Anchors after which a reply code follows in prose (Postfix "said:", Exim "host ...]: ",
/// Sendmail "<<< ", generic "reply:").
const CODE_ANCHORS: &[&str] = &[
    "said:",
    "said :",
    "<<< ",
    "<<<",
    "]: ",
    "reply:",
    "response:",
    "replied:",
    "returned '",
    "returned \"",
    "smtp;",
    "error:",
    "answer:",
    "rejected:",
    "server said ",
    "with the error: ",
    "end of data:",
    "initial connection:",
    "data:",
    ">:",
    "ehlo:",
    "helo:",
];

/// Finds a basic reply code inside prose; returns it and its byte position.
fn embedded_code(text: &str) -> Option<(u16, usize)> {
    let lower = text.to_ascii_lowercase();
    let b = text.as_bytes();
    let code_at = |pos: usize| -> Option<u16> {
        let rest = text.get(pos..)?;
        let (code, after) = leading_code(rest)?;
        // Must be followed by text, not another number (avoid "500 000 bytes").
        let after = after.trim_start_matches(['-', ' ', '\t']);
        if after.is_empty() || after.starts_with(|c: char| c.is_ascii_digit()) {
            // "550 5.1.1" is fine: a status follows.
            if strip_leading_status(after).0.is_some() || after.is_empty() {
                return Some(code);
            }
            return None;
        }
        Some(code)
    };
    // 1. After an anchor.
    let mut best: Option<(u16, usize)> = None;
    for anchor in CODE_ANCHORS {
        let mut from = 0;
        while let Some(i) = lower[from..].find(anchor) {
            let mut pos = from + i + anchor.len();
            while pos < b.len() && matches!(b[pos], b' ' | b'\t' | b'"' | b'\'' | b'(') {
                pos += 1;
            }
            // Prefer the earliest failure (4xx/5xx) over earlier positive replies (a Sendmail
            // transcript shows "<<< 250 ok" lines before the failing one).
            if let Some(code) = code_at(pos) {
                let fail = code >= 400;
                let better = match best {
                    None => true,
                    Some((c, p)) => (fail && c < 400) || ((c >= 400) == fail && pos < p),
                };
                if better {
                    best = Some((code, pos));
                }
            }
            from = from + i + anchor.len();
            if from >= lower.len() {
                break;
            }
        }
    }
    if best.is_some() {
        return best;
    }
    // 2. A code immediately followed by an enhanced status of the same class ("... 550 5.1.1 ...").
    for c in status_candidates(text) {
        let s = c.start;
        if s >= 4
            && matches!(b[s - 1], b' ' | b'-')
            && b[s - 4..s - 1].iter().all(u8::is_ascii_digit)
        {
            let before_ok = s == 4 || !b[s - 5].is_ascii_alphanumeric() && b[s - 5] != b'.';
            if let Some((code, _)) = leading_code(&text[s - 4..])
                && before_ok
                && (code / 100) as u8 == c.status.class
            {
                return Some((code, s - 4));
            }
        }
    }
    None
}

/// Phrases that name the SMTP command a reply answered, with the command. Checked
/// case-insensitively; the earliest match in the text wins.
const COMMAND_PHRASES: &[(&str, SmtpCommand)] = &[
    // Postfix: "(in reply to RCPT TO command)"
    ("in reply to rcpt to command", SmtpCommand::Rcpt),
    ("in reply to mail from command", SmtpCommand::Mail),
    ("in reply to end of data command", SmtpCommand::DataEnd),
    ("in reply to data command", SmtpCommand::Data),
    ("in reply to ehlo command", SmtpCommand::Ehlo),
    ("in reply to helo command", SmtpCommand::Helo),
    ("in reply to starttls command", SmtpCommand::Starttls),
    ("in reply to auth ", SmtpCommand::Auth),
    ("in reply to bdat command", SmtpCommand::Bdat),
    ("in reply to xforward command", SmtpCommand::Ehlo),
    ("in reply to rset command", SmtpCommand::Rset),
    ("in reply to quit command", SmtpCommand::Quit),
    ("in reply to initial greeting", SmtpCommand::Connect),
    // Postfix: connection-level failures
    ("refused to talk to me", SmtpCommand::Connect),
    (
        "while receiving the initial server greeting",
        SmtpCommand::Connect,
    ),
    ("while performing the ehlo handshake", SmtpCommand::Ehlo),
    ("while performing the helo handshake", SmtpCommand::Helo),
    (
        "while performing the starttls handshake",
        SmtpCommand::Starttls,
    ),
    ("while sending mail from", SmtpCommand::Mail),
    ("while sending rcpt to", SmtpCommand::Rcpt),
    ("while sending data command", SmtpCommand::Data),
    ("while sending message body", SmtpCommand::Data),
    ("while sending end of data", SmtpCommand::DataEnd),
    // Exim: "SMTP error from remote mail server after RCPT TO:<...>:"
    ("after pipelined rcpt to", SmtpCommand::Rcpt),
    ("after pipelined mail from", SmtpCommand::Mail),
    ("after pipelined data", SmtpCommand::Data),
    ("after rcpt to", SmtpCommand::Rcpt),
    ("after mail from", SmtpCommand::Mail),
    ("after end of data", SmtpCommand::DataEnd),
    ("after sending data block", SmtpCommand::DataEnd),
    ("after data", SmtpCommand::Data),
    ("after initial connection", SmtpCommand::Connect),
    ("after ehlo", SmtpCommand::Ehlo),
    ("after helo", SmtpCommand::Helo),
    ("after starttls", SmtpCommand::Starttls),
    ("after auth", SmtpCommand::Auth),
    ("after bdat", SmtpCommand::Bdat),
    ("after quit", SmtpCommand::Quit),
    // Sendmail transcripts: ">>> RCPT To:<...>"
    (">>> rcpt to", SmtpCommand::Rcpt),
    (">>> mail from", SmtpCommand::Mail),
    (">>> data", SmtpCommand::Data),
    (">>> ehlo", SmtpCommand::Ehlo),
    (">>> helo", SmtpCommand::Helo),
    (">>> starttls", SmtpCommand::Starttls),
    (">>> quit", SmtpCommand::Quit),
    // Generic wording
    ("in response to rcpt to", SmtpCommand::Rcpt),
    ("in response to mail from", SmtpCommand::Mail),
    ("in response to end of data", SmtpCommand::DataEnd),
    ("in response to data", SmtpCommand::Data),
    ("during rcpt to", SmtpCommand::Rcpt),
    ("during mail from", SmtpCommand::Mail),
    ("rcpt to command", SmtpCommand::Rcpt),
    ("mail from command", SmtpCommand::Mail),
];

/// Finds the SMTP command a reply text says it answered. For Sendmail transcripts (several
/// `>>> CMD` lines) the last command before the failing reply counts.
pub fn find_command(text: &str) -> Option<SmtpCommand> {
    let text = truncate(text, MAX_REPLY_LEN);
    let lower = collapse_ws(&text.to_ascii_lowercase());
    let mut best: Option<(usize, SmtpCommand)> = None;
    for (phrase, cmd) in COMMAND_PHRASES {
        let found = if phrase.starts_with(">>>") {
            // The last one counts in a transcript.
            lower.rfind(phrase).map(|p| (usize::MAX - p, *cmd))
        } else {
            lower.find(phrase).map(|p| (p, *cmd))
        };
        if let Some((p, c)) = found
            && best.is_none_or(|(bp, _)| p < bp)
        {
            best = Some((p, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Lower-cased text with every whitespace run collapsed to one space.
pub(crate) fn collapse_ws(s: &str) -> String {
    if s.is_ascii() {
        return collapse_ws_ascii(s);
    }
    collapse_ws_chars(s)
}

/// [`collapse_ws`] character by character (any text).
fn collapse_ws_chars(s: &str) -> String {
    let mut out = Collapsed::new(String::with_capacity(s.len()));
    for ch in s.chars() {
        out.push_or_separate(ch);
    }
    out.into_string()
}

/// A string being written with every run of separators (whitespace, NUL) turned into one
/// space between words: none at the start, none at the end.
pub(crate) struct Collapsed {
    out: String,
    space: bool,
}

impl Collapsed {
    /// Continues `out` (a separator is pending when it is not empty: the next word is set off).
    pub(crate) fn continuing(out: String) -> Self {
        let space = !out.is_empty();
        Self { out, space }
    }

    fn new(out: String) -> Self {
        Self { out, space: false }
    }

    /// A separator: the next word is set off by one space.
    #[inline]
    pub(crate) fn separate(&mut self) {
        self.space = true;
    }

    /// A char of a word.
    #[inline]
    pub(crate) fn push(&mut self, c: char) {
        if self.space && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.space = false;
        self.out.push(c);
    }

    /// `c`, or a separator when it is whitespace or NUL.
    #[inline]
    pub(crate) fn push_or_separate(&mut self, c: char) {
        if c.is_whitespace() || c == '\0' {
            self.separate();
        } else {
            self.push(c);
        }
    }

    pub(crate) fn reserve(&mut self, n: usize) {
        self.out.reserve(n);
    }

    pub(crate) fn into_string(self) -> String {
        self.out
    }
}

/// [`collapse_ws`] of ASCII text, byte by byte: the ASCII characters that are
/// `char::is_whitespace` (TAB, LF, VT, FF, CR, space) and NUL are the separators.
fn collapse_ws_ascii(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut space = false;
    for &b in s.as_bytes() {
        if matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0) {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(b' ');
            }
            space = false;
            out.push(b);
        }
    }
    // ASCII in, ASCII out
    String::from_utf8(out).unwrap_or_default()
}

/// Parses an SMTP reply or any text that contains one. See [`crate::parse_reply`].
pub(crate) fn parse(text: &str) -> Reply {
    let text = truncate(text, MAX_REPLY_LEN);
    let body = strip_diagnostic_type(text);
    let mut reply = Reply::default();
    let mut parts: Vec<&str> = Vec::new();
    let mut first_code_pos: Option<usize> = None;
    let mut leading_status: Option<EnhancedStatus> = None;
    let offset_of = |line: &str| line.as_ptr() as usize - text.as_ptr() as usize;
    for raw_line in body.split(['\n', '\r']) {
        let line = raw_line.trim();
        if line.is_empty() {
            continue;
        }
        match leading_code(line) {
            Some((c, rest)) if reply.code.is_none() || reply.code == Some(c) => {
                if reply.code.is_none() {
                    reply.code = Some(c);
                    first_code_pos = Some(offset_of(line));
                }
                let rest = rest.trim_start_matches(['-', ' ', '\t']);
                let (st, rest) = strip_leading_status(rest);
                if leading_status.is_none() {
                    leading_status = st;
                }
                if !rest.is_empty() {
                    parts.push(rest);
                }
            }
            _ => parts.push(line),
        }
    }
    let mut joined = parts.join(" ");
    if reply.code.is_none()
        && let Some((c, pos)) = embedded_code(text)
    {
        reply.code = Some(c);
        first_code_pos = Some(pos);
    }
    reply.status = match (leading_status, reply.code) {
        (Some(s), _) => Some(s),
        (None, code) => best_status(text, code.zip(first_code_pos)),
    };
    // Folded multi-line replies ("550-5.1.1 a 550-5.1.1 b 550 5.1.1 c" on one line): drop the
    // repeated "CODE-STATUS" markers from the text.
    if let (Some(c), Some(s)) = (reply.code, reply.status) {
        for sep in ['-', ' '] {
            let marker = format!("{c}{sep}{s} ");
            if joined.contains(&marker) {
                joined = joined.replace(&marker, "");
            }
        }
    }
    reply.text = joined;
    reply.command = find_command(text);
    reply
}

#[cfg(test)]
mod tests {

    #[test]
    fn collapse_ws_ascii_is_collapse_ws() {
        let general = collapse_ws_chars;
        let all: String = (0u8..128).map(char::from).collect();
        for s in ["", " ", " a  b\t\x0b\x0cc\r\n\0d ", "x\u{1}y", all.as_str()] {
            assert_eq!(collapse_ws_ascii(s), general(s), "{s:?}");
            assert_eq!(collapse_ws(s), general(s), "{s:?}");
        }
        assert_eq!(collapse_ws("a\u{a0}b\u{3000} c"), "a b c");
    }
    use super::*;

    fn st(s: &str) -> Option<EnhancedStatus> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn leading_codes() {
        assert_eq!(leading_code("550 5.1.1 x").map(|x| x.0), Some(550));
        assert_eq!(leading_code("550-5.1.1 x").map(|x| x.0), Some(550));
        assert_eq!(leading_code("550").map(|x| x.0), Some(550));
        assert_eq!(leading_code("5501 x"), None);
        assert_eq!(leading_code("190 x"), None);
        assert_eq!(leading_code("599 x"), None, "second digit above 5");
    }

    #[test]
    fn multiline_reply() {
        let r = parse(
            "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n550-5.1.1 double-checking the recipient's email address for typos or\r\n550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser",
        );
        assert_eq!(r.code, Some(550));
        assert_eq!(r.status, st("5.1.1"));
        assert!(r.text.starts_with("The email account that you tried"));
        assert!(!r.text.contains("550"));
        assert!(r.text.ends_with("?p=NoSuchUser"));
    }

    #[test]
    fn diagnostic_code_field() {
        let r = parse(
            "smtp; 550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
        );
        assert_eq!(r.code, Some(550));
        assert_eq!(r.status, st("5.1.1"));
        assert!(r.text.starts_with("<nobody@example.org>: Recipient"));
    }

    #[test]
    fn postfix_sentence() {
        let r = parse(
            "host mx.example.org[192.0.2.25] said: 450 4.2.1 <b@example.org>: Recipient address rejected: Greylisted, see https://postgrey.example/ (in reply to RCPT TO command)",
        );
        assert_eq!(r.code, Some(450));
        assert_eq!(r.status, st("4.2.1"));
        assert_eq!(r.command, Some(SmtpCommand::Rcpt));
        let r = parse("connect to mx.example.org[192.0.2.25]:25: Connection timed out");
        assert_eq!(r.code, None);
        assert_eq!(r.status, None, "the IP address and port are not a status");
        let r = parse(
            "host mx.example.org[192.0.2.9] refused to talk to me: 554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org",
        );
        assert_eq!(r.code, Some(554));
        assert_eq!(r.status, st("5.7.1"));
        assert_eq!(r.command, Some(SmtpCommand::Connect));
        let r = parse(
            "host mx.example.org[192.0.2.9] said: 552 5.3.4 Message size exceeds fixed limit (in reply to end of DATA command)",
        );
        assert_eq!(r.command, Some(SmtpCommand::DataEnd));
    }

    #[test]
    fn exim_sentence() {
        let r = parse(
            "SMTP error from remote mail server after RCPT TO:<nobody@example.net>: host mx.example.net [203.0.113.5]: 550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown",
        );
        assert_eq!(r.code, Some(550));
        assert_eq!(r.status, st("5.1.1"));
        assert_eq!(r.command, Some(SmtpCommand::Rcpt));
        let r = parse(
            "SMTP error from remote mail server after end of data: 552 message size exceeds maximum permitted",
        );
        assert_eq!(r.code, Some(552));
        assert_eq!(r.command, Some(SmtpCommand::DataEnd));
        let r = parse(
            "SMTP error from remote mail server after initial connection: 554 mx.example.net ESMTP not accepting messages",
        );
        assert_eq!(r.command, Some(SmtpCommand::Connect));
        assert_eq!(r.code, Some(554));
    }

    #[test]
    fn sendmail_transcript() {
        let r = parse(
            ">>> MAIL From:<a@example.jp> SIZE=1234\n<<< 250 2.1.0 OK\n>>> RCPT To:<b@example.org>\n<<< 550 5.1.1 <b@example.org>... User unknown",
        );
        assert_eq!(r.command, Some(SmtpCommand::Rcpt));
        assert_eq!(r.code, Some(550));
        assert_eq!(r.status, st("5.1.1"));
    }

    #[test]
    fn marked_codes() {
        assert_eq!(
            find_enhanced_status("Remote Server returned '550 #5.1.1 not found'"),
            st("5.1.1")
        );
        assert_eq!(find_enhanced_status("rejected [5.7.1] policy"), st("5.7.1"));
        assert_eq!(find_enhanced_status("(4.4.7)"), st("4.4.7"));
        assert_eq!(find_enhanced_status("ip 10.5.1.1 is listed"), None);
        assert_eq!(find_enhanced_status("deferred - 4.16.55.1; see"), None);
        assert_eq!(find_enhanced_status("5.1.1a"), None);
        assert_eq!(find_enhanced_status("2.5.1-3"), None);
        assert_eq!(find_enhanced_status("gmail-550-5.1.1-nosuchuser.eml"), None);
        assert_eq!(find_enhanced_status("550-5.1.1 The account"), st("5.1.1"));
        let r = parse(
            "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'",
        );
        assert_eq!(r.code, Some(550));
        assert_eq!(r.status, st("5.1.10"));
    }

    #[test]
    fn status_class_matches_code() {
        // a version string before the real code must not win
        let r = parse("Postfix 2.5.1 said: 550 5.7.1 rejected");
        assert_eq!(r.code, Some(550));
        assert_eq!(r.status, st("5.7.1"));
        let r = parse("Exim 4.96: retry timeout exceeded 5.0.0");
        assert_eq!(r.status, st("5.0.0"));
    }

    #[test]
    fn folded_reply_markers_removed() {
        let r = parse(
            "smtp; 550-5.1.1 The email account that you tried to reach does not exist. 550-5.1.1 Please try double-checking 550 5.1.1 https://support.google.com/mail/?p=NoSuchUser",
        );
        assert_eq!(
            r.text,
            "The email account that you tried to reach does not exist. Please try double-checking https://support.google.com/mail/?p=NoSuchUser"
        );
    }

    #[test]
    fn garbage_never_panics() {
        for s in [
            "",
            "5",
            "55",
            "550",
            "550-",
            "5.",
            "5.1.",
            "\u{0}550 5.1.1",
            "ñ550 5.1.1é",
            "said:",
            "said: 5",
            "<<<",
            "]: 4",
            "9999999999.9.9",
        ] {
            let _ = parse(s);
            let _ = find_enhanced_status(s);
            let _ = find_command(s);
        }
        let big = "550 5.1.1 ".repeat(20_000);
        let r = parse(&big);
        assert_eq!(r.code, Some(550));
    }
}
