//! SMTP TLS reporting (RFC 8460): `_smtp._tls.<domain>` TXT `v=TLSRPTv1; rua=...`.

use super::Ctx;
use super::finding::{Finding, Severity};
use super::txtrec::{self, Tags};

/// Problems of a TLS-RPT record: (kind, detail). Kinds: `no-rua`, `bad-uri`, `bad-version`.
pub fn problems(text: &str) -> Vec<(&'static str, String)> {
    let tags = Tags::parse(text, "TLSRPTv1");
    let mut out = tags.problems();
    match tags.get("rua") {
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
    let (records, ev) = match txtrec::lookup(cx, &name, "TLSRPTv1", "tls-rpt.lookup-failed").await {
        Ok(x) => x,
        Err(f) => return vec![f],
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
                txtrec::syntax_findings("tls-rpt.syntax", p, &ev)
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
