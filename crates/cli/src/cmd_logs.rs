//! `mailway logs`: summarise, trace and follow Postfix, Exim, Sendmail and Exchange logs.
//!
//! Exit codes: `summary` 0, or 1 when messages expired or pending messages are close to expiry;
//! `trace` 0 when a message matched, 1 when none did; `follow` runs until interrupted; 2 when
//! the command could not run (unreadable input, bad option).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::Context;
use clap::{Args as ClapArgs, Subcommand};
use mailway_logs::pipeline::{self, PipelineOptions};
use mailway_logs::time::{Zone, parse_duration};
use mailway_logs::{CorrelateOptions, Correlator, Summary, SummaryOptions};

mod explain;
mod follow;
mod input;
mod render;
mod trace;

/// Arguments of `mailway logs`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Totals, breakdowns by domain/relay/reason/stage, grouped deferrals, self-resolution,
    /// pending messages and an hourly histogram.
    Summary(SummaryArgs),
    /// The whole story of one message: every attempt, explained, across files and hops.
    Trace(TraceArgs),
    /// Follow a log as it grows (like `tail -F`), with classified lines and alerts.
    Follow(FollowArgs),
}

/// Options shared by the reading commands.
#[derive(ClapArgs, Debug, Clone)]
pub struct ReadOpts {
    /// Time zone of log times that carry none (RFC 3164, Exim): `local`, `UTC`, `+01:00`,
    /// `Europe/Madrid`. Also the zone of reported times.
    #[arg(long, default_value = "local", value_name = "ZONE")]
    tz: String,
    /// Year of the first line of year-less logs (RFC 3164), instead of inferring it from the
    /// file's modification time.
    #[arg(long, value_name = "YEAR")]
    year: Option<i64>,
    /// Parser threads (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Never show a progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Show examples of skipped and unrecognised lines.
    #[arg(short, long)]
    verbose: bool,
}

impl ReadOpts {
    fn zone(&self) -> anyhow::Result<Zone> {
        Zone::parse(&self.tz).map_err(|e| anyhow::anyhow!("--tz: {e}"))
    }

    fn pipeline(&self, zone: &Zone) -> PipelineOptions {
        let mut p = PipelineOptions {
            zone: zone.clone(),
            year: self.year,
            max_examples: if self.verbose { 10 } else { 3 },
            ..PipelineOptions::default()
        };
        if let Some(t) = self.threads {
            p.threads = t.max(1);
        }
        p
    }
}

#[derive(ClapArgs, Debug)]
struct SummaryArgs {
    /// Log files (plain or .gz; rotated sets are read oldest first); `-` or nothing reads
    /// standard input (or /var/log/mail.log* when standard input is a terminal).
    files: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Queue lifetime for "time left" of pending messages (Postfix maximal_queue_lifetime).
    #[arg(long, default_value = "5d", value_name = "DURATION")]
    queue_lifetime: String,
    /// Queue lifetime of bounce messages (Postfix bounce_queue_lifetime); default: the queue
    /// lifetime.
    #[arg(long, value_name = "DURATION")]
    bounce_queue_lifetime: Option<String>,
    /// Flag pending messages with less time left than this.
    #[arg(long, default_value = "1d", value_name = "DURATION")]
    warn_within: String,
    /// Rows per table in the text output (JSON has every row).
    #[arg(long, default_value_t = 15, value_name = "N")]
    top: usize,
    #[command(flatten)]
    read: ReadOpts,
    /// Only read and split the input (no parsing): measures input and decompression speed.
    #[arg(long, hide = true)]
    read_only: bool,
}

#[derive(ClapArgs, Debug)]
struct TraceArgs {
    /// Queue id, Message-ID (with or without <>), sender or recipient address.
    query: String,
    /// Log files (as for `summary`).
    files: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Language of explanations: en or es (default: from LC_ALL, LC_MESSAGES or LANG).
    #[arg(long, value_name = "LANG")]
    lang: Option<String>,
    /// Queue lifetime (for messages still pending at the end).
    #[arg(long, default_value = "5d", value_name = "DURATION")]
    queue_lifetime: String,
    /// Show at most this many messages (most recent last).
    #[arg(long, default_value_t = 50, value_name = "N")]
    limit: usize,
    #[command(flatten)]
    read: ReadOpts,
}

#[derive(ClapArgs, Debug)]
struct FollowArgs {
    /// The log file to follow.
    file: PathBuf,
    /// Print JSON Lines.
    #[arg(long)]
    json: bool,
    /// Read the file from the beginning instead of from its end.
    #[arg(long)]
    from_start: bool,
    /// Alert when a domain gets at least this many deferrals within --window.
    #[arg(long, default_value_t = 20, value_name = "N")]
    spike_threshold: u32,
    /// Window for deferral spikes.
    #[arg(long, default_value = "5m", value_name = "DURATION")]
    window: String,
    /// Show every MTA line, not only delivery events and alerts.
    #[arg(long)]
    all: bool,
    /// Poll interval in milliseconds.
    #[arg(long, default_value_t = 250, value_name = "MS")]
    poll_ms: u64,
    /// Stop after this many seconds without new data (for scripts and tests; default: never).
    #[arg(long, hide = true, value_name = "SECS")]
    idle_exit: Option<u64>,
    /// Time zone of log times without one, and of shown times.
    #[arg(long, default_value = "local", value_name = "ZONE")]
    tz: String,
    /// Year of the first year-less stamp.
    #[arg(long, value_name = "YEAR")]
    year: Option<i64>,
    /// Queue lifetime (to tell how long a message stayed before expiring).
    #[arg(long, default_value = "5d", value_name = "DURATION")]
    queue_lifetime: String,
}

fn duration(name: &str, v: &str) -> anyhow::Result<i64> {
    parse_duration(v)
        .with_context(|| format!("{name}: not a duration: {v:?} (examples: 5d, 12h, 90m, 3600)"))
}

/// Runs `mailway logs`.
pub fn run_cmd(args: Args) -> anyhow::Result<ExitCode> {
    match args.cmd {
        Cmd::Summary(a) => summary(a),
        Cmd::Trace(a) => trace::run(a),
        Cmd::Follow(a) => follow::run(a),
    }
}

/// Runs `mailway logs` (entry point used by `main`).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    run_cmd(args)
}

/// A progress bar on stderr while `f` runs, when stderr is a terminal and the input is large.
/// Under `--verbose` (trace): skipped and unrecognised lines per input, with examples, on stderr.
fn report_skipped(inputs: &[mailway_logs::summary::InputReport]) {
    for i in inputs {
        eprintln!(
            "mailway: {} ({}, {} bytes): {} lines, {} skipped, {} unrecognised",
            i.name, i.format, i.bytes, i.lines.total, i.lines.skipped, i.lines.unknown_mta
        );
        for (n, why, text) in &i.lines.examples {
            eprintln!("  line {}: {}: {}", n + 1, why, text);
        }
    }
}

fn with_progress<T>(inputs: &input::Inputs, enabled: bool, f: impl FnOnce() -> T) -> T {
    let show = enabled && std::io::stderr().is_terminal() && inputs.total_bytes > 32 << 20;
    if !show {
        return f();
    }
    let pb = indicatif::ProgressBar::new(inputs.total_bytes);
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} reading {bytes}/{total_bytes} {wide_bar} {binary_bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let counter = std::sync::Arc::clone(&inputs.read);
    let d2 = std::sync::Arc::clone(&done);
    let pb2 = pb.clone();
    let t = std::thread::spawn(move || {
        while !d2.load(Ordering::Relaxed) {
            pb2.set_position(counter.load(Ordering::Relaxed));
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    });
    let r = f();
    done.store(true, Ordering::Relaxed);
    let _ = t.join();
    pb.finish_and_clear();
    r
}

fn summary(a: SummaryArgs) -> anyhow::Result<ExitCode> {
    let zone = a.read.zone()?;
    let lifetime = duration("--queue-lifetime", &a.queue_lifetime)?;
    let bounce_lifetime = match &a.bounce_queue_lifetime {
        Some(v) => duration("--bounce-queue-lifetime", v)?,
        None => lifetime,
    };
    let warn = duration("--warn-within", &a.warn_within)?;
    let mut popts = a.read.pipeline(&zone);
    popts.read_only = a.read_only;
    let mut inputs = input::open(&a.files, &zone)?;
    let sources = std::mem::take(&mut inputs.sources);
    let sopts = SummaryOptions {
        queue_lifetime: lifetime,
        bounce_queue_lifetime: bounce_lifetime,
        warn_within: warn,
        zone: zone.clone(),
    };
    let mut correlator = Correlator::new(
        CorrelateOptions {
            queue_lifetime: lifetime.max(bounce_lifetime),
        },
        Summary::new(sopts),
    );
    let started = std::time::Instant::now();
    let total = inputs.total_bytes;
    let progress = !a.read.no_progress;
    let read_counter = std::sync::Arc::clone(&inputs.read);
    let result = with_progress(&inputs, progress, || {
        pipeline::run(sources, &popts, &mut correlator)
    });
    let reports = result?;
    let (sink, names, first, last) = correlator.finish();
    let report = sink.report(&names, first, last, reports);
    let elapsed = started.elapsed();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if a.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        render::summary(&mut out, &report, &zone, a.top, a.read.verbose)?;
    }
    out.flush()?;
    if a.read.verbose {
        let bytes = read_counter.load(Ordering::Relaxed).max(total);
        eprintln!(
            "mailway: read {:.1} MB in {:.2}s ({:.0} MB/s)",
            bytes as f64 / 1e6,
            elapsed.as_secs_f64(),
            bytes as f64 / 1e6 / elapsed.as_secs_f64().max(1e-9)
        );
    }
    let at_risk = report.totals.expired > 0 || report.pending.iter().any(|p| p.expiring_soon);
    Ok(if at_risk {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
