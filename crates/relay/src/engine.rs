//! The engine: the relay handle, the in-memory queue index, the scheduler, destination queues
//! and connection workers, outcome handling and DSN generation.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use mailway_spool::{
    Envelope, LastReply, MessageRecord, Notify, Origin, QueueId, RcptState, Recipient,
    RecoveryReport, Spool, SpoolOptions, domain_of,
};
use tokio::sync::{Notify as TokioNotify, broadcast, watch};

use crate::clock::{Clock, SystemClock};
use crate::deliver::{self, ConnectFailure, RcptOutcome, Txn};
use crate::dest::{Feedback, is_dead, pop_live};
use crate::dsn::{self, DsnKind};
use crate::error::{AcceptError, QueueError, StartError};
use crate::events::{Event, EventKind, EventLog};
use crate::metrics::{DestinationStatus, Metrics, MetricsSnapshot, QueueGauge};
use crate::options::EngineOptions;
use crate::policy::{self, Next};
use crate::resolve::{Resolver, SystemResolver};
use crate::view::{ListFilter, MessageDetail, MessageSummary, RcptSummary};
use crate::why::{self, WhyReport};

/// A handle on a running relay engine. Cheap to clone; all clones drive the same engine.
#[derive(Clone)]
pub struct Relay {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("spool", &self.inner.spool.dir())
            .field("offline", &self.inner.offline)
            .finish()
    }
}

/// Builds a [`Relay`]: settings plus the injected clock and resolver.
pub struct RelayBuilder {
    opts: EngineOptions,
    clock: Arc<dyn Clock>,
    resolver: Option<Arc<dyn Resolver>>,
    offline: bool,
}

impl RelayBuilder {
    /// Uses this clock for scheduling (default: the system clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Uses this clock (shared) for scheduling.
    pub fn clock_arc(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses this resolver for MX/A/AAAA (default: [`SystemResolver`]).
    pub fn resolver(mut self, resolver: impl Resolver) -> Self {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// Opens the spool for inspection only: no deliveries, no scheduler. Queue operations
    /// work (a `bounce` queues its DSN for the daemon to send when it starts). This is what
    /// `mailway queue` uses when the daemon is stopped.
    pub fn offline(mut self) -> Self {
        self.offline = true;
        self
    }

    /// Opens and recovers the spool, then (unless offline) starts scheduling deliveries.
    pub async fn start(self) -> Result<Relay, StartError> {
        self.opts.validate().map_err(StartError::Options)?;
        let opts = self.opts;
        let spool_opts = SpoolOptions {
            fsync: opts.fsync,
            max_bytes: opts.spool_max_bytes,
        };
        let dir = opts.spool.clone();
        let spool = tokio::task::spawn_blocking(move || Spool::open(dir, spool_opts))
            .await
            .map_err(|e| StartError::Options(format!("spool open task failed: {e}")))??;
        let spool = Arc::new(spool);
        let log = match opts.event_log_path() {
            // Offline (a stopped daemon's spool): log admin actions only into an existing log.
            Some(p) if !self.offline || p.exists() => Some(
                EventLog::open(&p).map_err(|source| StartError::EventLog { path: p, source })?,
            ),
            _ => None,
        };
        let resolver: Arc<dyn Resolver> = match self.resolver {
            Some(r) => r,
            None => Arc::new(
                SystemResolver::new(&opts.delivery.dns_servers).map_err(StartError::Resolver)?,
            ),
        };
        let (events_tx, _) = broadcast::channel(4096);
        let (shutdown_tx, _) = watch::channel(false);
        let inner = Arc::new(Inner {
            opts,
            clock: self.clock,
            resolver,
            spool: spool.clone(),
            state: Mutex::new(State::default()),
            wake: TokioNotify::new(),
            idle: TokioNotify::new(),
            events_tx,
            log: Mutex::new(log),
            metrics: Metrics::new(),
            shutdown: shutdown_tx,
            recovery: Mutex::new(RecoveryReport::default()),
            offline: self.offline,
            drain: tokio::sync::Semaphore::new(8),
            tasks: Mutex::new(Vec::new()),
            state_errors: Mutex::new((None, 0)),
        });
        // Recover: keep only compact metadata per message.
        let rec_inner = inner.clone();
        let report = tokio::task::spawn_blocking(move || {
            let mut entries = Vec::new();
            let report = rec_inner
                .spool
                .recover(|rec| entries.push(Entry::from_record(&rec_inner, &rec)))?;
            Ok::<_, mailway_spool::SpoolError>((entries, report))
        })
        .await
        .map_err(|e| StartError::Options(format!("recovery task failed: {e}")))?;
        let (entries, report) = report?;
        {
            let mut st = inner.lock();
            for (id, e) in entries {
                st.entries.insert(id, e);
                st.reschedule(id);
            }
        }
        for q in &report.quarantined {
            // Report each quarantined file as an event (id: the file's id when it has one).
            let id = q
                .original
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse().ok())
                .unwrap_or(QueueId::from_u64(0));
            inner.emit(
                id,
                EventKind::Quarantined {
                    path: q.moved_to.display().to_string(),
                    reason: q.reason.clone(),
                },
            );
        }
        tracing::info!(
            recovered = report.recovered,
            quarantined = report.quarantined.len(),
            "spool recovered"
        );
        *inner.recovery.lock().unwrap_or_else(|e| e.into_inner()) = report;
        if !inner.offline {
            inner.spawn_task(scheduler(inner.clone()));
        }
        Ok(Relay { inner })
    }
}

impl Relay {
    /// A builder with these settings, the system clock and the system resolver.
    pub fn builder(options: EngineOptions) -> RelayBuilder {
        RelayBuilder {
            opts: options,
            clock: Arc::new(SystemClock),
            resolver: None,
            offline: false,
        }
    }

    /// Starts an engine with the system clock and resolver.
    pub async fn start(options: EngineOptions) -> Result<Relay, StartError> {
        Self::builder(options).start().await
    }

    /// The settings in effect.
    pub fn options(&self) -> &EngineOptions {
        &self.inner.opts
    }

    /// The largest message accepted (for the listener's `SIZE`).
    pub fn max_message_size(&self) -> u64 {
        self.inner.opts.max_message_size
    }

    /// Our host name (EHLO, `Received:`, DSN `Reporting-MTA`).
    pub fn hostname(&self) -> &str {
        &self.inner.opts.hostname
    }

    /// What the start-up recovery scan found (recovered count, quarantined files).
    pub fn recovery_report(&self) -> RecoveryReport {
        self.inner
            .recovery
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// True when this handle only inspects the spool (see [`RelayBuilder::offline`]).
    pub fn is_offline(&self) -> bool {
        self.inner.offline
    }

    /// Writes `daemon.json` in the spool so `mailway queue` finds the running daemon's API.
    pub fn advertise_api(&self, api: std::net::SocketAddr) -> std::io::Result<()> {
        let p = self.inner.spool.dir().join("daemon.json");
        let body = serde_json::json!({"pid": std::process::id(), "api": api.to_string()});
        std::fs::write(p, format!("{body}\n"))
    }

    /// Accepts a message: validates the envelope, stores it durably (temp file, fsync, rename,
    /// fsync dir) and schedules it. Returns only once the message is durable; answer `250`
    /// then. `message` is the RFC 5322 message (CRLF line endings, not dot-stuffed).
    pub async fn accept(
        &self,
        envelope: Envelope,
        message: Vec<u8>,
    ) -> Result<QueueId, AcceptError> {
        if *self.inner.shutdown.borrow() {
            return Err(AcceptError::ShuttingDown);
        }
        let size = message.len() as u64;
        let limit = self.inner.opts.max_message_size;
        if size > limit || envelope.size.is_some_and(|s| s > limit) {
            return Err(AcceptError::TooBig {
                size: size.max(envelope.size.unwrap_or(0)),
                limit,
            });
        }
        if envelope.recipients.is_empty() {
            return Err(AcceptError::NoRecipients);
        }
        for r in &envelope.recipients {
            let d = domain_of(&r.address);
            if d.is_empty() || r.address.starts_with('@') {
                return Err(AcceptError::BadEnvelope(format!(
                    "recipient {:?} has no domain",
                    r.address
                )));
            }
            if r.address.chars().any(|c| c.is_control() || c == ' ') {
                return Err(AcceptError::BadEnvelope(format!(
                    "recipient {:?} contains spaces or control characters",
                    r.address
                )));
            }
        }
        if envelope.sender.chars().any(|c| c.is_control() || c == ' ') {
            return Err(AcceptError::BadEnvelope(format!(
                "sender {:?} contains spaces or control characters",
                envelope.sender
            )));
        }
        self.inner.store_new(envelope, message).await
    }

    /// Messages in the queue, oldest first.
    pub fn list(&self, filter: &ListFilter) -> Vec<MessageSummary> {
        let st = self.inner.lock();
        let mut ids: Vec<&QueueId> = st.entries.keys().collect();
        ids.sort();
        let mut out = Vec::new();
        for id in ids {
            let e = &st.entries[id];
            if let Some(s) = filter.state
                && !e.rcpts.iter().any(|r| r.state == s)
            {
                continue;
            }
            if let Some(d) = &filter.domain {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                if !e.rcpts.iter().any(|r| domain_of(&r.addr) == d) {
                    continue;
                }
            }
            out.push(e.summary(*id));
            if filter.limit.is_some_and(|l| out.len() >= l) {
                break;
            }
        }
        out
    }

    /// Everything about one message.
    pub async fn show(&self, id: QueueId) -> Result<MessageDetail, QueueError> {
        let inner = &self.inner;
        let active = inner
            .lock()
            .entries
            .get(&id)
            .map(|e| e.busy > 0)
            .ok_or(QueueError::NotFound(id))?;
        let (record, headers) = inner.load_record_and_headers(id).await?;
        let expires = policy::expires_at(
            &inner.opts.retry,
            record.arrival,
            record.envelope.sender.is_empty(),
        );
        Ok(MessageDetail {
            delay_warning_at: policy::delay_warning_at(
                inner.opts.dsn.delay_warning,
                record.arrival,
                expires,
            ),
            expires,
            active,
            headers,
            record,
        })
    }

    /// The message content (RFC 5322, as accepted).
    pub async fn content(&self, id: QueueId) -> Result<Vec<u8>, QueueError> {
        self.inner
            .blocking(move |s| s.read_content(&id))
            .await
            .map_err(|e| match e {
                mailway_spool::SpoolError::NotFound { id } => QueueError::NotFound(id),
                e => QueueError::Spool(e),
            })
    }

    /// Why a message is still in the queue, in plain words, with the last reply classified
    /// and explained (in English).
    pub async fn why(&self, id: QueueId) -> Result<WhyReport, QueueError> {
        self.why_in(id, mailway_status::explain::Lang::En).await
    }

    /// [`Relay::why`], with the explanation of the last reply in `lang`.
    pub async fn why_in(
        &self,
        id: QueueId,
        lang: mailway_status::explain::Lang,
    ) -> Result<WhyReport, QueueError> {
        let inner = &self.inner;
        let (active, dests) = {
            let st = inner.lock();
            let e = st.entries.get(&id).ok_or(QueueError::NotFound(id))?;
            let dests: HashMap<String, DestinationStatus> = e
                .rcpts
                .iter()
                .filter_map(|r| {
                    let d = domain_of(&r.addr);
                    st.dests.get(&d).map(|ds| (d.clone(), ds.status(&d)))
                })
                .collect();
            (e.busy > 0, dests)
        };
        let rec = inner.load(id).await?;
        Ok(why::explain(
            &inner.opts,
            &rec,
            &why::Context {
                active,
                offline: inner.offline,
                dests: &dests,
            },
            inner.clock.now(),
            lang,
        ))
    }

    /// Schedules the undelivered recipients of a message for an attempt now (and revives its
    /// destinations if they were marked dead).
    pub async fn retry(&self, id: QueueId) -> Result<(), QueueError> {
        self.inner.retry_ids(&[id]).await.map(|_| ())
    }

    /// Schedules every deferred message now; returns how many messages were rescheduled.
    pub async fn retry_all(&self) -> Result<usize, QueueError> {
        let ids: Vec<QueueId> = self.inner.lock().entries.keys().copied().collect();
        self.inner.retry_ids(&ids).await
    }

    /// Fails every undelivered recipient now (5.0.0, "bounced by the administrator") and
    /// sends the failure DSN the sender asked for.
    pub async fn bounce(&self, id: QueueId) -> Result<(), QueueError> {
        self.inner.admin_bounce(id).await
    }

    /// Removes a message without any notice.
    pub async fn delete(&self, id: QueueId) -> Result<(), QueueError> {
        self.inner.admin_delete(id).await
    }

    /// Subscribes to engine events (received, attempt, delivered, deferred, failed, expired,
    /// dsn-sent, …). A slow subscriber misses events rather than slowing the engine.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events_tx.subscribe()
    }

    /// Counters, histograms and gauges for `/metrics`.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.inner.snapshot()
    }

    /// Destination queues and their concurrency windows.
    pub fn destinations(&self) -> Vec<DestinationStatus> {
        let st = self.inner.lock();
        let mut v: Vec<DestinationStatus> = st.dests.iter().map(|(d, s)| s.status(d)).collect();
        v.sort_by(|a, b| a.domain.cmp(&b.domain));
        v
    }

    /// Number of messages in the queue.
    pub fn queue_len(&self) -> usize {
        self.inner.lock().entries.len()
    }

    /// Stops accepting, lets running SMTP transactions finish (up to 30 s), then stops.
    /// Everything not delivered stays in the spool for the next start. When it returns, no
    /// background task holds the engine: the spool (and its lock) is released as soon as the
    /// last `Relay` handle is dropped, so a new engine can start on it right away.
    pub async fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
        self.inner.wake.notify_one();
        {
            let st = self.inner.lock();
            for d in st.dests.values() {
                d.notify.notify_waiters();
            }
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (active, busy) = {
                let st = self.inner.lock();
                (
                    st.active_total,
                    st.entries.values().filter(|e| e.busy > 0).count(),
                )
            };
            if (active == 0 && busy == 0) || Instant::now() > deadline {
                break;
            }
            let _ =
                tokio::time::timeout(Duration::from_millis(50), self.inner.idle.notified()).await;
        }
        // Then the background tasks themselves end (they see the flag, or have finished their
        // job): none holds the engine, its spool or the spool's lock after this returns. A task
        // still running at the deadline is cancelled (its message stays queued, as after a
        // crash).
        loop {
            let tasks =
                std::mem::take(&mut *self.inner.tasks.lock().unwrap_or_else(|e| e.into_inner()));
            if tasks.is_empty() {
                break;
            }
            for mut task in tasks {
                let left = deadline.saturating_duration_since(Instant::now());
                if tokio::time::timeout(left, &mut task).await.is_err() {
                    task.abort();
                    let _ = task.await;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Internal state

pub(crate) struct Inner {
    pub(crate) opts: EngineOptions,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) resolver: Arc<dyn Resolver>,
    pub(crate) spool: Arc<Spool>,
    state: Mutex<State>,
    wake: TokioNotify,
    idle: TokioNotify,
    events_tx: broadcast::Sender<Event>,
    log: Mutex<Option<EventLog>>,
    metrics: Metrics,
    shutdown: watch::Sender<bool>,
    recovery: Mutex<RecoveryReport>,
    offline: bool,
    /// Bounds the tasks that defer the queue of a dead destination (each holds a record while
    /// it works), so a large queue to a dead site is worked through, not loaded all at once.
    drain: tokio::sync::Semaphore,
    /// The background tasks (scheduler, connection workers, delay notices, dead-destination
    /// drains), awaited by [`Relay::shutdown`] so that none still holds the engine, and with it
    /// the spool and its lock, once it returns.
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// Failed writes of message state (a full disk fails every retry of every message): when
    /// one was last logged and how many were not logged since.
    state_errors: Mutex<(Option<SystemTime>, u64)>,
}

/// At most one "cannot write message state" log line per this interval.
const STATE_ERROR_LOG_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Default)]
struct State {
    entries: HashMap<QueueId, Entry>,
    due: BTreeSet<(SystemTime, QueueId)>,
    dests: HashMap<String, Dest>,
    inflight: HashMap<QueueId, Arc<InFlight>>,
    active_total: u32,
}

/// Compact per-message metadata kept in memory (the full record stays on disk).
struct Entry {
    arrival: SystemTime,
    expires: SystemTime,
    size: u64,
    sender: Box<str>,
    rcpts: Vec<RcptLite>,
    /// The key under which this entry sits in `State::due`.
    wake: Option<SystemTime>,
    /// When the delay warning is due (None: sent, not wanted, or disabled).
    delay_at: Option<SystemTime>,
    /// Jobs (deliveries, notices, admin operations) running on this message.
    busy: u32,
    hold: bool,
    last_reply: Option<Box<str>>,
}

struct RcptLite {
    addr: Box<str>,
    state: RcptState,
    attempts: u32,
    next: Option<SystemTime>,
    in_flight: bool,
}

impl Entry {
    fn from_record(inner: &Inner, rec: &MessageRecord) -> (QueueId, Entry) {
        let null = rec.envelope.sender.is_empty();
        let expires = policy::expires_at(&inner.opts.retry, rec.arrival, null);
        let wants_delay = !null
            && rec.recipients.iter().any(|r| {
                !r.state.is_final() && !r.delay_notified && r.recipient.effective_notify().delay
            });
        let delay_at = if wants_delay {
            policy::delay_warning_at(inner.opts.dsn.delay_warning, rec.arrival, expires)
        } else {
            None
        };
        let last_reply = rec
            .recipients
            .iter()
            .filter(|r| !r.state.is_final())
            .filter_map(|r| r.last_reply.as_ref())
            .max_by_key(|l| l.at)
            .map(|l| short(&l.text).into());
        (
            rec.id,
            Entry {
                arrival: rec.arrival,
                expires,
                size: rec.size,
                sender: rec.envelope.sender.clone().into(),
                rcpts: rec
                    .recipients
                    .iter()
                    .map(|r| RcptLite {
                        addr: r.recipient.address.clone().into(),
                        state: r.state,
                        attempts: r.attempts,
                        next: if r.state.is_final() {
                            None
                        } else {
                            Some(r.next_attempt.unwrap_or(rec.arrival))
                        },
                        in_flight: false,
                    })
                    .collect(),
                wake: None,
                delay_at,
                busy: 0,
                hold: rec.hold,
                last_reply,
            },
        )
    }

    fn refresh(&mut self, rec: &MessageRecord) {
        for (lite, r) in self.rcpts.iter_mut().zip(&rec.recipients) {
            lite.state = r.state;
            lite.attempts = r.attempts;
            lite.next = if r.state.is_final() {
                None
            } else {
                r.next_attempt
            };
        }
        self.hold = rec.hold;
        if let Some(l) = rec
            .recipients
            .iter()
            .filter(|r| !r.state.is_final())
            .filter_map(|r| r.last_reply.as_ref())
            .max_by_key(|l| l.at)
        {
            self.last_reply = Some(short(&l.text).into());
        }
        if rec.recipients.iter().all(|r| {
            r.state.is_final() || r.delay_notified || !r.recipient.effective_notify().delay
        }) {
            self.delay_at = None;
        }
    }

    fn next_wake(&self) -> Option<SystemTime> {
        if self.hold || self.busy > 0 {
            return None;
        }
        let next = self
            .rcpts
            .iter()
            .filter(|r| !r.state.is_final() && !r.in_flight)
            .filter_map(|r| r.next)
            .min();
        match (next, self.delay_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn summary(&self, id: QueueId) -> MessageSummary {
        MessageSummary {
            id,
            arrival: self.arrival,
            size: self.size,
            sender: self.sender.to_string(),
            recipients: self
                .rcpts
                .iter()
                .map(|r| RcptSummary {
                    address: r.addr.to_string(),
                    state: r.state,
                    attempts: r.attempts,
                    next_attempt: if r.in_flight { None } else { r.next },
                })
                .collect(),
            next_attempt: self
                .rcpts
                .iter()
                .filter(|r| !r.state.is_final() && !r.in_flight)
                .filter_map(|r| r.next)
                .min(),
            expires: self.expires,
            active: self.busy > 0,
            last_reply: self.last_reply.as_deref().map(str::to_string),
        }
    }
}

fn short(s: &str) -> String {
    let s = s.replace(['\r', '\n'], " ");
    if s.chars().count() > 160 {
        let mut t: String = s.chars().take(157).collect();
        t.push_str("...");
        t
    } else {
        s
    }
}

impl State {
    fn reschedule(&mut self, id: QueueId) {
        let Some(e) = self.entries.get_mut(&id) else {
            return;
        };
        if let Some(old) = e.wake.take() {
            self.due.remove(&(old, id));
        }
        if let Some(t) = e.next_wake() {
            e.wake = Some(t);
            self.due.insert((t, id));
        }
    }

    fn remove_entry(&mut self, id: QueueId) {
        if let Some(e) = self.entries.remove(&id)
            && let Some(w) = e.wake
        {
            self.due.remove(&(w, id));
        }
        self.inflight.remove(&id);
    }
}

/// A message being worked on: its record and content, loaded once, shared by its jobs.
pub(crate) struct InFlight {
    data: tokio::sync::Mutex<Loaded>,
}

enum Loaded {
    No,
    /// The record; the content only once something needs it (a transaction, a notice), so
    /// deferring a large queue without connecting never reads the messages themselves.
    Yes {
        rec: Box<MessageRecord>,
        content: Option<Arc<Vec<u8>>>,
    },
    /// Deleted or bounced while jobs were running: their outcomes are dropped.
    Gone,
}

/// Recipients of one message for one destination.
pub(crate) struct Job {
    pub(crate) id: QueueId,
    pub(crate) rcpts: Vec<usize>,
    pub(crate) domain: String,
    flight: Arc<InFlight>,
}

struct Dest {
    queue: VecDeque<Job>,
    active: u32,
    idle: u32,
    fb: Feedback,
    dead_until: Option<SystemTime>,
    last_error: Option<String>,
    notify: Arc<TokioNotify>,
    /// A task is deferring this (dead) destination's queue.
    draining: bool,
}

impl Dest {
    fn status(&self, domain: &str) -> DestinationStatus {
        DestinationStatus {
            domain: domain.to_string(),
            window: self.fb.window(),
            active: self.active,
            queued: self.queue.len() as u32,
            dead_until: self.dead_until,
            last_error: self.last_error.clone(),
        }
    }
}

/// Events and new DSN messages produced while handling a message, released (emitted,
/// scheduled) only after the message's new state is durable and visible.
#[derive(Default)]
pub(crate) struct Pending {
    events: Vec<(QueueId, EventKind)>,
    dsns: Vec<MessageRecord>,
}

/// What happened to one recipient in one attempt.
pub(crate) struct Outcome {
    pub(crate) idx: usize,
    pub(crate) result: RcptOutcome,
}

impl Inner {
    fn flush(&self, p: Pending) {
        for (id, ev) in p.events {
            self.emit(id, ev);
        }
        for d in &p.dsns {
            self.enqueue(d);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn shutting_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Logs a failed write of message `id`'s state (the message stays queued with its previous
    /// state): the first failure, then at most one line per [`STATE_ERROR_LOG_INTERVAL`] with
    /// the number of failures not logged in between.
    fn state_write_failed(&self, id: QueueId, e: &dyn std::fmt::Display) {
        let now = self.clock.now();
        let mut g = self.state_errors.lock().unwrap_or_else(|e| e.into_inner());
        let (last, unlogged) = &mut *g;
        let due = last
            .is_none_or(|t| now.duration_since(t).unwrap_or_default() >= STATE_ERROR_LOG_INTERVAL);
        if !due {
            *unlogged += 1;
            return;
        }
        if *unlogged > 0 {
            tracing::error!(
                %id,
                unlogged = *unlogged,
                "cannot write message state: {e} ({} more such failures since the last report)",
                *unlogged
            );
        } else {
            tracing::error!(%id, "cannot write message state: {e}");
        }
        *last = Some(now);
        *unlogged = 0;
    }

    /// Spawns a background task and keeps its handle for [`Relay::shutdown`] (handles of
    /// finished tasks are dropped as new ones come).
    fn spawn_task(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        let handle = tokio::spawn(task);
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        tasks.retain(|h| !h.is_finished());
        tasks.push(handle);
    }

    pub(crate) fn emit(&self, id: QueueId, kind: EventKind) {
        let ev = Event {
            ts: self.clock.now(),
            id,
            kind,
        };
        self.metrics.record(&ev.kind);
        if let Some(log) = self.log.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            log.write(&ev);
        }
        let _ = self.events_tx.send(ev);
    }

    async fn blocking<T: Send + 'static>(&self, f: impl FnOnce(&Spool) -> T + Send + 'static) -> T {
        let spool = self.spool.clone();
        match tokio::task::spawn_blocking(move || f(&spool)).await {
            Ok(v) => v,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// Stores a new message (accepted, or a DSN we generate) and schedules it.
    async fn store_new(
        &self,
        envelope: Envelope,
        message: Vec<u8>,
    ) -> Result<QueueId, AcceptError> {
        let rec = self.store_quiet(envelope, message).await?;
        let id = rec.id;
        self.enqueue(&rec);
        Ok(id)
    }

    /// Stores a new message durably without scheduling it or telling anyone yet.
    async fn store_quiet(
        &self,
        envelope: Envelope,
        message: Vec<u8>,
    ) -> Result<MessageRecord, AcceptError> {
        let now = self.clock.now();
        let id = self.spool.new_id(now);
        let size = message.len() as u64;
        let mut rec = MessageRecord::new(id, now, envelope, size);
        rec.message_id = dsn::header_value(&message, "message-id");
        let rec2 = rec.clone();
        self.blocking(move |s| s.store(&rec2, &message))
            .await
            .map_err(|e| {
                if e.is_full() {
                    tracing::warn!("refusing message: {e}");
                    AcceptError::StorageFull(e)
                } else {
                    tracing::error!("cannot store message: {e}");
                    AcceptError::Io(e)
                }
            })?;
        Ok(rec)
    }

    /// Schedules a stored message and emits its `received` event.
    fn enqueue(&self, rec: &MessageRecord) {
        let (id, entry) = Entry::from_record(self, rec);
        {
            let mut st = self.lock();
            st.entries.insert(id, entry);
            st.reschedule(id);
        }
        self.wake.notify_one();
        self.emit(
            id,
            EventKind::Received {
                from: rec.envelope.sender.clone(),
                rcpts: rec
                    .recipients
                    .iter()
                    .map(|r| r.recipient.address.clone())
                    .collect(),
                size: rec.size,
                protocol: rec.envelope.origin.protocol.clone(),
                client: rec.envelope.origin.client.clone(),
                message_id: rec.message_id.clone(),
            },
        );
    }

    async fn load(&self, id: QueueId) -> Result<MessageRecord, QueueError> {
        self.blocking(move |s| s.load(&id))
            .await
            .map_err(|e| match e {
                mailway_spool::SpoolError::NotFound { id } => QueueError::NotFound(id),
                e => QueueError::Spool(e),
            })
    }

    async fn load_record_and_headers(
        &self,
        id: QueueId,
    ) -> Result<(MessageRecord, String), QueueError> {
        self.blocking(move |s| {
            let rec = s.load(&id)?;
            let content = s.read_content(&id)?;
            Ok::<_, mailway_spool::SpoolError>((rec, dsn::header_section(&content, 16 * 1024)))
        })
        .await
        .map_err(|e| match e {
            mailway_spool::SpoolError::NotFound { id } => QueueError::NotFound(id),
            e => QueueError::Spool(e),
        })
    }

    fn snapshot(&self) -> MetricsSnapshot {
        let now = self.clock.now();
        let st = self.lock();
        let mut by: HashMap<(RcptState, String), u64> = HashMap::new();
        let mut per_domain: HashMap<String, u64> = HashMap::new();
        let mut oldest: Option<SystemTime> = None;
        for e in st.entries.values() {
            oldest = Some(oldest.map_or(e.arrival, |o| o.min(e.arrival)));
            for r in &e.rcpts {
                let d = domain_of(&r.addr);
                *per_domain.entry(d.clone()).or_default() += 1;
                *by.entry((r.state, d)).or_default() += 1;
            }
        }
        // Bound label cardinality: the 50 busiest domains by name, the rest as "other".
        let mut doms: Vec<(String, u64)> = per_domain.into_iter().collect();
        doms.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let keep: std::collections::HashSet<String> =
            doms.into_iter().take(50).map(|(d, _)| d).collect();
        let mut gauges: HashMap<(RcptState, String), u64> = HashMap::new();
        for ((s, d), n) in by {
            let d = if keep.contains(&d) { d } else { "other".into() };
            *gauges.entry((s, d)).or_default() += n;
        }
        let mut queue: Vec<QueueGauge> = gauges
            .into_iter()
            .map(|((state, domain), recipients)| QueueGauge {
                state,
                domain,
                recipients,
            })
            .collect();
        queue.sort_by(|a, b| (a.state, &a.domain).cmp(&(b.state, &b.domain)));
        let mut destinations: Vec<DestinationStatus> =
            st.dests.iter().map(|(d, s)| s.status(d)).collect();
        destinations.sort_by(|a, b| a.domain.cmp(&b.domain));
        let messages = st.entries.len() as u64;
        drop(st);
        let c = self.metrics.c.lock().unwrap_or_else(|e| e.into_inner());
        MetricsSnapshot {
            queue,
            messages,
            oldest_age_seconds: oldest
                .and_then(|o| now.duration_since(o).ok())
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0),
            spool_bytes: self.spool.used_bytes(),
            received_total: c.received,
            attempts_total: c.attempts,
            delivered_total: c.delivered,
            failed_total: c.failed,
            expired_total: c.expired,
            deferred_by_reason: c.deferred.clone(),
            dsn_by_action: c.dsn.clone(),
            delivery_latency: c.latency.clone(),
            attempt_duration: c.attempt.clone(),
            destinations,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Scheduling

    /// Starts the work due for one message at `now`.
    fn dispatch(self: &Arc<Self>, id: QueueId, now: SystemTime) {
        let mut spawn_notice = false;
        let mut pumps = Vec::new();
        {
            let mut st = self.lock();
            let State {
                entries,
                dests,
                inflight,
                ..
            } = &mut *st;
            let Some(e) = entries.get_mut(&id) else {
                return;
            };
            e.wake = None;
            if e.hold || e.busy > 0 {
                return;
            }
            let flight = inflight
                .entry(id)
                .or_insert_with(|| {
                    Arc::new(InFlight {
                        data: tokio::sync::Mutex::new(Loaded::No),
                    })
                })
                .clone();
            if e.delay_at.is_some_and(|t| t <= now) {
                e.delay_at = None;
                e.busy += 1;
                spawn_notice = true;
            }
            let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
            for (i, r) in e.rcpts.iter_mut().enumerate() {
                if r.state.is_final() || r.in_flight || r.next.is_none_or(|t| t > now) {
                    continue;
                }
                r.in_flight = true;
                let d = domain_of(&r.addr);
                match groups.iter_mut().find(|(gd, _)| *gd == d) {
                    Some((_, v)) => v.push(i),
                    None => groups.push((d, vec![i])),
                }
            }
            let max = self.opts.delivery.max_recipients_per_transaction.max(1) as usize;
            for (domain, idxs) in groups {
                for chunk in idxs.chunks(max) {
                    e.busy += 1;
                    let c = &self.opts.concurrency;
                    let dest = dests.entry(domain.clone()).or_insert_with(|| Dest {
                        queue: VecDeque::new(),
                        active: 0,
                        idle: 0,
                        fb: Feedback::new(c.initial, c.destination_limit, c.failed_cohort_limit),
                        dead_until: None,
                        last_error: None,
                        notify: Arc::new(TokioNotify::new()),
                        draining: false,
                    });
                    dest.queue.push_back(Job {
                        id,
                        rcpts: chunk.to_vec(),
                        domain: domain.clone(),
                        flight: flight.clone(),
                    });
                }
                pumps.push(domain);
            }
            if e.busy == 0 {
                inflight.remove(&id);
                drop(st);
                self.lock().reschedule(id);
            }
        }
        if spawn_notice {
            let me = self.clone();
            self.spawn_task(async move { me.delay_notice(id).await });
        }
        for d in pumps {
            self.pump(&d);
        }
    }

    /// Starts connection workers for a destination while its window and the global limit
    /// allow, or defers its queue when it is dead.
    fn pump(self: &Arc<Self>, domain: &str) {
        let now = self.clock.now();
        let mut start_drain = false;
        let mut spawn = 0;
        {
            let mut st = self.lock();
            let total_limit = self.opts.concurrency.total_limit;
            let mut active_total = st.active_total;
            let Some(d) = st.dests.get_mut(domain) else {
                return;
            };
            if is_dead(d.dead_until, now) {
                // One task per dead destination defers its queue, job by job.
                if !d.draining && !d.queue.is_empty() {
                    d.draining = true;
                    start_drain = true;
                }
            } else {
                if d.dead_until.take().is_some() {
                    d.fb.revive(d.active);
                }
                let window = if self.opts.concurrency.rate_delay.is_zero() {
                    d.fb.window()
                } else {
                    1
                };
                // Idle workers pick up queued jobs first.
                if d.idle > 0 && !d.queue.is_empty() {
                    d.notify.notify_waiters();
                }
                let waiting = d.queue.len() as u32;
                while d.active < window
                    && active_total < total_limit
                    && waiting > d.idle + spawn
                    && !self.shutting_down()
                {
                    d.active += 1;
                    active_total += 1;
                    spawn += 1;
                }
            }
            st.active_total = active_total;
        }
        for _ in 0..spawn {
            let me = self.clone();
            let dom = domain.to_string();
            self.spawn_task(async move { me.worker(dom).await });
        }
        if start_drain {
            let me = self.clone();
            let dom = domain.to_string();
            self.spawn_task(async move { me.drain_dead(dom).await });
        }
    }

    /// Defers the queued jobs of a dead destination without connecting, one at a time, while
    /// it stays dead (then hands the rest back to `pump`).
    async fn drain_dead(self: Arc<Self>, domain: String) {
        let _permit = self.drain.acquire().await;
        loop {
            let now = self.clock.now();
            let next = {
                let mut st = self.lock();
                match st.dests.get_mut(&domain) {
                    Some(d) if is_dead(d.dead_until, now) => match d.queue.pop_front() {
                        Some(job) => Some((
                            job,
                            d.last_error
                                .clone()
                                .unwrap_or_else(|| "destination unavailable".into()),
                        )),
                        None => {
                            d.draining = false;
                            None
                        }
                    },
                    Some(d) => {
                        d.draining = false;
                        None
                    }
                    None => None,
                }
            };
            let Some((job, reason)) = next else {
                break;
            };
            let fail = ConnectFailure::dead_destination(&reason, now);
            let outcomes = fail.outcomes_for(&job.rcpts);
            self.finish_job(job, outcomes, None, false).await;
        }
        self.pump(&domain);
    }

    /// The next job for a connection to `domain`: none while the destination is dead (the
    /// drain task defers its queue; see [`pop_live`]).
    fn take_job(&self, domain: &str) -> Option<Job> {
        let now = self.clock.now();
        let mut st = self.lock();
        st.dests
            .get_mut(domain)
            .and_then(|d| pop_live(&mut d.queue, d.dead_until, now))
    }

    /// The next job of `domain`'s queue, dead or not (a permanent failure fails them all).
    fn take_any_job(&self, domain: &str) -> Option<Job> {
        let mut st = self.lock();
        st.dests.get_mut(domain).and_then(|d| d.queue.pop_front())
    }

    /// Waits up to the idle timeout for another job for this destination.
    async fn next_job(&self, domain: &str) -> Option<Job> {
        let deadline = tokio::time::Instant::now() + self.opts.concurrency.idle_timeout;
        loop {
            let notify = {
                let mut st = self.lock();
                let d = st.dests.get_mut(domain)?;
                if is_dead(d.dead_until, self.clock.now()) {
                    // died meanwhile (other connections failed): this one takes no more
                    return None;
                }
                if let Some(j) = d.queue.pop_front() {
                    return Some(j);
                }
                if self.shutting_down() {
                    return None;
                }
                d.idle += 1;
                d.notify.clone()
            };
            let notified = notify.notified();
            let timed_out = tokio::time::timeout_at(deadline, notified).await.is_err();
            {
                let mut st = self.lock();
                if let Some(d) = st.dests.get_mut(domain) {
                    d.idle = d.idle.saturating_sub(1);
                }
            }
            if timed_out {
                return self.take_job(domain);
            }
        }
    }

    fn release_worker(self: &Arc<Self>, domain: &str) {
        let others: Vec<String> = {
            let mut st = self.lock();
            st.active_total = st.active_total.saturating_sub(1);
            if let Some(d) = st.dests.get_mut(domain) {
                d.active = d.active.saturating_sub(1);
            }
            // Forget idle destinations that are not dead (Postfix drops idle queues too).
            let now = self.clock.now();
            st.dests.retain(|_, d| {
                d.active > 0 || d.draining || !d.queue.is_empty() || is_dead(d.dead_until, now)
            });
            st.dests
                .iter()
                .filter(|(_, d)| !d.queue.is_empty())
                .map(|(k, _)| k.clone())
                .collect()
        };
        for d in others {
            self.pump(&d);
        }
        self.idle.notify_waiters();
    }

    /// One connection to a destination, used for as many jobs as it can take.
    async fn worker(self: Arc<Self>, domain: String) {
        let Some(mut job) = self.take_job(&domain) else {
            self.release_worker(&domain);
            return;
        };
        let started = Instant::now();
        let mut session = match deliver::open_session(&self, &domain).await {
            Ok(s) => s,
            Err(fail) => {
                let dead = if fail.site_failure {
                    self.feedback(&domain, false, Some(&fail.describe()))
                } else {
                    false
                };
                let outcomes = fail.outcomes_for(&job.rcpts);
                self.attempt_event(&job, None, started, false);
                self.finish_job(job, outcomes, None, false).await;
                // A permanent failure (null MX, no such domain) applies to the whole queue.
                if fail.permanent.is_some() {
                    while let Some(j) = self.take_any_job(&domain) {
                        let outcomes = fail.outcomes_for(&j.rcpts);
                        self.attempt_event(&j, None, Instant::now(), false);
                        self.finish_job(j, outcomes, None, false).await;
                    }
                }
                if dead {
                    self.pump(&domain);
                }
                self.release_worker(&domain);
                return;
            }
        };
        let mut sent = 0u32;
        loop {
            let t0 = Instant::now();
            let result = match self.job_txn(&job).await {
                Some(txn) => session.send(&txn).await,
                None => {
                    // Message deleted meanwhile: nothing to send.
                    self.finish_job(job, Vec::new(), None, false).await;
                    match self.next_job(&domain).await {
                        Some(j) => {
                            job = j;
                            continue;
                        }
                        None => break,
                    }
                }
            };
            sent += 1;
            if result.site_failure {
                self.feedback(&domain, false, result.error.as_deref());
            } else if self.feedback(&domain, true, None) {
                // Slow start: the window grew; open another connection if mail is waiting.
                self.pump(&domain);
            }
            self.attempt_event(&job, Some(session.relay_name()), t0, session.tls());
            let broken = result.broken;
            self.finish_job(
                job,
                result.outcomes,
                Some(session.relay_name()),
                session.dsn(),
            )
            .await;
            if broken
                || sent >= self.opts.concurrency.messages_per_connection
                || self.shutting_down()
            {
                break;
            }
            let rate = self.opts.concurrency.rate_delay;
            if !rate.is_zero() {
                tokio::time::sleep(rate).await;
            }
            match self.next_job(&domain).await {
                Some(j) => job = j,
                None => break,
            }
            if !session.reset().await {
                // The connection died between transactions: put the job back and stop.
                self.requeue(job);
                break;
            }
        }
        session.quit().await;
        self.release_worker(&domain);
    }

    fn requeue(self: &Arc<Self>, job: Job) {
        let domain = job.domain.clone();
        {
            let mut st = self.lock();
            if let Some(d) = st.dests.get_mut(&domain) {
                d.queue.push_front(job);
            }
        }
        self.pump(&domain);
    }

    /// Applies feedback; returns true when the destination just became dead (failure) or its
    /// window just grew (success).
    fn feedback(&self, domain: &str, ok: bool, error: Option<&str>) -> bool {
        let now = self.clock.now();
        let mut st = self.lock();
        let Some(d) = st.dests.get_mut(domain) else {
            return false;
        };
        if ok {
            d.fb.on_success(d.active)
        } else {
            if let Some(e) = error {
                d.last_error = Some(e.to_string());
            }
            if d.fb.on_failure() && d.dead_until.is_none() {
                d.dead_until = Some(now + self.opts.concurrency.dead_backoff);
                tracing::warn!(%domain, "destination marked dead after connection failures");
                true
            } else {
                false
            }
        }
    }

    fn attempt_event(&self, job: &Job, relay: Option<String>, t0: Instant, tls: bool) {
        let rcpts = self.job_addresses(job);
        let attempt = {
            let st = self.lock();
            st.entries
                .get(&job.id)
                .and_then(|e| job.rcpts.first().and_then(|&i| e.rcpts.get(i)))
                .map(|r| r.attempts + 1)
                .unwrap_or(1)
        };
        self.emit(
            job.id,
            EventKind::Attempt {
                domain: job.domain.clone(),
                rcpts,
                relay,
                attempt,
                duration: t0.elapsed().as_secs_f64(),
                tls,
            },
        );
    }

    fn job_addresses(&self, job: &Job) -> Vec<String> {
        let st = self.lock();
        st.entries
            .get(&job.id)
            .map(|e| {
                job.rcpts
                    .iter()
                    .filter_map(|&i| e.rcpts.get(i).map(|r| r.addr.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Loads the record of a message being worked on (and its content when `with_content`),
    /// once; a message that cannot be read is `Gone` for its jobs.
    async fn ensure_loaded(&self, id: QueueId, g: &mut Loaded, with_content: bool) {
        if matches!(g, Loaded::No) {
            match self.blocking(move |s| s.load(&id)).await {
                Ok(rec) => {
                    *g = Loaded::Yes {
                        rec: Box::new(rec),
                        content: None,
                    }
                }
                Err(e) => {
                    tracing::error!(%id, "cannot load message: {e}");
                    *g = Loaded::Gone;
                    return;
                }
            }
        }
        if with_content
            && let Loaded::Yes { content, .. } = g
            && self.content_of(id, content).await.is_none()
        {
            *g = Loaded::Gone;
        }
    }

    /// The content of a message being worked on, read on first use.
    async fn content_of(
        &self,
        id: QueueId,
        slot: &mut Option<Arc<Vec<u8>>>,
    ) -> Option<Arc<Vec<u8>>> {
        if slot.is_none() {
            match self.blocking(move |s| s.read_content(&id)).await {
                Ok(c) => *slot = Some(Arc::new(c)),
                Err(e @ mailway_spool::SpoolError::Corrupt { .. }) => {
                    // Recovery checks a message file by its length only (when a state file
                    // recorded it): damage that keeps the length shows here. Quarantined and
                    // reported as recovery would, not retried in silence at every restart.
                    let reason = e.to_string();
                    tracing::error!(%id, "cannot read message content: {reason}");
                    let why = reason.clone();
                    match self.blocking(move |s| s.quarantine(&id, &why)).await {
                        Ok(q) => {
                            for f in q {
                                tracing::warn!(
                                    %id,
                                    file = %f.original.display(),
                                    moved_to = %f.moved_to.display(),
                                    "spool file quarantined: {reason}"
                                );
                            }
                        }
                        Err(e) => tracing::error!(%id, "cannot quarantine the message: {e}"),
                    }
                }
                Err(e) => tracing::error!(%id, "cannot read message content: {e}"),
            }
        }
        slot.clone()
    }

    /// Loads (once per message) what a transaction needs.
    async fn job_txn(&self, job: &Job) -> Option<Txn> {
        let mut g = job.flight.data.lock().await;
        self.ensure_loaded(job.id, &mut g, true).await;
        match &*g {
            Loaded::Yes {
                rec,
                content: Some(content),
            } => Some(Txn {
                sender: rec.envelope.sender.clone(),
                ret: rec.envelope.ret,
                envid: rec.envelope.envid.clone(),
                body: rec.envelope.body,
                smtputf8: rec.envelope.smtputf8,
                rcpts: job
                    .rcpts
                    .iter()
                    .filter_map(|&i| rec.recipients.get(i).map(|r| (i, r.recipient.clone())))
                    .collect(),
                content: content.clone(),
            }),
            _ => None,
        }
    }

    /// Applies a job's per-recipient outcomes to the record, writes it (or removes the
    /// message when every recipient is final), queues DSNs, emits events, reschedules.
    async fn finish_job(
        self: &Arc<Self>,
        job: Job,
        outcomes: Vec<Outcome>,
        relay: Option<String>,
        remote_dsn: bool,
    ) {
        let mut g = job.flight.data.lock().await;
        self.ensure_loaded(job.id, &mut g, false).await;
        let now = self.clock.now();
        let mut pending = Pending::default();
        if let Loaded::Yes { rec, content } = &mut *g {
            let null = rec.envelope.sender.is_empty();
            let expires = policy::expires_at(&self.opts.retry, rec.arrival, null);
            let seed = rec.id.as_u64();
            for o in outcomes {
                let Some(r) = rec.recipients.get_mut(o.idx) else {
                    continue;
                };
                if r.state.is_final() {
                    continue;
                }
                r.attempts += 1;
                r.last_attempt = Some(now);
                let addr = r.recipient.address.clone();
                match o.result {
                    RcptOutcome::Delivered { reply } => {
                        r.state = RcptState::Delivered;
                        r.next_attempt = None;
                        r.final_status = Some(
                            mailway_status::find_enhanced_status(&reply)
                                .filter(|s| s.class == 2)
                                .map(|s| s.to_string())
                                .unwrap_or_else(|| "2.0.0".into()),
                        );
                        r.last_reply = Some(LastReply {
                            at: now,
                            text: reply.clone(),
                            smtp: true,
                            remote_mta: relay.clone(),
                            command: Some("DATA-END".into()),
                        });
                        // Without remote DSN support we report "relayed" ourselves if asked.
                        if !r.recipient.effective_notify().success || remote_dsn {
                            r.dsn_done = true;
                        }
                        let delay = now
                            .duration_since(rec.arrival)
                            .unwrap_or_default()
                            .as_secs_f64();
                        let attempts = r.attempts;
                        pending.events.push((
                            rec.id,
                            EventKind::Delivered {
                                rcpt: addr,
                                relay: relay.clone(),
                                reply,
                                attempts,
                                delay,
                            },
                        ));
                    }
                    RcptOutcome::Permanent { reply, status } => {
                        r.state = RcptState::Failed;
                        r.next_attempt = None;
                        r.final_status = Some(status.to_string());
                        let text = reply.text.clone();
                        let reason = why::reason_of(&reply);
                        let rmta = reply.remote_mta.clone();
                        if reply.smtp {
                            r.last_smtp_reply = Some(reply.clone());
                        }
                        r.last_reply = Some(reply);
                        let attempts = r.attempts;
                        pending.events.push((
                            rec.id,
                            EventKind::Failed {
                                rcpt: addr,
                                relay: rmta,
                                reply: text,
                                status: status.to_string(),
                                reason,
                                attempts,
                            },
                        ));
                    }
                    RcptOutcome::Transient { reply } => {
                        let reason = why::reason_of(&reply);
                        let text = reply.text.clone();
                        let rmta = reply.remote_mta.clone();
                        if reply.smtp {
                            r.last_smtp_reply = Some(reply.clone());
                        }
                        r.last_reply = Some(reply);
                        match policy::next_after_failure_until(
                            &self.opts.retry,
                            r.attempts,
                            expires,
                            now,
                            seed ^ o.idx as u64,
                        ) {
                            Next::RetryAt(t) => {
                                r.state = RcptState::Deferred;
                                r.next_attempt = Some(t);
                                let attempts = r.attempts;
                                pending.events.push((
                                    rec.id,
                                    EventKind::Deferred {
                                        rcpt: addr,
                                        relay: rmta,
                                        reply: text,
                                        reason,
                                        attempts,
                                        next_attempt: Some(t),
                                    },
                                ));
                            }
                            Next::Expire => {
                                r.state = RcptState::Failed;
                                r.next_attempt = None;
                                r.final_status = Some("5.4.7".into());
                                let attempts = r.attempts;
                                pending.events.push((
                                    rec.id,
                                    EventKind::Expired {
                                        rcpt: addr,
                                        last_reply: Some(text),
                                        attempts,
                                        age: now
                                            .duration_since(rec.arrival)
                                            .unwrap_or_default()
                                            .as_secs_f64(),
                                    },
                                ));
                            }
                        }
                    }
                }
            }
            self.send_final_dsns(rec, content, now, &mut pending).await;
            let done = rec.is_done();
            let rec2 = rec.clone();
            let id = rec.id;
            let res = if done {
                self.blocking(move |s| s.remove(&id)).await
            } else {
                self.blocking(move |s| s.update(&rec2)).await
            };
            if let Err(e) = res {
                self.state_write_failed(id, &e);
            }
            let mut st = self.lock();
            if let Some(e) = st.entries.get_mut(&id) {
                e.refresh(rec);
                for &i in &job.rcpts {
                    if let Some(r) = e.rcpts.get_mut(i) {
                        r.in_flight = false;
                    }
                }
                e.busy = e.busy.saturating_sub(1);
                if e.busy == 0 {
                    if done {
                        st.remove_entry(id);
                    } else {
                        st.inflight.remove(&id);
                        st.reschedule(id);
                    }
                }
            }
        } else {
            let mut st = self.lock();
            let id = job.id;
            if let Some(e) = st.entries.get_mut(&id) {
                for &i in &job.rcpts {
                    if let Some(r) = e.rcpts.get_mut(i) {
                        r.in_flight = false;
                    }
                }
                e.busy = e.busy.saturating_sub(1);
                if e.busy == 0 {
                    st.remove_entry(id);
                }
            }
        }
        drop(g);
        self.flush(pending);
        self.wake.notify_one();
        self.idle.notify_waiters();
    }

    /// Queues the failure / success DSNs now due for a record and marks them done.
    async fn send_final_dsns(
        &self,
        rec: &mut MessageRecord,
        content: &mut Option<Arc<Vec<u8>>>,
        now: SystemTime,
        out: &mut Pending,
    ) {
        if rec.envelope.sender.is_empty() {
            // Null sender: never bounce (no DSN about a DSN).
            for r in rec.recipients.iter_mut().filter(|r| r.state.is_final()) {
                r.dsn_done = true;
            }
            return;
        }
        let mut idx = Vec::new();
        for (i, r) in rec.recipients.iter_mut().enumerate() {
            if !r.state.is_final() || r.dsn_done {
                continue;
            }
            let n = r.recipient.effective_notify();
            let wanted = match r.state {
                RcptState::Failed => n.failure,
                RcptState::Delivered => n.success,
                _ => false,
            };
            if wanted {
                idx.push(i);
            } else {
                r.dsn_done = true;
            }
        }
        if idx.is_empty() {
            return;
        }
        let kind = if idx
            .iter()
            .any(|&i| rec.recipients[i].state == RcptState::Failed)
        {
            DsnKind::Failure
        } else {
            DsnKind::Success
        };
        let Some(content) = self.content_of(rec.id, content).await else {
            return; // not readable now: the notice goes out with a later state change
        };
        if self.queue_dsn(rec, &content, &idx, kind, now, out).await {
            for i in idx {
                rec.recipients[i].dsn_done = true;
            }
        }
    }

    /// Builds and stores one DSN about `idx` recipients of `rec`. Returns true when queued.
    async fn queue_dsn(
        &self,
        rec: &MessageRecord,
        content: &Arc<Vec<u8>>,
        idx: &[usize],
        kind: DsnKind,
        now: SystemTime,
        out: &mut Pending,
    ) -> bool {
        let expires = policy::expires_at(&self.opts.retry, rec.arrival, false);
        let bytes = dsn::build(&self.opts, rec, content, idx, kind, now, expires);
        let mut env = Envelope {
            sender: String::new(),
            recipients: vec![Recipient {
                address: rec.envelope.sender.clone(),
                notify: Some(Notify::NEVER),
                orcpt: None,
            }],
            origin: Origin {
                protocol: "dsn".into(),
                client: None,
                helo: None,
                auth: None,
            },
            ..Default::default()
        };
        env.smtputf8 = !rec.envelope.sender.is_ascii();
        match self.store_quiet(env, bytes).await {
            Ok(dsn_rec) => {
                out.events.push((
                    rec.id,
                    EventKind::DsnSent {
                        dsn_id: dsn_rec.id,
                        action: kind.action().into(),
                        to: rec.envelope.sender.clone(),
                        rcpts: idx
                            .iter()
                            .map(|&i| rec.recipients[i].recipient.address.clone())
                            .collect(),
                    },
                ));
                out.dsns.push(dsn_rec);
                true
            }
            Err(e) => {
                tracing::error!(id = %rec.id, "cannot queue DSN: {e}");
                false
            }
        }
    }

    /// Sends the delay warning for a message (recipients still undelivered whose NOTIFY
    /// allows it).
    async fn delay_notice(self: Arc<Self>, id: QueueId) {
        let flight = {
            let st = self.lock();
            st.inflight.get(&id).cloned()
        };
        let Some(flight) = flight else {
            return;
        };
        let job = Job {
            id,
            rcpts: Vec::new(),
            domain: String::new(),
            flight: flight.clone(),
        };
        {
            let mut g = flight.data.lock().await;
            self.ensure_loaded(id, &mut g, false).await;
            if let Loaded::Yes { rec, content } = &mut *g
                && !rec.envelope.sender.is_empty()
            {
                let now = self.clock.now();
                let idx: Vec<usize> = rec
                    .recipients
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| {
                        !r.state.is_final()
                            && !r.delay_notified
                            && r.recipient.effective_notify().delay
                    })
                    .map(|(i, _)| i)
                    .collect();
                let mut pending = Pending::default();
                let body = if idx.is_empty() {
                    None
                } else {
                    self.content_of(id, content).await
                };
                if let Some(body) = body
                    && self
                        .queue_dsn(rec, &body, &idx, DsnKind::Delay, now, &mut pending)
                        .await
                {
                    for &i in &idx {
                        rec.recipients[i].delay_notified = true;
                    }
                    let rec2 = rec.clone();
                    if let Err(e) = self.blocking(move |s| s.update(&rec2)).await {
                        self.state_write_failed(id, &e);
                    }
                }
                self.flush(pending);
            }
        }
        // Finish like a job with no outcomes (reschedules).
        self.finish_job(job, Vec::new(), None, false).await;
    }

    // -----------------------------------------------------------------------------------------
    // Administration

    /// Waits until no job runs on `id` and marks it busy (so the scheduler leaves it alone).
    async fn claim(&self, id: QueueId) -> Result<(), QueueError> {
        loop {
            {
                let mut st = self.lock();
                let e = st.entries.get_mut(&id).ok_or(QueueError::NotFound(id))?;
                if e.busy == 0 {
                    e.busy = 1;
                    return Ok(());
                }
            }
            if self.shutting_down() && !self.offline {
                return Err(QueueError::ShuttingDown);
            }
            let _ = tokio::time::timeout(Duration::from_millis(50), self.idle.notified()).await;
        }
    }

    fn unclaim(&self, id: QueueId, rec: Option<&MessageRecord>) {
        let mut st = self.lock();
        match rec {
            Some(rec) if !rec.is_done() => {
                if let Some(e) = st.entries.get_mut(&id) {
                    e.refresh(rec);
                    e.busy = 0;
                }
                st.reschedule(id);
            }
            Some(_) => st.remove_entry(id),
            None => {
                if let Some(e) = st.entries.get_mut(&id) {
                    e.busy = 0;
                }
                st.reschedule(id);
            }
        }
        drop(st);
        self.wake.notify_one();
    }

    async fn retry_ids(self: &Arc<Self>, ids: &[QueueId]) -> Result<usize, QueueError> {
        let now = self.clock.now();
        let mut n = 0;
        let mut domains = std::collections::HashSet::new();
        for &id in ids {
            let due = {
                let st = self.lock();
                match st.entries.get(&id) {
                    None if ids.len() == 1 => return Err(QueueError::NotFound(id)),
                    None => continue,
                    Some(e) => e
                        .rcpts
                        .iter()
                        .any(|r| !r.state.is_final() && r.next.is_some_and(|t| t > now)),
                }
            };
            if !due {
                continue;
            }
            if let Err(e) = self.claim(id).await {
                if ids.len() == 1 {
                    return Err(e);
                }
                continue;
            }
            let res = self.load(id).await;
            let mut rec = match res {
                Ok(r) => r,
                Err(e) => {
                    self.unclaim(id, None);
                    return Err(e);
                }
            };
            for r in rec.recipients.iter_mut().filter(|r| !r.state.is_final()) {
                r.next_attempt = Some(now);
                domains.insert(r.recipient.domain());
            }
            rec.hold = false;
            let rec2 = rec.clone();
            let res = self.blocking(move |s| s.update(&rec2)).await;
            self.unclaim(id, Some(&rec));
            res?;
            n += 1;
        }
        {
            let mut st = self.lock();
            for d in &domains {
                if let Some(dest) = st.dests.get_mut(d)
                    && dest.dead_until.take().is_some()
                {
                    dest.fb.revive(dest.active);
                }
            }
        }
        self.wake.notify_one();
        Ok(n)
    }

    async fn admin_bounce(self: &Arc<Self>, id: QueueId) -> Result<(), QueueError> {
        self.claim(id).await?;
        let loaded = self
            .blocking(move |s| {
                Ok::<_, mailway_spool::SpoolError>((s.load(&id)?, s.read_content(&id)?))
            })
            .await;
        let (mut rec, content) = match loaded {
            Ok(v) => v,
            Err(e) => {
                self.unclaim(id, None);
                return Err(QueueError::Spool(e));
            }
        };
        let now = self.clock.now();
        for r in rec.recipients.iter_mut().filter(|r| !r.state.is_final()) {
            r.state = RcptState::Failed;
            r.next_attempt = None;
            r.final_status = Some("5.0.0".into());
            let previous = r.last_reply.as_ref().map(|l| l.text.clone());
            self.emit(
                id,
                EventKind::Failed {
                    rcpt: r.recipient.address.clone(),
                    relay: None,
                    reply: format!(
                        "bounced by the queue administrator{}",
                        previous
                            .as_deref()
                            .map(|p| format!(" (last reply: {p})"))
                            .unwrap_or_default()
                    ),
                    status: "5.0.0".into(),
                    reason: "onhold".into(),
                    attempts: r.attempts,
                },
            );
            r.last_reply = Some(LastReply {
                at: now,
                text: format!(
                    "message bounced by the queue administrator{}",
                    previous
                        .map(|p| format!("; last reply was: {p}"))
                        .unwrap_or_default()
                ),
                smtp: false,
                remote_mta: r.last_reply.as_ref().and_then(|l| l.remote_mta.clone()),
                command: None,
            });
        }
        let mut content = Some(Arc::new(content));
        let mut pending = Pending::default();
        self.send_final_dsns(&mut rec, &mut content, now, &mut pending)
            .await;
        let res = self.blocking(move |s| s.remove(&id)).await;
        self.unclaim(id, Some(&rec));
        self.flush(pending);
        res.map_err(QueueError::Spool)
    }

    async fn admin_delete(self: &Arc<Self>, id: QueueId) -> Result<(), QueueError> {
        // Deleting does not wait for running jobs: it marks the message gone for them.
        let flight = {
            let st = self.lock();
            if !st.entries.contains_key(&id) {
                return Err(QueueError::NotFound(id));
            }
            st.inflight.get(&id).cloned()
        };
        if let Some(f) = flight {
            *f.data.lock().await = Loaded::Gone;
        }
        let rcpts: Vec<String> = {
            let st = self.lock();
            st.entries
                .get(&id)
                .map(|e| {
                    e.rcpts
                        .iter()
                        .filter(|r| !r.state.is_final())
                        .map(|r| r.addr.to_string())
                        .collect()
                })
                .unwrap_or_default()
        };
        let res = self.blocking(move |s| s.remove(&id)).await;
        {
            let mut st = self.lock();
            let busy = st.entries.get(&id).map(|e| e.busy).unwrap_or(0);
            if busy == 0 {
                st.remove_entry(id);
            } else if let Some(e) = st.entries.get_mut(&id) {
                // Running jobs remove the entry when they finish (they see `Gone`).
                for r in e.rcpts.iter_mut() {
                    r.state = RcptState::Failed;
                }
            }
        }
        match res {
            Ok(()) | Err(mailway_spool::SpoolError::NotFound { .. }) => {
                self.emit(id, EventKind::Deleted { rcpts });
                Ok(())
            }
            Err(e) => Err(QueueError::Spool(e)),
        }
    }
}

/// The scheduler: wakes when the earliest message is due (or on new mail), dispatches.
async fn scheduler(inner: Arc<Inner>) {
    let mut shutdown = inner.shutdown.subscribe();
    loop {
        if *shutdown.borrow() {
            break;
        }
        let now = inner.clock.now();
        let due: Vec<QueueId> = {
            let mut st = inner.lock();
            let mut v = Vec::new();
            while let Some(&(t, id)) = st.due.first() {
                if t > now {
                    break;
                }
                st.due.pop_first();
                if let Some(e) = st.entries.get_mut(&id) {
                    e.wake = None;
                }
                v.push(id);
            }
            v
        };
        for id in due {
            inner.dispatch(id, now);
        }
        // Destinations whose dead period ended get their queues going again.
        let revive: Vec<String> = {
            let st = inner.lock();
            st.dests
                .iter()
                .filter(|(_, d)| d.dead_until.is_some_and(|t| t <= now) && !d.queue.is_empty())
                .map(|(k, _)| k.clone())
                .collect()
        };
        for d in revive {
            inner.pump(&d);
        }
        let next = {
            let st = inner.lock();
            st.due.first().map(|&(t, _)| t)
        };
        let sleep = match next {
            Some(t) => inner.clock.sleep_until(t),
            None => Box::pin(std::future::pending()),
        };
        tokio::select! {
            _ = sleep => {}
            _ = inner.wake.notified() => {}
            _ = shutdown.changed() => {}
        }
    }
}
