//! Localised texts of the check findings (Fluent, the same library as `mailway-status`).
//!
//! Each finding id `area.name` is the Fluent message `area-name` in
//! `src/check/locales/{en,es}/check.ftl`: its value is the title, its `.explain` attribute the
//! explanation and its `.fix` attribute the fix. The files are embedded at compile time.

use std::str::FromStr;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::Serialize;

/// Output language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Spanish.
    Es,
}

impl Lang {
    /// `en` / `es`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// From `LANG`-style values (`es_ES.UTF-8` → Es); English otherwise.
    pub fn from_locale(s: &str) -> Lang {
        if s.to_ascii_lowercase().starts_with("es") {
            Lang::Es
        } else {
            Lang::En
        }
    }
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "en" | "english" => Ok(Lang::En),
            "es" | "spanish" | "español" | "espanol" => Ok(Lang::Es),
            other => Err(format!("unknown language {other:?} (use es or en)")),
        }
    }
}

const EN: &str = include_str!("locales/en/check.ftl");
const ES: &str = include_str!("locales/es/check.ftl");

struct Bundles {
    en: FluentBundle<FluentResource>,
    es: FluentBundle<FluentResource>,
}

/// A Fluent bundle for `lang` from an embedded `.ftl` text (shared with the probe's texts).
pub(crate) fn bundle(lang: &str, text: &'static str) -> FluentBundle<FluentResource> {
    let id = lang.parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![id]);
    b.set_use_isolating(false);
    let res = match FluentResource::try_new(text.to_string()) {
        Ok(r) => r,
        // a broken .ftl is caught by the unit test below; keep what parsed
        Err((r, _)) => r,
    };
    let _ = b.add_resource(res);
    b
}

fn bundles() -> &'static Bundles {
    static B: OnceLock<Bundles> = OnceLock::new();
    B.get_or_init(|| Bundles {
        en: bundle("en", EN),
        es: bundle("es", ES),
    })
}

/// The three texts of a finding.
#[derive(Debug, Clone, Default)]
pub struct Texts {
    /// Title (message value).
    pub title: String,
    /// `.explain`.
    pub explanation: String,
    /// `.fix`.
    pub fix: Option<String>,
}

/// Fluent message id of a finding id (`mta-sts.fetch-failed` → `mta-sts-fetch-failed`).
pub fn message_id(finding_id: &str) -> String {
    finding_id.replace('.', "-")
}

fn format(
    b: &FluentBundle<FluentResource>,
    id: &str,
    attr: Option<&str>,
    args: &FluentArgs,
) -> Option<String> {
    let msg = b.get_message(id)?;
    let pattern = match attr {
        None => msg.value()?,
        Some(a) => msg.get_attribute(a)?.value(),
    };
    let mut errors = Vec::new();
    let s = b.format_pattern(pattern, Some(args), &mut errors);
    Some(s.into_owned())
}

/// The texts of `finding_id` in `lang` (falling back to English, then to the id itself).
pub fn texts(lang: Lang, finding_id: &str, args: &[(String, String)]) -> Texts {
    let mut fargs = FluentArgs::new();
    for (k, v) in args {
        fargs.set(k.as_str(), FluentValue::from(v.as_str()));
    }
    let id = message_id(finding_id);
    let bs = bundles();
    let primary = match lang {
        Lang::En => &bs.en,
        Lang::Es => &bs.es,
    };
    let get = |attr: Option<&str>| {
        format(primary, &id, attr, &fargs).or_else(|| format(&bs.en, &id, attr, &fargs))
    };
    Texts {
        title: get(None).unwrap_or_else(|| finding_id.to_string()),
        explanation: get(Some("explain")).unwrap_or_default(),
        fix: get(Some("fix")),
    }
}

/// A DNS error in words, in `lang` (messages `dns-error-<code>`): the name, type, server and
/// what happened, as [`mailway_dns::DnsError`]'s own English `Display` says it.
pub fn dns_error(lang: Lang, e: &mailway_dns::DnsError) -> String {
    use mailway_dns::DnsError as E;
    let s = |v: &str| v.to_string();
    let server = e.server().map(|x| x.to_string()).unwrap_or_default();
    let mut args: Vec<(String, String)> = vec![("server".into(), server)];
    match e {
        E::NxDomain { name, .. } => args.push(("name".into(), s(name))),
        E::NoData { name, rtype, .. }
        | E::ServFail { name, rtype, .. }
        | E::Refused { name, rtype, .. } => {
            args.push(("name".into(), s(name)));
            args.push(("rtype".into(), s(rtype)));
        }
        E::Rcode {
            name, rtype, rcode, ..
        } => {
            args.push(("name".into(), s(name)));
            args.push(("rtype".into(), s(rtype)));
            args.push(("rcode".into(), s(rcode)));
        }
        E::Timeout {
            name,
            rtype,
            servers,
            after,
        } => {
            args.push(("name".into(), s(name)));
            args.push(("rtype".into(), s(rtype)));
            // as DnsError's Display writes it
            args.push(("seconds".into(), after.as_secs_f32().to_string()));
            args.push((
                "servers".into(),
                servers
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        E::Io {
            name,
            rtype,
            message,
            ..
        }
        | E::Protocol {
            name,
            rtype,
            message,
            ..
        } => {
            args.push(("name".into(), s(name)));
            args.push(("rtype".into(), s(rtype)));
            args.push(("message".into(), s(message)));
        }
        E::CnameLoop { name, limit } => {
            args.push(("name".into(), s(name)));
            args.push(("limit".into(), limit.to_string()));
        }
        E::InvalidName { name, reason } => {
            args.push(("name".into(), s(name)));
            args.push(("reason".into(), s(reason)));
        }
        _ => {}
    }
    let id = format!("dns-error.{}", e.code().replace('_', "-"));
    let t = texts(lang, &id, &args).title;
    if t == id { e.to_string() } else { t }
}

/// The short outcome of a failed DNS query for evidence: the response code (`NXDOMAIN`,
/// `NODATA`, `SERVFAIL`, ...) or, when there was none, what happened, in `lang`.
pub fn dns_result(lang: Lang, e: &mailway_dns::DnsError) -> String {
    use mailway_dns::DnsError as E;
    match e {
        E::NxDomain { .. } => "NXDOMAIN".into(),
        E::NoData { .. } => "NODATA".into(),
        E::ServFail { .. } => "SERVFAIL".into(),
        E::Refused { .. } => "REFUSED".into(),
        E::Rcode { rcode, .. } => rcode.clone(),
        E::Timeout { after, .. } => {
            texts(
                lang,
                "dns-result.timeout",
                &[("seconds".into(), format!("{:.1}", after.as_secs_f64()))],
            )
            .title
        }
        other => {
            texts(
                lang,
                &format!("dns-result.{}", other.code().replace('_', "-")),
                &[],
            )
            .title
        }
    }
}

/// A UI string (headings, labels) in `lang`: message `ui-<key>`.
pub fn ui(lang: Lang, key: &str) -> String {
    texts(lang, &format!("ui.{key}"), &[]).title
}

/// Message ids defined in a language (for the completeness test).
pub fn defined_ids(lang: Lang) -> Vec<String> {
    let text = match lang {
        Lang::En => EN,
        Lang::Es => ES,
    };
    text.lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && l.contains(" ="))
        .filter_map(|l| l.split(" =").next())
        .map(|s| s.trim().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ftl_files_parse_cleanly() {
        for (name, text) in [("en", EN), ("es", ES)] {
            if let Err((_, errs)) = FluentResource::try_new(text.to_string()) {
                panic!("{name}/check.ftl has errors: {errs:?}");
            }
        }
    }

    #[test]
    fn both_languages_define_the_same_messages() {
        let mut en = defined_ids(Lang::En);
        let mut es = defined_ids(Lang::Es);
        en.sort();
        es.sort();
        let only_en: Vec<_> = en.iter().filter(|x| !es.contains(x)).collect();
        let only_es: Vec<_> = es.iter().filter(|x| !en.contains(x)).collect();
        assert!(
            only_en.is_empty() && only_es.is_empty(),
            "only in en: {only_en:?}; only in es: {only_es:?}"
        );
    }

    #[test]
    fn dns_errors_in_both_languages() {
        use mailway_dns::DnsError;
        use std::time::Duration;
        let server = "127.0.0.1:53".parse().unwrap();
        let errors = [
            DnsError::NxDomain {
                name: "x.test".into(),
                server,
            },
            DnsError::NoData {
                name: "x.test".into(),
                rtype: "MX".into(),
                server,
            },
            DnsError::ServFail {
                name: "x.test".into(),
                rtype: "MX".into(),
                server,
            },
            DnsError::Refused {
                name: "x.test".into(),
                rtype: "MX".into(),
                server,
            },
            DnsError::Rcode {
                name: "x.test".into(),
                rtype: "MX".into(),
                rcode: "FORMERR".into(),
                server,
            },
            DnsError::Timeout {
                name: "x.test".into(),
                rtype: "MX".into(),
                servers: vec![server],
                after: Duration::from_millis(1500),
            },
            DnsError::Io {
                name: "x.test".into(),
                rtype: "MX".into(),
                server,
                message: "connection refused".into(),
            },
            DnsError::Protocol {
                name: "x.test".into(),
                rtype: "MX".into(),
                server,
                message: "bad id".into(),
            },
            DnsError::CnameLoop {
                name: "x.test".into(),
                limit: 8,
            },
            DnsError::InvalidName {
                name: "x..test".into(),
                reason: "empty label".into(),
            },
            DnsError::NoServers,
        ];
        for e in &errors {
            let en = dns_error(Lang::En, e);
            let es = dns_error(Lang::Es, e);
            // English reads as the error's own Display; Spanish differs and has no gaps
            assert_eq!(en, e.to_string(), "{e:?}");
            assert_ne!(en, es, "{e:?}");
            assert!(!es.contains('{') && !es.contains("dns-error"), "{es}");
            let r_en = dns_result(Lang::En, e);
            let r_es = dns_result(Lang::Es, e);
            assert!(!r_es.contains("dns-result") && !r_en.is_empty(), "{r_es}");
        }
        let t = &errors[5];
        assert_eq!(dns_result(Lang::En, t), "timeout after 1.5s");
        assert_eq!(dns_result(Lang::Es, t), "sin respuesta en 1.5 s");
        assert!(dns_error(Lang::Es, &errors[0]).contains("no existe"));
    }

    #[test]
    fn lang_parsing() {
        assert_eq!("ES".parse::<Lang>().unwrap(), Lang::Es);
        assert!("fr".parse::<Lang>().is_err());
        assert_eq!(Lang::from_locale("es_AR.UTF-8"), Lang::Es);
    }

    /// Every finding id written in the check sources (`"area.name"` literals) has a title, and
    /// the same messages exist in English and Spanish.
    #[test]
    fn every_finding_id_in_the_sources_has_texts() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![dir.join("check.rs")];
        let mut stack = vec![dir.join("check")];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        let areas = [
            "resolver",
            "domain",
            "mx",
            "ns",
            "propagation",
            "dnssec",
            "spf",
            "dkim",
            "dmarc",
            "mta-sts",
            "tls-rpt",
            "dane",
            "bimi",
            "ip",
            "blocklist",
        ];
        let mut ids = std::collections::BTreeSet::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for lit in text.split('"').skip(1).step_by(2) {
                let Some((area, rest)) = lit.split_once('.') else {
                    continue;
                };
                if areas.contains(&area)
                    && !rest.is_empty()
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                {
                    ids.insert(lit.to_string());
                }
            }
        }
        assert!(ids.len() > 100, "found only {} ids", ids.len());
        let en = defined_ids(Lang::En);
        let es = defined_ids(Lang::Es);
        let missing: Vec<_> = ids
            .iter()
            .filter(|id| {
                let m = message_id(id);
                !en.contains(&m) || !es.contains(&m)
            })
            .collect();
        assert!(
            missing.is_empty(),
            "finding ids without en/es texts: {missing:?}"
        );
        for id in &ids {
            for lang in [Lang::En, Lang::Es] {
                let t = texts(lang, id, &[]);
                assert!(!t.title.is_empty() && t.title != *id, "{id} ({lang:?})");
            }
        }
    }
}
