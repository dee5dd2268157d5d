//! From a probe's raw observations to findings. Pure.

use mailway_smtp::{Phase, SmtpReply};

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
    let t = r.text().to_ascii_lowercase();
    if [
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
    {
        return true;
    }
    let st = r.status().map(|s| s.to_string());
    matches!(r.code, 450 | 451)
        && matches!(st.as_deref(), Some("4.7.1" | "4.2.0" | "4.7.0"))
        && (t.contains("try again later") || t.contains("please retry") || t.contains("try later"))
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
    let host = Some(a.host.as_str());
    let addr = Some(a.address.to_string());
    let label = addr_label(a);
    let f = |sev, code: &str, msg: String| finding(sev, code, msg, host, addr.clone());
    let failed_ms = a
        .timeline
        .iter()
        .rfind(|s| s.outcome != "ok" && !s.retry)
        .map(|s| s.duration_ms)
        .unwrap_or(0);
    let failed_ms = a.waited_ms.unwrap_or(failed_ms);
    match (a.outcome.as_str(), a.failed_phase) {
        ("ok", _) => {}
        ("timed_out", Some(Phase::Greeting)) => out.push(f(
            Severity::Error,
            "tarpit",
            format!(
                "{label} accepts the TCP connection but never sends its greeting (waited {}) — the classic cause of \"4.4.7 delivery time expired\": the server is overloaded or down, or a filter is tarpitting this client",
                secs(failed_ms)
            ),
        )),
        ("timed_out", Some(Phase::Connect)) => out.push(f(
            Severity::Error,
            "connect_timeout",
            format!(
                "{label} does not answer the TCP connection (no reply within {}): packets are dropped by a firewall on either side, or the host is down",
                secs(failed_ms)
            ),
        )),
        ("timed_out", Some(p)) => out.push(f(
            Severity::Error,
            "timeout",
            format!("{label} stopped answering during {p} (waited {})", secs(failed_ms)),
        )),
        ("refused", _) => out.push(f(
            Severity::Error,
            "refused",
            format!(
                "{label} refuses the connection: nothing listens on port {} (the mail server is down, or this is not a mail server)",
                a.port
            ),
        )),
        ("unreachable", _) if a.address.is_ipv6() => out.push(f(
            Severity::Warning,
            "ipv6_unavailable",
            format!(
                "{label}: IPv6 is not usable from this host ({}); only IPv4 addresses can be probed from here",
                a.error.clone().unwrap_or_default()
            ),
        )),
        ("unreachable", _) => out.push(f(
            Severity::Error,
            "unreachable",
            format!("{label} is unreachable: {}", a.error.clone().unwrap_or_default()),
        )),
        ("reset", p) => out.push(f(
            Severity::Error,
            "reset",
            format!(
                "{label} reset the connection during {} — a crashing server, a connection limit, or a middlebox",
                p.map(|p| p.to_string()).unwrap_or_default()
            ),
        )),
        ("closed", p) => out.push(f(
            Severity::Error,
            "closed",
            format!(
                "{label} closed the connection during {}",
                p.map(|p| p.to_string()).unwrap_or_default()
            ),
        )),
        ("protocol", p) => out.push(f(
            Severity::Error,
            "not_smtp",
            format!(
                "{label} does not speak SMTP properly during {}: {}",
                p.map(|p| p.to_string()).unwrap_or_default(),
                a.error.clone().unwrap_or_default()
            ),
        )),
        ("tls", _) => out.push(f(
            Severity::Error,
            "tls_failed",
            format!(
                "{label}: the TLS handshake failed: {}",
                a.error.clone().unwrap_or_default()
            ),
        )),
        ("tls_unavailable", _) => out.push(f(
            Severity::Error,
            "starttls_required_missing",
            format!("{label} does not offer STARTTLS, and --tls required was asked"),
        )),
        ("rejected", p) => {
            let b = a.banner.as_ref().map(|b| b.reply.clone());
            let transient = a.error.as_deref().is_some_and(|e| e.contains(" 4") || e.contains(": 4"));
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
            out.push(f(
                sev,
                code,
                format!(
                    "{label} refuses service at {}: {}",
                    p.map(|p| p.to_string()).unwrap_or_default(),
                    a.error.clone().unwrap_or_default()
                ),
            ));
        }
        (other, _) => out.push(f(
            Severity::Error,
            other,
            format!("{label}: {}", a.error.clone().unwrap_or_default()),
        )),
    }
    // Banner vs PTR.
    if let Some(b) = &a.banner {
        match (&a.ptr_error, b.matches_ptr) {
            (_, Some(false)) => out.push(f(
                Severity::Info,
                "banner_ptr_mismatch",
                format!(
                    "{label} announces itself as {:?} but the address's PTR is {}",
                    b.host,
                    a.ptr.join(", ")
                ),
            )),
            (Some(e), None) if a.ptr.is_empty() => out.push(f(
                Severity::Warning,
                "no_ptr",
                format!(
                    "{} has no usable PTR record ({e}); many receivers distrust such hosts",
                    a.address
                ),
            )),
            _ => {}
        }
    }
    // Capabilities.
    if let Some(k) = &a.capabilities {
        if !k.starttls && opts.tls != mailway_smtp::TlsPolicy::None && a.outcome == "ok" {
            out.push(f(
                Severity::Warning,
                "no_starttls",
                format!("{label} does not offer STARTTLS: mail to it travels unencrypted"),
            ));
        }
        if let Some(n) = k.size.filter(|n| *n > 0) {
            out.push(f(
                Severity::Info,
                "size_limit",
                format!(
                    "{label} accepts messages up to {n} bytes ({:.1} MB)",
                    n as f64 / 1e6
                ),
            ));
        }
    }
    // TLS and certificate.
    if let Some(t) = &a.tls {
        if let Some(l) = &t.leaf {
            let subj = t
                .chain
                .first()
                .map(|c| c.subject.clone())
                .unwrap_or_default();
            if l.expired {
                out.push(f(
                    Severity::Error,
                    "cert_expired",
                    format!(
                        "{label}: the certificate ({subj}) expired on {} — senders that verify (MTA-STS, DANE) will not deliver",
                        t.chain.first().map(|c| c.not_after_utc.clone()).unwrap_or_default()
                    ),
                ));
            } else if l.days_left < 14 {
                out.push(f(
                    Severity::Warning,
                    "cert_expires_soon",
                    format!("{label}: the certificate expires in {} days", l.days_left),
                ));
            }
            if !l.host_match {
                out.push(f(
                    Severity::Warning,
                    "cert_name_mismatch",
                    format!(
                        "{label}: the certificate ({subj}, SANs: {}) does not name {}",
                        t.chain
                            .first()
                            .map(|c| c.sans.join(", "))
                            .unwrap_or_default(),
                        t.server_name
                    ),
                ));
            }
        }
        match &t.validation {
            mailway_smtp::CertValidation::Valid => out.push(f(
                Severity::Ok,
                "cert_valid",
                format!("{label}: {} with a certificate valid for {} (web PKI)", t.version, t.server_name),
            )),
            mailway_smtp::CertValidation::Invalid { problem, message } => out.push(f(
                if t.leaf.as_ref().is_some_and(|l| l.self_signed) {
                    Severity::Info
                } else {
                    Severity::Warning
                },
                "cert_untrusted",
                format!(
                    "{label}: the certificate does not validate against web PKI roots ({problem}: {message}); fine for opportunistic TLS, fatal for MTA-STS"
                ),
            )),
            mailway_smtp::CertValidation::NotChecked => {}
        }
        if let Some(d) = &t.dane {
            match d.verdict.as_str() {
                "match" => out.push(f(
                    Severity::Ok,
                    "dane_match",
                    format!(
                        "{label}: the certificate matches the TLSA record {} at {}{}",
                        d.matched.join(", "),
                        d.name,
                        if d.dnssec_authenticated { "" } else { " (answer not DNSSEC-validated by the resolver used)" }
                    ),
                )),
                "no_match" => out.push(f(
                    Severity::Error,
                    "dane_mismatch",
                    format!(
                        "{label}: TLSA records exist at {} but none matches the certificate: DANE-verifying senders (Postfix with dane, Exim) will defer mail (4.7.5)",
                        d.name
                    ),
                )),
                "unusable" => out.push(f(
                    Severity::Warning,
                    "dane_unusable",
                    format!(
                        "{label}: the TLSA records at {} use only PKIX usages (0/1), which SMTP senders ignore (RFC 7672 §3.1.3)",
                        d.name
                    ),
                )),
                _ => {}
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
            format!("{label} refuses the sender: {m}"),
        ));
    }
    if let Some(g) = &a.greylisting {
        let msg = match (&g.retry, g.waited_s) {
            (_, 0) => format!(
                "{label} greylists: \"{}\" (retry disabled with --greylist-wait 0); a real sender is accepted on a later retry",
                g.first
            ),
            (Some(r), w) if g.passed => format!(
                "{label} greylists: first RCPT got \"{}\", the retry after {w} s was accepted ({r}) — delays of minutes are normal for first-time senders",
                g.first
            ),
            (Some(r), w) => format!(
                "{label} greylists: first RCPT got \"{}\", and the retry after {w} s was still refused ({r}); its greylisting delay is longer",
                g.first
            ),
            (None, w) => format!(
                "{label} greylists: first RCPT got \"{}\"; the retry after {w} s failed: {}",
                g.first,
                g.retry_error.clone().unwrap_or_default()
            ),
        };
        out.push(f(Severity::Info, "greylisting", msg));
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
            format!("{label} refuses the recipient: {r}"),
        ));
    } else if let Some(r) = &a.rcpt {
        out.push(f(
            Severity::Ok,
            "rcpt_accepted",
            format!("{label} accepts the recipient: {r}"),
        ));
    }
}

/// All findings of a report (the address ones, then the global ones).
pub(crate) fn findings(report: &ProbeReport, opts: &ProbeOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    for h in &report.hosts {
        for e in &h.resolve_errors {
            out.push(finding(
                Severity::Error,
                "address_lookup_failed",
                format!("{}: {e}", h.host),
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
                format!(
                    "the TLSA lookup {} failed ({}): DANE-verifying senders defer mail when TLSA cannot be resolved",
                    d.name,
                    d.error.clone().unwrap_or_default()
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
    if let Some(p) = &report.port25 {
        if p.blocked {
            let answered: Vec<String> = p
                .attempts
                .iter()
                .filter(|a| a.outcome == "ok" || a.outcome == "refused")
                .map(|a| {
                    format!(
                        "{} port {} ({})",
                        a.address,
                        a.port,
                        if a.outcome == "ok" {
                            "connected"
                        } else {
                            "refused: the host answered"
                        }
                    )
                })
                .collect();
            out.push(finding(
                Severity::Error,
                "port25_blocked",
                format!(
                    "outbound port {} looks blocked from this host (firewall or ISP): every address timed out on port {}, while {}",
                    p.port,
                    p.port,
                    answered.join(", ")
                ),
                None,
                None,
            ));
        } else if !p.attempts.is_empty() {
            out.push(finding(
                Severity::Info,
                "hosts_silent",
                format!(
                    "every address timed out on port {} and also on ports {}: the hosts are down or unreachable from here (not only port {} blocked)",
                    p.port,
                    opts.fallback_ports.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", "),
                    p.port
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
            format!(
                "none of the {} address(es) completed an SMTP conversation on port {}: mail to {} cannot be delivered from here now",
                all.len(),
                report.port,
                report.target.name()
            ),
            None,
            None,
        ));
    } else if ok > 0 && ok < all.len() - v6_down {
        out.push(finding(
            Severity::Warning,
            "some_mx_failing",
            format!(
                "{ok} of {} address(es) work; senders retry the others first and may see delays",
                all.len()
            ),
            None,
            None,
        ));
    } else if ok > 0 {
        out.push(finding(
            Severity::Ok,
            "smtp_ok",
            format!("{ok} address(es) answered SMTP on port {}", report.port),
            None,
            None,
        ));
    }
    out
}
