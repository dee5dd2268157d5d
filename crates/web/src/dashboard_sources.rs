//! Where the dashboard's queue snapshots come from: a running mailway daemon's HTTP API, a
//! stopped mailway spool directory, or Postfix's `postqueue -j`. Blocking I/O: the dashboard
//! calls these from a blocking thread.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mailway_monitor::mailway::{message_state, parse_api_list};
use mailway_monitor::postfix::{parse_lifetimes, parse_postqueue_json};
use mailway_monitor::{QueueEntry, QueueRcpt};
use mailway_spool::{MessageRecord, Spool, SpoolOptions};

/// A queue the dashboard can look at.
pub trait QueueSource: Send + Sync {
    /// What it is, for people (`API http://127.0.0.1:8025`, `spool /var/spool/mailway`, ...).
    fn describe(&self) -> String;
    /// The messages queued now, or an error that names the source and the problem.
    fn fetch(&self) -> Result<Vec<QueueEntry>, String>;
    /// Queue lifetimes (normal, bounces) in seconds, when the source knows them.
    fn lifetimes(&self) -> Option<(i64, i64)> {
        None
    }
}

/// Unix seconds of a time (0 before the epoch).
pub fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A running mailway daemon, through `GET /api/v1/queue`.
pub struct MailwayApi {
    base: String,
    token: Option<String>,
    agent: ureq::Agent,
}

impl MailwayApi {
    /// `addr` is `HOST:PORT` or an `http://` URL; `token` is sent as a bearer token.
    pub fn new(addr: &str, token: Option<String>) -> Self {
        let base = if addr.starts_with("http://") || addr.starts_with("https://") {
            addr.trim_end_matches('/').to_string()
        } else {
            format!("http://{}", addr.trim_end_matches('/'))
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into();
        Self { base, token, agent }
    }
}

impl QueueSource for MailwayApi {
    fn describe(&self) -> String {
        format!("mailway API {}", self.base)
    }

    fn fetch(&self) -> Result<Vec<QueueEntry>, String> {
        let url = format!("{}/api/v1/queue", self.base);
        let mut req = self.agent.get(&url);
        if let Some(t) = &self.token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let mut resp = req
            .call()
            .map_err(|e| format!("cannot reach the mailway API at {}: {e}", self.base))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_vec()
            .map_err(|e| format!("{url}: cannot read the answer: {e}"))?;
        match status {
            200 => parse_api_list(&body).map_err(|e| format!("{url}: {e}")),
            401 | 403 => Err(format!(
                "{url}: the API refused the token (HTTP {status}); pass --token or set MAILWAY_API_TOKEN"
            )),
            _ => Err(format!(
                "{url}: HTTP {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(300)])
            )),
        }
    }
}

/// A stopped mailway spool, read with the spool crate (its lock is taken for the scan only).
pub struct MailwaySpool {
    dir: PathBuf,
}

impl MailwaySpool {
    /// The spool in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }
}

/// A spool record as a dashboard queue entry.
pub fn entry_of_record(rec: &MessageRecord) -> QueueEntry {
    let states: Vec<&str> = rec.recipients.iter().map(|r| r.state.as_str()).collect();
    let recipients: Vec<QueueRcpt> = rec
        .recipients
        .iter()
        .map(|r| QueueRcpt {
            attempts: Some(r.attempts),
            reason_text: if r.state.is_final() {
                None
            } else {
                r.last_reply.as_ref().map(|l| l.text.clone())
            },
            ..QueueRcpt::new(r.recipient.address.clone(), r.state.as_str())
        })
        .collect();
    let open = || rec.recipients.iter().filter(|r| !r.state.is_final());
    QueueEntry {
        id: rec.id.to_string(),
        queue: message_state(false, rec.hold, &states).to_string(),
        arrival: unix(rec.arrival),
        size: rec.size,
        sender: rec.envelope.sender.clone(),
        recipients,
        next_attempt: open().filter_map(|r| r.next_attempt).min().map(unix),
        expires: None,
        last_reply: open()
            .filter_map(|r| r.last_reply.as_ref())
            .max_by_key(|l| l.at)
            .map(|l| l.text.clone()),
    }
}

impl QueueSource for MailwaySpool {
    fn describe(&self) -> String {
        format!("mailway spool {}", self.dir.display())
    }

    fn fetch(&self) -> Result<Vec<QueueEntry>, String> {
        if !self.dir.join("VERSION").is_file() {
            return Err(format!("no mailway spool at {}", self.dir.display()));
        }
        if Spool::is_locked(&self.dir) {
            return Err(format!(
                "the spool {} is in use by a running `mailway serve`: use --api ADDR (and --token)",
                self.dir.display()
            ));
        }
        let spool = Spool::open(&self.dir, SpoolOptions::default()).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        spool
            .recover(|rec| out.push(entry_of_record(&rec)))
            .map_err(|e| e.to_string())?;
        Ok(out)
    }
}

/// Postfix's queue through `postqueue -j` (with `-c DIR` for another instance).
pub struct Postqueue {
    postqueue: PathBuf,
    postconf: PathBuf,
    config_dir: Option<PathBuf>,
    lifetimes: Option<(i64, i64)>,
}

impl Postqueue {
    /// `postqueue`/`postconf` from `PATH` (or /usr/sbin), for the instance in `config_dir`
    /// (default: the system one). Reads `maximal_queue_lifetime` and `bounce_queue_lifetime`
    /// once with `postconf -h`.
    pub fn new(config_dir: Option<PathBuf>) -> Self {
        let find = |name: &str| {
            for d in ["/usr/sbin", "/usr/local/sbin", "/sbin"] {
                let p = Path::new(d).join(name);
                if p.is_file() {
                    return p;
                }
            }
            PathBuf::from(name)
        };
        let mut s = Self {
            postqueue: find("postqueue"),
            postconf: find("postconf"),
            config_dir,
            lifetimes: None,
        };
        let mut cmd = Command::new(&s.postconf);
        if let Some(d) = &s.config_dir {
            cmd.arg("-c").arg(d);
        }
        cmd.args(["-h", "maximal_queue_lifetime", "bounce_queue_lifetime"]);
        if let Ok(out) = cmd.output()
            && out.status.success()
        {
            s.lifetimes = parse_lifetimes(&String::from_utf8_lossy(&out.stdout));
        }
        s
    }
}

impl QueueSource for Postqueue {
    fn describe(&self) -> String {
        match &self.config_dir {
            Some(d) => format!("postqueue -c {} -j", d.display()),
            None => "postqueue -j".to_string(),
        }
    }

    fn fetch(&self) -> Result<Vec<QueueEntry>, String> {
        let mut cmd = Command::new(&self.postqueue);
        if let Some(d) = &self.config_dir {
            cmd.arg("-c").arg(d);
        }
        cmd.arg("-j");
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.postqueue.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(format!(
                "{} failed ({}): {}",
                self.describe(),
                out.status,
                err.trim()
            ));
        }
        parse_postqueue_json(&stdout)
            .into_entries()
            .map_err(|e| format!("{}: line {}: {}", self.describe(), e.line, e.message))
    }

    fn lifetimes(&self) -> Option<(i64, i64)> {
        self.lifetimes
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::http::StatusCode;
    use axum::routing::get;
    use mailway_relay::{EngineOptions, Envelope, Relay};

    use super::*;

    async fn serve(app: Router) -> String {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
        addr.to_string()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn api_source_reads_a_running_relay() {
        let dir = tempfile::tempdir().unwrap();
        let opts = EngineOptions {
            spool: dir.path().join("spool"),
            hostname: "relay.test".into(),
            ..Default::default()
        };
        let relay = Relay::builder(opts).offline().start().await.unwrap();
        let id = relay
            .accept(
                Envelope::new("a@example.org", ["b@example.com", "c@example.net"]),
                b"Subject: x\r\n\r\nbody\r\n".to_vec(),
            )
            .await
            .unwrap();
        let addr = serve(crate::queue_api::routes::<Relay>().with_state(relay.clone())).await;
        let src = MailwayApi::new(&addr, Some("t0k".into()));
        assert_eq!(src.describe(), format!("mailway API http://{addr}"));
        let entries = tokio::task::spawn_blocking(move || src.fetch())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].id, id.to_string());
        assert_eq!(entries[0].recipients.len(), 2);
        assert_eq!(entries[0].recipients[1].domain, "example.net");
        assert!(entries[0].expires.is_some());

        // a refused token and an unreachable daemon are named
        let addr = serve(Router::new().route(
            "/api/v1/queue",
            get(|| async { (StatusCode::UNAUTHORIZED, "{}") }),
        ))
        .await;
        let src = MailwayApi::new(&format!("http://{addr}/"), None);
        let err = tokio::task::spawn_blocking(move || src.fetch())
            .await
            .unwrap()
            .unwrap_err();
        assert!(err.contains("refused the token"), "{err}");
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed = l.local_addr().unwrap().to_string();
        drop(l);
        let src = MailwayApi::new(&closed, None);
        let err = tokio::task::spawn_blocking(move || src.fetch())
            .await
            .unwrap()
            .unwrap_err();
        assert!(
            err.contains("cannot reach") && err.contains(&closed),
            "{err}"
        );
    }

    #[test]
    fn spool_source() {
        let dir = tempfile::tempdir().unwrap();
        let err = MailwaySpool::new(dir.path()).fetch().unwrap_err();
        assert!(err.contains("no mailway spool"), "{err}");
        let now = SystemTime::now();
        {
            let spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
            let rec = MessageRecord::new(
                spool.new_id(now),
                now,
                mailway_spool::Envelope::new("", ["x@y.test"]),
                7,
            );
            spool.store(&rec, b"hello\r\n").unwrap();
            // while a process holds the spool, the source says to use the API
            let err = MailwaySpool::new(dir.path()).fetch().unwrap_err();
            assert!(err.contains("--api"), "{err}");
        }
        let e = MailwaySpool::new(dir.path()).fetch().unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].queue, "pending");
        assert_eq!(e[0].size, 7);
        assert!(e[0].is_bounce());
        assert_eq!(e[0].arrival, unix(now));
        assert_eq!(e[0].recipients[0].state, "pending");
    }
}
