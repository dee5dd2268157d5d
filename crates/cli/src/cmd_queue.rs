//! `mailway queue ls | show ID | why ID | retry ID | retry --all | bounce ID | delete ID`:
//! inspect and act on the relay's queue.
//!
//! Where it works: when `mailway serve` runs on the spool (it holds `<spool>/lock`), over the
//! daemon's HTTP API (address from `<spool>/daemon.json` or `--api`, token from
//! `<spool>/api-token`, `--token` or `MAILWAY_API_TOKEN`); when the daemon is stopped, on the
//! spool files directly (a `bounce` then queues its notice for the daemon to send when it
//! starts). `--api` forces the API.
//!
//! Exit codes: 0 the command did what was asked; 2 it could not (no such message, no spool,
//! daemon unreachable, token refused).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, anyhow, bail};
use mailway_relay::{
    EngineOptions, ListFilter, MessageDetail, MessageSummary, QueueError, QueueId, RcptState,
    Relay, WhyReport,
};
use mailway_spool::Spool;
use mailway_status::explain::Lang;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::queue_source::{daemon_api, read_token};

/// Arguments of `mailway queue`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  mailway queue ls\n  mailway queue ls --state deferred --domain example.com\n  mailway queue why 1A3185C5000FFE55\n  mailway queue retry --all\n  mailway queue show 1A3185C5000FFE55 --json"
)]
pub struct Args {
    /// Spool directory of the relay.
    #[arg(
        long,
        global = true,
        env = "MAILWAY_SPOOL",
        default_value = "./mailway-spool"
    )]
    spool: PathBuf,
    /// Use the HTTP API at this address (default: found through the running daemon's spool).
    #[arg(long, global = true, value_name = "ADDR:PORT")]
    api: Option<String>,
    /// API token (default: the first line of <spool>/api-token).
    #[arg(long, global = true, env = "MAILWAY_API_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Print JSON (the API's objects) instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Language of the text output (ls, show, why): en or es (default: from LC_ALL, LC_MESSAGES, LANG).
    #[arg(long, global = true)]
    lang: Option<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Subcommand, Debug)]
enum Cmd {
    /// List queued messages, oldest first, with each recipient's state.
    Ls {
        /// Only messages with a recipient in this state: pending, deferred, delivered, failed.
        #[arg(long)]
        state: Option<String>,
        /// Only messages with a recipient in this domain.
        #[arg(long)]
        domain: Option<String>,
        /// At most this many messages.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Everything about one message: envelope, DSN parameters, per-recipient state and replies,
    /// headers.
    Show {
        /// Queue id.
        id: String,
    },
    /// Why the message is still in the queue, in plain words: last reply and its meaning, next
    /// attempt, expiry.
    Why {
        /// Queue id.
        id: String,
    },
    /// Try a message (or every message with --all) now.
    Retry {
        /// Queue id.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        /// Every queued message.
        #[arg(long)]
        all: bool,
    },
    /// Give up on a message now: its undelivered recipients fail (5.0.0) and the sender gets
    /// the failure notice they asked for.
    Bounce {
        /// Queue id.
        id: String,
    },
    /// Remove a message without any notice.
    Delete {
        /// Queue id.
        id: String,
    },
}

/// Where the queue is.
enum Backend {
    Api {
        base: String,
        token: Option<String>,
        agent: ureq::Agent,
    },
    Local {
        relay: Relay,
        rt: tokio::runtime::Runtime,
    },
}

impl Backend {
    fn open(args: &Args) -> anyhow::Result<Backend> {
        let api = match &args.api {
            Some(a) => Some(a.clone()),
            None if Spool::is_locked(&args.spool) => Some(daemon_api(&args.spool)),
            None => None,
        };
        if let Some(addr) = api {
            let token = args
                .token
                .clone()
                .or_else(|| read_token(&args.spool.join("api-token")));
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(60)))
                .build()
                .into();
            let base = if addr.starts_with("http://") {
                addr.trim_end_matches('/').to_string()
            } else {
                format!("http://{addr}")
            };
            return Ok(Backend::Api { base, token, agent });
        }
        if !args.spool.join("VERSION").is_file() {
            bail!(
                "no mailway spool at {} (use --spool DIR, or --api ADDR for a running daemon)",
                args.spool.display()
            );
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let opts = EngineOptions {
            spool: args.spool.clone(),
            ..EngineOptions::default()
        };
        let relay = rt
            .block_on(Relay::builder(opts).offline().start())
            .with_context(|| format!("cannot open the spool {}", args.spool.display()))?;
        let report = relay.recovery_report();
        for q in &report.quarantined {
            eprintln!(
                "mailway: warning: {} was unreadable and moved to {} ({})",
                q.original.display(),
                q.moved_to.display(),
                q.reason
            );
        }
        Ok(Backend::Local { relay, rt })
    }

    fn is_local(&self) -> bool {
        matches!(self, Backend::Local { .. })
    }

    /// Calls the API and decodes a 2xx JSON body.
    fn call<T: DeserializeOwned>(&self, method: &str, path: &str) -> anyhow::Result<T> {
        let Backend::Api { base, token, agent } = self else {
            unreachable!("API call on a local backend");
        };
        let url = format!("{base}{path}");
        let auth = token.as_ref().map(|t| format!("Bearer {t}"));
        let resp = match method {
            "GET" => {
                let mut r = agent.get(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            "DELETE" => {
                let mut r = agent.delete(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            _ => {
                let mut r = agent.post(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.send_empty()
            }
        };
        let mut resp = resp.map_err(|e| {
            anyhow!("cannot reach the mailway API at {base}: {e} (is `mailway serve` running? use --api ADDR)")
        })?;
        let status = resp.status();
        let body: Value = resp
            .body_mut()
            .read_json()
            .with_context(|| format!("{method} {url}: answer is not JSON (HTTP {status})"))?;
        if !status.is_success() {
            let msg = body["error"]["message"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| body.to_string());
            if status.as_u16() == 401 || status.as_u16() == 403 {
                bail!(
                    "the API refused the token (HTTP {status}): {msg}; pass --token or set MAILWAY_API_TOKEN"
                );
            }
            bail!("{msg}");
        }
        serde_json::from_value(body).with_context(|| format!("{method} {url}: unexpected answer"))
    }
}

fn parse_id(s: &str) -> anyhow::Result<QueueId> {
    s.parse::<QueueId>().map_err(|e| anyhow!("{e}"))
}

fn queue_err(e: QueueError) -> anyhow::Error {
    anyhow!("{e}")
}

fn lang(args: &Args) -> anyhow::Result<Lang> {
    match args.lang.as_deref() {
        Some(l) => match l.to_ascii_lowercase().as_str() {
            "en" => Ok(Lang::En),
            "es" => Ok(Lang::Es),
            _ => bail!("--lang must be en or es, not {l:?}"),
        },
        None => Ok(Lang::from_env_values(
            std::env::var("LC_ALL").ok().as_deref(),
            std::env::var("LC_MESSAGES").ok().as_deref(),
            std::env::var("LANG").ok().as_deref(),
        )),
    }
}

/// Runs `mailway queue`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let backend = Backend::open(&args)?;
    let mut out = std::io::stdout().lock();
    let json = args.json;
    let print_json = |out: &mut dyn Write, v: &dyn erased::Ser| -> anyhow::Result<()> {
        writeln!(out, "{}", v.json()?)?;
        Ok(())
    };
    match &args.cmd {
        Cmd::Ls {
            state,
            domain,
            limit,
        } => {
            let st: Option<RcptState> = match state.as_deref() {
                None => None,
                Some(s) => Some(
                    serde_json::from_value(Value::String(s.to_ascii_lowercase())).map_err(
                        |_| {
                            anyhow!(
                                "--state must be pending, deferred, delivered or failed, not {s:?}"
                            )
                        },
                    )?,
                ),
            };
            let msgs: Vec<MessageSummary> = match &backend {
                Backend::Local { relay, .. } => relay.list(&ListFilter {
                    state: st,
                    domain: domain.clone(),
                    limit: *limit,
                }),
                Backend::Api { .. } => {
                    let mut q = Vec::new();
                    if let Some(s) = state {
                        q.push(format!("state={}", s.to_ascii_lowercase()));
                    }
                    if let Some(d) = domain {
                        q.push(format!("domain={}", urlencode(d)));
                    }
                    if let Some(l) = limit {
                        q.push(format!("limit={l}"));
                    }
                    let path = if q.is_empty() {
                        "/api/v1/queue".to_string()
                    } else {
                        format!("/api/v1/queue?{}", q.join("&"))
                    };
                    let v: Value = backend.call("GET", &path)?;
                    serde_json::from_value(v["messages"].clone())
                        .context("unexpected queue listing from the API")?
                }
            };
            if json {
                print_json(&mut out, &serde_json::json!({ "messages": msgs }))?;
            } else {
                render_ls(&mut out, &msgs, lang(&args)?, SystemTime::now())?;
            }
        }
        Cmd::Show { id } => {
            let id = parse_id(id)?;
            let d: MessageDetail = match &backend {
                Backend::Local { relay, rt } => rt.block_on(relay.show(id)).map_err(queue_err)?,
                Backend::Api { .. } => backend.call("GET", &format!("/api/v1/queue/{id}"))?,
            };
            if json {
                print_json(&mut out, &d)?;
            } else {
                render_show(&mut out, &d, lang(&args)?, SystemTime::now())?;
            }
        }
        Cmd::Why { id } => {
            let id = parse_id(id)?;
            let lang = lang(&args)?;
            let w: WhyReport = match &backend {
                Backend::Local { relay, rt } => {
                    rt.block_on(relay.why_in(id, lang)).map_err(queue_err)?
                }
                Backend::Api { .. } => backend.call(
                    "GET",
                    &format!("/api/v1/queue/{id}/why?lang={}", lang.code()),
                )?,
            };
            if json {
                print_json(&mut out, &w)?;
            } else {
                render_why(&mut out, &w, backend.is_local(), lang)?;
            }
        }
        Cmd::Retry { id, all } => {
            let n: usize = match (&backend, id, all) {
                (Backend::Local { relay, rt }, _, true) => {
                    rt.block_on(relay.retry_all()).map_err(queue_err)?
                }
                (Backend::Local { relay, rt }, Some(id), false) => {
                    rt.block_on(relay.retry(parse_id(id)?)).map_err(queue_err)?;
                    1
                }
                (Backend::Api { .. }, _, true) => {
                    let v: Value = backend.call("POST", "/api/v1/queue/retry")?;
                    v["retried"].as_u64().unwrap_or(0) as usize
                }
                (Backend::Api { .. }, Some(id), false) => {
                    let id = parse_id(id)?;
                    let v: Value = backend.call("POST", &format!("/api/v1/queue/{id}/retry"))?;
                    v["retried"].as_u64().unwrap_or(0) as usize
                }
                (_, None, false) => bail!("give a queue id or --all"),
            };
            if json {
                print_json(&mut out, &serde_json::json!({ "retried": n }))?;
            } else if backend.is_local() {
                writeln!(
                    out,
                    "{n} message(s) scheduled for an attempt now; the daemon is stopped, so it happens when `mailway serve` starts."
                )?;
            } else {
                writeln!(out, "{n} message(s) scheduled for an attempt now.")?;
            }
        }
        Cmd::Bounce { id } => {
            let id = parse_id(id)?;
            match &backend {
                Backend::Local { relay, rt } => rt.block_on(relay.bounce(id)).map_err(queue_err)?,
                Backend::Api { .. } => {
                    let _: Value = backend.call("POST", &format!("/api/v1/queue/{id}/bounce"))?;
                }
            }
            if json {
                print_json(&mut out, &serde_json::json!({ "bounced": id }))?;
            } else {
                writeln!(
                    out,
                    "{id}: undelivered recipients failed (5.0.0); the sender is notified unless they asked not to be (NOTIFY) or the message is itself a notice."
                )?;
            }
        }
        Cmd::Delete { id } => {
            let id = parse_id(id)?;
            match &backend {
                Backend::Local { relay, rt } => rt.block_on(relay.delete(id)).map_err(queue_err)?,
                Backend::Api { .. } => {
                    let _: Value = backend.call("DELETE", &format!("/api/v1/queue/{id}"))?;
                }
            }
            if json {
                print_json(&mut out, &serde_json::json!({ "deleted": id }))?;
            } else {
                writeln!(out, "{id}: deleted (no notice sent).")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Object-safe JSON printing for the few types we print.
mod erased {
    pub trait Ser {
        fn json(&self) -> serde_json::Result<String>;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> serde_json::Result<String> {
            serde_json::to_string_pretty(self)
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn stamp(t: SystemTime) -> String {
    let s = mailway_spool::time_serde::format(t);
    // 2027-01-15T08:00:00.000Z -> 2027-01-15 08:00:00Z
    s.replacen('T', " ", 1)
        .split('.')
        .next()
        .map(|x| format!("{x}Z"))
        .unwrap_or(s)
}

/// `in 4 minutes`, `3 hours ago`, `now`, in `lang`.
fn relative(lang: Lang, t: SystemTime, now: SystemTime) -> String {
    use text::{A, tr};
    match t.duration_since(now) {
        Ok(d) if d.as_secs() < 1 => tr(lang, "rel-now", &[]),
        Ok(d) => tr(lang, "rel-in", &[("duration", A::S(text::approx(lang, d)))]),
        Err(e) => tr(
            lang,
            "rel-ago",
            &[("duration", A::S(text::approx(lang, e.duration())))],
        ),
    }
}

fn size(n: u64) -> String {
    if n >= 10 * 1024 * 1024 {
        format!("{}M", n / (1024 * 1024))
    } else if n >= 10 * 1024 {
        format!("{}K", n / 1024)
    } else {
        n.to_string()
    }
}

fn render_ls(
    out: &mut dyn Write,
    msgs: &[MessageSummary],
    lang: Lang,
    now: SystemTime,
) -> anyhow::Result<()> {
    use text::{A, tr};
    if msgs.is_empty() {
        writeln!(out, "{}", tr(lang, "ls-empty", &[]))?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<16}  {:>6}  {:<20}  {}",
        tr(lang, "ls-col-id", &[]),
        tr(lang, "ls-col-size", &[]),
        tr(lang, "ls-col-arrived", &[]),
        tr(lang, "ls-col-who", &[])
    )?;
    let mut counts = std::collections::BTreeMap::<RcptState, u64>::new();
    let mut bytes = 0u64;
    for m in msgs {
        bytes += m.size;
        let sender = if m.sender.is_empty() {
            tr(lang, "ls-null-sender", &[])
        } else {
            m.sender.clone()
        };
        writeln!(
            out,
            "{:<16}{} {:>6}  {:<20}  {}",
            m.id,
            if m.active { "*" } else { " " },
            size(m.size),
            stamp(m.arrival),
            sender
        )?;
        for r in &m.recipients {
            *counts.entry(r.state).or_default() += 1;
            let detail = match r.state {
                RcptState::Pending | RcptState::Deferred => {
                    let mut d = tr(lang, "ls-attempts", &[("n", A::N(r.attempts.into()))]);
                    match r.next_attempt {
                        Some(t) => d.push_str(&tr(
                            lang,
                            "ls-next",
                            &[("when", A::S(relative(lang, t, now)))],
                        )),
                        None if m.active => d.push_str(&tr(lang, "ls-active", &[])),
                        None => {}
                    }
                    d
                }
                _ => String::new(),
            };
            writeln!(
                out,
                "{:<48}  {}  {}{}",
                "",
                r.address,
                tr(lang, &format!("state-{}", r.state.as_str()), &[]),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({detail})")
                }
            )?;
        }
        if let Some(l) = &m.last_reply {
            writeln!(
                out,
                "{:<48}  {}",
                "",
                tr(lang, "ls-last-reply", &[("reply", A::S(l.clone()))])
            )?;
        }
        writeln!(
            out,
            "{:<48}  {}",
            "",
            tr(
                lang,
                "ls-expires",
                &[("when", A::S(relative(lang, m.expires, now)))]
            )
        )?;
    }
    let states: Vec<String> = counts
        .iter()
        .map(|(s, n)| {
            tr(
                lang,
                "ls-count",
                &[
                    ("n", A::N(*n)),
                    (
                        "state",
                        A::S(tr(lang, &format!("state-{}", s.as_str()), &[])),
                    ),
                ],
            )
        })
        .collect();
    let total = if bytes >= 1024 {
        tr(lang, "ls-kb", &[("n", A::N(bytes.div_ceil(1024)))])
    } else {
        tr(lang, "ls-bytes", &[("n", A::N(bytes))])
    };
    writeln!(
        out,
        "{}{}",
        tr(
            lang,
            "ls-total",
            &[
                ("size", A::S(total)),
                ("messages", A::N(msgs.len() as u64)),
                ("states", A::S(states.join(", "))),
            ],
        ),
        if msgs.iter().any(|m| m.active) {
            tr(lang, "ls-active-note", &[])
        } else {
            String::new()
        }
    )?;
    Ok(())
}

fn render_show(
    out: &mut dyn Write,
    d: &MessageDetail,
    lang: Lang,
    now: SystemTime,
) -> anyhow::Result<()> {
    use text::{A, tr};
    let r = &d.record;
    let e = &r.envelope;
    let labels = [
        "id", "arrived", "expires", "delay", "size", "sender", "params", "via", "msgid", "hold",
        "active",
    ]
    .map(|k| tr(lang, &format!("show-{k}"), &[]));
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 1;
    let [
        l_id,
        l_arrived,
        l_expires,
        l_delay,
        l_size,
        l_sender,
        l_params,
        l_via,
        l_msgid,
        l_hold,
        l_active,
    ] = labels;
    let pad = |l: &str| format!("{l:<width$}");
    let at = |t: SystemTime| format!("{} ({})", stamp(t), relative(lang, t, now));
    writeln!(out, "{}{}", pad(&l_id), r.id)?;
    writeln!(out, "{}{}", pad(&l_arrived), at(r.arrival))?;
    writeln!(out, "{}{}", pad(&l_expires), at(d.expires))?;
    if let Some(t) = d.delay_warning_at {
        writeln!(out, "{}{}", pad(&l_delay), at(t))?;
    }
    writeln!(
        out,
        "{}{}",
        pad(&l_size),
        tr(lang, "ls-bytes", &[("n", A::N(r.size))])
    )?;
    writeln!(
        out,
        "{}{}",
        pad(&l_sender),
        if e.sender.is_empty() { "<>" } else { &e.sender }
    )?;
    let mut params = Vec::new();
    if let Some(ret) = e.ret {
        params.push(format!(
            "RET={}",
            if ret == mailway_relay::Ret::Full {
                "FULL"
            } else {
                "HDRS"
            }
        ));
    }
    if let Some(id) = &e.envid {
        params.push(format!("ENVID={id}"));
    }
    if let Some(b) = e.body {
        params.push(format!("BODY={}", b.as_str()));
    }
    if let Some(s) = e.size {
        params.push(format!("SIZE={s}"));
    }
    if e.smtputf8 {
        params.push("SMTPUTF8".into());
    }
    if !params.is_empty() {
        writeln!(out, "{}{}", pad(&l_params), params.join(" "))?;
    }
    let mut origin = vec![e.origin.protocol.clone()];
    if let Some(c) = &e.origin.client {
        origin.push(tr(lang, "show-from", &[("client", A::S(c.clone()))]));
    }
    if let Some(h) = &e.origin.helo {
        origin.push(format!("helo {h}"));
    }
    if let Some(a) = &e.origin.auth {
        origin.push(format!("auth {a}"));
    }
    writeln!(out, "{}{}", pad(&l_via), origin.join(", "))?;
    if let Some(m) = &r.message_id {
        writeln!(out, "{}{m}", pad(&l_msgid))?;
    }
    if r.hold {
        writeln!(out, "{}{}", pad(&l_hold), tr(lang, "show-yes", &[]))?;
    }
    if d.active {
        writeln!(
            out,
            "{}{}",
            pad(&l_active),
            tr(lang, "show-active-now", &[])
        )?;
    }
    writeln!(out, "\n{}", tr(lang, "show-recipients", &[]))?;
    for rc in &r.recipients {
        let mut line = format!(
            "  {}  {}",
            rc.recipient.address,
            tr(lang, &format!("state-{}", rc.state.as_str()), &[])
        );
        if let Some(s) = &rc.final_status {
            line.push_str(&format!(" ({s})"));
        }
        line.push_str(&format!(
            ", {}",
            tr(lang, "ls-attempts", &[("n", A::N(rc.attempts.into()))])
        ));
        writeln!(out, "{line}")?;
        if let Some(n) = rc.recipient.notify {
            writeln!(out, "      NOTIFY={}", n.to_esmtp())?;
        }
        if let Some(o) = &rc.recipient.orcpt {
            writeln!(out, "      ORCPT={o}")?;
        }
        if let Some(l) = &rc.last_reply {
            let when = ("when", A::S(relative(lang, l.at, now)));
            let reply = ("reply", A::S(l.text.clone()));
            let line = match &l.remote_mta {
                Some(m) => tr(
                    lang,
                    "show-last-reply-from",
                    &[when, ("mta", A::S(m.clone())), reply],
                ),
                None => tr(lang, "show-last-reply", &[when, reply]),
            };
            writeln!(out, "      {line}")?;
        }
        if let (Some(s), Some(l)) = (&rc.last_smtp_reply, &rc.last_reply)
            && !l.smtp
        {
            writeln!(
                out,
                "      {}",
                tr(
                    lang,
                    "show-last-server-reply",
                    &[("reply", A::S(s.text.clone()))]
                )
            )?;
        }
        if let Some(t) = rc.next_attempt
            && !rc.state.is_final()
        {
            writeln!(
                out,
                "      {}",
                tr(lang, "show-next-attempt", &[("when", A::S(at(t)))])
            )?;
        }
    }
    writeln!(out, "\n{}", tr(lang, "show-headers", &[]))?;
    for l in d.headers.lines() {
        writeln!(out, "  {l}")?;
    }
    Ok(())
}

/// The texts of `queue ls`, `show` and `why` (Fluent, `src/cmd_queue/{en,es}.ftl`, embedded at
/// compile time).
mod text {
    use std::sync::OnceLock;
    use std::time::{Duration, SystemTime};

    use fluent_bundle::concurrent::FluentBundle;
    use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
    use mailway_status::explain::Lang;

    pub(super) const EN: &str = include_str!("cmd_queue/en.ftl");
    pub(super) const ES: &str = include_str!("cmd_queue/es.ftl");

    fn bundle(lang: &str, text: &'static str) -> FluentBundle<FluentResource> {
        let mut b = FluentBundle::new_concurrent(vec![lang.parse().unwrap_or_default()]);
        b.set_use_isolating(false);
        let res = FluentResource::try_new(text.to_string()).unwrap_or_else(|(r, _)| r);
        let _ = b.add_resource(res);
        b
    }

    fn bundles() -> &'static (FluentBundle<FluentResource>, FluentBundle<FluentResource>) {
        static B: OnceLock<(FluentBundle<FluentResource>, FluentBundle<FluentResource>)> =
            OnceLock::new();
        B.get_or_init(|| (bundle("en", EN), bundle("es", ES)))
    }

    /// An argument: text or a number (numbers choose plural forms).
    pub(super) enum A {
        S(String),
        N(u64),
    }

    /// The message `queue-<name>` in `lang` (English fallback, then the id).
    pub(super) fn tr(lang: Lang, name: &str, args: &[(&str, A)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            match v {
                A::S(s) => fa.set(*k, FluentValue::from(s.as_str())),
                A::N(n) => fa.set(*k, FluentValue::from(*n)),
            }
        }
        let id = format!("queue-{name}");
        let (en, es) = bundles();
        let primary = if lang == Lang::Es { es } else { en };
        [primary, en]
            .into_iter()
            .find_map(|b| {
                let p = b.get_message(&id)?.value()?;
                let mut errors = Vec::new();
                Some(b.format_pattern(p, Some(&fa), &mut errors).into_owned())
            })
            .unwrap_or(id)
    }

    /// `3 days 4 hours`, `25 minutes`, `40 seconds` (the relay's rounding).
    pub(super) fn approx(lang: Lang, d: Duration) -> String {
        let s = d.as_secs();
        let unit = |name: &str, n: u64| tr(lang, name, &[("n", A::N(n))]);
        let two = |big: &str, nb: u64, small: &str, ns: u64| {
            if ns > 0 {
                format!("{} {}", unit(big, nb), unit(small, ns))
            } else {
                unit(big, nb)
            }
        };
        if s >= 86400 {
            two("days", s / 86400, "hours", (s % 86400) / 3600)
        } else if s >= 3600 {
            two("hours", s / 3600, "minutes", (s % 3600) / 60)
        } else if s >= 60 {
            unit("minutes", s / 60)
        } else {
            unit("seconds", s)
        }
    }

    /// `in 4 minutes (2026-11-28 05:00:00Z)`, `3 hours ago (…)`, `now (…)`.
    pub(super) fn when(lang: Lang, t: SystemTime, now: SystemTime) -> String {
        let stamp = ("stamp", A::S(super::stamp(t)));
        match t.duration_since(now) {
            Ok(d) if d.as_secs() == 0 => tr(lang, "now", &[stamp]),
            Ok(d) => tr(lang, "in", &[("duration", A::S(approx(lang, d))), stamp]),
            Err(e) => tr(
                lang,
                "ago",
                &[("duration", A::S(approx(lang, e.duration()))), stamp],
            ),
        }
    }
}

/// The summary line of `why` in `lang`, from the report's fields.
fn why_summary(w: &WhyReport, lang: Lang, now: SystemTime) -> String {
    use text::{A, tr, when};
    let waiting = w.recipients.iter().filter(|r| !r.state.is_final()).count();
    if waiting == 0 {
        return tr(lang, "summary-final", &[]);
    }
    tr(
        lang,
        "summary",
        &[
            (
                "age",
                A::S(text::approx(
                    lang,
                    now.duration_since(w.arrival).unwrap_or_default(),
                )),
            ),
            ("waiting", A::N(waiting as u64)),
            ("total", A::N(w.recipients.len() as u64)),
            (
                "next",
                A::S(
                    w.next_attempt
                        .map(|t| {
                            if t <= now && !w.active {
                                tr(lang, "was-due", &[("when", A::S(when(lang, t, now)))])
                            } else {
                                when(lang, t, now)
                            }
                        })
                        .unwrap_or_else(|| tr(lang, "not-scheduled", &[])),
                ),
            ),
            ("expires", A::S(when(lang, w.expires, now))),
        ],
    )
}

/// One recipient's story in `lang`, from the report's fields (the same facts as the relay's
/// English explanation).
fn why_recipient(w: &WhyReport, r: &mailway_relay::RcptWhy, lang: Lang, now: SystemTime) -> String {
    use text::{A, tr, when};
    let s = |v: &str| A::S(v.to_string());
    let at = |t: Option<SystemTime>| {
        t.map(|t| when(lang, t, now))
            .unwrap_or_else(|| tr(lang, "earlier", &[]))
    };
    let mut parts = Vec::new();
    match r.state {
        RcptState::Delivered => match (&r.last_reply_from, &r.last_reply) {
            (Some(m), Some(reply)) => parts.push(tr(
                lang,
                "delivered-by",
                &[
                    ("mta", s(m)),
                    ("when", A::S(at(r.last_attempt))),
                    ("reply", s(reply)),
                ],
            )),
            _ => parts.push(tr(lang, "delivered", &[("when", A::S(at(r.last_attempt)))])),
        },
        RcptState::Failed => {
            let attempts = ("attempts", A::N(r.attempts.into()));
            match r.final_status.as_deref() {
                Some("5.4.7") => parts.push(tr(
                    lang,
                    "expired",
                    &[
                        (
                            "lifetime",
                            A::S(text::approx(
                                lang,
                                w.expires.duration_since(w.arrival).unwrap_or_default(),
                            )),
                        ),
                        attempts,
                    ],
                )),
                status => parts.push(tr(
                    lang,
                    "failed",
                    &[("status", s(status.unwrap_or("5.0.0"))), attempts],
                )),
            }
            match (&r.last_reply, &r.last_reply_from) {
                (Some(reply), Some(m)) => parts.push(tr(
                    lang,
                    "last-reply-from",
                    &[("reply", s(reply)), ("mta", s(m))],
                )),
                (Some(reply), None) => parts.push(tr(lang, "last-reply", &[("reply", s(reply))])),
                _ => {}
            }
            parts.push(tr(
                lang,
                if w.null_sender {
                    "notice-null"
                } else if r.failure_notice {
                    "notice-sent"
                } else {
                    "notice-declined"
                },
                &[],
            ));
        }
        RcptState::Pending | RcptState::Deferred => {
            if w.held {
                parts.push(tr(lang, "held", &[]));
            } else if w.active && r.next_attempt.is_none_or(|t| t <= now) {
                parts.push(tr(lang, "active", &[]));
            }
            match &r.last_reply {
                None => parts.push(tr(lang, "not-tried", &[])),
                Some(reply) => {
                    parts.push(tr(
                        lang,
                        "deferred",
                        &[
                            ("when", A::S(at(r.last_attempt))),
                            ("attempts", A::N(r.attempts.into())),
                        ],
                    ));
                    match (&r.last_reply_from, r.last_reply_smtp) {
                        (Some(m), true) => parts.push(tr(
                            lang,
                            "server-said",
                            &[("mta", s(m)), ("reply", s(reply))],
                        )),
                        (None, true) => parts.push(tr(lang, "last-reply", &[("reply", s(reply))])),
                        (_, false) => parts.push(tr(
                            lang,
                            "local-error",
                            &[("reply", s(reply.trim_end_matches('.')))],
                        )),
                    }
                    match (&r.last_server_reply, &r.last_server_reply_from) {
                        (Some(srv), Some(m)) => parts.push(tr(
                            lang,
                            "last-server-reply-from",
                            &[("reply", s(srv)), ("mta", s(m))],
                        )),
                        (Some(srv), None) => {
                            parts.push(tr(lang, "last-server-reply", &[("reply", s(srv))]))
                        }
                        _ => {}
                    }
                }
            }
            if let Some(until) = r.destination_suspended_until.filter(|t| *t > now) {
                let mut args = vec![
                    ("domain", s(mailway_spool::domain_of(&r.address).as_str())),
                    (
                        "duration",
                        A::S(text::approx(
                            lang,
                            until.duration_since(now).unwrap_or_default(),
                        )),
                    ),
                    ("stamp", A::S(stamp(until))),
                ];
                match &r.destination_error {
                    Some(e) => {
                        args.push(("error", s(e)));
                        parts.push(tr(lang, "suspended-error", &args));
                    }
                    None => parts.push(tr(lang, "suspended", &args)),
                }
            }
            if let Some(t) = r.next_attempt
                && !w.held
            {
                let when_t = ("when", A::S(when(lang, t, now)));
                let name = if t <= now && !w.active {
                    if w.offline {
                        "next-overdue-offline"
                    } else {
                        "next-overdue"
                    }
                } else if t >= w.expires {
                    "last-attempt"
                } else {
                    "next-attempt"
                };
                parts.push(tr(lang, name, &[when_t]));
            }
            parts.push(tr(
                lang,
                if w.null_sender {
                    "expires-null"
                } else if r.failure_notice {
                    "expires-notice"
                } else {
                    "expires"
                },
                &[("when", A::S(when(lang, w.expires, now)))],
            ));
            if r.delay_warned {
                parts.push(tr(lang, "delay-warned", &[]));
            } else if let Some(t) = r.delay_warning_at {
                parts.push(tr(
                    lang,
                    "delay-warning",
                    &[("when", A::S(when(lang, t, now)))],
                ));
            }
        }
    }
    parts.join(" ")
}

fn render_why(out: &mut dyn Write, w: &WhyReport, local: bool, lang: Lang) -> anyhow::Result<()> {
    use text::tr;
    let now = SystemTime::now();
    // English: the relay's own words (they also say when a message is held, a destination
    // suspended, or a delay warning due); other languages: the same facts from the fields.
    let english = lang == Lang::En;
    let summary = if english {
        w.summary.clone()
    } else {
        why_summary(w, lang, now)
    };
    writeln!(out, "{}: {}", w.id, summary)?;
    if local {
        writeln!(out, "{}", tr(lang, "not-running", &[]))?;
    }
    for r in &w.recipients {
        writeln!(
            out,
            "\n{} — {}",
            r.address,
            tr(lang, &format!("state-{}", r.state.as_str()), &[])
        )?;
        let story = if english {
            r.explanation.clone()
        } else {
            why_recipient(w, r, lang, now)
        };
        for line in wrap(&story, 92) {
            writeln!(out, "  {line}")?;
        }
        if let Some(c) = &r.classification {
            let temporality = match c.temporality {
                mailway_status::Temporality::Transient => "transient",
                mailway_status::Temporality::Permanent => "permanent",
                mailway_status::Temporality::Success => "success",
                mailway_status::Temporality::Unknown => "unknown",
            };
            writeln!(
                out,
                "  {}: {} ({}{})",
                tr(lang, "classification", &[]),
                c.reason,
                tr(lang, &format!("temporality-{temporality}"), &[]),
                if c.hard_bounce {
                    format!(", {}", tr(lang, "hard-bounce", &[]))
                } else {
                    String::new()
                }
            )?;
        }
        if let Some(x) = &r.reply_explained {
            for s in &x.summary {
                for line in wrap(s, 90) {
                    writeln!(out, "  {line}")?;
                }
            }
            if !x.causes.is_empty() {
                writeln!(out, "  {}", tr(lang, "likely-causes", &[]))?;
                for c in x.causes.iter().take(3) {
                    writeln!(out, "    - {}", c.text)?;
                }
            }
            if !x.admin_actions.is_empty() {
                writeln!(out, "  {}", tr(lang, "admin-can-do", &[]))?;
                for a in x.admin_actions.iter().take(3) {
                    match &a.command {
                        Some(cmd) => writeln!(out, "    - {} ({cmd})", a.text)?,
                        None => writeln!(out, "    - {}", a.text)?,
                    }
                }
            }
        }
    }
    Ok(())
}

fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        if !cur.is_empty() && cur.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(t: &str) -> Vec<String> {
        let mut v: Vec<String> = t
            .lines()
            .filter(|l| l.starts_with("queue-"))
            .filter_map(|l| l.split(" =").next())
            .map(|s| s.trim().to_string())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn texts_parse_and_both_languages_define_the_same_messages() {
        for t in [text::EN, text::ES] {
            assert!(fluent_bundle::FluentResource::try_new(t.to_string()).is_ok());
        }
        assert_eq!(ids(text::EN), ids(text::ES));
    }

    #[test]
    fn durations_and_plurals() {
        let d = |s| Duration::from_secs(s);
        assert_eq!(
            text::approx(Lang::Es, d(3 * 86400 + 7200)),
            "3 días 2 horas"
        );
        assert_eq!(text::approx(Lang::Es, d(60)), "1 minuto");
        assert_eq!(text::approx(Lang::En, d(3600 + 60)), "1 hour 1 minute");
        let now = SystemTime::UNIX_EPOCH + d(1_800_000_000);
        assert!(text::when(Lang::Es, now + d(240), now).starts_with("dentro de 4 minutos ("));
        assert!(text::when(Lang::Es, now - d(7200), now).starts_with("hace 2 horas ("));
    }
}
