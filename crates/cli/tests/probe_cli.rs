//! `mailway probe` end to end: the binary against scripted peers, a private Debian Postfix
//! instance with STARTTLS (127.0.20.25, the probe helper's loopback range), and a network
//! namespace without IPv6.

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
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

#[test]
fn tarpit_timeline_and_exit_code() {
    let peer = PeerScript::tarpit().start();
    let out = mailway()
        .args([
            "probe",
            &peer.addr().to_string(),
            "--timeout",
            "0.5",
            "--resolver",
            "127.0.0.1:9",
            "--dns-timeout",
            "0.2",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
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
    let base = [
        "probe",
        &target,
        "--timeout",
        "0.5",
        "--resolver",
        "127.0.0.1:9",
        "--dns-timeout",
        "0.2",
    ];
    let flag = mailway()
        .args(base)
        .args(["--lang", "es"])
        .output()
        .unwrap();
    let env = mailway()
        .args(base)
        .env("LANG", "es_ES.UTF-8")
        .output()
        .unwrap();
    for out in [flag, env] {
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(text.contains("Hallazgos:"), "{text}");
        assert!(
            text.contains("nunca envía su saludo (esperado 500 ms)"),
            "{text}"
        );
    }
    let bad = mailway()
        .args(base)
        .args(["--lang", "fr"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--lang"));
}

#[test]
fn json_output_of_a_working_peer() {
    let peer = PeerScript::accept().start();
    let out = mailway()
        .args([
            "probe",
            &peer.addr().to_string(),
            "--json",
            "--timeout",
            "5",
            "--tls",
            "none",
            "--rcpt",
            "user@example.com",
            "--resolver",
            "127.0.0.1:9",
            "--dns-timeout",
            "0.2",
        ])
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

struct Postfix {
    dir: tempfile::TempDir,
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new("postfix")
            .args(["-c", &self.dir.path().join("etc").to_string_lossy(), "stop"])
            .output();
    }
}

fn start_postfix(ip: &str, port: u16) -> Option<Postfix> {
    let dir = tempfile::Builder::new()
        .prefix("mailway-probe-postfix")
        .tempdir()
        .ok()?;
    let p = dir.path();
    let run = |cmd: &mut Command| {
        let out = cmd.output().expect("run postfix tool");
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).ok()?;
    for d in ["etc", "queue", "data"] {
        std::fs::create_dir_all(p.join(d)).ok()?;
    }
    run(Command::new("chown").args(["postfix", &p.join("data").to_string_lossy()]));
    // Certificate for STARTTLS.
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["postfix.probe.test".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    std::fs::write(p.join("etc/cert.pem"), cert.pem()).ok()?;
    std::fs::write(p.join("etc/key.pem"), key.serialize_pem()).ok()?;
    let master = std::fs::read_to_string("/etc/postfix/master.cf").ok()?;
    let master: String = master
        .lines()
        .map(|l| {
            if l.starts_with("smtp      inet") {
                format!("{ip}:{port} inet n - n - - smtpd")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(p.join("etc/master.cf"), master + "\n").ok()?;
    let d = p.display();
    std::fs::write(
        p.join("etc/main.cf"),
        format!(
            "compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-mailway-probe-test
maillog_file = {d}/maillog
maillog_file_prefixes = {d}
myhostname = postfix.probe.test
mydomain = probe.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = reject_unauth_destination
smtpd_peername_lookup = no
relay_domains = probe-postfix.test
transport_maps = inline:{{ probe-postfix.test=discard: }}
smtp_dns_support_level = disabled
alias_maps =
alias_database =
smtpd_tls_cert_file = {d}/etc/cert.pem
smtpd_tls_key_file = {d}/etc/key.pem
smtpd_tls_security_level = may
biff = no
"
        ),
    )
    .ok()?;
    let etc = p.join("etc");
    let etc = etc.to_string_lossy();
    run(Command::new("postconf").args(["-c", &etc, "-F", "*/*/chroot = n"]));
    run(Command::new("postfix").args(["-c", &etc, "check"]));
    run(Command::new("postfix").args(["-c", &etc, "start"]));
    let pf = Postfix { dir };
    // Wait until smtpd listens.
    for _ in 0..100 {
        if std::net::TcpStream::connect((ip, port)).is_ok() {
            return Some(pf);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("private postfix did not start listening on {ip}:{port}");
}

/// The real peer: Debian's Postfix smtpd on loopback, with STARTTLS.
#[test]
fn probes_a_real_postfix_with_starttls() {
    if !Path::new("/usr/sbin/postfix").exists() {
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
    let _pf = start_postfix(ip, port).expect("private postfix");
    let out = mailway()
        .args([
            "probe",
            &format!("{ip}:{port}"),
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
            "--resolver",
            "127.0.0.1:9",
            "--dns-timeout",
            "0.2",
        ])
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
    let out = mailway()
        .args([
            "probe",
            &format!("{ip}:{port}"),
            "--timeout",
            "20",
            "--rcpt",
            "user@elsewhere.test",
            "--json",
            "--resolver",
            "127.0.0.1:9",
            "--dns-timeout",
            "0.2",
        ])
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
    assert!(text.contains("log: "), "{text}");
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
