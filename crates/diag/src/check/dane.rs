//! DANE for SMTP (RFC 7672, RFC 6698): TLSA records at `_25._tcp.<mx>` for each MX host, their
//! syntax and usages, and whether they are DNSSEC-signed (TLSA without DNSSEC is ignored by
//! senders).

use mailway_dns::{QueryOptions, RecordType, tlsa_name};

use super::Ctx;
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

/// Whether the zone of `name` publishes DNSKEY records (is signed), asking with DO=1.
pub async fn zone_signed(cx: &Ctx, zone: &str) -> bool {
    cx.resolver
        .query_recursive(
            zone,
            RecordType::DNSKEY,
            QueryOptions::recursive()
                .with_dnssec_ok(true)
                .with_checking_disabled(true),
        )
        .await
        .is_ok_and(|r| r.records_of(RecordType::DNSKEY).next().is_some())
}

/// Runs the DANE checks for the MX hosts.
pub async fn check(cx: &Ctx, mx: &MxData) -> Vec<Finding> {
    let mut out = Vec::new();
    if mx.null || mx.hosts.is_empty() {
        return out;
    }
    let lookups = mx.hosts.iter().map(|h| async move {
        let name = tlsa_name(25, "tcp", h);
        (h.clone(), name.clone(), cx.resolver.tlsa(&name).await)
    });
    let results = futures_join_all(lookups).await;
    let mut with_tlsa = 0;
    let signed = zone_signed(cx, &cx.domain).await;
    for (host, name, r) in results {
        let q = format!("{name} TLSA");
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
        let host_in_domain = host == cx.domain || host.ends_with(&format!(".{}", cx.domain));
        let host_signed = a.authenticated
            || if host_in_domain {
                signed
            } else {
                zone_signed(cx, &host).await
            };
        if !host_signed {
            out.push(
                Finding::new("dane.unsigned", Severity::Warning)
                    .subject(host.clone())
                    .arg("host", &host)
                    .evidence(ev.clone()),
            );
        } else if !bad {
            out.push(
                Finding::new("dane.ok", Severity::Ok)
                    .subject(host.clone())
                    .arg("host", &host)
                    .arg("count", a.records.len())
                    .arg("validated", if a.authenticated { "yes" } else { "no" })
                    .evidence(ev),
            );
        }
    }
    if with_tlsa == 0 {
        out.push(Finding::new("dane.none", Severity::Info).arg("count", mx.hosts.len()));
    } else if with_tlsa < mx.hosts.len() {
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
