//! The classification rule engine: `data/rules.toml` compiled into one Aho-Corasick automaton
//! (all plain phrases, plus a required literal of each regex as its gate) and the regular
//! expressions, each on its own and built on first use, evaluated in file order.
//!
//! One pass of the automaton over the normalised reply text tells which rules' phrases match
//! and which regexes may. Then the rules are walked in order and the first whose every
//! condition holds decides; a rule's regexes (those whose gate occurred) are built and run
//! only when the walk asks for that rule's text condition, after its cheap conditions. Cost
//! per reply: linear in the text length plus a walk over a few hundred small structs.

use std::collections::{BTreeMap, HashMap};

use crate::fnv::FnvBuild;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::{DataError, DsnAction, EnhancedStatus, Reason, SmtpCommand};

/// A pattern over enhanced status codes: `5.1.1`, `x.7.1` (any class), `4.4.*`, `5.7.606-649`,
/// `5.*.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatusPattern {
    class: Option<u8>,
    subject: Option<(u16, u16)>,
    detail: Option<(u16, u16)>,
}

impl StatusPattern {
    pub(crate) fn parse(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.trim().split('.').collect();
        if parts.len() != 3 {
            return Err(format!("status pattern {s:?}: want class.subject.detail"));
        }
        let class = match parts[0] {
            "x" | "X" | "*" => None,
            c => Some(
                c.parse::<u8>()
                    .ok()
                    .filter(|c| matches!(c, 2 | 4 | 5))
                    .ok_or_else(|| format!("status pattern {s:?}: bad class"))?,
            ),
        };
        let range = |p: &str| -> Result<Option<(u16, u16)>, String> {
            if p == "*" || p == "x" || p == "X" {
                return Ok(None);
            }
            let (a, b) = p.split_once('-').unwrap_or((p, p));
            let a: u16 = a
                .parse()
                .map_err(|_| format!("status pattern {s:?}: bad number {a:?}"))?;
            let b: u16 = b
                .parse()
                .map_err(|_| format!("status pattern {s:?}: bad number {b:?}"))?;
            if a > b || b > 999 {
                return Err(format!("status pattern {s:?}: bad range"));
            }
            Ok(Some((a, b)))
        };
        Ok(Self {
            class,
            subject: range(parts[1])?,
            detail: range(parts[2])?,
        })
    }

    pub(crate) fn matches(&self, st: EnhancedStatus) -> bool {
        self.class.is_none_or(|c| c == st.class)
            && self
                .subject
                .is_none_or(|(a, b)| (a..=b).contains(&st.subject))
            && self
                .detail
                .is_none_or(|(a, b)| (a..=b).contains(&st.detail))
    }
}

/// A pattern over basic reply codes: `550`, `55x`, `5xx`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CodePattern([Option<u8>; 3]);

impl CodePattern {
    pub(crate) fn parse(s: &str) -> Result<Self, String> {
        let b = s.trim().as_bytes();
        if b.len() != 3 {
            return Err(format!(
                "code pattern {s:?}: want three characters like 550, 55x, 5xx"
            ));
        }
        let mut out = [None; 3];
        for (i, c) in b.iter().enumerate() {
            out[i] = match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'x' | b'X' | b'*' => None,
                _ => return Err(format!("code pattern {s:?}: bad character")),
            };
        }
        Ok(Self(out))
    }

    pub(crate) fn matches(&self, code: u16) -> bool {
        let d = [
            (code / 100) as u8,
            ((code / 10) % 10) as u8,
            (code % 10) as u8,
        ];
        self.0.iter().zip(d).all(|(p, d)| p.is_none_or(|p| p == d))
    }
}

include!("rules_raw.rs");
include!("gate.rs");

// `BUILTIN_PREFIXES` and their search tables (`PHRASES_*`), written by `build.rs`.
include!(concat!(env!("OUT_DIR"), "/builtin_phrases.rs"));

// `builtin_rule_file()`: the built-in `rules.toml` as a `RawRuleFile`, written by `build.rs`.
include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// The evaluation phase a rule belongs to (its table in `rules.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Primary,
    Status,
    Secondary,
    Fallback,
}

fn parse_command(s: &str) -> Option<SmtpCommand> {
    Some(match s.to_ascii_uppercase().as_str() {
        "CONNECT" | "CONN" | "GREETING" => SmtpCommand::Connect,
        "HELO" => SmtpCommand::Helo,
        "EHLO" => SmtpCommand::Ehlo,
        "STARTTLS" => SmtpCommand::Starttls,
        "AUTH" => SmtpCommand::Auth,
        "MAIL" => SmtpCommand::Mail,
        "RCPT" => SmtpCommand::Rcpt,
        "DATA" => SmtpCommand::Data,
        "BDAT" => SmtpCommand::Bdat,
        "DATA-END" | "DATAEND" | "END-OF-DATA" => SmtpCommand::DataEnd,
        "RSET" => SmtpCommand::Rset,
        "QUIT" => SmtpCommand::Quit,
        _ => return None,
    })
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub id: String,
    pub phase: Phase,
    pub reason: Reason,
    pub topic: Option<String>,
    pub provider: Option<String>,
    pub provider_only: bool,
    /// True when the rule has a text condition (text or regex).
    pub has_text: bool,
    pub status: Vec<StatusPattern>,
    pub not_status: Vec<StatusPattern>,
    pub code: Vec<CodePattern>,
    pub class: Vec<u8>,
    pub command: Vec<SmtpCommand>,
    pub not_command: Vec<SmtpCommand>,
    pub no_command: bool,
    pub action: Vec<DsnAction>,
    pub no_action: bool,
    pub has_unless: bool,
    pub unless_reason: Vec<Reason>,
}

/// What one reply looks like to the rules.
pub(crate) struct Facts<'a> {
    pub status: Option<EnhancedStatus>,
    pub code: Option<u16>,
    pub command: Option<SmtpCommand>,
    pub action: Option<DsnAction>,
    pub providers: &'a [&'a str],
}

/// All rules, compiled.
pub(crate) struct RuleSet {
    pub rules: Vec<Rule>,
    /// The distinct phrases (rule phrases, `unless` phrases, regex gates and the providers'
    /// markers; a phrase written several times is one): phrase i stands for
    /// `phrase_targets[phrase_ranges[i]]`, in the order the phrases were listed.
    phrase_list: Vec<String>,
    phrase_ranges: Vec<std::ops::Range<u32>>,
    phrase_targets: Vec<PhraseTarget>,
    /// Automaton of the phrases' first [`PREFIX_LEN`] bytes (the whole of shorter ones): one
    /// pass finds where phrases may start, a comparison each tells whether they do. Much
    /// smaller (and cheaper to build) than an automaton of the whole phrases. Pattern i is the
    /// prefix of the phrases `prefix_members[prefix_ranges[i]]` (indices into `phrase_list`).
    phrases: Option<PhraseSearch>,
    prefix_ranges: Vec<std::ops::Range<u32>>,
    prefix_members: Vec<u32>,
    /// Every rule regex, compiled on its own (see `compile`), with its rule index and whether
    /// it has a gate phrase (a literal it cannot match without, in the phrase automaton).
    regexes: Vec<(LazyRegex, usize, bool)>,
    /// Per rule: the indices of its regexes in `regexes`.
    rule_regexes: Vec<Vec<usize>>,
    /// Per status key (see [`status_key`]): a bit set of the rules whose status and class
    /// conditions may hold for a status of that key (the others cannot) ...
    possible: Vec<Vec<u64>>,
    /// ... and of those, the rules that may hold without a phrase or regex gate of theirs in
    /// the text (no text condition, or a regex without a gate). The walk tries only these and
    /// the possible rules with a hit (`TextHits::rule_bits`), in rule order.
    always: Vec<Vec<u64>>,
    /// A bit set of the rules whose text condition needs a phrase or regex gate hit (phrases,
    /// and regexes that all have a gate): without their `TextHits::rule_bits` bit, their text
    /// condition fails.
    needs_hit: Vec<u64>,
    /// Per phase (by discriminant): the indices of its rules (contiguous: the rules are sorted
    /// by phase).
    phases: [std::ops::Range<usize>; 4],
    pub hard: Vec<Reason>,
    pub hard_unless_transient: Vec<Reason>,
    pub not_bounce: Vec<Reason>,
    pub vague: Vec<Reason>,
    /// Per reason (by discriminant): indices of its text rules in the primary and secondary
    /// tables (for `unless_reason`).
    by_reason: Vec<Vec<usize>>,
}

/// The length of the phrase prefixes in the phrase automaton (see `RuleSet::phrases`).
const PREFIX_LEN: usize = 12;

/// The multiplier of the phrase tables' hash (`build.rs` builds the tables with the same).
const PHRASE_HASH: u64 = 0x9e37_79b9_7f4a_7c15;

/// A table of phrase keys generated by `build.rs` (`phrase_table` there): the prefixes at
/// least `width` bytes long, found through their first `width` bytes.
struct PhraseTable {
    /// A bit per value of the key hash's top 16 bits: set when some key has it.
    filter: &'static [u64],
    /// Open addressing on the hash's top 12 bits: key index + 1, 0 for a free slot.
    slots: &'static [u16],
    /// The distinct keys (first `width` bytes, little-endian).
    keys: &'static [u64],
    /// Per key, its prefixes: `ids[ranges[k]..ranges[k + 1]]`, each `prefix index | length
    /// << 16 | the bytes after the key (little-endian) << 32`.
    ranges: &'static [u16],
    ids: &'static [u64],
}

impl PhraseTable {
    /// Reports each prefix that starts at `text[i..]`, given `key` (its first `width` bytes,
    /// which the caller has checked exist).
    #[inline(always)]
    fn each(
        &self,
        key: u64,
        text: &[u8],
        i: usize,
        width: usize,
        found: &mut impl FnMut(usize, usize, usize),
    ) {
        let h = key.wrapping_mul(PHRASE_HASH);
        let bit = (h >> 48) as usize;
        if self
            .filter
            .get(bit >> 6)
            .is_none_or(|w| w >> (bit & 63) & 1 == 0)
        {
            return;
        }
        self.found(key, h, text, i, width, found);
    }

    /// The slow half of [`PhraseTable::each`]: the filter let `key` through.
    #[inline(never)]
    fn found(
        &self,
        key: u64,
        h: u64,
        text: &[u8],
        i: usize,
        width: usize,
        found: &mut impl FnMut(usize, usize, usize),
    ) {
        let mask = self.slots.len() - 1;
        let mut s = (h >> 52) as usize & mask;
        loop {
            let k = match self.slots.get(s) {
                Some(&0) | None => return,
                Some(&k) => k as usize - 1,
            };
            if self.keys.get(k) == Some(&key) {
                let (Some(&a), Some(&z)) = (self.ranges.get(k), self.ranges.get(k + 1)) else {
                    return;
                };
                // the (at most 4) bytes after the key
                let after = u32::from_le_bytes(padded(text, i + width));
                let left = text.len() - i;
                for &e in self.ids.get(a as usize..z as usize).unwrap_or_default() {
                    let len = (e >> 16) as u16 as usize;
                    let tail_bits = 8 * len.saturating_sub(width).min(4) as u32;
                    let tail_mask = ((1u64 << tail_bits) - 1) as u32;
                    if len <= left && after & tail_mask == (e >> 32) as u32 {
                        found(e as u16 as usize, i, i + len);
                    }
                }
                return;
            }
            s = (s + 1) & mask;
        }
    }
}

/// The `N` bytes of `text` from `i`, zero-padded past its end.
#[inline(always)]
fn padded<const N: usize>(text: &[u8], i: usize) -> [u8; N] {
    match text.get(i..i + N).and_then(|c| <[u8; N]>::try_from(c).ok()) {
        Some(w) => w,
        None => {
            let mut w = [0u8; N];
            for (x, y) in w.iter_mut().zip(text.get(i..).unwrap_or_default()) {
                *x = *y;
            }
            w
        }
    }
}

/// The automaton of the phrase prefixes.
enum PhraseSearch {
    /// The built-in rules' (`BUILTIN_PREFIXES`): hash tables generated by `build.rs`
    /// ([`PHRASES_LONG`], [`PHRASES_SHORT`], [`PHRASES_TINY`]), nothing to build at run time
    /// and a few kilobytes that stay in cache.
    Builtin,
    /// Other rule sets' (extra rule files): built at run time.
    Built(AhoCorasick),
}

impl PhraseSearch {
    /// Calls `found(pattern, start, end)` for every occurrence of every pattern in `text`
    /// (overlapping; in no particular order).
    fn each(&self, text: &[u8], mut found: impl FnMut(usize, usize, usize)) {
        match self {
            PhraseSearch::Builtin => {
                let n = text.len();
                for i in 0..n {
                    let left = n - i;
                    let w = u64::from_le_bytes(padded(text, i));
                    if left >= 8 {
                        PHRASES_LONG.each(w, text, i, 8, &mut found);
                    }
                    if left >= 4 {
                        PHRASES_SHORT.each(w & 0xffff_ffff, text, i, 4, &mut found);
                    }
                    for &(key, len, p) in PHRASES_TINY {
                        if len <= left && w & ((1u64 << (8 * len)) - 1) == key {
                            found(p as usize, i, i + len);
                        }
                    }
                }
            }
            PhraseSearch::Built(ac) => {
                for m in ac.find_overlapping_iter(text) {
                    found(m.pattern().as_usize(), m.start(), m.end());
                }
            }
        }
    }
}

/// What a phrase of the automaton stands for.
#[derive(Debug, Clone, Copy)]
enum PhraseTarget {
    /// A text (`false`) or `unless` (`true`) phrase of a rule (its index).
    Rule(u32, bool),
    /// The gate of a regex (its index in `regexes`).
    Gate(u32),
    /// A provider marker (its index in `Providers::markers`).
    Marker(u32),
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rules.len())
            .finish()
    }
}

/// A rule regex, built the first time a text needs it. Most gated regexes never run on a
/// given corpus, and building all of them up front was the largest part of the start-up of
/// `mailway bounce` / `explain` (about 0.13 G instructions, more than analysing 400 bounces).
/// Rule files given at run time are still checked eagerly by [`RuleSet::compile`] so that a bad
/// regex is reported there; the built-in ones are checked by the crate's tests.
pub(crate) struct LazyRegex {
    pattern: String,
    /// What every match needs (see [`regex_needs`]): checked before the regex is built or run,
    /// so that most regexes whose gate occurred are still neither built nor run.
    needs: Vec<Vec<String>>,
    built: std::sync::OnceLock<Matcher>,
}

/// A built rule regex: only "does it match" is ever asked, so only a forward lazy DFA is built
/// (what the `regex` crate runs for `is_match` too, after building its other engines as well:
/// about three times the instructions). The `regex` crate's regex, same syntax, is kept for
/// the impossible case of the lazy DFA giving up.
struct Matcher {
    /// `None` when the lazy DFA does not build (too big for its cache; not the case of any
    /// built-in regex): then the `regex` crate's regex decides.
    dfa: Option<regex_automata::hybrid::dfa::DFA>,
    /// Search caches, one per concurrent search (bounce analysis runs on several threads).
    caches: std::sync::Mutex<Vec<regex_automata::hybrid::dfa::Cache>>,
    fallback: std::sync::OnceLock<Option<Regex>>,
}

impl LazyRegex {
    /// The `regex` crate's regex: byte-oriented and ASCII-only (`\b`, `\d`, `.` = any byte but
    /// `\n`: the text is already lower-cased), each regex on its own (see `RuleSet::compile`).
    fn build(pattern: &str) -> Result<Regex, regex::Error> {
        RegexBuilder::new(pattern)
            .case_insensitive(true)
            .unicode(false)
            .size_limit(16 << 20)
            .build()
    }

    /// The lazy DFA of the same regex as [`LazyRegex::build`] (same syntax settings).
    fn build_dfa(pattern: &str) -> Option<regex_automata::hybrid::dfa::DFA> {
        use regex_automata::{hybrid::dfa, nfa::thompson, util::syntax};
        dfa::Builder::new()
            .syntax(
                syntax::Config::new()
                    .case_insensitive(true)
                    .unicode(false)
                    .utf8(false),
            )
            .thompson(
                thompson::Config::new()
                    .utf8(false)
                    .nfa_size_limit(Some(16 << 20))
                    .which_captures(thompson::WhichCaptures::None),
            )
            .build(pattern)
            .ok()
    }

    /// Whether the regex matches; a regex that does not build (impossible for checked data)
    /// matches nothing.
    fn is_match(&self, text: &str) -> bool {
        if !self
            .needs
            .iter()
            .all(|alts| alts.iter().any(|a| text.contains(a.as_str())))
        {
            return false;
        }
        let text = text.as_bytes();
        let m = self.built.get_or_init(|| Matcher {
            dfa: Self::build_dfa(&self.pattern),
            caches: std::sync::Mutex::new(Vec::new()),
            fallback: std::sync::OnceLock::new(),
        });
        let found = m.dfa.as_ref().and_then(|dfa| {
            let cached = m.caches.lock().ok().and_then(|mut c| c.pop());
            let mut cache = cached.unwrap_or_else(|| dfa.create_cache());
            let found = dfa
                .try_search_fwd(&mut cache, &regex_automata::Input::new(text).earliest(true))
                .ok();
            if let Ok(mut c) = m.caches.lock() {
                c.push(cache);
            }
            found
        });
        match found {
            Some(half) => half.is_some(),
            // no lazy DFA, or it gave up (it is configured never to): the full regex
            None => m
                .fallback
                .get_or_init(|| Self::build(&self.pattern).ok())
                .as_ref()
                .is_some_and(|r| r.is_match(text)),
        }
    }
}

/// Which rules' text and veto conditions matched one text. The phrases are all looked up at
/// once; a rule's regexes run only when its text condition is asked for ([`TextHits::text`]),
/// so that regexes of rules the walk never reaches are neither built nor run.
pub(crate) struct TextHits<'a> {
    set: &'a RuleSet,
    normalised: &'a str,
    /// Per rule (`HIT_*` bits): one of its phrases occurs, one of its `unless` phrases occurs,
    /// whether one of its regexes matches (filled lazily); then per regex (after the rules):
    /// its gate phrase occurs (meaningless for ungated regexes). One allocation per text.
    flags: Vec<Cell<u8>>,
    /// A bit set of the rules one of whose phrases or regex gates occurs.
    rule_bits: Vec<u64>,
    /// Per reason (by discriminant): whether a text rule of that reason holds; filled lazily
    /// (`MEMO_*`).
    reason_memo: [Cell<u8>; REASONS],
    /// The providers' markers found (indices into `Providers::markers`), in the order the
    /// overlapping search reports them.
    pub markers: Vec<usize>,
}

use std::cell::Cell;

const REASONS: usize = Reason::ALL.len();
/// A phrase of the rule occurs.
const HIT_TEXT: u8 = 1;
/// An `unless` phrase of the rule occurs.
const HIT_UNLESS: u8 = 2;
/// The rule's regexes were run (then `HIT_REGEX` tells whether one matched).
const HIT_REGEX_KNOWN: u8 = 4;
const HIT_REGEX: u8 = 8;
/// A regex's gate phrase occurs.
const HIT_GATE: u8 = 16;
const MEMO_KNOWN: u8 = 1;
const MEMO_TRUE: u8 = 2;

impl TextHits<'_> {
    /// Rule `i`'s text condition when it is known without running a regex: `Some(true)` when a
    /// phrase occurs, `Some(false)` when none does and the rule has no regex.
    fn text_known(&self, i: usize) -> Option<bool> {
        if self.flag(i) & HIT_TEXT != 0 {
            return Some(true);
        }
        match self.set.rule_regexes.get(i) {
            Some(l) if !l.is_empty() => None,
            _ => Some(false),
        }
    }

    /// Whether rule `i`'s text condition holds: one of its phrases occurs or one of its regexes
    /// matches (a gated regex whose gate phrase is absent cannot match and is not run).
    pub fn text(&self, i: usize) -> bool {
        let f = self.flag(i);
        if f & HIT_TEXT != 0 {
            return true;
        }
        if f & HIT_REGEX_KNOWN != 0 {
            return f & HIT_REGEX != 0;
        }
        let Some(list) = self.set.rule_regexes.get(i).filter(|l| !l.is_empty()) else {
            return false;
        };
        let rules = self.set.rules.len();
        let matched = list.iter().any(|&k| {
            let (re, _, gated) = &self.set.regexes[k];
            (!*gated || self.flag(rules + k) & HIT_GATE != 0) && re.is_match(self.normalised)
        });
        if let Some(c) = self.flags.get(i) {
            c.set(f | HIT_REGEX_KNOWN | if matched { HIT_REGEX } else { 0 });
        }
        matched
    }
    pub fn unless(&self, i: usize) -> bool {
        self.flag(i) & HIT_UNLESS != 0
    }
    /// The `HIT_*` bits of rule `i` (or of regex `i - rules`).
    fn flag(&self, i: usize) -> u8 {
        self.flags.get(i).map_or(0, Cell::get)
    }
}

impl RuleSet {
    /// A rule set with no rules.
    pub(crate) fn empty() -> Self {
        Self {
            rules: Vec::new(),
            phrase_list: Vec::new(),
            phrase_ranges: Vec::new(),
            phrase_targets: Vec::new(),
            phrases: None,
            prefix_ranges: Vec::new(),
            prefix_members: Vec::new(),
            regexes: Vec::new(),
            rule_regexes: Vec::new(),
            phases: [0..0, 0..0, 0..0, 0..0],
            possible: Vec::new(),
            always: Vec::new(),
            needs_hit: Vec::new(),
            hard: Vec::new(),
            hard_unless_transient: Vec::new(),
            not_bounce: Vec::new(),
            vague: Vec::new(),
            by_reason: Vec::new(),
        }
    }

    /// Compiles rule files (each a `rules.toml`-format string, later files' rules after earlier
    /// ones; the first file's `[reasons]` table wins unless a later one has its own).
    pub(crate) fn compile(sources: &[(&str, &str)]) -> Result<Self, DataError> {
        Self::compile_with(sources, true)
    }

    fn compile_with(sources: &[(&str, &str)], eager: bool) -> Result<Self, DataError> {
        Self::compile_with_tables(sources, eager, true)
    }

    /// `static_tables`: use the grouping of the built-in phrases made by `build.rs` when the
    /// phrases are the built-in ones (false in a test, to compare with the grouping made here).
    fn compile_with_tables(
        sources: &[(&str, &str)],
        eager: bool,
        static_tables: bool,
    ) -> Result<Self, DataError> {
        let mut files = Vec::with_capacity(sources.len());
        for (name, src) in sources {
            let file: RawRuleFile = toml::from_str(src).map_err(|e| DataError::Toml {
                file: name.to_string(),
                message: e.to_string(),
            })?;
            files.push((name.to_string(), file));
        }
        Self::compile_files(files, eager, static_tables)
    }

    /// The built-in rules, parsed at build time (see `build.rs`): no TOML parse at run time.
    /// Each regex is built on first use (the tests build and check the built-in ones).
    pub(crate) fn compile_builtin() -> Result<Self, DataError> {
        Self::compile_files(
            vec![("rules.toml".to_string(), builtin_rule_file())],
            false,
            true,
        )
    }

    fn compile_files(
        files: Vec<(String, RawRuleFile)>,
        eager: bool,
        static_tables: bool,
    ) -> Result<Self, DataError> {
        let mut raw_rules: Vec<(String, Phase, RawRule)> = Vec::new();
        let mut reasons = RawReasons::default();
        for (name, file) in files {
            if let Some(r) = file.reasons {
                reasons = r;
            }
            for (phase, list) in [
                (Phase::Primary, file.primary),
                (Phase::Status, file.status),
                (Phase::Secondary, file.secondary),
                (Phase::Fallback, file.fallback),
            ] {
                raw_rules.extend(list.into_iter().map(|r| (name.clone(), phase, r)));
            }
        }
        let bad = |file: &str, id: &str, message: String| DataError::Rule {
            file: file.to_string(),
            rule: id.to_string(),
            message,
        };
        let reason_of = |file: &str, id: &str, s: &str| -> Result<Reason, DataError> {
            // a name as written in the built-in file first (no trim, no case folding)
            if let Some(r) = Reason::ALL.iter().find(|r| r.as_str() == s) {
                return Ok(*r);
            }
            s.parse::<Reason>()
                .map_err(|_| bad(file, id, format!("unknown reason {s:?}")))
        };
        let mut rules = Vec::with_capacity(raw_rules.len());
        // (sized for the built-in rules: a few phrases a rule)
        let mut phrases: Vec<String> = Vec::with_capacity(raw_rules.len() * 8);
        let mut phrase_owner = Vec::with_capacity(raw_rules.len() * 8);
        let mut regexes: Vec<String> = Vec::new();
        let mut regex_owner = Vec::new();
        let mut seen: HashMap<&str, (), FnvBuild> =
            HashMap::with_capacity_and_hasher(raw_rules.len(), FnvBuild::default());
        // Stable order: all primary rules (of every file, in file order), then status, ...
        raw_rules.sort_by_key(|(_, phase, _)| *phase as u8);
        // `same_text_as`: borrow another rule's phrases and regexes (added to the rule's own).
        // (only the rules some rule borrows from are copied)
        let wanted: std::collections::BTreeSet<String> = raw_rules
            .iter()
            .filter_map(|(_, _, r)| r.same_text_as.clone())
            .collect();
        let by_id: BTreeMap<String, (Vec<String>, Vec<String>)> = raw_rules
            .iter()
            .filter(|(_, _, r)| wanted.contains(&r.id))
            .map(|(_, _, r)| (r.id.clone(), (r.text.clone(), r.regex.clone())))
            .collect();
        for (file, _, r) in raw_rules.iter_mut() {
            if let Some(other) = r.same_text_as.clone() {
                let Some((t, re)) = by_id.get(&other) else {
                    return Err(bad(file, &r.id, format!("same_text_as: no rule {other:?}")));
                };
                r.text.extend(t.iter().cloned());
                r.regex.extend(re.iter().cloned());
            }
        }
        for (idx, (file, phase, r)) in raw_rules.iter().enumerate() {
            if seen.insert(r.id.as_str(), ()).is_some() {
                return Err(bad(file, &r.id, "duplicate rule id".into()));
            }
            let reason = reason_of(file, &r.id, &r.reason)?;
            let status = r
                .status
                .iter()
                .map(|s| StatusPattern::parse(s).map_err(|m| bad(file, &r.id, m)))
                .collect::<Result<Vec<_>, _>>()?;
            let not_status = r
                .not_status
                .iter()
                .map(|s| StatusPattern::parse(s).map_err(|m| bad(file, &r.id, m)))
                .collect::<Result<Vec<_>, _>>()?;
            let code = r
                .code
                .iter()
                .map(|s| CodePattern::parse(s).map_err(|m| bad(file, &r.id, m)))
                .collect::<Result<Vec<_>, _>>()?;
            let cmds = |v: &[String]| -> Result<Vec<SmtpCommand>, DataError> {
                v.iter()
                    .map(|c| {
                        parse_command(c)
                            .ok_or_else(|| bad(file, &r.id, format!("unknown command {c:?}")))
                    })
                    .collect()
            };
            let action = r
                .action
                .iter()
                .map(|a| {
                    a.parse::<DsnAction>()
                        .map_err(|_| bad(file, &r.id, format!("unknown action {a:?}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if r.class.iter().any(|c| !matches!(c, 2 | 4 | 5)) {
                return Err(bad(file, &r.id, "class must be 2, 4 or 5".into()));
            }
            let has_text = !r.text.is_empty() || !r.regex.is_empty();
            if !has_text
                && status.is_empty()
                && code.is_empty()
                && r.class.is_empty()
                && r.command.is_empty()
                && action.is_empty()
                && !r.no_action
            {
                return Err(bad(file, &r.id, "a rule needs at least one of text, regex, status, code, class, command, action".into()));
            }
            for t in &r.text {
                let n = crate::normalise_phrase(t);
                if n.is_empty() {
                    return Err(bad(file, &r.id, "empty text pattern".into()));
                }
                phrases.push(n);
                phrase_owner.push((idx, false));
            }
            for t in &r.unless {
                let n = crate::normalise_phrase(t);
                if n.is_empty() {
                    return Err(bad(file, &r.id, "empty unless pattern".into()));
                }
                phrases.push(n);
                phrase_owner.push((idx, true));
            }
            for re in &r.regex {
                regexes.push(re.clone());
                regex_owner.push((idx, false));
            }
            let unless_reason = r
                .unless_reason
                .iter()
                .map(|s| reason_of(file, &r.id, s))
                .collect::<Result<Vec<_>, _>>()?;
            rules.push(Rule {
                id: r.id.clone(),
                phase: *phase,
                reason,
                topic: r.topic.clone(),
                provider: r.provider.clone(),
                provider_only: r.provider_only,
                has_text,
                status,
                not_status,
                code,
                class: r.class.clone(),
                command: cmds(&r.command)?,
                not_command: cmds(&r.not_command)?,
                no_command: r.no_command,
                action,
                no_action: r.no_action,
                has_unless: !r.unless.is_empty(),
                unless_reason,
            });
        }
        let list = |v: &[String]| -> Result<Vec<Reason>, DataError> {
            v.iter()
                .map(|s| reason_of("rules", "[reasons]", s))
                .collect()
        };
        // Gates: a literal each regex needs (see `regex_gate`), found by the same automaton
        // pass as the phrases, so that most regexes are never run on a text.
        let gate_start = phrases.len();
        let mut gate_regex = Vec::new();
        let mut gated = vec![false; regexes.len()];
        for (k, re) in regexes.iter().enumerate() {
            if let Some(g) = regex_gate(re) {
                phrases.push(g);
                gate_regex.push(k);
                gated[k] = true;
            }
        }
        let marker_start = phrases.len();
        phrases.extend(crate::provider::providers().markers.iter().cloned());
        // What each listed phrase stands for ...
        let target = |p: usize| {
            if p >= marker_start {
                PhraseTarget::Marker((p - marker_start) as u32)
            } else if p >= gate_start {
                PhraseTarget::Gate(gate_regex[p - gate_start] as u32)
            } else {
                let (rule, is_unless) = phrase_owner[p];
                PhraseTarget::Rule(rule as u32, is_unless)
            }
        };
        // ... grouped by distinct phrase (in order of first appearance; each group in list
        // order, so that the markers are still reported as an automaton of every listed phrase
        // would: by end position, longest first, then in list order).
        let mut distinct: Vec<&str> = Vec::with_capacity(phrases.len());
        let mut groups: Vec<Vec<PhraseTarget>> = Vec::with_capacity(phrases.len());
        // the built-in phrase list: grouped by build.rs (the same grouping, no hashing here)
        let builtin = static_tables
            && phrases.len() == BUILTIN_PHRASES.len()
            && phrases.iter().zip(BUILTIN_PHRASES).all(|(a, b)| a == b);
        if builtin {
            distinct.resize(BUILTIN_PREFIX_OF.len(), "");
            groups.resize(BUILTIN_PREFIX_OF.len(), Vec::new());
            for (p, ph) in phrases.iter().enumerate() {
                let k = BUILTIN_DISTINCT_OF.get(p).map_or(0, |&k| k as usize);
                if let (Some(d), Some(g)) = (distinct.get_mut(k), groups.get_mut(k)) {
                    if g.is_empty() {
                        *d = ph.as_str();
                    }
                    g.push(target(p));
                }
            }
        } else {
            let mut slot: HashMap<&str, usize, FnvBuild> =
                HashMap::with_capacity_and_hasher(phrases.len(), FnvBuild::default());
            for (p, ph) in phrases.iter().enumerate() {
                let k = *slot.entry(ph.as_str()).or_insert_with(|| {
                    distinct.push(ph.as_str());
                    groups.push(Vec::new());
                    groups.len() - 1
                });
                groups[k].push(target(p));
            }
        }
        let mut phrase_ranges = Vec::with_capacity(groups.len());
        let mut phrase_targets = Vec::with_capacity(phrases.len());
        for g in groups {
            let start = phrase_targets.len() as u32;
            phrase_targets.extend(g);
            phrase_ranges.push(start..phrase_targets.len() as u32);
        }
        // the prefixes, distinct, each with its phrases (in phrase order)
        let mut prefixes: Vec<&[u8]> = Vec::with_capacity(distinct.len());
        let mut members: Vec<Vec<u32>> = Vec::with_capacity(distinct.len());
        if builtin {
            prefixes.extend_from_slice(BUILTIN_PREFIXES);
            members.resize(BUILTIN_PREFIXES.len(), Vec::new());
            for i in 0..distinct.len() {
                let k = BUILTIN_PREFIX_OF.get(i).map_or(0, |&k| k as usize);
                if let Some(m) = members.get_mut(k) {
                    m.push(i as u32);
                }
            }
        } else {
            let mut prefix_slot: HashMap<&[u8], usize, FnvBuild> =
                HashMap::with_capacity_and_hasher(distinct.len(), FnvBuild::default());
            for (i, ph) in distinct.iter().enumerate() {
                let b = ph.as_bytes();
                let pre = &b[..b.len().min(PREFIX_LEN)];
                let k = *prefix_slot.entry(pre).or_insert_with(|| {
                    prefixes.push(pre);
                    members.push(Vec::new());
                    members.len() - 1
                });
                members[k].push(i as u32);
            }
        }
        let mut prefix_ranges = Vec::with_capacity(members.len());
        let mut prefix_members = Vec::with_capacity(distinct.len());
        for m in members {
            let start = prefix_members.len() as u32;
            prefix_members.extend(m);
            prefix_ranges.push(start..prefix_members.len() as u32);
        }
        let phrases_ac = if prefixes.is_empty() {
            None
        } else if builtin
            || (prefixes.len() == BUILTIN_PREFIXES.len()
                && prefixes.iter().zip(BUILTIN_PREFIXES).all(|(a, b)| a == b))
        {
            Some(PhraseSearch::Builtin)
        } else {
            Some(PhraseSearch::Built(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .build(&prefixes)
                    .map_err(|e| DataError::Rule {
                        file: "rules".into(),
                        rule: "*".into(),
                        message: e.to_string(),
                    })?,
            ))
        };
        let phrase_list: Vec<String> = distinct.iter().map(|d| d.to_string()).collect();
        // Each regex on its own, byte-oriented and ASCII-only (`\b`, `\d`, `.` = any byte: the
        // text is already lower-cased). Compiled apart, every regex gets the regex engine's
        // literal prefilter ("user ", "spf", ...) and a small lazy DFA; one RegexSet of them all
        // (bounded repetitions like `.{1,80}` in many patterns) overflowed the lazy DFA's cache
        // and ran in the PikeVM, at about half of the whole bounce analysis time.
        let mut compiled = Vec::with_capacity(regexes.len());
        for (re, &(idx, _)) in regexes.iter().zip(&regex_owner) {
            let built = std::sync::OnceLock::new();
            if eager {
                // checked with the `regex` crate (its error messages); run as a lazy DFA
                LazyRegex::build(re).map_err(|e| {
                    let (file, _, r) = &raw_rules[idx];
                    bad(file, &r.id, format!("bad regex {re:?}: {e}"))
                })?;
            }
            let lazy = LazyRegex {
                pattern: re.clone(),
                needs: regex_needs(re),
                built,
            };
            compiled.push((lazy, idx, gated[compiled.len()]));
        }
        let mut rule_regexes = vec![Vec::new(); rules.len()];
        for (k, &(idx, _)) in regex_owner.iter().enumerate() {
            if let Some(list) = rule_regexes.get_mut(idx) {
                list.push(k);
            }
        }
        let mut by_reason = vec![Vec::new(); Reason::ALL.len()];
        for (i, r) in rules.iter().enumerate() {
            if r.has_text
                && matches!(r.phase, Phase::Primary | Phase::Secondary)
                && let Some(list) = by_reason.get_mut(r.reason as usize)
            {
                list.push(i);
            }
        }
        let mut phases = [0..0, 0..0, 0..0, 0..0];
        for (slot, range) in phases.iter_mut().enumerate() {
            let start = rules.partition_point(|r| (r.phase as usize) < slot);
            let end = rules.partition_point(|r| (r.phase as usize) <= slot);
            *range = start..end;
        }
        // the walk's index (see `possible`)
        let words = rules.len().div_ceil(64);
        let mut possible = vec![vec![0u64; words]; STATUS_KEYS];
        let mut always = vec![vec![0u64; words]; STATUS_KEYS];
        let mut needs_hit_bits = vec![0u64; words];
        for (i, r) in rules.iter().enumerate() {
            let needs_hit = r.has_text
                && rule_regexes[i]
                    .iter()
                    .all(|&k| gated.get(k).copied().unwrap_or(false));
            if needs_hit {
                needs_hit_bits[i / 64] |= 1 << (i % 64);
            }
            for key in 0..STATUS_KEYS {
                if !status_may_hold(r, key) {
                    continue;
                }
                possible[key][i / 64] |= 1 << (i % 64);
                if !needs_hit {
                    always[key][i / 64] |= 1 << (i % 64);
                }
            }
        }
        Ok(Self {
            by_reason,
            phases,
            possible,
            always,
            needs_hit: needs_hit_bits,
            rules,
            phrase_list,
            phrase_ranges,
            phrase_targets,
            phrases: phrases_ac,
            prefix_ranges,
            prefix_members,
            regexes: compiled,
            rule_regexes,
            hard: list(&reasons.hard)?,
            hard_unless_transient: list(&reasons.hard_unless_transient)?,
            not_bounce: list(&reasons.not_bounce)?,
            vague: list(&reasons.vague)?,
        })
    }

    /// Finds which rules' phrases match `normalised` (lower-case, collapsed spaces); their
    /// regexes are run on demand by [`TextHits::text`].
    pub(crate) fn text_hits<'a>(&'a self, normalised: &'a str) -> TextHits<'a> {
        let n = self.rules.len();
        let mut flags = vec![Cell::new(0u8); n + self.regexes.len()];
        let mut rule_bits = vec![0u64; n.div_ceil(64)];
        let mut markers = Vec::new();
        if let Some(ac) = &self.phrases {
            let text = normalised.as_bytes();
            // (end, length, marker index) of each marker occurrence
            let mut found_markers: Vec<(usize, usize, usize)> = Vec::new();
            ac.each(text, |pattern, at, end| {
                let rest = text.get(end..).unwrap_or_default();
                let prefix_len = end - at;
                let candidates = self
                    .prefix_ranges
                    .get(pattern)
                    .and_then(|r| self.prefix_members.get(r.start as usize..r.end as usize))
                    .unwrap_or_default();
                for &d in candidates {
                    let d = d as usize;
                    let Some(phrase) = self.phrase_list.get(d) else {
                        continue;
                    };
                    // the prefix matched: the rest of the phrase must follow
                    let tail = phrase.as_bytes().get(prefix_len..).unwrap_or_default();
                    let follows = match tail.first() {
                        None => true,
                        Some(&b) => {
                            rest.first() == Some(&b)
                                && rest.get(..tail.len()).is_some_and(|r| r == tail)
                        }
                    };
                    if !follows {
                        continue;
                    }
                    let targets = self
                        .phrase_ranges
                        .get(d)
                        .and_then(|r| self.phrase_targets.get(r.start as usize..r.end as usize))
                        .unwrap_or_default();
                    for t in targets {
                        let (slot, bit) = match *t {
                            PhraseTarget::Marker(k) => {
                                found_markers.push((at + phrase.len(), phrase.len(), k as usize));
                                continue;
                            }
                            PhraseTarget::Gate(k) => {
                                if let Some(&(_, rule, _)) = self.regexes.get(k as usize)
                                    && let Some(w) = rule_bits.get_mut(rule / 64)
                                {
                                    *w |= 1 << (rule % 64);
                                }
                                (n + k as usize, HIT_GATE)
                            }
                            PhraseTarget::Rule(rule, false) => {
                                if let Some(w) = rule_bits.get_mut(rule as usize / 64) {
                                    *w |= 1 << (rule % 64);
                                }
                                (rule as usize, HIT_TEXT)
                            }
                            PhraseTarget::Rule(rule, true) => (rule as usize, HIT_UNLESS),
                        };
                        if let Some(f) = flags.get_mut(slot) {
                            *f.get_mut() |= bit;
                        }
                    }
                }
            });
            // in the order an automaton of the whole phrases reports them: by end position,
            // longest first, then in list order
            found_markers.sort_unstable_by_key(|&(end, len, k)| (end, std::cmp::Reverse(len), k));
            markers.extend(found_markers.into_iter().map(|(_, _, k)| k));
        }
        TextHits {
            set: self,
            normalised,
            flags,
            rule_bits,
            reason_memo: [const { Cell::new(0) }; REASONS],
            markers,
        }
    }

    /// True when a text rule of `reason` (primary or secondary) holds on its own: its text and
    /// every other condition except `unless_reason`.
    /// Memoised per text (in `hits`): each reason is worked out at most once per reply.
    fn reason_text_matched(&self, facts: &Facts<'_>, hits: &TextHits, reason: Reason) -> bool {
        let slot = reason as usize;
        let memo = hits.reason_memo.get(slot).map_or(0, Cell::get);
        if memo & MEMO_KNOWN != 0 {
            return memo & MEMO_TRUE != 0;
        }
        let matched = self.by_reason.get(slot).is_some_and(|list| {
            list.iter().any(|&i| {
                // a rule that needs a hit and has none fails on its text (see `needs_hit`)
                let bit = |v: &[u64]| v.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 != 0);
                (!bit(&self.needs_hit) || bit(&hits.rule_bits))
                    && hits.text(i)
                    && self.holds(i, facts, hits, false)
            })
        });
        if let Some(m) = hits.reason_memo.get(slot) {
            m.set(MEMO_KNOWN | if matched { MEMO_TRUE } else { 0 });
        }
        matched
    }

    /// Whether rule `i` holds; `unless_reason` is only checked when `deep` (one level).
    fn holds(&self, i: usize, facts: &Facts<'_>, hits: &TextHits, deep: bool) -> bool {
        let r = &self.rules[i];
        // A text condition without regexes is a lookup: first. One with regexes (which may have
        // to be built and run) after the other, cheap conditions.
        if r.has_text && !hits.text_known(i).unwrap_or(true) {
            return false;
        }
        if r.has_unless && hits.unless(i) {
            return false;
        }
        if !r.status.is_empty()
            && !facts
                .status
                .is_some_and(|s| r.status.iter().any(|p| p.matches(s)))
        {
            return false;
        }
        if facts
            .status
            .is_some_and(|s| r.not_status.iter().any(|p| p.matches(s)))
        {
            return false;
        }
        if !r.code.is_empty()
            && !facts
                .code
                .is_some_and(|c| r.code.iter().any(|p| p.matches(c)))
        {
            return false;
        }
        if !r.class.is_empty() {
            let class = facts
                .status
                .map(|s| s.class)
                .or(facts.code.map(|c| (c / 100) as u8));
            if !class.is_some_and(|c| r.class.contains(&c)) {
                return false;
            }
        }
        if !r.command.is_empty() && !facts.command.is_some_and(|c| r.command.contains(&c)) {
            return false;
        }
        if facts.command.is_some_and(|c| r.not_command.contains(&c)) {
            return false;
        }
        if r.no_command && facts.command.is_some() {
            return false;
        }
        if !r.action.is_empty() && !facts.action.is_some_and(|a| r.action.contains(&a)) {
            return false;
        }
        if r.no_action && facts.action.is_some() {
            return false;
        }
        if r.provider_only
            && !r
                .provider
                .as_ref()
                .is_some_and(|p| facts.providers.iter().any(|q| *q == p))
        {
            return false;
        }
        if r.has_text && !hits.text(i) {
            return false;
        }
        if deep
            && r.unless_reason
                .iter()
                .any(|other| self.reason_text_matched(facts, hits, *other))
        {
            return false;
        }
        true
    }

    /// The index of the first rule of `phase` that holds for `facts` with `hits`.
    pub(crate) fn first_match(
        &self,
        phase: Phase,
        facts: &Facts<'_>,
        hits: &TextHits,
    ) -> Option<usize> {
        // the rules are in phase order (see `compile_with`)
        let range = self.phases.get(phase as usize).cloned().unwrap_or(0..0);
        let key = status_key(facts.status);
        let (Some(always), Some(possible)) = (self.always.get(key), self.possible.get(key)) else {
            return range
                .into_iter()
                .find(|&i| self.holds(i, facts, hits, true));
        };
        // only the rules that may hold, in order (the others cannot: see `possible`)
        let mut w = range.start / 64;
        while w * 64 < range.end {
            let mut bits = always.get(w).copied().unwrap_or(0)
                | (hits.rule_bits.get(w).copied().unwrap_or(0)
                    & possible.get(w).copied().unwrap_or(0));
            if range.start > w * 64 {
                bits &= u64::MAX << (range.start - w * 64);
            }
            if range.end < (w + 1) * 64 {
                bits &= (1u64 << (range.end - w * 64)) - 1;
            }
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if self.holds(i, facts, hits, true) {
                    return Some(i);
                }
            }
            w += 1;
        }
        None
    }

    /// [`RuleSet::reason_text_matched`] trying every text rule of the reason, not memoised.
    #[cfg(test)]
    fn reason_text_matched_scan(&self, facts: &Facts<'_>, hits: &TextHits, reason: Reason) -> bool {
        self.by_reason.get(reason as usize).is_some_and(|list| {
            list.iter()
                .any(|&i| hits.text(i) && self.holds(i, facts, hits, false))
        })
    }

    /// [`RuleSet::first_match`] trying every rule of the phase (what the index stands for).
    #[cfg(test)]
    fn first_match_scan(&self, phase: Phase, facts: &Facts<'_>, hits: &TextHits) -> Option<usize> {
        let range = self.phases.get(phase as usize).cloned().unwrap_or(0..0);
        range
            .into_iter()
            .find(|&i| self.holds(i, facts, hits, true))
    }
}

/// The number of status keys (see [`status_key`]).
const STATUS_KEYS: usize = 1 + 3 * 9;

/// The index of a status in the rule walk's index: 0 without a status, else by class (2, 4, 5)
/// and subject (0 to 7, 8 for any other).
fn status_key(status: Option<EnhancedStatus>) -> usize {
    match status {
        None => 0,
        Some(s) => {
            let class = match s.class {
                2 => 0,
                4 => 1,
                _ => 2,
            };
            1 + class * 9 + usize::from(s.subject.min(8))
        }
    }
}

/// Whether rule `r`'s status and class conditions may hold for a status of key `key` (false
/// only when they cannot hold for any status of that key; the other conditions are not read).
fn status_may_hold(r: &Rule, key: usize) -> bool {
    if key == 0 {
        // no status: a status condition fails; a class one may hold by the reply code
        return r.status.is_empty();
    }
    let class = [2u8, 4, 5][((key - 1) / 9).min(2)];
    let subject = ((key - 1) % 9) as u16;
    let subject_may = |range: Option<(u16, u16)>| {
        range.is_none_or(|(a, b)| {
            if subject < 8 {
                (a..=b).contains(&subject)
            } else {
                b >= 8
            }
        })
    };
    (r.status.is_empty()
        || r.status
            .iter()
            .any(|p| p.class.is_none_or(|c| c == class) && subject_may(p.subject)))
        && (r.class.is_empty() || r.class.contains(&class))
}

/// Literals that every match of `re` contains, as a conjunction of alternatives: each inner list
/// holds strings one of which occurs in any text `re` matches (lower case, as in the normalised
/// text). Read from the top level of the pattern only: runs of plain characters (as in
/// [`regex_gate`]) and groups that are a plain alternation of such runs (`(?:full|quota)`), not
/// made optional by a quantifier. Conservative: a pattern it cannot read (a top-level `|`, flags,
/// escapes other than the simple ones) needs nothing, and anything unclear is left out.
pub(crate) fn regex_needs(re: &str) -> Vec<Vec<String>> {
    let b = re.as_bytes();
    let mut needs: Vec<Vec<String>> = Vec::new();
    let mut run = String::new();
    let flush = |run: &mut String, needs: &mut Vec<Vec<String>>| {
        if !run.is_empty() {
            needs.push(vec![std::mem::take(run)]);
        }
    };
    // the literal an escape `\c` stands for; Err(()) for an escape not read here
    let escaped = |e: u8| -> Result<Option<u8>, ()> {
        if b".()[]{}|?*+^$\\-/ ".contains(&e) {
            Ok(Some(e))
        } else if b"bBdDsSwWAz".contains(&e) {
            Ok(None)
        } else {
            Err(())
        }
    };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'|' => return Vec::new(),
            b'[' => {
                flush(&mut run, &mut needs);
                i = after_class(b, i);
            }
            b'(' => {
                flush(&mut run, &mut needs);
                // the group's end, and whether it is a plain alternation of literals
                let mut j = i + 1;
                let mut plain = true;
                if b.get(j) == Some(&b'?') {
                    if b.get(j + 1) == Some(&b':') {
                        j += 2;
                    } else {
                        // flags `(?i)`, named groups, ...: not read
                        return Vec::new();
                    }
                }
                let mut depth = 1usize;
                let mut alts: Vec<String> = vec![String::new()];
                while j < b.len() && depth > 0 {
                    match b[j] {
                        b'\\' => {
                            match b.get(j + 1).map(|&e| escaped(e)) {
                                Some(Ok(Some(l))) if depth == 1 => {
                                    if let Some(a) = alts.last_mut() {
                                        a.push(l.to_ascii_lowercase() as char);
                                    }
                                }
                                Some(Ok(_)) => plain = false,
                                _ => return Vec::new(),
                            }
                            j += 2;
                            continue;
                        }
                        b'(' => {
                            depth += 1;
                            plain = false;
                        }
                        b')' => depth -= 1,
                        b'[' => {
                            plain = false;
                            // on the class's `]`: the step below goes past it
                            j = after_class(b, j) - 1;
                        }
                        b'|' if depth == 1 => alts.push(String::new()),
                        b'.' | b'?' | b'*' | b'+' | b'{' | b'}' | b'^' | b'$' | b'|' => {
                            plain = false
                        }
                        l if l.is_ascii() && !l.is_ascii_control() => {
                            if depth == 1
                                && let Some(a) = alts.last_mut()
                            {
                                a.push(l.to_ascii_lowercase() as char);
                            }
                        }
                        _ => plain = false,
                    }
                    j += 1;
                }
                if depth > 0 {
                    return Vec::new();
                }
                i = j;
                // a group made optional (or repeated from zero) is needed by nothing
                let optional = match b.get(i) {
                    Some(b'?' | b'*') => true,
                    Some(b'{') => !matches!(b.get(i + 1), Some(b'1'..=b'9')),
                    _ => false,
                };
                if plain && !optional && alts.iter().all(|a| !a.is_empty()) {
                    needs.push(alts);
                }
            }
            b'\\' => {
                match b.get(i + 1).map(|&e| escaped(e)) {
                    Some(Ok(Some(l))) => run.push(l.to_ascii_lowercase() as char),
                    Some(Ok(None)) => flush(&mut run, &mut needs),
                    _ => return Vec::new(),
                }
                i += 2;
            }
            b'.' | b'^' | b'$' => {
                flush(&mut run, &mut needs);
                i += 1;
            }
            b'?' | b'*' | b'{' => {
                // the previous char is optional (or counted): drop it from the run
                run.pop();
                flush(&mut run, &mut needs);
                if c == b'{' {
                    while i < b.len() && b[i] != b'}' {
                        i += 1;
                    }
                }
                i += 1;
            }
            b'+' | b')' => {
                flush(&mut run, &mut needs);
                i += 1;
            }
            c if c.is_ascii() && !c.is_ascii_control() => {
                run.push(c.to_ascii_lowercase() as char);
                i += 1;
            }
            _ => return Vec::new(),
        }
    }
    flush(&mut run, &mut needs);
    // the text is whitespace-collapsed: leave out anything with a doubled space
    needs.retain(|alts| alts.iter().all(|a| !a.contains("  ")));
    needs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_gates_are_required_literals() {
        assert_eq!(
            regex_gate(r"\buser .{1,80} (?:does not exist|unknown)").as_deref(),
            Some("user ")
        );
        assert_eq!(
            regex_gate(r"mail score \(.{1,20}\) over ").as_deref(),
            Some("mail score (")
        );
        assert_eq!(regex_gate(r"\bgr[ea]y ?list").as_deref(), Some("list"));
        assert_eq!(regex_gate(r"\x41bcdef"), None);
        assert_eq!(regex_gate(r"abc|defgh"), None);
        assert_eq!(regex_gate(r"(?:abcdef)? x"), None);
        assert_eq!(
            regex_gate(r"messages? from .{1,80} temporarily").as_deref(),
            Some(" temporarily")
        );
        assert_eq!(regex_gate(r"ab+cd"), None);
        assert_eq!(regex_gate(r"\brl0000[0-9]{2}\b").as_deref(), Some("rl0000"));
        // every gate of the built-in rules occurs in a text its regex matches: checked on the
        // rules' own regexes by matching the gate against the regex's literal parts
        for re in [
            r"'<[^>]{1,128}@[^>]{1,128}>: user unknown'",
            r"not enough (?:disk |storage )?space",
        ] {
            let g = regex_gate(re).unwrap();
            assert!(re.contains(&g), "{re} {g}");
        }
    }

    #[test]
    fn regex_needs_are_required_literals() {
        let v = |x: &[&[&str]]| -> Vec<Vec<String>> {
            x.iter()
                .map(|a| a.iter().map(|s| s.to_string()).collect())
                .collect()
        };
        assert_eq!(
            regex_needs(r"\buser .{1,80} (?:does not exist|unknown)"),
            v(&[&["user "], &[" "], &["does not exist", "unknown"]])
        );
        assert_eq!(
            regex_needs(r"exceed(?:s|ed)? (?:the|his)? ?(?:Mailbox|disk) (?:quota|limit)"),
            v(&[
                &["exceed"],
                &[" "],
                &["mailbox", "disk"],
                &[" "],
                &["quota", "limit"]
            ])
        );
        assert_eq!(
            regex_needs(r"mail score \(.{1,20}\) over "),
            v(&[&["mail score ("], &[") over "]])
        );
        assert_eq!(
            regex_needs(r"<[^>]{1,128}> ?(?:\.\.\.)? ?(?:not found|no such user)"),
            v(&[&["<"], &[">"], &["not found", "no such user"]])
        );
        assert_eq!(
            regex_needs(r"\bspf\b.{0,40}\b(fail|hard[a-z]+)\b"),
            v(&[&["spf"]])
        );
        assert_eq!(regex_needs(r"ab+cd"), v(&[&["ab"], &["cd"]]));
        assert_eq!(
            regex_needs(r"x(?:a|b){2,3}y"),
            v(&[&["x"], &["a", "b"], &["y"]])
        );
        assert_eq!(regex_needs(r"x(?:a|b){0,3}y"), v(&[&["x"], &["y"]]));
        assert_eq!(regex_needs(r"x(?:a|)y"), v(&[&["x"], &["y"]]));
        assert!(regex_needs(r"abc|defgh").is_empty());
        assert!(regex_needs(r"(?i)abc").is_empty());
        assert!(regex_needs(r"\x41bcdef").is_empty());
        // every built-in regex: its needs hold on the texts it matches among the rules'
        // own phrases and regex literals joined
        let set = RuleSet::compile(&[("rules.toml", crate::RULES_TOML)]).unwrap();
        for (re, _, _) in &set.regexes {
            let built = LazyRegex::build(&re.pattern).unwrap();
            let mut matched = 0;
            let mut samples = regex_samples(&re.pattern);
            // near misses: each sample cut short and with a byte changed
            for t in samples.clone() {
                samples.push(t[..t.len() / 2].to_string());
                samples.push(t[1..].to_string());
                samples.push(t.replacen(' ', "_", 1));
                samples.push(t.replacen('e', "", 1));
            }
            for sample in samples {
                // the needs, then the lazy DFA, answer as the `regex` crate does
                let expected = built.is_match(sample.as_bytes());
                matched += usize::from(expected);
                assert_eq!(
                    re.is_match(&sample),
                    expected,
                    "{} on {sample:?}",
                    re.pattern
                );
            }
            // the samples do exercise the regex
            assert!(matched > 0, "{}", re.pattern);
        }
    }

    /// Texts a regex matches (most of the time): one per choice of alternatives and of optional
    /// parts, each class and `.` written as one plain character.
    fn regex_samples(re: &str) -> Vec<String> {
        // one alternative of the sequence from `i` to its `)` or the end; returns the text
        // and where the sequence ends
        fn seq(b: &[u8], mut i: usize, k: usize, opt: bool, dot: &str) -> (String, usize) {
            let mut alts = vec![String::new()];
            while i < b.len() && b[i] != b')' {
                let atom: String;
                match b[i] {
                    b'|' => {
                        alts.push(String::new());
                        i += 1;
                        continue;
                    }
                    b'(' => {
                        i += 1;
                        if b.get(i) == Some(&b'?') {
                            i += 2;
                        }
                        let (t, j) = seq(b, i, k, opt, dot);
                        atom = t;
                        i = j + 1;
                    }
                    b'[' => {
                        let neg = b.get(i + 1) == Some(&b'^');
                        let first = b[i + 1 + neg as usize];
                        atom = if neg {
                            "x".into()
                        } else {
                            (first as char).to_string()
                        };
                        while b[i] != b']' {
                            i += 1;
                        }
                        i += 1;
                    }
                    b'\\' => {
                        atom = match b[i + 1] {
                            b'd' => "1".into(),
                            b'S' | b'w' => "x".into(),
                            b's' => " ".into(),
                            b'b' | b'B' => String::new(),
                            e => (e as char).to_string(),
                        };
                        i += 2;
                    }
                    b'.' => {
                        atom = dot.into();
                        i += 1;
                    }
                    c => {
                        atom = (c.to_ascii_lowercase() as char).to_string();
                        i += 1;
                    }
                }
                let mut times = 1;
                match b.get(i) {
                    Some(b'?' | b'*') => {
                        times = usize::from(opt);
                        i += 1;
                    }
                    Some(b'+') => i += 1,
                    Some(b'{') => {
                        let close = i + b[i..].iter().position(|&c| c == b'}').unwrap_or(0);
                        let min: usize = std::str::from_utf8(&b[i + 1..close])
                            .ok()
                            .and_then(|r| r.split(',').next()?.parse().ok())
                            .unwrap_or(1);
                        times = min.max(usize::from(opt));
                        i = close + 1;
                    }
                    _ => {}
                }
                if let Some(a) = alts.last_mut() {
                    a.push_str(&atom.repeat(times));
                }
            }
            let n = alts.len();
            (alts.swap_remove(k % n), i)
        }
        let mut out = Vec::new();
        for (k, opt, dot) in (0..8).flat_map(|k| {
            [
                (k, false, "x"),
                (k, true, "x"),
                (k, false, " "),
                (k, true, " "),
            ]
        }) {
            {
                let (t, _) = seq(re.as_bytes(), 0, k, opt, dot);
                out.push(t.clone());
                out.push(format!("550 5.1.1 {t} end"));
            }
        }
        out
    }

    /// The built-in rules use the tables generated by `build.rs` (their prefixes are the ones
    /// `compile_files` lists), and they find what an Aho-Corasick automaton of the same
    /// prefixes finds.
    #[test]
    fn builtin_phrase_search_equals_aho_corasick() {
        let set = RuleSet::compile_builtin().unwrap();
        assert!(matches!(set.phrases, Some(PhraseSearch::Builtin)));
        let compiled = RuleSet::compile(&[("rules.toml", crate::RULES_TOML)]).unwrap();
        assert!(matches!(compiled.phrases, Some(PhraseSearch::Builtin)));
        let ac = PhraseSearch::Built(
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(BUILTIN_PREFIXES)
                .unwrap(),
        );
        let mut texts: Vec<Vec<u8>> = vec![Vec::new(), b"x".to_vec(), vec![0xff; 40]];
        let all: Vec<u8> = BUILTIN_PREFIXES.join(&b' ');
        texts.push(all.clone());
        texts.push(BUILTIN_PREFIXES.concat());
        // each prefix alone and at the end of a text (the last bytes are read zero-padded)
        texts.extend(BUILTIN_PREFIXES.iter().map(|p| p.to_vec()));
        texts.extend(
            BUILTIN_PREFIXES
                .iter()
                .map(|p| [b"xy ".as_slice(), p].concat()),
        );
        // pseudo-random mixes of prefix pieces and bytes
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..300 {
            let mut t = Vec::new();
            for _ in 0..20 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let p = BUILTIN_PREFIXES[(x % BUILTIN_PREFIXES.len() as u64) as usize];
                match (x >> 20) % 4 {
                    0 => t.extend_from_slice(p),
                    1 => t.extend_from_slice(&p[..p.len() / 2]),
                    2 => t.push((x >> 32) as u8),
                    _ => t.extend_from_slice(
                        &all[(x >> 24) as usize % all.len()..]
                            [..5.min(all.len() - (x >> 24) as usize % all.len())],
                    ),
                }
            }
            texts.push(t);
        }
        for t in &texts {
            let run = |s: &PhraseSearch| {
                let mut v = Vec::new();
                s.each(t, |p, a, z| v.push((z, a, p)));
                v.sort_unstable();
                v
            };
            assert_eq!(
                run(&PhraseSearch::Builtin),
                run(&ac),
                "{:?}",
                String::from_utf8_lossy(t)
            );
        }
    }

    /// The indexed walk finds the rule a walk over every rule of the phase finds.
    #[test]
    fn indexed_walk_equals_scan() {
        let set = RuleSet::compile_builtin().unwrap();
        let mut texts: Vec<String> = set.phrase_list.clone();
        texts.push(String::new());
        texts.push(set.phrase_list.join(" "));
        for (re, _, _) in &set.regexes {
            texts.extend(regex_samples(&re.pattern));
        }
        let mut statuses: Vec<Option<EnhancedStatus>> = vec![None];
        for class in [2u8, 4, 5] {
            for subject in [0u16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 300] {
                for detail in [0u16, 1, 2, 7, 13, 17, 25, 300, 316, 606, 700, 900] {
                    statuses.push(Some(EnhancedStatus::new(class, subject, detail)));
                }
            }
        }
        statuses.push(Some(EnhancedStatus::new(3, 1, 1)));
        let commands = [
            None,
            Some(SmtpCommand::Mail),
            Some(SmtpCommand::Rcpt),
            Some(SmtpCommand::Starttls),
        ];
        let providers: Vec<&str> = vec!["google", "microsoft"];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut checked = 0;
        for t in &texts {
            for _ in 0..12 {
                // fresh hits: their per-reason memo holds for one reply's facts
                let hits = set.text_hits(t);
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let facts = Facts {
                    status: statuses[(x % statuses.len() as u64) as usize],
                    code: [None, Some(250), Some(421), Some(450), Some(525), Some(550)]
                        [((x >> 16) % 6) as usize],
                    command: commands[((x >> 24) % 4) as usize],
                    action: [None, Some(DsnAction::Failed), Some(DsnAction::Delayed)]
                        [((x >> 32) % 3) as usize],
                    providers: &providers[..((x >> 40) % 3) as usize],
                };
                for r in Reason::ALL {
                    assert_eq!(
                        set.reason_text_matched(&facts, &hits, *r),
                        set.reason_text_matched_scan(&facts, &hits, *r),
                        "{t:?} {r}"
                    );
                }
                for phase in [
                    Phase::Primary,
                    Phase::Status,
                    Phase::Secondary,
                    Phase::Fallback,
                ] {
                    assert_eq!(
                        set.first_match(phase, &facts, &hits),
                        set.first_match_scan(phase, &facts, &hits),
                        "{t:?} {:?} {:?} {phase:?}",
                        facts.status,
                        facts.code
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 10_000);
    }

    /// The built-in phrases grouped by `build.rs` are grouped as `compile_files` groups them.
    #[test]
    fn builtin_phrase_grouping_equals_runtime_grouping() {
        let fast = RuleSet::compile_builtin().unwrap();
        let slow = RuleSet::compile_with_tables(&[("rules.toml", crate::RULES_TOML)], true, false)
            .unwrap();
        assert_eq!(fast.phrase_list, slow.phrase_list);
        assert_eq!(fast.phrase_ranges, slow.phrase_ranges);
        assert_eq!(
            format!("{:?}", fast.phrase_targets),
            format!("{:?}", slow.phrase_targets)
        );
        assert_eq!(fast.prefix_ranges, slow.prefix_ranges);
        assert_eq!(fast.prefix_members, slow.prefix_members);
        assert!(matches!(slow.phrases, Some(PhraseSearch::Builtin)));
        assert_eq!(BUILTIN_PHRASES.len(), BUILTIN_DISTINCT_OF.len());
    }

    /// Extra rule files get an automaton of their own.
    #[test]
    fn extra_rules_build_their_automaton() {
        let set = RuleSet::compile(&[
            ("rules.toml", crate::RULES_TOML),
            (
                "x",
                "[[primary]]\nid = \"zz\"\nreason = \"blocked\"\ntext = [\"zzqq unusual\"]\n",
            ),
        ])
        .unwrap();
        assert!(matches!(set.phrases, Some(PhraseSearch::Built(_))));
    }

    #[test]
    fn builtin_rule_file_is_rules_toml() {
        let parsed: RawRuleFile = toml::from_str(crate::RULES_TOML).unwrap();
        assert_eq!(format!("{parsed:?}"), format!("{:?}", builtin_rule_file()));
    }

    #[test]
    fn status_patterns() {
        let p = StatusPattern::parse("x.7.606-649").unwrap();
        assert!(p.matches("5.7.606".parse().unwrap()));
        assert!(p.matches("4.7.649".parse().unwrap()));
        assert!(!p.matches("5.7.650".parse().unwrap()));
        let p = StatusPattern::parse("4.4.*").unwrap();
        assert!(p.matches("4.4.7".parse().unwrap()));
        assert!(!p.matches("5.4.7".parse().unwrap()));
        assert!(StatusPattern::parse("6.1.1").is_err());
        assert!(StatusPattern::parse("5.1").is_err());
        assert!(StatusPattern::parse("5.9-1.1").is_err());
    }

    #[test]
    fn code_patterns() {
        let p = CodePattern::parse("55x").unwrap();
        assert!(p.matches(550) && p.matches(554) && !p.matches(450));
        assert!(CodePattern::parse("5500").is_err());
        assert!(CodePattern::parse("5a0").is_err());
    }

    #[test]
    fn compile_errors_name_the_rule() {
        let e = RuleSet::compile(&[(
            "t",
            "[[primary]]\nid = \"a\"\nreason = \"nonsense\"\ntext = [\"x\"]\n",
        )])
        .unwrap_err();
        assert!(
            e.to_string().contains("nonsense") && e.to_string().contains("a"),
            "{e}"
        );
        let e = RuleSet::compile(&[("t", "[[primary]]\nid = \"a\"\nreason = \"blocked\"\n")])
            .unwrap_err();
        assert!(e.to_string().contains("at least one"), "{e}");
        let e = RuleSet::compile(&[(
            "t",
            "[[primary]]\nid = \"a\"\nreason = \"blocked\"\nregex = [\"(\"]\n",
        )])
        .unwrap_err();
        assert!(e.to_string().contains("bad regex"), "{e}");
        let e = RuleSet::compile(&[(
            "t",
            "[[primary]]\nid = \"a\"\nreason = \"blocked\"\ntext=[\"x\"]\nbogus = 1\n",
        )])
        .unwrap_err();
        assert!(e.to_string().contains("bogus"), "{e}");
    }
}
