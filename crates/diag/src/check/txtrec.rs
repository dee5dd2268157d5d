//! Shared shape of the `v=VERSION; tag=value; ...` TXT records of MTA-STS (RFC 8461 §3.1) and
//! TLS-RPT (RFC 8460 §3): finding the records among a name's TXT strings, splitting tags, the
//! version check, and turning syntax problems into findings.

use super::Ctx;
use super::finding::{Evidence, Finding, Severity};

/// A record split into tags: the version problem (when the first tag is not `v=<version>`) and
/// the other tags in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tags<'a> {
    /// The first tag, when it is not `v=<version>`.
    pub bad_version: Option<&'a str>,
    /// (name, value) of every tag after the first, trimmed.
    pub tags: Vec<(&'a str, &'a str)>,
}

impl<'a> Tags<'a> {
    /// Splits `text` at `;` (empty parts skipped) and checks that it starts with `v=<version>`.
    pub fn parse(text: &'a str, version: &str) -> Self {
        let mut bad_version = None;
        let mut tags = Vec::new();
        for (i, part) in text
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .enumerate()
        {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let (k, v) = (k.trim(), v.trim());
            if i == 0 {
                if k != "v" || v != version {
                    bad_version = Some(part);
                }
            } else {
                tags.push((k, v));
            }
        }
        Self { bad_version, tags }
    }

    /// The value of the last tag named `name` (a later tag overrides an earlier one).
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.tags
            .iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|x| x.1)
    }

    /// The problem list every record check starts from: `bad-version` with the offending tag.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        self.bad_version
            .map(|p| ("bad-version", p.to_string()))
            .into_iter()
            .collect()
    }
}

/// The TXT records at `name` that start with `v=<version>`, and the evidence of the lookup.
/// A temporary failure gives the finding `<area>.lookup-failed` instead; no records (or no
/// name) is an empty list.
pub async fn lookup(
    cx: &Ctx,
    name: &str,
    version: &str,
    failed_id: &'static str,
) -> Result<(Vec<String>, Evidence), Finding> {
    let q = format!("{name} TXT");
    let r = cx.resolver.txt(name).await;
    let ev = Evidence::lookup(&q, &r);
    let prefix = format!("v={version}");
    match &r {
        Ok(a) => Ok((
            a.records
                .iter()
                .map(|t| t.text.clone())
                .filter(|t| t.trim_start().starts_with(&prefix))
                .collect(),
            ev,
        )),
        Err(e) if e.is_temporary() => Err(Finding::new(failed_id, Severity::Warning)
            .dns_error("error", e)
            .evidence(ev)),
        Err(_) => Ok((Vec::new(), ev)),
    }
}

/// One error finding `id` per (kind, detail) problem, with the record's evidence.
pub fn syntax_findings(
    id: &'static str,
    problems: impl IntoIterator<Item = (&'static str, String)>,
    ev: &Evidence,
) -> Vec<Finding> {
    problems
        .into_iter()
        .map(|(kind, detail)| {
            Finding::new(id, Severity::Error)
                .subject(detail.clone())
                .arg("kind", kind)
                .arg("detail", detail)
                .evidence(ev.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        let t = Tags::parse("v=STSv1; id=1;; id = 2 ;x", "STSv1");
        assert_eq!(t.bad_version, None);
        assert_eq!(t.get("id"), Some("2"));
        assert_eq!(t.get("x"), Some(""));
        assert_eq!(t.get("nope"), None);
        let t = Tags::parse("id=1; v=STSv1", "STSv1");
        assert_eq!(t.bad_version, Some("id=1"));
        assert_eq!(t.problems(), vec![("bad-version", "id=1".to_string())]);
        assert_eq!(Tags::parse("v=STSv2", "STSv1").bad_version, Some("v=STSv2"));
    }
}
