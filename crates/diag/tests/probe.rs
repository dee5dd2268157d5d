//! `mailway_diag::probe` against the testkit's scripted SMTP peers and an in-process DNS
//! server, all on loopback (the probe helper's range 127.0.20.0/24 where fixed IPs are needed).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use mailway_diag::probe::{Lang, ProbeOptions, ProbeReport, Severity, probe, render};
use mailway_dns::dnssec::TrustAnchors;
use mailway_dns::{Resolver, ResolverConfig};
use mailway_smtp::{CertificateInfo, Timeouts};
use mailway_testkit::dns::{Behavior, TestDns};
use mailway_testkit::smtp::{Blackhole, PeerScript, RunningPeer, TestCert};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// The test zones are unsigned and under no trust anchor: their TLSA records are insecure (with
/// the built-in IANA root anchors the test server's empty root would make them bogus).
fn opts(port: u16) -> ProbeOptions {
    ProbeOptions {
        port,
        fallback_ports: Vec::new(),
        helo_name: "probe.test".into(),
        timeouts: Timeouts::default().capped(Duration::from_millis(800)),
        greylist_wait: Duration::ZERO,
        trust_anchors: TrustAnchors::empty(),
        ..Default::default()
    }
}

async fn resolver(dns: &TestDns) -> Resolver {
    Resolver::new(
        ResolverConfig::new([dns.addr()])
            .with_timeout(Duration::from_millis(500))
            .with_attempts(1),
    )
    .unwrap()
}

/// Starts `scripts` on `ips` sharing one port (the probe uses one port for every MX).
async fn peers_on_same_port(scripts: Vec<(PeerScript, &str)>) -> (Vec<RunningPeer>, u16) {
    'retry: for _ in 0..20 {
        let mut peers = Vec::new();
        let mut port = 0;
        for (script, addr) in scripts.iter().cloned() {
            let sock = SocketAddr::new(ip(addr), port);
            match script.on(sock).try_spawn().await {
                Ok(p) => {
                    port = p.port();
                    peers.push(p);
                }
                Err(_) => continue 'retry,
            }
        }
        return (peers, port);
    }
    panic!("could not bind peers on one port");
}

fn codes(r: &ProbeReport) -> Vec<String> {
    r.findings.iter().map(|f| f.code.clone()).collect()
}

#[tokio::test]
async fn domain_with_working_tarpit_and_refused_mx() {
    let cert = TestCert::self_signed(&["mx1.probe.test"]);
    let spki = CertificateInfo::from_der(&cert.chain[0])
        .unwrap()
        .spki_sha256;
    let (peers, port) = peers_on_same_port(vec![
        (PeerScript::starttls(cert), "127.0.20.11"),
        (PeerScript::tarpit(), "127.0.20.12"),
    ])
    .await;
    let zone = format!(
        "@ 300 IN SOA ns.probe.test. h.probe.test. 1 3600 900 604800 300
@ 300 IN MX 10 mx1
@ 300 IN MX 20 mx2
@ 300 IN MX 30 mx3
mx1 300 IN A 127.0.20.11
mx2 300 IN A 127.0.20.12
mx3 300 IN A 127.0.20.13
_{port}._tcp.mx1 300 IN TLSA 3 1 1 {spki}
"
    );
    let dns = TestDns::builder()
        .zone("probe.test", &zone)
        .zone(
            "20.0.127.in-addr.arpa",
            "@ 300 IN SOA ns.probe.test. h.probe.test. 1 3600 900 604800 300
11 300 IN PTR mx1.probe.test.
12 300 IN PTR other.probe.test.",
        )
        .start()
        .await
        .unwrap();
    let r = resolver(&dns).await;
    let t0 = Instant::now();
    let rep = probe(&r, "probe.test", &opts(port)).await.unwrap();
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    assert_eq!(rep.source, "mx");
    assert_eq!(
        rep.mx,
        vec![
            "10 mx1.probe.test",
            "20 mx2.probe.test",
            "30 mx3.probe.test"
        ]
    );
    let a: Vec<_> = rep.addresses().collect();
    assert_eq!(a.len(), 3);
    // mx1: full timeline with TLS and a DANE match.
    assert_eq!(a[0].outcome, "ok");
    assert_eq!(a[0].ptr, vec!["mx1.probe.test"]);
    let phases: Vec<String> = a[0].timeline.iter().map(|s| s.phase.to_string()).collect();
    assert_eq!(
        phases,
        [
            "connect",
            "greeting",
            "ehlo",
            "starttls",
            "tls_handshake",
            "ehlo",
            "quit"
        ]
    );
    let tls = a[0].tls.as_ref().unwrap();
    assert!(tls.leaf.as_ref().unwrap().host_match);
    assert!(tls.leaf.as_ref().unwrap().self_signed);
    assert_eq!(tls.dane.as_ref().unwrap().verdict, "match");
    assert!(a[0].capabilities.as_ref().unwrap().starttls);
    assert!(!a[0].capabilities_tls.as_ref().unwrap().starttls);
    // Banner "mx.test.invalid" vs PTR mx1.probe.test.
    assert_eq!(a[0].banner.as_ref().unwrap().matches_ptr, Some(false));
    // mx2: tarpit.
    assert_eq!(a[1].outcome, "timed_out");
    assert_eq!(a[1].failed_phase, Some(mailway_smtp::Phase::Greeting));
    // mx3: nothing listens on 127.0.20.13.
    assert_eq!(a[2].outcome, "refused");
    let c = codes(&rep);
    for want in [
        "tarpit",
        "refused",
        "dane_match",
        "banner_ptr_mismatch",
        "some_mx_failing",
    ] {
        assert!(c.contains(&want.to_string()), "{want} missing from {c:?}");
    }
    assert!(rep.has_errors());
    // a match on records that are not DNSSEC-validated is worth knowing, not "ok"
    let dane = rep
        .findings
        .iter()
        .find(|f| f.code == "dane_match")
        .unwrap();
    assert_eq!(dane.severity, Severity::Info);
    assert!(
        dane.message.contains("not DNSSEC-validated"),
        "{}",
        dane.message
    );
    let tarpit = rep.findings.iter().find(|f| f.code == "tarpit").unwrap();
    assert!(
        tarpit
            .message
            .contains("never sends its greeting (waited 800 ms)"),
        "{}",
        tarpit.message
    );
    assert!(tarpit.message.contains("4.4.7"));
    // Findings sorted by severity.
    assert!(
        rep.findings
            .windows(2)
            .all(|w| w[0].severity <= w[1].severity)
    );
    let text = render(&rep);
    assert!(text.contains("mx2.probe.test (MX 20)"), "{text}");
    assert!(
        text.contains("TIMED_OUT: no answer within 800 ms (waiting for greeting)"),
        "{text}"
    );
    assert!(text.contains("DANE:      match"), "{text}");
    drop(peers);
}

#[tokio::test]
async fn dane_mismatch_and_expired_certificate() {
    let (peers, port) = peers_on_same_port(vec![(
        PeerScript::starttls(TestCert::expired(&["mx.bad.test"])),
        "127.0.20.21",
    )])
    .await;
    let zone = format!(
        "@ 300 IN SOA ns.bad.test. h.bad.test. 1 3600 900 604800 300
@ 300 IN MX 10 mx
mx 300 IN A 127.0.20.21
_{port}._tcp.mx 300 IN TLSA 3 1 1 {}
",
        "ab".repeat(32)
    );
    let dns = TestDns::builder()
        .zone("bad.test", &zone)
        .start()
        .await
        .unwrap();
    let rep = probe(&resolver(&dns).await, "bad.test", &opts(port))
        .await
        .unwrap();
    let c = codes(&rep);
    assert!(c.contains(&"dane_mismatch".into()), "{c:?}");
    assert!(c.contains(&"cert_expired".into()), "{c:?}");
    assert!(c.contains(&"no_ptr".into()), "{c:?}");
    // the records are insecure (no trust anchor covers bad.test): senders ignore them, so the
    // mismatch is a warning, and the report says why
    let m = rep
        .findings
        .iter()
        .find(|f| f.code == "dane_mismatch")
        .unwrap();
    assert_eq!(m.severity, Severity::Warning);
    assert!(
        m.message.contains("no trust anchor covers"),
        "{}",
        m.message
    );
    let tlsa = rep.hosts[0].tlsa.as_ref().unwrap();
    let sec = tlsa.dnssec.as_ref().unwrap();
    assert_eq!(
        (sec.status.as_str(), sec.reason.as_str()),
        ("insecure", "no-trust-anchor")
    );
    assert!(!tlsa.dnssec_authenticated);
    // with the IANA root anchors the test server's root has no DNSKEY: the chain is broken,
    // the TLSA records are bogus, an error whatever they match
    let mut o = opts(port);
    o.trust_anchors = TrustAnchors::iana_root();
    let rep = probe(&resolver(&dns).await, "bad.test", &o).await.unwrap();
    let bogus: Vec<_> = rep
        .findings
        .iter()
        .filter(|f| f.code.starts_with("dane_"))
        .collect();
    assert_eq!(bogus.len(), 1, "{bogus:?}");
    assert_eq!(bogus[0].code, "dane_bogus");
    assert_eq!(bogus[0].severity, Severity::Error);
    let sec = rep.hosts[0].tlsa.as_ref().unwrap().dnssec.clone().unwrap();
    assert_eq!(
        (sec.status.as_str(), sec.reason.as_str()),
        ("bogus", "anchor-no-keys")
    );
    drop(peers);
}

#[tokio::test]
async fn greylisting_is_retried_after_the_wait() {
    let peer = PeerScript::greylist().spawn().await;
    let dns = TestDns::builder().start().await.unwrap();
    let mut o = opts(peer.port());
    o.rcpt = Some("user@example.com".into());
    o.from = Some("probe@example.org".into());
    o.greylist_wait = Duration::from_millis(200);
    let rep = probe(&resolver(&dns).await, &peer.addr().to_string(), &o)
        .await
        .unwrap();
    let a = rep.addresses().next().unwrap();
    let g = a.greylisting.as_ref().unwrap();
    assert_eq!(g.first.code, 451);
    assert!(g.passed);
    assert_eq!(a.rcpt.as_ref().unwrap().code, 250);
    assert!(
        a.timeline
            .iter()
            .any(|s| s.retry && s.phase == mailway_smtp::Phase::Rcpt && s.code == Some(250))
    );
    assert_eq!(peer.connections(), 2);
    assert!(codes(&rep).contains(&"greylisting".into()));
    // Disabled retry: reported, one connection only.
    let peer = PeerScript::greylist().spawn().await;
    o.greylist_wait = Duration::ZERO;
    let rep = probe(&resolver(&dns).await, &peer.addr().to_string(), &o)
        .await
        .unwrap();
    let a = rep.addresses().next().unwrap();
    assert!(!a.greylisting.as_ref().unwrap().passed);
    assert_eq!(peer.connections(), 1);
    // Never DATA.
    assert!(
        !peer
            .commands()
            .iter()
            .any(|c| c.eq_ignore_ascii_case("DATA"))
    );
}

#[tokio::test]
async fn port_25_blocked_when_only_the_smtp_port_times_out() {
    let hole = Blackhole::start(ip("127.0.20.31")).unwrap();
    let sub = PeerScript::accept()
        .on(SocketAddr::new(ip("127.0.20.31"), 0))
        .spawn()
        .await;
    let dns = TestDns::builder().start().await.unwrap();
    let mut o = opts(hole.addr().port());
    o.fallback_ports = vec![sub.port()];
    let rep = probe(&resolver(&dns).await, "127.0.20.31", &o)
        .await
        .unwrap();
    let p = rep.port25.as_ref().unwrap();
    assert!(p.blocked);
    let f = rep
        .findings
        .iter()
        .find(|f| f.code == "port25_blocked")
        .unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message.contains("looks blocked from this host"),
        "{}",
        f.message
    );
    assert!(codes(&rep).contains(&"connect_timeout".into()));
    // Every port silent: not "blocked", the host is down.
    let hole2 = Blackhole::start(ip("127.0.20.32")).unwrap();
    let mut o = opts(hole2.addr().port());
    o.fallback_ports = vec![hole2.addr().port()];
    let rep = probe(&resolver(&dns).await, "127.0.20.32", &o)
        .await
        .unwrap();
    assert!(!rep.port25.as_ref().unwrap().blocked);
    assert!(codes(&rep).contains(&"hosts_silent".into()));
}

#[tokio::test]
async fn hostile_peers_are_bounded_findings() {
    let dns = TestDns::builder().start().await.unwrap();
    let r = resolver(&dns).await;
    for (script, expect) in [
        (PeerScript::garbage(), "not_smtp"),
        (PeerScript::endless_continuation(), "not_smtp"),
        (PeerScript::huge_banner(10 * 1024 * 1024), "not_smtp"),
        (PeerScript::reset_mid_ehlo(), "reset"),
        (PeerScript::busy_421(), "greeting_rejected"),
    ] {
        let peer = script.spawn().await;
        let t0 = Instant::now();
        let rep = probe(&r, &peer.addr().to_string(), &opts(25))
            .await
            .unwrap();
        assert!(t0.elapsed() < Duration::from_secs(5));
        assert!(
            codes(&rep).contains(&expect.to_string()),
            "{expect}: {:?}",
            rep.findings
        );
        let a = rep.addresses().next().unwrap();
        assert!(a.transcript.len() <= 256);
        assert!(a.transcript.iter().all(|l| l.line.len() < 700));
    }
}

#[tokio::test]
async fn unresolvable_and_dead_dns() {
    let dns = TestDns::builder()
        .zone(
            "noa.test",
            "@ 300 IN SOA ns.noa.test. h.noa.test. 1 3600 900 604800 300
@ 300 IN MX 10 missing.noa.test.",
        )
        .start()
        .await
        .unwrap();
    let r = resolver(&dns).await;
    let rep = probe(&r, "nowhere.invalid", &opts(25)).await.unwrap();
    assert_eq!(codes(&rep), vec!["nxdomain"]);
    let rep = probe(&r, "noa.test", &opts(25)).await.unwrap();
    assert!(
        codes(&rep).contains(&"address_lookup_failed".into()),
        "{:?}",
        rep.findings
    );
    // A resolver that never answers: a clear finding, bounded in time.
    let dead = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let r = Resolver::new(
        ResolverConfig::new([dead.local_addr().unwrap()])
            .with_timeout(Duration::from_millis(300))
            .with_attempts(1),
    )
    .unwrap();
    let t0 = Instant::now();
    let rep = probe(&r, "example.test", &opts(25)).await.unwrap();
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert_eq!(codes(&rep), vec!["mx_lookup_failed"]);
    // ... that points at the resolver first, not only at the domain's name servers
    assert!(
        rep.findings[0].message.contains("got no answer")
            && rep.findings[0].message.contains("/etc/resolv.conf"),
        "{}",
        rep.findings[0].message
    );
    assert!(probe(&r, "bad host!", &opts(25)).await.is_err());
    // A resolver that refuses, and one that answers SERVFAIL (the domain's servers failing).
    let dns = TestDns::builder()
        .behavior("refusing.test", None, Behavior::Refused)
        .behavior("broken.test", None, Behavior::ServFail)
        .start()
        .await
        .unwrap();
    let r = resolver(&dns).await;
    let rep = probe(&r, "refusing.test", &opts(25)).await.unwrap();
    assert_eq!(codes(&rep), vec!["mx_lookup_failed"]);
    assert!(
        rep.findings[0].message.starts_with("the resolver refused"),
        "{}",
        rep.findings[0].message
    );
    let rep = probe(&r, "broken.test", &opts(25)).await.unwrap();
    assert_eq!(codes(&rep), vec!["mx_lookup_failed"]);
    assert!(
        rep.findings[0]
            .message
            .contains("check the domain's name servers"),
        "{}",
        rep.findings[0].message
    );
}

#[tokio::test]
async fn json_shape_is_stable() {
    let peer = PeerScript::accept().spawn().await;
    let dns = TestDns::builder().start().await.unwrap();
    let rep = probe(&resolver(&dns).await, &peer.addr().to_string(), &opts(25))
        .await
        .unwrap();
    let v = serde_json::to_value(&rep).unwrap();
    for k in [
        "target", "port", "source", "mx", "hosts", "port25", "findings", "total_ms",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    assert_eq!(v["target"]["kind"], "ip");
    let a = &v["hosts"][0]["addresses"][0];
    for k in [
        "host",
        "address",
        "port",
        "family",
        "ptr",
        "outcome",
        "timeline",
        "banner",
        "capabilities",
        "tls",
        "transcript",
    ] {
        assert!(a.get(k).is_some(), "{k}");
    }
    assert_eq!(a["timeline"][1]["phase"], "greeting");
    assert_eq!(a["timeline"][1]["code"], 220);
    assert_eq!(a["capabilities"]["pipelining"], true);
    let f = v["findings"].as_array().unwrap();
    assert!(
        f.iter()
            .any(|f| f["code"] == "no_starttls" && f["severity"] == "warning")
    );
}

#[tokio::test]
async fn spanish_findings_and_report() {
    let dns = TestDns::builder().start().await.unwrap();
    let r = resolver(&dns).await;
    let peer = PeerScript::tarpit().spawn().await;
    let mut o = opts(peer.port());
    o.lang = Lang::Es;
    let rep = probe(&r, &peer.addr().to_string(), &o).await.unwrap();
    let t = rep.findings.iter().find(|f| f.code == "tarpit").unwrap();
    assert!(
        t.message
            .contains("acepta la conexión TCP pero nunca envía su saludo (tras esperar 800 ms)"),
        "{}",
        t.message
    );
    let text = render(&rep);
    for want in [
        "Prueba de la dirección 127.0.0.1, puerto",
        "fase",
        "SIN RESPUESTA: sin respuesta en 800 ms (fase de saludo)",
        "Hallazgos:",
        "ERROR  ninguna de las 1 dirección(es) completó una conversación SMTP",
    ] {
        assert!(text.contains(want), "{want:?} missing from:\n{text}");
    }
    for en in [
        "Findings:",
        "TIMED_OUT",
        "greeting",
        "waiting for",
        "connect ",
    ] {
        assert!(!text.contains(en), "English {en:?} in:\n{text}");
    }
    assert_eq!(serde_json::to_value(&rep).unwrap()["lang"], "es");
    // The codes stay the same in every language.
    o.lang = Lang::En;
    let en = probe(&r, &peer.addr().to_string(), &o).await.unwrap();
    assert_eq!(codes(&en), codes(&rep));
    assert!(render(&en).contains("Findings:"));
}

#[tokio::test]
async fn addresses_no_server_can_have_are_reported_not_connected_to() {
    let (peers, port) = peers_on_same_port(vec![(PeerScript::accept(), "127.0.20.31")]).await;
    // mx2 points into the documentation range: the probe must say so without connecting there
    // (no connection to 192.0.2.0/24 is ever attempted by this test)
    let zone = "@ 300 IN SOA ns.doc.test. h.doc.test. 1 3600 900 604800 300
@ 300 IN MX 10 mx1
@ 300 IN MX 20 mx2
mx1 300 IN A 127.0.20.31
mx2 300 IN A 192.0.2.25
mx2 300 IN AAAA 2001:db8::25
";
    let dns = TestDns::builder()
        .zone("doc.test", zone)
        .start()
        .await
        .unwrap();
    let mut o = opts(port);
    o.lang = Lang::Es;
    let rep = probe(&resolver(&dns).await, "doc.test", &o).await.unwrap();
    let outcomes: Vec<(String, String)> = rep
        .addresses()
        .map(|a| (a.address.to_string(), a.outcome.clone()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("127.0.20.31".to_string(), "ok".to_string()),
            ("192.0.2.25".into(), "not_routable".into()),
            ("2001:db8::25".into(), "not_routable".into()),
        ]
    );
    let doc = rep.addresses().nth(1).unwrap();
    assert_eq!(doc.timeline.len(), 1, "{:?}", doc.timeline);
    assert_eq!(doc.timeline[0].duration_ms, 0);
    assert!(doc.transcript.is_empty());
    let f: Vec<_> = rep
        .findings
        .iter()
        .filter(|f| f.code == "not_routable")
        .collect();
    assert_eq!(f.len(), 2, "{:?}", rep.findings);
    assert_eq!(f[0].severity, Severity::Error);
    assert!(f[0].message.contains("documentación"), "{}", f[0].message);
    // the working MX still makes the domain deliverable
    assert!(!codes(&rep).contains(&"no_working_mx".into()));
    drop(peers);
}
