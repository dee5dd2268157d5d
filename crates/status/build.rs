//! Turns the built-in `data/rules.toml` and `data/providers.toml` into Rust
//! (`$OUT_DIR/builtin_rules.rs`, `$OUT_DIR/builtin_providers.rs`: a function returning each
//! parsed file), so that the classifier does not parse TOML at run time. The crate's tests
//! check that they equal what `toml` makes of the files.

use std::fmt::Write as _;

#[allow(dead_code)]
mod raw {
    use serde::Deserialize;
    include!("src/rules_raw.rs");
    include!("src/providers_raw.rs");
}

mod gate {
    include!("src/gate.rs");
}

/// The length of the phrase prefixes in the phrase automaton (`rules::PREFIX_LEN`).
const PREFIX_LEN: usize = 12;

/// A phrase as the rules see it (`crate::normalise_phrase`): lower case, whitespace (and NUL)
/// runs collapsed to one space, none at the ends.
fn normalise(p: &str) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in p.to_lowercase().chars() {
        if c.is_whitespace() || c == '\0' {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// The distinct phrase prefixes of the built-in rules and markers, in the order
/// `RuleSet::compile_files` gives them to its automaton (checked there: on any difference the
/// classifier builds its own automaton).
fn builtin_phrases(file: &raw::RawRuleFile, providers: &raw::RawProviders) -> Vec<String> {
    let rules: Vec<&raw::RawRule> = file
        .primary
        .iter()
        .chain(&file.status)
        .chain(&file.secondary)
        .chain(&file.fallback)
        .collect();
    let borrowed = |id: &Option<String>| -> (Vec<String>, Vec<String>) {
        id.as_ref()
            .and_then(|id| rules.iter().find(|r| &r.id == id))
            .map(|r| (r.text.clone(), r.regex.clone()))
            .unwrap_or_default()
    };
    let mut phrases: Vec<String> = Vec::new();
    let mut regexes: Vec<String> = Vec::new();
    for r in &rules {
        let (t, re) = borrowed(&r.same_text_as);
        for p in r.text.iter().chain(&t).chain(&r.unless) {
            phrases.push(normalise(p));
        }
        regexes.extend(r.regex.iter().chain(&re).cloned());
    }
    phrases.extend(regexes.iter().filter_map(|re| gate::regex_gate(re)));
    for p in &providers.provider {
        phrases.extend(p.markers.iter().map(|m| m.to_lowercase()));
    }
    phrases
}

/// The grouping `RuleSet::compile_files` makes of the phrase list: per listed phrase its
/// distinct phrase (numbered in order of first appearance), per distinct phrase its prefix
/// (the first `PREFIX_LEN` bytes, numbered the same way), and the distinct prefixes.
fn group_phrases(phrases: &[String]) -> (Vec<u16>, Vec<u16>, Vec<Vec<u8>>) {
    let mut distinct: std::collections::HashMap<&str, u16> = std::collections::HashMap::new();
    let mut distinct_of = Vec::new();
    let mut prefix_of = Vec::new();
    let mut prefixes: Vec<Vec<u8>> = Vec::new();
    for p in phrases {
        let n = distinct.len() as u16;
        let d = *distinct.entry(p.as_str()).or_insert_with(|| {
            let b = p.as_bytes();
            let pre = b[..b.len().min(PREFIX_LEN)].to_vec();
            let k = match prefixes.iter().position(|x| *x == pre) {
                Some(k) => k,
                None => {
                    prefixes.push(pre);
                    prefixes.len() - 1
                }
            };
            prefix_of.push(k as u16);
            n
        });
        distinct_of.push(d);
    }
    (distinct_of, prefix_of, prefixes)
}

/// An Aho-Corasick DFA (standard semantics, every match reported) of `patterns`, written as
/// Rust (`builtin_phrases.rs`) and a binary transition table (`phrase_dfa.bin`: u16 LE per
/// state and byte class). States are numbered with the start first and the match states last.
fn phrase_dfa(patterns: &[Vec<u8>], out_dir: &str) -> String {
    const NONE: u32 = u32::MAX;
    // the trie
    let mut next: Vec<[u32; 256]> = vec![[NONE; 256]];
    let mut own: Vec<Vec<u16>> = vec![Vec::new()];
    for (k, p) in patterns.iter().enumerate() {
        let mut s = 0usize;
        for &b in p {
            if next[s][b as usize] == NONE {
                next.push([NONE; 256]);
                own.push(Vec::new());
                next[s][b as usize] = (next.len() - 1) as u32;
            }
            s = next[s][b as usize] as usize;
        }
        own[s].push(u16::try_from(k).expect("fewer than 65536 prefixes"));
    }
    // failure links breadth first; the trie's missing edges become DFA transitions
    let n = next.len();
    let mut fail = vec![0u32; n];
    let mut order = vec![0usize];
    let mut delta = next.clone();
    for t in delta[0].iter_mut() {
        if *t == NONE {
            *t = 0;
        }
    }
    let mut outputs: Vec<Vec<u16>> = own.clone();
    let mut q = 0;
    while q < order.len() {
        let s = order[q];
        q += 1;
        for b in 0..256 {
            let c = next[s][b];
            if c == NONE {
                if s != 0 {
                    delta[s][b] = delta[fail[s] as usize][b];
                }
                continue;
            }
            let f = if s == 0 {
                0
            } else {
                delta[fail[s] as usize][b]
            };
            fail[c as usize] = f;
            let inherited = outputs[f as usize].clone();
            outputs[c as usize].extend(inherited);
            order.push(c as usize);
        }
    }
    // numbering: the start, the other states without a match, then the match states
    let mut numbered: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&s| outputs[s].is_empty())
        .collect();
    let first_match = numbered.len();
    numbered.extend(order.iter().copied().filter(|&s| !outputs[s].is_empty()));
    assert_eq!(numbered[0], 0);
    assert!(
        numbered.len() < 65536,
        "phrase DFA too large for u16 states"
    );
    let mut id = vec![0u16; n];
    for (k, &s) in numbered.iter().enumerate() {
        id[s] = k as u16;
    }
    // byte classes: every byte not in a pattern behaves alike (back to the start)
    let mut used = [false; 256];
    for p in patterns {
        for &b in p {
            used[b as usize] = true;
        }
    }
    let mut class = [0u8; 256];
    let mut reps = vec![None];
    for b in 0..256 {
        if used[b] {
            class[b] = reps.len() as u8;
            reps.push(Some(b));
        }
    }
    let classes = reps.len();
    let unused = (0..256).find(|&b| !used[b]);
    let mut table: Vec<u8> = Vec::with_capacity(numbered.len() * classes * 2);
    for &s in &numbered {
        for r in &reps {
            let t = match r.or(unused) {
                Some(b) => id[delta[s][b] as usize],
                None => 0,
            };
            table.extend_from_slice(&t.to_le_bytes());
        }
    }
    std::fs::write(format!("{out_dir}/phrase_dfa.bin"), &table).expect("write phrase_dfa.bin");
    let mut ranges = vec![0u32];
    let mut matches: Vec<u16> = Vec::new();
    for &s in &numbered[first_match..] {
        matches.extend(&outputs[s]);
        ranges.push(matches.len() as u32);
    }
    let list = |v: &mut dyn Iterator<Item = String>| v.collect::<Vec<_>>().join(", ");
    let prefixes = list(&mut patterns.iter().map(|p| {
        let escaped: String = p.iter().map(|&b| format!("\\x{b:02x}")).collect();
        format!("b\"{escaped}\"")
    }));
    format!(
        "/// The distinct phrase prefixes of the built-in rules and provider markers, in pattern\n\
         /// order (generated by `build.rs`).\n\
         static BUILTIN_PREFIXES: &[&[u8]] = &[{prefixes}];\n\
         /// Their Aho-Corasick DFA: byte classes, ...\n\
         static DFA_CLASS: [u8; 256] = [{}];\n\
         const DFA_CLASSES: usize = {classes};\n\
         /// ... transitions (u16 LE, `DFA_CLASSES` per state), ...\n\
         static DFA_DELTA: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/phrase_dfa.bin\"));\n\
         /// ... the first match state (the later ones all match) ...\n\
         const DFA_FIRST_MATCH: usize = {first_match};\n\
         /// ... and the patterns each match state stands for: \
         `DFA_MATCHES[DFA_MATCH_RANGES[s - DFA_FIRST_MATCH]..DFA_MATCH_RANGES[s - DFA_FIRST_MATCH + 1]]`.\n\
         static DFA_MATCH_RANGES: [u32; {}] = [{}];\n\
         static DFA_MATCHES: [u16; {}] = [{}];\n",
        list(&mut class.iter().map(|c| c.to_string())),
        ranges.len(),
        list(&mut ranges.iter().map(|c| c.to_string())),
        matches.len(),
        list(&mut matches.iter().map(|c| c.to_string())),
    )
}

fn string(s: &str) -> String {
    // `{:?}` of a str is a valid Rust string literal
    format!("String::from({s:?})")
}

fn strings(v: &[String]) -> String {
    if v.is_empty() {
        return "Vec::new()".into();
    }
    let items: Vec<String> = v.iter().map(|s| string(s)).collect();
    format!("vec![{}]", items.join(", "))
}

fn option(o: &Option<String>) -> String {
    match o {
        Some(s) => format!("Some({})", string(s)),
        None => "None".into(),
    }
}

fn rules(v: &[raw::RawRule]) -> String {
    let mut out = String::from("vec![\n");
    for r in v {
        let class: Vec<String> = r.class.iter().map(|c| format!("{c}u8")).collect();
        let _ = writeln!(
            out,
            "RawRule {{ id: {}, reason: {}, topic: {}, provider: {}, provider_only: {}, \
             text: {}, regex: {}, same_text_as: {}, status: {}, not_status: {}, code: {}, \
             class: vec![{}], command: {}, not_command: {}, no_command: {}, action: {}, \
             no_action: {}, unless: {}, unless_reason: {}, note: {} }},",
            string(&r.id),
            string(&r.reason),
            option(&r.topic),
            option(&r.provider),
            r.provider_only,
            strings(&r.text),
            strings(&r.regex),
            option(&r.same_text_as),
            strings(&r.status),
            strings(&r.not_status),
            strings(&r.code),
            class.join(", "),
            strings(&r.command),
            strings(&r.not_command),
            r.no_command,
            strings(&r.action),
            r.no_action,
            strings(&r.unless),
            strings(&r.unless_reason),
            option(&r.note),
        );
    }
    out.push(']');
    out
}

fn providers(file: &raw::RawProviders) -> String {
    let mut out = String::from("vec![\n");
    for p in &file.provider {
        let notes: Vec<String> = p
            .note
            .iter()
            .map(|n| {
                format!(
                    "RawNote {{ key: {}, status: {}, code: {}, text: {} }}",
                    string(&n.key),
                    strings(&n.status),
                    strings(&n.code),
                    strings(&n.text),
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "RawProvider {{ id: {}, name: {}, hosts: {}, domains: {}, markers: {}, \
             postmaster: {}, note: vec![{}] }},",
            string(&p.id),
            string(&p.name),
            strings(&p.hosts),
            strings(&p.domains),
            strings(&p.markers),
            option(&p.postmaster),
            notes.join(", "),
        );
    }
    out.push(']');
    out
}

fn main() {
    println!("cargo:rerun-if-changed=data/rules.toml");
    println!("cargo:rerun-if-changed=src/rules_raw.rs");
    println!("cargo:rerun-if-changed=data/providers.toml");
    println!("cargo:rerun-if-changed=src/providers_raw.rs");
    println!("cargo:rerun-if-changed=src/gate.rs");
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let src = std::fs::read_to_string(format!("{dir}/data/rules.toml")).expect("data/rules.toml");
    let rule_file: raw::RawRuleFile = toml::from_str(&src).expect("data/rules.toml parses");
    let file = &rule_file;
    let reasons = match &file.reasons {
        Some(r) => format!(
            "Some(RawReasons {{ hard: {}, hard_unless_transient: {}, not_bounce: {}, vague: {} }})",
            strings(&r.hard),
            strings(&r.hard_unless_transient),
            strings(&r.not_bounce),
            strings(&r.vague),
        ),
        None => "None".into(),
    };
    let code = format!(
        "/// The built-in `rules.toml`, parsed (generated by `build.rs`).\n\
         fn builtin_rule_file() -> RawRuleFile {{\n\
         RawRuleFile {{ reasons: {reasons},\nprimary: {},\nstatus: {},\nsecondary: {},\nfallback: {} }}\n}}\n",
        rules(&file.primary),
        rules(&file.status),
        rules(&file.secondary),
        rules(&file.fallback),
    );
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(format!("{out}/builtin_rules.rs"), code).expect("write builtin_rules.rs");

    let src =
        std::fs::read_to_string(format!("{dir}/data/providers.toml")).expect("data/providers.toml");
    let file: raw::RawProviders = toml::from_str(&src).expect("data/providers.toml parses");
    let code = format!(
        "/// The built-in `providers.toml`, parsed (generated by `build.rs`).\n\
         fn builtin_providers_file() -> RawProviders {{\n\
         RawProviders {{ provider: {} }}\n}}\n",
        providers(&file),
    );
    std::fs::write(format!("{out}/builtin_providers.rs"), code)
        .expect("write builtin_providers.rs");

    let phrases = builtin_phrases(&rule_file, &file);
    let (distinct_of, prefix_of, prefixes) = group_phrases(&phrases);
    let list = |v: &[u16]| {
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let code = format!(
        "{}\
         /// The built-in phrase list as `RuleSet::compile_files` makes it (rule phrases, regex\n\
         /// gates, provider markers), ...\n\
         static BUILTIN_PHRASES: &[&str] = &{phrases:?};\n\
         /// ... the distinct phrase of each ...\n\
         static BUILTIN_DISTINCT_OF: [u16; {}] = [{}];\n\
         /// ... and the prefix (index into `BUILTIN_PREFIXES`) of each distinct phrase.\n\
         static BUILTIN_PREFIX_OF: [u16; {}] = [{}];\n",
        phrase_dfa(&prefixes, &out),
        distinct_of.len(),
        list(&distinct_of),
        prefix_of.len(),
        list(&prefix_of),
    );
    std::fs::write(format!("{out}/builtin_phrases.rs"), code).expect("write builtin_phrases.rs");
}
