//! Interoperability with real peers: swaks as a client of mailway, Debian's Postfix delivering
//! into mailway, and mailway delivering into Postfix. Each Postfix is a private instance on its
//! own 127.0.30.x address.

use std::net::Ipv4Addr;
use std::process::Command;

use mailway_testkit::smtp::PeerScript;

use crate::support::{Daemon, Postfix, Smtp, require, require_root, tempdir, wait_until};

fn swaks(args: &[&str]) -> (bool, String) {
    let out = Command::new("swaks")
        .args(["--hide-informational", "--timeout", "30"])
        .args(args)
        .output()
        .expect("run swaks");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn swaks_plain_pipelined_starttls_and_auth() {
    if !require("swaks") {
        return;
    }
    let peer = PeerScript::accept().start();
    let dir = tempdir();
    let cfg = dir.path().join("mailway.toml");
    // loopback is NOT trusted here: relaying needs AUTH, except to the relay domain
    std::fs::write(
        &cfg,
        "[smtp]\nrelay_networks = []\nrelay_domains = [\"inbound.test\"]\n\
         [[smtp.users]]\nname = \"alice\"\npassword = \"wonderland\"\n",
    )
    .unwrap();
    let route = format!("*={}", peer.addr());
    let d = Daemon::start(
        dir.path(),
        &["--config", cfg.to_str().unwrap(), "--route", &route],
    );
    let server = d.smtp.to_string();

    // mail for the relay domain from anyone, pipelined
    let (ok, out) = swaks(&[
        "--server",
        &server,
        "--from",
        "someone@elsewhere.test",
        "--to",
        "user@inbound.test",
        "--pipeline",
        "--header",
        "Subject: swaks pipelined",
    ]);
    assert!(ok, "{out}");
    assert!(out.contains("250 2.0.0 Ok: queued as"), "{out}");

    // relaying elsewhere without AUTH is refused: not an open relay
    let (ok, out) = swaks(&[
        "--server",
        &server,
        "--from",
        "a@elsewhere.test",
        "--to",
        "victim@example.net",
    ]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("554 5.7.1 <victim@example.net>: Relay access denied"),
        "{out}"
    );

    // STARTTLS + AUTH PLAIN, then relaying is allowed
    let (ok, out) = swaks(&[
        "--server",
        &server,
        "--tls",
        "--auth",
        "PLAIN",
        "--auth-user",
        "alice",
        "--auth-password",
        "wonderland",
        "--from",
        "alice@example.org",
        "--to",
        "friend@example.net",
        "--header",
        "Subject: swaks auth",
    ]);
    assert!(ok, "{out}");
    // `<~` marks lines swaks read inside TLS
    assert!(
        out.contains("<~  235 2.7.0 Authentication successful"),
        "{out}"
    );
    assert!(out.contains("<~  250 2.0.0 Ok: queued as"), "{out}");

    // AUTH LOGIN with a wrong password
    let (ok, out) = swaks(&[
        "--server",
        &server,
        "--tls",
        "--auth",
        "LOGIN",
        "--auth-user",
        "alice",
        "--auth-password",
        "nope",
        "--from",
        "alice@example.org",
        "--to",
        "friend@example.net",
    ]);
    assert!(!ok, "{out}");
    assert!(out.contains("535 5.7.8"), "{out}");

    assert!(
        wait_until(30, || peer.messages().len() >= 2),
        "{} delivered\n{}",
        peer.messages().len(),
        d.log()
    );
    let msgs = peer.messages();
    let auth_msg = msgs
        .iter()
        .map(|m| String::from_utf8_lossy(&m.data).into_owned())
        .find(|t| t.contains("Subject: swaks auth"))
        .expect("authenticated message delivered");
    assert!(auth_msg.contains("with ESMTPSA (TLSv1."), "{auth_msg}");
}

#[test]
fn smuggling_and_routing_tricks_over_the_wire() {
    let peer = PeerScript::accept().start();
    let dir = tempdir();
    let route = format!("*={}", peer.addr());
    let d = Daemon::start(dir.path(), &["--route", &route]);
    let (mut c, _) = Smtp::connect(d.smtp).unwrap();
    c.cmd("EHLO c.test").unwrap();
    for bad in [
        "<user%other.test@example.net>",
        "<\"user@other.test\"@example.net>",
        "<@example.net:user@other.test>",
    ] {
        c.cmd("MAIL FROM:<a@example.org>").unwrap();
        let r = c.cmd(&format!("RCPT TO:{bad}")).unwrap();
        assert!(r.starts_with("553 5.1.3"), "{bad}: {r}");
        c.cmd("RSET").unwrap();
    }
    // <LF>.<LF> smuggling: the hidden second message is never accepted
    c.cmd("MAIL FROM:<a@example.org>").unwrap();
    c.cmd("RCPT TO:<b@example.net>").unwrap();
    c.cmd("DATA").unwrap();
    c.raw(b"Subject: outer\r\n\r\nhi\n.\nMAIL FROM:<ceo@victim.test>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n")
        .unwrap();
    let r = c.reply().unwrap();
    assert!(r.starts_with("550 5.5.2"), "{r}");
    assert!(
        c.cmd("NOOP").unwrap().starts_with("250"),
        "the session goes on"
    );
    c.cmd("QUIT").unwrap();
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert!(peer.messages().is_empty(), "nothing was relayed");
}

#[test]
fn postfix_delivers_into_mailway() {
    if !require("postfix") || !require("swaks") || !require_root() {
        return;
    }
    let sink = PeerScript::accept().start();
    let dir = tempdir();
    let route = format!("to-mailway.test={}", sink.addr());
    let d = Daemon::start(dir.path(), &["--route", &route]);
    let pf = Postfix::start(
        Ipv4Addr::new(127, 0, 30, 21),
        &format!(
            "myhostname = postfix-a.test\n\
             relay_domains = to-mailway.test\n\
             transport_maps = inline:{{ to-mailway.test=smtp:[127.0.0.1]:{} }}\n\
             smtp_tls_security_level = may\n\
             smtp_tls_loglevel = 1\n",
            d.smtp.port()
        ),
    );
    let (ok, out) = swaks(&[
        "--server",
        &pf.addr.to_string(),
        "--from",
        "sender@postfix-a.test",
        "--to",
        "user@to-mailway.test",
        "--header",
        "Subject: through postfix",
    ]);
    assert!(ok, "{out}");
    assert!(
        wait_until(60, || !sink.messages().is_empty()),
        "not delivered.\npostfix log:\n{}\nqueue:\n{}\nmailway log:\n{}",
        pf.log(),
        pf.queue(),
        d.log()
    );
    let m = &sink.messages()[0];
    assert_eq!(m.from, "sender@postfix-a.test");
    let text = String::from_utf8_lossy(&m.data);
    // our trace header above Postfix's; Postfix used STARTTLS with our self-signed certificate
    let ours = text
        .find("by mailway.test (mailway) with ESMTPS")
        .expect(&text);
    let theirs = text.find("by postfix-a.test (Postfix)").expect(&text);
    assert!(ours < theirs, "{text}");
    assert!(pf.log().contains("status=sent"), "{}", pf.log());
    assert!(
        pf.log().contains("TLS connection established to 127.0.0.1"),
        "{}",
        pf.log()
    );
}

#[test]
fn mailway_delivers_into_postfix() {
    if !require("postfix") || !require_root() {
        return;
    }
    let sink = PeerScript::accept().start();
    let pf = Postfix::start(
        Ipv4Addr::new(127, 0, 30, 22),
        &format!(
            "myhostname = postfix-b.test\n\
             relay_domains = via-postfix.test\n\
             transport_maps = inline:{{ via-postfix.test=smtp:[{}]:{} }}\n",
            sink.addr().ip(),
            sink.addr().port()
        ),
    );
    let dir = tempdir();
    let route = format!("via-postfix.test={}", pf.addr);
    let d = Daemon::start(dir.path(), &["--route", &route]);
    let (mut c, _) = Smtp::connect(d.smtp).unwrap();
    c.cmd("EHLO app.test").unwrap();
    c.cmd("MAIL FROM:<app@example.org> RET=HDRS ENVID=env42")
        .unwrap();
    c.cmd("RCPT TO:<user@via-postfix.test> NOTIFY=FAILURE,DELAY")
        .unwrap();
    c.cmd("DATA").unwrap();
    let r = c
        .cmd("Subject: through mailway then postfix\r\n\r\nhello\r\n.")
        .unwrap();
    assert!(r.starts_with("250"), "{r}");
    c.cmd("QUIT").unwrap();
    assert!(
        wait_until(60, || !sink.messages().is_empty()),
        "not delivered.\nmailway log:\n{}\npostfix log:\n{}\nqueue:\n{}",
        d.log(),
        pf.log(),
        pf.queue()
    );
    let m = &sink.messages()[0];
    assert_eq!(m.from, "app@example.org");
    let text = String::from_utf8_lossy(&m.data);
    let theirs = text.find("by postfix-b.test (Postfix)").expect(&text);
    let ours = text.find("by mailway.test (mailway)").expect(&text);
    assert!(theirs < ours, "{text}");
    // Postfix accepted our DSN parameters and passed them on
    let log = pf.log();
    assert!(log.contains("from=<app@example.org>"), "{log}");
    assert!(log.contains("status=sent"), "{log}");
    assert!(m.mail_params.contains("ENVID=env42"), "{:?}", m.mail_params);
}
