//! Durable message spool: write temp, fsync, rename, fsync dir; recovery scan
//!
//! Skeleton: filled in by the issue that owns this crate.
