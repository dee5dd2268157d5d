//! The on-disk store: atomic writes, recovery scan, quarantine.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::types::{MessageRecord, QueueId};

const MAGIC: &str = "MWSPOOL1";
/// First word of a state file's optional first line: `MWSTATE1 <message-file-length>\n`.
const STATE_MAGIC: &str = "MWSTATE1";
const VERSION_TEXT: &str = "mailway-spool 1\n";
/// Longest first line of a message file we accept (`MWSPOOL1 <hlen> <blen>\n`).
const MAX_PREFIX: usize = 64;
/// Largest record header we accept (guards against a corrupt length).
const MAX_HEADER: usize = 64 << 20;

/// Threads reading the spool in [`Spool::recover`]. After a reboot every read is a disk seek;
/// many concurrent readers keep the device's queue full (measured in `bench/spool-scale.sh`).
///
/// On the 2-core virtual machine of `bench/spool-scale.sh`, 100,000 deferred messages after a
/// cache drop took 13.5 s with 4 readers, 5.2 s with 16, 4.0–4.6 s with 64; 128 and 256 were
/// no faster and held more memory.
pub const RECOVERY_READERS: usize = 64;

/// Options for opening a spool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolOptions {
    /// fsync files and directories (on by default; turning it off loses durability).
    pub fsync: bool,
    /// Refuse new messages once the stored content reaches this many bytes (a quota).
    pub max_bytes: Option<u64>,
}

impl Default for SpoolOptions {
    fn default() -> Self {
        Self {
            fsync: true,
            max_bytes: None,
        }
    }
}

/// Errors of the spool. Each names the file or id concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpoolError {
    /// The file system is full or the user's disk quota is exhausted (`ENOSPC`, `EDQUOT`).
    #[error("spool disk full while writing {path}: {source}")]
    DiskFull {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The configured spool size limit would be exceeded.
    #[error("spool quota exceeded: {used} bytes stored, limit {limit} bytes")]
    QuotaExceeded {
        /// Bytes stored now.
        used: u64,
        /// The configured limit.
        limit: u64,
    },
    /// Another process (a running `mailway serve`) holds the spool lock.
    #[error("spool {path} is in use by another process (is `mailway serve` running?)")]
    Locked {
        /// The spool directory.
        path: PathBuf,
    },
    /// The directory is not a mailway spool of a version we understand.
    #[error("{path} is not a mailway spool: {reason}")]
    BadLayout {
        /// The directory.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A spool file cannot be read back.
    #[error("corrupt spool file {path}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// No message with this id is in the spool.
    #[error("no message {id} in the spool")]
    NotFound {
        /// The id asked for.
        id: QueueId,
    },
    /// Any other I/O error.
    #[error("{op} {path}: {source}")]
    Io {
        /// What we were doing (`write`, `rename`, `read`, ...).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

impl SpoolError {
    fn io(op: &'static str, path: &Path, source: io::Error) -> Self {
        if is_disk_full(&source) {
            SpoolError::DiskFull {
                path: path.to_path_buf(),
                source,
            }
        } else {
            SpoolError::Io {
                op,
                path: path.to_path_buf(),
                source,
            }
        }
    }

    /// True for disk full, quota and spool limit errors (answer `452 4.3.1`).
    pub fn is_full(&self) -> bool {
        matches!(
            self,
            SpoolError::DiskFull { .. } | SpoolError::QuotaExceeded { .. }
        )
    }
}

/// True for `ENOSPC` / `EDQUOT`.
pub fn is_disk_full(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    ) || matches!(e.raw_os_error(), Some(28) | Some(122))
}

/// A file moved to `quarantine/` during recovery, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Quarantined {
    /// Where the file was in the queue.
    pub original: PathBuf,
    /// Where it is now.
    pub moved_to: PathBuf,
    /// What was wrong with it.
    pub reason: String,
}

/// What a recovery scan found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RecoveryReport {
    /// Messages recovered.
    pub recovered: usize,
    /// Files that could not be read and were moved aside.
    pub quarantined: Vec<Quarantined>,
    /// Temporary files of writes that never completed (never acknowledged), removed.
    pub removed_temp: usize,
    /// State files of messages whose content was already removed (finished), removed.
    pub removed_orphans: usize,
    /// Messages whose state file was corrupt: recovered from the accept-time record (all
    /// undelivered recipients retried; some may be delivered twice).
    pub state_reset: usize,
    /// Bytes of message content in the spool.
    pub bytes: u64,
}

/// A durable message spool in one directory. See the crate documentation for the layout.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    opts: SpoolOptions,
    _lock: File,
    counter: AtomicU32,
    tmp_counter: AtomicU64,
    used: AtomicU64,
    last_millis: Mutex<u64>,
    commit: GroupCommit,
}

/// Counters of the spool's durable writes (see [`Spool::sync_stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncStats {
    /// Files renamed into the queue by a group commit (messages and state files).
    pub files: u64,
    /// Group commits run (batches).
    pub batches: u64,
    /// Directory fsyncs issued by group commits (at most one per directory per batch).
    pub dir_syncs: u64,
}

/// Group commit of renames into the queue: every writer fsyncs its own file (in parallel), then
/// hands the rename to the committer. Whoever finds no commit running becomes the leader: it
/// takes every rename waiting, performs them, fsyncs each directory concerned once, and wakes
/// the writers of that batch with their results. Writers arriving meanwhile form the next batch.
/// A writer returns only after the fsync of its directory, so its caller may answer `250`.
#[derive(Debug, Default)]
struct GroupCommit {
    state: Mutex<CommitState>,
    done: Condvar,
    files: AtomicU64,
    batches: AtomicU64,
    dir_syncs: AtomicU64,
}

#[derive(Debug, Default)]
struct CommitState {
    waiting: Vec<Rename>,
    leader: bool,
    next_ticket: u64,
    results: HashMap<u64, Result<(), SpoolError>>,
}

#[derive(Debug)]
struct Rename {
    ticket: u64,
    tmp: PathBuf,
    dest: PathBuf,
    /// Remove `dest` again when its directory cannot be synced (a new message: its writer is
    /// told it failed). A state file stays (it is the newest state even if not durable).
    undo: bool,
}

impl GroupCommit {
    /// Renames `tmp` (already written and fsynced) to `dest` and fsyncs `dest`'s directory,
    /// batched with the renames of concurrent callers. Returns once that fsync is done.
    fn rename_durably(&self, tmp: PathBuf, dest: PathBuf, undo: bool) -> Result<(), SpoolError> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        st.waiting.push(Rename {
            ticket,
            tmp,
            dest,
            undo,
        });
        loop {
            if let Some(r) = st.results.remove(&ticket) {
                return r;
            }
            if st.leader {
                st = self.done.wait(st).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            // No commit running and ours not done: ours is still waiting; lead this batch.
            st.leader = true;
            let batch = std::mem::take(&mut st.waiting);
            drop(st);
            let results = self.run(batch);
            st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            st.results.extend(results);
            st.leader = false;
            self.done.notify_all();
        }
    }

    fn run(&self, batch: Vec<Rename>) -> Vec<(u64, Result<(), SpoolError>)> {
        let mut results = Vec::with_capacity(batch.len());
        // Directory -> renames into it that succeeded.
        let mut dirs: Vec<(PathBuf, Vec<Rename>)> = Vec::new();
        for r in batch {
            let renamed = match fs::rename(&r.tmp, &r.dest) {
                Err(e)
                    if e.kind() == io::ErrorKind::NotFound
                        && !r.dest.parent().is_some_and(Path::is_dir) =>
                {
                    // The bucket directory went away (removed by hand): make it again, once.
                    r.dest
                        .parent()
                        .map_or(Ok(()), |d| ensure_dir(d, true))
                        .and_then(|()| {
                            fs::rename(&r.tmp, &r.dest)
                                .map_err(|e| SpoolError::io("rename", &r.dest, e))
                        })
                }
                other => other.map_err(|e| SpoolError::io("rename", &r.dest, e)),
            };
            match renamed {
                Ok(()) => {
                    let dir = r.dest.parent().unwrap_or(Path::new(".")).to_path_buf();
                    match dirs.iter_mut().find(|(d, _)| *d == dir) {
                        Some((_, v)) => v.push(r),
                        None => dirs.push((dir, vec![r])),
                    }
                }
                Err(e) => {
                    let _ = fs::remove_file(&r.tmp);
                    results.push((r.ticket, Err(e)));
                }
            }
        }
        self.batches.fetch_add(1, Ordering::Relaxed);
        for (dir, renames) in dirs {
            self.dir_syncs.fetch_add(1, Ordering::Relaxed);
            match sync_dir(&dir) {
                Ok(()) => {
                    self.files
                        .fetch_add(renames.len() as u64, Ordering::Relaxed);
                    results.extend(renames.into_iter().map(|r| (r.ticket, Ok(()))));
                }
                Err(e) => {
                    // Not known to be durable: the writers are told it failed (their clients
                    // retry), so the files must not be delivered as well.
                    for r in renames {
                        if r.undo {
                            let _ = fs::remove_file(&r.dest);
                        }
                        results.push((
                            r.ticket,
                            Err(SpoolError::io(
                                "fsync",
                                &dir,
                                io::Error::new(e.kind(), e.to_string()),
                            )),
                        ));
                    }
                }
            }
        }
        results
    }
}

impl Spool {
    /// Opens (creating when needed) the spool in `dir` and takes its lock.
    ///
    /// Fails with [`SpoolError::Locked`] when another process holds it. Call [`Spool::recover`]
    /// next to learn what is in it.
    pub fn open(dir: impl AsRef<Path>, opts: SpoolOptions) -> Result<Spool, SpoolError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| SpoolError::io("create", &dir, e))?;
        let version = dir.join("VERSION");
        match fs::read_to_string(&version) {
            Ok(v) if v == VERSION_TEXT => {}
            Ok(v) => {
                return Err(SpoolError::BadLayout {
                    path: dir,
                    reason: format!("VERSION says {:?}, expected {:?}", v.trim(), VERSION_TEXT),
                });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let nonempty = fs::read_dir(&dir)
                    .map_err(|e| SpoolError::io("read", &dir, e))?
                    .filter_map(Result::ok)
                    .any(|e| e.file_name() != "lock");
                if nonempty {
                    return Err(SpoolError::BadLayout {
                        path: dir,
                        reason: "the directory is not empty and has no VERSION file".into(),
                    });
                }
                write_atomic(&dir.join("tmp"), &version, VERSION_TEXT.as_bytes(), true).or_else(
                    |_| {
                        fs::write(&version, VERSION_TEXT)
                            .map_err(|e| SpoolError::io("write", &version, e))
                    },
                )?;
            }
            Err(e) => return Err(SpoolError::io("read", &version, e)),
        }
        for sub in ["tmp", "queue", "quarantine"] {
            let p = dir.join(sub);
            fs::create_dir_all(&p).map_err(|e| SpoolError::io("create", &p, e))?;
        }
        let lock_path = dir.join("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| SpoolError::io("open", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(SpoolError::Locked { path: dir }),
            Err(fs::TryLockError::Error(e)) => return Err(SpoolError::io("lock", &lock_path, e)),
        }
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos()
            ^ std::process::id().rotate_left(12);
        Ok(Spool {
            dir,
            opts,
            _lock: lock,
            counter: AtomicU32::new(seed & 0xF_FFFF),
            tmp_counter: AtomicU64::new(0),
            used: AtomicU64::new(0),
            last_millis: Mutex::new(0),
            commit: GroupCommit::default(),
        })
    }

    /// True when a process holds the lock of the spool in `dir` (a running daemon).
    /// False when the directory does not exist or nobody holds it.
    pub fn is_locked(dir: impl AsRef<Path>) -> bool {
        let p = dir.as_ref().join("lock");
        match OpenOptions::new().write(true).open(&p) {
            Ok(f) => matches!(f.try_lock(), Err(fs::TryLockError::WouldBlock)),
            Err(_) => false,
        }
    }

    /// The spool directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The options in effect.
    pub fn options(&self) -> &SpoolOptions {
        &self.opts
    }

    /// Bytes of message content stored.
    pub fn used_bytes(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// A new, unused queue id for a message arriving at `now`.
    ///
    /// Unique without looking at the disk: the spool lock makes this process the only writer,
    /// [`Spool::recover`] moves the time part past every id already stored, the time part never
    /// goes backwards, and the counter part (2^20 per millisecond) is this process's own.
    /// Consecutive ids share their bucket directory in runs of 32, so the messages of one
    /// group commit are mostly renamed into one directory (one directory fsync for the batch).
    pub fn new_id(&self, now: SystemTime) -> QueueId {
        let mut millis = now
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as u64;
        // Never go backwards, so ids keep sorting by arrival even if the clock steps back.
        let mut last = self.last_millis.lock().unwrap_or_else(|e| e.into_inner());
        if millis < *last {
            millis = *last;
        }
        *last = millis;
        let c = self.counter.fetch_add(1, Ordering::Relaxed);
        drop(last);
        QueueId::from_parts(millis, spread_counter(c))
    }

    fn bucket_dir(&self, id: &QueueId) -> PathBuf {
        self.dir.join("queue").join(id.bucket())
    }

    /// Path of the content file of `id`.
    pub fn msg_path(&self, id: &QueueId) -> PathBuf {
        self.bucket_dir(id).join(format!("{id}.msg"))
    }

    /// Path of the state file of `id`.
    pub fn state_path(&self, id: &QueueId) -> PathBuf {
        self.bucket_dir(id).join(format!("{id}.st"))
    }

    fn tmp_path(&self, id: &QueueId, ext: &str) -> PathBuf {
        let n = self.tmp_counter.fetch_add(1, Ordering::Relaxed);
        self.dir
            .join("tmp")
            .join(format!("{id}.{ext}.{}.{n}", std::process::id()))
    }

    /// Stores a new message durably: content plus its accept-time record, written to a temporary
    /// file, fsynced, renamed into place, and the directory fsynced. When this returns `Ok`, the
    /// message survives a crash or power loss; only then may the client be told `250`.
    pub fn store(&self, record: &MessageRecord, content: &[u8]) -> Result<(), SpoolError> {
        if let Some(limit) = self.opts.max_bytes {
            let used = self.used.load(Ordering::Relaxed);
            if used.saturating_add(content.len() as u64) > limit {
                return Err(SpoolError::QuotaExceeded { used, limit });
            }
        }
        let header = serde_json::to_vec(record).map_err(|e| SpoolError::Corrupt {
            path: self.msg_path(&record.id),
            reason: format!("cannot encode record: {e}"),
        })?;
        let mut data = Vec::with_capacity(header.len() + content.len() + 40);
        data.extend_from_slice(format!("{MAGIC} {} {}\n", header.len(), content.len()).as_bytes());
        data.extend_from_slice(&header);
        data.push(b'\n');
        data.extend_from_slice(content);
        let tmp = self.tmp_path(&record.id, "msg");
        self.write_durably(&tmp, self.msg_path(&record.id), &data, true)?;
        self.used.fetch_add(content.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Stores the current state of a message durably (replacing the previous state).
    pub fn update(&self, record: &MessageRecord) -> Result<(), SpoolError> {
        // The message file's length goes first, so that recovery can check the message file
        // with a stat instead of reading its first block (half the disk reads after a reboot).
        let mut data = match fs::metadata(self.msg_path(&record.id)) {
            Ok(m) => format!("{STATE_MAGIC} {}\n", m.len()).into_bytes(),
            Err(_) => Vec::new(),
        };
        serde_json::to_writer(&mut data, record).map_err(|e| SpoolError::Corrupt {
            path: self.state_path(&record.id),
            reason: format!("cannot encode record: {e}"),
        })?;
        data.push(b'\n');
        let tmp = self.tmp_path(&record.id, "st");
        self.write_durably(&tmp, self.state_path(&record.id), &data, false)
    }

    /// Counters of the durable writes so far (group commit batches and directory fsyncs).
    pub fn sync_stats(&self) -> SyncStats {
        SyncStats {
            files: self.commit.files.load(Ordering::Relaxed),
            batches: self.commit.batches.load(Ordering::Relaxed),
            dir_syncs: self.commit.dir_syncs.load(Ordering::Relaxed),
        }
    }

    /// Temp file, fdatasync, then a group-committed rename + directory fsync (or, with fsync
    /// off, a plain rename).
    fn write_durably(
        &self,
        tmp: &Path,
        dest: PathBuf,
        data: &[u8],
        new_message: bool,
    ) -> Result<(), SpoolError> {
        if !self.opts.fsync {
            if let Some(dir) = dest.parent() {
                ensure_dir(dir, false)?;
            }
            return write_file_then_rename(tmp, &dest, data, false);
        }
        write_file(tmp, data, true)?;
        self.commit
            .rename_durably(tmp.to_path_buf(), dest, new_message)
    }

    /// Removes a finished (or deleted) message: content first, then state.
    pub fn remove(&self, id: &QueueId) -> Result<(), SpoolError> {
        let msg = self.msg_path(id);
        let size = fs::metadata(&msg).map(|m| m.len()).unwrap_or(0);
        match fs::remove_file(&msg) {
            Ok(()) => {
                let _ = self
                    .used
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                        Some(u.saturating_sub(size))
                    });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(SpoolError::NotFound { id: *id });
            }
            Err(e) => return Err(SpoolError::io("remove", &msg, e)),
        }
        let st = self.state_path(id);
        match fs::remove_file(&st) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(SpoolError::io("remove", &st, e)),
        }
    }

    /// Reads the current record of a message (state file, else the accept-time record).
    pub fn load(&self, id: &QueueId) -> Result<MessageRecord, SpoolError> {
        let st = self.state_path(id);
        match fs::read(&st) {
            Ok(b) => {
                return parse_state(&b)
                    .map(|(rec, _)| rec)
                    .map_err(|reason| SpoolError::Corrupt { path: st, reason });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(SpoolError::io("read", &st, e)),
        }
        let msg = self.msg_path(id);
        let f = match File::open(&msg) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(SpoolError::NotFound { id: *id });
            }
            Err(e) => return Err(SpoolError::io("open", &msg, e)),
        };
        read_header(f, &msg).map(|(rec, _, _)| rec)
    }

    /// Reads the content (the RFC 5322 message) of a message.
    pub fn read_content(&self, id: &QueueId) -> Result<Vec<u8>, SpoolError> {
        let msg = self.msg_path(id);
        let f = match File::open(&msg) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(SpoolError::NotFound { id: *id });
            }
            Err(e) => return Err(SpoolError::io("open", &msg, e)),
        };
        let mut r = BufReader::new(f);
        let (hlen, blen) = read_prefix(&mut r, &msg)?;
        io::copy(&mut (&mut r).take(hlen as u64 + 1), &mut io::sink())
            .map_err(|e| SpoolError::io("read", &msg, e))?;
        let mut body = Vec::with_capacity(blen as usize);
        r.read_to_end(&mut body)
            .map_err(|e| SpoolError::io("read", &msg, e))?;
        if body.len() as u64 != blen {
            return Err(SpoolError::Corrupt {
                path: msg,
                reason: format!("content is {} bytes, header says {blen}", body.len()),
            });
        }
        Ok(body)
    }

    /// Moves a message's files to `quarantine/` with a note saying why.
    pub fn quarantine(&self, id: &QueueId, reason: &str) -> Result<Vec<Quarantined>, SpoolError> {
        let mut out = Vec::new();
        for p in [self.msg_path(id), self.state_path(id)] {
            if p.exists() {
                out.push(self.quarantine_file(&p, reason)?);
            }
        }
        Ok(out)
    }

    fn quarantine_file(&self, path: &Path, reason: &str) -> Result<Quarantined, SpoolError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "unnamed".into());
        let qdir = self.dir.join("quarantine");
        let mut dest = qdir.join(&name);
        let mut n = 1;
        while dest.exists() {
            dest = qdir.join(format!("{name}.{n}"));
            n += 1;
        }
        fs::rename(path, &dest).map_err(|e| SpoolError::io("quarantine", path, e))?;
        let note = dest.with_file_name(format!(
            "{}.why",
            dest.file_name().unwrap_or_default().to_string_lossy()
        ));
        let _ = fs::write(
            &note,
            format!("{}\noriginal path: {}\n", reason, path.display()),
        );
        if self.opts.fsync {
            let _ = sync_dir(&qdir);
        }
        tracing::warn!(file = %path.display(), moved_to = %dest.display(), %reason, "spool file quarantined");
        Ok(Quarantined {
            original: path.to_path_buf(),
            moved_to: dest,
            reason: reason.to_string(),
        })
    }

    /// Scans the spool after a start: removes temporary files of unfinished writes, quarantines
    /// files that cannot be read (reported), and calls `each` with every message that recovers.
    ///
    /// Reads only the small records, never the contents (except to check their length), with
    /// [`RECOVERY_READERS`] threads; keeps nothing in memory itself, so the caller decides what to keep.
    pub fn recover(
        &self,
        mut each: impl FnMut(MessageRecord),
    ) -> Result<RecoveryReport, SpoolError> {
        let mut report = RecoveryReport::default();
        let tmp = self.dir.join("tmp");
        for e in fs::read_dir(&tmp).map_err(|e| SpoolError::io("read", &tmp, e))? {
            let e = e.map_err(|e| SpoolError::io("read", &tmp, e))?;
            if fs::remove_file(e.path()).is_ok() {
                report.removed_temp += 1;
            }
        }
        let queue = self.dir.join("queue");
        let mut buckets: Vec<PathBuf> = Vec::new();
        for e in fs::read_dir(&queue).map_err(|e| SpoolError::io("read", &queue, e))? {
            let e = e.map_err(|e| SpoolError::io("read", &queue, e))?;
            let p = e.path();
            if p.is_dir() {
                buckets.push(p);
            } else {
                report
                    .quarantined
                    .push(self.quarantine_file(&p, "not a spool file (unexpected name)")?);
            }
        }
        buckets.sort();
        // I/O bound when the page cache is cold: many more readers than cores.
        let threads = RECOVERY_READERS;
        // Batches of RECOVERY_BATCH records, not one message per send: the channel's wake-ups
        // (futex calls) were a third of the recovery's system time. A short channel: with a
        // warm cache the readers are faster than the consumer and must not pile records up.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Found>>(16);
        let mut max_id: Option<QueueId> = None;
        let result = std::thread::scope(|s| {
            let mut handles = Vec::new();
            for t in 0..threads {
                let tx = tx.clone();
                let mine: Vec<PathBuf> = buckets.iter().skip(t).step_by(threads).cloned().collect();
                handles.push(s.spawn(move || -> Result<(), SpoolError> {
                    for b in mine {
                        scan_bucket(&b, &tx)?;
                    }
                    Ok(())
                }));
            }
            drop(tx);
            let mut first_err = None;
            for found in rx.into_iter().flatten() {
                match found {
                    Found::Record { rec, bytes } => {
                        max_id = max_id.max(Some(rec.id));
                        report.recovered += 1;
                        report.bytes += bytes;
                        each(*rec);
                    }
                    Found::StateReset {
                        rec,
                        bytes,
                        st_path,
                        reason,
                    } => {
                        match self.quarantine_file(&st_path, &reason) {
                            Ok(q) => report.quarantined.push(q),
                            Err(e) => {
                                first_err.get_or_insert(e);
                            }
                        }
                        max_id = max_id.max(Some(rec.id));
                        report.state_reset += 1;
                        report.recovered += 1;
                        report.bytes += bytes;
                        each(*rec);
                    }
                    Found::Bad { path, reason } => match self.quarantine_file(&path, &reason) {
                        Ok(q) => report.quarantined.push(q),
                        Err(e) => {
                            first_err.get_or_insert(e);
                        }
                    },
                    Found::Orphan { path } => {
                        if fs::remove_file(&path).is_ok() {
                            report.removed_orphans += 1;
                        }
                    }
                }
            }
            for h in handles {
                match h.join() {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        first_err.get_or_insert(e);
                    }
                    Err(_) => {
                        first_err.get_or_insert(SpoolError::Corrupt {
                            path: queue.clone(),
                            reason: "recovery thread panicked".into(),
                        });
                    }
                }
            }
            match first_err {
                Some(e) => Err(e),
                None => Ok(()),
            }
        });
        result?;
        // New ids start after every id stored (see `new_id`).
        if let Some(max) = max_id {
            let mut last = self.last_millis.lock().unwrap_or_else(|e| e.into_inner());
            *last = (*last).max((max.as_u64() >> 20) + 1);
        }
        self.used.store(report.bytes, Ordering::Relaxed);
        Ok(report)
    }
}

enum Found {
    Record {
        rec: Box<MessageRecord>,
        bytes: u64,
    },
    StateReset {
        rec: Box<MessageRecord>,
        bytes: u64,
        st_path: PathBuf,
        reason: String,
    },
    Bad {
        path: PathBuf,
        reason: String,
    },
    Orphan {
        path: PathBuf,
    },
}

fn scan_bucket(dir: &Path, tx: &std::sync::mpsc::SyncSender<Vec<Found>>) -> Result<(), SpoolError> {
    let mut out = Batcher {
        buf: Vec::with_capacity(RECOVERY_BATCH),
        tx,
    };
    let res = scan_bucket_into(dir, &mut out);
    out.flush();
    res
}

/// Records found by one reader, sent to the recovering thread in small batches: few channel
/// wake-ups, and few records in flight (with 64 readers, whole-bucket batches held tens of MB).
const RECOVERY_BATCH: usize = 32;

struct Batcher<'a> {
    buf: Vec<Found>,
    tx: &'a std::sync::mpsc::SyncSender<Vec<Found>>,
}

impl Batcher<'_> {
    fn push(&mut self, f: Found) {
        self.buf.push(f);
        if self.buf.len() >= RECOVERY_BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.buf.is_empty() {
            let b = std::mem::replace(&mut self.buf, Vec::with_capacity(RECOVERY_BATCH));
            let _ = self.tx.send(b);
        }
    }
}

/// Scans one bucket directory, handing what it finds to `out`.
fn scan_bucket_into(dir: &Path, out: &mut Batcher<'_>) -> Result<(), SpoolError> {
    use std::collections::BTreeMap;
    // State files are small: one buffer, reused for all of them.
    let mut buf = Vec::new();
    // id -> (has msg, has st)
    let mut ids: BTreeMap<QueueId, (bool, bool)> = BTreeMap::new();
    for e in fs::read_dir(dir).map_err(|e| SpoolError::io("read", dir, e))? {
        let e = e.map_err(|e| SpoolError::io("read", dir, e))?;
        let name = e.file_name();
        let name = name.to_string_lossy();
        let parsed = name
            .split_once('.')
            .and_then(|(id, ext)| id.parse::<QueueId>().ok().map(|id| (id, ext)));
        match parsed {
            Some((id, "msg")) if dir.ends_with(id.bucket()) => ids.entry(id).or_default().0 = true,
            Some((id, "st")) if dir.ends_with(id.bucket()) => ids.entry(id).or_default().1 = true,
            _ => {
                out.push(Found::Bad {
                    path: e.path(),
                    reason: "not a spool file (unexpected name)".into(),
                });
            }
        }
    }
    for (id, (has_msg, has_st)) in ids {
        let msg = dir.join(format!("{id}.msg"));
        let st = dir.join(format!("{id}.st"));
        if !has_msg {
            out.push(Found::Orphan { path: st });
            continue;
        }
        if has_st {
            // The current record is the .st. Its first line says how long the .msg was when
            // it was written: a stat of the .msg checks that without reading it (after a
            // reboot, every read is a disk seek). Otherwise (an older .st, or the lengths
            // differ) the .msg's prefix is read and checked against its length.
            let st_parsed = read_small(&st, &mut buf)
                .map_err(|e| e.to_string())
                .and_then(|()| parse_state(&buf));
            if let Ok((rec, Some(len))) = &st_parsed
                && rec.id == id
                && fs::metadata(&msg).is_ok_and(|m| m.len() == *len)
                && let Ok((rec, _)) = st_parsed
            {
                let bytes = rec.size;
                out.push(Found::Record {
                    rec: Box::new(rec),
                    bytes,
                });
                continue;
            }
            let checked = File::open(&msg)
                .map_err(|e| SpoolError::io("open", &msg, e))
                .and_then(|f| check_prefix(f, &msg));
            let bytes = match checked {
                Ok(blen) => blen,
                Err(e) => {
                    out.push(Found::Bad {
                        path: msg,
                        reason: e.to_string(),
                    });
                    out.push(Found::Bad {
                        path: st,
                        reason: format!("its message file {id}.msg was corrupt"),
                    });
                    continue;
                }
            };
            let parsed = st_parsed.and_then(|(r, _)| {
                if r.id != id {
                    Err(format!("record says id {}, file name says {id}", r.id))
                } else if r.size != bytes {
                    Err(format!(
                        "record says {} bytes, the message file holds {bytes}",
                        r.size
                    ))
                } else {
                    Ok(r)
                }
            });
            match parsed {
                Ok(rec) => {
                    out.push(Found::Record {
                        rec: Box::new(rec),
                        bytes,
                    });
                }
                Err(reason) => match File::open(&msg)
                    .map_err(|e| SpoolError::io("open", &msg, e))
                    .and_then(|f| read_header(f, &msg))
                {
                    Ok((head_rec, _, _)) if head_rec.id == id => {
                        out.push(Found::StateReset {
                            rec: Box::new(head_rec),
                            bytes,
                            st_path: st,
                            reason: format!(
                                "corrupt state file ({reason}); message recovered from its accept-time record"
                            ),
                        });
                    }
                    Ok((head_rec, _, _)) => {
                        out.push(Found::Bad {
                            path: msg,
                            reason: format!("record says id {}, file name says {id}", head_rec.id),
                        });
                        out.push(Found::Bad { path: st, reason });
                    }
                    Err(e) => {
                        out.push(Found::Bad {
                            path: msg,
                            reason: e.to_string(),
                        });
                        out.push(Found::Bad { path: st, reason });
                    }
                },
            }
            continue;
        }
        // Only the accept-time record: its header must parse and its length must match.
        let head = File::open(&msg)
            .map_err(|e| SpoolError::io("open", &msg, e))
            .and_then(|f| read_header(f, &msg));
        match head {
            Ok((rec, _hlen, blen)) if rec.id == id => {
                out.push(Found::Record {
                    rec: Box::new(rec),
                    bytes: blen,
                });
            }
            Ok((rec, _, _)) => {
                out.push(Found::Bad {
                    path: msg,
                    reason: format!("record says id {}, file name says {id}", rec.id),
                });
            }
            Err(e) => {
                out.push(Found::Bad {
                    path: msg,
                    reason: e.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Parses a state file: the record and, when the file starts with the `MWSTATE1 <length>` line
/// (every state file written since that line exists), the length its message file had.
fn parse_state(b: &[u8]) -> Result<(MessageRecord, Option<u64>), String> {
    let (msg_len, json) = match b.strip_prefix(STATE_MAGIC.as_bytes()) {
        Some(rest) => {
            let nl = rest
                .iter()
                .position(|&c| c == b'\n')
                .ok_or("first line does not end")?;
            let len = std::str::from_utf8(&rest[..nl])
                .ok()
                .map(str::trim)
                .and_then(|t| t.parse::<u64>().ok())
                .ok_or_else(|| {
                    format!(
                        "bad message file length in {:?}",
                        String::from_utf8_lossy(&rest[..nl.min(40)])
                    )
                })?;
            (Some(len), &rest[nl + 1..])
        }
        None => (None, b),
    };
    let rec = serde_json::from_slice::<MessageRecord>(json).map_err(|e| e.to_string())?;
    Ok((rec, msg_len))
}

/// Reads a small file into `buf` (replacing its contents) without asking its size first: an
/// open, two reads and a close, where `fs::read` adds a `statx`.
fn read_small(path: &Path, buf: &mut Vec<u8>) -> io::Result<()> {
    let mut f = File::open(path)?;
    buf.clear();
    buf.resize(buf.capacity().max(4096), 0);
    let mut len = 0;
    loop {
        if len == buf.len() {
            buf.resize(len * 2, 0);
        }
        match f.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                buf.clear();
                return Err(e);
            }
        }
    }
    buf.truncate(len);
    Ok(())
}

fn read_prefix(r: &mut impl BufRead, path: &Path) -> Result<(usize, u64), SpoolError> {
    let corrupt = |reason: String| SpoolError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let mut line = Vec::with_capacity(MAX_PREFIX);
    (&mut *r)
        .take(MAX_PREFIX as u64)
        .read_until(b'\n', &mut line)
        .map_err(|e| SpoolError::io("read", path, e))?;
    let text = std::str::from_utf8(&line)
        .map_err(|_| corrupt("first line is not text".into()))?
        .trim_end_matches('\n');
    let mut parts = text.split(' ');
    if parts.next() != Some(MAGIC) || !line.ends_with(b"\n") {
        return Err(corrupt(format!(
            "does not start with {MAGIC:?} (first bytes {:?})",
            String::from_utf8_lossy(&line[..line.len().min(20)])
        )));
    }
    let hlen: usize = parts
        .next()
        .and_then(|p| p.parse().ok())
        .filter(|&n| n <= MAX_HEADER)
        .ok_or_else(|| corrupt(format!("bad header length in {text:?}")))?;
    let blen: u64 = parts
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| corrupt(format!("bad content length in {text:?}")))?;
    Ok((hlen, blen))
}

/// Checks the first line of a message file against the file's length; returns the content
/// length. Reads one small block, not the message.
fn check_prefix(f: File, path: &Path) -> Result<u64, SpoolError> {
    open_checked(f, path, MAX_PREFIX).map(|(_, _, blen)| blen)
}

/// Reads the length prefix of a message file through a buffer of `capacity` bytes and checks it
/// against the file's length: (reader positioned at the record, record length, content length).
fn open_checked(
    f: File,
    path: &Path,
    capacity: usize,
) -> Result<(BufReader<File>, usize, u64), SpoolError> {
    let file_len = f
        .metadata()
        .map_err(|e| SpoolError::io("stat", path, e))?
        .len();
    let mut r = BufReader::with_capacity(capacity, f);
    let mut prefix_len = 0usize;
    let (hlen, blen) = {
        let mut counting = CountingRead {
            inner: &mut r,
            n: &mut prefix_len,
        };
        read_prefix(&mut counting, path)?
    };
    let expected = prefix_len as u64 + hlen as u64 + 1 + blen;
    if expected != file_len {
        return Err(SpoolError::Corrupt {
            path: path.to_path_buf(),
            reason: format!("file is {file_len} bytes, its header says {expected} (truncated?)"),
        });
    }
    Ok((r, hlen, blen))
}

/// Reads and checks the header of a message file: (record, header length, content length).
fn read_header(f: File, path: &Path) -> Result<(MessageRecord, usize, u64), SpoolError> {
    // Small reads: the record is short; the content after it is not needed here.
    let (mut r, hlen, blen) = open_checked(f, path, 2048)?;
    let mut header = vec![0u8; hlen];
    r.read_exact(&mut header)
        .map_err(|e| SpoolError::io("read", path, e))?;
    let rec: MessageRecord = serde_json::from_slice(&header).map_err(|e| SpoolError::Corrupt {
        path: path.to_path_buf(),
        reason: format!("bad record: {e}"),
    })?;
    if rec.size != blen {
        return Err(SpoolError::Corrupt {
            path: path.to_path_buf(),
            reason: format!("record says {} bytes, header says {blen}", rec.size),
        });
    }
    Ok((rec, hlen, blen))
}

/// A BufRead adapter counting consumed bytes (to know the prefix length).
struct CountingRead<'a, R> {
    inner: &'a mut R,
    n: &'a mut usize,
}

impl<R: BufRead> Read for CountingRead<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        *self.n += k;
        Ok(k)
    }
}

impl<R: BufRead> BufRead for CountingRead<'_, R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        *self.n += amt;
        self.inner.consume(amt)
    }
}

fn ensure_dir(dir: &Path, fsync: bool) -> Result<(), SpoolError> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|e| SpoolError::io("create", dir, e))?;
    if fsync && let Some(parent) = dir.parent() {
        sync_dir(parent).map_err(|e| SpoolError::io("fsync", parent, e))?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `data` to the new file `tmp` (fdatasynced when `fsync`); removes it on failure.
fn write_file(tmp: &Path, data: &[u8], fsync: bool) -> Result<(), SpoolError> {
    let res = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(tmp)
            .map_err(|e| SpoolError::io("create", tmp, e))?;
        f.write_all(data)
            .map_err(|e| SpoolError::io("write", tmp, e))?;
        if fsync {
            f.sync_data().map_err(|e| SpoolError::io("fsync", tmp, e))?;
        }
        Ok(())
    })();
    if res.is_err() {
        let _ = fs::remove_file(tmp);
    }
    res
}

/// Maps the id counter so that runs of 32 consecutive values share their low byte (the
/// bucket): bits 0-12 are rotated right by 5, bits 13-19 stay. A bijection on 20 bits, so ids
/// stay unique.
fn spread_counter(c: u32) -> u32 {
    let c = c & 0xF_FFFF;
    let low = c & 0x1FFF;
    (c & !0x1FFF) | (low >> 5) | ((low & 0x1F) << 8)
}

fn write_file_then_rename(
    tmp: &Path,
    dest: &Path,
    data: &[u8],
    fsync: bool,
) -> Result<(), SpoolError> {
    let res = (|| {
        write_file(tmp, data, fsync)?;
        fs::rename(tmp, dest).map_err(|e| SpoolError::io("rename", dest, e))?;
        if fsync && let Some(parent) = dest.parent() {
            sync_dir(parent).map_err(|e| SpoolError::io("fsync", parent, e))?;
        }
        Ok(())
    })();
    if res.is_err() {
        let _ = fs::remove_file(tmp);
    }
    res
}

fn write_atomic(tmpdir: &Path, dest: &Path, data: &[u8], fsync: bool) -> Result<(), SpoolError> {
    fs::create_dir_all(tmpdir).map_err(|e| SpoolError::io("create", tmpdir, e))?;
    let tmp = tmpdir.join(format!(
        "{}.{}",
        dest.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    write_file_then_rename(&tmp, dest, data, fsync)
}
