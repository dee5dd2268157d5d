//! What queue inspection returns (serializable: the HTTP API sends these as JSON and
//! `mailway queue` reads them back).

use std::time::SystemTime;

use mailway_spool::{MessageRecord, QueueId, RcptState, opt_time_serde, time_serde};
use serde::{Deserialize, Serialize};

/// Which messages [`crate::Relay::list`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ListFilter {
    /// Only messages with at least one recipient in this state.
    pub state: Option<RcptState>,
    /// Only messages with at least one recipient in this domain.
    pub domain: Option<String>,
    /// At most this many (oldest first). `None`: all.
    pub limit: Option<usize>,
}

/// One recipient in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RcptSummary {
    /// The address.
    pub address: String,
    /// Its state.
    pub state: RcptState,
    /// Attempts so far.
    pub attempts: u32,
    /// When it is tried next (none when final or being tried now).
    #[serde(
        with = "opt_time_serde",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_attempt: Option<SystemTime>,
}

/// One message in a listing (`mailway queue ls`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageSummary {
    /// Queue id.
    pub id: QueueId,
    /// Arrival ("first seen").
    #[serde(with = "time_serde")]
    pub arrival: SystemTime,
    /// Content size in bytes.
    pub size: u64,
    /// Envelope sender (empty for `<>`).
    pub sender: String,
    /// Recipients with their states.
    pub recipients: Vec<RcptSummary>,
    /// Earliest next attempt.
    #[serde(
        with = "opt_time_serde",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_attempt: Option<SystemTime>,
    /// When it expires.
    #[serde(with = "time_serde")]
    pub expires: SystemTime,
    /// A delivery attempt is running now.
    pub active: bool,
    /// The last reply seen for any undelivered recipient, in short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reply: Option<String>,
}

/// Everything about one message (`mailway queue show ID`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageDetail {
    /// The spool record: envelope, parameters, per-recipient state and last replies.
    pub record: MessageRecord,
    /// When it expires (arrival + queue lifetime).
    #[serde(with = "time_serde")]
    pub expires: SystemTime,
    /// When the delay warning is or was due (none when warnings are off).
    #[serde(
        with = "opt_time_serde",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub delay_warning_at: Option<SystemTime>,
    /// A delivery attempt is running now.
    pub active: bool,
    /// The message header section (up to 16 KB), for display.
    pub headers: String,
}
