//! Bad input and faults against the real daemon (issue 6 item 10): malformed commands and binary
//! garbage, a 1 MB command line, a client that stalls mid-DATA, and a corrupt spool file at
//! start. After each the daemon still serves, nothing half-received is queued, and everything
//! acknowledged is delivered. (Disk full is `diskfull.rs`.)

use std::time::{Duration, Instant};

use mailway_testkit::smtp::PeerScript;

use crate::support::{Daemon, Smtp, free_port, tempdir, wait_until};

#[test]
fn bad_clients_get_errors_and_the_daemon_keeps_serving() {
    let peer = PeerScript::accept().start();
    let dir = tempdir();
    let cfg = dir.path().join("mailway.toml");
    std::fs::write(
        &cfg,
        "[smtp]\ncommand_timeout = \"3s\"\ndata_timeout = \"2s\"\n[relay]\nevent_log = \"off\"\n",
    )
    .unwrap();
    let route = format!("example.com={}", peer.addr());
    let mut d = Daemon::start(
        dir.path(),
        &["--config", cfg.to_str().unwrap(), "--route", &route],
    );

    // 1. malformed commands: unknown verbs, bad syntax, NUL bytes, binary garbage
    let (mut c, _) = Smtp::connect(d.smtp).unwrap();
    let r = c.cmd("EHLO client.test").unwrap();
    assert!(r.starts_with("250"), "{r}");
    for (line, want) in [
        ("FOO bar", "500"),
        ("MAIL FROM:", "501"),
        ("MAIL FROM:<no-angle@example.org", "501"),
        ("RCPT TO:<b@example.com>", "503"),
        ("MAIL FROM:<a@example.org> SIZE=abc", "501"),
        ("DATA", "503"),
    ] {
        let r = c.cmd(line).unwrap();
        assert!(r.starts_with(want), "{line:?} -> {r}");
    }
    let r = c.cmd("RSET").unwrap();
    assert!(
        r.starts_with("250"),
        "session still usable after errors: {r}"
    );
    let (mut g, _) = Smtp::connect(d.smtp).unwrap();
    g.raw(b"\x00\x01\x02\xff\xfe binary \x00garbage\r\n")
        .unwrap();
    let r = g.reply().unwrap();
    assert!(r.starts_with('5'), "{r:?}");

    // 2. a 1 MB command line: refused, memory bounded, the session goes on
    let (mut big, _) = Smtp::connect(d.smtp).unwrap();
    let mut line = b"MAIL FROM:<".to_vec();
    line.extend(std::iter::repeat_n(b'a', 1024 * 1024));
    line.extend_from_slice(b"@example.org>\r\n");
    big.raw(&line).unwrap();
    let r = big.reply().unwrap();
    assert!(r.starts_with("500 5.5.2"), "{r}");
    let r = big.cmd("NOOP").unwrap();
    assert!(r.starts_with("250"), "{r}");

    // 3. a client that stalls mid-DATA: 421 4.4.2 after data_timeout, nothing queued
    let (mut st, _) = Smtp::connect(d.smtp).unwrap();
    st.cmd("EHLO staller.test").unwrap();
    assert!(
        st.cmd("MAIL FROM:<a@example.org>")
            .unwrap()
            .starts_with("250")
    );
    assert!(
        st.cmd("RCPT TO:<stalled@example.com>")
            .unwrap()
            .starts_with("250")
    );
    assert!(st.cmd("DATA").unwrap().starts_with("354"));
    st.raw(b"Subject: half a message\r\n\r\nthe first line, then silence\r\n")
        .unwrap();
    let started = Instant::now();
    let r = st.reply().unwrap();
    assert!(r.starts_with("421 4.4.2"), "{r}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(
        st.reply().is_err(),
        "the daemon closes the stalled connection"
    );
    let queue = d.spool.join("queue");
    let queued = walk(&queue)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "msg"))
        .count();
    assert_eq!(queued, 0, "a stalled message must not be queued");

    // 4. after all that, a good client is served and its mail delivered exactly once
    let (mut ok, _) = Smtp::connect(d.smtp).unwrap();
    ok.cmd("EHLO good.test").unwrap();
    let r = ok
        .send(
            "a@example.org",
            "good@example.com",
            "Subject: after the storm\n\nfine\n",
        )
        .unwrap();
    assert!(r.starts_with("250"), "{r}");
    assert!(wait_until(30, || peer.messages().len() == 1), "{}", d.log());
    std::thread::sleep(Duration::from_millis(500));
    let msgs = peer.messages();
    assert_eq!(msgs.len(), 1, "only the complete message is delivered");
    assert!(String::from_utf8_lossy(&msgs[0].data).contains("after the storm"));
    assert!(d.is_running(), "{}", d.log());
    assert!(d.stop().is_some_and(|s| s.success()), "{}", d.log());
}

#[test]
fn a_corrupt_spool_file_is_quarantined_and_reported_and_the_rest_recovers() {
    // the next hop is down at first: three messages stay queued
    let hop =
        std::net::SocketAddr::from(([127, 0, 0, 1], free_port(std::net::Ipv4Addr::LOCALHOST)));
    let dir = tempdir();
    let cfg = dir.path().join("mailway.toml");
    std::fs::write(
        &cfg,
        format!(
            "[relay]\nevent_log = \"off\"\n[relay.retry]\ninitial = \"1s\"\nmax_interval = \"1s\"\njitter = 0.0\n[relay.routes]\n\"example.com\" = \"{hop}\"\n"
        ),
    )
    .unwrap();
    let mut d = Daemon::start(dir.path(), &["--config", cfg.to_str().unwrap()]);
    let (mut c, _) = Smtp::connect(d.smtp).unwrap();
    c.cmd("EHLO c.test").unwrap();
    let mut ids = Vec::new();
    for i in 0..3 {
        let r = c
            .send(
                "a@example.org",
                &format!("r{i}@example.com"),
                &format!("Subject: message {i}\n\nbody {i}\n"),
            )
            .unwrap();
        assert!(r.starts_with("250"), "{r}");
        ids.push(r.trim().rsplit(' ').next().unwrap().to_string());
    }
    drop(c);
    d.kill9();

    // damage the second message's file: garbage where the spool header should be
    let files = walk(&d.spool.join("queue"));
    let victim = files
        .iter()
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy() == format!("{}.msg", ids[1]))
        })
        .unwrap_or_else(|| panic!("{} not in {files:?}", ids[1]))
        .clone();
    std::fs::write(&victim, b"\x00\x00 not a spool file any more").unwrap();

    // the next hop comes back; the daemon restarts
    let peer = PeerScript::accept().on(hop).start();
    d.restart();
    let log = d.log();
    assert!(log.contains("2 message(s) recovered"), "{log}");
    assert!(log.contains("corrupt file(s) quarantined"), "{log}");
    assert!(
        log.contains(&format!("quarantined {}", victim.display())),
        "{log}"
    );
    assert!(!victim.exists());
    let q = walk(&d.spool.join("quarantine"));
    assert!(
        q.iter().any(
            |p| p.to_string_lossy().contains(&ids[1]) && !p.to_string_lossy().ends_with(".why")
        ),
        "{q:?}"
    );
    assert!(
        q.iter().any(|p| p.to_string_lossy().ends_with(".why")),
        "{q:?}"
    );
    // the other two are delivered
    assert!(wait_until(30, || peer.messages().len() >= 2), "{}", d.log());
    let subjects: Vec<String> = peer
        .messages()
        .iter()
        .map(|m| String::from_utf8_lossy(&m.data).into_owned())
        .collect();
    assert!(subjects.iter().any(|s| s.contains("Subject: message 0")));
    assert!(subjects.iter().any(|s| s.contains("Subject: message 2")));
    assert!(!subjects.iter().any(|s| s.contains("Subject: message 1")));
    assert!(d.is_running(), "{}", d.log());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
