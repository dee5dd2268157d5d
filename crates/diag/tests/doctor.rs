//! `mailway_diag::doctor` on a 4.4.7 bounce whose destination is a tarpit (loopback peers and
//! an in-process DNS server), and from the bounce alone.

use std::net::SocketAddr;
use std::time::Duration;

use mailway_diag::doctor::{
    DoctorOptions, Lang, RecipientInfo, diagnose_bounce, diagnose_domain, rank, render,
};
use mailway_diag::probe::ProbeOptions;
use mailway_dns::{Resolver, ResolverConfig};
use mailway_smtp::Timeouts;
use mailway_testkit::dns::TestDns;
use mailway_testkit::smtp::{PeerScript, RunningPeer};

fn dsn(rcpt: &str, status: &str, diag: &str, action: &str) -> Vec<u8> {
    format!(
        "From: MAILER-DAEMON@sender.test\r\nTo: alice@sender.test\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.sender.test\r\nArrival-Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nFinal-Recipient: rfc822; {rcpt}\r\nOriginal-Recipient: rfc822;{rcpt}\r\nAction: {action}\r\nStatus: {status}\r\nDiagnostic-Code: X-Postfix; {diag}\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: alice@sender.test\r\nTo: {rcpt}\r\nSubject: hello\r\nMessage-ID: <1@sender.test>\r\n\r\n--B--\r\n"
    )
    .into_bytes()
}

/// A resolver asking only `dns`.
fn resolver(dns: &TestDns) -> Resolver {
    Resolver::new(ResolverConfig::new([dns.addr()]).with_timeout(Duration::from_millis(500)))
        .unwrap()
}

/// A tarpit (accepts TCP, never greets) on `ip` as the only MX (`mx1`) of `domain`, served by
/// an in-process DNS server, and a resolver asking it.
async fn tarpit_domain(domain: &str, ip: [u8; 4]) -> (RunningPeer, TestDns, Resolver) {
    let peer = PeerScript::tarpit()
        .on(SocketAddr::from((ip, 0)))
        .spawn()
        .await;
    let [a, b, c, d] = ip;
    let dns = TestDns::builder()
        .zone(
            domain,
            &format!(
                "@ 300 IN SOA ns.{domain}. h.{domain}. 1 3600 900 604800 300
@ 300 IN MX 10 mx1
mx1 300 IN A {a}.{b}.{c}.{d}"
            ),
        )
        .start()
        .await
        .unwrap();
    let r = resolver(&dns);
    (peer, dns, r)
}

fn opts(port: u16) -> DoctorOptions {
    DoctorOptions {
        probe: ProbeOptions {
            port,
            fallback_ports: Vec::new(),
            timeouts: Timeouts::default().capped(Duration::from_millis(700)),
            greylist_wait: Duration::ZERO,
            ..Default::default()
        },
        no_probe: false,
        lang: Lang::En,
        ..Default::default()
    }
}

#[tokio::test]
async fn expired_bounce_with_tarpit_destination() {
    let (peer, _dns, r) = tarpit_domain("doctor.test", [127, 0, 20, 41]).await;
    let raw = dsn(
        "bob@doctor.test",
        "4.4.7",
        "delivery temporarily suspended: connect to mx1.doctor.test[127.0.20.41]:25: Connection timed out",
        "failed",
    );
    let d = diagnose_bounce(&r, "bounce.eml", &raw, &opts(peer.port()))
        .await
        .unwrap();
    assert_eq!(d.recipients[0].domain, "doctor.test");
    assert_eq!(d.recipients[0].status.as_deref(), Some("4.4.7"));
    let top = &d.causes[0];
    assert_eq!(top.code, "destination_not_greeting", "{:#?}", d.causes);
    assert_eq!(top.likelihood, "high");
    assert!(
        top.explanation.contains("mx1.doctor.test"),
        "{}",
        top.explanation
    );
    assert!(top.explanation.contains("nothing is wrong on your side"));
    assert!(
        top.evidence
            .iter()
            .any(|e| e.starts_with("bounce: bob@doctor.test failed 4.4.7")),
        "{:?}",
        top.evidence
    );
    let text = render(&d);
    assert!(
        text.contains(
            "1. The destination server accepts connections but never greets  [likelihood: high]"
        ),
        "{text}"
    );
    // Spanish.
    let mut o = opts(peer.port());
    o.lang = Lang::Es;
    let d = diagnose_bounce(&r, "bounce.eml", &raw, &o).await.unwrap();
    assert_eq!(
        d.causes[0].title,
        "El servidor de destino acepta conexiones pero nunca saluda"
    );
    assert!(render(&d).contains("[probabilidad: alta]"));
    // The JSON carries the probes.
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(
        v["probes"][0]["hosts"][0]["addresses"][0]["outcome"],
        "timed_out"
    );
    assert_eq!(v["causes"][0]["rank"], 1);
    // `mailway check` ran on the recipient domain too.
    assert_eq!(d.checks.len(), 1);
    assert_eq!(d.checks[0].domain, "doctor.test");
}

#[tokio::test]
async fn user_unknown_from_the_bounce_alone_and_bad_input() {
    let dns = TestDns::builder().start().await.unwrap();
    let r = Resolver::new(ResolverConfig::new([dns.addr()])).unwrap();
    let raw = dsn(
        "nobody@example.test",
        "5.1.1",
        "550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown",
        "failed",
    );
    let mut o = opts(25);
    o.no_probe = true;
    let d = diagnose_bounce(&r, "b.eml", &raw, &o).await.unwrap();
    assert_eq!(d.causes[0].code, "user_unknown", "{:#?}", d.causes);
    assert!(d.probes.is_empty());
    assert!(diagnose_bounce(&r, "x.eml", b"", &o).await.is_err());
    assert!(
        diagnose_bounce(&r, "x.eml", b"Subject: hi\r\n\r\njust a note\r\n", &o)
            .await
            .is_err()
    );
    // A domain that does not exist.
    let d = diagnose_domain(&r, "missing.invalid", &opts(25))
        .await
        .unwrap();
    assert_eq!(d.causes[0].code, "domain_has_no_mail");
}

/// Zones for the sending-side tests: the sender's domain (SPF allows only 198.51.100.0/24, its
/// server mx.sender.test is 192.0.2.26), reverse DNS of 192.0.2.25 naming a host that does not
/// resolve back to it, a blocklist listing 192.0.2.25 (with its RFC 5782 test entry), and the
/// recipient's domain whose MX is `peer_ip`.
async fn sending_dns(peer_ip: &str) -> TestDns {
    TestDns::builder()
        .zone(
            "sender.test",
            "@ 300 IN SOA ns.sender.test. h.sender.test. 1 3600 900 604800 300
@ 300 IN TXT \"v=spf1 ip4:198.51.100.0/24 -all\"
@ 300 IN MX 10 mx
mx 300 IN A 192.0.2.26
mail 300 IN A 192.0.2.99",
        )
        .zone(
            "2.0.192.in-addr.arpa",
            "@ 300 IN SOA ns.sender.test. h.sender.test. 1 3600 900 604800 300
25 300 IN PTR mail.sender.test.",
        )
        .zone(
            "zen.bl.test",
            "@ 300 IN SOA ns.bl.test. h.bl.test. 1 3600 900 604800 300
2.0.0.127 300 IN A 127.0.0.2
25.2.0.192 300 IN A 127.0.0.2",
        )
        .zone(
            "rcpt.test",
            &format!(
                "@ 300 IN SOA ns.rcpt.test. h.rcpt.test. 1 3600 900 604800 300
@ 300 IN MX 10 mx
mx 300 IN A {peer_ip}"
            ),
        )
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn sending_ip_from_received_headers_is_checked() {
    let peer = PeerScript::accept()
        .on(SocketAddr::from(([127, 0, 20, 42], 0)))
        .spawn()
        .await;
    let dns = sending_dns("127.0.20.42").await;
    let r = resolver(&dns);
    // Rejected by the recipient's server after it recorded the sending IP in Received:.
    let raw = "From: MAILER-DAEMON@mx.rcpt.test\r\nTo: alice@sender.test\r\nSubject: Undeliverable\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nYour message was rejected.\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.rcpt.test\r\n\r\nFinal-Recipient: rfc822; bob@rcpt.test\r\nAction: failed\r\nStatus: 5.7.1\r\nDiagnostic-Code: smtp; 550 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using zen.bl.test\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nReceived: from mail.sender.test (mail.sender.test [192.0.2.25])\r\n\tby mx.rcpt.test (Postfix) with ESMTPS id 4Xyz\r\n\tfor <bob@rcpt.test>; Mon, 23 Nov 2026 10:00:00 +0000\r\nReceived: from [10.1.2.3] (laptop [10.1.2.3])\r\n\tby mail.sender.test (Postfix) with ESMTPSA id 4Abc;\r\n\tMon, 23 Nov 2026 09:59:59 +0000\r\nFrom: Alice <alice@sender.test>\r\nTo: bob@rcpt.test\r\nSubject: hi\r\n\r\n--B--\r\n";
    let mut o = opts(peer.port());
    o.blocklists = Some(vec!["zen.bl.test".into()]);
    let d = diagnose_bounce(&r, "blocked.eml", raw.as_bytes(), &o)
        .await
        .unwrap();
    let side = d.sending.as_ref().unwrap();
    assert_eq!(side.ip, Some("192.0.2.25".parse().unwrap()), "{side:?}");
    assert_eq!(side.sender_domain.as_deref(), Some("sender.test"));
    let sc = d.sender_check.as_ref().expect("sender check ran");
    assert_eq!(sc.domain, "sender.test");
    let codes: Vec<&str> = d.causes.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(d.causes[0].code, "sending_ip_listed", "{:#?}", d.causes);
    assert_eq!(d.causes[0].likelihood, "high");
    assert!(
        d.causes[0]
            .evidence
            .iter()
            .any(|e| e.contains("zen.bl.test")),
        "{:?}",
        d.causes[0].evidence
    );
    assert!(
        d.causes[0].evidence[0].contains("by mx.rcpt.test"),
        "{:?}",
        d.causes[0].evidence
    );
    let spf = d
        .causes
        .iter()
        .find(|c| c.code == "sending_ip_not_in_spf")
        .unwrap_or_else(|| panic!("{codes:?}"));
    assert_eq!(spf.likelihood, "high");
    assert!(
        spf.evidence.iter().any(|e| e.contains("fail")),
        "{:?}",
        spf.evidence
    );
    let ptr = d
        .causes
        .iter()
        .find(|c| c.code == "sending_ip_no_fcrdns")
        .unwrap_or_else(|| panic!("{codes:?}"));
    assert!(
        ptr.evidence.iter().any(|e| e.contains("mail.sender.test")),
        "{:?}",
        ptr.evidence
    );
    // Ranks are 1..n in order.
    for (i, c) in d.causes.iter().enumerate() {
        assert_eq!(c.rank, i + 1);
    }
    let text = render(&d);
    assert!(text.contains("sending IP 192.0.2.25"), "{text}");
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v["sending"]["ip"], "192.0.2.25");
    assert_eq!(v["sender_check"]["domain"], "sender.test");
    // Spanish.
    o.lang = Lang::Es;
    let d = diagnose_bounce(&r, "blocked.eml", raw.as_bytes(), &o)
        .await
        .unwrap();
    assert_eq!(
        d.causes[0].title,
        "Tu IP de envío 192.0.2.25 figura en una lista de bloqueo DNS"
    );
    let side = d.sending.as_ref().unwrap();
    assert!(
        side.ip_source
            .as_deref()
            .unwrap()
            .contains("el registro que hizo el servidor receptor"),
        "{side:?}"
    );
    assert_eq!(side.ip_via.as_deref(), Some("received"));
    assert_eq!(
        side.sender_source.as_deref(),
        Some("Return-Path del mensaje devuelto")
    );
    let text = render(&d);
    for es in [
        "Diagnóstico de blocked.eml",
        "IP de envío 192.0.2.25",
        "dominio del remitente sender.test",
        "probabilidad: alta",
        "Remitente: Reenvía este diagnóstico",
        "Administrador: ",
        "El SPF de sender.test no autoriza tu IP de envío 192.0.2.25",
        "rebote: bob@rcpt.test fallido 5.7.1",
    ] {
        assert!(text.contains(es), "no {es:?} in:\n{text}");
    }
    for en in [
        "sending IP",
        "receiving server's record",
        "likelihood",
        "Sender:",
        "Admin:",
        "Forward this diagnosis",
        "blocklist",
        "does not authorise",
        "bounce: ",
        "check: ",
        "probe: ",
        "recipient ",
    ] {
        assert!(!text.contains(en), "English {en:?} in:\n{text}");
    }
    // --ip overrides the headers; --no-probe runs no check.
    o.sending_ip = Some("198.51.100.9".parse().unwrap());
    o.lang = Lang::En;
    let d = diagnose_bounce(&r, "blocked.eml", raw.as_bytes(), &o)
        .await
        .unwrap();
    assert_eq!(
        d.sending.as_ref().unwrap().ip_source.as_deref(),
        Some("given with --ip")
    );
    assert!(
        !d.causes.iter().any(|c| c.code == "sending_ip_not_in_spf"),
        "198.51.100.9 passes SPF: {:#?}",
        d.causes
    );
    o.no_probe = true;
    let d = diagnose_bounce(&r, "blocked.eml", raw.as_bytes(), &o)
        .await
        .unwrap();
    assert!(d.sender_check.is_none());
}

#[tokio::test]
async fn sending_ip_from_the_reporting_mta_of_a_local_dsn() {
    let peer = PeerScript::accept()
        .on(SocketAddr::from(([127, 0, 20, 43], 0)))
        .spawn()
        .await;
    let dns = sending_dns("127.0.20.43").await;
    let r = resolver(&dns);
    // A Postfix DSN written by the sending server (Reporting-MTA mx.sender.test) itself.
    let raw = dsn(
        "bob@rcpt.test",
        "5.7.1",
        "host mx.rcpt.test[127.0.20.43] said: 554 5.7.1 Service unavailable; Client host blocked",
        "failed",
    );
    let mut o = opts(peer.port());
    o.blocklists = Some(vec!["zen.bl.test".into()]);
    let d = diagnose_bounce(&r, "local.eml", &raw, &o).await.unwrap();
    let side = d.sending.as_ref().unwrap();
    assert_eq!(side.ip, Some("192.0.2.26".parse().unwrap()), "{side:?}");
    assert!(
        side.ip_source
            .as_deref()
            .unwrap()
            .contains("Reporting-MTA mx.sender.test"),
        "{side:?}"
    );
    let spf = d
        .causes
        .iter()
        .find(|c| c.code == "sending_ip_not_in_spf")
        .unwrap_or_else(|| panic!("{:#?}", d.causes));
    assert!(spf.title.contains("192.0.2.26"));
    assert!(!d.causes.iter().any(|c| c.code == "sending_ip_listed"));
}

fn trace_fixture(query: &str) -> Vec<Vec<mailway_logs::trace::MessageTrace>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/doctor-tarpit.log"
    );
    let sources = mailway_logs::input::open_files(
        &[std::path::PathBuf::from(path)],
        &mailway_logs::time::Zone::utc(),
    )
    .unwrap();
    let popts = mailway_logs::pipeline::PipelineOptions {
        year: Some(2026),
        threads: 1,
        ..Default::default()
    };
    mailway_diag::doctor::trace_logs(sources, query, &popts).unwrap()
}

#[tokio::test]
async fn message_traced_in_a_log_with_a_tarpit_relay() {
    let (peer, _dns, r) = tarpit_domain("logdoc.test", [127, 0, 20, 45]).await;
    // By queue id, by Message-ID and by recipient: the same message.
    for q in [
        "4F1A2B3C4D",
        "<20261127100001.1@sender.test>",
        "bob@logdoc.test",
    ] {
        let stories = trace_fixture(q);
        let (rs, sender) = mailway_diag::doctor::recipients_from_trace(&stories);
        assert_eq!(sender.as_deref(), Some("alice@sender.test"), "{q}");
        let mut names: Vec<&str> = rs.iter().map(|r| r.recipient.as_str()).collect();
        names.sort();
        assert_eq!(
            names,
            ["bob@logdoc.test", "dave@logdoc.test"],
            "{q}: {rs:#?}"
        );
    }
    let stories = trace_fixture("4F1A2B3C4D");
    let d = mailway_diag::doctor::diagnose_log(&r, "4F1A2B3C4D", &stories, &opts(peer.port()))
        .await
        .unwrap();
    assert_eq!(d.kind, "log");
    let who = |a: &str| d.recipients.iter().find(|r| r.recipient == a).unwrap();
    let bob = who("bob@logdoc.test");
    assert_eq!(bob.action.as_deref(), Some("delayed"));
    assert_eq!(bob.status.as_deref(), Some("4.4.2"));
    assert_eq!(bob.remote_mta.as_deref(), Some("mx1.logdoc.test"));
    assert_eq!(bob.evidence.len(), 3, "{:?}", bob.evidence);
    assert!(bob.evidence[0].contains("timed out while receiving the initial server greeting"));
    let dave = who("dave@logdoc.test");
    assert_eq!(dave.action.as_deref(), Some("failed"));
    assert_eq!(dave.reason, "userunknown");
    // The tarpit is the top cause, with the probe and the log lines as evidence.
    let top = &d.causes[0];
    assert_eq!(top.code, "destination_not_greeting", "{:#?}", d.causes);
    assert!(
        top.evidence.iter().any(|e| e.starts_with("probe: ")),
        "{:?}",
        top.evidence
    );
    assert!(
        top.evidence
            .iter()
            .any(|e| e.starts_with("log: ") && e.contains("10:55:01") && e.contains("4.4.2")),
        "{:?}",
        top.evidence
    );
    assert!(d.causes.iter().any(|c| c.code == "user_unknown"));
    // The probe asked about the recipient at the MX named in the log.
    assert_eq!(d.probes.len(), 1);
    assert_eq!(d.probes[0].hosts[0].host, "mx1.logdoc.test");
    let text = render(&d);
    assert!(text.contains("log: 2026-11-27"), "{text}");
    // Not found / nothing failing: clear errors.
    let e = mailway_diag::doctor::diagnose_log(
        &r,
        "nope@x.test",
        &trace_fixture("nope@x.test"),
        &opts(peer.port()),
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains("no message in the logs matches"),
        "{e}"
    );
    let e = mailway_diag::doctor::diagnose_log(
        &r,
        "5A5A5A5A5A",
        &trace_fixture("5A5A5A5A5A"),
        &opts(peer.port()),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("was delivered"), "{e}");
}

/// The real Postfix lab run (../shared/logs/postfix-lab): a message to the tarpit, deferred
/// again and again, traced and diagnosed from the bounce data alone (--no-probe: the lab's
/// addresses are not ours to connect to here).
#[tokio::test]
async fn postfix_lab_tarpit_message() {
    let Some(shared) = mailway_testkit::shared::shared_dir() else {
        return;
    };
    let path = shared.join("logs/postfix-lab/syslog-traditional.log");
    let sources =
        mailway_logs::input::open_files(&[path], &mailway_logs::time::Zone::utc()).unwrap();
    let popts = mailway_logs::pipeline::PipelineOptions {
        year: Some(2026),
        threads: 1,
        ..Default::default()
    };
    let stories = mailway_diag::doctor::trace_logs(sources, "CA222BC709", &popts).unwrap();
    let dns = TestDns::builder().start().await.unwrap();
    let r = Resolver::new(ResolverConfig::new([dns.addr()])).unwrap();
    let mut o = opts(25);
    o.no_probe = true;
    let d = mailway_diag::doctor::diagnose_log(&r, "CA222BC709", &stories, &o)
        .await
        .unwrap();
    let info = d
        .recipients
        .iter()
        .find(|x| x.recipient == "info@tarpit.test")
        .unwrap_or_else(|| panic!("{:#?}", d.recipients));
    assert_eq!(info.remote_mta.as_deref(), Some("mx.tarpit.test"));
    assert!(info.evidence.len() >= 3, "{:?}", info.evidence);
    assert!(!d.causes.is_empty());
}

#[tokio::test]
async fn mx_in_the_documentation_range_is_diagnosed_without_connecting() {
    // never connected to: the probe reports 192.0.2.0/24 as not routable before any attempt
    let dns = TestDns::builder()
        .zone(
            "docrange.test",
            "@ 300 IN SOA ns.docrange.test. h.docrange.test. 1 3600 900 604800 300
@ 300 IN MX 10 mx1
mx1 300 IN A 192.0.2.7",
        )
        .start()
        .await
        .unwrap();
    let r = resolver(&dns);
    let d = diagnose_domain(&r, "docrange.test", &opts(25))
        .await
        .unwrap();
    let top = &d.causes[0];
    assert_eq!(top.code, "mx_address_unroutable", "{:#?}", d.causes);
    assert!(top.explanation.contains("192.0.2.7"), "{}", top.explanation);
    assert!(
        top.explanation.contains("documentation address"),
        "{}",
        top.explanation
    );
    let mut o = opts(25);
    o.lang = Lang::Es;
    let d = diagnose_domain(&r, "docrange.test", &o).await.unwrap();
    assert_eq!(
        d.causes[0].title,
        "Un servidor de correo del dominio del destinatario tiene una dirección que ningún servidor puede tener"
    );
}

/// Each bounce reason leads to its own cause, from the bounce alone: a greylisting deferral is
/// not a rejection, a rate limit is not a block.
#[tokio::test]
async fn bounce_reasons_map_to_their_causes() {
    let dns = TestDns::builder().start().await.unwrap();
    let r = resolver(&dns);
    let mut o = opts(25);
    o.no_probe = true;
    let cases = [
        (
            "4.2.1",
            "450 4.2.1 <bob@dest.test>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/dest.test.html",
            "delayed",
            "onhold",
            "greylisting",
        ),
        (
            // another greylisting rule (the greylisting topic, not the rule named so)
            "4.7.1",
            "450 4.7.1 <bob@dest.test>: Recipient address rejected: deferred for 300 seconds",
            "delayed",
            "onhold",
            "greylisting",
        ),
        (
            "4.2.1",
            "450-4.2.1 The user you are trying to contact is receiving mail too quickly",
            "delayed",
            "speeding",
            "rate_limited",
        ),
        (
            "4.7.0",
            "421 4.7.0 Too many concurrent SMTP connections from this IP address; please try again later",
            "delayed",
            "toomanyconn",
            "rate_limited",
        ),
        (
            "5.2.1",
            "550 5.2.1 The email account that you tried to reach is disabled",
            "failed",
            "suspend",
            "mailbox_disabled",
        ),
        (
            "5.7.1",
            "554 5.7.1 <bob@dest.test>: Relay access denied",
            "failed",
            "norelaying",
            "relay_denied",
        ),
        (
            "5.1.6",
            "550 5.1.6 Recipient addr has moved; use new address bob@new.test",
            "failed",
            "hasmoved",
            "address_moved",
        ),
        (
            "5.7.0",
            "554 5.7.0 Message rejected: virus found in attachment",
            "failed",
            "virusdetected",
            "content_rejected",
        ),
        (
            "5.7.520",
            "550 5.7.520 Access denied, Your organization does not allow external forwarding. Please contact your administrator for further assistance. AS(7555)",
            "failed",
            "policyviolation",
            "forwarding_blocked",
        ),
        (
            "5.6.0",
            "550 5.6.0 Message not RFC 5322 compliant",
            "failed",
            "notcompliantrfc",
            "not_compliant",
        ),
        (
            "4.3.0",
            "451 4.3.0 Temporary local problem, please try later",
            "delayed",
            "systemerror",
            "destination_error",
        ),
    ];
    for (status, diag, action, reason, cause) in cases {
        let raw = dsn("bob@dest.test", status, diag, action);
        let d = diagnose_bounce(&r, "b.eml", &raw, &o).await.unwrap();
        assert_eq!(d.recipients[0].reason, reason, "{diag}");
        assert_eq!(d.causes[0].code, cause, "{diag}: {:#?}", d.causes);
        assert!(
            d.causes.iter().all(|c| c.code != "rejected"),
            "{diag}: {:#?}",
            d.causes
        );
    }
    // A temporary refusal that no rule understood (here from a log line) is a deferral, and
    // greylisting is recognised from the reply's words when no rule is known.
    let info = |reason: &str, diag: &str| RecipientInfo {
        recipient: "bob@dest.test".into(),
        domain: "dest.test".into(),
        action: Some("delayed".into()),
        status: Some("4.0.0".into()),
        reason: reason.into(),
        diagnostic: Some(diag.into()),
        reason_rule: None,
        remote_mta: None,
        will_retry_until: None,
        evidence: Vec::new(),
    };
    let c = rank(
        &[info("onhold", "450 4.0.0 Service temporarily unavailable")],
        &[],
        Lang::En,
    );
    assert_eq!(c[0].code, "deferred", "{c:#?}");
    let c = rank(
        &[info(
            "onhold",
            "451 4.7.1 Greylisting in action, please come back later",
        )],
        &[],
        Lang::En,
    );
    assert_eq!(c[0].code, "greylisting", "{c:#?}");
    let mut failed = info("undefined", "550 5.0.0 no");
    failed.action = Some("failed".into());
    assert_eq!(rank(&[failed], &[], Lang::En)[0].code, "rejected");
    // A delay notice (the same timeout): still retrying, not expired; with its retry limit.
    let delay = dsn(
        "bob@dest.test",
        "4.4.1",
        "connect to mx.dest.test[192.0.2.40]:25: Connection timed out",
        "delayed",
    );
    let delay = String::from_utf8(delay).unwrap().replace(
        "Action: delayed\r\n",
        "Action: delayed\r\nWill-Retry-Until: Sat, 28 Nov 2026 10:00:00 +0000\r\n",
    );
    let d = diagnose_bounce(&r, "delay.eml", delay.as_bytes(), &o)
        .await
        .unwrap();
    assert_eq!(d.causes[0].code, "delivery_delayed", "{:#?}", d.causes);
    assert!(
        d.causes.iter().all(|c| c.code != "expired"),
        "{:#?}",
        d.causes
    );
    assert!(
        d.causes[0].explanation.contains("2026"),
        "{}",
        d.causes[0].explanation
    );
    assert!(d.causes[0].sender.contains("Do not send it again"));
    let failed = dsn(
        "bob@dest.test",
        "4.4.1",
        "connect to mx.dest.test[192.0.2.40]:25: Connection timed out",
        "failed",
    );
    let d = diagnose_bounce(&r, "failed.eml", &failed, &o)
        .await
        .unwrap();
    assert_eq!(d.causes[0].code, "expired", "{:#?}", d.causes);
    // An out-of-office reply is not a failure.
    let auto = b"From: bob@dest.test\r\nTo: alice@sender.test\r\nSubject: Out of office: hello\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <r1@dest.test>\r\n\r\nI am out of the office until Monday.\r\n";
    let d = diagnose_bounce(&r, "ooo.eml", auto, &o).await.unwrap();
    assert_eq!(d.recipients[0].reason, "vacation");
    assert_eq!(d.causes[0].code, "auto_reply", "{:#?}", d.causes);
    // Spanish titles exist for the new causes.
    o.lang = Lang::Es;
    let raw = dsn("bob@dest.test", cases[2].0, cases[2].1, cases[2].2);
    let d = diagnose_bounce(&r, "b.eml", &raw, &o).await.unwrap();
    assert_eq!(
        d.causes[0].title,
        "El destino limita la velocidad a la que tu servidor le envía"
    );
}

/// A resolver that never answers (a bound UDP socket nobody reads) makes the doctor say so,
/// first, instead of blaming the recipient's domain for the timeouts; it then does not probe,
/// and the bounce's own cause stays.
#[tokio::test]
async fn dead_resolver_is_the_first_cause_not_the_recipients_domain() {
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let r = Resolver::new(
        ResolverConfig::new([silent.local_addr().unwrap()])
            .with_timeout(Duration::from_millis(300)),
    )
    .unwrap();
    let raw = dsn(
        "bob@dest.test",
        "4.2.1",
        "450 4.2.1 <bob@dest.test>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/dest.test.html",
        "delayed",
    );
    let d = diagnose_bounce(&r, "b.eml", &raw, &opts(25)).await.unwrap();
    let codes: Vec<&str> = d.causes.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(
        codes,
        ["resolver_unreachable", "greylisting"],
        "{:#?}",
        d.causes
    );
    assert_eq!(d.causes[0].likelihood, "high");
    assert!(
        d.causes[0]
            .title
            .contains(&silent.local_addr().unwrap().to_string()),
        "{}",
        d.causes[0].title
    );
    assert!(!d.causes[0].evidence.is_empty(), "{:#?}", d.causes[0]);
    assert!(d.probes.is_empty(), "no probing without DNS");
    assert!(d.checks[0].could_not_run.is_some());
    // A domain: the same, in Spanish.
    let mut o = opts(25);
    o.lang = Lang::Es;
    let d = diagnose_domain(&r, "dest.test", &o).await.unwrap();
    assert_eq!(d.causes[0].code, "resolver_unreachable", "{:#?}", d.causes);
    assert!(
        d.causes[0]
            .title
            .starts_with("El resolutor DNS de este equipo no responde")
    );
    assert!(
        d.causes
            .iter()
            .all(|c| c.code != "domain_has_no_mail" && c.code != "dns_failure"),
        "{:#?}",
        d.causes
    );
    assert!(render(&d).contains("El resolutor DNS"));
}
