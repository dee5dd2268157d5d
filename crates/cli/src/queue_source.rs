//! Where a queue is read from, shared by `mailway monitor`, `mailway doctor` and `mailway queue`:
//! mailway's own (a running daemon's API, found through its spool, or a stopped spool's files)
//! and Postfix's (`postqueue -j`).

use std::path::{Path, PathBuf};

use anyhow::bail;
use mailway_spool::Spool;
use mailway_web::dashboard_sources::{MailwayApi, MailwaySpool, Postqueue, QueueSource};
use serde_json::Value;

/// The first line of a token file (`<spool>/api-token`), when it has one.
pub fn read_token(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.lines().next().map(|l| l.trim().to_string()))
        .filter(|t| !t.is_empty())
}

/// The API address of the daemon that holds the spool (`daemon.json`), else the default.
pub fn daemon_api(spool: &Path) -> String {
    std::fs::read_to_string(spool.join("daemon.json"))
        .ok()
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        .and_then(|v| v["api"].as_str().map(str::to_string))
        .unwrap_or_else(|| "127.0.0.1:8025".into())
}

/// mailway's queue: the API at `api`; else the daemon holding `spool` (through its API, address
/// from `daemon.json`); else the stopped spool's files. The token defaults to the spool's
/// `api-token`. `None` when neither is given.
pub fn mailway_source(
    api: Option<&str>,
    spool: Option<&Path>,
    token: Option<String>,
) -> anyhow::Result<Option<Box<dyn QueueSource>>> {
    let token = || {
        token
            .clone()
            .or_else(|| spool.and_then(|s| read_token(&s.join("api-token"))))
    };
    Ok(match (api, spool) {
        (Some(api), _) => Some(Box::new(MailwayApi::new(api, token()))),
        (None, Some(spool)) if Spool::is_locked(spool) => {
            Some(Box::new(MailwayApi::new(&daemon_api(spool), token())))
        }
        (None, Some(spool)) => {
            if !spool.join("VERSION").is_file() {
                bail!(
                    "--spool {}: no mailway spool there (use --api ADDR for a running daemon elsewhere)",
                    spool.display()
                );
            }
            Some(Box::new(MailwaySpool::new(spool)))
        }
        (None, None) => None,
    })
}

/// Postfix's queue through `postqueue -j`, of the instance in `config_dir` (checked for a
/// `main.cf`) or the system one. `None` unless asked for.
pub fn postfix_source(
    postfix: bool,
    config_dir: Option<&PathBuf>,
) -> anyhow::Result<Option<Box<dyn QueueSource>>> {
    if !postfix && config_dir.is_none() {
        return Ok(None);
    }
    if let Some(d) = config_dir
        && !d.join("main.cf").is_file()
    {
        bail!("--postfix-config-dir {}: no main.cf there", d.display());
    }
    Ok(Some(Box::new(Postqueue::new(config_dir.cloned()))))
}
