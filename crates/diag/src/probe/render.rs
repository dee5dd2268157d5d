//! The human form of a probe report: an aligned timeline per address, then the findings.

use std::fmt::Write as _;

use super::i18n::{self, Lang, tr, ui};
use super::{AddressReport, ProbeReport, Severity, Target};

fn sev_label(lang: Lang, s: Severity) -> String {
    let l = ui(
        lang,
        match s {
            Severity::Error => "sev-error",
            Severity::Warning => "sev-warning",
            Severity::Info => "sev-info",
            Severity::Ok => "sev-ok",
        },
    );
    format!("{l:<5}")
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn address(out: &mut String, a: &AddressReport, lang: Lang) {
    let sock = match a.address {
        std::net::IpAddr::V6(v6) => format!("[{v6}]:{}", a.port),
        v4 => format!("{v4}:{}", a.port),
    };
    let ptr = if a.ptr.is_empty() {
        format!(
            "PTR: {}{}",
            ui(lang, "ptr-none"),
            a.ptr_error
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        )
    } else {
        format!("PTR: {}", a.ptr.join(", "))
    };
    let _ = writeln!(out, "  {sock}  ({})  {ptr}", a.family);
    let _ = writeln!(
        out,
        "    {:>8}  {:<16} {:>4}  {:>8}  {}",
        ui(lang, "col-at"),
        ui(lang, "col-phase"),
        ui(lang, "col-code"),
        ui(lang, "col-took"),
        ui(lang, "col-detail")
    );
    for s in &a.timeline {
        let phase = format!(
            "{}{}",
            i18n::phase(lang, s.phase),
            if s.retry { "*" } else { "" }
        );
        let code = s.code.map(|c| c.to_string()).unwrap_or_default();
        let detail = if s.outcome == "ok" {
            s.detail.clone()
        } else {
            format!("{}: {}", i18n::outcome(lang, &s.outcome), s.detail)
        };
        let _ = writeln!(
            out,
            "    {:>6} ms  {:<16} {:>4}  {:>5} ms  {}",
            s.start_ms,
            phase,
            code,
            s.duration_ms,
            clip(&detail, 100)
        );
    }
    if a.timeline.iter().any(|s| s.retry) {
        let _ = writeln!(out, "    {}", ui(lang, "retry-note"));
    }
    if let Some(t) = &a.tls {
        if let Some(c) = t.chain.first() {
            let label = |k: &str| format!("{}:", ui(lang, k));
            let _ = writeln!(out, "    {} {}", label("certificate"), c.subject);
            let _ = writeln!(
                out,
                "      {:<10} {}",
                label("sans"),
                if c.sans.is_empty() {
                    ui(lang, "none")
                } else {
                    c.sans.join(", ")
                }
            );
            let _ = writeln!(
                out,
                "      {:<10} {}{}",
                label("issuer"),
                c.issuer,
                if c.self_signed {
                    format!("  {}", ui(lang, "self-signed"))
                } else {
                    String::new()
                }
            );
            if let Some(l) = &t.leaf {
                let _ = writeln!(
                    out,
                    "      {:<10} {} .. {}  ({})",
                    label("valid"),
                    c.not_before_utc,
                    c.not_after_utc,
                    if l.expired {
                        ui(lang, "expired")
                    } else if l.not_yet_valid {
                        ui(lang, "not-yet-valid")
                    } else {
                        tr(lang, "ui-days-left", &[("days", l.days_left.to_string())])
                    }
                );
                let _ = writeln!(
                    out,
                    "      {:<10} {} {}",
                    label("name"),
                    t.server_name,
                    if l.host_match {
                        ui(lang, "matches")
                    } else {
                        ui(lang, "no-match")
                    }
                );
            }
        }
        let v = match &t.validation {
            mailway_smtp::CertValidation::Valid => ui(lang, "pki-valid"),
            mailway_smtp::CertValidation::Invalid { problem, message } => tr(
                lang,
                "ui-pki-invalid",
                &[("problem", i18n::pki_problem(lang, problem, message))],
            ),
            mailway_smtp::CertValidation::NotChecked => ui(lang, "pki-not-checked"),
        };
        let _ = writeln!(out, "      {:<10} {v}", format!("{}:", ui(lang, "webpki")));
        if let Some(d) = &t.dane {
            let _ = writeln!(
                out,
                "      {:<10} {} ({}{})",
                "DANE:",
                i18n::dane_verdict(lang, &d.verdict),
                d.name,
                if d.records.is_empty() {
                    String::new()
                } else {
                    format!(": {}", d.records.join("; "))
                }
            );
            if let Some(s) = &d.dnssec {
                let _ = writeln!(
                    out,
                    "      {:<10} {} ({})",
                    "DNSSEC:",
                    ui(lang, &format!("dnssec-{}", s.status)),
                    s.why
                );
            }
        }
    }
}

/// Renders a report as text (in the report's language): header, per host and address a
/// timeline, then the findings.
pub fn render(r: &ProbeReport) -> String {
    let lang = r.lang;
    let mut out = String::new();
    let what = match &r.target {
        Target::Domain { name } => tr(lang, "ui-domain", &[("name", name.clone())]),
        Target::Host { name, .. } => tr(lang, "ui-host", &[("name", name.clone())]),
        Target::Ip { ip, .. } => tr(lang, "ui-address", &[("ip", ip.to_string())]),
    };
    let _ = writeln!(
        out,
        "{}",
        tr(
            lang,
            "ui-title",
            &[("what", what), ("port", r.port.to_string())]
        )
    );
    match r.source.as_str() {
        "mx" => {
            let _ = writeln!(out, "{}", tr(lang, "ui-mx", &[("list", r.mx.join(", "))]));
        }
        "implicit_mx" => {
            let _ = writeln!(out, "{}", ui(lang, "mx-implicit"));
        }
        "none" => {
            let _ = writeln!(
                out,
                "{}",
                tr(
                    lang,
                    "ui-mx-failed",
                    &[("error", r.mx_error.clone().unwrap_or_default())]
                )
            );
        }
        _ => {}
    }
    for h in &r.hosts {
        let _ = writeln!(out);
        let pref = h
            .preference
            .map(|p| format!(" (MX {p})"))
            .unwrap_or_default();
        let _ = writeln!(out, "{}{pref}", h.host);
        for e in &h.resolve_errors {
            let _ = writeln!(
                out,
                "  {}",
                tr(lang, "ui-address-lookup", &[("error", e.clone())])
            );
        }
        for a in &h.addresses {
            address(&mut out, a, lang);
        }
    }
    if let Some(p) = &r.port25 {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            tr(lang, "ui-port-check", &[("port", p.port.to_string())])
        );
        for a in &p.attempts {
            let _ = writeln!(
                out,
                "  {}:{}  {}  {} ms",
                a.address,
                a.port,
                i18n::alt_outcome(lang, &a.outcome),
                a.ms
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", ui(lang, "findings"));
    for f in &r.findings {
        let _ = writeln!(out, "  {}  {}", sev_label(lang, f.severity), f.message);
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{}",
        tr(lang, "ui-total", &[("ms", r.total_ms.to_string())])
    );
    out
}
