//! `mailway doctor`: from a bounce or a domain to a ranked diagnosis (see `mailway_diag::doctor`).

use std::process::ExitCode;

use anyhow::Context as _;
use mailway_diag::doctor::{DoctorOptions, Lang, diagnose_bounce, diagnose_domain, render};

use crate::{cmd_probe, queue_source};

/// Arguments of `mailway doctor`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  mailway doctor bounce.eml --lang es\n  \
mailway doctor --log /var/log/mail.log --message 4F1A2B3C4D\n  \
mailway doctor --postfix --message 4F1A2B3C4D\n  \
mailway doctor --spool ./mailway-spool --message bob@example.com\n  \
mailway doctor good.test --resolver 127.0.10.53 --trust-anchor ../shared/labs/dns/keys/Kgood.test.ksk.ds")]
pub struct Args {
    /// A bounce message file (`-` for stdin), or a mail domain.
    #[arg(required_unless_present_any = ["log", "postfix", "postfix_config_dir", "postqueue_json", "spool", "api"])]
    pub input: Option<String>,
    /// Mail log files (plain, rotated, .gz; Postfix, Exim, Sendmail, Exchange) to trace the
    /// message in (with --message): its deferred/failed recipients and relays are diagnosed.
    #[arg(long, num_args = 1.., requires = "message")]
    pub log: Vec<std::path::PathBuf>,
    /// A message waiting in the local Postfix's queue (`postqueue -j`; with --message): its
    /// deferred recipients, their last reply and relay are diagnosed.
    #[arg(long, requires = "message", conflicts_with = "log")]
    pub postfix: bool,
    /// As --postfix, for the Postfix instance configured in DIR (`postqueue -c DIR`).
    #[arg(long, value_name = "DIR", requires = "message", conflicts_with = "log")]
    pub postfix_config_dir: Option<std::path::PathBuf>,
    /// As --postfix, from saved `postqueue -j` output (e.g. taken on the mail server).
    #[arg(long, value_name = "FILE", requires = "message", conflicts_with_all = ["log", "postfix", "postfix_config_dir"])]
    pub postqueue_json: Option<std::path::PathBuf>,
    /// A message waiting in mailway's queue (with --message): the spool directory of
    /// `mailway serve` (through the running daemon's API, or its files when it is stopped).
    #[arg(long, value_name = "DIR", requires = "message", conflicts_with_all = ["log", "postfix", "postfix_config_dir", "postqueue_json"])]
    pub spool: Option<std::path::PathBuf>,
    /// As --spool, through a running mailway daemon's HTTP API (`HOST:PORT` or a URL).
    #[arg(long, value_name = "URL", requires = "message", conflicts_with_all = ["log", "postfix", "postfix_config_dir", "postqueue_json"])]
    pub api: Option<String>,
    /// API token for --api (default: the first line of <spool>/api-token).
    #[arg(long, env = "MAILWAY_API_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Message to diagnose: in the logs (queue id, Message-ID, sender or recipient) or in the
    /// queue (queue id, sender or recipient).
    #[arg(long)]
    pub message: Option<String>,
    /// Language of the diagnosis: en or es (default: from LC_ALL, LC_MESSAGES or LANG).
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
    /// Diagnose from the bounce alone (no DNS, no connections).
    #[arg(long)]
    pub no_probe: bool,
    /// DNS server(s), IP[:PORT] (repeatable; default: the system resolver).
    #[arg(long, value_name = "IP[:PORT]")]
    pub resolver: Vec<String>,
    /// SMTP port for the probes.
    #[arg(long, default_value_t = 25)]
    pub port: u16,
    /// Ports tried when every address times out on the SMTP port (comma-separated).
    #[arg(long, default_value = "587,465", value_name = "PORTS")]
    pub fallback_ports: String,
    /// Cap every SMTP phase timeout at this many seconds (default: RFC 5321 values).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Seconds to wait before retrying a greylisted RCPT (0, the default, disables it).
    #[arg(long, default_value_t = 0.0, value_name = "SECONDS")]
    pub greylist_wait: f64,
    /// Name to send in EHLO (default: this host's name).
    #[arg(long)]
    pub helo: Option<String>,
    /// Timeout of each DNS query, in seconds.
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
    pub dns_timeout: f64,
    /// The sending IP (default: from the bounce's Received: headers, else the Reporting-MTA's
    /// address): checked for PTR/FCrDNS, blocklists and the SPF result of the sender's domain.
    #[arg(long, value_name = "IP")]
    pub ip: Option<std::net::IpAddr>,
    /// Blocklist zone for the sending-IP check (repeatable; default: `mailway check`'s lists).
    #[arg(long = "blocklist", value_name = "ZONE")]
    pub blocklists: Vec<String>,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
    /// DNSSEC trust anchors: DS or DNSKEY records in zone-file syntax (e.g. the K<zone>.ds of
    /// ldns-keygen, unbound's root.key). Replaces the built-in IANA root KSKs (20326, 38696);
    /// for a private tree or a lab whose zones are signed by their own keys.
    #[arg(long = "trust-anchor", value_name = "FILE")]
    pub trust_anchor: Option<std::path::PathBuf>,
}

/// Runs `mailway doctor`. Exit 0: no cause found; 1: causes found; 2: could not run.
pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let from_queue = a.postfix
        || a.postfix_config_dir.is_some()
        || a.postqueue_json.is_some()
        || a.spool.is_some()
        || a.api.is_some();
    if (!a.log.is_empty() || from_queue) && a.input.is_some() {
        anyhow::bail!(
            "give either a bounce file / domain, or --message QUERY with --log FILES or a queue (--postfix, --postfix-config-dir, --postqueue-json, --spool, --api), not both"
        );
    }
    let input = a
        .input
        .clone()
        .or_else(|| a.message.clone())
        .unwrap_or_default();
    let probe_args = cmd_probe::Args {
        target: input.clone(),
        from: None,
        rcpt: None,
        helo: a.helo.clone(),
        port: a.port,
        tls: "opportunistic".into(),
        timeout: a.timeout,
        greylist_wait: a.greylist_wait,
        fallback_ports: a.fallback_ports.clone(),
        resolver: a.resolver.clone(),
        dns_timeout: a.dns_timeout,
        host: false,
        ipv4_only: false,
        ipv6_only: false,
        transcript: false,
        lang: a.lang.clone(),
        json: false,
        trust_anchor: a.trust_anchor.clone(),
    };
    let opts = DoctorOptions {
        probe: cmd_probe::options(&probe_args)?,
        no_probe: a.no_probe,
        lang: match cmd_probe::lang(a.lang.as_deref())? {
            mailway_diag::probe::Lang::Es => Lang::Es,
            mailway_diag::probe::Lang::En => Lang::En,
        },
        sending_ip: a.ip,
        blocklists: (!a.blocklists.is_empty()).then(|| a.blocklists.clone()),
    };
    let path = std::path::Path::new(&input);
    // A message in a queue (Postfix's or mailway's): the queue's entries, and its name for errors.
    let queued = if let Some(file) = &a.postqueue_json {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("--postqueue-json {}", file.display()))?;
        let entries = mailway_monitor::postfix::parse_postqueue_json(&text)
            .into_entries()
            .map_err(|e| {
                anyhow::anyhow!(
                    "--postqueue-json {}: line {}: {}",
                    file.display(),
                    e.line,
                    e.message
                )
            })?;
        Some((file.display().to_string(), entries))
    } else if let Some(q) =
        queue_source::postfix_source(a.postfix, a.postfix_config_dir.as_ref())?.or(
            queue_source::mailway_source(a.api.as_deref(), a.spool.as_deref(), a.token.clone())?,
        )
    {
        let entries = q.fetch().map_err(anyhow::Error::msg)?;
        Some((q.describe(), entries))
    } else {
        None
    };
    let stories = if a.log.is_empty() {
        None
    } else {
        let zone = mailway_logs::time::Zone::system();
        let sources = mailway_logs::input::open_files(&a.log, &zone).context("--log")?;
        let popts = mailway_logs::pipeline::PipelineOptions {
            zone,
            ..Default::default()
        };
        Some(mailway_diag::doctor::trace_logs(sources, &input, &popts).context("--log")?)
    };
    let raw = if stories.is_some() || queued.is_some() {
        None
    } else if input == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).context("reading stdin")?;
        Some(b)
    } else if path.is_file() {
        Some(std::fs::read(path).with_context(|| format!("reading {input}"))?)
    } else if input.contains('/') || path.extension().is_some_and(|e| e == "eml") {
        anyhow::bail!("{input}: no such file");
    } else {
        None
    };
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let d = rt.block_on(async {
        let resolver = cmd_probe::resolver(&a.resolver, Some(a.dns_timeout))?;
        let d = match (&queued, &stories, &raw) {
            (Some((source, entries)), ..) => {
                let hit: Vec<&mailway_monitor::QueueEntry> = entries
                    .iter()
                    .filter(|e| mailway_diag::doctor::queue_matches(e, &input))
                    .collect();
                let now = mailway_web::dashboard_sources::unix(std::time::SystemTime::now());
                mailway_diag::doctor::diagnose_queued(&resolver, &input, source, &hit, now, &opts)
                    .await?
            }
            (None, Some(st), _) => {
                mailway_diag::doctor::diagnose_log(&resolver, &input, st, &opts).await?
            }
            (None, None, Some(raw)) => diagnose_bounce(&resolver, &input, raw, &opts).await?,
            (None, None, None) => diagnose_domain(&resolver, &input, &opts).await?,
        };
        anyhow::Ok(d)
    })?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&d)?);
    } else {
        print!("{}", render(&d));
    }
    Ok(if d.causes.iter().any(|c| c.code != "destination_ok_now") {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
