//! Explanations in plain words (English and Spanish): what happened, temporary or permanent,
//! the reason, likely causes ranked, what the sender can do, what the mail administrator can do
//! (each naming the `mailway` command that checks it), and notes about the provider and the MTA
//! that wrote the bounce.
//!
//! Texts are Fluent messages in `locales/<lang>/*.ftl`; which causes and actions apply to which
//! reason or topic is data in `data/explain.toml`. The output [`Explanation`] serialises to the
//! stable JSON schema documented in `docs/explain-json.md` (schema id [`SCHEMA`]).
//!
//! ```
//! use mailway_status::explain::{explain_text, Lang};
//!
//! let e = explain_text("450 4.2.1 Recipient address rejected: Greylisted, try again in 300 seconds", Lang::Es);
//! assert_eq!(e.temporality, mailway_status::Temporality::Transient);
//! assert!(e.summary.iter().any(|s| s.contains("Lista gris")));
//! assert!(e.retry.is_some());
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};

use crate::{
    Classification, Context, DataError, DsnAction, EnhancedStatus, Reason, Reply, SmtpCommand,
    Temporality,
};

/// The JSON schema identifier of explain output (see `docs/explain-json.md`).
pub const SCHEMA: &str = "mailway.explain/1";

/// A language explanations can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Spanish.
    Es,
}

impl Lang {
    /// All supported languages.
    pub const ALL: &'static [Lang] = &[Lang::En, Lang::Es];

    /// The language code (`en`, `es`).
    pub fn code(&self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language of a POSIX locale value (`es_ES.UTF-8`, `es`, `en_GB`, `C`): `es*` → Spanish,
    /// anything else that names a language → English. `None` for an empty value.
    pub fn from_locale(value: &str) -> Option<Lang> {
        let v = value.trim();
        if v.is_empty() {
            return None;
        }
        let lang = v
            .split(['_', '.', '@', '-'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        Some(if lang == "es" { Lang::Es } else { Lang::En })
    }

    /// The language from the usual environment variables, in POSIX precedence: `LC_ALL`, then
    /// `LC_MESSAGES`, then `LANG`; the first non-empty one decides. Pass their values (the
    /// caller reads the environment; this crate does no I/O).
    pub fn from_env_values(
        lc_all: Option<&str>,
        lc_messages: Option<&str>,
        lang: Option<&str>,
    ) -> Lang {
        [lc_all, lc_messages, lang]
            .into_iter()
            .flatten()
            .find_map(Lang::from_locale)
            .unwrap_or_default()
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Error for an unsupported language name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported language {0:?} (supported: en, es)")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let l = s
            .trim()
            .split(['_', '.', '-'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match l.as_str() {
            "en" | "english" => Ok(Lang::En),
            "es" | "spanish" | "español" | "espanol" => Ok(Lang::Es),
            _ => Err(UnknownLang(s.to_string())),
        }
    }
}

// ------------------------------------------------------------------------------------------
// Texts (Fluent)

const FTL: &[(Lang, &str, &str)] = &[
    (
        Lang::En,
        "en/explain.ftl",
        include_str!("../locales/en/explain.ftl"),
    ),
    (
        Lang::En,
        "en/providers.ftl",
        include_str!("../locales/en/providers.ftl"),
    ),
    (
        Lang::En,
        "en/status.ftl",
        include_str!("../locales/en/status.ftl"),
    ),
    (
        Lang::Es,
        "es/explain.ftl",
        include_str!("../locales/es/explain.ftl"),
    ),
    (
        Lang::Es,
        "es/providers.ftl",
        include_str!("../locales/es/providers.ftl"),
    ),
    (
        Lang::Es,
        "es/status.ftl",
        include_str!("../locales/es/status.ftl"),
    ),
];

struct Texts {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

fn build_texts() -> Result<Texts, DataError> {
    let mut bundles = Vec::new();
    for lang in Lang::ALL {
        let id: unic_langid::LanguageIdentifier =
            lang.code().parse().map_err(|_| DataError::Toml {
                file: "locales".into(),
                message: format!("bad language id {}", lang.code()),
            })?;
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        bundle.set_use_isolating(false);
        for (l, name, src) in FTL.iter().filter(|(l, _, _)| l == lang) {
            let _ = l;
            let res =
                FluentResource::try_new(src.to_string()).map_err(|(_, errs)| DataError::Toml {
                    file: name.to_string(),
                    message: format!("{errs:?}"),
                })?;
            bundle.add_resource(res).map_err(|errs| DataError::Toml {
                file: name.to_string(),
                message: format!("{errs:?}"),
            })?;
        }
        bundles.push((*lang, bundle));
    }
    Ok(Texts { bundles })
}

static TEXTS: LazyLock<Texts> = LazyLock::new(|| {
    build_texts().unwrap_or(Texts {
        bundles: Vec::new(),
    })
});

impl Texts {
    fn bundle(&self, lang: Lang) -> Option<&FluentBundle<FluentResource>> {
        self.bundles
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, b)| b)
    }

    fn get(&self, lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
        let b = self.bundle(lang)?;
        let msg = b.get_message(id)?;
        let pattern = msg.value()?;
        let mut errors = Vec::new();
        Some(b.format_pattern(pattern, args, &mut errors).into_owned())
    }
}

/// A localised text by Fluent id, falling back to English, then to the id itself.
pub fn text(lang: Lang, id: &str) -> String {
    text_with(lang, id, &[])
}

/// A localised text with arguments (`{ $name }` placeholders).
pub fn text_with(lang: Lang, id: &str, args: &[(&str, &str)]) -> String {
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        fa.set(*k, FluentValue::from(v.to_string()));
    }
    let fa = if args.is_empty() { None } else { Some(&fa) };
    TEXTS
        .get(lang, id, fa)
        .or_else(|| TEXTS.get(Lang::En, id, fa))
        .unwrap_or_else(|| id.to_string())
}

/// A localised text with a numeric argument (for plural selection).
pub fn text_count(lang: Lang, id: &str, name: &str, count: usize) -> String {
    let mut fa = FluentArgs::new();
    fa.set(name, FluentValue::from(count));
    TEXTS
        .get(lang, id, Some(&fa))
        .or_else(|| TEXTS.get(Lang::En, id, Some(&fa)))
        .unwrap_or_else(|| id.to_string())
}

fn has_text(lang: Lang, id: &str) -> bool {
    TEXTS.bundle(lang).is_some_and(|b| b.has_message(id))
}

// ------------------------------------------------------------------------------------------
// Data: which causes and actions go with which reason / topic

const EXPLAIN_TOML: &str = include_str!("../data/explain.toml");

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Advice {
    #[serde(default)]
    replace_summary: bool,
    #[serde(default)]
    causes: Vec<String>,
    #[serde(default)]
    sender: Vec<String>,
    #[serde(default)]
    admin: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdviceFile {
    #[serde(default)]
    admin_command: BTreeMap<String, String>,
    #[serde(default)]
    topic: BTreeMap<String, Advice>,
    #[serde(default)]
    reason: BTreeMap<String, Advice>,
}

fn load_advice() -> Result<AdviceFile, DataError> {
    toml::from_str(EXPLAIN_TOML).map_err(|e| DataError::Toml {
        file: "explain.toml".into(),
        message: e.to_string(),
    })
}

static ADVICE: LazyLock<AdviceFile> = LazyLock::new(|| load_advice().unwrap_or_default());

/// Checks the explanation data and texts: explain.toml parses; every reason has advice; every
/// id it names has a text in every language; every English message exists in Spanish and vice
/// versa; every registry code has a Spanish title and meaning; every provider note has a text.
pub(crate) fn check_data() -> Result<(), DataError> {
    let bad = |what: &str, message: String| DataError::Rule {
        file: "locales / explain.toml".into(),
        rule: what.to_string(),
        message,
    };
    let advice = load_advice()?;
    let texts = build_texts()?;
    for r in Reason::ALL {
        if !advice.reason.contains_key(r.as_str()) {
            return Err(bad(
                r.as_str(),
                "reason has no [reason.*] entry in explain.toml".into(),
            ));
        }
    }
    let sections = advice.reason.iter().chain(advice.topic.iter());
    for (name, a) in sections {
        let ids = a
            .causes
            .iter()
            .map(|c| format!("cause-{c}"))
            .chain(a.sender.iter().map(|c| format!("sender-{c}")))
            .chain(a.admin.iter().map(|c| format!("admin-{c}")));
        for id in ids {
            for lang in Lang::ALL {
                if texts.get(*lang, &id, None).is_none() {
                    return Err(bad(name, format!("no text {id:?} in {lang}")));
                }
            }
        }
    }
    for r in Reason::ALL {
        for suffix in ["title", "summary"] {
            let id = format!("reason-{}-{suffix}", r.as_str());
            for lang in Lang::ALL {
                if texts.get(*lang, &id, None).is_none() {
                    return Err(bad(r.as_str(), format!("no text {id:?} in {lang}")));
                }
            }
        }
    }
    // The same message ids in every language, file by file (status.ftl: es has more).
    let ids_of = |src: &str| -> Vec<String> {
        src.lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_string()))
            .collect()
    };
    for file in ["explain.ftl", "providers.ftl"] {
        let en = FTL
            .iter()
            .find(|(l, n, _)| *l == Lang::En && n.ends_with(file))
            .map(|x| ids_of(x.2));
        let es = FTL
            .iter()
            .find(|(l, n, _)| *l == Lang::Es && n.ends_with(file))
            .map(|x| ids_of(x.2));
        let (Some(en), Some(es)) = (en, es) else {
            return Err(bad(file, "missing in a language".into()));
        };
        for id in &en {
            if !es.contains(id) {
                return Err(bad(file, format!("{id:?} is in en but not in es")));
            }
        }
        for id in &es {
            if !en.contains(id) {
                return Err(bad(file, format!("{id:?} is in es but not in en")));
            }
        }
    }
    let reg = crate::registry::Registry::load()?;
    for e in &reg.codes {
        for suffix in ["title", "meaning"] {
            let id = format!("status-{}-{suffix}", e.code.replace('.', "-"));
            if texts.get(Lang::Es, &id, None).is_none() {
                return Err(bad(&e.code, format!("no Spanish text {id:?}")));
            }
        }
    }
    let providers = crate::provider::Providers::load()?;
    for p in &providers.list {
        for n in &p.notes {
            let id = format!("provider-{}", n.key);
            for lang in Lang::ALL {
                if texts.get(*lang, &id, None).is_none() {
                    return Err(bad(&p.id, format!("no text {id:?} in {lang}")));
                }
            }
        }
    }
    for e in crate::emitter::emitters() {
        for lang in Lang::ALL {
            let id = format!("emitter-{}-expiry", e.id);
            if texts.get(*lang, &id, None).is_none() {
                return Err(bad(&e.id, format!("no text {id:?} in {lang}")));
            }
        }
        if e.queue_lifetime.is_empty() && e.sends_447 {
            return Err(bad(
                &e.id,
                "an MTA that sends 4.4.7 needs a queue_lifetime".into(),
            ));
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// The explanation

/// One cause or action in an explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Stable identifier (`dest-down`, `check-mx`, ...).
    pub id: String,
    /// The text, in the explanation's language.
    pub text: String,
    /// The `mailway` command that checks it (admin actions only, when one exists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

/// A provider recognised in the reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderRef {
    /// Provider id (`google`, `microsoft`, ...).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Its page for senders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postmaster: Option<String>,
}

/// The MTA that wrote the bounce, when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmitterRef {
    /// MTA id (`postfix`, `exim`, `sendmail`, `exchange`, `office365`, ...).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether this MTA ever writes 4.4.7 itself.
    pub sends_447: bool,
    /// Its default queue lifetime (e.g. `5days`).
    pub queue_lifetime: String,
}

/// An explanation of one SMTP reply, status code, or bounce recipient. The JSON form is the
/// stable schema documented in `docs/explain-json.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// Language of the texts (`en`, `es`).
    pub lang: Lang,
    /// What was explained (the reply text or code as given, or the bounce's diagnostic text).
    pub input: String,
    /// The recipient, when explaining a bounce.
    pub recipient: Option<String>,
    /// The basic SMTP reply code.
    pub reply_code: Option<u16>,
    /// What the basic reply code means (RFC 5321), in English.
    pub reply_code_meaning: Option<String>,
    /// The enhanced status code (`4.4.7`).
    pub status: Option<EnhancedStatus>,
    /// The status code's registry title, localised.
    pub status_title: Option<String>,
    /// What the status code means, localised.
    pub status_meaning: Option<String>,
    /// The document that registered the status code (`RFC 3463`).
    pub status_reference: Option<String>,
    /// False for codes not in the IANA registry (provider codes such as 4.4.316).
    pub status_registered: bool,
    /// The SMTP command the reply answered.
    pub command: Option<SmtpCommand>,
    /// Temporary, permanent, success, or unknown (from the codes).
    pub temporality: Temporality,
    /// True when the sending server has given up (a final bounce): no more retries.
    pub gave_up: bool,
    /// True when the sending server is still retrying (a delay warning or a temporary reply).
    pub still_retrying: bool,
    /// Hard bounce: the address will not work; do not retry it.
    pub hard_bounce: bool,
    /// The reason (Sisimai's vocabulary).
    pub reason: Reason,
    /// The reason in words, localised.
    pub reason_title: String,
    /// An explanation topic more specific than the reason (`greylisting`, `expired`, ...).
    pub topic: Option<String>,
    /// The classification rule that decided (evidence).
    pub rule: String,
    /// The provider recognised, if any.
    pub provider: Option<ProviderRef>,
    /// The MTA that wrote the bounce, if known.
    pub reported_by: Option<EmitterRef>,
    /// What happened, in one to three sentences.
    pub summary: Vec<String>,
    /// Temporary or permanent, in words.
    pub temporality_text: String,
    /// For a temporary error or a delay: how the sending server keeps retrying.
    pub retry: Option<String>,
    /// Likely causes, most likely first.
    pub causes: Vec<Item>,
    /// What the sender can do.
    pub sender_actions: Vec<Item>,
    /// What the mail administrator can do, each with the `mailway` command that checks it.
    pub admin_actions: Vec<Item>,
    /// Provider- and MTA-specific notes.
    pub notes: Vec<Item>,
}

/// Everything known about one thing to explain. Build with [`ExplainInput::new`] and set the
/// public fields that are known.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExplainInput<'a> {
    /// The reply (parsed).
    pub reply: &'a Reply,
    /// What was given, for the `input` field (defaults to the reply text).
    pub raw: Option<&'a str>,
    /// Classification context (DSN action, remote host, recipient domain, preset reason).
    pub context: Context,
    /// A classification made elsewhere (e.g. by bounce analysis); computed when `None`.
    pub classification: Option<Classification>,
    /// The MTA family that wrote the bounce (a bounce detector name like `postfix`).
    pub mta: Option<&'a str>,
    /// The recipient address.
    pub recipient: Option<&'a str>,
    /// The DSN `Will-Retry-Until` value, when given.
    pub will_retry_until: Option<&'a str>,
    /// The bounce file being explained (for `mailway doctor FILE`).
    pub file: Option<&'a str>,
    /// The queue id of the original message, when known.
    pub queue_id: Option<&'a str>,
    /// The sender's domain, when known.
    pub sender_domain: Option<&'a str>,
}

impl<'a> ExplainInput<'a> {
    /// An input with only the reply known.
    pub fn new(reply: &'a Reply) -> Self {
        Self {
            reply,
            raw: None,
            context: Context::default(),
            classification: None,
            mta: None,
            recipient: None,
            will_retry_until: None,
            file: None,
            queue_id: None,
            sender_domain: None,
        }
    }
}

/// Reasons for which the provider's postmaster page is worth showing.
const POSTMASTER_REASONS: &[Reason] = &[
    Reason::Blocked,
    Reason::BadReputation,
    Reason::SpamDetected,
    Reason::AuthFailure,
    Reason::Rejected,
    Reason::RequirePtr,
    Reason::Speeding,
    Reason::TooManyConn,
    Reason::PolicyViolation,
];

/// Explains one reply with what else is known.
pub fn explain(input: &ExplainInput<'_>, lang: Lang) -> Explanation {
    let reply = input.reply;
    let mut ctx = input.context.clone();
    if ctx.recipient_domain.is_none()
        && let Some(r) = input.recipient
    {
        ctx = ctx.with_recipient(r);
    }
    let c = input
        .classification
        .clone()
        .unwrap_or_else(|| crate::classify_with(reply, &ctx));
    let registry = crate::registry::registry();
    let entry = reply.status.and_then(|s| registry.entry(s));
    let (status_title, status_meaning) = match (reply.status, entry) {
        (Some(st), Some(e)) => {
            let key = format!("status-{}", e.code.replace('.', "-"));
            let title = if lang == Lang::En || !has_text(lang, &format!("{key}-title")) {
                e.title.clone()
            } else {
                text(lang, &format!("{key}-title"))
            };
            let meaning = if lang == Lang::En || !has_text(lang, &format!("{key}-meaning")) {
                e.meaning.clone()
            } else {
                text(lang, &format!("{key}-meaning"))
            };
            let _ = st;
            (Some(title), Some(meaning))
        }
        (Some(st), None) => (
            Some(format!(
                "{} / {}",
                text(lang, &format!("status-class-{}", st.class)),
                text(lang, &format!("status-subject-{}", st.subject.min(9)))
            )),
            None,
        ),
        _ => (None, None),
    };

    let action = ctx.action;
    let still_retrying = action == Some(DsnAction::Delayed)
        || (action.is_none() && c.temporality == Temporality::Transient);
    let gave_up = action == Some(DsnAction::Failed)
        || (action.is_none() && c.temporality == Temporality::Permanent);
    let emitter = input.mta.and_then(crate::emitter::emitter);
    let expired_like = c.reason == Reason::Expired
        || reply
            .status
            .is_some_and(|s| s.subject == 4 && s.detail == 7)
        || (action == Some(DsnAction::Failed) && c.temporality == Temporality::Transient);

    // Topic: the classification's, else "expired" for expiries, else none. A delay warning
    // about what would be an expiry is "delayed": nothing has expired yet.
    let mut topic = c
        .topic
        .clone()
        .or_else(|| expired_like.then(|| "expired".to_string()));
    if action == Some(DsnAction::Delayed) && topic.as_deref() == Some("expired") {
        topic = Some("delayed".to_string());
    }
    let delayed_not_failed = topic.as_deref() == Some("delayed");

    // What happened.
    let replace = topic
        .as_ref()
        .and_then(|t| ADVICE.topic.get(t))
        .is_some_and(|a| a.replace_summary);
    let mut summary = Vec::new();
    if !replace {
        summary.push(text(lang, &format!("reason-{}-summary", c.reason.as_str())));
    }
    if let Some(t) = &topic {
        let id = format!("topic-{t}-summary");
        if has_text(lang, &id) || has_text(Lang::En, &id) {
            summary.push(text(lang, &id));
        }
    }

    // Temporary or permanent.
    let temporality_text = if action == Some(DsnAction::Delayed) {
        text(lang, "temp-delayed")
    } else if action == Some(DsnAction::Failed) && c.temporality == Temporality::Transient {
        text(lang, "temp-gave-up")
    } else {
        text(
            lang,
            match c.temporality {
                Temporality::Transient => "temp-transient",
                Temporality::Permanent => "temp-permanent",
                Temporality::Success => "temp-success",
                Temporality::Unknown => "temp-unknown",
            },
        )
    };
    let retry = if still_retrying {
        let mut s = match emitter {
            Some(e) if !e.queue_lifetime.is_empty() => text_with(
                lang,
                "retry-transient-mta",
                &[
                    ("mta", &e.name),
                    ("lifetime", &human_lifetime(&e.queue_lifetime, lang)),
                ],
            ),
            _ => text(lang, "retry-transient"),
        };
        if let Some(u) = input.will_retry_until.filter(|u| !u.trim().is_empty()) {
            s.push(' ');
            s.push_str(&text_with(lang, "retry-until", &[("until", u.trim())]));
        }
        Some(s)
    } else {
        None
    };

    // Causes and actions.
    let advice = topic
        .as_ref()
        .and_then(|t| ADVICE.topic.get(t))
        .or_else(|| ADVICE.reason.get(c.reason.as_str()))
        .cloned()
        .unwrap_or_default();
    let domain = ctx
        .recipient_domain
        .clone()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "DOMAIN".to_string());
    let fill = |tpl: &str| {
        tpl.replace("{domain}", &domain)
            .replace(
                "{sender_domain}",
                input.sender_domain.unwrap_or("YOUR-DOMAIN"),
            )
            .replace("{file}", input.file.unwrap_or("BOUNCE.eml"))
            .replace("{id}", input.queue_id.unwrap_or("QUEUE-ID"))
    };
    let item = |prefix: &str, id: &str, with_command: bool| Item {
        id: id.to_string(),
        text: text(lang, &format!("{prefix}-{id}")),
        command: if !with_command {
            None
        } else if id == "retry-intervals"
            && let Some(mta) = input.mta
        {
            // Another MTA's retry schedule: `mailway queue why` only knows mailway's own queue.
            // Its logs show the attempts; a hosted provider's schedule is not the reader's.
            match mta {
                "office365" | "gmail" => None,
                _ => ADVICE.admin_command.get("trace-logs").map(|t| fill(t)),
            }
        } else {
            ADVICE.admin_command.get(id).map(|t| fill(t))
        },
    };
    let causes = advice
        .causes
        .iter()
        .map(|i| item("cause", i, false))
        .collect();
    let sender_actions = advice
        .sender
        .iter()
        .map(|i| item("sender", i, false))
        .collect();
    let admin_actions = advice
        .admin
        .iter()
        .map(|i| item("admin", i, true))
        .collect();

    // Notes: provider, MTA, codes.
    let mut notes = Vec::new();
    let provider = c
        .provider
        .as_deref()
        .and_then(|id| crate::provider::providers().get(id));
    if let Some(p) = provider {
        for key in p.notes_for(reply) {
            notes.push(Item {
                id: format!("provider-{key}"),
                text: text(lang, &format!("provider-{key}")),
                command: None,
            });
        }
        if let Some(url) = &p.postmaster
            && POSTMASTER_REASONS.contains(&c.reason)
        {
            notes.push(Item {
                id: "provider-postmaster".into(),
                text: text_with(
                    lang,
                    "provider-postmaster",
                    &[("provider", &p.name), ("url", url)],
                ),
                command: None,
            });
        }
    }
    let is_447 = reply
        .status
        .is_some_and(|s| s.subject == 4 && s.detail == 7);
    let status_str = reply
        .status
        .map(|s| s.to_string())
        .unwrap_or_else(|| "-".into());
    let gave_up_on_expiry = expired_like && !delayed_not_failed;
    match emitter {
        Some(e) if gave_up_on_expiry && has_text(lang, &format!("emitter-{}-expiry", e.id)) => {
            notes.push(Item {
                id: format!("emitter-{}-expiry", e.id),
                text: text_with(
                    lang,
                    &format!("emitter-{}-expiry", e.id),
                    &[("status", &status_str)],
                ),
                command: None,
            });
        }
        Some(e) if !e.sends_447 && gave_up_on_expiry => {
            let n = match reply.status {
                Some(_) => text_with(
                    lang,
                    "emitter-never-447",
                    &[("mta", &e.name), ("status", &status_str)],
                ),
                None => text_with(lang, "emitter-never-447-nostatus", &[("mta", &e.name)]),
            };
            notes.push(Item {
                id: "emitter-never-447".into(),
                text: n,
                command: None,
            });
        }
        Some(e) if e.sends_447 && is_447 => notes.push(Item {
            id: "emitter-sends-447".into(),
            text: text_with(
                lang,
                "emitter-sends-447",
                &[
                    ("mta", &e.name),
                    ("lifetime", &human_lifetime(&e.queue_lifetime, lang)),
                    ("setting", &e.lifetime_setting),
                ],
            ),
            command: None,
        }),
        None if is_447 => notes.push(Item {
            id: "note-447-generic".into(),
            text: text(lang, "note-447-generic"),
            command: None,
        }),
        _ => {}
    }
    if gave_up_on_expiry && !reply.text.trim().is_empty() && input.mta.is_some() {
        notes.push(Item {
            id: "emitter-expired-last-error".into(),
            text: text_with(
                lang,
                "emitter-expired-last-error",
                &[("error", &shorten(&reply.text, 300))],
            ),
            command: None,
        });
    }
    if let Some(st) = reply.status
        && entry.is_none()
        && st.detail > 0
    {
        notes.push(Item {
            id: "note-status-not-registered".into(),
            text: text_with(
                lang,
                "note-status-not-registered",
                &[("status", &st.to_string())],
            ),
            command: None,
        });
    }

    Explanation {
        lang,
        input: input
            .raw
            .map(str::to_string)
            .unwrap_or_else(|| reply.text.clone()),
        recipient: input.recipient.map(str::to_string),
        reply_code: reply.code,
        reply_code_meaning: reply
            .code
            .and_then(|c| registry.reply(c))
            .map(|r| r.title.clone()),
        status: reply.status,
        status_title,
        status_meaning,
        status_reference: entry.map(|e| e.reference.clone()),
        status_registered: entry.is_some(),
        command: reply.command,
        temporality: c.temporality,
        gave_up,
        still_retrying,
        hard_bounce: c.hard_bounce,
        reason: c.reason,
        reason_title: if delayed_not_failed {
            text(lang, "reason-expired-delayed-title")
        } else if let Some(id) = topic
            .as_ref()
            .map(|t| format!("topic-{t}-title"))
            .filter(|id| has_text(lang, id))
        {
            // a topic with its own title says more than the reason's (greylisting is
            // "onhold" in Sisimai's vocabulary, but a user wants to read "greylisting")
            text(lang, &id)
        } else {
            text(lang, &format!("reason-{}-title", c.reason.as_str()))
        },
        topic,
        rule: c.rule.clone(),
        provider: provider.map(|p| ProviderRef {
            id: p.id.clone(),
            name: p.name.clone(),
            postmaster: p.postmaster.clone(),
        }),
        reported_by: emitter.map(|e| EmitterRef {
            id: e.id.clone(),
            name: e.name.clone(),
            sends_447: e.sends_447,
            queue_lifetime: e.queue_lifetime.clone(),
        }),
        summary,
        temporality_text,
        retry,
        causes,
        sender_actions,
        admin_actions,
        notes,
    }
}

/// Parses and explains a reply text (or a bare code).
pub fn explain_text(text: &str, lang: Lang) -> Explanation {
    let reply = crate::parse_reply(text);
    let mut input = ExplainInput::new(&reply);
    input.raw = Some(text);
    explain(&input, lang)
}

/// What a code-only input looks like: `4.4.7`, `5.7.26`, `550`, `550 5.1.1`, `#5.1.1`.
/// Returns the reply it stands for, or `None` when `s` is not just codes.
pub fn parse_code(s: &str) -> Option<Reply> {
    let t = s
        .trim()
        .trim_start_matches('#')
        .trim_matches(['[', ']', '(', ')']);
    if t.is_empty() || t.len() > 16 {
        return None;
    }
    let parts: Vec<&str> = t.split([' ', '-']).filter(|p| !p.is_empty()).collect();
    let mut reply = Reply::default();
    match parts.as_slice() {
        [one] => {
            if let Ok(st) = one.trim_start_matches('#').parse::<EnhancedStatus>() {
                reply.status = Some(st);
            } else if let Ok(c) = one.parse::<u16>() {
                if one.len() != 3 || !crate::is_reply_code(c) {
                    return None;
                }
                reply.code = Some(c);
            } else {
                return None;
            }
        }
        [a, b] => {
            let c: u16 = a
                .parse()
                .ok()
                .filter(|c| a.len() == 3 && crate::is_reply_code(*c))?;
            let st: EnhancedStatus = b.trim_start_matches('#').parse().ok()?;
            reply.code = Some(c);
            reply.status = Some(st);
        }
        _ => return None,
    }
    Some(reply)
}

/// Explains a bare code (`4.4.7`, `550`, `550 5.1.1`); `None` when `s` is not one.
pub fn explain_code(s: &str, lang: Lang) -> Option<Explanation> {
    let reply = parse_code(s)?;
    let mut input = ExplainInput::new(&reply);
    input.raw = Some(s);
    Some(explain(&input, lang))
}

/// A lifetime like `5days` in words of the language (`5 days` / `5 días`).
fn human_lifetime(s: &str, lang: Lang) -> String {
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    let unit = s[digits.len()..].trim().to_ascii_lowercase();
    let n: u64 = digits.parse().unwrap_or(0);
    let (one, many) = match (unit.as_str(), lang) {
        ("d" | "day" | "days", Lang::En) => ("day", "days"),
        ("d" | "day" | "days", Lang::Es) => ("día", "días"),
        ("h" | "hour" | "hours", Lang::En) => ("hour", "hours"),
        ("h" | "hour" | "hours", Lang::Es) => ("hora", "horas"),
        _ => return s.to_string(),
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

fn shorten(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}…")
}

/// The whole output of `mailway explain --json`: one document, one item per explained code,
/// reply or bounce recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Language of the texts.
    pub lang: Lang,
    /// What kind of input: `code`, `reply` or `bounce`.
    pub kind: String,
    /// The input as given (the code, the reply text, or the file path / `-`).
    pub input: String,
    /// One explanation per code, reply or bounce recipient.
    pub items: Vec<Explanation>,
}

impl Report {
    /// A report of `kind` for `input`.
    pub fn new(lang: Lang, kind: &str, input: &str, items: Vec<Explanation>) -> Self {
        Self {
            schema: SCHEMA.to_string(),
            lang,
            kind: kind.to_string(),
            input: input.to_string(),
            items,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_texts_are_complete() {
        if let Err(e) = check_data() {
            panic!("{e}");
        }
    }

    #[test]
    fn languages() {
        assert_eq!(Lang::from_locale("es_ES.UTF-8"), Some(Lang::Es));
        assert_eq!(Lang::from_locale("es"), Some(Lang::Es));
        assert_eq!(Lang::from_locale("en_GB.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::from_locale("C"), Some(Lang::En));
        assert_eq!(Lang::from_locale("fr_FR"), Some(Lang::En));
        assert_eq!(Lang::from_locale(""), None);
        assert_eq!(
            Lang::from_env_values(None, None, Some("es_AR.UTF-8")),
            Lang::Es
        );
        assert_eq!(
            Lang::from_env_values(Some("en_US"), None, Some("es_ES")),
            Lang::En
        );
        assert_eq!(
            Lang::from_env_values(Some(""), Some("es_MX"), Some("en_US")),
            Lang::Es
        );
        assert_eq!(Lang::from_env_values(None, None, None), Lang::En);
        assert_eq!("ES".parse::<Lang>(), Ok(Lang::Es));
        assert!("fr".parse::<Lang>().is_err());
    }

    #[test]
    fn codes() {
        let r = parse_code("4.4.7").unwrap();
        assert_eq!(r.status.unwrap().to_string(), "4.4.7");
        let r = parse_code("550 5.1.1").unwrap();
        assert_eq!(
            (r.code, r.status.unwrap().to_string()),
            (Some(550), "5.1.1".into())
        );
        assert!(parse_code("550-5.1.1").is_some());
        assert!(parse_code("#5.1.1").is_some());
        assert_eq!(parse_code("550").unwrap().code, Some(550));
        assert!(parse_code("user unknown").is_none());
        assert!(parse_code("5500").is_none());
        assert!(parse_code("199").is_none());
        assert!(parse_code("550 5.1.1 user unknown").is_none());
    }

    #[test]
    fn explains_447_in_both_languages() {
        let en = explain_code("4.4.7", Lang::En).unwrap();
        assert_eq!(en.reason, Reason::Expired);
        assert_eq!(en.status_title.as_deref(), Some("Delivery time expired"));
        assert_eq!(en.temporality, Temporality::Transient);
        assert!(en.retry.as_deref().unwrap().contains("1 to 5 days"));
        assert_eq!(en.causes.first().map(|c| c.id.as_str()), Some("dest-down"));
        assert!(
            en.admin_actions
                .iter()
                .any(|a| a.command.as_deref() == Some("mailway check DOMAIN"))
        );
        assert!(en.notes.iter().any(|n| n.id == "note-447-generic"));
        let es = explain_code("4.4.7", Lang::Es).unwrap();
        assert_eq!(
            es.status_title.as_deref(),
            Some("Tiempo de entrega agotado")
        );
        assert!(es.retry.as_deref().unwrap().contains("1 a 5 días"));
        assert_eq!(es.causes.len(), en.causes.len());
        assert_ne!(es.causes[0].text, en.causes[0].text);
    }

    #[test]
    fn postfix_expiry_names_the_real_cause() {
        let reply =
            crate::parse_reply("connect to mx.example.org[192.0.2.25]:25: Connection timed out");
        let mut reply = reply;
        reply.status = Some("4.4.1".parse().unwrap());
        let mut input = ExplainInput::new(&reply);
        input.context = Context::new().with_action(DsnAction::Failed);
        input.mta = Some("postfix");
        input.recipient = Some("ana@example.org");
        let e = explain(&input, Lang::En);
        assert!(e.gave_up && !e.still_retrying);
        assert_eq!(e.reason, Reason::Expired);
        assert!(e.temporality_text.contains("given up"));
        assert!(
            e.notes
                .iter()
                .any(|n| n.id == "emitter-postfix-expiry" && n.text.contains("4.4.1"))
        );
        assert!(
            e.admin_actions
                .iter()
                .any(|a| a.command.as_deref() == Some("mailway check example.org"))
        );
        assert_eq!(e.reported_by.as_ref().map(|r| r.sends_447), Some(false));
        // Postfix's retry schedule is read in its logs, not in mailway's own queue
        let retry = |e: &Explanation| {
            e.admin_actions
                .iter()
                .find(|a| a.id == "retry-intervals")
                .map(|a| a.command.clone())
        };
        input.queue_id = Some("4F2A81C0D3");
        let e = explain(&input, Lang::En);
        assert_eq!(
            retry(&e),
            Some(Some("mailway logs trace 4F2A81C0D3".to_string()))
        );
        input.mta = Some("office365");
        assert_eq!(retry(&explain(&input, Lang::En)), Some(None));
        input.mta = None;
        assert_eq!(
            retry(&explain(&input, Lang::En)),
            Some(Some("mailway queue why 4F2A81C0D3".to_string()))
        );
    }

    #[test]
    fn unregistered_provider_code() {
        let e = explain_text(
            "450 4.4.316 Connection refused [Message=Socket error code 10061] [x.prod.outlook.com]",
            Lang::Es,
        );
        assert!(!e.status_registered);
        assert!(e.notes.iter().any(|n| n.id == "provider-ms-4316"));
        assert!(e.notes.iter().any(|n| n.id == "note-status-not-registered"));
        assert_eq!(
            e.provider.as_ref().map(|p| p.id.as_str()),
            Some("microsoft")
        );
    }

    #[test]
    fn json_round_trip() {
        let e = explain_text("550 5.1.1 user unknown", Lang::En);
        let report = Report::new(Lang::En, "reply", "550 5.1.1 user unknown", vec![e]);
        let json = serde_json::to_string(&report).unwrap();
        let back: Report = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["schema"], SCHEMA);
        assert_eq!(v["items"][0]["reason"], "userunknown");
        assert_eq!(v["items"][0]["status"], "5.1.1");
        assert_eq!(v["items"][0]["hard_bounce"], true);
        assert_eq!(v["items"][0]["temporality"], "permanent");
    }
}
