//! Name servers: every NS answers authoritatively (lame delegation), SOA serials, NS sets and MX
//! answers agree across the authoritative servers, at least two name servers.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use mailway_dns::{QueryOptions, RecordType, Response};

use super::Ctx;
use super::finding::{Evidence, Finding, LocalArg, Severity};
use super::mx::futures_join_all;

fn ev(r: &Response) -> Evidence {
    Evidence {
        query: format!("{} {} (RD=0)", r.name, r.rtype),
        server: Some(r.server.to_string()),
        result: format!("{}{}", r.rcode, if r.authoritative { " AA" } else { "" }),
        records: r.answer_rrs.iter().map(ToString::to_string).collect(),
        dns_error: None,
        local: None,
    }
}

/// Finds the zone apex of the domain (the owner of the SOA), asking the resolver.
pub(crate) async fn zone_of(cx: &Ctx) -> String {
    let r = cx
        .resolver
        .query_recursive(&cx.domain, RecordType::SOA, QueryOptions::recursive())
        .await;
    if let Ok(resp) = r {
        if let Some(soa) = resp.records_of(RecordType::SOA).next() {
            return mailway_dns::name_to_string(&soa.name);
        }
        if let Some(soa) = resp
            .authorities
            .iter()
            .find(|x| x.record_type() == RecordType::SOA)
        {
            return mailway_dns::name_to_string(&soa.name);
        }
    }
    cx.domain.clone()
}

fn sorted_data(r: &Response, t: RecordType) -> Vec<String> {
    let mut v: Vec<String> = r
        .answer_rrs
        .iter()
        .filter(|x| x.rtype == t.to_string())
        .map(|x| x.data.to_ascii_lowercase())
        .collect();
    v.sort();
    v
}

/// Runs the name server checks.
pub async fn check(cx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let zone = zone_of(cx).await;
    let q = format!("{zone} NS");
    let ns = match cx.resolver.ns(&zone).await {
        Ok(a) => a,
        Err(e) => {
            out.push(
                Finding::new("ns.lookup-failed", Severity::Error)
                    .arg("zone", &zone)
                    .dns_error("error", &e)
                    .evidence(Evidence::error(&q, &e)),
            );
            return out;
        }
    };
    let ns_ev = Evidence::answer(&q, &ns);
    if ns.records.len() < 2 {
        out.push(
            Finding::new("ns.single", Severity::Warning)
                .arg("zone", &zone)
                .arg("count", ns.records.len())
                .evidence(ns_ev.clone()),
        );
    }
    // addresses of every name server
    let addr_lookups = ns
        .records
        .iter()
        .map(|h| async move { (h.clone(), cx.resolver.ip(h).await) });
    let mut targets: Vec<(String, SocketAddr)> = Vec::new();
    for (host, r) in futures_join_all(addr_lookups).await {
        match r {
            Ok(a) => {
                for ip in a.records {
                    targets.push((host.clone(), SocketAddr::new(ip, cx.opts.ns_port)));
                }
            }
            Err(e) => out.push(
                Finding::new("ns.no-address", Severity::Error)
                    .subject(host.clone())
                    .arg("zone", &zone)
                    .dns_error("error", &e)
                    .evidence(Evidence::error(format!("{host} A/AAAA"), &e)),
            ),
        }
    }
    // ask each one directly, without recursion: SOA, NS, and MX of the domain
    let asks = targets.iter().map(|(host, addr)| {
        let zone = zone.clone();
        async move {
            let soa = cx
                .resolver
                .query_server(*addr, &zone, RecordType::SOA, QueryOptions::default())
                .await;
            let nsr = cx
                .resolver
                .query_server(*addr, &zone, RecordType::NS, QueryOptions::default())
                .await;
            let mx = cx
                .resolver
                .query_server(*addr, &cx.domain, RecordType::MX, QueryOptions::default())
                .await;
            (host.clone(), *addr, soa, nsr, mx)
        }
    });
    let mut serials: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut nssets: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    let mut mxsets: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    let mut evidence_soa = Vec::new();
    let mut healthy = 0;
    for (host, addr, soa, nsr, mx) in futures_join_all(asks).await {
        let who = format!("{host} ({addr})");
        match soa {
            Err(e) => {
                out.push(
                    Finding::new("ns.unreachable", Severity::Error)
                        .subject(who.clone())
                        .arg("host", &host)
                        .arg("address", addr)
                        .dns_error("error", &e)
                        .evidence(
                            Evidence::error(format!("{zone} SOA (RD=0)"), &e)
                                .with_server(addr.to_string()),
                        ),
                );
                continue;
            }
            Ok(r) => {
                let serial = r.records_of(RecordType::SOA).find_map(|x| match &x.data {
                    mailway_dns::proto::rr::RData::SOA(s) => Some(s.serial),
                    _ => None,
                });
                match (r.authoritative && r.rcode == "NOERROR", serial) {
                    (true, Some(serial)) => {
                        healthy += 1;
                        serials.entry(serial).or_default().push(who.clone());
                        evidence_soa.push(ev(&r));
                    }
                    _ => {
                        out.push(
                            Finding::new("ns.lame", Severity::Error)
                                .subject(who.clone())
                                .arg("host", &host)
                                .arg("address", addr)
                                .arg("zone", &zone)
                                .arg("rcode", &r.rcode)
                                .arg("aa", if r.authoritative { "yes" } else { "no" })
                                .evidence(ev(&r)),
                        );
                        continue;
                    }
                }
            }
        }
        if let Ok(r) = nsr
            && r.authoritative
        {
            nssets
                .entry(sorted_data(&r, RecordType::NS))
                .or_default()
                .push(who.clone());
        }
        if let Ok(r) = mx
            && r.authoritative
        {
            mxsets
                .entry(sorted_data(&r, RecordType::MX))
                .or_default()
                .push(who.clone());
        }
    }
    let describe = |m: &BTreeMap<Vec<String>, Vec<String>>| -> Vec<String> {
        m.iter()
            .map(|(k, v)| {
                format!(
                    "{}: {}",
                    v.join(", "),
                    if k.is_empty() {
                        "(none)".into()
                    } else {
                        k.join(" | ")
                    }
                )
            })
            .collect()
    };
    if serials.len() > 1 {
        out.push(
            Finding::new("ns.serial-mismatch", Severity::Warning)
                .arg("zone", &zone)
                .arg(
                    "serials",
                    serials
                        .iter()
                        .map(|(s, w)| format!("{s} ({})", w.join(", ")))
                        .collect::<Vec<_>>()
                        .join("; "),
                )
                .evidences(evidence_soa.clone()),
        );
    }
    if nssets.len() > 1 {
        out.push(
            Finding::new("ns.nsset-mismatch", Severity::Warning)
                .arg("zone", &zone)
                .evidence(Evidence::local(
                    LocalArg::text(
                        "ns.ev-at-each-server",
                        &[("name", zone.to_string()), ("type", "NS".into())],
                    ),
                    LocalArg::text("ns.ev-differ", &[]),
                    describe(&nssets).into_iter().map(LocalArg::Plain).collect(),
                )),
        );
    }
    if mxsets.len() > 1 {
        out.push(
            Finding::new("ns.data-mismatch", Severity::Error)
                .arg("zone", &zone)
                .arg("query", format!("{} MX", cx.domain))
                .evidence(Evidence::local(
                    LocalArg::text(
                        "ns.ev-at-each-server",
                        &[("name", cx.domain.to_string()), ("type", "MX".into())],
                    ),
                    LocalArg::text("ns.ev-differ", &[]),
                    describe(&mxsets).into_iter().map(LocalArg::Plain).collect(),
                )),
        );
    }
    if healthy > 0 && healthy == targets.len() && serials.len() == 1 {
        out.push(
            Finding::new("ns.ok", Severity::Ok)
                .arg("zone", &zone)
                .arg("count", healthy)
                .arg("serial", serials.keys().next().copied().unwrap_or_default())
                .evidence(ns_ev),
        );
    }
    out
}
