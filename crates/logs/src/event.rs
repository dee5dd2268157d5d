//! Delivery events: what one log line means, independent of the MTA that wrote it.
//!
//! Events are produced in bulk by the line parsers and borrow their text from the [`Chunk`] that
//! holds the lines (as [`Span`]s, byte ranges), so parsing allocates nothing per line.

use mailway_status::Reason;
use serde::Serialize;

/// A byte range in a [`Chunk`]: the input lines, or (high bit set) the chunk's auxiliary buffer of
/// derived text (normalised replies, transcoded journal records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    start: u32,
    end: u32,
}

const AUX: u32 = 1 << 31;

impl Span {
    /// The empty span.
    pub const EMPTY: Span = Span { start: 0, end: 0 };

    /// A range of the input buffer.
    #[inline]
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end && end < AUX as usize);
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// A range of the auxiliary buffer.
    #[inline]
    pub fn aux(start: usize, end: usize) -> Self {
        Span {
            start: start as u32 | AUX,
            end: end as u32 | AUX,
        }
    }

    /// Whether the span is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// A span of `b`, a sub-slice of `base` (which starts at offset `base_off` of the buffer).
    #[inline]
    pub fn of(base: &[u8], base_off: usize, b: &[u8]) -> Self {
        let start = b.as_ptr() as usize - base.as_ptr() as usize + base_off;
        Span::new(start, start + b.len())
    }
}

/// `b` as text, lossy for invalid UTF-8. The common valid case goes through
/// `std::str::from_utf8` (word-at-a-time ASCII check), several times faster than
/// `String::from_utf8_lossy` on short log fields.
#[inline]
pub fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// `b` as an owned string, lossy for invalid UTF-8 (see [`lossy`]).
#[inline]
pub fn boxed_str(b: &[u8]) -> Box<str> {
    match std::str::from_utf8(b) {
        Ok(s) => s.into(),
        Err(_) => String::from_utf8_lossy(b).into_owned().into_boxed_str(),
    }
}

/// A block of input lines and what the parser derived from them.
#[derive(Debug, Default)]
pub struct Chunk {
    /// The raw input bytes (whole lines).
    pub buf: Vec<u8>,
    /// Derived text referenced by aux spans.
    pub aux: Vec<u8>,
    /// The events, in input order.
    pub events: Vec<Event>,
    /// Line accounting for this chunk.
    pub stats: LineStats,
    /// Index of this chunk's first line in its input (0-based).
    pub first_line: u64,
    /// Index of the input (file) this chunk belongs to.
    pub input: u32,
    /// Per attempt event (in order): local ids of its relay host, normalised text and recipient
    /// domain in the parser's [`crate::correlate::LocalNames`] (see `LocalNames::fill`).
    pub name_ids: Vec<[u32; 3]>,
    /// The `LocalNames::uid` of the table `name_ids` come from (`None`: no ids).
    pub names_owner: Option<u32>,
}

impl Chunk {
    /// The bytes of a span.
    #[inline]
    pub fn bytes(&self, s: Span) -> &[u8] {
        if s.start & AUX != 0 {
            &self.aux[(s.start & !AUX) as usize..(s.end & !AUX) as usize]
        } else {
            &self.buf[s.start as usize..s.end as usize]
        }
    }

    /// The text of a span (lossy for invalid UTF-8).
    #[inline]
    pub fn text(&self, s: Span) -> std::borrow::Cow<'_, str> {
        lossy(self.bytes(s))
    }

    /// The text of a span as an owned string (lossy for invalid UTF-8).
    #[inline]
    pub fn boxed(&self, s: Span) -> Box<str> {
        boxed_str(self.bytes(s))
    }

    /// Clears for reuse, keeping allocations.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.aux.clear();
        self.events.clear();
        self.name_ids.clear();
        self.names_owner = None;
        self.stats = LineStats::default();
        self.first_line = 0;
    }
}

/// How lines were understood.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LineStats {
    /// All lines (records for journal exports) read.
    pub total: u64,
    /// Lines from a mail transfer agent that produced an event.
    pub events: u64,
    /// Lines from a mail transfer agent understood but without effect on delivery (connections,
    /// TLS, warnings, statistics).
    pub info: u64,
    /// Well-formed lines from other programs (dovecot, amavis, cron, kernel).
    pub other_programs: u64,
    /// Empty lines.
    pub blank: u64,
    /// Lines that could not be read: no recognisable time stamp or framing, binary data,
    /// truncated lines.
    pub skipped: u64,
    /// Lines from a mail transfer agent whose text was not recognised.
    pub unknown_mta: u64,
    /// A few examples of skipped and unrecognised lines: (line number, reason, text).
    #[serde(skip)]
    pub examples: Vec<(u64, &'static str, String)>,
}

impl LineStats {
    /// Adds another chunk's counts (examples up to `max_examples`).
    pub fn add(&mut self, o: &LineStats, max_examples: usize) {
        self.total += o.total;
        self.events += o.events;
        self.info += o.info;
        self.other_programs += o.other_programs;
        self.blank += o.blank;
        self.skipped += o.skipped;
        self.unknown_mta += o.unknown_mta;
        for e in &o.examples {
            if self.examples.len() >= max_examples {
                break;
            }
            self.examples.push(e.clone());
        }
    }
}

/// Which MTA wrote a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mta {
    /// Postfix (any instance or `syslog_name`).
    Postfix,
    /// Exim main log.
    Exim,
    /// Sendmail.
    Sendmail,
    /// Microsoft Exchange message tracking.
    Exchange,
    /// mailway's own relay (`mailway serve` event log).
    Mailway,
}

impl Mta {
    /// Lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Mta::Postfix => "postfix",
            Mta::Exim => "exim",
            Mta::Sendmail => "sendmail",
            Mta::Exchange => "exchange",
            Mta::Mailway => "mailway",
        }
    }
}

/// Delivery status of one attempt for one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Delivered (or handed to the next hop).
    Sent,
    /// Temporary failure: the MTA keeps the message and retries.
    Deferred,
    /// Permanent failure: a non-delivery notification goes to the sender.
    Bounced,
    /// An address-verification probe result (`deliverable`/`undeliverable`): not a delivery.
    Probe,
}

impl Status {
    /// Lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Sent => "sent",
            Status::Deferred => "deferred",
            Status::Bounced => "bounced",
            Status::Probe => "probe",
        }
    }
}

/// The SMTP stage (or non-SMTP step) at which an attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Looking up MX/A records of the destination.
    Dns,
    /// Opening the TCP connection.
    Connect,
    /// Waiting for, or reading, the server's greeting (including `421` at connect).
    Greeting,
    /// EHLO / HELO / LHLO.
    Helo,
    /// STARTTLS and the TLS handshake, certificate checks.
    Starttls,
    /// SMTP AUTH.
    Auth,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// The DATA command (before the message is sent).
    Data,
    /// After the message content (end of DATA, BDAT LAST).
    DataEnd,
    /// Local delivery (mailbox, maildir, pipe).
    Local,
    /// No stage information in the text.
    Unknown,
}

impl Stage {
    /// Lower-case name used in JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Stage::Dns => "dns",
            Stage::Connect => "connect",
            Stage::Greeting => "greeting",
            Stage::Helo => "helo",
            Stage::Starttls => "starttls",
            Stage::Auth => "auth",
            Stage::Mail => "mail",
            Stage::Rcpt => "rcpt",
            Stage::Data => "data",
            Stage::DataEnd => "data-end",
            Stage::Local => "local",
            Stage::Unknown => "unknown",
        }
    }

    /// The SMTP command this stage answers, for classification.
    pub fn command(&self) -> Option<mailway_status::SmtpCommand> {
        use mailway_status::SmtpCommand as C;
        Some(match self {
            Stage::Greeting | Stage::Connect => C::Connect,
            Stage::Helo => C::Ehlo,
            Stage::Starttls => C::Starttls,
            Stage::Auth => C::Auth,
            Stage::Mail => C::Mail,
            Stage::Rcpt => C::Rcpt,
            Stage::Data => C::Data,
            Stage::DataEnd => C::DataEnd,
            _ => return None,
        })
    }
}

/// An RFC 3463 enhanced status code, packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dsn {
    /// 2, 4 or 5.
    pub class: u8,
    /// Subject.
    pub subject: u16,
    /// Detail.
    pub detail: u16,
}

impl Dsn {
    /// Parses `X.Y.Z` from the start of `b`; returns the code and the length used.
    pub fn parse(b: &[u8]) -> Option<(Dsn, usize)> {
        let class = match b.first()? {
            c @ (b'2' | b'4' | b'5') => c - b'0',
            _ => return None,
        };
        if b.get(1) != Some(&b'.') {
            return None;
        }
        let mut i = 2;
        let mut subject = 0u16;
        let s0 = i;
        while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
            subject = subject.saturating_mul(10).saturating_add((d - b'0') as u16);
            i += 1;
        }
        if i == s0 || i - s0 > 3 || b.get(i) != Some(&b'.') {
            return None;
        }
        i += 1;
        let d0 = i;
        let mut detail = 0u16;
        while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
            detail = detail.saturating_mul(10).saturating_add((d - b'0') as u16);
            i += 1;
        }
        if i == d0 || i - d0 > 3 {
            return None;
        }
        Some((
            Dsn {
                class,
                subject,
                detail,
            },
            i,
        ))
    }

    /// As the status crate's type.
    pub fn to_status(self) -> mailway_status::EnhancedStatus {
        mailway_status::EnhancedStatus::new(self.class, self.subject, self.detail)
    }
}

impl std::fmt::Display for Dsn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// What delivered an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// SMTP client.
    Smtp,
    /// LMTP client.
    Lmtp,
    /// Local mailbox delivery (Postfix `local`, Exim `appendfile`).
    Local,
    /// Postfix `virtual`.
    Virtual,
    /// Pipe to a command.
    Pipe,
    /// Postfix `error`/`retry`/`discard` pseudo-transports.
    Internal,
    /// Not known.
    Other,
}

/// One delivery attempt for one recipient.
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    /// Recipient as delivered (after aliasing).
    pub rcpt: Span,
    /// Original recipient (`orig_to=`, Exim `<orig>`), when different.
    pub orig: Span,
    /// The relay as logged (`mx.example[192.0.2.1]:25`, `local`, `none`).
    pub relay: Span,
    /// Host name of the relay, or of the host named in the text when `relay=none`.
    pub relay_host: Span,
    /// Outcome.
    pub status: Status,
    /// `dsn=` (or the code found in the text).
    pub dsn: Option<Dsn>,
    /// The reason text as logged (without the outer parentheses).
    pub text: Span,
    /// For failures: the text with recipient addresses and per-attempt tokens normalised out.
    pub norm: Span,
    /// Total delay in seconds since arrival, when logged.
    pub delay: Option<f32>,
    /// Stage of the failure.
    pub stage: Stage,
    /// Reason category (`delivered` for successes).
    pub reason: Reason,
    /// Queue id of the next hop when the attempt handed the message to a content filter or
    /// another local MTA instance on loopback (`250 ... queued as QID`).
    pub hop: Span,
    /// What delivered it.
    pub transport: Transport,
}

/// The kind of notification a bounce daemon generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Non-delivery notification to the sender (bounce).
    NonDelivery,
    /// Delay warning to the sender.
    Delay,
    /// Success notification (DSN NOTIFY=SUCCESS, return receipts).
    Success,
    /// Copy to the postmaster.
    Postmaster,
}

impl NoticeKind {
    /// Lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            NoticeKind::NonDelivery => "non_delivery",
            NoticeKind::Delay => "delay",
            NoticeKind::Success => "success",
            NoticeKind::Postmaster => "postmaster",
        }
    }
}

/// What an event says.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A message entered the queue from an SMTP client or a local submission (Postfix `smtpd
    /// client=` / `pickup uid=`).
    Received {
        /// `host[ip]` of the SMTP client; empty for local submissions.
        client: Span,
        /// Local submission (pickup, sendmail command).
        local: bool,
    },
    /// The Message-ID header (Postfix `cleanup`).
    MessageId(Span),
    /// The queue manager took the message (Postfix `qmgr from=..., size=..., nrcpt=...`); logged
    /// again at each retry.
    Queued {
        /// Envelope sender (empty for the null sender).
        from: Span,
        /// Size in bytes.
        size: u64,
        /// Number of recipients still to deliver.
        nrcpt: u32,
    },
    /// Exim `<=`, Sendmail `from=`, Exchange `RECEIVE`: arrival with envelope in one record.
    Arrival {
        /// Envelope sender.
        from: Span,
        /// Size in bytes (0 when not logged).
        size: u64,
        /// Message-ID header.
        message_id: Span,
        /// SMTP client `host [ip]`; empty for local submissions.
        client: Span,
        /// For bounce messages: the id of the message this one reports on (Exim `R=`).
        parent: Span,
        /// Local submission.
        local: bool,
        /// Number of recipients, when logged (0 when not).
        nrcpt: u32,
    },
    /// An envelope recipient known before any attempt (Exchange rows list recipients).
    Recipient(Span),
    /// A delivery attempt.
    Attempt(Attempt),
    /// The queue lifetime ran out; the message is returned to the sender.
    Expired {
        /// Forced by the administrator (`postsuper -e`, Postfix `force-expired`).
        forced: bool,
    },
    /// A notification (bounce, delay warning, DSN) was generated for this message; `child` is the
    /// queue id of the notification message (empty when not logged).
    Notice {
        /// What kind.
        kind: NoticeKind,
        /// Queue id of the notification.
        child: Span,
    },
    /// The message left the queue (Postfix `qmgr removed`, Exim `Completed`).
    Removed,
    /// An administrator deleted the message (`postsuper -d`, Exim `removed by`/`cancelled by`).
    Deleted,
    /// Put on hold (Postfix) or frozen (Exim).
    Held,
    /// Released from hold / unfrozen.
    Released,
    /// The message was rejected after it was given a queue id (content rejected at end of DATA,
    /// header/body checks, milter): it never enters the queue.
    ContentRejected {
        /// The reply given.
        reply: Span,
        /// The reply with recipients and per-message tokens normalised out (the grouping key of
        /// rejection texts; derived by the parser, off the correlator's thread).
        norm: Span,
    },
    /// The message was silently discarded.
    Discarded,
    /// An SMTP-level rejection (`NOQUEUE: reject: RCPT from ...`), with or without queue id.
    Reject {
        /// The SMTP stage.
        stage: Stage,
        /// The reply text (code and text).
        reply: Span,
        /// The reply normalised as in `ContentRejected`; empty for warnings.
        norm: Span,
        /// `from=`.
        from: Span,
        /// `to=`.
        to: Span,
        /// Client `host[ip]`.
        client: Span,
        /// `reject_warning` (logged, not enforced).
        warning: bool,
    },
}

/// One event from one line.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    /// When (UTC microseconds).
    pub ts: i64,
    /// The whole line as read (for traces and examples).
    pub line: Span,
    /// Line number in its input (0-based).
    pub line_no: u64,
    /// Host that logged it (empty when not in the framing).
    pub host: Span,
    /// MTA instance: the part of the program name before the daemon (`postfix`, `postfix-out`),
    /// empty for MTAs without instances.
    pub instance: Span,
    /// The daemon (`smtpd`, `qmgr`, ...) when known.
    pub daemon: Span,
    /// Which MTA.
    pub mta: Mta,
    /// Queue id / message id; empty for events not tied to a message.
    pub qid: Span,
    /// What happened.
    pub kind: Kind,
}
