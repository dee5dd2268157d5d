//! `mailway explain` end to end: the binary on codes, reply texts, the sample bounces in
//! `examples/bounces/`, stdin, bad inputs; both languages; the JSON schema.
//!
//! Golden files: each sample bounce `examples/bounces/X.eml` has its English JSON explanation in
//! `crates/cli/tests/explain-golden/X.json`; `MAILWAY_BLESS=1 cargo test -p mailway --test
//! explain` regenerates them (a mismatch writes `X.json.failed`).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn mailway() -> Command {
    let mut c = Command::cargo_bin("mailway").unwrap();
    c.current_dir(repo());
    c.env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .env("NO_COLOR", "1");
    c
}

fn json(args: &[&str]) -> Value {
    let out = mailway()
        .arg("explain")
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.code() == Some(0),
        "{args:?}: exit {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

/// Runs `mailway explain ARGS`: exit code, stdout with whitespace runs collapsed (so that
/// assertions do not depend on line wrapping), stderr.
fn text(args: &[&str]) -> (i32, String, String) {
    let out = mailway().arg("explain").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        squeeze(&String::from_utf8_lossy(&out.stdout)),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn code_447_in_english_and_spanish() {
    let (code, out, _) = text(&["4.4.7"]);
    assert_eq!(code, 0);
    assert!(out.contains("Delivery time expired"), "{out}");
    assert!(out.contains("Temporary error"), "{out}");
    assert!(out.contains("1 to 5 days"), "{out}");
    assert!(out.contains("mailway check DOMAIN"), "{out}");
    assert!(out.contains("mailway probe DOMAIN"), "{out}");
    let (code, out, _) = text(&["--lang", "es", "4.4.7"]);
    assert_eq!(code, 0);
    assert!(out.contains("Tiempo de entrega agotado"), "{out}");
    assert!(out.contains("Causas probables"), "{out}");
    assert!(out.contains("1 a 5 días"), "{out}");
}

#[test]
fn options_after_the_input_are_options() {
    // `--lang es` after an unquoted reply text is the option, not more words of the text.
    let (code, out, _) = text(&[
        "450",
        "4.2.1",
        "greylisted,",
        "try",
        "again",
        "--lang",
        "es",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("Error temporal"), "{out}");
    assert!(!out.contains("--lang"), "{out}");
    let (code, out, _) = text(&["5.1.1", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON after the code");
    assert_eq!(v["items"][0]["status"], "5.1.1", "{v}");
    // A word starting with `-` goes after `--`; a lone `-` still means standard input.
    let (code, out, _) = text(&["--", "-ERR", "550", "5.1.1", "no", "such", "user"]);
    assert_eq!(code, 0);
    assert!(out.contains("-ERR 550 5.1.1"), "{out}");
    let (code, _, err) = text(&["-ERR", "550"]);
    assert_eq!(code, 2);
    assert!(err.contains("--"), "{err}");
}

#[test]
fn microsoft_external_forwarding_is_the_senders_own_policy() {
    let reply = "550 5.7.520 Access denied, Your organization does not allow external forwarding. Please contact your administrator for further assistance. AS(7555)";
    let v = json(&[reply]);
    let e = &v["items"][0];
    assert_eq!(e["reason"], "policyviolation", "{e}");
    assert_eq!(e["rule"], "ms-external-forwarding", "{e}");
    let (code, out, _) = text(&[reply]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Your own organisation blocked this message"),
        "{out}"
    );
    assert!(out.contains("Forward the message by hand"), "{out}");
    let (_, out, _) = text(&["--lang", "es", reply]);
    assert!(
        out.contains("Tu propia organización bloqueó este mensaje"),
        "{out}"
    );
    assert!(out.contains("Permite el reenvío externo"), "{out}");
}

#[test]
fn language_from_the_environment() {
    let out = mailway()
        .env("LANG", "es_ES.UTF-8")
        .args(["explain", "5.1.1"])
        .output()
        .unwrap();
    let s = squeeze(&String::from_utf8_lossy(&out.stdout));
    assert!(s.contains("destinatario desconocido"), "{s}");
    let out = mailway()
        .env("LANG", "es_ES.UTF-8")
        .env("LC_ALL", "en_US.UTF-8")
        .args(["explain", "5.1.1"])
        .output()
        .unwrap();
    let s = squeeze(&String::from_utf8_lossy(&out.stdout));
    assert!(
        s.contains("recipient unknown"),
        "LC_ALL wins over LANG: {s}"
    );
    let (code, _, err) = text(&["--lang", "fr", "5.1.1"]);
    assert_eq!(code, 2);
    assert!(err.contains("unsupported language"), "{err}");
}

#[test]
fn reply_texts_unquoted_and_quoted() {
    let v = json(&[
        "550",
        "5.1.1",
        "<ana@example.org>:",
        "Recipient",
        "address",
        "rejected:",
        "User",
        "unknown",
    ]);
    assert_eq!(v["kind"], "reply");
    let e = &v["items"][0];
    assert_eq!(e["reason"], "userunknown");
    assert_eq!(e["hard_bounce"], true);
    assert_eq!(e["temporality"], "permanent");
    let v = json(&[
        "421-4.7.28 Gmail has detected an unusual rate of mail originating from your IP address. - gsmtp",
    ]);
    let e = &v["items"][0];
    assert_eq!(e["provider"]["id"], "google");
    assert_eq!(e["temporality"], "transient");
    assert!(
        e["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["id"] == "provider-google-4728")
    );
    let v = json(&[
        "--lang",
        "es",
        "450 4.2.1 <b@example.org>: Recipient address rejected: Greylisted, see https://postgrey.example/",
    ]);
    let e = &v["items"][0];
    assert_eq!(e["topic"], "greylisting");
    assert!(e["summary"][0].as_str().unwrap().contains("Lista gris"));
}

#[test]
fn json_schema_shape() {
    let v = json(&["4.4.7"]);
    assert_eq!(v["schema"], "mailway.explain/1");
    assert_eq!(v["lang"], "en");
    assert_eq!(v["kind"], "code");
    let e = &v["items"][0];
    for field in [
        "lang",
        "input",
        "recipient",
        "reply_code",
        "reply_code_meaning",
        "status",
        "status_title",
        "status_meaning",
        "status_reference",
        "status_registered",
        "command",
        "temporality",
        "gave_up",
        "still_retrying",
        "hard_bounce",
        "reason",
        "reason_title",
        "topic",
        "rule",
        "provider",
        "reported_by",
        "summary",
        "temporality_text",
        "retry",
        "causes",
        "sender_actions",
        "admin_actions",
        "notes",
    ] {
        assert!(e.get(field).is_some(), "missing field {field}");
    }
    assert_eq!(e["status"], "4.4.7");
    let admin = e["admin_actions"].as_array().unwrap();
    assert!(admin.iter().any(|a| a["command"] == "mailway check DOMAIN"));
}

/// Per sample: (file, recipient, status, reason, gave_up, still_retrying, reported_by, a note id)
type Sample = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    bool,
    &'static str,
    &'static str,
);
const SAMPLES: &[Sample] = &[
    (
        "exchange-447-expired.eml",
        "jorge.ruiz@fabrikam.example",
        "4.4.7",
        "expired",
        true,
        false,
        "office365",
        "provider-ms-447-expired",
    ),
    (
        "postfix-expired-441-timeout.eml",
        "pedro@example.net",
        "4.4.1",
        "expired",
        true,
        false,
        "postfix",
        "emitter-postfix-expiry",
    ),
    (
        "postfix-delay-warning.eml",
        "pedro@example.net",
        "4.4.1",
        "expired",
        false,
        true,
        "postfix",
        "",
    ),
    (
        "gmail-550-5.1.1-nosuchuser.eml",
        "lucia.fernandez.1987@gmail.com",
        "5.1.1",
        "userunknown",
        true,
        false,
        "postfix",
        "provider-google-5-1-1",
    ),
    (
        "greylisting-450-4.2.1.eml",
        "admin@shop.example.org",
        "4.2.1",
        // Sisimai has no greylisting reason: onhold (soft), topic greylisting
        "onhold",
        false,
        true,
        "postfix",
        "",
    ),
];

#[test]
fn sample_bounces() {
    for (file, rcpt, status, reason, gave_up, retrying, by, note) in SAMPLES {
        let path = format!("examples/bounces/{file}");
        let v = json(&[&path]);
        assert_eq!(v["kind"], "bounce", "{file}");
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{file}");
        let e = &items[0];
        assert_eq!(e["recipient"], *rcpt, "{file}");
        assert_eq!(e["status"], *status, "{file}");
        assert_eq!(e["reason"], *reason, "{file}");
        assert_eq!(e["gave_up"], *gave_up, "{file}");
        assert_eq!(e["still_retrying"], *retrying, "{file}");
        assert_eq!(e["reported_by"]["id"], *by, "{file}");
        if !note.is_empty() {
            assert!(
                e["notes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|n| n["id"] == *note),
                "{file}: no note {note}: {}",
                e["notes"]
            );
        }
    }
    // the delay warnings say when the retries end and that it is not a failure yet
    let v = json(&["examples/bounces/postfix-delay-warning.eml"]);
    let e = &v["items"][0];
    assert_eq!(e["topic"], "delayed");
    assert!(e["retry"].as_str().unwrap().contains("Postfix"));
    assert!(e["retry"].as_str().unwrap().contains("2026-11-07"));
    let v = json(&["examples/bounces/greylisting-450-4.2.1.eml"]);
    assert_eq!(v["items"][0]["topic"], "greylisting");
    // the Exchange 4.4.7 names the domain in its admin commands
    let v = json(&["examples/bounces/exchange-447-expired.eml"]);
    let admin = v["items"][0]["admin_actions"].as_array().unwrap();
    assert!(
        admin
            .iter()
            .any(|a| a["command"] == "mailway check fabrikam.example")
    );
    assert!(
        admin
            .iter()
            .any(|a| a["command"] == "mailway doctor examples/bounces/exchange-447-expired.eml")
    );
}

#[test]
fn sample_bounces_golden() {
    let dir = repo().join("crates/cli/tests/explain-golden");
    let mut n = 0;
    for entry in std::fs::read_dir(repo().join("examples/bounces")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "eml") {
            continue;
        }
        let rel = format!(
            "examples/bounces/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        let out = mailway()
            .args(["explain", "--json", "--lang", "en", &rel])
            .output()
            .unwrap();
        let expected = dir.join(path.with_extension("json").file_name().unwrap());
        mailway_testkit::golden::check(&expected, &String::from_utf8_lossy(&out.stdout)).unwrap();
        n += 1;
    }
    assert!(n >= 5, "expected the sample bounces, found {n}");
}

#[test]
fn spanish_bounce_rendering() {
    let (code, out, _) = text(&["--lang", "es", "examples/bounces/exchange-447-expired.eml"]);
    assert_eq!(code, 0);
    assert!(out.contains("Mensaje de rebote: un destinatario"), "{out}");
    assert!(
        out.contains("Destinatario: jorge.ruiz@fabrikam.example"),
        "{out}"
    );
    assert!(
        out.contains("el servidor de envío ya se ha rendido"),
        "{out}"
    );
    assert!(out.contains("Microsoft 365 informa 4.4.7"), "{out}");
}

#[test]
fn stdin_message_and_text() {
    let eml =
        std::fs::read(repo().join("examples/bounces/gmail-550-5.1.1-nosuchuser.eml")).unwrap();
    let out = mailway()
        .args(["explain", "--json", "-"])
        .write_stdin(eml)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "bounce");
    assert_eq!(v["input"], "-");
    assert_eq!(v["items"][0]["reason"], "userunknown");
    let out = mailway()
        .args(["explain", "--json", "-"])
        .write_stdin("smtp; 552 5.2.2 <ana@example.es>: user is over quota\n")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "reply");
    assert_eq!(v["items"][0]["reason"], "mailboxfull");
}

#[test]
fn bad_inputs() {
    // a path that does not exist: error 2 naming it
    let (code, _, err) = text(&["examples/bounces/does-not-exist.eml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("does-not-exist.eml") && err.contains("no such file"),
        "{err}"
    );
    // a directory: error 2 pointing to mailway bounce
    let (code, _, err) = text(&["examples/bounces"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("is a directory") && err.contains("mailway bounce"),
        "{err}"
    );
    // nothing recognisable: exit 1
    let (code, out, _) = text(&["hello", "world"]);
    assert_eq!(code, 1);
    assert!(out.contains("Nothing in this input looks like"), "{out}");
    // a mail message that is not a bounce: exit 1, no items
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("hello.eml");
    std::fs::write(
        &p,
        "From: a@example.org\nTo: b@example.org\nSubject: hi\n\nJust saying hello.\n",
    )
    .unwrap();
    let out = mailway()
        .args(["explain", "--json"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    // binary data: exit 2
    let b = dir.path().join("blob.bin");
    std::fs::write(&b, [0u8, 1, 2, 3, 255, 0, 7, 8]).unwrap();
    let out = mailway().arg("explain").arg(&b).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("binary data"));
    // --text: the argument is a text even if a file of that name exists
    let out = mailway()
        .args([
            "explain",
            "--json",
            "--text",
            "examples/bounces/gmail-550-5.1.1-nosuchuser.eml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "reply");
    // a saved reply text in a .txt file is a reply, not a bounce
    let t = dir.path().join("reply.txt");
    std::fs::write(&t, "550 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org\n").unwrap();
    let out = mailway()
        .args(["explain", "--json"])
        .arg(&t)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "reply");
    assert_eq!(v["items"][0]["reason"], "blocked");
}

#[test]
fn explain_is_in_help() {
    let out = Command::cargo_bin("mailway")
        .unwrap()
        .arg("--help")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("explain"));
    let out = Command::cargo_bin("mailway")
        .unwrap()
        .args(["explain", "--help"])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("--lang") && s.contains("--json") && s.contains("--text"),
        "{s}"
    );
}
