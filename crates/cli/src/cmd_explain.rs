//! `mailway explain` (skeleton: replaced by the issue that owns it).

use std::process::ExitCode;

/// Arguments of `mailway explain`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Arguments (not yet implemented).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

/// Runs `mailway explain`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "`mailway explain` is not implemented yet (got {:?})",
        args.rest
    )
}
