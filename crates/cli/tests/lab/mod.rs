//! What the CLI tests that run against the DNS lab share (`../shared/labs/dns`: NSD on
//! 127.0.10.53, the SMTP fixture on 127.0.10.25-28; started in CI by
//! `.ci/setup.d/10-dns-lab.sh`): the lab's address and trust anchor, a `mailway` runner with a
//! fixed environment, and the skip-or-fail check.

// each test crate that includes this module uses part of it
#![allow(dead_code)]

use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;

/// The lab's name server.
pub const LAB: &str = "127.0.10.53";

/// The lab's trust-anchor file (its zones are signed by its own keys).
pub fn anchor_file() -> Option<String> {
    mailway_testkit::shared::dns_lab_trust_anchor().map(|p| p.display().to_string())
}

/// Runs `mailway ARGS` without colour and without locale variables (`--lang` decides).
pub fn mailway(args: &[&str]) -> Output {
    Command::cargo_bin("mailway")
        .unwrap()
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap()
}

/// The lab's anchor file when the lab answers (`mailway check good.test` with it finds no
/// error); `None` (skip) when it does not, which under CI=true is a failure.
pub fn lab() -> Option<String> {
    let anchor = anchor_file();
    let up = anchor.as_deref().is_some_and(|a| {
        let out = mailway(&[
            "check",
            "good.test",
            "--resolver",
            LAB,
            "--timeout",
            "1",
            "--json",
            "--trust-anchor",
            a,
        ]);
        out.status.code() == Some(0)
    });
    if !up {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "the DNS lab is not running on {LAB} (CI=true): see .ci/setup.d/10-dns-lab.sh"
        );
        eprintln!("skipping: DNS lab not running on {LAB}");
        return None;
    }
    anchor
}
