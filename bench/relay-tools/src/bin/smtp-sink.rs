//! Counting SMTP sink for benchmarks: accepts everything, counts messages by their
//! `X-Bench-Id` header (unique and duplicates), and exits printing one JSON object once
//! `--expect N` unique messages arrived (or on `--timeout SECS` without progress).
//!
//! ```text
//! smtp-sink --listen 127.0.30.9:2600 --expect 10000 [--timeout 120] [--store DIR]
//! ```
//!
//! `--store DIR` writes each message to `DIR/<id>.eml` and fsyncs it before answering `250`,
//! like a real final MTA; without it the sink only counts (the default in the benchmark, so
//! the sink is never the bottleneck of either relay).

use std::collections::HashSet;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Default)]
struct Stats {
    received: u64,
    unique: HashSet<u64>,
    no_id: u64,
    first: f64,
    last: f64,
    last_progress: Option<Instant>,
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn bench_id(msg: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(&msg[..msg.len().min(4096)]);
    for line in text.split("\r\n") {
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("X-Bench-Id:") {
            return v.trim().parse().ok();
        }
    }
    None
}

fn report(s: &Stats) -> String {
    format!(
        "{{\"received\":{},\"unique\":{},\"duplicates\":{},\"without_id\":{},\"first_unix\":{:.6},\"last_unix\":{:.6}}}",
        s.received,
        s.unique.len(),
        s.received - s.unique.len() as u64 - s.no_id,
        s.no_id,
        s.first,
        s.last
    )
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut listen = "127.0.0.1:2600".to_string();
    let mut expect: u64 = u64::MAX;
    let mut timeout = 300u64;
    let mut store: Option<PathBuf> = None;
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--listen" => listen = v,
            "--expect" => expect = v.parse().expect("--expect N"),
            "--timeout" => timeout = v.parse().expect("--timeout SECS"),
            "--store" => store = Some(PathBuf::from(v)),
            other => {
                eprintln!("smtp-sink: unknown argument {other}");
                std::process::exit(2);
            }
        }
        i += 2;
    }
    let listener = TcpListener::bind(&listen).await.expect("bind");
    eprintln!("smtp-sink: listening on {listen}");
    let stats = Arc::new(Mutex::new(Stats::default()));
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel::<()>(1);
    {
        let stats = stats.clone();
        let done_tx = done_tx.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let s = stats.lock().unwrap();
                if let Some(t) = s.last_progress
                    && t.elapsed() > Duration::from_secs(timeout)
                {
                    eprintln!("smtp-sink: no progress for {timeout}s, giving up");
                    let _ = done_tx.try_send(());
                }
            }
        });
    }
    loop {
        tokio::select! {
            _ = done_rx.recv() => break,
            acc = listener.accept() => {
                let Ok((sock, _)) = acc else { continue };
                let stats = stats.clone();
                let done_tx = done_tx.clone();
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = sock.set_nodelay(true);
                    let (r, mut w) = sock.into_split();
                    let mut r = BufReader::with_capacity(64 * 1024, r);
                    if w.write_all(b"220 sink.bench.test ESMTP bench sink\r\n").await.is_err() {
                        return;
                    }
                    let mut line = Vec::new();
                    let mut out = Vec::new();
                    loop {
                        line.clear();
                        match r.read_until(b'\n', &mut line).await {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        }
                        let up = String::from_utf8_lossy(&line).to_ascii_uppercase();
                        if up.starts_with("EHLO") {
                            out.extend_from_slice(b"250-sink.bench.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 104857600\r\n250-DSN\r\n250 ENHANCEDSTATUSCODES\r\n");
                        } else if up.starts_with("HELO") {
                            out.extend_from_slice(b"250 sink.bench.test\r\n");
                        } else if up.starts_with("MAIL") || up.starts_with("RCPT") || up.starts_with("RSET") || up.starts_with("NOOP") {
                            out.extend_from_slice(b"250 2.0.0 Ok\r\n");
                        } else if up.starts_with("DATA") {
                            out.extend_from_slice(b"354 go ahead\r\n");
                            if w.write_all(&out).await.is_err() { return; }
                            out.clear();
                            let mut msg = Vec::with_capacity(16 * 1024);
                            loop {
                                line.clear();
                                match r.read_until(b'\n', &mut line).await {
                                    Ok(0) | Err(_) => return,
                                    Ok(_) => {}
                                }
                                if line == b".\r\n" { break; }
                                let l = if line.starts_with(b"..") { &line[1..] } else { &line[..] };
                                msg.extend_from_slice(l);
                            }
                            let id = bench_id(&msg);
                            if let (Some(dir), Some(id)) = (&store, id) {
                                let path = dir.join(format!("{id}-{}.eml", unix_now()));
                                let ok = std::fs::File::create(&path)
                                    .and_then(|mut f| { f.write_all(&msg)?; f.sync_all() });
                                if let Err(e) = ok {
                                    eprintln!("smtp-sink: cannot store {}: {e}", path.display());
                                    out.extend_from_slice(b"451 4.3.0 cannot store\r\n");
                                    continue;
                                }
                            }
                            let finished = {
                                let mut s = stats.lock().unwrap();
                                let now = unix_now();
                                if s.received == 0 { s.first = now; }
                                s.received += 1;
                                s.last = now;
                                s.last_progress = Some(Instant::now());
                                match id {
                                    Some(id) => { s.unique.insert(id); }
                                    None => s.no_id += 1,
                                }
                                s.unique.len() as u64 >= expect
                            };
                            out.extend_from_slice(b"250 2.0.0 Ok: stored\r\n");
                            if finished { let _ = done_tx.try_send(()); }
                        } else if up.starts_with("QUIT") {
                            out.extend_from_slice(b"221 2.0.0 Bye\r\n");
                            let _ = w.write_all(&out).await;
                            return;
                        } else {
                            out.extend_from_slice(b"502 5.5.1 not implemented\r\n");
                        }
                        // answer once the client's pipelined group is consumed
                        if r.buffer().is_empty() {
                            if w.write_all(&out).await.is_err() { return; }
                            out.clear();
                        }
                    }
                });
            }
        }
    }
    let s = stats.lock().unwrap();
    println!("{}", report(&s));
}
