//! Scripted SMTP peers on loopback, for tests of clients (the probe, the relay's delivery).
//!
//! A [`PeerScript`] says how the server behaves; [`PeerScript::spawn`] (inside a tokio runtime)
//! or [`PeerScript::start`] (own thread, for synchronous tests that run the `mailway` binary)
//! binds an ephemeral port on `127.0.0.1` (or a chosen address) and returns a [`RunningPeer`]
//! with its address and everything it received. Dropping the `RunningPeer` stops the server and
//! all its connections.
//!
//! Presets cover the failure modes a delivery engine meets:
//!
//! | preset | behaviour |
//! |---|---|
//! | [`PeerScript::accept`] | a well-behaved ESMTP server that accepts all mail |
//! | [`PeerScript::tarpit`] | accepts TCP, never sends a greeting (the classic cause of 4.4.7) |
//! | [`PeerScript::slow_banner`] | greets after a delay |
//! | [`PeerScript::busy_421`] | `421 4.3.2` at greeting, then closes |
//! | [`PeerScript::greylist`] | `451 4.7.1` on the first RCPT of each (client IP, sender, recipient), `250` on retry |
//! | [`PeerScript::starttls`] | offers STARTTLS with a [`TestCert`] (self-signed, expired, wrong host, or CA-issued) |
//! | [`PeerScript::reset_mid_ehlo`] | sends half an EHLO reply, then a TCP RST |
//! | [`PeerScript::size_limit`] | advertises `SIZE n`, rejects bigger `MAIL FROM SIZE=` and bigger DATA with `552 5.3.4` |
//! | [`PeerScript::slow_data`] | waits before answering the final `.` of DATA |
//! | [`PeerScript::garbage`] | answers the connection with non-SMTP bytes |
//! | [`PeerScript::endless_continuation`] | sends `220-` lines forever |
//! | [`PeerScript::huge_banner`] | sends a single banner line of N bytes (e.g. 10 MB) |
//!
//! Fields are public: start from a preset and adjust (`rcpt_rules` to reject some recipients,
//! `mail_reply`, `data_reply`, `stall_at` to stall at a later phase, `auth`,
//! `extra_capabilities`, ...). [`RunningPeer::sessions`] records, per connection, the commands
//! and the messages (envelope and content) received; [`RunningPeer::peak_connections`] the
//! highest concurrency seen. [`Blackhole`] is a port whose SYNs go unanswered (connect timeout,
//! as behind a dropping firewall).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use mailway_testkit::smtp::PeerScript;
//! let peer = PeerScript::accept().spawn().await;
//! let addr = peer.addr(); // 127.0.0.1:<ephemeral>
//! // ... run the client against `addr` ...
//! assert!(peer.messages().is_empty());
//! # }
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the server greets a new connection.
#[derive(Debug, Clone)]
pub enum Greeting {
    /// Send this line (without CRLF), e.g. `220 mx.test ESMTP`.
    Banner(String),
    /// Wait, then send this line.
    Delayed(Duration, String),
    /// Never send anything; hold the connection until the client closes it (tarpit).
    Never,
    /// Send this line (e.g. a `421`), then close.
    RefuseAndClose(String),
    /// Wait, then send this line (e.g. a `421`) and close: a busy server that is slow to say so.
    DelayedRefuseAndClose(Duration, String),
    /// Send these bytes as they are, then read and discard until the client closes.
    Raw(Vec<u8>),
    /// Send `220 ` followed by this many bytes of `x` and CRLF (a huge single-line banner).
    Huge(usize),
    /// Send `220-` continuation lines forever, never a final line.
    EndlessContinuation,
    /// Close the connection right after accepting it.
    Close,
}

/// How the server answers EHLO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EhloScript {
    /// A normal multi-line `250` with the configured capabilities.
    Normal,
    /// `502 5.5.2` (an old HELO-only server): the client should fall back to HELO.
    Refuse,
    /// Send `250-<host>` and half a second line, then reset the connection (TCP RST).
    ResetMidReply,
}

/// A certificate and key for the peer's STARTTLS.
#[derive(Debug)]
pub struct TestCert {
    /// End-entity first, then intermediates (DER).
    pub chain: Vec<CertificateDer<'static>>,
    /// The private key (PKCS#8 DER).
    pub key_der: Vec<u8>,
}

impl Clone for TestCert {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            key_der: self.key_der.clone(),
        }
    }
}

fn params(hosts: &[&str]) -> rcgen::CertificateParams {
    let mut p =
        rcgen::CertificateParams::new(hosts.iter().map(|h| h.to_string()).collect::<Vec<_>>())
            .expect("valid test host names");
    if let Some(h) = hosts.first() {
        p.distinguished_name.push(rcgen::DnType::CommonName, *h);
    }
    p
}

impl TestCert {
    /// Self-signed for `hosts` (SANs; the first is also the CN), valid from 1975 to 4096.
    pub fn self_signed(hosts: &[&str]) -> Self {
        let key = rcgen::KeyPair::generate().expect("key generation");
        let cert = params(hosts).self_signed(&key).expect("self-sign");
        TestCert {
            chain: vec![cert.der().clone()],
            key_der: key.serialize_der(),
        }
    }

    /// Self-signed for `hosts`, valid only during 2020 (expired).
    pub fn expired(hosts: &[&str]) -> Self {
        let key = rcgen::KeyPair::generate().expect("key generation");
        let mut p = params(hosts);
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2021, 1, 1);
        let cert = p.self_signed(&key).expect("self-sign");
        TestCert {
            chain: vec![cert.der().clone()],
            key_der: key.serialize_der(),
        }
    }

    /// Self-signed for `wrong-host.invalid` only: a client checking any other name sees a
    /// host-name mismatch.
    pub fn wrong_host() -> Self {
        Self::self_signed(&["wrong-host.invalid"])
    }

    /// The private key in the form rustls wants.
    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()))
    }
}

/// A private certificate authority, so tests can exercise strict (validating) TLS: trust
/// [`TestCa::root`] in the client and serve a certificate from [`TestCa::issue`].
pub struct TestCa {
    params: rcgen::CertificateParams,
    key: rcgen::KeyPair,
    root: CertificateDer<'static>,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

impl TestCa {
    /// A new CA named `CN=mailway test CA`.
    pub fn new() -> Self {
        let key = rcgen::KeyPair::generate().expect("key generation");
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        p.distinguished_name
            .push(rcgen::DnType::CommonName, "mailway test CA");
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let cert = p.self_signed(&key).expect("self-sign CA");
        TestCa {
            params: p,
            key,
            root: cert.der().clone(),
        }
    }

    /// The CA certificate (trust this in the client).
    pub fn root(&self) -> CertificateDer<'static> {
        self.root.clone()
    }

    /// A certificate for `hosts` signed by this CA (chain: leaf, CA).
    pub fn issue(&self, hosts: &[&str]) -> TestCert {
        let key = rcgen::KeyPair::generate().expect("key generation");
        let issuer = rcgen::Issuer::from_params(&self.params, &self.key);
        let cert = params(hosts).signed_by(&key, &issuer).expect("sign");
        TestCert {
            chain: vec![cert.der().clone(), self.root.clone()],
            key_der: key.serialize_der(),
        }
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

/// The greeting of a busy server ([`PeerScript::busy_421`]).
const BUSY_421: &str =
    "421 4.3.2 mx.test.invalid Service not available, too busy, closing transmission channel";

/// Everything that configures a scripted peer. Start from a preset.
#[derive(Debug, Clone)]
pub struct PeerScript {
    /// Where to listen (default `127.0.0.1:0`, an ephemeral port).
    pub bind: SocketAddr,
    /// The host name the server uses in its banner and EHLO reply (default `mx.test.invalid`).
    pub hostname: String,
    /// The greeting.
    pub greeting: Greeting,
    /// The EHLO behaviour.
    pub ehlo: EhloScript,
    /// Extra EHLO keyword lines (e.g. `"REQUIRETLS"`, `"CHUNKING"`).
    pub extra_capabilities: Vec<String>,
    /// STARTTLS is offered (and works) when set.
    pub tls: Option<TestCert>,
    /// Advertised and enforced SIZE limit in bytes.
    pub size_limit: Option<u64>,
    /// Greylisting: the first RCPT of each (client IP, sender, recipient) gets `451 4.7.1`.
    pub greylist: bool,
    /// With `greylist`, retries earlier than this after the first attempt are greylisted again.
    pub greylist_min_wait: Duration,
    /// Delay before the `354` to DATA.
    pub data_init_delay: Duration,
    /// Delay before the reply to the final `.` (slow DATA).
    pub data_delay: Duration,
    /// The reply to the final `.`.
    pub data_reply: String,
    /// Recipient rules: when a RCPT's address starts with the prefix, answer with the reply
    /// (e.g. `("unknown@", "550 5.1.1 User unknown")`).
    pub rcpt_rules: Vec<(String, String)>,
    /// Credentials for AUTH PLAIN/LOGIN (advertised when set).
    pub auth: Option<(String, String)>,
    /// The reply to MAIL FROM, instead of `250 2.1.0 Ok` (e.g. `"550 5.7.1 Sender rejected"`).
    pub mail_reply: Option<String>,
    /// Stall (never answer, hold the connection) when this command verb arrives (`"MAIL"`,
    /// `"RCPT"`, `"DATA"`, or `"."` for the end of DATA): a tarpit at a later phase.
    pub stall_at: Option<String>,
}

impl PeerScript {
    /// A well-behaved ESMTP server that accepts all mail (PIPELINING, SIZE, 8BITMIME,
    /// ENHANCEDSTATUSCODES, SMTPUTF8, DSN; no STARTTLS unless `tls` is set).
    pub fn accept() -> Self {
        let hostname = "mx.test.invalid".to_string();
        PeerScript {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            greeting: Greeting::Banner(format!("220 {hostname} ESMTP mailway-testkit")),
            hostname,
            ehlo: EhloScript::Normal,
            extra_capabilities: Vec::new(),
            tls: None,
            size_limit: None,
            greylist: false,
            greylist_min_wait: Duration::ZERO,
            data_init_delay: Duration::ZERO,
            data_delay: Duration::ZERO,
            data_reply: "250 2.0.0 Ok: queued as TESTKIT".to_string(),
            rcpt_rules: Vec::new(),
            auth: None,
            mail_reply: None,
            stall_at: None,
        }
    }

    /// Accepts TCP and never greets.
    pub fn tarpit() -> Self {
        Self::accept().with_greeting(Greeting::Never)
    }

    /// Greets after `delay`.
    pub fn slow_banner(delay: Duration) -> Self {
        let s = Self::accept();
        let line = format!("220 {} ESMTP slow", s.hostname);
        s.with_greeting(Greeting::Delayed(delay, line))
    }

    /// `421 4.3.2 Service not available` at greeting, then closes.
    pub fn busy_421() -> Self {
        Self::accept().with_greeting(Greeting::RefuseAndClose(BUSY_421.into()))
    }

    /// [`PeerScript::busy_421`] that holds each connection for `delay` before refusing it.
    pub fn busy_421_after(delay: Duration) -> Self {
        Self::accept().with_greeting(Greeting::DelayedRefuseAndClose(delay, BUSY_421.into()))
    }

    /// Greylists every first attempt (`451 4.7.1 ... greylisted`), accepts retries.
    pub fn greylist() -> Self {
        PeerScript {
            greylist: true,
            ..Self::accept()
        }
    }

    /// Offers STARTTLS with `cert`.
    pub fn starttls(cert: TestCert) -> Self {
        PeerScript {
            tls: Some(cert),
            ..Self::accept()
        }
    }

    /// Sends `250-mx.test.invalid` and half a line, then resets the connection.
    pub fn reset_mid_ehlo() -> Self {
        PeerScript {
            ehlo: EhloScript::ResetMidReply,
            ..Self::accept()
        }
    }

    /// Advertises and enforces `SIZE limit`.
    pub fn size_limit(limit: u64) -> Self {
        PeerScript {
            size_limit: Some(limit),
            ..Self::accept()
        }
    }

    /// Waits `delay` before answering the end of DATA.
    pub fn slow_data(delay: Duration) -> Self {
        PeerScript {
            data_delay: delay,
            ..Self::accept()
        }
    }

    /// Answers the connection with an HTTP error page (not SMTP).
    pub fn garbage() -> Self {
        Self::accept().with_greeting(Greeting::Raw(
            b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<html>\x00\xff\xfe</html>\r\n"
                .to_vec(),
        ))
    }

    /// Sends `220-` continuation lines forever.
    pub fn endless_continuation() -> Self {
        Self::accept().with_greeting(Greeting::EndlessContinuation)
    }

    /// A single banner line of `bytes` bytes.
    pub fn huge_banner(bytes: usize) -> Self {
        Self::accept().with_greeting(Greeting::Huge(bytes))
    }

    /// Replaces the greeting.
    pub fn with_greeting(mut self, g: Greeting) -> Self {
        self.greeting = g;
        self
    }

    /// Listens on `addr` instead of `127.0.0.1:0`.
    pub fn on(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Starts the peer on the current tokio runtime. Panics if the address cannot be bound
    /// (a test setup error); use [`PeerScript::try_spawn`] to handle it (e.g. no IPv6).
    pub async fn spawn(self) -> RunningPeer {
        self.try_spawn().await.expect("bind scripted SMTP peer")
    }

    /// Starts the peer on the current tokio runtime.
    pub async fn try_spawn(self) -> std::io::Result<RunningPeer> {
        let listener = TcpListener::bind(self.bind).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::default());
        let task = tokio::spawn(accept_loop(listener, Arc::new(self), state.clone()));
        Ok(RunningPeer {
            addr,
            state,
            stop: Stop::Task(task),
        })
    }

    /// Starts the peer on its own thread and runtime (for synchronous tests, e.g. ones that run
    /// the `mailway` binary). Panics if the address cannot be bound.
    pub fn start(self) -> RunningPeer {
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            rt.block_on(async move {
                match self.try_spawn().await {
                    Ok(peer) => {
                        let _ = tx.send(Ok((peer.addr, peer.state.clone())));
                        let _ = stop_rx.await;
                        drop(peer);
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            });
        });
        let (addr, state) = rx
            .recv()
            .expect("peer thread")
            .expect("bind scripted SMTP peer");
        RunningPeer {
            addr,
            state,
            stop: Stop::Thread(Some(stop_tx), Some(thread)),
        }
    }
}

/// One connection as the peer saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    /// The client's address.
    pub client: Option<SocketAddr>,
    /// Command lines received, in order, without CRLF (message data excluded; AUTH data kept).
    pub commands: Vec<String>,
    /// True once STARTTLS completed.
    pub tls: bool,
    /// Messages accepted or refused at end of DATA on this connection.
    pub messages: Vec<Message>,
}

/// One message transaction the peer received through DATA.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// The MAIL FROM line's path (without `<>`).
    pub from: String,
    /// Parameters after the MAIL FROM path (e.g. `SIZE=123 BODY=8BITMIME`).
    pub mail_params: String,
    /// The accepted RCPT TO paths.
    pub rcpts: Vec<String>,
    /// The content after un-dot-stuffing, with CRLF line ends (capped at SIZE limit + 1 MB).
    pub data: Vec<u8>,
    /// The reply the peer sent to the final `.`.
    pub reply: String,
}

#[derive(Default)]
struct State {
    active: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
    sessions: Mutex<Vec<Session>>,
    greylist: Mutex<HashMap<(String, String, String), Instant>>,
}

enum Stop {
    Task(tokio::task::JoinHandle<()>),
    Thread(
        Option<tokio::sync::oneshot::Sender<()>>,
        Option<std::thread::JoinHandle<()>>,
    ),
}

/// A running scripted peer. Dropping it stops the server and closes every connection.
pub struct RunningPeer {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Stop,
}

impl std::fmt::Debug for RunningPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningPeer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl RunningPeer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every connection so far (a snapshot).
    pub fn sessions(&self) -> Vec<Session> {
        self.state
            .sessions
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// Number of connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.sessions.lock().map(|s| s.len()).unwrap_or(0)
    }

    /// The largest number of connections that were open at the same time.
    pub fn peak_connections(&self) -> usize {
        self.state.peak.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Connections open right now.
    pub fn active_connections(&self) -> usize {
        self.state.active.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Every message received through DATA, over all connections.
    pub fn messages(&self) -> Vec<Message> {
        self.sessions()
            .into_iter()
            .flat_map(|s| s.messages)
            .collect()
    }

    /// Every command line received, over all connections.
    pub fn commands(&self) -> Vec<String> {
        self.sessions()
            .into_iter()
            .flat_map(|s| s.commands)
            .collect()
    }
}

impl Drop for RunningPeer {
    fn drop(&mut self) {
        match &mut self.stop {
            Stop::Task(t) => t.abort(),
            Stop::Thread(tx, th) => {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(());
                }
                if let Some(th) = th.take() {
                    let _ = th.join();
                }
            }
        }
    }
}

async fn accept_loop(listener: TcpListener, script: Arc<PeerScript>, state: Arc<State>) {
    let mut conns = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, client)) = accepted else { continue };
                let idx = {
                    let mut s = state.sessions.lock().expect("peer state");
                    s.push(Session { client: Some(client), ..Default::default() });
                    s.len() - 1
                };
                let st = state.clone();
                let sc = script.clone();
                conns.spawn(async move {
                    use std::sync::atomic::Ordering::SeqCst;
                    let now = st.active.fetch_add(1, SeqCst) + 1;
                    st.peak.fetch_max(now, SeqCst);
                    handle(tcp, client, idx, sc, st.clone()).await;
                    st.active.fetch_sub(1, SeqCst);
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

fn update(state: &State, idx: usize, f: impl FnOnce(&mut Session)) {
    if let Ok(mut s) = state.sessions.lock()
        && let Some(sess) = s.get_mut(idx)
    {
        f(sess);
    }
}

/// Sends `line` (a refusal such as `421`) and closes.
async fn refuse(mut tcp: TcpStream, line: &str) {
    let _ = write_line(&mut tcp, line).await;
    let _ = tcp.shutdown().await;
}

async fn drain(mut tcp: impl AsyncRead + Unpin) {
    let mut b = [0u8; 4096];
    while let Ok(n) = tcp.read(&mut b).await {
        if n == 0 {
            break;
        }
    }
}

async fn handle(
    mut tcp: TcpStream,
    client: SocketAddr,
    idx: usize,
    script: Arc<PeerScript>,
    state: Arc<State>,
) {
    let _ = tcp.set_nodelay(true);
    match &script.greeting {
        Greeting::Banner(l) => {
            if write_line(&mut tcp, l).await.is_err() {
                return;
            }
        }
        Greeting::Delayed(d, l) => {
            tokio::time::sleep(*d).await;
            if write_line(&mut tcp, l).await.is_err() {
                return;
            }
        }
        Greeting::Never => return drain(tcp).await,
        Greeting::RefuseAndClose(l) => return refuse(tcp, l).await,
        Greeting::DelayedRefuseAndClose(d, l) => {
            tokio::time::sleep(*d).await;
            return refuse(tcp, l).await;
        }
        Greeting::Raw(b) => {
            let _ = tcp.write_all(b).await;
            return drain(tcp).await;
        }
        Greeting::Huge(n) => {
            let chunk = vec![b'x'; 64 * 1024];
            if tcp.write_all(b"220 ").await.is_err() {
                return;
            }
            let mut left = *n;
            while left > 0 {
                let k = left.min(chunk.len());
                if tcp.write_all(&chunk[..k]).await.is_err() {
                    return;
                }
                left -= k;
            }
            let _ = tcp.write_all(b"\r\n").await;
            return drain(tcp).await;
        }
        Greeting::EndlessContinuation => {
            let line = format!("220-{} still greeting you\r\n", script.hostname);
            let block = line.repeat(64);
            while tcp.write_all(block.as_bytes()).await.is_ok() {
                tokio::task::yield_now().await;
            }
            return;
        }
        Greeting::Close => return,
    }
    let mut sess = Conn {
        script: &script,
        state: &state,
        idx,
        client,
        buf: Vec::new(),
        in_tls: false,
        from: None,
        rcpts: Vec::new(),
    };
    match sess.serve(&mut tcp).await {
        Outcome::StartTls => {
            let Some(cert) = &script.tls else { return };
            let Ok(cfg) = server_config(cert) else { return };
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
            let Ok(mut tls) = acceptor.accept(tcp).await else {
                return;
            };
            update(&state, idx, |s| s.tls = true);
            sess.in_tls = true;
            sess.buf.clear();
            sess.from = None;
            sess.rcpts.clear();
            let _ = sess.serve(&mut tls).await;
            let _ = tls.shutdown().await;
        }
        Outcome::Reset => {
            let _ = tcp.set_zero_linger();
            drop(tcp);
        }
        Outcome::Done => {
            let _ = tcp.shutdown().await;
        }
    }
}

fn server_config(cert: &TestCert) -> Result<rustls::ServerConfig, rustls::Error> {
    rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(cert.chain.clone(), cert.key())
}

async fn write_line(w: &mut (impl AsyncWrite + Unpin), l: &str) -> std::io::Result<()> {
    let mut b = Vec::with_capacity(l.len() + 2);
    b.extend_from_slice(l.as_bytes());
    b.extend_from_slice(b"\r\n");
    w.write_all(&b).await?;
    w.flush().await
}

enum Outcome {
    Done,
    StartTls,
    Reset,
}

struct Conn<'a> {
    script: &'a PeerScript,
    state: &'a State,
    idx: usize,
    client: SocketAddr,
    buf: Vec<u8>,
    in_tls: bool,
    from: Option<(String, String)>,
    rcpts: Vec<String>,
}

const MAX_LINE: usize = 64 * 1024;

fn path_of(arg: &str) -> (String, String) {
    let arg = arg.trim();
    match (arg.find('<'), arg.find('>')) {
        (Some(a), Some(b)) if a < b => (arg[a + 1..b].to_string(), arg[b + 1..].trim().to_string()),
        _ => {
            let mut it = arg.splitn(2, ' ');
            (
                it.next().unwrap_or("").to_string(),
                it.next().unwrap_or("").trim().to_string(),
            )
        }
    }
}

fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let s = s.trim().trim_end_matches('=');
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        acc = (acc << 6) | val(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

impl Conn<'_> {
    async fn read_line<S: AsyncRead + Unpin>(&mut self, s: &mut S) -> Option<Vec<u8>> {
        let mut tmp = [0u8; 8192];
        loop {
            if let Some(p) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=p).collect();
                while let Some(b'\r' | b'\n') = line.last() {
                    line.pop();
                }
                return Some(line);
            }
            if self.buf.len() > MAX_LINE {
                let line = std::mem::take(&mut self.buf);
                return Some(line);
            }
            match s.read(&mut tmp).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&tmp[..n]),
            }
        }
    }

    fn ehlo_lines(&self) -> Vec<String> {
        let mut v = vec![
            self.script.hostname.clone(),
            "PIPELINING".into(),
            match self.script.size_limit {
                Some(n) => format!("SIZE {n}"),
                None => "SIZE".into(),
            },
        ];
        if self.script.tls.is_some() && !self.in_tls {
            v.push("STARTTLS".into());
        }
        if self.script.auth.is_some() {
            v.push("AUTH PLAIN LOGIN".into());
        }
        v.extend(["ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8"].map(String::from));
        v.extend(self.script.extra_capabilities.iter().cloned());
        v
    }

    fn greylisted(&self, rcpt: &str) -> bool {
        if !self.script.greylist {
            return false;
        }
        let from = self.from.as_ref().map(|f| f.0.clone()).unwrap_or_default();
        let key = (
            self.client.ip().to_string(),
            from,
            rcpt.to_ascii_lowercase(),
        );
        let mut g = self.state.greylist.lock().expect("greylist state");
        match g.get(&key) {
            None => {
                g.insert(key, Instant::now());
                true
            }
            Some(first) => first.elapsed() < self.script.greylist_min_wait,
        }
    }

    async fn serve<S: AsyncRead + AsyncWrite + Unpin>(&mut self, s: &mut S) -> Outcome {
        while let Some(line) = self.read_line(s).await {
            let text = String::from_utf8_lossy(&line).into_owned();
            update(self.state, self.idx, |x| x.commands.push(text.clone()));
            let upper = text.to_ascii_uppercase();
            let verb = upper.split_whitespace().next().unwrap_or("").to_string();
            let arg = text.get(verb.len()..).unwrap_or("").trim().to_string();
            if self
                .script
                .stall_at
                .as_deref()
                .is_some_and(|v| v.eq_ignore_ascii_case(&verb))
            {
                drain(s).await;
                return Outcome::Done;
            }
            let reply: String = match verb.as_str() {
                _ if line.len() > MAX_LINE => "500 5.5.2 Line too long".into(),
                "EHLO" => match self.script.ehlo {
                    EhloScript::Refuse => "502 5.5.2 Error: command not recognized".into(),
                    EhloScript::ResetMidReply => {
                        let _ = s
                            .write_all(
                                format!("250-{}\r\n250-PIPEL", self.script.hostname).as_bytes(),
                            )
                            .await;
                        let _ = s.flush().await;
                        return Outcome::Reset;
                    }
                    EhloScript::Normal => {
                        self.from = None;
                        self.rcpts.clear();
                        let lines = self.ehlo_lines();
                        let n = lines.len();
                        lines
                            .iter()
                            .enumerate()
                            .map(|(i, l)| format!("250{}{l}", if i + 1 == n { ' ' } else { '-' }))
                            .collect::<Vec<_>>()
                            .join("\r\n")
                    }
                },
                "HELO" => format!("250 {}", self.script.hostname),
                "STARTTLS" => {
                    if self.in_tls {
                        "503 5.5.1 Error: TLS already active".into()
                    } else if self.script.tls.is_some() {
                        if write_line(s, "220 2.0.0 Ready to start TLS").await.is_err() {
                            return Outcome::Done;
                        }
                        return Outcome::StartTls;
                    } else {
                        "502 5.5.1 Error: command not implemented".into()
                    }
                }
                "AUTH" => self.auth(s, &arg).await,
                "MAIL" => {
                    let (path, params) = path_of(arg.split_once(':').map_or("", |x| x.1));
                    let size = params.split_whitespace().find_map(|p| {
                        p.to_ascii_uppercase()
                            .strip_prefix("SIZE=")
                            .and_then(|n| n.parse::<u64>().ok())
                    });
                    match (size, self.script.size_limit) {
                        (Some(sz), Some(lim)) if sz > lim => {
                            "552 5.3.4 Message size exceeds fixed limit".into()
                        }
                        _ if self.from.is_some() => "503 5.5.1 Error: nested MAIL command".into(),
                        _ if self.script.mail_reply.is_some() => {
                            self.script.mail_reply.clone().unwrap_or_default()
                        }
                        _ => {
                            self.from = Some((path, params));
                            "250 2.1.0 Ok".into()
                        }
                    }
                }
                "RCPT" => {
                    let (path, _) = path_of(arg.split_once(':').map_or("", |x| x.1));
                    if self.from.is_none() {
                        "503 5.5.1 Error: need MAIL command".into()
                    } else if let Some((_, r)) = self.script.rcpt_rules.iter().find(|(p, _)| {
                        path.to_ascii_lowercase()
                            .starts_with(&p.to_ascii_lowercase())
                    }) {
                        r.clone()
                    } else if self.greylisted(&path) {
                        format!(
                            "451 4.7.1 <{path}>: Recipient address rejected: Greylisted, please try again later"
                        )
                    } else {
                        self.rcpts.push(path);
                        "250 2.1.5 Ok".into()
                    }
                }
                "DATA" => {
                    if self.rcpts.is_empty() {
                        "554 5.5.1 Error: no valid recipients".into()
                    } else {
                        tokio::time::sleep(self.script.data_init_delay).await;
                        if write_line(s, "354 End data with <CR><LF>.<CR><LF>")
                            .await
                            .is_err()
                        {
                            return Outcome::Done;
                        }
                        match self.receive_data(s).await {
                            None => return Outcome::Done,
                            Some(r) => r,
                        }
                    }
                }
                "RSET" => {
                    self.from = None;
                    self.rcpts.clear();
                    "250 2.0.0 Ok".into()
                }
                "NOOP" => "250 2.0.0 Ok".into(),
                "VRFY" => "252 2.0.0 Send some mail, I'll try my best".into(),
                "QUIT" => {
                    let _ = write_line(s, "221 2.0.0 Bye").await;
                    return Outcome::Done;
                }
                _ => "502 5.5.2 Error: command not recognized".into(),
            };
            if write_line(s, &reply).await.is_err() {
                return Outcome::Done;
            }
        }
        Outcome::Done
    }

    async fn auth<S: AsyncRead + AsyncWrite + Unpin>(&mut self, s: &mut S, arg: &str) -> String {
        let Some((user, pass)) = self.script.auth.clone() else {
            return "502 5.5.1 Error: authentication not enabled".into();
        };
        let mut words = arg.split_whitespace();
        let mech = words.next().unwrap_or("").to_ascii_uppercase();
        let ok = match mech.as_str() {
            "PLAIN" => {
                let token = match words.next() {
                    Some(t) => t.to_string(),
                    None => {
                        if write_line(s, "334 ").await.is_err() {
                            return String::new();
                        }
                        let l = self.read_line(s).await.unwrap_or_default();
                        String::from_utf8_lossy(&l).into_owned()
                    }
                };
                let expected = format!("\0{user}\0{pass}");
                b64_decode(&token).is_some_and(|d| d == expected.as_bytes())
            }
            "LOGIN" => {
                let _ = write_line(s, "334 VXNlcm5hbWU6").await;
                let u = self.read_line(s).await.unwrap_or_default();
                let _ = write_line(s, "334 UGFzc3dvcmQ6").await;
                let p = self.read_line(s).await.unwrap_or_default();
                b64_decode(&String::from_utf8_lossy(&u)).is_some_and(|d| d == user.as_bytes())
                    && b64_decode(&String::from_utf8_lossy(&p))
                        .is_some_and(|d| d == pass.as_bytes())
            }
            _ => return "504 5.5.4 Unrecognized authentication type".into(),
        };
        if ok {
            "235 2.7.0 Authentication successful".into()
        } else {
            "535 5.7.8 Error: authentication failed".into()
        }
    }

    async fn receive_data<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        s: &mut S,
    ) -> Option<String> {
        let cap = self.script.size_limit.unwrap_or(64 * 1024 * 1024) as usize + 1024 * 1024;
        let mut data = Vec::new();
        let mut total = 0usize;
        loop {
            let line = self.read_line(s).await?;
            if line == b"." {
                break;
            }
            let l = line.strip_prefix(b".").unwrap_or(&line);
            total += l.len() + 2;
            if data.len() < cap {
                data.extend_from_slice(l);
                data.extend_from_slice(b"\r\n");
            }
        }
        if self.script.stall_at.as_deref() == Some(".") {
            drain(s).await;
            return None;
        }
        tokio::time::sleep(self.script.data_delay).await;
        let reply = match self.script.size_limit {
            Some(lim) if total as u64 > lim => {
                "552 5.3.4 Message size exceeds fixed limit".to_string()
            }
            _ => self.script.data_reply.clone(),
        };
        let (from, mail_params) = self.from.take().unwrap_or_default();
        let msg = Message {
            from,
            mail_params,
            rcpts: std::mem::take(&mut self.rcpts),
            data,
            reply: reply.clone(),
        };
        update(self.state, self.idx, |x| x.messages.push(msg));
        Some(reply)
    }
}

/// A loopback port that never completes a TCP handshake: a listening socket with a full accept
/// queue, so the kernel drops further SYNs and clients see a *connect* timeout, as behind a
/// firewall that drops port 25. Dropping it frees the port.
pub struct Blackhole {
    addr: SocketAddr,
    _listener: std::net::TcpListener,
    _fillers: Vec<std::net::TcpStream>,
}

impl std::fmt::Debug for Blackhole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blackhole")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Blackhole {
    /// Binds `ip:0`, listens with a backlog of 0 and fills the accept queue.
    pub fn start(ip: std::net::IpAddr) -> std::io::Result<Self> {
        let domain = match ip {
            std::net::IpAddr::V4(_) => socket2::Domain::IPV4,
            std::net::IpAddr::V6(_) => socket2::Domain::IPV6,
        };
        let socket = socket2::Socket::new(domain, socket2::Type::STREAM, None)?;
        socket.bind(&SocketAddr::new(ip, 0).into())?;
        socket.listen(0)?;
        let listener: std::net::TcpListener = socket.into();
        let addr = listener.local_addr()?;
        let mut fillers = Vec::new();
        for _ in 0..8 {
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
                Ok(s) => fillers.push(s),
                Err(_) => break,
            }
        }
        Ok(Blackhole {
            addr,
            _listener: listener,
            _fillers: fillers,
        })
    }

    /// The address whose SYNs go unanswered.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}
