//! MTA-STS end to end: the TXT record and the MX from the in-process DNS server, the policy from a
//! loopback HTTPS server whose certificate comes from a test CA (trusted through
//! `MtaStsFetch::extra_roots`; the TLS name stays `mta-sts.<domain>`). Policy mode and `mx:`
//! patterns are checked against the MX hosts the DNS actually returns; redirects, oversize
//! bodies, wrong status, an untrusted certificate and a server that never answers are findings.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mailway_diag::check::{self, CheckOptions, Lang, Report, Severity};
use mailway_dns::{Resolver, ResolverConfig};
use mailway_testkit::dns::TestDns;
use mailway_testkit::smtp::{TestCa, TestCert};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ZONE: &str = "
@ MX 10 mx1.sts.test.
@ MX 20 backup.other.test.
mx1 A 192.0.2.25
_mta-sts TXT \"v=STSv1; id=20261128T000000;\"
mta-sts A 192.0.2.80
";

/// What the HTTPS server answers.
#[derive(Clone)]
struct Http {
    status: &'static str,
    headers: Vec<String>,
    body: String,
    /// Accept TLS, then never answer.
    hang: bool,
}

impl Http {
    fn policy(body: &str) -> Self {
        Http {
            status: "200 OK",
            headers: vec!["Content-Type: text/plain".into()],
            body: body.into(),
            hang: false,
        }
    }
}

async fn https(cert: TestCert, http: Http) -> SocketAddr {
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(cert.chain.clone(), cert.key())
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let http = http.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                if http.hang {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    return;
                }
                let mut resp = format!("HTTP/1.1 {}\r\n", http.status);
                for h in &http.headers {
                    resp.push_str(h);
                    resp.push_str("\r\n");
                }
                resp.push_str(&format!(
                    "Content-Length: {}\r\nConnection: close\r\n\r\n",
                    http.body.len()
                ));
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.write_all(http.body.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

async fn run(http: Http, trusted: bool) -> Report {
    let dns = TestDns::builder()
        .zone("sts.test", ZONE)
        .zone("other.test", "backup A 192.0.2.26\n")
        .start()
        .await
        .unwrap();
    let ca = TestCa::new();
    let cert = if trusted {
        ca.issue(&["mta-sts.sts.test"])
    } else {
        TestCert::self_signed(&["mta-sts.sts.test"])
    };
    let addr = https(cert, http).await;
    let resolver = Resolver::new(
        ResolverConfig::new([dns.addr()])
            .with_timeout(Duration::from_secs(2))
            .with_attempts(1),
    )
    .unwrap();
    let mut opts = CheckOptions::new("sts.test");
    opts.mta_sts.connect_to = Some(addr);
    opts.mta_sts.extra_roots = vec![ca.root().to_vec()];
    opts.mta_sts.timeout = Some(Duration::from_secs(1));
    opts.blocklists = Some(Vec::new());
    let r = check::run(&resolver, opts, Lang::En).await;
    drop(dns);
    r
}

fn sts(r: &Report) -> Vec<(&'static str, Severity, Option<String>)> {
    r.findings
        .iter()
        .filter(|f| f.id.starts_with("mta-sts."))
        .map(|f| (f.id, f.severity, f.subject.clone()))
        .collect()
}

fn one<'a>(r: &'a Report, id: &'a str) -> &'a check::Finding {
    r.with_id(id)
        .next()
        .unwrap_or_else(|| panic!("no {id}: {:?}", sts(r)))
}

#[tokio::test]
async fn enforce_policy_covering_every_mx_is_ok() {
    let r = run(
        Http::policy(
            "version: STSv1\r\nmode: enforce\r\nmx: *.sts.test\r\nmx: backup.other.test\r\nmax_age: 604800\r\n",
        ),
        true,
    )
    .await;
    let ok = one(&r, "mta-sts.ok");
    assert_eq!(ok.severity, Severity::Ok);
    assert_eq!(ok.get("patterns"), Some("*.sts.test, backup.other.test"));
    assert_eq!(sts(&r).len(), 1, "{:?}", sts(&r));
}

#[tokio::test]
async fn mx_not_covered_by_the_policy() {
    // enforce: the backup MX (from DNS) matches no pattern -> senders refuse to deliver to it
    let r = run(
        Http::policy("version: STSv1\nmode: enforce\nmx: *.sts.test\nmax_age: 86400\n"),
        true,
    )
    .await;
    let f = one(&r, "mta-sts.mx-mismatch");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.get("host"), Some("backup.other.test"));
    assert_eq!(r.with_id("mta-sts.mx-mismatch").count(), 1, "{:?}", sts(&r));
    // `*.` matches one label only: mx1.sts.test is covered by *.sts.test, not by *.test
    let r = run(
        Http::policy("version: STSv1\nmode: testing\nmx: *.test\nmax_age: 86400\n"),
        true,
    )
    .await;
    let hosts: Vec<_> = r
        .with_id("mta-sts.mx-mismatch")
        .map(|f| (f.get("host").unwrap().to_string(), f.severity))
        .collect();
    assert_eq!(
        hosts,
        [
            ("mx1.sts.test".to_string(), Severity::Warning),
            ("backup.other.test".to_string(), Severity::Warning)
        ]
    );
    assert_eq!(one(&r, "mta-sts.mode-testing").severity, Severity::Info);
}

#[tokio::test]
async fn policy_syntax_and_content_type() {
    let mut h = Http::policy("version: STSv1\nmode: enforcing\nmax_age: 99999999999\n");
    h.headers = vec!["Content-Type: text/html".into()];
    let r = run(h, true).await;
    let kinds: Vec<_> = r
        .with_id("mta-sts.policy-syntax")
        .map(|f| f.get("kind").unwrap())
        .collect();
    assert_eq!(kinds, ["bad-mode", "bad-max-age", "no-mx"]);
    assert_eq!(one(&r, "mta-sts.content-type").severity, Severity::Warning);
}

#[tokio::test]
async fn redirect_status_size_tls_and_timeout() {
    // redirects are not followed (RFC 8461 §3.3)
    let mut h = Http::policy("");
    h.status = "301 Moved Permanently";
    h.headers = vec!["Location: https://elsewhere.test/mta-sts.txt".into()];
    let r = run(h, true).await;
    let f = one(&r, "mta-sts.redirect");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.get("detail").unwrap().contains("elsewhere.test"));
    // 404
    let mut h = Http::policy("not here");
    h.status = "404 Not Found";
    let r = run(h, true).await;
    assert_eq!(one(&r, "mta-sts.http-status").get("detail"), Some("404"));
    // over 64 KB
    let big = format!(
        "version: STSv1\nmode: enforce\nmx: *.sts.test\nmax_age: 86400\n#{}\n",
        "x".repeat(70 * 1024)
    );
    let r = run(Http::policy(&big), true).await;
    one(&r, "mta-sts.too-large");
    // a certificate the Web PKI (and our test CA) does not vouch for
    let r = run(
        Http::policy("version: STSv1\nmode: enforce\nmx: *.sts.test\nmax_age: 86400\n"),
        false,
    )
    .await;
    let f = one(&r, "mta-sts.fetch-failed");
    assert_eq!(f.get("kind"), Some("tls"));
    // a server that accepts TLS and never answers: a finding within the time limit (1 s)
    let mut h = Http::policy("");
    h.hang = true;
    let started = Instant::now();
    let r = run(h, true).await;
    assert_eq!(one(&r, "mta-sts.fetch-failed").get("kind"), Some("timeout"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
