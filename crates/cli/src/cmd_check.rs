//! `mailway check` (skeleton: replaced by the issue that owns it).

use std::process::ExitCode;

/// Arguments of `mailway check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Arguments (not yet implemented).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

/// Runs `mailway check`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "`mailway check` is not implemented yet (got {:?})",
        args.rest
    )
}
