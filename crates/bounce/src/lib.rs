//! Bounce messages to per-recipient records (RFC 3464 and vendor formats); DSN building (pure)
//!
//! Skeleton: filled in by the issue that owns this crate.
