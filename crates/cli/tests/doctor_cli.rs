//! `mailway doctor` end to end in Spanish: a bounce whose `Received:` header names the sending
//! IP (listed on a test blocklist, outside the sender's SPF), the recipient's MX a scripted
//! peer on 127.0.20.47 (the probe helper's loopback range), DNS from an in-process server.

use std::net::SocketAddr;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use mailway_testkit::dns::TestDns;
use mailway_testkit::smtp::PeerScript;

const BOUNCE: &str = "From: MAILER-DAEMON@mx.rcpt.test\r\nTo: alice@sender.test\r\nSubject: Undeliverable\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nYour message was rejected.\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.rcpt.test\r\n\r\nFinal-Recipient: rfc822; bob@rcpt.test\r\nAction: failed\r\nStatus: 5.7.1\r\nDiagnostic-Code: smtp; 550 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using zen.bl.test\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nReceived: from mail.sender.test (mail.sender.test [192.0.2.25])\r\n\tby mx.rcpt.test (Postfix) with ESMTPS id 4Xyz\r\n\tfor <bob@rcpt.test>; Mon, 23 Nov 2026 10:00:00 +0000\r\nFrom: Alice <alice@sender.test>\r\nTo: bob@rcpt.test\r\nSubject: hi\r\n\r\n--B--\r\n";

#[test]
fn doctor_in_spanish_has_no_english_left() {
    let peer = PeerScript::accept()
        .on(SocketAddr::from(([127, 0, 20, 47], 0)))
        .start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dns = rt.block_on(async {
        TestDns::builder()
            .zone(
                "sender.test",
                "@ 300 IN SOA ns.sender.test. h.sender.test. 1 3600 900 604800 300
@ 300 IN TXT \"v=spf1 ip4:198.51.100.0/24 -all\"",
            )
            .zone(
                "zen.bl.test",
                "@ 300 IN SOA ns.bl.test. h.bl.test. 1 3600 900 604800 300
2.0.0.127 300 IN A 127.0.0.2
25.2.0.192 300 IN A 127.0.0.2",
            )
            .zone(
                "rcpt.test",
                "@ 300 IN SOA ns.rcpt.test. h.rcpt.test. 1 3600 900 604800 300
@ 300 IN MX 10 mx
mx 300 IN A 127.0.20.47",
            )
            .start()
            .await
            .unwrap()
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("blocked.eml");
    std::fs::write(&file, BOUNCE).unwrap();
    let run = |lang: &str| {
        let out = Command::cargo_bin("mailway")
            .unwrap()
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env("LANG", "C.UTF-8")
            .arg("doctor")
            .arg(&file)
            .args(["--lang", lang, "--resolver", &dns.addr().to_string()])
            .args(["--port", &peer.port().to_string(), "--timeout", "2"])
            .args(["--fallback-ports", "", "--blocklist", "zen.bl.test"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let es = run("es");
    for want in [
        "Diagnóstico de",
        "IP de envío 192.0.2.25  (Received: from mail.sender.test [192.0.2.25] by mx.rcpt.test (el registro que hizo el servidor receptor",
        "dominio del remitente sender.test",
        "Tu IP de envío 192.0.2.25 figura en una lista de bloqueo DNS  [probabilidad: alta]",
        "El SPF de sender.test no autoriza tu IP de envío 192.0.2.25",
        "Remitente: ",
        "Administrador: ",
        "Prueba del dominio de correo rcpt.test",
        "Hallazgos:",
    ] {
        assert!(es.contains(want), "no {want:?} in:\n{es}");
    }
    for en in [
        "Diagnosis of",
        "sending IP",
        "receiving server's record",
        "sender domain",
        "likelihood",
        "is on a DNS blocklist",
        "does not authorise",
        "Sender:",
        "Admin:",
        "Forward this diagnosis",
        "Findings:",
        "connected",
        "greeting",
    ] {
        assert!(!es.contains(en), "English {en:?} in:\n{es}");
    }
    // The same diagnosis in English names the same causes.
    let en = run("en");
    assert!(
        en.contains("Your sending IP 192.0.2.25 is on a DNS blocklist"),
        "{en}"
    );
    assert!(
        en.contains("sending IP 192.0.2.25  (Received: from"),
        "{en}"
    );
}
