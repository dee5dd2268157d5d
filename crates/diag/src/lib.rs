//! Domain check, SMTP probe and doctor: findings with evidence
//!
//! Skeleton: filled in by the issue that owns this crate.

pub mod check;
pub mod doctor;
pub mod probe;
