//! `mailway monitor`: the dashboard over a real spool, a private Postfix instance and logs, its
//! JSON endpoints over HTTP, and the page rendered by a real browser (Debian's chromium,
//! headless).
//!
//! Chromium and Postfix tests skip when the program is missing, except under `CI=true`, where
//! they fail (CI installs both: .ci/apt-packages.txt).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

use mailway_spool::{Envelope, LastReply, MessageRecord, RcptState, Spool, SpoolOptions};
use mailway_testkit::postfix::{PostfixConfig, PrivatePostfix};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_mailway");

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Skips (returns false) when `program` is missing, fails under CI.
fn have(program: &str, path: &str) -> bool {
    if Path::new(path).exists() {
        return true;
    }
    assert!(
        !under_ci(),
        "{program} must be installed under CI (.ci/apt-packages.txt)"
    );
    eprintln!("skipping: {program} not installed");
    false
}

/// A stopped spool with three messages: one deferred for 4.5 days (close to expiry), one
/// pending for 2 hours, one greylisted 10 minutes ago. Returns their ids in that order (oldest
/// first, as the dashboard lists them).
fn make_spool(dir: &Path) -> Vec<String> {
    let spool = Spool::open(dir, SpoolOptions::default()).unwrap();
    let now = SystemTime::now();
    let ago = |s: u64| now - Duration::from_secs(s);
    let mut ids = Vec::new();
    let specs: [(u64, &str, &[&str], Option<&str>); 3] = [
        (
            4 * 86_400 + 12 * 3600,
            "alice@lab.test",
            &["x@refused.test", "y@refused.test"],
            Some("connect to mx.refused.test[127.0.0.5]:25: Connection refused"),
        ),
        (7200, "carol@lab.test", &["z@ok.test"], None),
        (
            600,
            "bob@lab.test",
            &["dave@greylist.test"],
            Some("450 4.2.0 <dave@greylist.test>: Recipient address rejected: Greylisted"),
        ),
    ];
    for (age, sender, rcpts, reply) in specs {
        let arrival = ago(age);
        let id = spool.new_id(arrival);
        let content = b"Subject: t\r\n\r\nx\r\n";
        let mut rec = MessageRecord::new(
            id,
            arrival,
            Envelope::new(sender, rcpts.iter().copied()),
            content.len() as u64,
        );
        spool.store(&rec, content).unwrap();
        if let Some(text) = reply {
            for r in &mut rec.recipients {
                r.state = RcptState::Deferred;
                r.attempts = 3;
                r.last_attempt = Some(ago(60));
                r.next_attempt = Some(now + Duration::from_secs(900));
                r.last_reply = Some(LastReply {
                    at: ago(60),
                    text: text.to_string(),
                    smtp: text.starts_with('4'),
                    remote_mta: None,
                    command: None,
                });
            }
            spool.update(&rec).unwrap();
        }
        ids.push(id.to_string());
    }
    ids
}

/// A running `mailway monitor`; killed on drop.
struct Monitor {
    child: Child,
    url: String,
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_monitor(args: &[&str]) -> Monitor {
    let mut child = Command::new(BIN)
        .arg("monitor")
        .args(["--listen", "127.0.0.1:0", "--interval", "2s", "--tz", "UTC"])
        .args(args)
        .env_remove("MAILWAY_SPOOL")
        .env_remove("MAILWAY_API_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mailway monitor");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let Some(url) = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .map(str::to_string)
    else {
        let mut err = String::new();
        let _ = child.kill();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        panic!("mailway monitor did not start: {line:?} {err}");
    };
    Monitor { child, url }
}

fn http_get(url: &str) -> (u16, String, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent.get(url).call().unwrap();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        r.status().as_u16(),
        ct,
        r.body_mut().read_to_string().unwrap(),
    )
}

fn json_get(url: &str) -> Value {
    let (s, _, body) = http_get(url);
    assert_eq!(s, 200, "{url}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[test]
fn once_json_reads_a_stopped_spool() {
    let dir = tempfile::tempdir().unwrap();
    let ids = make_spool(dir.path());
    let out = Command::new(BIN)
        .args(["monitor", "--once", "--json", "--spool"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "a message is close to expiry: exit 1; {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["mailway"]["stats"];
    assert_eq!(s["messages"], 3);
    assert_eq!(s["recipients"], 4);
    assert_eq!(s["deferred"], 3);
    assert_eq!(s["age"]["values"], serde_json::json!([0, 1, 1, 0, 0, 1]));
    let table: Vec<&str> = s["table"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(table, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(s["by_domain"][0]["domain"], "refused.test");
    assert_eq!(s["by_domain"][0]["recipients"], 2);
    assert_eq!(s["expiring"].as_array().unwrap().len(), 1);
    assert_eq!(s["expiring"][0]["id"], ids[0].as_str());
    let left = s["expiring"][0]["time_left_s"].as_i64().unwrap();
    assert!((12 * 3600 - 120..=12 * 3600).contains(&left), "{left}");
    assert_eq!(v["postfix"], Value::Null);
    assert_eq!(v["logs"], Value::Null);
    // the spool is free again (the scan released its lock)
    assert!(!Spool::is_locked(dir.path()));

    // text output
    let out = Command::new(BIN)
        .args(["monitor", "--once", "--spool"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("3 messages, 4 recipients waiting"), "{text}");
    assert!(
        text.contains(&format!("close to expiry: {}", ids[0])),
        "{text}"
    );
}

#[test]
fn bad_arguments_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .arg("monitor")
            .args(args)
            .env_remove("MAILWAY_SPOOL")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, err) = run(&["--once"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("nothing to monitor"), "{err}");
    let d = dir.path().to_string_lossy().to_string();
    let (code, err) = run(&["--once", "--spool", &d]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no mailway spool there"), "{err}");
    let (code, err) = run(&["--once", "--log", "/nonexistent/mail.log"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("/nonexistent/mail.log"), "{err}");
    let (code, err) = run(&["--once", "--postfix-config-dir", &d]);
    assert_eq!(code, Some(2));
    assert!(err.contains("main.cf"), "{err}");
    let (code, err) = run(&["--once", "--spool", &d, "--interval", "soon"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--interval"), "{err}");
}

#[test]
fn serves_pages_and_json_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let ids = make_spool(dir.path());
    let m = start_monitor(&["--spool", &dir.path().to_string_lossy()]);
    let (s, ct, html) = http_get(&m.url);
    assert_eq!(s, 200);
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(html.contains(r#"<script src="/assets/app.js""#));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external resources"
    );
    let (s, ct, js) = http_get(&format!("{}assets/app.js", m.url));
    assert_eq!((s, ct.starts_with("text/javascript")), (200, true));
    assert!(!js.contains("https://") && !js.contains("innerHTML"));

    let v = json_get(&format!("{}api/monitor/queue/mailway", m.url));
    assert_eq!(v["configured"], true);
    assert!(v["source"].as_str().unwrap().contains("spool"));
    assert_eq!(v["stats"]["messages"], 3);
    assert_eq!(v["stats"]["table"][2]["id"], ids[2].as_str());
    let v = json_get(&format!("{}api/monitor/config", m.url));
    assert_eq!(v["interval_s"], 2.0);
    assert_eq!(v["sources"]["postfix"], Value::Null);
    let (s, _, body) = http_get(&format!("{}api/monitor/queue/postfix", m.url));
    assert_eq!(s, 404);
    assert!(body.contains("not_configured"));

    // new mail in the spool shows up at the next refresh; history grows
    {
        let spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
        let now = SystemTime::now();
        let rec = MessageRecord::new(
            spool.new_id(now),
            now,
            Envelope::new("eve@lab.test", ["w@ok.test"]),
            3,
        );
        spool.store(&rec, b"x\r\n").unwrap();
    }
    let mut seen = 0;
    for _ in 0..50 {
        let v = json_get(&format!("{}api/monitor/all", m.url));
        seen = v["mailway"]["stats"]["messages"].as_u64().unwrap();
        if seen == 4 {
            assert!(v["mailway"]["history"].as_array().unwrap().len() >= 2);
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(seen, 4, "the new message was not picked up");
}

/// Writes a small Postfix log: 2 deferrals at 10:05, 1 at 13:10 (UTC, yesterday's date is
/// avoided: the stamps are of today's year via --tz UTC and the file's mtime).
fn write_log(path: &Path) {
    let l = "\
Nov 27 10:05:01 mx postfix/smtpd[100]: 1A2B3C4D5E: client=localhost[127.0.0.1]
Nov 27 10:05:01 mx postfix/cleanup[101]: 1A2B3C4D5E: message-id=<a1@lab.test>
Nov 27 10:05:01 mx postfix/qmgr[102]: 1A2B3C4D5E: from=<alice@lab.test>, size=743, nrcpt=2 (queue active)
Nov 27 10:05:02 mx postfix/smtp[103]: 1A2B3C4D5E: to=<bob@greylist.test>, relay=mx.greylist.test[127.0.0.3]:25, delay=1.1, delays=0.1/0/0.5/0.5, dsn=4.2.0, status=deferred (host mx.greylist.test[127.0.0.3] said: 450 4.2.0 <bob@greylist.test>: Recipient address rejected: Greylisted (in reply to RCPT TO command))
Nov 27 10:05:02 mx postfix/smtp[104]: 1A2B3C4D5E: to=<x@refused.test>, relay=none, delay=1.2, delays=0.1/0/1.1/0, dsn=4.4.1, status=deferred (connect to mx.refused.test[127.0.0.5]:25: Connection refused)
Nov 27 13:10:02 mx postfix/smtp[105]: 1A2B3C4D5E: to=<x@refused.test>, relay=none, delay=11101, delays=11100/0/1/0, dsn=4.4.1, status=deferred (connect to mx.refused.test[127.0.0.5]:25: Connection refused)
Nov 27 13:10:03 mx postfix/smtp[106]: 1A2B3C4D5E: to=<bob@greylist.test>, relay=mx.greylist.test[127.0.0.3]:25, delay=11102, delays=11100/0/1/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 99)
";
    std::fs::write(path, l).unwrap();
}

/// `mailway logs summary --json` of `log` (what the monitor computes in-process).
fn logs_summary(log: &Path) -> Value {
    let out = Command::new(BIN)
        .args(["logs", "summary", "--json", "--tz", "UTC"])
        .arg(log)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "mailway logs summary: {e}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn logs_become_hourly_plots() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mail.log");
    write_log(&log);
    let out = Command::new(BIN)
        .args(["monitor", "--once", "--json", "--tz", "UTC", "--log"])
        .arg(&log)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let view = &v["logs"]["view"];
    assert_eq!(v["logs"]["error"], Value::Null, "{v}");
    assert_eq!(
        view["deferrals_per_hour"]["values"],
        serde_json::json!([2, 0, 0, 1])
    );
    assert_eq!(view["deferrals_by_domain"]["labels"][0], "refused.test");
    assert_eq!(view["deferrals_by_domain"]["values"][0], 2);
    assert_eq!(view["totals"]["deferred_attempts"], 3);
    // The in-process summary is the report `mailway logs summary --json` prints.
    let cli = logs_summary(&log);
    for k in [
        "received",
        "delivered",
        "deferred_attempts",
        "bounced",
        "expired",
    ] {
        assert_eq!(view["totals"][k], cli["totals"][k], "{k}: {view} vs {cli}");
    }
    assert_eq!(view["queue_lifetime_s"], cli["queue_lifetime_s"]);
}

fn chromium_dom(url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--virtual-time-budget=8000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The part of `hay` from `start` up to the next `end`.
fn section<'a>(hay: &'a str, start: &str, end: &str) -> &'a str {
    let i = hay
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in the page:\n{hay}"));
    let rest = &hay[i..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[test]
fn browser_renders_queue_table_and_plots() {
    if !have("chromium", "/usr/bin/chromium") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ids = make_spool(dir.path().join("spool").as_path());
    let log = dir.path().join("mail.log");
    write_log(&log);
    let spool = dir.path().join("spool").to_string_lossy().to_string();
    let logs = log.to_string_lossy().to_string();
    let args = vec![
        "--spool",
        spool.as_str(),
        "--lang",
        "es",
        "--log",
        logs.as_str(),
    ];
    let m = start_monitor(&args);
    let dom = chromium_dom(&m.url);
    assert!(
        dom.contains("data-rendered=\""),
        "the script did not render:\n{dom}"
    );

    let q = section(&dom, r#"id="queue-mailway""#, "</section>");
    // Spanish labels (--lang es)
    assert!(q.contains("Cola de mailway"), "{q}");
    assert!(q.contains("a punto de caducar"));
    // the queue table lists every spooled message, oldest first
    let table = section(q, r#"class="messages-table""#, "</table>");
    let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 3, "{table}");
    for (row, id) in rows.iter().zip(&ids) {
        assert!(row.contains(id.as_str()), "{row} should list {id}");
    }
    assert!(rows[0].contains("x@refused.test, y@refused.test"));
    assert!(rows[2].contains("Greylisted"));
    // the age plot: 6 buckets, 3 non-empty
    let age = section(q, r#"class="chart age""#, "</svg>");
    assert_eq!(age.matches("<rect class=\"bar").count(), 6, "{age}");
    assert_eq!(age.matches("<rect class=\"bar\"").count(), 3, "{age}");
    // by domain: refused.test (2), greylist.test (1), ok.test (1)
    let dom_chart = section(q, r#"class="chart domains""#, "</svg>");
    assert_eq!(
        dom_chart.matches("<rect class=\"bar").count(),
        3,
        "{dom_chart}"
    );
    assert!(
        dom_chart.contains(r#"data-label="refused.test" data-value="2""#),
        "{dom_chart}"
    );
    // close to expiry: the old message
    let exp = section(q, r#"class="expiring""#, "</table>");
    assert!(
        exp.contains(ids[0].as_str()) && !exp.contains(ids[1].as_str()),
        "{exp}"
    );

    let l = section(&dom, r#"id="logs""#, "</section>");
    assert!(l.contains("Aplazamientos por hora"));
    let hourly = section(l, r#"id="logs-hourly""#, "</svg>");
    assert_eq!(hourly.matches("<rect class=\"bar").count(), 4, "{hourly}");
    assert!(hourly.contains(r#"data-value="2""#) && hourly.contains(r#"data-value="1""#));
}

/// A private Postfix (no smtpd) whose mail all goes to a closed port on 127.0.60.2 (so it is
/// deferred: "Connection refused"), sending from 127.0.60.1. None when it cannot start
/// (outside CI).
fn start_postfix() -> Option<PrivatePostfix> {
    PostfixConfig::new("monitor")
        .main(
            "myhostname = postfix.monitor.test
mydomain = monitor.test
myorigin = monitor.test
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
smtp_bind_address = 127.0.60.1
mynetworks = 127.0.0.0/8
relayhost = [127.0.60.2]:2599
smtp_dns_support_level = disabled
smtp_connect_timeout = 5s
maximal_queue_lifetime = 2d
bounce_queue_lifetime = 1d
",
        )
        .start()
        .map_err(|e| eprintln!("{e}"))
        .ok()
}

fn send(pf: &PrivatePostfix, from: &str, to: &[&str]) {
    let mut child = Command::new("/usr/sbin/sendmail")
        .arg("-C")
        .arg(pf.etc())
        .args(["-f", from])
        .args(to)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Subject: monitor test\n\nhello\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn private_postfix_queue() {
    if !have("postfix", "/usr/sbin/postfix") {
        return;
    }
    let Some(pf) = start_postfix() else {
        assert!(!under_ci(), "the private Postfix must start under CI");
        eprintln!("skipping: the private Postfix did not start");
        return;
    };
    let sent = SystemTime::now();
    send(&pf, "alice@monitor.test", &["a@one.test", "b@one.test"]);
    send(&pf, "bob@monitor.test", &["c@two.test"]);
    let etc = pf.etc().to_string_lossy().to_string();
    // Wait until all three recipients are deferred (Postfix's attempt to the closed port
    // failed). How long that takes depends on the machine's load (pickup, qmgr and smtp are
    // separate processes), so the wait is bounded by a generous deadline, not a count of tries.
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    let mut last;
    loop {
        let out = Command::new(BIN)
            .args(["monitor", "--once", "--json", "--postfix-config-dir", &etc])
            .output()
            .unwrap();
        last = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        if last["postfix"]["stats"]["deferred"] == 3 || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let p = &last["postfix"];
    assert_eq!(p["error"], Value::Null, "{last}");
    let s = &p["stats"];
    assert_eq!(s["messages"], 2, "{last}");
    assert_eq!(s["deferred"], 3, "{last}");
    assert_eq!(s["by_queue"][0]["label"], "deferred");
    assert_eq!(s["by_domain"][0]["domain"], "one.test");
    assert_eq!(s["by_domain"][0]["recipients"], 2);
    assert!(
        s["table"][0]["reason_text"]
            .as_str()
            .unwrap()
            .contains("127.0.60.2"),
        "{s}"
    );
    assert_eq!(s["by_reason"][0]["recipients"], 3);
    // maximal_queue_lifetime = 2d read with postconf: time left is 2 days less the message's
    // age, which is at most the time since it was sent (plus a second of rounding)
    let age = SystemTime::now().duration_since(sent).unwrap().as_secs() as i64 + 1;
    let left = s["table"][0]["time_left_s"].as_i64().unwrap();
    assert!(
        (2 * 86_400 - age..=2 * 86_400).contains(&left),
        "{left} (sent {age} s ago)"
    );
    assert!(p["source"].as_str().unwrap().contains(&etc));

    // and over HTTP, from the running dashboard
    // (its first reading can fail on a loaded machine, e.g. postqueue timing out: it refreshes
    // every 2 s, so wait for a good one)
    let m = start_monitor(&["--postfix-config-dir", &etc]);
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let v = loop {
        let v = json_get(&format!("{}api/monitor/queue/postfix", m.url));
        if v["stats"]["messages"] == 2 || std::time::Instant::now() > deadline {
            break v;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(v["stats"]["messages"], 2, "{v}");
}
