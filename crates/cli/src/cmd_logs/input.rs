//! Opening log inputs: files (plain or gzip, detected by magic bytes), standard input, rotated
//! sets in chronological order, the default `/var/log/mail.log*` set, and byte counting for the
//! progress bar.

use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail};
use flate2::read::MultiGzDecoder;
use mailway_logs::pipeline::Source;
use mailway_logs::time::Zone;

/// Counts bytes read through it (compressed bytes for compressed files).
pub struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opened inputs.
pub struct Inputs {
    /// The sources, in reading order.
    pub sources: Vec<Source>,
    /// Total size on disk of the files (0 when unknown, e.g. stdin).
    pub total_bytes: u64,
    /// Bytes read so far (on-disk bytes).
    pub read: Arc<AtomicU64>,
}

/// Wall-clock seconds (as if UTC) of a system time in `zone`.
pub fn naive_of(t: std::time::SystemTime, zone: &Zone) -> i64 {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    secs + zone.offset_at(secs)
}

/// The files to read when none are given: `/var/log/mail.log*` or `/var/log/maillog*`.
fn default_paths() -> Vec<PathBuf> {
    for (dir, base) in [("/var/log", "mail.log"), ("/var/log", "maillog")] {
        let mut v = Vec::new();
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                if n == base
                    || n.starts_with(&format!("{base}."))
                    || n.starts_with(&format!("{base}-"))
                {
                    v.push(e.path());
                }
            }
        }
        if !v.is_empty() {
            return v;
        }
    }
    Vec::new()
}

fn magic(path: &Path) -> std::io::Result<[u8; 6]> {
    let mut f = File::open(path)?;
    let mut m = [0u8; 6];
    let mut n = 0;
    while n < 6 {
        let k = f.read(&mut m[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    Ok(m)
}

/// Opens the inputs named on the command line (`-` = stdin; none = stdin when piped, else the
/// system's mail log set).
pub fn open(paths: &[PathBuf], zone: &Zone) -> anyhow::Result<Inputs> {
    let read = Arc::new(AtomicU64::new(0));
    let mut paths: Vec<PathBuf> = paths.to_vec();
    if paths.is_empty() {
        if !std::io::stdin().is_terminal() {
            paths.push(PathBuf::from("-"));
        } else {
            paths = default_paths();
            if paths.is_empty() {
                bail!(
                    "no input: name log files (e.g. /var/log/mail.log*) or pipe a log into standard input"
                );
            }
        }
    }
    let ordered = mailway_logs::rotation::order(&paths);
    let mut sources = Vec::new();
    let mut total = 0u64;
    for p in ordered {
        if p.as_os_str() == "-" {
            sources.push(Source {
                name: "-".into(),
                reader: Box::new(Counting {
                    inner: std::io::stdin(),
                    count: Arc::clone(&read),
                }),
                reference_naive: naive_of(std::time::SystemTime::now(), zone),
            });
            continue;
        }
        let meta = std::fs::metadata(&p).with_context(|| format!("cannot read {}", p.display()))?;
        if meta.is_dir() {
            bail!(
                "{} is a directory: name the log files in it (e.g. {}/mail.log*)",
                p.display(),
                p.display()
            );
        }
        total += meta.len();
        let m = magic(&p).with_context(|| format!("cannot read {}", p.display()))?;
        let file = File::open(&p).with_context(|| format!("cannot open {}", p.display()))?;
        let counted = Counting {
            inner: file,
            count: Arc::clone(&read),
        };
        let reader: Box<dyn Read + Send> = if m[..2] == [0x1f, 0x8b] {
            Box::new(MultiGzDecoder::new(std::io::BufReader::with_capacity(
                1 << 20,
                counted,
            )))
        } else if &m[..3] == b"BZh" {
            bail!(
                "{} is bzip2-compressed: decompress it first (bzcat {} | mailway logs ... -)",
                p.display(),
                p.display()
            );
        } else if m == [0xfd, b'7', b'z', b'X', b'Z', 0] {
            bail!(
                "{} is xz-compressed: decompress it first (xzcat {} | mailway logs ... -)",
                p.display(),
                p.display()
            );
        } else if m[..4] == [0x28, 0xb5, 0x2f, 0xfd] {
            bail!(
                "{} is zstd-compressed: decompress it first (zstdcat {} | mailway logs ... -)",
                p.display(),
                p.display()
            );
        } else if &m[..6] == b"LPKSHH" {
            bail!(
                "{} is a binary systemd journal file: export it first (journalctl --file {} -o json | mailway logs ... -)",
                p.display(),
                p.display()
            );
        } else {
            Box::new(counted)
        };
        let reference = meta
            .modified()
            .unwrap_or_else(|_| std::time::SystemTime::now());
        sources.push(Source {
            name: p.display().to_string(),
            reader,
            reference_naive: naive_of(reference, zone),
        });
    }
    Ok(Inputs {
        sources,
        total_bytes: total,
        read,
    })
}
