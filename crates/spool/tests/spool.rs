//! Spool behaviour: durability contract, recovery, quarantine, lock, quota, disk full.

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use mailway_spool::{
    Envelope, LastReply, MessageRecord, RcptState, Spool, SpoolError, SpoolOptions,
};

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn store(spool: &Spool, n: usize) -> Vec<mailway_spool::QueueId> {
    (0..n)
        .map(|i| {
            let id = spool.new_id(t0());
            let content = format!("Subject: {i}\r\n\r\nbody {i}\r\n");
            let rec = MessageRecord::new(
                id,
                t0(),
                Envelope::new("a@example.org", [format!("r{i}@example.com")]),
                content.len() as u64,
            );
            spool.store(&rec, content.as_bytes()).unwrap();
            id
        })
        .collect()
}

fn recover(dir: &Path) -> (Spool, Vec<MessageRecord>, mailway_spool::RecoveryReport) {
    let spool = Spool::open(dir, SpoolOptions::default()).unwrap();
    let mut recs = Vec::new();
    let report = spool.recover(|r| recs.push(r)).unwrap();
    recs.sort_by_key(|r| r.id);
    (spool, recs, report)
}

#[test]
fn stores_updates_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let ids;
    {
        let spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
        ids = store(&spool, 20);
        // update one: deferred with a reply
        let mut rec = spool.load(&ids[3]).unwrap();
        rec.recipients[0].state = RcptState::Deferred;
        rec.recipients[0].attempts = 2;
        rec.recipients[0].last_reply = Some(LastReply {
            at: t0(),
            text: "450 4.7.1 greylisted".into(),
            smtp: true,
            remote_mta: Some("mx.example.com [127.0.0.1]:25".into()),
            command: Some("RCPT".into()),
        });
        spool.update(&rec).unwrap();
        // the state file names the message file's length first (checked by a stat on recovery)
        let st = fs::read_to_string(spool.state_path(&ids[3])).unwrap();
        let msg_len = fs::metadata(spool.msg_path(&ids[3])).unwrap().len();
        assert!(st.starts_with(&format!("MWSTATE1 {msg_len}\n{{")), "{st}");
        // a state file as earlier versions wrote it (the record alone) still recovers
        let mut old = spool.load(&ids[6]).unwrap();
        old.recipients[0].state = RcptState::Deferred;
        old.recipients[0].attempts = 1;
        fs::write(spool.state_path(&ids[6]), serde_json::to_vec(&old).unwrap()).unwrap();
        spool.remove(&ids[5]).unwrap();
        assert!(matches!(
            spool.remove(&ids[5]),
            Err(SpoolError::NotFound { .. })
        ));
    }
    let (spool, recs, report) = recover(dir.path());
    assert_eq!(report.recovered, 19);
    assert!(report.quarantined.is_empty());
    assert_eq!(recs.len(), 19);
    let r3 = recs.iter().find(|r| r.id == ids[3]).unwrap();
    assert_eq!(r3.recipients[0].state, RcptState::Deferred);
    assert_eq!(r3.recipients[0].attempts, 2);
    assert!(!recs.iter().any(|r| r.id == ids[5]));
    let r6 = recs.iter().find(|r| r.id == ids[6]).unwrap();
    assert_eq!(r6.recipients[0].state, RcptState::Deferred);
    assert_eq!(spool.load(&ids[6]).unwrap().recipients[0].attempts, 1);
    assert_eq!(
        spool.read_content(&ids[7]).unwrap(),
        b"Subject: 7\r\n\r\nbody 7\r\n"
    );
    assert_eq!(report.bytes, spool.used_bytes());
    assert!(report.bytes > 0);
}

#[test]
fn lock_excludes_a_second_opener() {
    let dir = tempfile::tempdir().unwrap();
    let s = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
    assert!(Spool::is_locked(dir.path()));
    assert!(matches!(
        Spool::open(dir.path(), SpoolOptions::default()),
        Err(SpoolError::Locked { .. })
    ));
    drop(s);
    assert!(!Spool::is_locked(dir.path()));
    assert!(!Spool::is_locked(dir.path().join("nope")));
}

#[test]
fn refuses_a_foreign_directory() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("something"), "x").unwrap();
    let e = Spool::open(dir.path(), SpoolOptions::default()).unwrap_err();
    assert!(matches!(e, SpoolError::BadLayout { .. }), "{e}");
    assert!(e.to_string().contains("not a mailway spool"));
}

#[test]
fn corrupt_files_are_quarantined_and_the_rest_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let ids;
    let (truncated, garbage, bad_state, orphan_state, truncated_with_state);
    {
        let spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
        ids = store(&spool, 10);
        // 1. a truncated message file
        truncated = spool.msg_path(&ids[1]);
        let data = fs::read(&truncated).unwrap();
        fs::write(&truncated, &data[..data.len() - 5]).unwrap();
        // 2. garbage instead of a message file
        garbage = spool.msg_path(&ids[2]);
        fs::write(&garbage, b"\x00\x01 this is not a spool file").unwrap();
        // 3. a corrupt state file: the message recovers from its accept-time record
        bad_state = spool.state_path(&ids[3]);
        fs::write(&bad_state, b"{\"version\":1,").unwrap();
        // 4. a state file without its message (finished message)
        orphan_state = spool.state_path(&ids[4]);
        let rec = spool.load(&ids[4]).unwrap();
        spool.update(&rec).unwrap();
        fs::remove_file(spool.msg_path(&ids[4])).unwrap();
        // 6. a truncated message file that has a state file: both go (the content is gone)
        truncated_with_state = spool.msg_path(&ids[5]);
        let rec = spool.load(&ids[5]).unwrap();
        spool.update(&rec).unwrap();
        let data = fs::read(&truncated_with_state).unwrap();
        fs::write(&truncated_with_state, &data[..data.len() - 1]).unwrap();
        // 5. a stray file and an unfinished temporary write
        fs::write(spool.msg_path(&ids[0]).with_file_name("README"), "hello").unwrap();
        fs::write(dir.path().join("tmp").join("x.msg.1.1"), "half").unwrap();
    }
    let (spool, recs, report) = recover(dir.path());
    let got: Vec<_> = recs.iter().map(|r| r.id).collect();
    // Recovery returns ids sorted; ids made within one millisecond are not in creation order
    // (the counter is spread over the buckets), so compare against the sorted survivors.
    let mut want: Vec<_> = ids
        .iter()
        .copied()
        .filter(|id| *id != ids[1] && *id != ids[2] && *id != ids[4] && *id != ids[5])
        .collect();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(report.state_reset, 1);
    assert_eq!(report.removed_orphans, 1);
    assert_eq!(report.removed_temp, 1);
    let originals: Vec<_> = report
        .quarantined
        .iter()
        .map(|q| q.original.clone())
        .collect();
    for p in [&truncated, &garbage, &bad_state, &truncated_with_state] {
        assert!(
            originals.contains(p),
            "{} not quarantined: {originals:?}",
            p.display()
        );
        assert!(!p.exists());
    }
    assert_eq!(report.quarantined.len(), 6, "{:#?}", report.quarantined);
    for q in &report.quarantined {
        assert!(q.moved_to.exists());
        assert!(q.moved_to.starts_with(dir.path().join("quarantine")));
        let why = fs::read_to_string(format!("{}.why", q.moved_to.display())).unwrap();
        assert!(why.contains(&q.reason));
    }
    let trunc = report
        .quarantined
        .iter()
        .find(|q| q.original == truncated)
        .unwrap();
    assert!(trunc.reason.contains("truncated"), "{}", trunc.reason);
    assert!(!orphan_state.exists());
    // the message with the corrupt state is whole again
    assert_eq!(
        spool.load(&ids[3]).unwrap().recipients[0].state,
        RcptState::Pending
    );
    // a second recovery finds nothing more to fix
    drop(spool);
    let (_, recs2, report2) = recover(dir.path());
    assert_eq!(recs2.len(), recs.len());
    assert!(report2.quarantined.is_empty());
}

#[test]
fn quota_refuses_with_a_typed_error_and_keeps_what_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(
        dir.path(),
        SpoolOptions {
            fsync: true,
            max_bytes: Some(100),
        },
    )
    .unwrap();
    let ids = store(&spool, 3); // ~25 bytes each
    let big = vec![b'x'; 80];
    let id = spool.new_id(t0());
    let rec = MessageRecord::new(id, t0(), Envelope::new("", ["x@example.com"]), 80);
    let e = spool.store(&rec, &big).unwrap_err();
    assert!(e.is_full(), "{e}");
    assert!(matches!(e, SpoolError::QuotaExceeded { .. }));
    assert!(!spool.msg_path(&id).exists());
    for id in ids {
        assert!(spool.load(&id).is_ok());
    }
}

/// A real full file system: a 256 KB tmpfs (needs root; skipped elsewhere, required in CI).
#[test]
fn disk_full_is_a_typed_error_and_nothing_is_lost() {
    let base = tempfile::tempdir().unwrap();
    let mnt = base.path().join("small");
    fs::create_dir(&mnt).unwrap();
    let ok = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(&mnt)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("cannot mount a tmpfs for the disk-full test (CI runs as root)");
        }
        eprintln!("skipping: cannot mount a tmpfs (not root?)");
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mnt.clone());
    let dir = mnt.join("spool");
    let mut stored = Vec::new();
    let full_err;
    {
        let spool = Spool::open(&dir, SpoolOptions::default()).unwrap();
        let content = vec![b'y'; 20_000];
        loop {
            let id = spool.new_id(t0());
            let rec = MessageRecord::new(
                id,
                t0(),
                Envelope::new("a@b.c", ["d@e.f"]),
                content.len() as u64,
            );
            match spool.store(&rec, &content) {
                Ok(()) => stored.push(id),
                Err(e) => {
                    full_err = e;
                    break;
                }
            }
            assert!(stored.len() < 100, "tmpfs never filled up");
        }
    }
    assert!(
        matches!(full_err, SpoolError::DiskFull { .. }),
        "{full_err}"
    );
    assert!(full_err.is_full());
    assert!(!stored.is_empty());
    let (_, recs, report) = recover(&dir);
    assert_eq!(
        recs.len(),
        stored.len(),
        "every acknowledged message recovers"
    );
    assert!(report.quarantined.is_empty(), "{:?}", report.quarantined);
}

#[test]
fn concurrent_stores_are_group_committed_and_all_recover() {
    let dir = tempfile::tempdir().unwrap();
    let threads = 16;
    let per_thread = 25;
    let mut ids = Vec::new();
    {
        let spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
        let barrier = std::sync::Barrier::new(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let spool = &spool;
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        let mut mine = Vec::new();
                        for i in 0..per_thread {
                            let id = spool.new_id(SystemTime::now());
                            let content = format!("Subject: {t}/{i}\r\n\r\nbody\r\n");
                            let rec = MessageRecord::new(
                                id,
                                SystemTime::now(),
                                Envelope::new("a@example.org", ["b@example.com"]),
                                content.len() as u64,
                            );
                            spool.store(&rec, content.as_bytes()).unwrap();
                            // Returned Ok: the file is in its bucket now.
                            assert!(spool.msg_path(&id).is_file());
                            mine.push((id, content));
                        }
                        mine
                    })
                })
                .collect();
            for h in handles {
                ids.extend(h.join().unwrap());
            }
        });
        let stats = spool.sync_stats();
        let n = (threads * per_thread) as u64;
        assert_eq!(stats.files, n, "{stats:?}");
        assert!(stats.batches >= 1 && stats.batches <= n, "{stats:?}");
        assert!(stats.dir_syncs >= stats.batches, "{stats:?}");
        // Ids of one burst share their bucket, so a batch rarely needs more than two
        // directory syncs (each writer alone would need one each).
        assert!(stats.dir_syncs <= 2 * stats.batches + 16, "{stats:?}");
        // Nothing left behind in tmp/.
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    }
    let unique: std::collections::HashSet<_> = ids.iter().map(|(id, _)| *id).collect();
    assert_eq!(unique.len(), ids.len(), "queue ids are unique");
    let (spool, recs, report) = recover(dir.path());
    assert_eq!(report.recovered, ids.len());
    assert!(report.quarantined.is_empty());
    assert_eq!(recs.len(), ids.len());
    for (id, content) in &ids {
        assert_eq!(spool.read_content(id).unwrap(), content.as_bytes());
    }
}

#[test]
fn new_ids_after_recovery_never_collide_with_stored_ones() {
    let dir = tempfile::tempdir().unwrap();
    // Messages stored "in the future" (a clock that later steps back).
    let future = SystemTime::now() + Duration::from_secs(3600);
    let stored: Vec<_> = {
        let spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
        (0..50)
            .map(|_| {
                let id = spool.new_id(future);
                let rec = MessageRecord::new(
                    id,
                    future,
                    Envelope::new("a@example.org", ["b@example.com"]),
                    2,
                );
                spool.store(&rec, b"x\n").unwrap();
                id
            })
            .collect()
    };
    let (spool, recs, _) = recover(dir.path());
    assert_eq!(recs.len(), 50);
    let max = stored.iter().max().unwrap();
    for _ in 0..2000 {
        let id = spool.new_id(SystemTime::now());
        assert!(id > *max, "{id} after {max}");
        assert!(!spool.msg_path(&id).exists());
    }
}

#[test]
fn consecutive_ids_share_a_bucket_in_runs() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
    let ids: Vec<_> = (0..4096).map(|_| spool.new_id(t0())).collect();
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
    let changes = ids
        .windows(2)
        .filter(|w| w[0].bucket() != w[1].bucket())
        .count();
    // 4096 ids in runs of 32: about 128 bucket changes, never one per id.
    assert!((100..=200).contains(&changes), "{changes} bucket changes");
    let buckets: std::collections::HashSet<_> = ids.iter().map(|i| i.bucket()).collect();
    assert!(
        buckets.len() >= 100,
        "spread over {} buckets",
        buckets.len()
    );
}
