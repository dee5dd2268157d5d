//! The SMTP server session state machine (sans I/O).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use super::address::{Mailbox, ReversePath};
use super::command::{Command, MAX_COMMAND_LINE, MailParams, RcptParams, parse_command};
use super::data::{DataOutcome, DataReceiver};
use super::net::IpNet;
use super::reply::Reply;

#[cfg(test)]
mod tests;

/// Settings of the server side of a connection. Build with [`SessionConfig::new`] and adjust
/// the public fields.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Name in the greeting, the EHLO reply and `Received:` headers.
    pub hostname: String,
    /// Largest message accepted, in bytes (advertised as `SIZE`).
    pub max_message_size: u64,
    /// Most recipients per message; more get `452 4.5.3` (the client sends the rest later).
    pub max_recipients: usize,
    /// Errors tolerated in one session before it is closed with `421 4.7.0`.
    pub max_errors: u32,
    /// Offer STARTTLS (the socket loop has a TLS acceptor).
    pub starttls: bool,
    /// Offer AUTH PLAIN/LOGIN (there are users to check against).
    pub auth: bool,
    /// Clients in these networks may relay without authentication.
    pub relay_networks: Vec<IpNet>,
    /// Recipient domains accepted from anyone (mail *for* these domains is relayed onward,
    /// as Postfix's `relay_domains`). `.example.com` also matches every subdomain.
    pub relay_domains: Vec<String>,
}

impl SessionConfig {
    /// Defaults: 25 MiB messages, 1000 recipients, 20 errors, no TLS, no AUTH, relaying for
    /// loopback clients only, no relay domains.
    pub fn new(hostname: impl Into<String>) -> Self {
        SessionConfig {
            hostname: hostname.into(),
            max_message_size: 25 * 1024 * 1024,
            max_recipients: 1000,
            max_errors: 20,
            starttls: false,
            auth: false,
            relay_networks: IpNet::loopback(),
            relay_domains: Vec::new(),
        }
    }
}

/// Decisions the session delegates (credentials, free space), injected so the session stays
/// testable without I/O.
pub trait Policy: Send + Sync {
    /// True when `user` / `password` are valid credentials (AUTH PLAIN / LOGIN).
    fn authenticate(&self, user: &str, password: &str) -> bool;

    /// False when there is no room to accept a message of about `size` bytes (checked at
    /// `MAIL FROM`, answered `452 4.3.1`). The default always has room.
    fn has_room(&self, size: u64) -> bool {
        let _ = size;
        true
    }
}

/// A [`Policy`] with no users (every AUTH fails) and unlimited room.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllowAll;

impl Policy for AllowAll {
    fn authenticate(&self, _user: &str, _password: &str) -> bool {
        false
    }
}

/// Message body type declared with `BODY=` (RFC 6152).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Body {
    /// `BODY=7BIT` or nothing declared.
    #[default]
    #[serde(rename = "7bit")]
    SevenBit,
    /// `BODY=8BITMIME`.
    #[serde(rename = "8bitmime")]
    EightBitMime,
}

/// `RET=` of RFC 3461: how much of the message a failure DSN returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DsnRet {
    /// `RET=FULL`: the whole message.
    Full,
    /// `RET=HDRS`: the headers only.
    #[serde(rename = "hdrs")]
    Headers,
}

/// `NOTIFY=` of RFC 3461. All false means `NEVER`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DsnNotify {
    /// Notify on successful delivery.
    pub success: bool,
    /// Notify on failure.
    pub failure: bool,
    /// Notify on delay.
    pub delay: bool,
}

impl DsnNotify {
    /// `NOTIFY=NEVER`.
    pub const NEVER: DsnNotify = DsnNotify {
        success: false,
        failure: false,
        delay: false,
    };
}

/// One accepted recipient with its DSN parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The forward-path.
    pub mailbox: Mailbox,
    /// `NOTIFY=`, `None` when not given (the default is FAILURE,DELAY per RFC 3461).
    pub notify: Option<DsnNotify>,
    /// `ORCPT=` as (address type, decoded address), e.g. (`rfc822`, `a@b.example`).
    pub orcpt: Option<(String, String)>,
}

/// TLS parameters of an encrypted session, for `Received:` headers and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// e.g. `TLSv1.3`.
    pub version: String,
    /// e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher: String,
}

/// Who sent a message: peer address, HELO name, TLS and authentication state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's socket address.
    pub peer: SocketAddr,
    /// The name given with HELO/EHLO.
    pub helo: String,
    /// True when the client greeted with EHLO.
    pub esmtp: bool,
    /// TLS parameters when the session is encrypted.
    pub tls: Option<TlsInfo>,
    /// The authenticated user name, if any.
    pub auth_user: Option<String>,
}

impl ClientInfo {
    /// The `with` protocol name of RFC 3848 (`SMTP`, `ESMTP`, `ESMTPS`, `ESMTPA`, `ESMTPSA`).
    pub fn protocol(&self) -> &'static str {
        match (self.esmtp, self.tls.is_some(), self.auth_user.is_some()) {
            (false, _, _) => "SMTP",
            (true, false, false) => "ESMTP",
            (true, true, false) => "ESMTPS",
            (true, false, true) => "ESMTPA",
            (true, true, true) => "ESMTPSA",
        }
    }
}

/// A complete mail transaction, handed to the sink after the end of DATA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// Who sent it.
    pub client: ClientInfo,
    /// The reverse-path (`<>` for notifications).
    pub mail_from: ReversePath,
    /// The recipients, in order, without duplicates.
    pub recipients: Vec<Recipient>,
    /// `BODY=`.
    pub body: Body,
    /// `SMTPUTF8` was given.
    pub smtputf8: bool,
    /// `RET=`.
    pub ret: Option<DsnRet>,
    /// `ENVID=`, decoded.
    pub envid: Option<String>,
    /// The message as received: dot-unstuffed, `<CR><LF>` line ends, no trace header added.
    pub data: Vec<u8>,
}

/// What the socket loop must do next (see [`Session::poll`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write pending output ([`Session::take_output`]) and read more input.
    NeedInput,
    /// Write pending output (it ends with `220 2.0.0 Ready to start TLS`), perform the TLS
    /// handshake, then call [`Session::tls_established`].
    StartTls,
    /// A message is complete: store it, then call [`Session::message_result`]. Pending output
    /// may be written first.
    Message(Box<Transaction>),
    /// Write pending output and close the connection.
    Close,
}

#[derive(Debug)]
enum State {
    Command,
    Data(Box<DataReceiver>),
    AuthPlain,
    AuthLoginUser,
    AuthLoginPassword(String),
    AwaitingResult,
    Closed,
}

#[derive(Debug)]
struct Txn {
    from: ReversePath,
    params: MailParams,
    rcpts: Vec<Recipient>,
}

/// The server side of one SMTP connection, without I/O. See the [module docs](super).
pub struct Session {
    config: Arc<SessionConfig>,
    policy: Arc<dyn Policy>,
    peer: SocketAddr,
    state: State,
    helo: Option<(String, bool)>,
    tls: Option<TlsInfo>,
    auth_user: Option<String>,
    txn: Option<Txn>,
    errors: u32,
    inbuf: Vec<u8>,
    discarding: bool,
    out: Vec<u8>,
    messages: u64,
    quit: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("peer", &self.peer)
            .field("state", &self.state)
            .field("helo", &self.helo)
            .field("tls", &self.tls)
            .field("auth_user", &self.auth_user)
            .field("errors", &self.errors)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A new session for a client at `peer`, with no users (see [`Session::with_policy`]).
    pub fn new(config: Arc<SessionConfig>, peer: SocketAddr) -> Self {
        Self::with_policy(config, Arc::new(AllowAll), peer)
    }

    /// A new session whose credentials and free-space checks go to `policy`.
    pub fn with_policy(
        config: Arc<SessionConfig>,
        policy: Arc<dyn Policy>,
        peer: SocketAddr,
    ) -> Self {
        Session {
            config,
            policy,
            peer,
            state: State::Command,
            helo: None,
            tls: None,
            auth_user: None,
            txn: None,
            errors: 0,
            inbuf: Vec::new(),
            discarding: false,
            out: Vec::new(),
            messages: 0,
            quit: false,
        }
    }

    /// Queues the `220` greeting.
    pub fn greet(&mut self) {
        let r = Reply::plain(220, format!("{} ESMTP mailway", self.config.hostname));
        self.send(r);
    }

    /// Appends bytes received from the client.
    pub fn receive(&mut self, bytes: &[u8]) {
        if matches!(self.state, State::Closed) {
            return;
        }
        self.inbuf.extend_from_slice(bytes);
    }

    /// Takes the bytes to write to the client.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// True while message data is being received (the socket loop uses the data timeout).
    pub fn in_data(&self) -> bool {
        matches!(self.state, State::Data(_))
    }

    /// True once the session is over.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// Messages accepted so far in this session.
    pub fn messages_accepted(&self) -> u64 {
        self.messages
    }

    /// True when the session is encrypted (after a successful STARTTLS).
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// True when the session ended because the client sent QUIT.
    pub fn quit_received(&self) -> bool {
        self.quit
    }

    /// The client's address.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// The client went silent for too long: queues `421 4.4.2` and closes.
    pub fn timeout(&mut self) {
        let r = Reply::new(
            421,
            "4.4.2",
            format!("{} Error: timeout exceeded", self.config.hostname),
        );
        self.send(r);
        self.close();
    }

    /// The TLS handshake after `STARTTLS` succeeded: the session starts over (RFC 3207 §4.2),
    /// forgetting the EHLO, any transaction and any authentication.
    pub fn tls_established(&mut self, info: TlsInfo) {
        self.tls = Some(info);
        self.helo = None;
        self.txn = None;
        self.auth_user = None;
        self.inbuf.clear();
        self.state = State::Command;
    }

    /// The result of storing the message returned by [`Action::Message`]: the queue id, or the
    /// reply to send instead of `250`.
    pub fn message_result(&mut self, result: Result<String, Reply>) {
        match result {
            Ok(id) => {
                self.messages += 1;
                self.send(Reply::new(250, "2.0.0", format!("Ok: queued as {id}")));
            }
            Err(r) => self.send(r),
        }
        self.txn = None;
        if matches!(self.state, State::AwaitingResult) {
            self.state = State::Command;
        }
    }

    /// Processes buffered input until the socket loop has to act. Call repeatedly until it
    /// returns [`Action::NeedInput`] or [`Action::Close`].
    pub fn poll(&mut self) -> Action {
        loop {
            match &mut self.state {
                State::Closed => return Action::Close,
                State::AwaitingResult => return Action::NeedInput,
                State::Data(rx) => {
                    let (used, outcome) = rx.feed(&self.inbuf);
                    self.inbuf.drain(..used);
                    let Some(outcome) = outcome else {
                        return Action::NeedInput;
                    };
                    match outcome {
                        DataOutcome::Complete(data) => {
                            self.state = State::AwaitingResult;
                            return Action::Message(Box::new(self.transaction(data)));
                        }
                        DataOutcome::TooBig => {
                            self.state = State::Command;
                            self.txn = None;
                            let r = Reply::new(
                                552,
                                "5.3.4",
                                format!(
                                    "Error: message size exceeds the fixed limit of {} bytes",
                                    self.config.max_message_size
                                ),
                            );
                            self.send(r);
                        }
                        DataOutcome::BareLineEnding => {
                            self.state = State::Command;
                            self.txn = None;
                            self.error(Reply::new(
                                550,
                                "5.5.2",
                                "Error: bare <CR> or <LF> in message data; lines must end with \
                                 <CR><LF> (SMTP smuggling protection)",
                            ));
                        }
                    }
                }
                _ => {
                    let Some(line) = self.next_line() else {
                        return Action::NeedInput;
                    };
                    let line = match line {
                        Ok(l) => l,
                        Err(()) => continue, // an error reply was queued
                    };
                    if let Some(action) = self.dispatch(&line) {
                        return action;
                    }
                }
            }
            if self.errors >= self.config.max_errors && !self.is_closed() {
                let r = Reply::new(
                    421,
                    "4.7.0",
                    format!("{} Error: too many errors", self.config.hostname),
                );
                self.send(r);
                self.close();
            }
        }
    }

    /// Takes the next complete command line out of the input buffer, `Err` when it was refused
    /// (the reply is queued), `None` when more input is needed.
    fn next_line(&mut self) -> Option<Result<String, ()>> {
        let Some(pos) = memchr::memchr(b'\n', &self.inbuf) else {
            if self.inbuf.len() > MAX_COMMAND_LINE {
                // keep memory bounded: drop what we have and skip to the next LF
                self.inbuf.clear();
                self.discarding = true;
            }
            return None;
        };
        let raw: Vec<u8> = self.inbuf.drain(..=pos).collect();
        if self.discarding || raw.len() > MAX_COMMAND_LINE {
            self.discarding = false;
            self.error(Reply::new(500, "5.5.2", "Error: line too long"));
            return Some(Err(()));
        }
        if raw.len() < 2 || raw[raw.len() - 2] != b'\r' {
            let r = Reply::new(
                521,
                "5.5.2",
                format!(
                    "{} Error: bare <LF> received; lines must end with <CR><LF>",
                    self.config.hostname
                ),
            );
            self.send(r);
            self.close();
            return Some(Err(()));
        }
        let body = &raw[..raw.len() - 2];
        if body.iter().any(|&b| b == b'\r' || b == 0) {
            self.error(Reply::new(
                500,
                "5.5.2",
                "Error: bare <CR> or NUL in command line",
            ));
            return Some(Err(()));
        }
        match String::from_utf8(body.to_vec()) {
            Ok(s) => Some(Ok(s)),
            Err(_) => {
                self.error(Reply::new(
                    500,
                    "5.5.2",
                    "Error: command is not valid UTF-8",
                ));
                Some(Err(()))
            }
        }
    }

    fn send(&mut self, r: Reply) {
        self.out.extend_from_slice(&r.to_wire());
    }

    fn error(&mut self, r: Reply) {
        self.errors += 1;
        self.send(r);
    }

    fn close(&mut self) {
        self.state = State::Closed;
        self.inbuf.clear();
    }

    fn peer_is_loopback(&self) -> bool {
        self.peer.ip().to_canonical().is_loopback()
    }

    fn auth_allowed(&self) -> bool {
        self.config.auth && (self.tls.is_some() || self.peer_is_loopback())
    }

    fn transaction(&mut self, data: Vec<u8>) -> Transaction {
        let txn = self
            .txn
            .take()
            .expect("DATA only starts with a transaction");
        let (helo, esmtp) = self.helo.clone().unwrap_or_default();
        Transaction {
            client: ClientInfo {
                peer: self.peer,
                helo,
                esmtp,
                tls: self.tls.clone(),
                auth_user: self.auth_user.clone(),
            },
            mail_from: txn.from,
            recipients: txn.rcpts,
            body: txn.params.body,
            smtputf8: txn.params.smtputf8,
            ret: txn.params.ret,
            envid: txn.params.envid,
            data,
        }
    }

    fn dispatch(&mut self, line: &str) -> Option<Action> {
        match std::mem::replace(&mut self.state, State::Command) {
            State::AuthPlain => {
                self.auth_plain_response(line);
                None
            }
            State::AuthLoginUser => {
                self.auth_login_user(line);
                None
            }
            State::AuthLoginPassword(user) => {
                self.auth_login_password(&user, line);
                None
            }
            _ => self.command(line),
        }
    }

    fn command(&mut self, line: &str) -> Option<Action> {
        let utf8 = self.txn.as_ref().is_some_and(|t| t.params.smtputf8);
        let cmd = match parse_command(line, utf8) {
            Ok(c) => c,
            Err(r) => {
                self.error(r);
                return None;
            }
        };
        match cmd {
            Command::Ehlo(host) => {
                self.helo = Some((host, true));
                self.txn = None;
                let r = self.ehlo_reply();
                self.send(r);
            }
            Command::Helo(host) => {
                self.helo = Some((host, false));
                self.txn = None;
                let r = Reply::plain(250, self.config.hostname.clone());
                self.send(r);
            }
            Command::Mail(from, params) => self.mail(from, params),
            Command::Rcpt(to, params) => self.rcpt(to, params),
            Command::Data => self.data(),
            Command::Rset => {
                self.txn = None;
                self.send(Reply::new(250, "2.0.0", "Ok"));
            }
            Command::Noop => self.send(Reply::new(250, "2.0.0", "Ok")),
            Command::Quit => {
                self.send(Reply::new(221, "2.0.0", "Bye"));
                self.quit = true;
                self.close();
                return Some(Action::Close);
            }
            Command::StartTls => return self.starttls(),
            Command::Auth { mechanism, initial } => self.auth(&mechanism, initial),
            Command::Vrfy => self.send(Reply::new(
                252,
                "2.5.2",
                "Cannot VRFY user; this server only relays mail",
            )),
            Command::Expn => self.error(Reply::new(502, "5.5.1", "Error: EXPN is not supported")),
            Command::Help => self.send(Reply::new(
                214,
                "2.0.0",
                "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT STARTTLS AUTH VRFY HELP",
            )),
            Command::NotImplemented(verb) => {
                self.error(Reply::new(
                    502,
                    "5.5.1",
                    format!("Error: {verb} is not implemented"),
                ));
            }
            Command::Forbidden => {
                self.send(Reply::new(
                    221,
                    "2.7.0",
                    "Error: this is an SMTP server, not HTTP; goodbye",
                ));
                self.close();
                return Some(Action::Close);
            }
        }
        None
    }

    fn ehlo_reply(&self) -> Reply {
        let mut lines = vec![
            self.config.hostname.clone(),
            "PIPELINING".to_string(),
            format!("SIZE {}", self.config.max_message_size),
        ];
        if self.config.starttls && self.tls.is_none() {
            lines.push("STARTTLS".into());
        }
        if self.auth_allowed() && self.auth_user.is_none() {
            lines.push("AUTH PLAIN LOGIN".into());
        }
        lines.extend(
            ["ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8", "DSN"]
                .iter()
                .map(|s| s.to_string()),
        );
        Reply::multiline(250, lines)
    }

    fn mail(&mut self, from: ReversePath, params: MailParams) {
        if self.helo.is_none() {
            return self.error(Reply::new(503, "5.5.1", "Error: send HELO/EHLO first"));
        }
        if self.txn.is_some() {
            return self.error(Reply::new(503, "5.5.1", "Error: nested MAIL command"));
        }
        if let Some(size) = params.size
            && size > self.config.max_message_size
        {
            return self.send(Reply::new(
                552,
                "5.3.4",
                format!(
                    "Error: message size {size} exceeds the fixed limit of {} bytes",
                    self.config.max_message_size
                ),
            ));
        }
        let need = params.size.unwrap_or(0).max(1);
        if !self.policy.has_room(need) {
            return self.send(Reply::new(
                452,
                "4.3.1",
                "Error: insufficient system storage; try again later",
            ));
        }
        self.txn = Some(Txn {
            from,
            params,
            rcpts: Vec::new(),
        });
        self.send(Reply::new(250, "2.1.0", "Ok"));
    }

    fn may_relay_to(&self, rcpt: &Mailbox) -> bool {
        if self.auth_user.is_some() {
            return true;
        }
        let ip: IpAddr = self.peer.ip().to_canonical();
        if self.config.relay_networks.iter().any(|n| n.contains(ip)) {
            return true;
        }
        if rcpt.is_address_literal() {
            return false;
        }
        let domain = rcpt.domain_lowercase();
        let domain = domain.trim_end_matches('.');
        self.config.relay_domains.iter().any(|d| {
            let d = d.to_ascii_lowercase();
            match d.strip_prefix('.') {
                Some(parent) => domain.ends_with(&format!(".{parent}")),
                None => domain == d,
            }
        })
    }

    fn rcpt(&mut self, to: Mailbox, params: RcptParams) {
        let Some(txn) = &self.txn else {
            return self.error(Reply::new(503, "5.5.1", "Error: need MAIL command"));
        };
        if txn.rcpts.len() >= self.config.max_recipients {
            return self.send(Reply::new(452, "4.5.3", "Error: too many recipients"));
        }
        if !self.may_relay_to(&to) {
            return self.error(Reply::new(
                554,
                "5.7.1",
                format!("<{to}>: Relay access denied"),
            ));
        }
        let txn = self.txn.as_mut().expect("checked above");
        let dup = txn.rcpts.iter().any(|r| {
            r.mailbox.local_part == to.local_part
                && r.mailbox.domain.eq_ignore_ascii_case(&to.domain)
        });
        if !dup {
            txn.rcpts.push(Recipient {
                mailbox: to,
                notify: params.notify,
                orcpt: params.orcpt,
            });
        }
        self.send(Reply::new(250, "2.1.5", "Ok"));
    }

    fn data(&mut self) {
        match &self.txn {
            None => self.error(Reply::new(503, "5.5.1", "Error: need MAIL command")),
            Some(t) if t.rcpts.is_empty() => {
                self.error(Reply::new(554, "5.5.1", "Error: no valid recipients"))
            }
            Some(_) => {
                self.send(Reply::plain(354, "End data with <CR><LF>.<CR><LF>"));
                self.state = State::Data(Box::new(DataReceiver::new(self.config.max_message_size)));
            }
        }
    }

    fn starttls(&mut self) -> Option<Action> {
        if !self.config.starttls {
            self.error(Reply::new(502, "5.5.1", "Error: STARTTLS is not available"));
            return None;
        }
        if self.tls.is_some() {
            self.error(Reply::new(554, "5.5.1", "Error: TLS already active"));
            return None;
        }
        self.send(Reply::new(220, "2.0.0", "Ready to start TLS"));
        // Anything the client pipelined after STARTTLS was sent in plaintext and must not be
        // executed inside the TLS session (CVE-2011-0411).
        self.inbuf.clear();
        Some(Action::StartTls)
    }

    fn auth(&mut self, mechanism: &str, initial: Option<String>) {
        if !self.config.auth {
            return self.error(Reply::new(
                503,
                "5.5.1",
                "Error: authentication not enabled",
            ));
        }
        if self.helo.is_none() {
            return self.error(Reply::new(503, "5.5.1", "Error: send EHLO first"));
        }
        if self.auth_user.is_some() {
            return self.error(Reply::new(503, "5.5.1", "Error: already authenticated"));
        }
        if self.txn.is_some() {
            return self.error(Reply::new(
                503,
                "5.5.1",
                "Error: MAIL transaction in progress",
            ));
        }
        if !self.auth_allowed() {
            return self.error(Reply::new(
                538,
                "5.7.11",
                "Error: encryption required for authentication; use STARTTLS first",
            ));
        }
        match (mechanism, initial) {
            ("PLAIN", None) => {
                self.send(Reply::plain(334, ""));
                self.state = State::AuthPlain;
            }
            ("PLAIN", Some(resp)) => self.auth_plain_response(&resp),
            ("LOGIN", None) => {
                self.send(Reply::plain(334, B64.encode("Username:")));
                self.state = State::AuthLoginUser;
            }
            ("LOGIN", Some(user)) => self.auth_login_user(&user),
            _ => self.error(Reply::new(
                504,
                "5.5.4",
                "Error: unsupported authentication mechanism (PLAIN and LOGIN are supported)",
            )),
        }
    }

    /// Decodes a SASL response; `Err(())` when the client aborted or sent bad base64 (the reply
    /// is queued).
    fn sasl_decode(&mut self, line: &str) -> Result<Vec<u8>, ()> {
        let line = line.trim();
        if line == "*" {
            self.error(Reply::new(501, "5.7.0", "Authentication aborted"));
            return Err(());
        }
        if line == "=" {
            return Ok(Vec::new());
        }
        B64.decode(line).map_err(|_| {
            self.error(Reply::new(
                501,
                "5.5.2",
                "Error: cannot decode the base64 authentication response",
            ));
        })
    }

    fn auth_plain_response(&mut self, line: &str) {
        let Ok(raw) = self.sasl_decode(line) else {
            return;
        };
        // authzid NUL authcid NUL passwd
        let parts: Vec<&[u8]> = raw.split(|&b| b == 0).collect();
        let (Some(authz), Some(user), Some(pass), None) =
            (parts.first(), parts.get(1), parts.get(2), parts.get(3))
        else {
            return self.error(Reply::new(501, "5.5.2", "Error: malformed PLAIN response"));
        };
        let (Ok(authz), Ok(user), Ok(pass)) = (
            std::str::from_utf8(authz),
            std::str::from_utf8(user),
            std::str::from_utf8(pass),
        ) else {
            return self.error(Reply::new(501, "5.5.2", "Error: malformed PLAIN response"));
        };
        if !authz.is_empty() && authz != user {
            return self.auth_failed();
        }
        self.auth_check(user.to_string(), pass);
    }

    fn auth_login_user(&mut self, line: &str) {
        let Ok(raw) = self.sasl_decode(line) else {
            return;
        };
        let Ok(user) = String::from_utf8(raw) else {
            return self.error(Reply::new(501, "5.5.2", "Error: malformed user name"));
        };
        self.send(Reply::plain(334, B64.encode("Password:")));
        self.state = State::AuthLoginPassword(user);
    }

    fn auth_login_password(&mut self, user: &str, line: &str) {
        let Ok(raw) = self.sasl_decode(line) else {
            return;
        };
        let Ok(pass) = String::from_utf8(raw) else {
            return self.auth_failed();
        };
        self.auth_check(user.to_string(), &pass);
    }

    fn auth_check(&mut self, user: String, pass: &str) {
        if !user.is_empty() && self.policy.authenticate(&user, pass) {
            self.auth_user = Some(user);
            self.send(Reply::new(235, "2.7.0", "Authentication successful"));
        } else {
            self.auth_failed();
        }
    }

    fn auth_failed(&mut self) {
        self.error(Reply::new(
            535,
            "5.7.8",
            "Error: authentication credentials invalid",
        ));
    }
}
