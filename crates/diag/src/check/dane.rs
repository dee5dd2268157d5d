//! DANE for SMTP (RFC 7672, RFC 6698): TLSA records at `_25._tcp.<mx>` for each MX host, their
//! syntax and usages, and whether they, the host's address records and the MX RRset are
//! DNSSEC-validated (RFC 7672 §2.2: senders use TLSA records only from secure answers;
//! insecure ones are ignored, bogus ones make them defer mail), following CNAMEs on the TLSA
//! name and on the MX host (RFC 7672 §2.2.2).

use mailway_dns::{DnsError, RecordType, tlsa_name};

use super::Ctx;
use super::dnssec::{self, Security, ValidatedBy};
use super::finding::{Evidence, Finding, Severity};
use super::mx::{MxData, futures_join_all};

/// Problems of one TLSA record: kinds `bad-usage`, `bad-selector`, `bad-matching`,
/// `bad-length`, `pkix-usage`.
pub fn problems(usage: u8, selector: u8, matching: u8, data_hex: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    if usage > 3 {
        out.push("bad-usage");
    } else if usage < 2 {
        out.push("pkix-usage");
    }
    if selector > 1 {
        out.push("bad-selector");
    }
    let len = data_hex.len() / 2;
    match matching {
        0 => {
            if len < 16 {
                out.push("bad-length");
            }
        }
        1 => {
            if len != 32 {
                out.push("bad-length");
            }
        }
        2 => {
            if len != 64 {
                out.push("bad-length");
            }
        }
        _ => out.push("bad-matching"),
    }
    out
}

/// How a DNSSEC status reads in findings: `status`, `zone`, `reason`, `detail` and, in
/// words in the report's language, `why`.
fn security_args(f: Finding, s: &Security) -> Finding {
    let (zone, reason, detail) = s.parts();
    let anchor = match s {
        Security::Secure { anchor, .. } => anchor.clone(),
        _ => String::new(),
    };
    f.arg("status", s.kind())
        .arg("zone", zone)
        .arg("reason", reason)
        .arg("detail", detail)
        .arg("anchor", anchor)
        .local_arg("why", s.why())
}

/// The weakest of several statuses (bogus > indeterminate > no data > insecure > secure).
fn weakest(v: &[&dnssec::Validation]) -> Option<Security> {
    let rank = |s: &Security| match s {
        Security::Secure { .. } => 0,
        Security::Insecure { .. } => 1,
        Security::NoData => 2,
        Security::Indeterminate { .. } => 3,
        Security::Bogus { .. } => 4,
    };
    v.iter()
        .map(|x| &x.security)
        .max_by_key(|s| rank(s))
        .cloned()
}

/// What one MX host's DANE lookups found.
struct HostDane {
    host: String,
    /// The TLSA name used (the CNAME-expanded host's when it had records, RFC 7672 §2.2.2).
    name: String,
    tlsa: Result<mailway_dns::Answer<mailway_dns::Tlsa>, DnsError>,
    tlsa_v: Option<dnssec::Validation>,
    /// The validation of the host's address records (A, and AAAA when it has IPv6).
    addr_v: Vec<dnssec::Validation>,
    /// The host's CNAME-expanded name, when it is an alias reached through a secure chain.
    expanded: Option<String>,
    /// No TLSA records and secure addresses: whether the absence is DNSSEC-proven.
    denial: Option<dnssec::Validation>,
}

async fn host_dane(cx: &Ctx, mx: &MxData, host: String) -> HostDane {
    // RFC 7672 §2.2.2: the address records must be secure for DANE to apply; a secure CNAME
    // chain makes the expanded name the TLSA base domain (tried first, then the host name)
    let addrs = mx.addresses.get(&host).cloned().unwrap_or_default();
    let mut types = Vec::new();
    if addrs.iter().any(|a| a.is_ipv4()) || addrs.is_empty() {
        types.push(RecordType::A);
    }
    if addrs.iter().any(|a| a.is_ipv6()) {
        types.push(RecordType::AAAA);
    }
    let addr_v = futures_join_all(types.iter().map(|t| dnssec::validate(cx, &host, *t))).await;
    let secure_chain = addr_v.iter().all(|v| v.security.is_secure());
    let expanded = addr_v
        .first()
        .filter(|v| secure_chain && !v.aliases.is_empty())
        .map(|v| v.target.clone());
    let mut names = Vec::new();
    if let Some(e) = &expanded {
        names.push(tlsa_name(25, "tcp", e));
    }
    names.push(tlsa_name(25, "tcp", &host));
    let mut last = None;
    for name in names {
        let a = cx.resolver.tlsa(&name).await;
        let found = !matches!(&a, Err(e) if e.is_not_found());
        if found || last.is_none() {
            // a SERVFAIL may be a validating resolver rejecting bogus TLSA records
            let v = match &a {
                Ok(_) | Err(DnsError::ServFail { .. }) => {
                    Some(dnssec::validate(cx, &name, RecordType::TLSA).await)
                }
                Err(_) => None,
            };
            last = Some((name, a, v));
        }
        if found {
            break;
        }
    }
    let (name, tlsa, tlsa_v) = last.unwrap_or_else(|| {
        let name = tlsa_name(25, "tcp", &host);
        let e = DnsError::NoServers;
        (name, Err(e), None)
    });
    // "no TLSA" must be proven too when the host is secure: validating senders get SERVFAIL
    // for an unproven negative answer and defer the mail
    let denial = match &tlsa {
        Err(e) if e.is_not_found() && secure_chain && !addr_v.is_empty() => {
            Some(dnssec::validate_denial(cx, &name, RecordType::TLSA).await)
        }
        _ => None,
    };
    HostDane {
        host,
        name,
        tlsa,
        tlsa_v,
        addr_v,
        expanded,
        denial,
    }
}

/// Runs the DANE checks for the MX hosts (RFC 7672 §2.2): a host's TLSA records count only
/// when they, the host's address records and the MX RRset are DNSSEC-validated (secure);
/// insecure TLSA records are ignored by senders (DANE not in effect), bogus ones make
/// validating senders defer mail. CNAMEs are followed: on the TLSA name (each link must
/// validate) and on the MX host (a secure alias makes the expanded name the TLSA base).
pub async fn check(cx: &Ctx, mx: &MxData) -> Vec<Finding> {
    let mut out = Vec::new();
    if mx.null || mx.hosts.is_empty() {
        return out;
    }
    let lookups = mx.hosts.iter().map(|h| host_dane(cx, mx, h.clone()));
    // the MX RRset (the domain's A RRset for an implicit MX) must be secure too (§2.2.1)
    let mx_type = if mx.records.is_empty() {
        RecordType::A
    } else {
        RecordType::MX
    };
    let (results, mx_v) = tokio::join!(
        futures_join_all(lookups),
        dnssec::validate(cx, &cx.domain, mx_type)
    );
    let mut with_tlsa = 0;
    let mut secure_tlsa = 0;
    let mut usable = 0;
    for d in results {
        let HostDane {
            host,
            name,
            tlsa,
            tlsa_v,
            addr_v,
            expanded,
            denial,
        } = d;
        let q = format!("{name} TLSA");
        if let (Err(e), Some(bogus)) = (&tlsa, &tlsa_v)
            && matches!(bogus.security, Security::Bogus { .. })
        {
            with_tlsa += 1;
            let mut evs = vec![Evidence::error(&q, e)];
            evs.extend(bogus.evidence.iter().cloned());
            out.push(
                security_args(
                    Finding::new("dane.tlsa-bogus", Severity::Error)
                        .subject(host.clone())
                        .arg("host", &host),
                    &bogus.security,
                )
                .evidences(evs),
            );
            continue;
        }
        let a = match tlsa {
            Ok(a) => a,
            Err(e) if e.is_not_found() => {
                if let Some(v) = denial
                    && matches!(v.security, Security::Bogus { .. })
                {
                    let mut evs = vec![Evidence::error(&q, &e)];
                    evs.extend(v.evidence.iter().cloned());
                    out.push(
                        security_args(
                            Finding::new("dane.tlsa-denial-bogus", Severity::Error)
                                .subject(host.clone())
                                .arg("host", &host)
                                .arg("query", &q),
                            &v.security,
                        )
                        .evidences(evs),
                    );
                }
                continue;
            }
            Err(e) => {
                out.push(
                    Finding::new("dane.lookup-failed", Severity::Warning)
                        .subject(host.clone())
                        .dns_error("error", &e)
                        .evidence(Evidence::error(&q, &e)),
                );
                continue;
            }
        };
        with_tlsa += 1;
        let ev = Evidence::answer(&q, &a);
        let mut bad = false;
        for t in &a.records {
            for p in problems(t.usage, t.selector, t.matching, &t.data) {
                let sev = if p == "pkix-usage" {
                    Severity::Warning
                } else {
                    Severity::Error
                };
                bad |= sev == Severity::Error;
                out.push(
                    Finding::new("dane.tlsa-invalid", sev)
                        .subject(format!("{host}: {t}"))
                        .arg("host", &host)
                        .arg("record", t)
                        .arg("kind", p)
                        .evidence(ev.clone()),
                );
            }
        }
        let v = tlsa_v.unwrap_or(dnssec::Validation {
            security: Security::NoData,
            evidence: Vec::new(),
            target: name.clone(),
            aliases: Vec::new(),
        });
        let mut evs = vec![ev];
        evs.extend(v.evidence.iter().cloned());
        let host_finding = |id: &'static str, sev: Severity, s: &Security| {
            security_args(
                Finding::new(id, sev)
                    .subject(host.clone())
                    .arg("host", &host)
                    .arg("query", &q),
                s,
            )
        };
        match &v.security {
            Security::Secure { .. } => {}
            Security::Bogus { .. } => {
                out.push(
                    host_finding("dane.tlsa-bogus", Severity::Error, &v.security).evidences(evs),
                );
                continue;
            }
            Security::Insecure { .. } => {
                out.push(host_finding("dane.unsigned", Severity::Info, &v.security).evidences(evs));
                continue;
            }
            Security::NoData | Security::Indeterminate { .. } => {
                out.push(
                    host_finding("dane.lookup-failed", Severity::Warning, &v.security)
                        .local_arg("error", v.security.why())
                        .evidences(evs),
                );
                continue;
            }
        }
        // secure TLSA: usable only when the host's addresses and the MX RRset are secure
        secure_tlsa += 1;
        let addr_refs: Vec<&dnssec::Validation> = addr_v.iter().collect();
        let addr_ev: Vec<Evidence> = addr_v.iter().flat_map(|x| x.evidence.clone()).collect();
        match weakest(&addr_refs) {
            Some(s @ Security::Bogus { .. }) => {
                out.push(
                    host_finding("dane.address-bogus", Severity::Error, &s).evidences(addr_ev),
                );
                continue;
            }
            Some(s @ Security::Insecure { .. }) => {
                out.push(
                    host_finding("dane.address-insecure", Severity::Warning, &s).evidences(addr_ev),
                );
                continue;
            }
            // failed or empty address lookups are the MX check's findings
            Some(Security::NoData | Security::Indeterminate { .. }) => continue,
            _ => {}
        }
        if !mx_v.security.is_secure() {
            continue; // reported once below
        }
        if !bad {
            usable += 1;
            let mut evs = evs;
            evs.extend(addr_ev);
            out.push(
                security_args(
                    Finding::new("dane.ok", Severity::Ok)
                        .subject(host.clone())
                        .arg("host", &host)
                        .arg("count", a.records.len())
                        .arg("tlsa_name", &name)
                        .arg("alias", expanded.as_deref().unwrap_or(""))
                        .arg(
                            "validated",
                            match v.security {
                                Security::Secure {
                                    by: ValidatedBy::Resolver,
                                    ..
                                } => "resolver",
                                _ => "local",
                            },
                        ),
                    &v.security,
                )
                .evidences(evs),
            );
        }
    }
    if secure_tlsa > 0 && !mx_v.security.is_secure() {
        let q = format!("{} {mx_type}", cx.domain);
        let (id, sev) = match mx_v.security {
            Security::Bogus { .. } => ("dane.mx-bogus", Severity::Error),
            Security::Insecure { .. } => ("dane.mx-insecure", Severity::Info),
            _ => ("dane.mx-unvalidated", Severity::Warning),
        };
        out.push(
            security_args(
                Finding::new(id, sev)
                    .arg("query", q)
                    .arg("with", secure_tlsa),
                &mx_v.security,
            )
            .evidences(mx_v.evidence.iter().cloned()),
        );
    }
    if with_tlsa == 0 {
        out.push(Finding::new("dane.none", Severity::Info).arg("count", mx.hosts.len()));
    } else if with_tlsa < mx.hosts.len() && usable > 0 {
        out.push(
            Finding::new("dane.partial", Severity::Warning)
                .arg("with", with_tlsa)
                .arg("count", mx.hosts.len()),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlsa_problems() {
        let h = "a".repeat(64);
        assert!(problems(3, 1, 1, &h).is_empty());
        assert_eq!(problems(3, 1, 1, "00"), vec!["bad-length"]);
        assert_eq!(problems(1, 1, 1, &h), vec!["pkix-usage"]);
        assert_eq!(problems(3, 1, 2, &h), vec!["bad-length"]);
        assert_eq!(
            problems(4, 2, 3, &h),
            vec!["bad-usage", "bad-selector", "bad-matching"]
        );
    }
}
