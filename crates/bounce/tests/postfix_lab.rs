//! The real Postfix 3.7 DSNs of the shared corpus (`../shared/corpus/bounces/postfix-lab`: delay
//! warnings, failures and expiries from the loopback lab). Reads `../shared`; skipped when it is
//! absent, fails when it is absent under `CI=true`.
//!
//! Each report's own delivery-status fields are the expected answer: one record per
//! `Final-Recipient`, in order, with its `Action`, `Status`, `Original-Recipient` and
//! `Will-Retry-Until`; every record from the `postfix` recogniser; the returned message's
//! identity filled in. Postfix never writes 4.4.7, so an expired message keeps its last status.

use mailway_bounce::{Action, analyze};

/// The per-recipient fields of the `message/delivery-status` part, read straight from the text.
#[derive(Debug, Default)]
struct Want {
    recipient: String,
    original: Option<String>,
    action: String,
    status: String,
    retry_until: bool,
}

fn delivery_status(raw: &str) -> Vec<Want> {
    let mut out: Vec<Want> = Vec::new();
    let Some(start) = raw.find("Content-Type: message/delivery-status") else {
        return out;
    };
    let part = &raw[start..];
    let end = part[1..].find("\n--").map(|p| p + 1).unwrap_or(part.len());
    for line in part[..end].lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        let addr = || value.split_once(';').map(|(_, a)| a.trim().to_string());
        match name.to_ascii_lowercase().as_str() {
            "final-recipient" => out.push(Want {
                recipient: addr().unwrap_or_default(),
                ..Default::default()
            }),
            "original-recipient" => {
                if let Some(w) = out.last_mut() {
                    w.original = addr();
                }
            }
            "action" => {
                if let Some(w) = out.last_mut() {
                    w.action = value.to_ascii_lowercase();
                }
            }
            "status" => {
                if let Some(w) = out.last_mut() {
                    w.status = value.split_whitespace().next().unwrap_or("").to_string();
                }
            }
            "will-retry-until" => {
                if let Some(w) = out.last_mut() {
                    w.retry_until = true;
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn postfix_lab_dsns_match_their_delivery_status_fields() {
    let Some(shared) = mailway_testkit::shared::shared_dir() else {
        return;
    };
    let dir = shared.join("corpus/bounces/postfix-lab");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "expected the lab's DSNs, found {}",
        files.len()
    );
    let (mut reports, mut records, mut delayed, mut failed) = (0, 0, 0, 0);
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let raw = std::fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&raw);
        let want = delivery_status(&text);
        if want.is_empty() {
            // the lab's one non-report message (a local delivery): nothing to find
            let found = analyze(&raw).map(|a| a.records).unwrap_or_default();
            assert!(found.is_empty(), "{name}: {found:?}");
            continue;
        }
        let analysis = analyze(&raw).unwrap_or_else(|e| panic!("{name}: {e}"));
        reports += 1;
        assert_eq!(
            analysis.records.len(),
            want.len(),
            "{name}: one record per recipient"
        );
        for (r, w) in analysis.records.iter().zip(&want) {
            records += 1;
            assert_eq!(r.recipient, w.recipient, "{name}");
            assert_eq!(r.original_recipient, w.original, "{name}");
            assert_eq!(r.detector, "postfix", "{name}");
            let st = r.status.map(|s| s.to_string()).unwrap_or_default();
            assert_eq!(st, w.status, "{name}: {}", w.recipient);
            assert_ne!(st, "4.4.7", "{name}: Postfix never writes 4.4.7");
            match w.action.as_str() {
                "delayed" => {
                    delayed += 1;
                    assert_eq!(r.action, Some(Action::Delayed), "{name}");
                    assert!(!r.hard_bounce, "{name}: a delay is not a hard bounce");
                }
                "failed" => {
                    failed += 1;
                    assert_eq!(r.action, Some(Action::Failed), "{name}");
                    // a permanent 5.1.1 is a hard bounce; an expired 4.x.x is not
                    assert_eq!(
                        r.hard_bounce,
                        w.status.starts_with("5.1."),
                        "{name}: {} {}",
                        w.status,
                        r.reason
                    );
                }
                other => panic!("{name}: unexpected action {other}"),
            }
            assert_eq!(r.will_retry_until.is_some(), w.retry_until, "{name}");
            assert!(r.diagnostic_code.is_some(), "{name}: diagnostic");
            assert!(r.reporting_mta.is_some(), "{name}: reporting MTA");
            assert!(
                r.original_message_id.is_some(),
                "{name}: returned Message-ID"
            );
            assert!(r.last_attempt.is_some(), "{name}: last attempt");
        }
    }
    assert!(
        reports >= 20 && records >= 30,
        "{reports} reports, {records} records"
    );
    assert!(
        delayed > 0 && failed > 0,
        "{delayed} delayed, {failed} failed"
    );
}
