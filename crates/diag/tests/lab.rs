//! `mailway check` against the real DNS lab (`../shared/labs/dns`: NSD on 127.0.10.53 and
//! 127.0.10.54, started by `.ci/setup.d/10-dns-lab.sh`), zone by zone: each deliberate fault of
//! the lab README must be found, and good.test must have no error finding.
//!
//! Skips when the lab is not running, except under CI=true where that is a failure.

use std::time::{Duration, Instant};

use mailway_diag::check::{self, CheckOptions, Lang, Report, Severity};
use mailway_dns::dnssec::TrustAnchors;
use mailway_dns::proto::rr::Name;
use mailway_dns::{RecordType, Resolver, ResolverConfig};

const LAB_A: &str = "127.0.10.53";

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn resolver(servers: &[&str]) -> Resolver {
    Resolver::new(
        ResolverConfig::from_strs(servers)
            .unwrap()
            .with_timeout(Duration::from_millis(1500))
            .with_attempts(1),
    )
    .unwrap()
}

/// True when the lab answers; panics under CI when it does not.
async fn lab_up() -> bool {
    let r = resolver(&[LAB_A]);
    let up = r.soa("good.test").await.is_ok();
    if !up {
        assert!(
            !ci(),
            "the DNS lab is not running on {LAB_A} (CI=true): see .ci/setup.d/10-dns-lab.sh"
        );
        eprintln!("skipping: DNS lab not running on {LAB_A}");
    }
    up
}

/// Options for `domain` with the lab's trust anchor (its zones are signed by its own keys and
/// its root zone is unsigned).
fn opts(domain: &str) -> CheckOptions {
    let mut o = CheckOptions::new(domain);
    let path = mailway_testkit::shared::dns_lab_trust_anchor().expect("lab trust anchor");
    o.trust_anchors = TrustAnchors::from_file(&path).expect("lab trust anchor");
    o
}

async fn check_with(domain: &str, f: impl FnOnce(&mut CheckOptions)) -> Report {
    let mut opts = opts(domain);
    f(&mut opts);
    check::run(&resolver(&[LAB_A]), opts, Lang::En).await
}

async fn check(domain: &str) -> Report {
    check_with(domain, |_| {}).await
}

fn ids(r: &Report) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.id).collect()
}

fn count(r: &Report, id: &str) -> usize {
    r.with_id(id).count()
}

fn has(r: &Report, id: &str, sev: Severity) {
    assert!(
        r.with_id(id).any(|f| f.severity == sev),
        "{}: expected {id} ({sev}); got {:#?}",
        r.domain,
        r.findings
            .iter()
            .map(|f| format!("{} {} {}", f.severity, f.id, f.title))
            .collect::<Vec<_>>()
    );
}

fn arg<'a>(r: &'a Report, id: &'a str, k: &str) -> Vec<&'a str> {
    r.with_id(id).filter_map(|f| f.get(k)).collect()
}

#[tokio::test]
async fn good_test_has_no_error() {
    if !lab_up().await {
        return;
    }
    let r = check("good.test").await;
    let errors: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{}: {}", f.id, f.title))
        .collect();
    assert!(errors.is_empty(), "good.test errors: {errors:#?}");
    has(&r, "mx.ok", Severity::Ok);
    has(&r, "spf.ok", Severity::Ok);
    has(&r, "dmarc.ok", Severity::Ok);
    has(&r, "resolver.ok", Severity::Ok);
    // DNSSEC: the lab signs good.test (ldns-signzone) and publishes its DS in its root zone;
    // NSD does not validate, so the chain is verified by mailway itself, from the lab's
    // trust anchor (the DS file of its key-signing key)
    has(&r, "dnssec.ok", Severity::Ok);
    assert_eq!(arg(&r, "dnssec.ok", "verified"), ["SOA, MX, TXT"]);
    assert_eq!(arg(&r, "dnssec.ok", "anchored"), ["yes"]);
    assert_eq!(arg(&r, "dnssec.ok", "anchor"), ["good.test (good.test)"]);
    has(&r, "dnssec.resolver-not-validating", Severity::Info);
    // an unsigned zone is a note, not a fault (and no trust anchor covers it)
    let u = check("spf-loop.test").await;
    has(&u, "dnssec.unsigned", Severity::Info);
    let why = u.with_id("dnssec.unsigned").next().unwrap().get("why");
    assert!(why.unwrap().contains("no trust anchor"), "{why:?}");
    // with the built-in IANA root anchors, the lab's unsigned root breaks the chain
    let b = check::run(
        &resolver(&[LAB_A]),
        CheckOptions::new("good.test"),
        Lang::En,
    )
    .await;
    has(&b, "dnssec.chain-bogus", Severity::Error);
    assert_eq!(arg(&b, "dnssec.chain-bogus", "reason"), ["anchor-no-keys"]);
    assert_eq!(count(&b, "dane.ok"), 0);
    // the evidence names the server that answered
    let mx = r.with_id("mx.ok").next().unwrap();
    assert_eq!(mx.evidence[0].server.as_deref(), Some("127.0.10.53:53"));
}

#[tokio::test]
async fn spf_faults() {
    if !lab_up().await {
        return;
    }
    let r = check("spf-toomany.test").await;
    has(&r, "spf.lookups-exceeded", Severity::Error);
    assert_eq!(arg(&r, "spf.lookups-exceeded", "count"), ["11"]);
    let r = check("spf-flat11.test").await;
    assert_eq!(arg(&r, "spf.lookups-exceeded", "count"), ["11"]);
    let r = check("spf-void.test").await;
    has(&r, "spf.void-exceeded", Severity::Error);
    assert_eq!(arg(&r, "spf.void-exceeded", "count"), ["3"]);
    assert_eq!(count(&r, "spf.void-lookup"), 3);
    let r = check("spf-loop.test").await;
    has(&r, "spf.loop", Severity::Error);
    let r = check("spf-multi.test").await;
    has(&r, "spf.multiple", Severity::Error);
    let r = check("spf-syntax.test").await;
    assert_eq!(count(&r, "spf.syntax"), 3, "{:?}", ids(&r));
    let terms = arg(&r, "spf.syntax", "term");
    assert_eq!(terms, ["ip4:192.0.2.300", "ip:192.0.2.26", "~al"]);
    let r = check("spf-badinclude.test").await;
    assert_eq!(count(&r, "spf.include-no-spf"), 2, "{:?}", ids(&r));
    let r = check("spf-permissive.test").await;
    has(&r, "spf.all-pass", Severity::Error);
    has(&r, "spf.ptr", Severity::Warning);
}

#[tokio::test]
async fn spf_evaluation_with_ip() {
    if !lab_up().await {
        return;
    }
    let r = check_with("good.test", |o| o.ip = Some("192.0.2.77".parse().unwrap())).await;
    has(&r, "spf.result", Severity::Ok);
    assert_eq!(arg(&r, "spf.result", "result"), ["pass"]);
    assert!(arg(&r, "spf.result", "term")[0].contains("ip4:192.0.2.0/24"));
    let r = check_with("good.test", |o| {
        o.ip = Some("198.51.100.9".parse().unwrap())
    })
    .await;
    assert_eq!(arg(&r, "spf.result", "result"), ["fail"]);
    assert!(arg(&r, "spf.result", "term")[0].contains("-all"));
}

#[tokio::test]
async fn dmarc_faults() {
    if !lab_up().await {
        return;
    }
    let r = check("dmarc-bad.test").await;
    let tags = arg(&r, "dmarc.syntax", "tag");
    assert_eq!(tags, ["p", "pct", "adkim"], "{:?}", ids(&r));
    has(&r, "dmarc.external-unauthorized", Severity::Warning);
    let r = check("dmarc-extrua.test").await;
    has(&r, "dmarc.pct-removed", Severity::Warning);
    assert_eq!(
        arg(&r, "dmarc.external-unauthorized", "destination"),
        ["nullmx.test"]
    );
    // rua and ruf both go to good.test, which authorises them
    assert_eq!(
        arg(&r, "dmarc.external-authorized", "destination"),
        ["good.test", "good.test"]
    );
    assert_eq!(arg(&r, "dmarc.external-authorized", "tag"), ["rua", "ruf"]);
    let r = check("dmarc-nov.test").await;
    has(&r, "dmarc.v-not-first", Severity::Error);
    let r = check("dmarc-multi.test").await;
    has(&r, "dmarc.multiple", Severity::Error);
    let r = check("dmarc-nop.test").await;
    assert_eq!(arg(&r, "dmarc.syntax", "kind"), ["missing-semicolon"]);
    has(&r, "dmarc.no-policy", Severity::Error);
}

#[tokio::test]
async fn mx_faults() {
    if !lab_up().await {
        return;
    }
    let r = check("mx-cname.test").await;
    has(&r, "mx.target-cname", Severity::Warning);
    let r = check("nullmx.test").await;
    has(&r, "mx.null", Severity::Info);
    assert!(!r.has_errors() || !ids(&r).iter().any(|i| i.starts_with("mx.")));
    let r = check("nullmx-mixed.test").await;
    has(&r, "mx.null-mixed", Severity::Error);
    let r = check("mx-noa.test").await;
    has(&r, "mx.target-no-address", Severity::Error);
    has(&r, "mx.target-nxdomain", Severity::Error);
    let r = check("mx-ip.test").await;
    has(&r, "mx.target-ip", Severity::Error);
    let r = check("nomx.test").await;
    has(&r, "mx.implicit", Severity::Warning);
    let r = check("mx-private.test").await;
    let classes = arg(&r, "mx.address-special", "class");
    assert_eq!(
        classes,
        ["unspecified", "private", "loopback"],
        "{:?}",
        ids(&r)
    );
    has(&r, "mx.address-special", Severity::Error);
}

#[tokio::test]
async fn name_server_faults() {
    if !lab_up().await {
        return;
    }
    let r = check("lame.test").await;
    has(&r, "ns.lame", Severity::Error);
    assert!(arg(&r, "ns.lame", "address")[0].starts_with("127.0.10.54"));
    assert_eq!(arg(&r, "ns.lame", "rcode"), ["REFUSED"]);
    let r = check("soa-drift.test").await;
    has(&r, "ns.serial-mismatch", Severity::Warning);
    has(&r, "ns.nsset-mismatch", Severity::Warning);
    has(&r, "ns.data-mismatch", Severity::Error);
    let r = check("good.test").await;
    has(&r, "ns.ok", Severity::Ok);
    has(&r, "ns.single", Severity::Warning);
}

#[tokio::test]
async fn propagation_between_resolvers() {
    if !lab_up().await {
        return;
    }
    // server B serves only a stale copy of soa-drift.test: the two "resolvers" disagree
    let r = check::run(
        &resolver(&[LAB_A, "127.0.10.54"]),
        opts("soa-drift.test"),
        Lang::En,
    )
    .await;
    has(&r, "propagation.mismatch", Severity::Warning);
    let q = arg(&r, "propagation.mismatch", "query");
    assert!(q.contains(&"soa-drift.test SOA"), "{q:?}");
}

#[tokio::test]
async fn dead_resolver_is_a_finding_within_the_timeout() {
    if !lab_up().await {
        return;
    }
    let started = Instant::now();
    let r = check::run(&resolver(&["127.0.10.99"]), opts("good.test"), Lang::En).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    has(&r, "resolver.unreachable", Severity::Error);
    assert!(r.could_not_run.is_some());
    // a dead resolver next to a live one: finding, and the check still runs
    let r = check::run(
        &resolver(&["127.0.10.99", LAB_A]),
        opts("good.test"),
        Lang::En,
    )
    .await;
    has(&r, "resolver.unreachable", Severity::Error);
    has(&r, "mx.ok", Severity::Ok);
    assert!(r.could_not_run.is_none());
}

#[tokio::test]
async fn whole_check_is_fast_against_a_local_server() {
    if !lab_up().await {
        return;
    }
    // warm nothing: a fresh resolver, the whole check of the baseline zone
    let r = check("good.test").await;
    // generous bound for a loaded CI machine; the README gives measured figures
    assert!(r.elapsed_ms < 3000, "took {} ms", r.elapsed_ms);
    let _ = RecordType::A;
}

#[tokio::test]
async fn spanish_texts() {
    if !lab_up().await {
        return;
    }
    let r = check::run(&resolver(&[LAB_A]), opts("nullmx-mixed.test"), Lang::Es).await;
    let f = r.with_id("mx.null-mixed").next().unwrap();
    assert!(f.title.contains("MX nulo"), "{}", f.title);
    assert!(f.fix.as_deref().unwrap_or("").contains("Quita"));
    // every finding of every lab zone renders in both languages with all its arguments
    // (Fluent writes a missing argument as "{$name}")
    for zone in [
        "good.test",
        "spf-syntax.test",
        "spf-void.test",
        "dmarc-bad.test",
        "dmarc-extrua.test",
        "mx-noa.test",
        "mx-private.test",
        "sts-bad.test",
        "soa-drift.test",
        "lame.test",
        "dkim.test",
        "nomx.test",
        "bl.test",
    ] {
        for lang in [Lang::Es, Lang::En] {
            let r = check::run(&resolver(&[LAB_A]), opts(zone), lang).await;
            for f in &r.findings {
                let all = format!(
                    "{} {} {}",
                    f.title,
                    f.explanation,
                    f.fix.as_deref().unwrap_or("")
                );
                assert!(
                    !all.contains('{') && f.title != f.id,
                    "{zone} {lang:?} {}: {all}",
                    f.id
                );
            }
        }
    }
}

#[tokio::test]
async fn dkim_selectors() {
    if !lab_up().await {
        return;
    }
    let sels = [
        "good", "weak", "ed", "revoked", "badb64", "badver", "testing", "cname", "absent",
    ];
    let r = check_with("dkim.test", |o| {
        o.dkim_selectors = sels.iter().map(|s| s.to_string()).collect()
    })
    .await;
    let subj =
        |id: &str| -> Vec<String> { r.with_id(id).filter_map(|f| f.subject.clone()).collect() };
    assert_eq!(subj("dkim.rsa-1024"), ["weak"]);
    assert_eq!(subj("dkim.revoked"), ["revoked"]);
    assert_eq!(subj("dkim.testing"), ["testing"]);
    assert_eq!(subj("dkim.cname"), ["cname"]);
    assert_eq!(subj("dkim.selector-missing"), ["absent"]);
    let syntax = arg(&r, "dkim.syntax", "kind");
    assert!(
        syntax.contains(&"bad-base64") && syntax.contains(&"bad-version"),
        "{syntax:?}"
    );
    let ok = subj("dkim.key-ok");
    assert!(
        ok.contains(&"good".to_string())
            && ok.contains(&"ed".to_string())
            && ok.contains(&"cname".to_string()),
        "{ok:?}"
    );
    let r = check_with("good.test", |o| o.dkim_selectors = vec!["sel1".into()]).await;
    assert_eq!(arg(&r, "dkim.key-ok", "bits"), ["2048"]);
}

#[tokio::test]
async fn mta_sts_tls_rpt_bimi_dane_faults() {
    if !lab_up().await {
        return;
    }
    let r = check("sts-bad.test").await;
    has(&r, "mta-sts.multiple", Severity::Error);
    // each record's syntax is still checked: one of the two has a bad id
    assert_eq!(arg(&r, "mta-sts.txt-syntax", "kind"), ["bad-id"]);
    assert_eq!(arg(&r, "tls-rpt.syntax", "kind"), ["bad-uri"]);
    assert!(arg(&r, "bimi.syntax", "kind").contains(&"logo-not-https"));
    assert_eq!(arg(&r, "dane.tlsa-invalid", "kind"), ["bad-length"]);
    // sts-bad.test is not signed: its TLSA records are insecure, DANE is not in effect (a
    // note, not a fault of its own), and nothing claims they are usable
    has(&r, "dane.unsigned", Severity::Info);
    assert_eq!(arg(&r, "dane.unsigned", "status"), ["insecure"]);
    assert_eq!(arg(&r, "dane.unsigned", "reason"), ["no-trust-anchor"]);
    assert_eq!(count(&r, "dane.ok"), 0);
    let r = check("good.test").await;
    has(&r, "tls-rpt.ok", Severity::Ok);
    has(&r, "bimi.ok", Severity::Ok);
    // good.test is signed (DS in the lab root): the TLSA and MX RRsets verify, by mailway
    // itself since NSD does not validate
    // and so do the MX hosts' A records (RFC 7672 §2.2.2)
    assert_eq!(count(&r, "dane.ok"), 2);
    assert_eq!(arg(&r, "dane.ok", "validated"), ["local", "local"]);
    assert_eq!(arg(&r, "dane.ok", "zone"), ["good.test", "good.test"]);
    assert_eq!(arg(&r, "dane.ok", "anchor"), ["good.test", "good.test"]);
    let ok = r.with_id("dane.ok").next().unwrap();
    assert!(
        ok.evidence
            .iter()
            .any(|e| e.query == "mx1.good.test A (DO, CD)"),
        "{:#?}",
        ok.evidence
    );
    assert_eq!(
        count(&r, "dane.tlsa-bogus")
            + count(&r, "dane.mx-insecure")
            + count(&r, "dane.address-bogus")
            + count(&r, "dane.address-insecure"),
        0
    );
}

/// The NSEC3 chain that ldns-signzone made for good.test, read by mailway's denial check: a
/// DS query for a name inside the zone (a host, an empty non-terminal, a name that does not
/// exist) is answered with signed NSEC3 records proving the name is no delegation, so a
/// chain that claims such a name is a zone is bogus ("no-delegation"), not insecure.
#[tokio::test]
async fn nsec3_proofs_of_the_real_signer() {
    if !lab_up().await {
        return;
    }
    let cx = check::Ctx::new(resolver(&[LAB_A]), opts("good.test"));
    for name in ["mx1.good.test.", "_tcp.mx1.good.test.", "nosuch.good.test."] {
        let chain = check::dnssec::zone_chain(&cx, &Name::from_ascii(name).unwrap()).await;
        match &chain.status {
            check::dnssec::ChainStatus::Bogus {
                zone,
                reason,
                detail,
            } => {
                assert_eq!(
                    (zone.as_str(), *reason),
                    ("good.test", "no-delegation"),
                    "{name}"
                );
                assert!(detail.contains("NSEC3"), "{name}: {detail}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // negative answers carry ldns-signzone's NSEC3 proofs: NODATA (the name exists without
    // TLSA) and NXDOMAIN (closest encloser, next closer name and wildcard all proven)
    for name in [
        "mx1.good.test",
        "_25._tcp.nosuch.good.test",
        "_tcp.mx1.good.test",
    ] {
        let v = check::dnssec::validate_denial(&cx, name, RecordType::TLSA).await;
        assert!(v.security.is_secure(), "{name}: {:?}", v.security);
    }
    // while an existing TLSA RRset is no denial at all
    let v = check::dnssec::validate_denial(&cx, "_25._tcp.mx1.good.test", RecordType::TLSA).await;
    assert_eq!(v.security, check::dnssec::Security::NoData);
    // good.test itself: secure from the anchor
    let chain = check::dnssec::zone_chain(&cx, &Name::from_ascii("good.test.").unwrap()).await;
    assert!(
        matches!(chain.status, check::dnssec::ChainStatus::Secure { .. }),
        "{:?}",
        chain.status
    );
}

#[tokio::test]
async fn sending_ip_and_blocklists() {
    if !lab_up().await {
        return;
    }
    let bl = |o: &mut CheckOptions, ip: &str, lists: &[&str]| {
        o.ip = Some(ip.parse().unwrap());
        o.blocklists = Some(lists.iter().map(|s| s.to_string()).collect());
    };
    let r = check_with("good.test", |o| {
        bl(o, "192.0.2.10", &["zen.bl.test", "dbl.bl.test"])
    })
    .await;
    has(&r, "ip.fcrdns-ok", Severity::Ok);
    has(&r, "blocklist.listed", Severity::Error);
    assert!(arg(&r, "blocklist.listed", "meaning")[0].contains("CSS"));
    has(&r, "blocklist.not-listed", Severity::Ok);
    let r = check_with("good.test", |o| {
        bl(o, "192.0.2.11", &["zen-openresolver.bl.test"])
    })
    .await;
    has(&r, "ip.fcrdns-mismatch", Severity::Error);
    assert_eq!(
        arg(&r, "blocklist.query-error", "meaning"),
        ["public-resolver"]
    );
    assert!(
        r.with_id("blocklist.listed").next().is_none(),
        "an error code is not a listing"
    );
    let r = check_with("good.test", |o| {
        bl(
            o,
            "192.0.2.12",
            &["zen-overlimit.bl.test", "zen-typo.bl.test"],
        )
    })
    .await;
    has(&r, "ip.ptr-missing", Severity::Error);
    let mut m = arg(&r, "blocklist.query-error", "meaning");
    m.sort();
    assert_eq!(m, ["over-limit", "typo-in-zone"]);
    let r = check_with("good.test", |o| {
        bl(o, "192.0.2.13", &["nosuchlist.bl.test"])
    })
    .await;
    has(&r, "ip.ptr-generic", Severity::Warning);
    assert_eq!(arg(&r, "blocklist.list-broken", "why"), ["test-not-listed"]);
    let r = check_with("good.test", |o| bl(o, "192.0.2.14", &[])).await;
    has(&r, "ip.ptr-multiple", Severity::Warning);
    let r = check_with("good.test", |o| bl(o, "192.0.2.15", &[])).await;
    has(&r, "ip.ptr-missing", Severity::Error);
    // a listed domain, through the SURBL-style bitmask list
    let r = check_with("bad.example", |o| bl(o, "192.0.2.10", &["multi.bl.test"])).await;
    has(&r, "domain.nxdomain", Severity::Error);
    has(&r, "blocklist.domain-listed", Severity::Error);
    assert!(arg(&r, "blocklist.domain-listed", "meaning")[0].contains("PH"));
}
