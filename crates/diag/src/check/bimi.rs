//! BIMI (draft-brand-indicators-for-message-identification): `default._bimi.<domain>` TXT
//! `v=BIMI1; l=<https SVG>; a=<https VMC>`, and the DMARC enforcement it requires.

use super::Ctx;
use super::finding::{Evidence, Finding, Severity};

/// Problems of a BIMI record: (kind, detail). Kinds: `bad-version`, `logo-not-https`,
/// `logo-not-svg`, `vmc-not-https`, `duplicate`, `unknown-tag`.
pub fn problems(text: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, part) in text
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let (k, v) = (k.trim(), v.trim());
        if !seen.insert(k.to_string()) {
            out.push(("duplicate", k.to_string()));
        }
        match k {
            "v" if i == 0 && v == "BIMI1" => {}
            "v" => out.push(("bad-version", v.to_string())),
            "l" => {
                for url in v.split(',').map(str::trim).filter(|u| !u.is_empty()) {
                    if !url.to_ascii_lowercase().starts_with("https://") {
                        out.push(("logo-not-https", url.to_string()));
                    } else if !url.to_ascii_lowercase().ends_with(".svg") {
                        out.push(("logo-not-svg", url.to_string()));
                    }
                }
            }
            "a" => {
                if !v.is_empty() && !v.to_ascii_lowercase().starts_with("https://") {
                    out.push(("vmc-not-https", v.to_string()));
                }
            }
            "s" | "avp" => {}
            other => out.push(("unknown-tag", other.to_string())),
        }
    }
    if !text.trim_start().starts_with("v=BIMI1") && !out.iter().any(|(k, _)| *k == "bad-version") {
        out.push(("bad-version", text.chars().take(20).collect()));
    }
    out
}

fn tag(text: &str, t: &str) -> Option<String> {
    text.split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim() == t)
        .map(|(_, v)| v.trim().to_string())
}

/// Runs the BIMI checks.
pub async fn check(cx: &Ctx) -> Vec<Finding> {
    let name = format!("default._bimi.{}", cx.domain);
    let q = format!("{name} TXT");
    let r = cx.resolver.txt(&name).await;
    let ev = Evidence::lookup(&q, &r);
    let records: Vec<String> = match &r {
        Ok(a) => a
            .records
            .iter()
            .map(|t| t.text.clone())
            .filter(|t| t.contains("v=BIMI1"))
            .collect(),
        Err(_) => Vec::new(),
    };
    let mut out = Vec::new();
    match records.len() {
        0 => {
            out.push(Finding::new("bimi.none", Severity::Info).evidence(ev));
            return out;
        }
        1 => {}
        n => {
            out.push(
                Finding::new("bimi.multiple", Severity::Error)
                    .arg("count", n)
                    .evidence(ev),
            );
            return out;
        }
    }
    let rec = &records[0];
    let l = tag(rec, "l").unwrap_or_default();
    let a = tag(rec, "a").unwrap_or_default();
    if l.is_empty() && a.is_empty() {
        out.push(Finding::new("bimi.declined", Severity::Info).evidence(ev));
        return out;
    }
    let p = problems(rec);
    for (kind, detail) in &p {
        let sev = match *kind {
            "logo-not-svg" | "unknown-tag" => Severity::Warning,
            _ => Severity::Error,
        };
        out.push(
            Finding::new("bimi.syntax", sev)
                .subject(detail.clone())
                .arg("kind", *kind)
                .arg("detail", detail)
                .evidence(ev.clone()),
        );
    }
    if a.is_empty() {
        out.push(Finding::new("bimi.no-vmc", Severity::Info).evidence(ev.clone()));
    }
    // BIMI needs an enforcing DMARC policy (quarantine or reject)
    let dmarc = cx.resolver.txt(&format!("_dmarc.{}", cx.domain)).await;
    let policy = dmarc.as_ref().ok().and_then(|d| {
        d.records
            .iter()
            .find(|t| super::dmarc::is_dmarc_record(&t.text))
            .map(|t| super::dmarc::parse(&t.text))
            .and_then(|r| r.policy().map(str::to_string))
    });
    if !matches!(policy.as_deref(), Some("quarantine" | "reject")) {
        out.push(
            Finding::new("bimi.dmarc-not-enforced", Severity::Warning)
                .arg("policy", policy.unwrap_or_else(|| "-".into()))
                .evidence(Evidence::lookup(
                    format!("_dmarc.{} TXT", cx.domain),
                    &dmarc,
                )),
        );
    }
    if !p
        .iter()
        .any(|(k, _)| !matches!(*k, "logo-not-svg" | "unknown-tag"))
    {
        out.push(
            Finding::new("bimi.ok", Severity::Ok)
                .arg("logo", &l)
                .evidence(ev),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records() {
        assert!(problems("v=BIMI1; l=https://good.test/bimi/logo.svg;").is_empty());
        let p = problems("v=BIMI1; l=http://sts-bad.test/logo.png");
        assert_eq!(p[0].0, "logo-not-https");
        assert_eq!(
            problems("v=BIMI1; l=https://x.example/logo.png")[0].0,
            "logo-not-svg"
        );
    }
}
