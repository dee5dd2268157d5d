//! `mailway bounce PATH... | -`: bounce messages → one record per recipient.
//!
//! Reads single messages, mbox files (`>From ` quoting undone), Maildir folders, directories
//! (recursively, in parallel over all cores) and stdin. The analysis itself is
//! `mailway_bounce::analyze_with`; this module only reads, renders and maps exit codes:
//!
//! - 0: at least one bounce recognised and no input failed;
//! - 1: no input failed, but nothing was recognised as a bounce;
//! - 2: at least one input could not be read or is not a mail message (the others are still
//!   processed and printed).

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use mailway_bounce::{Analysis, BounceError, BounceRecord, Options};
use rayon::prelude::*;

/// Arguments of `mailway bounce`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Exit codes: 0 bounces found, 1 nothing recognised, 2 an input failed \
(unreadable, binary, too large, not mail)."
)]
pub struct Args {
    /// Files (single message or mbox), Maildir folders, directories (recursive), or `-` for stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Write JSON Lines (one object per recipient) instead of a table.
    #[arg(long)]
    json: bool,
    /// Refuse messages larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024)]
    max_size: usize,
    /// Worker threads for directories (default: all cores).
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Do not print the summary line (table mode).
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// The outcome of one message.
enum Outcome {
    Records(Analysis),
    NotRecognised(String),
    Failed(String),
}

/// The outcomes of one input file.
struct FileResult {
    name: String,
    outcomes: Vec<(usize, Outcome)>,
}

/// Runs `mailway bounce`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // (one thread needs no pool: see `sequential`)
    if let Some(n) = args.threads
        && n > 1
    {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .ok();
    }
    let opts = Options {
        max_size: args.max_size,
    };
    // One thread: everything on this thread, no pool (a pool thread would allocate in its own
    // malloc arena and hand every result across threads).
    let sequential = matches!(args.threads, Some(0 | 1));
    // The inputs in argument order: runs of files, and stdin where `-` stands.
    let mut jobs: Vec<Job> = Vec::new();
    let mut walk_errors: Vec<(String, String)> = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    for p in &args.paths {
        if p.as_os_str() == "-" {
            jobs.push(Job::Files(std::mem::take(&mut files)));
            jobs.push(Job::Stdin);
            continue;
        }
        match std::fs::metadata(p) {
            Ok(md) if md.is_dir() => collect_dir(p, &mut files, &mut walk_errors),
            Ok(_) => files.push(p.clone()),
            Err(e) => walk_errors.push((p.display().to_string(), io_problem(&e))),
        }
    }
    jobs.push(Job::Files(files));

    let stdout = io::stdout();
    // Both streams buffered: unbuffered stderr cost several system calls per warning line.
    let mut sink = Sink {
        json: args.json,
        out: io::BufWriter::with_capacity(64 * 1024, stdout.lock()),
        stderr: io::BufWriter::new(io::stderr().lock()),
        table: Vec::new(),
        line: Vec::with_capacity(1024),
        n_msgs: 0,
        n_records: 0,
        n_unrecognised: 0,
        n_failed: 0,
    };
    for (name, problem) in &walk_errors {
        writeln!(sink.stderr, "mailway: {name}: {problem}")?;
        sink.n_failed += 1;
    }
    // Each file's records are written (or, for the table, turned into rows) as soon as it is
    // analysed and then dropped: the next message's allocations reuse memory still in cache,
    // where keeping every record to the end handed each message fresh, cold memory.
    for job in jobs {
        match job {
            Job::Stdin => {
                let mut buf = Vec::new();
                io::stdin()
                    .lock()
                    .read_to_end(&mut buf)
                    .context("cannot read standard input")?;
                sink.emit(&analyse_bytes("<stdin>".into(), &buf, &opts, sequential))?;
            }
            Job::Files(files) if sequential => {
                for p in &files {
                    sink.emit(&analyse_path(p, &opts, true))?;
                }
            }
            Job::Files(files) => {
                // in parallel a chunk at a time, written in order
                for chunk in files.chunks(PARALLEL_CHUNK) {
                    let results: Vec<FileResult> = chunk
                        .par_iter()
                        .map(|p| analyse_path(p, &opts, false))
                        .collect();
                    for fr in &results {
                        sink.emit(fr)?;
                    }
                }
            }
        }
    }
    let Sink {
        mut out,
        mut stderr,
        table,
        n_msgs,
        n_records,
        n_unrecognised,
        n_failed,
        ..
    } = sink;
    if !args.json {
        write_table(&mut out, &table)?;
    }
    out.flush()?;
    if !args.json && !args.quiet {
        writeln!(
            stderr,
            "{n_msgs} message(s), {n_records} record(s), {n_unrecognised} not recognised, {n_failed} failed"
        )?;
    }
    stderr.flush()?;
    Ok(if n_failed > 0 {
        ExitCode::from(2)
    } else if n_records == 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Files analysed in parallel before their results are written (enough to keep every thread
/// busy, few enough that the results stay small).
const PARALLEL_CHUNK: usize = 512;

/// One run of inputs, in argument order.
enum Job {
    Files(Vec<PathBuf>),
    Stdin,
}

/// Where results go: JSON Lines to stdout, or table rows kept for the end; warnings and
/// problems to stderr; the counts behind the summary line and the exit code.
struct Sink<'a> {
    json: bool,
    out: io::BufWriter<io::StdoutLock<'a>>,
    stderr: io::BufWriter<io::StderrLock<'a>>,
    table: Vec<[String; 9]>,
    line: Vec<u8>,
    n_msgs: usize,
    n_records: usize,
    n_unrecognised: usize,
    n_failed: usize,
}

impl Sink<'_> {
    /// Writes one file's outcomes.
    fn emit(&mut self, fr: &FileResult) -> io::Result<()> {
        let multi = fr.outcomes.len() > 1;
        for (idx, outcome) in &fr.outcomes {
            self.n_msgs += 1;
            let label = if multi {
                format!("{} (message {idx})", fr.name)
            } else {
                fr.name.clone()
            };
            match outcome {
                Outcome::Records(a) => {
                    for w in &a.warnings {
                        writeln!(self.stderr, "mailway: warning: {label}: {w}")?;
                    }
                    for r in &a.records {
                        self.n_records += 1;
                        if self.json {
                            self.line.clear();
                            json_row(&mut self.line, &fr.name, *idx, r);
                            self.out.write_all(&self.line)?;
                        } else {
                            self.table.push(table_row(&label, r));
                        }
                    }
                }
                Outcome::NotRecognised(why) => {
                    self.n_unrecognised += 1;
                    writeln!(self.stderr, "mailway: {label}: {why}")?;
                }
                Outcome::Failed(why) => {
                    self.n_failed += 1;
                    writeln!(self.stderr, "mailway: {label}: {why}")?;
                }
            }
        }
        Ok(())
    }
}

fn io_problem(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => format!("cannot read: {e}"),
    }
}

/// Files of a directory, recursively, sorted; a Maildir contributes only `cur/` and `new/`.
/// Hidden entries (`.name`) are skipped.
fn collect_dir(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<(String, String)>) {
    let is_maildir = dir.join("cur").is_dir() && dir.join("new").is_dir();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push((dir.display().to_string(), io_problem(&e)));
            return;
        }
    };
    // (name, entry type without a stat where the directory tells it), sorted by name: within
    // one directory that is the order of the paths themselves, and comparing names as bytes
    // is much cheaper than comparing paths component by component
    let mut names: Vec<(std::ffi::OsString, Option<std::fs::FileType>)> = entries
        .filter_map(|e| e.ok().map(|e| (e.file_name(), e.file_type().ok())))
        .collect();
    names.sort_unstable_by(|a, b| a.0.as_encoded_bytes().cmp(b.0.as_encoded_bytes()));
    for (name, ftype) in names {
        if name.as_encoded_bytes().starts_with(b".") {
            continue; // hidden
        }
        if is_maildir && name == "tmp" {
            continue;
        }
        let p = dir.join(&name);
        // a symbolic link (or an unknown type) is followed, as `metadata` does
        let ftype = match ftype {
            Some(t) if !t.is_symlink() => Ok(t),
            _ => std::fs::metadata(&p).map(|m| m.file_type()),
        };
        match ftype {
            Ok(t) if t.is_dir() => collect_dir(&p, files, errors),
            Ok(t) if t.is_file() => {
                // a Maildir's own top-level files are not messages
                if !is_maildir {
                    files.push(p)
                }
            }
            Ok(_) => {}
            Err(e) => errors.push((p.display().to_string(), io_problem(&e))),
        }
    }
}

fn analyse_path(p: &Path, opts: &Options, sequential: bool) -> FileResult {
    let name = p.display().to_string();
    let fail = |why: String| FileResult {
        name: name.clone(),
        outcomes: vec![(1, Outcome::Failed(why))],
    };
    let f = match std::fs::File::open(p) {
        Ok(f) => f,
        Err(e) => return fail(io_problem(&e)),
    };
    let mut buf = ReadBuf::take();
    let (mut filled, over) = match read_all(&f, &mut buf.0, 0, opts.max_size) {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot read: {e}")),
    };
    if let Some(size) = over {
        // An mbox may be large (it holds many messages); a single message may not.
        if !mailway_bounce::input::is_mbox(&buf.0[..filled]) {
            return fail(format!(
                "file is {} bytes, over the limit of {} bytes (--max-size)",
                size, opts.max_size
            ));
        }
        filled = match read_all(&f, &mut buf.0, filled, usize::MAX) {
            Ok((n, _)) => n,
            Err(e) => return fail(format!("cannot read: {e}")),
        };
    }
    analyse_bytes(name, &buf.0[..filled], opts, sequential)
}

/// Reads `f` on from the `filled` bytes already in `buf` to its end; returns how many bytes
/// of `buf` are filled, and the file's size when it is over `limit` (reading then stops).
/// The size is asked for only when the file does not fit the buffer kept from the previous
/// file: most messages take one read, and one more sees the end (open, two reads, close).
/// `buf` stays initialised to its full length, so nothing is cleared between files.
fn read_all(
    mut f: &std::fs::File,
    buf: &mut Vec<u8>,
    mut filled: usize,
    limit: usize,
) -> io::Result<(usize, Option<u64>)> {
    if buf.len() < READ_BUF_START {
        buf.resize(READ_BUF_START, 0);
    }
    let mut sized = false;
    loop {
        if filled == buf.len() {
            let mut want = buf.len() * 2;
            if !sized {
                sized = true;
                let size = f.metadata()?.len();
                if size > limit as u64 {
                    return Ok((filled, Some(size)));
                }
                want = want.max(size as usize + 1);
            }
            buf.resize(want, 0);
        }
        match f.read(&mut buf[filled..]) {
            Ok(0) => return Ok((filled, None)),
            Ok(n) => {
                filled += n;
                if filled > limit {
                    let size = f.metadata().map_or(0, |m| m.len()).max(filled as u64);
                    return Ok((filled, Some(size)));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// First size of the read buffer (most bounces are a few KiB).
const READ_BUF_START: usize = 64 * 1024;

/// The thread's read buffer, given back when dropped (kept when no larger than 1 MiB).
struct ReadBuf(Vec<u8>);

thread_local! {
    static READ_SPARE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

impl ReadBuf {
    fn take() -> Self {
        Self(READ_SPARE.try_with(|s| s.take()).unwrap_or_default())
    }
}

impl Drop for ReadBuf {
    fn drop(&mut self) {
        if self.0.len() <= 1 << 20 {
            let v = std::mem::take(&mut self.0);
            let _ = READ_SPARE.try_with(|s| s.set(v));
        }
    }
}

fn analyse_bytes(name: String, buf: &[u8], opts: &Options, sequential: bool) -> FileResult {
    let outcomes = if mailway_bounce::input::is_mbox(buf) {
        let msgs = mailway_bounce::input::split_mbox(buf);
        if msgs.len() > 1 && !sequential {
            msgs.par_iter()
                .enumerate()
                .map(|(i, m)| {
                    (
                        i + 1,
                        outcome(&mailway_bounce::input::unquote_from(m), opts),
                    )
                })
                .collect()
        } else {
            msgs.iter()
                .enumerate()
                .map(|(i, m)| {
                    (
                        i + 1,
                        outcome(&mailway_bounce::input::unquote_from(m), opts),
                    )
                })
                .collect()
        }
    } else {
        vec![(1, outcome(buf, opts))]
    };
    FileResult { name, outcomes }
}

fn outcome(raw: &[u8], opts: &Options) -> Outcome {
    match mailway_bounce::analyze_with(raw, opts) {
        Ok(a) => Outcome::Records(a),
        Err(e @ BounceError::NotRecognised { .. }) => Outcome::NotRecognised(e.to_string()),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

fn table_row(label: &str, r: &BounceRecord) -> [String; 9] {
    let opt = |s: Option<String>| s.unwrap_or_else(|| "-".into());
    let mut diag = r.diagnostic_code.clone().unwrap_or_else(|| "-".into());
    if diag.chars().count() > 70 {
        diag = diag.chars().take(69).collect::<String>() + "…";
    }
    [
        label.to_string(),
        if r.recipient.is_empty() {
            "-".into()
        } else {
            r.recipient.clone()
        },
        opt(r.action.map(|a| a.to_string())),
        opt(r.status.map(|s| s.to_string())),
        opt(r.reply_code.map(|c| c.to_string())),
        r.reason.to_string(),
        if r.hard_bounce { "hard" } else { "soft" }.into(),
        r.detector.clone(),
        diag,
    ]
}

fn write_table(out: &mut impl Write, rows: &[[String; 9]]) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let header = [
        "FILE",
        "RECIPIENT",
        "ACTION",
        "STATUS",
        "CODE",
        "REASON",
        "BOUNCE",
        "DETECTOR",
        "DIAGNOSTIC",
    ];
    let mut widths = header.map(|h| h.chars().count());
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[&str]| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(c);
                let pad = widths[i] - c.chars().count() + 2;
                s.extend(std::iter::repeat_n(' ', pad));
            }
        }
        s
    };
    writeln!(out, "{}", line(&header))?;
    for r in rows {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        writeln!(out, "{}", line(&cells))?;
    }
    Ok(())
}

/// One JSON line of `--json`: `file`, `msg`, then the record's fields in their declared order,
/// byte for byte what serde_json writes for the record flattened after those two (unit test), without serde's per-field
/// dispatch and byte-at-a-time escaping (a fifth of the command's own work on a large folder).
fn json_row(out: &mut Vec<u8>, file: &str, msg: usize, r: &BounceRecord) {
    /// `key` is the literal `,"name":`.
    fn opt(out: &mut Vec<u8>, key: &[u8], v: Option<&str>) {
        out.extend_from_slice(key);
        match v {
            Some(v) => json_str(out, v),
            None => out.extend_from_slice(b"null"),
        }
    }
    out.extend_from_slice(b"{\"file\":");
    json_str(out, file);
    out.extend_from_slice(b",\"msg\":");
    out.extend_from_slice(msg.to_string().as_bytes());
    out.extend_from_slice(b",\"recipient\":");
    json_str(out, &r.recipient);
    opt(
        out,
        b",\"original_recipient\":",
        r.original_recipient.as_deref(),
    );
    opt(out, b",\"action\":", r.action.as_ref().map(|a| a.as_str()));
    let status = r.status.map(|s| s.to_string());
    opt(out, b",\"status\":", status.as_deref());
    out.extend_from_slice(b",\"reply_code\":");
    match r.reply_code {
        Some(c) => out.extend_from_slice(c.to_string().as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
    opt(out, b",\"diagnostic_code\":", r.diagnostic_code.as_deref());
    opt(out, b",\"reason\":", Some(r.reason.as_str()));
    out.extend_from_slice(if r.hard_bounce {
        b",\"hard_bounce\":true"
    } else {
        b",\"hard_bounce\":false"
    });
    opt(out, b",\"remote_mta\":", r.remote_mta.as_deref());
    opt(out, b",\"reporting_mta\":", r.reporting_mta.as_deref());
    opt(
        out,
        b",\"smtp_command\":",
        r.smtp_command.as_ref().map(|c| c.as_str()),
    );
    opt(out, b",\"last_attempt\":", r.last_attempt.as_deref());
    opt(
        out,
        b",\"will_retry_until\":",
        r.will_retry_until.as_deref(),
    );
    opt(
        out,
        b",\"original_message_id\":",
        r.original_message_id.as_deref(),
    );
    opt(
        out,
        b",\"original_subject\":",
        r.original_subject.as_deref(),
    );
    opt(out, b",\"original_from\":", r.original_from.as_deref());
    opt(out, b",\"feedback_type\":", r.feedback_type.as_deref());
    opt(out, b",\"reason_rule\":", Some(&r.reason_rule));
    opt(out, b",\"detector\":", Some(&r.detector));
    out.extend_from_slice(b"}\n");
}

/// A JSON string as serde_json writes it: `"`, `\\`, and control characters escaped (the
/// short forms for \b \t \n \f \r, `\u00XX` for the others), everything else as is. Runs of
/// plain bytes are found eight at a time and copied whole.
fn json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let b = s.as_bytes();
    // Most strings need no escape at all: test them whole, sixteen bytes per step, the last
    // (or only) bytes as one word padded with spaces, and copy them in one go.
    if !needs_escape(b) {
        out.extend_from_slice(b);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        // skip eight plain bytes at once: no byte below 0x20, no `"`, no `\`
        if let Some(chunk) = b.get(i..i + 8)
            && !needs_escape8(word(chunk))
        {
            i += 8;
            continue;
        }
        let c = b[i];
        if c >= 0x20 && c != b'"' && c != b'\\' {
            i += 1;
            continue;
        }
        out.extend_from_slice(&b[start..i]);
        i += 1;
        start = i;
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(c >> 4) as usize]);
                out.push(HEX[(c & 15) as usize]);
            }
        }
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// The first eight bytes of `chunk` (at least eight long) as a little-endian word.
fn word(chunk: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&chunk[..8]);
    u64::from_le_bytes(w)
}

/// True when `b` may hold a byte that JSON escapes ([`needs_escape8`]'s test, which may also
/// say true for some bytes at or above 0x80; never false when one is there).
fn needs_escape(b: &[u8]) -> bool {
    let mut chunks = b.chunks_exact(16);
    for c in &mut chunks {
        let (x, y) = c.split_at(8);
        if needs_escape8(word(x)) | needs_escape8(word(y)) {
            return true;
        }
    }
    let rest = chunks.remainder();
    let (x, y) = rest.split_at(rest.len().min(8));
    let mut w = [b' '; 8];
    w[..x.len()].copy_from_slice(x);
    let mut v = [b' '; 8];
    v[..y.len()].copy_from_slice(y);
    needs_escape8(u64::from_le_bytes(w)) | needs_escape8(u64::from_le_bytes(v))
}

/// True when one of the eight bytes of `w` is below 0x20, `"` or `\` (may also say true for
/// bytes at or above 0x80 next to such tests' borrows; the byte loop then decides exactly).
fn needs_escape8(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below_20 = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    below_20 | zero(w ^ (ONES * b'"' as u64)) | zero(w ^ (ONES * b'\\' as u64)) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One record as serde writes it: the reference for [`json_row`].
    #[derive(serde::Serialize)]
    struct Row<'a> {
        file: &'a str,
        msg: usize,
        #[serde(flatten)]
        record: &'a BounceRecord,
    }

    #[test]
    fn json_str_matches_serde_json_on_every_byte_position() {
        let specials = [
            '"', '\\', '\n', '\r', '\t', '\u{8}', '\u{c}', '\u{1}', '\u{1f}', '\u{7f}', 'é', '—',
            'a',
        ];
        for len in 0..40 {
            for &c in &specials {
                for pos in 0..=len {
                    let mut s: String = "x".repeat(len);
                    s.insert(pos.min(s.len()), c);
                    let mut got = Vec::new();
                    json_str(&mut got, &s);
                    assert_eq!(got, serde_json::to_vec(&s).unwrap(), "{s:?}");
                }
            }
        }
        for w in [0u64, u64::MAX, 0x2020_2020_2020_2020, 0x2121_2121_2121_2121] {
            let exact = w
                .to_le_bytes()
                .iter()
                .any(|&c| c < 0x20 || c == b'"' || c == b'\\');
            assert!(!exact || needs_escape8(w), "{w:x}");
        }
    }

    /// `json_row` writes exactly what serde_json writes for `Row` (so a field added to
    /// `BounceRecord` and not to `json_row` fails here).
    #[test]
    fn json_row_is_serde_json() {
        let raw = b"From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nx\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\nArrival-Date: Mon, 16 Mar 2026 10:00:00 +0000\n\nFinal-Recipient: rfc822; rcpt@example.net\nOriginal-Recipient: rfc822; Rcpt@Example.net\nAction: delayed\nStatus: 4.4.7\nRemote-MTA: dns; mx.example.net\nDiagnostic-Code: smtp; 450 4.4.7 \"quoted\" back\\\\slash tab\there\nLast-Attempt-Date: Mon, 16 Mar 2026 10:00:00 +0000\nWill-Retry-Until: Tue, 17 Mar 2026 10:00:00 +0000\n\n--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <m@example.org>\nSubject: caf\xc3\xa9 \xe2\x80\x94 \x01\x1f\x7f\nFrom: a@example.org\n\n--b--\n";
        let mut records = mailway_bounce::analyze(raw).unwrap().records;
        assert!(!records.is_empty());
        let mut full = records[0].clone();
        full.feedback_type = Some("abuse\u{8}\u{c}\r\n".into());
        full.smtp_command = Some(mailway_status::SmtpCommand::Rcpt);
        full.reply_code = Some(450);
        records.push(full);
        let mut empty = records[0].clone();
        empty.original_recipient = None;
        empty.action = None;
        empty.status = None;
        empty.reply_code = None;
        empty.diagnostic_code = None;
        empty.remote_mta = None;
        empty.original_subject = None;
        records.push(empty);
        for (i, r) in records.iter().enumerate() {
            for file in ["a.eml", "dir/\"odd\\\"\tname\u{1}.eml", "ñ.eml"] {
                let mut want = serde_json::to_vec(&Row {
                    file,
                    msg: i + 1,
                    record: r,
                })
                .unwrap();
                want.push(b'\n');
                let mut got = Vec::new();
                json_row(&mut got, file, i + 1, r);
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(&want)
                );
            }
        }
    }
}
