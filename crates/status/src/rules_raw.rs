// The rule file's structures as written in `rules.toml`: included by `rules.rs` and by the
// crate's build script (which turns the built-in `rules.toml` into Rust, see `build.rs`).

/// One rule as written in `rules.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub id: String,
    pub reason: String,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub provider_only: bool,
    #[serde(default)]
    pub text: Vec<String>,
    #[serde(default)]
    pub regex: Vec<String>,
    #[serde(default)]
    pub same_text_as: Option<String>,
    #[serde(default)]
    pub status: Vec<String>,
    #[serde(default)]
    pub not_status: Vec<String>,
    #[serde(default)]
    pub code: Vec<String>,
    #[serde(default)]
    pub class: Vec<u8>,
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub not_command: Vec<String>,
    #[serde(default)]
    pub no_command: bool,
    #[serde(default)]
    pub action: Vec<String>,
    /// The rule holds only when no DSN action is known: a live reply (a log line, a probe,
    /// `mailway explain TEXT`) rather than a bounce record.
    #[serde(default)]
    pub no_action: bool,
    #[serde(default)]
    pub unless: Vec<String>,
    #[serde(default)]
    pub unless_reason: Vec<String>,
    /// Free text for maintainers (ignored).
    #[serde(default)]
    #[allow(dead_code)]
    pub note: Option<String>,
}

/// The reasons table of `rules.toml`: the hard/soft bounce policy.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReasons {
    #[serde(default)]
    pub hard: Vec<String>,
    #[serde(default)]
    pub hard_unless_transient: Vec<String>,
    #[serde(default)]
    pub not_bounce: Vec<String>,
    #[serde(default)]
    pub vague: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRuleFile {
    #[serde(default)]
    pub reasons: Option<RawReasons>,
    #[serde(default)]
    pub primary: Vec<RawRule>,
    #[serde(default)]
    pub status: Vec<RawRule>,
    #[serde(default)]
    pub secondary: Vec<RawRule>,
    #[serde(default)]
    pub fallback: Vec<RawRule>,
}
