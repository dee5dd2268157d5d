//! Test helpers shared by mailway's crates (dev-dependency only).
//!
//! - [`smtp`]: scripted SMTP peers on loopback (accept, tarpit, 421, greylist, slow DATA, TLS).
//! - [`dns`]: an in-process DNS server serving zone text on loopback.
//! - [`postfix`]: a private Debian Postfix instance (own config, queue and data directories).
//! - [`golden`]: golden-file comparison with `MAILWAY_BLESS=1` to regenerate.
//! - [`shared`]: locating `../shared` test data (skip when absent, fail under `CI=true`).

pub mod dns;
pub mod golden;
pub mod postfix;
pub mod shared;
pub mod smtp;
