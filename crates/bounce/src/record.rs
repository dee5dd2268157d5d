//! The public result types: one [`BounceRecord`] per recipient, grouped in an [`Analysis`].

use std::fmt;

use mailway_status::{EnhancedStatus, Reason, SmtpCommand};
use serde::{Deserialize, Serialize};

/// What the reporting MTA did with the message for one recipient (RFC 3464 `Action:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The message could not be delivered and will not be retried.
    Failed,
    /// Delivery is still being retried (a delay warning).
    Delayed,
    /// Delivered to the recipient (a success DSN).
    Delivered,
    /// Handed to a system that does not return DSNs.
    Relayed,
    /// Delivered and forwarded to further recipients (mailing list, alias).
    Expanded,
}

impl Action {
    /// The lower-case RFC 3464 name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Failed => "failed",
            Action::Delayed => "delayed",
            Action::Delivered => "delivered",
            Action::Relayed => "relayed",
            Action::Expanded => "expanded",
        }
    }

    /// Parses an `Action:` value leniently (`failure`, `expired`, `deliverable`... as seen in the
    /// wild). Returns `None` for anything unknown.
    pub fn parse_lenient(s: &str) -> Option<Action> {
        let s = crate::fields::trim_ws(s).trim_end_matches(';').as_bytes();
        // the first word, compared ASCII case-insensitively (no lower-cased copy)
        let end = s
            .iter()
            .position(|&b| matches!(b, b' ' | b'(' | b';'))
            .unwrap_or(s.len());
        let word = s.get(..end).unwrap_or_default();
        // the longest name has 11 bytes
        let mut buf = [0u8; 11];
        let lower = match buf.get_mut(..word.len()) {
            Some(l) => {
                l.copy_from_slice(word);
                l.make_ascii_lowercase();
                &l[..]
            }
            None => return None,
        };
        Some(match lower {
            b"failed" | b"failure" | b"fail" | b"expired" | b"bounced" | b"bounce"
            | b"permanent" => Action::Failed,
            b"delayed" | b"delay" | b"deferred" | b"transient" | b"retry" => Action::Delayed,
            b"delivered" | b"deliverable" | b"delivery" => Action::Delivered,
            b"relayed" => Action::Relayed,
            b"expanded" => Action::Expanded,
            _ => return None,
        })
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recipient of one bounce (or feedback report, or auto-reply).
///
/// The JSON field names are a stable interface (`mailway bounce --json` adds `file`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BounceRecord {
    /// The recipient the report is about (`Final-Recipient`, or the address the vendor names).
    pub recipient: String,
    /// The address as originally given by the sender (`Original-Recipient`), when reported.
    pub original_recipient: Option<String>,
    /// What happened: failed, delayed, delivered, relayed, expanded.
    pub action: Option<Action>,
    /// Enhanced status code as found in the message. `None` when the message carries none (we
    /// never invent one; see the crate docs).
    pub status: Option<EnhancedStatus>,
    /// The three-digit SMTP reply code, when the message shows one.
    pub reply_code: Option<u16>,
    /// The remote server's reply or the reporting MTA's explanation, whitespace-squeezed.
    pub diagnostic_code: Option<String>,
    /// Reason category (Sisimai's vocabulary).
    pub reason: Reason,
    /// True when resending the same message to the same address cannot succeed.
    pub hard_bounce: bool,
    /// The server that gave the error (`Remote-MTA`, or the host named in the text).
    pub remote_mta: Option<String>,
    /// The server that wrote the report (`Reporting-MTA`).
    pub reporting_mta: Option<String>,
    /// The SMTP command the remote server answered with the error, when known.
    pub smtp_command: Option<SmtpCommand>,
    /// When delivery was last attempted (RFC 3339 when the date parses, else as written); falls
    /// back to the date of the report itself.
    pub last_attempt: Option<String>,
    /// Until when the reporting MTA keeps retrying (`Will-Retry-Until`, delay reports only).
    pub will_retry_until: Option<String>,
    /// `Message-ID` of the message that bounced.
    pub original_message_id: Option<String>,
    /// `Subject` of the message that bounced.
    pub original_subject: Option<String>,
    /// Sender address of the message that bounced.
    pub original_from: Option<String>,
    /// Feedback type of an ARF report (`abuse`, `fraud`, `opt-out`, ...).
    pub feedback_type: Option<String>,
    /// Which rule decided the reason: a `mailway-status` rule id, or `recogniser` when the
    /// bounce family's own wording decided (evidence for `explain` and `doctor`).
    pub reason_rule: String,
    /// Which recogniser decided (`rfc3464`, `postfix`, `exim`, `office365`, ...).
    pub detector: String,
}

/// The result of analysing one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analysis {
    /// One record per recipient, in the order the report lists them.
    pub records: Vec<BounceRecord>,
    /// The recogniser that decided (same as each record's `detector`).
    pub detector: String,
    /// Subject of the report itself.
    pub subject: Option<String>,
    /// Problems noticed while reading that did not stop the analysis (truncated MIME, unknown
    /// charset, ...). Each is one sentence.
    pub warnings: Vec<String>,
}

/// Why a message could not be analysed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BounceError {
    /// No bytes at all.
    #[error("empty input")]
    Empty,
    /// Larger than the configured limit.
    #[error("message is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Size of the input.
        size: usize,
        /// The limit in force ([`crate::Options::max_size`]).
        limit: usize,
    },
    /// Binary data, not a mail message.
    #[error("binary data, not a mail message ({0})")]
    Binary(String),
    /// Text, but without a mail header block.
    #[error("not a mail message: no header fields found")]
    NotMail,
    /// A mail message, but no recogniser found a bounce, delay report, feedback report or
    /// auto-reply in it.
    #[error("no bounce recognised{}", .hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    NotRecognised {
        /// What was noticed about the message, e.g. a truncated MIME structure.
        hint: Option<String>,
    },
}
