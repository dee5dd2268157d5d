//! Developer aid: time of `analyze` per file of a directory (best of ROUNDS), slowest first.
//!
//!     cargo run --release -p mailway-bounce --example bounce_perfile -- DIR [ROUNDS]

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: bounce_perfile DIR [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let mut files = Vec::new();
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        if let Ok(b) = std::fs::read(e.path()) {
            files.push((e.path().display().to_string(), b));
        }
    }
    if let Some((_, f)) = files.first() {
        let _ = mailway_bounce::analyze(f);
    }
    let mut times: Vec<(f64, usize, String)> = files
        .iter()
        .map(|(name, b)| {
            let mut best = f64::MAX;
            for _ in 0..rounds {
                let t = Instant::now();
                let _ = mailway_bounce::analyze(b);
                best = best.min(t.elapsed().as_secs_f64());
            }
            (best * 1e6, b.len(), name.clone())
        })
        .collect();
    times.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total: f64 = times.iter().map(|t| t.0).sum();
    println!("total {total:.0} us over {} files", times.len());
    for (us, len, name) in times.iter().take(40) {
        println!("{us:9.1} us {len:8} B {:5.1} % {name}", us * 100.0 / total);
    }
}
