//! The data the spool keeps: queue ids, envelopes (RFC 5321 + RFC 3461 parameters) and the
//! per-recipient delivery state.

use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// A queue id: 16 upper-case hexadecimal digits, e.g. `019A3F2C1B7D0042`.
///
/// The upper 44 bits are the arrival time in milliseconds since the Unix epoch, the lower 20 bits
/// a counter, so ids sort by arrival (to the millisecond) and stay unique within one spool
/// (see `Spool::new_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueueId(u64);

impl QueueId {
    /// Builds an id from its numeric value.
    pub const fn from_u64(v: u64) -> Self {
        Self(v)
    }

    /// The numeric value.
    pub const fn as_u64(&self) -> u64 {
        self.0
    }

    /// Builds the id for an arrival time (milliseconds since the epoch) and a counter.
    pub fn from_parts(millis: u64, counter: u32) -> Self {
        Self(((millis & ((1 << 44) - 1)) << 20) | u64::from(counter & 0xF_FFFF))
    }

    /// The spool subdirectory (two hex digits) this id is stored under.
    pub fn bucket(&self) -> String {
        format!("{:02X}", self.0 & 0xFF)
    }
}

impl fmt::Display for QueueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016X}", self.0)
    }
}

/// Error for a string that is not a queue id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a queue id (16 hexadecimal digits): {0:?}")]
pub struct ParseQueueIdError(pub String);

impl FromStr for QueueId {
    type Err = ParseQueueIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.len() != 16 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ParseQueueIdError(s.to_string()));
        }
        u64::from_str_radix(t, 16)
            .map(QueueId)
            .map_err(|_| ParseQueueIdError(s.to_string()))
    }
}

impl Serialize for QueueId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for QueueId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// RFC 3461 `RET=`: what a failure DSN returns of the original message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Ret {
    /// The whole message.
    Full,
    /// Only the headers.
    Hdrs,
}

/// RFC 1652 / RFC 3030 `BODY=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum BodyType {
    /// `7BIT`.
    #[serde(rename = "7BIT")]
    SevenBit,
    /// `8BITMIME`.
    #[serde(rename = "8BITMIME")]
    EightBitMime,
    /// `BINARYMIME`.
    #[serde(rename = "BINARYMIME")]
    BinaryMime,
}

impl BodyType {
    /// The ESMTP keyword value.
    pub fn as_str(&self) -> &'static str {
        match self {
            BodyType::SevenBit => "7BIT",
            BodyType::EightBitMime => "8BITMIME",
            BodyType::BinaryMime => "BINARYMIME",
        }
    }
}

/// RFC 3461 `NOTIFY=`: which DSNs the sender asked for. `NOTIFY=NEVER` is all three `false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Notify {
    /// `SUCCESS`.
    pub success: bool,
    /// `FAILURE`.
    pub failure: bool,
    /// `DELAY`.
    pub delay: bool,
}

impl Notify {
    /// `NOTIFY=NEVER`.
    pub const NEVER: Notify = Notify {
        success: false,
        failure: false,
        delay: false,
    };
    /// What the relay does when the client gave no `NOTIFY`: failure and delay notices.
    pub const DEFAULT: Notify = Notify {
        success: false,
        failure: true,
        delay: true,
    };

    /// Parses the ESMTP value (`NEVER` or a comma list of `SUCCESS`, `FAILURE`, `DELAY`).
    pub fn parse(value: &str) -> Option<Notify> {
        let mut n = Notify::NEVER;
        let mut never = false;
        for part in value.split(',') {
            match part.trim().to_ascii_uppercase().as_str() {
                "NEVER" => never = true,
                "SUCCESS" => n.success = true,
                "FAILURE" => n.failure = true,
                "DELAY" => n.delay = true,
                _ => return None,
            }
        }
        // RFC 3461 4.1: NEVER must appear alone.
        if never && (n.success || n.failure || n.delay) {
            return None;
        }
        Some(n)
    }

    /// The ESMTP value (`NEVER` or e.g. `FAILURE,DELAY`).
    pub fn to_esmtp(&self) -> String {
        let mut v = Vec::new();
        if self.success {
            v.push("SUCCESS");
        }
        if self.failure {
            v.push("FAILURE");
        }
        if self.delay {
            v.push("DELAY");
        }
        if v.is_empty() {
            "NEVER".into()
        } else {
            v.join(",")
        }
    }
}

/// Where a message came from (for `Received:` traces, DSNs and `queue show`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    /// `smtp`, `http`, `dsn` (generated by the relay itself) or another short word.
    pub protocol: String,
    /// Client address, e.g. `127.0.0.1:53412`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// EHLO/HELO name the client gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helo: Option<String>,
    /// Authenticated user (SMTP AUTH or API token name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
}

/// One recipient as the client gave it (`RCPT TO:<address> NOTIFY=... ORCPT=...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    /// The forward-path address (`user@example.com`).
    pub address: String,
    /// `NOTIFY=`, when given. `None` means the relay's default ([`Notify::DEFAULT`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<Notify>,
    /// `ORCPT=`, xtext-decoded, with its address type, e.g. `rfc822;user@example.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orcpt: Option<String>,
}

impl Recipient {
    /// A recipient without DSN parameters.
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            notify: None,
            orcpt: None,
        }
    }

    /// The notify flags in effect (the default when none were given).
    pub fn effective_notify(&self) -> Notify {
        self.notify.unwrap_or(Notify::DEFAULT)
    }

    /// The domain part of the address, lower-cased (empty when there is none).
    pub fn domain(&self) -> String {
        domain_of(&self.address)
    }
}

/// The domain of an address, lower-cased, without a trailing dot (empty when there is no `@`).
pub fn domain_of(address: &str) -> String {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase())
        .unwrap_or_default()
}

/// The SMTP envelope of one message, with its ESMTP parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// `MAIL FROM` reverse-path; empty for the null sender `<>` (bounces, which never bounce).
    pub sender: String,
    /// `RET=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ret: Option<Ret>,
    /// `ENVID=`, xtext-decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envid: Option<String>,
    /// `SIZE=` as declared by the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// `BODY=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<BodyType>,
    /// `SMTPUTF8` was given.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub smtputf8: bool,
    /// The recipients, in the order given.
    pub recipients: Vec<Recipient>,
    /// Where the message came from.
    #[serde(default)]
    pub origin: Origin,
}

impl Envelope {
    /// An envelope with a sender and plain recipients.
    pub fn new(
        sender: impl Into<String>,
        recipients: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            sender: sender.into(),
            recipients: recipients.into_iter().map(Recipient::new).collect(),
            ..Default::default()
        }
    }

    /// True for the null reverse-path `<>`.
    pub fn is_null_sender(&self) -> bool {
        self.sender.is_empty()
    }
}

/// Delivery state of one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RcptState {
    /// Not tried yet.
    Pending,
    /// Tried, failed temporarily, will be retried.
    Deferred,
    /// Accepted by the next hop (final).
    Delivered,
    /// Permanently failed or expired (final).
    Failed,
}

impl RcptState {
    /// True for delivered and failed.
    pub fn is_final(&self) -> bool {
        matches!(self, RcptState::Delivered | RcptState::Failed)
    }

    /// Lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            RcptState::Pending => "pending",
            RcptState::Deferred => "deferred",
            RcptState::Delivered => "delivered",
            RcptState::Failed => "failed",
        }
    }
}

/// The last answer (or local failure) seen for a recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LastReply {
    /// When it was seen.
    #[serde(with = "time_serde")]
    pub at: SystemTime,
    /// The SMTP reply (`450 4.7.1 Greylisted, try again later`) or, when `smtp` is false, a local
    /// description (`connect to mx.example.com[192.0.2.1]:25: Connection refused`).
    pub text: String,
    /// True when `text` is what the remote server said.
    pub smtp: bool,
    /// The server that said it: `mx.example.com [192.0.2.1]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_mta: Option<String>,
    /// The SMTP phase (`CONNECT`, `EHLO`, `MAIL`, `RCPT`, `DATA`, `DATA-END`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

/// A recipient with its delivery state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RcptStatus {
    /// The recipient and its DSN parameters.
    #[serde(flatten)]
    pub recipient: Recipient,
    /// Where it stands.
    pub state: RcptState,
    /// Delivery attempts so far.
    #[serde(default)]
    pub attempts: u32,
    /// When the last attempt ended.
    #[serde(
        default,
        with = "opt_time_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_attempt: Option<SystemTime>,
    /// When the next attempt is due (pending and deferred only).
    #[serde(
        default,
        with = "opt_time_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_attempt: Option<SystemTime>,
    /// The last reply, the real one (kept when the recipient expires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reply: Option<LastReply>,
    /// The last reply a remote server actually sent (kept when later attempts end in local
    /// errors such as timeouts, so the expiry DSN still carries it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_smtp_reply: Option<LastReply>,
    /// The enhanced status given in the final DSN (`5.1.1`, `5.4.7`, `2.0.0`), once final.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_status: Option<String>,
    /// True once a delay warning covered this recipient.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delay_notified: bool,
    /// True once the final DSN for this recipient (if any was due) was queued.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dsn_done: bool,
}

impl RcptStatus {
    /// A recipient that was never tried, due at `due`.
    pub fn pending(recipient: Recipient, due: SystemTime) -> Self {
        Self {
            recipient,
            state: RcptState::Pending,
            attempts: 0,
            last_attempt: None,
            next_attempt: Some(due),
            last_reply: None,
            last_smtp_reply: None,
            final_status: None,
            delay_notified: false,
            dsn_done: false,
        }
    }
}

/// Everything the spool knows about one message except its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageRecord {
    /// Format version (currently 1).
    pub version: u32,
    /// The queue id.
    pub id: QueueId,
    /// When the message was accepted ("first seen").
    #[serde(with = "time_serde")]
    pub arrival: SystemTime,
    /// Size of the message content in bytes.
    pub size: u64,
    /// The envelope as received (sender, parameters, origin).
    pub envelope: EnvelopeHead,
    /// Every recipient with its state.
    pub recipients: Vec<RcptStatus>,
    /// The `Message-ID:` header of the content, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Held by an administrator: not scheduled until released.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hold: bool,
}

/// The envelope without its recipients (which live in [`MessageRecord::recipients`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeHead {
    /// Reverse-path, empty for `<>`.
    pub sender: String,
    /// `RET=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ret: Option<Ret>,
    /// `ENVID=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envid: Option<String>,
    /// `SIZE=` declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// `BODY=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<BodyType>,
    /// `SMTPUTF8`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub smtputf8: bool,
    /// Origin.
    #[serde(default)]
    pub origin: Origin,
}

impl MessageRecord {
    /// A fresh record for an accepted message: every recipient pending, due at `arrival`.
    pub fn new(id: QueueId, arrival: SystemTime, envelope: Envelope, size: u64) -> Self {
        let Envelope {
            sender,
            ret,
            envid,
            size: declared,
            body,
            smtputf8,
            recipients,
            origin,
        } = envelope;
        Self {
            version: 1,
            id,
            arrival,
            size,
            envelope: EnvelopeHead {
                sender,
                ret,
                envid,
                size: declared,
                body,
                smtputf8,
                origin,
            },
            recipients: recipients
                .into_iter()
                .map(|r| RcptStatus::pending(r, arrival))
                .collect(),
            message_id: None,
            hold: false,
        }
    }

    /// The full envelope again (sender, parameters and recipients).
    pub fn envelope(&self) -> Envelope {
        Envelope {
            sender: self.envelope.sender.clone(),
            ret: self.envelope.ret,
            envid: self.envelope.envid.clone(),
            size: self.envelope.size,
            body: self.envelope.body,
            smtputf8: self.envelope.smtputf8,
            recipients: self
                .recipients
                .iter()
                .map(|r| r.recipient.clone())
                .collect(),
            origin: self.envelope.origin.clone(),
        }
    }

    /// True when every recipient is delivered or failed.
    pub fn is_done(&self) -> bool {
        self.recipients.iter().all(|r| r.state.is_final())
    }

    /// The earliest next attempt over recipients still to deliver.
    pub fn next_attempt(&self) -> Option<SystemTime> {
        self.recipients
            .iter()
            .filter(|r| !r.state.is_final())
            .filter_map(|r| r.next_attempt)
            .min()
    }
}

/// RFC 3339 timestamps (UTC, millisecond precision) in JSON.
pub mod time_serde {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use serde::{Deserialize, Deserializer, Serializer};

    /// Formats a time as RFC 3339 with milliseconds.
    pub fn format(t: SystemTime) -> String {
        let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        let t = UNIX_EPOCH + Duration::from_millis(d.as_millis() as u64);
        humantime::format_rfc3339_millis(t).to_string()
    }

    /// Parses an RFC 3339 time.
    pub fn parse(s: &str) -> Result<SystemTime, String> {
        humantime::parse_rfc3339_weak(s).map_err(|e| format!("bad timestamp {s:?}: {e}"))
    }

    /// serde serialize.
    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format(*t))
    }

    /// serde deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Optional RFC 3339 timestamps in JSON.
pub mod opt_time_serde {
    use std::time::SystemTime;

    use serde::{Deserialize, Deserializer, Serializer};

    /// serde serialize.
    pub fn serialize<S: Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.collect_str(&super::time_serde::format(*t)),
            None => s.serialize_none(),
        }
    }

    /// serde deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SystemTime>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        s.map(|s| super::time_serde::parse(&s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_id_roundtrip_and_order() {
        let a = QueueId::from_parts(1_700_000_000_000, 1);
        let b = QueueId::from_parts(1_700_000_000_001, 0);
        assert!(a < b);
        let s = a.to_string();
        assert_eq!(s.len(), 16);
        assert_eq!(s.parse::<QueueId>().unwrap(), a);
        assert!("xyz".parse::<QueueId>().is_err());
        assert!("0123456789ABCDEG".parse::<QueueId>().is_err());
        assert_eq!(a.bucket(), "01");
    }

    #[test]
    fn notify_parse() {
        assert_eq!(Notify::parse("NEVER"), Some(Notify::NEVER));
        assert_eq!(
            Notify::parse("success,DELAY"),
            Some(Notify {
                success: true,
                failure: false,
                delay: true
            })
        );
        assert_eq!(Notify::parse("NEVER,SUCCESS"), None);
        assert_eq!(Notify::parse("SOMETIMES"), None);
        assert_eq!(Notify::DEFAULT.to_esmtp(), "FAILURE,DELAY");
    }

    #[test]
    fn record_json_roundtrip() {
        let mut env = Envelope::new("a@example.org", ["b@Example.COM."]);
        env.ret = Some(Ret::Hdrs);
        env.recipients[0].notify = Some(Notify::NEVER);
        env.recipients[0].orcpt = Some("rfc822;b@example.com".into());
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123);
        let rec = MessageRecord::new(QueueId::from_parts(1, 2), t, env.clone(), 10);
        let json = serde_json::to_string(&rec).unwrap();
        let back: MessageRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rec);
        assert_eq!(back.envelope(), env);
        assert_eq!(rec.recipients[0].recipient.domain(), "example.com");
        assert!(json.contains("2023-11-14T22:13:20.123Z"), "{json}");
    }
}
