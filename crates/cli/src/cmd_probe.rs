//! `mailway probe`: SMTP timeline per MX address (see `mailway_diag::probe`).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use mailway_diag::probe::i18n::tr;
use mailway_diag::probe::{Lang, ProbeOptions, probe, render};
use mailway_dns::dnssec::TrustAnchors;
use mailway_dns::{Resolver, ResolverConfig};
use mailway_smtp::{Timeouts, TlsPolicy};

/// Arguments of `mailway probe`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  mailway probe example.com\n  \
mailway probe good.test --resolver 127.0.10.53 --trust-anchor ../shared/labs/dns/keys/Kgood.test.ksk.ds --lang es")]
pub struct Args {
    /// A mail domain (its MX hosts are probed), HOST:PORT, or an IP address (`[v6]:port` too).
    pub target: String,
    /// Sender for MAIL FROM (default: the null sender <> when --rcpt is given).
    #[arg(long, value_name = "ADDR")]
    pub from: Option<String>,
    /// Recipient for RCPT TO (the probe never sends DATA).
    #[arg(long, value_name = "ADDR")]
    pub rcpt: Option<String>,
    /// Name to send in EHLO (default: this host's name).
    #[arg(long, value_name = "NAME")]
    pub helo: Option<String>,
    /// SMTP port (a HOST:PORT target overrides it).
    #[arg(long, default_value_t = 25)]
    pub port: u16,
    /// STARTTLS policy: required, opportunistic or none.
    #[arg(long, default_value = "opportunistic", value_parser = ["required", "opportunistic", "none"])]
    pub tls: String,
    /// Cap every phase's timeout at this many seconds (defaults: RFC 5321 §4.5.3.2, e.g. 300 s
    /// for the greeting; connect 30 s).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Seconds to wait before retrying a greylisted RCPT once (0 disables the retry).
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub greylist_wait: f64,
    /// Ports tried when every address times out on the SMTP port, to detect outbound port 25
    /// blocking (comma-separated; empty disables).
    #[arg(long, default_value = "587,465", value_name = "PORTS")]
    pub fallback_ports: String,
    /// DNS server(s) to ask, IP[:PORT] (repeatable; default: the system resolver).
    #[arg(long, value_name = "IP[:PORT]")]
    pub resolver: Vec<String>,
    /// Timeout of each DNS query, in seconds.
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
    pub dns_timeout: f64,
    /// Treat a bare name as a host, not a mail domain (no MX lookup).
    #[arg(long)]
    pub host: bool,
    /// Only IPv4 addresses.
    #[arg(short = '4', long = "ipv4-only", conflicts_with = "ipv6_only")]
    pub ipv4_only: bool,
    /// Only IPv6 addresses.
    #[arg(short = '6', long = "ipv6-only")]
    pub ipv6_only: bool,
    /// Print the SMTP transcript of each address too.
    #[arg(long)]
    pub transcript: bool,
    /// Language of the findings and the report: es or en (default: from LC_ALL, LC_MESSAGES or
    /// LANG).
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
    /// JSON output (documented in docs/probe-json.md).
    #[arg(long)]
    pub json: bool,
    /// DNSSEC trust anchors: DS or DNSKEY records in zone-file syntax (e.g. the K<zone>.ds of
    /// ldns-keygen, unbound's root.key). Replaces the built-in IANA root KSKs (20326, 38696);
    /// for a private tree or a lab whose zones are signed by their own keys.
    #[arg(long = "trust-anchor", value_name = "FILE")]
    pub trust_anchor: Option<std::path::PathBuf>,
}

/// `--lang`, else the locale environment (`LC_ALL`, `LC_MESSAGES`, `LANG`); English by default.
pub fn lang(flag: Option<&str>) -> anyhow::Result<Lang> {
    if let Some(l) = flag {
        return l
            .parse::<Lang>()
            .map_err(|e| anyhow::anyhow!("--lang: {e}"));
    }
    let env = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    Ok(Lang::from_locale(&env))
}

/// This host's name, for EHLO.
pub fn local_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Builds a resolver from `--resolver` flags (system resolver when none).
pub fn resolver(servers: &[String], timeout: Option<f64>) -> anyhow::Result<Resolver> {
    let mut cfg = if servers.is_empty() {
        ResolverConfig::system().context("reading the system resolver configuration")?
    } else {
        ResolverConfig::from_strs(servers).context("--resolver")?
    };
    if let Some(t) = timeout {
        cfg = cfg.with_timeout(Duration::from_secs_f64(t.clamp(0.1, 30.0)));
    }
    Resolver::new(cfg).context("creating the DNS resolver")
}

/// Parses `--tls`.
pub fn tls_policy(s: &str) -> TlsPolicy {
    match s {
        "required" => TlsPolicy::Required,
        "none" => TlsPolicy::None,
        _ => TlsPolicy::Opportunistic,
    }
}

/// Parses a seconds value from a flag.
pub fn seconds(flag: &str, v: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(v)
        .map_err(|_| anyhow::anyhow!("{flag}: {v} is not a valid number of seconds"))
}

/// Builds probe options from the flags.
pub fn options(a: &Args) -> anyhow::Result<ProbeOptions> {
    let mut timeouts = Timeouts::default();
    if let Some(t) = a.timeout {
        let t = seconds("--timeout", t)?;
        anyhow::ensure!(!t.is_zero(), "--timeout must be more than 0 seconds");
        timeouts = timeouts.capped(t);
    }
    let fallback_ports = a
        .fallback_ports
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|p| {
            p.parse::<u16>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| anyhow::anyhow!("--fallback-ports: {p:?} is not a port"))
        })
        .collect::<anyhow::Result<Vec<u16>>>()?;
    anyhow::ensure!(a.port > 0, "--port must be 1..65535");
    Ok(ProbeOptions {
        port: a.port,
        fallback_ports,
        helo_name: a.helo.clone().unwrap_or_else(local_hostname),
        from: a.from.clone(),
        rcpt: a.rcpt.clone(),
        tls: tls_policy(&a.tls),
        timeouts,
        greylist_wait: seconds("--greylist-wait", a.greylist_wait)?,
        ipv4: !a.ipv6_only,
        ipv6: !a.ipv4_only,
        force_host: a.host,
        lang: lang(a.lang.as_deref())?,
        trust_anchors: match &a.trust_anchor {
            Some(path) => TrustAnchors::from_file(path).context("--trust-anchor")?,
            None => TrustAnchors::iana_root(),
        },
        ..Default::default()
    })
}

/// Runs `mailway probe`. Exit 0: every address works; 1: some finding is an error; 2: bad input.
pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let opts = options(&a)?;
    if let Some(f) = &a.from
        && !f.is_empty()
    {
        mailway_smtp::Address::parse(f).context("--from")?;
    }
    if let Some(r) = &a.rcpt {
        mailway_smtp::Address::parse(r).context("--rcpt")?;
    }
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let report = rt.block_on(async {
        let resolver = resolver(&a.resolver, Some(a.dns_timeout))?;
        probe(&resolver, &a.target, &opts)
            .await
            .map_err(anyhow::Error::from)
    })?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
        if a.transcript {
            for ad in report.addresses() {
                println!(
                    "\n{}",
                    tr(
                        opts.lang,
                        "ui-transcript",
                        &[
                            ("host", ad.host.clone()),
                            ("address", ad.address.to_string())
                        ]
                    )
                );
                for l in &ad.transcript {
                    let dir = match l.dir {
                        mailway_smtp::Direction::Client => "C:",
                        mailway_smtp::Direction::Server => "S:",
                    };
                    println!("  {:>6} ms {dir} {}", l.at_ms, l.line);
                }
            }
        }
    }
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
