//! The resolvers themselves: which answer at all (a dead or slow one is a finding, within the
//! timeout), whether the domain exists, and whether several resolvers agree (propagation).

use std::time::Duration;

use mailway_dns::{QueryOptions, RecordType, Resolver, Response};

use super::Ctx;
use super::finding::{Evidence, Finding, Severity};
use super::mx::futures_join_all;

/// Outcome of the first round of queries.
pub struct Preflight {
    /// Findings about the resolvers and the domain.
    pub findings: Vec<Finding>,
    /// A resolver using only the servers that answered (`None` when none did).
    pub live: Option<Resolver>,
    /// False when the domain does not exist (only blocklists are then worth checking).
    pub exists: bool,
}

fn response_evidence(r: &Response) -> Evidence {
    Evidence {
        query: format!("{} {}", r.name, r.rtype),
        server: Some(r.server.to_string()),
        result: if r.authenticated {
            format!("{} (AD)", r.rcode)
        } else {
            r.rcode.clone()
        },
        records: r.answer_rrs.iter().map(ToString::to_string).collect(),
        dns_error: None,
        local: None,
    }
}

/// Asks every resolver for the domain's SOA, concurrently.
pub async fn preflight(cx: &Ctx) -> Preflight {
    let servers = cx.resolver.servers();
    let mut findings = Vec::new();
    let timeout = cx.resolver.timeout();
    let attempts = cx.resolver.config().attempts.max(1);
    let asks = servers.iter().map(|&s| async move {
        let mut last = None;
        for _ in 0..attempts {
            match cx
                .resolver
                .query_server(s, &cx.domain, RecordType::SOA, QueryOptions::recursive())
                .await
            {
                Ok(r) => return (s, Ok(r)),
                Err(e) => last = Some(e),
            }
        }
        (s, Err(last.unwrap_or(mailway_dns::DnsError::NoServers)))
    });
    let results = futures_join_all(asks).await;
    let mut live = Vec::new();
    let mut first: Option<Response> = None;
    for (server, r) in results {
        match r {
            Ok(resp) if resp.rcode == "REFUSED" || resp.rcode == "SERVFAIL" => {
                findings.push(
                    Finding::new("resolver.refused", Severity::Error)
                        .subject(server.to_string())
                        .arg("server", server)
                        .arg("rcode", &resp.rcode)
                        .evidence(response_evidence(&resp)),
                );
            }
            Ok(resp) => {
                if resp.elapsed > timeout / 2 {
                    findings.push(
                        Finding::new("resolver.slow", Severity::Warning)
                            .subject(server.to_string())
                            .arg("server", server)
                            .arg("ms", resp.elapsed.as_millis())
                            .evidence(response_evidence(&resp)),
                    );
                }
                live.push(server);
                if first.is_none() {
                    first = Some(resp);
                }
            }
            Err(e) => findings.push(
                Finding::new("resolver.unreachable", Severity::Error)
                    .subject(server.to_string())
                    .arg("server", server)
                    .arg("seconds", format!("{:.1}", timeout.as_secs_f64()))
                    .dns_error("error", &e)
                    .evidence(
                        Evidence::error(format!("{} SOA", cx.domain), &e)
                            .with_server(server.to_string()),
                    ),
            ),
        }
    }
    let Some(first) = first else {
        findings.push(
            Finding::new("resolver.none-answered", Severity::Error).arg("count", servers.len()),
        );
        return Preflight {
            findings,
            live: None,
            exists: false,
        };
    };
    if first.rcode == "NXDOMAIN" {
        findings.push(
            Finding::new("domain.nxdomain", Severity::Error).evidence(response_evidence(&first)),
        );
        return Preflight {
            findings,
            live: Some(cx.resolver.with_servers(live)),
            exists: false,
        };
    }
    findings.push(
        Finding::new("resolver.ok", Severity::Ok)
            .arg("count", live.len())
            .arg(
                "servers",
                live.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            )
            .evidence(response_evidence(&first)),
    );
    Preflight {
        findings,
        live: Some(cx.resolver.with_servers(live)),
        exists: true,
    }
}

/// With several resolvers: do they give the same SOA serial, NS, MX, SPF and DMARC answers?
pub async fn propagation(cx: &Ctx) -> Vec<Finding> {
    let servers = cx.resolver.servers();
    if servers.len() < 2 {
        return Vec::new();
    }
    let domain = &cx.domain;
    let dmarc = format!("_dmarc.{domain}");
    let questions: Vec<(String, RecordType)> = vec![
        (domain.clone(), RecordType::SOA),
        (domain.clone(), RecordType::NS),
        (domain.clone(), RecordType::MX),
        (domain.clone(), RecordType::TXT),
        (dmarc, RecordType::TXT),
    ];
    let mut out = Vec::new();
    let mut all_same = true;
    for (name, rtype) in &questions {
        let asks = servers.iter().map(|&s| {
            let name = name.clone();
            async move {
                let r = cx
                    .resolver
                    .query_server(s, &name, *rtype, QueryOptions::recursive())
                    .await;
                (s, r)
            }
        });
        let answers = futures_join_all(asks).await;
        let norm = |r: &Result<Response, mailway_dns::DnsError>| -> String {
            match r {
                Ok(resp) => {
                    let mut v: Vec<String> = resp
                        .answer_rrs
                        .iter()
                        .filter(|rr| rr.rtype == rtype.to_string())
                        .map(|rr| rr.data.to_ascii_lowercase())
                        .collect();
                    v.sort();
                    format!("{} {}", resp.rcode, v.join(" | "))
                }
                Err(e) => e.code().to_string(),
            }
        };
        let first = norm(&answers[0].1);
        if answers.iter().any(|(_, r)| norm(r) != first) {
            all_same = false;
            out.push(
                Finding::new("propagation.mismatch", Severity::Warning)
                    .subject(format!("{name} {rtype}"))
                    .arg("query", format!("{name} {rtype}"))
                    .evidences(answers.iter().map(|(s, r)| match r {
                        Ok(resp) => response_evidence(resp),
                        Err(e) => {
                            Evidence::error(format!("{name} {rtype}"), e).with_server(s.to_string())
                        }
                    })),
            );
        }
    }
    if all_same {
        out.push(
            Finding::new("propagation.ok", Severity::Ok)
                .arg("count", servers.len())
                .arg(
                    "servers",
                    servers
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
        );
    }
    let _ = Duration::ZERO;
    out
}
