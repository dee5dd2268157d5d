//! MTA-STS (RFC 8461): the `_mta-sts.<domain>` TXT record (version, id, duplicates).

use super::Ctx;
use super::finding::{Evidence, Finding, LocalArg, Severity};

/// A failed connection to `addr` in words: the common failures in the report's language, any
/// other as the system says it.
fn io_error(addr: std::net::SocketAddr, e: &std::io::Error) -> LocalArg {
    use std::io::ErrorKind as K;
    let kind = match e.kind() {
        K::ConnectionRefused => "refused",
        K::TimedOut => "timeout",
        K::ConnectionReset => "reset",
        K::HostUnreachable | K::NetworkUnreachable => "unreachable",
        _ => "other",
    };
    LocalArg::text(
        "mta-sts.ev-io-error",
        &[
            ("addr", addr.to_string()),
            ("kind", kind.into()),
            ("error", e.to_string()),
        ],
    )
}
use super::txtrec::{self, Tags};

/// Problems of an MTA-STS TXT record: kinds `bad-version`, `bad-id`, `no-id`.
pub fn txt_problems(text: &str) -> Vec<(&'static str, String)> {
    let tags = Tags::parse(text, "STSv1");
    let mut out = tags.problems();
    match tags.get("id") {
        None => out.push(("no-id", String::new())),
        Some(id) => {
            if id.is_empty() || id.len() > 32 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                out.push(("bad-id", id.to_string()));
            }
        }
    }
    out
}

/// Runs the MTA-STS record checks. Returns the findings and whether a (single) record exists.
pub async fn check_txt(cx: &Ctx) -> (Vec<Finding>, bool) {
    let name = format!("_mta-sts.{}", cx.domain);
    let (records, ev) = match txtrec::lookup(cx, &name, "STSv1", "mta-sts.lookup-failed").await {
        Ok(x) => x,
        Err(f) => return (vec![f], false),
    };
    if records.is_empty() {
        return (
            vec![Finding::new("mta-sts.none", Severity::Info).evidence(ev)],
            false,
        );
    }
    // syntax errors of every record, also when there are several (all of them are reported,
    // not just the first fault)
    let mut f = txtrec::syntax_findings(
        "mta-sts.txt-syntax",
        records.iter().flat_map(|rec| txt_problems(rec)),
        &ev,
    );
    if records.len() > 1 {
        f.push(
            Finding::new("mta-sts.multiple", Severity::Error)
                .arg("count", records.len())
                .evidence(ev),
        );
        return (f, false);
    }
    let ok = f.is_empty();
    (f, ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt() {
        assert!(txt_problems("v=STSv1; id=20261127T000000;").is_empty());
        assert_eq!(txt_problems("v=STSv1; id=not valid!;")[0].0, "bad-id");
        assert_eq!(txt_problems("v=STSv1;")[0].0, "no-id");
    }
}

/// Largest policy accepted (RFC 8461 §3.3: senders may limit the size; 64 KB is common).
pub const MAX_POLICY_BYTES: usize = 64 * 1024;

/// A parsed MTA-STS policy (RFC 8461 §3.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// `mode`.
    pub mode: Option<String>,
    /// `mx` patterns.
    pub mx: Vec<String>,
    /// `max_age` in seconds.
    pub max_age: Option<u64>,
    /// Problems: (kind, detail). Kinds: `no-version`, `bad-version`, `bad-mode`, `no-mode`,
    /// `no-mx`, `bad-max-age`, `no-max-age`, `bad-line`.
    pub problems: Vec<(&'static str, String)>,
}

/// Parses a policy body.
pub fn parse_policy(text: &str) -> Policy {
    let mut p = Policy::default();
    let mut version = None;
    for line in text.split('\n').map(|l| l.trim_end_matches('\r')) {
        if line.trim().is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            p.problems
                .push(("bad-line", line.chars().take(60).collect()));
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        match k {
            "version" => version = Some(v.to_string()),
            "mode" => {
                if !matches!(v, "enforce" | "testing" | "none") {
                    p.problems.push(("bad-mode", v.to_string()));
                }
                p.mode = Some(v.to_string());
            }
            "mx" => p.mx.push(v.to_ascii_lowercase()),
            "max_age" => match v.parse::<u64>() {
                Ok(n) if n <= 31_557_600 && !v.is_empty() && v.len() <= 10 => p.max_age = Some(n),
                _ => p.problems.push(("bad-max-age", v.to_string())),
            },
            _ => {}
        }
    }
    match version.as_deref() {
        None => p.problems.push(("no-version", String::new())),
        Some("STSv1") => {}
        Some(v) => p.problems.push(("bad-version", v.to_string())),
    }
    if p.mode.is_none() {
        p.problems.push(("no-mode", String::new()));
    }
    if p.max_age.is_none() && !p.problems.iter().any(|(k, _)| *k == "bad-max-age") {
        p.problems.push(("no-max-age", String::new()));
    }
    if p.mx.is_empty() && p.mode.as_deref() != Some("none") {
        p.problems.push(("no-mx", String::new()));
    }
    p
}

/// Whether an MX host matches a policy `mx` pattern (RFC 8461 §4.1: `*.` matches exactly one
/// left-most label).
pub fn mx_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .split_once('.')
            .is_some_and(|(first, rest)| !first.is_empty() && rest == suffix),
        None => pattern == host,
    }
}

/// Why fetching the policy failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// `mta-sts.<domain>` has no address.
    Resolve(LocalArg),
    /// TCP connection failed.
    Connect(LocalArg),
    /// TLS handshake or certificate failure.
    Tls(String),
    /// The whole fetch took longer than the limit.
    Timeout(u64),
    /// A 3xx answer (redirects must not be followed, RFC 8461 §3.3).
    Redirect(u16, String),
    /// Any other non-200 status.
    Status(u16),
    /// The body is over [`MAX_POLICY_BYTES`].
    TooLarge,
    /// HTTP protocol error.
    Http(String),
}

impl FetchError {
    /// Kind keyword for the texts.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Resolve(_) => "resolve",
            Self::Connect(_) => "connect",
            Self::Tls(_) => "tls",
            Self::Timeout(_) => "timeout",
            Self::Redirect(..) => "redirect",
            Self::Status(_) => "status",
            Self::TooLarge => "too-large",
            Self::Http(_) => "http",
        }
    }

    /// Detail for the texts, in the report's language (the same as [`FetchError::detail`] in
    /// English).
    pub fn detail_text(&self) -> LocalArg {
        match self {
            Self::Resolve(s) | Self::Connect(s) => s.clone(),
            other => LocalArg::Plain(other.detail()),
        }
    }

    /// Detail for the texts (English).
    pub fn detail(&self) -> String {
        match self {
            Self::Resolve(s) | Self::Connect(s) => s.render(crate::check::i18n::Lang::En),
            Self::Tls(s) | Self::Http(s) => s.clone(),
            Self::Timeout(s) => format!("{s} s"),
            Self::Redirect(c, l) => format!("{c} → {l}"),
            Self::Status(c) => c.to_string(),
            Self::TooLarge => format!("> {MAX_POLICY_BYTES} bytes"),
        }
    }
}

/// A fetched policy.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL.
    pub url: String,
    /// Address connected to.
    pub addr: std::net::SocketAddr,
    /// `Content-Type` header.
    pub content_type: Option<String>,
    /// Body.
    pub body: String,
}

fn tls_config(extra_roots: &[Vec<u8>]) -> Result<std::sync::Arc<rustls::ClientConfig>, FetchError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for der in extra_roots {
        roots
            .add(rustls::pki_types::CertificateDer::from(der.clone()))
            .map_err(|e| FetchError::Tls(format!("bad extra CA certificate: {e}")))?;
    }
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| FetchError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(std::sync::Arc::new(cfg))
}

async fn fetch_inner(cx: &Ctx, host: &str) -> Result<Fetched, FetchError> {
    use http_body_util::{BodyExt, Empty, Limited};
    let url = format!("https://{host}/.well-known/mta-sts.txt");
    let addr = match cx.opts.mta_sts.connect_to {
        Some(a) => a,
        None => {
            let ips = cx
                .resolver
                .ip(host)
                .await
                .map_err(|e| FetchError::Resolve(LocalArg::Dns(e)))?;
            let ip = *ips.records.first().ok_or_else(|| {
                FetchError::Resolve(LocalArg::text(
                    "mta-sts.ev-no-address",
                    &[("host", host.to_string())],
                ))
            })?;
            std::net::SocketAddr::new(ip, 443)
        }
    };
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| FetchError::Connect(io_error(addr, &e)))?;
    let name = rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| FetchError::Tls(e.to_string()))?;
    let tls = tokio_rustls::TlsConnector::from(tls_config(&cx.opts.mta_sts.extra_roots)?)
        .connect(name, tcp)
        .await
        .map_err(|e| FetchError::Tls(e.to_string()))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
            .await
            .map_err(|e| FetchError::Http(e.to_string()))?;
    let driver = tokio::spawn(async move {
        let _ = conn.await;
    });
    let req = http::Request::builder()
        .method("GET")
        .uri("/.well-known/mta-sts.txt")
        .header("host", host)
        .header("user-agent", concat!("mailway/", env!("CARGO_PKG_VERSION")))
        .header("accept", "text/plain")
        .body(Empty::<hyper::body::Bytes>::new())
        .map_err(|e| FetchError::Http(e.to_string()))?;
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| FetchError::Http(e.to_string()))?;
    let status = resp.status().as_u16();
    if (300..400).contains(&status) {
        let loc = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        driver.abort();
        return Err(FetchError::Redirect(status, loc));
    }
    if status != 200 {
        driver.abort();
        return Err(FetchError::Status(status));
    }
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = Limited::new(resp.into_body(), MAX_POLICY_BYTES)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                FetchError::TooLarge
            } else {
                FetchError::Http(e.to_string())
            }
        })?
        .to_bytes();
    driver.abort();
    Ok(Fetched {
        url,
        addr,
        content_type,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Fetches `https://mta-sts.<domain>/.well-known/mta-sts.txt` with a real TLS client (Web PKI
/// roots plus any extra CA), no redirects, a 64 KB limit and a time limit.
pub async fn fetch_policy(cx: &Ctx) -> Result<Fetched, FetchError> {
    let host = format!("mta-sts.{}", cx.domain);
    let limit = cx
        .opts
        .mta_sts
        .timeout
        .unwrap_or(std::time::Duration::from_secs(10));
    match tokio::time::timeout(limit, fetch_inner(cx, &host)).await {
        Ok(r) => r,
        Err(_) => Err(FetchError::Timeout(limit.as_secs().max(1))),
    }
}

/// Fetches and checks the policy against the MX hosts.
pub async fn check_policy(cx: &Ctx, mx_hosts: &[String]) -> Vec<Finding> {
    let host = format!("mta-sts.{}", cx.domain);
    let url = format!("https://{host}/.well-known/mta-sts.txt");
    let mut out = Vec::new();
    let fetched = match fetch_policy(cx).await {
        Ok(f) => f,
        Err(e) => {
            let (id, sev) = match &e {
                FetchError::Redirect(..) => ("mta-sts.redirect", Severity::Error),
                FetchError::TooLarge => ("mta-sts.too-large", Severity::Error),
                FetchError::Status(_) => ("mta-sts.http-status", Severity::Error),
                _ => ("mta-sts.fetch-failed", Severity::Warning),
            };
            out.push(
                Finding::new(id, sev)
                    .arg("url", &url)
                    .arg("kind", e.kind())
                    .local_arg("detail", e.detail_text())
                    .evidence(Evidence::local(
                        LocalArg::Plain(format!("GET {url}")),
                        e.detail_text(),
                        Vec::new(),
                    )),
            );
            return out;
        }
    };
    let ev = Evidence::local(
        LocalArg::Plain(format!("GET {}", fetched.url)),
        LocalArg::text("mta-sts.ev-http-ok", &[("addr", fetched.addr.to_string())]),
        fetched
            .body
            .lines()
            .take(20)
            .map(|l| LocalArg::Plain(l.to_string()))
            .collect(),
    );
    if !fetched
        .content_type
        .as_deref()
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("text/plain"))
    {
        out.push(
            Finding::new("mta-sts.content-type", Severity::Warning)
                .arg(
                    "content_type",
                    fetched.content_type.clone().unwrap_or_else(|| "-".into()),
                )
                .evidence(ev.clone()),
        );
    }
    let p = parse_policy(&fetched.body);
    for (kind, detail) in &p.problems {
        out.push(
            Finding::new("mta-sts.policy-syntax", Severity::Error)
                .subject(if detail.is_empty() {
                    (*kind).to_string()
                } else {
                    detail.clone()
                })
                .arg("kind", *kind)
                .arg("detail", detail)
                .evidence(ev.clone()),
        );
    }
    let mode = p.mode.clone().unwrap_or_default();
    if mode == "enforce" || mode == "testing" {
        for h in mx_hosts {
            if !p.mx.iter().any(|pat| mx_matches(pat, h)) {
                out.push(
                    Finding::new(
                        "mta-sts.mx-mismatch",
                        if mode == "enforce" {
                            Severity::Error
                        } else {
                            Severity::Warning
                        },
                    )
                    .subject(h.clone())
                    .arg("host", h)
                    .arg("patterns", p.mx.join(", "))
                    .arg("mode", &mode)
                    .evidence(ev.clone()),
                );
            }
        }
    }
    if p.problems.is_empty() {
        match mode.as_str() {
            "enforce" => out.push(
                Finding::new("mta-sts.ok", Severity::Ok)
                    .arg("max_age", p.max_age.unwrap_or(0))
                    .arg("patterns", p.mx.join(", "))
                    .evidence(ev),
            ),
            "testing" => {
                out.push(Finding::new("mta-sts.mode-testing", Severity::Info).evidence(ev))
            }
            _ => out.push(Finding::new("mta-sts.mode-none", Severity::Info).evidence(ev)),
        }
    }
    out
}

#[cfg(test)]
mod policy_tests {
    use super::*;

    #[test]
    fn policies() {
        let p = parse_policy(
            "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n",
        );
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.mx.len(), 2);
        let p = parse_policy("version: STSv1\nmode: enforcing\nmax_age: 99999999999\n");
        let kinds: Vec<_> = p.problems.iter().map(|x| x.0).collect();
        assert_eq!(kinds, vec!["bad-mode", "bad-max-age", "no-mx"]);
    }

    #[test]
    fn patterns() {
        assert!(mx_matches("mx1.example.com", "MX1.example.com."));
        assert!(mx_matches("*.example.com", "mx1.example.com"));
        assert!(!mx_matches("*.example.com", "a.mx1.example.com"));
        assert!(!mx_matches("*.example.com", "example.com"));
    }
}
