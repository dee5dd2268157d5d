//! `mailway logs follow` (filled in below).
use std::process::ExitCode;
pub(super) fn run(_a: super::FollowArgs) -> anyhow::Result<ExitCode> { anyhow::bail!("not yet") }
