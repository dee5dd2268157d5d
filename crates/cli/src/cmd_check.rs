//! `mailway check DOMAIN`: DNS, authentication and reputation diagnosis of a domain.
//!
//! Exit codes: 0 no error finding, 1 at least one error finding, 2 the check could not run
//! (invalid arguments, no resolver answered, domain does not exist is an error finding → 1).

use std::io::{IsTerminal, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use mailway_diag::check::{self, Area, CheckOptions, Finding, Lang, Report, Severity};
use mailway_dns::dnssec::TrustAnchors;
use mailway_dns::{Resolver, ResolverConfig};

/// Arguments of `mailway check`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Exit codes: 0 no error finding, 1 error findings, 2 the check could not run.\n\
Examples:\n  mailway check example.com\n  mailway check example.com --ip 192.0.2.10 --dkim-selector s1 --json\n  \
mailway check good.test --resolver 127.0.10.53 --trust-anchor ../shared/labs/dns/keys/Kgood.test.ksk.ds --lang es"
)]
pub struct Args {
    /// The domain to check.
    pub domain: String,
    /// Sending IP address: PTR and forward-confirmed reverse DNS, IP blocklists, SPF evaluation.
    #[arg(long, value_name = "SENDING_IP")]
    pub ip: Option<IpAddr>,
    /// HELO name for the SPF evaluation with --ip (default: the domain).
    #[arg(long, value_name = "NAME")]
    pub helo: Option<String>,
    /// DKIM selector to check, in addition to common ones (repeatable).
    #[arg(long = "dkim-selector", value_name = "SELECTOR")]
    pub dkim_selectors: Vec<String>,
    /// DNS resolver to ask, IP[:PORT] (repeatable; with several, their answers are compared).
    /// Default: the system resolvers.
    #[arg(long = "resolver", value_name = "IP[:PORT]")]
    pub resolvers: Vec<String>,
    /// DNS blocklist zone (repeatable; replaces the default lists). Prefix with "domain:" for a
    /// domain list (e.g. domain:dbl.spamhaus.org), "ip:" for an IP list.
    #[arg(long = "blocklist", value_name = "ZONE")]
    pub blocklists: Vec<String>,
    /// Seconds to wait for each DNS answer (and HTTPS fetch).
    #[arg(long, value_name = "SECONDS", default_value_t = 3.0)]
    pub timeout: f64,
    /// Tries per resolver.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub attempts: usize,
    /// Write JSON: {"domain": ..., "findings": [...]}.
    #[arg(long)]
    pub json: bool,
    /// Language of the explanations (es or en; default from LANG).
    #[arg(long, value_name = "es|en")]
    pub lang: Option<String>,
    /// DNSSEC trust anchors: DS or DNSKEY records in zone-file syntax (e.g. the K<zone>.ds of
    /// ldns-keygen, unbound's root.key). Replaces the built-in IANA root KSKs (20326, 38696);
    /// for a private tree or a lab whose zones are signed by their own keys.
    #[arg(long = "trust-anchor", value_name = "FILE")]
    pub trust_anchor: Option<PathBuf>,
    /// Show the evidence of every finding, including the ok ones.
    #[arg(long, short)]
    pub verbose: bool,
    /// Port for direct queries to the domain's name servers (tests).
    #[arg(long, default_value_t = 53, hide = true)]
    pub ns_port: u16,
    /// Connect here for the MTA-STS policy instead of mta-sts.DOMAIN:443 (tests).
    #[arg(long, hide = true, value_name = "ADDR:PORT")]
    pub mta_sts_connect: Option<SocketAddr>,
    /// Extra CA certificate (PEM or DER) trusted for the MTA-STS fetch (tests).
    #[arg(long, hide = true, value_name = "FILE")]
    pub mta_sts_ca: Option<PathBuf>,
}

fn lang_of(a: &Args) -> anyhow::Result<Lang> {
    match &a.lang {
        Some(l) => l
            .parse::<Lang>()
            .map_err(|e| anyhow::anyhow!("--lang: {e}")),
        None => Ok(std::env::var("LC_ALL")
            .or_else(|_| std::env::var("LC_MESSAGES"))
            .or_else(|_| std::env::var("LANG"))
            .map(|l| Lang::from_locale(&l))
            .unwrap_or_default()),
    }
}

fn read_ca(path: &PathBuf) -> anyhow::Result<Vec<Vec<u8>>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    if !text.contains("-----BEGIN") {
        return Ok(vec![bytes]);
    }
    let mut out = Vec::new();
    let mut b64 = String::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("-----BEGIN CERTIFICATE") {
            inside = true;
            b64.clear();
        } else if line.starts_with("-----END CERTIFICATE") {
            inside = false;
            out.push(
                check::base64_decode(&b64)
                    .with_context(|| format!("bad PEM in {}", path.display()))?,
            );
        } else if inside {
            b64.push_str(line.trim());
        }
    }
    anyhow::ensure!(!out.is_empty(), "no certificate in {}", path.display());
    Ok(out)
}

/// Runs `mailway check`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let lang = lang_of(&args)?;
    anyhow::ensure!(
        args.timeout > 0.0 && args.timeout <= 600.0,
        "--timeout must be between 0 and 600 seconds"
    );
    anyhow::ensure!(args.attempts >= 1, "--attempts must be at least 1");
    let timeout = Duration::from_secs_f64(args.timeout);
    let config = if args.resolvers.is_empty() {
        ResolverConfig::system()
            .context("no --resolver given and the system configuration is unusable")?
    } else {
        ResolverConfig::from_strs(&args.resolvers)?
    }
    .with_timeout(timeout)
    .with_attempts(args.attempts);
    let mut opts = CheckOptions::new(args.domain.clone());
    opts.ip = args.ip;
    opts.helo = args.helo.clone();
    opts.dkim_selectors = args.dkim_selectors.clone();
    opts.blocklists = (!args.blocklists.is_empty()).then(|| args.blocklists.clone());
    opts.ns_port = args.ns_port;
    opts.mta_sts.connect_to = args.mta_sts_connect;
    opts.mta_sts.timeout = Some(timeout.max(Duration::from_secs(2)));
    if let Some(path) = &args.trust_anchor {
        opts.trust_anchors = TrustAnchors::from_file(path).context("--trust-anchor")?;
    }
    if let Some(ca) = &args.mta_sts_ca {
        opts.mta_sts.extra_roots = read_ca(ca)?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let report = rt.block_on(async {
        let resolver = Resolver::new(config)?;
        anyhow::Ok(check::run(&resolver, opts, lang).await)
    })?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        render(&mut out, &report, lang, color, args.verbose)?;
    }
    out.flush()?;
    Ok(if report.could_not_run.is_some() {
        ExitCode::from(2)
    } else if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The mark of a severity: a word in brackets, so the meaning survives without colour.
fn mark(s: Severity, color: bool) -> String {
    let (text, code) = match s {
        Severity::Ok => ("[ ok ]", "32"),
        Severity::Info => ("[info]", "36"),
        Severity::Warning => ("[warn]", "33"),
        Severity::Error => ("[FAIL]", "31;1"),
    };
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn wrap(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.len() > width {
            out.push_str(indent);
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(indent);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn render_finding(
    out: &mut impl Write,
    f: &Finding,
    lang: Lang,
    color: bool,
    verbose: bool,
) -> std::io::Result<()> {
    writeln!(out, "  {} {}", mark(f.severity, color), f.title)?;
    let detail = verbose || f.severity != Severity::Ok;
    if detail && !f.explanation.is_empty() && f.severity != Severity::Ok {
        write!(out, "{}", wrap(&f.explanation, "         ", 100))?;
    }
    if let Some(fix) = &f.fix {
        write!(
            out,
            "{}",
            wrap(
                &format!("→ {}: {fix}", check::i18n::ui(lang, "fix")),
                "         ",
                100
            )
        )?;
    }
    if detail && (verbose || f.severity >= Severity::Warning) {
        for e in &f.evidence {
            let server = e
                .server
                .as_deref()
                .map(|s| format!(" @{s}"))
                .unwrap_or_default();
            writeln!(out, "         · {}{server}: {}", e.query, e.result)?;
            for r in e.records.iter().take(if verbose { usize::MAX } else { 12 }) {
                writeln!(out, "             {r}")?;
            }
        }
    }
    Ok(())
}

/// Human report grouped by area.
pub fn render(
    out: &mut impl Write,
    r: &Report,
    lang: Lang,
    color: bool,
    verbose: bool,
) -> std::io::Result<()> {
    let heading = |s: &str| {
        if color {
            format!("\x1b[1m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    writeln!(
        out,
        "{}",
        heading(&format!(
            "mailway check {}  ({} · {} ms)",
            r.domain,
            r.resolvers.join(", "),
            r.elapsed_ms
        ))
    )?;
    if let Some(why) = &r.could_not_run {
        writeln!(out, "{}: {why}", check::i18n::ui(lang, "could-not-run"))?;
    }
    for area in Area::ALL {
        let fs: Vec<&Finding> = r.findings.iter().filter(|f| f.area == area).collect();
        if fs.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            heading(&check::i18n::ui(lang, &format!("area-{}", area.as_str())))
        )?;
        for f in fs {
            render_finding(out, f, lang, color, verbose)?;
        }
    }
    writeln!(out)?;
    let s = &r.summary;
    let summary = check::i18n::texts(
        lang,
        "ui.summary",
        &[
            ("errors".into(), s.error.to_string()),
            ("warnings".into(), s.warning.to_string()),
            ("infos".into(), s.info.to_string()),
            ("oks".into(), s.ok.to_string()),
        ],
    )
    .title;
    writeln!(out, "{}", heading(&summary))?;
    Ok(())
}
