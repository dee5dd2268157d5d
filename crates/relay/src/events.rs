//! Engine events: what happened to each message, as a stream ([`crate::Relay::subscribe`]) and
//! as a JSON Lines log (one object per line; the format is documented in `docs/event-log.md`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use mailway_spool::{QueueId, opt_time_serde, time_serde};
use serde::{Deserialize, Serialize};

/// One event. Serialized as one JSON object: `{"ts":…,"event":"delivered","id":…, …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When it happened (engine clock), RFC 3339 UTC.
    #[serde(with = "time_serde")]
    pub ts: SystemTime,
    /// The queue id of the message concerned.
    pub id: QueueId,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The event types. The `event` field of the JSON object names the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum EventKind {
    /// A message was accepted and is durable in the spool.
    Received {
        /// Envelope sender (empty for `<>`).
        from: String,
        /// Envelope recipients.
        rcpts: Vec<String>,
        /// Content size in bytes.
        size: u64,
        /// `smtp`, `http` or `dsn`.
        protocol: String,
        /// Client address, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client: Option<String>,
        /// The `Message-ID:` header, when present.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<String>,
    },
    /// A delivery attempt to one destination ended (one event per attempt; per-recipient
    /// outcomes follow as `delivered` / `deferred` / `failed`).
    Attempt {
        /// Recipient domain (the destination).
        domain: String,
        /// Recipients tried.
        rcpts: Vec<String>,
        /// The host that answered last (`mx.example.com [192.0.2.1]:25`), if any was reached.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        relay: Option<String>,
        /// Attempt number for these recipients (1 = first).
        attempt: u32,
        /// How long the attempt took, in seconds.
        duration: f64,
        /// Whether the session used TLS.
        #[serde(default)]
        tls: bool,
    },
    /// A recipient was accepted by the next hop.
    Delivered {
        /// The recipient.
        rcpt: String,
        /// The host that accepted it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        relay: Option<String>,
        /// The reply to the end of data.
        reply: String,
        /// Attempts it took.
        attempts: u32,
        /// Seconds from arrival to delivery.
        delay: f64,
    },
    /// A recipient failed temporarily and will be retried.
    Deferred {
        /// The recipient.
        rcpt: String,
        /// The host that answered, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        relay: Option<String>,
        /// The reply or local error.
        reply: String,
        /// Reason category (mailway-status vocabulary: `greylisted`… `toomanyconn`, `networkerror`).
        reason: String,
        /// Attempts so far.
        attempts: u32,
        /// When it will be tried again.
        #[serde(
            with = "opt_time_serde",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        next_attempt: Option<SystemTime>,
    },
    /// A recipient failed permanently (5xx, null MX, admin bounce).
    Failed {
        /// The recipient.
        rcpt: String,
        /// The host that answered, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        relay: Option<String>,
        /// The reply or local error.
        reply: String,
        /// Enhanced status code put in the DSN (`5.1.1`).
        status: String,
        /// Reason category.
        reason: String,
        /// Attempts made.
        attempts: u32,
    },
    /// A recipient's queue lifetime ended while it was still deferred (it now counts as failed).
    Expired {
        /// The recipient.
        rcpt: String,
        /// The last real reply seen (kept for the DSN).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_reply: Option<String>,
        /// Attempts made.
        attempts: u32,
        /// Seconds in the queue.
        age: f64,
    },
    /// A DSN was generated and queued (its own queue id in `dsn_id`).
    DsnSent {
        /// Queue id of the DSN message.
        dsn_id: QueueId,
        /// `failed`, `delayed`, `delivered` or `relayed`.
        action: String,
        /// Who it goes to (the original sender).
        to: String,
        /// The recipients it reports on.
        rcpts: Vec<String>,
    },
    /// An administrator removed the message (`mailway queue delete`); no DSN.
    Deleted {
        /// Recipients still undelivered when it was removed.
        rcpts: Vec<String>,
    },
    /// A spool file could not be read back at start and was moved to `quarantine/`.
    Quarantined {
        /// Where it is now.
        path: String,
        /// What was wrong.
        reason: String,
    },
}

impl EventKind {
    /// The `event` name (`received`, `attempt`, `delivered`, …).
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Received { .. } => "received",
            EventKind::Attempt { .. } => "attempt",
            EventKind::Delivered { .. } => "delivered",
            EventKind::Deferred { .. } => "deferred",
            EventKind::Failed { .. } => "failed",
            EventKind::Expired { .. } => "expired",
            EventKind::DsnSent { .. } => "dsn-sent",
            EventKind::Deleted { .. } => "deleted",
            EventKind::Quarantined { .. } => "quarantined",
        }
    }
}

/// Appends events to a JSON Lines file (line-buffered: each event is one `write`).
#[derive(Debug)]
pub(crate) struct EventLog {
    path: PathBuf,
    file: std::fs::File,
}

impl EventLog {
    pub(crate) fn open(path: &Path) -> std::io::Result<Self> {
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
        })
    }

    pub(crate) fn write(&mut self, ev: &Event) {
        let mut line = match serde_json::to_vec(ev) {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!("cannot encode event: {e}");
                return;
            }
        };
        line.push(b'\n');
        if let Err(e) = self.file.write_all(&line) {
            tracing::warn!(path = %self.path.display(), "cannot write event log: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape() {
        let ev = Event {
            ts: SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_250),
            id: "019A3F2C1B7D0042".parse().unwrap(),
            kind: EventKind::Deferred {
                rcpt: "b@example.com".into(),
                relay: Some("mx.example.com [192.0.2.1]:25".into()),
                reply: "450 4.7.1 greylisted".into(),
                reason: "greylisted".into(),
                attempts: 1,
                next_attempt: None,
            },
        };
        let s = serde_json::to_string(&ev).unwrap();
        assert_eq!(
            s,
            r#"{"ts":"2023-11-14T22:13:20.250Z","id":"019A3F2C1B7D0042","event":"deferred","rcpt":"b@example.com","relay":"mx.example.com [192.0.2.1]:25","reply":"450 4.7.1 greylisted","reason":"greylisted","attempts":1}"#
        );
        let back: Event = serde_json::from_str(&s).unwrap();
        assert_eq!(back, ev);
        assert_eq!(back.kind.name(), "deferred");
    }
}
