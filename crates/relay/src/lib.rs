//! Outbound relay engine: accept, schedule, deliver, DSN, shaping, events
//!
//! Skeleton: filled in by the issue that owns this crate.
