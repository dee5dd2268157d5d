//! Who emits what (`data/emitters.toml`): how each sending MTA family reports expiry, and
//! whether it ever writes 4.4.7 itself.
//!
//! Postfix and Exim never send 4.4.7: when a message expires they fail it (`Action: failed`)
//! with the status of the last real attempt (Postfix: e.g. 4.4.1 "connection timed out"; Exim:
//! 5.0.0 "retry timeout exceeded"). Exchange / Microsoft 365 and Sendmail do send 4.4.7. So a
//! Postfix bounce with `Action: failed` and a 4.x.x status *is* an expiry, and its real cause is
//! the error shown with it.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::DataError;

const EMITTERS_TOML: &str = include_str!("../data/emitters.toml");

/// One sending MTA family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emitter {
    /// Stable identifier (`postfix`, `exim`, `sendmail`, `exchange`, `office365`, `gmail`, `qmail`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Other names (e.g. bounce detector names) that mean this MTA.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// True when it writes 4.4.7 / 5.4.7 itself when its queue lifetime expires.
    pub sends_447: bool,
    /// What its final expiry report carries (English).
    pub expiry_status: String,
    /// The DSN `Action:` of its final report.
    pub expiry_action: String,
    /// Its default queue lifetime (humantime, e.g. `5days`; empty when unknown).
    pub queue_lifetime: String,
    /// The setting that controls the lifetime.
    pub lifetime_setting: String,
    /// Its default delay-warning time (empty when off by default).
    pub warn_after: String,
    /// The setting that controls delay warnings.
    pub warn_setting: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmitters {
    mta: Vec<Emitter>,
}

fn load() -> Result<Vec<Emitter>, DataError> {
    let raw: RawEmitters = toml::from_str(EMITTERS_TOML).map_err(|e| DataError::Toml {
        file: "emitters.toml".into(),
        message: e.to_string(),
    })?;
    Ok(raw.mta)
}

static EMITTERS: LazyLock<Vec<Emitter>> = LazyLock::new(|| load().unwrap_or_default());

/// All known sending MTA families.
pub fn emitters() -> &'static [Emitter] {
    &EMITTERS
}

/// The emitter for an id or alias (case-insensitive), e.g. a bounce detector name such as
/// `postfix`, `Exim`, `exchange2007`.
pub fn emitter(name: &str) -> Option<&'static Emitter> {
    let n = name.trim().to_ascii_lowercase();
    // Detector names may carry a prefix (`lhost-postfix`) or suffix (`postfix-dsn`).
    EMITTERS.iter().find(|e| {
        e.id == n
            || e.aliases.contains(&n)
            || n.split(['-', '_', '/', ':', '.'])
                .any(|part| part == e.id || e.aliases.iter().any(|a| a == part))
    })
}

/// Recognises the sending MTA from text a bounce carries (its human-readable part, the
/// `Reporting-MTA` line or `X-Mailer` headers). Returns the first family whose signature occurs.
pub fn detect_emitter(text: &str) -> Option<&'static Emitter> {
    let lower = text.to_ascii_lowercase();
    let sigs: &[(&str, &str)] = &[
        ("x-postfix;", "postfix"),
        ("this is the mail system at host", "postfix"),
        ("(in reply to rcpt to command)", "postfix"),
        ("postfix", "postfix"),
        (
            "this message was created automatically by mail delivery software",
            "exim",
        ),
        ("retry timeout exceeded", "exim"),
        ("x-exim", "exim"),
        ("exim", "exim"),
        ("the original message was received at", "sendmail"),
        ("----- transcript of session follows -----", "sendmail"),
        ("sendmail", "sendmail"),
        ("queue.expired", "office365"),
        ("protection.outlook.com", "office365"),
        ("prod.outlook.com", "office365"),
        ("microsoft exchange", "exchange"),
        (
            "delivery has failed to these recipients or groups",
            "office365",
        ),
        ("mailer-daemon@googlemail.com", "gmail"),
        ("mail delivery subsystem", "gmail"),
        ("hi. this is the qmail-send program", "qmail"),
        ("qmail", "qmail"),
    ];
    sigs.iter()
        .find(|(sig, _)| lower.contains(sig))
        .and_then(|(_, id)| emitter(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_emits_what() {
        let all = load().expect("emitters.toml parses");
        assert!(all.len() >= 6);
        assert!(!emitter("postfix").unwrap().sends_447);
        assert!(!emitter("Exim").unwrap().sends_447);
        assert!(emitter("sendmail").unwrap().sends_447);
        assert!(emitter("exchange2007").unwrap().sends_447);
        assert!(emitter("office365").unwrap().sends_447);
        assert_eq!(emitter("lhost-postfix").unwrap().id, "postfix");
        assert!(emitter("nonsense").is_none());
        assert_eq!(
            detect_emitter(
                "Reporting-MTA: dns; mx.example\nDiagnostic-Code: X-Postfix; connect to ..."
            )
            .unwrap()
            .id,
            "postfix"
        );
        assert_eq!(
            detect_emitter("Remote Server returned '550 4.4.7 QUEUE.Expired; message expired'")
                .unwrap()
                .id,
            "office365"
        );
        for e in &all {
            assert!(
                e.queue_lifetime.is_empty() || humantime_like(&e.queue_lifetime),
                "{}",
                e.id
            );
        }
    }

    fn humantime_like(s: &str) -> bool {
        s.chars().next().is_some_and(|c| c.is_ascii_digit())
    }
}
