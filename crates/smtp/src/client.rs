//! One SMTP client connection as a value: connect, greeting, EHLO, STARTTLS, AUTH, MAIL, RCPT,
//! DATA, RSET, QUIT — each with its RFC 5321 timeout, timed, and recorded in a transcript.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use mailway_status::SmtpCommand;
use rustls::pki_types::ServerName;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::timeout;

use crate::address::{Address, xtext_encode};
use crate::capabilities::Capabilities;
use crate::client_tls::{CertValidation, TlsClientConfig, TlsInfo, client_config, version_name};
use crate::data::DotStuffer;
use crate::error::{SmtpError, evidence};
use crate::reply::{ReplyReader, SmtpReply};
use crate::timeouts::{Limits, Phase, Timeouts};

/// Settings of one client connection.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The name sent in EHLO/HELO (should be this host's FQDN, matching its PTR).
    pub helo_name: String,
    /// Per-phase timeouts.
    pub timeouts: Timeouts,
    /// Read bounds.
    pub limits: Limits,
    /// Local address to connect from (`None`: the system chooses).
    pub source_ip: Option<IpAddr>,
    /// TLS settings used by [`SmtpClient::starttls`].
    pub tls: TlsClientConfig,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            helo_name: "localhost".to_string(),
            timeouts: Timeouts::default(),
            limits: Limits::default(),
            source_ip: None,
            tls: TlsClientConfig::default(),
        }
    }
}

/// Whether [`SmtpClient::open`] uses STARTTLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsPolicy {
    /// Never start TLS.
    None,
    /// Start TLS when the server offers it; continue in clear text when it does not or refuses
    /// the command. (A failed handshake leaves the connection unusable: reconnect without TLS,
    /// as Postfix does.)
    #[default]
    Opportunistic,
    /// TLS must be established, or [`SmtpClient::open`] fails.
    Required,
}

/// The duration of one phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseTiming {
    /// Which phase.
    pub phase: Phase,
    /// When it started, in milliseconds since the connect began.
    pub start_ms: u64,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// The reply code that ended it, when there was one.
    pub code: Option<u16>,
    /// The error kind ([`SmtpError::kind`]) when it failed.
    pub error: Option<String>,
}

/// Who sent a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// We sent it.
    Client,
    /// The server sent it.
    Server,
}

/// One line of the conversation (credentials redacted, message data summarised).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptLine {
    /// Milliseconds since the connect began.
    pub at_ms: u64,
    /// Who sent it.
    pub dir: Direction,
    /// The line without CRLF (lossy UTF-8, at most 512 characters).
    pub line: String,
}

/// DSN `RET` (RFC 3461).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ret {
    /// Return the full message.
    Full,
    /// Return the headers only.
    Hdrs,
}

/// `BODY` (RFC 6152 / RFC 3030).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Body {
    /// `7BIT`.
    #[serde(rename = "7BIT")]
    SevenBit,
    /// `8BITMIME`.
    #[serde(rename = "8BITMIME")]
    EightBitMime,
}

/// MAIL FROM parameters. Parameters the server did not advertise are left out (SIZE, BODY,
/// RET, ENVID), except SMTPUTF8 and REQUIRETLS, which fail with
/// [`SmtpError::NotSupported`] because the message cannot be sent correctly without them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailParams {
    /// `SIZE=` (RFC 1870): the message size in bytes.
    pub size: Option<u64>,
    /// `BODY=`.
    pub body: Option<Body>,
    /// `SMTPUTF8` (RFC 6531).
    pub smtputf8: bool,
    /// `RET=` (RFC 3461).
    pub ret: Option<Ret>,
    /// `ENVID=` (RFC 3461), sent xtext-encoded.
    pub envid: Option<String>,
    /// `REQUIRETLS` (RFC 8689).
    pub requiretls: bool,
}

/// DSN `NOTIFY` conditions (RFC 3461).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Notify {
    /// Never notify (must be alone).
    Never,
    /// On success.
    Success,
    /// On failure.
    Failure,
    /// On delay.
    Delay,
}

/// RCPT TO parameters; sent only when the server advertised DSN.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RcptParams {
    /// `NOTIFY=` conditions.
    pub notify: Vec<Notify>,
    /// `ORCPT=rfc822;...`: the original recipient address.
    pub orcpt: Option<String>,
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    Gone,
}

/// One SMTP client connection.
///
/// Every method that sends a command returns the server's reply as `Ok` whatever its code (use
/// [`SmtpReply::check`] to turn 4xx/5xx into an error); `Err` means the conversation could not
/// happen (timeout, reset, TLS failure, garbage). Timings and a transcript are kept for reports.
///
/// ```no_run
/// # async fn demo() -> Result<(), mailway_smtp::SmtpError> {
/// use mailway_smtp::{ClientConfig, MailParams, RcptParams, SmtpClient, TlsPolicy};
/// let addr = "127.0.0.1:25".parse().unwrap();
/// let mut c = SmtpClient::open(addr, ClientConfig::default(), TlsPolicy::Opportunistic, "mx.example.com").await?;
/// c.mail_from("me@example.org", &MailParams::default()).await?.check()?;
/// c.rcpt_to("you@example.com", &RcptParams::default()).await?.check()?;
/// let reply = c.data(b"Subject: hi\r\n\r\nhello\r\n").await?.check()?;
/// println!("queued: {reply} in {:?}", c.timings());
/// c.quit().await.ok();
/// # Ok(()) }
/// ```
pub struct SmtpClient {
    stream: Stream,
    reader: ReplyReader,
    peer: SocketAddr,
    local: Option<SocketAddr>,
    config: ClientConfig,
    started: Instant,
    timings: Vec<PhaseTiming>,
    transcript: Vec<TranscriptLine>,
    transcript_dropped: usize,
    capabilities: Option<Capabilities>,
    greeting: Option<SmtpReply>,
    tls: Option<TlsInfo>,
    last_validation: CertValidation,
}

impl std::fmt::Debug for SmtpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpClient")
            .field("peer", &self.peer)
            .field("tls", &self.tls.is_some())
            .field("capabilities", &self.capabilities)
            .finish()
    }
}

fn io_kind_unreachable(e: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        e.kind(),
        K::HostUnreachable | K::NetworkUnreachable | K::AddrNotAvailable | K::Unsupported
    ) || matches!(e.raw_os_error(), Some(97 | 99 | 101 | 113))
}

impl SmtpClient {
    /// Opens the TCP connection (no bytes exchanged yet). Fails with [`SmtpError::Refused`],
    /// [`SmtpError::Unreachable`] (including "IPv6 not available on this host") or
    /// [`SmtpError::TimedOut`] with [`Phase::Connect`].
    pub async fn connect(addr: SocketAddr, config: ClientConfig) -> Result<Self, SmtpError> {
        let started = Instant::now();
        let unreachable = |source| SmtpError::Unreachable { addr, source };
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .map_err(unreachable)?;
        if let Some(ip) = config.source_ip {
            socket
                .bind(SocketAddr::new(ip, 0))
                .map_err(|source| SmtpError::Unreachable { addr, source })?;
        }
        let t = config.timeouts.connect;
        let tcp = match timeout(t, socket.connect(addr)).await {
            Err(_) => {
                return Err(SmtpError::TimedOut {
                    phase: Phase::Connect,
                    after: t,
                });
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                return Err(SmtpError::Refused { addr });
            }
            Ok(Err(e)) if io_kind_unreachable(&e) => return Err(unreachable(e)),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::TimedOut => {
                return Err(SmtpError::TimedOut {
                    phase: Phase::Connect,
                    after: started.elapsed(),
                });
            }
            Ok(Err(e)) => return Err(SmtpError::from_io(Phase::Connect, e)),
            Ok(Ok(s)) => s,
        };
        let _ = tcp.set_nodelay(true);
        let local = tcp.local_addr().ok();
        let mut c = SmtpClient {
            stream: Stream::Plain(tcp),
            reader: ReplyReader::new(&config.limits),
            peer: addr,
            local,
            config,
            started,
            timings: Vec::new(),
            transcript: Vec::new(),
            transcript_dropped: 0,
            capabilities: None,
            greeting: None,
            tls: None,
            last_validation: CertValidation::NotChecked,
        };
        c.timings.push(PhaseTiming {
            phase: Phase::Connect,
            start_ms: 0,
            duration_ms: started.elapsed().as_millis() as u64,
            code: None,
            error: None,
        });
        Ok(c)
    }

    /// Connects, reads the greeting, sends EHLO (HELO fallback) and applies `tls`
    /// (STARTTLS then EHLO again), checking every reply. `server_name` is the name the
    /// certificate is checked against (the MX host name).
    pub async fn open(
        addr: SocketAddr,
        config: ClientConfig,
        tls: TlsPolicy,
        server_name: &str,
    ) -> Result<Self, SmtpError> {
        let mut c = Self::connect(addr, config).await?;
        c.greeting().await?.check()?;
        c.ehlo().await?.check()?;
        let offers = c.capabilities().is_some_and(|k| k.starttls);
        match tls {
            TlsPolicy::None => {}
            TlsPolicy::Required if !offers => {
                return Err(SmtpError::NotSupported {
                    extension: "STARTTLS",
                });
            }
            TlsPolicy::Opportunistic if !offers => {}
            TlsPolicy::Required | TlsPolicy::Opportunistic => {
                let r = c.starttls(server_name).await?;
                if r.code == 220 {
                    c.ehlo().await?.check()?;
                } else if tls == TlsPolicy::Required {
                    return Err(SmtpError::Rejected { reply: Box::new(r) });
                }
            }
        }
        Ok(c)
    }

    /// The server's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// Our local address, when known.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local
    }

    /// The greeting, once read.
    pub fn greeting_reply(&self) -> Option<&SmtpReply> {
        self.greeting.as_ref()
    }

    /// What the last EHLO advertised (`None` before EHLO and right after STARTTLS).
    pub fn capabilities(&self) -> Option<&Capabilities> {
        self.capabilities.as_ref()
    }

    /// What the TLS handshake negotiated, when TLS is up.
    pub fn tls_info(&self) -> Option<&TlsInfo> {
        self.tls.as_ref()
    }

    /// The outcome of the last certificate validation (also set when the handshake failed).
    pub fn last_cert_validation(&self) -> &CertValidation {
        &self.last_validation
    }

    /// Durations of each phase so far, in order.
    pub fn timings(&self) -> &[PhaseTiming] {
        &self.timings
    }

    /// The conversation so far (bounded by [`Limits::max_transcript`]; oldest lines dropped).
    pub fn transcript(&self) -> &[TranscriptLine] {
        &self.transcript
    }

    /// Milliseconds since the connect began.
    pub fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn note(&mut self, dir: Direction, line: &[u8]) {
        if self.transcript.len() >= self.config.limits.max_transcript {
            self.transcript.remove(0);
            self.transcript_dropped += 1;
        }
        let mut l = line;
        while let [rest @ .., b'\r' | b'\n'] = l {
            l = rest;
        }
        let mut s = String::from_utf8_lossy(&l[..l.len().min(512)]).into_owned();
        if l.len() > 512 {
            s.push_str(&format!("… ({} bytes)", l.len()));
        }
        self.transcript.push(TranscriptLine {
            at_ms: self.elapsed_ms(),
            dir,
            line: s,
        });
    }

    fn record(&mut self, phase: Phase, start_ms: u64, r: &Result<SmtpReply, SmtpError>) {
        self.timings.push(PhaseTiming {
            phase,
            start_ms,
            duration_ms: self.elapsed_ms().saturating_sub(start_ms),
            code: r.as_ref().ok().map(|r| r.code),
            error: r.as_ref().err().map(|e| e.kind().to_string()),
        });
    }

    async fn read_some(&mut self, phase: Phase, tmp: &mut [u8]) -> Result<usize, SmtpError> {
        let r = match &mut self.stream {
            Stream::Plain(s) => s.read(tmp).await,
            Stream::Tls(s) => s.read(tmp).await,
            Stream::Gone => {
                return Err(SmtpError::Closed {
                    phase,
                    partial: Vec::new(),
                });
            }
        };
        r.map_err(|e| SmtpError::from_io(phase, e))
    }

    async fn write_all(&mut self, phase: Phase, b: &[u8]) -> Result<(), SmtpError> {
        let r = match &mut self.stream {
            Stream::Plain(s) => s.write_all(b).await,
            Stream::Tls(s) => match s.write_all(b).await {
                Ok(()) => s.flush().await,
                Err(e) => Err(e),
            },
            Stream::Gone => {
                return Err(SmtpError::Closed {
                    phase,
                    partial: Vec::new(),
                });
            }
        };
        r.map_err(|e| SmtpError::from_io(phase, e))
    }

    async fn write_timed(&mut self, phase: Phase, b: &[u8]) -> Result<(), SmtpError> {
        let t = self.config.timeouts.for_phase(phase);
        match timeout(t, self.write_all(phase, b)).await {
            Err(_) => Err(SmtpError::TimedOut { phase, after: t }),
            Ok(r) => r,
        }
    }

    /// Reads one line (up to and including LF), bounded by `max_line_len`.
    async fn read_line(&mut self, phase: Phase) -> Result<Vec<u8>, SmtpError> {
        let mut tmp = [0u8; 4096];
        loop {
            match self.reader.next_line() {
                Ok(Some(line)) => return Ok(line),
                Ok(None) => {}
                Err(e) => {
                    return Err(SmtpError::Protocol {
                        phase,
                        message: e.message,
                        bytes: e.bytes,
                    });
                }
            }
            let want = self.reader.room().clamp(1, tmp.len());
            let n = self.read_some(phase, &mut tmp[..want]).await?;
            if n == 0 {
                return Err(SmtpError::Closed {
                    phase,
                    partial: evidence(self.reader.buffered()),
                });
            }
            self.reader.feed(&tmp[..n]);
        }
    }

    async fn read_reply_inner(
        &mut self,
        phase: Phase,
        command: SmtpCommand,
    ) -> Result<SmtpReply, SmtpError> {
        self.reader.reset();
        loop {
            let line = self.read_line(phase).await?;
            self.note(Direction::Server, &line);
            match self.reader.push_line(&line) {
                Ok(Some(r)) => return Ok(SmtpReply::new(r.code, r.lines, Some(command))),
                Ok(None) => {}
                Err(e) => {
                    return Err(SmtpError::Protocol {
                        phase,
                        message: e.message,
                        bytes: e.bytes,
                    });
                }
            }
        }
    }

    async fn read_reply(
        &mut self,
        phase: Phase,
        command: SmtpCommand,
    ) -> Result<SmtpReply, SmtpError> {
        let t = self.config.timeouts.for_phase(phase);
        match timeout(t, self.read_reply_inner(phase, command)).await {
            Err(_) => Err(SmtpError::TimedOut { phase, after: t }),
            Ok(r) => r,
        }
    }

    /// Sends one command line and reads its reply (timed and recorded under `phase`).
    async fn command(
        &mut self,
        phase: Phase,
        line: &str,
        command: SmtpCommand,
        shown: Option<&str>,
    ) -> Result<SmtpReply, SmtpError> {
        let start = self.elapsed_ms();
        let r = self.command_untimed(phase, line, command, shown).await;
        self.record(phase, start, &r);
        r
    }

    async fn command_untimed(
        &mut self,
        phase: Phase,
        line: &str,
        command: SmtpCommand,
        shown: Option<&str>,
    ) -> Result<SmtpReply, SmtpError> {
        if line.contains(['\r', '\n']) {
            return Err(SmtpError::InvalidInput {
                what: "command",
                message: "CR or LF inside a command line".into(),
            });
        }
        self.note(Direction::Client, shown.unwrap_or(line).as_bytes());
        let mut out = Vec::with_capacity(line.len() + 2);
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
        self.write_timed(phase, &out).await?;
        self.read_reply(phase, command).await
    }

    /// Reads the greeting (`220`, or `421`/`554` when the server refuses service), with the
    /// greeting timeout (5 minutes by default: a server that accepts TCP and never greets makes
    /// this phase time out — the classic cause of 4.4.7).
    pub async fn greeting(&mut self) -> Result<SmtpReply, SmtpError> {
        let start = self.elapsed_ms();
        let r = self.read_reply(Phase::Greeting, SmtpCommand::Connect).await;
        self.record(Phase::Greeting, start, &r);
        if let Ok(g) = &r {
            self.greeting = Some(g.clone());
        }
        r
    }

    /// Sends EHLO; when refused with 5xx (`500`, `502`, `504`, `550`...), falls back to HELO.
    /// On success the capabilities are stored ([`SmtpClient::capabilities`]). Returns the
    /// final reply (EHLO's, or HELO's after a fallback).
    pub async fn ehlo(&mut self) -> Result<SmtpReply, SmtpError> {
        let line = format!("EHLO {}", self.config.helo_name);
        let r = self
            .command(Phase::Ehlo, &line, SmtpCommand::Ehlo, None)
            .await?;
        if r.is_positive() {
            self.capabilities = Some(Capabilities::parse(&r.lines));
            return Ok(r);
        }
        if r.is_permanent() {
            return self.helo().await;
        }
        Ok(r)
    }

    /// Sends HELO (no extensions).
    pub async fn helo(&mut self) -> Result<SmtpReply, SmtpError> {
        let line = format!("HELO {}", self.config.helo_name);
        let r = self
            .command(Phase::Helo, &line, SmtpCommand::Helo, None)
            .await?;
        if r.is_positive() {
            self.capabilities = Some(Capabilities::helo(r.lines.first().map_or("", |s| s)));
        }
        Ok(r)
    }

    /// Sends STARTTLS and, on `220`, performs the TLS handshake against `server_name` with the
    /// configured [`TlsClientConfig`]. Returns the STARTTLS reply (not `220`: no TLS, the
    /// connection stays usable in clear text). After TLS, capabilities are cleared: send EHLO
    /// again (RFC 3207 §4.2).
    ///
    /// Bytes received after the `220` and before the handshake are a protocol error (the
    /// STARTTLS response-injection attack, CVE-2011-0411).
    pub async fn starttls(&mut self, server_name: &str) -> Result<SmtpReply, SmtpError> {
        if self.tls.is_some() {
            return Err(SmtpError::InvalidInput {
                what: "STARTTLS",
                message: "TLS is already active".into(),
            });
        }
        let r = self
            .command(Phase::Starttls, "STARTTLS", SmtpCommand::Starttls, None)
            .await?;
        if r.code != 220 {
            return Ok(r);
        }
        if !self.reader.buffered().is_empty() {
            return Err(SmtpError::Protocol {
                phase: Phase::Starttls,
                message:
                    "data sent after the 220 to STARTTLS, before the TLS handshake (injection)"
                        .into(),
                bytes: evidence(self.reader.buffered()),
            });
        }
        let name = ServerName::try_from(server_name.trim_end_matches('.').to_string())
            .unwrap_or_else(|_| ServerName::IpAddress(self.peer.ip().into()));
        let (cfg, outcome) = client_config(&self.config.tls).map_err(|message| SmtpError::Tls {
            phase: Phase::TlsHandshake,
            message,
        })?;
        let tcp = match std::mem::replace(&mut self.stream, Stream::Gone) {
            Stream::Plain(t) => t,
            other => {
                self.stream = other;
                return Err(SmtpError::Closed {
                    phase: Phase::TlsHandshake,
                    partial: Vec::new(),
                });
            }
        };
        let start = self.elapsed_ms();
        let t0 = Instant::now();
        let connector = tokio_rustls::TlsConnector::from(Arc::clone(&cfg));
        let t = self.config.timeouts.starttls;
        let res = timeout(t, connector.connect(name.clone(), tcp)).await;
        let validation = outcome
            .lock()
            .map(|o| o.clone())
            .unwrap_or(CertValidation::NotChecked);
        self.last_validation = validation.clone();
        let result = match res {
            Err(_) => Err(SmtpError::TimedOut {
                phase: Phase::TlsHandshake,
                after: t,
            }),
            Ok(Err(e)) => Err(SmtpError::Tls {
                phase: Phase::TlsHandshake,
                message: e.to_string(),
            }),
            Ok(Ok(s)) => Ok(s),
        };
        self.timings.push(PhaseTiming {
            phase: Phase::TlsHandshake,
            start_ms: start,
            duration_ms: self.elapsed_ms().saturating_sub(start),
            code: None,
            error: result.as_ref().err().map(|e| e.kind().to_string()),
        });
        let tls = result?;
        let (_, conn) = tls.get_ref();
        self.tls = Some(TlsInfo {
            version: conn
                .protocol_version()
                .map(version_name)
                .unwrap_or_default(),
            cipher: conn
                .negotiated_cipher_suite()
                .map(|c| format!("{:?}", c.suite()))
                .unwrap_or_default(),
            kx_group: conn
                .negotiated_key_exchange_group()
                .map(|g| format!("{:?}", g.name())),
            handshake_ms: t0.elapsed().as_millis() as u64,
            server_name: server_name.to_string(),
            peer_certificates: conn
                .peer_certificates()
                .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
                .unwrap_or_default(),
            validation,
        });
        self.note(Direction::Client, b"<TLS handshake completed>");
        self.stream = Stream::Tls(Box::new(tls));
        self.capabilities = None;
        Ok(r)
    }

    /// Authenticates with PLAIN when advertised, else LOGIN. Returns the final reply (`235`
    /// on success). Credentials never enter the transcript.
    pub async fn auth(&mut self, user: &str, password: &str) -> Result<SmtpReply, SmtpError> {
        let caps = self.capabilities.clone().unwrap_or_default();
        if caps.supports_auth("PLAIN") {
            self.auth_plain(user, password).await
        } else if caps.supports_auth("LOGIN") {
            self.auth_login(user, password).await
        } else {
            Err(SmtpError::NotSupported {
                extension: "AUTH PLAIN or LOGIN",
            })
        }
    }

    /// AUTH PLAIN with an initial response (RFC 4616).
    pub async fn auth_plain(&mut self, user: &str, password: &str) -> Result<SmtpReply, SmtpError> {
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
        self.command(
            Phase::Auth,
            &format!("AUTH PLAIN {token}"),
            SmtpCommand::Auth,
            Some("AUTH PLAIN <redacted>"),
        )
        .await
    }

    /// AUTH LOGIN (user name and password each answered to a `334`).
    pub async fn auth_login(&mut self, user: &str, password: &str) -> Result<SmtpReply, SmtpError> {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let r = self
            .command(Phase::Auth, "AUTH LOGIN", SmtpCommand::Auth, None)
            .await?;
        if r.code != 334 {
            return Ok(r);
        }
        let r = self
            .command(
                Phase::Auth,
                &b64(user),
                SmtpCommand::Auth,
                Some("<redacted>"),
            )
            .await?;
        if r.code != 334 {
            return Ok(r);
        }
        self.command(
            Phase::Auth,
            &b64(password),
            SmtpCommand::Auth,
            Some("<redacted>"),
        )
        .await
    }

    /// Sends `MAIL FROM:<from>` with the parameters the server supports. `from` may be empty
    /// (the null reverse path `<>`, for bounces).
    pub async fn mail_from(
        &mut self,
        from: &str,
        params: &MailParams,
    ) -> Result<SmtpReply, SmtpError> {
        let caps = self.capabilities.clone().unwrap_or_default();
        let path = if from.is_empty() || from == "<>" {
            String::new()
        } else {
            let a = Address::parse(from).map_err(|e| SmtpError::InvalidInput {
                what: "sender address",
                message: e.to_string(),
            })?;
            if !a.is_ascii() && !params.smtputf8 {
                return Err(SmtpError::InvalidInput {
                    what: "sender address",
                    message: format!("{a} is not ASCII: set MailParams::smtputf8"),
                });
            }
            a.to_string()
        };
        let mut line = format!("MAIL FROM:<{path}>");
        if let (Some(size), Some(_)) = (params.size, caps.size) {
            line.push_str(&format!(" SIZE={size}"));
        }
        match params.body {
            Some(Body::EightBitMime) if caps.eightbitmime => line.push_str(" BODY=8BITMIME"),
            Some(Body::SevenBit) if caps.eightbitmime => line.push_str(" BODY=7BIT"),
            _ => {}
        }
        if params.smtputf8 {
            if !caps.smtputf8 {
                return Err(SmtpError::NotSupported {
                    extension: "SMTPUTF8",
                });
            }
            line.push_str(" SMTPUTF8");
        }
        if params.requiretls {
            if !caps.requiretls {
                return Err(SmtpError::NotSupported {
                    extension: "REQUIRETLS",
                });
            }
            line.push_str(" REQUIRETLS");
        }
        if caps.dsn {
            match params.ret {
                Some(Ret::Full) => line.push_str(" RET=FULL"),
                Some(Ret::Hdrs) => line.push_str(" RET=HDRS"),
                None => {}
            }
            if let Some(id) = &params.envid {
                line.push_str(&format!(" ENVID={}", xtext_encode(id)));
            }
        }
        self.command(Phase::Mail, &line, SmtpCommand::Mail, None)
            .await
    }

    /// Sends `RCPT TO:<to>` (with NOTIFY/ORCPT when the server advertised DSN).
    pub async fn rcpt_to(&mut self, to: &str, params: &RcptParams) -> Result<SmtpReply, SmtpError> {
        let caps = self.capabilities.clone().unwrap_or_default();
        let a = Address::parse(to).map_err(|e| SmtpError::InvalidInput {
            what: "recipient address",
            message: e.to_string(),
        })?;
        let mut line = format!("RCPT TO:<{a}>");
        if caps.dsn {
            if !params.notify.is_empty() {
                if params.notify.contains(&Notify::Never) && params.notify.len() > 1 {
                    return Err(SmtpError::InvalidInput {
                        what: "NOTIFY",
                        message: "NEVER cannot be combined with other conditions".into(),
                    });
                }
                let v: Vec<&str> = params
                    .notify
                    .iter()
                    .map(|n| match n {
                        Notify::Never => "NEVER",
                        Notify::Success => "SUCCESS",
                        Notify::Failure => "FAILURE",
                        Notify::Delay => "DELAY",
                    })
                    .collect();
                line.push_str(&format!(" NOTIFY={}", v.join(",")));
            }
            if let Some(o) = &params.orcpt {
                line.push_str(&format!(" ORCPT=rfc822;{}", xtext_encode(o)));
            }
        }
        self.command(Phase::Rcpt, &line, SmtpCommand::Rcpt, None)
            .await
    }

    /// Sends DATA and, after `354`, the message (CRLF-normalised, dot-stuffed, streamed in
    /// 64 KiB blocks, each with the data-block timeout), then `.` and waits for the final reply
    /// (DATA-termination timeout). Returns the DATA reply itself when it is not `354`.
    pub async fn data(&mut self, message: &[u8]) -> Result<SmtpReply, SmtpError> {
        self.data_from(message).await
    }

    /// Like [`SmtpClient::data`], streaming the message from a reader (e.g. a spool file).
    pub async fn data_from<R: AsyncRead + Unpin>(
        &mut self,
        mut reader: R,
    ) -> Result<SmtpReply, SmtpError> {
        let r = self
            .command(Phase::DataInit, "DATA", SmtpCommand::Data, None)
            .await?;
        if r.code != 354 {
            return Ok(r);
        }
        let start = self.elapsed_ms();
        let mut stuffer = DotStuffer::new();
        let mut chunk = vec![0u8; 64 * 1024];
        let mut out = Vec::with_capacity(70 * 1024);
        let mut total = 0u64;
        let sent: Result<(), SmtpError> = async {
            loop {
                let n = reader
                    .read(&mut chunk)
                    .await
                    .map_err(|source| SmtpError::Io {
                        phase: Phase::DataBlock,
                        source,
                    })?;
                out.clear();
                if n == 0 {
                    stuffer.finish(&mut out);
                    self.write_timed(Phase::DataBlock, &out).await?;
                    return Ok(());
                }
                total += n as u64;
                stuffer.push(&chunk[..n], &mut out);
                self.write_timed(Phase::DataBlock, &out).await?;
            }
        }
        .await;
        self.timings.push(PhaseTiming {
            phase: Phase::DataBlock,
            start_ms: start,
            duration_ms: self.elapsed_ms().saturating_sub(start),
            code: None,
            error: sent.as_ref().err().map(|e| e.kind().to_string()),
        });
        self.note(
            Direction::Client,
            format!("<{total} bytes of message data>").as_bytes(),
        );
        self.note(Direction::Client, b".");
        sent?;
        let start = self.elapsed_ms();
        let r = self.read_reply(Phase::DataTerm, SmtpCommand::DataEnd).await;
        self.record(Phase::DataTerm, start, &r);
        r
    }

    /// Sends RSET (abandons the current transaction).
    pub async fn rset(&mut self) -> Result<SmtpReply, SmtpError> {
        self.command(Phase::Rset, "RSET", SmtpCommand::Rset, None)
            .await
    }

    /// Sends NOOP (keeps an idle connection alive; checks it still works).
    pub async fn noop(&mut self) -> Result<SmtpReply, SmtpError> {
        // NOOP has no SmtpCommand of its own; its reply is recorded as answering RSET's kind of
        // housekeeping command.
        self.command(Phase::Noop, "NOOP", SmtpCommand::Rset, None)
            .await
    }

    /// Sends QUIT, reads the reply and closes the connection. The client keeps its timings and
    /// transcript for reporting.
    pub async fn quit(&mut self) -> Result<SmtpReply, SmtpError> {
        let r = self
            .command(Phase::Quit, "QUIT", SmtpCommand::Quit, None)
            .await;
        self.close().await;
        r
    }

    /// Closes the connection without QUIT.
    pub async fn close(&mut self) {
        match std::mem::replace(&mut self.stream, Stream::Gone) {
            Stream::Plain(mut s) => {
                let _ = timeout(Duration::from_secs(1), s.shutdown()).await;
            }
            Stream::Tls(mut s) => {
                let _ = timeout(Duration::from_secs(1), s.shutdown()).await;
            }
            Stream::Gone => {}
        }
    }
}
