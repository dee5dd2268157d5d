//! `mailway doctor --message ID` on a message waiting in a Postfix queue: from saved
//! `postqueue -j` output (the recipient's MX a scripted peer that answers `421` busy, DNS from
//! an in-process server), and from a real private Postfix (`postqueue -c DIR -j`) whose mail
//! is deferred because its relay refuses connections; and from mailway's own stopped spool.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use mailway_spool::{Envelope, LastReply, MessageRecord, RcptState, Spool, SpoolOptions};
use mailway_testkit::dns::TestDns;
use mailway_testkit::postfix::PostfixConfig;
use mailway_testkit::smtp::PeerScript;
use serde_json::Value;

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn doctor(args: &[&str]) -> Output {
    Command::cargo_bin("mailway")
        .unwrap()
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .arg("doctor")
        .args(args)
        .output()
        .unwrap()
}

/// Two messages as `postqueue -j` prints them: one deferred by a busy MX, one not tried yet.
fn queue_file(dir: &Path, now: i64) -> String {
    let text = format!(
        concat!(
            r#"{{"queue_name": "deferred", "queue_id": "4F1A2B3C4D", "arrival_time": {}, "message_size": 910, "forced_expire": false, "sender": "alice@sender.test", "recipients": [{{"address": "bob@busy.test", "delay_reason": "host mx.busy.test[127.0.20.48] refused to talk to me: 421 4.3.2 mx.busy.test Service not available, too many concurrent connections"}}]}}"#,
            "\n",
            r#"{{"queue_name": "active", "queue_id": "5A6B7C8D9E", "arrival_time": {}, "message_size": 700, "forced_expire": false, "sender": "carol@sender.test", "recipients": [{{"address": "dan@busy.test"}}]}}"#,
            "\n"
        ),
        now - 3 * 3600,
        now - 5
    );
    let f = dir.join("postqueue.json");
    std::fs::write(&f, text).unwrap();
    f.to_string_lossy().into_owned()
}

#[test]
fn a_deferred_message_from_saved_postqueue_output() {
    let peer = PeerScript::busy_421()
        .on(SocketAddr::from(([127, 0, 20, 48], 0)))
        .start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dns = rt.block_on(async {
        TestDns::builder()
            .zone(
                "busy.test",
                "@ 300 IN SOA ns.busy.test. h.busy.test. 1 3600 900 604800 300
@ 300 IN MX 10 mx
mx 300 IN A 127.0.20.48",
            )
            .zone(
                "sender.test",
                "@ 300 IN SOA ns.sender.test. h.sender.test. 1 3600 900 604800 300
@ 300 IN TXT \"v=spf1 -all\"",
            )
            .start()
            .await
            .unwrap()
    });
    let dir = tempfile::tempdir().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let file = queue_file(dir.path(), now);
    let resolver = dns.addr().to_string();
    let port = peer.port().to_string();
    let net = [
        "--resolver",
        resolver.as_str(),
        "--port",
        port.as_str(),
        "--timeout",
        "2",
        "--fallback-ports",
        "",
    ];
    let run = |message: &str, extra: &[&str]| {
        let mut a = vec!["--postqueue-json", file.as_str(), "--message", message];
        a.extend_from_slice(&net);
        a.extend_from_slice(extra);
        doctor(&a)
    };

    let out = run("4F1A2B3C4D", &["--json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "queue");
    let r = &v["recipients"][0];
    assert_eq!(r["recipient"], "bob@busy.test");
    assert_eq!(r["action"], "delayed");
    assert_eq!(r["status"], "4.3.2");
    assert_eq!(r["reason"], "toomanyconn", "{r}");
    assert_eq!(r["remote_mta"], "mx.busy.test");
    assert!(
        r["evidence"][0]
            .as_str()
            .unwrap()
            .contains("in queue 4F1A2B3C4D (deferred), arrived 3h"),
        "{r}"
    );
    assert_eq!(v["sending"]["sender_domain"], "sender.test");
    assert_eq!(v["sending"]["sender_via"], "queue");
    // the doctor probed the recipient's MX itself: the peer answered 421 today too
    assert!(peer.connections() >= 1, "the MX was not probed");
    assert_eq!(
        v["probes"][0]["target"]["name"], "busy.test",
        "{}",
        v["probes"]
    );
    assert_eq!(v["checks"][0]["domain"], "busy.test");
    let causes = v["causes"].as_array().unwrap();
    let codes: Vec<&str> = causes.iter().map(|c| c["code"].as_str().unwrap()).collect();
    // too many connections: the destination limits this sender, first
    assert_eq!(codes.first(), Some(&"rate_limited"), "{codes:?}");

    // in words, in Spanish, found by its recipient
    let out = run("<Bob@busy.test>", &["--lang", "es"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("cola: bob@busy.test en la cola 4F1A2B3C4D (deferred), llegó hace 3h"),
        "{text}"
    );
    assert!(text.contains("421 4.3.2"), "{text}");

    // a message not tried yet, one not in the queue, a damaged file, and input given twice
    let out = run("5A6B7C8D9E", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no recipient has a delivery problem yet"),
        "{err}"
    );
    let out = run("0000000000", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no message in")
            && err.contains("postqueue.json")
            && err.contains("0000000000"),
        "{err}"
    );
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "postqueue: fatal: Queue report unavailable\n").unwrap();
    let out = doctor(&[
        "--postqueue-json",
        bad.to_str().unwrap(),
        "--message",
        "4F1A2B3C4D",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.json")
            && err.contains("line 1")
            && err.contains("not a postqueue -j line"),
        "{err}"
    );
    let out = doctor(&["bounce.eml", "--postqueue-json", &file, "--message", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not both"));
}

#[test]
fn a_message_deferred_by_a_real_postfix() {
    if !Path::new("/usr/sbin/postfix").exists() {
        assert!(!under_ci(), "postfix must be installed under CI");
        eprintln!("skipping: postfix not installed");
        return;
    }
    // all mail goes to a closed port on 127.0.61.2: deferred with "Connection refused"
    let started = PostfixConfig::new("doctorq")
        .main(
            "myhostname = postfix.doctorq.test
mydomain = doctorq.test
myorigin = doctorq.test
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
smtp_bind_address = 127.0.61.1
mynetworks = 127.0.0.0/8
relayhost = [127.0.61.2]:2599
smtp_dns_support_level = disabled
smtp_connect_timeout = 5s
",
        )
        .start();
    let pf = match started {
        Ok(pf) => pf,
        Err(e) => {
            assert!(!under_ci(), "the private Postfix must start under CI: {e}");
            eprintln!("skipping: the private Postfix did not start: {e}");
            return;
        }
    };
    let mut child = Command::new("/usr/sbin/sendmail")
        .arg("-C")
        .arg(pf.etc())
        .args(["-f", "alice@doctorq.test", "erin@far.test"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Subject: doctor test\n\nhello\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let etc = pf.etc().to_string_lossy().to_string();
    // wait (bounded) for Postfix's attempt to fail; then the doctor reads the queue itself
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    let v = loop {
        let out = doctor(&[
            "--postfix-config-dir",
            &etc,
            "--message",
            "erin@far.test",
            "--no-probe",
            "--json",
        ]);
        if out.status.code() == Some(1) {
            break serde_json::from_slice::<Value>(&out.stdout).unwrap();
        }
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            std::time::Instant::now() < deadline,
            "never diagnosed: {err}"
        );
        assert!(
            err.contains("no recipient has a delivery problem yet")
                || err.contains("no message in"),
            "{err}"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    let r = &v["recipients"][0];
    assert_eq!(r["recipient"], "erin@far.test", "{v}");
    assert_eq!(r["action"], "delayed");
    assert!(
        r["diagnostic"]
            .as_str()
            .unwrap()
            .contains("127.0.61.2]:2599: Connection refused"),
        "{r}"
    );
    assert_eq!(r["reason"], "networkerror", "{r}");
    assert_eq!(v["sending"]["sender_domain"], "doctorq.test");
    // from the queue alone (--no-probe): still retrying, with the refusal as evidence
    assert_eq!(
        v["causes"][0]["code"], "delivery_delayed",
        "{}",
        v["causes"]
    );
    assert!(
        v["causes"][0]["evidence"][1]
            .as_str()
            .unwrap()
            .contains("Connection refused")
    );
}

#[test]
fn a_deferred_message_in_a_stopped_mailway_spool() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
    let now = std::time::SystemTime::now();
    let arrival = now - Duration::from_secs(26 * 3600);
    let id = spool.new_id(arrival);
    let content = b"Subject: t\r\n\r\nx\r\n";
    let mut rec = MessageRecord::new(
        id,
        arrival,
        Envelope::new("alice@lab.test", ["grey@greylist.test"]),
        content.len() as u64,
    );
    spool.store(&rec, content).unwrap();
    let text = "host mx.greylist.test[127.0.0.3] said: 450 4.2.0 <grey@greylist.test>: Recipient address rejected: Greylisted for 300 seconds (in reply to RCPT TO command)";
    for r in &mut rec.recipients {
        r.state = RcptState::Deferred;
        r.attempts = 4;
        r.last_attempt = Some(now - Duration::from_secs(60));
        r.next_attempt = Some(now + Duration::from_secs(600));
        r.last_reply = Some(LastReply {
            at: now - Duration::from_secs(60),
            text: text.to_string(),
            smtp: true,
            remote_mta: Some("mx.greylist.test".into()),
            command: None,
        });
    }
    spool.update(&rec).unwrap();
    drop(spool);
    let d = dir.path().to_string_lossy().to_string();
    let out = doctor(&[
        "--spool",
        &d,
        "--message",
        &id.to_string(),
        "--no-probe",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "queue");
    let r = &v["recipients"][0];
    assert_eq!(r["recipient"], "grey@greylist.test");
    assert_eq!(r["status"], "4.2.0");
    assert_eq!(r["remote_mta"], "mx.greylist.test");
    assert!(
        r["evidence"][2]
            .as_str()
            .unwrap()
            .contains("4 delivery attempts"),
        "{r}"
    );
    assert_eq!(v["causes"][0]["code"], "greylisting", "{}", v["causes"]);
    // not a spool
    let empty = tempfile::tempdir().unwrap();
    let out = doctor(&[
        "--spool",
        &empty.path().to_string_lossy(),
        "--message",
        "x@y.test",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no mailway spool there"));
}
