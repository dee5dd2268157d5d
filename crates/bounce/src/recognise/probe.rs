//! What the probes ask of every message, read once per message: lower-case copies of the
//! `From` and `Subject` fields (searched exactly, without case folding per phrase and probe),
//! the `Received` fields (read and joined once), the `Message-ID` and `X-Mailer` values.
//!
//! A [`Probe`] derefs to the [`Mail`], so a probe reads the message as before; each fact is
//! worked out on its first use only.

use std::cell::OnceCell;
use std::ops::Deref;
use std::sync::LazyLock;

use aho_corasick::Span;
use aho_corasick::packed::{Config, MatchKind as PackedKind, Searcher};

use crate::fields::NameSet;
use crate::mail::Mail;

/// The header fields the probes test for (lower case; at most 64): which of them the message
/// has is found in one pass over its fields (see [`has_header`]).
pub const HEADERS: &[&str] = &[
    "message-id",
    "x-mailer",
    "return-path",
    "content-language",
    "x-ahmailid",
    "x-ses-outgoing",
    "x-ms-embedded-report",
    "x-mimeole",
    "x-mx-bounce",
    "x-mxl-hash",
    "x-mxl-notehash",
    "x-failed-recipients",
    "envelope-to",
    "x-nai-header",
    "x-ms-exchange-message-is-ndr",
    "x-ms-exchange-crosstenant-originalarrivaltime",
    "x-store-info",
    "x-autoreply",
    "x-autorespond",
    "x-ymailisg",
    "x-zohomail",
    "x-apple-unsubscribe",
    "x-mlserver",
    "auto-submitted",
    "x-apple-action",
    "precedence",
];

/// The phrases the probes look for in the body (lower case, at most 64): which of them the
/// body has is found in one pass of a multi-phrase vector search over its lower-case copy
/// (see [`body_ci`]) instead of one search of the whole body per phrase.
pub const BODY: &[&str] = &[
    "this is the dragonfly mail agent",
    "--- the header of the original message is following. ---",
    "------- failure reasons",
    "---the following addresses had delivery errors---",
    "we had trouble delivering your message. full details follow:",
    "-------server message",
    "message from interscan messaging security suite",
    "this is the postfix program at host",
    "----- transcript of session follows -----",
    "the original message was received at",
    "message details:",
    "did not reach the following recipient(s):",
    "unable to deliver message to the following address(es).",
    "your delivery to the following address has been failed.",
    "the problem appears to be :",
    "this report relates to a message you sent with the following header fields",
];

/// [`HEADERS`], indexed for [`crate::fields::Headers::present`].
static HEADER_SET: LazyLock<NameSet> = LazyLock::new(|| NameSet::new(HEADERS));

/// The position of `s` in `list` (a compile-time error when it is not there).
pub const fn index(list: &[&str], s: &str) -> u32 {
    let mut i = 0;
    while i < list.len() {
        let (a, b) = (list[i].as_bytes(), s.as_bytes());
        if a.len() == b.len() {
            let mut k = 0;
            while k < a.len() && a[k] == b[k] {
                k += 1;
            }
            if k == a.len() {
                return i as u32;
            }
        }
        i += 1;
    }
    panic!("name not in the probe's list")
}

/// True when the message has a header field of that name (one of [`HEADERS`]).
macro_rules! has_header {
    ($m:expr, $s:literal) => {
        $m.header_bit({
            const I: u32 = $crate::recognise::probe::index($crate::recognise::probe::HEADERS, $s);
            I
        })
    };
}

/// True when the body contains the phrase (one of [`BODY`]), ASCII case-insensitively.
macro_rules! body_ci {
    ($m:expr, $s:literal) => {
        $m.body_bit({
            const I: u32 = $crate::recognise::probe::index($crate::recognise::probe::BODY, $s);
            I
        })
    };
}

/// The first value of a header field (one of [`HEADERS`]); the fields are read only when the
/// message has one.
macro_rules! header {
    ($m:expr, $s:literal) => {
        ($crate::recognise::probe::has_header!($m, $s))
            .then(|| $m.mail().headers.get($s))
            .flatten()
    };
}

/// [`Mail::header_contains`] of a field of [`HEADERS`], read only when the message has one.
macro_rules! header_contains {
    ($m:expr, $s:literal, $n:expr) => {
        $crate::recognise::probe::has_header!($m, $s) && $m.mail().header_contains($s, $n)
    };
}

pub(crate) use {body_ci, has_header, header, header_contains};

/// The search for the [`BODY`] phrases, and for each phrase the phrases that are prefixes of
/// it (itself included).
struct BodySearch {
    searcher: Searcher,
    prefixes: Vec<u64>,
}

/// `None` where the vector search is not available (the phrases are then searched one by one).
static BODY_SEARCH: LazyLock<Option<BodySearch>> = LazyLock::new(|| {
    let searcher = Config::new()
        .match_kind(PackedKind::LeftmostLongest)
        .builder()
        .extend(BODY)
        .build()?;
    let prefixes = BODY
        .iter()
        .map(|p| {
            BODY.iter()
                .enumerate()
                .filter(|(_, q)| p.starts_with(**q))
                .fold(0u64, |m, (j, _)| m | 1 << j)
        })
        .collect();
    Some(BodySearch { searcher, prefixes })
});

/// Which [`BODY`] phrases occur in `lower` (a lower-case text), one bit each. The search
/// reports the longest phrase at the leftmost position where one starts, and starts again one
/// byte after it: every position where a phrase starts is reported, and the phrases found
/// there are the reported one and its prefixes.
fn body_phrases(bs: &BodySearch, lower: &[u8]) -> u64 {
    let mut found = 0u64;
    let mut at = 0;
    while at < lower.len() {
        let Some(m) = bs.searcher.find_in(lower, Span::from(at..lower.len())) else {
            break;
        };
        found |= bs
            .prefixes
            .get(m.pattern().as_usize())
            .copied()
            .unwrap_or(0);
        at = m.start() + 1;
    }
    found
}

/// [`body_phrases`] one phrase at a time.
fn body_phrases_slow(body: &str) -> u64 {
    BODY.iter()
        .enumerate()
        .filter(|(_, p)| crate::text::contains_ci(body, p))
        .fold(0u64, |m, (i, _)| m | 1 << i)
}

/// A short text, ASCII lower-cased, with where each byte class stands in it (bit `p` of
/// `at[CLASS[c]]` when byte `p` is `c`; texts of at most 64 bytes): a phrase's candidates are
/// the positions where the classes of its first four bytes stand in a row, found with four
/// loads and shifts instead of a search of the text; each is then compared whole.
struct Indexed {
    short: [u8; 64],
    len: usize,
    /// A text longer than 64 bytes (searched, not indexed).
    long: Option<Box<[u8]>>,
    at: [u64; 64],
}

/// The class of a byte in [`Indexed`]: letters (either case) and digits each their own, the
/// other bytes shared (a shared class only costs a compare).
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = (i as u8).to_ascii_lowercase();
        t[i] = match b {
            b'a'..=b'z' => b - b'a',
            b'0'..=b'9' => 26 + b - b'0',
            _ => 36 + b % 28,
        };
        i += 1;
    }
    t
};

impl Indexed {
    fn new(s: &str) -> Self {
        let b = s.as_bytes();
        let mut ix = Indexed {
            short: [0; 64],
            len: b.len(),
            long: None,
            at: [0; 64],
        };
        match ix.short.get_mut(..b.len()) {
            Some(short) => {
                short.copy_from_slice(b);
                short.make_ascii_lowercase();
                for (p, &c) in short.iter().enumerate() {
                    if let Some(a) = ix.at.get_mut(CLASS[c as usize] as usize) {
                        *a |= 1 << p;
                    }
                }
            }
            None => ix.long = Some(b.to_ascii_lowercase().into()),
        }
        ix
    }

    /// True when the text contains `n` (lower case), ASCII case-insensitively.
    fn contains(&self, n: &[u8]) -> bool {
        if n.is_empty() {
            return true;
        }
        if let Some(long) = &self.long {
            return contains(long, n);
        }
        let h = self.short.get(..self.len).unwrap_or_default();
        let Some(last) = h.len().checked_sub(n.len()) else {
            return false;
        };
        // start positions 0..=last (h.len() <= 64, so last <= 63)
        let mut cand = u64::MAX >> (63 - last);
        for (k, &c) in n.iter().take(4).enumerate() {
            cand &= self
                .at
                .get(CLASS[c as usize] as usize)
                .copied()
                .unwrap_or(0)
                >> k;
        }
        while cand != 0 {
            let p = cand.trailing_zeros() as usize;
            if h.get(p..p + n.len())
                .is_some_and(|w| crate::text::lower::same(w, n))
            {
                return true;
            }
            cand &= cand - 1;
        }
        false
    }
}

/// True when `hay` contains `n` (exact; candidates from `memchr` on the first byte, each
/// compared whole).
fn contains(hay: &[u8], n: &[u8]) -> bool {
    let Some((&first, rest)) = n.split_first() else {
        return true;
    };
    let Some(last) = hay.len().checked_sub(n.len()) else {
        return false;
    };
    let Some(starts) = hay.get(..=last) else {
        return false;
    };
    memchr::memchr_iter(first, starts).any(|p| hay.get(p + 1..p + n.len()) == Some(rest))
}

/// A message seen by the probes (derefs to the [`Mail`]).
pub struct Probe<'p, 'm> {
    mail: &'p Mail<'m>,
    /// `From` and `Subject`, ASCII lower-cased and indexed.
    from: OnceCell<Indexed>,
    subject: OnceCell<Indexed>,
    /// The `Received` values joined with LF, ASCII lower-cased.
    received: OnceCell<String>,
    /// Which of [`BODY`] the body has.
    body: std::cell::Cell<Option<u64>>,
    /// Which of [`HEADERS`] the message has.
    heads: std::cell::Cell<Option<u64>>,
    message_id: OnceCell<Option<&'p str>>,
    x_mailer: OnceCell<Option<&'p str>>,
}

impl<'m> Deref for Probe<'_, 'm> {
    type Target = Mail<'m>;
    fn deref(&self) -> &Mail<'m> {
        self.mail
    }
}

impl<'p, 'm> Probe<'p, 'm> {
    /// The probes' view of `mail`.
    pub fn new(mail: &'p Mail<'m>) -> Self {
        Probe {
            mail,
            from: OnceCell::new(),
            subject: OnceCell::new(),
            received: OnceCell::new(),
            body: std::cell::Cell::new(None),
            heads: std::cell::Cell::new(None),
            message_id: OnceCell::new(),
            x_mailer: OnceCell::new(),
        }
    }

    /// The message.
    pub fn mail(&self) -> &'p Mail<'m> {
        self.mail
    }

    /// True when the body contains [`BODY`]`[i]` (see [`body_ci`]).
    #[inline]
    pub fn body_bit(&self, i: u32) -> bool {
        let m = match self.body.get() {
            Some(m) => m,
            None => {
                let body = &self.mail.body;
                let m = BODY_SEARCH
                    .as_ref()
                    .and_then(|bs| {
                        crate::text::lower::with_registered(body, |l| body_phrases(bs, l))
                    })
                    .unwrap_or_else(|| body_phrases_slow(body));
                self.body.set(Some(m));
                m
            }
        };
        m >> i & 1 != 0
    }

    /// True when the message has a field named [`HEADERS`]`[i]` (see [`has_header`]).
    #[inline]
    pub fn header_bit(&self, i: u32) -> bool {
        let m = match self.heads.get() {
            Some(m) => m,
            None => {
                let m = self.mail.headers.present(&HEADER_SET);
                self.heads.set(Some(m));
                m
            }
        };
        m >> i & 1 != 0
    }

    /// True when the `From` field contains `needle` (lower case), ASCII case-insensitively
    /// (as [`crate::text::contains_ci`]).
    pub fn in_from(&self, needle: &str) -> bool {
        self.from
            .get_or_init(|| Indexed::new(&self.mail.from))
            .contains(needle.as_bytes())
    }

    /// True when the `Subject` field contains `needle` (lower case), ASCII case-insensitively.
    pub fn in_subject(&self, needle: &str) -> bool {
        self.subject
            .get_or_init(|| Indexed::new(&self.mail.subject))
            .contains(needle.as_bytes())
    }

    /// The `Received` values joined with LF, lower-cased.
    fn received(&self) -> &[u8] {
        self.received
            .get_or_init(|| {
                let mut all = String::with_capacity(2048);
                for (i, r) in self.mail.headers.get_all("received").enumerate() {
                    if i > 0 {
                        all.push('\n');
                    }
                    all.push_str(r);
                }
                all.make_ascii_lowercase();
                all
            })
            .as_bytes()
    }

    /// True when a `Received` field contains `needle` (lower case, no LF), ASCII
    /// case-insensitively.
    pub fn received_ci(&self, needle: &str) -> bool {
        debug_assert!(!needle.contains('\n'));
        crate::text::lower::find_exact(self.received(), needle.as_bytes()).is_some()
    }

    /// True when a `Received` field contains `needle` (lower case, no LF) as written.
    pub fn received_exact(&self, needle: &str) -> bool {
        // found as written only where found in the lower-case copy
        self.received_ci(needle)
            && self
                .mail
                .headers
                .get_all("received")
                .any(|r| r.contains(needle))
    }

    /// The first `Message-ID` value.
    pub fn message_id(&self) -> Option<&'p str> {
        *self.message_id.get_or_init(|| header!(self, "message-id"))
    }

    /// The first `X-Mailer` value.
    pub fn x_mailer(&self) -> Option<&'p str> {
        *self
            .x_mailer
            .get_or_init(|| self.mail.headers.get("x-mailer"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::contains_ci;

    /// The one pass over the body finds the phrases as the search of each phrase, where phrases
    /// overlap, share a start or follow one another.
    #[test]
    fn body_phrases_as_searched() {
        let bs = BODY_SEARCH.as_ref().expect("vector search");
        let mut texts: Vec<String> = vec![
            String::new(),
            "x".into(),
            "Final-Recipient: rfc822; a@b\nfinal-recipient: x".into(),
            "InterScan MSS: Message from InterScan Messaging Security Suite.\n".into(),
            "----- Transcript of session follows -----\nThe original message was received at x"
                .into(),
            "this is the postfix program at hostthis is the dragonfly mail agent".into(),
            "msexch:did not reach the following recipient(s):\n\nfinal-recipient:".into(),
            "--- The header of the original message is following. ---".into(),
        ];
        // every phrase, alone, glued to the next, and cut short by one byte
        for (i, p) in BODY.iter().enumerate() {
            let next = BODY[(i + 1) % BODY.len()];
            texts.push(p.to_uppercase());
            texts.push(format!("{p}{next}"));
            texts.push(format!("a{}", &p[..p.len() - 1]));
            texts.push(format!("{}{p}", &next[..next.len() / 2]));
        }
        for t in &texts {
            let lower = t.to_ascii_lowercase();
            assert_eq!(
                body_phrases(bs, lower.as_bytes()),
                body_phrases_slow(t),
                "{t:?}"
            );
        }
    }

    /// The one pass over the fields finds the fields as the search of each name.
    #[test]
    fn headers_present() {
        let raw = b"Received: a\nX-Mailer: b\nMessage-ID: <c>\nX-Ms-Exchange-Message-Is-NDR: \nreturn-path: <>\nX Mailer: spaced\nContent-Language: en\nX-\xc3\xa9t\xc3\xa9: x\nX-MXL-Hash: 1\nSubject: s\n\nbody\n";
        let mail = Mail::parse(raw).expect("mail");
        let p = Probe::new(&mail);
        for (i, h) in HEADERS.iter().enumerate() {
            assert_eq!(p.header_bit(i as u32), mail.has_header(h), "{h}");
        }
        let names = [
            "received", "subject", "x mailer", "x-été", "", "x-mailer", "nope",
        ];
        let got = mail.headers.present(&NameSet::new(&names));
        for (i, n) in names.iter().enumerate() {
            assert_eq!(got >> i & 1 != 0, mail.has_header(n), "{n:?}");
        }
        assert_eq!(mail.headers.present(&NameSet::new(&[])), 0);
    }

    /// The search of the lower-case copy answers as the case-insensitive search.
    #[test]
    fn as_searched() {
        let texts = [
            "Mail Delivery System <MAILER-DAEMON@example.org>",
            "MAILER-DAEMON@mail.gmx.net",
            "\"InterScan MSS\" <postmaster@au.com>",
            "Undelivered Mail Returned to Sender; Failure Notice : x",
            "mailer-daemon",
            "mailer-daemo",
            "",
            "m",
            "é Mail Delivery Subsystem é @Yahoo.co.jp vzwpix.com ÉÉ",
            "mmmmailer-daemonn",
        ];
        let needles = [
            "mailer-daemon",
            "mailer-daemon@",
            "postmaster@au.com",
            "\"interscan",
            "failure notice :",
            "m",
            "é mail",
            "@yahoo.",
            "n",
            "mailer-daemonn",
            "",
        ];
        let long = format!("{}{}", "x".repeat(60), "Mailer-Daemon"); // past the index
        let exact = format!("{}{}", "x".repeat(51), "Mailer-Daemon"); // ends at byte 64
        for t in texts.iter().copied().chain([long.as_str(), exact.as_str()]) {
            let lower = t.to_ascii_lowercase();
            let ix = Indexed::new(t);
            for n in needles {
                let want = contains_ci(t, n);
                assert_eq!(
                    contains(lower.as_bytes(), n.as_bytes()),
                    want,
                    "{t:?} {n:?}"
                );
                assert_eq!(ix.contains(n.as_bytes()), want, "{t:?} {n:?}");
            }
        }
    }
}
