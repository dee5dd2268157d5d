//! Developer aid for `bench/bounce-vs-sisimai.sh`: analyses every file of a directory ROUNDS
//! times in one thread (files read into memory first) and prints messages per second, so that
//! the analysis alone can be profiled (`perf record`) without process start-up or I/O.
//!
//!     cargo run --release -p mailway-bounce --example bounce_profile -- DIR [ROUNDS]

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: bounce_profile DIR [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let mut files = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(b) = std::fs::read(&p) {
                files.push(b);
            }
        }
    }
    // first call: the one-off set-up (rule compilation, tables) and one message
    let t = Instant::now();
    if let Some(f) = files.first() {
        let _ = mailway_bounce::analyze(f);
    }
    println!("set-up: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    let mut records = 0usize;
    for _ in 0..rounds {
        for f in &files {
            if let Ok(a) = mailway_bounce::analyze(f) {
                records += a.records.len();
            }
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let n = files.len() * rounds;
    println!(
        "{n} messages, {records} records in {secs:.3} s: {:.0} messages/s, {:.1} us/message",
        n as f64 / secs,
        secs * 1e6 / n as f64
    );
}
