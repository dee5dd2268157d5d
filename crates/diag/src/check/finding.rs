//! Findings: a stable id, a severity, evidence, and localised title / explanation / fix.

use std::fmt;

use mailway_dns::{Answer, DnsError, RecordType, Response, Rr};
use serde::Serialize;

use super::i18n::{self, Lang};

/// How bad a finding is. Ordered: `Ok < Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Checked and fine.
    Ok,
    /// Worth knowing; nothing to fix.
    Info,
    /// Works, but weak, fragile or non-standard: fix when you can.
    Warning,
    /// Broken: mail is or will be lost, rejected, spoofable or junked.
    Error,
}

impl Severity {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }

    /// One level less severe (used for special-use test domains, RFC 6761).
    pub fn downgrade(self) -> Self {
        match self {
            Self::Error => Self::Warning,
            Self::Warning => Self::Info,
            other => other,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The area a finding belongs to (the human report groups by it, in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    /// The resolvers used and the domain itself.
    Resolver,
    /// MX records and their hosts.
    Mx,
    /// Name servers and zone consistency.
    Ns,
    /// Agreement between resolvers.
    Propagation,
    /// DNSSEC.
    Dnssec,
    /// SPF.
    Spf,
    /// DKIM keys.
    Dkim,
    /// DMARC.
    Dmarc,
    /// MTA-STS.
    MtaSts,
    /// TLS reporting.
    TlsRpt,
    /// DANE / TLSA.
    Dane,
    /// BIMI.
    Bimi,
    /// The sending IP (PTR, FCrDNS).
    Ip,
    /// DNS blocklists.
    Blocklist,
}

impl Area {
    /// Every area in report order.
    pub const ALL: [Area; 14] = [
        Area::Resolver,
        Area::Mx,
        Area::Ns,
        Area::Propagation,
        Area::Dnssec,
        Area::Spf,
        Area::Dkim,
        Area::Dmarc,
        Area::MtaSts,
        Area::TlsRpt,
        Area::Dane,
        Area::Bimi,
        Area::Ip,
        Area::Blocklist,
    ];

    /// The area of a finding id (its prefix before the first dot).
    pub fn of_id(id: &str) -> Area {
        match id.split('.').next().unwrap_or("") {
            "mx" => Area::Mx,
            "ns" => Area::Ns,
            "propagation" => Area::Propagation,
            "dnssec" => Area::Dnssec,
            "spf" => Area::Spf,
            "dkim" => Area::Dkim,
            "dmarc" => Area::Dmarc,
            "mta-sts" => Area::MtaSts,
            "tls-rpt" => Area::TlsRpt,
            "dane" => Area::Dane,
            "bimi" => Area::Bimi,
            "ip" => Area::Ip,
            "blocklist" => Area::Blocklist,
            _ => Area::Resolver,
        }
    }

    /// Stable name (`mta-sts`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Resolver => "resolver",
            Area::Mx => "mx",
            Area::Ns => "ns",
            Area::Propagation => "propagation",
            Area::Dnssec => "dnssec",
            Area::Spf => "spf",
            Area::Dkim => "dkim",
            Area::Dmarc => "dmarc",
            Area::MtaSts => "mta-sts",
            Area::TlsRpt => "tls-rpt",
            Area::Dane => "dane",
            Area::Bimi => "bimi",
            Area::Ip => "ip",
            Area::Blocklist => "blocklist",
        }
    }
}

/// What was asked, who answered and what came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The query (`good.test MX`) or the action (`GET https://mta-sts.good.test/...`).
    pub query: String,
    /// The server that answered (`127.0.10.53:53`), when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Outcome: `NOERROR`, `NXDOMAIN`, `NODATA`, `SERVFAIL`, `REFUSED`, `timeout`, `HTTP 200`, ...
    pub result: String,
    /// Records (presentation format) or other lines of data.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
    /// The DNS error behind `result`, re-rendered in the report's language by
    /// [`Finding::localize`].
    #[serde(skip)]
    pub dns_error: Option<DnsError>,
    /// `query`, `result` and `records` as texts, re-rendered in the report's language by
    /// [`Finding::localize`] (evidence that is not a DNS answer: trust anchors, the SPF tree).
    #[serde(skip)]
    pub local: Option<Box<LocalEvidence>>,
}

/// The language-dependent texts of an [`Evidence`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalEvidence {
    /// The query or action.
    pub query: LocalArg,
    /// The outcome.
    pub result: LocalArg,
    /// The lines of data.
    pub records: Vec<LocalArg>,
}

impl Evidence {
    /// Evidence from a successful lookup.
    pub fn answer<T>(query: impl Into<String>, a: &Answer<T>) -> Self {
        let mut records: Vec<String> = a.cnames.iter().map(Rr::to_string).collect();
        records.extend(a.rrs.iter().map(Rr::to_string));
        Self {
            query: query.into(),
            server: Some(a.server.to_string()),
            result: if a.authenticated {
                "NOERROR (AD)".into()
            } else {
                "NOERROR".into()
            },
            records,
            dns_error: None,
            local: None,
        }
    }

    /// Evidence from a failed lookup.
    pub fn error(query: impl Into<String>, e: &DnsError) -> Self {
        let result = i18n::dns_result(Lang::En, e);
        let server = e.server().map(|s| s.to_string()).or_else(|| match e {
            DnsError::Timeout { servers, .. } => Some(
                servers
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            _ => None,
        });
        Self {
            query: query.into(),
            server,
            result,
            records: Vec::new(),
            dns_error: Some(e.clone()),
            local: None,
        }
    }

    /// Evidence from a lookup result, whichever it was.
    pub fn lookup<T>(query: impl Into<String>, r: &Result<Answer<T>, DnsError>) -> Self {
        match r {
            Ok(a) => Self::answer(query, a),
            Err(e) => Self::error(query, e),
        }
    }

    /// Free-form evidence (HTTP fetches, computed values).
    pub fn note(query: impl Into<String>, result: impl Into<String>, records: Vec<String>) -> Self {
        Self {
            query: query.into(),
            server: None,
            result: result.into(),
            records,
            dns_error: None,
            local: None,
        }
    }

    /// Free-form evidence whose texts depend on the language (English until
    /// [`Finding::localize`] runs).
    pub fn local(query: LocalArg, result: LocalArg, records: Vec<LocalArg>) -> Self {
        Self {
            query: query.render(Lang::En),
            server: None,
            result: result.render(Lang::En),
            records: records.iter().map(|r| r.render(Lang::En)).collect(),
            dns_error: None,
            local: Some(Box::new(LocalEvidence {
                query,
                result,
                records,
            })),
        }
    }

    /// Evidence from a whole response (any response code), e.g. of a direct query.
    pub fn response(query: impl Into<String>, r: &Response) -> Self {
        Self {
            query: query.into(),
            server: Some(r.server.to_string()),
            result: if r.authenticated {
                format!("{} (AD)", r.rcode)
            } else {
                r.rcode.clone()
            },
            records: r
                .answers
                .iter()
                .chain(r.authorities.iter().filter(|x| {
                    matches!(
                        x.record_type(),
                        RecordType::NSEC | RecordType::NSEC3 | RecordType::SOA
                    )
                }))
                .map(|x| Rr::from_record(x).to_string())
                .collect(),
            dns_error: None,
            local: None,
        }
    }

    /// With the server set.
    pub fn with_server(mut self, server: impl Into<String>) -> Self {
        self.server = Some(server.into());
        self
    }
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable id (`mx.null-mixed`); the list is in docs/check-findings.md.
    pub id: &'static str,
    /// Area (derived from the id).
    pub area: Area,
    /// Severity.
    pub severity: Severity,
    /// What it is about (a host, a selector, a term), when not the domain itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// One-line summary (localised).
    pub title: String,
    /// What it means and why it matters (localised).
    pub explanation: String,
    /// What to do (localised); absent for `ok` findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The DNS answers (or HTTP fetches) behind the finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Named values used in the texts (also useful to machines).
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "ser_args")]
    pub args: Vec<(String, String)>,
    /// Arguments whose text depends on the language (DNS errors, DNSSEC reasons): rendered
    /// into `args` by [`Finding::localize`].
    #[serde(skip)]
    pub local_args: Vec<(String, LocalArg)>,
}

/// An argument rendered in the report's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalArg {
    /// A DNS error in words (`dns-error-*` messages).
    Dns(DnsError),
    /// Another message of the check's Fluent files, with its own arguments.
    Text {
        /// Finding-style id of the message (`dnssec.why`).
        id: &'static str,
        /// Its arguments.
        args: Vec<(String, String)>,
    },
    /// A message with arguments of which some are in the report's language too.
    Nested {
        /// Finding-style id of the message.
        id: &'static str,
        /// Its plain arguments.
        args: Vec<(String, String)>,
        /// Its arguments in the report's language.
        local: Vec<(String, LocalArg)>,
    },
    /// Text that reads the same in every language (a path, a value).
    Plain(String),
}

impl LocalArg {
    /// The message `id` (finding-style) with plain arguments.
    pub fn text(id: &'static str, args: &[(&str, String)]) -> Self {
        Self::Text {
            id,
            args: args
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect(),
        }
    }

    /// The text in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Self::Dns(e) => i18n::dns_error(lang, e),
            Self::Text { id, args } => i18n::texts(lang, id, args).title,
            Self::Nested { id, args, local } => {
                let mut all = args.clone();
                all.extend(local.iter().map(|(k, v)| (k.clone(), v.render(lang))));
                i18n::texts(lang, id, &all).title
            }
            Self::Plain(s) => s.clone(),
        }
    }
}

fn ser_args<S: serde::Serializer>(args: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(args.len()))?;
    for (k, v) in args {
        m.serialize_entry(k, v)?;
    }
    m.end()
}

impl Finding {
    /// A finding with no text yet (see [`Finding::localize`]).
    pub fn new(id: &'static str, severity: Severity) -> Self {
        Self {
            id,
            area: Area::of_id(id),
            severity,
            subject: None,
            title: String::new(),
            explanation: String::new(),
            fix: None,
            evidence: Vec::new(),
            args: Vec::new(),
            local_args: Vec::new(),
        }
    }

    /// Adds an argument whose text depends on the language (see [`LocalArg`]); it reads in
    /// English until [`Finding::localize`] runs.
    pub fn local_arg(mut self, k: &str, v: LocalArg) -> Self {
        self.args.push((k.to_string(), v.render(Lang::En)));
        self.local_args.push((k.to_string(), v));
        self
    }

    /// Adds a DNS error as the argument `k`, in words in the report's language, and its
    /// stable code as `k_code` (`nxdomain`, `timeout`, ...).
    pub fn dns_error(self, k: &str, e: &DnsError) -> Self {
        self.arg(&format!("{k}_code"), e.code())
            .local_arg(k, LocalArg::Dns(e.clone()))
    }

    /// Adds a named value for the texts.
    pub fn arg(mut self, k: &str, v: impl ToString) -> Self {
        self.args.push((k.to_string(), v.to_string()));
        self
    }

    /// Sets the subject (also available to the texts as `$subject`).
    pub fn subject(mut self, s: impl Into<String>) -> Self {
        let s = s.into();
        self.args.push(("subject".into(), s.clone()));
        self.subject = Some(s);
        self
    }

    /// Adds evidence.
    pub fn evidence(mut self, e: Evidence) -> Self {
        self.evidence.push(e);
        self
    }

    /// Adds several pieces of evidence.
    pub fn evidences(mut self, e: impl IntoIterator<Item = Evidence>) -> Self {
        self.evidence.extend(e);
        self
    }

    /// The value of an argument.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }

    /// Fills title, explanation and fix in `lang` from the Fluent messages (and the
    /// language-dependent arguments and evidence results).
    pub fn localize(&mut self, lang: Lang, domain: &str) {
        for (k, v) in &self.local_args {
            let text = v.render(lang);
            if let Some(slot) = self.args.iter_mut().find(|(n, _)| n == k) {
                slot.1 = text;
            }
        }
        for e in &mut self.evidence {
            if let Some(err) = &e.dns_error {
                e.result = i18n::dns_result(lang, err);
            }
            if let Some(l) = &e.local {
                e.query = l.query.render(lang);
                e.result = l.result.render(lang);
                e.records = l.records.iter().map(|r| r.render(lang)).collect();
            }
        }
        let mut args = self.args.clone();
        if !args.iter().any(|(k, _)| k == "domain") {
            args.push(("domain".into(), domain.to_string()));
        }
        let t = i18n::texts(lang, self.id, &args);
        self.title = t.title;
        self.explanation = t.explanation;
        self.fix = if self.severity == Severity::Ok {
            None
        } else {
            t.fix
        };
    }
}
