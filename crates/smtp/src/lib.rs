//! One SMTP connection, as a value.
//!
//! # Brief overview
//!
//! The client side ([`SmtpClient`]) is what the relay delivers with and what `mailway probe`
//! measures with: connect (with a timeout) to a `SocketAddr`, read the greeting, EHLO (HELO
//! fallback) with parsed [`Capabilities`], STARTTLS via rustls ([`TlsVerify`]: strict,
//! opportunistic, or record-and-continue for probing), AUTH PLAIN/LOGIN, MAIL FROM with
//! SIZE/BODY/SMTPUTF8/RET/ENVID/REQUIRETLS, RCPT TO with NOTIFY/ORCPT, DATA with CRLF
//! normalisation and dot-stuffing ([`DotStuffer`], streaming), RSET, NOOP, QUIT.
//!
//! - Every reply is an [`SmtpReply`]: code, lines, and [`mailway_status::parse_reply`] of it
//!   carrying the command it answered, ready for [`mailway_status::classify`].
//! - Every phase has its RFC 5321 §4.5.3.2 timeout ([`Timeouts`], configurable, cappable) and
//!   is timed in milliseconds ([`PhaseTiming`]); a transcript is kept ([`TranscriptLine`]).
//! - Reads are bounded ([`Limits`]): a 10 MB banner or endless continuation lines end in a
//!   [`SmtpError::Protocol`] with the offending bytes, never in unbounded memory.
//! - Errors are typed ([`SmtpError`]): refused, unreachable, timed out (with the phase), reset,
//!   closed, TLS failure, protocol error, rejected.
//!
//! Shared types for the server session too: [`Address`] (mailbox parsing), xtext,
//! [`Capabilities`], [`parse_reply_line`], [`unstuff_line`].
//!
//! What this crate must not do: decide policy (retry, which MX, whether 4xx is final) — that is
//! the relay's; resolve DNS — that is `mailway-dns`'s.

mod address;
mod capabilities;
mod client;
mod client_cert;
mod client_tls;
mod data;
mod error;
mod reply;
mod timeouts;

/// Server-side session state machine (owned by the relay-front work).
pub mod server;

pub use address::{Address, AddressError, xtext_decode, xtext_encode};
pub use capabilities::Capabilities;
pub use client::{
    Body, ClientConfig, Direction, MailParams, Notify, PhaseTiming, RcptParams, Ret, SmtpClient,
    TlsPolicy, TranscriptLine,
};
pub use client_cert::{CertificateInfo, hex, rfc3339, sha256, sha512};
pub use client_tls::{CertValidation, TlsClientConfig, TlsInfo, TlsVerify};
pub use data::{DotStuffer, unstuff_line};
pub use error::SmtpError;
pub use reply::{ParsedReply, ReplyLine, ReplyReadError, ReplyReader, SmtpReply, parse_reply_line};
pub use timeouts::{Limits, Phase, Timeouts};

/// Re-exported so callers can name certificate types without depending on rustls directly.
pub use rustls::pki_types::CertificateDer;
