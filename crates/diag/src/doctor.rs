//! `mailway doctor`: from one bounce (or a domain) to a ranked diagnosis.
//!
//! The bounce is analysed with [`mailway_bounce::analyze`]; for each failed or delayed
//! recipient's domain (and the remote MTA the bounce names) the doctor runs the
//! [`crate::probe`] itself, then ranks the likely causes, each with its evidence and what the
//! sender and the admin can do, in English or Spanish. The resolver and ports come from
//! [`DoctorOptions`], so it runs offline against loopback peers in tests.

mod i18n;
mod log;
mod queue;
mod sending;

use std::collections::BTreeSet;
use std::net::IpAddr;

use mailway_bounce::{Action, BounceRecord};
use mailway_dns::Resolver;
use mailway_status::Reason;
use serde::Serialize;

use crate::probe::{ProbeOptions, ProbeReport, Severity, Target, probe_target};

pub use log::{recipients_from_trace, recipients_from_trace_in, trace_logs};
pub use queue::{queue_matches, recipients_from_queue};
pub use sending::{SendingSide, mta_name, sending_side};

/// Output language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Spanish.
    Es,
}

/// How to run the doctor.
#[derive(Debug, Clone, Default)]
pub struct DoctorOptions {
    /// Options for the probes (resolver-independent: port, timeouts, fallback ports...).
    pub probe: ProbeOptions,
    /// Do not connect anywhere: diagnose from the bounce alone.
    pub no_probe: bool,
    /// Language of titles and advice.
    pub lang: Lang,
    /// The sending IP, when the user knows it (overrides what the bounce's headers say).
    pub sending_ip: Option<IpAddr>,
    /// Blocklist zones for the sending-IP check (`None`: `mailway check`'s defaults).
    pub blocklists: Option<Vec<String>>,
}

/// One recipient taken from the bounce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecipientInfo {
    /// The address.
    pub recipient: String,
    /// Its domain.
    pub domain: String,
    /// `failed`, `delayed`, ...
    pub action: Option<String>,
    /// Enhanced status code.
    pub status: Option<String>,
    /// Reason category (Sisimai vocabulary).
    pub reason: String,
    /// The remote server's words.
    pub diagnostic: Option<String>,
    /// The classification rule that decided `reason` (e.g. `greylisting`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_rule: Option<String>,
    /// The remote MTA named by the bounce.
    pub remote_mta: Option<String>,
    /// Until when the sending server retries (delay notices).
    pub will_retry_until: Option<String>,
    /// Where this comes from, line by line (log lines for `--log`; empty for a bounce, whose
    /// fields are the evidence).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// One likely cause, with evidence and advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// 1 = most likely.
    pub rank: usize,
    /// Stable identifier.
    pub code: String,
    /// `high`, `medium` or `low`.
    pub likelihood: String,
    /// One-line title.
    pub title: String,
    /// What the evidence shows, in words.
    pub explanation: String,
    /// The evidence (bounce fields, probe findings).
    pub evidence: Vec<String>,
    /// What the sender can do.
    pub sender: String,
    /// What the mail administrator can do.
    pub admin: String,
}

/// The doctor's result.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// What was diagnosed (file name or domain).
    pub input: String,
    /// `bounce`, `log`, `queue` or `domain`.
    pub kind: String,
    /// The recipients found in the bounce.
    pub recipients: Vec<RecipientInfo>,
    /// Bounce analysis warnings.
    pub warnings: Vec<String>,
    /// The probes run (one per domain, plus remote MTAs outside the MX set).
    pub probes: Vec<ProbeReport>,
    /// `mailway check` of each recipient domain (DNS, MX, authentication, DANE...).
    pub checks: Vec<crate::check::Report>,
    /// The sending side found in the bounce (sending IP, sender's domain, reporting MTA).
    pub sending: Option<SendingSide>,
    /// `mailway check --ip` of the sender's domain with the sending IP (SPF result for that
    /// IP, PTR/FCrDNS, blocklists), when the IP is known.
    pub sender_check: Option<crate::check::Report>,
    /// Ranked causes.
    pub causes: Vec<Cause>,
    /// Language used.
    pub lang: Lang,
}

/// Why the doctor could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DoctorError {
    /// The file is not a bounce the analyser understands.
    #[error("{input}: not a bounce message mailway can read: {message}")]
    NotABounce {
        /// File name.
        input: String,
        /// Why.
        message: String,
    },
    /// The bounce names no failed or delayed recipient.
    #[error("{0}: the message names no failed or delayed recipient (is it a bounce?)")]
    NoRecipients(String),
    /// The domain is not valid.
    #[error(transparent)]
    BadDomain(#[from] crate::probe::TargetError),
    /// No message in the logs matches the query.
    #[error("no message in the logs matches {0:?} (a queue id, Message-ID, sender or recipient)")]
    NotInLog(String),
    /// The message was found but no recipient is deferred, bounced or expired.
    #[error(
        "{0}: every recipient of the matching message(s) was delivered (or is not failing): nothing to diagnose"
    )]
    NothingFailed(String),
    /// No message in the queue matches the query.
    #[error(
        "no message in {queue} matches {query:?} (a queue id, sender or recipient); it may have been delivered or expired meanwhile"
    )]
    NotInQueue {
        /// What was asked for.
        query: String,
        /// The queue read (`postqueue -j`, a file...).
        queue: String,
    },
    /// The message is in the queue but no recipient has been tried and failed yet.
    #[error(
        "{0}: queued, but no recipient has a delivery problem yet (not tried, or being delivered now): nothing to diagnose"
    )]
    NotTriedYet(String),
}

fn info_of(r: &BounceRecord) -> Option<RecipientInfo> {
    let domain = r
        .recipient
        .rsplit_once('@')?
        .1
        .trim_end_matches('>')
        .to_ascii_lowercase();
    Some(RecipientInfo {
        recipient: r.recipient.clone(),
        domain,
        action: r.action.map(|a| a.as_str().to_string()),
        status: r.status.map(|s| s.to_string()),
        reason: r.reason.as_str().to_string(),
        diagnostic: r.diagnostic_code.clone(),
        reason_rule: Some(r.reason_rule.clone()).filter(|x| !x.is_empty()),
        remote_mta: r.remote_mta.clone(),
        will_retry_until: r.will_retry_until.clone(),
        evidence: Vec::new(),
    })
}

/// Diagnoses a bounce message (`raw`, named `input` in messages).
pub async fn diagnose_bounce(
    resolver: &Resolver,
    input: &str,
    raw: &[u8],
    opts: &DoctorOptions,
) -> Result<Diagnosis, DoctorError> {
    let analysis = mailway_bounce::analyze(raw).map_err(|e| DoctorError::NotABounce {
        input: input.to_string(),
        message: e.to_string(),
    })?;
    let recipients: Vec<RecipientInfo> = analysis
        .records
        .iter()
        .filter(|r| matches!(r.action, Some(Action::Failed | Action::Delayed) | None))
        .filter_map(info_of)
        .collect();
    if recipients.is_empty() {
        return Err(DoctorError::NoRecipients(input.to_string()));
    }
    let side = {
        let domains: Vec<String> = recipients.iter().map(|r| r.domain.clone()).collect();
        let remotes: Vec<String> = recipients
            .iter()
            .filter_map(|r| r.remote_mta.clone())
            .collect();
        let reporting = analysis
            .records
            .iter()
            .find_map(|r| r.reporting_mta.clone());
        sending_side(raw, &domains, &remotes, reporting.as_deref())
    };
    diagnose_recipients(
        resolver,
        input,
        "bounce",
        recipients,
        side,
        analysis.warnings,
        opts,
    )
    .await
}

/// Diagnoses a message traced through mail logs (`mailway_logs::trace`'s stories for the
/// query `input`): the recipients still deferred, bounced or expired, the relays the log
/// names, with the log lines as evidence.
pub async fn diagnose_log(
    resolver: &Resolver,
    input: &str,
    stories: &[Vec<mailway_logs::trace::MessageTrace>],
    opts: &DoctorOptions,
) -> Result<Diagnosis, DoctorError> {
    if stories.is_empty() {
        return Err(DoctorError::NotInLog(input.to_string()));
    }
    let (recipients, sender) = recipients_from_trace_in(stories, opts.lang);
    if recipients.is_empty() {
        return Err(DoctorError::NothingFailed(input.to_string()));
    }
    let side = envelope_side(sender.as_deref(), "log");
    diagnose_recipients(resolver, input, "log", recipients, side, Vec::new(), opts).await
}

/// Diagnoses the queued messages `entries` (those `input` matched, with
/// [`queue_matches`], in the queue `source`): the recipients still waiting with a reason
/// ([`recipients_from_queue`]), the relays their reasons name, with the queue entry as evidence.
/// `now` is Unix seconds.
pub async fn diagnose_queued(
    resolver: &Resolver,
    input: &str,
    source: &str,
    entries: &[&mailway_monitor::QueueEntry],
    now: i64,
    opts: &DoctorOptions,
) -> Result<Diagnosis, DoctorError> {
    if entries.is_empty() {
        return Err(DoctorError::NotInQueue {
            query: input.to_string(),
            queue: source.to_string(),
        });
    }
    let (recipients, sender) = recipients_from_queue(entries, now, opts.lang);
    if recipients.is_empty() {
        return Err(DoctorError::NotTriedYet(input.to_string()));
    }
    let side = envelope_side(sender.as_deref(), "queue");
    diagnose_recipients(resolver, input, "queue", recipients, side, Vec::new(), opts).await
}

/// The sending side known from an envelope sender (`via`: where it was read, a
/// [`SendingSide::sender_via`] code).
fn envelope_side(sender: Option<&str>, via: &str) -> SendingSide {
    let sender_domain = sender
        .and_then(|s| s.rsplit_once('@'))
        .map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase());
    SendingSide {
        sender_via: sender_domain.as_ref().map(|_| via.to_string()),
        sender_domain,
        ..Default::default()
    }
}

async fn diagnose_recipients(
    resolver: &Resolver,
    input: &str,
    kind: &str,
    recipients: Vec<RecipientInfo>,
    mut side: SendingSide,
    warnings: Vec<String>,
    opts: &DoctorOptions,
) -> Result<Diagnosis, DoctorError> {
    side.localize(opts.lang);
    let mut probes = Vec::new();
    let mut popts = opts.probe.clone();
    popts.lang = check_lang(opts.lang);
    let domains: BTreeSet<String> = recipients.iter().map(|r| r.domain.clone()).collect();
    // The checks first: when no resolver answers them, probing only collects lookup timeouts.
    let mut checks = Vec::new();
    if !opts.no_probe {
        checks = run_checks(resolver, &domains, opts).await;
    }
    let dns_down = checks.iter().any(|c| c.could_not_run.is_some());
    if !opts.no_probe && !dns_down {
        for d in &domains {
            let mut po = popts.clone();
            // Ask the server about the recipient itself: "user unknown" confirmed or not today.
            po.rcpt = recipients
                .iter()
                .find(|r| &r.domain == d)
                .map(|r| r.recipient.clone());
            if let Ok(t) = Target::parse(d, false) {
                probes.push(probe_target(resolver, t, &po).await);
            }
        }
        // The remote MTA named (bounce) or the relay of the attempts (log), when it is not one
        // of the probed hosts.
        let probed: BTreeSet<String> = probes
            .iter()
            .flat_map(|p| p.hosts.iter().map(|h| h.host.to_ascii_lowercase()))
            .collect();
        let mtas: BTreeSet<String> = recipients
            .iter()
            .filter_map(|r| r.remote_mta.as_deref())
            .map(mta_name)
            .filter(|m| !m.is_empty() && !probed.contains(m))
            .collect();
        for m in mtas {
            if let Ok(t) = Target::parse(&m, true) {
                probes.push(probe_target(resolver, t, &popts).await);
            }
        }
    }
    let mut causes = rank(&recipients, &probes, opts.lang);
    add_check_causes(&mut causes, &checks, opts.lang);
    if let Some(ip) = opts.sending_ip {
        side.ip = Some(ip);
        side.ip_source = Some(i18n::tr(opts.lang, "ip-from-flag", &[]));
        side.ip_via = Some("option".into());
    }
    let mut sender_check = None;
    if !opts.no_probe && !dns_down {
        if let Some(name) = side.resolve_reporting_mta().map(str::to_string)
            && let Ok(a) = resolver.ip(&name).await
            && let Some(ip) = a.records.first()
        {
            side.ip = Some(*ip);
            side.ip_source = Some(i18n::tr(
                opts.lang,
                "ip-from-reporting-mta",
                &[
                    ("name", name.clone()),
                    (
                        "addresses",
                        a.records
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                ],
            ));
            side.ip_via = Some("reporting_mta".into());
        }
        if let Some(ip) = side.ip
            && let Some(domain) = side
                .sender_domain
                .clone()
                .or_else(|| side.reporting_mta.clone())
        {
            let mut co = check_options(domain, opts);
            co.ip = Some(ip);
            co.helo = side
                .reporting_mta
                .clone()
                .filter(|m| m.parse::<IpAddr>().is_err());
            co.blocklists = opts.blocklists.clone();
            let report = crate::check::run(resolver, co, check_lang(opts.lang)).await;
            add_sender_causes(&mut causes, &recipients, &side, &report, opts.lang);
            sender_check = Some(report);
        }
    }
    resolver_down(&mut causes, &checks, opts.lang);
    rerank(&mut causes);
    Ok(Diagnosis {
        input: input.to_string(),
        kind: kind.into(),
        recipients,
        warnings,
        probes,
        checks,
        sending: Some(side),
        sender_check,
        causes,
        lang: opts.lang,
    })
}

fn check_lang(lang: Lang) -> crate::check::Lang {
    match lang {
        Lang::En => crate::check::Lang::En,
        Lang::Es => crate::check::Lang::Es,
    }
}

/// Sorts causes by likelihood (stable: the order within a likelihood is kept) and renumbers.
fn rerank(causes: &mut [Cause]) {
    let score = |l: &str| match l {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    };
    causes.sort_by_key(|c| score(&c.likelihood));
    for (i, c) in causes.iter_mut().enumerate() {
        c.rank = i + 1;
    }
}

/// Causes from `mailway check --ip` of the sender's domain: the sending IP on a blocklist,
/// without (forward-confirmed) reverse DNS, or not authorised by SPF. Likely when the bounce
/// says the destination blocked or rejected the sender; worth knowing otherwise.
fn add_sender_causes(
    causes: &mut Vec<Cause>,
    recipients: &[RecipientInfo],
    side: &SendingSide,
    report: &crate::check::Report,
    lang: Lang,
) {
    use crate::check::finding::Severity as S;
    let Some(ip) = side.ip else { return };
    // (the sender's own organisation refusing to forward says nothing about the sending IP)
    let blocked = recipients.iter().any(|r| {
        topic(r) != Some("external-forwarding")
            && matches!(
                r.reason.as_str(),
                "blocked"
                    | "spamdetected"
                    | "badreputation"
                    | "requireptr"
                    | "rejected"
                    | "policyviolation"
                    | "authfailure"
                    | "securityerror"
            )
    });
    let requireptr = recipients.iter().any(|r| r.reason == "requireptr");
    let authfail = recipients.iter().any(|r| r.reason == "authfailure");
    let ip_ev = i18n::tr(
        lang,
        "ev-sending-ip",
        &[
            ("ip", ip.to_string()),
            ("source", side.ip_source.clone().unwrap_or_default()),
        ],
    );
    let ev_of = |ids: &[&str], min: S| -> Vec<String> {
        report
            .findings
            .iter()
            .filter(|f| ids.contains(&f.id) && f.severity >= min)
            .map(|f| {
                let mut s = check_evidence(lang, f);
                for e in f.evidence.iter().take(2) {
                    s.push_str(&format!(
                        " [{} → {}{}]",
                        e.query,
                        e.result,
                        if e.records.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", e.records.join("; "))
                        }
                    ))
                }
                s
            })
            .collect()
    };
    let args = [("ip", ip.to_string()), ("domain", report.domain.clone())];
    let mut push = |code: &str, likelihood: &str, found: Vec<String>| {
        if found.is_empty() {
            return;
        }
        let t = i18n::cause(lang, code, &args);
        let mut evidence = vec![ip_ev.clone()];
        evidence.extend(found.iter().cloned());
        causes.push(Cause {
            rank: 0,
            code: code.into(),
            likelihood: likelihood.into(),
            title: t.title,
            explanation: found[0].clone(),
            evidence,
            sender: t.sender,
            admin: t.admin,
        });
    };
    push(
        "sending_ip_listed",
        if blocked { "high" } else { "medium" },
        ev_of(&["blocklist.listed"], S::Warning),
    );
    push(
        "sending_ip_no_fcrdns",
        if requireptr {
            "high"
        } else if blocked {
            "medium"
        } else {
            "low"
        },
        ev_of(
            &["ip.ptr-missing", "ip.fcrdns-mismatch", "ip.ptr-generic"],
            S::Warning,
        ),
    );
    push(
        "sending_ip_not_in_spf",
        if authfail || blocked { "high" } else { "low" },
        ev_of(&["spf.result"], S::Warning),
    );
}

/// A check finding as evidence: `check: title — explanation`.
fn check_evidence(lang: Lang, f: &crate::check::finding::Finding) -> String {
    i18n::tr(
        lang,
        "ev-check",
        &[
            ("title", f.title.clone()),
            ("explanation", f.explanation.clone()),
        ],
    )
}

/// `failed` / `fallido`, ... (the DSN action of a recipient).
fn action_label(lang: Lang, action: Option<&str>) -> String {
    match action {
        None => "?".into(),
        Some(a) => {
            let t = i18n::ui(lang, &format!("action-{a}"));
            if t.starts_with("doctor-") {
                a.to_string()
            } else {
                t
            }
        }
    }
}

/// `mailway check`'s options for `domain` as the doctor runs it: the probe's trust anchors
/// (`--trust-anchor`) and clock.
fn check_options(domain: String, opts: &DoctorOptions) -> crate::check::CheckOptions {
    let mut co = crate::check::CheckOptions::new(domain);
    co.trust_anchors = opts.probe.trust_anchors.clone();
    if let Ok(secs) = u64::try_from(opts.probe.now) {
        co.now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    }
    co
}

async fn run_checks(
    resolver: &Resolver,
    domains: &BTreeSet<String>,
    opts: &DoctorOptions,
) -> Vec<crate::check::Report> {
    let l = check_lang(opts.lang);
    let mut out = Vec::new();
    for d in domains {
        out.push(crate::check::run(resolver, check_options(d.clone(), opts), l).await);
    }
    out
}

fn add_check_causes(causes: &mut Vec<Cause>, checks: &[crate::check::Report], lang: Lang) {
    use crate::check::finding::Severity as S;
    // a check no resolver answered has only the resolver's timeouts: `resolver_down` says that
    for c in checks.iter().filter(|c| c.could_not_run.is_none()) {
        let errs: Vec<String> = c
            .findings
            .iter()
            .filter(|f| f.severity == S::Error)
            .map(|f| check_evidence(lang, f))
            .collect();
        if errs.is_empty() {
            continue;
        }
        let t = i18n::cause(lang, "domain_check_errors", &[("domain", c.domain.clone())]);
        causes.push(Cause {
            rank: causes.len() + 1,
            code: "domain_check_errors".into(),
            likelihood: "low".into(),
            title: t.title,
            explanation: errs.first().cloned().unwrap_or_default(),
            evidence: errs,
            sender: t.sender,
            admin: t.admin,
        });
    }
}

/// Diagnoses a domain (no bounce): probe it and rank what is wrong.
pub async fn diagnose_domain(
    resolver: &Resolver,
    domain: &str,
    opts: &DoctorOptions,
) -> Result<Diagnosis, DoctorError> {
    let t = Target::parse(domain, false)?;
    let mut probes = Vec::new();
    let mut checks = Vec::new();
    if !opts.no_probe {
        checks = run_checks(resolver, &BTreeSet::from([t.name()]), opts).await;
    }
    // when no resolver answers the checks, probing only collects lookup timeouts
    if !opts.no_probe && !checks.iter().any(|c| c.could_not_run.is_some()) {
        let mut po = opts.probe.clone();
        po.lang = check_lang(opts.lang);
        probes.push(probe_target(resolver, t.clone(), &po).await);
    }
    let mut causes = rank(&[], &probes, opts.lang);
    add_check_causes(&mut causes, &checks, opts.lang);
    resolver_down(&mut causes, &checks, opts.lang);
    rerank(&mut causes);
    Ok(Diagnosis {
        input: t.name(),
        kind: "domain".into(),
        recipients: Vec::new(),
        warnings: Vec::new(),
        probes,
        checks,
        sending: None,
        sender_check: None,
        causes,
        lang: opts.lang,
    })
}

fn findings_with<'a>(probes: &'a [ProbeReport], codes: &[&str]) -> Vec<&'a crate::probe::Finding> {
    probes
        .iter()
        .flat_map(|p| p.findings.iter())
        .filter(|f| codes.contains(&f.code.as_str()))
        .collect()
}

/// Ranks causes from recipients (bounce) and probe reports. Pure.
pub fn rank(recipients: &[RecipientInfo], probes: &[ProbeReport], lang: Lang) -> Vec<Cause> {
    let mut causes: Vec<(u32, Cause)> = Vec::new();
    let reasons: BTreeSet<&str> = recipients.iter().map(|r| r.reason.as_str()).collect();
    let statuses: Vec<String> = recipients.iter().filter_map(|r| r.status.clone()).collect();
    let timeoutish = reasons.contains(Reason::Expired.as_str())
        || reasons.contains(Reason::NetworkError.as_str())
        || statuses
            .iter()
            .any(|s| s.starts_with("4.4.") || s.starts_with("5.4."));
    let retry_until = recipients.iter().find_map(|r| r.will_retry_until.clone());
    let bounce_evidence: Vec<String> = recipients
        .iter()
        .flat_map(|r| {
            if !r.evidence.is_empty() {
                return r.evidence.clone();
            }
            vec![i18n::tr(
                lang,
                "ev-bounce",
                &[
                    ("recipient", r.recipient.clone()),
                    ("action", action_label(lang, r.action.as_deref())),
                    ("status", r.status.clone().unwrap_or_default()),
                    (
                        "diagnostic",
                        r.diagnostic
                            .as_ref()
                            .map(|d| format!(" ({d})"))
                            .unwrap_or_default(),
                    ),
                ],
            )]
        })
        .collect();
    let mut add = |score: u32,
                   code: &str,
                   explanation: String,
                   mut evidence: Vec<String>,
                   with_bounce: bool| {
        let t = i18n::cause(lang, code, &[]);
        if with_bounce {
            evidence.extend(bounce_evidence.iter().cloned());
        }
        causes.push((
            score,
            Cause {
                rank: 0,
                code: code.to_string(),
                likelihood: String::new(),
                title: t.title,
                explanation,
                evidence,
                sender: t.sender,
                admin: t.admin,
            },
        ));
    };
    let ev = |fs: &[&crate::probe::Finding]| {
        fs.iter()
            .map(|f| i18n::tr(lang, "ev-probe", &[("message", f.message.clone())]))
            .collect::<Vec<_>>()
    };
    // Live evidence from the probes.
    let port25 = findings_with(probes, &["port25_blocked"]);
    if !port25.is_empty() {
        add(
            100,
            "port25_blocked",
            port25[0].message.clone(),
            ev(&port25),
            timeoutish,
        );
    }
    let tarpit = findings_with(probes, &["tarpit"]);
    if !tarpit.is_empty() {
        let mut expl = tarpit[0].message.clone();
        if let Some(u) = &retry_until {
            expl.push_str(&i18n::tr(
                lang,
                "tarpit-retry-until",
                &[("until", u.clone())],
            ));
        }
        expl.push_str(&i18n::tr(lang, "tarpit-not-your-fault", &[]));
        add(
            if timeoutish { 95 } else { 80 },
            "destination_not_greeting",
            expl,
            ev(&tarpit),
            timeoutish,
        );
    }
    let ct = findings_with(probes, &["connect_timeout"]);
    if !ct.is_empty() && port25.is_empty() {
        add(
            if timeoutish { 90 } else { 75 },
            "destination_unreachable",
            ct[0].message.clone(),
            ev(&ct),
            timeoutish,
        );
    }
    let refused = findings_with(probes, &["refused"]);
    if !refused.is_empty() {
        let all_refused = probes
            .iter()
            .all(|p| p.addresses().all(|a| a.outcome == "refused"));
        add(
            if all_refused { 88 } else { 50 },
            "destination_refused",
            refused[0].message.clone(),
            ev(&refused),
            timeoutish,
        );
    }
    let nomail = findings_with(
        probes,
        &[
            "nxdomain",
            "null_mx",
            "null_mx_mixed",
            "address_lookup_failed",
        ],
    );
    if !nomail.is_empty() {
        add(
            92,
            "domain_has_no_mail",
            nomail[0].message.clone(),
            ev(&nomail),
            true,
        );
    }
    let unroutable = findings_with(probes, &["not_routable"]);
    if !unroutable.is_empty() {
        // every address unusable: mail cannot be delivered; else the other MX hosts take it
        let none_ok = probes
            .iter()
            .all(|p| p.addresses().all(|a| a.outcome != "ok"));
        add(
            if none_ok { 91 } else { 45 },
            "mx_address_unroutable",
            unroutable[0].message.clone(),
            ev(&unroutable),
            none_ok,
        );
    }
    let dns = findings_with(probes, &["mx_lookup_failed"]);
    if !dns.is_empty() {
        add(85, "dns_failure", dns[0].message.clone(), ev(&dns), true);
    }
    let grey = findings_with(probes, &["greylisting"]);
    if !grey.is_empty() {
        add(
            if reasons.is_empty() || timeoutish {
                60
            } else {
                30
            },
            "greylisting",
            grey[0].message.clone(),
            ev(&grey),
            false,
        );
    }
    // a TLSA mismatch matters only when the records are secure (an insecure one is a warning:
    // senders ignore the records); bogus TLSA records make validating senders defer
    let tls: Vec<_> = findings_with(
        probes,
        &["dane_mismatch", "dane_bogus", "cert_expired", "tls_failed"],
    )
    .into_iter()
    .filter(|f| f.code != "dane_mismatch" || f.severity == Severity::Error)
    .collect();
    if !tls.is_empty() {
        let tls_reason = reasons.contains("failedstarttls") || reasons.contains("securityerror");
        add(
            if tls_reason { 93 } else { 55 },
            "tls_problem",
            tls[0].message.clone(),
            ev(&tls),
            tls_reason,
        );
    }
    // Bounce reasons (with live confirmation when the probe asked RCPT).
    let rcpt_now = findings_with(probes, &["rcpt_rejected"]);
    for r in &reasons {
        let rs: Vec<&RecipientInfo> = recipients.iter().filter(|x| x.reason == *r).collect();
        let (code, score) = match *r {
            // the sender's own organisation refused to forward outside (Microsoft 365 5.7.520)
            _ if rs.iter().all(|x| topic(x) == Some("external-forwarding")) => {
                ("forwarding_blocked", 90)
            }
            "userunknown" => ("user_unknown", if rcpt_now.is_empty() { 85 } else { 97 }),
            "mailboxfull" => ("mailbox_full", 85),
            "mesgtoobig" | "exceedlimit" => ("message_too_big", 85),
            "blocked" | "spamdetected" | "badreputation" | "requireptr" | "rejected"
            | "policyviolation" | "authfailure" => ("sender_blocked", 80),
            // a delay notice: nothing has expired, the sending server is still retrying
            "expired" | "networkerror"
                if rs.iter().all(|x| x.action.as_deref() == Some("delayed")) =>
            {
                ("delivery_delayed", 40)
            }
            "expired" | "networkerror" => ("expired", 40),
            "hostunknown" => ("domain_has_no_mail", 70),
            "notaccept" => ("domain_has_no_mail", 85),
            "onhold" if rs.iter().any(|x| is_greylisting(x)) => ("greylisting", 75),
            "speeding" | "toomanyconn" => ("rate_limited", 80),
            "suspend" => ("mailbox_disabled", 85),
            "systemerror" | "systemfull" | "mailererror" => ("destination_error", 70),
            "failedstarttls" | "securityerror" => ("tls_problem", 75),
            "norelaying" => ("relay_denied", 80),
            "hasmoved" => ("address_moved", 90),
            "contenterror" | "virusdetected" | "filtered" => ("content_rejected", 80),
            "notcompliantrfc" | "syntaxerror" => ("not_compliant", 80),
            "suppressed" => ("suppressed", 90),
            "feedback" => ("complaint", 80),
            "vacation" => ("auto_reply", 90),
            // a temporary refusal not understood: deferred, not rejected
            _ if rs.iter().all(|x| x.action.as_deref() == Some("delayed")) => ("deferred", 35),
            _ => ("rejected", 35),
        };
        let expl = rs
            .iter()
            .map(|x| {
                format!(
                    "{}: {}",
                    x.recipient,
                    x.diagnostic
                        .clone()
                        .unwrap_or_else(|| x.status.clone().unwrap_or_default())
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let expl = match rs.iter().find_map(|x| x.will_retry_until.clone()) {
            Some(until) if code == "delivery_delayed" => {
                format!(
                    "{expl}{}",
                    i18n::tr(lang, "tarpit-retry-until", &[("until", until)])
                )
            }
            _ => expl,
        };
        let mut evidence = Vec::new();
        if code == "user_unknown" {
            evidence.extend(ev(&rcpt_now));
        }
        if code == "message_too_big" {
            evidence.extend(ev(&findings_with(probes, &["size_limit"])));
        }
        add(score, code, expl, evidence, true);
    }
    // Everything answers now although the bounce says it timed out.
    let any_ok = probes
        .iter()
        .any(|p| p.findings.iter().any(|f| f.code == "smtp_ok"));
    let any_err = probes
        .iter()
        .any(|p| p.findings.iter().any(|f| f.severity == Severity::Error));
    if timeoutish && any_ok && !any_err {
        add(
            70,
            "destination_ok_now",
            i18n::tr(lang, "ok-now", &[]),
            Vec::new(),
            true,
        );
    }
    causes.sort_by_key(|c| std::cmp::Reverse(c.0));
    let mut seen = BTreeSet::new();
    causes.retain(|c| seen.insert(c.1.code.clone()));
    causes
        .into_iter()
        .enumerate()
        .map(|(i, (score, mut c))| {
            c.rank = i + 1;
            c.likelihood = match score {
                85.. => "high",
                60..=84 => "medium",
                _ => "low",
            }
            .into();
            c
        })
        .collect()
}

/// The topic of the rule that classified the recipient (`greylisting`, `external-forwarding`,
/// ...), when there is one.
fn topic(r: &RecipientInfo) -> Option<&'static str> {
    r.reason_rule
        .as_deref()
        .and_then(|id| mailway_status::Classifier::builtin().topic_of(id))
}

/// Greylisting, by the topic of the rule that classified the recipient or, without a rule (log
/// lines), by the words of the reply.
fn is_greylisting(r: &RecipientInfo) -> bool {
    if r.reason_rule.is_some() {
        return topic(r) == Some("greylisting");
    }
    r.diagnostic
        .as_deref()
        .is_some_and(crate::probe::mentions_greylisting)
}

/// When none of the resolvers answered the checks (the doctor then does not probe), nothing
/// live could be looked at and that is this host's problem, not the recipient's: one cause,
/// the resolver, goes first (the check's errors, the resolver's timeouts, are not causes: see
/// `add_check_causes`). Causes from the bounce itself stay. The caller reranks. Pure.
pub fn resolver_down(causes: &mut Vec<Cause>, checks: &[crate::check::Report], lang: Lang) {
    let Some(report) = checks.iter().find(|c| c.could_not_run.is_some()) else {
        return;
    };
    let servers = report
        .resolvers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let evidence: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.id.starts_with("resolver."))
        .map(|f| check_evidence(lang, f))
        .collect();
    let t = i18n::cause(lang, "resolver_unreachable", &[("servers", servers)]);
    causes.insert(
        0,
        Cause {
            rank: 0,
            code: "resolver_unreachable".into(),
            likelihood: "high".into(),
            title: t.title,
            // the check's own words (localised): "none of the N resolvers answered"
            explanation: evidence
                .last()
                .cloned()
                .or_else(|| report.could_not_run.clone())
                .unwrap_or_default(),
            evidence,
            sender: t.sender,
            admin: t.admin,
        },
    );
}

/// Renders a diagnosis as text (in the diagnosis's language).
pub fn render(d: &Diagnosis) -> String {
    use std::fmt::Write as _;
    let lang = d.lang;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        i18n::tr(lang, "ui-title", &[("input", d.input.clone())])
    );
    for r in &d.recipients {
        let _ = writeln!(
            out,
            "  {} {}  {}  {}{}",
            i18n::ui(lang, "recipient"),
            r.recipient,
            r.action
                .as_deref()
                .map(|a| action_label(lang, Some(a)))
                .unwrap_or_default(),
            r.status.clone().unwrap_or_default(),
            r.diagnostic
                .as_ref()
                .map(|x| format!("  \"{x}\""))
                .unwrap_or_default()
        );
    }
    if let Some(sd) = &d.sending {
        if let Some(ip) = sd.ip {
            let _ = writeln!(
                out,
                "  {} {ip}  ({})",
                i18n::ui(lang, "sending-ip"),
                sd.ip_source.clone().unwrap_or_default()
            );
        }
        if let Some(dom) = &sd.sender_domain {
            let _ = writeln!(out, "  {} {dom}", i18n::ui(lang, "sender-domain"));
        }
    }
    for w in &d.warnings {
        let _ = writeln!(out, "  {}: {w}", i18n::ui(lang, "note"));
    }
    let _ = writeln!(out);
    if d.causes.is_empty() {
        let _ = writeln!(out, "{}", i18n::ui(lang, "no-cause"));
    }
    for c in &d.causes {
        let lk = i18n::ui(lang, &format!("likelihood-{}", c.likelihood));
        let _ = writeln!(
            out,
            "{}. {}  [{}: {lk}]",
            c.rank,
            c.title,
            i18n::ui(lang, "likelihood")
        );
        let _ = writeln!(out, "   {}", c.explanation);
        for e in &c.evidence {
            let _ = writeln!(out, "   - {e}");
        }
        let _ = writeln!(out, "   {}: {}", i18n::ui(lang, "sender"), c.sender);
        let _ = writeln!(out, "   {}: {}", i18n::ui(lang, "admin"), c.admin);
        let _ = writeln!(out);
    }
    for p in &d.probes {
        let _ = writeln!(out, "----");
        out.push_str(&crate::probe::render(p));
    }
    out
}
