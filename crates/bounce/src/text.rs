//! Text helpers shared by the recognisers: case-insensitive search, addresses, reply codes,
//! dates, whitespace.

use std::borrow::Cow;

use mailway_status::EnhancedStatus;

/// Converts CRLF and CR line endings to LF (borrows when there is no CR).
pub fn normalize_text(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    let Some(mut cr) = memchr::memchr(b'\r', b) else {
        return Cow::Borrowed(s);
    };
    // one pass: a CR before an LF is dropped, any other CR becomes an LF (the same text as
    // replacing CRLF, then CR)
    let mut out = String::with_capacity(s.len());
    let mut from = 0;
    loop {
        // CR is ASCII: every offset here is a character boundary
        out.push_str(&s[from..cr]);
        out.push('\n');
        from = if b.get(cr + 1) == Some(&b'\n') {
            cr + 2
        } else {
            cr + 1
        };
        match memchr::memchr(b'\r', &b[from..]) {
            Some(k) => cr = from + k,
            None => break,
        }
    }
    out.push_str(&s[from..]);
    Cow::Owned(out)
}

/// ASCII case-insensitive substring test; `needle` must be lower case.
pub fn contains_ci(hay: &str, needle: &str) -> bool {
    find_ci(hay, needle).is_some()
}

/// ASCII case-insensitive find; `needle` must be lower case. Returns the byte offset.
///
/// Candidates are found with `memchr` on the needle's least common byte (by a fixed table of
/// how often bytes occur in bounce text), so that a search for "transcript of session" does
/// not stop at every `t` of the text; each candidate is then compared whole.
pub fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    find_ci_bytes(hay.as_bytes(), needle.as_bytes())
}

/// [`find_ci`] over bytes (`n` lower case).
pub fn find_ci_bytes(h: &[u8], n: &[u8]) -> Option<usize> {
    if n.is_empty() {
        return Some(0);
    }
    if h.len() < n.len() {
        return None;
    }
    if h.len() >= LOWER_MIN
        && let Some(found) = lower::find(h, n)
    {
        return found;
    }
    if h.len() < LOWER_MIN {
        return find_ci_short(h, n);
    }
    // long texts: anchored on the needle's rarest byte
    let mut idx = 0;
    if h.len() >= 256 {
        for (i, &b) in n.iter().enumerate() {
            if RANK[b as usize] < RANK[n[idx] as usize] {
                idx = i;
            }
        }
    }
    let lo = n[idx];
    let up = lo.to_ascii_uppercase();
    // anchor positions run from idx to the last one that leaves room for the whole needle
    let last = h.len() - n.len() + idx;
    let mut from = idx;
    while from <= last {
        let rest = &h[from..=last];
        let off = if lo == up {
            memchr::memchr(lo, rest)?
        } else {
            memchr::memchr2(lo, up, rest)?
        };
        let p = from + off - idx;
        if h[p..p + n.len()]
            .iter()
            .zip(n)
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
        {
            return Some(p);
        }
        from += off + 1;
    }
    None
}

/// [`find_ci_bytes`] in a short text (a header value): the candidates for the needle's first
/// byte are found eight bytes at a time (a word compare instead of a `memchr2` call per
/// candidate, which cost more than the search of such a text). `h` is at least as long as `n`,
/// `n` is not empty.
fn find_ci_short(h: &[u8], n: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let lo = n[0];
    let up = lo.to_ascii_uppercase();
    let last = h.len() - n.len();
    let at = |p: usize| {
        (h[p] == lo || h[p] == up)
            && h[p + 1..p + n.len()]
                .iter()
                .zip(&n[1..])
                .all(|(a, b)| a.to_ascii_lowercase() == *b)
    };
    let (vlo, vup) = (ONES * u64::from(lo), ONES * u64::from(up));
    let mut p = 0;
    // whole words of start positions: a byte of `x` (or `y`) is zero where the text has the
    // first byte; the test flags every such byte, and maybe a few others (checked again)
    while p + 8 <= last + 1 {
        let w = u64::from_le_bytes(h[p..p + 8].try_into().ok()?);
        let (x, y) = (w ^ vlo, w ^ vup);
        let mut m = ((x.wrapping_sub(ONES) & !x) | (y.wrapping_sub(ONES) & !y)) & HIGH;
        while m != 0 {
            let q = p + (m.trailing_zeros() / 8) as usize;
            if at(q) {
                return Some(q);
            }
            m &= m - 1;
        }
        p += 8;
    }
    (p..=last).find(|&q| at(q))
}

/// Runs `f`, which searches `text` for many phrases: a long text through one lower-case copy
/// of it (see [`lower`]), a short one directly.
pub fn with_phrases<R>(text: &str, f: impl FnOnce() -> R) -> R {
    if text.len() >= LOWER_MIN {
        lower::with(text, f)
    } else {
        f()
    }
}

/// Texts shorter than this are searched directly, longer ones through [`lower`].
const LOWER_MIN: usize = 64;

/// Lower-case copies of the texts searched most (the body of the message being recognised, its
/// delivery-status part, its `Received` fields): [`find_ci_bytes`] over a slice of such a text
/// is an exact search of the same slice of its copy (ASCII lower-casing keeps every byte
/// offset), with a substring searcher built once per needle and kept. The recognisers look for
/// some hundred fixed phrases in the same body; a search on the rarest byte of each stopped at
/// every occurrence of that byte.
pub mod lower {
    use std::cell::RefCell;

    use memchr::memmem::Finder;

    /// Searchers kept at most (needles are fixed phrases; a few come from the message).
    const MAX_FINDERS: usize = 4096;
    /// Slots of the searcher table (a power of two, twice [`MAX_FINDERS`]).
    const SLOTS: usize = 2 * MAX_FINDERS;
    /// Other texts at least this long are searched through a lower-case copy of their own;
    /// shorter ones are left to the caller's direct search (cheaper than the copy).
    const COPY_MIN: usize = 1024;

    /// One registered text: its address and length, and where its copy starts in `lower`.
    #[derive(Clone, Copy)]
    struct Doc {
        start: usize,
        len: usize,
        at: usize,
    }

    /// The searchers, by needle: open addressing over a cheap hash of the needle's length and
    /// its first and last bytes (the needle itself is compared on a hit).
    struct Finders {
        /// Index + 1 into `entries`, 0 for a free slot.
        slots: Vec<u16>,
        entries: Vec<Entry>,
    }

    #[cfg(target_arch = "x86_64")]
    type PairFinder = memchr::arch::x86_64::avx2::packedpair::Finder;

    /// One needle and its searchers.
    struct Entry {
        needle: Box<[u8]>,
        finder: Finder<'static>,
        /// The vector search on a pair of its bytes, called directly (no dispatch through
        /// `memmem`'s searcher; `memmem` takes a needle longer than 32 bytes to its Two-Way
        /// searcher, which costs more per call in the texts searched here). `None` for a
        /// one-byte needle, one longer than [`PAIR_MAX`] or without AVX2.
        #[cfg(target_arch = "x86_64")]
        pair: Option<PairFinder>,
    }

    /// The longest needle searched with a [`PairFinder`]: each candidate of the pair is
    /// compared whole, so a bound on the needle bounds the worst case (a needle taken from a
    /// message can be long; `memmem`'s Two-Way searcher is linear).
    const PAIR_MAX: usize = 64;

    impl Entry {
        fn find(&self, h: &[u8]) -> Option<usize> {
            #[cfg(target_arch = "x86_64")]
            if let Some(pf) = &self.pair
                && h.len() >= pf.min_haystack_len()
            {
                return pf.find(h, &self.needle);
            }
            self.finder.find(h)
        }
    }

    /// `a == b` for needles: eight bytes at a time, without a call to `bcmp`.
    #[inline]
    pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
        let n = a.len();
        if n != b.len() {
            return false;
        }
        if n < 8 {
            return a.iter().zip(b).all(|(x, y)| x == y);
        }
        let word = |s: &[u8], i: usize| {
            s.get(i..i + 8)
                .and_then(|c| <[u8; 8]>::try_from(c).ok())
                .map(u64::from_ne_bytes)
        };
        let mut i = 0;
        while i + 8 < n {
            if word(a, i) != word(b, i) {
                return false;
            }
            i += 8;
        }
        word(a, n - 8) == word(b, n - 8)
    }

    impl Finders {
        fn new() -> Self {
            Finders {
                slots: vec![0; SLOTS],
                entries: Vec::new(),
            }
        }

        fn hash(n: &[u8]) -> usize {
            let (a, b) = match (n.first_chunk::<8>(), n.last_chunk::<8>()) {
                (Some(a), Some(b)) => (u64::from_le_bytes(*a), u64::from_le_bytes(*b)),
                _ => (n.iter().fold(0u64, |h, &c| (h << 8) | u64::from(c)), 0),
            };
            let h = (a ^ (n.len() as u64).rotate_left(56)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
            (h >> 32) as usize & (SLOTS - 1)
        }

        /// The searcher of `n` (built and kept on first use); `None` when the table is full.
        #[inline]
        fn get(&mut self, n: &[u8]) -> Option<&Entry> {
            let mut i = Self::hash(n);
            loop {
                match self.slots.get(i).copied().unwrap_or(0) {
                    0 => break,
                    e => {
                        if let Some(entry) = self.entries.get(e as usize - 1)
                            && same(&entry.needle, n)
                        {
                            // (the borrow checker wants the entry fetched anew)
                            return self.entries.get(e as usize - 1);
                        }
                    }
                }
                i = (i + 1) & (SLOTS - 1);
            }
            self.insert(n, i)
        }

        /// Builds and keeps the searcher of `n` in the free slot `i`.
        #[cold]
        #[inline(never)]
        fn insert(&mut self, n: &[u8], i: usize) -> Option<&Entry> {
            if self.entries.len() >= MAX_FINDERS {
                return None;
            }
            self.entries.push(Entry {
                needle: n.into(),
                finder: Finder::new(n).into_owned(),
                #[cfg(target_arch = "x86_64")]
                pair: if n.len() <= PAIR_MAX {
                    PairFinder::new(n)
                } else {
                    None
                },
            });
            self.slots[i] = self.entries.len() as u16;
            self.entries.last()
        }
    }

    struct State {
        /// The registered texts and their lower-case copies (one after the other in `lower`).
        docs: Vec<Doc>,
        lower: Vec<u8>,
        /// Lower-case copy of a text searched outside the registered ones.
        scratch: Vec<u8>,
        finders: Finders,
    }

    thread_local! {
        static STATE: RefCell<State> = RefCell::new(State {
            docs: Vec::new(),
            lower: Vec::new(),
            scratch: Vec::new(),
            finders: Finders::new(),
        });
    }

    /// Runs `f` with `text` registered (a registration already in force is put back after).
    pub fn with<R>(text: &str, f: impl FnOnce() -> R) -> R {
        with_all(&[text], f)
    }

    /// Runs `f` with `texts` registered (a registration already in force is put back after).
    pub fn with_all<R>(texts: &[&str], f: impl FnOnce() -> R) -> R {
        /// What was in force before: registrations nest like a stack (the inner texts are
        /// appended, and cut off again after).
        struct Restore {
            docs: usize,
            lower: usize,
        }
        impl Drop for Restore {
            fn drop(&mut self) {
                let _ = STATE.try_with(|s| {
                    if let Ok(mut s) = s.try_borrow_mut() {
                        s.docs.truncate(self.docs);
                        s.lower.truncate(self.lower);
                    }
                });
            }
        }
        let registered = STATE.try_with(|s| {
            let mut s = s.try_borrow_mut().ok()?;
            let s = &mut *s;
            let outer = Restore {
                docs: s.docs.len(),
                lower: s.lower.len(),
            };
            let base = s.lower.len();
            for t in texts {
                let at = s.lower.len();
                s.lower.extend_from_slice(t.as_bytes());
                s.docs.push(Doc {
                    start: t.as_ptr() as usize,
                    len: t.len(),
                    at,
                });
            }
            s.lower[base..].make_ascii_lowercase();
            Some(outer)
        });
        let _restore = registered.ok().flatten();
        f()
    }

    /// Runs `f` with the lower-case copy of `text` when `text` is registered (as a whole).
    pub fn with_registered<R>(text: &str, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        STATE
            .try_with(|s| {
                let s = s.try_borrow().ok()?;
                let p = text.as_ptr() as usize;
                let d = s
                    .docs
                    .iter()
                    .rev()
                    .find(|d| d.start == p && d.len == text.len())?;
                Some(f(s.lower.get(d.at..d.at + d.len)?))
            })
            .ok()
            .flatten()
    }

    /// Exact search of `n` in `h` with the searcher kept for `n` (a fixed phrase searched in
    /// many texts: no searcher built per call).
    pub fn find_exact(h: &[u8], n: &[u8]) -> Option<usize> {
        STATE
            .try_with(|s| {
                let mut s = s.try_borrow_mut().ok()?;
                Some(s.finders.get(n)?.find(h))
            })
            .ok()
            .flatten()
            .unwrap_or_else(|| memchr::memmem::find(h, n))
    }

    /// The search of `n` in `h` through the registered copy (or a copy of `h` when it does not
    /// lie in a registered text and is long); `None` when the caller should search directly.
    pub(super) fn find(h: &[u8], n: &[u8]) -> Option<Option<usize>> {
        STATE
            .try_with(|s| {
                let mut s = s.try_borrow_mut().ok()?;
                let s = &mut *s;
                let p = h.as_ptr() as usize;
                // the innermost registration first
                let in_doc = s.docs.iter().rev().find_map(|d| {
                    let off = p.checked_sub(d.start)?;
                    (off.checked_add(h.len())? <= d.len).then_some(d.at + off)
                });
                let hay = match in_doc {
                    Some(at) => s.lower.get(at..at + h.len())?,
                    None if h.len() < COPY_MIN => return None,
                    None => {
                        // another long text: its own lower-case copy, in a buffer kept for the next
                        s.scratch.clear();
                        s.scratch.extend_from_slice(h);
                        s.scratch.make_ascii_lowercase();
                        &s.scratch
                    }
                };
                Some(s.finders.get(n)?.find(hay))
            })
            .ok()
            .flatten()
    }
}

/// `str::find` of a short needle in a line: candidates from `memchr` on its first byte (the
/// standard searcher is built anew for every call, more than the search of a line costs).
pub fn find_exact(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else {
        return Some(0);
    };
    let last = h.len().checked_sub(n.len())?;
    let mut from = 0;
    while from <= last {
        let p = from + memchr::memchr(first, &h[from..=last])?;
        if h[p + 1..p + n.len()] == *rest {
            return Some(p);
        }
        from = p + 1;
    }
    None
}

/// How common a (lower-case) byte is in bounce text, higher for more common; letters by their
/// frequency in English, upper and lower case together.
static RANK: [u8; 256] = {
    const LETTERS: &[u8; 26] = b"etaoinsrhldcumfpgwybvkxjqz";
    let mut t = [80u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = match b {
            b' ' => 255,
            b'0'..=b'9' | b'.' | b'\n' => 170,
            b'-' | b'=' | b'/' => 140,
            b':' | b',' | b';' | b'@' | b'<' | b'>' | b'(' | b')' | b'_' | b'"' | b'\'' => 120,
            0x80.. => 60,
            _ => 80,
        };
        i += 1;
    }
    let mut k = 0;
    while k < 26 {
        t[LETTERS[k] as usize] = 250 - (k as u8) * 4;
        k += 1;
    }
    t
};

/// True when `hay` starts with `prefix` ignoring ASCII case (`prefix` lower case).
pub fn starts_with_ci(hay: &str, prefix: &str) -> bool {
    hay.len() >= prefix.len()
        && hay.as_bytes()[..prefix.len()]
            .iter()
            .zip(prefix.as_bytes())
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
}

/// Collapses runs of whitespace to one space and trims.
pub fn squeeze(s: &str) -> String {
    if s.is_ascii() {
        return squeeze_ascii(s);
    }
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// [`squeeze`] of ASCII text: the white space of `char::is_whitespace` in ASCII is TAB, LF,
/// VT, FF, CR and space; words are copied whole.
/// ASCII white space as `char::is_whitespace` has it: TAB, LF, VT, FF, CR and space.
fn is_ascii_ws(c: u8) -> bool {
    c == b' ' || c.wrapping_sub(b'\t') < 5
}

/// True when the ASCII text `b` is not empty and already squeezed (the usual case: values
/// unfolded and lines joined with one space): no white space at either end, no TAB..CR, no two
/// spaces in a row. Tested without early exit so that the loop vectorises.
fn squeezed_already(b: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    let messy = b.iter().zip(&b[1..]).fold(0u8, |acc, (&x, &y)| {
        acc | u8::from(x == b' ' && y == b' ') | u8::from(y.wrapping_sub(b'\t') < 5)
    });
    messy == 0 && !is_ascii_ws(first) && !is_ascii_ws(last)
}

/// [`squeeze`], borrowing a text that is already squeezed.
fn squeeze_cow(s: &str) -> Cow<'_, str> {
    if s.is_ascii() && squeezed_already(s.as_bytes()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(squeeze(s))
    }
}

fn squeeze_ascii(s: &str) -> String {
    let is_ws = is_ascii_ws;
    let b = s.as_bytes();
    if squeezed_already(b) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        let start = i;
        while i < b.len() && !is_ws(b[i]) {
            i += 1;
        }
        // ASCII: every offset is a character boundary
        if let Some(word) = s.get(start..i)
            && !word.is_empty()
        {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

// Bytes >= 0x80 belong to UTF-8 characters: internationalised addresses (RFC 6531/6532).
fn is_local_char(b: u8) -> bool {
    ADDRESS_CHARS[b as usize] & LOCAL != 0
}

fn is_domain_char(b: u8) -> bool {
    ADDRESS_CHARS[b as usize] & DOMAIN != 0
}

/// [`ADDRESS_CHARS`] bit of the bytes of a local part.
const LOCAL: u8 = 1;
/// [`ADDRESS_CHARS`] bit of the bytes of a domain.
const DOMAIN: u8 = 2;

/// Which bytes may stand in the local part and in the domain of an address (a table instead of
/// a search of the specials for every byte): letters, digits and bytes >= 0x80 in both, the
/// RFC 5322 atom specials and `.` in local parts, `.`, `-` and `_` in domains.
static ADDRESS_CHARS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        if b.is_ascii_alphanumeric() || b >= 0x80 {
            t[i] = LOCAL | DOMAIN;
        }
        i += 1;
    }
    let specials = b"!#$%&'*+/=?^_`{|}~.-";
    let mut k = 0;
    while k < specials.len() {
        t[specials[k] as usize] |= LOCAL;
        k += 1;
    }
    t[b'.' as usize] |= DOMAIN;
    t[b'-' as usize] |= DOMAIN;
    t[b'_' as usize] |= DOMAIN;
    t
};

/// Every e-mail address in `s`, in order, lower-cased domain, deduplicated.
pub fn addresses(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out: Vec<String> = Vec::new();
    for at in memchr::memchr_iter(b'@', b) {
        if let Some(a) = address_at(s, at)
            && !out.iter().any(|x| x.eq_ignore_ascii_case(&a))
        {
            out.push(a);
        }
    }
    out
}

/// The first e-mail address in `s`.
pub fn first_address(s: &str) -> Option<String> {
    let b = s.as_bytes();
    memchr::memchr_iter(b'@', b).find_map(|at| address_at(s, at))
}

fn address_at(s: &str, at: usize) -> Option<String> {
    let b = s.as_bytes();
    let mut start = at;
    while start > 0 && is_local_char(b[start - 1]) {
        start -= 1;
    }
    // quoted local part: "john doe"@example.org
    if start == at && at > 0 && b[at - 1] == b'"' {
        let q = s[..at - 1].rfind('"')?;
        start = q;
    }
    let mut end = at + 1;
    if b.get(end) == Some(&b'[') {
        let close = s[end..].find(']')? + end;
        end = close + 1;
    } else {
        while end < b.len() && is_domain_char(b[end]) {
            end += 1;
        }
    }
    let local = s[start..at].trim_start_matches(['.', '\'', '=', '/', '|']);
    let domain = s[at + 1..end].trim_end_matches(['.', '-', '_']);
    if local.is_empty() || domain.is_empty() || local.len() > 128 {
        return None;
    }
    if !domain.starts_with('[') && !domain.contains('.') && domain != "localhost" {
        // a bare host name is rarely a real recipient, but keep `user@host` forms Sisimai keeps
        if !domain
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-')
        {
            return None;
        }
    }
    if domain.starts_with('.') || domain.contains("..") {
        return None;
    }
    let mut out = String::with_capacity(local.len() + 1 + domain.len());
    out.push_str(local);
    out.push('@');
    out.push_str(domain);
    out[local.len() + 1..].make_ascii_lowercase();
    Some(out)
}

/// Cleans an address field value: strips `rfc822;`, angle brackets, quotes, comments, and
/// returns the address (or `None` when the value holds none).
pub fn clean_address(v: &str) -> Option<String> {
    let v = crate::fields::split_typed_raw(v).1;
    if let Some(a) = first_address(v) {
        return Some(a);
    }
    None
}

/// Finds the basic SMTP reply code in free text: the one right before an enhanced status code
/// of the same class, else the first three-digit code standing at the start, after `:` / `;`
/// or after "said" / "reply".
pub fn find_reply_code(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    let mut first_plausible: Option<u16> = None;
    let mut i = 0;
    while i + 3 <= b.len() {
        // the next 2, 4 or 5 (every other byte only moves the search on by one)
        match memchr::memchr3(b'2', b'4', b'5', &b[i..b.len() - 2]) {
            Some(k) => i += k,
            None => break,
        }
        if b[i + 1].is_ascii_digit()
            && b[i + 2].is_ascii_digit()
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b"._-:+/=#$".contains(&b[i - 1])))
            && (i + 3 == b.len()
                || matches!(b[i + 3], b' ' | b'-' | b'\n' | b'\t' | b']' | b')')
                || (i == 0 && b[i + 3] == b':'))
        {
            let code = (b[i] - b'0') as u16 * 100
                + (b[i + 1] - b'0') as u16 * 10
                + (b[i + 2] - b'0') as u16;
            if is_known_reply_code(code) {
                // followed by an enhanced status of the same class?
                let rest = &s[i + 3..];
                let rest_t = rest.trim_start_matches([' ', '-']);
                if rest_t.len() >= 5
                    && rest_t.as_bytes()[0] == b[i]
                    && rest_t.as_bytes()[1] == b'.'
                    && rest_t.as_bytes()[2].is_ascii_digit()
                {
                    return Some(code);
                }
                if first_plausible.is_none() {
                    let before = s[..i].trim_end();
                    let ends_ci = |w: &str| {
                        before.len() >= w.len()
                            && before.as_bytes()[before.len() - w.len()..]
                                .eq_ignore_ascii_case(w.as_bytes())
                    };
                    let good_prefix = before.is_empty()
                        || before.ends_with([':', ';', '(', '[', '<', '"', '\n', '>', '#', '.'])
                        || ends_ci("said")
                        || ends_ci("reply")
                        || ends_ci("error")
                        || ends_ci("code")
                        || s[..i].ends_with('\n');
                    if good_prefix {
                        first_plausible = Some(code);
                    }
                }
            }
            i += 3;
            continue;
        }
        i += 1;
    }
    first_plausible
}

/// The reply codes defined for SMTP (RFC 5321, 3207, 4954, 7504 and the common extensions).
/// Other three-digit numbers in a bounce text are ports, sizes or vendor numbers.
pub fn is_known_reply_code(code: u16) -> bool {
    matches!(
        code,
        211 | 214
            | 220
            | 221
            | 235
            | 250
            | 251
            | 252
            | 253
            | 354
            | 421
            | 422
            | 430
            | 432
            | 450
            | 451
            | 452
            | 453
            | 454
            | 455
            | 458
            | 459
            | 500
            | 501
            | 502
            | 503
            | 504
            | 521
            | 523
            | 524
            | 525
            | 530
            | 533
            | 534
            | 535
            | 538
            | 550
            | 551
            | 552
            | 553
            | 554
            | 555
            | 556
            | 557
    )
}

/// Finds the first enhanced status code in free text, skipping dotted numbers that are versions
/// or IP addresses.
pub fn find_status(s: &str) -> Option<EnhancedStatus> {
    statuses(s).next()
}

/// Every enhanced status code in free text, in order.
pub fn all_statuses(s: &str) -> Vec<EnhancedStatus> {
    statuses(s).collect()
}

/// The enhanced status codes of free text, in order (read as they are asked for).
fn statuses(s: &str) -> impl Iterator<Item = EnhancedStatus> + '_ {
    let b = s.as_bytes();
    // a code starts right before a dot: the candidates come from the dots
    let mut i = 0;
    memchr::memchr_iter(b'.', b).filter_map(move |dot| {
        if dot == 0 || dot - 1 < i {
            return None;
        }
        i = dot - 1;
        if !(matches!(b[i], b'2' | b'4' | b'5')
            && (i == 0
                || !(b[i - 1].is_ascii_alphanumeric()
                    || matches!(b[i - 1], b'.' | b'-' | b'/' | b':'))))
        {
            return None;
        }
        let end = b[i..]
            .iter()
            .position(|&c| !(c.is_ascii_digit() || c == b'.'))
            .map_or(b.len(), |n| i + n);
        let code = status_code(&b[i..end]);
        let followed = end < b.len() && b[end].is_ascii_alphabetic();
        i = end.max(i + 1);
        code.filter(|st| st.subject <= 7 && !followed)
    })
}

/// `class.subject.detail` from digits and dots that start with the class (2, 4 or 5), trailing
/// dots ignored: what `EnhancedStatus::from_str` accepts of such text (one-digit class,
/// subject and detail of at most 999, leading zeros allowed), without its copies on failure.
fn status_code(mut t: &[u8]) -> Option<EnhancedStatus> {
    while let [rest @ .., b'.'] = t {
        t = rest;
    }
    let mut parts = t.split(|&c| c == b'.');
    let (class, subject, detail) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let num = |p: &[u8]| {
        let v = p
            .iter()
            .fold(0u32, |v, &d| (v * 10 + u32::from(d - b'0')).min(100_000));
        (!p.is_empty() && v <= 999).then_some(v as u16)
    };
    match class {
        [c @ (b'2' | b'4' | b'5')] => {
            Some(EnhancedStatus::new(c - b'0', num(subject)?, num(detail)?))
        }
        _ => None,
    }
}

/// True for codes that say little: `x.0.0`, and `x.4.7` (delivery time expired, which hides
/// the last real error).
pub fn is_generic_status(s: EnhancedStatus) -> bool {
    (s.subject == 0 && s.detail == 0) || (s.subject == 4 && s.detail == 7)
}

/// Normalises a date to RFC 3339 when it parses as an RFC 5322 date; otherwise returns it
/// squeezed as written.
pub fn normalize_date(s: &str) -> Option<String> {
    normalize_date_with(s, |core| {
        strict_rfc5322(core).or_else(|| mail_parser::DateTime::parse_rfc822(core))
    })
}

/// [`normalize_date`] with the date reader `parse`.
fn normalize_date_with(
    s: &str,
    parse: impl Fn(&str) -> Option<mail_parser::DateTime>,
) -> Option<String> {
    // (borrowed when already squeezed: a parsed date is written anew anyway)
    let s = squeeze_cow(s);
    if s.is_empty() {
        return None;
    }
    // strip a trailing comment like "(JST)" which the parser may not accept
    let core = match s.ends_with(')').then(|| last_space_paren(&s)).flatten() {
        Some(p) => &s[..p],
        None => &s[..],
    };
    match parse(core) {
        Some(d) if d.is_valid() => Some(rfc3339(&d)),
        _ => Some(s.into_owned()),
    }
}

/// The usual form of a date, `[Ddd, ]D[D] Mon YYYY HH:MM:SS +ZZZZ` and nothing else, read
/// directly: the same value as `DateTime::parse_rfc822` gives for it (two-digit years of
/// 0..=99 moved to 2000..=2049 / 1950..=1999, the zone's hours modulo 24 and minutes modulo
/// 60). `None` for any other text (left to mail-parser).
fn strict_rfc5322(s: &str) -> Option<mail_parser::DateTime> {
    let mut b = s.as_bytes();
    // an optional day of the week: three letters and ", "
    if let [d1, d2, d3, b',', b' ', rest @ ..] = b
        && d1.is_ascii_alphabetic()
        && d2.is_ascii_alphabetic()
        && d3.is_ascii_alphabetic()
    {
        b = rest;
    }
    let digits = |t: &[u8]| {
        t.iter().try_fold(0u32, |v, &c| {
            c.is_ascii_digit().then(|| v * 10 + u32::from(c - b'0'))
        })
    };
    let (day, rest) = match b {
        [d, b' ', rest @ ..] => (digits(&[*d])?, rest),
        [d1, d2, b' ', rest @ ..] => (digits(&[*d1, *d2])?, rest),
        _ => return None,
    };
    let [
        m1,
        m2,
        m3,
        b' ',
        y @ ..,
        b' ',
        h1,
        h2,
        b':',
        i1,
        i2,
        b':',
        s1,
        s2,
        b' ',
        sign,
        z1,
        z2,
        z3,
        z4,
    ] = rest
    else {
        return None;
    };
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let mon = [
        m1.to_ascii_lowercase(),
        m2.to_ascii_lowercase(),
        m3.to_ascii_lowercase(),
    ];
    let month = MONTHS.iter().position(|m| **m == mon)? as u8 + 1;
    if y.len() != 4 {
        return None;
    }
    let year = match digits(y)? {
        v @ 0..=49 => v + 2000,
        v @ 50..=99 => v + 1900,
        v => v,
    };
    let tz_before_gmt = match sign {
        b'+' => false,
        b'-' => true,
        _ => return None,
    };
    let zone = digits(&[*z1, *z2, *z3, *z4])?;
    Some(mail_parser::DateTime {
        year: year as u16,
        month,
        day: day as u8,
        hour: digits(&[*h1, *h2])? as u8,
        minute: digits(&[*i1, *i2])? as u8,
        second: digits(&[*s1, *s2])? as u8,
        tz_before_gmt,
        tz_hour: ((zone / 100) % 24) as u8,
        tz_minute: ((zone % 100) % 60) as u8,
    })
}

/// `s.rfind(" (")` from the last `(` preceded by a space (memrchr; the std searcher is built
/// anew for each call).
fn last_space_paren(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    memchr::memrchr_iter(b'(', b).find_map(|q| (q > 0 && b[q - 1] == b' ').then(|| q - 1))
}

/// `DateTime::to_rfc3339` of mail-parser, written digit by digit instead of through `format!`
/// (the same text: zero-padded fields, `Z` for a zero offset, the sign as mail-parser gives it).
fn rfc3339(d: &mail_parser::DateTime) -> String {
    fn num(out: &mut String, v: u32, width: usize) {
        let mut buf = [b'0'; 10];
        let mut n = v;
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let digits = buf.len() - i;
        for _ in digits..width {
            out.push('0');
        }
        for &b in &buf[i..] {
            out.push(b as char);
        }
    }
    let mut out = String::with_capacity(25);
    num(&mut out, u32::from(d.year), 4);
    out.push('-');
    num(&mut out, u32::from(d.month), 2);
    out.push('-');
    num(&mut out, u32::from(d.day), 2);
    out.push('T');
    num(&mut out, u32::from(d.hour), 2);
    out.push(':');
    num(&mut out, u32::from(d.minute), 2);
    out.push(':');
    num(&mut out, u32::from(d.second), 2);
    if d.tz_hour != 0 || d.tz_minute != 0 {
        out.push(if d.tz_before_gmt { '-' } else { '+' });
        num(&mut out, u32::from(d.tz_hour), 2);
        out.push(':');
        num(&mut out, u32::from(d.tz_minute), 2);
    } else {
        out.push('Z');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_as_parsed() {
        // the byte reader agrees with EnhancedStatus::from_str on digits-and-dots text
        for t in [
            "5.1.1",
            "5.1.1.",
            "5.1.1..",
            "4.7.0",
            "2.0.0",
            "5.01.001",
            "5.1000.1",
            "5.999.999",
            "5.1",
            "5..1",
            "5.1.",
            "5.1.1.1",
            "25.1.1",
            "5.0000000001.1",
            "5.99999999.1",
            "4.4.",
        ] {
            let trimmed = t.trim_end_matches('.');
            let want = (trimmed.matches('.').count() == 2)
                .then(|| trimmed.parse::<EnhancedStatus>().ok())
                .flatten();
            assert_eq!(status_code(t.as_bytes()), want, "{t:?}");
        }
        assert_eq!(
            all_statuses("550 5.1.1 <a@b> 4.4.7 v1.5.1.2 (#5.7.1) 192.0.2.1 5.1.10x 5.9.1"),
            vec![
                EnhancedStatus::new(5, 1, 1),
                EnhancedStatus::new(4, 4, 7),
                EnhancedStatus::new(5, 7, 1),
            ]
        );
    }

    #[test]
    fn line_ends() {
        for t in [
            "a\r\nb\rc\n\r\r\nd\r",
            "\r",
            "\r\n",
            "\r\r\n\n\r",
            "x",
            "é\r\nü\rß",
        ] {
            assert_eq!(
                normalize_text(t),
                t.replace("\r\n", "\n").replace('\r', "\n"),
                "{t:?}"
            );
        }
    }

    #[test]
    fn needles_compared() {
        let texts: Vec<Vec<u8>> = (0..40usize)
            .map(|n| (0..n).map(|i| b'a' + (i % 7) as u8).collect())
            .collect();
        for a in &texts {
            for b in &texts {
                assert_eq!(lower::same(a, b), a == b);
                for k in 0..b.len() {
                    let mut c = b.clone();
                    c[k] ^= 1;
                    assert_eq!(lower::same(a, &c), *a == c, "{a:?} {c:?}");
                }
            }
        }
    }

    #[test]
    fn find_ci_works() {
        assert_eq!(find_ci("Hello World", "world"), Some(6));
        assert_eq!(find_ci("Hello", "hellox"), None);
        assert!(contains_ci("USER UNKNOWN", "user unknown"));
        // the first match is found, whichever byte the search anchors on
        assert_eq!(find_ci("xq zq Zq zQ", "zq"), Some(3));
        assert_eq!(find_ci("said: 550 said: 551", "said: 551"), Some(10));
        assert_eq!(find_ci("abc", "abc"), Some(0));
        assert_eq!(find_ci("ab", "abc"), None);
        assert_eq!(
            find_ci("Transcript Of Session", "transcript of session"),
            Some(0)
        );
        assert_eq!(find_ci("tttttranscript", "transcript"), Some(4));
    }

    #[test]
    fn addresses_found() {
        assert_eq!(
            addresses("<kijitora@Example.JP>: host x said: 550 <a.b+c@d.org>."),
            vec!["kijitora@example.jp", "a.b+c@d.org"]
        );
        assert_eq!(first_address("no address here"), None);
        assert_eq!(clean_address("rfc822; <x@y.z>"), Some("x@y.z".into()));
    }

    #[test]
    fn reply_codes() {
        assert_eq!(
            find_reply_code("host x[192.0.2.250] said: 550 5.1.1 <a@b>"),
            Some(550)
        );
        assert_eq!(find_reply_code("smtp; 452 4.2.2 Mailbox full"), Some(452));
        assert_eq!(
            find_reply_code("Remote host said: 554 delivery error"),
            Some(554)
        );
        assert_eq!(find_reply_code("192.0.2.250 is down"), None);
        assert_eq!(find_reply_code("550-5.7.1 [x]"), Some(550));
    }

    #[test]
    fn statuses() {
        assert_eq!(
            find_status("version 1.5.1.2 then 5.1.1"),
            Some(EnhancedStatus::new(5, 1, 1))
        );
        assert_eq!(find_status("#5.1.1"), Some(EnhancedStatus::new(5, 1, 1)));
        assert_eq!(find_status("192.0.2.5"), None);
    }

    /// [`normalize_date`] as it was: mail-parser alone.
    fn normalize_date_ref(s: &str) -> Option<String> {
        normalize_date_with(s, mail_parser::DateTime::parse_rfc822)
    }

    /// The direct reader of the usual date form gives mail-parser's value wherever it reads
    /// one (and the same normalised text), on valid, out-of-range and near-miss dates.
    #[test]
    fn strict_dates_as_mail_parser() {
        let days = ["", "Thu, ", "xyz, ", "Thu,", "1hu, ", "Thu , "];
        let dates = ["1", "01", "29", "31", "32", "0", "99", "123", " 1"];
        let months = ["Jan", "apr", "DEC", "Sep", "Foo", "Ju", "Junx", "Mai"];
        let years = [
            "2008", "0049", "0050", "0099", "0100", "1899", "1900", "3000", "3001", "99",
        ];
        let times = [
            "23:34:45", "00:00:00", "24:00:00", "23:60:59", "23:59:60", "2:34:45", "23:34",
        ];
        let zones = [
            "-0300", "+0000", "-0000", "+2400", "+0960", "+9999", "0300", "+030", "GMT", "+03000",
        ];
        let mut n = 0;
        for d in days {
            for dt in dates {
                for m in months {
                    for (k, y) in years.iter().enumerate() {
                        // every time and zone with a few of the others (a full product is long)
                        let t = times[(k + n) % times.len()];
                        for z in zones {
                            n += 1;
                            let s = format!("{d}{dt} {m} {y} {t} {z}");
                            let s = if n % 3 == 0 { format!("{s} (JST)") } else { s };
                            let ours = strict_rfc5322(&s);
                            if let Some(o) = &ours {
                                assert_eq!(
                                    Some(o),
                                    mail_parser::DateTime::parse_rfc822(&s).as_ref(),
                                    "{s:?}"
                                );
                            }
                            assert_eq!(normalize_date(&s), normalize_date_ref(&s), "{s:?}");
                        }
                    }
                }
            }
        }
        assert!(strict_rfc5322("Thu, 29 Apr 2008 23:34:45 -0300").is_some());
        assert!(strict_rfc5322("1 jan 2000 00:00:00 +0000").is_some());
    }

    #[test]
    fn dates() {
        assert_eq!(
            normalize_date("Mon, 24 May 2010 19:06:50 +0900 (JST)").as_deref(),
            Some("2010-05-24T19:06:50+09:00")
        );
        // the same text as mail-parser's own formatting
        for d in [
            "Mon, 24 May 2010 19:06:50 +0900",
            "Tue, 1 Jan 2002 00:00:00 -0530",
            "Wed, 3 Mar 1999 23:59:09 +0000",
            "Thu, 9 Sep 2021 1:02:03 -0000",
        ] {
            let p = mail_parser::DateTime::parse_rfc822(d).unwrap();
            assert_eq!(rfc3339(&p), p.to_rfc3339(), "{d}");
        }
    }
}
