//! The SMTP client against the testkit's scripted peers (loopback, ephemeral ports).

use std::time::{Duration, Instant};

use mailway_smtp::{
    Body, CertificateInfo, ClientConfig, MailParams, Notify, Phase, RcptParams, Ret, SmtpClient,
    SmtpError, Timeouts, TlsClientConfig, TlsPolicy, TlsVerify,
};
use mailway_status::SmtpCommand;
use mailway_testkit::smtp::{EhloScript, PeerScript, TestCa, TestCert};

fn config(secs: f64) -> ClientConfig {
    ClientConfig {
        helo_name: "client.test".into(),
        timeouts: Timeouts::default().capped(Duration::from_secs_f64(secs)),
        ..Default::default()
    }
}

#[tokio::test]
async fn full_transaction_with_dot_stuffing() {
    let peer = PeerScript::accept().spawn().await;
    let mut c = SmtpClient::open(peer.addr(), config(5.0), TlsPolicy::Opportunistic, "mx")
        .await
        .unwrap();
    let caps = c.capabilities().unwrap().clone();
    assert!(caps.esmtp && caps.pipelining && caps.dsn && caps.smtputf8);
    assert!(!caps.starttls);
    assert_eq!(caps.domain, "mx.test.invalid");
    let params = MailParams {
        size: Some(40),
        body: Some(Body::EightBitMime),
        ret: Some(Ret::Hdrs),
        envid: Some("id+1".into()),
        ..Default::default()
    };
    let r = c.mail_from("sender@example.org", &params).await.unwrap();
    assert_eq!(r.code, 250);
    assert_eq!(r.command(), Some(SmtpCommand::Mail));
    let rp = RcptParams {
        notify: vec![Notify::Failure, Notify::Delay],
        orcpt: Some("rcpt@example.com".into()),
    };
    c.rcpt_to("rcpt@example.com", &rp)
        .await
        .unwrap()
        .check()
        .unwrap();
    let r = c
        .data(b"Subject: t\n\n.leading dot\nline\r\n..two\n")
        .await
        .unwrap();
    assert_eq!(r.code, 250);
    assert_eq!(r.command(), Some(SmtpCommand::DataEnd));
    assert_eq!(r.status().unwrap().to_string(), "2.0.0");
    c.quit().await.unwrap();
    let msgs = peer.messages();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].from, "sender@example.org");
    assert_eq!(msgs[0].rcpts, vec!["rcpt@example.com"]);
    assert_eq!(
        msgs[0].mail_params,
        "SIZE=40 BODY=8BITMIME RET=HDRS ENVID=id+2B1"
    );
    assert_eq!(
        msgs[0].data,
        b"Subject: t\r\n\r\n.leading dot\r\nline\r\n..two\r\n"
    );
    let cmds = peer.commands();
    assert!(
        cmds[2].ends_with("NOTIFY=FAILURE,DELAY ORCPT=rfc822;rcpt@example.com"),
        "{cmds:?}"
    );
    let phases: Vec<Phase> = c.timings().iter().map(|t| t.phase).collect();
    assert_eq!(
        phases,
        [
            Phase::Connect,
            Phase::Greeting,
            Phase::Ehlo,
            Phase::Mail,
            Phase::Rcpt,
            Phase::DataInit,
            Phase::DataBlock,
            Phase::DataTerm,
            Phase::Quit
        ]
    );
    assert!(c.transcript().iter().any(|l| l.line == "EHLO client.test"));
}

#[tokio::test]
async fn tarpit_times_out_in_greeting_phase() {
    let peer = PeerScript::tarpit().spawn().await;
    let mut c = SmtpClient::connect(peer.addr(), config(0.3)).await.unwrap();
    let t0 = Instant::now();
    let e = c.greeting().await.unwrap_err();
    assert!(
        matches!(e, SmtpError::TimedOut { phase: Phase::Greeting, after } if after == Duration::from_millis(300)),
        "{e:?}"
    );
    assert!(t0.elapsed() >= Duration::from_millis(290));
    assert!(t0.elapsed() < Duration::from_secs(3));
    assert!(e.to_string().contains("greeting"));
}

#[tokio::test]
async fn slow_banner_within_and_beyond_timeout() {
    let peer = PeerScript::slow_banner(Duration::from_millis(200))
        .spawn()
        .await;
    let mut c = SmtpClient::connect(peer.addr(), config(2.0)).await.unwrap();
    assert_eq!(c.greeting().await.unwrap().code, 220);
    assert!(c.timings()[1].duration_ms >= 190);
    let mut c = SmtpClient::connect(peer.addr(), config(0.05))
        .await
        .unwrap();
    assert!(matches!(
        c.greeting().await,
        Err(SmtpError::TimedOut {
            phase: Phase::Greeting,
            ..
        })
    ));
}

#[tokio::test]
async fn busy_421_is_a_rejection_of_connect() {
    let peer = PeerScript::busy_421().spawn().await;
    let mut c = SmtpClient::connect(peer.addr(), config(2.0)).await.unwrap();
    let g = c.greeting().await.unwrap();
    assert_eq!((g.code, g.command()), (421, Some(SmtpCommand::Connect)));
    match SmtpClient::open(peer.addr(), config(2.0), TlsPolicy::None, "mx").await {
        Err(SmtpError::Rejected { reply }) => {
            assert_eq!(reply.code, 421);
            assert_eq!(reply.status().unwrap().to_string(), "4.3.2");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn greylisting_then_accept_on_retry() {
    let peer = PeerScript::greylist().spawn().await;
    for expected in [451, 250] {
        let mut c = SmtpClient::open(peer.addr(), config(2.0), TlsPolicy::None, "mx")
            .await
            .unwrap();
        c.mail_from("a@example.org", &MailParams::default())
            .await
            .unwrap();
        let r = c
            .rcpt_to("b@example.com", &RcptParams::default())
            .await
            .unwrap();
        assert_eq!(r.code, expected, "{r}");
        if expected == 451 {
            assert!(r.text().contains("Greylisted"));
            assert!(r.is_transient());
        }
        c.quit().await.unwrap();
    }
}

#[tokio::test]
async fn starttls_record_mode_keeps_going_with_self_signed() {
    let peer = PeerScript::starttls(TestCert::self_signed(&["mx.test.invalid"]))
        .spawn()
        .await;
    let mut cfg = config(5.0);
    cfg.tls.verify = TlsVerify::Record;
    let mut c = SmtpClient::open(peer.addr(), cfg, TlsPolicy::Required, "mx.test.invalid")
        .await
        .unwrap();
    let tls = c.tls_info().unwrap().clone();
    assert!(tls.version.starts_with("TLSv1."));
    assert!(!tls.cipher.is_empty());
    assert_eq!(tls.peer_certificates.len(), 1);
    match &tls.validation {
        mailway_smtp::CertValidation::Invalid { problem, .. } => {
            assert_eq!(problem, "unknown_issuer")
        }
        v => panic!("{v:?}"),
    }
    let info = CertificateInfo::from_der(&tls.peer_certificates[0]).unwrap();
    assert!(info.self_signed && info.matches_host("mx.test.invalid"));
    // After TLS the EHLO was repeated and no longer offers STARTTLS.
    assert!(!c.capabilities().unwrap().starttls);
    c.mail_from("a@example.org", &MailParams::default())
        .await
        .unwrap()
        .check()
        .unwrap();
    c.quit().await.unwrap();
    assert!(peer.sessions()[0].tls);
    assert!(c.timings().iter().any(|t| t.phase == Phase::TlsHandshake));
}

#[tokio::test]
async fn starttls_strict_fails_on_self_signed_expired_and_wrong_host() {
    let ca = TestCa::new();
    for (cert, problem) in [
        (
            TestCert::self_signed(&["mx.test.invalid"]),
            "unknown_issuer",
        ),
        (ca.issue(&["other.test.invalid"]), "not_valid_for_name"),
    ] {
        let peer = PeerScript::starttls(cert).spawn().await;
        let mut cfg = config(5.0);
        cfg.tls = TlsClientConfig {
            verify: TlsVerify::Strict,
            extra_roots: vec![ca.root()],
            no_webpki_roots: true,
        };
        let mut c = SmtpClient::connect(peer.addr(), cfg).await.unwrap();
        c.greeting().await.unwrap();
        c.ehlo().await.unwrap();
        let e = c.starttls("mx.test.invalid").await.unwrap_err();
        assert!(
            matches!(
                e,
                SmtpError::Tls {
                    phase: Phase::TlsHandshake,
                    ..
                }
            ),
            "{e:?}"
        );
        match c.last_cert_validation() {
            mailway_smtp::CertValidation::Invalid { problem: p, .. } => assert_eq!(p, problem),
            v => panic!("{v:?}"),
        }
    }
    // Expired (self-signed): parsed details say so whatever the chain says.
    let peer = PeerScript::starttls(TestCert::expired(&["mx.test.invalid"]))
        .spawn()
        .await;
    let mut cfg = config(5.0);
    cfg.tls.verify = TlsVerify::Record;
    let c = SmtpClient::open(peer.addr(), cfg, TlsPolicy::Required, "mx.test.invalid")
        .await
        .unwrap();
    let info = CertificateInfo::from_der(&c.tls_info().unwrap().peer_certificates[0]).unwrap();
    assert!(info.is_expired(1_700_000_000));
    assert_eq!(info.not_after_utc, "2021-01-01T00:00:00Z");
}

#[tokio::test]
async fn starttls_strict_succeeds_with_trusted_ca() {
    let ca = TestCa::new();
    let peer = PeerScript::starttls(ca.issue(&["mx.test.invalid"]))
        .spawn()
        .await;
    let mut cfg = config(5.0);
    cfg.tls = TlsClientConfig {
        verify: TlsVerify::Strict,
        extra_roots: vec![ca.root()],
        no_webpki_roots: false,
    };
    let c = SmtpClient::open(peer.addr(), cfg, TlsPolicy::Required, "mx.test.invalid")
        .await
        .unwrap();
    let tls = c.tls_info().unwrap();
    assert!(tls.validation.is_valid());
    assert_eq!(tls.peer_certificates.len(), 2);
}

#[tokio::test]
async fn required_tls_without_starttls_is_not_supported() {
    let peer = PeerScript::accept().spawn().await;
    let e = SmtpClient::open(peer.addr(), config(2.0), TlsPolicy::Required, "mx")
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        SmtpError::NotSupported {
            extension: "STARTTLS"
        }
    ));
}

#[tokio::test]
async fn reset_mid_ehlo() {
    let peer = PeerScript::reset_mid_ehlo().spawn().await;
    let mut c = SmtpClient::connect(peer.addr(), config(2.0)).await.unwrap();
    c.greeting().await.unwrap();
    let e = c.ehlo().await.unwrap_err();
    assert!(
        matches!(e, SmtpError::Reset { phase: Phase::Ehlo }),
        "{e:?}"
    );
    assert_eq!(e.phase(), Some(Phase::Ehlo));
}

#[tokio::test]
async fn ehlo_refused_falls_back_to_helo() {
    let mut script = PeerScript::accept();
    script.ehlo = EhloScript::Refuse;
    let peer = script.spawn().await;
    let c = SmtpClient::open(peer.addr(), config(2.0), TlsPolicy::Opportunistic, "mx")
        .await
        .unwrap();
    let caps = c.capabilities().unwrap();
    assert!(!caps.esmtp);
    assert_eq!(caps.domain, "mx.test.invalid");
    assert_eq!(
        peer.commands()[..2],
        ["EHLO client.test", "HELO client.test"]
    );
}

#[tokio::test]
async fn size_limit_enforced_at_mail_and_data() {
    let peer = PeerScript::size_limit(1000).spawn().await;
    let mut c = SmtpClient::open(peer.addr(), config(2.0), TlsPolicy::None, "mx")
        .await
        .unwrap();
    assert_eq!(c.capabilities().unwrap().size, Some(1000));
    let big = MailParams {
        size: Some(5000),
        ..Default::default()
    };
    let r = c.mail_from("a@example.org", &big).await.unwrap();
    assert_eq!(r.code, 552);
    c.rset().await.unwrap();
    c.mail_from("a@example.org", &MailParams::default())
        .await
        .unwrap();
    c.rcpt_to("b@example.com", &RcptParams::default())
        .await
        .unwrap();
    let r = c.data(&vec![b'a'; 4000]).await.unwrap();
    assert_eq!(r.code, 552);
    assert_eq!(r.status().unwrap().to_string(), "5.3.4");
}

#[tokio::test]
async fn slow_data_times_out_in_data_termination() {
    let peer = PeerScript::slow_data(Duration::from_secs(3)).spawn().await;
    let mut cfg = config(5.0);
    cfg.timeouts.data_term = Duration::from_millis(200);
    let mut c = SmtpClient::open(peer.addr(), cfg, TlsPolicy::None, "mx")
        .await
        .unwrap();
    c.mail_from("a@example.org", &MailParams::default())
        .await
        .unwrap();
    c.rcpt_to("b@example.com", &RcptParams::default())
        .await
        .unwrap();
    let e = c.data(b"hello").await.unwrap_err();
    assert!(
        matches!(
            e,
            SmtpError::TimedOut {
                phase: Phase::DataTerm,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn garbage_is_a_protocol_error_with_evidence() {
    let peer = PeerScript::garbage().spawn().await;
    let mut c = SmtpClient::connect(peer.addr(), config(2.0)).await.unwrap();
    match c.greeting().await {
        Err(SmtpError::Protocol {
            phase: Phase::Greeting,
            bytes,
            ..
        }) => assert!(bytes.starts_with(b"HTTP/1.1 400")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn endless_continuation_is_bounded() {
    let peer = PeerScript::endless_continuation().spawn().await;
    let mut c = SmtpClient::connect(peer.addr(), config(5.0)).await.unwrap();
    match c.greeting().await {
        Err(SmtpError::Protocol { message, .. }) => {
            assert!(message.contains("more than 128 lines"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(c.transcript().len() <= 256);
}

#[tokio::test]
async fn ten_megabyte_banner_is_bounded() {
    let peer = PeerScript::huge_banner(10 * 1024 * 1024).spawn().await;
    let mut c = SmtpClient::connect(peer.addr(), config(5.0)).await.unwrap();
    match c.greeting().await {
        Err(SmtpError::Protocol { message, bytes, .. }) => {
            assert!(message.contains("longer than 4096"), "{message}");
            assert_eq!(bytes.len(), 512);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn refused_port() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    let e = SmtpClient::connect(addr, config(2.0)).await.unwrap_err();
    assert!(matches!(e, SmtpError::Refused { .. }), "{e:?}");
    assert_eq!(e.kind(), "refused");
}

#[tokio::test]
async fn auth_plain_and_login() {
    let mut script = PeerScript::accept();
    script.auth = Some(("user".into(), "s3cret".into()));
    let peer = script.spawn().await;
    let mut c = SmtpClient::open(peer.addr(), config(2.0), TlsPolicy::None, "mx")
        .await
        .unwrap();
    assert_eq!(c.auth_plain("user", "s3cret").await.unwrap().code, 235);
    assert_eq!(c.auth_login("user", "wrong").await.unwrap().code, 535);
    assert_eq!(c.auth_login("user", "s3cret").await.unwrap().code, 235);
    assert_eq!(c.auth("user", "s3cret").await.unwrap().code, 235);
    assert!(!c.transcript().iter().any(|l| l.line.contains("czNjcmV0")));
}

#[tokio::test]
async fn streams_a_large_message_from_a_reader() {
    let peer = PeerScript::accept().spawn().await;
    let mut c = SmtpClient::open(peer.addr(), config(10.0), TlsPolicy::None, "mx")
        .await
        .unwrap();
    c.mail_from("", &MailParams::default())
        .await
        .unwrap()
        .check()
        .unwrap();
    c.rcpt_to("b@example.com", &RcptParams::default())
        .await
        .unwrap();
    let body: Vec<u8> = (0..200_000)
        .flat_map(|i| format!(".line {i}\n").into_bytes())
        .collect();
    let r = c.data_from(&body[..]).await.unwrap();
    assert_eq!(r.code, 250);
    let m = &peer.messages()[0];
    assert_eq!(m.from, "");
    assert_eq!(m.data.len(), body.len() + 200_000);
    assert!(m.data.starts_with(b".line 0\r\n.line 1\r\n"));
}

#[tokio::test]
async fn rejects_injection_and_unsupported_params() {
    let peer = PeerScript::accept().spawn().await;
    let mut c = SmtpClient::open(peer.addr(), config(2.0), TlsPolicy::None, "mx")
        .await
        .unwrap();
    let e = c
        .rcpt_to("a@b.c>\r\nRCPT TO:<evil@x", &RcptParams::default())
        .await
        .unwrap_err();
    assert!(matches!(e, SmtpError::InvalidInput { .. }));
    let p = MailParams {
        requiretls: true,
        ..Default::default()
    };
    assert!(matches!(
        c.mail_from("a@b.c", &p).await,
        Err(SmtpError::NotSupported {
            extension: "REQUIRETLS"
        })
    ));
    assert!(matches!(
        c.mail_from("josé@b.c", &MailParams::default()).await,
        Err(SmtpError::InvalidInput { .. })
    ));
}

#[tokio::test]
async fn blackhole_times_out_in_connect_phase() {
    let hole = mailway_testkit::smtp::Blackhole::start([127, 0, 0, 1].into()).unwrap();
    let t0 = Instant::now();
    let e = SmtpClient::connect(hole.addr(), config(0.5))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            SmtpError::TimedOut {
                phase: Phase::Connect,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(t0.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn stall_at_rcpt_and_custom_mail_reply() {
    let mut script = PeerScript::accept();
    script.stall_at = Some("RCPT".into());
    let peer = script.spawn().await;
    let mut c = SmtpClient::open(peer.addr(), config(0.5), TlsPolicy::None, "mx")
        .await
        .unwrap();
    c.mail_from("a@example.org", &MailParams::default())
        .await
        .unwrap();
    let e = c
        .rcpt_to("b@example.com", &RcptParams::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            SmtpError::TimedOut {
                phase: Phase::Rcpt,
                ..
            }
        ),
        "{e:?}"
    );
    let mut script = PeerScript::accept();
    script.mail_reply = Some("550 5.7.1 Sender rejected".into());
    let peer = script.spawn().await;
    let mut c = SmtpClient::open(peer.addr(), config(2.0), TlsPolicy::None, "mx")
        .await
        .unwrap();
    let r = c
        .mail_from("a@example.org", &MailParams::default())
        .await
        .unwrap();
    assert_eq!(r.code, 550);
    assert_eq!(peer.peak_connections(), 1);
}
