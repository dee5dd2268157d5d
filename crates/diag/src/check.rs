//! `mailway check`: DNS, authentication and reputation diagnosis of a domain.
//!
//! # Brief overview
//!
//! [`run`] takes a [`mailway_dns::Resolver`] (the servers to ask, timeout, attempts) and
//! [`CheckOptions`] (domain, sending IP, DKIM selectors, blocklists, ...) and returns a
//! [`Report`]: a list of [`Finding`]s, each with a stable id (`spf.lookups-exceeded`), a
//! [`Severity`] (`ok` / `info` / `warning` / `error`), the evidence (records and which server
//! answered) and an explanation and fix in English or Spanish ([`Lang`]; Fluent messages in
//! `src/check/locales`).
//!
//! Areas run concurrently; each is bounded in time, so a dead or slow resolver yields a finding
//! within the timeout instead of a hang. A first query to every resolver tells which answer at
//! all (`resolver.unreachable`); when none does the report says so and
//! [`Report::could_not_run`] is set.
//!
//! Pure parts (SPF/DMARC/DKIM/MTA-STS syntax, address classes) are separate modules with their
//! own unit tests; the rest talks to DNS only through the resolver it is given (and, for
//! MTA-STS, to the HTTPS policy host, which tests redirect with [`MtaStsFetch`]).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant, SystemTime};

use mailway_dns::Resolver;
use mailway_dns::dnssec::TrustAnchors;
use serde::Serialize;

pub mod addr;
pub mod bimi;
pub mod blocklist;
pub mod dane;
pub mod dkim;
pub mod dmarc;
pub mod dnssec;
pub mod finding;
pub mod i18n;
pub mod ip;
pub mod mtasts;
pub mod mx;
pub mod ns;
pub mod resolver;
pub mod spf;
pub mod tlsrpt;
pub mod txtrec;

pub use finding::{Area, Evidence, Finding, Severity};
pub use i18n::Lang;

/// Where the MTA-STS policy is fetched from (tests point it at a loopback HTTPS server).
#[derive(Debug, Clone, Default)]
pub struct MtaStsFetch {
    /// Connect here instead of resolving `mta-sts.<domain>` (the TLS name stays
    /// `mta-sts.<domain>`).
    pub connect_to: Option<SocketAddr>,
    /// Extra trusted CA certificates (DER), in addition to the Web PKI roots.
    pub extra_roots: Vec<Vec<u8>>,
    /// Time limit for the whole fetch (connect, TLS, request, body); default 10 s.
    pub timeout: Option<Duration>,
}

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The domain.
    pub domain: String,
    /// The sending IP (enables PTR/FCrDNS, blocklists by IP and SPF evaluation).
    pub ip: Option<IpAddr>,
    /// HELO name for SPF evaluation (default: the PTR name of the IP, else the domain).
    pub helo: Option<String>,
    /// DKIM selectors to check, in addition to a list of common ones.
    pub dkim_selectors: Vec<String>,
    /// Blocklist zones (`zen.spamhaus.org`, `dbl:dbl.spamhaus.org`); `None` = the defaults.
    pub blocklists: Option<Vec<String>>,
    /// Port used to ask the domain's name servers directly (53; tests use others).
    pub ns_port: u16,
    /// MTA-STS policy fetch settings.
    pub mta_sts: MtaStsFetch,
    /// "Now", for DNSSEC signature validity and `%{t}`.
    pub now: SystemTime,
    /// Where DNSSEC chains start (default: the IANA root KSKs; a lab or a private tree
    /// passes its own with `--trust-anchor`).
    pub trust_anchors: TrustAnchors,
}

impl CheckOptions {
    /// Options for `domain` with defaults.
    pub fn new(domain: impl Into<String>) -> Self {
        Self {
            domain: domain.into(),
            ip: None,
            helo: None,
            dkim_selectors: Vec::new(),
            blocklists: None,
            ns_port: 53,
            mta_sts: MtaStsFetch::default(),
            now: SystemTime::now(),
            trust_anchors: TrustAnchors::iana_root(),
        }
    }
}

/// Shared state of one check run.
pub struct Ctx {
    /// The resolver.
    pub resolver: Resolver,
    /// The domain, lowercase, no trailing dot.
    pub domain: String,
    /// Options.
    pub opts: CheckOptions,
    /// The domain is under a special-use TLD (`.test`, ...): see [`addr::is_special_use_domain`].
    pub special_use: bool,
    /// DNSSEC chains walked so far in this run.
    pub dnssec_cache: dnssec::ChainCache,
}

impl Ctx {
    /// The context for checking `opts.domain` (lowercased, no trailing dot) with `resolver`.
    pub fn new(resolver: Resolver, opts: CheckOptions) -> Self {
        let domain = opts
            .domain
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        Self {
            resolver,
            special_use: addr::is_special_use_domain(&domain),
            domain,
            opts,
            dnssec_cache: dnssec::ChainCache::default(),
        }
    }

    /// Lowers a severity for special-use test domains (see [`addr::is_special_use_domain`]).
    pub fn adjust(&self, s: Severity) -> Severity {
        if self.special_use { s.downgrade() } else { s }
    }

    /// Time budget of one area: enough for every server and attempt, plus slack.
    pub fn area_budget(&self) -> Duration {
        let cfg = self.resolver.config();
        let per_lookup = cfg.timeout * (cfg.attempts as u32) * (cfg.servers.len().max(1) as u32);
        per_lookup * 4 + Duration::from_secs(2)
    }
}

/// The result of a check.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The domain checked.
    pub domain: String,
    /// Every finding, grouped by area in report order.
    pub findings: Vec<Finding>,
    /// Counts per severity.
    pub summary: Summary,
    /// Resolvers used.
    pub resolvers: Vec<String>,
    /// Wall time of the whole check, in milliseconds.
    pub elapsed_ms: u64,
    /// Set when the check could not run (invalid domain, no resolver answered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub could_not_run: Option<String>,
}

/// Number of findings per severity.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    /// `ok` findings.
    pub ok: usize,
    /// `info` findings.
    pub info: usize,
    /// `warning` findings.
    pub warning: usize,
    /// `error` findings.
    pub error: usize,
}

impl Report {
    /// True when any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Findings with this id.
    pub fn with_id<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.id == id)
    }

    /// Re-renders every text in `lang`.
    pub fn localize(&mut self, lang: Lang) {
        for f in &mut self.findings {
            f.localize(lang, &self.domain);
        }
    }
}

async fn bounded<F: std::future::Future<Output = Vec<Finding>>>(
    cx: &Ctx,
    area: &'static str,
    fut: F,
) -> Vec<Finding> {
    match tokio::time::timeout(cx.area_budget(), fut).await {
        Ok(f) => f,
        Err(_) => vec![
            Finding::new("resolver.area-timeout", Severity::Warning)
                .subject(area)
                .arg("seconds", cx.area_budget().as_secs()),
        ],
    }
}

/// Runs every check and returns the report, localised in `lang`.
pub async fn run(resolver: &Resolver, opts: CheckOptions, lang: Lang) -> Report {
    let started = Instant::now();
    let domain = opts
        .domain
        .trim()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let resolvers: Vec<String> = resolver.servers().iter().map(ToString::to_string).collect();
    let mut report = Report {
        domain: domain.clone(),
        findings: Vec::new(),
        summary: Summary::default(),
        resolvers,
        elapsed_ms: 0,
        could_not_run: None,
    };
    if let Err(e) = mailway_dns::parse_name(&domain) {
        report.could_not_run = Some(e.to_string());
        report
            .findings
            .push(Finding::new("domain.invalid", Severity::Error).dns_error("error", &e));
        return finish(report, started, lang);
    }
    let cx = Ctx::new(resolver.clone(), opts);
    // 1. which resolvers answer at all, and does the domain exist
    let pre = resolver::preflight(&cx).await;
    report.findings.extend(pre.findings);
    let Some(live) = pre.live else {
        report.could_not_run = Some("no resolver answered".into());
        return finish(report, started, lang);
    };
    let cx = Ctx {
        resolver: live,
        ..cx
    };
    if !pre.exists {
        // a domain that does not exist can still be on a domain blocklist
        let f = bounded(&cx, "blocklist", blocklist::check(&cx)).await;
        report.findings.extend(f);
        return finish(report, started, lang);
    }
    // 2. everything else, concurrently, each area bounded in time
    let mail = async {
        let (mut f, mx) = mx::check(&cx).await;
        let (dane, (sts, has_sts)) = tokio::join!(dane::check(&cx, &mx), mtasts::check_txt(&cx));
        f.extend(dane);
        f.extend(sts);
        if has_sts {
            f.extend(mtasts::check_policy(&cx, &mx.hosts).await);
        }
        f
    };
    let sending_ip = async {
        match cx.opts.ip {
            Some(ip) => ip::check(&cx, ip).await,
            None => Vec::new(),
        }
    };
    let (j, k) = tokio::join!(
        bounded(&cx, "ip", sending_ip),
        bounded(&cx, "blocklist", blocklist::check(&cx)),
    );
    report.findings.extend(j);
    report.findings.extend(k);
    let (a, b, c, d, e, g, h, i, l) = tokio::join!(
        bounded(&cx, "mx", mail),
        bounded(&cx, "ns", ns::check(&cx)),
        bounded(&cx, "propagation", resolver::propagation(&cx)),
        bounded(&cx, "spf", spf::check(&cx)),
        bounded(&cx, "dmarc", dmarc::check(&cx)),
        bounded(&cx, "dkim", dkim::check(&cx)),
        bounded(&cx, "tls-rpt", tlsrpt::check(&cx)),
        bounded(&cx, "bimi", bimi::check(&cx)),
        bounded(&cx, "dnssec", dnssec::check(&cx)),
    );
    for part in [a, b, c, d, e, g, h, i, l] {
        report.findings.extend(part);
    }
    finish(report, started, lang)
}

fn finish(mut report: Report, started: Instant, lang: Lang) -> Report {
    report
        .findings
        .sort_by_key(|f| (f.area, std::cmp::Reverse(f.severity)));
    let mut s = Summary::default();
    for f in &report.findings {
        match f.severity {
            Severity::Ok => s.ok += 1,
            Severity::Info => s.info += 1,
            Severity::Warning => s.warning += 1,
            Severity::Error => s.error += 1,
        }
    }
    report.summary = s;
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    report.localize(lang);
    report
}

/// Decodes standard base64 (whitespace ignored, padding optional). `None` on invalid input.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0u32;
    let mut pad = 0;
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                pad += 1;
                continue;
            }
            _ => return None,
        };
        if pad > 0 {
            return None;
        }
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    if pad > 2 || bits >= 6 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVs bG8").unwrap(), b"hello");
        assert!(base64_decode("MIIBIjANBgkqhkiG9w0B!!notbase64").is_none());
    }
}
