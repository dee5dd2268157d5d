//! Opening log inputs: files (plain or gzip, detected by magic bytes), standard input, rotated
//! sets in chronological order, the default `/var/log/mail.log*` set, and byte counting for the
//! progress bar.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use anyhow::bail;
use mailway_logs::input::Counting;
pub use mailway_logs::input::naive_of;
use mailway_logs::pipeline::Source;
use mailway_logs::time::Zone;

/// Opened inputs.
pub struct Inputs {
    /// The sources, in reading order.
    pub sources: Vec<Source>,
    /// Total size on disk of the files (0 when unknown, e.g. stdin).
    pub total_bytes: u64,
    /// Bytes read so far (on-disk bytes).
    pub read: Arc<AtomicU64>,
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
                reader: Box::new(Counting::new(std::io::stdin(), Arc::clone(&read))),
                reference_naive: naive_of(std::time::SystemTime::now(), zone),
            });
            continue;
        }
        let opened = mailway_logs::input::open_file(&p, zone, Some(Arc::clone(&read)))?;
        total += opened.disk_bytes;
        sources.push(opened.source);
    }
    Ok(Inputs {
        sources,
        total_bytes: total,
        read,
    })
}
