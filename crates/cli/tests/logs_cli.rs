//! `mailway logs` end to end: inputs (rotated sets with .gz, stdin, journal export, New Year),
//! JSON shape, exit codes, bad input, and `follow` with real file rotation and truncation.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use mailway_testkit::shared::shared_path;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mailway"))
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = bin().args(args).output().expect("run mailway");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn set_mtime(p: &Path, t: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(p)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

/// 2026-11-28 00:00 UTC, the day after the lab run.
fn lab_mtime() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(20_785 * 86_400)
}

fn lab_log() -> Option<PathBuf> {
    shared_path("logs/postfix-lab/syslog-traditional.log")
}

#[test]
fn logs_help_lists_the_subcommands() {
    let out = bin().args(["logs", "--help"]).output().unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    for c in ["summary", "trace", "follow"] {
        assert!(s.contains(c), "{s}");
    }
}

#[test]
fn rotated_set_with_gzip_in_any_order_equals_the_whole_log() {
    let Some(log) = lab_log() else { return };
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (lines.len() / 3, 2 * lines.len() / 3);
    let oldest = dir.path().join("mail.log.2.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&oldest).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all((lines[..a].join("\n") + "\n").as_bytes())
        .unwrap();
    gz.finish().unwrap();
    std::fs::write(dir.path().join("mail.log.1"), lines[a..b].join("\n") + "\n").unwrap();
    std::fs::write(dir.path().join("mail.log"), lines[b..].join("\n") + "\n").unwrap();
    for n in ["mail.log.2.gz", "mail.log.1", "mail.log"] {
        set_mtime(&dir.path().join(n), lab_mtime());
    }
    let p = |n: &str| dir.path().join(n).display().to_string();
    // named newest first, as a shell glob would not order them
    let split = json(&[
        "logs",
        "summary",
        "--json",
        "--tz",
        "UTC",
        &p("mail.log"),
        &p("mail.log.2.gz"),
        &p("mail.log.1"),
    ]);
    let whole = json(&[
        "logs",
        "summary",
        "--json",
        "--tz",
        "UTC",
        "--year",
        "2026",
        &log.display().to_string(),
    ]);
    assert_eq!(split["totals"], whole["totals"]);
    assert_eq!(split["pending"], whole["pending"]);
    assert_eq!(split["self_resolution"], whole["self_resolution"]);
    let names: Vec<&str> = split["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(
        names[0].ends_with("mail.log.2.gz") && names[2].ends_with("mail.log"),
        "{names:?}"
    );
    // exactly these six keys
    let keys: Vec<&String> = split["totals"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "bounced",
            "deferred_attempts",
            "deferred_messages",
            "delivered",
            "expired",
            "received"
        ]
    );
}

#[test]
fn stdin_and_journal_export() {
    let Some(j) = shared_path("logs/postfix-lab/journal/postfix-journal.export") else {
        return;
    };
    let data = std::fs::read(&j).unwrap();
    let mut child = bin()
        .args(["logs", "summary", "--json", "--tz", "UTC"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&data).unwrap();
    let out = child.wait_with_output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["inputs"][0]["name"], "-");
    assert_eq!(v["inputs"][0]["format"], "journal-export");
    let file = json(&[
        "logs",
        "summary",
        "--json",
        "--tz",
        "UTC",
        &j.display().to_string(),
    ]);
    assert_eq!(v["totals"], file["totals"]);
    assert!(v["totals"]["deferred_attempts"].as_u64().unwrap() > 0);
}

#[test]
fn year_is_inferred_across_new_year() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("maillog");
    std::fs::write(
        &p,
        "Dec 31 23:59:50 mx postfix/smtpd[1]: 1A2B3C4D5E: client=a.example[192.0.2.1]\n\
         Dec 31 23:59:51 mx postfix/qmgr[2]: 1A2B3C4D5E: from=<a@a.example>, size=100, nrcpt=1 (queue active)\n\
         Dec 31 23:59:52 mx postfix/smtp[3]: 1A2B3C4D5E: to=<b@b.example>, relay=mx.b.example[198.51.100.1]:25, delay=2, delays=1/0/0.5/0.5, dsn=4.2.0, status=deferred (host mx.b.example[198.51.100.1] said: 450 4.2.0 Greylisted (in reply to RCPT TO command))\n\
         Jan  1 00:09:52 mx postfix/smtp[3]: 1A2B3C4D5E: to=<b@b.example>, relay=mx.b.example[198.51.100.1]:25, delay=602, delays=601/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)\n\
         Jan  1 00:09:53 mx postfix/qmgr[2]: 1A2B3C4D5E: removed\n",
    )
    .unwrap();
    // the file was last written on 2 January 2027
    set_mtime(
        &p,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_798_848_000 + 86_400),
    );
    let v = json(&[
        "logs",
        "summary",
        "--json",
        "--tz",
        "UTC",
        &p.display().to_string(),
    ]);
    assert_eq!(v["period"]["first"], "2026-12-31T23:59:50+00:00");
    assert_eq!(v["period"]["last"], "2027-01-01T00:09:53+00:00");
    let s = &v["self_resolution"][0];
    assert_eq!(
        (s["delivered"].as_u64(), s["extra_delay_p50_s"].as_u64()),
        (Some(1), Some(600))
    );
}

#[test]
fn trace_exit_codes_and_json() {
    let Some(log) = lab_log() else { return };
    let l = log.display().to_string();
    let out = bin()
        .args([
            "logs",
            "trace",
            "--tz",
            "UTC",
            "--year",
            "2026",
            "D0727BC70D",
            &l,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("expired after"), "{text}");
    assert!(
        text.contains("non-delivery notification of D0727BC70D"),
        "{text}"
    );
    let v = json(&[
        "logs",
        "trace",
        "--json",
        "--tz",
        "UTC",
        "--year",
        "2026",
        "<179580819785.11608.15149836622520594227.newsletter-issue-1@client.lab.test>",
        &l,
    ]);
    let family = &v["stories"][0];
    assert_eq!(family[0]["queue_id"], "D0727BC70D");
    assert_eq!(family[0]["fate"], "expired");
    let kinds: Vec<&str> = family[0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "deferred").count(), 35);
    let out = bin()
        .args([
            "logs",
            "trace",
            "--year",
            "2026",
            "nobody@nowhere.example",
            &l,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn bad_input_is_reported_and_garbage_lines_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.bin");
    std::fs::write(
        &junk,
        [0u8, 159, 146, 150, 7, 0, 0, 1, 2, 3, 255, 254].repeat(100),
    )
    .unwrap();
    let out = bin()
        .args(["logs", "summary", &junk.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("junk.bin") && err.contains("not a mail log"),
        "{err}"
    );
    let out = bin()
        .args(["logs", "summary", &dir.path().display().to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a directory"));
    // a log with garbage, binary and truncated lines in it
    let mixed = dir.path().join("mixed.log");
    let mut f = std::fs::File::create(&mixed).unwrap();
    f.write_all(b"Mar  1 10:00:00 mx postfix/smtpd[1]: 1A2B3C4D5E: client=a.example[192.0.2.1]\n")
        .unwrap();
    f.write_all(b"\x00\x01garbage\xff\xfe\n").unwrap();
    f.write_all(b"this is not a log line\n").unwrap();
    f.write_all(
        b"Mar  1 10:00:01 mx postfix/smtp[3]: 1A2B3C4D5E: to=<b@b.example>, relay=mx.b.exam\n",
    )
    .unwrap();
    f.write_all(b"Mar  1 10:00:02 mx postfix/qmgr[2]: 1A2B3C4D5E: removed\n")
        .unwrap();
    drop(f);
    let out = bin()
        .args([
            "logs",
            "summary",
            "--verbose",
            "--year",
            "2025",
            &mixed.display().to_string(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("3 skipped"), "{text}");
    assert!(
        text.contains("binary data") && text.contains("truncated delivery line"),
        "{text}"
    );
}

/// Reads JSON lines from the follower until `pred` holds for the collected lines (or times out).
fn wait_for(
    rx: &std::sync::mpsc::Receiver<serde_json::Value>,
    seen: &mut Vec<serde_json::Value>,
    pred: impl Fn(&[serde_json::Value]) -> bool,
) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if pred(seen) {
            return true;
        }
        if let Ok(v) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push(v);
        }
    }
    pred(seen)
}

#[test]
fn follow_survives_rotation_and_truncation_and_alerts() {
    let Some(log) = lab_log() else { return };
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mail.log");
    std::fs::write(&path, "").unwrap();
    let mut child = bin()
        .args([
            "logs",
            "follow",
            "--json",
            "--tz",
            "UTC",
            "--year",
            "2026",
            "--poll-ms",
            "50",
            "--idle-exit",
            "20",
            "--spike-threshold",
            "5",
            "--window",
            "5m",
        ])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&l) {
                let _ = tx.send(v);
            }
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    let append = |p: &Path, ls: &[&str]| {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(p)
            .unwrap();
        f.write_all((ls.join("\n") + "\n").as_bytes()).unwrap();
    };
    let mut seen = Vec::new();
    let count =
        |s: &[serde_json::Value], what: &str| s.iter().filter(|v| v["what"] == what).count();
    // part 1 into the live file
    append(&path, &lines[..200]);
    assert!(
        wait_for(&rx, &mut seen, |s| count(s, "delivered") >= 10),
        "{seen:?}"
    );
    // rotate: the old file gets one more line after the rename (as a daemon still writing to it
    // would), then a new file appears under the name
    std::fs::rename(&path, dir.path().join("mail.log.1")).unwrap();
    append(&dir.path().join("mail.log.1"), &lines[200..220]);
    append(&path, &lines[220..400]);
    // truncate (copytruncate) and go on
    let before = seen.len();
    assert!(
        wait_for(&rx, &mut seen, |s| s.len() > before + 20),
        "nothing after rotation"
    );
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(&path, "").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    append(&path, &lines[400..]);
    assert!(
        wait_for(&rx, &mut seen, |s| {
            s.iter()
                .filter(|v| v["type"] == "alert" && v["what"] == "expired")
                .count()
                >= 11
                && count(s, "delivered") >= 50
        }),
        "expiry alerts: {}",
        seen.iter().filter(|v| v["type"] == "alert").count()
    );
    let _ = child.kill();
    let _ = child.wait();
    // every delivery of the run was seen exactly once, across the rotation and the truncation
    assert_eq!(count(&seen, "delivered"), 50);
    assert_eq!(count(&seen, "deferred"), 108);
    assert_eq!(count(&seen, "bounced"), 4);
    assert!(seen.iter().any(|v| v["type"] == "alert"
        && v["what"] == "deferral-spike"
        && v["domain"] == "tempfail.test"));
}
