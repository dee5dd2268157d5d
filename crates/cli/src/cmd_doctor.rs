//! `mailway doctor` (skeleton: replaced by the issue that owns it).

use std::process::ExitCode;

/// Arguments of `mailway doctor`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Arguments (not yet implemented).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

/// Runs `mailway doctor`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "`mailway doctor` is not implemented yet (got {:?})",
        args.rest
    )
}
