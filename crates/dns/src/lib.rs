//! DNS lookups for mail diagnostics (hickory), with configurable servers
//!
//! Skeleton: filled in by the issue that owns this crate.
