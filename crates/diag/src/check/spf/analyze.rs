//! Static analysis of a domain's SPF: every syntax error, the worst-case number of DNS-querying
//! terms over the whole include/redirect tree (what a receiver may have to evaluate), void
//! lookups, loops, includes without SPF, risky `all`/`ptr`; and, with a sending IP, the result of
//! evaluation and the deciding term.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use mailway_dns::Resolver;

use super::eval::{
    FetchError, LOOKUP_LIMIT, NAME_LIMIT, Request, SpfResult, VOID_LIMIT, check_host, fetch_record,
};
use super::parse::{Mechanism, Qualifier, SpfRecord, SyntaxErrorKind, parse_record};
use crate::check::Ctx;
use crate::check::finding::{Evidence, Finding, LocalArg, Severity};

/// One record in the include/redirect tree.
#[derive(Debug, Clone)]
struct Node {
    domain: String,
    via: String,
    record: Option<String>,
    lookups: usize,
    children: Vec<Node>,
}

#[derive(Default)]
struct Walk {
    top_ev: Option<Evidence>,
    lookups: usize,
    voids: Vec<(String, String)>,
    findings: Vec<Finding>,
}

fn kind_key(k: &SyntaxErrorKind) -> &'static str {
    match k {
        SyntaxErrorKind::UnknownMechanism => "unknown-mechanism",
        SyntaxErrorKind::BadIp4 => "bad-ip4",
        SyntaxErrorKind::BadIp6 => "bad-ip6",
        SyntaxErrorKind::BadCidr => "bad-cidr",
        SyntaxErrorKind::MissingDomain => "missing-domain",
        SyntaxErrorKind::UnexpectedArgument => "unexpected-argument",
        SyntaxErrorKind::BadDomainEnd => "bad-domain",
        SyntaxErrorKind::BadMacro => "bad-macro",
        SyntaxErrorKind::DuplicateModifier => "duplicate-modifier",
        SyntaxErrorKind::BadModifierName => "bad-modifier-name",
        SyntaxErrorKind::NonAscii => "non-ascii",
        SyntaxErrorKind::ControlChar => "control-char",
    }
}

fn record_findings(domain: &str, rec: &SpfRecord, top: bool, ev: &Evidence) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in &rec.errors {
        out.push(
            Finding::new("spf.syntax", Severity::Error)
                .subject(format!("{domain}: {}", e.term))
                .arg("record_domain", domain)
                .arg("term", &e.term)
                .arg("position", e.position)
                .arg("kind", kind_key(&e.kind))
                .local_arg("detail", e.detail_text.clone())
                .evidence(ev.clone()),
        );
    }
    for d in &rec.directives {
        if matches!(d.mechanism, Mechanism::Ptr(_)) {
            out.push(
                Finding::new("spf.ptr", Severity::Warning)
                    .subject(format!("{domain}: {}", d.text))
                    .arg("record_domain", domain)
                    .arg("term", &d.text)
                    .evidence(ev.clone()),
            );
        }
    }
    if top {
        match rec.all().map(|a| a.qualifier) {
            Some(Qualifier::Pass) => out.push(
                Finding::new("spf.all-pass", Severity::Error)
                    .arg(
                        "term",
                        rec.all().map(|a| a.text.clone()).unwrap_or_default(),
                    )
                    .evidence(ev.clone()),
            ),
            Some(Qualifier::Neutral) => out.push(
                Finding::new("spf.all-neutral", Severity::Warning)
                    .arg(
                        "term",
                        rec.all().map(|a| a.text.clone()).unwrap_or_default(),
                    )
                    .evidence(ev.clone()),
            ),
            Some(_) if rec.redirect.is_some() => {
                out.push(Finding::new("spf.redirect-ignored", Severity::Info).evidence(ev.clone()));
            }
            Some(_) => {}
            None if rec.redirect.is_none() => {
                out.push(Finding::new("spf.no-all", Severity::Warning).evidence(ev.clone()));
            }
            None => {}
        }
    }
    out
}

fn walk<'a>(
    resolver: &'a Resolver,
    domain: String,
    via: String,
    path: Vec<String>,
    st: &'a mut Walk,
) -> Pin<Box<dyn Future<Output = Node> + Send + 'a>> {
    Box::pin(async move {
        let mut node = Node {
            domain: domain.clone(),
            via: via.clone(),
            record: None,
            lookups: 0,
            children: Vec::new(),
        };
        let q = format!("{domain} TXT");
        let txt = resolver.txt(&domain).await;
        let ev = Evidence::lookup(&q, &txt);
        let rec = match fetch_record(resolver, &domain).await {
            Ok(Some((text, _))) => text,
            Ok(None) if via.is_empty() => {
                st.findings
                    .push(Finding::new("spf.none", Severity::Warning).evidence(ev));
                return node;
            }
            Ok(None) => {
                let id = if via.starts_with("redirect") {
                    "spf.redirect-no-spf"
                } else {
                    "spf.include-no-spf"
                };
                if txt.as_ref().is_err_and(|e| e.is_not_found()) {
                    st.voids.push((via.clone(), domain.clone()));
                }
                st.findings.push(
                    Finding::new(id, Severity::Error)
                        .subject(domain.clone())
                        .arg("term", &via)
                        .arg("target", &domain)
                        .evidence(ev),
                );
                return node;
            }
            Err(FetchError::Multiple(n)) => {
                st.findings.push(
                    Finding::new("spf.multiple", Severity::Error)
                        .subject(domain.clone())
                        .arg("count", n)
                        .arg("record_domain", &domain)
                        .evidence(ev),
                );
                return node;
            }
            Err(FetchError::Dns(e)) if via.is_empty() => {
                st.findings.push(
                    Finding::new("spf.lookup-failed", Severity::Warning)
                        .dns_error("error", &e)
                        .evidence(Evidence::error(&q, &e)),
                );
                return node;
            }
            Err(FetchError::Dns(e)) => {
                st.findings.push(
                    Finding::new("spf.include-failed", Severity::Warning)
                        .subject(domain.clone())
                        .arg("term", &via)
                        .dns_error("error", &e)
                        .evidence(Evidence::error(&q, &e)),
                );
                return node;
            }
        };
        let parsed = parse_record(&rec);
        node.record = Some(rec.clone());
        st.findings
            .extend(record_findings(&domain, &parsed, via.is_empty(), &ev));
        st.top_ev.get_or_insert(ev.clone());
        node.lookups = parsed.local_lookups();
        st.lookups += node.lookups;
        for d in &parsed.directives {
            match &d.mechanism {
                Mechanism::Include(ms) if ms.is_literal() => {
                    let target = ms.raw.trim_end_matches('.').to_ascii_lowercase();
                    if path.contains(&target) || target == domain {
                        st.findings.push(
                            Finding::new("spf.loop", Severity::Error)
                                .subject(target.clone())
                                .arg("term", &d.text)
                                .arg("record_domain", &domain)
                                .arg("path", path.join(" → "))
                                .evidence(ev.clone()),
                        );
                        continue;
                    }
                    let mut p = path.clone();
                    p.push(domain.clone());
                    let child = walk(resolver, target, d.text.clone(), p, st).await;
                    node.children.push(child);
                }
                Mechanism::A { domain: t, .. } | Mechanism::Mx { domain: t, .. } => {
                    let host = match t {
                        Some(ms) if ms.is_literal() => ms.raw.trim_end_matches('.').to_string(),
                        Some(_) => continue,
                        None => domain.clone(),
                    };
                    let is_mx = matches!(d.mechanism, Mechanism::Mx { .. });
                    if is_mx {
                        match resolver.mx(&host).await {
                            Ok(a) if a.records.len() > NAME_LIMIT => st.findings.push(
                                Finding::new("spf.mx-too-many", Severity::Error)
                                    .subject(d.text.clone())
                                    .arg("count", a.records.len())
                                    .arg("host", &host)
                                    .evidence(Evidence::answer(format!("{host} MX"), &a)),
                            ),
                            Ok(_) => {}
                            Err(e) if e.is_not_found() => {
                                st.voids.push((d.text.clone(), host.clone()));
                            }
                            Err(_) => {}
                        }
                    } else {
                        match resolver.ip(&host).await {
                            Ok(_) => {}
                            Err(e) if e.is_not_found() => {
                                st.voids.push((d.text.clone(), host.clone()));
                            }
                            Err(_) => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(ms) = &parsed.redirect
            && parsed.all().is_none()
            && ms.is_literal()
        {
            let target = ms.raw.trim_end_matches('.').to_ascii_lowercase();
            let term = format!("redirect={}", ms.raw);
            if path.contains(&target) || target == domain {
                st.findings.push(
                    Finding::new("spf.loop", Severity::Error)
                        .subject(target.clone())
                        .arg("term", &term)
                        .arg("record_domain", &domain)
                        .arg("path", {
                            let mut p = path.clone();
                            p.push(domain.clone());
                            p.push(target.clone());
                            p.join(" → ")
                        })
                        .evidence(ev.clone()),
                );
            } else {
                let mut p = path.clone();
                p.push(domain.clone());
                let child = walk(resolver, target, term, p, st).await;
                node.children.push(child);
            }
        }
        node
    })
}

fn tree_lines(n: &Node, depth: usize, out: &mut Vec<LocalArg>) {
    let pad = "  ".repeat(depth);
    let via = if depth == 0 {
        String::new()
    } else {
        format!("{} → ", n.via)
    };
    out.push(LocalArg::text(
        "spf.ev-tree-line",
        &[
            ("head", format!("{pad}{via}{}", n.domain)),
            (
                "record",
                n.record
                    .as_deref()
                    .map_or_else(|| "none".to_string(), |r| format!("\"{r}\"")),
            ),
            ("lookups", n.lookups.to_string()),
        ],
    ));
    for c in &n.children {
        tree_lines(c, depth + 1, out);
    }
}

/// Runs the SPF checks of the domain.
pub async fn check(cx: &Ctx) -> Vec<Finding> {
    let domain = cx.domain.clone();
    let mut st = Walk::default();
    let root = walk(
        &cx.resolver,
        domain.clone(),
        String::new(),
        Vec::new(),
        &mut st,
    )
    .await;
    let mut out = std::mem::take(&mut st.findings);
    let Some(text) = root.record.clone() else {
        // no (single, fetchable) record: the finding saying why is already there
        return out;
    };
    let mut lines = Vec::new();
    tree_lines(&root, 0, &mut lines);
    let tree_ev = Evidence::local(
        LocalArg::text("spf.ev-tree", &[("domain", domain.clone())]),
        LocalArg::text("spf.ev-tree-lookups", &[("count", st.lookups.to_string())]),
        lines,
    );
    if st.lookups > LOOKUP_LIMIT {
        out.push(
            Finding::new("spf.lookups-exceeded", Severity::Error)
                .arg("count", st.lookups)
                .arg("limit", LOOKUP_LIMIT)
                .evidence(tree_ev.clone()),
        );
    } else {
        out.push(
            Finding::new(
                "spf.lookups",
                if st.lookups >= 9 {
                    Severity::Warning
                } else {
                    Severity::Ok
                },
            )
            .arg("count", st.lookups)
            .arg("limit", LOOKUP_LIMIT)
            .evidence(tree_ev.clone()),
        );
    }
    for (term, target) in &st.voids {
        out.push(
            Finding::new("spf.void-lookup", Severity::Warning)
                .subject(term.clone())
                .arg("term", term)
                .arg("target", target),
        );
    }
    if st.voids.len() > VOID_LIMIT {
        out.push(
            Finding::new("spf.void-exceeded", Severity::Error)
                .arg("count", st.voids.len())
                .arg("limit", VOID_LIMIT)
                .evidence(tree_ev),
        );
    }
    if !out.iter().any(|f| f.severity >= Severity::Warning) {
        let mut ok = Finding::new("spf.ok", Severity::Ok).arg("record", &text);
        if let Some(ev) = st.top_ev.take() {
            ok = ok.evidence(ev);
        }
        out.push(ok);
    }
    if let Some(ip) = cx.opts.ip {
        out.push(evaluate(cx, ip).await);
    }
    out
}

async fn evaluate(cx: &Ctx, ip: IpAddr) -> Finding {
    let helo = cx.opts.helo.clone().unwrap_or_else(|| cx.domain.clone());
    let sender = format!("postmaster@{}", cx.domain);
    let mut req = Request::new(ip, &sender, &helo);
    req.now = cx
        .opts
        .now
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let ev = check_host(&cx.resolver, &req).await;
    let sev = match ev.result {
        SpfResult::Pass => Severity::Ok,
        SpfResult::Fail | SpfResult::PermError => Severity::Error,
        _ => Severity::Warning,
    };
    let term = ev
        .decided_by
        .iter()
        .map(|s| format!("{} ({})", s.term, s.domain))
        .collect::<Vec<_>>()
        .join(" → ");
    let mut lines = vec![LocalArg::text(
        "spf.ev-result",
        &[("result", ev.result.as_str().into())],
    )];
    if !term.is_empty() {
        lines.push(LocalArg::text(
            "spf.ev-decided-by",
            &[("term", term.clone())],
        ));
    }
    if let Some(r) = &ev.reason_text {
        lines.push(LocalArg::Nested {
            id: "spf.ev-reason",
            args: Vec::new(),
            local: vec![("reason".into(), r.clone())],
        });
    }
    lines.push(LocalArg::text(
        "spf.ev-lookups",
        &[("count", ev.lookups.to_string())],
    ));
    let f = Finding::new("spf.result", sev);
    // a temporary DNS failure reads in the report's language
    let f = match &ev.reason_text {
        Some(r) => f.local_arg("reason", r.clone()),
        None => f.arg("reason", ""),
    };
    f.subject(ip.to_string())
        .arg("ip", ip)
        .arg("result", ev.result.as_str())
        .arg(
            "term",
            if term.is_empty() {
                "-".to_string()
            } else {
                term
            },
        )
        .arg("sender", &sender)
        .evidence(Evidence::local(
            LocalArg::Plain(format!("check_host({ip}, {}, {sender})", cx.domain)),
            LocalArg::Plain(ev.result.as_str().into()),
            lines,
        ))
}
