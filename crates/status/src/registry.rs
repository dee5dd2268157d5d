//! The IANA "SMTP Enhanced Status Codes" registry (RFC 3463 / RFC 5248) and the basic reply
//! codes, loaded from `data/registry.toml`.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::{DataError, EnhancedStatus};

const REGISTRY_TOML: &str = include_str!("../data/registry.toml");

/// One enumerated status code of the registry (`X.1.1`, `X.4.7`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryEntry {
    /// `X.subject.detail`, e.g. `X.4.7`.
    pub code: String,
    /// The registry's sample text for the code (English).
    pub title: String,
    /// Basic reply codes the registry associates with it (may be empty).
    #[serde(default)]
    pub basic: Vec<u16>,
    /// What it means (English; localised texts live in the Fluent files).
    pub meaning: String,
    /// The document that registered it.
    pub reference: String,
    /// Marked deprecated by the registry.
    #[serde(default)]
    pub deprecated: bool,
}

impl RegistryEntry {
    /// Subject and detail of this entry.
    pub fn subject_detail(&self) -> Option<(u16, u16)> {
        let mut it = self.code.split('.').skip(1);
        let s = it.next()?.parse().ok()?;
        let d = it.next()?.parse().ok()?;
        Some((s, d))
    }
}

/// A class (2/4/5) or subject (0..7) of the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryPart {
    /// The class (`2`, `4`, `5`) for classes.
    #[serde(default)]
    pub class: Option<u8>,
    /// The subject (`0`..`7`) for subjects.
    #[serde(default)]
    pub subject: Option<u16>,
    /// Registry title.
    pub title: String,
    /// What it means.
    pub meaning: String,
    /// The defining document.
    pub reference: String,
}

/// A basic SMTP reply code and its RFC 5321 meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyCodeEntry {
    /// The code, e.g. 550.
    pub code: u16,
    /// Its meaning.
    pub title: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegistry {
    class: Vec<RegistryPart>,
    subject: Vec<RegistryPart>,
    code: Vec<RegistryEntry>,
    reply: Vec<ReplyCodeEntry>,
}

/// The whole registry.
#[derive(Debug, Default)]
pub struct Registry {
    /// Class entries (2, 4, 5).
    pub classes: Vec<RegistryPart>,
    /// Subject entries (0..7).
    pub subjects: Vec<RegistryPart>,
    /// Enumerated codes, in registry order.
    pub codes: Vec<RegistryEntry>,
    /// Basic reply codes.
    pub replies: Vec<ReplyCodeEntry>,
}

impl Registry {
    pub(crate) fn load() -> Result<Self, DataError> {
        let raw: RawRegistry = toml::from_str(REGISTRY_TOML).map_err(|e| DataError::Toml {
            file: "registry.toml".into(),
            message: e.to_string(),
        })?;
        for c in &raw.code {
            let ok = c.code.starts_with("X.")
                && c.subject_detail().is_some()
                && c.code.split('.').count() == 3;
            if !ok {
                return Err(DataError::Rule {
                    file: "registry.toml".into(),
                    rule: c.code.clone(),
                    message: "code must look like X.s.d".into(),
                });
            }
        }
        Ok(Self {
            classes: raw.class,
            subjects: raw.subject,
            codes: raw.code,
            replies: raw.reply,
        })
    }

    /// The enumerated entry for `status` (matching subject and detail; any class).
    pub fn entry(&self, status: EnhancedStatus) -> Option<&RegistryEntry> {
        self.codes
            .iter()
            .find(|e| e.subject_detail() == Some((status.subject, status.detail)))
    }

    /// The class entry (2, 4, 5).
    pub fn class(&self, class: u8) -> Option<&RegistryPart> {
        self.classes.iter().find(|c| c.class == Some(class))
    }

    /// The subject entry (0..7).
    pub fn subject(&self, subject: u16) -> Option<&RegistryPart> {
        self.subjects.iter().find(|c| c.subject == Some(subject))
    }

    /// The basic reply code entry.
    pub fn reply(&self, code: u16) -> Option<&ReplyCodeEntry> {
        self.replies.iter().find(|r| r.code == code)
    }
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| Registry::load().unwrap_or_default());

/// The built-in registry (parsed once).
pub fn registry() -> &'static Registry {
    &REGISTRY
}

/// Looks up the registry entry of an enhanced status code (any class): `4.4.7` → "Delivery time
/// expired". `None` for codes the registry does not enumerate (e.g. Microsoft's `4.4.316`).
pub fn lookup(status: EnhancedStatus) -> Option<&'static RegistryEntry> {
    registry().entry(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_loads_and_is_complete() {
        let r = Registry::load().expect("registry.toml parses");
        assert_eq!(r.classes.len(), 3);
        assert_eq!(r.subjects.len(), 8);
        // Every enumerated code of the IANA registry as of today.
        let expected = [
            (0, 0..=0),
            (1, 0..=10),
            (2, 0..=4),
            (3, 0..=6),
            (4, 0..=7),
            (5, 0..=6),
            (6, 0..=10),
            (7, 0..=30),
        ];
        let mut n = 0;
        for (subject, details) in expected {
            for detail in details {
                n += 1;
                assert!(
                    r.entry(EnhancedStatus::new(5, subject, detail)).is_some(),
                    "X.{subject}.{detail} missing"
                );
            }
        }
        assert_eq!(r.codes.len(), n, "no unexpected extra entries");
        let e = lookup(EnhancedStatus::new(4, 4, 7)).unwrap();
        assert_eq!(e.title, "Delivery time expired");
        let e = lookup(EnhancedStatus::new(5, 7, 26)).unwrap();
        assert_eq!(e.title, "Multiple authentication checks failed");
        assert_eq!(e.reference, "RFC 7372");
        assert!(lookup(EnhancedStatus::new(4, 4, 316)).is_none());
        assert_eq!(r.reply(550).map(|e| e.code), Some(550));
        assert!(r.reply(556).is_some() && r.reply(521).is_some());
    }
}
