//! The summary pipeline (read, parse in parallel, correlate, summarise) over big log files, with
//! throughput on stderr; for profiling without the CLI (`perf record` on the bench binary).
//!
//! `bench/logs-prof/target/release/mailway-logs-prof [--threads N] [--block-kb KB] [--json OUT] FILE...`; without
//! files it reads `$MAILWAY_BENCH_CACHE/postfix-1M.log` (default cache /work/bench-cache) and
//! skips when that is absent. bench/logs-vs-pflogsumm.sh is the comparison with pflogsumm.

use std::path::PathBuf;
use std::time::Instant;

use mailway_logs::correlate::{CorrelateOptions, Correlator};
use mailway_logs::pipeline::{self, PipelineOptions};
use mailway_logs::summary::{Summary, SummaryOptions};
use mailway_logs::time::Zone;

fn main() {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut json: Option<PathBuf> = None;
    let mut popts = PipelineOptions {
        zone: Zone::utc(),
        ..PipelineOptions::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--bench" => {}
            "--threads" => {
                popts.threads = args.next().and_then(|v| v.parse().ok()).unwrap_or(1);
            }
            "--json" => json = args.next().map(PathBuf::from),
            "--block-kb" => {
                popts.block_size = args.next().and_then(|v| v.parse().ok()).unwrap_or(2048) << 10;
            }
            _ => files.push(PathBuf::from(a)),
        }
    }
    if files.is_empty() {
        let cache =
            std::env::var("MAILWAY_BENCH_CACHE").unwrap_or_else(|_| "/work/bench-cache".into());
        let f = PathBuf::from(cache).join("postfix-1M.log");
        if !f.exists() {
            eprintln!(
                "summary bench: {} is absent (name log files as arguments); skipped",
                f.display()
            );
            return;
        }
        files.push(f);
    }
    let zone = Zone::utc();
    let sources = mailway_logs::input::open_files(&files, &zone).expect("open");
    let opts = SummaryOptions {
        zone,
        ..SummaryOptions::default()
    };
    let mut c = Correlator::new(
        CorrelateOptions {
            queue_lifetime: opts.queue_lifetime,
        },
        Summary::new(opts),
    );
    let t = Instant::now();
    let inputs = pipeline::run(sources, &popts, &mut c).expect("read");
    let read = t.elapsed();
    let (s, names, first, last) = c.finish();
    let report = s.report(&names, first, last, inputs);
    let all = t.elapsed();
    let bytes: u64 = report.inputs.iter().map(|i| i.bytes).sum();
    eprintln!(
        "{} lines, {:.1} MB in {:.2}s (report {:.2}s): {:.0} MB/s, {:.2} M lines/s, {} threads",
        report.lines.total,
        bytes as f64 / 1e6,
        all.as_secs_f64(),
        (all - read).as_secs_f64(),
        bytes as f64 / 1e6 / all.as_secs_f64(),
        report.lines.total as f64 / 1e6 / all.as_secs_f64(),
        popts.threads,
    );
    eprintln!("totals: {:?}", report.totals);
    if let Some(p) = json {
        let f = std::fs::File::create(&p).expect("json out");
        serde_json::to_writer_pretty(std::io::BufWriter::new(f), &report).expect("json");
    }
}
