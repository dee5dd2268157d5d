//! Concurrent SMTP load generator: injects N messages of a given size over C connections and
//! prints one JSON object with the accept rate and latency percentiles.
//!
//! ```text
//! smtp-loadgen --server 127.0.0.1:2525 --count 10000 --concurrency 20 --size 10240 \
//!              --to user@bench.test [--from s@bench.test] [--per-connection 100]
//! ```
//!
//! Every message carries `X-Bench-Id: <n>` and `Message-ID: <bench-<n>@loadgen>`, so a sink
//! can count unique deliveries. A message counts as accepted when the final `250` arrives.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

struct Opts {
    server: String,
    count: u64,
    concurrency: u64,
    size: usize,
    per_connection: u64,
    from: String,
    to: String,
    offset: u64,
}

fn parse_args() -> Opts {
    let mut o = Opts {
        server: "127.0.0.1:2525".into(),
        count: 1000,
        concurrency: 10,
        size: 10 * 1024,
        per_connection: 100,
        from: "loadgen@bench.test".into(),
        to: "sink@bench.test".into(),
        offset: 0,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--server" => o.server = v,
            "--count" => o.count = v.parse().expect("--count N"),
            "--concurrency" => o.concurrency = v.parse().expect("--concurrency N"),
            "--size" => o.size = v.parse().expect("--size BYTES"),
            "--per-connection" => o.per_connection = v.parse().expect("--per-connection N"),
            "--from" => o.from = v,
            "--to" => o.to = v,
            "--id-offset" => o.offset = v.parse().expect("--id-offset N"),
            other => {
                eprintln!("smtp-loadgen: unknown argument {other}");
                std::process::exit(2);
            }
        }
        i += 2;
    }
    o
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn message(id: u64, o: &Opts) -> Vec<u8> {
    let mut m = format!(
        "From: <{}>\r\nTo: <{}>\r\nSubject: bench message {id}\r\nMessage-ID: <bench-{id}@loadgen>\r\n\
         X-Bench-Id: {id}\r\nDate: Thu, 1 Jan 2026 00:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\r\n",
        o.from, o.to
    )
    .into_bytes();
    let line = b"The quick brown fox jumps over the lazy dog, again and again and again.\r\n";
    while m.len() + line.len() <= o.size {
        m.extend_from_slice(line);
    }
    while m.len() + 2 < o.size {
        m.push(b'x');
    }
    m.extend_from_slice(b"\r\n");
    m
}

struct Conn {
    r: BufReader<tokio::net::tcp::OwnedReadHalf>,
    w: tokio::net::tcp::OwnedWriteHalf,
}

impl Conn {
    async fn reply(&mut self) -> std::io::Result<(u16, String)> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if self.r.read_line(&mut line).await? == 0 {
                return Err(std::io::Error::other("connection closed"));
            }
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                let code = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
                return Ok((code, all));
            }
        }
    }

    async fn open(server: &str) -> std::io::Result<Conn> {
        let s = TcpStream::connect(server).await?;
        s.set_nodelay(true)?;
        let (r, w) = s.into_split();
        let mut c = Conn {
            r: BufReader::with_capacity(64 * 1024, r),
            w,
        };
        let (code, text) = c.reply().await?;
        if code != 220 {
            return Err(std::io::Error::other(format!("greeting: {text}")));
        }
        c.w.write_all(b"EHLO loadgen.bench.test\r\n").await?;
        let (code, text) = c.reply().await?;
        if code != 250 {
            return Err(std::io::Error::other(format!("EHLO: {text}")));
        }
        Ok(c)
    }

    /// One transaction, MAIL/RCPT/DATA pipelined. Ok(true) when accepted.
    async fn send(&mut self, o: &Opts, msg: &[u8]) -> std::io::Result<bool> {
        let cmds = format!("MAIL FROM:<{}>\r\nRCPT TO:<{}>\r\nDATA\r\n", o.from, o.to);
        self.w.write_all(cmds.as_bytes()).await?;
        let (m, _) = self.reply().await?;
        let (r, _) = self.reply().await?;
        let (d, text) = self.reply().await?;
        if m != 250 || r != 250 || d != 354 {
            if d == 354 {
                self.w.write_all(b".\r\n").await?;
                self.reply().await?;
            }
            self.w.write_all(b"RSET\r\n").await?;
            self.reply().await?;
            eprintln!("smtp-loadgen: refused: MAIL {m} RCPT {r} DATA {d} {}", text.trim());
            return Ok(false);
        }
        self.w.write_all(msg).await?;
        self.w.write_all(b".\r\n").await?;
        let (code, text) = self.reply().await?;
        if code != 250 {
            eprintln!("smtp-loadgen: end of data: {}", text.trim());
        }
        Ok(code == 250)
    }
}

#[tokio::main]
async fn main() {
    let o = Arc::new(parse_args());
    let next = Arc::new(AtomicU64::new(0));
    let accepted = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(o.count as usize)));
    let start_unix = unix_now();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..o.concurrency {
        let (o, next, accepted, refused, errors, latencies) = (
            o.clone(),
            next.clone(),
            accepted.clone(),
            refused.clone(),
            errors.clone(),
            latencies.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut conn: Option<Conn> = None;
            let mut on_conn = 0;
            let mut lat = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= o.count {
                    break;
                }
                let id = n + o.offset;
                let msg = message(id, &o);
                if conn.is_none() || on_conn >= o.per_connection {
                    if let Some(mut c) = conn.take() {
                        let _ = c.w.write_all(b"QUIT\r\n").await;
                        let _ = c.reply().await;
                    }
                    let mut tries = 0;
                    conn = loop {
                        match Conn::open(&o.server).await {
                            Ok(c) => break Some(c),
                            Err(e) if tries < 50 => {
                                tries += 1;
                                if tries == 1 {
                                    eprintln!("smtp-loadgen: connect: {e}; retrying");
                                }
                                tokio::time::sleep(Duration::from_millis(100)).await;
                            }
                            Err(e) => {
                                eprintln!("smtp-loadgen: giving up connecting: {e}");
                                break None;
                            }
                        }
                    };
                    on_conn = 0;
                }
                let Some(c) = conn.as_mut() else {
                    errors.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let t = Instant::now();
                match c.send(&o, &msg).await {
                    Ok(true) => {
                        accepted.fetch_add(1, Ordering::Relaxed);
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    Ok(false) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => {
                        eprintln!("smtp-loadgen: message {id}: {e}");
                        errors.fetch_add(1, Ordering::Relaxed);
                        conn = None;
                    }
                }
                on_conn += 1;
            }
            if let Some(mut c) = conn {
                let _ = c.w.write_all(b"QUIT\r\n").await;
                let _ = c.reply().await;
            }
            latencies.lock().await.extend(lat);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let end_unix = unix_now();
    let mut lat = latencies.lock().await.clone();
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| {
        if lat.is_empty() {
            0.0
        } else {
            lat[((lat.len() - 1) as f64 * p) as usize]
        }
    };
    let acc = accepted.load(Ordering::Relaxed);
    println!(
        "{{\"sent\":{},\"accepted\":{},\"refused\":{},\"errors\":{},\"start_unix\":{:.6},\"end_unix\":{:.6},\"seconds\":{:.3},\"accept_rate\":{:.1},\"latency_ms_p50\":{:.2},\"latency_ms_p99\":{:.2}}}",
        o.count,
        acc,
        refused.load(Ordering::Relaxed),
        errors.load(Ordering::Relaxed),
        start_unix,
        end_unix,
        secs,
        acc as f64 / secs,
        pct(0.5),
        pct(0.99)
    );
}
