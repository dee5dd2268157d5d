//! MX: none (implicit MX), null MX (RFC 7505), targets that are aliases, IP literals, missing
//! names or addresses, special-purpose addresses, duplicates.

use std::collections::BTreeMap;
use std::net::IpAddr;

use mailway_dns::{Mx, NullMx, null_mx};

use super::Ctx;
use super::addr::{AddrClass, classify, looks_like_ip};
use super::finding::{Evidence, Finding, Severity};

/// What the MX check learned, for the checks that need the mail hosts (MTA-STS, DANE).
#[derive(Debug, Clone, Default)]
pub struct MxData {
    /// The MX records (sorted), empty when none.
    pub records: Vec<Mx>,
    /// Hosts mail would go to (MX exchanges, or the domain itself for an implicit MX).
    pub hosts: Vec<String>,
    /// Addresses of each host.
    pub addresses: BTreeMap<String, Vec<IpAddr>>,
    /// True for a valid null MX.
    pub null: bool,
}

/// Runs the MX checks.
pub async fn check(cx: &Ctx) -> (Vec<Finding>, MxData) {
    let domain = &cx.domain;
    let mut out = Vec::new();
    let mut data = MxData::default();
    let q = format!("{domain} MX");
    let mx = cx.resolver.mx(domain).await;
    let answer = match &mx {
        Ok(a) => a,
        Err(e) if e.is_not_found() => {
            // RFC 5321 §5.1: no MX → the domain's own address records are the implicit MX
            let ip = cx.resolver.ip(domain).await;
            match &ip {
                Ok(addrs) => {
                    out.push(
                        Finding::new("mx.implicit", Severity::Warning)
                            .arg("addresses", join(&addrs.records))
                            .evidence(Evidence::error(&q, e))
                            .evidence(Evidence::answer(format!("{domain} A/AAAA"), addrs)),
                    );
                    data.hosts.push(domain.clone());
                    data.addresses.insert(domain.clone(), addrs.records.clone());
                    out.extend(address_findings(cx, domain, &addrs.records));
                }
                Err(e2) => out.push(
                    Finding::new("mx.none", Severity::Error)
                        .evidence(Evidence::error(&q, e))
                        .evidence(Evidence::error(format!("{domain} A/AAAA"), e2)),
                ),
            }
            return (out, data);
        }
        Err(e) => {
            out.push(
                Finding::new("mx.lookup-failed", Severity::Error)
                    .dns_error("error", e)
                    .evidence(Evidence::error(&q, e)),
            );
            return (out, data);
        }
    };
    let ev = Evidence::answer(&q, answer);
    data.records = answer.records.clone();
    match null_mx(&answer.records) {
        NullMx::Yes => {
            data.null = true;
            out.push(Finding::new("mx.null", Severity::Info).evidence(ev));
            return (out, data);
        }
        NullMx::Mixed => {
            out.push(Finding::new("mx.null-mixed", Severity::Error).evidence(ev.clone()));
        }
        NullMx::No => {}
    }
    // the same host at several preferences
    let mut seen: BTreeMap<String, Vec<u16>> = BTreeMap::new();
    for m in answer.records.iter().filter(|m| !m.is_null()) {
        seen.entry(m.exchange.to_ascii_lowercase())
            .or_default()
            .push(m.preference);
    }
    for (host, prefs) in &seen {
        if prefs.len() > 1 {
            out.push(
                Finding::new("mx.duplicate", Severity::Warning)
                    .subject(host.clone())
                    .arg(
                        "preferences",
                        prefs
                            .iter()
                            .map(u16::to_string)
                            .collect::<Vec<_>>()
                            .join(", "),
                    )
                    .evidence(ev.clone()),
            );
        }
    }
    let hosts: Vec<Mx> = answer
        .records
        .iter()
        .filter(|m| !m.is_null())
        .cloned()
        .collect();
    let lookups = hosts.iter().map(|m| async move {
        let (ip, cname) = tokio::join!(cx.resolver.ip(&m.exchange), cx.resolver.cname(&m.exchange));
        (m.clone(), ip, cname)
    });
    let results = futures_join_all(lookups).await;
    let mut bad_hosts = 0;
    let mut by_addr: BTreeMap<IpAddr, Vec<String>> = BTreeMap::new();
    for (m, ip, cname) in results {
        let host = m.exchange.clone();
        let qa = format!("{host} A/AAAA");
        if looks_like_ip(&host) {
            bad_hosts += 1;
            out.push(
                Finding::new("mx.target-ip", Severity::Error)
                    .subject(host.clone())
                    .evidence(ev.clone())
                    .evidence(Evidence::lookup(&qa, &ip)),
            );
            continue;
        }
        if let Ok(c) = &cname {
            out.push(
                Finding::new("mx.target-cname", Severity::Warning)
                    .subject(host.clone())
                    .arg("target", c.records.first().cloned().unwrap_or_default())
                    .evidence(Evidence::answer(format!("{host} CNAME"), c)),
            );
        }
        match ip {
            Ok(addrs) => {
                data.hosts.push(host.clone());
                data.addresses.insert(host.clone(), addrs.records.clone());
                for a in &addrs.records {
                    by_addr.entry(*a).or_default().push(host.clone());
                }
                let f = address_findings(cx, &host, &addrs.records);
                if f.iter().any(|x| x.severity == Severity::Error) {
                    bad_hosts += 1;
                }
                out.extend(f);
            }
            Err(e) if e.is_nxdomain() => {
                bad_hosts += 1;
                out.push(
                    Finding::new("mx.target-nxdomain", Severity::Error)
                        .subject(host.clone())
                        .evidence(Evidence::error(&qa, &e)),
                );
            }
            Err(e) if e.is_nodata() => {
                bad_hosts += 1;
                out.push(
                    Finding::new("mx.target-no-address", Severity::Error)
                        .subject(host.clone())
                        .evidence(Evidence::error(&qa, &e)),
                );
            }
            Err(e) => {
                bad_hosts += 1;
                out.push(
                    Finding::new("mx.target-lookup-failed", Severity::Warning)
                        .subject(host.clone())
                        .dns_error("error", &e)
                        .evidence(Evidence::error(&qa, &e)),
                );
            }
        }
    }
    // reverse DNS of the MX addresses (MX hosts usually also send: bounces, forwards)
    let ptrs = by_addr
        .keys()
        .map(|a| async move { (*a, cx.resolver.ptr(*a).await) });
    for (addr, r) in futures_join_all(ptrs).await {
        if let Err(e) = r
            && e.is_not_found()
        {
            out.push(
                Finding::new("mx.no-ptr", Severity::Info)
                    .subject(addr.to_string())
                    .arg("address", addr)
                    .arg(
                        "hosts",
                        by_addr.get(&addr).map(|h| h.join(", ")).unwrap_or_default(),
                    )
                    .evidence(Evidence::error(
                        format!("{} PTR", mailway_dns::reverse_name(addr)),
                        &e,
                    )),
            );
        }
    }
    for (addr, hs) in &by_addr {
        if hs.len() > 1 {
            out.push(
                Finding::new("mx.shared-address", Severity::Info)
                    .subject(addr.to_string())
                    .arg("hosts", hs.join(", ")),
            );
        }
    }
    if bad_hosts == 0 && !hosts.is_empty() {
        out.push(
            Finding::new("mx.ok", Severity::Ok)
                .arg("count", hosts.len())
                .arg(
                    "hosts",
                    hosts
                        .iter()
                        .map(|m| m.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
                .evidence(ev),
        );
    } else if !hosts.is_empty() && bad_hosts == hosts.len() {
        out.push(
            Finding::new("mx.no-usable-host", Severity::Error)
                .arg("count", hosts.len())
                .evidence(ev),
        );
    }
    (out, data)
}

fn address_findings(cx: &Ctx, host: &str, addrs: &[IpAddr]) -> Vec<Finding> {
    let mut out = Vec::new();
    for a in addrs {
        let class = classify(*a);
        let sev = match class {
            AddrClass::Public => continue,
            AddrClass::Unspecified => Severity::Error,
            AddrClass::Documentation | AddrClass::Benchmark => cx.adjust(Severity::Warning),
            _ => cx.adjust(Severity::Error),
        };
        out.push(
            Finding::new("mx.address-special", sev)
                .subject(format!("{host} {a}"))
                .arg("host", host)
                .arg("address", a)
                .arg("class", class.as_str())
                .arg("test_domain", if cx.special_use { "yes" } else { "no" }),
        );
    }
    out
}

fn join(v: &[IpAddr]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Awaits futures concurrently, keeping order (a small `join_all`).
pub(crate) async fn futures_join_all<F: std::future::Future>(
    futs: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let futs: Vec<_> = futs.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = (0..futs.len()).map(|_| None).collect();
    let mut pending: Vec<(usize, std::pin::Pin<Box<F>>)> = futs.into_iter().enumerate().collect();
    std::future::poll_fn(|cx| {
        pending.retain_mut(|(i, f)| match f.as_mut().poll(cx) {
            std::task::Poll::Ready(v) => {
                outputs[*i] = Some(v);
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}
