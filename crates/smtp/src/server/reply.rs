//! SMTP replies as the server sends them (RFC 5321 §4.2, enhanced codes per RFC 3463).

use std::borrow::Cow;
use std::fmt;

/// One SMTP reply: a three-digit code, an optional enhanced status code and one or more text
/// lines. Formatting adds the multi-line `-` continuation markers and the `<CR><LF>` ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Basic reply code, 200..=599.
    pub code: u16,
    /// Enhanced status code such as `5.7.1`, written at the start of every line when present.
    pub enhanced: Option<Cow<'static, str>>,
    /// Text lines (at least one; may be empty strings). Never contain CR or LF.
    pub lines: Vec<String>,
}

impl Reply {
    /// A one-line reply with an enhanced status code.
    pub fn new(code: u16, enhanced: impl Into<Cow<'static, str>>, text: impl Into<String>) -> Self {
        Reply {
            code,
            enhanced: Some(enhanced.into()),
            lines: vec![sanitize(text.into())],
        }
    }

    /// A one-line reply without enhanced status code (greeting, `354`, `334`).
    pub fn plain(code: u16, text: impl Into<String>) -> Self {
        Reply {
            code,
            enhanced: None,
            lines: vec![sanitize(text.into())],
        }
    }

    /// A multi-line reply without enhanced status code (the EHLO response).
    pub fn multiline(code: u16, lines: Vec<String>) -> Self {
        Reply {
            code,
            enhanced: None,
            lines: lines.into_iter().map(sanitize).collect(),
        }
    }

    /// True for 2xx and 3xx replies.
    pub fn is_positive(&self) -> bool {
        self.code < 400
    }

    /// True for 4xx replies.
    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }

    /// True for 5xx replies.
    pub fn is_permanent(&self) -> bool {
        self.code >= 500
    }

    /// The reply on the wire, every line ending in `<CR><LF>`.
    pub fn to_wire(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }

    /// All text lines joined with a space (for logs and error messages).
    pub fn text(&self) -> String {
        self.lines.join(" ")
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.lines.len().max(1);
        for i in 0..n {
            let sep = if i + 1 == n { ' ' } else { '-' };
            let line = self.lines.get(i).map(String::as_str).unwrap_or("");
            match &self.enhanced {
                Some(e) => write!(f, "{}{}{} {}\r\n", self.code, sep, e, line)?,
                None if line.is_empty() && i + 1 == n => write!(f, "{}{}\r\n", self.code, sep)?,
                None => write!(f, "{}{}{}\r\n", self.code, sep, line)?,
            }
        }
        Ok(())
    }
}

/// Removes CR, LF and other control characters so a reply can never be split or forged by text
/// that came from the client (an address echoed back, say).
fn sanitize(s: String) -> String {
    if s.chars().any(|c| c.is_control()) {
        s.chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_and_multi_line_wire_format() {
        assert_eq!(
            Reply::new(250, "2.1.0", "Ok").to_string(),
            "250 2.1.0 Ok\r\n"
        );
        assert_eq!(
            Reply::multiline(250, vec!["mx".into(), "PIPELINING".into(), "DSN".into()]).to_string(),
            "250-mx\r\n250-PIPELINING\r\n250 DSN\r\n"
        );
        assert_eq!(Reply::plain(334, "").to_string(), "334 \r\n");
    }

    #[test]
    fn client_text_cannot_inject_lines() {
        let r = Reply::new(550, "5.1.1", "<a\r\n250 ok@b>");
        assert_eq!(r.to_string(), "550 5.1.1 <a??250 ok@b>\r\n");
    }
}
