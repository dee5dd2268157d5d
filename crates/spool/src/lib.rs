//! Durable message spool: write temp, fsync, rename, fsync dir; recovery scan.
//!
//! The spool is where the relay keeps every message it has acknowledged until each recipient is
//! delivered or has failed. It owns the on-disk format and the durability contract; it knows
//! nothing of SMTP, DNS or scheduling (that is `mailway-relay`).
//!
//! # Durability contract
//!
//! [`Spool::store`] writes the message to a temporary file, `fdatasync`s it, renames it into the
//! queue and `fsync`s the queue directory. Only when it returns `Ok` may the client be told
//! `250`: from then on the message survives `kill -9` and power loss. [`Spool::update`] replaces
//! the per-recipient state the same way (temp, fsync, rename, fsync dir).
//!
//! Concurrent writes are group-committed: each writer syncs its own file (in parallel), then
//! the renames waiting at that moment are done together and each directory concerned is
//! `fsync`ed once for the whole batch; every writer of the batch returns only after that
//! directory fsync. Queue ids are handed out so that consecutive ids share a bucket directory
//! (runs of 32), so a batch of concurrent SMTP sessions usually costs one directory fsync in
//! total instead of one each. [`Spool::sync_stats`] counts batches and directory fsyncs. Removal after the last
//! recipient is final is not synced: a crash right after it can at worst deliver a message twice
//! (at-least-once), never lose one.
//!
//! A full disk or exhausted quota (`ENOSPC`, `EDQUOT`) and the optional spool size limit come
//! back as [`SpoolError::DiskFull`] / [`SpoolError::QuotaExceeded`] (see
//! [`SpoolError::is_full`]), which the relay answers with `452 4.3.1`; the half-written
//! temporary file is removed and nothing already stored is touched.
//!
//! # On-disk layout (version 1)
//!
//! ```text
//! <spool>/
//!   VERSION              "mailway-spool 1"
//!   lock                 flock(2)ed by the process that has the spool open (the daemon)
//!   daemon.json          written by a running daemon: {"pid":…, "api":"127.0.0.1:8025"}
//!   tmp/                 writes in progress; emptied on start (never acknowledged)
//!   queue/XX/            256 buckets, XX = last two hex digits of the queue id
//!     <ID>.msg           the message: one prefix line, the accept-time record, the content
//!     <ID>.st            the current record, once any recipient changed state
//!   quarantine/          files that could not be read back, each with <name>.why
//! ```
//!
//! A `.msg` file is written once and never changed:
//!
//! ```text
//! MWSPOOL1 <record-length> <content-length>\n
//! <record: one line of JSON, a MessageRecord as accepted>\n
//! <content: the RFC 5322 message, exactly as received, CRLF line endings>
//! ```
//!
//! The record ([`MessageRecord`]) holds the queue id, arrival time ("first seen"), the envelope
//! with its RFC 3461 parameters (RET, ENVID, SIZE, BODY, SMTPUTF8; per recipient NOTIFY and
//! ORCPT), and per recipient its [`RcptState`] (pending, deferred, delivered, failed), attempts,
//! last and next attempt, and the last reply with the remote MTA. The `.st` file, when present,
//! is the newer version of that record; timestamps are RFC 3339 UTC:
//!
//! ```text
//! MWSTATE1 <length of the .msg file in bytes>\n
//! <record: one line of JSON, the MessageRecord as it is now>\n
//! ```
//!
//! (A `.st` without the first line, as written by earlier versions, is read too.)
//!
//! # Recovery
//!
//! [`Spool::recover`] scans every bucket (in parallel) and hands each message record to the caller;
//! it reads records and file lengths, never contents. A message with a `.st` costs one small read
//! (the `.st`) and a stat (the `.msg` length against the one the `.st` recorded); only a message
//! without one has the first block of its `.msg` read. (Damage to a `.msg` that keeps its length is
//! found when its content is read for delivery: [`Spool::read_content`] checks the prefix and
//! length, and the relay then quarantines the message with [`Spool::quarantine`].) Disk reads after
//! a reboot are seeks, so the scan runs many readers at once ([`RECOVERY_READERS`]) to keep the
//! device's queue full (see `bench/spool-scale.sh` for the warm- and cold-cache figures). A `.msg`
//! file whose prefix, record or length is wrong is moved to `quarantine/` with a `.why` note and
//! reported in the [`RecoveryReport`]; every other message recovers. A corrupt `.st` is quarantined
//! and the message recovers from its accept-time record (undelivered recipients are retried, so
//! some may be delivered twice, none lost). A `.st` without its `.msg` is what remains of a
//! finished message and is removed.
//!
//! # Example
//!
//! ```
//! use std::time::SystemTime;
//! use mailway_spool::{Envelope, MessageRecord, Spool, SpoolOptions};
//!
//! let dir = std::env::temp_dir().join(format!("spool-doc-{}", std::process::id()));
//! # let _ = std::fs::remove_dir_all(&dir);
//! let spool = Spool::open(&dir, SpoolOptions::default())?;
//! let now = SystemTime::now();
//! let id = spool.new_id(now);
//! let content = b"Subject: hi\r\n\r\nhello\r\n";
//! let rec = MessageRecord::new(id, now, Envelope::new("a@example.org", ["b@example.com"]), content.len() as u64);
//! spool.store(&rec, content)?; // durable from here: answer 250
//! drop(spool);
//!
//! let spool = Spool::open(&dir, SpoolOptions::default())?;
//! let mut found = Vec::new();
//! let report = spool.recover(|rec| found.push(rec.id))?;
//! assert_eq!(found, [id]);
//! assert!(report.quarantined.is_empty());
//! assert_eq!(spool.read_content(&id)?, content);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), mailway_spool::SpoolError>(())
//! ```

mod store;
mod types;

pub use store::{
    Quarantined, RECOVERY_READERS, RecoveryReport, Spool, SpoolError, SpoolOptions, SyncStats,
    is_disk_full,
};
pub use types::{
    BodyType, Envelope, EnvelopeHead, LastReply, MessageRecord, Notify, Origin, ParseQueueIdError,
    QueueId, RcptState, RcptStatus, Recipient, Ret, domain_of, opt_time_serde, time_serde,
};
