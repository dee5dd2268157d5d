//! SMTP replies as read by the client: code, lines, and the `mailway_status` parse.

use std::fmt;

use mailway_status::{EnhancedStatus, Reply, SmtpCommand};
use serde::{Deserialize, Serialize};

use crate::error::SmtpError;

/// One complete (possibly multi-line) SMTP reply, with the command it answered.
///
/// `reply` is [`mailway_status::parse_reply`] of the raw text with `command` set, so it can go
/// straight to [`mailway_status::classify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpReply {
    /// The three-digit reply code (200..=599).
    pub code: u16,
    /// The text of each line, without the code and the `-`/space separator.
    pub lines: Vec<String>,
    /// The parsed reply (code, enhanced status, joined text, command).
    pub reply: Reply,
}

impl SmtpReply {
    /// Builds a reply from its code and line texts, parsing it with `mailway_status`.
    pub fn new(code: u16, lines: Vec<String>, command: Option<SmtpCommand>) -> Self {
        let raw = raw_text(code, &lines);
        let mut reply = mailway_status::parse_reply(&raw);
        reply.command = command;
        reply.code = Some(code);
        Self { code, lines, reply }
    }

    /// The command this reply answered (`None` only for replies built without one).
    pub fn command(&self) -> Option<SmtpCommand> {
        self.reply.command
    }

    /// The enhanced status code (RFC 3463), when the server sent one.
    pub fn status(&self) -> Option<EnhancedStatus> {
        self.reply.status
    }

    /// The text of all lines joined by a space.
    pub fn text(&self) -> &str {
        &self.reply.text
    }

    /// 2xx.
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }

    /// 3xx (e.g. 354 to DATA, 334 to AUTH).
    pub fn is_intermediate(&self) -> bool {
        (300..400).contains(&self.code)
    }

    /// 4xx: try again later.
    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }

    /// 5xx: do not retry.
    pub fn is_permanent(&self) -> bool {
        (500..600).contains(&self.code)
    }

    /// The reply as the server sent it, lines joined with CRLF (no trailing CRLF).
    pub fn raw(&self) -> String {
        raw_text(self.code, &self.lines)
    }

    /// `Ok(self)` when 2xx or 3xx, else [`SmtpError::Rejected`].
    pub fn check(self) -> Result<Self, SmtpError> {
        if self.is_positive() || self.is_intermediate() {
            Ok(self)
        } else {
            Err(SmtpError::Rejected {
                reply: Box::new(self),
            })
        }
    }
}

impl fmt::Display for SmtpReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.lines.join(" / "))
    }
}

fn raw_text(code: u16, lines: &[String]) -> String {
    let mut raw = String::new();
    let n = lines.len().max(1);
    for i in 0..n {
        if i > 0 {
            raw.push_str("\r\n");
        }
        let sep = if i + 1 == n { ' ' } else { '-' };
        let text = lines.get(i).map(String::as_str).unwrap_or("");
        raw.push_str(&format!("{code}{sep}{text}"));
    }
    raw
}

/// One reply line, split: code, whether it is the last line, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyLine {
    /// The three-digit code.
    pub code: u16,
    /// True for `250 text` or `250` (last line), false for `250-text` (continuation).
    pub last: bool,
    /// The text after the separator, trailing CR/LF removed, invalid UTF-8 replaced.
    pub text: String,
}

/// Parses one reply line (CRLF or bare LF already removed or not). Pure; never panics.
///
/// Returns a description of the problem when the line is not `DDD`, `DDD text` or `DDD-text`
/// with `DDD` in 200..=599.
///
/// ```
/// use mailway_smtp::parse_reply_line;
/// let l = parse_reply_line(b"250-SIZE 10240000\r\n").unwrap();
/// assert_eq!((l.code, l.last, l.text.as_str()), (250, false, "SIZE 10240000"));
/// assert!(parse_reply_line(b"HTTP/1.1 400 Bad Request").is_err());
/// ```
pub fn parse_reply_line(line: &[u8]) -> Result<ReplyLine, &'static str> {
    let mut line = line;
    while let [rest @ .., b'\r' | b'\n'] = line {
        line = rest;
    }
    if line.len() < 3 || !line[..3].iter().all(u8::is_ascii_digit) {
        return Err("line does not start with a three-digit reply code");
    }
    let code = u16::from(line[0] - b'0') * 100
        + u16::from(line[1] - b'0') * 10
        + u16::from(line[2] - b'0');
    if !(200..600).contains(&code) {
        return Err("reply code outside 200..599");
    }
    let (last, text) = match line.get(3) {
        None => (true, &[][..]),
        Some(b' ') => (true, &line[4..]),
        Some(b'-') => (false, &line[4..]),
        Some(_) => return Err("reply code not followed by space or hyphen"),
    };
    Ok(ReplyLine {
        code,
        last,
        text: String::from_utf8_lossy(text).into_owned(),
    })
}

/// A reply that could not be read: what is wrong and the offending bytes (at most 512).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyReadError {
    /// What is wrong.
    pub message: String,
    /// The offending bytes (truncated to 512).
    pub bytes: Vec<u8>,
}

fn read_error(message: impl Into<String>, bytes: &[u8]) -> ReplyReadError {
    ReplyReadError {
        message: message.into(),
        bytes: crate::error::evidence(bytes),
    }
}

/// Sans-I/O assembly of SMTP replies from the bytes a server sends, as the client reads them:
/// [`feed`](Self::feed) what arrived, take complete lines with [`next_line`](Self::next_line)
/// and add each to the reply in progress with [`push_line`](Self::push_line) until it returns
/// the whole reply. Bounded by [`Limits`](crate::Limits): no line longer than `max_line_len`
/// is ever buffered, no reply has more than `max_reply_lines` lines. Pure; never panics.
///
/// ```
/// use mailway_smtp::{Limits, ReplyReader};
/// let mut r = ReplyReader::new(&Limits::default());
/// r.feed(b"250-mx.example\r\n250 SIZE 1000\r\n");
/// let l1 = r.next_line().unwrap().unwrap();
/// assert!(r.push_line(&l1).unwrap().is_none());
/// let l2 = r.next_line().unwrap().unwrap();
/// let reply = r.push_line(&l2).unwrap().unwrap();
/// assert_eq!((reply.code, reply.lines.len()), (250, 2));
/// assert!(r.next_line().unwrap().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct ReplyReader {
    buf: Vec<u8>,
    max_line_len: usize,
    max_reply_lines: usize,
    code: Option<u16>,
    lines: Vec<String>,
}

impl ReplyReader {
    /// A reader bounded by `limits`.
    pub fn new(limits: &crate::Limits) -> Self {
        Self {
            buf: Vec::new(),
            max_line_len: limits.max_line_len.max(1),
            max_reply_lines: limits.max_reply_lines.max(1),
            code: None,
            lines: Vec::new(),
        }
    }

    /// Appends received bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes received and not yet taken as a line.
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// True when more bytes may be fed without exceeding the line limit (the caller reads
    /// at most this many more before calling [`next_line`](Self::next_line) again).
    pub fn room(&self) -> usize {
        self.max_line_len.saturating_sub(self.buf.len())
    }

    /// The next complete line (LF included), `Ok(None)` when more bytes are needed, or an
    /// error when the line is longer than the limit.
    pub fn next_line(&mut self) -> Result<Option<Vec<u8>>, ReplyReadError> {
        if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
            if pos + 1 > self.max_line_len {
                return Err(read_error(
                    format!("reply line longer than {} bytes", self.max_line_len),
                    &self.buf,
                ));
            }
            return Ok(Some(self.buf.drain(..=pos).collect()));
        }
        if self.buf.len() >= self.max_line_len {
            return Err(read_error(
                format!("reply line longer than {} bytes", self.max_line_len),
                &self.buf,
            ));
        }
        Ok(None)
    }

    /// Adds one line to the reply in progress: `Ok(Some(reply))` when it was the last line,
    /// `Ok(None)` after a continuation line, an error for a line that is not a reply line or
    /// too many lines.
    pub fn push_line(&mut self, line: &[u8]) -> Result<Option<ParsedReply>, ReplyReadError> {
        let parsed = match parse_reply_line(line) {
            Ok(p) => p,
            Err(m) => {
                self.reset();
                return Err(read_error(m, line));
            }
        };
        if self.lines.len() >= self.max_reply_lines {
            self.reset();
            return Err(read_error(
                format!("more than {} lines in one reply", self.max_reply_lines),
                line,
            ));
        }
        // RFC 5321 §4.2.1 wants one code on every line; like Postfix, tolerate a server that
        // varies it and keep the first.
        let code = *self.code.get_or_insert(parsed.code);
        self.lines.push(parsed.text);
        if parsed.last {
            let lines = std::mem::take(&mut self.lines);
            self.code = None;
            return Ok(Some(ParsedReply { code, lines }));
        }
        Ok(None)
    }

    /// Forgets the reply in progress (not the buffered bytes).
    pub fn reset(&mut self) {
        self.code = None;
        self.lines.clear();
    }

    /// Lines of the reply in progress.
    pub fn pending_lines(&self) -> usize {
        self.lines.len()
    }
}

/// A whole reply as read: its code and the text of each line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedReply {
    /// The code (200..=599).
    pub code: u16,
    /// The text of each line, in order.
    pub lines: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_line_forms() {
        assert_eq!(
            parse_reply_line(b"220 mx.example ESMTP\r\n").unwrap(),
            ReplyLine {
                code: 220,
                last: true,
                text: "mx.example ESMTP".into()
            }
        );
        assert!(parse_reply_line(b"250").unwrap().last);
        assert!(!parse_reply_line(b"250-PIPELINING\n").unwrap().last);
        assert!(parse_reply_line(b"25").is_err());
        assert!(parse_reply_line(b"099 x").is_err());
        assert!(parse_reply_line(b"250x").is_err());
        assert!(parse_reply_line(b"\xff\xfe\xfd").is_err());
        assert_eq!(parse_reply_line(b"250 \xff").unwrap().text, "\u{fffd}");
    }

    #[test]
    fn reader_bounds_and_split_reads() {
        let limits = crate::Limits {
            max_line_len: 16,
            max_reply_lines: 3,
            ..Default::default()
        };
        let mut r = ReplyReader::new(&limits);
        // Split anywhere: the same replies come out.
        for b in b"220 a\r\n250-b\n250 c\r\n" {
            r.feed(&[*b]);
        }
        let mut got = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            if let Some(rep) = r.push_line(&l).unwrap() {
                got.push(rep);
            }
        }
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].lines, vec!["b", "c"]);
        // Too long.
        r.feed(&[b'2'; 16]);
        assert!(
            r.next_line()
                .unwrap_err()
                .message
                .contains("longer than 16")
        );
        // Too many lines, changing code, garbage.
        let mut r = ReplyReader::new(&limits);
        for l in [&b"250-a\n"[..], b"250-a\n", b"250-a\n"] {
            assert!(r.push_line(l).unwrap().is_none());
        }
        assert!(
            r.push_line(b"250 a\n")
                .unwrap_err()
                .message
                .contains("more than 3")
        );
        assert_eq!(r.pending_lines(), 0);
        assert!(r.push_line(b"250-a\n").unwrap().is_none());
        assert_eq!(r.push_line(b"550 a\n").unwrap().unwrap().code, 250);
        assert!(r.push_line(b"HTTP/1.1 400").is_err());
    }

    #[test]
    fn reply_carries_command_and_status() {
        let r = SmtpReply::new(
            451,
            vec!["4.7.1 Greylisted, try again later".into()],
            Some(SmtpCommand::Rcpt),
        );
        assert_eq!(r.command(), Some(SmtpCommand::Rcpt));
        assert_eq!(r.status(), Some(EnhancedStatus::new(4, 7, 1)));
        assert!(r.is_transient());
        assert!(r.clone().check().is_err());
        assert_eq!(r.raw(), "451 4.7.1 Greylisted, try again later");
        let m = SmtpReply::new(250, vec!["a".into(), "b".into()], None);
        assert_eq!(m.raw(), "250-a\r\n250 b");
    }
}
