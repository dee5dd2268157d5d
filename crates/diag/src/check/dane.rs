//! DANE for SMTP (RFC 7672, RFC 6698): TLSA records at `_25._tcp.<mx>` for each MX host, their
//! syntax and usages, and whether they and the MX RRset are DNSSEC-validated (RFC 7672 §2.2:
//! senders use TLSA records only from secure answers; insecure ones are ignored, bogus ones
//! make them defer mail).

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

/// How a DNSSEC status reads in findings: `secure (validated by the resolver)` etc.
fn security_args(f: Finding, s: &Security) -> Finding {
    let (zone, reason, detail) = match s {
        Security::Secure { by, zone } => (
            zone.as_str(),
            match by {
                ValidatedBy::Resolver => "resolver",
                ValidatedBy::Local => "local",
            },
            "",
        ),
        Security::Insecure { zone, reason } => (zone.as_str(), *reason, ""),
        Security::Bogus {
            zone,
            reason,
            detail,
        } => (zone.as_str(), *reason, detail.as_str()),
        Security::NoData => ("", "no-data", ""),
        Security::Indeterminate { error } => ("", "indeterminate", error.as_str()),
    };
    f.arg("status", s.kind())
        .arg("zone", zone)
        .arg("reason", reason)
        .arg("detail", detail)
}

/// Runs the DANE checks for the MX hosts (RFC 7672 §2.2): a host's TLSA records count only
/// when they and the MX RRset are DNSSEC-validated (secure); insecure TLSA records are
/// ignored by senders (DANE not in effect), bogus ones make validating senders defer mail.
pub async fn check(cx: &Ctx, mx: &MxData) -> Vec<Finding> {
    let mut out = Vec::new();
    if mx.null || mx.hosts.is_empty() {
        return out;
    }
    let lookups = mx.hosts.iter().map(|h| async move {
        let name = tlsa_name(25, "tcp", h);
        let a = cx.resolver.tlsa(&name).await;
        // a SERVFAIL may be a validating resolver rejecting bogus TLSA records: look closer
        let v = match &a {
            Ok(_) | Err(DnsError::ServFail { .. }) => {
                Some(dnssec::validate(cx, &name, RecordType::TLSA).await)
            }
            Err(_) => None,
        };
        (h.clone(), name, a, v)
    });
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
    for (host, name, r, v) in results {
        let q = format!("{name} TLSA");
        if let (Err(e), Some(bogus)) = (&r, &v)
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
        let a = match r {
            Ok(a) => a,
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                out.push(
                    Finding::new("dane.lookup-failed", Severity::Warning)
                        .subject(host.clone())
                        .arg("error", &e)
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
        let v = v.unwrap_or(dnssec::Validation {
            security: Security::NoData,
            evidence: Vec::new(),
        });
        let mut evs = vec![ev];
        evs.extend(v.evidence.iter().cloned());
        match &v.security {
            Security::Secure { .. } => {}
            Security::Bogus { .. } => {
                out.push(
                    security_args(
                        Finding::new("dane.tlsa-bogus", Severity::Error)
                            .subject(host.clone())
                            .arg("host", &host),
                        &v.security,
                    )
                    .evidences(evs),
                );
                continue;
            }
            Security::Insecure { .. } => {
                out.push(
                    security_args(
                        Finding::new("dane.unsigned", Severity::Info)
                            .subject(host.clone())
                            .arg("host", &host),
                        &v.security,
                    )
                    .evidences(evs),
                );
                continue;
            }
            Security::NoData | Security::Indeterminate { .. } => {
                out.push(
                    security_args(
                        Finding::new("dane.lookup-failed", Severity::Warning)
                            .subject(host.clone())
                            .arg(
                                "error",
                                format!("DNSSEC validation of {q}: {}", v.security.kind()),
                            ),
                        &v.security,
                    )
                    .evidences(evs),
                );
                continue;
            }
        }
        // secure TLSA: usable only when the MX RRset is secure as well
        secure_tlsa += 1;
        if !mx_v.security.is_secure() {
            continue; // reported once below
        }
        if !bad {
            usable += 1;
            out.push(
                security_args(
                    Finding::new("dane.ok", Severity::Ok)
                        .subject(host.clone())
                        .arg("host", &host)
                        .arg("count", a.records.len())
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
