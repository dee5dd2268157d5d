//! SMTP TLS reporting (RFC 8460): `_smtp._tls.<domain>` TXT `v=TLSRPTv1; rua=...`.

use super::Ctx;
use super::finding::{Evidence, Finding, Severity};

/// Problems of a TLS-RPT record: (kind, detail). Kinds: `no-rua`, `bad-uri`, `bad-version`.
pub fn problems(text: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut rua = None;
    for (i, part) in text
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        match (i, k.trim()) {
            (0, "v") if v.trim() == "TLSRPTv1" => {}
            (0, _) => out.push(("bad-version", part.to_string())),
            (_, "rua") => rua = Some(v.trim().to_string()),
            _ => {}
        }
    }
    match rua {
        None => out.push(("no-rua", String::new())),
        Some(r) => {
            for uri in r.split(',').map(str::trim) {
                let lower = uri.to_ascii_lowercase();
                let ok = (lower.starts_with("mailto:") && uri.contains('@'))
                    || (lower.starts_with("https://") && uri.len() > 8);
                if !ok {
                    out.push(("bad-uri", uri.to_string()));
                }
            }
        }
    }
    out
}

/// Runs the TLS-RPT checks.
pub async fn check(cx: &Ctx) -> Vec<Finding> {
    let name = format!("_smtp._tls.{}", cx.domain);
    let q = format!("{name} TXT");
    let r = cx.resolver.txt(&name).await;
    let ev = Evidence::lookup(&q, &r);
    let records: Vec<String> = match &r {
        Ok(a) => a
            .records
            .iter()
            .map(|t| t.text.clone())
            .filter(|t| t.trim_start().starts_with("v=TLSRPTv1"))
            .collect(),
        Err(e) if e.is_temporary() => {
            return vec![
                Finding::new("tls-rpt.lookup-failed", Severity::Warning)
                    .arg("error", e)
                    .evidence(ev),
            ];
        }
        Err(_) => Vec::new(),
    };
    match records.len() {
        0 => vec![Finding::new("tls-rpt.none", Severity::Info).evidence(ev)],
        1 => {
            let p = problems(&records[0]);
            if p.is_empty() {
                vec![
                    Finding::new("tls-rpt.ok", Severity::Ok)
                        .arg("record", &records[0])
                        .evidence(ev),
                ]
            } else {
                p.into_iter()
                    .map(|(kind, detail)| {
                        Finding::new("tls-rpt.syntax", Severity::Error)
                            .subject(detail.clone())
                            .arg("kind", kind)
                            .arg("detail", detail)
                            .evidence(ev.clone())
                    })
                    .collect()
            }
        }
        n => vec![
            Finding::new("tls-rpt.multiple", Severity::Error)
                .arg("count", n)
                .evidence(ev),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records() {
        assert!(problems("v=TLSRPTv1; rua=mailto:tlsrpt@example.com").is_empty());
        assert!(problems("v=TLSRPTv1; rua=https://r.example.com/x,mailto:a@b.example").is_empty());
        assert_eq!(
            problems("v=TLSRPTv1; rua=http://sts-bad.test/report")[0].0,
            "bad-uri"
        );
        assert_eq!(problems("v=TLSRPTv1;")[0].0, "no-rua");
    }
}
