//! `mailway probe` and `mailway doctor` with `--trust-anchor FILE`, end to end against the DNS
//! lab (`../shared/labs/dns`: NSD on 127.0.10.53 with its own unsigned root and good.test signed
//! by its own keys, the SMTP fixture on 127.0.10.25 and .28 presenting the certificate good.test's
//! TLSA 3 1 1 records name; started in CI by `.ci/setup.d/10-dns-lab.sh`).
//!
//! With the lab's anchor the TLSA records validate (secure, by mailway from the anchor) and the
//! DANE match is reported; with the built-in IANA root anchors the lab's root breaks the chain,
//! as it would for any validating resolver.
//!
//! Skips when the lab is not running, except under CI=true where that is a failure.

mod lab;

use std::process::Output;

use serde_json::Value;

use lab::{LAB, lab, mailway};

/// Flags that keep a probe of the lab short and on loopback (good.test's MX hosts are
/// 127.0.10.25 and 127.0.10.28).
const PROBE_FLAGS: [&str; 8] = [
    "--resolver",
    LAB,
    "--timeout",
    "5",
    "--greylist-wait",
    "0",
    "--fallback-ports",
    "",
];

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// The DaneReport of every probed address.
fn dane_reports(probe: &Value) -> Vec<Value> {
    probe["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["addresses"].as_array().unwrap().iter())
        .map(|a| a["tls"]["dane"].clone())
        .collect()
}

fn codes(probe: &Value, code: &str) -> Vec<String> {
    probe["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| f["severity"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn probe_validates_tlsa_from_the_trust_anchor() {
    let Some(anchor) = lab() else { return };
    // with the lab's anchor: both MX hosts' TLSA records are secure and match
    let mut args = vec!["probe", "good.test"];
    args.extend(PROBE_FLAGS);
    args.extend(["--trust-anchor", &anchor, "--json"]);
    let out = mailway(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v = json(&out);
    let danes = dane_reports(&v);
    assert_eq!(danes.len(), 2, "{v:#}");
    for d in &danes {
        assert_eq!(d["verdict"], "match", "{d:#}");
        assert_eq!(d["dnssec_authenticated"], true, "{d:#}");
        assert_eq!(d["dnssec"]["status"], "secure", "{d:#}");
        assert_eq!(d["dnssec"]["reason"], "local", "{d:#}");
        assert_eq!(d["dnssec"]["zone"], "good.test", "{d:#}");
        assert_eq!(d["dnssec"]["anchor"], "good.test", "{d:#}");
    }
    assert_eq!(codes(&v, "dane_match"), ["ok", "ok"]);
    assert!(codes(&v, "dane_bogus").is_empty());
    // the human report says so, in English and in Spanish
    let mut args = vec!["probe", "good.test"];
    args.extend(PROBE_FLAGS);
    args.extend(["--trust-anchor", &anchor]);
    let text = stdout(&mailway(&args));
    assert!(
        text.contains("DANE:      match (_25._tcp.mx1.good.test"),
        "{text}"
    );
    assert!(
        text.contains(
            "DNSSEC:    secure (verified by mailway from the trust anchor good.test, zone good.test)"
        ),
        "{text}"
    );
    assert!(
        text.contains("the TLSA records are DNSSEC-secure"),
        "{text}"
    );
    args.extend(["--lang", "es"]);
    let text = stdout(&mailway(&args));
    assert!(
        text.contains(
            "DNSSEC:    seguro (verificado por mailway desde el ancla de confianza good.test, zona good.test)"
        ),
        "{text}"
    );
    // with the built-in IANA root anchors the lab's root has no DNSKEY: the TLSA records are
    // bogus for a validating sender, an error finding
    let mut args = vec!["probe", "good.test"];
    args.extend(PROBE_FLAGS);
    args.push("--json");
    let out = mailway(&args);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let v = json(&out);
    for d in dane_reports(&v) {
        assert_eq!(d["dnssec_authenticated"], false, "{d:#}");
        assert_eq!(d["dnssec"]["status"], "bogus", "{d:#}");
        assert_eq!(d["dnssec"]["reason"], "anchor-no-keys", "{d:#}");
    }
    assert_eq!(codes(&v, "dane_bogus"), ["error", "error"]);
}

#[test]
fn doctor_checks_and_probes_with_the_trust_anchor() {
    let Some(anchor) = lab() else { return };
    let flags = ["--resolver", LAB, "--timeout", "5", "--fallback-ports", ""];
    let mut args = vec!["doctor", "good.test"];
    args.extend(flags);
    args.extend(["--trust-anchor", &anchor, "--json"]);
    let out = mailway(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v = json(&out);
    assert_eq!(v["causes"].as_array().unwrap().len(), 0, "{v:#}");
    // the check the doctor ran validated the chain from the lab's anchor
    let ids: Vec<(String, String)> = v["checks"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(ids.contains(&("dnssec.ok".into(), "ok".into())), "{ids:?}");
    assert_eq!(
        ids.iter().filter(|(i, _)| i == "dane.ok").count(),
        2,
        "{ids:?}"
    );
    assert!(!ids.iter().any(|(_, s)| s == "error"), "{ids:?}");
    // and its probe reports the DANE match as secure
    for d in dane_reports(&v["probes"][0]) {
        assert_eq!(d["verdict"], "match", "{d:#}");
        assert_eq!(d["dnssec"]["status"], "secure", "{d:#}");
    }
    let mut args = vec!["doctor", "good.test"];
    args.extend(flags);
    args.extend(["--trust-anchor", &anchor]);
    let text = stdout(&mailway(&args));
    assert!(text.contains("No cause found"), "{text}");
    assert!(text.contains("DNSSEC:    secure"), "{text}");
    // without it, the lab's root breaks the chain: DNS errors are a (low) cause
    let mut args = vec!["doctor", "good.test"];
    args.extend(flags);
    let out = mailway(&args);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("The DNSSEC chain of trust to good.test is broken at ."),
        "{text}"
    );
}

#[test]
fn a_bad_trust_anchor_file_is_an_error() {
    // no lab needed: the file is read before anything is asked
    let file = std::env::temp_dir().join(format!("mailway-ta-pd-{}", std::process::id()));
    std::fs::write(&file, "good.test. IN A 192.0.2.1\n").unwrap();
    let f = file.display().to_string();
    for cmd in ["probe", "doctor"] {
        let out = mailway(&[
            cmd,
            "good.test",
            "--resolver",
            "127.0.0.1:9",
            "--trust-anchor",
            &f,
        ]);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--trust-anchor"), "{cmd}: {err}");
        assert!(err.contains("not a DS or DNSKEY record"), "{cmd}: {err}");
    }
    let _ = std::fs::remove_file(&file);
}
