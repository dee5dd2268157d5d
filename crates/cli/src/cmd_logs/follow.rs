//! `mailway logs follow FILE`: `tail -F` for mail logs. Survives rotation (the name now points at
//! a new file: the old one is read to its end, then the new one from its start) and truncation
//! (the file got shorter: read again from the start); waits for the file when it does not exist
//! yet. Prints delivery outcomes as they happen, and alerts when a message expires or
//! deferrals to one domain spike.

use std::fs::File;
use std::io::{IsTerminal, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mailway_logs::detect::detect;
use mailway_logs::event::Chunk;
use mailway_logs::monitor::{LiveItem, Monitor};
use mailway_logs::parse::{ParseCtx, parse_chunk};
use mailway_logs::pipeline::{PipelineOptions, setup_for};
use mailway_logs::time::{Zone, fmt_duration, fmt_local, fmt_rfc3339};
use mailway_logs::{CorrelateOptions, Correlator};

use super::{FollowArgs, duration, input};

struct Tail {
    file: Option<File>,
    id: (u64, u64),
    pos: u64,
}

fn file_id(m: &std::fs::Metadata) -> (u64, u64) {
    (m.dev(), m.ino())
}

fn open(path: &Path) -> Option<(File, (u64, u64), u64)> {
    let f = File::open(path).ok()?;
    let m = f.metadata().ok()?;
    Some((f, file_id(&m), m.len()))
}

impl Tail {
    /// Reads what is available; `None` when nothing new.
    fn read_some(&mut self, buf: &mut Vec<u8>) -> std::io::Result<usize> {
        let Some(f) = self.file.as_mut() else {
            return Ok(0);
        };
        let start = buf.len();
        let mut tmp = [0u8; 64 * 1024];
        loop {
            let n = f.read(&mut tmp)?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&tmp[..n]);
            self.pos += n as u64;
            if buf.len() - start > 8 << 20 {
                break;
            }
        }
        Ok(buf.len() - start)
    }
}

fn paint(s: &str, color: &str, on: bool) -> String {
    if !on {
        return s.to_string();
    }
    let code = match color {
        "red" => "31",
        "yellow" => "33",
        "green" => "32",
        "bold-red" => "1;31",
        _ => return s.to_string(),
    };
    format!("\x1b[{code}m{s}\x1b[0m")
}

fn print_item(w: &mut dyn Write, it: &LiveItem, zone: &Zone, color: bool) -> std::io::Result<()> {
    let t = fmt_local(it.ts, zone);
    let t = &t[11..];
    if it.kind == "alert" {
        let msg = match it.what {
            "expired" => format!(
                "ALERT {t} message expired: {} from <{}> to {}{} after {} in the queue, returned to the sender{}",
                it.queue_id.as_deref().unwrap_or("-"),
                it.sender.as_deref().unwrap_or(""),
                if it.recipients.is_empty() {
                    "-".into()
                } else {
                    it.recipients.join(", ")
                },
                it.domain
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default(),
                fmt_duration(it.seconds.unwrap_or(0)),
                if it.text.is_empty() {
                    String::new()
                } else {
                    format!("; last: {}", it.text)
                }
            ),
            _ => format!(
                "ALERT {t} deferral spike: {} deferrals to {} within {} (reason {}, {} stage){}",
                it.count.unwrap_or(0),
                it.domain.as_deref().unwrap_or("-"),
                fmt_duration(it.seconds.unwrap_or(0)),
                it.reason.map_or("undefined", |r| r.as_str()),
                it.stage.map_or("unknown", |s| s.as_str()),
                if it.text.is_empty() {
                    String::new()
                } else {
                    format!(": {}", it.text)
                }
            ),
        };
        return writeln!(w, "{}", paint(&msg, "bold-red", color));
    }
    let status = format!("{:<10}", it.what);
    let status = match it.what {
        "delivered" => paint(&status, "green", color),
        "deferred" => paint(&status, "yellow", color),
        "bounced" | "rejected" | "deleted" => paint(&status, "red", color),
        _ => status,
    };
    let mut line = format!(
        "{t}  {status}  {}",
        it.queue_id.as_deref().unwrap_or("NOQUEUE")
    );
    if !it.recipients.is_empty() {
        line.push_str(&format!("  {}", it.recipients.join(",")));
    }
    if let Some(r) = &it.relay {
        line.push_str(&format!("  via {r}"));
    }
    if let Some(reason) = it.reason {
        line.push_str(&format!(
            "  [{}{}{}]",
            it.dsn
                .as_deref()
                .map(|d| format!("{d} "))
                .unwrap_or_default(),
            reason.as_str(),
            it.stage
                .map(|s| format!(", {}", s.as_str()))
                .unwrap_or_default()
        ));
    }
    if !it.text.is_empty() && it.what != "delivered" {
        line.push_str(&format!("  {}", it.text));
    }
    writeln!(w, "{line}")
}

pub(super) fn run(a: FollowArgs) -> anyhow::Result<ExitCode> {
    let zone = Zone::parse(&a.tz).map_err(|e| anyhow::anyhow!("--tz: {e}"))?;
    let lifetime = duration("--queue-lifetime", &a.queue_lifetime)?;
    let window = duration("--window", &a.window)?;
    let path = a.file.clone();
    if path.is_dir() {
        anyhow::bail!(
            "{} is a directory: name the log file to follow",
            path.display()
        );
    }
    let stdout = std::io::stdout();
    let color = !a.json && stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut monitor = Monitor::new(window, a.spike_threshold);
    monitor.all = a.all;
    let mut correlator = Correlator::new(
        CorrelateOptions {
            queue_lifetime: lifetime,
        },
        monitor,
    );
    let mut tail = Tail {
        file: None,
        id: (0, 0),
        pos: 0,
    };
    let mut ctx: Option<ParseCtx> = None;
    let mut pending: Vec<Vec<u8>> = Vec::new();
    let mut partial: Vec<u8> = Vec::new();
    let mut first_open = true;
    let mut waiting_said = false;
    let mut last_data = Instant::now();
    let mut line_no = 0u64;
    let mut drained = false;
    let poll = Duration::from_millis(a.poll_ms.max(10));
    loop {
        if tail.file.is_none() {
            match open(&path) {
                Some((mut f, id, len)) => {
                    if first_open && !a.from_start {
                        f.seek(SeekFrom::Start(len))?;
                        tail.pos = len;
                    } else {
                        tail.pos = 0;
                    }
                    if ctx.is_none() {
                        // detect the layout from the file's beginning
                        let mut head = vec![0u8; 256 << 10];
                        let mut h = File::open(&path)?;
                        let n = h.read(&mut head)?;
                        head.truncate(n);
                        if let Some(fmt) = detect(&head) {
                            let popts = PipelineOptions {
                                zone: zone.clone(),
                                year: a.year,
                                ..PipelineOptions::default()
                            };
                            let reference = input::naive_of(std::time::SystemTime::now(), &zone);
                            let (frame, format) = setup_for(&head, &fmt, reference, &popts);
                            ctx = Some(ParseCtx::new(frame, format));
                        }
                    }
                    tail.file = Some(f);
                    tail.id = id;
                    first_open = false;
                    waiting_said = false;
                }
                None => {
                    if !waiting_said {
                        eprintln!("mailway: waiting for {} to appear", path.display());
                        waiting_said = true;
                    }
                }
            }
        }
        let mut buf = std::mem::take(&mut partial);
        let n = tail.read_some(&mut buf)? + usize::from(std::mem::take(&mut drained));
        if n > 0 {
            last_data = Instant::now();
        }
        // complete lines only
        match buf.iter().rposition(|&c| c == b'\n') {
            Some(p) => {
                partial = buf.split_off(p + 1);
                pending.push(buf);
            }
            None => partial = buf,
        }
        if ctx.is_none() && !pending.is_empty() {
            let head: Vec<u8> = pending.concat();
            if let Some(fmt) = detect(&head) {
                let popts = PipelineOptions {
                    zone: zone.clone(),
                    year: a.year,
                    ..PipelineOptions::default()
                };
                let reference = input::naive_of(std::time::SystemTime::now(), &zone);
                let (frame, format) = setup_for(&head, &fmt, reference, &popts);
                ctx = Some(ParseCtx::new(frame, format));
            }
        }
        if let Some(c) = ctx.as_mut() {
            for block in pending.drain(..) {
                let mut chunk = Chunk {
                    buf: block,
                    first_line: line_no,
                    ..Chunk::default()
                };
                line_no += chunk.buf.iter().filter(|&&c| c == b'\n').count() as u64;
                parse_chunk(&mut chunk, c);
                correlator.feed(&chunk);
                let items = std::mem::take(&mut correlator.sink.out);
                let mut w = stdout.lock();
                for mut it in items {
                    if a.json {
                        it.time = fmt_rfc3339(it.ts, &zone);
                        serde_json::to_writer(&mut w, &it)?;
                        writeln!(w)?;
                    } else {
                        print_item(&mut w, &it, &zone, color)?;
                    }
                }
                w.flush()?;
            }
        }
        if n == 0 {
            // rotation or truncation?
            match std::fs::metadata(&path) {
                Ok(m) if file_id(&m) != tail.id && tail.file.is_some() => {
                    // lines written to the old file between our last read and the rename are
                    // still to be read: drain it once more, then switch to the new one
                    let mut rest = std::mem::take(&mut partial);
                    tail.read_some(&mut rest)?;
                    if !rest.is_empty() {
                        if rest.last() != Some(&b'\n') {
                            rest.push(b'\n');
                        }
                        partial = rest;
                        // process what was drained before switching (next loop iteration reads
                        // nothing more from the old file)
                        let buf = std::mem::take(&mut partial);
                        pending.push(buf);
                        drained = true;
                    }
                    eprintln!(
                        "mailway: {} was rotated; following the new file",
                        path.display()
                    );
                    tail.file = None;
                    continue;
                }
                Ok(m) if m.len() < tail.pos => {
                    eprintln!(
                        "mailway: {} was truncated; reading from its start",
                        path.display()
                    );
                    if let Some(f) = tail.file.as_mut() {
                        f.seek(SeekFrom::Start(0))?;
                    }
                    tail.pos = 0;
                    partial.clear();
                    continue;
                }
                _ => {}
            }
            if let Some(secs) = a.idle_exit
                && last_data.elapsed() >= Duration::from_secs(secs)
            {
                return Ok(ExitCode::SUCCESS);
            }
            std::thread::sleep(poll);
        }
    }
}
