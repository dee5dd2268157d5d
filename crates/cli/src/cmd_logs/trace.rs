//! `mailway logs trace` (filled in below).
use std::process::ExitCode;
pub(super) fn run(_a: super::TraceArgs) -> anyhow::Result<ExitCode> { anyhow::bail!("not yet") }
