//! One delivery session to a destination: MX resolution, connection, SMTP transactions.
//!
//! PLACEHOLDER until the `mailway-smtp` client lands on main: every attempt ends in a
//! temporary local failure, so accepted mail stays queued (never lost) and is retried.
#![allow(dead_code)]

use std::convert::Infallible;
use std::sync::Arc;
use std::time::SystemTime;

use mailway_spool::{BodyType, LastReply, Recipient, Ret};
use mailway_status::EnhancedStatus;

use crate::engine::{Inner, Outcome};

/// What one transaction sends.
pub(crate) struct Txn {
    pub(crate) sender: String,
    pub(crate) ret: Option<Ret>,
    pub(crate) envid: Option<String>,
    pub(crate) body: Option<BodyType>,
    pub(crate) smtputf8: bool,
    /// (index in the record, recipient)
    pub(crate) rcpts: Vec<(usize, Recipient)>,
    pub(crate) content: Arc<Vec<u8>>,
}

/// Per-recipient result of a transaction.
pub(crate) enum RcptOutcome {
    Delivered {
        reply: String,
    },
    Transient {
        reply: LastReply,
    },
    Permanent {
        reply: LastReply,
        status: EnhancedStatus,
    },
}

/// The result of one transaction.
pub(crate) struct TxnResult {
    pub(crate) outcomes: Vec<Outcome>,
    /// A connection-level failure (negative concurrency feedback).
    pub(crate) site_failure: bool,
    /// The connection cannot be used any more.
    pub(crate) broken: bool,
    /// Description of the site failure.
    pub(crate) error: Option<String>,
}

/// Why no session could be opened.
pub(crate) struct ConnectFailure {
    pub(crate) site_failure: bool,
    pub(crate) permanent: Option<EnhancedStatus>,
    pub(crate) reply: LastReply,
}

impl ConnectFailure {
    pub(crate) fn describe(&self) -> String {
        self.reply.text.clone()
    }

    pub(crate) fn outcome(&self) -> RcptOutcome {
        match self.permanent {
            Some(status) => RcptOutcome::Permanent {
                reply: self.reply.clone(),
                status,
            },
            None => RcptOutcome::Transient {
                reply: self.reply.clone(),
            },
        }
    }

    pub(crate) fn dead_destination(reason: &str, now: SystemTime) -> Self {
        Self {
            site_failure: false,
            permanent: None,
            reply: LastReply {
                at: now,
                text: format!("delivery temporarily suspended: {reason}"),
                smtp: false,
                remote_mta: None,
                command: None,
            },
        }
    }
}

/// An open SMTP session.
pub(crate) struct Session {
    never: Infallible,
}

impl Session {
    pub(crate) async fn send(&mut self, _txn: &Txn) -> TxnResult {
        match self.never {}
    }
    pub(crate) async fn reset(&mut self) -> bool {
        match self.never {}
    }
    pub(crate) async fn quit(self) {
        match self.never {}
    }
    pub(crate) fn relay_name(&self) -> String {
        match self.never {}
    }
    pub(crate) fn tls(&self) -> bool {
        match self.never {}
    }
    pub(crate) fn dsn(&self) -> bool {
        match self.never {}
    }
}

/// Opens a session to the best reachable host for `domain`.
pub(crate) async fn open_session(
    inner: &Arc<Inner>,
    _domain: &str,
) -> Result<Session, ConnectFailure> {
    let _ = &inner.resolver;
    Err(ConnectFailure {
        site_failure: false,
        permanent: None,
        reply: LastReply {
            at: inner.clock.now(),
            text: "delivery is not available in this build yet (SMTP client pending)".into(),
            smtp: false,
            remote_mta: None,
            command: None,
        },
    })
}
