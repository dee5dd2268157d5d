//! Per-phase timeouts (RFC 5321 §4.5.3.2) and read limits.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A phase of one SMTP client connection. Timings, timeouts and errors name the phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Phase {
    /// TCP connect.
    Connect,
    /// Waiting for the 220 greeting (banner).
    Greeting,
    /// EHLO and its reply.
    Ehlo,
    /// HELO (fallback when EHLO is refused) and its reply.
    Helo,
    /// The STARTTLS command and its reply.
    Starttls,
    /// The TLS handshake after `220` to STARTTLS.
    TlsHandshake,
    /// AUTH exchange.
    Auth,
    /// MAIL FROM and its reply.
    Mail,
    /// RCPT TO and its reply.
    Rcpt,
    /// DATA and its `354` (DATA initiation).
    DataInit,
    /// Sending the message content (each block write).
    DataBlock,
    /// The final `.` and its reply (DATA termination).
    DataTerm,
    /// RSET and its reply.
    Rset,
    /// NOOP and its reply.
    Noop,
    /// QUIT and its reply.
    Quit,
}

impl Phase {
    /// Stable lower-case name (`greeting`, `data_term`, ...), as in JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Phase::Connect => "connect",
            Phase::Greeting => "greeting",
            Phase::Ehlo => "ehlo",
            Phase::Helo => "helo",
            Phase::Starttls => "starttls",
            Phase::TlsHandshake => "tls_handshake",
            Phase::Auth => "auth",
            Phase::Mail => "mail",
            Phase::Rcpt => "rcpt",
            Phase::DataInit => "data_init",
            Phase::DataBlock => "data_block",
            Phase::DataTerm => "data_term",
            Phase::Rset => "rset",
            Phase::Noop => "noop",
            Phase::Quit => "quit",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Timeouts per phase. Defaults follow RFC 5321 §4.5.3.2 where it gives a value (greeting,
/// MAIL, RCPT, DATA initiation, data block, DATA termination) and Postfix's `smtp_*_timeout`
/// defaults elsewhere (connect 30 s, EHLO/HELO, STARTTLS and QUIT 300 s, RSET 20 s).
///
/// ```
/// use std::time::Duration;
/// use mailway_smtp::Timeouts;
/// let t = Timeouts::default().capped(Duration::from_secs(10));
/// assert_eq!(t.greeting, Duration::from_secs(10));
/// assert_eq!(Timeouts::default().data_term, Duration::from_secs(600));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timeouts {
    /// TCP connect (Postfix `smtp_connect_timeout`: 30 s; not in RFC 5321).
    #[serde(with = "secs")]
    pub connect: Duration,
    /// Initial 220 message: 5 minutes (RFC 5321 §4.5.3.2.1).
    #[serde(with = "secs")]
    pub greeting: Duration,
    /// EHLO/HELO reply (Postfix `smtp_helo_timeout`: 300 s).
    #[serde(with = "secs")]
    pub ehlo: Duration,
    /// STARTTLS reply and TLS handshake (Postfix `smtp_starttls_timeout`: 300 s).
    #[serde(with = "secs")]
    pub starttls: Duration,
    /// AUTH exchange, each step (300 s).
    #[serde(with = "secs")]
    pub auth: Duration,
    /// MAIL command: 5 minutes (RFC 5321 §4.5.3.2.2).
    #[serde(with = "secs")]
    pub mail: Duration,
    /// RCPT command: 5 minutes (RFC 5321 §4.5.3.2.3).
    #[serde(with = "secs")]
    pub rcpt: Duration,
    /// DATA initiation (waiting for 354): 2 minutes (RFC 5321 §4.5.3.2.4).
    #[serde(with = "secs")]
    pub data_init: Duration,
    /// Each data block write: 3 minutes (RFC 5321 §4.5.3.2.5).
    #[serde(with = "secs")]
    pub data_block: Duration,
    /// DATA termination (reply to the final `.`): 10 minutes (RFC 5321 §4.5.3.2.6).
    #[serde(with = "secs")]
    pub data_term: Duration,
    /// RSET and NOOP replies (Postfix `smtp_rset_timeout`: 20 s).
    #[serde(with = "secs")]
    pub rset: Duration,
    /// QUIT reply (Postfix `smtp_quit_timeout`: 300 s).
    #[serde(with = "secs")]
    pub quit: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        let min = |m: u64| Duration::from_secs(m * 60);
        Self {
            connect: Duration::from_secs(30),
            greeting: min(5),
            ehlo: min(5),
            starttls: min(5),
            auth: min(5),
            mail: min(5),
            rcpt: min(5),
            data_init: min(2),
            data_block: min(3),
            data_term: min(10),
            rset: Duration::from_secs(20),
            quit: min(5),
        }
    }
}

impl Timeouts {
    /// The same timeout for every phase.
    pub fn uniform(d: Duration) -> Self {
        Self {
            connect: d,
            greeting: d,
            ehlo: d,
            starttls: d,
            auth: d,
            mail: d,
            rcpt: d,
            data_init: d,
            data_block: d,
            data_term: d,
            rset: d,
            quit: d,
        }
    }

    /// Every phase limited to at most `cap` (what `--timeout` does).
    pub fn capped(self, cap: Duration) -> Self {
        let c = |d: Duration| d.min(cap);
        Self {
            connect: c(self.connect),
            greeting: c(self.greeting),
            ehlo: c(self.ehlo),
            starttls: c(self.starttls),
            auth: c(self.auth),
            mail: c(self.mail),
            rcpt: c(self.rcpt),
            data_init: c(self.data_init),
            data_block: c(self.data_block),
            data_term: c(self.data_term),
            rset: c(self.rset),
            quit: c(self.quit),
        }
    }

    /// The timeout that applies to `phase`.
    pub fn for_phase(&self, phase: Phase) -> Duration {
        match phase {
            Phase::Connect => self.connect,
            Phase::Greeting => self.greeting,
            Phase::Ehlo | Phase::Helo => self.ehlo,
            Phase::Starttls | Phase::TlsHandshake => self.starttls,
            Phase::Auth => self.auth,
            Phase::Mail => self.mail,
            Phase::Rcpt => self.rcpt,
            Phase::DataInit => self.data_init,
            Phase::DataBlock => self.data_block,
            Phase::DataTerm => self.data_term,
            Phase::Rset | Phase::Noop => self.rset,
            Phase::Quit => self.quit,
        }
    }
}

/// Bounds on what the client reads, so a hostile or broken peer cannot exhaust memory: a 10 MB
/// banner or endless continuation lines end in [`crate::SmtpError::Protocol`], not in growth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Longest accepted reply line, CRLF included (RFC 5321 §4.5.3.1.5 says 512; real servers
    /// exceed it, so the default is 4096).
    pub max_line_len: usize,
    /// Most lines in one multi-line reply (default 128; EHLO replies have about 15).
    pub max_reply_lines: usize,
    /// Most transcript entries kept per connection (default 256; older ones are dropped).
    pub max_transcript: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_line_len: 4096,
            max_reply_lines: 128,
            max_transcript: 256,
        }
    }
}

mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let v = f64::deserialize(d)?;
        Duration::try_from_secs_f64(v).map_err(serde::de::Error::custom)
    }
}
