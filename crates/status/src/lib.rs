//! SMTP replies and enhanced status codes: parse, classify, explain.
//!
//! Pure: no I/O, no clock. This crate is the shared vocabulary of mailway: bounces, logs, probes
//! and the relay all classify SMTP replies through [`classify`].
//!
//! NOTE (skeleton): the public API below is what other crates code against. The owner of this
//! crate extends it (registry data, provider rules, explanations) but keeps these signatures.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An RFC 3463 enhanced status code `class.subject.detail`, e.g. `4.4.7`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnhancedStatus {
    /// 2 (success), 4 (persistent transient failure) or 5 (permanent failure).
    pub class: u8,
    /// Subject, 0..=999.
    pub subject: u16,
    /// Detail, 0..=999.
    pub detail: u16,
}

impl EnhancedStatus {
    /// Builds a code from its three parts.
    pub const fn new(class: u8, subject: u16, detail: u16) -> Self {
        Self {
            class,
            subject,
            detail,
        }
    }

    /// True for class 4 (transient).
    pub fn is_transient(&self) -> bool {
        self.class == 4
    }

    /// True for class 5 (permanent).
    pub fn is_permanent(&self) -> bool {
        self.class == 5
    }
}

impl fmt::Display for EnhancedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// Error returned when a string is not an enhanced status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an enhanced status code: {0:?}")]
pub struct ParseStatusError(pub String);

impl FromStr for EnhancedStatus {
    type Err = ParseStatusError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseStatusError(s.to_string());
        let mut it = s.trim().split('.');
        let class: u8 = it.next().ok_or_else(err)?.parse().map_err(|_| err())?;
        let subject: u16 = it.next().ok_or_else(err)?.parse().map_err(|_| err())?;
        let detail: u16 = it.next().ok_or_else(err)?.parse().map_err(|_| err())?;
        if it.next().is_some() || !matches!(class, 2 | 4 | 5) || subject > 999 || detail > 999 {
            return Err(err());
        }
        Ok(Self::new(class, subject, detail))
    }
}

impl Serialize for EnhancedStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EnhancedStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The SMTP command a reply answered, when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum SmtpCommand {
    /// The greeting after connect.
    Connect,
    Helo,
    Ehlo,
    Starttls,
    Auth,
    Mail,
    Rcpt,
    Data,
    Bdat,
    /// The reply to the final `.` of DATA ("end of data").
    #[serde(rename = "DATA-END")]
    DataEnd,
    Rset,
    Quit,
}

impl SmtpCommand {
    /// Canonical upper-case name (`RCPT`, `DATA`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Connect => "CONNECT",
            Self::Helo => "HELO",
            Self::Ehlo => "EHLO",
            Self::Starttls => "STARTTLS",
            Self::Auth => "AUTH",
            Self::Mail => "MAIL",
            Self::Rcpt => "RCPT",
            Self::Data => "DATA",
            Self::Bdat => "BDAT",
            Self::DataEnd => "DATA-END",
            Self::Rset => "RSET",
            Self::Quit => "QUIT",
        }
    }
}

impl fmt::Display for SmtpCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed SMTP reply (possibly multi-line), or any free text that may hold codes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reply {
    /// The three-digit basic reply code, when present.
    pub code: Option<u16>,
    /// The enhanced status code, when present anywhere in the text.
    pub status: Option<EnhancedStatus>,
    /// The reply text with codes and continuation markers removed, lines joined by a space.
    pub text: String,
    /// The command this reply answered, when known.
    pub command: Option<SmtpCommand>,
}

/// Why a message was not delivered: the reason vocabulary established by Sisimai.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Reason {
    Delivered,
    Feedback,
    Vacation,
    UserUnknown,
    MailboxFull,
    Expired,
    Blocked,
    SpamDetected,
    TooManyConn,
    Speeding,
    AuthFailure,
    RequirePtr,
    BadReputation,
    NetworkError,
    HostUnknown,
    NotAccept,
    Filtered,
    PolicyViolation,
    Rejected,
    SecurityError,
    Suspend,
    SystemError,
    SystemFull,
    MesgTooBig,
    ExceedLimit,
    ContentError,
    NoRelaying,
    HasMoved,
    MailerError,
    SyntaxError,
    VirusDetected,
    FailedStartTls,
    NotCompliantRfc,
    Suppressed,
    OnHold,
    Undefined,
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: &'static [Reason] = &[
        Reason::Delivered,
        Reason::Feedback,
        Reason::Vacation,
        Reason::UserUnknown,
        Reason::MailboxFull,
        Reason::Expired,
        Reason::Blocked,
        Reason::SpamDetected,
        Reason::TooManyConn,
        Reason::Speeding,
        Reason::AuthFailure,
        Reason::RequirePtr,
        Reason::BadReputation,
        Reason::NetworkError,
        Reason::HostUnknown,
        Reason::NotAccept,
        Reason::Filtered,
        Reason::PolicyViolation,
        Reason::Rejected,
        Reason::SecurityError,
        Reason::Suspend,
        Reason::SystemError,
        Reason::SystemFull,
        Reason::MesgTooBig,
        Reason::ExceedLimit,
        Reason::ContentError,
        Reason::NoRelaying,
        Reason::HasMoved,
        Reason::MailerError,
        Reason::SyntaxError,
        Reason::VirusDetected,
        Reason::FailedStartTls,
        Reason::NotCompliantRfc,
        Reason::Suppressed,
        Reason::OnHold,
        Reason::Undefined,
    ];

    /// The lower-case name used in JSON and by Sisimai (`userunknown`, `expired`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            Reason::Delivered => "delivered",
            Reason::Feedback => "feedback",
            Reason::Vacation => "vacation",
            Reason::UserUnknown => "userunknown",
            Reason::MailboxFull => "mailboxfull",
            Reason::Expired => "expired",
            Reason::Blocked => "blocked",
            Reason::SpamDetected => "spamdetected",
            Reason::TooManyConn => "toomanyconn",
            Reason::Speeding => "speeding",
            Reason::AuthFailure => "authfailure",
            Reason::RequirePtr => "requireptr",
            Reason::BadReputation => "badreputation",
            Reason::NetworkError => "networkerror",
            Reason::HostUnknown => "hostunknown",
            Reason::NotAccept => "notaccept",
            Reason::Filtered => "filtered",
            Reason::PolicyViolation => "policyviolation",
            Reason::Rejected => "rejected",
            Reason::SecurityError => "securityerror",
            Reason::Suspend => "suspend",
            Reason::SystemError => "systemerror",
            Reason::SystemFull => "systemfull",
            Reason::MesgTooBig => "mesgtoobig",
            Reason::ExceedLimit => "exceedlimit",
            Reason::ContentError => "contenterror",
            Reason::NoRelaying => "norelaying",
            Reason::HasMoved => "hasmoved",
            Reason::MailerError => "mailererror",
            Reason::SyntaxError => "syntaxerror",
            Reason::VirusDetected => "virusdetected",
            Reason::FailedStartTls => "failedstarttls",
            Reason::NotCompliantRfc => "notcompliantrfc",
            Reason::Suppressed => "suppressed",
            Reason::OnHold => "onhold",
            Reason::Undefined => "undefined",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Reason {
    type Err = ParseStatusError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reason::ALL
            .iter()
            .copied()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseStatusError(s.to_string()))
    }
}

/// Whether a failure is worth retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Temporality {
    /// Success (2xx).
    Success,
    /// Temporary (4xx): the sending server keeps retrying.
    Transient,
    /// Permanent (5xx): no retry.
    Permanent,
    /// No code to tell.
    Unknown,
}

/// The result of classifying a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    /// The reason category.
    pub reason: Reason,
    /// Temporary or permanent.
    pub temporality: Temporality,
    /// Hard bounce: retrying or resending the same message to the same address will not help.
    pub hard_bounce: bool,
    /// Stable identifier of the rule that decided (for evidence and tests).
    pub rule: String,
}

/// Parses an SMTP reply or any text that contains one (`550-5.1.1 ...`, `smtp; 550 5.1.1 ...`,
/// `#5.1.1`, `[5.7.1]`). Never panics.
pub fn parse_reply(text: &str) -> Reply {
    let mut reply = Reply::default();
    let mut parts = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let rest = match line.get(..3).and_then(|c| c.parse::<u16>().ok()) {
            Some(c)
                if (200..600).contains(&c)
                    && !line[3..].starts_with(|ch: char| ch.is_ascii_digit()) =>
            {
                reply.code.get_or_insert(c);
                line[3..].trim_start_matches(['-', ' '])
            }
            _ => line,
        };
        parts.push(rest);
    }
    reply.text = parts.join(" ");
    reply.status = find_enhanced_status(text);
    reply
}

/// Finds the first plausible enhanced status code anywhere in `text`.
pub fn find_enhanced_status(text: &str) -> Option<EnhancedStatus> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if matches!(b[i], b'2' | b'4' | b'5')
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.'))
            && b.get(i + 1) == Some(&b'.')
        {
            let end = text[i..]
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .map(|n| i + n)
                .unwrap_or(b.len());
            let cand = text[i..end].trim_end_matches('.');
            if let Ok(s) = cand.parse::<EnhancedStatus>() {
                return Some(s);
            }
        }
        i += 1;
    }
    None
}

/// Classifies a parsed reply into a reason and temporality, from the code and the text.
pub fn classify(reply: &Reply) -> Classification {
    let temporality = match (reply.status.map(|s| s.class), reply.code.map(|c| c / 100)) {
        (Some(2), _) | (None, Some(2)) => Temporality::Success,
        (Some(4), _) | (None, Some(4)) => Temporality::Transient,
        (Some(5), _) | (None, Some(5)) => Temporality::Permanent,
        _ => Temporality::Unknown,
    };
    let reason = match temporality {
        Temporality::Success => Reason::Delivered,
        _ => Reason::Undefined,
    };
    Classification {
        reason,
        temporality,
        hard_bounce: false,
        rule: "skeleton".into(),
    }
}

/// Parses and classifies free text in one call.
pub fn classify_text(text: &str) -> Classification {
    classify(&parse_reply(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_multiline_gmail_reply() {
        let r = parse_reply(
            "550-5.1.1 The email account that you tried to reach does not exist.\r\n550 5.1.1 https://support.google.com/mail/?p=NoSuchUser",
        );
        assert_eq!(r.code, Some(550));
        assert_eq!(r.status, Some(EnhancedStatus::new(5, 1, 1)));
    }

    #[test]
    fn finds_codes_in_text() {
        assert_eq!(
            find_enhanced_status("#5.1.1 bad"),
            Some(EnhancedStatus::new(5, 1, 1))
        );
        assert_eq!(
            find_enhanced_status("smtp; 550 5.7.1 [x]"),
            Some(EnhancedStatus::new(5, 7, 1))
        );
        assert_eq!(
            find_enhanced_status("[4.4.7]"),
            Some(EnhancedStatus::new(4, 4, 7))
        );
        assert_eq!(find_enhanced_status("version 1.5.1.2"), None);
    }
}
