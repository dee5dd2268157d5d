//! Live monitoring for `mailway logs follow`: classified event lines, and alerts when a message
//! expires or deferrals to one domain spike.

use std::collections::VecDeque;

use mailway_status::Reason;
use serde::Serialize;

use crate::correlate::{AttemptCtx, Msg, NONE, Names, RcptState, Sink};
use crate::event::{Chunk, Event, Kind, Stage, Status};
use crate::hash::FxHashMap;

/// One thing to show.
#[derive(Debug, Clone, Serialize)]
pub struct LiveItem {
    /// `event` or `alert`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// UTC microseconds.
    #[serde(skip)]
    pub ts: i64,
    /// Time (filled by the caller).
    pub time: String,
    /// For events: received, delivered, deferred, bounced, expired, rejected, removed, deleted,
    /// held, released, notification. For alerts: `expired` or `deferral-spike`.
    pub what: &'static str,
    /// Queue id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Sender.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// Recipient(s).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// Recipient domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Relay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relay: Option<String>,
    /// Enhanced status code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dsn: Option<String>,
    /// Reason category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// SMTP stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    /// Reply or description.
    pub text: String,
    /// For spikes: deferrals in the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// For spikes: the window (s); for expiries: time in queue (s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<i64>,
}

impl LiveItem {
    fn new(kind: &'static str, what: &'static str, ts: i64) -> Self {
        Self {
            kind,
            ts,
            time: String::new(),
            what,
            queue_id: None,
            sender: None,
            recipients: Vec::new(),
            domain: None,
            relay: None,
            dsn: None,
            reason: None,
            stage: None,
            text: String::new(),
            count: None,
            seconds: None,
        }
    }
}

/// The monitor sink: fills [`Monitor::out`]; the caller drains it.
pub struct Monitor {
    window: i64,
    threshold: u32,
    deferrals: FxHashMap<u32, VecDeque<i64>>,
    last_alert: FxHashMap<u32, i64>,
    /// Show every MTA event (received, removed...), not only outcomes and alerts.
    pub all: bool,
    /// Items produced since the last drain.
    pub out: Vec<LiveItem>,
}

impl Monitor {
    /// Alerts when a domain gets `threshold` deferrals within `window_secs`.
    pub fn new(window_secs: i64, threshold: u32) -> Self {
        Self {
            window: window_secs.max(1) * 1_000_000,
            threshold: threshold.max(1),
            deferrals: FxHashMap::default(),
            last_alert: FxHashMap::default(),
            all: false,
            out: Vec::new(),
        }
    }
}

impl Sink for Monitor {
    fn event(&mut self, msg: Option<&Msg>, ev: &Event, chunk: &Chunk, _names: &Names) {
        let what = match ev.kind {
            Kind::Reject { warning: false, .. } | Kind::ContentRejected { .. } => "rejected",
            Kind::Received { .. } | Kind::Arrival { .. } if self.all => "received",
            Kind::Removed if self.all => "removed",
            Kind::Deleted => "deleted",
            Kind::Held => "held",
            Kind::Released if self.all => "released",
            Kind::Notice { .. } if self.all => "notification",
            _ => return,
        };
        let mut it = LiveItem::new("event", what, ev.ts);
        it.queue_id = msg.map(|m| m.qid.to_string());
        it.sender = msg.and_then(|m| m.sender.as_deref().map(str::to_string));
        match ev.kind {
            Kind::Reject { reply, to, .. } => {
                it.text = chunk.text(reply).into_owned();
                if !to.is_empty() {
                    it.recipients.push(chunk.text(to).into_owned());
                }
            }
            Kind::ContentRejected { reply, .. } => it.text = chunk.text(reply).into_owned(),
            _ => it.text = chunk.text(ev.line).into_owned(),
        }
        self.out.push(it);
    }

    fn attempt(&mut self, a: &AttemptCtx<'_>, names: &Names) {
        let at = a.attempt;
        if a.duplicate {
            return;
        }
        let r = &a.msg.rcpts[a.rcpt];
        let what = match at.status {
            Status::Sent if a.hop => "handed-off",
            Status::Sent => "delivered",
            Status::Deferred => "deferred",
            Status::Bounced => "bounced",
            Status::Probe => return,
        };
        let mut it = LiveItem::new("event", what, a.ts);
        it.queue_id = Some(a.msg.qid.to_string());
        it.sender = a.msg.sender.as_deref().map(str::to_string);
        it.recipients.push(r.addr.to_string());
        it.domain = Some(names.get(r.domain).to_string());
        it.relay = (a.relay != NONE).then(|| names.get(a.relay).to_string());
        it.dsn = at.dsn.map(|d| d.to_string());
        if at.status != Status::Sent {
            it.reason = Some(at.reason);
            it.stage = Some(at.stage);
        }
        it.text = a.chunk.text(at.text).into_owned();
        self.out.push(it);
        if at.status == Status::Deferred {
            let q = self.deferrals.entry(r.domain).or_default();
            q.push_back(a.ts);
            while q.front().is_some_and(|&t| a.ts - t > self.window) {
                q.pop_front();
            }
            let n = q.len() as u32;
            let quiet = self
                .last_alert
                .get(&r.domain)
                .is_none_or(|&t| a.ts - t > self.window);
            if n >= self.threshold && quiet {
                self.last_alert.insert(r.domain, a.ts);
                let mut al = LiveItem::new("alert", "deferral-spike", a.ts);
                al.domain = Some(names.get(r.domain).to_string());
                al.count = Some(n);
                al.seconds = Some(self.window / 1_000_000);
                al.reason = Some(at.reason);
                al.stage = Some(at.stage);
                al.relay = it_relay(a, names);
                al.text = a.chunk.text(at.norm).into_owned();
                self.out.push(al);
            }
        }
    }

    fn expired(&mut self, m: &Msg, ts: i64, names: &Names) {
        let mut al = LiveItem::new("alert", "expired", ts);
        al.queue_id = Some(m.qid.to_string());
        al.sender = m.sender.as_deref().map(str::to_string);
        let exp: Vec<_> = m
            .rcpts
            .iter()
            .filter(|r| r.state == RcptState::Expired)
            .collect();
        al.recipients = exp.iter().map(|r| r.addr.to_string()).collect();
        al.domain = exp.first().map(|r| names.get(r.domain).to_string());
        al.seconds = Some((ts - m.arrival_or_est()) / 1_000_000);
        let last = m.rcpts.iter().rev().find(|r| r.last_text != NONE);
        al.reason = last.and_then(|r| r.last_reason);
        al.text = last
            .map(|r| names.get(r.last_text).to_string())
            .unwrap_or_default();
        self.out.push(al);
    }
}

fn it_relay(a: &AttemptCtx<'_>, names: &Names) -> Option<String> {
    (a.relay != NONE).then(|| names.get(a.relay).to_string())
}
