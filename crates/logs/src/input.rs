//! Opening log files as [`Source`]s: plain or gzip (detected by magic bytes, not by name),
//! rotated sets in chronological order, and clear errors for formats that must be converted
//! first (bzip2, xz, zstd, binary journal files, directories).
//!
//! This is the only module of the crate that touches the file system; the binary and other
//! crates (e.g. `mailway doctor --log`) share it.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;

use crate::pipeline::Source;
use crate::time::Zone;

/// Why an input could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A directory was named.
    #[error("{path} is a directory: name the log files in it (e.g. {path}/mail.log*)")]
    Directory {
        /// The path.
        path: PathBuf,
    },
    /// A compression or container this crate does not read.
    #[error("{path} is {what}: {hint}")]
    Unsupported {
        /// The path.
        path: PathBuf,
        /// What it is (`bzip2-compressed`, ...).
        what: &'static str,
        /// How to read it anyway.
        hint: String,
    },
}

/// Counts bytes read through it (compressed bytes for compressed files), for progress bars.
pub struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R> Counting<R> {
    /// Wraps `inner`, adding what it reads to `count`.
    pub fn new(inner: R, count: Arc<AtomicU64>) -> Self {
        Self { inner, count }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Wall-clock seconds (as if UTC) of a system time in `zone`.
pub fn naive_of(t: std::time::SystemTime, zone: &Zone) -> i64 {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    secs + zone.offset_at(secs)
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

/// An opened file: the source and its size on disk.
pub struct Opened {
    /// The source (decompressed when needed).
    pub source: Source,
    /// Size on disk.
    pub disk_bytes: u64,
}

/// Opens one log file (plain or gzip). `counter`, when given, counts the on-disk bytes read.
/// Year-less stamps are placed relative to the file's modification time in `zone`.
pub fn open_file(
    path: &Path,
    zone: &Zone,
    counter: Option<Arc<AtomicU64>>,
) -> Result<Opened, OpenError> {
    let io = |source| OpenError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(OpenError::Directory {
            path: path.to_path_buf(),
        });
    }
    let m = magic(path).map_err(io)?;
    let unsupported = |what: &'static str, hint: String| OpenError::Unsupported {
        path: path.to_path_buf(),
        what,
        hint,
    };
    let p = path.display();
    if &m[..3] == b"BZh" {
        return Err(unsupported(
            "bzip2-compressed",
            format!("decompress it first (bzcat {p} | mailway logs ... -)"),
        ));
    }
    if m == [0xfd, b'7', b'z', b'X', b'Z', 0] {
        return Err(unsupported(
            "xz-compressed",
            format!("decompress it first (xzcat {p} | mailway logs ... -)"),
        ));
    }
    if m[..4] == [0x28, 0xb5, 0x2f, 0xfd] {
        return Err(unsupported(
            "zstd-compressed",
            format!("decompress it first (zstdcat {p} | mailway logs ... -)"),
        ));
    }
    if &m[..6] == b"LPKSHH" {
        return Err(unsupported(
            "a binary systemd journal file",
            format!("export it first (journalctl --file {p} -o json | mailway logs ... -)"),
        ));
    }
    let file = File::open(path).map_err(io)?;
    let counter = counter.unwrap_or_default();
    let counted = Counting::new(file, counter);
    let reader: Box<dyn Read + Send> = if m[..2] == [0x1f, 0x8b] {
        Box::new(MultiGzDecoder::new(std::io::BufReader::with_capacity(
            1 << 20,
            counted,
        )))
    } else {
        Box::new(counted)
    };
    let reference = meta
        .modified()
        .unwrap_or_else(|_| std::time::SystemTime::now());
    Ok(Opened {
        source: Source {
            name: path.display().to_string(),
            reader,
            reference_naive: naive_of(reference, zone),
        },
        disk_bytes: meta.len(),
    })
}

/// Opens several files, rotated sets put in chronological order (see [`crate::rotation::order`]).
pub fn open_files(paths: &[PathBuf], zone: &Zone) -> Result<Vec<Source>, OpenError> {
    crate::rotation::order(paths)
        .into_iter()
        .map(|p| open_file(&p, zone, None).map(|o| o.source))
        .collect()
}
