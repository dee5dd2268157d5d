//! Accuracy of `mailway_bounce` against the shared corpus (`../shared/corpus/bounces`):
//! Sisimai's expected table (`expected.jsonl`: reason, status, reply code, hard bounce per file
//! and recipient index) and Sisimai 5.3.0's own output (`sisimai-5.3.0.jsonl`: recipients).
//!
//! Used by `tests/accuracy.rs` (thresholds) and `examples/bounce_accuracy.rs` (the report that
//! `scripts/bounce-accuracy.sh` prints).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use mailway_bounce::{BounceRecord, input};
use serde_json::Value;

/// Records per corpus file (relative path → records in order; mbox messages concatenated).
pub type Results = BTreeMap<String, Result<Vec<BounceRecord>, String>>;

/// Runs the analyser over every file under `corpus/files`.
pub fn run_corpus(corpus: &Path) -> Results {
    let files_dir = corpus.join("files");
    let mut paths = Vec::new();
    walk(&files_dir, &mut paths);
    paths.sort();
    let mut out = Results::new();
    for p in paths {
        let rel = p
            .strip_prefix(&files_dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let raw = match std::fs::read(&p) {
            Ok(r) => r,
            Err(e) => {
                out.insert(rel, Err(e.to_string()));
                continue;
            }
        };
        out.insert(rel, analyse_file(&raw));
    }
    out
}

/// Analyses one file (single message or mbox) into its records.
pub fn analyse_file(raw: &[u8]) -> Result<Vec<BounceRecord>, String> {
    if input::is_mbox(raw) {
        let mut recs = Vec::new();
        for m in input::split_mbox(raw) {
            if let Ok(a) = mailway_bounce::analyze(&input::unquote_from(m)) {
                recs.extend(a.records);
            }
        }
        return Ok(recs);
    }
    mailway_bounce::analyze(raw)
        .map(|a| a.records)
        .map_err(|e| e.to_string())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

fn read_jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// One counter: agreements over a total.
#[derive(Debug, Default, Clone, Copy)]
pub struct Score {
    /// Rows that agree.
    pub ok: usize,
    /// Rows compared.
    pub total: usize,
}

impl Score {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        if ok {
            self.ok += 1;
        }
    }

    /// Agreement in percent (100 when nothing was compared).
    pub fn pct(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            self.ok as f64 * 100.0 / self.total as f64
        }
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:6.2} % ({}/{})", self.pct(), self.ok, self.total)
    }
}

/// The scores of one folder of the corpus.
#[derive(Debug, Default, Clone)]
pub struct Scores {
    /// Files with expected rows, and how many of them we recognised.
    pub files: Score,
    /// Reason agreement with `expected.jsonl`.
    pub reason: Score,
    /// Status agreement on rows whose expected status is a real code (or empty).
    pub status: Score,
    /// Rows whose expected status is Sisimai's invented `x.0.9NN` ("no code in the message"):
    /// counts how many of them we leave without a status (the honest answer).
    pub status_invented: Score,
    /// Reply code agreement.
    pub reply_code: Score,
    /// Hard bounce agreement.
    pub hard_bounce: Score,
    /// Recipient agreement with Sisimai 5.3.0's output (all rows).
    pub recipients: Score,
    /// Recipient agreement on the rows whose Sisimai recipient is an address written in the
    /// message (rows where Sisimai truncated or invented the address are left out).
    pub recipients_verifiable: Score,
    /// Rows left out of `recipients_verifiable`, with why.
    pub recipients_excluded: Vec<String>,
    /// x.0.9NN rows where the message does carry a code (we output it; Sisimai ignored it).
    pub status_invented_but_present: usize,
    /// Rows where the server reported 4.4.7/5.4.7 (Status field and the diagnostic's own code)
    /// and we output it, while the table has the last attempt's code quoted after it (which is
    /// in our `diagnostic_code`). Left out of `status`, listed in the report.
    pub status_expiry: Vec<String>,
    /// Human-readable list of disagreements.
    pub diffs: Vec<String>,
}

/// Twin check: every `dos/` (CRLF) and `mac/` (CR) file must give the records of its `bsd/`
/// twin (or, without one, the `dos/` and `mac/` files must agree).
#[derive(Debug, Default, Clone)]
pub struct Twins {
    /// Twin pairs compared and how many gave identical records.
    pub score: Score,
    /// Disagreeing pairs.
    pub diffs: Vec<String>,
}

fn is_invented(status: &str) -> bool {
    let p: Vec<&str> = status.split('.').collect();
    p.len() == 3 && p[1] == "0" && p[2].len() == 3 && p[2].starts_with('9')
}

/// Computes the scores of the files whose path starts with `prefix` (`maildir/bsd/`).
pub fn score(corpus: &Path, results: &Results, prefix: &str) -> Scores {
    let expected = read_jsonl(&corpus.join("expected.jsonl"));
    let sisimai = read_jsonl(&corpus.join("sisimai-5.3.0.jsonl"));
    let mut sc = Scores::default();
    let mut files_seen = BTreeMap::new();
    for e in &expected {
        let file = s(e, "file");
        if !file.starts_with(prefix) {
            continue;
        }
        let idx: usize = s(e, "idx").parse().unwrap_or(0);
        if idx == 0 {
            continue; // "not a bounce" rows
        }
        let recs = match results.get(&file) {
            Some(Ok(r)) => r.as_slice(),
            _ => &[],
        };
        files_seen.entry(file.clone()).or_insert(!recs.is_empty());
        let r = recs.get(idx - 1);
        let want_reason = s(e, "reason");
        let got_reason = r.map(|r| r.reason.to_string()).unwrap_or_default();
        let ok = want_reason == got_reason;
        sc.reason.add(ok);
        let diag = r
            .and_then(|r| r.diagnostic_code.clone())
            .unwrap_or_default();
        let diag_short: String = diag.chars().take(140).collect();
        if !ok {
            sc.diffs.push(format!(
                "reason  {file}#{idx}: want {want_reason}, got {} [{} {} {}] {diag_short}",
                if got_reason.is_empty() {
                    "(no record)"
                } else {
                    &got_reason
                },
                r.map(|r| r.detector.as_str()).unwrap_or("-"),
                r.map(|r| r.reason_rule.as_str()).unwrap_or("-"),
                r.and_then(|r| r.smtp_command)
                    .map(|c| c.as_str())
                    .unwrap_or("-"),
            ));
        }
        let want_status = s(e, "status");
        let got_status = r
            .and_then(|r| r.status.map(|s| s.to_string()))
            .unwrap_or_default();
        if is_invented(&want_status) {
            sc.status_invented.add(got_status.is_empty() && r.is_some());
            if !got_status.is_empty() {
                sc.status_invented_but_present += 1;
                sc.diffs.push(format!(
                    "status9 {file}#{idx}: Sisimai invents {want_status}, we found {got_status} in: {diag_short}"
                ));
            }
        } else if want_status != got_status
            && (got_status == "4.4.7" || got_status == "5.4.7")
            && !want_status.is_empty()
            && diag.starts_with(|c: char| c.is_ascii_digit())
            && diag.split_whitespace().take(2).any(|w| w == got_status)
            && diag.contains(&want_status)
        {
            sc.status_expiry.push(format!(
                "{file}#{idx}: the server says {got_status} (we report it), the table has the last attempt's {want_status}"
            ));
        } else {
            let ok = want_status == got_status && r.is_some();
            sc.status.add(ok);
            if !ok {
                sc.diffs.push(format!(
                    "status  {file}#{idx}: want {want_status:?}, got {got_status:?} {diag_short}"
                ));
            }
        }
        let want_code = s(e, "replycode");
        let got_code = r
            .and_then(|r| r.reply_code.map(|c| c.to_string()))
            .unwrap_or_default();
        let ok = want_code == got_code && r.is_some();
        sc.reply_code.add(ok);
        if !ok {
            sc.diffs.push(format!(
                "code    {file}#{idx}: want {want_code:?}, got {got_code:?} {diag_short}"
            ));
        }
        let want_hard = s(e, "hardbounce") == "true";
        let ok = r.is_some_and(|r| r.hard_bounce == want_hard);
        sc.hard_bounce.add(ok);
        if !ok && r.is_some() {
            sc.diffs.push(format!(
                "hard    {file}#{idx}: want {want_hard}, got {} (reason {got_reason})",
                !want_hard
            ));
        }
    }
    for (_, recognised) in files_seen {
        sc.files.add(recognised);
    }
    for x in &sisimai {
        let file = s(x, "file");
        if !file.starts_with(prefix) {
            continue;
        }
        let idx: usize = s(x, "idx").parse().unwrap_or(0);
        let want = s(x, "recipient").to_ascii_lowercase();
        let got = match results.get(&file) {
            Some(Ok(r)) => r
                .get(idx.saturating_sub(1))
                .map(|r| r.recipient.to_ascii_lowercase()),
            _ => None,
        };
        let ok = got.as_deref() == Some(want.as_str());
        sc.recipients.add(ok);
        let raw = std::fs::read(corpus.join("files").join(&file)).unwrap_or_default();
        // the raw bytes and the decoded view (base64 / quoted-printable parts)
        let view = mailway_bounce::debug_view(&raw);
        if written_in(&raw, &want) || written_in(view.as_bytes(), &want) {
            sc.recipients_verifiable.add(ok);
        } else {
            sc.recipients_excluded.push(format!(
                "{file}#{idx}: Sisimai says {want:?}, which the message does not contain as an address (we say {})",
                got.clone().unwrap_or_else(|| "(no record)".into())
            ));
        }
        if !ok {
            sc.diffs.push(format!(
                "rcpt    {file}#{idx}: want {want}, got {}",
                got.unwrap_or_else(|| "(no record)".into())
            ));
        }
    }
    sc
}

/// True when `addr` occurs in `raw` as a whole address (not as part of a longer one).
fn written_in(raw: &[u8], addr: &str) -> bool {
    if addr.is_empty() {
        return false;
    }
    let hay = String::from_utf8_lossy(raw).to_ascii_lowercase();
    let local_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c);
    let domain_char = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
    let mut from = 0;
    while let Some(p) = hay[from..].find(addr) {
        let start = from + p;
        let end = start + addr.len();
        let before_ok = hay[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !local_char(c));
        let after_ok = match hay[end..].chars().next() {
            None => true,
            Some('.') => hay[end + 1..]
                .chars()
                .next()
                .is_none_or(|c| !domain_char(c)),
            Some(c) => !domain_char(c),
        };
        if before_ok && after_ok {
            return true;
        }
        from = start + 1;
    }
    false
}

/// Compares every `maildir/dos/` and `maildir/mac/` file with its twin.
pub fn twins(results: &Results) -> Twins {
    let mut t = Twins::default();
    for (file, res) in results {
        let Some(name) = file
            .strip_prefix("maildir/dos/")
            .or_else(|| file.strip_prefix("maildir/mac/"))
        else {
            continue;
        };
        let bsd = format!("maildir/bsd/{name}");
        let twin = if results.contains_key(&bsd) {
            bsd
        } else if file.starts_with("maildir/mac/") {
            format!("maildir/dos/{name}")
        } else {
            continue; // a dos file without bsd twin is compared from its mac side
        };
        let other = &results[&twin];
        let same = match (res, other) {
            (Ok(a), Ok(b)) => a == b && !a.is_empty(),
            _ => false,
        };
        t.score.add(same);
        if !same {
            t.diffs.push(format!(
                "twin    {file} differs from {twin}: {} vs {} records",
                res.as_ref().map(|r| r.len()).unwrap_or(0),
                other.as_ref().map(|r| r.len()).unwrap_or(0)
            ));
        }
    }
    t
}

/// The whole report as text.
pub fn report(corpus: &Path, verbose: bool) -> (String, Scores, Twins) {
    let results = run_corpus(corpus);
    let bsd = score(corpus, &results, "maildir/bsd/");
    let tw = twins(&results);
    let mut out = String::new();
    let _ = writeln!(out, "mailway bounce accuracy on {}", corpus.display());
    let _ = writeln!(
        out,
        "maildir/bsd (targets: reason >= 98 %, status >= 99 %, recipients >= 99 %)"
    );
    let _ = writeln!(out, "  files recognised      {}", bsd.files);
    let _ = writeln!(out, "  reason                {}", bsd.reason);
    let _ = writeln!(out, "  status (real codes)   {}", bsd.status);
    let _ = writeln!(
        out,
        "  status x.0.9NN rows   {} left without a status: Sisimai invents x.0.9NN when the message has no code, we never invent one ({} of these messages do carry a code, which we report)",
        bsd.status_invented, bsd.status_invented_but_present
    );
    let _ = writeln!(
        out,
        "  status 4.4.7 rows     {} left out of the status line: the server reported 4.4.7/5.4.7 (Status field and its own reply) and we report that; Sisimai's table has the last attempt's code quoted after it, which is in our diagnostic_code",
        bsd.status_expiry.len()
    );
    let _ = writeln!(out, "  reply code            {}", bsd.reply_code);
    let _ = writeln!(out, "  hard bounce           {}", bsd.hard_bounce);
    let _ = writeln!(
        out,
        "  recipients (Sisimai)  {} on rows whose address is written in the message; {} on all rows",
        bsd.recipients_verifiable, bsd.recipients
    );
    let _ = writeln!(
        out,
        "dos/ (CRLF) and mac/ (CR) twins identical: {}",
        tw.score
    );
    for folder in ["maildir/dos/", "maildir/mac/", "maildir/tmp/"] {
        let f = score(corpus, &results, folder);
        let _ = writeln!(
            out,
            "{folder:<13} reason {}  status {}  recipients {}",
            f.reason, f.status, f.recipients
        );
    }
    let all: usize = results.len();
    let recognised = results
        .values()
        .filter(|r| r.as_ref().is_ok_and(|v| !v.is_empty()))
        .count();
    let _ = writeln!(out, "all files: {recognised}/{all} give records");
    if verbose {
        let _ = writeln!(out, "\ndisagreements (maildir/bsd):");
        for d in &bsd.diffs {
            let _ = writeln!(out, "  {d}");
        }
        for d in &bsd.status_expiry {
            let _ = writeln!(out, "  status447 {d}");
        }
        for d in &tw.diffs {
            let _ = writeln!(out, "  {d}");
        }
        let _ = writeln!(
            out,
            "\nrecipient rows left out (Sisimai's address is not in the message):"
        );
        for d in &bsd.recipients_excluded {
            let _ = writeln!(out, "  {d}");
        }
    }
    (out, bsd, tw)
}
