//! The server side of one SMTP connection: a pure session state machine plus the socket loop
//! that drives it.
//!
//! # Brief overview
//!
//! - [`Session`] is the protocol: it is fed the bytes a client sent ([`Session::receive`]) and
//!   asked what to do next ([`Session::poll`]). It never touches a socket or the clock, so every
//!   rule (EHLO, MAIL/RCPT parameters, DSN, AUTH, relay control, DATA framing) is unit-tested by
//!   feeding bytes and reading replies.
//! - [`serve_connection`] is the socket loop: it reads with timeouts, writes replies, upgrades to
//!   TLS on `STARTTLS` and hands each complete message to a [`MessageSink`]. The sink decides
//!   what `250` means: the relay's sink answers only after the message is durable.
//! - [`tls`] loads a certificate or generates a self-signed one on first start.
//!
//! # Security defaults (what the session refuses)
//!
//! - relaying without authentication from outside the configured networks (`554 5.7.1`),
//! - sender-specified routing in addresses: source routes `@a,@b:user@c`, `user%other@domain`,
//!   `host!user@domain`, quoted local parts that hide an `@` (`553 5.1.3` / `553 5.1.7`),
//! - bare `<LF>` or bare `<CR>` in commands (`521 5.5.2`, connection closed) and in message data
//!   (the message is rejected with `550 5.5.2`): the `<LF>.<LF>`, `<CR>.<CR>` and mixed
//!   end-of-data forms used for SMTP smuggling never end a message here,
//! - AUTH over an unencrypted connection from a non-loopback client (`538 5.7.11`),
//! - plaintext pipelined after `STARTTLS` (discarded, CVE-2011-0411),
//! - HTTP verbs sent to the SMTP port (cross-protocol attacks; connection closed),
//! - command lines over [`MAX_COMMAND_LINE`] bytes (`500 5.5.2`, memory stays bounded),
//! - more than the configured number of errors in one session (`421 4.7.0`).
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use mailway_smtp::server::{Action, Session, SessionConfig};
//!
//! let config = Arc::new(SessionConfig::new("mx.example.test"));
//! let mut s = Session::new(config, "127.0.0.1:40000".parse().unwrap());
//! s.greet();
//! s.receive(b"EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\n");
//! assert_eq!(s.poll(), Action::NeedInput);
//! let out = String::from_utf8(s.take_output()).unwrap();
//! assert!(out.starts_with("220 mx.example.test ESMTP"));
//! assert!(out.contains("250-PIPELINING\r\n"));
//! assert!(out.ends_with("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"));
//! ```

mod address;
mod command;
mod conn;
mod data;
mod net;
mod received;
mod reply;
mod session;
pub mod tls;

pub use address::{Mailbox, PathError, ReversePath, parse_forward_path, parse_reverse_path};
pub use command::MAX_COMMAND_LINE;
pub use conn::{ConnectionLimits, ConnectionSummary, MessageSink, serve_connection};
pub use net::{IpNet, IpNetParseError};
pub use received::{format_rfc5322_date, received_header};
pub use reply::Reply;
pub use session::{
    Action, AllowAll, Body, ClientInfo, DsnNotify, DsnRet, Policy, Recipient, Session,
    SessionConfig, TlsInfo, Transaction,
};
