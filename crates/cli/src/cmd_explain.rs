//! `mailway explain CODE | "REPLY TEXT" | FILE | -`: what happened, temporary or permanent, the
//! reason, likely causes, what the sender and the admin can do — in English or Spanish, or as
//! JSON (schema `mailway.explain/1`, see docs/explain-json.md).
//!
//! How the input is read (first rule that applies):
//! 1. `--text`: all arguments, joined with spaces, are a reply text.
//! 2. `-`: standard input. If it looks like an email message (starts with header lines or an
//!    mbox `From ` line) it is analysed as a bounce, otherwise it is a reply text.
//! 3. A code: `4.4.7`, `5.7.26`, `550`, `550 5.1.1` (one argument or two).
//! 4. `--file`, or a single argument naming an existing file: a bounce message (or, if the file
//!    is not an email message, a reply text saved in a file). A directory is an error.
//! 5. A single argument without spaces that looks like a path (contains `/` or `\`, starts with
//!    `.` or `~`, or ends in `.eml`, `.msg`, `.txt`, `.mbox`, `.dsn`) but does not exist: error
//!    "no such file" (use `--text` to explain it as text).
//! 6. Anything else: the arguments, joined with spaces, are a reply text (so quoting is optional).
//!
//! Exit codes: 0 explained; 1 nothing recognised (no code, no status, no known wording, or a
//! message that is not a bounce); 2 could not run (unreadable file, bad option).

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use mailway_status::explain::{self, Explanation, Lang, Report};
use mailway_status::{Reason, Temporality};

/// Largest input read from a file or stdin.
const MAX_INPUT: u64 = 64 * 1024 * 1024;

/// Arguments of `mailway explain`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  mailway explain 4.4.7\n  mailway explain \"550 5.1.1 user unknown\"\n  mailway explain --lang es 450 4.2.1 Greylisted, try again later\n  mailway explain examples/bounces/exchange-447-expired.eml\n  mailway explain --json - < bounce.eml"
)]
pub struct Args {
    /// A status code (4.4.7), a reply code (550), an SMTP reply text, a bounce file, or - for
    /// standard input. Several words are joined into one reply text. Options may come before
    /// or after it (`mailway explain 4.2.1 --lang es`); a text word that starts with `-` goes
    /// after `--` (`mailway explain -- -ERR mailbox full`).
    #[arg(required = true, num_args = 1.., value_name = "INPUT")]
    input: Vec<String>,

    /// Language of the explanation: en or es (default: from LC_ALL, LC_MESSAGES or LANG).
    #[arg(long, value_name = "LANG")]
    lang: Option<String>,

    /// Print JSON (schema mailway.explain/1, documented in docs/explain-json.md).
    #[arg(long)]
    json: bool,

    /// Treat the input as a reply text, even if a file of that name exists.
    #[arg(long, conflicts_with = "file")]
    text: bool,

    /// Treat the input as a file (an error if it does not exist).
    #[arg(long)]
    file: bool,
}

/// What the user gave us, once decided.
#[derive(Debug, PartialEq, Eq)]
enum Input {
    Code(String),
    Reply(String),
    File(PathBuf),
    Stdin,
}

/// Decides what the arguments are (see the module doc). `exists` tells whether a path names an
/// existing file system entry (injected for tests).
fn classify_input(args: &Args, exists: &dyn Fn(&Path) -> bool) -> anyhow::Result<Input> {
    let joined = args.input.join(" ");
    if args.text {
        return Ok(Input::Reply(joined));
    }
    if args.input.len() == 1 && args.input[0] == "-" {
        return Ok(Input::Stdin);
    }
    if !args.file && explain::parse_code(&joined).is_some() {
        return Ok(Input::Code(joined.trim().to_string()));
    }
    if args.file {
        if args.input.len() != 1 {
            bail!(
                "--file takes exactly one path (got {} arguments)",
                args.input.len()
            );
        }
        let p = PathBuf::from(&args.input[0]);
        if !exists(&p) {
            bail!("{}: no such file", p.display());
        }
        return Ok(Input::File(p));
    }
    if args.input.len() == 1 {
        let a = &args.input[0];
        let p = PathBuf::from(a);
        if !a.trim().is_empty() && exists(&p) {
            return Ok(Input::File(p));
        }
        if looks_like_path(a) {
            bail!(
                "{a}: no such file (to explain it as a reply text, use: mailway explain --text {a:?})"
            );
        }
    }
    Ok(Input::Reply(joined))
}

fn looks_like_path(a: &str) -> bool {
    if a.chars().any(char::is_whitespace) || a.is_empty() {
        return false;
    }
    let lower = a.to_ascii_lowercase();
    a.contains('/')
        || a.contains('\\')
        || a.starts_with('.')
        || a.starts_with('~')
        || [".eml", ".msg", ".txt", ".mbox", ".dsn", ".mail"]
            .iter()
            .any(|e| lower.ends_with(e))
}

/// True when `bytes` start like an email message: header lines (`Name: value`) or an mbox
/// `From ` line.
fn looks_like_message(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let mut lines = text.lines().skip_while(|l| l.trim().is_empty());
    let Some(first) = lines.next() else {
        return false;
    };
    if first.starts_with("From ") {
        return true;
    }
    let is_header = |l: &str| {
        l.split_once(':').is_some_and(|(name, _)| {
            !name.is_empty()
                && name.len() < 80
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    };
    // A reply text like "550 5.1.1 ..." is never a header; two header lines in a row are.
    is_header(first)
        && !first.starts_with(|c: char| c.is_ascii_digit())
        && lines
            .next()
            .is_some_and(|l| is_header(l) || l.starts_with([' ', '\t']))
}

/// NUL bytes or many control characters in the first 8 KiB: not text.
fn is_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    head.contains(&0) || control * 20 > head.len().max(1)
}

fn read_limited(mut r: impl Read, what: &str) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.by_ref()
        .take(MAX_INPUT + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("{what}: cannot read"))?;
    if buf.len() as u64 > MAX_INPUT {
        bail!("{what}: larger than {} MiB", MAX_INPUT / (1024 * 1024));
    }
    Ok(buf)
}

/// The language: `--lang`, else the environment.
fn pick_lang(opt: Option<&str>) -> anyhow::Result<Lang> {
    if let Some(l) = opt {
        return l
            .parse::<Lang>()
            .map_err(|e| anyhow::anyhow!("--lang: {e}"));
    }
    let var = |k: &str| std::env::var(k).ok();
    Ok(Lang::from_env_values(
        var("LC_ALL").as_deref(),
        var("LC_MESSAGES").as_deref(),
        var("LANG").as_deref(),
    ))
}

/// Runs `mailway explain`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let lang = pick_lang(args.lang.as_deref())?;
    let input = classify_input(&args, &|p: &Path| p.exists())?;
    let (kind, shown, items) = match &input {
        Input::Code(c) => {
            let e = explain::explain_code(c, lang)
                .with_context(|| format!("{c:?} is not a status or reply code"))?;
            ("code", c.clone(), vec![e])
        }
        Input::Reply(t) => ("reply", t.clone(), vec![explain::explain_text(t, lang)]),
        Input::Stdin => {
            let bytes = read_limited(std::io::stdin().lock(), "standard input")?;
            from_bytes(&bytes, "-", lang)?
        }
        Input::File(p) => {
            if p.is_dir() {
                bail!(
                    "{}: is a directory (to analyse every bounce in it use: mailway bounce {})",
                    p.display(),
                    p.display()
                );
            }
            let f =
                std::fs::File::open(p).with_context(|| format!("{}: cannot open", p.display()))?;
            let bytes = read_limited(f, &p.display().to_string())?;
            from_bytes(&bytes, &p.display().to_string(), lang)?
        }
    };
    let recognised = items.iter().any(recognised);
    let report = Report::new(lang, kind, &shown, items);
    let code = if recognised {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    match write_report(&report, args.json, recognised) {
        Ok(()) => Ok(code),
        // `mailway explain ... | head`: the reader went away; not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(code),
        Err(e) => Err(anyhow::Error::new(e).context("writing the explanation")),
    }
}

fn write_report(report: &Report, json: bool, recognised: bool) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        serde_json::to_writer_pretty(&mut out, report).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        let style = Style::detect(stdout.is_terminal());
        render(&mut out, report, &style)?;
        if !recognised {
            writeln!(
                out,
                "\n{}",
                explain::text(report.lang, "label-nothing-recognised")
            )?;
        }
    }
    out.flush()
}

/// True when an explanation rests on something: a code, a status, or a decided reason.
fn recognised(e: &Explanation) -> bool {
    e.reply_code.is_some()
        || e.status.is_some()
        || !matches!(e.reason, Reason::OnHold | Reason::Undefined)
}

/// Bytes from a file or stdin: a bounce message, or a reply text.
fn from_bytes(
    bytes: &[u8],
    name: &str,
    lang: Lang,
) -> anyhow::Result<(&'static str, String, Vec<Explanation>)> {
    if looks_like_message(bytes)
        && let Some(items) = bounce::explain_bounce(bytes, name, lang)?
    {
        return Ok(("bounce", name.to_string(), items));
    }
    if is_binary(bytes) {
        bail!("{name}: binary data, not a bounce message or a reply text");
    }
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    if text.is_empty() {
        bail!("{name}: empty input");
    }
    Ok((
        "reply",
        name.to_string(),
        vec![explain::explain_text(text, lang)],
    ))
}

mod bounce {
    //! Bounce messages: analysis by `mailway-bounce`, one explanation per recipient.
    use mailway_bounce::{Action, BounceError, BounceRecord};
    use mailway_status::explain::ExplainInput;
    use mailway_status::{Classification, Context, DsnAction, parse_reply};

    use super::*;

    fn dsn_action(a: Action) -> DsnAction {
        match a {
            Action::Failed => DsnAction::Failed,
            Action::Delayed => DsnAction::Delayed,
            Action::Delivered => DsnAction::Delivered,
            Action::Relayed => DsnAction::Relayed,
            Action::Expanded => DsnAction::Expanded,
        }
    }

    /// Explains every recipient of a bounce. `Ok(None)` when the bytes are not a mail message
    /// after all (the caller then treats them as a reply text); `Ok(Some(vec![]))` when it is a
    /// message but not a bounce (nothing recognised, exit 1).
    pub(super) fn explain_bounce(
        bytes: &[u8],
        name: &str,
        lang: Lang,
    ) -> anyhow::Result<Option<Vec<Explanation>>> {
        let analysis = match mailway_bounce::analyze(bytes) {
            Ok(a) => a,
            Err(BounceError::NotMail) => return Ok(None),
            Err(e @ BounceError::NotRecognised { .. }) => {
                eprintln!("mailway: {name}: {e}");
                return Ok(Some(Vec::new()));
            }
            Err(e) => bail!("{name}: {e}"),
        };
        for w in &analysis.warnings {
            eprintln!("mailway: {name}: warning: {w}");
        }
        // Who wrote the bounce: the recogniser's name when it is an MTA, else the signature of
        // the report's own text (e.g. "This is the mail system at host" is Postfix).
        let hint = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]).into_owned();
        let items = analysis
            .records
            .iter()
            .map(|r| explain_record(r, &analysis.detector, &hint, name, lang))
            .collect();
        Ok(Some(items))
    }

    fn explain_record(
        r: &BounceRecord,
        detector: &str,
        hint: &str,
        name: &str,
        lang: Lang,
    ) -> Explanation {
        let diag = r.diagnostic_code.clone().unwrap_or_default();
        let mut reply = parse_reply(&diag);
        if r.status.is_some() {
            reply.status = r.status;
        }
        if r.reply_code.is_some() {
            reply.code = r.reply_code;
        }
        if r.smtp_command.is_some() {
            reply.command = r.smtp_command;
        }
        let mut ctx = Context::new().with_recipient(&r.recipient);
        if let Some(a) = r.action {
            ctx = ctx.with_action(dsn_action(a));
        }
        if let Some(h) = &r.remote_mta {
            ctx = ctx.with_remote_host(h.clone());
        }
        // The bounce analysis decided reason and hard/soft with everything the message says;
        // the status classifier adds topic and provider when it agrees on the reason.
        let ours = mailway_status::classify_with(&reply, &ctx);
        let undecided = |r: Reason| matches!(r, Reason::OnHold | Reason::Undefined);
        let classification = if ours.reason == r.reason {
            Classification {
                hard_bounce: r.hard_bounce,
                ..ours
            }
        } else if undecided(r.reason) && !undecided(ours.reason) {
            // The bounce analysis could not decide; the reply text could.
            ours
        } else {
            Classification {
                reason: r.reason,
                hard_bounce: r.hard_bounce,
                rule: format!("bounce:{detector}"),
                topic: None,
                ..ours
            }
        };
        let mta = mailway_status::emitter(detector)
            .or_else(|| mailway_status::detect_emitter(hint))
            .map(|e| e.id.as_str());
        let mut input = ExplainInput::new(&reply);
        input.raw = Some(&diag);
        input.context = ctx;
        input.classification = Some(classification);
        input.mta = mta;
        input.recipient = Some(&r.recipient);
        input.will_retry_until = r.will_retry_until.as_deref();
        input.file = Some(name);
        explain::explain(&input, lang)
    }
}

// ------------------------------------------------------------------------------------------
// Human output

struct Style {
    color: bool,
}

impl Style {
    fn detect(tty: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            color: tty && !no_color,
        }
    }
    fn bold(&self, s: &str) -> String {
        if self.color {
            format!("\x1b[1m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn tone(&self, s: &str, t: Temporality, hard: bool) -> String {
        if !self.color {
            return s.to_string();
        }
        let code = match (t, hard) {
            (_, true) | (Temporality::Permanent, _) => "31",
            (Temporality::Transient, _) => "33",
            (Temporality::Success, _) => "32",
            _ => "0",
        };
        format!("\x1b[1;{code}m{s}\x1b[0m")
    }
    fn dim(&self, s: &str) -> String {
        if self.color {
            format!("\x1b[2m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

const WIDTH: usize = 100;

/// Word-wraps `text` to WIDTH with `first` before the first line and `rest` before the others.
fn wrap(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(first);
    let mut at_start = true;
    for word in text.split_whitespace() {
        if !at_start && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(rest);
            at_start = true;
        }
        if !at_start {
            line.push(' ');
        }
        line.push_str(word);
        at_start = false;
    }
    out.push_str(line.trim_end());
    out
}

fn render(out: &mut impl Write, report: &Report, st: &Style) -> std::io::Result<()> {
    let lang = report.lang;
    if report.kind == "bounce" {
        writeln!(
            out,
            "{}",
            st.bold(&format!(
                "{}  ({})",
                explain::text_count(lang, "label-bounce-summary", "count", report.items.len()),
                report.input
            ))
        )?;
        writeln!(out)?;
    }
    for (i, e) in report.items.iter().enumerate() {
        if i > 0 {
            writeln!(out, "\n{}\n", "-".repeat(WIDTH.min(72)))?;
        }
        render_one(out, e, st, report.kind == "bounce")?;
    }
    Ok(())
}

fn render_one(
    out: &mut impl Write,
    e: &Explanation,
    st: &Style,
    bounce: bool,
) -> std::io::Result<()> {
    let lang = e.lang;
    let t = |id: &str| explain::text(lang, id);
    if let Some(r) = &e.recipient {
        writeln!(out, "{}: {}", st.bold(&t("label-recipient")), r)?;
    }
    // Code line: "4.4.7  Delivery time expired (RFC 3463)" / "550  Requested action ..."
    let mut code = Vec::new();
    if let Some(c) = e.reply_code {
        code.push(c.to_string());
    }
    if let Some(s) = e.status {
        code.push(s.to_string());
    }
    if !code.is_empty() {
        let mut line = format!(
            "{}  ",
            st.tone(&code.join(" "), e.temporality, e.hard_bounce)
        );
        if let Some(title) = &e.status_title {
            line.push_str(title);
            if let Some(r) = &e.status_reference {
                line.push_str(&st.dim(&format!(" ({r})")));
            }
        } else if let Some(m) = &e.reply_code_meaning {
            line.push_str(m);
        }
        writeln!(out, "{line}")?;
        if let Some(m) = &e.status_meaning {
            writeln!(out, "{}", st.dim(&wrap(m, "  ", "  ")))?;
        }
    }
    if !bounce && !e.input.is_empty() && e.input.chars().any(char::is_whitespace) {
        writeln!(
            out,
            "{}",
            st.dim(&wrap(
                &format!("{}: {}", t("label-input"), e.input),
                "",
                "  "
            ))
        )?;
    } else if bounce && !e.input.is_empty() {
        writeln!(out, "{}", st.dim(&wrap(&e.input, "  ", "  ")))?;
    }
    if let Some(p) = &e.reported_by {
        writeln!(out, "{}: {}", t("label-reported-by"), p.name)?;
    }
    if let Some(p) = &e.provider {
        writeln!(out, "{}: {}", t("label-provider"), p.name)?;
    }
    writeln!(out)?;
    writeln!(out, "{}", st.bold(&t("label-what-happened")))?;
    for s in &e.summary {
        writeln!(out, "{}", wrap(s, "  ", "  "))?;
    }
    writeln!(out)?;
    writeln!(out, "{}", st.bold(&t("label-temporary")))?;
    writeln!(
        out,
        "{}",
        wrap(
            &st.tone(&e.temporality_text, e.temporality, e.hard_bounce),
            "  ",
            "  "
        )
    )?;
    if let Some(r) = &e.retry {
        writeln!(out, "{}", wrap(r, "  ", "  "))?;
    }
    writeln!(out)?;
    let bounce_kind = match e.reason {
        Reason::Delivered | Reason::Feedback | Reason::Vacation => t("label-no-bounce"),
        _ if e.hard_bounce => t("label-hard-bounce"),
        _ => t("label-soft-bounce"),
    };
    writeln!(
        out,
        "{}: {} ({}) — {}",
        st.bold(&t("label-reason")),
        e.reason_title,
        e.reason,
        bounce_kind
    )?;
    writeln!(
        out,
        "{}",
        st.dim(&format!("  {}: {}", t("label-rule"), e.rule))
    )?;
    if !e.causes.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", st.bold(&t("label-causes")))?;
        for (i, c) in e.causes.iter().enumerate() {
            let n = format!("  {}. ", i + 1);
            writeln!(out, "{}", wrap(&c.text, &n, &" ".repeat(n.len())))?;
        }
    }
    if !e.sender_actions.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", st.bold(&t("label-sender")))?;
        for a in &e.sender_actions {
            writeln!(out, "{}", wrap(&a.text, "  - ", "    "))?;
        }
    }
    if !e.admin_actions.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", st.bold(&t("label-admin")))?;
        for a in &e.admin_actions {
            writeln!(out, "{}", wrap(&a.text, "  - ", "    "))?;
            if let Some(cmd) = &a.command {
                writeln!(out, "      {}: {}", t("label-check-with"), st.bold(cmd))?;
            }
        }
    }
    if !e.notes.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", st.bold(&t("label-notes")))?;
        for n in &e.notes {
            writeln!(out, "{}", wrap(&n.text, "  - ", "    "))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Args {
        Args {
            input: v.iter().map(|s| s.to_string()).collect(),
            lang: None,
            json: false,
            text: false,
            file: false,
        }
    }

    #[test]
    fn deciding_the_input() {
        let none = |_: &Path| false;
        let all = |_: &Path| true;
        assert_eq!(
            classify_input(&args(&["4.4.7"]), &none).unwrap(),
            Input::Code("4.4.7".into())
        );
        assert_eq!(
            classify_input(&args(&["550", "5.1.1"]), &none).unwrap(),
            Input::Code("550 5.1.1".into())
        );
        assert_eq!(classify_input(&args(&["-"]), &none).unwrap(), Input::Stdin);
        assert_eq!(
            classify_input(&args(&["550", "5.1.1", "user", "unknown"]), &none).unwrap(),
            Input::Reply("550 5.1.1 user unknown".into())
        );
        assert_eq!(
            classify_input(&args(&["bounce.eml"]), &all).unwrap(),
            Input::File(PathBuf::from("bounce.eml"))
        );
        // a path that does not exist is an error, not a reply text
        let e = classify_input(&args(&["examples/nope.eml"]), &none).unwrap_err();
        assert!(e.to_string().contains("no such file"), "{e}");
        // ...unless --text says so
        let mut a = args(&["examples/nope.eml"]);
        a.text = true;
        assert_eq!(
            classify_input(&a, &none).unwrap(),
            Input::Reply("examples/nope.eml".into())
        );
        // a reply text that happens to be a file name in the current directory: --text wins
        let mut a = args(&["Greylisted"]);
        assert_eq!(
            classify_input(&a, &none).unwrap(),
            Input::Reply("Greylisted".into())
        );
        a.file = true;
        assert!(classify_input(&a, &none).is_err());
        // a code is a code even if a file of that name exists, unless --file
        assert_eq!(
            classify_input(&args(&["550"]), &all).unwrap(),
            Input::Code("550".into())
        );
    }

    #[test]
    fn message_detection() {
        assert!(looks_like_message(
            b"From: MAILER-DAEMON@example.org\nTo: a@example.org\n\nbody"
        ));
        assert!(looks_like_message(
            b"From MAILER-DAEMON Mon Jan  1 00:00:00 2024\nFrom: x\n"
        ));
        assert!(looks_like_message(
            b"Return-Path: <>\r\nReceived: from x\r\n  by y\r\n"
        ));
        assert!(!looks_like_message(
            b"550 5.1.1 <a@example.org>: Recipient address rejected: User unknown\n"
        ));
        assert!(!looks_like_message(b"smtp; 550 5.1.1 user unknown"));
        assert!(!looks_like_message(
            b"Diagnostic-Code: smtp; 550 5.1.1 user unknown"
        ));
        assert!(!looks_like_message(b""));
    }

    #[test]
    fn wrapping() {
        let w = wrap(&"word ".repeat(60), "  - ", "    ");
        assert!(w.lines().all(|l| l.chars().count() <= WIDTH));
        assert!(w.starts_with("  - word"));
        assert!(w.lines().nth(1).unwrap().starts_with("    word"));
    }
}
