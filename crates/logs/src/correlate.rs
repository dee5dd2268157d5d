//! Correlation: events in log order → messages with recipients, attempts and a fate.
//!
//! State is kept only for messages in flight (between their first and last line), keyed by
//! (host, MTA instance, queue id). A queue id that is reused (Postfix reuses ids within minutes)
//! starts a new message when a first-line event (`client=`, `uid=`, `message-id=` of a new
//! message) arrives for an id whose previous message had already progressed. Consumers plug in
//! through [`Sink`].

use mailway_status::Reason;

use crate::event::{Attempt, Chunk, Event, Kind, Mta, NoticeKind, Span, Status, boxed_str};
use crate::hash::{FxHashMap, hash64};

/// Interned names (domains, relays, normalised texts).
///
/// An open-addressing table of ids (linear probing, hashes kept per id) instead of a map with
/// boxed keys: one hash and usually one comparison per lookup, on the correlator's thread.
#[derive(Debug, Default)]
pub struct Names {
    /// id + 1 per slot (0: empty); the length is a power of two.
    slots: Vec<u32>,
    hashes: Vec<u64>,
    raw: Vec<Box<[u8]>>,
    list: Vec<Box<str>>,
}

impl Names {
    /// The id of `b` (interned on first use).
    #[inline]
    pub fn intern(&mut self, b: &[u8]) -> u32 {
        let h = hash64(b);
        if self.slots.is_empty() {
            self.slots = vec![0; 1024];
        }
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let s = self.slots[i];
            if s == 0 {
                break;
            }
            let id = (s - 1) as usize;
            if self.hashes[id] == h && *self.raw[id] == *b {
                return id as u32;
            }
            i = (i + 1) & mask;
        }
        let id = self.list.len() as u32;
        self.slots[i] = id + 1;
        self.hashes.push(h);
        self.raw.push(b.into());
        self.list.push(boxed_str(b));
        if self.list.len() * 2 > self.slots.len() {
            self.grow();
        }
        id
    }

    fn grow(&mut self) {
        let n = self.slots.len() * 2;
        let mask = n - 1;
        let mut slots = vec![0u32; n];
        for (id, &h) in self.hashes.iter().enumerate() {
            let mut i = h as usize & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = id as u32 + 1;
        }
        self.slots = slots;
    }

    /// The id of `b` lower-cased.
    #[inline]
    pub fn intern_lower(&mut self, b: &[u8]) -> u32 {
        with_lower(b, |l| self.intern(l))
    }

    /// The name of an id.
    #[inline]
    pub fn get(&self, id: u32) -> &str {
        self.list.get(id as usize).map_or("", |s| s)
    }
}

/// No id.
pub const NONE: u32 = u32::MAX;

static NEXT_LOCAL_NAMES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A parser thread's own table of the names an attempt interns (relay host, normalised failure
/// text, recipient domain): the parser looks them up (hash and comparison) off the correlator's
/// thread and hands the correlator small local ids ([`Chunk::name_ids`]), which it maps to
/// [`Names`] ids through a vector. Keys are the bytes as [`Names`] keys them (lower-cased for
/// [`LocalNames::id_lower`]), so a local id always maps to the same [`Names`] id.
#[derive(Debug)]
pub struct LocalNames {
    uid: u32,
    /// Per slot: the high 32 bits of the name's hash, then its id + 1 (0: empty), so that a
    /// probe touches one word before comparing bytes (one cache miss less per lookup).
    slots: Vec<u64>,
    hashes: Vec<u64>,
    ends: Vec<u32>,
    arena: Vec<u8>,
}

impl Default for LocalNames {
    fn default() -> Self {
        Self {
            uid: NEXT_LOCAL_NAMES.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            slots: Vec::new(),
            hashes: Vec::new(),
            ends: Vec::new(),
            arena: Vec::new(),
        }
    }
}

impl LocalNames {
    /// This table's identity (unique in the process).
    pub fn uid(&self) -> u32 {
        self.uid
    }

    fn bytes(&self, id: usize) -> &[u8] {
        let start = if id == 0 {
            0
        } else {
            self.ends[id - 1] as usize
        };
        &self.arena[start..self.ends[id] as usize]
    }

    /// The local id of `b`.
    #[inline]
    pub fn id(&mut self, b: &[u8]) -> u32 {
        let h = hash64(b);
        if self.slots.is_empty() {
            self.slots = vec![0; 1024];
        }
        let tag = h >> 32;
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let s = self.slots[i];
            if s == 0 {
                break;
            }
            if s >> 32 == tag {
                let id = (s as u32 - 1) as usize;
                if self.bytes(id) == b {
                    return id as u32;
                }
            }
            i = (i + 1) & mask;
        }
        let id = self.hashes.len() as u32;
        self.slots[i] = tag << 32 | (id as u64 + 1);
        self.hashes.push(h);
        self.arena.extend_from_slice(b);
        self.ends.push(self.arena.len() as u32);
        if self.hashes.len() * 2 > self.slots.len() {
            let n = self.slots.len() * 2;
            let mask = n - 1;
            let mut slots = vec![0u64; n];
            for (id, &h) in self.hashes.iter().enumerate() {
                let mut i = h as usize & mask;
                while slots[i] != 0 {
                    i = (i + 1) & mask;
                }
                slots[i] = (h >> 32) << 32 | (id as u64 + 1);
            }
            self.slots = slots;
        }
        id
    }

    /// The local id of `b` lower-cased (as [`Names::intern_lower`]).
    #[inline]
    pub fn id_lower(&mut self, b: &[u8]) -> u32 {
        with_lower(b, |l| self.id(l))
    }

    /// Fills `chunk.name_ids`: for every attempt (in order) the local ids of its relay host
    /// (lower-cased), normalised text and recipient domain (lower-cased; `""` without `@`), or
    /// [`NONE`] where the correlator interns nothing (empty relay host or text, probes).
    pub fn fill(&mut self, chunk: &mut Chunk) {
        let mut ids = std::mem::take(&mut chunk.name_ids);
        ids.clear();
        for ev in &chunk.events {
            let Kind::Attempt(a) = &ev.kind else {
                continue;
            };
            if a.status == Status::Probe {
                ids.push([NONE; 3]);
                continue;
            }
            let relay = if a.relay_host.is_empty() {
                NONE
            } else {
                self.id_lower(chunk.bytes(a.relay_host))
            };
            let text = if a.norm.is_empty() {
                NONE
            } else {
                self.id(chunk.bytes(a.norm))
            };
            let addr = chunk.bytes(a.rcpt);
            let domain = match memchr::memrchr(b'@', addr) {
                Some(at) => self.id_lower(&addr[at + 1..]),
                None => self.id(b""),
            };
            ids.push([relay, text, domain]);
        }
        chunk.name_ids = ids;
        chunk.names_owner = Some(self.uid);
    }
}

/// Maps local name ids of parser threads' [`LocalNames`] to [`Names`] ids, interning a name on
/// the first use of its local id (so [`Names`] ids come in the same order as without local ids).
#[derive(Debug, Default)]
struct LocalMaps {
    maps: Vec<(u32, Vec<u32>)>,
    last: usize,
}

impl LocalMaps {
    /// The [`Names`] id of local id `local` of table `owner`, whose bytes are `b` (lower-cased
    /// by `intern_lower` when `lower`).
    #[inline]
    fn get(&mut self, names: &mut Names, owner: u32, local: u32, b: &[u8], lower: bool) -> u32 {
        if self.maps.get(self.last).is_none_or(|(o, _)| *o != owner) {
            self.last = match self.maps.iter().position(|(o, _)| *o == owner) {
                Some(i) => i,
                None => {
                    self.maps.push((owner, Vec::new()));
                    self.maps.len() - 1
                }
            };
        }
        let m = &mut self.maps[self.last].1;
        let l = local as usize;
        if l >= m.len() {
            m.resize(l + 1, NONE);
        }
        let g = m[l];
        if g != NONE {
            return g;
        }
        let g = if lower {
            names.intern_lower(b)
        } else {
            names.intern(b)
        };
        m[l] = g;
        g
    }
}

/// Bytes kept in place by [`ShortStr`]: queue ids, host names, most addresses, Message-IDs and
/// `host[ip]` clients fit.
const INLINE: usize = 54;

/// A short string (queue id, host, address, Message-ID) kept inline, without a heap allocation
/// per message or recipient; longer ones (and the rare invalid UTF-8, made lossy) go to the heap.
#[derive(Clone)]
pub enum ShortStr {
    /// Up to 54 bytes of valid UTF-8 in place.
    Inline {
        /// Length used.
        len: u8,
        /// The bytes.
        buf: [u8; INLINE],
    },
    /// Anything longer.
    Heap(Box<str>),
}

impl ShortStr {
    /// `b` as text (lossy for invalid UTF-8).
    #[inline]
    pub fn new(b: &[u8]) -> Self {
        if b.len() <= INLINE && (is_ascii_short(b) || std::str::from_utf8(b).is_ok()) {
            let mut buf = [0u8; INLINE];
            buf[..b.len()].copy_from_slice(b);
            ShortStr::Inline {
                len: b.len() as u8,
                buf,
            }
        } else {
            ShortStr::Heap(boxed_str(b))
        }
    }

    /// Replaces the text with `b` (as [`ShortStr::new`]), in place.
    #[inline]
    pub fn set(&mut self, b: &[u8]) {
        match self {
            ShortStr::Inline { len, buf }
                if b.len() <= INLINE && (is_ascii_short(b) || std::str::from_utf8(b).is_ok()) =>
            {
                buf[..b.len()].copy_from_slice(b);
                *len = b.len() as u8;
            }
            _ => *self = ShortStr::new(b),
        }
    }

    /// The bytes of the text (no UTF-8 check: for comparisons).
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            ShortStr::Inline { len, buf } => &buf[..*len as usize],
            ShortStr::Heap(b) => b.as_bytes(),
        }
    }

    /// The text.
    #[inline]
    pub fn as_str(&self) -> &str {
        match self {
            // always valid: checked by `new`
            ShortStr::Inline { len, buf } => {
                std::str::from_utf8(&buf[..*len as usize]).unwrap_or("")
            }
            ShortStr::Heap(b) => b,
        }
    }
}

/// Whether `b` has an ASCII upper-case letter: eight bytes at a time.
#[inline]
fn has_upper(b: &[u8]) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        // per byte, high bit of x7 + 63 set: >= 'A'; of x7 + 37: > 'Z' (x7 < 128: no carries)
        let x7 = x & !HI;
        if (x7 + 63 * LO) & !(x7 + 37 * LO) & !x & HI != 0 {
            return true;
        }
    }
    words.remainder().iter().any(u8::is_ascii_uppercase)
}

/// `a == b` for the few bytes of a host or instance name, without a `memcmp` call.
#[inline]
fn eq_short(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Whether `b` (at most [`INLINE`] bytes) is ASCII: eight bytes at a time, without the set-up of
/// `str::from_utf8` (most log fields are ASCII; the rest go through `from_utf8`).
#[inline]
fn is_ascii_short(b: &[u8]) -> bool {
    let mut words = b.chunks_exact(8);
    let mut acc = 0u64;
    for w in &mut words {
        acc |= u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
    }
    let mut last = 0u8;
    for &c in words.remainder() {
        last |= c;
    }
    (acc & 0x8080_8080_8080_8080) == 0 && last < 0x80
}

// by the text: an inline buffer's bytes past its length are not part of it
impl PartialEq for ShortStr {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for ShortStr {}

impl std::ops::Deref for ShortStr {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for ShortStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for ShortStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What became of one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RcptState {
    /// Not delivered yet.
    Pending,
    /// Delivered.
    Delivered,
    /// Permanently failed.
    Bounced,
    /// Given up after the queue lifetime.
    Expired,
    /// Deleted by an administrator.
    Deleted,
    /// Handed to a content filter or another local instance; the story continues there.
    Forwarded,
}

impl RcptState {
    /// Final (no more attempts expected).
    pub fn is_final(&self) -> bool {
        !matches!(self, RcptState::Pending)
    }
}

/// One recipient of a message in flight.
#[derive(Debug, Clone)]
pub struct Rcpt {
    /// Address as delivered.
    pub addr: ShortStr,
    /// Original address when different (`orig_to`).
    pub orig: Option<ShortStr>,
    /// Interned lower-case domain.
    pub domain: u32,
    /// State.
    pub state: RcptState,
    /// Deferred attempts so far.
    pub defers: u32,
    /// Time of the first deferral.
    pub first_defer: i64,
    /// Time of delivery (or hand-off).
    pub done_at: i64,
    /// Last failure reason.
    pub last_reason: Option<Reason>,
    /// Last failure text (interned normalised text).
    pub last_text: u32,
    /// Last relay host tried (interned).
    pub relay: u32,
    texts: Vec<u32>,
}

/// How a message is linked to the one it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// A content-filter (or next local instance) hop of `parent`.
    Hop(u64),
    /// A notification (bounce, delay warning) about `parent`.
    Notice(u64, NoticeKind),
}

/// Why a message's state was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// Left the queue normally (all recipients done).
    Removed,
    /// Left the queue after its queue lifetime ran out.
    Expired,
    /// Deleted by an administrator.
    Deleted,
    /// Rejected at the end of DATA (content) after being given a queue id.
    Rejected,
    /// Silently discarded.
    Discarded,
    /// Every recipient reached a final state (MTAs that log no "removed" line).
    Completed,
    /// Still in the queue when the log ends.
    Pending,
    /// Never entered the queue (the client went away during the transaction).
    Abandoned,
    /// No line for longer than the queue lifetime: the end was not logged.
    Lost,
    /// The queue id was reused before the end of this message was logged.
    Replaced,
}

impl Fate {
    /// Every fate.
    pub const ALL: [Fate; 10] = [
        Fate::Removed,
        Fate::Expired,
        Fate::Deleted,
        Fate::Rejected,
        Fate::Discarded,
        Fate::Completed,
        Fate::Pending,
        Fate::Abandoned,
        Fate::Lost,
        Fate::Replaced,
    ];

    /// Lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Fate::Removed => "removed",
            Fate::Expired => "expired",
            Fate::Deleted => "deleted",
            Fate::Rejected => "rejected",
            Fate::Discarded => "discarded",
            Fate::Completed => "completed",
            Fate::Pending => "pending",
            Fate::Abandoned => "abandoned",
            Fate::Lost => "lost",
            Fate::Replaced => "replaced",
        }
    }
}

/// A message in flight.
#[derive(Debug, Clone)]
pub struct Msg {
    /// Unique number of this message in the whole analysis (survives queue-id reuse).
    pub serial: u64,
    /// Which MTA.
    pub mta: Mta,
    /// Queue id as logged.
    pub qid: ShortStr,
    /// Host that logged it.
    pub host: ShortStr,
    /// First and last line times.
    pub first_ts: i64,
    /// Last line time.
    pub last_ts: i64,
    /// Arrival time (the `client=`/`uid=`/`<=` line), if seen.
    pub arrival: Option<i64>,
    /// Arrival estimated from a `delay=` when the arrival line is before the log.
    pub est_arrival: Option<i64>,
    /// The first line seen was the start of the message (arrival or Message-ID).
    pub started: bool,
    /// Whether the arrival was seen (a received message).
    pub received: bool,
    /// Local submission.
    pub local: bool,
    /// SMTP client.
    pub client: Option<ShortStr>,
    /// Message-ID.
    pub message_id: Option<ShortStr>,
    /// Envelope sender (`Some("")` for the null sender).
    pub sender: Option<ShortStr>,
    /// Size in bytes.
    pub size: u64,
    /// Entered the queue manager.
    pub queued: bool,
    /// Recipients seen so far.
    pub rcpts: Vec<Rcpt>,
    /// Where it came from.
    pub parent: Option<Link>,
    /// Delivery attempts (all statuses).
    pub attempts: u32,
    /// Deferred attempts.
    pub deferrals: u32,
    /// When it expired.
    pub expired: Option<i64>,
    /// On hold / frozen.
    pub held: bool,
    /// Notifications generated about it.
    pub notices: u32,
    /// When the MTA logged its removal from the queue (the state is kept a few seconds more
    /// for lines logged out of order).
    pub removed_at: Option<i64>,
    rcpt_index: Option<FxHashMap<Box<[u8]>, u32>>,
}

impl Msg {
    /// Best known arrival time: the arrival line, else the first line when it was the start of
    /// the message (Postfix `cleanup` of a locally generated notification), else an estimate
    /// from the first logged `delay=`.
    pub fn arrival_or_est(&self) -> i64 {
        self.arrival
            .or(self.started.then_some(self.first_ts))
            .or(self.est_arrival)
            .unwrap_or(self.first_ts)
    }

    /// Recipients not yet final.
    pub fn pending_rcpts(&self) -> impl Iterator<Item = &Rcpt> {
        self.rcpts.iter().filter(|r| r.state == RcptState::Pending)
    }

    /// The null sender (a bounce/notification message).
    pub fn is_bounce(&self) -> bool {
        self.sender.as_deref() == Some("")
    }
}

/// One attempt with its context, as given to [`Sink::attempt`].
pub struct AttemptCtx<'a> {
    /// When.
    pub ts: i64,
    /// The message (state after this attempt).
    pub msg: &'a Msg,
    /// Index of the recipient in `msg.rcpts`.
    pub rcpt: usize,
    /// The attempt.
    pub attempt: &'a Attempt,
    /// The chunk the attempt's spans point into.
    pub chunk: &'a Chunk,
    /// Interned relay host.
    pub relay: u32,
    /// Interned normalised failure text (`NONE` for successes).
    pub text: u32,
    /// This failure text is new for this recipient.
    pub new_text_for_rcpt: bool,
    /// This is the first deferral of this recipient.
    pub first_defer: bool,
    /// A repeated success for a recipient already delivered (the same delivery logged twice).
    pub duplicate: bool,
    /// The attempt handed the message to a content filter / next instance.
    pub hop: bool,
}

/// Receives correlated facts. Every method has an empty default.
pub trait Sink {
    /// Every event, after the message state was updated (`msg` is `None` for events not tied to
    /// a message, such as `NOQUEUE` rejects).
    fn event(&mut self, _msg: Option<&Msg>, _ev: &Event, _chunk: &Chunk, _names: &Names) {}
    /// A delivery attempt for one recipient.
    fn attempt(&mut self, _a: &AttemptCtx<'_>, _names: &Names) {}
    /// A message expired (its pending recipients are now `Expired`).
    fn expired(&mut self, _msg: &Msg, _ts: i64, _names: &Names) {}
    /// A rejection (SMTP-level, or of content after a queue id was given).
    fn reject(&mut self, _ev: &Event, _chunk: &Chunk, _content: bool) {}
    /// A notification was generated about a message.
    fn notice(&mut self, _kind: NoticeKind, _ts: i64) {}
    /// `child` was found to be a hop or notification of `parent`.
    fn link(&mut self, _child: u64, _link: Link) {}
    /// A received message, already counted when it was closed, turned out to be a hop of another
    /// message: take back its arrival.
    fn unreceive(&mut self, _arrival: i64) {}
    /// A delivery counted at `ts` (to a loopback relay that answered `queued as X`) turned out to
    /// be a hand-off to a content filter or another local instance, whose continuation `X`
    /// appeared later: take the delivery back (the continuation's own delivery counts).
    fn unhop(&mut self, _ts: i64, _domain: u32, _relay: u32, _delay: f64) {}
    /// A message's state is closed.
    fn done(&mut self, _msg: &Msg, _fate: Fate, _names: &Names) {}
}

/// A sink that ignores everything.
impl Sink for () {}

/// Options of the correlator.
#[derive(Debug, Clone)]
pub struct CorrelateOptions {
    /// Queue lifetime (seconds): Postfix `maximal_queue_lifetime`, default 5 days.
    pub queue_lifetime: i64,
}

impl Default for CorrelateOptions {
    fn default() -> Self {
        Self {
            queue_lifetime: 5 * 86_400,
        }
    }
}

/// (origin, queue id) packed in four words: the origin (4 bytes), the id's length (1) and the id
/// (27 bytes; longer ids keep 11 bytes and two hashes of the rest), compared and hashed a word
/// at a time.
#[derive(Clone, Copy, PartialEq, Eq)]
struct QKey {
    w: [u64; 4],
}

impl std::hash::Hash for QKey {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        for x in self.w {
            h.write_u64(x);
        }
    }
}

/// Up to eight bytes as a little-endian word (zero-padded), built in registers: no byte copy to
/// a stack buffer read back as words (a store-forwarding stall on the correlator's thread).
#[inline]
fn le_word(c: &[u8]) -> u64 {
    if let Ok(a) = <[u8; 8]>::try_from(c) {
        return u64::from_le_bytes(a);
    }
    let mut v = 0u64;
    for (i, &x) in c.iter().enumerate() {
        v |= (x as u64) << (8 * i);
    }
    v
}

impl QKey {
    /// Ids of up to this many bytes are kept whole in the last three words.
    const WORDS_MAX: usize = 24;

    #[inline]
    fn new(origin: u32, qid: &[u8]) -> Self {
        if qid.len() <= Self::WORDS_MAX {
            // origin, then the length in byte 4 (<= 24: never the 25..27 or 200 of the packed
            // layout below, so the two layouts never compare equal), then the id in words 1..3
            let mut w = [origin as u64 | (qid.len() as u64) << 32, 0, 0, 0];
            for (k, c) in qid.chunks(8).enumerate() {
                w[k + 1] = le_word(c);
            }
            return Self { w };
        }
        Self::packed(origin, qid)
    }

    /// Longer ids: origin, length (or 200), up to 27 bytes of id (or 11 bytes and two hashes).
    fn packed(origin: u32, qid: &[u8]) -> Self {
        let mut b = [0u8; 32];
        b[..4].copy_from_slice(&origin.to_le_bytes());
        if qid.len() <= 27 {
            b[4] = qid.len() as u8;
            b[5..5 + qid.len()].copy_from_slice(qid);
        } else {
            b[4] = 200;
            b[5..16].copy_from_slice(&qid[..11]);
            b[16..24].copy_from_slice(&hash64(qid).to_le_bytes());
            b[24..32].copy_from_slice(&hash64(&qid[11..]).to_le_bytes());
        }
        let word = |i: usize| {
            u64::from_le_bytes([
                b[i],
                b[i + 1],
                b[i + 2],
                b[i + 3],
                b[i + 4],
                b[i + 5],
                b[i + 6],
                b[i + 7],
            ])
        };
        Self {
            w: [word(0), word(8), word(16), word(24)],
        }
    }

    /// The id's bytes as packed (the first 27 bytes of a longer id), with the same key under
    /// another origin.
    fn with_origin(&self, origin: u32) -> Self {
        if (self.w[0] >> 32) as usize <= Self::WORDS_MAX {
            let mut w = self.w;
            w[0] = origin as u64 | (w[0] >> 32) << 32;
            return Self { w };
        }
        let mut b = [0u8; 32];
        for (i, x) in self.w.iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&x.to_le_bytes());
        }
        let n = (b[4] as usize).min(27);
        QKey::new(origin, &b[5..5 + n])
    }
}

/// (host, MTA instance).
type OriginKey = (Box<[u8]>, Box<[u8]>);

/// Where the continuation of a hand-off is: in flight (slot), or closed (serial, arrival,
/// whether it was counted as received).
type HopChild = (Option<u32>, Option<(u64, Option<i64>, bool)>);

struct Recent {
    serial: u64,
    ts: i64,
    arrival: Option<i64>,
    counted_received: bool,
}

struct PendingHop {
    parent: u64,
    ts: i64,
    /// (recipient address, domain, delay counted)
    rcpts: Vec<(ShortStr, u32, f64)>,
    relay: u32,
}

const MICROS: i64 = 1_000_000;
const HOUR: i64 = 3600 * MICROS;
/// How long a removed message's state is kept for lines logged out of order (syslog interleaves
/// processes; a delivery line can follow the queue manager's "removed" by a few seconds).
const REMOVAL_GRACE: i64 = 10 * MICROS;

/// The correlator.
pub struct Correlator<S: Sink> {
    msgs: FxHashMap<QKey, u32>,
    slab: Vec<Option<Msg>>,
    free: Vec<u32>,
    next_serial: u64,
    origins: FxHashMap<OriginKey, u32>,
    origin_names: Vec<Box<str>>,
    last_origin: (Vec<u8>, Vec<u8>, u32),
    recent: FxHashMap<QKey, Recent>,
    pending_hops: FxHashMap<QKey, PendingHop>,
    pending_notices: FxHashMap<QKey, (u64, NoticeKind)>,
    serial_keys: FxHashMap<u64, QKey>,
    multi_host: Vec<bool>,
    closing: std::collections::VecDeque<(i64, QKey, u64)>,
    next_sweep: i64,
    /// First and last event times seen.
    pub first_ts: Option<i64>,
    /// Last event time seen.
    pub last_ts: i64,
    opts: CorrelateOptions,
    /// Interned names.
    pub names: Names,
    local_maps: LocalMaps,
    /// The consumer.
    pub sink: S,
}

impl<S: Sink> Correlator<S> {
    /// A correlator feeding `sink`.
    pub fn new(opts: CorrelateOptions, sink: S) -> Self {
        Self {
            msgs: FxHashMap::default(),
            slab: Vec::new(),
            free: Vec::new(),
            next_serial: 1,
            origins: FxHashMap::default(),
            origin_names: Vec::new(),
            last_origin: (Vec::new(), Vec::new(), NONE),
            recent: FxHashMap::default(),
            pending_hops: FxHashMap::default(),
            pending_notices: FxHashMap::default(),
            serial_keys: FxHashMap::default(),
            multi_host: Vec::new(),
            closing: std::collections::VecDeque::new(),
            next_sweep: i64::MIN,
            first_ts: None,
            last_ts: i64::MIN,
            opts,
            names: Names::default(),
            local_maps: LocalMaps::default(),
            sink,
        }
    }

    /// Messages in flight.
    pub fn in_flight(&self) -> usize {
        self.msgs.len()
    }

    /// The message in flight with a given serial, if any.
    pub fn message(&self, serial: u64) -> Option<&Msg> {
        let k = self.serial_keys.get(&serial)?;
        let i = *self.msgs.get(k)?;
        self.slab[i as usize].as_ref()
    }

    fn origin(&mut self, ev: &Event, chunk: &Chunk) -> u32 {
        // host names are part of the key only for inputs that mix hosts (central log servers):
        // one machine's logs may name it differently (syslog hostname vs Postfix myhostname in
        // maillog_file) and must still correlate across files
        let multi = self
            .multi_host
            .get(chunk.input as usize)
            .copied()
            .unwrap_or(false);
        let host = if multi { chunk.bytes(ev.host) } else { &[][..] };
        let inst = chunk.bytes(ev.instance);
        if self.last_origin.2 != NONE
            && eq_short(&self.last_origin.0, host)
            && eq_short(&self.last_origin.1, inst)
        {
            return self.last_origin.2;
        }
        let key = (Box::<[u8]>::from(host), Box::<[u8]>::from(inst));
        let n = self.origins.len() as u32;
        let id = *self.origins.entry(key).or_insert(n);
        if id == n {
            self.origin_names.push(boxed_str(host));
        }
        self.last_origin = (host.to_vec(), inst.to_vec(), id);
        id
    }

    fn create(&mut self, key: QKey, ev: &Event, chunk: &Chunk, _origin: u32) -> u32 {
        let serial = self.next_serial;
        self.next_serial += 1;
        let qid = chunk.bytes(ev.qid);
        let host = chunk.bytes(ev.host);
        let started = matches!(
            ev.kind,
            Kind::Received { .. } | Kind::MessageId(_) | Kind::Arrival { .. }
        );
        // a closed message's slot is reset field by field (no 500-byte message built and moved
        // per message; its recipient list keeps its allocation)
        let reused = match self.free.pop() {
            Some(i) => match self.slab[i as usize].as_mut() {
                Some(m) => {
                    // every field named: a field added to `Msg` must be reset here too
                    let Msg {
                        serial: m_serial,
                        mta,
                        qid: m_qid,
                        host: m_host,
                        first_ts,
                        last_ts,
                        arrival,
                        est_arrival,
                        started: m_started,
                        received,
                        local,
                        client,
                        message_id,
                        sender,
                        size,
                        queued,
                        rcpts,
                        parent,
                        attempts,
                        deferrals,
                        expired,
                        held,
                        notices,
                        removed_at,
                        rcpt_index,
                    } = m;
                    *m_serial = serial;
                    *mta = ev.mta;
                    m_qid.set(qid);
                    m_host.set(host);
                    *first_ts = ev.ts;
                    *last_ts = ev.ts;
                    *arrival = None;
                    *est_arrival = None;
                    *m_started = started;
                    *received = false;
                    *local = false;
                    *client = None;
                    *message_id = None;
                    *sender = None;
                    *size = 0;
                    *queued = false;
                    if rcpts.capacity() > 16 {
                        *rcpts = Vec::new();
                    } else {
                        rcpts.clear();
                    }
                    *parent = None;
                    *attempts = 0;
                    *deferrals = 0;
                    *expired = None;
                    *held = false;
                    *notices = 0;
                    *removed_at = None;
                    *rcpt_index = None;
                    Some(i)
                }
                None => {
                    self.free.push(i);
                    None
                }
            },
            None => None,
        };
        let idx = match reused {
            Some(i) => i,
            None => {
                let m = Msg {
                    serial,
                    mta: ev.mta,
                    qid: ShortStr::new(qid),
                    host: ShortStr::new(host),
                    first_ts: ev.ts,
                    last_ts: ev.ts,
                    arrival: None,
                    est_arrival: None,
                    started,
                    received: false,
                    local: false,
                    client: None,
                    message_id: None,
                    sender: None,
                    size: 0,
                    queued: false,
                    rcpts: Vec::new(),
                    parent: None,
                    attempts: 0,
                    deferrals: 0,
                    expired: None,
                    held: false,
                    notices: 0,
                    removed_at: None,
                    rcpt_index: None,
                };
                match self.free.pop() {
                    Some(i) => {
                        self.slab[i as usize] = Some(m);
                        i
                    }
                    None => {
                        self.slab.push(Some(m));
                        (self.slab.len() - 1) as u32
                    }
                }
            }
        };
        self.msgs.insert(key, idx);
        self.serial_keys.insert(serial, key);
        // a notification announced before this message's first line
        if let Some((parent, kind)) = self.pending_notices.remove(&key) {
            self.slab[idx as usize].as_mut().unwrap().parent = Some(Link::Notice(parent, kind));
            self.sink.link(serial, Link::Notice(parent, kind));
        }
        idx
    }

    fn finalize(&mut self, key: QKey, fate: Fate) {
        let Some(idx) = self.msgs.remove(&key) else {
            return;
        };
        // the closed message stays in its slot (as a free slot's old contents) until the slot is
        // reused: no move of the whole message
        let Some(m) = self.slab[idx as usize].as_mut() else {
            return;
        };
        self.free.push(idx);
        self.serial_keys.remove(&m.serial);
        if fate == Fate::Deleted {
            for r in &mut m.rcpts {
                if r.state == RcptState::Pending {
                    r.state = RcptState::Deleted;
                }
            }
        }
        let hop_child = matches!(m.parent, Some(Link::Hop(_)));
        self.sink.done(m, fate, &self.names);
        self.recent.insert(
            key,
            Recent {
                serial: m.serial,
                ts: m.last_ts,
                arrival: m.arrival,
                counted_received: m.received && !hop_child,
            },
        );
    }

    /// Feeds the events of one chunk (chunks must come in log order).
    pub fn feed(&mut self, chunk: &Chunk) {
        let input = chunk.input as usize;
        if self.multi_host.len() <= input {
            // decide from the input's first chunk whether it mixes hosts
            self.multi_host.resize(input + 1, false);
            let mut first: Option<&[u8]> = None;
            for ev in &chunk.events {
                let h = chunk.bytes(ev.host);
                if h.is_empty() {
                    continue;
                }
                match first {
                    None => first = Some(h),
                    Some(f) if f != h => {
                        self.multi_host[input] = true;
                        break;
                    }
                    _ => {}
                }
            }
        }
        match chunk.names_owner {
            Some(owner) if chunk.name_ids.len() <= chunk.events.len() => {
                let mut ids = chunk.name_ids.iter();
                for ev in &chunk.events {
                    let local = match ev.kind {
                        Kind::Attempt(_) => ids.next().map(|&x| (owner, x)),
                        _ => None,
                    };
                    self.on_event_ids(ev, chunk, local);
                }
            }
            _ => {
                for ev in &chunk.events {
                    self.on_event_ids(ev, chunk, None);
                }
            }
        }
    }

    /// Processes one event.
    pub fn on_event(&mut self, ev: &Event, chunk: &Chunk) {
        self.on_event_ids(ev, chunk, None)
    }

    /// Processes one event; `local`: for an attempt, the parser's local name ids (owner, ids).
    fn on_event_ids(&mut self, ev: &Event, chunk: &Chunk, local: Option<(u32, [u32; 3])>) {
        if ev.ts > self.last_ts {
            self.last_ts = ev.ts;
        }
        if self.first_ts.is_none_or(|f| ev.ts < f) {
            self.first_ts = Some(ev.ts);
        }
        while let Some(&(t, k, serial)) = self.closing.front() {
            if ev.ts - t < REMOVAL_GRACE {
                break;
            }
            self.closing.pop_front();
            self.close_removed(k, serial);
        }
        if ev.ts >= self.next_sweep {
            if self.next_sweep != i64::MIN {
                self.sweep(ev.ts);
            }
            self.next_sweep = ev.ts + HOUR;
        }
        if ev.qid.is_empty() {
            if let Kind::Reject { .. } = ev.kind {
                self.sink.reject(ev, chunk, false);
            }
            self.sink.event(None, ev, chunk, &self.names);
            return;
        }
        let origin = self.origin(ev, chunk);
        let qid = chunk.bytes(ev.qid);
        let key = QKey::new(origin, qid);
        let existing = self.msgs.get(&key).copied();
        let idx = match ev.kind {
            Kind::Received { client, local } => {
                let idx = match existing {
                    Some(i) if self.progressed(i) => {
                        self.replace_existing(key);
                        self.create(key, ev, chunk, origin)
                    }
                    Some(i) => i,
                    None => self.create(key, ev, chunk, origin),
                };
                let m = self.slab[idx as usize].as_mut().unwrap();
                m.received = true;
                m.local = local;
                m.arrival = Some(ev.ts);
                if !client.is_empty() {
                    m.client = Some(ShortStr::new(chunk.bytes(client)));
                }
                self.check_hop(key, idx);
                idx
            }
            Kind::MessageId(mid) => {
                let idx = match existing {
                    Some(i)
                        if self.progressed(i)
                            || self.slab[i as usize].as_ref().unwrap().message_id.is_some() =>
                    {
                        self.replace_existing(key);
                        self.create(key, ev, chunk, origin)
                    }
                    Some(i) => i,
                    None => self.create(key, ev, chunk, origin),
                };
                let m = self.slab[idx as usize].as_mut().unwrap();
                m.message_id = Some(ShortStr::new(chunk.bytes(mid)));
                idx
            }
            Kind::Queued {
                from,
                size,
                nrcpt: _,
            } => {
                let idx = existing.unwrap_or_else(|| self.create(key, ev, chunk, origin));
                let m = self.slab[idx as usize].as_mut().unwrap();
                if m.sender.is_none() {
                    m.sender = Some(ShortStr::new(chunk.bytes(from)));
                }
                m.size = size;
                m.queued = true;
                idx
            }
            Kind::Arrival {
                from,
                size,
                message_id,
                client,
                parent,
                local,
                nrcpt: _,
            } => {
                let idx = match existing {
                    // Exchange logs RECEIVE again at each transport hop of the same message
                    Some(i) if ev.mta == Mta::Exchange => i,
                    Some(i) if self.progressed(i) => {
                        self.replace_existing(key);
                        self.create(key, ev, chunk, origin)
                    }
                    Some(i) => i,
                    None => {
                        if ev.mta == Mta::Exchange && self.recent.contains_key(&key) {
                            // a late hop of a message already closed
                            self.sink.event(None, ev, chunk, &self.names);
                            return;
                        }
                        self.create(key, ev, chunk, origin)
                    }
                };
                let first = {
                    let m = self.slab[idx as usize].as_mut().unwrap();
                    let first = !m.received;
                    if first {
                        m.received = true;
                        m.local = local;
                        m.arrival = Some(ev.ts);
                        m.queued = true;
                        m.sender = Some(ShortStr::new(chunk.bytes(from)));
                        m.size = size;
                        if !message_id.is_empty() {
                            m.message_id = Some(ShortStr::new(chunk.bytes(message_id)));
                        }
                        if !client.is_empty() {
                            m.client = Some(ShortStr::new(chunk.bytes(client)));
                        }
                    }
                    first
                };
                if first && !parent.is_empty() {
                    let pkey = QKey::new(origin, chunk.bytes(parent));
                    let pserial = self
                        .msgs
                        .get(&pkey)
                        .and_then(|&i| self.slab[i as usize].as_ref().map(|m| m.serial))
                        .or_else(|| self.recent.get(&pkey).map(|r| r.serial));
                    if let Some(ps) = pserial {
                        let link = Link::Notice(ps, NoticeKind::NonDelivery);
                        let m = self.slab[idx as usize].as_mut().unwrap();
                        m.parent = Some(link);
                        let serial = m.serial;
                        self.sink.link(serial, link);
                    }
                }
                idx
            }
            Kind::Recipient(addr) => {
                let idx = existing.unwrap_or_else(|| self.create(key, ev, chunk, origin));
                let a = chunk.bytes(addr);
                let names = &mut self.names;
                let m = self.slab[idx as usize].as_mut().unwrap();
                rcpt_index(m, a, Span::EMPTY, chunk, names, |names| domain_of(names, a));
                idx
            }
            Kind::Attempt(ref a) => {
                let idx = match existing {
                    Some(i) => i,
                    None => {
                        if a.status == Status::Probe {
                            return;
                        }
                        self.create(key, ev, chunk, origin)
                    }
                };
                self.on_attempt(idx, ev, a, chunk, origin, local);
                idx
            }
            Kind::Expired { .. } => {
                let idx = existing.unwrap_or_else(|| self.create(key, ev, chunk, origin));
                self.expire(idx, ev.ts);
                idx
            }
            Kind::Notice { kind, child } => {
                let parent_serial = match existing {
                    Some(i) => {
                        let m = self.slab[i as usize].as_mut().unwrap();
                        m.notices += 1;
                        Some(m.serial)
                    }
                    None => self.recent.get(&key).map(|r| r.serial),
                };
                self.sink.notice(kind, ev.ts);
                if let Some(ps) = parent_serial
                    && !child.is_empty()
                {
                    let ckey = QKey::new(origin, chunk.bytes(child));
                    match self.msgs.get(&ckey) {
                        Some(&ci) => {
                            let c = self.slab[ci as usize].as_mut().unwrap();
                            if c.parent.is_none() {
                                c.parent = Some(Link::Notice(ps, kind));
                                let cs = c.serial;
                                self.sink.link(cs, Link::Notice(ps, kind));
                            }
                        }
                        None => {
                            if let Some(r) = self.recent.get(&ckey) {
                                self.sink.link(r.serial, Link::Notice(ps, kind));
                            } else {
                                self.pending_notices.insert(ckey, (ps, kind));
                            }
                        }
                    }
                }
                match existing {
                    Some(i) => i,
                    None => {
                        self.sink.event(None, ev, chunk, &self.names);
                        return;
                    }
                }
            }
            Kind::Removed => {
                let Some(i) = existing else {
                    self.sink.event(None, ev, chunk, &self.names);
                    return;
                };
                self.touch(i, ev.ts);
                let m = self.slab[i as usize].as_mut().unwrap();
                if m.removed_at.is_none() {
                    m.removed_at = Some(ev.ts);
                    self.closing.push_back((ev.ts, key, m.serial));
                }
                let m = self.slab[i as usize].as_ref().unwrap();
                self.sink.event(Some(m), ev, chunk, &self.names);
                return;
            }
            Kind::Deleted | Kind::Discarded | Kind::ContentRejected { .. } => {
                let Some(i) = existing else {
                    if let Kind::ContentRejected { .. } = ev.kind {
                        self.sink.reject(ev, chunk, true);
                    }
                    self.sink.event(None, ev, chunk, &self.names);
                    return;
                };
                self.touch(i, ev.ts);
                let fate = match ev.kind {
                    Kind::Deleted => Fate::Deleted,
                    Kind::Discarded => Fate::Discarded,
                    _ => {
                        self.sink.reject(ev, chunk, true);
                        Fate::Rejected
                    }
                };
                let m = self.slab[i as usize].as_ref().unwrap();
                self.sink.event(Some(m), ev, chunk, &self.names);
                self.finalize(key, fate);
                return;
            }
            Kind::Held | Kind::Released => {
                let idx = existing.unwrap_or_else(|| self.create(key, ev, chunk, origin));
                self.slab[idx as usize].as_mut().unwrap().held = matches!(ev.kind, Kind::Held);
                idx
            }
            Kind::Reject { .. } => {
                self.sink.reject(ev, chunk, false);
                match existing {
                    Some(i) => i,
                    None => {
                        self.sink.event(None, ev, chunk, &self.names);
                        return;
                    }
                }
            }
        };
        self.touch(idx, ev.ts);
        let m = self.slab[idx as usize].as_ref().unwrap();
        self.sink.event(Some(m), ev, chunk, &self.names);
    }

    #[inline]
    fn touch(&mut self, idx: u32, ts: i64) {
        let m = self.slab[idx as usize].as_mut().unwrap();
        if ts > m.last_ts {
            m.last_ts = ts;
        }
    }

    fn progressed(&self, idx: u32) -> bool {
        let m = self.slab[idx as usize].as_ref().unwrap();
        m.queued || m.attempts > 0 || m.expired.is_some() || m.removed_at.is_some()
    }

    /// The fate of a message whose removal was logged.
    fn removal_fate(m: &Msg) -> Fate {
        if m.expired.is_some() {
            Fate::Expired
        } else if m.pending_rcpts().next().is_some() && m.mta == Mta::Postfix {
            // qmgr removes a message only when every recipient is done; pending recipients
            // mean an administrator deleted it (postsuper -d)
            Fate::Deleted
        } else {
            Fate::Removed
        }
    }

    /// Closes a removed message once its grace time is over (unless it was closed already).
    fn close_removed(&mut self, key: QKey, serial: u64) {
        let Some(&i) = self.msgs.get(&key) else {
            return;
        };
        let Some(m) = self.slab[i as usize].as_ref() else {
            return;
        };
        if m.serial != serial {
            return;
        }
        let fate = Self::removal_fate(m);
        self.finalize(key, fate);
    }

    /// The queue id starts a new message: close the previous one (removed, or its end not
    /// logged: replaced).
    fn replace_existing(&mut self, key: QKey) {
        let Some(&i) = self.msgs.get(&key) else {
            return;
        };
        let m = self.slab[i as usize].as_ref().unwrap();
        let fate = if m.removed_at.is_some() {
            Self::removal_fate(m)
        } else {
            Fate::Replaced
        };
        self.finalize(key, fate);
    }

    fn check_hop(&mut self, key: QKey, idx: u32) {
        // by queue id only: the hop may go to another instance on the same host
        let hk = key.with_origin(NONE);
        let Some(h) = self.pending_hops.remove(&hk) else {
            return;
        };
        let m = self.slab[idx as usize].as_mut().unwrap();
        let loopback = m.client.as_deref().is_some_and(|c| {
            c.contains("[127.") || c.contains("[::1]") || c.starts_with("localhost")
        });
        if !loopback || m.parent.is_some() {
            return;
        }
        m.parent = Some(Link::Hop(h.parent));
        let s = m.serial;
        self.sink.link(s, Link::Hop(h.parent));
        for (_, dom, delay) in &h.rcpts {
            self.sink.unhop(h.ts, *dom, h.relay, *delay);
        }
        // the parent's recipients were handed off, not delivered
        if let Some(k) = self.serial_keys.get(&h.parent).copied()
            && let Some(&pi) = self.msgs.get(&k)
            && let Some(pm) = self.slab[pi as usize].as_mut()
        {
            for r in &mut pm.rcpts {
                if r.state == RcptState::Delivered && h.rcpts.iter().any(|x| x.0 == r.addr) {
                    r.state = RcptState::Forwarded;
                }
            }
        }
    }

    fn expire(&mut self, idx: u32, ts: i64) {
        let m = self.slab[idx as usize].as_mut().unwrap();
        if m.expired.is_some() {
            return;
        }
        m.expired = Some(ts);
        for r in &mut m.rcpts {
            if r.state == RcptState::Pending {
                r.state = RcptState::Expired;
                r.done_at = ts;
            }
        }
        let m = self.slab[idx as usize].as_ref().unwrap();
        self.sink.expired(m, ts, &self.names);
    }

    fn on_attempt(
        &mut self,
        idx: u32,
        ev: &Event,
        a: &Attempt,
        chunk: &Chunk,
        origin: u32,
        local: Option<(u32, [u32; 3])>,
    ) {
        if a.status == Status::Probe {
            return;
        }
        let names = &mut self.names;
        let maps = &mut self.local_maps;
        let (relay, text) = match local {
            Some((owner, [lr, lt, _])) => (
                if lr == NONE {
                    NONE
                } else {
                    maps.get(names, owner, lr, chunk.bytes(a.relay_host), true)
                },
                if lt == NONE {
                    NONE
                } else {
                    maps.get(names, owner, lt, chunk.bytes(a.norm), false)
                },
            ),
            None => (
                if a.relay_host.is_empty() {
                    NONE
                } else {
                    names.intern_lower(chunk.bytes(a.relay_host))
                },
                if a.norm.is_empty() {
                    NONE
                } else {
                    names.intern(chunk.bytes(a.norm))
                },
            ),
        };
        let rcpt_b = chunk.bytes(a.rcpt);
        let m = self.slab[idx as usize].as_mut().unwrap();
        m.attempts += 1;
        if m.est_arrival.is_none()
            && let Some(d) = a.delay
        {
            m.est_arrival = Some(ev.ts - (d as f64 * MICROS as f64) as i64);
        }
        let ri = rcpt_index(m, rcpt_b, a.orig, chunk, names, |names| match local {
            Some((owner, [_, _, ld])) if ld != NONE => match memchr::memrchr(b'@', rcpt_b) {
                Some(at) => maps.get(names, owner, ld, &rcpt_b[at + 1..], true),
                None => maps.get(names, owner, ld, b"", false),
            },
            _ => domain_of(names, rcpt_b),
        }) as usize;
        let parent_serial = m.serial;
        // a hand-off to a content filter / next local instance whose continuation is already
        // known (re-injected before the 250 was logged, the usual order)
        let mut hop_child: Option<HopChild> = None;
        if a.status == Status::Sent && !a.hop.is_empty() {
            let child = chunk.bytes(a.hop);
            let host = self.origin_names[origin as usize].clone();
            for ((h, _), &oid) in &self.origins {
                if **h != *host.as_bytes() {
                    continue;
                }
                let ck = QKey::new(oid, child);
                if let Some(&ci) = self.msgs.get(&ck) {
                    hop_child = Some((Some(ci), None));
                    break;
                }
                if let Some(r) = self.recent.get(&ck) {
                    hop_child = Some((None, Some((r.serial, r.arrival, r.counted_received))));
                    break;
                }
            }
        }
        let m = self.slab[idx as usize].as_mut().unwrap();
        let mut first_defer = false;
        let mut new_text = false;
        let mut duplicate = false;
        let mut hop = false;
        {
            let r = &mut m.rcpts[ri];
            r.relay = relay;
            match a.status {
                Status::Sent if hop_child.is_some() => {
                    hop = true;
                    r.state = RcptState::Forwarded;
                    r.done_at = ev.ts;
                }
                Status::Sent => {
                    if r.state == RcptState::Delivered {
                        duplicate = true;
                    } else {
                        r.state = RcptState::Delivered;
                        r.done_at = ev.ts;
                    }
                }
                Status::Deferred => {
                    if r.defers == 0 {
                        first_defer = true;
                        r.first_defer = ev.ts;
                    }
                    r.defers += 1;
                    r.last_reason = Some(a.reason);
                    r.last_text = text;
                    if text != NONE && !r.texts.contains(&text) {
                        new_text = true;
                        if r.texts.len() < 8 {
                            r.texts.push(text);
                        }
                    }
                }
                Status::Bounced => {
                    if r.state != RcptState::Bounced {
                        r.state = RcptState::Bounced;
                        r.done_at = ev.ts;
                    } else {
                        duplicate = true;
                    }
                    r.last_reason = Some(a.reason);
                    r.last_text = text;
                    if text != NONE && !r.texts.contains(&text) {
                        new_text = true;
                    }
                }
                Status::Probe => {}
            }
        }
        if a.status == Status::Deferred {
            m.deferrals += 1;
        }
        let expired_now =
            a.reason == Reason::Expired && a.status == Status::Bounced && m.mta != Mta::Postfix;
        if expired_now {
            m.rcpts[ri].state = RcptState::Expired;
        }
        let m = self.slab[idx as usize].as_ref().unwrap();
        let ctx = AttemptCtx {
            ts: ev.ts,
            msg: m,
            rcpt: ri,
            attempt: a,
            chunk,
            relay,
            text,
            new_text_for_rcpt: new_text,
            first_defer,
            duplicate,
            hop,
        };
        self.sink.attempt(&ctx, &self.names);
        if expired_now && m.expired.is_none() {
            let mm = self.slab[idx as usize].as_mut().unwrap();
            mm.expired = Some(ev.ts);
            let mm = self.slab[idx as usize].as_ref().unwrap();
            self.sink.expired(mm, ev.ts, &self.names);
        }
        match hop_child {
            Some((Some(ci), _)) => {
                let c = self.slab[ci as usize].as_mut().unwrap();
                if c.parent.is_none() {
                    c.parent = Some(Link::Hop(parent_serial));
                    let cs = c.serial;
                    self.sink.link(cs, Link::Hop(parent_serial));
                }
            }
            Some((None, Some((cs, arrival, counted)))) => {
                if counted && let Some(arr) = arrival {
                    self.sink.unreceive(arr);
                }
                self.sink.link(cs, Link::Hop(parent_serial));
            }
            _ => {
                if a.status == Status::Sent && !a.hop.is_empty() && !duplicate {
                    // counted as delivered; taken back if the continuation shows up
                    let m = self.slab[idx as usize].as_ref().unwrap();
                    let r = &m.rcpts[ri];
                    let delay = a
                        .delay
                        .map(|d| d as f64)
                        .unwrap_or_else(|| ((ev.ts - m.arrival_or_est()) / MICROS).max(0) as f64);
                    let hk = QKey::new(NONE, chunk.bytes(a.hop));
                    let entry = (r.addr.clone(), r.domain, delay);
                    self.pending_hops
                        .entry(hk)
                        .and_modify(|h| h.rcpts.push(entry.clone()))
                        .or_insert(PendingHop {
                            parent: parent_serial,
                            ts: ev.ts,
                            rcpts: vec![entry],
                            relay,
                        });
                }
            }
        }
    }

    fn sweep(&mut self, now: i64) {
        let hour = HOUR;
        self.recent.retain(|_, r| now - r.ts < hour);
        self.pending_hops
            .retain(|_, h| now - h.ts <= 15 * 60 * MICROS);
        self.pending_notices.clear();
        let lifetime = self.opts.queue_lifetime * MICROS;
        let mut close = Vec::new();
        for (k, &i) in &self.msgs {
            let m = self.slab[i as usize].as_ref().unwrap();
            let idle = now - m.last_ts;
            let all_final = !m.rcpts.is_empty() && m.rcpts.iter().all(|r| r.state.is_final());
            if m.mta == Mta::Postfix {
                if !m.queued && m.attempts == 0 && m.expired.is_none() && idle > hour {
                    close.push((*k, Fate::Abandoned));
                } else if idle > lifetime + 86_400 * MICROS {
                    close.push((*k, Fate::Lost));
                }
            } else if all_final && idle > hour {
                close.push((
                    *k,
                    if m.expired.is_some() {
                        Fate::Expired
                    } else {
                        Fate::Completed
                    },
                ));
            } else if idle > lifetime + 86_400 * MICROS {
                close.push((*k, Fate::Lost));
            }
        }
        for (k, f) in close {
            self.finalize(k, f);
        }
    }

    /// Ends the input: closes every message still in flight (pending, or completed for MTAs
    /// that log no removal) and returns the sink.
    pub fn finish(mut self) -> (S, Names, Option<i64>, i64) {
        let mut keys: Vec<(u64, QKey)> = self
            .msgs
            .iter()
            .map(|(k, &i)| (self.slab[i as usize].as_ref().unwrap().serial, *k))
            .collect();
        keys.sort_unstable_by_key(|(s, _)| *s);
        for (_, k) in keys {
            let i = self.msgs[&k];
            let m = self.slab[i as usize].as_ref().unwrap();
            let all_final = !m.rcpts.is_empty() && m.rcpts.iter().all(|r| r.state.is_final());
            let fate = if m.removed_at.is_some() {
                Self::removal_fate(m)
            } else if m.mta != Mta::Postfix && all_final {
                if m.expired.is_some() {
                    Fate::Expired
                } else {
                    Fate::Completed
                }
            } else if m.mta == Mta::Postfix && !m.queued && m.attempts == 0 && m.expired.is_none() {
                Fate::Abandoned
            } else if m.expired.is_some() && m.pending_rcpts().next().is_none() {
                Fate::Expired
            } else {
                Fate::Pending
            };
            self.finalize(k, fate);
        }
        (self.sink, self.names, self.first_ts, self.last_ts)
    }
}

/// The interned lower-case domain of an address (`""` without `@`).
fn domain_of(names: &mut Names, addr: &[u8]) -> u32 {
    match memchr::memrchr(b'@', addr) {
        Some(at) => names.intern_lower(&addr[at + 1..]),
        None => names.intern(b""),
    }
}

fn rcpt_index(
    m: &mut Msg,
    addr: &[u8],
    orig: Span,
    chunk: &Chunk,
    names: &mut Names,
    domain: impl FnOnce(&mut Names) -> u32,
) -> u32 {
    if let Some(ix) = &m.rcpt_index {
        if let Some(&i) = ix.get(addr) {
            return i;
        }
    } else {
        for (i, r) in m.rcpts.iter().enumerate() {
            if r.addr.as_bytes() == addr {
                return i as u32;
            }
        }
    }
    let domain = domain(names);
    let i = m.rcpts.len() as u32;
    m.rcpts.push(Rcpt {
        addr: ShortStr::new(addr),
        orig: (!orig.is_empty()).then(|| ShortStr::new(chunk.bytes(orig))),
        domain,
        state: RcptState::Pending,
        defers: 0,
        first_defer: 0,
        done_at: 0,
        last_reason: None,
        last_text: NONE,
        relay: NONE,
        texts: Vec::new(),
    });
    if m.rcpts.len() > 16 {
        let ix = m.rcpt_index.get_or_insert_with(|| {
            m.rcpts
                .iter()
                .enumerate()
                .map(|(i, r)| (Box::<[u8]>::from(r.addr.as_bytes()), i as u32))
                .collect()
        });
        ix.insert(addr.into(), i);
    }
    i
}

/// Calls `f` with `b` lower-cased (ASCII), without allocating for names up to 256 bytes or
/// names already in lower case.
#[inline]
fn with_lower<R>(b: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    if !has_upper(b) {
        return f(b);
    }
    let mut buf = [0u8; 256];
    if b.len() <= buf.len() {
        let l = &mut buf[..b.len()];
        l.copy_from_slice(b);
        l.make_ascii_lowercase();
        return f(l);
    }
    f(&b.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_intern_and_grow() {
        let mut n = Names::default();
        let a = n.intern(b"example.com");
        assert_eq!(n.intern(b"example.com"), a);
        assert_eq!(n.intern_lower(b"EXAMPLE.com"), a);
        assert_eq!(n.get(a), "example.com");
        // past several growths of the table every id still resolves to its own name
        let ids: Vec<u32> = (0..5000)
            .map(|i| n.intern(format!("d{i}.test").as_bytes()))
            .collect();
        for (i, &id) in ids.iter().enumerate() {
            assert_eq!(n.get(id), format!("d{i}.test"));
            assert_eq!(n.intern(format!("d{i}.test").as_bytes()), id);
        }
        assert_eq!(n.intern(b"example.com"), a);
        assert_ne!(n.intern(b""), a);
        // invalid UTF-8 keeps its own identity (the lossy text is only for display)
        let x = n.intern(b"a\xff");
        let y = n.intern(b"a\xfe");
        assert_ne!(x, y);
        assert_eq!(n.get(x), "a\u{fffd}");
    }

    #[test]
    fn upper_case_found_as_a_byte_loop_does() {
        let mut cases: Vec<Vec<u8>> = vec![b"".to_vec(), b"mx.example.com".to_vec()];
        for c in 0..=255u8 {
            for pos in [0usize, 3, 7, 8, 12] {
                let mut v = b"abcdefghijklm".to_vec();
                v[pos] = c;
                cases.push(v);
            }
        }
        for v in cases {
            assert_eq!(has_upper(&v), v.iter().any(u8::is_ascii_uppercase), "{v:?}");
        }
    }

    #[test]
    fn queue_keys() {
        let ids: [&[u8]; 8] = [
            b"",
            b"4F2B3C1D9A",
            b"3XkQ2m1RzYz8vW",
            b"1abcDE-000123-AB",
            b"123456789012345678901234",
            b"1234567890123456789012345",
            b"123456789012345678901234567",
            b"a-queue-id-much-longer-than-twenty-seven-bytes",
        ];
        for (i, a) in ids.iter().enumerate() {
            for (j, b) in ids.iter().enumerate() {
                assert_eq!(QKey::new(1, a) == QKey::new(1, b), i == j);
                assert!(QKey::new(1, a) != QKey::new(2, b));
            }
            if a.len() <= 27 {
                assert!(QKey::new(1, a).with_origin(NONE) == QKey::new(NONE, a));
            }
            assert!(QKey::new(1, a).with_origin(7) == QKey::new(3, a).with_origin(7));
        }
        // ids that differ only past the first eight bytes, or by trailing zero bytes
        assert!(QKey::new(1, b"ABCDEFGH1") != QKey::new(1, b"ABCDEFGH2"));
        assert!(QKey::new(1, b"AB") != QKey::new(1, b"AB\0"));
    }

    #[test]
    fn short_strings() {
        let s = ShortStr::new(b"D0294E70F9D");
        assert!(matches!(s, ShortStr::Inline { .. }));
        assert_eq!(&*s, "D0294E70F9D");
        assert_eq!(s.to_string(), "D0294E70F9D");
        let long = "a-very-long-host-name.with.many.labels.in.a.subdomain.example.org";
        let l = ShortStr::new(long.as_bytes());
        assert!(matches!(l, ShortStr::Heap(_)));
        assert_eq!(l.as_str(), long);
        assert_eq!(ShortStr::new(b"q\xff").as_str(), "q\u{fffd}");
        assert_eq!(ShortStr::new(b"").as_str(), "");
    }
}
