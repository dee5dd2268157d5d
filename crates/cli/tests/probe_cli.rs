//! `mailway probe` end to end: the binary against scripted peers, a private Debian Postfix
//! instance with STARTTLS (127.0.20.25, the probe helper's loopback range), and a network
//! namespace without IPv6.

use std::net::TcpListener;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use mailway_testkit::postfix::{self, PostfixConfig, PrivatePostfix};
use mailway_testkit::smtp::PeerScript;

fn mailway() -> Command {
    let mut c = Command::cargo_bin("mailway").unwrap();
    c.env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8");
    c
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// `mailway probe TARGET` with no usable DNS (the targets are addresses) and `extra` flags.
fn probe_offline(target: &str, extra: &[&str]) -> Command {
    let mut c = mailway();
    c.args([
        "probe",
        target,
        "--resolver",
        "127.0.0.1:9",
        "--dns-timeout",
        "0.2",
    ])
    .args(extra);
    c
}

fn text_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn tarpit_timeline_and_exit_code() {
    let peer = PeerScript::tarpit().start();
    let out = probe_offline(&peer.addr().to_string(), &["--timeout", "0.5"])
        .output()
        .unwrap();
    let text = text_of(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("TIMED_OUT: no answer within 500 ms (waiting for greeting)"),
        "{text}"
    );
    assert!(
        text.contains("never sends its greeting (waited 500 ms)"),
        "{text}"
    );
}

#[test]
fn spanish_with_lang_flag_and_from_the_locale() {
    let peer = PeerScript::tarpit().start();
    let target = peer.addr().to_string();
    let flag = probe_offline(&target, &["--timeout", "0.5", "--lang", "es"])
        .output()
        .unwrap();
    let env = probe_offline(&target, &["--timeout", "0.5"])
        .env("LANG", "es_ES.UTF-8")
        .output()
        .unwrap();
    for out in [flag, env] {
        let text = text_of(&out);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(text.contains("Hallazgos:"), "{text}");
        assert!(
            text.contains("nunca envía su saludo (tras esperar 500 ms)"),
            "{text}"
        );
        // The timeline: phase names, the outcome and the detail in Spanish too.
        assert!(text.contains(" conexión "), "{text}");
        assert!(
            text.contains("saludo            ")
                && text.contains("SIN RESPUESTA: sin respuesta en 500 ms (fase de saludo)"),
            "{text}"
        );
        for en in [
            "TIMED_OUT",
            "greeting",
            "connect ",
            "connected",
            "waiting for",
            // (the PTR lookup's error is mailway-dns's own text, quoted as evidence)
            "no answer within 500 ms",
            "Findings",
            "Probe of",
        ] {
            assert!(!text.contains(en), "English {en:?} in:\n{text}");
        }
    }
    let bad = probe_offline(&target, &["--lang", "fr"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--lang"));
}

/// A whole conversation (connect, greeting, EHLO, MAIL, RCPT, QUIT) in Spanish.
#[test]
fn spanish_timeline_of_a_working_peer() {
    let peer = PeerScript::accept().start();
    let out = probe_offline(
        &peer.addr().to_string(),
        &[
            "--timeout",
            "5",
            "--tls",
            "none",
            "--rcpt",
            "user@example.com",
            "--lang",
            "es",
        ],
    )
    .output()
    .unwrap();
    let text = text_of(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for es in [
        "conexión",
        "conectado",
        "saludo",
        "EHLO",
        "MAIL FROM",
        "RCPT TO",
        "QUIT",
        "adiós",
        "acepta al destinatario",
        "respondieron SMTP en el puerto",
    ] {
        assert!(text.contains(es), "no {es:?} in:\n{text}");
    }
    for en in [
        " connect ",
        "connected",
        "greeting",
        " ehlo ",
        " mail ",
        " rcpt ",
        " quit ",
        "bye",
        "accepts the recipient",
        "Findings",
    ] {
        assert!(!text.contains(en), "English {en:?} in:\n{text}");
    }
}

#[test]
fn json_output_of_a_working_peer() {
    let peer = PeerScript::accept().start();
    let out = probe_offline(
        &peer.addr().to_string(),
        &[
            "--json",
            "--timeout",
            "5",
            "--tls",
            "none",
            "--rcpt",
            "user@example.com",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = &v["hosts"][0]["addresses"][0];
    assert_eq!(a["outcome"], "ok");
    assert_eq!(a["rcpt"]["code"], 250);
    assert_eq!(a["banner"]["host"], "mx.test.invalid");
}

#[test]
fn bad_input_is_a_clear_error() {
    for (args, msg) in [
        (vec!["probe", "bad host!"], "invalid probe target"),
        (vec!["probe", "host:99999"], "bad port"),
        (vec!["probe", "127.0.0.1", "--timeout=0"], "--timeout"),
        (
            vec!["probe", "127.0.0.1", "--rcpt", "not an address"],
            "--rcpt",
        ),
        (
            vec!["probe", "127.0.0.1", "--fallback-ports", "x"],
            "--fallback-ports",
        ),
        (
            vec!["probe", "127.0.0.1", "--resolver", "nonsense"],
            "--resolver",
        ),
    ] {
        let out = mailway().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(msg), "{args:?}: {err}");
    }
}

/// IPv6 unavailable on the host: in a fresh network namespace with IPv6 disabled, probing
/// `[::1]` gives a clear finding, quickly. Needs root (`unshare -n`); skipped otherwise, except
/// under CI where it must run.
#[test]
fn ipv6_unavailable_on_this_host() {
    let ok = Command::new("unshare")
        .args(["-n", "sh", "-c", "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 && sysctl -qw net.ipv6.conf.lo.disable_ipv6=1"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(!in_ci(), "unshare -n with sysctl is needed under CI");
        eprintln!("skipping: cannot create a network namespace here");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("mailway");
    let script = format!(
        "ip link set lo up; sysctl -qw net.ipv6.conf.all.disable_ipv6=1; sysctl -qw net.ipv6.conf.lo.disable_ipv6=1; exec {} probe '[::1]:25' --timeout 3 --resolver 127.0.0.1:9 --dns-timeout 0.2",
        bin.display()
    );
    let t0 = std::time::Instant::now();
    let out = Command::new("unshare")
        .args(["-n", "sh", "-c", &script])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(t0.elapsed() < std::time::Duration::from_secs(10));
    assert!(
        text.contains("IPv6 is not usable from this host"),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A private Postfix whose smtpd listens on `ip:port` with STARTTLS (a self-signed
/// certificate for postfix.probe.test), relaying only to a discarding domain.
fn start_postfix(ip: &str, port: u16) -> PrivatePostfix {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["postfix.probe.test".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let pf = PostfixConfig::new("probe")
        .smtpd(&format!("{ip}:{port}"))
        .file("cert.pem", cert.pem())
        .file("key.pem", key.serialize_pem())
        .main(
            "myhostname = postfix.probe.test
mydomain = probe.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = reject_unauth_destination
smtpd_peername_lookup = no
relay_domains = probe-postfix.test
transport_maps = inline:{ probe-postfix.test=discard: }
smtp_dns_support_level = disabled
smtpd_tls_cert_file = {etc}/cert.pem
smtpd_tls_key_file = {etc}/key.pem
smtpd_tls_security_level = may
",
        )
        .start()
        .unwrap_or_else(|e| panic!("private postfix: {e}"));
    // Wait until smtpd listens.
    for _ in 0..100 {
        if std::net::TcpStream::connect((ip, port)).is_ok() {
            return pf;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("private postfix did not start listening on {ip}:{port}");
}

/// The real peer: Debian's Postfix smtpd on loopback, with STARTTLS.
#[test]
fn probes_a_real_postfix_with_starttls() {
    if !postfix::installed() {
        assert!(
            !in_ci(),
            "postfix must be installed under CI (.ci/apt-packages.txt)"
        );
        eprintln!("skipping: postfix not installed");
        return;
    }
    let ip = "127.0.20.25";
    let port = TcpListener::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _pf = start_postfix(ip, port);
    let target = format!("{ip}:{port}");
    let out = probe_offline(
        &target,
        &[
            "--tls",
            "required",
            "--timeout",
            "20",
            "--from",
            "sender@probe.test",
            "--rcpt",
            "user@probe-postfix.test",
            "--helo",
            "client.probe.test",
            "--json",
        ],
    )
    .output()
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let a = &v["hosts"][0]["addresses"][0];
    assert_eq!(a["outcome"], "ok", "{a:#}");
    assert!(
        a["banner"]["reply"]["lines"][0]
            .as_str()
            .unwrap()
            .starts_with("postfix.probe.test ESMTP"),
        "{a:#}"
    );
    let caps = &a["capabilities"];
    for k in [
        "starttls",
        "pipelining",
        "enhanced_status_codes",
        "eightbitmime",
        "dsn",
        "smtputf8",
        "chunking",
    ] {
        assert_eq!(caps[k], true, "{k}: {caps:#}");
    }
    assert_eq!(caps["size"], 10240000);
    let tls = &a["tls"];
    assert!(
        tls["version"].as_str().unwrap().starts_with("TLSv1."),
        "{tls:#}"
    );
    assert_eq!(tls["chain"][0]["sans"][0], "postfix.probe.test");
    assert_eq!(tls["leaf"]["self_signed"], true);
    assert_eq!(a["rcpt"]["code"], 250, "{a:#}");
    assert_eq!(a["mail"]["code"], 250);
    // Relay denied for other domains: a 554 5.7.1 on RCPT.
    let out = probe_offline(
        &target,
        &["--timeout", "20", "--rcpt", "user@elsewhere.test", "--json"],
    )
    .output()
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = &v["hosts"][0]["addresses"][0];
    assert_eq!(a["rcpt"]["code"], 554, "{a:#}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn doctor_traces_a_message_in_a_log() {
    let log = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../diag/tests/fixtures/doctor-tarpit.log"
    );
    let out = mailway()
        .args([
            "doctor",
            "--log",
            log,
            "--message",
            "<20261127100001.1@sender.test>",
            "--no-probe",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "log");
    assert_eq!(v["recipients"].as_array().unwrap().len(), 2, "{v:#}");
    let codes: Vec<&str> = v["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"user_unknown"), "{codes:?}");
    // Human, Spanish.
    let out = mailway()
        .args([
            "doctor",
            "--log",
            log,
            "--message",
            "bob@logdoc.test",
            "--no-probe",
        ])
        .args(["--lang", "es"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Diagnóstico de bob@logdoc.test"), "{text}");
    assert!(text.contains("registro: "), "{text}");
    for en in [
        "Diagnosis of",
        "log: ",
        "likelihood",
        "Sender:",
        "Admin:",
        "recipient ",
    ] {
        assert!(!text.contains(en), "English {en:?} in:\n{text}");
    }
    // Not in the log, and a missing file: clear errors, exit 2.
    let out = mailway()
        .args([
            "doctor",
            "--log",
            log,
            "--message",
            "nobody@x.test",
            "--no-probe",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no message in the logs matches"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = mailway()
        .args([
            "doctor",
            "--log",
            "/nonexistent/mail.log",
            "--message",
            "x",
            "--no-probe",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/mail.log"));
}
