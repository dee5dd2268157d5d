//! From a probe's raw observations to findings. Pure.

use mailway_smtp::{Phase, SmtpReply};

use super::i18n::tr;
use super::{AddressReport, Finding, ProbeOptions, ProbeReport, Severity, finding, human_duration};

/// True when a 4xx reply looks like greylisting: the text says grey/graylist, or it is
/// `450`/`451` with `4.7.1`/`4.2.0`/`4.7.0` and asks to try again later.
///
/// ```
/// use mailway_diag::probe::looks_like_greylisting;
/// use mailway_smtp::SmtpReply;
/// let r = SmtpReply::new(451, vec!["4.7.1 <a@b>: Recipient address rejected: Greylisted".into()], None);
/// assert!(looks_like_greylisting(&r));
/// let r = SmtpReply::new(452, vec!["4.2.2 Mailbox full".into()], None);
/// assert!(!looks_like_greylisting(&r));
/// ```
pub fn looks_like_greylisting(r: &SmtpReply) -> bool {
    if !r.is_transient() {
        return false;
    }
    if mentions_greylisting(r.text()) {
        return true;
    }
    let t = r.text().to_ascii_lowercase();
    let st = r.status().map(|s| s.to_string());
    matches!(r.code, 450 | 451)
        && matches!(st.as_deref(), Some("4.7.1" | "4.2.0" | "4.7.0"))
        && (t.contains("try again later") || t.contains("please retry") || t.contains("try later"))
}

/// True when a reply text names greylisting (grey/graylist in any spelling, postgrey),
/// ASCII case-insensitively.
pub fn mentions_greylisting(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "greylist",
        "graylist",
        "grey-list",
        "gray-list",
        "grey list",
        "gray list",
        "postgrey",
    ]
    .iter()
    .any(|w| t.contains(w))
}

fn secs(ms: u64) -> String {
    human_duration(std::time::Duration::from_millis(ms))
}

fn addr_label(a: &AddressReport) -> String {
    if a.address.to_string() == a.host {
        socket(a)
    } else {
        format!("{} [{}]", a.host, socket(a))
    }
}

fn socket(a: &AddressReport) -> String {
    match a.address {
        std::net::IpAddr::V6(v6) => format!("[{v6}]:{}", a.port),
        v4 => format!("{v4}:{}", a.port),
    }
}

fn address_findings(a: &AddressReport, opts: &ProbeOptions, out: &mut Vec<Finding>) {
    let lang = opts.lang;
    let host = Some(a.host.as_str());
    let addr = Some(a.address.to_string());
    let label = addr_label(a);
    let f = |sev, code: &str, msg: &str, args: &[(&str, String)]| {
        let mut all = vec![("label", label.clone())];
        all.extend(args.iter().cloned());
        finding(sev, code, tr(lang, msg, &all), host, addr.clone())
    };
    let failed_ms = a
        .timeline
        .iter()
        .rfind(|s| s.outcome != "ok" && !s.retry)
        .map(|s| s.duration_ms)
        .unwrap_or(0);
    let failed_ms = a.waited_ms.unwrap_or(failed_ms);
    let waited = ("waited", secs(failed_ms));
    let err = ("error", a.error.clone().unwrap_or_default());
    let phase_of = |p: Option<Phase>| {
        (
            "phase",
            p.map(|p| super::i18n::phase(lang, p)).unwrap_or_default(),
        )
    };
    match (a.outcome.as_str(), a.failed_phase) {
        ("ok", _) => {}
        ("timed_out", Some(Phase::Greeting)) => {
            out.push(f(Severity::Error, "tarpit", "tarpit", &[waited]))
        }
        ("timed_out", Some(Phase::Connect)) => out.push(f(
            Severity::Error,
            "connect_timeout",
            "connect-timeout",
            &[waited],
        )),
        ("timed_out", p) => out.push(f(
            Severity::Error,
            "timeout",
            "timeout",
            &[phase_of(p), waited],
        )),
        ("refused", _) => out.push(f(
            Severity::Error,
            "refused",
            "refused",
            &[("port", a.port.to_string())],
        )),
        ("unreachable", _) if a.address.is_ipv6() => out.push(f(
            Severity::Warning,
            "ipv6_unavailable",
            "ipv6-unavailable",
            &[err],
        )),
        ("unreachable", _) => out.push(f(Severity::Error, "unreachable", "unreachable", &[err])),
        ("not_routable", _) => out.push(f(
            Severity::Error,
            "not_routable",
            "not-routable",
            &[(
                "class",
                super::unroutable(a.address).unwrap_or("reserved").into(),
            )],
        )),
        ("reset", p) => out.push(f(Severity::Error, "reset", "reset", &[phase_of(p)])),
        ("closed", p) => out.push(f(Severity::Error, "closed", "closed", &[phase_of(p)])),
        ("protocol", p) => out.push(f(
            Severity::Error,
            "not_smtp",
            "not-smtp",
            &[phase_of(p), err],
        )),
        ("tls", _) => out.push(f(Severity::Error, "tls_failed", "tls-failed", &[err])),
        ("tls_unavailable", _) => out.push(f(
            Severity::Error,
            "starttls_required_missing",
            "starttls-required-missing",
            &[],
        )),
        ("rejected", p) => {
            let b = a.banner.as_ref().map(|b| b.reply.clone());
            let transient = a
                .error
                .as_deref()
                .is_some_and(|e| e.contains(" 4") || e.contains(": 4"));
            let sev = if transient || b.as_ref().is_some_and(|r| r.is_transient()) {
                Severity::Warning
            } else {
                Severity::Error
            };
            let code = if p == Some(Phase::Greeting) {
                "greeting_rejected"
            } else {
                "rejected"
            };
            out.push(f(sev, code, "rejected", &[phase_of(p), err]));
        }
        (other, _) => out.push(f(Severity::Error, other, "other", &[err])),
    }
    // Banner vs PTR.
    if let Some(b) = &a.banner {
        match (&a.ptr_error, b.matches_ptr) {
            (_, Some(false)) => out.push(f(
                Severity::Info,
                "banner_ptr_mismatch",
                "banner-ptr-mismatch",
                &[("banner", b.host.clone()), ("ptr", a.ptr.join(", "))],
            )),
            (Some(e), None) if a.ptr.is_empty() => out.push(f(
                Severity::Warning,
                "no_ptr",
                "no-ptr",
                &[("address", a.address.to_string()), ("error", e.clone())],
            )),
            _ => {}
        }
    }
    // Capabilities.
    if let Some(k) = &a.capabilities {
        if !k.starttls && opts.tls != mailway_smtp::TlsPolicy::None && a.outcome == "ok" {
            out.push(f(Severity::Warning, "no_starttls", "no-starttls", &[]));
        }
        if let Some(n) = k.size.filter(|n| *n > 0) {
            out.push(f(
                Severity::Info,
                "size_limit",
                "size-limit",
                &[
                    ("bytes", n.to_string()),
                    ("mb", format!("{:.1}", n as f64 / 1e6)),
                ],
            ));
        }
    }
    // TLS and certificate.
    if let Some(t) = &a.tls {
        let first = t.chain.first();
        let subj = first.map(|c| c.subject.clone()).unwrap_or_default();
        if let Some(l) = &t.leaf {
            if l.expired {
                out.push(f(
                    Severity::Error,
                    "cert_expired",
                    "cert-expired",
                    &[
                        ("subject", subj.clone()),
                        (
                            "date",
                            first.map(|c| c.not_after_utc.clone()).unwrap_or_default(),
                        ),
                    ],
                ));
            } else if l.days_left < 14 {
                out.push(f(
                    Severity::Warning,
                    "cert_expires_soon",
                    "cert-expires-soon",
                    &[("days", l.days_left.to_string())],
                ));
            }
            if !l.host_match {
                out.push(f(
                    Severity::Warning,
                    "cert_name_mismatch",
                    "cert-name-mismatch",
                    &[
                        ("subject", subj.clone()),
                        ("sans", first.map(|c| c.sans.join(", ")).unwrap_or_default()),
                        ("name", t.server_name.clone()),
                    ],
                ));
            }
        }
        match &t.validation {
            mailway_smtp::CertValidation::Valid => out.push(f(
                Severity::Ok,
                "cert_valid",
                "cert-valid",
                &[
                    ("version", t.version.clone()),
                    ("name", t.server_name.clone()),
                ],
            )),
            mailway_smtp::CertValidation::Invalid { problem, message } => out.push(f(
                if t.leaf.as_ref().is_some_and(|l| l.self_signed) {
                    Severity::Info
                } else {
                    Severity::Warning
                },
                "cert_untrusted",
                "cert-untrusted",
                &[("problem", super::i18n::pki_problem(lang, problem, message))],
            )),
            mailway_smtp::CertValidation::NotChecked => {}
        }
        if let Some(d) = &t.dane {
            let name = ("name", d.name.clone());
            let status = d.dnssec.as_ref().map(|x| x.status.as_str());
            let why = (
                "why",
                d.dnssec.as_ref().map(|x| x.why.clone()).unwrap_or_default(),
            );
            if status == Some("bogus") && !d.records.is_empty() {
                // RFC 7672 §2.2: validating senders cannot trust the TLSA RRset and defer
                out.push(f(Severity::Error, "dane_bogus", "dane-bogus", &[name, why]));
            } else {
                match d.verdict.as_str() {
                    "match" if d.dnssec_authenticated => out.push(f(
                        Severity::Ok,
                        "dane_match",
                        "dane-match",
                        &[("matched", d.matched.join(", ")), name, why],
                    )),
                    // insecure TLSA records are ignored by senders (RFC 7672 §2.2)
                    "match" => out.push(f(
                        Severity::Info,
                        "dane_match",
                        "dane-match-unvalidated",
                        &[("matched", d.matched.join(", ")), name, why],
                    )),
                    "no_match" if status == Some("insecure") => out.push(f(
                        Severity::Warning,
                        "dane_mismatch",
                        "dane-mismatch-insecure",
                        &[name, why],
                    )),
                    "no_match" => out.push(f(
                        Severity::Error,
                        "dane_mismatch",
                        "dane-mismatch",
                        &[name],
                    )),
                    "unusable" => out.push(f(
                        Severity::Warning,
                        "dane_unusable",
                        "dane-unusable",
                        &[name],
                    )),
                    _ => {}
                }
            }
        }
    }
    // MAIL / RCPT.
    if let Some(m) = &a.mail
        && !m.is_positive()
    {
        out.push(f(
            if m.is_transient() {
                Severity::Warning
            } else {
                Severity::Error
            },
            "mail_rejected",
            "mail-rejected",
            &[("reply", m.to_string())],
        ));
    }
    if let Some(g) = &a.greylisting {
        let first = ("first", g.first.to_string());
        let wait = ("wait", g.waited_s.to_string());
        let (msg, args) = match (&g.retry, g.waited_s) {
            (_, 0) => ("greylisting-no-retry", vec![first]),
            (Some(r), _) if g.passed => (
                "greylisting-passed",
                vec![first, wait, ("retry", r.to_string())],
            ),
            (Some(r), _) => (
                "greylisting-still-refused",
                vec![first, wait, ("retry", r.to_string())],
            ),
            (None, _) => (
                "greylisting-retry-failed",
                vec![
                    first,
                    wait,
                    ("error", g.retry_error.clone().unwrap_or_default()),
                ],
            ),
        };
        out.push(f(Severity::Info, "greylisting", msg, &args));
    } else if let Some(r) = &a.rcpt
        && !r.is_positive()
    {
        out.push(f(
            if r.is_transient() {
                Severity::Warning
            } else {
                Severity::Error
            },
            "rcpt_rejected",
            "rcpt-rejected",
            &[("reply", r.to_string())],
        ));
    } else if let Some(r) = &a.rcpt {
        out.push(f(
            Severity::Ok,
            "rcpt_accepted",
            "rcpt-accepted",
            &[("reply", r.to_string())],
        ));
    }
}

/// All findings of a report (the address ones, then the global ones).
pub(crate) fn findings(report: &ProbeReport, opts: &ProbeOptions) -> Vec<Finding> {
    let lang = opts.lang;
    let mut out = Vec::new();
    for h in &report.hosts {
        for e in &h.resolve_errors {
            out.push(finding(
                Severity::Error,
                "address_lookup_failed",
                tr(
                    lang,
                    "address-lookup-failed",
                    &[("host", h.host.clone()), ("error", e.clone())],
                ),
                Some(&h.host),
                None,
            ));
        }
        if let Some(d) = &h.tlsa
            && d.verdict == "lookup_failed"
        {
            out.push(finding(
                Severity::Warning,
                "tlsa_lookup_failed",
                tr(
                    lang,
                    "tlsa-lookup-failed",
                    &[
                        ("name", d.name.clone()),
                        ("error", d.error.clone().unwrap_or_default()),
                    ],
                ),
                Some(&h.host),
                None,
            ));
        }
        for a in &h.addresses {
            address_findings(a, opts, &mut out);
        }
    }
    let all: Vec<&AddressReport> = report.addresses().collect();
    let ok = all.iter().filter(|a| a.outcome == "ok").count();
    let port = ("port", report.port.to_string());
    if let Some(p) = &report.port25 {
        let pport = ("port", p.port.to_string());
        if p.blocked {
            let answered: Vec<String> = p
                .attempts
                .iter()
                .filter(|a| a.outcome == "ok" || a.outcome == "refused")
                .map(|a| {
                    tr(
                        lang,
                        if a.outcome == "ok" {
                            "port25-connected"
                        } else {
                            "port25-answered"
                        },
                        &[
                            ("address", a.address.to_string()),
                            ("port", a.port.to_string()),
                        ],
                    )
                })
                .collect();
            out.push(finding(
                Severity::Error,
                "port25_blocked",
                tr(
                    lang,
                    "port25-blocked",
                    &[pport, ("answered", answered.join(", "))],
                ),
                None,
                None,
            ));
        } else if !p.attempts.is_empty() {
            out.push(finding(
                Severity::Info,
                "hosts_silent",
                tr(
                    lang,
                    "hosts-silent",
                    &[
                        pport,
                        (
                            "ports",
                            opts.fallback_ports
                                .iter()
                                .map(|p| p.to_string())
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    ],
                ),
                None,
                None,
            ));
        }
    }
    let v6_down = all
        .iter()
        .filter(|a| a.address.is_ipv6() && a.outcome == "unreachable")
        .count();
    if !all.is_empty() && ok == 0 {
        out.push(finding(
            Severity::Error,
            "no_working_mx",
            tr(
                lang,
                "no-working-mx",
                &[
                    ("count", all.len().to_string()),
                    port,
                    ("name", report.target.name()),
                ],
            ),
            None,
            None,
        ));
    } else if ok > 0 && ok < all.len() - v6_down {
        out.push(finding(
            Severity::Warning,
            "some_mx_failing",
            tr(
                lang,
                "some-mx-failing",
                &[("ok", ok.to_string()), ("count", all.len().to_string())],
            ),
            None,
            None,
        ));
    } else if ok > 0 {
        out.push(finding(
            Severity::Ok,
            "smtp_ok",
            tr(lang, "smtp-ok", &[("ok", ok.to_string()), port]),
            None,
            None,
        ));
    }
    out
}
