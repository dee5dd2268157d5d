//! `mailway serve`: runs the relay — the engine, the SMTP listener and the HTTP API.
//!
//! With no arguments it runs on embedded defaults: spool `./mailway-spool`, SMTP on
//! `127.0.0.1:2525`, API on `127.0.0.1:8025`, STARTTLS with a self-signed certificate generated
//! on first start, an API token generated into `<spool>/api-token`. Flags override the
//! configuration file, which overrides the defaults. Logs go to stderr (`MAILWAY_LOG` sets the
//! filter, e.g. `MAILWAY_LOG=debug`); SIGINT/SIGTERM stop it gracefully.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use mailway_relay::config::{Config, ensure_api_token};
use mailway_relay::listener::{ListenerSettings, SmtpListener};
use mailway_relay::{Relay, parse_route_flag};
use mailway_smtp::server::tls;
use tokio::sync::watch;

/// Arguments of `mailway serve`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  mailway serve                                   # embedded defaults (loopback only)
  mailway serve --config /etc/mailway/mailway.toml
  mailway serve --route example.com=127.0.0.1:2526 --queue-lifetime 2d
  mailway serve --config examples/mailway.toml --print-config

Inject a message over HTTP:
  curl -H \"Authorization: Bearer $(cat mailway-spool/api-token)\" \\
       -H 'Content-Type: message/rfc822' --data-binary @message.eml \\
       'http://127.0.0.1:8025/api/v1/messages?from=me@example.org&to=you@example.com'")]
pub struct Args {
    /// Configuration file (TOML; every field is listed in examples/mailway.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Spool directory (overrides relay.spool).
    #[arg(long, value_name = "DIR")]
    spool: Option<PathBuf>,
    /// SMTP listen address; repeat for several (overrides smtp.listen).
    #[arg(long, value_name = "ADDR:PORT")]
    smtp: Vec<SocketAddr>,
    /// HTTP API listen address, or "off" (overrides api.listen).
    #[arg(long, value_name = "ADDR:PORT")]
    api: Option<String>,
    /// Route a recipient domain to HOST:PORT instead of its MX ("*" for every domain); repeatable.
    #[arg(long, value_name = "DOMAIN=HOST:PORT")]
    route: Vec<String>,
    /// How long a message may wait in the queue before it fails with 5.4.7, e.g. 5d, 12h
    /// (overrides relay.retry.lifetime).
    #[arg(long, value_name = "DURATION")]
    queue_lifetime: Option<humantime::Duration>,
    /// Our host name in greetings, Received: headers and DSNs (overrides relay.hostname).
    #[arg(long, value_name = "NAME")]
    hostname: Option<String>,
    /// Print the configuration in effect (file + flags) as TOML and exit.
    #[arg(long)]
    print_config: bool,
    /// Check the configuration and exit: 0 when it is valid, 2 otherwise.
    #[arg(long)]
    check_config: bool,
}

/// Builds the configuration: defaults, then the file, then the flags.
fn load_config(args: &Args) -> anyhow::Result<Config> {
    let mut config = match &args.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    if let Some(spool) = &args.spool {
        config.relay.spool = spool.clone();
    }
    if !args.smtp.is_empty() {
        config.smtp.listen = args.smtp.clone();
    }
    if let Some(api) = &args.api {
        config.api.listen = if api.trim() == "off" {
            None
        } else {
            Some(api.trim().parse().with_context(|| {
                format!("--api {api:?}: expected ADDR:PORT (e.g. 127.0.0.1:8025) or \"off\"")
            })?)
        };
    }
    for r in &args.route {
        let (domain, route) = parse_route_flag(r).map_err(|e| anyhow::anyhow!("--route: {e}"))?;
        config.relay.routes.insert(domain, route);
    }
    if let Some(d) = args.queue_lifetime {
        config.relay.retry.lifetime = d.into();
    }
    if let Some(h) = &args.hostname {
        config.relay.hostname = h.clone();
    }
    config
        .validate()
        .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
    Ok(config)
}

/// Runs `mailway serve`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = load_config(&args)?;
    if args.print_config {
        print!("{}", config.to_toml());
        return Ok(ExitCode::SUCCESS);
    }
    if args.check_config {
        eprintln!("configuration is valid");
        return Ok(ExitCode::SUCCESS);
    }
    let filter = tracing_subscriber::EnvFilter::try_from_env("MAILWAY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let color = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(config))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let spool = config.relay.spool.clone();
    let relay = Relay::builder(config.relay.clone())
        .start()
        .await
        .with_context(|| format!("cannot start the relay on spool {}", spool.display()))?;
    let result = run_daemon(&config, &relay).await;
    relay.shutdown().await;
    result
}

async fn run_daemon(config: &Config, relay: &Relay) -> anyhow::Result<()> {
    let spool = config.relay.spool.clone();
    let report = relay.recovery_report();
    eprintln!(
        "mailway serve: spool {} ({} message(s) recovered{}), host name {}",
        spool.display(),
        report.recovered,
        if report.quarantined.is_empty() {
            String::new()
        } else {
            format!(", {} corrupt file(s) quarantined", report.quarantined.len())
        },
        relay.hostname()
    );
    // name every quarantined file and what was wrong with it (the rest recovered)
    const SHOWN: usize = 20;
    for q in report.quarantined.iter().take(SHOWN) {
        eprintln!(
            "  quarantined {} -> {}: {}",
            q.original.display(),
            q.moved_to.display(),
            q.reason
        );
    }
    if report.quarantined.len() > SHOWN {
        eprintln!(
            "  … and {} more in {}",
            report.quarantined.len() - SHOWN,
            spool.join("quarantine").display()
        );
    }

    // TLS for STARTTLS: the configured pair, or a self-signed certificate kept in the spool
    let tls_config = if config.smtp.tls.enabled {
        let (cert, key, generated) = match (&config.smtp.tls.cert, &config.smtp.tls.key) {
            (Some(c), Some(k)) => (c.clone(), k.clone(), false),
            _ => {
                let (c, k) = tls::ensure_self_signed(&spool, relay.hostname())?;
                (c, k, true)
            }
        };
        let server = tls::load_server_config(&cert, &key)?;
        eprintln!(
            "  STARTTLS with {}{}",
            cert.display(),
            if generated { " (self-signed)" } else { "" }
        );
        Some(server)
    } else {
        None
    };

    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let mut tasks = tokio::task::JoinSet::new();

    let settings = ListenerSettings::new(config, relay, tls_config);
    for addr in &config.smtp.listen {
        let listener = SmtpListener::bind(*addr, settings.clone())
            .await
            .with_context(|| format!("cannot listen for SMTP on {addr}"))?;
        eprintln!(
            "  SMTP on {} (relaying for {}{}{})",
            listener.local_addr()?,
            config
                .smtp
                .relay_networks
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            if config.smtp.users.is_empty() {
                ""
            } else {
                " and authenticated users"
            },
            if config.smtp.relay_domains.is_empty() {
                String::new()
            } else {
                format!(
                    "; accepting mail for {}",
                    config.smtp.relay_domains.join(", ")
                )
            }
        );
        tasks.spawn(listener.run(relay.clone(), stopped(stop_rx.clone())));
    }

    if let Some(addr) = config.api.listen {
        let tokens: Vec<(String, String)> = if config.api.tokens.is_empty() {
            let (token, path) = ensure_api_token(&spool)
                .with_context(|| format!("cannot create the API token in {}", spool.display()))?;
            eprintln!("  API token in {}", path.display());
            vec![("api-token".into(), token)]
        } else {
            config
                .api
                .tokens
                .iter()
                .map(|t| (t.name.clone(), t.token.clone()))
                .collect()
        };
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen for the HTTP API on {addr}"))?;
        let local = listener.local_addr()?;
        if let Err(e) = relay.advertise_api(local) {
            tracing::warn!(error = %e, "cannot write daemon.json in the spool");
        }
        eprintln!("  API on http://{local}/api/v1/");
        let state = mailway_web::AppState::new(relay.clone(), tokens);
        let stop = stopped(stop_rx.clone());
        tasks.spawn(async move {
            if let Err(e) = mailway_web::serve(listener, state, stop).await {
                tracing::error!(error = %e, "HTTP API stopped");
            }
        });
    }
    if tasks.is_empty() {
        bail!("nothing to serve: smtp.listen is empty and the API is off");
    }
    eprintln!("mailway serve: ready (stop with Ctrl-C or SIGTERM)");

    shutdown_signal().await;
    eprintln!("mailway serve: stopping");
    let _ = stop_tx.send(true);
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(std::time::Duration::from_secs(15), drain)
        .await
        .is_err()
    {
        tasks.abort_all();
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    #[derive(clap::Parser)]
    struct T {
        #[command(flatten)]
        args: Args,
    }

    fn load(argv: &[&str]) -> anyhow::Result<Config> {
        let t = T::try_parse_from(std::iter::once("serve").chain(argv.iter().copied()))?;
        load_config(&t.args)
    }

    #[test]
    fn flags_override_the_defaults() {
        let c = load(&[
            "--spool",
            "/tmp/s",
            "--smtp",
            "127.0.0.1:2600",
            "--smtp",
            "[::1]:2600",
            "--api",
            "off",
            "--route",
            "Example.COM=127.0.0.1:2526",
            "--route",
            "*=smarthost.test:587",
            "--queue-lifetime",
            "2days 3h",
            "--hostname",
            "mx.test",
        ])
        .unwrap();
        assert_eq!(c.relay.spool, PathBuf::from("/tmp/s"));
        assert_eq!(c.smtp.listen.len(), 2);
        assert_eq!(c.api.listen, None);
        assert_eq!(c.relay.routes["example.com"].port, 2526);
        assert_eq!(c.relay.routes["*"].host, "smarthost.test");
        assert_eq!(
            c.relay.retry.lifetime,
            std::time::Duration::from_secs(2 * 86400 + 3 * 3600)
        );
        assert_eq!(c.relay.hostname, "mx.test");
    }

    #[test]
    fn bad_flags_are_named() {
        let e = load(&["--route", "example.com"]).unwrap_err().to_string();
        assert!(e.contains("--route"), "{e}");
        let e = load(&["--api", "localhost"]).unwrap_err().to_string();
        assert!(e.contains("--api"), "{e}");
        assert!(load(&["--queue-lifetime", "forever"]).is_err());
        let e = load(&["--smtp", "127.0.0.1:8025"]).unwrap_err().to_string();
        assert!(e.contains("different ports"), "{e}");
    }
}
