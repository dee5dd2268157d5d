//! One SMTP connection: client with phase timings and RFC 5321 timeouts, STARTTLS; server session state machine
//!
//! Skeleton: filled in by the issue that owns this crate.

pub mod server;
