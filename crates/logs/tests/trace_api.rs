//! The one-call trace API (`trace::trace_files`, used by `mailway doctor --log`) on the real
//! Postfix lab run in `../shared/logs/postfix-lab/`: a message deferred seven times (connection
//! refused) that expired and bounced, read from a plain file, a gzip copy, the syslog framings, and
//! queried by recipient, queue id and Message-ID. The expected values are read off the raw log.
//!
//! Skips when the shared folder is absent (fails under `CI=true`, where it is always present).

use std::io::Write;
use std::path::PathBuf;

use mailway_logs::trace::{TraceError, TraceOptions, trace_files};
use mailway_logs::{Fate, RcptState};
use mailway_testkit::shared::shared_path;

fn lab() -> Option<PathBuf> {
    shared_path("logs/postfix-lab")
}

fn opts() -> TraceOptions {
    TraceOptions {
        year: Some(2026),
        ..TraceOptions::default()
    }
}

#[test]
fn expired_message_by_recipient_queue_id_and_message_id() {
    let Some(dir) = lab() else { return };
    let file = dir.join("syslog-rfc3339.log");
    for q in [
        "x@refused.test",
        "D3092BC70E",
        "<179580819786.11608.1736392818365009963.refused-port@client.lab.test>",
    ] {
        let r = trace_files(std::slice::from_ref(&file), q, &opts()).expect("trace");
        let m = r
            .messages()
            .find(|m| m.queue_id == "D3092BC70E")
            .unwrap_or_else(|| panic!("{q}: no D3092BC70E in {:?}", r.stories));
        assert_eq!(m.fate, Fate::Expired, "{q}");
        assert_eq!(m.sender.as_deref(), Some("alice@lab.test"));
        let attempts: Vec<_> = m.attempts().filter(|a| a.kind == "deferred").collect();
        assert_eq!(attempts.len(), 7, "{q}: seven deferred attempts in the log");
        for a in &attempts {
            assert_eq!(a.recipient.as_deref(), Some("x@refused.test"));
            assert_eq!(a.dsn.as_deref(), Some("4.4.1"));
            assert!(
                a.reply
                    .as_deref()
                    .is_some_and(|t| t.contains("Connection refused")),
                "{a:?}"
            );
        }
        assert!(
            attempts[0].time.starts_with("2026-11-27T19:36:37"),
            "{}",
            attempts[0].time
        );
        assert!(
            attempts[6].time.starts_with("2026-11-27T19:42:35"),
            "{}",
            attempts[6].time
        );
        assert_eq!(m.recipients.len(), 1);
        assert_eq!(m.recipients[0].state, RcptState::Expired);
        // the delay notification and the non-delivery notification belong to its story
        let family = r
            .stories
            .iter()
            .find(|f| f.iter().any(|m| m.queue_id == "D3092BC70E"))
            .unwrap();
        let ids: Vec<&str> = family.iter().map(|m| m.queue_id.as_str()).collect();
        assert!(
            ids.contains(&"ED3B1BC70A") && ids.contains(&"72354BC73A"),
            "{ids:?}"
        );
        assert!(r.end.is_some());
        assert_eq!(r.inputs, vec![file.display().to_string()]);
    }
}

#[test]
fn gzip_copy_and_every_framing_give_the_same_attempts() {
    let Some(dir) = lab() else { return };
    let plain = std::fs::read(dir.join("syslog-rfc3339.log")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let gz = tmp.path().join("mail.log.2.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(&plain).unwrap();
    enc.finish().unwrap();
    let shape = |files: &[PathBuf]| {
        let r = trace_files(files, "x@refused.test", &opts()).expect("trace");
        let m = r.messages().find(|m| m.queue_id == "D3092BC70E").unwrap();
        let a: Vec<(String, Option<String>, Option<String>)> = m
            .attempts()
            .map(|a| (a.time[..19].to_string(), a.dsn.clone(), a.reply.clone()))
            .collect();
        (m.fate, a)
    };
    let want = shape(&[dir.join("syslog-rfc3339.log")]);
    assert_eq!(want.1.len(), 7);
    assert_eq!(shape(&[gz]), want, "gzip");
    // (maillog_file.log is a separate, shorter run)
    for f in ["syslog-traditional.log", "syslog-rfc5424.log"] {
        assert_eq!(shape(&[dir.join(f)]), want, "{f}");
    }
}

#[test]
fn explanations_on_request_and_clear_errors() {
    let Some(dir) = lab() else { return };
    let mut o = opts();
    o.explain = Some(mailway_status::explain::Lang::Es);
    let r = trace_files(&[dir.join("syslog-rfc3339.log")], "D3092BC70E", &o).unwrap();
    let m = r.messages().find(|m| m.queue_id == "D3092BC70E").unwrap();
    assert!(
        m.attempts()
            .filter(|a| a.kind == "deferred")
            .all(|a| a.explanation.is_some())
    );

    let none = trace_files(
        &[dir.join("syslog-rfc3339.log")],
        "nobody@nowhere.test",
        &opts(),
    )
    .unwrap();
    assert!(none.is_empty());

    let missing = PathBuf::from("/nonexistent/mail.log");
    match trace_files(&[missing], "x", &opts()) {
        Err(TraceError::Open(e)) => assert!(e.to_string().contains("/nonexistent/mail.log"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        trace_files(&[], "x", &opts()),
        Err(TraceError::NoInput)
    ));
}

#[test]
fn summary_files_matches_the_lab_totals() {
    let Some(dir) = lab() else { return };
    let r = mailway_logs::summary::summary_files(
        &[dir.join("syslog-rfc3339.log")],
        &mailway_logs::SummaryOptions::default(),
        Some(2026),
    )
    .unwrap();
    // expiries counted independently, on the raw lines
    let raw = std::fs::read_to_string(dir.join("syslog-rfc3339.log")).unwrap();
    let expired = raw.lines().filter(|l| l.contains("status=expired")).count() as u64;
    assert_eq!(r.totals.expired, expired);
    assert!(r.totals.received > 0 && r.totals.delivered > 0);
}
