//! `mailway check` end to end: the binary against the DNS lab (`../shared/labs/dns`, NSD on
//! 127.0.10.53, started in CI by `.ci/setup.d/10-dns-lab.sh`): exit codes 0 / 1 / 2, the JSON
//! shape, marks that keep their meaning without colour (`NO_COLOR`), and Spanish output.
//!
//! Skips when the lab is not running, except under CI=true where that is a failure.

use std::process::Command;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;

mod lab;

use lab::LAB;

/// `--trust-anchor FILE` of the lab (its zones are signed by its own keys).
fn anchor() -> Vec<String> {
    lab::anchor_file()
        .map(|a| vec!["--trust-anchor".into(), a])
        .unwrap_or_default()
}

fn lab_up() -> bool {
    lab::lab().is_some()
}

fn check(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::cargo_bin("mailway")
        .unwrap()
        .arg("check")
        .args(args)
        .args(anchor())
        .env("NO_COLOR", "1")
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn exit_codes_marks_and_json() {
    if !lab_up() {
        return;
    }
    // no error finding: 0; the marks are words, never colour codes
    let (code, text) = check(&["good.test", "--resolver", LAB]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("[ ok ]") && text.contains("[warn]"), "{text}");
    assert!(
        !text.contains('\x1b'),
        "colour escape with NO_COLOR: {text}"
    );
    assert!(text.contains("\nDNSSEC\n"), "{text}");
    // an error finding: 1, marked [FAIL]
    let (code, text) = check(&["nullmx-mixed.test", "--resolver", LAB]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("[FAIL]"), "{text}");
    // JSON: {"domain", "findings": [{id, area, severity, title, explanation, evidence}]}
    let (code, text) = check(&["spf-loop.test", "--resolver", LAB, "--json"]);
    assert_eq!(code, Some(1), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["domain"], "spf-loop.test");
    let findings = v["findings"].as_array().unwrap();
    let spf = findings
        .iter()
        .find(|f| f["id"] == "spf.loop")
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(spf["severity"], "error");
    assert_eq!(spf["area"], "spf");
    assert!(spf["title"].as_str().unwrap().len() > 5);
    assert!(spf["explanation"].as_str().unwrap().len() > 5);
    assert_eq!(spf["evidence"][0]["server"], "127.0.10.53:53");
    assert!(v["summary"]["error"].as_u64().unwrap() >= 1);
}

#[test]
fn trust_anchor_option() {
    if !lab_up() {
        return;
    }
    // with the built-in IANA root anchors the lab's own (unsigned) root breaks the chain to
    // good.test at its first link, as it would for any validating resolver
    let out = Command::cargo_bin("mailway")
        .unwrap()
        .args(["check", "good.test", "--resolver", LAB, "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let bogus = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "dnssec.chain-bogus")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(bogus["args"]["at"], ".");
    assert_eq!(bogus["args"]["reason"], "anchor-no-keys");
    // with the lab's anchor (what check() passes) the chain verifies
    let (code, json) = check(&["good.test", "--resolver", LAB, "--json"]);
    assert_eq!(code, Some(0), "{json}");
    assert!(json.contains("\"dnssec.ok\""), "{json}");
    // a file without DS/DNSKEY records: the check cannot run
    let dir = std::env::temp_dir().join(format!("mailway-ta-{}", std::process::id()));
    std::fs::write(&dir, "good.test. IN A 192.0.2.1\n").unwrap();
    let out = Command::cargo_bin("mailway")
        .unwrap()
        .args(["check", "good.test", "--resolver", LAB, "--trust-anchor"])
        .arg(&dir)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&dir);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a DS or DNSKEY record"), "{err}");
}

#[test]
fn spanish_output() {
    if !lab_up() {
        return;
    }
    let (code, text) = check(&["nullmx-mixed.test", "--resolver", LAB, "--lang", "es"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("Resolutores y dominio"), "{text}");
    assert!(text.contains("MX nulo"), "{text}");
    let (_, json) = check(&[
        "nullmx-mixed.test",
        "--resolver",
        LAB,
        "--lang",
        "es",
        "--json",
    ]);
    assert!(json.contains("MX nulo"), "{json}");
}

#[test]
fn dead_resolver_exits_2_within_the_timeout() {
    // nothing listens on 127.0.10.99 (no lab needed)
    let started = Instant::now();
    let (code, text) = check(&[
        "good.test",
        "--resolver",
        "127.0.10.99",
        "--timeout",
        "0.5",
        "--attempts",
        "1",
    ]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(text.contains("[FAIL]"), "{text}");
    // an invalid domain cannot be checked either
    let (code, _) = check(&["not a domain!", "--resolver", "127.0.10.99"]);
    assert_eq!(code, Some(2));
}
