//! Spool scale: 100,000 deferred messages held in memory, and recovered after a restart.
//!
//! Targets (issue 6, item 9): the engine holds 100,000 deferred messages in under 200 MB RSS
//! and recovers them after a restart in under 5 s. Run it through `bench/spool-scale.sh`,
//! which runs each phase in a fresh process (so RSS and recovery are measured cold for the
//! process, warm for the page cache):
//!
//! ```text
//! cargo bench -p mailway-relay --bench spool_scale -- fill    DIR [N] [SIZE] [fsync|nofsync]
//! cargo bench -p mailway-relay --bench spool_scale -- defer   DIR [fsync|nofsync]
//! cargo bench -p mailway-relay --bench spool_scale -- recover DIR
//! ```
//!
//! - `fill` writes N pending messages of SIZE bytes (default 100,000 × 10 KB) through the
//!   spool's own `store` (temp file, rename; fsync when asked), one recipient each, spread
//!   over 20 domains.
//! - `defer` starts the engine on that spool with every domain routed to a loopback port
//!   where nothing listens (127.0.40.77:9): every message is tried once, refused, and deferred
//!   by the real delivery path (connection failures, concurrency feedback, dead destinations,
//!   state files written). It prints how long that took and the RSS while all of them are held.
//! - `recover` starts a fresh engine on the spool (the restart), times `Relay::start` (the
//!   recovery scan and the in-memory index), checks every message is back and deferred, and
//!   prints the RSS while holding them.
//!
//! Each phase prints one JSON line (`{"phase":…}`) besides its human line.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use mailway_relay::{EngineOptions, Envelope, MessageRecord, RcptState, Relay};
use mailway_spool::{Spool, SpoolOptions};

const DOMAINS: usize = 20;
const DEAD: &str = "127.0.40.77:9";

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let usage = "usage: spool_scale fill DIR [N] [SIZE] [fsync|nofsync] | defer DIR [fsync|nofsync] | recover DIR";
    let (Some(phase), Some(dir)) = (args.first(), args.get(1)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let fsync_arg = |a: Option<&String>| a.map(|s| s == "fsync").unwrap_or(false);
    match phase.as_str() {
        "fill" => {
            let n = args
                .get(2)
                .map(|s| s.parse().expect("N"))
                .unwrap_or(100_000);
            let size = args
                .get(3)
                .map(|s| s.parse().expect("SIZE"))
                .unwrap_or(10_240);
            fill(&dir, n, size, fsync_arg(args.get(4)));
        }
        "defer" => run(defer(&dir, fsync_arg(args.get(2)))),
        "recover" => run(recover(&dir)),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
}

fn run(f: impl std::future::Future<Output = ()>) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// (VmRSS, VmHWM) of this process in MiB.
fn rss() -> (f64, f64) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |key: &str| {
        s.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (kb("VmRSS:"), kb("VmHWM:"))
}

fn message(i: usize, size: usize) -> Vec<u8> {
    let mut m = format!(
        "From: Sender <sender@example.org>\r\nTo: <user{i}@d{}.test>\r\nSubject: spool scale {i}\r\n\
         Date: Sat, 28 Nov 2026 00:00:00 +0000\r\nMessage-ID: <scale.{i}@example.org>\r\n\r\n",
        i % DOMAINS
    )
    .into_bytes();
    let line =
        b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n";
    while m.len() + line.len() <= size {
        m.extend_from_slice(line);
    }
    m
}

fn fill(dir: &Path, n: usize, size: usize, fsync: bool) {
    let _ = std::fs::remove_dir_all(dir);
    let spool = Spool::open(
        dir,
        SpoolOptions {
            fsync,
            ..Default::default()
        },
    )
    .expect("open spool");
    let t = Instant::now();
    for i in 0..n {
        let now = SystemTime::now();
        let id = spool.new_id(now);
        let content = message(i, size);
        let env = Envelope::new(
            "sender@example.org",
            [format!("user{i}@d{}.test", i % DOMAINS)],
        );
        let mut rec = MessageRecord::new(id, now, env, content.len() as u64);
        rec.message_id = Some(format!("scale.{i}@example.org"));
        spool.store(&rec, &content).expect("store");
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "fill: {n} messages of {size} bytes stored in {secs:.1} s ({:.0}/s, fsync {fsync})",
        n as f64 / secs
    );
    println!(
        "{{\"phase\":\"fill\",\"messages\":{n},\"size\":{size},\"fsync\":{fsync},\"seconds\":{secs:.3}}}"
    );
}

fn options(dir: &Path, fsync: bool) -> EngineOptions {
    let mut o = EngineOptions {
        spool: dir.to_path_buf(),
        hostname: "bench.mailway.test".into(),
        fsync,
        ..EngineOptions::default()
    };
    o.routes.insert("*".into(), DEAD.parse().unwrap());
    o.timeouts.connect = Duration::from_secs(2);
    // Deferred messages stay deferred for the whole measurement.
    o.retry.initial = Duration::from_secs(3600);
    o.retry.max_interval = Duration::from_secs(4 * 3600);
    o
}

fn deferred(relay: &Relay) -> u64 {
    relay
        .metrics()
        .queue
        .iter()
        .filter(|g| g.state == RcptState::Deferred)
        .map(|g| g.recipients)
        .sum()
}

async fn defer(dir: &Path, fsync: bool) {
    let t = Instant::now();
    let relay = Relay::builder(options(dir, fsync))
        .start()
        .await
        .expect("start");
    let n = relay.queue_len() as u64;
    let mut last = 0;
    let mut stalled = Instant::now();
    loop {
        let d = deferred(&relay);
        if d >= n {
            break;
        }
        if d != last {
            last = d;
            stalled = Instant::now();
        } else if stalled.elapsed() > Duration::from_secs(120) {
            panic!("no progress: {d} of {n} deferred");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let secs = t.elapsed().as_secs_f64();
    let (_, peak) = rss();
    // Let in-flight buffers go, then measure what holding the queue costs.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (held, _) = rss();
    let m = relay.metrics();
    println!(
        "defer: {n} messages tried once and deferred in {secs:.1} s ({:.0}/s); attempts {}; RSS held {held:.1} MiB (peak {peak:.1} MiB)",
        n as f64 / secs,
        m.attempts_total
    );
    println!(
        "{{\"phase\":\"defer\",\"messages\":{n},\"seconds\":{secs:.3},\"attempts\":{},\"rss_held_mib\":{held:.1},\"rss_peak_mib\":{peak:.1}}}",
        m.attempts_total
    );
    relay.shutdown().await;
}

async fn recover(dir: &Path) {
    let (before, _) = rss();
    let t = Instant::now();
    let relay = Relay::builder(options(dir, true))
        .start()
        .await
        .expect("start");
    let secs = t.elapsed().as_secs_f64();
    let n = relay.queue_len() as u64;
    let d = deferred(&relay);
    let report = relay.recovery_report();
    assert_eq!(d, n, "every recovered message is deferred");
    assert!(report.quarantined.is_empty(), "{report:?}");
    let (_, peak) = rss();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (held, _) = rss();
    // The queue is usable: list and why work on the recovered index.
    let first = relay.list(&Default::default()).first().map(|s| s.id);
    if let Some(id) = first {
        relay.why(id).await.expect("why");
    }
    println!(
        "recover: {n} messages ({d} deferred) recovered in {secs:.2} s; RSS held {held:.1} MiB (peak {peak:.1} MiB, {before:.1} MiB before start)"
    );
    println!(
        "{{\"phase\":\"recover\",\"messages\":{n},\"deferred\":{d},\"seconds\":{secs:.3},\"rss_held_mib\":{held:.1},\"rss_peak_mib\":{peak:.1}}}"
    );
    relay.shutdown().await;
}
