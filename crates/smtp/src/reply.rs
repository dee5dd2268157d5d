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
