//! MTA-STS (RFC 8461): the `_mta-sts.<domain>` TXT record (version, id, duplicates).

use super::Ctx;
use super::finding::{Evidence, Finding, Severity};

/// Problems of an MTA-STS TXT record: kinds `bad-version`, `bad-id`, `no-id`.
pub fn txt_problems(text: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut id = None;
    for (i, part) in text
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        match (i, k.trim()) {
            (0, "v") if v.trim() == "STSv1" => {}
            (0, _) => out.push(("bad-version", part.to_string())),
            (_, "id") => id = Some(v.trim().to_string()),
            _ => {}
        }
    }
    match id {
        None => out.push(("no-id", String::new())),
        Some(id) => {
            if id.is_empty() || id.len() > 32 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                out.push(("bad-id", id));
            }
        }
    }
    out
}

/// Runs the MTA-STS record checks. Returns the findings and whether a (single) record exists.
pub async fn check_txt(cx: &Ctx) -> (Vec<Finding>, bool) {
    let name = format!("_mta-sts.{}", cx.domain);
    let q = format!("{name} TXT");
    let r = cx.resolver.txt(&name).await;
    let ev = Evidence::lookup(&q, &r);
    let records: Vec<String> = match &r {
        Ok(a) => a
            .records
            .iter()
            .map(|t| t.text.clone())
            .filter(|t| t.trim_start().starts_with("v=STSv1"))
            .collect(),
        Err(e) if e.is_temporary() => {
            return (
                vec![
                    Finding::new("mta-sts.lookup-failed", Severity::Warning)
                        .arg("error", e)
                        .evidence(ev),
                ],
                false,
            );
        }
        Err(_) => Vec::new(),
    };
    match records.len() {
        0 => (
            vec![Finding::new("mta-sts.none", Severity::Info).evidence(ev)],
            false,
        ),
        1 => {
            let p = txt_problems(&records[0]);
            let f: Vec<Finding> = p
                .into_iter()
                .map(|(kind, detail)| {
                    Finding::new("mta-sts.txt-syntax", Severity::Error)
                        .subject(detail.clone())
                        .arg("kind", kind)
                        .arg("detail", detail)
                        .evidence(ev.clone())
                })
                .collect();
            let ok = f.is_empty();
            (f, ok)
        }
        n => (
            vec![
                Finding::new("mta-sts.multiple", Severity::Error)
                    .arg("count", n)
                    .evidence(ev),
            ],
            false,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt() {
        assert!(txt_problems("v=STSv1; id=20261127T000000;").is_empty());
        assert_eq!(txt_problems("v=STSv1; id=not valid!;")[0].0, "bad-id");
        assert_eq!(txt_problems("v=STSv1;")[0].0, "no-id");
    }
}
