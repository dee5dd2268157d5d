//! Outbound relay engine: accept, schedule, deliver, DSN, shaping, events.
//!
//! The engine is a library: tests drive it without a process, and `mailway serve` only wires
//! it to sockets (the SMTP listener and the HTTP API).
//!
//! # Brief overview
//!
//! - [`Relay::builder`] opens the spool (recovering what is in it), then runs the scheduler.
//!   The clock ([`Clock`]) and the DNS resolver ([`Resolver`]) are injected, so tests move time
//!   by hand and answer MX queries from an in-process DNS server.
//! - [`Relay::accept`] stores a message durably (temp file, fsync, rename, fsync dir) and only
//!   then returns its [`QueueId`]; the listener answers `250` after that. Its [`AcceptError`]
//!   says which SMTP reply to give (`452 4.3.1` for a full disk, `552 5.3.4` for too big, …).
//! - The scheduler hands due recipients to per-destination queues, which open connections under
//!   Postfix's concurrency feedback (slow start, backoff on connection failures, dead
//!   destinations), reuse them, resolve MX with priorities and failover (IPv6 and IPv4), honour
//!   the route map, use STARTTLS opportunistically and per-phase RFC 5321 timeouts.
//! - Outcomes: 2xx delivered; 5xx failed with a failure DSN; 4xx, timeouts and connection
//!   errors are retried on the [`policy`] schedule until the queue lifetime ends, exactly on
//!   time, with a delay warning on the way and a 5.4.7 failure DSN carrying the last real reply.
//! - Queue operations ([`Relay::list`], [`Relay::show`], [`Relay::why`], [`Relay::retry`],
//!   [`Relay::retry_all`], [`Relay::bounce`], [`Relay::delete`]) work on a running engine and,
//!   through [`RelayBuilder::offline`], on a stopped daemon's spool.
//! - Every step is an [`Event`] ([`Relay::subscribe`], and a JSON Lines log); counters and
//!   histograms for `/metrics` come from [`Relay::metrics`].
//!
//! # Modules owned by the SMTP/HTTP front end
//!
//! `listener` (the SMTP listener: `src/listener*.rs`) and `config` (the daemon's TOML file:
//! `src/config*.rs`) belong to the `mailway serve` front end; the two `pub mod` lines below
//! are theirs, everything else in this crate is the engine. The config embeds
//! [`EngineOptions`] (every field documented there, unknown keys rejected).
//!
//! # Example
//!
//! ```no_run
//! use mailway_relay::{Envelope, EngineOptions, Relay};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let mut opts = EngineOptions::default();
//! opts.routes.insert("example.com".into(), "127.0.0.1:2525".parse()?);
//! let relay = Relay::builder(opts).start().await?;
//! let id = relay
//!     .accept(Envelope::new("me@example.org", ["you@example.com"]), b"Subject: hi\r\n\r\nhello\r\n".to_vec())
//!     .await?; // durable: answer 250
//! println!("queued as {id}");
//! relay.shutdown().await;
//! # Ok(()) }
//! ```

mod clock;
mod deliver;
mod dest;
mod dsn;
mod engine;
mod error;
mod events;
mod metrics;
mod options;
pub mod policy;
mod resolve;
mod view;
mod why;

// Owned by the `mailway serve` front end (SMTP listener, daemon config file).
pub mod config;
pub mod listener;

pub use clock::{BoxFuture, Clock, ManualClock, SystemClock};
pub use engine::{Relay, RelayBuilder};
pub use error::{AcceptError, QueueError, StartError};
pub use events::{Event, EventKind};
pub use metrics::{DestinationStatus, Histogram, MetricsSnapshot, QueueGauge};
pub use options::{
    ConcurrencyOptions, DeliveryOptions, DsnOptions, EngineOptions, IpVersion, RetryPolicy, Route,
    Timeouts, TlsPolicy, duration_serde, parse_route_flag, system_hostname,
};
pub use resolve::{DnsError, MxAnswer, Resolver, SystemResolver};
pub use view::{ListFilter, MessageDetail, MessageSummary, RcptSummary};
pub use why::{RcptWhy, WhyReport, approx};

// The envelope and spool types, so users of the relay need no direct spool dependency.
pub use mailway_spool::{
    BodyType, Envelope, LastReply, MessageRecord, Notify, Origin, ParseQueueIdError, QueueId,
    RcptState, RcptStatus, Recipient, RecoveryReport, Ret,
};
