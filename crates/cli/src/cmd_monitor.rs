//! `mailway monitor`: a web dashboard (default http://127.0.0.1:8026/) over mailway's own queue
//! (a running daemon's API or a stopped spool), an existing Postfix queue (`postqueue -j`) and
//! mail logs (summarised like `mailway logs summary`), refreshed every `--interval`.
//!
//! `--once` reads every source once and prints (with `--json`, the document of
//! `GET /api/monitor/all`) instead of serving.
//!
//! Exit codes: 0 served until interrupted / `--once` found nothing close to expiry; 1 `--once`
//! found messages close to expiry or a source failed; 2 the command could not run.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, bail};
use mailway_logs::SummaryOptions;
use mailway_logs::time::Zone;
use mailway_monitor::StatsOptions;
use mailway_monitor::time::{human_duration, parse_duration};
use mailway_web::dashboard::{Dashboard, DashboardConfig, LogSource};
use mailway_web::dashboard_sources::unix;

use crate::queue_source;
use serde_json::Value;

/// Arguments of `mailway monitor`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  mailway monitor --spool /var/spool/mailway
  mailway monitor --api 127.0.0.1:8025 --token \"$MAILWAY_API_TOKEN\"
  mailway monitor --postfix --log /var/log/mail.log /var/log/mail.log.1
  mailway monitor --postfix-config-dir /etc/postfix-out --listen 127.0.0.1:9000
  mailway monitor --spool ./mailway-spool --once --json")]
pub struct Args {
    /// Address to serve the dashboard on (it has no login: keep it on loopback).
    #[arg(long, default_value = "127.0.0.1:8026", value_name = "ADDR:PORT")]
    listen: SocketAddr,
    /// mailway spool directory. When a daemon holds it, its API is used (address from
    /// <spool>/daemon.json, token from <spool>/api-token); otherwise the files are read.
    #[arg(long, env = "MAILWAY_SPOOL", value_name = "DIR")]
    spool: Option<PathBuf>,
    /// A running mailway daemon's HTTP API (`HOST:PORT` or `http://HOST:PORT`).
    #[arg(long, value_name = "URL")]
    api: Option<String>,
    /// API token (default: the first line of <spool>/api-token).
    #[arg(long, env = "MAILWAY_API_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Also show the local Postfix queue (`postqueue -j`).
    #[arg(long)]
    postfix: bool,
    /// Postfix instance to show (`postqueue -c DIR`); implies --postfix.
    #[arg(long, value_name = "DIR")]
    postfix_config_dir: Option<PathBuf>,
    /// Mail log files to summarise (plain or .gz, rotated sets; as `mailway logs summary`).
    #[arg(long = "log", value_name = "FILE", num_args = 1..)]
    logs: Vec<PathBuf>,
    /// Time zone of log times without one, and of the hours in the log plots.
    #[arg(long, default_value = "local", value_name = "ZONE")]
    tz: String,
    /// How often sources are read and the page refreshes.
    #[arg(long, default_value = "10s", value_name = "DURATION")]
    interval: String,
    /// Queue lifetime for expiry of messages whose source does not say (mailway spool, logs;
    /// Postfix's own is read with postconf).
    #[arg(long, default_value = "5d", value_name = "DURATION")]
    queue_lifetime: String,
    /// Show messages with less time left than this as close to expiry.
    #[arg(long, default_value = "1d", value_name = "DURATION")]
    warn_within: String,
    /// Default language of the page: en or es (default: from LC_ALL, LC_MESSAGES, LANG).
    #[arg(long)]
    lang: Option<String>,
    /// Read every source once, print, and exit.
    #[arg(long)]
    once: bool,
    /// With --once: print JSON (the document of GET /api/monitor/all).
    #[arg(long, requires = "once")]
    json: bool,
}

fn duration(name: &str, v: &str) -> anyhow::Result<i64> {
    parse_duration(v)
        .with_context(|| format!("{name}: not a duration: {v:?} (examples: 10s, 5m, 12h, 5d)"))
}

fn default_lang(arg: Option<&str>) -> anyhow::Result<String> {
    if let Some(l) = arg {
        let l = l.to_ascii_lowercase();
        if l != "en" && l != "es" {
            bail!("--lang must be en or es, not {l:?}");
        }
        return Ok(l);
    }
    for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
        if let Ok(v) = std::env::var(var)
            && !v.is_empty()
        {
            return Ok(if v.starts_with("es") { "es" } else { "en" }.into());
        }
    }
    Ok("en".into())
}

/// Summarises logs in-process with `mailway_logs::summary::summary_files` (the report of
/// `mailway logs summary --json`), as JSON for the dashboard's log view.
fn log_loader(opts: SummaryOptions) -> impl Fn(&[PathBuf]) -> Result<Value, String> + Send + Sync {
    move |files: &[PathBuf]| {
        let report = mailway_logs::summary::summary_files(files, &opts, None)
            .map_err(|e| format!("log summary: {e}"))?;
        serde_json::to_value(&report).map_err(|e| format!("log summary: {e}"))
    }
}

fn build(args: &Args) -> anyhow::Result<DashboardConfig> {
    let interval = duration("--interval", &args.interval)?;
    if interval < 1 {
        bail!("--interval must be at least 1s");
    }
    let lifetime = duration("--queue-lifetime", &args.queue_lifetime)?;
    let warn = duration("--warn-within", &args.warn_within)?;
    let mailway = queue_source::mailway_source(
        args.api.as_deref(),
        args.spool.as_deref(),
        args.token.clone(),
    )?;
    let postfix = queue_source::postfix_source(args.postfix, args.postfix_config_dir.as_ref())?;
    for f in &args.logs {
        if f.as_os_str() != "-" && !f.exists() {
            bail!("--log {}: no such file", f.display());
        }
        if f.as_os_str() == "-" {
            bail!("--log -: the dashboard re-reads its logs, standard input cannot be re-read");
        }
    }
    let zone = Zone::parse(&args.tz).map_err(|e| anyhow::anyhow!("--tz: {e}"))?;
    let logs = (!args.logs.is_empty()).then(|| LogSource {
        files: args.logs.clone(),
        load: Box::new(log_loader(SummaryOptions {
            queue_lifetime: lifetime,
            bounce_queue_lifetime: lifetime,
            warn_within: warn,
            zone,
        })),
    });
    if mailway.is_none() && postfix.is_none() && logs.is_none() {
        bail!(
            "nothing to monitor: give --spool DIR or --api ADDR (mailway's queue), --postfix or --postfix-config-dir DIR (Postfix's queue), or --log FILE"
        );
    }
    Ok(DashboardConfig {
        mailway,
        postfix,
        logs,
        interval: Duration::from_secs(interval as u64),
        stats: StatsOptions {
            queue_lifetime: lifetime,
            bounce_queue_lifetime: lifetime,
            warn_within: warn,
            ..StatsOptions::default()
        },
        lang: default_lang(args.lang.as_deref())?,
        ..DashboardConfig::default()
    })
}

fn print_text(all: &Value) {
    for (key, title) in [("mailway", "mailway queue"), ("postfix", "Postfix queue")] {
        let p = &all[key];
        if p.is_null() {
            continue;
        }
        println!("{title} ({})", p["source"].as_str().unwrap_or(""));
        if let Some(e) = p["error"].as_str() {
            println!("  error: {e}");
        }
        let s = &p["stats"];
        if s.is_null() {
            continue;
        }
        println!(
            "  {} messages, {} recipients waiting, {} deferred, oldest {}",
            s["messages"],
            s["recipients"],
            s["deferred"],
            s["oldest_age_s"]
                .as_i64()
                .map_or("-".into(), human_duration)
        );
        for d in s["by_domain"].as_array().into_iter().flatten().take(10) {
            println!(
                "    {:<30} {:>5} waiting, {:>5} deferred, oldest {}",
                d["domain"].as_str().unwrap_or(""),
                d["recipients"],
                d["deferred"],
                human_duration(d["oldest_age_s"].as_i64().unwrap_or(0))
            );
        }
        for e in s["expiring"].as_array().into_iter().flatten() {
            println!(
                "  close to expiry: {} ({} left) {}",
                e["id"].as_str().unwrap_or(""),
                human_duration(e["time_left_s"].as_i64().unwrap_or(0)),
                e["reason_text"].as_str().unwrap_or("")
            );
        }
    }
    let l = &all["logs"];
    if !l.is_null() {
        println!("logs");
        if let Some(e) = l["error"].as_str() {
            println!("  error: {e}");
        }
        let v = &l["view"];
        if !v.is_null() {
            let t = &v["totals"];
            println!(
                "  {} received, {} delivered, {} deferred attempts, {} bounced, {} expired",
                t["received"], t["delivered"], t["deferred_attempts"], t["bounced"], t["expired"]
            );
            let hours = v["deferrals_per_hour"]["labels"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let vals = v["deferrals_per_hour"]["values"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let max = vals
                .iter()
                .filter_map(Value::as_u64)
                .max()
                .unwrap_or(0)
                .max(1);
            for (h, n) in hours.iter().zip(vals.iter()) {
                let n = n.as_u64().unwrap_or(0);
                println!(
                    "  {:>9} {:>5} {}",
                    h.as_str().unwrap_or(""),
                    n,
                    "#".repeat(((n * 40).div_ceil(max)) as usize)
                );
            }
        }
    }
}

fn at_risk(all: &Value) -> bool {
    let q = |k: &str| {
        let p = &all[k];
        !p["error"].is_null()
            || p["stats"]["expiring"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
    };
    let l = &all["logs"];
    (!all["mailway"].is_null() && q("mailway"))
        || (!all["postfix"].is_null() && q("postfix"))
        || (!l.is_null()
            && (!l["error"].is_null()
                || l["view"]["expiring"]
                    .as_array()
                    .is_some_and(|a| !a.is_empty())))
}

/// Runs `mailway monitor`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let cfg = build(&args)?;
    let dash = Dashboard::new(cfg);
    if args.once {
        dash.refresh_blocking(unix(SystemTime::now()));
        let all = dash.all_json();
        if args.json {
            println!("{}", serde_json::to_string_pretty(&all)?);
        } else {
            print_text(&all);
        }
        return Ok(if at_risk(&all) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("--listen {}: cannot listen", args.listen))?;
        let addr = listener.local_addr()?;
        if !addr.ip().is_loopback() {
            eprintln!(
                "mailway: warning: the dashboard has no login and listens on {addr}, reachable from other hosts"
            );
        }
        dash.refresh().await;
        println!("mailway monitor: dashboard on http://{addr}/ (JSON under /api/monitor/)");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        dash.serve(listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the dashboard server failed")?;
        anyhow::Ok(ExitCode::SUCCESS)
    })
}
