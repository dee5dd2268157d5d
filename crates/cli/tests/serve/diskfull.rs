//! A really full disk: the spool lives on a small tmpfs. Once it is full the daemon answers
//! `452 4.3.1` (never `250`), keeps running, and every message it did acknowledge is delivered
//! once the next hop comes back. Needs root (mount); outside CI it is skipped with a message when
//! mounting is not permitted, under CI that is a failure.

use std::process::Command;

use mailway_testkit::smtp::PeerScript;

use crate::support::{Daemon, Smtp, tempdir, wait_until};

struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn full_spool_filesystem_refuses_with_452_and_loses_nothing() {
    let dir = tempdir();
    let mnt = dir.path().join("small-fs");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs"])
        .arg(&mnt)
        .output();
    match mounted {
        Ok(o) if o.status.success() => {}
        other => {
            assert!(
                !crate::support::under_ci(),
                "CI runs as root and must be able to mount a tmpfs for the disk-full test: {other:?}"
            );
            eprintln!(
                "skipping: cannot mount a tmpfs for the disk-full test ({}); the spool-quota path \
                 is tested in mailway-relay's listener tests",
                match other {
                    Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_string(),
                    Err(e) => e.to_string(),
                }
            );
            return;
        }
    }
    let _guard = Mount(mnt.clone());

    // the next hop is down at first: everything stays queued on the small filesystem (the
    // refused connections may mark it dead: a short dead backoff, so that it is tried again
    // well within the wait below once it is back; the default 5 minutes would outlast it)
    let port = crate::support::free_port(std::net::Ipv4Addr::LOCALHOST);
    let hop = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let cfg = dir.path().join("mailway.toml");
    std::fs::write(
        &cfg,
        format!(
            "[relay]\nevent_log = \"off\"\n[relay.retry]\ninitial = \"1s\"\nmax_interval = \"1s\"\njitter = 0.0\n[relay.concurrency]\ndead_backoff = \"1s\"\n[relay.routes]\n\"full.test\" = \"{hop}\"\n"
        ),
    )
    .unwrap();
    let mut d = Daemon::start_with_spool(
        dir.path(),
        &mnt.join("spool"),
        &["--config", cfg.to_str().unwrap()],
    );

    let body = format!("Subject: filler\n\n{}\n", "0123456789".repeat(3000)); // ~30 KB
    let (mut c, _) = Smtp::connect(d.smtp).unwrap();
    c.cmd("EHLO c.test").unwrap();
    let mut acked = 0usize;
    let mut refusal = None;
    for i in 0..200 {
        let r = c
            .send(
                "a@example.org",
                &format!("r{i}@full.test"),
                &body.replace("filler", &format!("filler {i}")),
            )
            .unwrap();
        if r.starts_with("250") {
            acked += 1;
        } else {
            refusal = Some(r);
            break;
        }
    }
    let refusal = refusal.expect("the 1 MB filesystem never filled up");
    assert!(refusal.starts_with("452 4.3.1"), "{refusal}");
    assert!(acked > 5, "only {acked} messages fit");
    // the session and the daemon survive
    assert!(c.cmd("NOOP").unwrap().starts_with("250"));
    c.cmd("QUIT").unwrap();
    assert!(d.is_running(), "daemon died on a full disk:\n{}", d.log());

    // the filesystem filled to the last byte (not only past the daemon's free-space reserve):
    // the retries while the hop is down cannot write their state
    let filler = mnt.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4096];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
    }
    std::thread::sleep(std::time::Duration::from_secs(4));
    assert!(d.is_running(), "daemon died on a full disk:\n{}", d.log());
    std::fs::remove_file(&filler).unwrap();

    // the next hop comes back: everything acknowledged is delivered
    let peer = {
        let mut p = PeerScript::accept();
        p.bind = hop;
        p.start()
    };
    assert!(
        wait_until(120, || peer.messages().len() >= acked),
        "{} of {acked} delivered\n{}",
        peer.messages().len(),
        d.log()
    );
    let mut rcpts: Vec<String> = peer
        .messages()
        .iter()
        .flat_map(|m| m.rcpts.clone())
        .collect();
    rcpts.sort();
    rcpts.dedup();
    assert_eq!(rcpts.len(), acked);
    // failed state writes (every deferral of every queued message while the disk is full) are
    // logged at most once a minute, with the count of the others, not once per message per retry
    let log = d.log();
    let state_errors = log
        .lines()
        .filter(|l| l.contains("cannot write message state"))
        .count();
    assert!(
        (1..=3).contains(&state_errors),
        "{state_errors} state-write error lines:\n{log}"
    );
    // and with space back, new mail is accepted again
    let (mut c, _) = Smtp::connect(d.smtp).unwrap();
    c.cmd("EHLO c.test").unwrap();
    assert!(
        wait_until(30, || c
            .send("a@example.org", "again@full.test", "Subject: again\n\nx\n")
            .map(|r| r.starts_with("250"))
            .unwrap_or(false)),
        "still refusing after the queue drained"
    );
}
