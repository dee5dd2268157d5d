//! The SMTP listener: accepts TCP connections, runs a [`mailway_smtp::server`] session on each
//! and hands complete messages to [`Relay::accept`]. A message is acknowledged with `250` only
//! after [`Relay::accept`] returned, i.e. after the spool made it durable; any failure becomes a
//! 4xx/5xx reply (`452 4.3.1` for a full disk) and nothing is acknowledged.
//!
//! ```no_run
//! # async fn run(relay: mailway_relay::Relay) -> std::io::Result<()> {
//! use mailway_relay::config::Config;
//! use mailway_relay::listener::{ListenerSettings, SmtpListener};
//!
//! let config = Config::default();
//! let settings = ListenerSettings::new(&config, &relay, None);
//! let listener = SmtpListener::bind("127.0.0.1:2525".parse().unwrap(), settings).await?;
//! listener.run(relay, std::future::pending()).await;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mailway_smtp::server::{
    ConnectionLimits, MessageSink, Policy, Reply, ReversePath, Session, SessionConfig, Transaction,
    received_header, serve_connection,
};
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

use crate::config::{Config, SmtpUser};
use crate::{
    AcceptError, BodyType, Envelope, Notify, Origin, Recipient as EnvRecipient, Relay, Ret,
};

/// Everything a listener needs besides the socket and the relay.
#[derive(Clone)]
pub struct ListenerSettings {
    /// Session rules (host name, limits, relay control, TLS/AUTH offers).
    pub session: Arc<SessionConfig>,
    /// Timeouts.
    pub limits: ConnectionLimits,
    /// TLS acceptor for STARTTLS (`None`: STARTTLS not offered).
    pub tls: Option<TlsAcceptor>,
    /// Credentials.
    pub users: Arc<Users>,
    /// Most simultaneous connections.
    pub max_connections: usize,
}

impl std::fmt::Debug for ListenerSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListenerSettings")
            .field("session", &self.session)
            .field("limits", &self.limits)
            .field("tls", &self.tls.is_some())
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

impl ListenerSettings {
    /// Settings from the `[smtp]` table; host name and size limit come from the engine so the
    /// listener and the relay always agree. `tls` is the loaded server configuration when
    /// STARTTLS is enabled.
    pub fn new(config: &Config, relay: &Relay, tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let s = &config.smtp;
        let mut session = SessionConfig::new(relay.hostname().to_string());
        session.max_message_size = relay.max_message_size();
        session.max_recipients = s.max_recipients;
        session.max_errors = s.max_errors;
        session.starttls = tls.is_some();
        session.auth = !s.users.is_empty();
        session.relay_networks = s.relay_networks.clone();
        session.relay_domains = s.relay_domains.clone();
        ListenerSettings {
            session: Arc::new(session),
            limits: ConnectionLimits {
                command_timeout: s.command_timeout,
                data_timeout: s.data_timeout,
                write_timeout: s.command_timeout,
                tls_handshake_timeout: Duration::from_secs(60),
            },
            tls: tls.map(TlsAcceptor::from),
            users: Arc::new(Users::new(&s.users)),
            max_connections: s.max_connections,
        }
    }
}

/// SMTP AUTH users from the configuration; passwords compared in constant time.
#[derive(Default)]
pub struct Users {
    users: Vec<(String, String)>,
}

impl Users {
    /// From `[[smtp.users]]`.
    pub fn new(users: &[SmtpUser]) -> Self {
        Users {
            users: users
                .iter()
                .map(|u| (u.name.clone(), u.password.clone()))
                .collect(),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= (a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0)) as usize;
    }
    diff == 0
}

impl Policy for Users {
    fn authenticate(&self, user: &str, password: &str) -> bool {
        let mut ok = false;
        for (u, p) in &self.users {
            // check every entry so timing does not reveal which user exists
            let m = constant_time_eq(u.as_bytes(), user.as_bytes())
                & constant_time_eq(p.as_bytes(), password.as_bytes());
            ok |= m;
        }
        ok
    }
}

/// A bound SMTP listener.
pub struct SmtpListener {
    listener: TcpListener,
    settings: ListenerSettings,
}

impl SmtpListener {
    /// Binds `addr`.
    pub async fn bind(addr: SocketAddr, settings: ListenerSettings) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        Ok(SmtpListener { listener, settings })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts connections until `shutdown` completes, then waits up to 10 s for open sessions
    /// to finish (a message acknowledged before shutdown is already durable; one in flight is
    /// simply not acknowledged, so the client sends it again).
    pub async fn run(self, relay: Relay, shutdown: impl Future<Output = ()>) {
        let sink = Arc::new(RelaySink {
            relay,
            hostname: self.settings.session.hostname.clone(),
        });
        let slots = Arc::new(Semaphore::new(self.settings.max_connections));
        let mut tasks = tokio::task::JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(x) => x,
                        Err(e) => {
                            // e.g. EMFILE: back off instead of spinning
                            tracing::warn!(error = %e, "smtp accept failed");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let settings = self.settings.clone();
                    let sink = sink.clone();
                    match slots.clone().try_acquire_owned() {
                        Ok(permit) => {
                            tasks.spawn(async move {
                                handle(stream, peer, settings, sink).await;
                                drop(permit);
                            });
                        }
                        Err(_) => {
                            tasks.spawn(refuse_busy(stream, settings.session.hostname.clone()));
                        }
                    }
                }
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            }
        }
        let drain = async { while tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(10), drain)
            .await
            .is_err()
        {
            tasks.abort_all();
        }
    }
}

async fn refuse_busy(mut stream: TcpStream, hostname: String) {
    let r = Reply::new(
        421,
        "4.7.0",
        format!("{hostname} Error: too many connections, try again later"),
    );
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        stream.write_all(&r.to_wire()).await?;
        stream.shutdown().await
    })
    .await;
}

async fn handle(
    stream: TcpStream,
    peer: SocketAddr,
    settings: ListenerSettings,
    sink: Arc<RelaySink>,
) {
    let session = Session::with_policy(settings.session.clone(), settings.users.clone(), peer);
    match serve_connection(
        stream,
        session,
        settings.tls.clone(),
        &settings.limits,
        &*sink,
    )
    .await
    {
        Ok(summary) => tracing::debug!(
            %peer,
            messages = summary.messages,
            tls = summary.tls,
            end = summary.end,
            "smtp session ended"
        ),
        Err(e) => tracing::debug!(%peer, error = %e, "smtp session aborted"),
    }
}

/// Hands transactions to the engine; the reply is `250` only once the message is durable.
pub(crate) struct RelaySink {
    pub(crate) relay: Relay,
    pub(crate) hostname: String,
}

impl MessageSink for RelaySink {
    async fn deliver(&self, txn: Transaction) -> Result<String, Reply> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let header = received_header(&txn, &self.hostname, "", now);
        let (envelope, data) = envelope_from(txn);
        let mut message = Vec::with_capacity(header.len() + data.len());
        message.extend_from_slice(header.as_bytes());
        message.extend_from_slice(&data);
        match self.relay.accept(envelope, message).await {
            Ok(id) => Ok(id.to_string()),
            Err(e) => {
                tracing::warn!(error = %e, "message not accepted");
                Err(accept_error_reply(&e))
            }
        }
    }
}

/// The SMTP reply for an engine refusal (`452 4.3.1` for a full disk, …), without internals.
pub fn accept_error_reply(e: &AcceptError) -> Reply {
    let line = e.smtp_reply();
    // "452 4.3.1 Insufficient system storage, try again later"
    let mut parts = line.splitn(3, ' ');
    let code = parts.next().and_then(|c| c.parse().ok()).unwrap_or(451u16);
    let status = parts.next().unwrap_or("4.3.0").to_string();
    let text = parts.next().unwrap_or("Local error").to_string();
    Reply::new(code, status, text)
}

/// Converts a server transaction into the engine's envelope and message bytes.
pub fn envelope_from(txn: Transaction) -> (Envelope, Vec<u8>) {
    let sender = match &txn.mail_from {
        ReversePath::Null => String::new(),
        ReversePath::Mailbox(m) => m.to_string(),
    };
    let recipients = txn
        .recipients
        .iter()
        .map(|r| EnvRecipient {
            address: r.mailbox.to_string(),
            notify: r.notify.map(|n| Notify {
                success: n.success,
                failure: n.failure,
                delay: n.delay,
            }),
            orcpt: r.orcpt.as_ref().map(|(t, a)| format!("{t};{a}")),
        })
        .collect();
    let envelope = Envelope {
        sender,
        ret: txn.ret.map(|r| match r {
            mailway_smtp::server::DsnRet::Full => Ret::Full,
            mailway_smtp::server::DsnRet::Headers => Ret::Hdrs,
        }),
        envid: txn.envid.clone(),
        size: None,
        // 7BIT is what "no BODY parameter" means: only 8BITMIME is passed on
        body: match txn.body {
            mailway_smtp::server::Body::SevenBit => None,
            mailway_smtp::server::Body::EightBitMime => Some(BodyType::EightBitMime),
        },
        smtputf8: txn.smtputf8,
        recipients,
        origin: Origin {
            protocol: txn.client.protocol().to_string(),
            client: Some(txn.client.peer.to_string()),
            helo: Some(txn.client.helo.clone()).filter(|h| !h.is_empty()),
            auth: txn.client.auth_user.clone(),
        },
    };
    (envelope, txn.data)
}

#[cfg(test)]
mod tests;
