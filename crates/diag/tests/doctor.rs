//! `mailway_diag::doctor` on a 4.4.7 bounce whose destination is a tarpit (loopback peers and
//! an in-process DNS server), and from the bounce alone.

use std::net::SocketAddr;
use std::time::Duration;

use mailway_diag::doctor::{DoctorOptions, Lang, diagnose_bounce, diagnose_domain, render};
use mailway_diag::probe::ProbeOptions;
use mailway_dns::{Resolver, ResolverConfig};
use mailway_smtp::Timeouts;
use mailway_testkit::dns::TestDns;
use mailway_testkit::smtp::PeerScript;

fn dsn(rcpt: &str, status: &str, diag: &str, action: &str) -> Vec<u8> {
    format!(
        "From: MAILER-DAEMON@sender.test\r\nTo: alice@sender.test\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.sender.test\r\nArrival-Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nFinal-Recipient: rfc822; {rcpt}\r\nOriginal-Recipient: rfc822;{rcpt}\r\nAction: {action}\r\nStatus: {status}\r\nDiagnostic-Code: X-Postfix; {diag}\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: alice@sender.test\r\nTo: {rcpt}\r\nSubject: hello\r\nMessage-ID: <1@sender.test>\r\n\r\n--B--\r\n"
    )
    .into_bytes()
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
    }
}

#[tokio::test]
async fn expired_bounce_with_tarpit_destination() {
    let peer = PeerScript::tarpit()
        .on(SocketAddr::from(([127, 0, 20, 41], 0)))
        .spawn()
        .await;
    let dns = TestDns::builder()
        .zone(
            "doctor.test",
            "@ 300 IN SOA ns.doctor.test. h.doctor.test. 1 3600 900 604800 300
@ 300 IN MX 10 mx1
mx1 300 IN A 127.0.20.41",
        )
        .start()
        .await
        .unwrap();
    let r =
        Resolver::new(ResolverConfig::new([dns.addr()]).with_timeout(Duration::from_millis(500)))
            .unwrap();
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
