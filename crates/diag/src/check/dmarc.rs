//! DMARC (RFC 7489 and RFC 9989): discovery with the DNS tree walk (organisational-domain
//! fallback), every syntax error of the record, policy and alignment, and authorisation of
//! external report destinations (`<domain>._report._dmarc.<destination>`).

use std::collections::BTreeSet;

use super::Ctx;
use super::finding::{Evidence, Finding, Severity};

/// A problem in a DMARC record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DmarcProblem {
    /// The tag concerned (`p`, `pct`, ...; empty for record-wide problems).
    pub tag: String,
    /// Its value as written.
    pub value: String,
    /// Kind keyword: `bad-value`, `duplicate`, `missing-semicolon`, `bad-uri`, `empty`.
    pub kind: &'static str,
}

/// A parsed DMARC record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DmarcRecord {
    /// The text.
    pub text: String,
    /// Tags in order (lowercase name, value).
    pub tags: Vec<(String, String)>,
    /// Syntax problems (all of them).
    pub problems: Vec<DmarcProblem>,
    /// Tags receivers ignore (unknown).
    pub unknown: Vec<String>,
}

impl DmarcRecord {
    /// Value of a tag.
    pub fn get(&self, tag: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == tag)
            .map(|(_, v)| v.as_str())
    }

    /// Valid `p` value.
    pub fn policy(&self) -> Option<&str> {
        self.get("p").filter(|p| is_policy(p))
    }
}

fn is_policy(v: &str) -> bool {
    matches!(v, "none" | "quarantine" | "reject")
}

/// True when a TXT record is a DMARC record candidate (starts with `v=DMARC1`, RFC 7489 §6.6.3).
pub fn is_dmarc_record(txt: &str) -> bool {
    let t = txt.trim_start();
    let Some(rest) = t.strip_prefix('v').or_else(|| t.strip_prefix('V')) else {
        return false;
    };
    let rest = rest.trim_start();
    let Some(rest) = rest.strip_prefix('=') else {
        return false;
    };
    rest.trim_start().starts_with("DMARC1")
}

/// True when the text mentions `v=DMARC1` but not first (so receivers ignore it).
pub fn mentions_dmarc(txt: &str) -> bool {
    txt.to_ascii_uppercase()
        .replace(' ', "")
        .contains("V=DMARC1")
}

fn check_uri_list(tag: &str, v: &str, problems: &mut Vec<DmarcProblem>) {
    for uri in v.split(',').map(str::trim) {
        // by bytes: a non-ASCII character may straddle the scheme's end
        let rest = uri
            .get(..7)
            .filter(|scheme| scheme.eq_ignore_ascii_case("mailto:"))
            .and_then(|_| uri.get(7..))
            .filter(|r| !r.is_empty());
        let ok = rest.is_some_and(|rest| {
            rest.contains('@') && {
                // optional size limit "!10m"
                let addr = rest.split('!').next().unwrap_or("");
                let size_ok = rest.split('!').nth(1).is_none_or(|s| {
                    let digits = s.trim_end_matches(['k', 'm', 'g', 't', 'K', 'M', 'G', 'T']);
                    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
                });
                addr.split('@').count() == 2 && !addr.ends_with('@') && size_ok
            }
        });
        if !ok {
            problems.push(DmarcProblem {
                tag: tag.into(),
                value: uri.into(),
                kind: "bad-uri",
            });
        }
    }
}

/// Parses a DMARC record, collecting every problem.
pub fn parse(text: &str) -> DmarcRecord {
    let mut rec = DmarcRecord {
        text: text.to_string(),
        ..Default::default()
    };
    let mut seen = BTreeSet::new();
    for (i, part) in text.split(';').enumerate() {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let Some((k, v)) = part.split_once('=') else {
            rec.problems.push(DmarcProblem {
                tag: String::new(),
                value: part.into(),
                kind: "not-a-tag",
            });
            continue;
        };
        let k = k.trim().to_ascii_lowercase();
        let mut v = v.trim().to_string();
        // "v=DMARC1 p=quarantine": a tag swallowed by the previous one (missing ';')
        if let Some((first, rest)) = v.split_once(char::is_whitespace)
            && rest.contains('=')
        {
            rec.problems.push(DmarcProblem {
                tag: k.clone(),
                value: v.clone(),
                kind: "missing-semicolon",
            });
            v = first.to_string();
        }
        if i == 0 && k != "v" {
            rec.problems.push(DmarcProblem {
                tag: k.clone(),
                value: v.clone(),
                kind: "v-not-first",
            });
        }
        if !seen.insert(k.clone()) {
            rec.problems.push(DmarcProblem {
                tag: k.clone(),
                value: v.clone(),
                kind: "duplicate",
            });
            continue;
        }
        let bad = |rec: &mut DmarcRecord| {
            rec.problems.push(DmarcProblem {
                tag: k.clone(),
                value: v.clone(),
                kind: "bad-value",
            })
        };
        match k.as_str() {
            "v" => {
                if v != "DMARC1" {
                    bad(&mut rec);
                }
            }
            "p" | "sp" | "np" => {
                if !is_policy(&v) {
                    bad(&mut rec);
                }
            }
            "adkim" | "aspf" => {
                if v != "r" && v != "s" {
                    bad(&mut rec);
                }
            }
            "pct" => {
                if !v.parse::<u32>().is_ok_and(|n| n <= 100) {
                    bad(&mut rec);
                }
            }
            "ri" => {
                if v.parse::<u32>().is_err() {
                    bad(&mut rec);
                }
            }
            "fo" => {
                if v.is_empty()
                    || !v
                        .split(':')
                        .all(|x| matches!(x.trim(), "0" | "1" | "d" | "s"))
                {
                    bad(&mut rec);
                }
            }
            "rf" => {
                if !v.split(':').all(|x| x.trim().eq_ignore_ascii_case("afrf")) {
                    bad(&mut rec);
                }
            }
            "psd" => {
                if !matches!(v.as_str(), "y" | "n" | "u") {
                    bad(&mut rec);
                }
            }
            "t" => {
                if !matches!(v.as_str(), "y" | "n") {
                    bad(&mut rec);
                }
            }
            "rua" | "ruf" => check_uri_list(&k, &v, &mut rec.problems),
            _ => rec.unknown.push(k.clone()),
        }
        rec.tags.push((k, v));
    }
    rec
}

/// The org-domain tree walk of RFC 9989 §4.10: the domain, then its parents (at most 8 names,
/// long names shortened to their last 7 labels first), stopping before the top-level label.
pub fn tree_walk(domain: &str) -> Vec<String> {
    let labels: Vec<&str> = domain.trim_end_matches('.').split('.').collect();
    let mut names = vec![domain.to_string()];
    let start = if labels.len() > 8 {
        labels.len() - 7
    } else {
        1
    };
    for i in start..labels.len().saturating_sub(1) {
        names.push(labels[i..].join("."));
    }
    names.truncate(8);
    names
}

fn mailto_domain(uri: &str) -> Option<String> {
    let rest = uri.get(7..)?;
    let addr = rest.split('!').next()?;
    addr.rsplit_once('@')
        .map(|(_, d)| d.trim().trim_end_matches('.').to_ascii_lowercase())
}

/// Runs the DMARC checks.
pub async fn check(cx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut found: Option<(String, Vec<String>, Evidence)> = None;
    for name in tree_walk(&cx.domain) {
        let q = format!("_dmarc.{name} TXT");
        match cx.resolver.txt(&format!("_dmarc.{name}")).await {
            Ok(a) => {
                let texts: Vec<String> = a.records.iter().map(|t| t.text.clone()).collect();
                let ev = Evidence::answer(&q, &a);
                let dmarc: Vec<String> = texts
                    .iter()
                    .filter(|t| is_dmarc_record(t))
                    .cloned()
                    .collect();
                if dmarc.is_empty() {
                    if let Some(t) = texts.iter().find(|t| mentions_dmarc(t)) {
                        out.push(
                            Finding::new("dmarc.v-not-first", Severity::Error)
                                .arg("record", t)
                                .arg("location", format!("_dmarc.{name}"))
                                .evidence(ev),
                        );
                        return out;
                    }
                    continue;
                }
                found = Some((name, dmarc, ev));
                break;
            }
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                out.push(
                    Finding::new("dmarc.lookup-failed", Severity::Warning)
                        .dns_error("error", &e)
                        .evidence(Evidence::error(&q, &e)),
                );
                return out;
            }
        }
    }
    let Some((location, records, ev)) = found else {
        out.push(Finding::new("dmarc.none", Severity::Warning));
        return out;
    };
    if location != cx.domain {
        out.push(
            Finding::new("dmarc.inherited", Severity::Info)
                .arg("org_domain", &location)
                .evidence(ev.clone()),
        );
    }
    if records.len() > 1 {
        out.push(
            Finding::new("dmarc.multiple", Severity::Error)
                .arg("count", records.len())
                .arg("location", format!("_dmarc.{location}"))
                .evidence(ev),
        );
        return out;
    }
    let rec = parse(&records[0]);
    for p in &rec.problems {
        out.push(
            Finding::new("dmarc.syntax", Severity::Error)
                .subject(if p.tag.is_empty() {
                    p.value.clone()
                } else {
                    format!("{}={}", p.tag, p.value)
                })
                .arg("tag", &p.tag)
                .arg("value", &p.value)
                .arg("kind", p.kind)
                .evidence(ev.clone()),
        );
    }
    for u in &rec.unknown {
        out.push(
            Finding::new("dmarc.unknown-tag", Severity::Warning)
                .subject(u.clone())
                .arg("tag", u)
                .evidence(ev.clone()),
        );
    }
    let inherited = location != cx.domain;
    // the policy that applies: sp for subdomains (np for non-existent ones), else p
    let p = rec.policy();
    if p.is_none() && !rec.problems.iter().any(|x| x.tag == "p") {
        let has_rua = rec.get("rua").is_some();
        out.push(
            Finding::new("dmarc.no-policy", Severity::Error)
                .arg("has_rua", if has_rua { "yes" } else { "no" })
                .evidence(ev.clone()),
        );
    }
    let effective = if inherited {
        rec.get("sp").filter(|v| is_policy(v)).or(p)
    } else {
        p
    };
    if let Some(pct) = rec.get("pct") {
        out.push(
            Finding::new("dmarc.pct-removed", Severity::Warning)
                .arg("pct", pct)
                .evidence(ev.clone()),
        );
    }
    for t in ["rf", "ri"] {
        if rec.get(t).is_some() {
            out.push(
                Finding::new("dmarc.removed-tag", Severity::Info)
                    .subject(t)
                    .arg("tag", t)
                    .evidence(ev.clone()),
            );
        }
    }
    match effective {
        Some("none") => {
            out.push(Finding::new("dmarc.policy-none", Severity::Warning).evidence(ev.clone()))
        }
        Some(pol) if rec.problems.is_empty() => out.push(
            Finding::new("dmarc.ok", Severity::Ok)
                .arg("policy", pol)
                .arg("adkim", rec.get("adkim").unwrap_or("r"))
                .arg("aspf", rec.get("aspf").unwrap_or("r"))
                .evidence(ev.clone()),
        ),
        _ => {}
    }
    if let (Some("none") | None, Some(sp)) = (p, rec.get("sp"))
        && is_policy(sp)
    {
        let _ = sp;
    }
    if rec.get("t") == Some("y") {
        out.push(Finding::new("dmarc.testing", Severity::Info).evidence(ev.clone()));
    }
    if rec.get("rua").is_none() {
        out.push(Finding::new("dmarc.no-rua", Severity::Info).evidence(ev.clone()));
    }
    // external destinations must authorise: <location>._report._dmarc.<dest> TXT "v=DMARC1"
    let mut dests = BTreeSet::new();
    for tag in ["rua", "ruf"] {
        if let Some(v) = rec.get(tag) {
            for uri in v.split(',').map(str::trim) {
                if let Some(d) = mailto_domain(uri) {
                    dests.insert((tag, d));
                }
            }
        }
    }
    let org = location.clone();
    for (tag, dest) in dests {
        if dest == org || dest.ends_with(&format!(".{org}")) || org.ends_with(&format!(".{dest}")) {
            continue;
        }
        let name = format!("{org}._report._dmarc.{dest}");
        let r = cx.resolver.txt(&name).await;
        let evd = Evidence::lookup(format!("{name} TXT"), &r);
        match &r {
            Ok(a) if a.records.iter().any(|t| is_dmarc_record(&t.text)) => out.push(
                Finding::new("dmarc.external-authorized", Severity::Ok)
                    .subject(dest.clone())
                    .arg("tag", tag)
                    .arg("destination", &dest)
                    .evidence(evd),
            ),
            Err(e) if e.is_temporary() => out.push(
                Finding::new("dmarc.lookup-failed", Severity::Warning)
                    .dns_error("error", e)
                    .evidence(evd),
            ),
            _ => out.push(
                Finding::new("dmarc.external-unauthorized", Severity::Warning)
                    .subject(dest.clone())
                    .arg("tag", tag)
                    .arg("destination", &dest)
                    .arg("record_name", &name)
                    .evidence(evd),
            ),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(r: &DmarcRecord) -> Vec<(String, &'static str)> {
        r.problems.iter().map(|p| (p.tag.clone(), p.kind)).collect()
    }

    #[test]
    fn every_error_reported() {
        let r = parse(
            "v=DMARC1; p=rejectt; pct=150; rua=mailto:reports@dmarc-reports.example; adkim=x",
        );
        assert_eq!(
            kinds(&r),
            vec![
                ("p".to_string(), "bad-value"),
                ("pct".to_string(), "bad-value"),
                ("adkim".to_string(), "bad-value")
            ]
        );
    }

    #[test]
    fn missing_semicolon_and_order() {
        let r = parse("v=DMARC1 p=quarantine; rua=mailto:d@example.com");
        assert_eq!(kinds(&r), vec![("v".to_string(), "missing-semicolon")]);
        assert!(r.policy().is_none());
        assert!(is_dmarc_record("v=DMARC1 p=quarantine"));
        assert!(!is_dmarc_record("p=reject; v=DMARC1"));
        assert!(mentions_dmarc("p=reject; v=DMARC1"));
    }

    #[test]
    fn uris() {
        let r = parse(
            "v=DMARC1; p=none; rua=http://x.example/r,mailto:a@b.example!10m; ruf=mailto:bad",
        );
        assert_eq!(
            kinds(&r),
            vec![
                ("rua".to_string(), "bad-uri"),
                ("ruf".to_string(), "bad-uri")
            ]
        );
        // A non-ASCII character across the scheme's end (found by the auth_records fuzz
        // target: it panicked slicing inside the character).
        let r = parse("v=DMARC1; p=reject; rua=mailt\u{FFFD}:d@example.org!68m,mailto:é@x.example");
        assert_eq!(kinds(&r), vec![("rua".to_string(), "bad-uri")]);
    }

    #[test]
    fn tree_walk_order() {
        assert_eq!(
            tree_walk("a.b.example.com"),
            vec!["a.b.example.com", "b.example.com", "example.com"]
        );
        assert_eq!(tree_walk("good.test"), vec!["good.test"]);
        let long = "a.b.c.d.e.f.g.h.i.example.com";
        let w = tree_walk(long);
        assert!(w.len() <= 8);
        assert_eq!(w[0], long);
        assert_eq!(w[1], "e.f.g.h.i.example.com");
    }
}
