//! `mailway logs summary`: totals, breakdowns, grouped failure texts, self-resolution, pending
//! messages and an hourly histogram, aggregated from correlated events.
//!
//! Memory is bounded by what is in flight plus one row per distinct domain, relay, reason, stage,
//! normalised text and hour: delay percentiles use a log-linear histogram (exact below 1024 s,
//! within 0.8 % above), never a list of samples.

use std::collections::BTreeMap;

use mailway_status::Reason;
use serde::Serialize;

use crate::correlate::{AttemptCtx, Fate, Link, Msg, NONE, Names, RcptState, Sink};
use crate::event::{Chunk, Event, Kind, LineStats, Mta, NoticeKind, Stage, Status};
use crate::hash::FxHashMap;
use crate::time::{MICROS_PER_SEC, Zone, fmt_rfc3339};

/// Options of the summary.
#[derive(Debug, Clone)]
pub struct SummaryOptions {
    /// Queue lifetime in seconds (Postfix `maximal_queue_lifetime`, default 5 days).
    pub queue_lifetime: i64,
    /// Queue lifetime of bounce messages (null sender), seconds (Postfix `bounce_queue_lifetime`).
    pub bounce_queue_lifetime: i64,
    /// Pending messages with less time left than this are flagged as expiring soon (seconds).
    pub warn_within: i64,
    /// Zone for reported times and hour buckets.
    pub zone: Zone,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        Self {
            queue_lifetime: 5 * 86_400,
            bounce_queue_lifetime: 5 * 86_400,
            warn_within: 86_400,
            zone: Zone::utc(),
        }
    }
}

/// The six headline counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Messages that entered the queue (SMTP or local submission), content-filter hops not
    /// counted twice.
    pub received: u64,
    /// Recipient deliveries (hand-offs to content filters excluded).
    pub delivered: u64,
    /// Deferred delivery attempts (one per recipient per try).
    pub deferred_attempts: u64,
    /// Messages deferred at least once.
    pub deferred_messages: u64,
    /// Recipients that failed permanently.
    pub bounced: u64,
    /// Messages that expired (queue lifetime ran out) and were returned to the sender.
    pub expired: u64,
}

/// A log-linear histogram of seconds.
#[derive(Debug, Clone, Default)]
pub struct DelayHist {
    buckets: BTreeMap<u16, u32>,
    n: u64,
}

impl DelayHist {
    fn bucket(v: u64) -> u16 {
        if v < 1024 {
            return v as u16;
        }
        let e = 63 - v.leading_zeros() as u64; // >= 10
        let m = (v >> (e - 6)) & 63;
        (1024 + (e - 10) * 64 + m).min(u16::MAX as u64) as u16
    }

    fn value(b: u16) -> u64 {
        if b < 1024 {
            return b as u64;
        }
        let k = (b - 1024) as u64;
        let e = k / 64 + 10;
        let m = k % 64;
        let lo = (64 + m) << (e - 6);
        let width = 1u64 << (e - 6);
        lo + width / 2
    }

    /// Adds a value.
    pub fn add(&mut self, secs: u64) {
        *self.buckets.entry(Self::bucket(secs)).or_default() += 1;
        self.n += 1;
    }

    /// Number of values.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Nearest-rank percentile (`p` in 0..=100).
    pub fn percentile(&self, p: u32) -> Option<u64> {
        if self.n == 0 {
            return None;
        }
        let rank = ((p as u64 * self.n).div_ceil(100)).max(1);
        let mut acc = 0u64;
        for (&b, &c) in &self.buckets {
            acc += c as u64;
            if acc >= rank {
                return Some(Self::value(b));
            }
        }
        self.buckets.keys().last().map(|&b| Self::value(b))
    }
}

#[derive(Debug, Default, Clone)]
struct DomainAgg {
    delivered: u64,
    deferred_attempts: u64,
    deferred_rcpts: u64,
    bounced: u64,
    expired: u64,
    delay_sum: f64,
    delay_n: u64,
    delay_max: f64,
}

#[derive(Debug, Default, Clone)]
struct RelayAgg {
    delivered: u64,
    deferred: u64,
    bounced: u64,
    delay_sum: f64,
    delay_n: u64,
}

#[derive(Debug, Default, Clone)]
struct TextAgg {
    attempts: u64,
    recipients: u64,
    domain: u32,
    relay: u32,
    reason: Option<Reason>,
    stage: Option<Stage>,
    dsn: Option<String>,
    first: i64,
    last: i64,
    status: Option<Status>,
}

#[derive(Debug, Default, Clone)]
struct SelfRes {
    deferred: u64,
    delivered: u64,
    bounced: u64,
    expired: u64,
    deleted: u64,
    pending: u64,
    hist: DelayHist,
}

#[derive(Debug, Default, Clone, Copy)]
struct HourAgg {
    received: u64,
    delivered: u64,
    deferred: u64,
    bounced: u64,
    expired: u64,
    rejected: u64,
}

#[derive(Debug, Clone)]
struct PendingRaw {
    qid: String,
    host: String,
    message_id: Option<String>,
    sender: Option<String>,
    rcpts: Vec<String>,
    arrival: i64,
    arrival_known: bool,
    deferrals: u32,
    last_reason: Option<Reason>,
    last_text: u32,
    held: bool,
    bounce: bool,
}

#[derive(Debug, Clone)]
struct ExpiredRaw {
    qid: String,
    sender: Option<String>,
    rcpts: Vec<String>,
    arrival: i64,
    at: i64,
    deferrals: u32,
    last_reason: Option<Reason>,
    last_text: u32,
}

/// The summary aggregator (a [`Sink`]).
#[derive(Debug)]
pub struct Summary {
    opts: SummaryOptions,
    totals: Totals,
    rejected: u64,
    reject_warnings: u64,
    content_rejected: u64,
    reject_texts: FxHashMap<Vec<u8>, u64>,
    notices: [u64; 4],
    /// Messages closed per fate (indexed by `Fate as usize`).
    fates: [u64; Fate::ALL.len()],
    hourly: BTreeMap<i64, HourAgg>,
    by_domain: FxHashMap<u32, DomainAgg>,
    by_relay: FxHashMap<u32, RelayAgg>,
    by_reason: BTreeMap<Reason, [u64; 3]>,
    by_stage: BTreeMap<Stage, [u64; 2]>,
    texts: FxHashMap<u32, TextAgg>,
    selfres: FxHashMap<u32, SelfRes>,
    pending: Vec<PendingRaw>,
    expired_list: Vec<ExpiredRaw>,
    offset_cache: (i64, i64),
    last_hour: (i64, HourAgg),
    /// Keep the list of expired messages (bounded by expiries, not by the log).
    pub keep_expired_list: bool,
}

impl Summary {
    /// An empty summary.
    pub fn new(opts: SummaryOptions) -> Self {
        Self {
            opts,
            totals: Totals::default(),
            rejected: 0,
            reject_warnings: 0,
            content_rejected: 0,
            reject_texts: FxHashMap::default(),
            notices: [0; 4],
            fates: [0; Fate::ALL.len()],
            hourly: BTreeMap::new(),
            by_domain: FxHashMap::default(),
            by_relay: FxHashMap::default(),
            by_reason: BTreeMap::new(),
            by_stage: BTreeMap::new(),
            texts: FxHashMap::default(),
            selfres: FxHashMap::default(),
            pending: Vec::new(),
            expired_list: Vec::new(),
            offset_cache: (i64::MIN, 0),
            last_hour: (i64::MIN, HourAgg::default()),
            keep_expired_list: true,
        }
    }

    /// The totals so far.
    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    fn hour(&mut self, ts: i64) -> &mut HourAgg {
        let secs = ts.div_euclid(MICROS_PER_SEC);
        let utc_hour = secs.div_euclid(3600);
        if self.offset_cache.0 != utc_hour {
            self.offset_cache = (utc_hour, self.opts.zone.offset_at(utc_hour * 3600));
        }
        let off = self.offset_cache.1;
        let local_hour_start = (secs + off).div_euclid(3600) * 3600 - off;
        if self.last_hour.0 != local_hour_start {
            self.flush_hour();
            let cur = self.hourly.remove(&local_hour_start).unwrap_or_default();
            self.last_hour = (local_hour_start, cur);
        }
        &mut self.last_hour.1
    }

    fn flush_hour(&mut self) {
        if self.last_hour.0 != i64::MIN {
            let (h, a) = std::mem::replace(&mut self.last_hour, (i64::MIN, HourAgg::default()));
            let e = self.hourly.entry(h).or_default();
            e.received += a.received;
            e.delivered += a.delivered;
            e.deferred += a.deferred;
            e.bounced += a.bounced;
            e.expired += a.expired;
            e.rejected += a.rejected;
        }
    }

    fn lifetime(&self, bounce: bool) -> i64 {
        if bounce {
            self.opts.bounce_queue_lifetime
        } else {
            self.opts.queue_lifetime
        }
    }
}

impl Sink for Summary {
    fn attempt(&mut self, a: &AttemptCtx<'_>, _names: &Names) {
        let at = a.attempt;
        let m = a.msg;
        let r = &m.rcpts[a.rcpt];
        let secs = |v: i64| v.div_euclid(MICROS_PER_SEC);
        match at.status {
            Status::Sent => {
                if a.hop || a.duplicate {
                    return;
                }
                self.totals.delivered += 1;
                self.hour(a.ts).delivered += 1;
                let delay = at
                    .delay
                    .map(|d| d as f64)
                    .unwrap_or_else(|| (secs(a.ts) - secs(m.arrival_or_est())).max(0) as f64);
                let d = self.by_domain.entry(r.domain).or_default();
                d.delivered += 1;
                d.delay_sum += delay;
                d.delay_n += 1;
                if delay > d.delay_max {
                    d.delay_max = delay;
                }
                let rl = self.by_relay.entry(a.relay).or_default();
                rl.delivered += 1;
                rl.delay_sum += delay;
                rl.delay_n += 1;
            }
            Status::Deferred | Status::Bounced => {
                let deferred = at.status == Status::Deferred;
                if !deferred
                    && (a.duplicate || (at.reason == Reason::Expired && m.mta != Mta::Postfix))
                {
                    return;
                }
                let h = self.hour(a.ts);
                if deferred {
                    h.deferred += 1;
                    self.totals.deferred_attempts += 1;
                } else {
                    h.bounced += 1;
                    self.totals.bounced += 1;
                }
                let d = self.by_domain.entry(r.domain).or_default();
                if deferred {
                    d.deferred_attempts += 1;
                    if a.first_defer {
                        d.deferred_rcpts += 1;
                    }
                } else {
                    d.bounced += 1;
                }
                let rl = self.by_relay.entry(a.relay).or_default();
                if deferred {
                    rl.deferred += 1;
                } else {
                    rl.bounced += 1;
                }
                let rr = self.by_reason.entry(at.reason).or_default();
                rr[if deferred { 0 } else { 1 }] += 1;
                let st = self.by_stage.entry(at.stage).or_default();
                st[if deferred { 0 } else { 1 }] += 1;
                if a.text != NONE {
                    let t = self.texts.entry(a.text).or_insert_with(|| TextAgg {
                        first: a.ts,
                        domain: r.domain,
                        relay: a.relay,
                        reason: Some(at.reason),
                        stage: Some(at.stage),
                        dsn: at.dsn.map(|d| d.to_string()),
                        status: Some(at.status),
                        ..TextAgg::default()
                    });
                    t.attempts += 1;
                    t.last = a.ts;
                    if a.new_text_for_rcpt {
                        t.recipients += 1;
                    }
                }
            }
            Status::Probe => {}
        }
    }

    fn expired(&mut self, msg: &Msg, ts: i64, _names: &Names) {
        self.totals.expired += 1;
        self.hour(ts).expired += 1;
        for r in &msg.rcpts {
            if r.state == RcptState::Expired && (r.done_at == ts || msg.mta != Mta::Postfix) {
                self.by_domain.entry(r.domain).or_default().expired += 1;
                self.by_reason
                    .entry(r.last_reason.unwrap_or(Reason::Expired))
                    .or_default()[2] += 1;
            }
        }
        if msg.rcpts.is_empty() {
            self.by_reason.entry(Reason::Expired).or_default()[2] += 1;
        }
        if self.keep_expired_list {
            let last = msg.rcpts.iter().rev().find(|r| r.last_reason.is_some());
            self.expired_list.push(ExpiredRaw {
                qid: msg.qid.to_string(),
                sender: msg.sender.as_deref().map(str::to_string),
                rcpts: msg
                    .rcpts
                    .iter()
                    .filter(|r| r.state == RcptState::Expired)
                    .map(|r| r.addr.to_string())
                    .collect(),
                arrival: msg.arrival_or_est(),
                at: ts,
                deferrals: msg.deferrals,
                last_reason: last.and_then(|r| r.last_reason),
                last_text: last.map_or(NONE, |r| r.last_text),
            });
        }
    }

    fn reject(&mut self, ev: &Event, chunk: &Chunk, content: bool) {
        let (norm, warning) = match ev.kind {
            Kind::Reject { norm, warning, .. } => (norm, warning),
            Kind::ContentRejected { norm, .. } => (norm, false),
            _ => return,
        };
        if warning {
            self.reject_warnings += 1;
            return;
        }
        if content {
            self.content_rejected += 1;
        }
        self.rejected += 1;
        self.hour(ev.ts).rejected += 1;
        let k = chunk.bytes(norm);
        if let Some(n) = self.reject_texts.get_mut(k) {
            *n += 1;
        } else if self.reject_texts.len() < 10_000 {
            self.reject_texts.insert(k.to_vec(), 1);
        }
    }

    fn notice(&mut self, kind: NoticeKind, _ts: i64) {
        self.notices[kind as usize] += 1;
    }

    fn unreceive(&mut self, arrival: i64) {
        self.totals.received = self.totals.received.saturating_sub(1);
        let h = self.hour(arrival);
        h.received = h.received.saturating_sub(1);
    }

    fn unhop(&mut self, ts: i64, domain: u32, relay: u32, delay: f64) {
        self.totals.delivered = self.totals.delivered.saturating_sub(1);
        let h = self.hour(ts);
        h.delivered = h.delivered.saturating_sub(1);
        if let Some(d) = self.by_domain.get_mut(&domain) {
            d.delivered = d.delivered.saturating_sub(1);
            d.delay_sum -= delay;
            d.delay_n = d.delay_n.saturating_sub(1);
        }
        if let Some(r) = self.by_relay.get_mut(&relay) {
            r.delivered = r.delivered.saturating_sub(1);
            r.delay_sum -= delay;
            r.delay_n = r.delay_n.saturating_sub(1);
        }
    }

    fn done(&mut self, m: &Msg, fate: Fate, _names: &Names) {
        self.fates[fate as usize] += 1;
        if fate == Fate::Abandoned {
            return;
        }
        let hop_child = matches!(m.parent, Some(Link::Hop(_)));
        if m.received && !hop_child {
            self.totals.received += 1;
            if let Some(a) = m.arrival {
                self.hour(a).received += 1;
            }
        }
        if m.deferrals > 0 {
            self.totals.deferred_messages += 1;
        }
        for r in &m.rcpts {
            if r.defers == 0 {
                continue;
            }
            let s = self.selfres.entry(r.domain).or_default();
            s.deferred += 1;
            match r.state {
                RcptState::Delivered | RcptState::Forwarded => {
                    s.delivered += 1;
                    let extra = (r.done_at.div_euclid(MICROS_PER_SEC)
                        - r.first_defer.div_euclid(MICROS_PER_SEC))
                    .max(0);
                    s.hist.add(extra as u64);
                }
                RcptState::Bounced => s.bounced += 1,
                RcptState::Expired => s.expired += 1,
                RcptState::Deleted => s.deleted += 1,
                RcptState::Pending => s.pending += 1,
            }
        }
        if fate == Fate::Pending {
            let last = m
                .rcpts
                .iter()
                .rev()
                .find(|r| r.last_reason.is_some() && r.state == RcptState::Pending);
            self.pending.push(PendingRaw {
                qid: m.qid.to_string(),
                host: m.host.to_string(),
                message_id: m.message_id.as_deref().map(str::to_string),
                sender: m.sender.as_deref().map(str::to_string),
                rcpts: m.pending_rcpts().map(|r| r.addr.to_string()).collect(),
                arrival: m.arrival_or_est(),
                arrival_known: m.arrival.is_some() || m.est_arrival.is_some(),
                deferrals: m.deferrals,
                last_reason: last.and_then(|r| r.last_reason),
                last_text: last.map_or(NONE, |r| r.last_text),
                held: m.held,
                bounce: m.is_bounce(),
            });
        }
    }
}

/// Per-input accounting, filled by the caller.
#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    /// File name (`-` for standard input).
    pub name: String,
    /// Detected format.
    pub format: String,
    /// Bytes read (decompressed).
    pub bytes: u64,
    /// Line accounting.
    pub lines: LineStats,
}

/// Time span of the log.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// First event.
    pub first: Option<String>,
    /// Last event.
    pub last: Option<String>,
    /// Seconds between them.
    pub seconds: i64,
    /// Zone used for times and hours.
    pub zone: String,
}

/// Rejections during SMTP sessions.
#[derive(Debug, Clone, Serialize)]
pub struct Rejections {
    /// Rejected (enforced).
    pub rejected: u64,
    /// Of which after DATA, content-based (header/body checks, milters).
    pub content: u64,
    /// Warnings only (`reject_warning`, header/body `WARN`).
    pub warnings: u64,
    /// Most frequent rejection texts (recipients normalised out).
    pub top: Vec<CountRow>,
}

/// A text with a count.
#[derive(Debug, Clone, Serialize)]
pub struct CountRow {
    /// The text.
    pub text: String,
    /// How many.
    pub count: u64,
}

/// Notifications generated.
#[derive(Debug, Clone, Serialize)]
pub struct Notifications {
    /// Non-delivery (bounces to the sender).
    pub non_delivery: u64,
    /// Delay warnings.
    pub delay: u64,
    /// Success DSNs.
    pub success: u64,
    /// Copies to the postmaster.
    pub postmaster: u64,
}

/// One destination domain.
#[derive(Debug, Clone, Serialize)]
pub struct DomainRow {
    /// Recipient domain (`(none)` for addresses without one).
    pub domain: String,
    /// Recipient deliveries.
    pub delivered: u64,
    /// Deferred attempts.
    pub deferred_attempts: u64,
    /// Recipients deferred at least once.
    pub deferred_recipients: u64,
    /// Recipients bounced.
    pub bounced: u64,
    /// Recipients expired.
    pub expired: u64,
    /// Mean delivery delay (s), from arrival.
    pub avg_delay_s: Option<f64>,
    /// Longest delivery delay (s).
    pub max_delay_s: Option<f64>,
}

/// One relay host.
#[derive(Debug, Clone, Serialize)]
pub struct RelayRow {
    /// Host name (`none` when the connection failed before a host was chosen).
    pub relay: String,
    /// Deliveries.
    pub delivered: u64,
    /// Deferred attempts.
    pub deferred_attempts: u64,
    /// Bounces.
    pub bounced: u64,
    /// Mean delivery delay (s).
    pub avg_delay_s: Option<f64>,
}

/// One reason category (the status crate's vocabulary, as for bounces).
#[derive(Debug, Clone, Serialize)]
pub struct ReasonRow {
    /// Reason (`userunknown`, `blocked`, `networkerror`, ...).
    pub reason: String,
    /// Deferred attempts.
    pub deferred_attempts: u64,
    /// Bounced recipients.
    pub bounced: u64,
    /// Expired recipients, by the reason of their last deferral.
    pub expired: u64,
}

/// One SMTP stage.
#[derive(Debug, Clone, Serialize)]
pub struct StageRow {
    /// Stage (`connect`, `greeting`, `rcpt`, `data-end`, ...).
    pub stage: String,
    /// Deferred attempts.
    pub deferred_attempts: u64,
    /// Bounced recipients.
    pub bounced: u64,
}

/// One failure text, recipients normalised out.
#[derive(Debug, Clone, Serialize)]
pub struct TextRow {
    /// The normalised text.
    pub text: String,
    /// Attempts with this text.
    pub attempts: u64,
    /// Distinct recipients that got it.
    pub recipients: u64,
    /// Recipient domain (of the first occurrence).
    pub domain: String,
    /// Relay host.
    pub relay: String,
    /// Reason.
    pub reason: String,
    /// Stage.
    pub stage: String,
    /// Enhanced status code.
    pub dsn: Option<String>,
    /// First seen.
    pub first: String,
    /// Last seen.
    pub last: String,
}

/// Self-resolution of deferrals for one domain.
#[derive(Debug, Clone, Serialize)]
pub struct SelfResolutionRow {
    /// Recipient domain (`*` for all).
    pub domain: String,
    /// Recipients deferred at least once.
    pub deferred: u64,
    /// Of which delivered later.
    pub delivered: u64,
    /// Of which bounced later.
    pub bounced: u64,
    /// Of which expired.
    pub expired: u64,
    /// Of which deleted by an administrator.
    pub deleted: u64,
    /// Of which still pending at the end of the log.
    pub pending: u64,
    /// delivered / (delivered + bounced + expired): the share that resolved by itself.
    pub resolved_share: Option<f64>,
    /// Median extra delay (s) from the first deferral to delivery.
    pub extra_delay_p50_s: Option<u64>,
    /// 90th percentile of that extra delay (s).
    pub extra_delay_p90_s: Option<u64>,
}

/// A message still in the queue at the end of the log.
#[derive(Debug, Clone, Serialize)]
pub struct PendingRow {
    /// Queue id.
    pub queue_id: String,
    /// Host that logged it.
    pub host: String,
    /// Message-ID.
    pub message_id: Option<String>,
    /// Envelope sender (empty = null sender).
    pub sender: Option<String>,
    /// Recipients not yet delivered.
    pub recipients: Vec<String>,
    /// Arrival (estimated from `delay=` when before the log).
    pub arrival: String,
    /// Age at the end of the log (s).
    pub age_s: i64,
    /// Queue lifetime left (s); negative means it should already have expired.
    pub time_left_s: i64,
    /// Less than the warning threshold left.
    pub expiring_soon: bool,
    /// Deferred attempts so far.
    pub deferrals: u32,
    /// Reason of the last deferral.
    pub last_reason: Option<String>,
    /// Text of the last deferral.
    pub last_text: Option<String>,
    /// On hold (will not be retried until released).
    pub held: bool,
}

/// A message that expired.
#[derive(Debug, Clone, Serialize)]
pub struct ExpiredRow {
    /// Queue id.
    pub queue_id: String,
    /// Envelope sender.
    pub sender: Option<String>,
    /// Recipients that expired.
    pub recipients: Vec<String>,
    /// Arrival.
    pub arrival: String,
    /// When it expired.
    pub expired_at: String,
    /// Time in queue (s).
    pub in_queue_s: i64,
    /// Deferred attempts.
    pub deferrals: u32,
    /// Reason of the last deferral.
    pub last_reason: Option<String>,
    /// Text of the last deferral.
    pub last_text: Option<String>,
}

/// One hour.
#[derive(Debug, Clone, Serialize)]
pub struct HourRow {
    /// Start of the hour.
    pub hour: String,
    /// Messages received.
    pub received: u64,
    /// Recipient deliveries.
    pub delivered: u64,
    /// Deferred attempts.
    pub deferred: u64,
    /// Bounced recipients.
    pub bounced: u64,
    /// Messages expired.
    pub expired: u64,
    /// Rejections.
    pub rejected: u64,
}

/// The whole summary (the JSON document of `mailway logs summary --json`).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Headline counts.
    pub totals: Totals,
    /// Time span.
    pub period: Period,
    /// Inputs read, with their line accounting.
    pub inputs: Vec<InputReport>,
    /// Line accounting over all inputs.
    pub lines: LineStats,
    /// How message states were closed (`removed`, `expired`, `deleted`, `pending`, ...).
    pub messages: BTreeMap<&'static str, u64>,
    /// Rejections during SMTP sessions.
    pub rejections: Rejections,
    /// Notifications generated.
    pub notifications: Notifications,
    /// By recipient domain.
    pub by_domain: Vec<DomainRow>,
    /// By relay host.
    pub by_relay: Vec<RelayRow>,
    /// By reason.
    pub by_reason: Vec<ReasonRow>,
    /// By SMTP stage.
    pub by_stage: Vec<StageRow>,
    /// Deferral texts, grouped.
    pub deferral_texts: Vec<TextRow>,
    /// Bounce texts, grouped.
    pub bounce_texts: Vec<TextRow>,
    /// Self-resolution per domain (first row: all domains).
    pub self_resolution: Vec<SelfResolutionRow>,
    /// Queue lifetime used for `pending` (s).
    pub queue_lifetime_s: i64,
    /// Messages still queued at the end, closest to expiry first.
    pub pending: Vec<PendingRow>,
    /// Messages that expired.
    pub expired_messages: Vec<ExpiredRow>,
    /// Hourly histogram.
    pub hourly: Vec<HourRow>,
}

fn avg(sum: f64, n: u64) -> Option<f64> {
    (n > 0).then(|| (sum / n as f64 * 100.0).round() / 100.0)
}

fn name_or(names: &Names, id: u32, empty: &str) -> String {
    if id == NONE {
        return empty.to_string();
    }
    let s = names.get(id);
    if s.is_empty() {
        empty.to_string()
    } else {
        s.to_string()
    }
}

impl Summary {
    /// Builds the report. `first`/`last` are the log's first and last event times.
    pub fn report(
        mut self,
        names: &Names,
        first: Option<i64>,
        last: i64,
        inputs: Vec<InputReport>,
    ) -> Report {
        self.flush_hour();
        let zone = self.opts.zone.clone();
        let t = |v: i64| fmt_rfc3339(v, &zone);
        let secs = |v: i64| v.div_euclid(MICROS_PER_SEC);
        let mut lines = LineStats::default();
        for i in &inputs {
            lines.add(&i.lines, 20);
        }
        let mut by_domain: Vec<DomainRow> = self
            .by_domain
            .iter()
            .filter(|(_, a)| a.delivered + a.deferred_attempts + a.bounced + a.expired > 0)
            .map(|(&d, a)| DomainRow {
                domain: name_or(names, d, "(none)"),
                delivered: a.delivered,
                deferred_attempts: a.deferred_attempts,
                deferred_recipients: a.deferred_rcpts,
                bounced: a.bounced,
                expired: a.expired,
                avg_delay_s: avg(a.delay_sum, a.delay_n),
                max_delay_s: (a.delay_n > 0).then_some(a.delay_max),
            })
            .collect();
        by_domain.sort_by(|a, b| {
            (
                b.deferred_attempts + b.bounced + b.expired,
                b.delivered,
                &a.domain,
            )
                .cmp(&(
                    a.deferred_attempts + a.bounced + a.expired,
                    a.delivered,
                    &b.domain,
                ))
        });
        let mut by_relay: Vec<RelayRow> = self
            .by_relay
            .iter()
            .filter(|(_, a)| a.delivered + a.deferred + a.bounced > 0)
            .map(|(&r, a)| RelayRow {
                relay: name_or(names, r, "none"),
                delivered: a.delivered,
                deferred_attempts: a.deferred,
                bounced: a.bounced,
                avg_delay_s: avg(a.delay_sum, a.delay_n),
            })
            .collect();
        by_relay.sort_by(|a, b| {
            (b.deferred_attempts + b.bounced, b.delivered, &a.relay).cmp(&(
                a.deferred_attempts + a.bounced,
                a.delivered,
                &b.relay,
            ))
        });
        let mut by_reason: Vec<ReasonRow> = self
            .by_reason
            .iter()
            .map(|(r, c)| ReasonRow {
                reason: r.as_str().to_string(),
                deferred_attempts: c[0],
                bounced: c[1],
                expired: c[2],
            })
            .collect();
        by_reason.sort_by(|a, b| {
            (b.deferred_attempts + b.bounced + b.expired, &a.reason)
                .cmp(&(a.deferred_attempts + a.bounced + a.expired, &b.reason))
        });
        let mut by_stage: Vec<StageRow> = self
            .by_stage
            .iter()
            .map(|(s, c)| StageRow {
                stage: s.as_str().to_string(),
                deferred_attempts: c[0],
                bounced: c[1],
            })
            .collect();
        by_stage.sort_by(|a, b| {
            (b.deferred_attempts + b.bounced, &a.stage)
                .cmp(&(a.deferred_attempts + a.bounced, &b.stage))
        });
        let mut deferral_texts = Vec::new();
        let mut bounce_texts = Vec::new();
        for (&id, a) in &self.texts {
            let row = TextRow {
                text: names.get(id).to_string(),
                attempts: a.attempts,
                recipients: a.recipients,
                domain: name_or(names, a.domain, "(none)"),
                relay: name_or(names, a.relay, "none"),
                reason: a.reason.map_or("undefined", |r| r.as_str()).to_string(),
                stage: a.stage.map_or("unknown", |s| s.as_str()).to_string(),
                dsn: a.dsn.clone(),
                first: t(a.first),
                last: t(a.last),
            };
            if a.status == Some(Status::Deferred) {
                deferral_texts.push(row);
            } else {
                bounce_texts.push(row);
            }
        }
        let by_count = |a: &TextRow, b: &TextRow| {
            (b.attempts, b.recipients, &a.text).cmp(&(a.attempts, a.recipients, &b.text))
        };
        deferral_texts.sort_by(by_count);
        bounce_texts.sort_by(by_count);
        let mut all = SelfRes::default();
        let mut self_resolution: Vec<SelfResolutionRow> = Vec::new();
        let mut sr: Vec<(String, SelfRes)> = self
            .selfres
            .drain()
            .map(|(d, s)| (name_or(names, d, "(none)"), s))
            .collect();
        sr.sort_by(|a, b| (b.1.deferred, &a.0).cmp(&(a.1.deferred, &b.0)));
        let row = |domain: String, s: &SelfRes| {
            let fin = s.delivered + s.bounced + s.expired;
            SelfResolutionRow {
                domain,
                deferred: s.deferred,
                delivered: s.delivered,
                bounced: s.bounced,
                expired: s.expired,
                deleted: s.deleted,
                pending: s.pending,
                resolved_share: (fin > 0)
                    .then(|| (s.delivered as f64 / fin as f64 * 1000.0).round() / 1000.0),
                extra_delay_p50_s: s.hist.percentile(50),
                extra_delay_p90_s: s.hist.percentile(90),
            }
        };
        for (d, s) in &sr {
            all.deferred += s.deferred;
            all.delivered += s.delivered;
            all.bounced += s.bounced;
            all.expired += s.expired;
            all.deleted += s.deleted;
            all.pending += s.pending;
            for (&b, &c) in &s.hist.buckets {
                *all.hist.buckets.entry(b).or_default() += c;
                all.hist.n += c as u64;
            }
            self_resolution.push(row(d.clone(), s));
        }
        if !sr.is_empty() {
            self_resolution.insert(0, row("*".into(), &all));
        }
        let end = secs(last);
        let warn = self.opts.warn_within;
        let mut pending: Vec<PendingRow> = self
            .pending
            .iter()
            .map(|p| {
                let age = (end - secs(p.arrival)).max(0);
                let left = self.lifetime(p.bounce) - age;
                PendingRow {
                    queue_id: p.qid.clone(),
                    host: p.host.clone(),
                    message_id: p.message_id.clone(),
                    sender: p.sender.clone(),
                    recipients: p.rcpts.clone(),
                    arrival: t(p.arrival),
                    age_s: age,
                    time_left_s: left,
                    expiring_soon: left < warn && p.arrival_known,
                    deferrals: p.deferrals,
                    last_reason: p.last_reason.map(|r| r.as_str().to_string()),
                    last_text: (p.last_text != NONE).then(|| names.get(p.last_text).to_string()),
                    held: p.held,
                }
            })
            .collect();
        pending.sort_by(|a, b| (a.time_left_s, &a.queue_id).cmp(&(b.time_left_s, &b.queue_id)));
        let expired_messages = self
            .expired_list
            .iter()
            .map(|e| ExpiredRow {
                queue_id: e.qid.clone(),
                sender: e.sender.clone(),
                recipients: e.rcpts.clone(),
                arrival: t(e.arrival),
                expired_at: t(e.at),
                in_queue_s: (secs(e.at) - secs(e.arrival)).max(0),
                deferrals: e.deferrals,
                last_reason: e.last_reason.map(|r| r.as_str().to_string()),
                last_text: (e.last_text != NONE).then(|| names.get(e.last_text).to_string()),
            })
            .collect();
        let hourly = self
            .hourly
            .iter()
            .map(|(&h, a)| HourRow {
                hour: t(h * MICROS_PER_SEC),
                received: a.received,
                delivered: a.delivered,
                deferred: a.deferred,
                bounced: a.bounced,
                expired: a.expired,
                rejected: a.rejected,
            })
            .collect();
        let mut top: Vec<CountRow> = self
            .reject_texts
            .iter()
            .map(|(k, &c)| CountRow {
                text: String::from_utf8_lossy(k).into_owned(),
                count: c,
            })
            .collect();
        top.sort_by(|a, b| (b.count, &a.text).cmp(&(a.count, &b.text)));
        top.truncate(50);
        Report {
            totals: self.totals.clone(),
            period: Period {
                first: first.map(t),
                last: first.map(|_| t(last)),
                seconds: first.map_or(0, |f| secs(last) - secs(f)),
                zone: zone.name(),
            },
            inputs,
            lines,
            messages: Fate::ALL
                .iter()
                .filter(|f| self.fates[**f as usize] > 0)
                .map(|f| (f.as_str(), self.fates[*f as usize]))
                .collect(),
            rejections: Rejections {
                rejected: self.rejected,
                content: self.content_rejected,
                warnings: self.reject_warnings,
                top,
            },
            notifications: Notifications {
                non_delivery: self.notices[NoticeKind::NonDelivery as usize],
                delay: self.notices[NoticeKind::Delay as usize],
                success: self.notices[NoticeKind::Success as usize],
                postmaster: self.notices[NoticeKind::Postmaster as usize],
            },
            by_domain,
            by_relay,
            by_reason,
            by_stage,
            deferral_texts,
            bounce_texts,
            self_resolution,
            queue_lifetime_s: self.opts.queue_lifetime,
            pending,
            expired_messages,
            hourly,
        }
    }
}

/// The `mailway logs summary` report of log files in one call (plain or `.gz` by content,
/// rotated sets ordered oldest first, formats detected per file), e.g. for `mailway monitor
/// --log`. `year` fixes the year of year-less stamps (else each file's mtime decides).
pub fn summary_files(
    paths: &[std::path::PathBuf],
    opts: &SummaryOptions,
    year: Option<i64>,
) -> Result<Report, crate::trace::TraceError> {
    if paths.is_empty() {
        return Err(crate::trace::TraceError::NoInput);
    }
    let sources = crate::input::open_files(paths, &opts.zone)?;
    let popts = crate::pipeline::PipelineOptions {
        zone: opts.zone.clone(),
        year,
        ..Default::default()
    };
    let mut c = crate::correlate::Correlator::new(
        crate::correlate::CorrelateOptions {
            queue_lifetime: opts.queue_lifetime.max(opts.bounce_queue_lifetime),
        },
        Summary::new(opts.clone()),
    );
    let inputs = crate::pipeline::run(sources, &popts, &mut c)?;
    let (s, names, first, last) = c.finish();
    Ok(s.report(&names, first, last, inputs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_percentiles() {
        let mut h = DelayHist::default();
        for v in 1..=100u64 {
            h.add(v);
        }
        assert_eq!(h.percentile(50), Some(50));
        assert_eq!(h.percentile(90), Some(90));
        let mut h = DelayHist::default();
        for v in [1000u64, 2000, 3000, 100_000] {
            h.add(v);
        }
        let p = h.percentile(50).unwrap();
        assert!((p as f64 - 2000.0).abs() / 2000.0 < 0.02, "{p}");
        assert!(DelayHist::default().percentile(50).is_none());
        for v in [1023u64, 1024, 1025, 4095, 4096, 1 << 20, 86_400 * 5] {
            let b = DelayHist::bucket(v);
            let back = DelayHist::value(b);
            assert!(
                (back as f64 - v as f64).abs() / (v as f64) < 0.008,
                "{v} -> {back}"
            );
        }
        assert_eq!(DelayHist::value(DelayHist::bucket(901)), 901);
    }
}
