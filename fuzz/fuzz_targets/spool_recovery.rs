//! Fuzzes the spool's recovery with damaged files: a stored message whose `.msg` is replaced or
//! patched, or whose `.st` (state file) is replaced, by arbitrary bytes, then the spool is
//! reopened and recovered as the daemon does at start. Besides "never panics": the message is
//! never silently lost (it is recovered, or its `.msg` is quarantined with a reason), and a
//! recovered message whose content cannot be read back can be quarantined.
//!
//! Runs in a directory under /dev/shm when there is one (the spool fsyncs every write).
#![no_main]

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use mailway_spool::{Envelope, MessageRecord, RcptState, Spool, SpoolOptions};

const CONTENT: &[u8] = b"From: a@example.org\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nhello\r\n";

fn base() -> PathBuf {
    let shm = PathBuf::from("/dev/shm");
    let root = if shm.is_dir() { shm } else { std::env::temp_dir() };
    root.join(format!("mailway-fuzz-spool-{}", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let dir = base();
    let _ = std::fs::remove_dir_all(&dir);
    let spool = Spool::open(&dir, SpoolOptions::default()).expect("open a fresh spool");
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let id = spool.new_id(now);
    let mut rec = MessageRecord::new(
        id,
        now,
        Envelope::new("a@example.org", ["b@example.com", "c@example.net"]),
        CONTENT.len() as u64,
    );
    spool.store(&rec, CONTENT).expect("store");
    if mode & 1 == 1 {
        rec.recipients[0].state = RcptState::Delivered;
        spool.update(&rec).expect("update");
    }
    let msg = spool.msg_path(&id);
    let st = spool.state_path(&id);
    drop(spool);
    match mode % 3 {
        0 => std::fs::write(&msg, rest).unwrap(),
        1 => std::fs::write(&st, rest).unwrap(),
        _ => {
            // patch the .msg at an offset
            let mut b = std::fs::read(&msg).unwrap();
            if let Some((&at, patch)) = rest.split_first() {
                let at = usize::from(at) % (b.len() + 1);
                let end = (at + patch.len()).min(b.len());
                b.splice(at..end, patch.iter().copied());
            }
            std::fs::write(&msg, b).unwrap();
        }
    }
    let spool = Spool::open(&dir, SpoolOptions::default()).expect("reopen");
    let mut found = Vec::new();
    let report = spool.recover(|r| found.push(r)).expect("recover");
    let msg_quarantined = report.quarantined.iter().any(|q| q.original == msg);
    assert!(
        found.len() == 1 || msg_quarantined,
        "the message was lost: found {}, report {report:?}",
        found.len()
    );
    for r in &found {
        assert_eq!(r.id, id);
        if spool.read_content(&r.id).is_err() {
            spool.quarantine(&r.id, "fuzz: content unreadable").expect("quarantine");
        }
    }
    drop(spool);
    let _ = std::fs::remove_dir_all(&dir);
});
