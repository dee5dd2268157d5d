//! `mailway`: the binary. It only parses flags, calls the libraries, renders results and maps
//! them to exit codes. One module per subcommand.
//!
//! Exit codes (all subcommands): 0 success / nothing wrong, 1 something found (a failure, an
//! error finding, nothing recognised — see each subcommand), 2 the command could not run.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the C library's allocator: the bounce analysis allocates and frees
/// many small strings per message (a tenth of its time went to glibc's malloc and free).
#[global_allocator]
static GLOBAL: mailway_alloc::Mimalloc = mailway_alloc::Mimalloc;

mod cmd_bounce;
mod cmd_check;
mod cmd_doctor;
mod cmd_explain;
mod cmd_logs;
mod cmd_monitor;
pub(crate) mod cmd_probe;
mod cmd_queue;
mod cmd_serve;
mod queue_source;

/// mailway: make sure every email finds its way.
#[derive(Parser, Debug)]
#[command(name = "mailway", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Explain an SMTP reply, an enhanced status code or a bounce message, in plain words.
    Explain(cmd_explain::Args),
    /// Analyse bounce messages (files, mbox, Maildir, directories, stdin): one record per recipient.
    Bounce(cmd_bounce::Args),
    /// Analyse mail logs (Postfix, Exim, Sendmail, Exchange): summary, trace, follow.
    Logs(cmd_logs::Args),
    /// Check a domain's DNS, authentication and reputation setup.
    Check(cmd_check::Args),
    /// Probe the SMTP servers of a domain or host, with timings per phase.
    Probe(cmd_probe::Args),
    /// From a bounce, a domain or a stuck message to a ranked diagnosis.
    Doctor(cmd_doctor::Args),
    /// Run the outbound relay (SMTP listener, HTTP API, delivery engine).
    Serve(cmd_serve::Args),
    /// Inspect and act on the relay's queue.
    Queue(cmd_queue::Args),
    /// Web dashboard with plots: mailway's queue, a Postfix queue and mail logs.
    Monitor(cmd_monitor::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Explain(a) => cmd_explain::run(a),
        Command::Bounce(a) => cmd_bounce::run(a),
        Command::Logs(a) => cmd_logs::run(a),
        Command::Check(a) => cmd_check::run(a),
        Command::Probe(a) => cmd_probe::run(a),
        Command::Doctor(a) => cmd_doctor::run(a),
        Command::Serve(a) => cmd_serve::run(a),
        Command::Queue(a) => cmd_queue::run(a),
        Command::Monitor(a) => cmd_monitor::run(a),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("mailway: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
