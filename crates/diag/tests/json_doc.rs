//! `docs/probe-json.md` documents every key `mailway probe --json` and `mailway doctor --json`
//! emit: real reports (a STARTTLS + DANE + greylisting MX, a blackholed port 25, a doctor
//! diagnosis of a bounce with the sending IP checked) are serialised, and each object key must
//! appear in the document as `` `key` `` (or `"key":` in its JSON outlines). A field added without its line fails here.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use mailway_diag::doctor::{DoctorOptions, Lang, diagnose_bounce};
use mailway_diag::probe::{ProbeOptions, probe};
use mailway_dns::{Resolver, ResolverConfig};
use mailway_smtp::{CertificateInfo, Timeouts};
use mailway_testkit::dns::TestDns;
use mailway_testkit::smtp::{Blackhole, PeerScript, TestCert};
use serde_json::Value;

const DOC: &str = include_str!("../../../docs/probe-json.md");

/// Every object key in `v`, except inside free-form maps (`args`: a finding's text arguments).
fn keys(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                out.insert(k.clone());
                if k != "args" {
                    keys(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

fn undocumented(v: &Value) -> Vec<String> {
    let mut all = BTreeSet::new();
    keys(v, &mut all);
    all.into_iter()
        .filter(|k| !DOC.contains(&format!("`{k}`")) && !DOC.contains(&format!("\"{k}\":")))
        .collect()
}

fn resolver(dns: &TestDns) -> Resolver {
    Resolver::new(
        ResolverConfig::new([dns.addr()])
            .with_timeout(Duration::from_millis(500))
            .with_attempts(1),
    )
    .unwrap()
}

fn probe_opts(port: u16) -> ProbeOptions {
    ProbeOptions {
        port,
        fallback_ports: Vec::new(),
        helo_name: "probe.test".into(),
        timeouts: Timeouts::default().capped(Duration::from_millis(800)),
        greylist_wait: Duration::from_millis(100),
        rcpt: Some("user@doc.test".into()),
        from: Some("probe@example.org".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn every_probe_and_doctor_json_key_is_documented() {
    // An MX with STARTTLS, a matching TLSA record and greylisting.
    let cert = TestCert::self_signed(&["mx.doc.test"]);
    let spki = CertificateInfo::from_der(&cert.chain[0])
        .unwrap()
        .spki_sha256;
    let mut script = PeerScript::starttls(cert);
    script.greylist = true;
    let peer = script
        .on(SocketAddr::from(([127, 0, 20, 51], 0)))
        .spawn()
        .await;
    let port = peer.port();
    let hole = Blackhole::start("127.0.20.52".parse().unwrap()).unwrap();
    let dns = TestDns::builder()
        .zone(
            "doc.test",
            &format!(
                "@ 300 IN SOA ns.doc.test. h.doc.test. 1 3600 900 604800 300
@ 300 IN MX 10 mx
mx 300 IN A 127.0.20.51
_{port}._tcp.mx 300 IN TLSA 3 1 1 {spki}
"
            ),
        )
        .zone(
            "20.0.127.in-addr.arpa",
            "@ 300 IN SOA ns.doc.test. h.doc.test. 1 3600 900 604800 300
51 300 IN PTR mx.doc.test.",
        )
        .zone(
            "sender.test",
            "@ 300 IN SOA ns.sender.test. h.sender.test. 1 3600 900 604800 300
@ 300 IN TXT \"v=spf1 ip4:198.51.100.0/24 -all\"",
        )
        .zone(
            "bl.test",
            "@ 300 IN SOA ns.bl.test. h.bl.test. 1 3600 900 604800 300
2.0.0.127 300 IN A 127.0.0.2
25.2.0.192 300 IN A 127.0.0.2",
        )
        .start()
        .await
        .unwrap();
    let r = resolver(&dns);
    let full = probe(&r, "doc.test", &probe_opts(port)).await.unwrap();
    let a = full.addresses().next().unwrap();
    assert!(a.tls.as_ref().is_some_and(|t| t.dane.is_some()), "{a:#?}");
    assert!(a.greylisting.is_some(), "{a:#?}");
    // Port 25 silent, a fallback port answering: the port-25 check.
    let mut o = probe_opts(hole.addr().port());
    o.fallback_ports = vec![port];
    o.rcpt = None;
    let blocked = probe(&r, "127.0.20.52", &o).await.unwrap();
    assert!(blocked.port25.is_some());

    let mut missing = Vec::new();
    for rep in [&full, &blocked] {
        missing.extend(undocumented(&serde_json::to_value(rep).unwrap()));
    }

    // The doctor on a bounce whose Received: header names the sending IP (checked against
    // SPF and a blocklist), probing the recipient's MX.
    let raw = "From: MAILER-DAEMON@mx.doc.test\r\nTo: alice@sender.test\r\nSubject: Undeliverable\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nRejected.\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.doc.test\r\n\r\nFinal-Recipient: rfc822; bob@doc.test\r\nAction: failed\r\nStatus: 5.7.1\r\nDiagnostic-Code: smtp; 550 5.7.1 Client host [192.0.2.25] blocked using bl.test\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nReceived: from mail.sender.test (mail.sender.test [192.0.2.25])\r\n\tby mx.doc.test (Postfix) with ESMTPS id 4Xyz; Mon, 23 Nov 2026 10:00:00 +0000\r\nFrom: Alice <alice@sender.test>\r\nTo: bob@doc.test\r\nSubject: hi\r\n\r\n--B--\r\n";
    let opts = DoctorOptions {
        probe: probe_opts(port),
        lang: Lang::En,
        blocklists: Some(vec!["bl.test".into()]),
        ..Default::default()
    };
    let d = diagnose_bounce(&r, "bounce.eml", raw.as_bytes(), &opts)
        .await
        .unwrap();
    assert!(d.sender_check.is_some(), "{d:#?}");
    assert!(!d.causes.is_empty());
    missing.extend(undocumented(&serde_json::to_value(&d).unwrap()));
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "keys emitted but not documented in docs/probe-json.md: {missing:?}"
    );
}
