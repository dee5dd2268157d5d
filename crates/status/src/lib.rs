//! SMTP replies and enhanced status codes: parse, classify, explain.
//!
//! Pure: no I/O, no clock. This crate is the shared vocabulary of mailway: bounces, logs, probes
//! and the relay all classify SMTP replies through [`classify`].
//!
//! # Brief overview
//!
//! * [`parse_reply`] turns anything that holds an SMTP reply — a raw multi-line reply
//!   (`550-5.1.1 ...`), a DSN `Diagnostic-Code:` (`smtp; 550 5.1.1 ...`), a Postfix sentence
//!   (`host mx[1.2.3.4] said: 450 4.2.1 ... (in reply to RCPT TO command)`), an Exim one
//!   (`SMTP error from remote mail server after RCPT TO:<..>: 550 ...`), a Sendmail transcript —
//!   into a [`Reply`]: basic code, enhanced status (found anywhere: `#5.1.1`, `[5.7.1]`), text and
//!   the SMTP command it answered.
//! * [`classify`] / [`classify_with`] give a [`Classification`]: the reason (Sisimai's vocabulary,
//!   [`Reason`]), temporary or permanent, hard or soft bounce, the rule that decided, the provider
//!   recognised and an explanation topic.
//! * [`registry`](mod@registry) is the IANA enhanced status code registry; [`provider`] the mailbox providers
//!   (Gmail, Microsoft 365, Yahoo, ...); [`emitter`](mod@emitter) which MTA emits what (Postfix and Exim never
//!   write 4.4.7); [`explain`] turns all of it into plain words in English or Spanish.
//!
//! # Knowledge is data
//!
//! Everything this crate knows lives in `crates/status/data/*.toml` and
//! `crates/status/locales/{en,es}/*.ftl`, embedded at compile time and parsed once:
//!
//! | file | what |
//! |---|---|
//! | `data/registry.toml` | the IANA registry (every X.s.d code, title, meaning, reference) and the basic reply codes |
//! | `data/rules.toml` | classification rules: phrases / regexes / status / code / command / DSN action → reason |
//! | `data/providers.toml` | providers: host and domain suffixes, marker phrases, provider-specific notes |
//! | `data/emitters.toml` | sending MTAs: whether they write 4.4.7, their queue lifetimes and settings |
//! | `data/explain.toml` | per reason and topic: ranked causes, what the sender and the admin can do |
//!
//! ## The rules file format (for contributors, e.g. the bounce corpus work)
//!
//! `rules.toml` has four tables evaluated in this order: `[[primary]]` (first match wins), then
//! `[[status]]` (what a status code means on its own; when its reason is "vague" — see
//! `[reasons].vague` — the `[[secondary]]` text rules get a chance first), then `[[fallback]]`.
//! Each rule is:
//!
//! ```toml
//! [[primary]]
//! id = "google-nosuchuser"        # unique; reported as Classification::rule
//! reason = "userunknown"           # a Reason name
//! text = ["the email account that you tried to reach does not exist"]  # any phrase (case-insensitive,
//!                                  # whitespace-collapsed) ...
//! regex = ['user .{1,80} unknown'] # ... or any regex on the same text (ASCII \b \d, `.` any byte)
//! status = ["5.1.1", "x.7.606-649", "4.4.*"]   # optional: enhanced status patterns
//! code = ["550", "55x"]            # optional: basic reply code patterns
//! class = [5]                      # optional: 2, 4 or 5
//! command = ["RCPT"]               # optional: the SMTP command answered; not_command = [...]
//! action = ["delayed"]             # optional: the DSN Action
//! no_action = true                # optional: only for live replies (no DSN Action known:
//!                                  # log lines, probes, `explain TEXT`), not bounce records
//! unless = ["sender address rejected"]   # optional: vetoing phrases
//! unless_reason = ["blocked"]      # optional: veto when a text rule of these reasons matched
//! provider = "google"              # optional; provider_only = true limits it to that provider
//! topic = "greylisting"            # optional: explanation topic more specific than the reason
//! ```
//!
//! Additions are welcome (keep ids unique, put specific rules above the generic ones they must
//! beat) and are checked by `cargo test -p mailway-status`. Extra rule files can also be
//! loaded at run time with [`Classifier::with_rules`].
//!
//! # Example
//!
//! ```
//! use mailway_status::{classify_text, parse_reply, Reason, SmtpCommand, Temporality};
//!
//! let r = parse_reply("host mx.example.org[192.0.2.1] said: 450 4.2.1 <bob@example.org>: \
//!     Recipient address rejected: Greylisted, see https://postgrey.example/ (in reply to RCPT TO command)");
//! assert_eq!(r.code, Some(450));
//! assert_eq!(r.status.unwrap().to_string(), "4.2.1");
//! assert_eq!(r.command, Some(SmtpCommand::Rcpt));
//!
//! let c = mailway_status::classify(&r);
//! assert_eq!(c.temporality, Temporality::Transient);
//! assert_eq!(c.topic.as_deref(), Some("greylisting"));
//! assert!(!c.hard_bounce);
//!
//! let c = classify_text("550 5.1.1 The email account that you tried to reach does not exist. gsmtp");
//! assert_eq!(c.reason, Reason::UserUnknown);
//! assert!(c.hard_bounce);
//! assert_eq!(c.provider.as_deref(), Some("google"));
//! ```
//!
//! Parsing and classification never panic, whatever the input (they are fuzzed).

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

pub mod emitter;
pub mod explain;
pub mod fnv;

mod parse;
pub mod provider;
pub mod registry;
mod rules;

pub use emitter::{Emitter, detect_emitter, emitter, emitters};
pub use parse::{find_command, is_reply_code};
pub use provider::{Provider, providers};
pub use registry::{RegistryEntry, lookup, registry};

/// An error in the built-in or a user-supplied data file (rules, registry, providers, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The file is not valid TOML or does not have the expected shape.
    #[error("{file}: {message}")]
    Toml {
        /// Which file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// One entry of the file is wrong.
    #[error("{file}: rule {rule:?}: {message}")]
    Rule {
        /// Which file.
        file: String,
        /// Which rule / entry.
        rule: String,
        /// What is wrong.
        message: String,
    },
}

/// An RFC 3463 enhanced status code `class.subject.detail`, e.g. `4.4.7`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnhancedStatus {
    /// 2 (success), 4 (persistent transient failure) or 5 (permanent failure).
    pub class: u8,
    /// Subject, 0..=999.
    pub subject: u16,
    /// Detail, 0..=999.
    pub detail: u16,
}

impl EnhancedStatus {
    /// Builds a code from its three parts.
    pub const fn new(class: u8, subject: u16, detail: u16) -> Self {
        Self {
            class,
            subject,
            detail,
        }
    }

    /// True for class 4 (transient).
    pub fn is_transient(&self) -> bool {
        self.class == 4
    }

    /// True for class 5 (permanent).
    pub fn is_permanent(&self) -> bool {
        self.class == 5
    }
}

impl fmt::Display for EnhancedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// Error returned when a string is not an enhanced status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an enhanced status code: {0:?}")]
pub struct ParseStatusError(pub String);

impl FromStr for EnhancedStatus {
    type Err = ParseStatusError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseStatusError(s.to_string());
        let mut it = s.trim().split('.');
        let class: u8 = it.next().ok_or_else(err)?.parse().map_err(|_| err())?;
        let subject: u16 = it.next().ok_or_else(err)?.parse().map_err(|_| err())?;
        let detail: u16 = it.next().ok_or_else(err)?.parse().map_err(|_| err())?;
        if it.next().is_some() || !matches!(class, 2 | 4 | 5) || subject > 999 || detail > 999 {
            return Err(err());
        }
        Ok(Self::new(class, subject, detail))
    }
}

impl Serialize for EnhancedStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EnhancedStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The SMTP command a reply answered, when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum SmtpCommand {
    /// The greeting after connect.
    Connect,
    Helo,
    Ehlo,
    Starttls,
    Auth,
    Mail,
    Rcpt,
    Data,
    Bdat,
    /// The reply to the final `.` of DATA ("end of data").
    #[serde(rename = "DATA-END")]
    DataEnd,
    Rset,
    Quit,
}

impl SmtpCommand {
    /// Canonical upper-case name (`RCPT`, `DATA`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Connect => "CONNECT",
            Self::Helo => "HELO",
            Self::Ehlo => "EHLO",
            Self::Starttls => "STARTTLS",
            Self::Auth => "AUTH",
            Self::Mail => "MAIL",
            Self::Rcpt => "RCPT",
            Self::Data => "DATA",
            Self::Bdat => "BDAT",
            Self::DataEnd => "DATA-END",
            Self::Rset => "RSET",
            Self::Quit => "QUIT",
        }
    }
}

impl fmt::Display for SmtpCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed SMTP reply (possibly multi-line), or any free text that may hold codes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reply {
    /// The three-digit basic reply code, when present.
    pub code: Option<u16>,
    /// The enhanced status code, when present anywhere in the text.
    pub status: Option<EnhancedStatus>,
    /// The reply text with codes and continuation markers removed, lines joined by a space.
    pub text: String,
    /// The command this reply answered, when known.
    pub command: Option<SmtpCommand>,
}

/// Why a message was not delivered: the reason vocabulary established by Sisimai.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Reason {
    Delivered,
    Feedback,
    Vacation,
    UserUnknown,
    MailboxFull,
    Expired,
    Blocked,
    SpamDetected,
    TooManyConn,
    Speeding,
    AuthFailure,
    RequirePtr,
    BadReputation,
    NetworkError,
    HostUnknown,
    NotAccept,
    Filtered,
    PolicyViolation,
    Rejected,
    SecurityError,
    Suspend,
    SystemError,
    SystemFull,
    MesgTooBig,
    ExceedLimit,
    ContentError,
    NoRelaying,
    HasMoved,
    MailerError,
    SyntaxError,
    VirusDetected,
    FailedStartTls,
    NotCompliantRfc,
    Suppressed,
    OnHold,
    Undefined,
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: &'static [Reason] = &[
        Reason::Delivered,
        Reason::Feedback,
        Reason::Vacation,
        Reason::UserUnknown,
        Reason::MailboxFull,
        Reason::Expired,
        Reason::Blocked,
        Reason::SpamDetected,
        Reason::TooManyConn,
        Reason::Speeding,
        Reason::AuthFailure,
        Reason::RequirePtr,
        Reason::BadReputation,
        Reason::NetworkError,
        Reason::HostUnknown,
        Reason::NotAccept,
        Reason::Filtered,
        Reason::PolicyViolation,
        Reason::Rejected,
        Reason::SecurityError,
        Reason::Suspend,
        Reason::SystemError,
        Reason::SystemFull,
        Reason::MesgTooBig,
        Reason::ExceedLimit,
        Reason::ContentError,
        Reason::NoRelaying,
        Reason::HasMoved,
        Reason::MailerError,
        Reason::SyntaxError,
        Reason::VirusDetected,
        Reason::FailedStartTls,
        Reason::NotCompliantRfc,
        Reason::Suppressed,
        Reason::OnHold,
        Reason::Undefined,
    ];

    /// The lower-case name used in JSON and by Sisimai (`userunknown`, `expired`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            Reason::Delivered => "delivered",
            Reason::Feedback => "feedback",
            Reason::Vacation => "vacation",
            Reason::UserUnknown => "userunknown",
            Reason::MailboxFull => "mailboxfull",
            Reason::Expired => "expired",
            Reason::Blocked => "blocked",
            Reason::SpamDetected => "spamdetected",
            Reason::TooManyConn => "toomanyconn",
            Reason::Speeding => "speeding",
            Reason::AuthFailure => "authfailure",
            Reason::RequirePtr => "requireptr",
            Reason::BadReputation => "badreputation",
            Reason::NetworkError => "networkerror",
            Reason::HostUnknown => "hostunknown",
            Reason::NotAccept => "notaccept",
            Reason::Filtered => "filtered",
            Reason::PolicyViolation => "policyviolation",
            Reason::Rejected => "rejected",
            Reason::SecurityError => "securityerror",
            Reason::Suspend => "suspend",
            Reason::SystemError => "systemerror",
            Reason::SystemFull => "systemfull",
            Reason::MesgTooBig => "mesgtoobig",
            Reason::ExceedLimit => "exceedlimit",
            Reason::ContentError => "contenterror",
            Reason::NoRelaying => "norelaying",
            Reason::HasMoved => "hasmoved",
            Reason::MailerError => "mailererror",
            Reason::SyntaxError => "syntaxerror",
            Reason::VirusDetected => "virusdetected",
            Reason::FailedStartTls => "failedstarttls",
            Reason::NotCompliantRfc => "notcompliantrfc",
            Reason::Suppressed => "suppressed",
            Reason::OnHold => "onhold",
            Reason::Undefined => "undefined",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Reason {
    type Err = ParseStatusError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reason::ALL
            .iter()
            .copied()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseStatusError(s.to_string()))
    }
}

/// Whether a failure is worth retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Temporality {
    /// Success (2xx).
    Success,
    /// Temporary (4xx): the sending server keeps retrying.
    Transient,
    /// Permanent (5xx): no retry.
    Permanent,
    /// No code to tell.
    Unknown,
}

/// The result of classifying a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    /// The reason category.
    pub reason: Reason,
    /// Temporary or permanent.
    pub temporality: Temporality,
    /// Hard bounce: retrying or resending the same message to the same address will not help.
    pub hard_bounce: bool,
    /// Stable identifier of the rule that decided (for evidence and tests).
    pub rule: String,
    /// An explanation topic more specific than the reason (e.g. `greylisting`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The mailbox provider recognised (e.g. `google`, `microsoft`), when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// Parses an SMTP reply or any text that contains one (`550-5.1.1 ...`, `smtp; 550 5.1.1 ...`,
/// `#5.1.1`, `[5.7.1]`, Postfix / Exim / Sendmail sentences). Never panics.
pub fn parse_reply(text: &str) -> Reply {
    parse::parse(text)
}

pub use parse::find_enhanced_status;

/// The DSN `Action:` of a recipient (RFC 3464 section 2.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DsnAction {
    /// Delivery failed; the sending server gave up.
    Failed,
    /// Delivery is delayed; the sending server keeps retrying.
    Delayed,
    /// Delivered.
    Delivered,
    /// Relayed to a system that does not send DSNs.
    Relayed,
    /// Delivered to a list and expanded.
    Expanded,
}

impl FromStr for DsnAction {
    type Err = ParseStatusError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Some MTAs write "failed (bad destination mailbox address)" or "expired".
        let w = s
            .trim()
            .split([' ', '(', ';'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        Ok(match w.as_str() {
            "failed" | "failure" | "expired" => Self::Failed,
            "delayed" | "delay" | "deferred" => Self::Delayed,
            "delivered" | "deliverable" | "success" => Self::Delivered,
            "relayed" => Self::Relayed,
            "expanded" => Self::Expanded,
            _ => return Err(ParseStatusError(s.to_string())),
        })
    }
}

impl fmt::Display for DsnAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Failed => "failed",
            Self::Delayed => "delayed",
            Self::Delivered => "delivered",
            Self::Relayed => "relayed",
            Self::Expanded => "expanded",
        })
    }
}

/// What else is known about a reply besides its text: the DSN action, the remote host, the
/// recipient, a reason decided by a format-specific parser. Build with [`Context::new`] and the
/// `with_*` methods (fields may be added).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Context {
    /// The DSN action of the record.
    pub action: Option<DsnAction>,
    /// The remote MTA's host name (DSN `Remote-MTA`, the host in a Postfix/Exim sentence).
    pub remote_host: Option<String>,
    /// The recipient's domain (or whole address; only the domain is used).
    pub recipient_domain: Option<String>,
    /// A reason already decided by a format-specific recogniser (e.g. an ARF report is
    /// `feedback`, an auto-reply `vacation`). Used unless it is `undefined`/`onhold`.
    pub preset: Option<Reason>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the DSN action.
    pub fn with_action(mut self, action: DsnAction) -> Self {
        self.action = Some(action);
        self
    }
    /// Sets the remote MTA host name.
    pub fn with_remote_host(mut self, host: impl Into<String>) -> Self {
        self.remote_host = Some(host.into());
        self
    }
    /// Sets the recipient (an address or a bare domain).
    pub fn with_recipient(mut self, recipient: &str) -> Self {
        self.recipient_domain = Some(recipient_domain(recipient).to_string());
        self
    }
    /// Sets a reason decided elsewhere.
    pub fn with_preset(mut self, reason: Reason) -> Self {
        self.preset = Some(reason);
        self
    }
}

/// The domain of a recipient: what follows its last `@` (all of it without one), without
/// the `<`, `>` and spaces around it. By bytes (they are ASCII: the cut is at char boundaries).
fn recipient_domain(recipient: &str) -> &str {
    let d = match memchr::memrchr(b'@', recipient.as_bytes()) {
        Some(at) => recipient.get(at + 1..).unwrap_or_default(),
        None => recipient,
    };
    let keep = |c: &u8| !matches!(c, b'<' | b'>' | b' ');
    let b = d.as_bytes();
    let start = b.iter().position(keep).unwrap_or(b.len());
    let end = b.iter().rposition(keep).map_or(start, |e| e + 1);
    d.get(start..end).unwrap_or_default()
}

/// A classifier: the built-in rules, optionally followed by extra rule files.
pub struct Classifier {
    rules: rules::RuleSet,
}

impl fmt::Debug for Classifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Classifier")
            .field("rules", &self.rules.rules.len())
            .finish()
    }
}

pub(crate) const RULES_TOML: &str = include_str!("../data/rules.toml");

// The built-in data is checked by tests; should it ever fail to compile, classification falls
// back to "undefined"/"onhold" rather than panicking.
static BUILTIN: LazyLock<Classifier> = LazyLock::new(|| Classifier {
    rules: rules::RuleSet::compile_builtin().unwrap_or_else(|_| rules::RuleSet::empty()),
});

impl Classifier {
    /// The built-in classifier (rules parsed and compiled once).
    pub fn builtin() -> &'static Classifier {
        &BUILTIN
    }

    /// Checks the built-in data (rules, registry, providers, emitters, explanations) and reports
    /// the first problem.
    pub fn check_builtin_data() -> Result<(), DataError> {
        rules::RuleSet::compile(&[("rules.toml", RULES_TOML)])?;
        registry::Registry::load()?;
        provider::Providers::load()?;
        explain::check_data()?;

        Ok(())
    }

    /// The built-in rules followed by extra rule files (`(name, toml text)`, in the
    /// `rules.toml` format); their rules are tried after the built-in ones of the same table.
    pub fn with_rules(extra: &[(&str, &str)]) -> Result<Classifier, DataError> {
        let mut all = vec![("rules.toml", RULES_TOML)];
        all.extend_from_slice(extra);
        Ok(Classifier {
            rules: rules::RuleSet::compile(&all)?,
        })
    }

    /// The topic of the rule `id` (e.g. `greylisting` for every greylisting rule), when it has
    /// one: what a [`Classification::topic`] was, for a caller that kept only the rule id.
    pub fn topic_of(&self, id: &str) -> Option<&str> {
        self.rules
            .rules
            .iter()
            .find(|r| r.id == id)
            .and_then(|r| r.topic.as_deref())
    }

    /// The ids of every rule whose text condition (phrases/regexes, minus `unless`) matches
    /// `reply`, in evaluation order: evidence for "why this reason", and a debugging aid for
    /// rule authors.
    pub fn text_matches(&self, reply: &Reply) -> Vec<&str> {
        let normalised = match_text(reply);
        let hits = self.rules.text_hits(&normalised);
        self.rules
            .rules
            .iter()
            .enumerate()
            .filter(|(i, r)| r.has_text && hits.text(*i) && !hits.unless(*i))
            .map(|(_, r)| r.id.as_str())
            .collect()
    }

    /// Classifies a reply with its context.
    pub fn classify(&self, reply: &Reply, ctx: &Context) -> Classification {
        let rs = &self.rules;
        let temporality = temporality_of(reply, ctx);
        let hard_of = |reason: Reason| {
            if rs.not_bounce.contains(&reason) {
                false
            } else if rs.hard.contains(&reason) {
                true
            } else if rs.hard_unless_transient.contains(&reason) {
                temporality != Temporality::Transient
            } else {
                false
            }
        };
        // A preset reason needs the text only for a provider named by a marker, and the host's
        // and the domain's providers come first: when there is one, the text is not looked at.
        if let Some(p) = ctx.preset
            && !matches!(p, Reason::Undefined | Reason::OnHold)
            && let Some(first) = provider::providers()
                .detect_indices(
                    ctx.remote_host.as_deref(),
                    ctx.recipient_domain.as_deref(),
                    std::iter::empty(),
                )
                .first()
                .and_then(|&i| provider::providers().list.get(i))
                .map(|p| p.id.clone())
        {
            return Classification {
                reason: p,
                temporality,
                hard_bounce: hard_of(p),
                rule: "preset".to_string(),
                topic: None,
                provider: Some(first),
            };
        }
        let normalised = match_text(reply);
        // one automaton pass: the rules' phrases and the providers' markers
        let hits = rs.text_hits(&normalised);
        let list = &provider::providers().list;
        let providers: Vec<&str> = provider::providers()
            .detect_indices(
                ctx.remote_host.as_deref(),
                ctx.recipient_domain.as_deref(),
                hits.markers.iter().copied(),
            )
            .into_iter()
            .filter_map(|i| list.get(i).map(|p| p.id.as_str()))
            .collect();
        let finish = |reason: Reason, rule: &str, topic: Option<&str>, provider: Option<&str>| {
            Classification {
                reason,
                temporality,
                hard_bounce: hard_of(reason),
                rule: rule.to_string(),
                topic: topic.map(str::to_string),
                provider: provider
                    .map(str::to_string)
                    .or_else(|| providers.first().map(|p| p.to_string())),
            }
        };
        if let Some(p) = ctx.preset
            && !matches!(p, Reason::Undefined | Reason::OnHold)
        {
            return finish(p, "preset", None, None);
        }
        let facts = rules::Facts {
            status: reply.status,
            code: reply.code,
            command: reply.command,
            action: ctx.action,
            providers: &providers,
        };
        let decide = |i: usize| {
            let r = &rs.rules[i];
            finish(r.reason, &r.id, r.topic.as_deref(), r.provider.as_deref())
        };
        if let Some(i) = rs.first_match(rules::Phase::Primary, &facts, &hits) {
            return decide(i);
        }
        let by_status = rs.first_match(rules::Phase::Status, &facts, &hits);
        let vague = by_status.is_none_or(|i| rs.vague.contains(&rs.rules[i].reason));
        if vague && let Some(i) = rs.first_match(rules::Phase::Secondary, &facts, &hits) {
            return decide(i);
        }
        if let Some(i) = by_status {
            return decide(i);
        }
        if let Some(i) = rs.first_match(rules::Phase::Fallback, &facts, &hits) {
            return decide(i);
        }
        if reply.text.trim().is_empty() {
            finish(Reason::Undefined, "nothing", None, None)
        } else {
            finish(Reason::OnHold, "onhold", None, None)
        }
    }
}

/// The text the rules see: "CODE STATUS text", lower-cased, whitespace collapsed.
fn match_text(reply: &Reply) -> String {
    let text = parse::truncate(&reply.text, parse::MAX_REPLY_LEN);
    if text.is_ascii() {
        return match_text_ascii(reply.code, reply.status, text);
    }
    // `str::to_lowercase` is `char::to_lowercase` of each char but for a capital sigma, whose
    // lower case depends on the next char
    if !text.contains('Σ') {
        return match_text_chars(reply.code, reply.status, text);
    }
    let mut t = String::with_capacity(reply.text.len() + 16);
    if let Some(c) = reply.code {
        t.push_str(&c.to_string());
        t.push(' ');
    }
    if let Some(s) = reply.status {
        t.push_str(&s.to_string());
        t.push(' ');
    }
    t.push_str(parse::truncate(&reply.text, parse::MAX_REPLY_LEN));
    parse::collapse_ws(&t.to_lowercase())
}

/// A rule phrase as the rules' automaton looks for it: lower case, whitespace collapsed (what
/// [`match_text`] makes of a reply text).
pub(crate) fn normalise_phrase(phrase: &str) -> String {
    if phrase.is_ascii() {
        return match_text_ascii(None, None, phrase);
    }
    parse::collapse_ws(&phrase.to_lowercase())
}

/// [`match_text`] of an ASCII text in one pass: the same as lower-casing "CODE STATUS text" and
/// collapsing its whitespace (see `parse::collapse_ws`).
fn match_text_ascii(code: Option<u16>, status: Option<EnhancedStatus>, text: &str) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(text.len() + 16);
    let number = |n: u16, out: &mut Vec<u8>| {
        let mut digits = [0u8; 5];
        let mut k = digits.len();
        let mut n = n;
        loop {
            k -= 1;
            digits[k] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(&digits[k..]);
    };
    // the prefix: digits and dots, each part followed by one space
    if let Some(c) = code {
        number(c, &mut out);
        out.push(b' ');
    }
    if let Some(s) = status {
        number(s.class.into(), &mut out);
        out.push(b'.');
        number(s.subject, &mut out);
        out.push(b'.');
        number(s.detail, &mut out);
        out.push(b' ');
    }
    let bytes = text.as_bytes();
    // the common case, text already in single-spaced words (no separator but single inner
    // spaces): a lower-cased copy (vectorised), with the checks done by whole-slice scans
    let single_spaced = bytes.first().is_some_and(|&b| b != b' ')
        && bytes.last().is_some_and(|&b| b != b' ')
        // TAB, LF, VT, FF, CR and NUL are all below 0x0e
        // and no two spaces in a row: one vectorised pass over the byte pairs
        && !bytes
            .iter()
            .zip(bytes.get(1..).unwrap_or_default())
            .fold(false, |any, (&a, &b)| any | (a < 0x0e) | ((a == b' ') & (b == b' ')))
        && bytes.last().is_some_and(|&b| b >= 0x0e);
    if single_spaced {
        out.extend(bytes.iter().map(u8::to_ascii_lowercase));
        return String::from_utf8(out).unwrap_or_default();
    }
    // a space pending from the prefix is written before the text's first non-space byte
    let mut space = out.pop().is_some();
    for &b in bytes {
        if matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0) {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(b' ');
            }
            space = false;
            out.push(b.to_ascii_lowercase());
        }
    }
    // ASCII in, ASCII out
    String::from_utf8(out).unwrap_or_default()
}

/// [`match_text`] of a text without capital sigma, in one pass: each char lower-cased
/// (`char::to_lowercase`, as `str::to_lowercase` does) and the whitespace collapsed (as
/// `parse::collapse_ws` does: `char::is_whitespace` and NUL separate).
fn match_text_chars(code: Option<u16>, status: Option<EnhancedStatus>, text: &str) -> String {
    // the prefix: ASCII, as in the ASCII path, with its trailing space pending
    let mut out = parse::Collapsed::continuing(match_text_ascii(code, status, ""));
    out.reserve(text.len() + 1);
    for c in text.chars() {
        if c.is_ascii() {
            if matches!(c, '\t' | '\n' | '\x0b' | '\x0c' | '\r' | ' ' | '\0') {
                out.separate();
            } else {
                out.push(c.to_ascii_lowercase());
            }
            continue;
        }
        // CJK punctuation, kana and ideographs have no case and no whitespace (U+3000, the
        // ideographic space, is left to the general path): the common non-ASCII text of
        // Japanese bounces, without a case-table lookup per char
        if ('\u{3001}'..='\u{9fff}').contains(&c) {
            out.push(c);
            continue;
        }
        for l in c.to_lowercase() {
            out.push_or_separate(l);
        }
    }
    out.into_string()
}

/// Temporary or permanent, from the enhanced status class, else the basic code, else the DSN
/// action and wording.
fn temporality_of(reply: &Reply, ctx: &Context) -> Temporality {
    match (reply.status.map(|s| s.class), reply.code.map(|c| c / 100)) {
        (Some(2), _) | (None, Some(2)) => return Temporality::Success,
        (Some(4), _) | (None, Some(4)) => return Temporality::Transient,
        (Some(5), _) | (None, Some(5)) => return Temporality::Permanent,
        _ => {}
    }
    match ctx.action {
        Some(DsnAction::Delayed) => return Temporality::Transient,
        Some(DsnAction::Delivered | DsnAction::Relayed | DsnAction::Expanded) => {
            return Temporality::Success;
        }
        _ => {}
    }
    let lower = reply.text.to_ascii_lowercase();
    if lower.contains("temporar")
        || lower.contains("try again later")
        || lower.contains("will retry")
        || lower.contains("persistent")
    {
        return Temporality::Transient;
    }
    if lower.contains("permanent") || ctx.action == Some(DsnAction::Failed) {
        return Temporality::Permanent;
    }
    Temporality::Unknown
}

/// Classifies a parsed reply into a reason and temporality, from the code and the text.
pub fn classify(reply: &Reply) -> Classification {
    Classifier::builtin().classify(reply, &Context::default())
}

/// Classifies a parsed reply with what else is known about it (DSN action, remote host,
/// recipient domain, a preset reason).
pub fn classify_with(reply: &Reply, ctx: &Context) -> Classification {
    Classifier::builtin().classify(reply, ctx)
}

/// Parses and classifies free text in one call.
pub fn classify_text(text: &str) -> Classification {
    classify(&parse_reply(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_of_a_rule() {
        let c = Classifier::builtin();
        assert_eq!(c.topic_of("greylisting-generic-451"), Some("greylisting"));
        assert_eq!(
            c.topic_of("ms-external-forwarding"),
            Some("external-forwarding")
        );
        assert_eq!(c.topic_of("no-such-rule"), None);
    }

    /// The byte-wise recipient domain is the `rsplit('@')` / `trim_matches` one.
    #[test]
    fn recipient_domain_as_before() {
        for r in [
            "",
            "@",
            "a@b",
            "<bob@example.org>",
            " <bob@Example.ORG> ",
            "example.org",
            "a@b@c.d",
            "<>",
            "bob@",
            "é@ü.de>",
            "bob@<x>@ y >",
            "  ",
        ] {
            let old = r
                .rsplit('@')
                .next()
                .unwrap_or(r)
                .trim_matches(['<', '>', ' ']);
            assert_eq!(recipient_domain(r), old, "{r:?}");
        }
    }

    #[test]
    fn reason_discriminants_follow_all() {
        // rules.rs indexes per-reason tables by `reason as usize`.
        for (i, r) in Reason::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i, "{r}");
        }
    }

    #[test]
    fn builtin_data_is_valid() {
        if let Err(e) = Classifier::check_builtin_data() {
            panic!("{e}");
        }
    }

    #[test]
    fn parses_multiline_gmail_reply() {
        let r = parse_reply(
            "550-5.1.1 The email account that you tried to reach does not exist.\r\n550 5.1.1 https://support.google.com/mail/?p=NoSuchUser",
        );
        assert_eq!(r.code, Some(550));
        assert_eq!(r.status, Some(EnhancedStatus::new(5, 1, 1)));
    }

    /// The chars `match_text_chars` copies as they are: no case, no whitespace.
    #[test]
    fn cjk_range_is_caseless() {
        for c in '\u{3001}'..='\u{9fff}' {
            assert!(c.to_lowercase().eq([c]) && !c.is_whitespace(), "{c:?}");
        }
    }

    /// The one-pass ASCII [`match_text`] equals the general one.
    #[test]
    fn match_text_ascii_is_match_text() {
        let general = |r: &Reply| {
            let mut t = String::new();
            if let Some(c) = r.code {
                t.push_str(&c.to_string());
                t.push(' ');
            }
            if let Some(s) = r.status {
                t.push_str(&s.to_string());
                t.push(' ');
            }
            t.push_str(&r.text);
            parse::collapse_ws(&t.to_lowercase())
        };
        for text in [
            "",
            " ",
            "  User\tUnknown \r\n",
            "Mailbox FULL\0x",
            "a",
            "\x0b\x0cQuota ",
            "User Unknown here",
            "a b",
            "a b ",
            " a b",
            "a  b",
            "a\u{1}b C",
            "a\u{e}b C",
            "\u{3000}Überlauf\u{a0} ΣΑΣ ΌΣΟΣ\u{2028}x",
            "İstanbul \u{85}KELVIN \u{212a} ﬁ\u{1680}",
            "\u{3000}",
            "メールボックス 　容量超過\t Ａ",
        ] {
            for code in [None, Some(550), Some(0), Some(65535)] {
                for status in [None, Some(EnhancedStatus::new(5, 7, 606))] {
                    let r = Reply {
                        code,
                        status,
                        text: text.to_string(),
                        command: None,
                    };
                    assert_eq!(match_text(&r), general(&r), "{r:?}");
                }
            }
        }
    }

    /// The markers found by the rules' automaton give what `Providers::detect` finds with its
    /// own.
    #[test]
    fn markers_in_the_rules_automaton_detect_the_same() {
        let p = provider::providers();
        let rs = &Classifier::builtin().rules;
        let mut texts: Vec<String> = p.markers.clone();
        texts.push(p.markers.join(" "));
        texts.push(p.markers.iter().rev().cloned().collect::<Vec<_>>().join(""));
        texts.push(p.markers.concat());
        for (i, a) in p.markers.iter().enumerate() {
            let b = &p.markers[(i * 7 + 3) % p.markers.len()];
            texts.push(format!("550 5.7.1 {b}{a} {a}{b}"));
        }
        for t in &texts {
            let hits = rs.text_hits(t);
            assert_eq!(
                p.detect_with_markers(None, None, hits.markers.iter().copied()),
                p.detect(None, None, t),
                "{t:?}"
            );
        }
    }

    #[test]
    fn finds_codes_in_text() {
        assert_eq!(
            find_enhanced_status("#5.1.1 bad"),
            Some(EnhancedStatus::new(5, 1, 1))
        );
        assert_eq!(
            find_enhanced_status("smtp; 550 5.7.1 [x]"),
            Some(EnhancedStatus::new(5, 7, 1))
        );
        assert_eq!(
            find_enhanced_status("[4.4.7]"),
            Some(EnhancedStatus::new(4, 4, 7))
        );
        assert_eq!(find_enhanced_status("version 1.5.1.2"), None);
    }
}
