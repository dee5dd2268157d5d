//! SPF evaluation: `check_host()` of RFC 7208 §4-§6 against real DNS, with the 10-lookup and
//! 2-void-lookup limits, macros, `exp=`, and a record of the term that decided the result.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::pin::Pin;

use mailway_dns::{DnsError, Resolver};

use crate::check::finding::LocalArg;
use crate::check::i18n::Lang;
use serde::Serialize;

use super::macros::{MacroContext, expand, truncate_domain};
use super::parse::{
    Mechanism, Qualifier, SpfRecord, is_spf_record, parse_macro_string, parse_record,
};

/// Maximum terms causing DNS lookups (RFC 7208 §4.6.4).
pub const LOOKUP_LIMIT: usize = 10;
/// Maximum void lookups (RFC 7208 §4.6.4).
pub const VOID_LIMIT: usize = 2;
/// Maximum MX / PTR names examined by one `mx` / `ptr` mechanism.
pub const NAME_LIMIT: usize = 10;

/// An SPF result (RFC 7208 §2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SpfResult {
    /// No SPF record, or no valid domain to check.
    None,
    /// Explicitly no assertion (`?`), or nothing matched.
    Neutral,
    /// Authorised.
    Pass,
    /// Not authorised.
    Fail,
    /// Probably not authorised (`~`).
    SoftFail,
    /// A transient DNS error.
    TempError,
    /// The record(s) cannot be interpreted.
    PermError,
}

impl SpfResult {
    /// Lowercase name, as in `Received-SPF`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Neutral => "neutral",
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::SoftFail => "softfail",
            Self::TempError => "temperror",
            Self::PermError => "permerror",
        }
    }

    fn from_qualifier(q: Qualifier) -> Self {
        match q {
            Qualifier::Pass => Self::Pass,
            Qualifier::Fail => Self::Fail,
            Qualifier::SoftFail => Self::SoftFail,
            Qualifier::Neutral => Self::Neutral,
        }
    }
}

/// One step of the path to the deciding term: a term in the record of a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Domain whose record holds the term.
    pub domain: String,
    /// The term (e.g. `include:_spf.example.net`, `-all`, `redirect=...`).
    pub term: String,
}

/// The outcome of an evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// The result.
    pub result: SpfResult,
    /// The path to the term that decided (outermost first); empty when no term decided
    /// (`none`, default `neutral`, errors before any term).
    pub decided_by: Vec<Step>,
    /// Why, for `permerror`/`temperror`/`none` (English detail).
    pub reason: Option<String>,
    /// The same, as a message for the report's language.
    #[serde(skip)]
    pub reason_text: Option<LocalArg>,
    /// The DNS failure behind a `temperror`, when one was.
    #[serde(skip)]
    pub dns_error: Option<mailway_dns::DnsError>,
    /// The explanation (`exp=`) for `fail`, or the default.
    pub explanation: Option<String>,
    /// DNS-querying terms evaluated.
    pub lookups: usize,
    /// Void lookups met.
    pub void_lookups: usize,
}

/// Inputs of `check_host()`.
#[derive(Debug, Clone)]
pub struct Request {
    /// The connecting client.
    pub ip: IpAddr,
    /// MAIL FROM (may be empty: then `postmaster@HELO` is checked).
    pub mail_from: String,
    /// HELO/EHLO name.
    pub helo: String,
    /// Text used when `exp=` gives none.
    pub default_explanation: String,
    /// `%{r}`.
    pub receiver: String,
    /// `%{t}` (seconds since the epoch; passed in, evaluation reads no clock).
    pub now: u64,
}

impl Request {
    /// A request for `ip` sending as `mail_from` with HELO `helo`.
    pub fn new(ip: IpAddr, mail_from: &str, helo: &str) -> Self {
        Self {
            ip,
            mail_from: mail_from.to_string(),
            helo: helo.to_string(),
            default_explanation: "DEFAULT".to_string(),
            receiver: "unknown".to_string(),
            now: 0,
        }
    }
}

struct State<'r> {
    resolver: &'r Resolver,
    ip: IpAddr,
    sender: String,
    local: String,
    sender_domain: String,
    helo: String,
    receiver: String,
    now: u64,
    default_explanation: String,
    lookups: usize,
    voids: usize,
    ptr_cache: Option<String>,
}

/// Why evaluation stopped early.
enum Stop {
    Temp(LocalArg),
    /// A temporary DNS failure (temperror), kept typed for the texts.
    Dns(mailway_dns::DnsError),
    Perm(LocalArg),
}

/// A reason: the message `spf-reason-<name>` of the check's Fluent files with its arguments.
fn reason(id: &'static str, args: &[(&str, String)]) -> LocalArg {
    LocalArg::Text {
        id,
        args: args
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect(),
    }
}

type Outcome = Result<(SpfResult, Vec<Step>, Option<String>), Stop>;

fn uses_p(ms: &super::parse::MacroString) -> bool {
    ms.parts
        .iter()
        .any(|p| matches!(p, super::parse::MacroPart::Expand { letter: 'p', .. }))
}

fn valid_domain(d: &str) -> bool {
    let d = d.strip_suffix('.').unwrap_or(d);
    if d.is_empty() || d.len() > 253 || !d.contains('.') {
        return false;
    }
    d.split('.').all(|l| !l.is_empty() && l.len() <= 63)
}

fn in_net4(a: Ipv4Addr, net: Ipv4Addr, prefix: u8) -> bool {
    if prefix == 0 {
        return true;
    }
    let mask = u32::MAX << (32 - u32::from(prefix));
    u32::from(a) & mask == u32::from(net) & mask
}

fn in_net6(a: Ipv6Addr, net: Ipv6Addr, prefix: u8) -> bool {
    if prefix == 0 {
        return true;
    }
    let mask = u128::MAX << (128 - u32::from(prefix));
    u128::from(a) & mask == u128::from(net) & mask
}

fn ip_matches(client: IpAddr, candidate: IpAddr, cidr4: u8, cidr6: u8) -> bool {
    match (client, candidate) {
        (IpAddr::V4(c), IpAddr::V4(x)) => in_net4(c, x, cidr4),
        (IpAddr::V6(c), IpAddr::V6(x)) => in_net6(c, x, cidr6),
        _ => false,
    }
}

/// The SPF TXT record of `domain`: `Ok(None)` when there is none, an error for several or a
/// DNS failure.
pub(crate) async fn fetch_record(
    resolver: &Resolver,
    domain: &str,
) -> Result<Option<(String, bool)>, FetchError> {
    match resolver.txt(domain).await {
        Ok(ans) => {
            let spf: Vec<_> = ans
                .records
                .iter()
                .filter(|t| is_spf_record(&t.bytes()))
                .collect();
            match spf.len() {
                0 => Ok(None),
                1 => Ok(Some((spf[0].text.clone(), spf[0].is_ascii()))),
                n => Err(FetchError::Multiple(n)),
            }
        }
        Err(e) if e.is_not_found() => Ok(None),
        Err(DnsError::InvalidName { .. }) => Ok(None),
        Err(e) => Err(FetchError::Dns(e)),
    }
}

/// Why an SPF record could not be fetched.
#[derive(Debug, Clone)]
pub(crate) enum FetchError {
    Multiple(usize),
    Dns(DnsError),
}

impl<'r> State<'r> {
    fn cx<'a>(&'a self, domain: &'a str) -> MacroContext<'a> {
        MacroContext {
            sender: &self.sender,
            local: &self.local,
            sender_domain: &self.sender_domain,
            domain,
            ip: self.ip,
            helo: &self.helo,
            ptr: self.ptr_cache.as_deref().unwrap_or("unknown"),
            receiver: &self.receiver,
            now: self.now,
        }
    }

    fn count_lookup(&mut self) -> Result<(), Stop> {
        self.lookups += 1;
        if self.lookups > LOOKUP_LIMIT {
            return Err(Stop::Perm(reason(
                "spf.reason-lookups",
                &[("limit", LOOKUP_LIMIT.to_string())],
            )));
        }
        Ok(())
    }

    fn count_void(&mut self) -> Result<(), Stop> {
        self.voids += 1;
        if self.voids > VOID_LIMIT {
            return Err(Stop::Perm(reason(
                "spf.reason-voids",
                &[("limit", VOID_LIMIT.to_string())],
            )));
        }
        Ok(())
    }

    /// Addresses of `host` in the client's family. `Ok(None)` = void (NXDOMAIN/NODATA).
    async fn addresses(&mut self, host: &str) -> Result<Option<Vec<IpAddr>>, DnsError> {
        let r = match self.ip {
            IpAddr::V4(_) => self
                .resolver
                .a(host)
                .await
                .map(|a| a.records.into_iter().map(IpAddr::V4).collect()),
            IpAddr::V6(_) => self
                .resolver
                .aaaa(host)
                .await
                .map(|a| a.records.into_iter().map(IpAddr::V6).collect()),
        };
        match r {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(DnsError::InvalidName { .. }) => Ok(None),
            Err(DnsError::CnameLoop { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Validated reverse names of the client (RFC 7208 §5.5), at most [`NAME_LIMIT`] PTRs.
    async fn validated_names(&mut self) -> Vec<String> {
        let ptrs = match self.resolver.ptr(self.ip).await {
            Ok(a) => a.records,
            Err(_) => return Vec::new(),
        };
        let mut out = Vec::new();
        for name in ptrs.into_iter().take(NAME_LIMIT) {
            if let Ok(Some(addrs)) = self.addresses(&name).await
                && addrs.contains(&self.ip)
            {
                out.push(name);
            }
        }
        out
    }

    async fn expand_domain(
        &mut self,
        ms: &super::parse::MacroString,
        domain: &str,
    ) -> Result<String, Stop> {
        if self.ptr_cache.is_none() && uses_p(ms) {
            self.fill_ptr(domain).await;
        }
        Ok(truncate_domain(&expand(ms, &self.cx(domain))))
    }

    fn check_host<'a>(
        &'a mut self,
        domain: String,
        depth: usize,
    ) -> Pin<Box<dyn Future<Output = Outcome> + Send + 'a>> {
        Box::pin(async move {
            if depth > 2 * LOOKUP_LIMIT {
                return Err(Stop::Perm(reason("spf.reason-too-deep", &[])));
            }
            if !valid_domain(&domain) {
                return Ok((
                    SpfResult::None,
                    vec![],
                    Some(format!("{domain:?} is not a valid domain")),
                ));
            }
            let (text, ascii) = match fetch_record(self.resolver, &domain).await {
                Ok(Some(r)) => r,
                Ok(None) => {
                    return Ok((
                        SpfResult::None,
                        vec![],
                        Some(format!("no SPF record at {domain}")),
                    ));
                }
                Err(FetchError::Multiple(n)) => {
                    return Err(Stop::Perm(reason(
                        "spf.reason-multiple",
                        &[("count", n.to_string()), ("domain", domain.clone())],
                    )));
                }
                Err(FetchError::Dns(e)) => return Err(Stop::Dns(e)),
            };
            if !ascii {
                return Err(Stop::Perm(reason(
                    "spf.reason-not-ascii",
                    &[("domain", domain.clone())],
                )));
            }
            let rec = parse_record(&text);
            if let Some(e) = rec.errors.first() {
                return Err(Stop::Perm(LocalArg::Nested {
                    id: "spf.reason-syntax",
                    args: vec![
                        ("domain".into(), domain.clone()),
                        ("term".into(), e.term.clone()),
                    ],
                    local: vec![("detail".into(), e.detail_text.clone())],
                }));
            }
            self.evaluate(&rec, &domain, depth).await
        })
    }

    async fn evaluate(&mut self, rec: &SpfRecord, domain: &str, depth: usize) -> Outcome {
        for d in &rec.directives {
            let step = Step {
                domain: domain.to_string(),
                term: d.text.clone(),
            };
            let matched = match &d.mechanism {
                Mechanism::All => true,
                Mechanism::Ip4 { addr, prefix } => {
                    matches!(self.ip, IpAddr::V4(c) if in_net4(c, *addr, *prefix))
                }
                Mechanism::Ip6 { addr, prefix } => {
                    matches!(self.ip, IpAddr::V6(c) if in_net6(c, *addr, *prefix))
                }
                Mechanism::Include(ds) => {
                    self.count_lookup()?;
                    let target = self.expand_domain(ds, domain).await?;
                    if !valid_domain(&target) {
                        return Err(Stop::Perm(reason(
                            "spf.reason-bad-target",
                            &[
                                ("term", "include".into()),
                                ("target", format!("{target:?}")),
                            ],
                        )));
                    }
                    let (res, inner, _) = self.check_host(target.clone(), depth + 1).await?;
                    match res {
                        SpfResult::Pass => {
                            let mut path = vec![step];
                            path.extend(inner);
                            let q = SpfResult::from_qualifier(d.qualifier);
                            return self.finish(q, path, rec, domain).await;
                        }
                        SpfResult::Fail | SpfResult::SoftFail | SpfResult::Neutral => false,
                        SpfResult::TempError => {
                            return Err(Stop::Temp(reason(
                                "spf.reason-include-temperror",
                                &[("target", target.clone())],
                            )));
                        }
                        SpfResult::PermError | SpfResult::None => {
                            return Err(Stop::Perm(reason(
                                "spf.reason-include-unusable",
                                &[("target", target.clone()), ("result", res.as_str().into())],
                            )));
                        }
                    }
                }
                Mechanism::A {
                    domain: target,
                    cidr4,
                    cidr6,
                } => {
                    self.count_lookup()?;
                    let host = match target {
                        Some(ds) => self.expand_domain(ds, domain).await?,
                        None => domain.to_string(),
                    };
                    match self.addresses(&host).await {
                        Ok(Some(addrs)) if !addrs.is_empty() => addrs
                            .iter()
                            .any(|x| ip_matches(self.ip, *x, *cidr4, *cidr6)),
                        Ok(_) => {
                            self.count_void()?;
                            false
                        }
                        Err(e) => return Err(Stop::Dns(e)),
                    }
                }
                Mechanism::Mx {
                    domain: target,
                    cidr4,
                    cidr6,
                } => {
                    self.count_lookup()?;
                    let host = match target {
                        Some(ds) => self.expand_domain(ds, domain).await?,
                        None => domain.to_string(),
                    };
                    let mxs = match self.resolver.mx(&host).await {
                        Ok(a) => a.records,
                        Err(e) if e.is_not_found() => Vec::new(),
                        Err(DnsError::InvalidName { .. }) => Vec::new(),
                        Err(e) => return Err(Stop::Dns(e)),
                    };
                    if mxs.is_empty() {
                        self.count_void()?;
                        false
                    } else {
                        if mxs.len() > NAME_LIMIT {
                            return Err(Stop::Perm(reason(
                                "spf.reason-too-many-mx",
                                &[
                                    ("host", host.to_string()),
                                    ("count", mxs.len().to_string()),
                                    ("limit", NAME_LIMIT.to_string()),
                                ],
                            )));
                        }
                        let mut hit = false;
                        for mx in mxs.iter().filter(|m| !m.is_null()) {
                            match self.addresses(&mx.exchange).await {
                                Ok(Some(addrs)) => {
                                    if addrs
                                        .iter()
                                        .any(|x| ip_matches(self.ip, *x, *cidr4, *cidr6))
                                    {
                                        hit = true;
                                        break;
                                    }
                                }
                                Ok(None) => {}
                                Err(e) => return Err(Stop::Dns(e)),
                            }
                        }
                        hit
                    }
                }
                Mechanism::Ptr(target) => {
                    self.count_lookup()?;
                    let target = match target {
                        Some(ds) => self.expand_domain(ds, domain).await?,
                        None => domain.to_string(),
                    };
                    let t = target.trim_end_matches('.').to_ascii_lowercase();
                    let names = self.validated_names().await;
                    if names.is_empty() {
                        // RFC 7208 §4.6.4: a PTR query with no answer counts as void
                        if self.resolver.ptr(self.ip).await.is_err() {
                            self.count_void()?;
                        }
                    }
                    names.iter().any(|n| {
                        let n = n.to_ascii_lowercase();
                        n == t || n.ends_with(&format!(".{t}"))
                    })
                }
                Mechanism::Exists(ds) => {
                    self.count_lookup()?;
                    let host = self.expand_domain(ds, domain).await?;
                    match self.resolver.a(&host).await {
                        Ok(a) => !a.records.is_empty(),
                        Err(e) if e.is_not_found() => {
                            self.count_void()?;
                            false
                        }
                        Err(DnsError::InvalidName { .. }) | Err(DnsError::CnameLoop { .. }) => {
                            self.count_void()?;
                            false
                        }
                        Err(e) => return Err(Stop::Dns(e)),
                    }
                }
            };
            if matched {
                let q = SpfResult::from_qualifier(d.qualifier);
                return self.finish(q, vec![step], rec, domain).await;
            }
        }
        if let Some(ds) = &rec.redirect {
            self.count_lookup()?;
            let target = self.expand_domain(ds, domain).await?;
            if !valid_domain(&target) {
                return Err(Stop::Perm(reason(
                    "spf.reason-bad-target",
                    &[
                        ("term", "redirect".into()),
                        ("target", format!("{target:?}")),
                    ],
                )));
            }
            let step = Step {
                domain: domain.to_string(),
                term: format!("redirect={}", ds.raw),
            };
            let (res, inner, exp) = self.check_host(target.clone(), depth + 1).await?;
            if res == SpfResult::None {
                return Err(Stop::Perm(reason(
                    "spf.reason-redirect-none",
                    &[("target", target.clone())],
                )));
            }
            let mut path = vec![step];
            path.extend(inner);
            return Ok((res, path, exp));
        }
        Ok((SpfResult::Neutral, vec![], None))
    }

    /// Builds the outcome of a matched term; for `fail`, fetches the `exp=` explanation.
    async fn finish(
        &mut self,
        result: SpfResult,
        path: Vec<Step>,
        rec: &SpfRecord,
        domain: &str,
    ) -> Outcome {
        if result != SpfResult::Fail {
            return Ok((result, path, None));
        }
        let mut explanation = None;
        if let Some(ds) = &rec.exp {
            explanation = self.explanation(ds, domain).await;
        }
        Ok((result, path, explanation))
    }

    async fn explanation(
        &mut self,
        ds: &super::parse::MacroString,
        domain: &str,
    ) -> Option<String> {
        if self.ptr_cache.is_none() && uses_p(ds) {
            self.fill_ptr(domain).await;
        }
        let target = truncate_domain(&expand(ds, &self.cx(domain)));
        if !valid_domain(&target) {
            return None;
        }
        let txt = self.resolver.txt(&target).await.ok()?;
        if txt.records.len() != 1 || !txt.records[0].is_ascii() {
            return None;
        }
        let ms = parse_macro_string(&txt.records[0].text, true).ok()?;
        if self.ptr_cache.is_none() && uses_p(&ms) {
            self.fill_ptr(domain).await;
        }
        Some(expand(&ms, &self.cx(domain)))
    }

    /// `%{p}`: a validated reverse name, preferring the domain itself or a subdomain of it
    /// (RFC 7208 §7.3), else the first one, else "unknown".
    async fn fill_ptr(&mut self, domain: &str) {
        let names = self.validated_names().await;
        let d = domain.trim_end_matches('.').to_ascii_lowercase();
        let pick = names
            .iter()
            .find(|n| {
                let n = n.to_ascii_lowercase();
                n == d || n.ends_with(&format!(".{d}"))
            })
            .or(names.first())
            .cloned();
        self.ptr_cache = Some(pick.unwrap_or_else(|| "unknown".into()));
    }
}

/// Runs `check_host()` for a request: the MAIL FROM domain, or `postmaster@HELO` when MAIL FROM
/// is empty (RFC 7208 §2.4). IPv4-mapped IPv6 clients are treated as IPv4.
pub async fn check_host(resolver: &Resolver, req: &Request) -> Evaluation {
    let ip = match req.ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(req.ip, IpAddr::V4),
        v4 => v4,
    };
    let (local, domain) = if req.mail_from.is_empty() {
        ("postmaster".to_string(), req.helo.clone())
    } else {
        match req.mail_from.rsplit_once('@') {
            Some((l, d)) => (
                if l.is_empty() {
                    "postmaster".to_string()
                } else {
                    l.to_string()
                },
                d.to_string(),
            ),
            None => ("postmaster".to_string(), req.mail_from.clone()),
        }
    };
    let sender = format!("{local}@{domain}");
    let mut st = State {
        resolver,
        ip,
        sender,
        local,
        sender_domain: domain.clone(),
        helo: req.helo.clone(),
        receiver: req.receiver.clone(),
        now: req.now,
        default_explanation: req.default_explanation.clone(),
        lookups: 0,
        voids: 0,
        ptr_cache: None,
    };
    evaluate_domain(&mut st, domain).await
}

async fn evaluate_domain(st: &mut State<'_>, domain: String) -> Evaluation {
    let outcome = st.check_host(domain, 0).await;
    let mut dns_error = None;
    let (result, decided_by, reason_text, explanation) = match outcome {
        Ok((SpfResult::None, path, _)) => (SpfResult::None, path, None, None),
        Ok((SpfResult::Fail, path, exp)) => (
            SpfResult::Fail,
            path,
            None,
            Some(exp.unwrap_or_else(|| st.default_explanation.clone())),
        ),
        Ok((r, path, _)) => (r, path, None, None),
        Err(Stop::Temp(m)) => (SpfResult::TempError, vec![], Some(m), None),
        Err(Stop::Dns(e)) => {
            let m = LocalArg::Dns(e.clone());
            dns_error = Some(e);
            (SpfResult::TempError, vec![], Some(m), None)
        }
        Err(Stop::Perm(m)) => (SpfResult::PermError, vec![], Some(m), None),
    };
    Evaluation {
        result,
        decided_by,
        reason: reason_text.as_ref().map(|r| match r {
            // DnsError's own English text, as before
            LocalArg::Dns(e) => e.to_string(),
            other => other.render(Lang::En),
        }),
        reason_text,
        dns_error,
        explanation,
        lookups: st.lookups,
        void_lookups: st.voids,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_matching() {
        assert!(in_net4(
            "192.0.2.5".parse().unwrap(),
            "192.0.2.0".parse().unwrap(),
            24
        ));
        assert!(!in_net4(
            "192.0.3.5".parse().unwrap(),
            "192.0.2.0".parse().unwrap(),
            24
        ));
        assert!(in_net4(
            "10.1.2.3".parse().unwrap(),
            "0.0.0.0".parse().unwrap(),
            0
        ));
        assert!(in_net6(
            "2001:db8::1".parse().unwrap(),
            "2001:db8::".parse().unwrap(),
            32
        ));
        assert!(!ip_matches(
            "192.0.2.1".parse().unwrap(),
            "::ffff:192.0.2.1".parse().unwrap(),
            32,
            0
        ));
    }

    #[test]
    fn domain_validity() {
        assert!(valid_domain("example.com"));
        assert!(!valid_domain("A2345678"));
        assert!(!valid_domain("a..example.com"));
        assert!(!valid_domain(&format!("{}.example.com", "a".repeat(64))));
    }
}
