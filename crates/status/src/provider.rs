//! Mailbox providers and filtering services (`data/providers.toml`): recognising them from a
//! remote host, a recipient domain or phrases only their replies contain, and their own codes.

use std::collections::HashMap as StdHashMap;

/// The name tables are looked up for every suffix of every remote host and recipient domain of
/// every classified reply: FNV instead of SipHash.
type HashMap<K, V> = StdHashMap<K, V, crate::fnv::FnvBuild>;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};

use crate::rules::{CodePattern, StatusPattern};
use crate::{DataError, Reply};

const PROVIDERS_TOML: &str = include_str!("../data/providers.toml");

include!("providers_raw.rs");

// `builtin_providers_file()`: the built-in `providers.toml` parsed, written by `build.rs`.
include!(concat!(env!("OUT_DIR"), "/builtin_providers.rs"));

/// A provider-specific note: when it applies, the explanation shows the Fluent message
/// `provider-<key>`.
#[derive(Debug, Clone)]
pub struct ProviderNote {
    /// Fluent key suffix.
    pub key: String,
    status: Vec<StatusPattern>,
    code: Vec<CodePattern>,
    text: Vec<String>,
}

impl ProviderNote {
    /// True when the note's conditions hold for `reply` (`lower_text`: its normalised text).
    pub(crate) fn applies(&self, reply: &Reply, lower_text: &str) -> bool {
        (self.status.is_empty()
            || reply
                .status
                .is_some_and(|s| self.status.iter().any(|p| p.matches(s))))
            && (self.code.is_empty()
                || reply
                    .code
                    .is_some_and(|c| self.code.iter().any(|p| p.matches(c))))
            && (self.text.is_empty() || self.text.iter().any(|t| lower_text.contains(t.as_str())))
    }
}

/// A mailbox provider or filtering service.
#[derive(Debug, Clone, Serialize)]
pub struct Provider {
    /// Stable identifier (`google`, `microsoft`, `yahoo`, ...).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Host name suffixes of its MX / MTAs.
    pub hosts: Vec<String>,
    /// Recipient domains it hosts.
    pub domains: Vec<String>,
    /// Its page for senders.
    pub postmaster: Option<String>,
    #[serde(skip)]
    pub(crate) notes: Vec<ProviderNote>,
}

impl Provider {
    /// The notes of this provider that apply to `reply`.
    pub fn notes_for(&self, reply: &Reply) -> Vec<&str> {
        let lower = crate::parse::collapse_ws(&reply.text.to_lowercase());
        self.notes
            .iter()
            .filter(|n| n.applies(reply, &lower))
            .map(|n| n.key.as_str())
            .collect()
    }

    #[cfg(test)]
    fn matches_host(&self, host: &str) -> bool {
        let h = host.trim().trim_end_matches('.').as_bytes();
        !h.is_empty()
            && self
                .hosts
                .iter()
                .any(|s| ends_with_label(h, s.trim_start_matches('.').as_bytes(), true))
    }

    #[cfg(test)]
    fn matches_domain(&self, domain: &str) -> bool {
        let d = domain.trim().trim_end_matches('.').as_bytes();
        !d.is_empty()
            && self.domains.iter().any(|s| match s.strip_prefix('.') {
                Some(suffix) => ends_with_label(d, suffix.as_bytes(), false),
                None => eq_lower(d, s.as_bytes()),
            })
    }
}

/// `name` (any case) lower-cased equals `lower`.
#[cfg(test)]
fn eq_lower(name: &[u8], lower: &[u8]) -> bool {
    name.len() == lower.len()
        && name
            .iter()
            .zip(lower)
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
}

/// `name` (any case) ends with `.suffix` (`suffix` in lower case), or is `suffix` itself when
/// `or_equal`. Compares in place: called for every provider on every classified reply.
#[cfg(test)]
fn ends_with_label(name: &[u8], suffix: &[u8], or_equal: bool) -> bool {
    if name.len() == suffix.len() {
        return or_equal && eq_lower(name, suffix);
    }
    name.len() > suffix.len()
        && name[name.len() - suffix.len() - 1] == b'.'
        && eq_lower(&name[name.len() - suffix.len()..], suffix)
}

/// All providers, with a marker automaton.
pub struct Providers {
    /// The providers, in file order.
    pub list: Vec<Provider>,
    /// The marker phrases (lower case), in file order ...
    pub(crate) markers: Vec<String>,
    /// ... the provider (index into `list`) of each ...
    marker_owner: Vec<usize>,
    /// ... and their automaton, built on the first [`Providers::detect`]: the classifier finds
    /// the markers in its own automaton pass (see [`Providers::detect_with_markers`]).
    marker_ac: std::sync::OnceLock<Option<AhoCorasick>>,
    /// Providers (indices into `list`) by host suffix (without the leading dot).
    by_host: HashMap<String, Vec<usize>>,
    /// Providers by recipient domain written as is.
    by_domain: HashMap<String, Vec<usize>>,
    /// Providers by recipient domain suffix (written `.suffix`: subdomains only).
    by_domain_suffix: HashMap<String, Vec<usize>>,
}

/// Adds `i` under `key` (once).
fn index(map: &mut HashMap<String, Vec<usize>>, key: &str, i: usize) {
    let v = map.entry(key.to_string()).or_default();
    if !v.contains(&i) {
        v.push(i);
    }
}

/// The provider indices under `name` and under each of its parent names (after each dot) in
/// `map`: the entries `name` is equal to or a subdomain of. `name` is lower-cased, without
/// trailing dot.
fn lookup_suffixes(
    map: &HashMap<String, Vec<usize>>,
    name: &str,
    with_self: bool,
    out: &mut Vec<usize>,
) {
    if map.is_empty() {
        return;
    }
    if with_self && let Some(v) = map.get(name) {
        out.extend_from_slice(v);
    }
    for (k, _) in name.match_indices('.') {
        if let Some(v) = map.get(&name[k + 1..]) {
            out.extend_from_slice(v);
        }
    }
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Providers")
            .field("list", &self.list.len())
            .finish()
    }
}

impl Providers {
    pub(crate) fn load() -> Result<Self, DataError> {
        let raw: RawProviders = toml::from_str(PROVIDERS_TOML).map_err(|e| DataError::Toml {
            file: "providers.toml".into(),
            message: e.to_string(),
        })?;
        Self::from_raw(raw)
    }

    /// The built-in table, parsed at build time (see `build.rs`): no TOML parse at run time.
    pub(crate) fn load_builtin() -> Result<Self, DataError> {
        Self::from_raw(builtin_providers_file())
    }

    fn from_raw(raw: RawProviders) -> Result<Self, DataError> {
        let mut list = Vec::new();
        let mut markers = Vec::new();
        let mut marker_owner = Vec::new();
        let mut by_host = HashMap::default();
        let mut by_domain = HashMap::default();
        let mut by_domain_suffix = HashMap::default();
        for (i, p) in raw.provider.into_iter().enumerate() {
            let bad = |m: String| DataError::Rule {
                file: "providers.toml".into(),
                rule: p.id.clone(),
                message: m,
            };
            let mut notes = Vec::new();
            for n in &p.note {
                notes.push(ProviderNote {
                    key: n.key.clone(),
                    status: n
                        .status
                        .iter()
                        .map(|s| StatusPattern::parse(s).map_err(&bad))
                        .collect::<Result<_, _>>()?,
                    code: n
                        .code
                        .iter()
                        .map(|s| CodePattern::parse(s).map_err(&bad))
                        .collect::<Result<_, _>>()?,
                    text: n.text.iter().map(|t| t.to_lowercase()).collect(),
                });
            }
            for m in &p.markers {
                markers.push(m.to_lowercase());
                marker_owner.push(i);
            }
            for h in &p.hosts {
                index(&mut by_host, h.trim_start_matches('.'), i);
            }
            for d in &p.domains {
                match d.strip_prefix('.') {
                    Some(suffix) => index(&mut by_domain_suffix, suffix, i),
                    None => index(&mut by_domain, d, i),
                }
            }
            list.push(Provider {
                id: p.id,
                name: p.name,
                hosts: p.hosts,
                domains: p.domains,
                postmaster: p.postmaster,
                notes,
            });
        }
        // built on first use (a hundred short phrases cannot exceed the automaton's limits;
        // `markers_build` checks it)
        let marker_ac = std::sync::OnceLock::new();
        Ok(Self {
            list,
            markers,
            marker_owner,
            marker_ac,
            by_host,
            by_domain,
            by_domain_suffix,
        })
    }

    fn marker_automaton(markers: &[String]) -> Result<AhoCorasick, aho_corasick::BuildError> {
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(markers)
    }

    /// A provider by id.
    pub fn get(&self, id: &str) -> Option<&Provider> {
        self.list.iter().find(|p| p.id == id)
    }

    /// Recognises providers: from the remote host, the recipient domain, then marker phrases in
    /// the (normalised, lower-case) text. Returns ids, best evidence first, without duplicates.
    pub fn detect(
        &self,
        remote_host: Option<&str>,
        domain: Option<&str>,
        lower_text: &str,
    ) -> Vec<String> {
        let ac = self
            .marker_ac
            .get_or_init(|| {
                (!self.markers.is_empty())
                    .then(|| Self::marker_automaton(&self.markers).ok())
                    .flatten()
            })
            .as_ref();
        let hits = ac
            .into_iter()
            .flat_map(|ac| ac.find_overlapping_iter(lower_text))
            .map(|m| m.pattern().as_usize());
        self.detect_with_markers(remote_host, domain, hits)
    }

    /// [`Providers::detect`] with the marker phrases already found: `marker_hits` are indices
    /// into `markers`, in the order an overlapping Aho-Corasick search reports them (by end
    /// position, then longest first).
    pub(crate) fn detect_with_markers(
        &self,
        remote_host: Option<&str>,
        domain: Option<&str>,
        marker_hits: impl Iterator<Item = usize>,
    ) -> Vec<String> {
        self.detect_indices(remote_host, domain, marker_hits)
            .into_iter()
            .filter_map(|i| self.list.get(i).map(|p| p.id.clone()))
            .collect()
    }

    /// [`Providers::detect_with_markers`] as indices into `list` (no string copies: this runs on
    /// every classified reply).
    pub(crate) fn detect_indices(
        &self,
        remote_host: Option<&str>,
        domain: Option<&str>,
        marker_hits: impl Iterator<Item = usize>,
    ) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        let mut push = |i: usize| {
            if !out.contains(&i) {
                out.push(i);
            }
        };
        // by index (the same answer as `matches_host` / `matches_domain` on every provider, in
        // file order): this runs on every classified reply
        let mut found: Vec<usize> = Vec::new();
        if let Some(h) = remote_host {
            let h = h.trim().trim_end_matches('.').to_ascii_lowercase();
            lookup_suffixes(&self.by_host, &h, true, &mut found);
            found.sort_unstable();
            found.dedup();
            for &i in &found {
                push(i);
            }
        }
        if let Some(d) = domain {
            let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
            found.clear();
            if let Some(v) = self.by_domain.get(&d) {
                found.extend_from_slice(v);
            }
            lookup_suffixes(&self.by_domain_suffix, &d, false, &mut found);
            found.sort_unstable();
            found.dedup();
            for &i in &found {
                push(i);
            }
        }
        for k in marker_hits {
            if let Some(&i) = self.marker_owner.get(k)
                && i < self.list.len()
            {
                push(i);
            }
        }
        out
    }
}

static PROVIDERS: LazyLock<Providers> = LazyLock::new(|| {
    Providers::load_builtin().unwrap_or(Providers {
        list: Vec::new(),
        markers: Vec::new(),
        marker_owner: Vec::new(),
        marker_ac: std::sync::OnceLock::new(),
        by_host: HashMap::default(),
        by_domain: HashMap::default(),
        by_domain_suffix: HashMap::default(),
    })
});

/// The built-in provider table (parsed once).
pub fn providers() -> &'static Providers {
    &PROVIDERS
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_providers_file_is_providers_toml() {
        let parsed: super::RawProviders = toml::from_str(super::PROVIDERS_TOML).unwrap();
        assert_eq!(
            format!("{parsed:?}"),
            format!("{:?}", super::builtin_providers_file())
        );
    }

    use super::*;

    /// The indexed lookup in `detect` gives what a scan of every provider gives.
    #[test]
    fn detect_by_index_equals_scan() {
        let p = providers();
        let mut names: Vec<String> = Vec::new();
        for prov in &p.list {
            for e in prov.hosts.iter().chain(&prov.domains) {
                let e = e.trim_start_matches('.');
                for n in [
                    e.to_string(),
                    format!("mx1.{e}"),
                    format!("a.b.{e}."),
                    format!("x{e}"),
                    e.to_ascii_uppercase(),
                    format!(" MX.{} ", e.to_ascii_uppercase()),
                ] {
                    names.push(n);
                }
            }
        }
        names.extend(["", ".", "example.org", "com"].map(String::from));
        for n in &names {
            let scan_host: Vec<&str> = p
                .list
                .iter()
                .filter(|x| x.matches_host(n))
                .map(|x| x.id.as_str())
                .collect();
            assert_eq!(p.detect(Some(n), None, ""), scan_host, "host {n:?}");
            let scan_domain: Vec<&str> = p
                .list
                .iter()
                .filter(|x| x.matches_domain(n))
                .map(|x| x.id.as_str())
                .collect();
            assert_eq!(p.detect(None, Some(n), ""), scan_domain, "domain {n:?}");
        }
    }

    #[test]
    fn markers_build() {
        let p = providers();
        assert!(Providers::marker_automaton(&p.markers).is_ok());
        assert!(!p.markers.is_empty());
    }

    #[test]
    fn loads_and_detects() {
        let p = Providers::load().expect("providers.toml parses");
        assert!(p.list.len() >= 15);
        assert_eq!(
            p.detect(Some("gmail-smtp-in.l.google.com"), None, ""),
            vec!["google"]
        );
        assert_eq!(p.detect(None, Some("hotmail.com"), ""), vec!["microsoft"]);
        assert_eq!(
            p.detect(Some("contoso-com.mail.protection.outlook.com."), None, ""),
            vec!["microsoft"]
        );
        assert_eq!(
            p.detect(
                None,
                None,
                "421 4.7.0 [tss04] messages from 192.0.2.1 temporarily deferred"
            ),
            vec!["yahoo"]
        );
        assert!(
            p.detect(None, Some("example.org"), "550 5.1.1 user unknown")
                .is_empty()
        );
        assert!(!p.get("microsoft").unwrap().matches_host("notoutlook.com"));
    }
}
