//! Typed errors of the engine, each knowing the SMTP / HTTP answer it calls for.

use mailway_spool::{QueueId, SpoolError};
use mailway_status::EnhancedStatus;

/// Why a message was not accepted. Nothing was stored; the client should be told
/// [`AcceptError::smtp_reply`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AcceptError {
    /// The disk (or the user's quota, or the configured spool limit) is full: `452 4.3.1`.
    #[error("insufficient system storage: {0}")]
    StorageFull(#[source] SpoolError),
    /// The message is larger than `max_message_size`: `552 5.3.4`.
    #[error("message size {size} exceeds the fixed maximum message size {limit}")]
    TooBig {
        /// Size offered (declared or actual).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The envelope has no recipient: `554 5.5.1`.
    #[error("no valid recipients")]
    NoRecipients,
    /// An envelope field is unusable (for example a recipient without a domain): `501 5.1.3`.
    #[error("bad envelope: {0}")]
    BadEnvelope(String),
    /// Any other spool I/O error: `451 4.3.0` (nothing stored, the client retries).
    #[error("local error in processing: {0}")]
    Io(#[source] SpoolError),
    /// The engine is shutting down: `421 4.3.2`.
    #[error("the relay is shutting down")]
    ShuttingDown,
}

impl AcceptError {
    /// The SMTP reply code to give the client.
    pub fn smtp_code(&self) -> u16 {
        match self {
            AcceptError::StorageFull(_) => 452,
            AcceptError::TooBig { .. } => 552,
            AcceptError::NoRecipients => 554,
            AcceptError::BadEnvelope(_) => 501,
            AcceptError::Io(_) => 451,
            AcceptError::ShuttingDown => 421,
        }
    }

    /// The enhanced status code to give the client.
    pub fn enhanced_status(&self) -> EnhancedStatus {
        match self {
            AcceptError::StorageFull(_) => EnhancedStatus::new(4, 3, 1),
            AcceptError::TooBig { .. } => EnhancedStatus::new(5, 3, 4),
            AcceptError::NoRecipients => EnhancedStatus::new(5, 5, 1),
            AcceptError::BadEnvelope(_) => EnhancedStatus::new(5, 1, 3),
            AcceptError::Io(_) => EnhancedStatus::new(4, 3, 0),
            AcceptError::ShuttingDown => EnhancedStatus::new(4, 3, 2),
        }
    }

    /// A one-line SMTP reply without internals (paths stay in the log):
    /// `452 4.3.1 Insufficient system storage`.
    pub fn smtp_reply(&self) -> String {
        let text = match self {
            AcceptError::StorageFull(_) => "Insufficient system storage, try again later".into(),
            AcceptError::TooBig { limit, .. } => {
                format!("Message size exceeds fixed maximum message size ({limit} bytes)")
            }
            AcceptError::NoRecipients => "No valid recipients".into(),
            AcceptError::BadEnvelope(why) => format!("Bad envelope: {why}"),
            AcceptError::Io(_) => "Local error in processing, try again later".into(),
            AcceptError::ShuttingDown => "Service shutting down, try again later".into(),
        };
        format!("{} {} {}", self.smtp_code(), self.enhanced_status(), text)
    }

    /// True when the client may retry later (4xx).
    pub fn is_temporary(&self) -> bool {
        self.smtp_code() / 100 == 4
    }

    /// The HTTP status for the injection API: 507 for storage, 413 too big, 400 bad input,
    /// 503 shutting down or I/O.
    pub fn http_status(&self) -> u16 {
        match self {
            AcceptError::StorageFull(_) => 507,
            AcceptError::TooBig { .. } => 413,
            AcceptError::NoRecipients | AcceptError::BadEnvelope(_) => 400,
            AcceptError::Io(_) | AcceptError::ShuttingDown => 503,
        }
    }
}

/// Errors of queue operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// No such message in the queue.
    #[error("no message {0} in the queue")]
    NotFound(QueueId),
    /// The spool failed.
    #[error(transparent)]
    Spool(#[from] SpoolError),
    /// The engine is shutting down.
    #[error("the relay is shutting down")]
    ShuttingDown,
}

impl QueueError {
    /// HTTP status for the queue API.
    pub fn http_status(&self) -> u16 {
        match self {
            QueueError::NotFound(_) => 404,
            QueueError::Spool(_) => 500,
            QueueError::ShuttingDown => 503,
        }
    }
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A setting is invalid (the message names it).
    #[error("invalid relay settings: {0}")]
    Options(String),
    /// The spool cannot be opened (in use, not a spool, I/O).
    #[error(transparent)]
    Spool(#[from] SpoolError),
    /// The event log cannot be opened.
    #[error("cannot open event log {path}: {source}")]
    EventLog {
        /// The path.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The system DNS resolver could not be set up.
    #[error("cannot set up the DNS resolver: {0}")]
    Resolver(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies() {
        let e = AcceptError::StorageFull(SpoolError::QuotaExceeded { used: 1, limit: 1 });
        assert_eq!(
            e.smtp_reply(),
            "452 4.3.1 Insufficient system storage, try again later"
        );
        assert!(e.is_temporary());
        let e = AcceptError::TooBig { size: 2, limit: 1 };
        assert!(e.smtp_reply().starts_with("552 5.3.4 "));
        assert!(!e.is_temporary());
        assert_eq!(e.http_status(), 413);
    }
}
