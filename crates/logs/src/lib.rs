//! MTA log lines to delivery events, correlation and summaries (pure over lines)
//!
//! Skeleton: filled in by the issue that owns this crate.
