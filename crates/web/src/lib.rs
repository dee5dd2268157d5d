//! HTTP API, metrics and dashboard router
//!
//! Skeleton: filled in by the issue that owns this crate.

// Owned by the relay engine: queue inspection routes and Prometheus metrics.
pub mod metrics;
pub mod queue_api;
