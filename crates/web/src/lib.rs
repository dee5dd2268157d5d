//! HTTP API, metrics and dashboard router
//!
//! Skeleton: filled in by the issue that owns this crate.
