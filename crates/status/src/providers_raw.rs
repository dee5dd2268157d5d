// The provider file's structures as written in `providers.toml`: included by `provider.rs` and
// by the crate's build script (which turns the built-in file into Rust, see `build.rs`).

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNote {
    pub(crate) key: String,
    #[serde(default)]
    pub(crate) status: Vec<String>,
    #[serde(default)]
    pub(crate) code: Vec<String>,
    #[serde(default)]
    pub(crate) text: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProvider {
    pub(crate) id: String,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) hosts: Vec<String>,
    #[serde(default)]
    pub(crate) domains: Vec<String>,
    #[serde(default)]
    pub(crate) markers: Vec<String>,
    #[serde(default)]
    pub(crate) postmaster: Option<String>,
    #[serde(default)]
    pub(crate) note: Vec<RawNote>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProviders {
    pub(crate) provider: Vec<RawProvider>,
}
