//! Typed errors of an SMTP client connection.

use std::net::SocketAddr;
use std::time::Duration;

use crate::reply::SmtpReply;
use crate::timeouts::Phase;

/// What went wrong on one SMTP connection. Every variant that happens on an open connection names
/// the [`Phase`]; a reply the server sent (even `421`) is a value ([`SmtpReply`]), turned into
/// [`SmtpError::Rejected`] only by [`SmtpReply::check`] or the high-level helpers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SmtpError {
    /// The peer actively refused the TCP connection (RST to SYN: nothing listens on the port).
    #[error("connection to {addr} refused")]
    Refused {
        /// The address tried.
        addr: SocketAddr,
    },
    /// No route to the address, or the address family is unavailable on this host (e.g. no IPv6).
    #[error("{addr} is unreachable: {source}")]
    Unreachable {
        /// The address tried.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The peer did not answer within the phase's timeout.
    #[error("timed out after {} ms waiting for {phase}", after.as_millis())]
    TimedOut {
        /// The phase that timed out.
        phase: Phase,
        /// The timeout that applied.
        after: Duration,
    },
    /// The connection was reset by the peer (TCP RST).
    #[error("connection reset by peer during {phase}")]
    Reset {
        /// The phase during which it happened.
        phase: Phase,
    },
    /// The peer closed the connection (EOF) while a reply was expected.
    #[error("connection closed by peer during {phase}{}", if partial.is_empty() { String::new() } else { format!(" after a partial line {:?}", String::from_utf8_lossy(partial)) })]
    Closed {
        /// The phase during which it happened.
        phase: Phase,
        /// Bytes of an unfinished line received before the close (at most 512).
        partial: Vec<u8>,
    },
    /// The TLS handshake failed (or, in strict mode, the certificate did not validate).
    #[error("TLS failure during {phase}: {message}")]
    Tls {
        /// The phase ([`Phase::TlsHandshake`] usually).
        phase: Phase,
        /// What rustls reported.
        message: String,
    },
    /// The peer sent something that is not SMTP (garbage, an over-long line, too many
    /// continuation lines, data injected before the TLS handshake).
    #[error(
        "protocol error during {phase}: {message} (offending bytes: {:?})",
        String::from_utf8_lossy(bytes)
    )]
    Protocol {
        /// The phase during which it happened.
        phase: Phase,
        /// What was wrong.
        message: String,
        /// The offending bytes (at most 512 of them).
        bytes: Vec<u8>,
    },
    /// Another I/O error.
    #[error("I/O error during {phase}: {source}")]
    Io {
        /// The phase during which it happened.
        phase: Phase,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The server answered with a transient (4xx) or permanent (5xx) reply where a positive one
    /// was needed.
    #[error("{} rejected: {}", reply.command().map(|c| c.as_str()).unwrap_or("command"), reply)]
    Rejected {
        /// The reply, with the command it answered.
        reply: Box<SmtpReply>,
    },
    /// The server did not advertise an extension the request needs (e.g. SMTPUTF8, STARTTLS).
    #[error("the server does not support {extension}")]
    NotSupported {
        /// The EHLO keyword.
        extension: &'static str,
    },
    /// An argument cannot be sent (CR/LF in an address, an invalid parameter).
    #[error("invalid {what}: {message}")]
    InvalidInput {
        /// What argument.
        what: &'static str,
        /// Why.
        message: String,
    },
}

impl SmtpError {
    /// The phase the error happened in, when it happened on an open connection.
    pub fn phase(&self) -> Option<Phase> {
        match self {
            SmtpError::Refused { .. } | SmtpError::Unreachable { .. } => Some(Phase::Connect),
            SmtpError::TimedOut { phase, .. }
            | SmtpError::Reset { phase }
            | SmtpError::Closed { phase, .. }
            | SmtpError::Tls { phase, .. }
            | SmtpError::Protocol { phase, .. }
            | SmtpError::Io { phase, .. } => Some(*phase),
            SmtpError::Rejected { .. }
            | SmtpError::NotSupported { .. }
            | SmtpError::InvalidInput { .. } => None,
        }
    }

    /// True when retrying later may succeed (timeouts, resets, refused, 4xx replies, TLS and
    /// protocol trouble, which are usually the peer's temporary state).
    pub fn is_transient(&self) -> bool {
        match self {
            SmtpError::Rejected { reply } => !reply.is_permanent(),
            SmtpError::NotSupported { .. } | SmtpError::InvalidInput { .. } => false,
            _ => true,
        }
    }

    /// A short stable name for the kind of error (`refused`, `timed_out`, ...), as in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            SmtpError::Refused { .. } => "refused",
            SmtpError::Unreachable { .. } => "unreachable",
            SmtpError::TimedOut { .. } => "timed_out",
            SmtpError::Reset { .. } => "reset",
            SmtpError::Closed { .. } => "closed",
            SmtpError::Tls { .. } => "tls",
            SmtpError::Protocol { .. } => "protocol",
            SmtpError::Io { .. } => "io",
            SmtpError::Rejected { .. } => "rejected",
            SmtpError::NotSupported { .. } => "not_supported",
            SmtpError::InvalidInput { .. } => "invalid_input",
        }
    }

    pub(crate) fn from_io(phase: Phase, e: std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        match e.kind() {
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => SmtpError::Reset { phase },
            K::UnexpectedEof => SmtpError::Closed {
                phase,
                partial: Vec::new(),
            },
            K::TimedOut => SmtpError::TimedOut {
                phase,
                after: Duration::ZERO,
            },
            _ => SmtpError::Io { phase, source: e },
        }
    }
}

/// At most 512 bytes of `b`, for error evidence.
pub(crate) fn evidence(b: &[u8]) -> Vec<u8> {
    b[..b.len().min(512)].to_vec()
}
