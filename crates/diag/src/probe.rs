//! `mailway probe`: connect to each MX address and report, per address, a timeline with
//! milliseconds per phase, the banner, EHLO capabilities, TLS and certificate (with DANE),
//! optionally MAIL FROM / RCPT TO (never DATA), greylisting, and outbound port 25 blocking.
//!
//! DNS comes from [`mailway_dns::Resolver`], SMTP from [`mailway_smtp::SmtpClient`]; both are
//! configurable (resolver servers, ports, timeouts) so everything is testable on loopback. The
//! result is a [`ProbeReport`] (serialisable: the documented `--json`, see `docs/probe-json.md`)
//! with [`Finding`]s; [`render`] makes the aligned human timeline.

pub mod i18n;
mod render;
mod target;
mod tls;
mod verdict;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use mailway_dns::dnssec::TrustAnchors;
use mailway_dns::{NullMx, RecordType, Resolver, null_mx, tlsa_name};
use mailway_smtp::{
    Capabilities, CertificateDer, ClientConfig, MailParams, Phase, RcptParams, SmtpClient,
    SmtpError, SmtpReply, Timeouts, TlsClientConfig, TlsPolicy, TlsVerify, TranscriptLine,
};
use mailway_status::SmtpCommand;
use serde::Serialize;

pub use i18n::Lang;
pub use render::render;
pub use target::{Target, TargetError};
pub use tls::{
    DaneReport, LeafCheck, TlsReport, TlsaDnssec, TlsaRecord, dane_verdict, tls_report,
    tlsa_matches,
};
pub use verdict::{looks_like_greylisting, mentions_greylisting};

/// How to probe.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// The SMTP port (default 25; a `HOST:PORT` target overrides it).
    pub port: u16,
    /// Ports tried when every address times out on `port`, to tell "port 25 blocked from
    /// here" (default 587 and 465). Empty disables the check.
    pub fallback_ports: Vec<u16>,
    /// Name sent in EHLO.
    pub helo_name: String,
    /// Sender for the optional MAIL FROM (empty: the null sender `<>`).
    pub from: Option<String>,
    /// Recipient for the optional RCPT TO (nothing after RCPT is ever sent).
    pub rcpt: Option<String>,
    /// STARTTLS policy.
    pub tls: TlsPolicy,
    /// Per-phase timeouts.
    pub timeouts: Timeouts,
    /// Wait before retrying a greylisted RCPT once (zero disables the retry).
    pub greylist_wait: Duration,
    /// Extra trusted roots for chain validation (tests).
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// Probe IPv4 addresses.
    pub ipv4: bool,
    /// Probe IPv6 addresses.
    pub ipv6: bool,
    /// Treat a bare name as a host, not a mail domain.
    pub force_host: bool,
    /// Current time, Unix seconds (certificate expiry is judged against it).
    pub now: i64,
    /// Language of the findings and of [`render`].
    pub lang: Lang,
    /// Where mailway's own DNSSEC validation of the TLSA records starts (default: the IANA
    /// root KSKs; `--trust-anchor` for a private tree or a lab). Used when the resolver does
    /// not validate (no AD bit).
    pub trust_anchors: TrustAnchors,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            port: 25,
            fallback_ports: vec![587, 465],
            helo_name: "localhost".into(),
            from: None,
            rcpt: None,
            tls: TlsPolicy::Opportunistic,
            timeouts: Timeouts::default(),
            greylist_wait: Duration::from_secs(60),
            extra_roots: Vec::new(),
            ipv4: true,
            ipv6: true,
            force_host: false,
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
            lang: Lang::En,
            trust_anchors: TrustAnchors::iana_root(),
        }
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Mail cannot be delivered this way.
    Error,
    /// Works, but something is wrong or risky.
    Warning,
    /// Worth knowing.
    Info,
    /// Checked and fine.
    Ok,
}

/// One conclusion with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Stable identifier (`tarpit`, `connect_timeout`, `port25_blocked`, ... see the JSON doc).
    pub code: String,
    /// What was found, in plain English, with the evidence.
    pub message: String,
    /// The host it is about, when about one.
    pub host: Option<String>,
    /// The address it is about, when about one.
    pub address: Option<String>,
}

/// One step of an address's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The phase.
    pub phase: Phase,
    /// Milliseconds since this address's connect began.
    pub start_ms: u64,
    /// Duration (ms).
    pub duration_ms: u64,
    /// Reply code that ended the step.
    pub code: Option<u16>,
    /// `ok` or an error kind (`timed_out`, `refused`, `reset`, ...).
    pub outcome: String,
    /// The reply text, TLS parameters or error message.
    pub detail: String,
    /// True for steps of the greylisting retry connection.
    pub retry: bool,
}

/// The banner and how it compares with DNS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Banner {
    /// The greeting reply.
    pub reply: SmtpReply,
    /// The host name the banner announces (first word of its text).
    pub host: String,
    /// The banner host is one of the address's PTR names (`None` when there is no PTR).
    pub matches_ptr: Option<bool>,
}

/// The greylisting retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Greylisting {
    /// The first RCPT reply (the 4xx).
    pub first: SmtpReply,
    /// Seconds waited before retrying (0: retry disabled).
    pub waited_s: u64,
    /// The RCPT reply on the retry connection.
    pub retry: Option<SmtpReply>,
    /// What went wrong on the retry connection, if anything.
    pub retry_error: Option<String>,
    /// The retry was accepted (2xx).
    pub passed: bool,
}

/// One probed address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressReport {
    /// The host name (or the IP for IP targets).
    pub host: String,
    /// The address.
    pub address: IpAddr,
    /// The port.
    pub port: u16,
    /// `ipv4` or `ipv6`.
    pub family: String,
    /// PTR names of the address.
    pub ptr: Vec<String>,
    /// The PTR lookup error (NXDOMAIN, timeout...).
    pub ptr_error: Option<String>,
    /// `ok` when the conversation reached QUIT, else the error kind of the failure
    /// (`refused`, `unreachable`, `timed_out`, `reset`, `closed`, `tls`, `protocol`, `io`,
    /// `rejected`, `tls_unavailable`).
    pub outcome: String,
    /// The phase that failed.
    pub failed_phase: Option<Phase>,
    /// The failure, in words.
    pub error: Option<String>,
    /// For a timeout: the timeout that expired (ms).
    pub waited_ms: Option<u64>,
    /// Every step, in order.
    pub timeline: Vec<Step>,
    /// The greeting.
    pub banner: Option<Banner>,
    /// EHLO capabilities (before TLS).
    pub capabilities: Option<Capabilities>,
    /// EHLO capabilities after STARTTLS.
    pub capabilities_tls: Option<Capabilities>,
    /// STARTTLS result.
    pub tls: Option<TlsReport>,
    /// The MAIL FROM reply (with `--rcpt`).
    pub mail: Option<SmtpReply>,
    /// The RCPT TO reply (with `--rcpt`; after a greylisting retry, the retry's).
    pub rcpt: Option<SmtpReply>,
    /// Greylisting detected on RCPT, and the retry.
    pub greylisting: Option<Greylisting>,
    /// The conversation (credentials never included).
    pub transcript: Vec<TranscriptLine>,
    /// Total time spent on this address (ms).
    pub total_ms: u64,
}

/// One MX host (or the target host).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostReport {
    /// The host name.
    pub host: String,
    /// MX preference, for MX hosts.
    pub preference: Option<u16>,
    /// Address lookup errors (`A: ...`, `AAAA: ...`).
    pub resolve_errors: Vec<String>,
    /// DANE: TLSA lookup result (when TLS is not `none`).
    pub tlsa: Option<DaneReport>,
    /// The probed addresses.
    pub addresses: Vec<AddressReport>,
}

/// One alternative-port attempt of the port-25 check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AltPort {
    /// The address.
    pub address: IpAddr,
    /// The port tried.
    pub port: u16,
    /// `ok` (TCP connect succeeded) or the error kind.
    pub outcome: String,
    /// Time to connect or fail (ms).
    pub ms: u64,
}

/// The outbound-port-25 check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Port25Check {
    /// The port that timed out everywhere.
    pub port: u16,
    /// True when some host answered on an alternative port.
    pub blocked: bool,
    /// The attempts.
    pub attempts: Vec<AltPort>,
}

/// Everything a probe found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeReport {
    /// The target as parsed.
    pub target: Target,
    /// The port probed.
    pub port: u16,
    /// Where the host list came from: `mx`, `implicit_mx` (no MX: the domain's own A/AAAA),
    /// `host`, `ip`, or `none`.
    pub source: String,
    /// MX records as found (`10 mx1.example.com`).
    pub mx: Vec<String>,
    /// The MX lookup error.
    pub mx_error: Option<String>,
    /// The hosts in MX order.
    pub hosts: Vec<HostReport>,
    /// The port-25 check, when it ran.
    pub port25: Option<Port25Check>,
    /// Conclusions, most severe first.
    pub findings: Vec<Finding>,
    /// Total probe duration (ms).
    pub total_ms: u64,
    /// Language of the finding messages (`en` or `es`).
    pub lang: Lang,
}

impl ProbeReport {
    /// True when some finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Every probed address.
    pub fn addresses(&self) -> impl Iterator<Item = &AddressReport> {
        self.hosts.iter().flat_map(|h| h.addresses.iter())
    }
}

/// Probes `target` (see [`Target::parse`]). Errors only for an unusable target; DNS and SMTP
/// failures are findings in the report.
pub async fn probe(
    resolver: &Resolver,
    target: &str,
    opts: &ProbeOptions,
) -> Result<ProbeReport, TargetError> {
    let target = Target::parse(target, opts.force_host)?;
    Ok(probe_target(resolver, target, opts).await)
}

/// Probes an already parsed target.
pub async fn probe_target(resolver: &Resolver, target: Target, opts: &ProbeOptions) -> ProbeReport {
    let t0 = Instant::now();
    let port = target.port().unwrap_or(opts.port);
    let mut report = ProbeReport {
        target: target.clone(),
        port,
        source: String::new(),
        mx: Vec::new(),
        mx_error: None,
        hosts: Vec::new(),
        port25: None,
        findings: Vec::new(),
        total_ms: 0,
        lang: opts.lang,
    };
    let mut findings = Vec::new();
    // 1. Which hosts.
    let mut hosts: Vec<HostPlan> = Vec::new();
    match &target {
        Target::Ip { ip, .. } => {
            report.source = "ip".into();
            hosts.push((ip.to_string(), None, vec![*ip], Vec::new()));
        }
        Target::Host { name, .. } => {
            report.source = "host".into();
            let (ips, errs) = resolve_host(resolver, name, opts).await;
            hosts.push((name.clone(), None, ips, errs));
        }
        Target::Domain { name } => match resolver.mx(name).await {
            Ok(ans) => {
                report.source = "mx".into();
                report.mx = ans.records.iter().map(|m| m.to_string()).collect();
                match null_mx(&ans.records) {
                    NullMx::Yes => findings.push(finding(
                        Severity::Error,
                        "null_mx",
                        i18n::tr(opts.lang, "null-mx", &[("name", name.clone())]),
                        None,
                        None,
                    )),
                    NullMx::Mixed => findings.push(finding(
                        Severity::Error,
                        "null_mx_mixed",
                        i18n::tr(opts.lang, "null-mx-mixed", &[("name", name.clone())]),
                        None,
                        None,
                    )),
                    NullMx::No => {}
                }
                for mx in ans.records.iter().filter(|m| !m.is_null()) {
                    let (ips, errs) = resolve_host(resolver, &mx.exchange, opts).await;
                    hosts.push((mx.exchange.clone(), Some(mx.preference), ips, errs));
                }
            }
            Err(e) if e.is_nodata() => {
                report.source = "implicit_mx".into();
                report.mx_error = Some(dns_error(opts.lang, &e));
                findings.push(finding(
                    Severity::Warning,
                    "no_mx",
                    i18n::tr(opts.lang, "no-mx", &[("name", name.clone())]),
                    None,
                    None,
                ));
                let (ips, errs) = resolve_host(resolver, name, opts).await;
                hosts.push((name.clone(), None, ips, errs));
            }
            Err(e) => {
                report.source = "none".into();
                report.mx_error = Some(dns_error(opts.lang, &e));
                let (code, msg) = if e.is_nxdomain() {
                    (
                        "nxdomain",
                        i18n::tr(opts.lang, "nxdomain", &[("name", name.clone())]),
                    )
                } else {
                    // No answer at all, or a refusal, is about the resolver this host asks
                    // before it is about the domain (a resolver answers SERVFAIL when the
                    // domain's own servers fail).
                    let text = match e {
                        mailway_dns::DnsError::Timeout { .. }
                        | mailway_dns::DnsError::Io { .. } => "mx-lookup-failed-no-answer",
                        mailway_dns::DnsError::Refused { .. } => "mx-lookup-failed-refused",
                        _ => "mx-lookup-failed",
                    };
                    (
                        "mx_lookup_failed",
                        i18n::tr(
                            opts.lang,
                            text,
                            &[("name", name.clone()), ("error", dns_error(opts.lang, &e))],
                        ),
                    )
                };
                findings.push(finding(Severity::Error, code, msg, None, None));
            }
        },
    }
    // 2. Probe every address, concurrently.
    let mut set = tokio::task::JoinSet::new();
    let mut host_reports = Vec::new();
    // one DNSSEC context for every host: the chains walked are cached across them
    let mut dnssec_cx = None;
    for (hi, (host, pref, ips, errs)) in hosts.into_iter().enumerate() {
        if ips.is_empty() && errs.is_empty() {
            continue;
        }
        let mut hr = HostReport {
            host: host.clone(),
            preference: pref,
            resolve_errors: errs,
            tlsa: None,
            addresses: Vec::new(),
        };
        let is_name = host.parse::<IpAddr>().is_err();
        if opts.tls != TlsPolicy::None && is_name {
            let cx = dnssec_cx.get_or_insert_with(|| {
                let mut co = crate::check::CheckOptions::new(host.clone());
                co.trust_anchors = opts.trust_anchors.clone();
                co.now = std::time::UNIX_EPOCH
                    + Duration::from_secs(u64::try_from(opts.now).unwrap_or(0));
                crate::check::Ctx::new(resolver.clone(), co)
            });
            hr.tlsa = Some(lookup_tlsa(cx, port, &host, opts.lang).await);
        }
        for (ai, ip) in ips.into_iter().enumerate() {
            let (r, h, o) = (resolver.clone(), host.clone(), opts.clone());
            let tlsa = hr.tlsa.clone();
            set.spawn(async move { (hi, ai, probe_address(&r, &h, ip, port, &o, tlsa).await) });
        }
        host_reports.push((hi, hr));
    }
    let mut results = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(r) = r {
            results.push(r);
        }
    }
    results.sort_by_key(|r| (r.0, r.1));
    for (hi, _, ar) in results {
        if let Some((_, hr)) = host_reports.iter_mut().find(|(i, _)| *i == hi) {
            hr.addresses.push(ar);
        }
    }
    report.hosts = host_reports.into_iter().map(|(_, h)| h).collect();
    // 3. Port 25 blocked?
    let all: Vec<&AddressReport> = report.addresses().collect();
    if !all.is_empty()
        && !opts.fallback_ports.is_empty()
        && all
            .iter()
            .all(|a| a.outcome == "timed_out" && a.failed_phase == Some(Phase::Connect))
    {
        report.port25 = Some(check_alt_ports(&all, port, opts).await);
    }
    findings.extend(verdict::findings(&report, opts));
    findings.sort_by_key(|f| f.severity);
    report.findings = findings;
    report.total_ms = t0.elapsed().as_millis() as u64;
    report
}

pub(crate) fn finding(
    severity: Severity,
    code: &str,
    message: String,
    host: Option<&str>,
    address: Option<String>,
) -> Finding {
    Finding {
        severity,
        code: code.to_string(),
        message,
        host: host.map(str::to_string),
        address,
    }
}

async fn resolve_host(
    resolver: &Resolver,
    host: &str,
    opts: &ProbeOptions,
) -> (Vec<IpAddr>, Vec<String>) {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return (vec![ip], Vec::new());
    }
    let mut ips = Vec::new();
    let mut errs = Vec::new();
    let (a, aaaa) = tokio::join!(
        async {
            if opts.ipv4 {
                Some(resolver.a(host).await)
            } else {
                None
            }
        },
        async {
            if opts.ipv6 {
                Some(resolver.aaaa(host).await)
            } else {
                None
            }
        }
    );
    let mut not_found = 0;
    match a {
        Some(Ok(ans)) => ips.extend(ans.records.into_iter().map(IpAddr::V4)),
        Some(Err(e)) if e.is_not_found() => not_found += 1,
        Some(Err(e)) => errs.push(format!("A: {}", dns_error(opts.lang, &e))),
        None => not_found += 1,
    }
    match aaaa {
        Some(Ok(ans)) => ips.extend(ans.records.into_iter().map(IpAddr::V6)),
        Some(Err(e)) if e.is_not_found() => not_found += 1,
        Some(Err(e)) => errs.push(format!("AAAA: {}", dns_error(opts.lang, &e))),
        None => not_found += 1,
    }
    if ips.is_empty() && errs.is_empty() && not_found == 2 {
        errs.push(i18n::tr(
            opts.lang,
            "error-no-address",
            &[("host", host.to_string())],
        ));
    }
    (ips, errs)
}

/// Looks up the TLSA records of `host` and, when there are some, establishes their DNSSEC
/// status as `mailway check` does (the resolver's AD bit, else mailway's own validation from
/// `cx`'s trust anchor; CNAMEs on the TLSA name followed).
async fn lookup_tlsa(cx: &crate::check::Ctx, port: u16, host: &str, lang: Lang) -> DaneReport {
    let resolver = &cx.resolver;
    let name = tlsa_name(port, "tcp", host);
    match resolver.tlsa(&name).await {
        Ok(ans) => {
            let recs: Vec<TlsaRecord> = ans
                .records
                .iter()
                .map(|t| TlsaRecord {
                    usage: t.usage,
                    selector: t.selector,
                    matching: t.matching,
                    data: t.data.clone(),
                })
                .collect();
            let v = crate::check::dnssec::validate(cx, &name, RecordType::TLSA).await;
            let secure = ans.authenticated || v.security.is_secure();
            let mut d = dane_verdict(&name, &recs, secure, &[]);
            d.dnssec = Some(tlsa_dnssec(&v.security, lang));
            d.verdict = "not_checked".into();
            d
        }
        Err(e) if e.is_not_found() => dane_verdict(&name, &[], false, &[]),
        Err(e) => DaneReport {
            name,
            records: Vec::new(),
            dnssec_authenticated: false,
            dnssec: None,
            matched: Vec::new(),
            verdict: "lookup_failed".into(),
            error: Some(dns_error(lang, &e)),
        },
    }
}

fn tlsa_dnssec(s: &crate::check::dnssec::Security, lang: Lang) -> TlsaDnssec {
    let (zone, reason, _) = s.parts();
    let anchor = match s {
        crate::check::dnssec::Security::Secure { anchor, .. } => anchor.clone(),
        _ => String::new(),
    };
    let mut why = s.why().render(lang);
    if s.is_secure() && !zone.is_empty() {
        why = i18n::tr(
            lang,
            "dnssec-secure-why",
            &[
                ("why", why),
                ("zone", zone.into()),
                (
                    "anchor",
                    if anchor.is_empty() {
                        "none".into()
                    } else {
                        anchor.clone()
                    },
                ),
            ],
        );
    }
    TlsaDnssec {
        status: s.kind().into(),
        reason: reason.into(),
        zone: zone.into(),
        anchor,
        why,
    }
}

/// A DNS error in words, in the report's language (as `mailway check` says it).
fn dns_error(lang: Lang, e: &mailway_dns::DnsError) -> String {
    crate::check::i18n::dns_error(lang, e)
}

fn error_detail(e: &SmtpError, lang: Lang) -> String {
    i18n::smtp_error(lang, e)
}

/// `300 s`, `1.5 s`, `250 ms`.
pub(crate) fn human_duration(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// The class keyword of an address that no mail server can have, or `None` for addresses worth
/// a connection attempt (public, loopback, private, link-local, CGN).
pub(crate) fn unroutable(ip: IpAddr) -> Option<&'static str> {
    use crate::check::addr::{AddrClass, classify};
    match classify(ip) {
        AddrClass::Public
        | AddrClass::Loopback
        | AddrClass::Private
        | AddrClass::LinkLocal
        | AddrClass::SharedCgn => None,
        c @ (AddrClass::Unspecified
        | AddrClass::Documentation
        | AddrClass::Benchmark
        | AddrClass::Multicast
        | AddrClass::Reserved) => Some(c.as_str()),
    }
}

async fn probe_address(
    resolver: &Resolver,
    host: &str,
    ip: IpAddr,
    port: u16,
    opts: &ProbeOptions,
    tlsa: Option<DaneReport>,
) -> AddressReport {
    let t0 = Instant::now();
    let mut ar = AddressReport {
        host: host.to_string(),
        address: ip,
        port,
        family: if ip.is_ipv4() { "ipv4" } else { "ipv6" }.into(),
        ptr: Vec::new(),
        ptr_error: None,
        outcome: "ok".into(),
        failed_phase: None,
        error: None,
        waited_ms: None,
        timeline: Vec::new(),
        banner: None,
        capabilities: None,
        capabilities_tls: None,
        tls: None,
        mail: None,
        rcpt: None,
        greylisting: None,
        transcript: Vec::new(),
        total_ms: 0,
    };
    // Addresses no server can have (documentation, benchmarking, multicast, reserved,
    // unspecified): say so instead of waiting out a connect timeout towards them. Loopback,
    // private, link-local and CGN addresses are probed: they are reachable on internal networks.
    if let Some(class) = unroutable(ip) {
        let error = i18n::tr(
            opts.lang,
            "error-not-routable",
            &[("addr", ip.to_string()), ("class", class.into())],
        );
        ar.outcome = "not_routable".into();
        ar.failed_phase = Some(Phase::Connect);
        ar.timeline.push(Step {
            phase: Phase::Connect,
            start_ms: 0,
            duration_ms: 0,
            code: None,
            outcome: "not_routable".into(),
            detail: error.clone(),
            retry: false,
        });
        ar.error = Some(error);
        return ar;
    }
    let ptr_fut = resolver.ptr(ip);
    let sess_fut = session(host, ip, port, opts, &mut ar, false);
    let (ptr, sess) = tokio::join!(ptr_fut, sess_fut);
    match ptr {
        Ok(ans) => {
            ar.ptr = ans
                .records
                .iter()
                .map(|p| p.trim_end_matches('.').to_string())
                .collect()
        }
        Err(e) => ar.ptr_error = Some(dns_error(opts.lang, &e)),
    }
    if let Some(b) = &mut ar.banner
        && !ar.ptr.is_empty()
    {
        b.matches_ptr = Some(ar.ptr.iter().any(|p| p.eq_ignore_ascii_case(&b.host)));
    }
    let chain = sess.chain.clone();
    finish_session(&mut ar, sess, false, opts.lang);
    // DANE against the presented chain.
    if let (Some(t), Some(d)) = (&mut ar.tls, tlsa) {
        let d = if d.verdict == "not_checked" {
            let recs: Vec<TlsaRecord> = d
                .records
                .iter()
                .filter_map(|s| {
                    let mut it = s.split_whitespace();
                    Some(TlsaRecord {
                        usage: it.next()?.parse().ok()?,
                        selector: it.next()?.parse().ok()?,
                        matching: it.next()?.parse().ok()?,
                        data: it.next()?.to_string(),
                    })
                })
                .collect();
            DaneReport {
                dnssec: d.dnssec.clone(),
                ..dane_verdict(&d.name, &recs, d.dnssec_authenticated, &chain)
            }
        } else {
            d
        };
        t.dane = Some(d);
    }
    // Greylisting: retry once after the wait, on a new connection, as an MTA would.
    if let Some(first) = ar.rcpt.clone()
        && looks_like_greylisting(&first)
        && ar.outcome == "ok"
    {
        let mut g = Greylisting {
            first: first.clone(),
            waited_s: opts.greylist_wait.as_secs(),
            retry: None,
            retry_error: None,
            passed: false,
        };
        if !opts.greylist_wait.is_zero() {
            tokio::time::sleep(opts.greylist_wait).await;
            let offset = t0.elapsed().as_millis() as u64;
            let mut retry_ar = ar.clone();
            retry_ar.error = None;
            retry_ar.rcpt = None;
            retry_ar.mail = None;
            retry_ar.timeline.clear();
            retry_ar.transcript.clear();
            let sess = session(host, ip, port, opts, &mut retry_ar, true).await;
            finish_session(&mut retry_ar, sess, true, opts.lang);
            for mut st in retry_ar.timeline {
                st.start_ms += offset;
                ar.timeline.push(st);
            }
            ar.transcript.extend(retry_ar.transcript);
            g.retry = retry_ar.rcpt.clone();
            g.retry_error = retry_ar.error.clone();
            g.passed = retry_ar.rcpt.as_ref().is_some_and(|r| r.is_positive());
            if let Some(r) = retry_ar.rcpt {
                ar.rcpt = Some(r);
            }
        } else {
            g.waited_s = 0;
        }
        ar.greylisting = Some(g);
    }
    ar.total_ms = t0.elapsed().as_millis() as u64;
    ar
}

/// A host to probe: name, MX preference, addresses, lookup errors.
type HostPlan = (String, Option<u16>, Vec<IpAddr>, Vec<String>);

struct SessionOut {
    client: Option<SmtpClient>,
    error: Option<SmtpError>,
    connect_ms: u64,
    chain: Vec<Vec<u8>>,
}

async fn converse(
    c: &mut SmtpClient,
    host: &str,
    ip: IpAddr,
    opts: &ProbeOptions,
    ar: &mut AddressReport,
    retry: bool,
    chain: &mut Vec<Vec<u8>>,
) -> Result<(), SmtpError> {
    let g = c.greeting().await?;
    if !retry {
        ar.banner = Some(Banner {
            host: g
                .lines
                .first()
                .and_then(|l| l.split_whitespace().next())
                .unwrap_or("")
                .trim_end_matches('.')
                .to_string(),
            reply: g.clone(),
            matches_ptr: None,
        });
    }
    g.check()?;
    c.ehlo().await?.check()?;
    if !retry {
        ar.capabilities = c.capabilities().cloned();
    }
    let offers = c.capabilities().is_some_and(|k| k.starttls);
    if opts.tls != TlsPolicy::None {
        if offers {
            let sni = if host.parse::<IpAddr>().is_ok() {
                ip.to_string()
            } else {
                host.to_string()
            };
            let st = c.starttls(&sni).await?;
            if st.code == 220 {
                if let Some(info) = c.tls_info()
                    && !retry
                {
                    ar.tls = Some(tls_report(info, opts.now));
                    *chain = info.peer_certificates.iter().map(|c| c.to_vec()).collect();
                }
                c.ehlo().await?.check()?;
                if !retry {
                    ar.capabilities_tls = c.capabilities().cloned();
                }
            } else if opts.tls == TlsPolicy::Required {
                return Err(SmtpError::Rejected {
                    reply: Box::new(st),
                });
            }
        } else if opts.tls == TlsPolicy::Required {
            return Err(SmtpError::NotSupported {
                extension: "STARTTLS",
            });
        }
    }
    if let Some(rcpt) = &opts.rcpt {
        let from = opts.from.clone().unwrap_or_default();
        let m = c.mail_from(&from, &MailParams::default()).await?;
        let ok = m.is_positive();
        ar.mail = Some(m);
        if ok {
            ar.rcpt = Some(c.rcpt_to(rcpt, &RcptParams::default()).await?);
        }
    }
    Ok(())
}

async fn session(
    host: &str,
    ip: IpAddr,
    port: u16,
    opts: &ProbeOptions,
    ar: &mut AddressReport,
    retry: bool,
) -> SessionOut {
    let cfg = ClientConfig {
        helo_name: opts.helo_name.clone(),
        timeouts: opts.timeouts,
        limits: Default::default(),
        source_ip: None,
        tls: TlsClientConfig {
            verify: TlsVerify::Record,
            extra_roots: opts.extra_roots.clone(),
            no_webpki_roots: false,
        },
    };
    let t0 = Instant::now();
    let mut c = match SmtpClient::connect(SocketAddr::new(ip, port), cfg).await {
        Ok(c) => c,
        Err(e) => {
            return SessionOut {
                client: None,
                error: Some(e),
                connect_ms: t0.elapsed().as_millis() as u64,
                chain: Vec::new(),
            };
        }
    };
    let mut chain = Vec::new();
    let r = converse(&mut c, host, ip, opts, ar, retry, &mut chain).await;
    let error = match r {
        Ok(()) => {
            let _ = c.quit().await;
            None
        }
        Err(e) => {
            if matches!(
                e,
                SmtpError::Rejected { .. } | SmtpError::NotSupported { .. }
            ) {
                let _ = c.quit().await;
            } else {
                c.close().await;
            }
            Some(e)
        }
    };
    SessionOut {
        client: Some(c),
        error,
        connect_ms: 0,
        chain,
    }
}

fn step_detail(ar: &AddressReport, phase: Phase, ehlo_seen: &mut usize, lang: Lang) -> String {
    match phase {
        Phase::Connect => i18n::tr(lang, "detail-connected", &[]),
        Phase::Greeting => ar
            .banner
            .as_ref()
            .map(|b| b.reply.text().to_string())
            .unwrap_or_default(),
        Phase::Ehlo | Phase::Helo => {
            *ehlo_seen += 1;
            let caps = if *ehlo_seen == 1 {
                ar.capabilities.as_ref()
            } else {
                ar.capabilities_tls.as_ref()
            };
            match caps {
                Some(k) if k.esmtp => k.keywords().join(", "),
                Some(_) => i18n::tr(lang, "detail-helo-only", &[]),
                None => String::new(),
            }
        }
        Phase::TlsHandshake => ar
            .tls
            .as_ref()
            .map(|t| format!("{} {}", t.version, t.cipher))
            .unwrap_or_default(),
        Phase::Mail => ar
            .mail
            .as_ref()
            .map(|r| r.text().to_string())
            .unwrap_or_default(),
        Phase::Rcpt => ar
            .rcpt
            .as_ref()
            .map(|r| r.text().to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn finish_session(ar: &mut AddressReport, out: SessionOut, retry: bool, lang: Lang) {
    let mut ehlo_seen = 0;
    if let Some(c) = &out.client {
        let timings = c.timings().to_vec();
        let last_err = timings.iter().rposition(|t| t.error.is_some());
        for (i, t) in timings.iter().enumerate() {
            let mut detail = step_detail(ar, t.phase, &mut ehlo_seen, lang);
            if Some(i) == last_err
                && let Some(e) = &out.error
            {
                detail = error_detail(e, lang);
            }
            if t.phase == Phase::Starttls && t.code == Some(220) {
                detail = i18n::tr(lang, "detail-starttls", &[]);
            }
            if t.phase == Phase::Quit && t.error.is_none() {
                detail = i18n::tr(lang, "detail-bye", &[]);
            }
            ar.timeline.push(Step {
                phase: t.phase,
                start_ms: t.start_ms,
                duration_ms: t.duration_ms,
                code: t.code,
                outcome: t.error.clone().unwrap_or_else(|| "ok".into()),
                detail,
                retry,
            });
        }
        ar.transcript.extend(c.transcript().iter().cloned());
    } else if let Some(e) = &out.error {
        ar.timeline.push(Step {
            phase: Phase::Connect,
            start_ms: 0,
            duration_ms: out.connect_ms,
            code: None,
            outcome: e.kind().into(),
            detail: error_detail(e, lang),
            retry,
        });
    }
    if retry {
        if let Some(e) = &out.error {
            ar.error = Some(error_detail(e, lang));
        }
        return;
    }
    if let Some(e) = &out.error {
        let (outcome, phase) = match e {
            SmtpError::Rejected { reply } => (
                "rejected".to_string(),
                Some(match reply.command() {
                    Some(SmtpCommand::Connect) => Phase::Greeting,
                    Some(SmtpCommand::Ehlo) => Phase::Ehlo,
                    Some(SmtpCommand::Helo) => Phase::Helo,
                    Some(SmtpCommand::Starttls) => Phase::Starttls,
                    _ => Phase::Mail,
                }),
            ),
            SmtpError::NotSupported { .. } => {
                ("tls_unavailable".to_string(), Some(Phase::Starttls))
            }
            other => (other.kind().to_string(), other.phase()),
        };
        if let SmtpError::TimedOut { after, .. } = e {
            ar.waited_ms = Some(after.as_millis() as u64);
        }
        ar.outcome = outcome;
        ar.failed_phase = phase;
        ar.error = Some(error_detail(e, lang));
    }
}

async fn check_alt_ports(all: &[&AddressReport], port: u16, opts: &ProbeOptions) -> Port25Check {
    let mut attempts = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let t = opts.timeouts.connect.min(Duration::from_secs(10));
    for a in all {
        if !seen.insert(a.address) || seen.len() > 4 {
            continue;
        }
        for &p in &opts.fallback_ports {
            let t0 = Instant::now();
            let sock = SocketAddr::new(a.address, p);
            let outcome = match tokio::time::timeout(t, tokio::net::TcpStream::connect(sock)).await
            {
                Ok(Ok(_)) => "ok".to_string(),
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => "refused".into(),
                Ok(Err(_)) => "unreachable".into(),
                Err(_) => "timed_out".into(),
            };
            attempts.push(AltPort {
                address: a.address,
                port: p,
                outcome,
                ms: t0.elapsed().as_millis() as u64,
            });
        }
    }
    Port25Check {
        port,
        blocked: attempts
            .iter()
            .any(|a| a.outcome == "ok" || a.outcome == "refused"),
        attempts,
    }
}
