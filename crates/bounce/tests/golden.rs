//! Golden files: every fixture under `tests/fixtures/` (single messages `.eml`, mbox files
//! `.mbox`) is analysed and compared with the JSON beside it (`name.json`). Run with
//! `MAILWAY_BLESS=1` to regenerate after an intended change. Each fixture is also analysed with
//! CRLF and with CR-only line endings, which must give exactly the same result.

use std::path::{Path, PathBuf};

use mailway_bounce::{Analysis, input};
use serde_json::{Value, json};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("eml" | "mbox")))
        .collect();
    v.sort();
    v
}

fn one(raw: &[u8]) -> Value {
    match mailway_bounce::analyze(raw) {
        Ok(a) => json!({ "analysis": a }),
        Err(e) => json!({ "error": e.to_string() }),
    }
}

fn analyse(raw: &[u8]) -> Value {
    if input::is_mbox(raw) {
        Value::Array(
            input::split_mbox(raw)
                .into_iter()
                .map(|m| one(&input::unquote_from(m)))
                .collect(),
        )
    } else {
        one(raw)
    }
}

fn with_endings(raw: &[u8], eol: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 20);
    for &b in raw {
        if b == b'\n' {
            out.extend_from_slice(eol);
        } else {
            out.push(b);
        }
    }
    out
}

#[test]
fn fixtures_match_golden_json() {
    let mut failures = Vec::new();
    let files = fixtures();
    assert!(files.len() >= 10, "fixtures missing");
    for path in files {
        let raw = std::fs::read(&path).expect("read fixture");
        let got = analyse(&raw);
        let text = serde_json::to_string_pretty(&got).expect("json") + "\n";
        let expected = path.with_extension("json");
        if let Err(e) = mailway_testkit::golden::check(&expected, &text) {
            failures.push(e);
        }
        for (name, eol) in [("CRLF", &b"\r\n"[..]), ("CR", &b"\r"[..])] {
            let twin = analyse(&with_endings(&raw, eol));
            if twin != got {
                failures.push(format!(
                    "{}: {name} line endings give a different result",
                    path.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn analysis_round_trips_through_json() {
    for path in fixtures() {
        let raw = std::fs::read(&path).expect("read");
        if let Ok(a) = mailway_bounce::analyze(&raw) {
            let s = serde_json::to_string(&a).expect("ser");
            let back: Analysis = serde_json::from_str(&s).expect("de");
            assert_eq!(a, back, "{}", path.display());
        }
    }
}
