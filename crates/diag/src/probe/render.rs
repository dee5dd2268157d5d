//! The human form of a probe report: an aligned timeline per address, then the findings.

use std::fmt::Write as _;

use super::{AddressReport, ProbeReport, Severity, Target};

fn sev_label(s: Severity) -> &'static str {
    match s {
        Severity::Error => "ERROR",
        Severity::Warning => "WARN ",
        Severity::Info => "info ",
        Severity::Ok => "ok   ",
    }
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

fn address(out: &mut String, a: &AddressReport) {
    let sock = match a.address {
        std::net::IpAddr::V6(v6) => format!("[{v6}]:{}", a.port),
        v4 => format!("{v4}:{}", a.port),
    };
    let ptr = if a.ptr.is_empty() {
        format!(
            "PTR: none{}",
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
        "    {:>8}  {:<14} {:>4}  {:>8}  detail",
        "at", "phase", "code", "took"
    );
    for s in &a.timeline {
        let phase = format!("{}{}", s.phase, if s.retry { "*" } else { "" });
        let code = s.code.map(|c| c.to_string()).unwrap_or_default();
        let detail = if s.outcome == "ok" {
            s.detail.clone()
        } else {
            format!("{}: {}", s.outcome.to_uppercase(), s.detail)
        };
        let _ = writeln!(
            out,
            "    {:>6} ms  {:<14} {:>4}  {:>5} ms  {}",
            s.start_ms,
            phase,
            code,
            s.duration_ms,
            clip(&detail, 100)
        );
    }
    if a.timeline.iter().any(|s| s.retry) {
        let _ = writeln!(out, "    (* = greylisting retry on a new connection)");
    }
    if let Some(t) = &a.tls {
        if let Some(c) = t.chain.first() {
            let _ = writeln!(out, "    certificate: {}", c.subject);
            let _ = writeln!(
                out,
                "      SANs:      {}",
                if c.sans.is_empty() {
                    "(none)".into()
                } else {
                    c.sans.join(", ")
                }
            );
            let _ = writeln!(
                out,
                "      issuer:    {}{}",
                c.issuer,
                if c.self_signed { "  (self-signed)" } else { "" }
            );
            if let Some(l) = &t.leaf {
                let _ = writeln!(
                    out,
                    "      valid:     {} .. {}  ({})",
                    c.not_before_utc,
                    c.not_after_utc,
                    if l.expired {
                        "EXPIRED".to_string()
                    } else if l.not_yet_valid {
                        "NOT YET VALID".to_string()
                    } else {
                        format!("{} days left", l.days_left)
                    }
                );
                let _ = writeln!(
                    out,
                    "      name:      {} {}",
                    t.server_name,
                    if l.host_match {
                        "matches"
                    } else {
                        "DOES NOT match"
                    }
                );
            }
        }
        let v = match &t.validation {
            mailway_smtp::CertValidation::Valid => "valid".to_string(),
            mailway_smtp::CertValidation::Invalid { problem, .. } => {
                format!("not valid ({problem})")
            }
            mailway_smtp::CertValidation::NotChecked => "not checked".into(),
        };
        let _ = writeln!(out, "      web PKI:   {v}");
        if let Some(d) = &t.dane {
            let _ = writeln!(
                out,
                "      DANE:      {} ({}{})",
                d.verdict,
                d.name,
                if d.records.is_empty() {
                    String::new()
                } else {
                    format!(": {}", d.records.join("; "))
                }
            );
        }
    }
}

/// Renders a report as text: header, per host and address a timeline, then the findings.
pub fn render(r: &ProbeReport) -> String {
    let mut out = String::new();
    let what = match &r.target {
        Target::Domain { name } => format!("mail domain {name}"),
        Target::Host { name, .. } => format!("host {name}"),
        Target::Ip { ip, .. } => format!("address {ip}"),
    };
    let _ = writeln!(out, "Probe of {what}, port {}", r.port);
    match r.source.as_str() {
        "mx" => {
            let _ = writeln!(out, "MX: {}", r.mx.join(", "));
        }
        "implicit_mx" => {
            let _ = writeln!(out, "MX: none (using the domain's own A/AAAA)");
        }
        "none" => {
            let _ = writeln!(
                out,
                "MX: lookup failed: {}",
                r.mx_error.clone().unwrap_or_default()
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
            let _ = writeln!(out, "  address lookup: {e}");
        }
        for a in &h.addresses {
            address(&mut out, a);
        }
    }
    if let Some(p) = &r.port25 {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Port {} check (every address timed out on it):",
            p.port
        );
        for a in &p.attempts {
            let _ = writeln!(
                out,
                "  {}:{}  {}  {} ms",
                a.address, a.port, a.outcome, a.ms
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Findings:");
    for f in &r.findings {
        let _ = writeln!(out, "  {}  {}", sev_label(f.severity), f.message);
    }
    let _ = writeln!(out, "\n(total {} ms)", r.total_ms);
    out
}
