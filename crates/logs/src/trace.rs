//! `mailway logs trace`: the timeline of every message matching a query (queue id, Message-ID,
//! sender or recipient), with the messages linked to it (content-filter hops, bounce and delay
//! notifications), across files.
//!
//! Only messages in flight keep their lines; a closed message is kept when it (or a relative)
//! matched, and a short window of recently closed ones is kept so that a later match can still
//! pull in its family.

use std::collections::{BTreeMap, VecDeque};

use mailway_status::Reason;
use serde::Serialize;

use crate::correlate::{Fate, Link, Msg, Names, RcptState, Sink};
use crate::event::{Chunk, Event, Kind, NoticeKind, Stage, Status};
use crate::hash::{FxHashMap, FxHashSet};

/// What to look for.
#[derive(Debug, Clone)]
pub struct Query {
    raw: String,
    norm: String,
}

impl Query {
    /// A queue id, Message-ID (`<...>` optional), sender or recipient address.
    pub fn new(q: &str) -> Self {
        let t = q.trim();
        let t = t
            .strip_prefix('<')
            .and_then(|x| x.strip_suffix('>'))
            .unwrap_or(t);
        Self {
            raw: q.to_string(),
            norm: t.to_ascii_lowercase(),
        }
    }

    /// As given.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    fn eq(&self, s: &str) -> bool {
        let s = s.trim();
        let s = s
            .strip_prefix('<')
            .and_then(|x| x.strip_suffix('>'))
            .unwrap_or(s);
        s.len() == self.norm.len() && s.eq_ignore_ascii_case(&self.norm)
    }
}

/// One line of a message's story.
#[derive(Debug, Clone, Serialize)]
pub struct TraceEvent {
    /// UTC microseconds.
    #[serde(skip)]
    pub ts: i64,
    /// Time as text (filled when the trace is finished).
    pub time: String,
    /// Program (`postfix/smtp`, `exim`).
    pub program: String,
    /// What happened, in a word: received, message-id, queued, delivered, deferred, bounced,
    /// expired, notification, removed, deleted, held, released, rejected, discarded, hop.
    pub kind: &'static str,
    /// The log text (after the program name).
    pub text: String,
    /// Input line number (1-based) and input index.
    pub line: u64,
    /// Index of the input the line came from.
    pub input: u32,
    /// Recipient of an attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    /// Relay of an attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relay: Option<String>,
    /// Enhanced status code of an attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dsn: Option<String>,
    /// The reply or reason text of an attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    /// Reason category of a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// SMTP stage of a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    /// Delay since arrival (s), as logged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_s: Option<f32>,
    /// Queue id of the notification or next hop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_queue_id: Option<String>,
    /// For failures: the explanation (`mailway explain`'s schema), filled by the caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<mailway_status::explain::Explanation>,
}

/// A recipient's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct RecipientTrace {
    /// Address.
    pub address: String,
    /// Original address, when rewritten.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    /// Final state.
    pub state: RcptState,
    /// Deferred attempts.
    pub deferrals: u32,
    /// Last failure reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_reason: Option<Reason>,
}

/// One message's story.
#[derive(Debug, Clone, Serialize)]
pub struct MessageTrace {
    /// Unique number in this analysis.
    pub serial: u64,
    /// Queue id.
    pub queue_id: String,
    /// Host.
    pub host: String,
    /// MTA.
    pub mta: &'static str,
    /// Message-ID.
    pub message_id: Option<String>,
    /// Envelope sender.
    pub sender: Option<String>,
    /// Size.
    pub size: u64,
    /// SMTP client.
    pub client: Option<String>,
    /// How it ended (or `pending`).
    pub fate: Fate,
    /// Arrival (UTC µs).
    #[serde(skip)]
    pub arrival: i64,
    /// Time of the last line (UTC µs).
    #[serde(skip)]
    pub last: i64,
    /// Whether it is a notification or hop of another message: (serial, relation).
    #[serde(skip)]
    pub parent: Option<(u64, &'static str)>,
    /// Relation to its parent (`hop`, `non_delivery`, `delay`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_relation: Option<&'static str>,
    /// Parent's queue id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_queue_id: Option<String>,
    /// Recipients.
    pub recipients: Vec<RecipientTrace>,
    /// Deferred attempts.
    pub deferrals: u32,
    /// The timeline.
    pub events: Vec<TraceEvent>,
    /// This message matched the query itself (not only through a relative).
    pub matched: bool,
}

/// The trace sink.
pub struct Tracer {
    query: Query,
    open: FxHashMap<u64, Vec<TraceEvent>>,
    matched: FxHashSet<u64>,
    parents: FxHashMap<u64, (u64, &'static str)>,
    kept: BTreeMap<u64, MessageTrace>,
    recent: VecDeque<MessageTrace>,
    recent_cap: usize,
    /// Messages kept at most (oldest dropped first).
    pub limit: usize,
    /// Events not tied to a message that matched (rejections of the address).
    pub rejections: Vec<TraceEvent>,
}

fn link_name(l: Link) -> (u64, &'static str) {
    match l {
        Link::Hop(p) => (p, "hop"),
        Link::Notice(p, k) => (p, k.as_str()),
    }
}

impl Tracer {
    /// A tracer for `query`.
    pub fn new(query: Query) -> Self {
        Self {
            query,
            open: FxHashMap::default(),
            matched: FxHashSet::default(),
            parents: FxHashMap::default(),
            kept: BTreeMap::new(),
            recent: VecDeque::new(),
            recent_cap: 4096,
            limit: 10_000,
            rejections: Vec::new(),
        }
    }

    fn in_family(&self, serial: u64) -> bool {
        let mut s = serial;
        for _ in 0..16 {
            if self.matched.contains(&s) || self.kept.contains_key(&s) && self.kept[&s].matched {
                return true;
            }
            match self.parents.get(&s) {
                Some(&(p, _)) => s = p,
                None => return false,
            }
        }
        false
    }

    fn pull_family(&mut self, serial: u64) {
        // a match pulls in recently closed relatives (parents and their other children)
        let mut root = serial;
        for _ in 0..16 {
            match self.parents.get(&root) {
                Some(&(p, _)) => root = p,
                None => break,
            }
        }
        let mut i = 0;
        while i < self.recent.len() {
            let s = self.recent[i].serial;
            let mut r = s;
            for _ in 0..16 {
                match self.parents.get(&r) {
                    Some(&(p, _)) => r = p,
                    None => break,
                }
            }
            if r == root {
                let t = self.recent.remove(i).expect("index");
                self.kept.insert(t.serial, t);
            } else {
                i += 1;
            }
        }
    }

    /// The stories: families of messages (a message followed by its hops and notifications),
    /// oldest first, with times formatted in `zone`.
    pub fn finish(self, zone: &crate::time::Zone) -> Vec<Vec<MessageTrace>> {
        let mut by_serial = self.kept;
        let serial_qid: FxHashMap<u64, String> = by_serial
            .values()
            .map(|m| (m.serial, m.queue_id.clone()))
            .collect();
        for m in by_serial.values_mut() {
            for e in &mut m.events {
                e.time = crate::time::fmt_rfc3339(e.ts, zone);
            }
            if let Some((p, rel)) = m.parent {
                m.parent_relation = Some(rel);
                m.parent_queue_id = serial_qid.get(&p).cloned();
            }
        }
        let root_of = |s: u64, all: &BTreeMap<u64, MessageTrace>| {
            let mut r = s;
            for _ in 0..16 {
                match all.get(&r).and_then(|m| m.parent) {
                    Some((p, _)) if all.contains_key(&p) => r = p,
                    _ => break,
                }
            }
            r
        };
        let mut families: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
        for &s in by_serial.keys() {
            families.entry(root_of(s, &by_serial)).or_default().push(s);
        }
        let mut out: Vec<Vec<MessageTrace>> = families
            .into_values()
            .map(|mut members| {
                members.sort_by_key(|s| (by_serial[s].arrival, *s));
                members
                    .iter()
                    .filter_map(|s| by_serial.remove(s))
                    .collect::<Vec<_>>()
            })
            .collect();
        out.sort_by_key(|f| f.first().map_or(0, |m| m.arrival));
        if out.len() > self.limit {
            let n = out.len() - self.limit;
            out.drain(..n);
        }
        out
    }
}

fn kind_name(k: &Kind) -> &'static str {
    match k {
        Kind::Received { .. } => "received",
        Kind::MessageId(_) => "message-id",
        Kind::Queued { .. } => "queued",
        Kind::Arrival { .. } => "received",
        Kind::Recipient(_) => "recipient",
        Kind::Attempt(a) => match a.status {
            Status::Sent if !a.hop.is_empty() => "handed-off",
            Status::Sent => "delivered",
            Status::Deferred => "deferred",
            Status::Bounced if a.reason == Reason::Expired => "expired",
            Status::Bounced => "bounced",
            Status::Probe => "probe",
        },
        Kind::Expired { .. } => "expired",
        Kind::Notice { .. } => "notification",
        Kind::Removed => "removed",
        Kind::Deleted => "deleted",
        Kind::Held => "held",
        Kind::Released => "released",
        Kind::ContentRejected { .. } => "rejected",
        Kind::Discarded => "discarded",
        Kind::Reject { .. } => "rejected",
    }
}

fn trace_event(ev: &Event, chunk: &Chunk) -> TraceEvent {
    let mut program = String::from_utf8_lossy(chunk.bytes(ev.instance)).into_owned();
    let d = chunk.bytes(ev.daemon);
    if !d.is_empty() && d != chunk.bytes(ev.instance) {
        if !program.is_empty() {
            program.push('/');
        }
        program.push_str(&String::from_utf8_lossy(d));
    }
    let mut t = TraceEvent {
        ts: ev.ts,
        time: String::new(),
        program,
        kind: kind_name(&ev.kind),
        text: chunk.text(ev.line).into_owned(),
        line: ev.line_no + 1,
        input: chunk.input,
        recipient: None,
        relay: None,
        dsn: None,
        reply: None,
        reason: None,
        stage: None,
        delay_s: None,
        related_queue_id: None,
        explanation: None,
    };
    match ev.kind {
        Kind::Attempt(a) => {
            t.recipient = Some(chunk.text(a.rcpt).into_owned());
            t.relay = (!a.relay.is_empty()).then(|| chunk.text(a.relay).into_owned());
            t.dsn = a.dsn.map(|d| d.to_string());
            t.reply = (!a.text.is_empty()).then(|| chunk.text(a.text).into_owned());
            if a.status != Status::Sent {
                t.reason = Some(a.reason);
                t.stage = Some(a.stage);
            }
            t.delay_s = a.delay;
            t.related_queue_id = (!a.hop.is_empty()).then(|| chunk.text(a.hop).into_owned());
        }
        Kind::Notice { child, .. } => {
            t.related_queue_id = (!child.is_empty()).then(|| chunk.text(child).into_owned());
        }
        Kind::Reject { reply, to, .. } => {
            t.reply = Some(chunk.text(reply).into_owned());
            t.recipient = (!to.is_empty()).then(|| chunk.text(to).into_owned());
        }
        _ => {}
    }
    t
}

impl Sink for Tracer {
    fn event(&mut self, msg: Option<&Msg>, ev: &Event, chunk: &Chunk, _names: &Names) {
        let Some(m) = msg else {
            if let Kind::Reject { from, to, .. } = ev.kind
                && (self.query.eq(&chunk.text(to)) || self.query.eq(&chunk.text(from)))
                && self.rejections.len() < 1000
            {
                self.rejections.push(trace_event(ev, chunk));
            }
            return;
        };
        let mut hit = self.query.eq(&m.qid)
            || m.message_id.as_deref().is_some_and(|x| self.query.eq(x))
            || m.sender
                .as_deref()
                .is_some_and(|x| !x.is_empty() && self.query.eq(x));
        if let Kind::Attempt(a) = ev.kind {
            hit |= self.query.eq(&chunk.text(a.rcpt))
                || (!a.orig.is_empty() && self.query.eq(&chunk.text(a.orig)));
        }
        if let Kind::Recipient(r) = ev.kind {
            hit |= self.query.eq(&chunk.text(r));
        }
        let lines = self.open.entry(m.serial).or_default();
        if lines.len() < 100_000 {
            lines.push(trace_event(ev, chunk));
        }
        if hit && self.matched.insert(m.serial) {
            self.pull_family(m.serial);
        }
    }

    fn link(&mut self, child: u64, link: Link) {
        self.parents.insert(child, link_name(link));
        if let Some(t) = self.kept.get_mut(&child) {
            t.parent = Some(link_name(link));
        }
        if let Some(t) = self.recent.iter_mut().find(|t| t.serial == child) {
            t.parent = Some(link_name(link));
        }
        // a notification or hop of a matched message belongs to the story
        if self.in_family(link_name(link).0) {
            if let Some(i) = self.recent.iter().position(|t| t.serial == child) {
                let t = self.recent.remove(i).expect("index");
                self.kept.insert(child, t);
            }
        } else if self.in_family(child) {
            self.pull_family(child);
        }
    }

    fn done(&mut self, m: &Msg, fate: Fate, _names: &Names) {
        let mut events = self.open.remove(&m.serial).unwrap_or_default();
        // whether a success was a hand-off is known only now
        for e in &mut events {
            if matches!(e.kind, "handed-off" | "delivered") && e.related_queue_id.is_some() {
                let fwd = m.rcpts.iter().any(|r| {
                    Some(&*r.addr) == e.recipient.as_deref() && r.state == RcptState::Forwarded
                });
                if fwd {
                    e.kind = "handed-off";
                } else {
                    e.kind = "delivered";
                    e.related_queue_id = None;
                }
            }
        }
        let matched = self.matched.remove(&m.serial);
        let t = MessageTrace {
            serial: m.serial,
            queue_id: m.qid.to_string(),
            host: m.host.to_string(),
            mta: m.mta.as_str(),
            message_id: m.message_id.as_deref().map(str::to_string),
            sender: m.sender.as_deref().map(str::to_string),
            size: m.size,
            client: m.client.as_deref().map(str::to_string),
            fate,
            arrival: m.arrival_or_est(),
            last: m.last_ts,
            parent: m
                .parent
                .map(link_name)
                .or_else(|| self.parents.get(&m.serial).copied()),
            parent_relation: None,
            parent_queue_id: None,
            recipients: m
                .rcpts
                .iter()
                .map(|r| RecipientTrace {
                    address: r.addr.to_string(),
                    original: r.orig.as_deref().map(str::to_string),
                    state: r.state,
                    deferrals: r.defers,
                    last_reason: r.last_reason,
                })
                .collect(),
            deferrals: m.deferrals,
            events,
            matched,
        };
        if matched || self.in_family(m.serial) {
            let s = t.serial;
            self.kept.insert(s, t);
            if matched {
                self.pull_family(s);
            }
        } else {
            self.recent.push_back(t);
            if self.recent.len() > self.recent_cap {
                let old = self.recent.pop_front().expect("non-empty");
                self.parents.remove(&old.serial);
            }
        }
    }
}

/// For notifications: a short description.
pub fn notice_words(k: NoticeKind) -> &'static str {
    match k {
        NoticeKind::NonDelivery => "non-delivery notification (bounce) to the sender",
        NoticeKind::Delay => "delay warning to the sender",
        NoticeKind::Success => "delivery confirmation to the sender",
        NoticeKind::Postmaster => "copy of the failure to the postmaster",
    }
}

// ---------------------------------------------------------------------------------------------
// One-call entry points (used by `mailway logs trace` and `mailway doctor --log`)

/// Options of [`trace_files`] and [`trace_sources`].
#[derive(Debug, Clone)]
pub struct TraceOptions {
    /// Zone of stamps without an offset (RFC 3164, `maillog_file`); times are shown in it.
    pub zone: crate::time::Zone,
    /// Year of the first year-less stamp of each input (else inferred from the file's mtime).
    pub year: Option<i64>,
    /// Queue lifetime in seconds (Postfix `maximal_queue_lifetime`, default 5 days).
    pub queue_lifetime: i64,
    /// Families of messages kept at most (the newest are kept).
    pub limit: usize,
    /// Explain every failed attempt (`TraceEvent::explanation`) in this language.
    pub explain: Option<mailway_status::explain::Lang>,
    /// Parser threads (default: the available cores).
    pub threads: Option<usize>,
}

impl Default for TraceOptions {
    fn default() -> Self {
        Self {
            zone: crate::time::Zone::utc(),
            year: None,
            queue_lifetime: 5 * 86_400,
            limit: 10_000,
            explain: None,
            threads: None,
        }
    }
}

/// What [`trace_files`] found.
#[derive(Debug, Clone, Serialize)]
pub struct TraceReport {
    /// The query, as given.
    pub query: String,
    /// Inputs read, in reading order.
    pub inputs: Vec<String>,
    /// Families of messages, oldest first: a message that matched (or whose relative matched),
    /// followed by its content-filter hops and the notifications it caused.
    pub stories: Vec<Vec<MessageTrace>>,
    /// SMTP rejections of the address (never queued).
    pub rejections: Vec<TraceEvent>,
    /// Time of the last line read (UTC µs); `pending` messages are pending as of then.
    #[serde(skip)]
    pub end: Option<i64>,
    /// Per input: format, lines read, skipped lines (with examples).
    #[serde(skip)]
    pub input_reports: Vec<crate::summary::InputReport>,
}

impl TraceReport {
    /// Every message of every story.
    pub fn messages(&self) -> impl Iterator<Item = &MessageTrace> {
        self.stories.iter().flatten()
    }

    /// Nothing matched.
    pub fn is_empty(&self) -> bool {
        self.stories.is_empty() && self.rejections.is_empty()
    }
}

impl MessageTrace {
    /// The delivery attempts of the timeline, in order: events of kind `delivered`, `deferred`,
    /// `bounced`, `expired` or `handed-off` with their `recipient`, `relay`, `dsn`, `reply`,
    /// `stage`, `reason`, `delay_s` (and `explanation` when asked for).
    pub fn attempts(&self) -> impl Iterator<Item = &TraceEvent> {
        self.events.iter().filter(|e| e.is_attempt())
    }
}

impl TraceEvent {
    /// Whether the event is a delivery attempt (or the final give-up of a recipient).
    pub fn is_attempt(&self) -> bool {
        matches!(
            self.kind,
            "delivered" | "deferred" | "bounced" | "expired" | "handed-off"
        ) && self.recipient.is_some()
    }
}

/// Why a trace could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TraceError {
    /// An input could not be opened.
    #[error(transparent)]
    Open(#[from] crate::input::OpenError),
    /// An input could not be read.
    #[error(transparent)]
    Read(#[from] crate::pipeline::ReadError),
    /// No input was given.
    #[error("no log file given")]
    NoInput,
}

/// Traces `query` (queue id, Message-ID with or without `<>`, sender or recipient address)
/// through log files: plain or `.gz` (by content), rotated sets put in chronological order,
/// any framing and MTA the crate reads (detected per file).
///
/// ```no_run
/// use mailway_logs::trace::{TraceOptions, trace_files};
///
/// let report = trace_files(&["/var/log/mail.log".into()], "bob@example.com", &TraceOptions::default())?;
/// for m in report.messages() {
///     println!("{} {:?}", m.queue_id, m.fate);
///     for a in m.attempts() {
///         println!("  {} {} {:?} {:?} {:?}", a.time, a.kind, a.relay, a.dsn, a.reply);
///     }
/// }
/// # Ok::<(), mailway_logs::trace::TraceError>(())
/// ```
pub fn trace_files(
    paths: &[std::path::PathBuf],
    query: &str,
    opts: &TraceOptions,
) -> Result<TraceReport, TraceError> {
    if paths.is_empty() {
        return Err(TraceError::NoInput);
    }
    let sources = crate::input::open_files(paths, &opts.zone)?;
    Ok(trace_sources(sources, query, opts)?)
}

/// [`trace_files`] over already opened (and decompressed) sources, e.g. standard input or
/// in-memory logs: `Source { name, reader: Box::new(std::io::Cursor::new(bytes)), reference_naive }`.
pub fn trace_sources(
    sources: Vec<crate::pipeline::Source>,
    query: &str,
    opts: &TraceOptions,
) -> Result<TraceReport, crate::pipeline::ReadError> {
    let popts = crate::pipeline::PipelineOptions {
        zone: opts.zone.clone(),
        year: opts.year,
        threads: opts
            .threads
            .unwrap_or_else(|| crate::pipeline::PipelineOptions::default().threads),
        ..Default::default()
    };
    let inputs: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    let mut tracer = Tracer::new(Query::new(query));
    tracer.limit = opts.limit.max(1);
    let mut c = crate::correlate::Correlator::new(
        crate::correlate::CorrelateOptions {
            queue_lifetime: opts.queue_lifetime,
        },
        tracer,
    );
    let input_reports = crate::pipeline::run(sources, &popts, &mut c)?;
    let (tracer, _names, first, last) = c.finish();
    let rejections = tracer.rejections.clone();
    let mut stories = tracer.finish(&opts.zone);
    if let Some(lang) = opts.explain {
        explain_failures(&mut stories, lang);
    }
    Ok(TraceReport {
        query: query.to_string(),
        inputs,
        stories,
        rejections,
        end: first.map(|_| last),
        input_reports,
    })
}

/// Explains one failed attempt of `m` with `mailway_status::explain` (the knowledge of
/// `mailway explain`), with the MTA, queue id, recipient and sender domain as context.
pub fn explain_event(
    e: &TraceEvent,
    m: &MessageTrace,
    lang: mailway_status::explain::Lang,
) -> mailway_status::explain::Explanation {
    use mailway_status::explain::{ExplainInput, explain};
    let reply = e.reply.as_deref().unwrap_or("");
    let (code, rest) = crate::reply::remote_reply(reply.as_bytes());
    let mut r = mailway_status::parse_reply(&String::from_utf8_lossy(rest));
    r.code = code.or(r.code);
    if let Some(d) = &e.dsn {
        r.status = d.parse().ok().or(r.status);
    }
    r.command = e.stage.and_then(|s| s.command());
    let mut input = ExplainInput::new(&r);
    input.raw = Some(reply);
    input.mta = Some(m.mta);
    input.recipient = e.recipient.as_deref();
    input.queue_id = Some(&m.queue_id);
    input.sender_domain = m
        .sender
        .as_deref()
        .and_then(|s| s.rsplit_once('@'))
        .map(|x| x.1);
    explain(&input, lang)
}

/// Fills `explanation` of every failed attempt (computed once per distinct reply, status and
/// recipient domain).
pub fn explain_failures(stories: &mut [Vec<MessageTrace>], lang: mailway_status::explain::Lang) {
    let mut cache: std::collections::HashMap<
        (String, Option<String>, String),
        mailway_status::explain::Explanation,
    > = std::collections::HashMap::new();
    for family in stories.iter_mut() {
        for m in family.iter_mut() {
            let snapshot = m.clone();
            for e in m.events.iter_mut() {
                if !matches!(e.kind, "deferred" | "bounced" | "expired") || e.reply.is_none() {
                    continue;
                }
                let dom = e
                    .recipient
                    .as_deref()
                    .and_then(|r| r.rsplit_once('@'))
                    .map(|x| x.1.to_ascii_lowercase())
                    .unwrap_or_default();
                let key = (e.reply.clone().unwrap_or_default(), e.dsn.clone(), dom);
                let x = cache
                    .entry(key)
                    .or_insert_with(|| explain_event(e, &snapshot, lang))
                    .clone();
                e.explanation = Some(x);
            }
        }
    }
}
