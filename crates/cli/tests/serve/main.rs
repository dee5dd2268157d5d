//! `mailway serve` as users run it: the real binary, real sockets on loopback.
//!
//! | module | what |
//! |---|---|
//! | `smoke` | embedded defaults, SMTP and HTTP injection end to end, bad config, SIGTERM |
//! | `crash` | 2,000 messages injected while the daemon is `kill -9`ed repeatedly: every `250` is delivered |
//! | `interop` | swaks as a client (plain, STARTTLS, AUTH, relay denied); Postfix → mailway; mailway → Postfix |
//! | `faults` | malformed commands, binary garbage, a 1 MB command line, a client stalling mid-DATA, a corrupt spool file at start |
//! | `diskfull` | a full spool filesystem (tmpfs): `452 4.3.1`, the daemon survives, nothing acknowledged is lost |
//!
//! Postfix and swaks are skipped (with a message) when absent outside CI, and required under
//! `CI=true`. Postfix runs as private instances on 127.0.30.0/24, never the system one.

mod crash;
mod diskfull;
mod faults;
mod interop;
mod smoke;
mod support;
