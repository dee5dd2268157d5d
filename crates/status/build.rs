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

/// The multiplier of the phrase tables' hash (`rules::PHRASE_HASH`; the two must agree, which
/// `builtin_phrase_search_equals_aho_corasick` checks).
const PHRASE_HASH: u64 = 0x9e37_79b9_7f4a_7c15;
/// Slots of each phrase key table (a power of two; `rules::phrase_slot` takes the hash's top
/// 12 bits).
const PHRASE_SLOTS: usize = 4096;

/// One table of phrase keys (the first `width` bytes of the prefixes at least that long, read
/// as a little-endian integer): a 65,536-bit filter on the hash's top 16 bits, open-addressed
/// slots on its top 12 bits (key index + 1, 0 free), the distinct keys, and per key the
/// prefixes that start with it (`ranges` into `ids`: prefix index | length << 16 | the bytes
/// after the key << 32).
fn phrase_table(name: &str, patterns: &[Vec<u8>], width: usize, keyed: &[(u64, u16)]) -> String {
    let mut keys: Vec<u64> = Vec::new();
    let mut members: Vec<Vec<u16>> = Vec::new();
    for &(key, id) in keyed {
        match keys.iter().position(|&k| k == key) {
            Some(k) => members[k].push(id),
            None => {
                keys.push(key);
                members.push(vec![id]);
            }
        }
    }
    assert!(
        keys.len() < PHRASE_SLOTS / 2,
        "phrase table {name} too full"
    );
    let mut filter = vec![0u64; 1024];
    let mut slots = vec![0u16; PHRASE_SLOTS];
    for (k, &key) in keys.iter().enumerate() {
        let h = key.wrapping_mul(PHRASE_HASH);
        let bit = (h >> 48) as usize;
        filter[bit >> 6] |= 1 << (bit & 63);
        let mut s = (h >> 52) as usize;
        while slots[s] != 0 {
            s = (s + 1) % PHRASE_SLOTS;
        }
        slots[s] = (k + 1) as u16;
    }
    let mut ranges = vec![0u16];
    let mut ids: Vec<u64> = Vec::new();
    for m in &members {
        ids.extend(m.iter().map(|&id| {
            // the prefix, its length and the bytes after the key (at most 4, little-endian)
            let p = &patterns[id as usize];
            let tail = &p[width..];
            assert!(tail.len() <= 4, "phrase prefix tail longer than 4 bytes");
            let mut t = [0u8; 4];
            t[..tail.len()].copy_from_slice(tail);
            u64::from(id) | (p.len() as u64) << 16 | u64::from(u32::from_le_bytes(t)) << 32
        }));
        ranges.push(ids.len() as u16);
    }
    let list = |v: &mut dyn Iterator<Item = String>| v.collect::<Vec<_>>().join(",");
    format!(
        "static {name}: PhraseTable = PhraseTable {{\n\
         filter: &[{}],\n\
         slots: &[{}],\n\
         keys: &[{}],\n\
         ranges: &[{}],\n\
         ids: &[{}],\n\
         }};\n",
        list(&mut filter.iter().map(|x| format!("{x:#x}"))),
        list(&mut slots.iter().map(|x| x.to_string())),
        list(&mut keys.iter().map(|x| format!("{x:#x}"))),
        list(&mut ranges.iter().map(|x| x.to_string())),
        list(&mut ids.iter().map(|x| x.to_string())),
    )
}

/// The search tables of `patterns` (the distinct phrase prefixes), written as Rust: prefixes
/// of 8 bytes or more found through their first 8 bytes (`PHRASES_LONG`), of 4 to 7 bytes
/// through their first 4 (`PHRASES_SHORT`), shorter ones listed (`PHRASES_TINY`). Every text
/// position costs two multiplications, two bit tests and a few compares, against a few
/// kilobytes of tables that stay in cache (a DFA of these prefixes was 865 KB, and its
/// dependent per-byte loads missed the cache).
fn phrase_tables(patterns: &[Vec<u8>]) -> String {
    let word = |p: &[u8], n: usize| {
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&p[..n]);
        u64::from_le_bytes(b)
    };
    let mut long = Vec::new();
    let mut short = Vec::new();
    let mut tiny = Vec::new();
    for (k, p) in patterns.iter().enumerate() {
        let id = u16::try_from(k).expect("fewer than 65536 prefixes");
        assert!(!p.is_empty(), "empty phrase prefix");
        match p.len() {
            8.. => long.push((word(p, 8), id)),
            4..8 => short.push((word(p, 4), id)),
            n => tiny.push(format!("({:#x}, {}, {id})", word(p, n), n)),
        }
    }
    let prefixes = patterns
        .iter()
        .map(|p| {
            let escaped: String = p.iter().map(|&b| format!("\\x{b:02x}")).collect();
            format!("b\"{escaped}\"")
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "/// The distinct phrase prefixes of the built-in rules and provider markers, in pattern\n\
         /// order (generated by `build.rs`).\n\
         static BUILTIN_PREFIXES: &[&[u8]] = &[{prefixes}];\n\
         /// Their search tables: prefixes of 8 bytes or more by their first 8 bytes ...\n\
         {}\
         /// ... of 4 to 7 bytes by their first 4 ...\n\
         {}\
         /// ... and the shorter ones: (bytes as a little-endian integer, length, prefix).\n\
         static PHRASES_TINY: &[(u64, usize, u16)] = &[{}];\n",
        phrase_table("PHRASES_LONG", patterns, 8, &long),
        phrase_table("PHRASES_SHORT", patterns, 4, &short),
        tiny.join(", "),
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
        phrase_tables(&prefixes),
        distinct_of.len(),
        list(&distinct_of),
        prefix_of.len(),
        list(&prefix_of),
    );
    std::fs::write(format!("{out}/builtin_phrases.rs"), code).expect("write builtin_phrases.rs");
}
