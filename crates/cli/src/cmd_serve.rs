//! `mailway serve` (skeleton: replaced by the issue that owns it).

use std::process::ExitCode;

/// Arguments of `mailway serve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Arguments (not yet implemented).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

/// Runs `mailway serve`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "`mailway serve` is not implemented yet (got {:?})",
        args.rest
    )
}
