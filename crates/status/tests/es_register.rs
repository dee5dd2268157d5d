//! Every Spanish text of mailway addresses the reader with *tú* (`mailway explain` always did;
//! `check`, `probe`, `doctor` and `queue` follow it). This scans every Spanish Fluent file of the
//! workspace (`locales/es/*.ftl` and `es.ftl`) and fails on a word that only the *usted*
//! register uses, naming the file, the line and the word.

use std::fs;
use std::path::{Path, PathBuf};

/// Words of the *usted* register: the pronoun, and usted imperatives (also with an enclitic
/// pronoun) of the verbs the texts use. Without an enclitic most of them are also the
/// third-person present subjunctive ("pide al operador que publique…"), which is fine: a word
/// right after "que" (or after "que" and clitic pronouns) is not counted.
const USTED_WORDS: &[&str] = &[
    "usted",
    "ustedes",
    "compruebe",
    "revise",
    "verifique",
    "asegúrese",
    "espere",
    "reenvíe",
    "contacte",
    "pida",
    "avise",
    "mantenga",
    "publique",
    "corrija",
    "envíe",
    "intente",
    "configure",
    "abra",
    "añada",
    "indique",
    "ejecute",
    "quítela",
    "quítelo",
    "sustitúyalo",
    "cámbielo",
    "publíquela",
    "actualícelo",
    "corríjalo",
    "declárelo",
    "termínelo",
];

const CLITICS: &[&str] = &[
    "me", "te", "se", "le", "les", "lo", "la", "los", "las", "nos",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The Spanish Fluent files under `dir`: `*.ftl` in a directory `es` whose parent is `locales`,
/// and files named `es.ftl`.
fn spanish_ftl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name == "target" || name.starts_with('.') {
                continue;
            }
            spanish_ftl_files(&path, out);
        } else if name == "es.ftl"
            || (name.ends_with(".ftl") && path.parent().is_some_and(|p| p.ends_with("locales/es")))
        {
            out.push(path);
        }
    }
}

/// The text of a Fluent line that readers see: nothing of a comment, the value after `id =` or
/// `.attribute =`, a continuation line whole; without variable names (`$domain`) and variant
/// keys (`[other]`).
fn visible_text(line: &str) -> String {
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') {
        return String::new();
    }
    let starts_entry = trimmed
        .strip_prefix('.')
        .unwrap_or(trimmed)
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic());
    let value = match trimmed.split_once('=') {
        Some((head, rest))
            if starts_entry
                && head
                    .trim()
                    .trim_start_matches('.')
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            rest
        }
        _ => trimmed,
    };
    let mut text = String::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => {
                while chars
                    .peek()
                    .is_some_and(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                {
                    chars.next();
                }
            }
            '[' => {
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                }
            }
            c => text.push(c),
        }
    }
    text
}

/// The usted words of `text`, skipping those that follow "que" (a subjunctive clause about
/// someone else).
fn usted_words(text: &str) -> Vec<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut found = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if !USTED_WORDS.contains(&word.as_str()) {
            continue;
        }
        let before = words[..i]
            .iter()
            .rev()
            .find(|w| !CLITICS.contains(&w.as_str()));
        if before.is_some_and(|w| w == "que") {
            continue;
        }
        found.push(word.clone());
    }
    found
}

#[test]
fn spanish_texts_use_tu_not_usted() {
    let root = workspace_root();
    let mut files = Vec::new();
    spanish_ftl_files(&root.join("crates"), &mut files);
    // status (explain, status, providers), diag (check, probe, doctor), cli (queue)
    assert!(
        files.len() >= 7,
        "too few Spanish .ftl files found: {files:?}"
    );
    let mut problems = Vec::new();
    for file in &files {
        let source = fs::read_to_string(file).unwrap();
        for (n, line) in source.lines().enumerate() {
            for word in usted_words(&visible_text(line)) {
                problems.push(format!(
                    "{}:{}: \"{word}\" (usted) in: {}",
                    file.strip_prefix(&root).unwrap_or(file).display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} usted form(s) in the Spanish texts (mailway uses tú):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_scan_sees_values_and_skips_comments_and_subjunctives() {
    assert_eq!(
        usted_words(&visible_text("    .fix = Revise el DNS de { $domain }.")),
        ["revise"]
    );
    assert_eq!(
        usted_words(&visible_text(
            "a-b = Compruebe que su IP no está; no envíe más."
        )),
        ["compruebe", "envíe"]
    );
    assert_eq!(
        usted_words(&visible_text("       *[other] Quítela de la lista.")),
        ["quítela"]
    );
    assert!(usted_words(&visible_text("# Revise los comentarios")).is_empty());
    assert!(
        usted_words(&visible_text(
            "    .fix = Pide al operador que publique el registro, o el DS que te indique."
        ))
        .is_empty()
    );
    assert!(usted_words(&visible_text("    .fix = Revisa y comprueba; usa otro.")).is_empty());
}
