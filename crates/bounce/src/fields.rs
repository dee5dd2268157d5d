//! `Name: value` field blocks (message headers, RFC 3464 / RFC 5965 report fields), lenient.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::rc::Rc;

use crate::mime::RawField;

/// An ordered list of fields, values unfolded and trimmed, borrowed from the text they were read
/// from where they are one line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields<'a> {
    /// `(name as written, value)` in order of appearance. Names are ASCII: compare them ASCII
    /// case-insensitively (the methods below do).
    pub list: Vec<(&'a str, Cow<'a, str>)>,
}

impl<'a> Fields<'a> {
    /// The first value of `name` (case-insensitive; give it lower-case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// The first non-empty value of `name`.
    pub fn get_nonempty(&self, name: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|(n, v)| n.eq_ignore_ascii_case(name) && !v.is_empty())
            .map(|(_, v)| v.as_ref())
    }

    /// All values of `name`.
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.list
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

/// Header fields of a message as the view holds them: like [`Fields`] (names lower-cased,
/// values unfolded and decoded), but read from the message's bytes only when asked for: a
/// field's name is compared with the bytes (ASCII case-insensitively) and its value decoded on
/// first use, then kept. Most fields of a bounce (signatures, trace fields) are never read.
#[derive(Clone, Default)]
pub struct Headers<'a> {
    fields: Vec<Field<'a>>,
}

#[derive(Clone)]
struct Field<'a> {
    /// The field in the message, when read from one.
    raw: Option<RawField<'a>>,
    /// The field in an owned header block (its index there), when read from one.
    owned: Option<(Rc<OwnedBlock>, usize)>,
    /// Its name has spaces inside or bytes beyond ASCII (compared once lower-cased, as
    /// mail-parser names it: known names squeezed, invalid UTF-8 replaced).
    slow: bool,
    name: OnceCell<Cow<'a, str>>,
    value: OnceCell<Cow<'a, str>>,
}

/// An owned header block (see [`Headers::from_block`]): its bytes, and where the parts of
/// each field stand in them (name, value, whole field, kind).
struct OwnedBlock {
    bytes: Box<[u8]>,
    fields: Vec<[(usize, usize); 3]>,
    kinds: Vec<crate::mime::Kind>,
}

impl OwnedBlock {
    fn name(&self, i: usize) -> &[u8] {
        match self.fields.get(i) {
            Some(&[(a, b), _, _]) => self.bytes.get(a..b).unwrap_or_default(),
            None => b"",
        }
    }

    fn raw(&self, i: usize) -> RawField<'_> {
        let at = |(a, b): (usize, usize)| self.bytes.get(a..b).unwrap_or_default();
        let [name, value, field] = self.fields.get(i).copied().unwrap_or_default();
        RawField {
            name: at(name),
            value: at(value),
            field: at(field),
            kind: self
                .kinds
                .get(i)
                .copied()
                .unwrap_or(crate::mime::Kind::Other),
        }
    }
}

impl<'a> Field<'a> {
    fn name(&self) -> &str {
        self.name.get_or_init(|| match (&self.raw, &self.owned) {
            (Some(r), _) => crate::mail::lower_name(r.name),
            (None, Some((b, i))) => match crate::mail::common_name(b.raw(*i).name) {
                Some(c) => Cow::Borrowed(c),
                None => Cow::Owned(crate::mail::lower_name(b.raw(*i).name).into_owned()),
            },
            (None, None) => Cow::Borrowed(""),
        })
    }

    fn value(&self) -> &str {
        self.value.get_or_init(|| match (&self.raw, &self.owned) {
            (Some(r), _) => crate::mail::field_value(r),
            (None, Some((b, i))) => Cow::Owned(crate::mail::field_value(&b.raw(*i)).into_owned()),
            (None, None) => Cow::Borrowed(""),
        })
    }

    /// True when the name is `name` (lower-case).
    fn is(&self, name: &str) -> bool {
        if let Some(n) = self.name.get() {
            return n == name;
        }
        match &self.raw {
            // an ASCII name without spaces: lower-cased, it is `name` (lower-case) exactly
            // when the bytes match ASCII case-insensitively
            Some(r) if !self.slow => same_name(r.name, name),
            _ => self.is_other(name),
        }
    }

    /// The [`name_key`] a name must have for [`Field::is`] to hold, when known without
    /// decoding the name.
    fn name_key(&self) -> Option<(usize, u8, u8)> {
        if let Some(n) = self.name.get() {
            return Some(name_key(n.as_bytes()));
        }
        match (&self.raw, &self.owned) {
            (Some(r), _) if !self.slow => Some(name_key(r.name)),
            (None, Some((b, i))) if !self.slow => Some(name_key(b.name(*i))),
            _ => None,
        }
    }

    /// [`Field::is`] for the fields not read from the message.
    #[inline(never)]
    fn is_other(&self, name: &str) -> bool {
        match &self.owned {
            Some((b, i)) if !self.slow => same_name(b.name(*i), name),
            _ => self.name() == name,
        }
    }
}

/// Field names looked for together with [`Headers::present`] (lower case; the first 64),
/// indexed by a hash of length and first byte.
pub struct NameSet {
    names: Vec<&'static str>,
    by_key: [u64; 256],
    all: u64,
}

impl NameSet {
    /// The set of `names`.
    pub fn new(names: &[&'static str]) -> Self {
        let names: Vec<&'static str> = names.iter().copied().take(64).collect();
        let mut by_key = [0u64; 256];
        for (i, n) in names.iter().enumerate() {
            if let Some(b) = by_key.get_mut(Self::slot(name_key(n.as_bytes()))) {
                *b |= 1 << i;
            }
        }
        let all = match names.len() {
            64 => u64::MAX,
            n => (1u64 << n) - 1,
        };
        NameSet { names, by_key, all }
    }

    /// The slot of a name by its [`name_key`] (collisions only cost a compare).
    fn slot((len, first, last): (usize, u8, u8)) -> usize {
        (len.wrapping_mul(31) ^ usize::from(first) ^ usize::from(last).wrapping_mul(7)) & 255
    }
}

impl<'a> Headers<'a> {
    /// Fields read from a message's header block.
    pub(crate) fn from_raw(raw: &[RawField<'a>]) -> Self {
        Headers {
            fields: raw
                .iter()
                .map(|r| Field {
                    raw: Some(*r),
                    owned: None,
                    slow: slow_name(r.name),
                    name: OnceCell::new(),
                    value: OnceCell::new(),
                })
                .collect(),
        }
    }

    /// Fields read from a header block owned by the result (`raw` are the fields of `block`),
    /// decoded on first use like [`Headers::from_raw`]'s.
    pub(crate) fn from_block(block: &[u8], raw: &[RawField<'_>]) -> Headers<'a> {
        let base = block.as_ptr() as usize;
        // where a slice of the block stands in it
        let span = |s: &[u8]| {
            let start = (s.as_ptr() as usize).wrapping_sub(base).min(block.len());
            (start, (start + s.len()).min(block.len()))
        };
        let shared = Rc::new(OwnedBlock {
            bytes: Box::from(block),
            fields: raw
                .iter()
                .map(|r| [span(r.name), span(r.value), span(r.field)])
                .collect(),
            kinds: raw.iter().map(|r| r.kind).collect(),
        });
        Headers {
            fields: raw
                .iter()
                .enumerate()
                .map(|(i, r)| Field {
                    raw: None,
                    owned: Some((Rc::clone(&shared), i)),
                    slow: slow_name(r.name),
                    name: OnceCell::new(),
                    value: OnceCell::new(),
                })
                .collect(),
        }
    }

    /// Fields already decoded.
    pub(crate) fn from_list(list: Vec<(Cow<'a, str>, Cow<'a, str>)>) -> Self {
        Headers {
            fields: list
                .into_iter()
                .map(|(n, v)| Field {
                    raw: None,
                    owned: None,
                    slow: false,
                    name: OnceCell::from(n),
                    value: OnceCell::from(v),
                })
                .collect(),
        }
    }

    /// The first value of `name` (case-insensitive; give it lower-case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|f| f.is(name)).map(Field::value)
    }

    /// The first non-empty value of `name`.
    pub fn get_nonempty(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .filter(|f| f.is(name))
            .map(Field::value)
            .find(|v| !v.is_empty())
    }

    /// All values of `name`.
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.fields
            .iter()
            .filter(move |f| f.is(name))
            .map(Field::value)
    }

    /// Which names of `set` name a field: bit `i` for the `i`-th name. One pass over the
    /// fields instead of one per name (a field is compared only with the names of its length
    /// and first byte).
    pub fn present(&self, set: &NameSet) -> u64 {
        let mut found = 0u64;
        for f in &self.fields {
            let mut cand = match f.name_key() {
                Some(key) => set.by_key.get(NameSet::slot(key)).copied(),
                None => None,
            }
            .unwrap_or(set.all)
                & !found;
            while cand != 0 {
                let i = cand.trailing_zeros() as usize;
                cand &= cand - 1;
                if set.names.get(i).is_some_and(|n| f.is(n)) {
                    found |= 1 << i;
                }
            }
        }
        found
    }

    /// True when there is no field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Every `(lower-case name, value)` in order.
    pub fn list(&self) -> Vec<(&str, &str)> {
        self.fields.iter().map(|f| (f.name(), f.value())).collect()
    }
}

/// The length, first and last byte of a name (bytes or-ed with 0x20, which lower-cases
/// letters; 0 for an empty name): equal for names [`Field::is`] finds equal.
fn name_key(b: &[u8]) -> (usize, u8, u8) {
    let at = |c: Option<&u8>| c.map_or(0, |&c| c | 0x20);
    (b.len(), at(b.first()), at(b.last()))
}

/// True when the ASCII name `bytes` (no spaces inside), lower-cased, is `name` (lower-case).
fn same_name(bytes: &[u8], name: &str) -> bool {
    bytes.len() == name.len()
        && bytes.eq_ignore_ascii_case(name.as_bytes())
        && !name.bytes().any(|b| b.is_ascii_uppercase())
}

/// A name with spaces inside or bytes beyond ASCII (compared once lower-cased). Any byte
/// outside `!`..`~` counts (control bytes too: the lower-cased compare gives the same answer
/// for them), tested without an early exit so that the loop vectorises.
fn slow_name(name: &[u8]) -> bool {
    name.iter()
        .fold(false, |slow, &b| slow | !(b'!'..=b'~').contains(&b))
}

impl std::fmt::Debug for Headers<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Headers")
            .field("list", &self.list())
            .finish()
    }
}

impl<'x> From<Fields<'_>> for Headers<'x> {
    fn from(f: Fields<'_>) -> Self {
        Headers::from_list(
            f.list
                .into_iter()
                .map(|(n, v)| {
                    (
                        Cow::Owned(n.to_ascii_lowercase()),
                        Cow::Owned(v.into_owned()),
                    )
                })
                .collect(),
        )
    }
}

/// Per byte: [`NAME`] for a byte a field name may hold (printable ASCII other than `:`, `<`,
/// `>`), [`COLON`] for `:`, 0 for any other.
static NAME_BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = b'!';
    while b <= b'~' {
        t[b as usize] = NAME;
        b += 1;
    }
    t[b':' as usize] = COLON;
    t[b'<' as usize] = 0;
    t[b'>' as usize] = 0;
    t
};
const NAME: u8 = 1;
const COLON: u8 = 2;
/// The longest field name.
const NAME_MAX: usize = 76;

/// Where the `:` after a field name stands in `line`: the name before it (the text up to the
/// first `:`) has 1 to 76 bytes, each printable ASCII other than `<`, `>`. Reads at most 80
/// bytes, eight at a time.
#[inline]
fn name_end(line: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // the high bit of each byte that is zero
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut at = 0;
    let mut chunks = line.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let w = u64::from_le_bytes(w);
        // bytes below `!` (white space, controls), beyond `~`, and `:`, `<`, `>`: the lowest
        // flag is exact (a borrow only runs up from a byte that is flagged)
        let stop = (w.wrapping_sub(ONES * 0x21) & !w & HIGH)
            | (w & HIGH)
            | zero(w ^ (ONES * 0x7f))
            | zero(w ^ (ONES * u64::from(b':')))
            | zero(w ^ (ONES * u64::from(b'<')))
            | zero(w ^ (ONES * u64::from(b'>')));
        if stop != 0 {
            let i = at + (stop.trailing_zeros() / 8) as usize;
            return (i > 0 && i <= NAME_MAX && line.get(i) == Some(&b':')).then_some(i);
        }
        at += 8;
        if at > NAME_MAX {
            return None;
        }
    }
    for (i, &c) in chunks.remainder().iter().enumerate() {
        let i = at + i;
        match NAME_BYTES[c as usize] {
            NAME if i < NAME_MAX => {}
            COLON if i > 0 => return Some(i),
            _ => return None,
        }
    }
    None
}

/// The first `\n` in `b`, eight bytes at a time (for the short lines of field blocks, cheaper
/// than a call into memchr's vector search).
#[inline]
fn find_lf(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LF: u64 = ONES * b'\n' as u64;
    let mut chunks = b.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w) ^ LF;
        // the lowest set bit marks the first zero byte exactly
        let m = x.wrapping_sub(ONES) & !x & HIGH;
        if m != 0 {
            return Some(at + (m.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| c == b'\n')
        .map(|i| at + i)
}

/// An ASCII byte that `char::is_whitespace` holds for (tab, LF, VT, FF, CR, space).
#[inline]
fn is_ws_byte(b: u8) -> bool {
    b == b' ' || b.wrapping_sub(b'\t') < 5
}

/// `s.trim()`: ASCII white space byte by byte, the Unicode kinds (only ever at an edge that is
/// not ASCII) by `str::trim`.
#[inline]
pub(crate) fn trim_ws(s: &str) -> &str {
    let b = s.as_bytes();
    let Some(a) = b.iter().position(|&c| !is_ws_byte(c)) else {
        return "";
    };
    let z = b.iter().rposition(|&c| !is_ws_byte(c)).map_or(a, |i| i + 1);
    // a and z stand next to ASCII bytes (or the ends): char boundaries
    let t = s.get(a..z).unwrap_or_default();
    match (t.as_bytes().first(), t.as_bytes().last()) {
        (Some(&f), Some(&l)) if f >= 0x80 || l >= 0x80 => t.trim(),
        _ => t,
    }
}

/// The lines of `text` as `str::lines` gives them (split at `\n`, a `\r` before it dropped).
#[inline]
fn for_each_line<'a>(text: &'a str, mut f: impl FnMut(&'a str) -> bool) {
    let b = text.as_bytes();
    let mut at = 0;
    while at < b.len() {
        let rest = b.get(at..).unwrap_or_default();
        let (end, next) = match find_lf(rest) {
            Some(k) => {
                let e = at + k;
                // a CR before the LF is not part of the line
                let e = if k > 0 && rest.get(k - 1) == Some(&b'\r') {
                    e - 1
                } else {
                    e
                };
                (e, at + k + 1)
            }
            None => (b.len(), b.len()),
        };
        // at and end stand next to ASCII bytes (or the ends): char boundaries
        let line = text.get(at..end).unwrap_or_default();
        at = next;
        if !f(line) {
            break;
        }
    }
}

/// What one line of a field block is.
enum Line<'a> {
    /// Nothing but white space.
    Blank,
    /// A continuation (starts with a space or a tab): its trimmed text.
    More(&'a str),
    /// A field: name and trimmed value.
    Field(&'a str, &'a str),
    /// Anything else.
    Other,
}

#[inline]
fn read_line(line: &str) -> Line<'_> {
    let b = line.as_bytes();
    match b.first() {
        None => Line::Blank,
        Some(b' ' | b'\t') => match trim_ws(line) {
            "" => Line::Blank,
            t => Line::More(t),
        },
        Some(&first) => match name_end(b) {
            Some(colon) => match (line.get(..colon), line.get(colon + 1..)) {
                (Some(name), Some(value)) => Line::Field(name, trim_ws(value)),
                _ => Line::Other,
            },
            // blank only when all white space (a line that starts with a printable byte is not)
            None if !first.is_ascii_graphic() && trim_ws(line).is_empty() => Line::Blank,
            None => Line::Other,
        },
    }
}

/// Adds a continuation line's text to the last field (when there is one).
#[inline]
fn unfold<'a>(out: &mut Fields<'a>, t: &'a str) {
    if let Some((_, v)) = out.list.last_mut() {
        match v {
            _ if v.is_empty() => *v = Cow::Borrowed(t),
            Cow::Borrowed(first) => {
                // room for a few more lines without growing
                let mut joined = String::with_capacity(first.len() + 1 + t.len() + 128);
                joined.push_str(first);
                joined.push(' ');
                joined.push_str(t);
                *v = Cow::Owned(joined);
            }
            Cow::Owned(joined) => {
                joined.push(' ');
                joined.push_str(t);
            }
        }
    }
}

/// Parses a header block: fields until the first empty line (or the end). Lines that are not
/// fields and not continuations are skipped.
pub fn parse_header_block(text: &str) -> Fields<'_> {
    let mut out = Fields {
        list: Vec::with_capacity(16),
    };
    for_each_line(text, |line| {
        match read_line(line) {
            Line::Blank => return out.list.is_empty(),
            Line::More(t) => unfold(&mut out, t),
            Line::Field(n, v) => out.list.push((n, Cow::Borrowed(v))),
            Line::Other => {}
        }
        true
    });
    out
}

/// Parses every field line in `text`, ignoring empty lines (for report parts whose groups are
/// separated by blank lines, or not). A continuation line adds to the last field read, also
/// across blank and other lines.
pub fn parse_all_fields(text: &str) -> Fields<'_> {
    let mut out = Fields {
        list: Vec::with_capacity(16),
    };
    for_each_line(text, |line| {
        match read_line(line) {
            Line::More(t) => unfold(&mut out, t),
            Line::Field(n, v) => out.list.push((n, Cow::Borrowed(v))),
            Line::Blank | Line::Other => {}
        }
        true
    });
    out
}

/// Splits `type; value` report values (`rfc822; user@example.org`, `smtp; 550 ...`,
/// `dns; mx.example.org`) into the type (upper-cased) and the value. A value without a type
/// gives `(None, value)`.
pub fn split_typed(value: &str) -> (Option<String>, &str) {
    match split_typed_raw(value) {
        (Some(t), v) => (Some(t.to_ascii_uppercase()), v),
        (None, v) => (None, v),
    }
}

/// [`split_typed`] with the type as written (no upper-cased copy).
pub fn split_typed_raw(value: &str) -> (Option<&str>, &str) {
    let b = value.as_bytes();
    // The type is what comes before the first `;`, trimmed: one run of type bytes, white
    // space around it. A byte that can be neither, before any `;`, tells that there is none
    // (beyond ASCII, the general reading decides: Unicode white space may stand around it).
    let mut start = None;
    let mut end = 0;
    for (i, &c) in b.iter().enumerate() {
        match TYPE_BYTES[c as usize] {
            TYPE => {
                match start {
                    None => start = Some(i),
                    // white space inside: not a type
                    Some(_) if end < i => break,
                    Some(_) => {}
                }
                end = i + 1;
            }
            WS => {}
            SEMI => {
                return match (start, value.get(i + 1..)) {
                    (Some(a), Some(tail)) if end - a <= 20 => (value.get(a..end), trim_ws(tail)),
                    _ => (None, trim_ws(value)),
                };
            }
            WIDE => return typed_at_first_semicolon(value),
            _ => break,
        }
    }
    (None, trim_ws(value))
}

/// Per byte, what it can be around a report value type: [`TYPE`] (letters, digits, `-`, `_`),
/// [`WS`] (ASCII white space), [`SEMI`] (`;`), [`WIDE`] (beyond ASCII), 0 (anything else).
static TYPE_BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0usize;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            TYPE
        } else if b == b' ' || (b >= b'\t' && b <= b'\r') {
            WS
        } else if b == b';' {
            SEMI
        } else if b >= 0x80 {
            WIDE
        } else {
            0
        };
        c += 1;
    }
    t
};
const TYPE: u8 = 1;
const WS: u8 = 2;
const SEMI: u8 = 3;
const WIDE: u8 = 4;

/// A byte of a report value type (`rfc822`, `x-unix`, `smtp`).
#[inline]
fn is_type_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

/// [`split_typed_raw`] for a value with its first `;` at `semi`.
fn typed_at(value: &str, semi: usize) -> (Option<&str>, &str) {
    if let (Some(head), Some(tail)) = (value.get(..semi), value.get(semi + 1..)) {
        let t = trim_ws(head);
        if !t.is_empty() && t.len() <= 20 && t.bytes().all(is_type_byte) {
            return (Some(t), trim_ws(tail));
        }
    }
    (None, trim_ws(value))
}

/// [`split_typed_raw`] by the first `;` anywhere.
#[cold]
fn typed_at_first_semicolon(value: &str) -> (Option<&str>, &str) {
    match memchr::memchr(b';', value.as_bytes()) {
        Some(semi) => typed_at(value, semi),
        None => (None, trim_ws(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_block_unfolds() {
        let f = parse_header_block("Subject: a\n b\nFrom: x@y\n\nbody: no\n");
        assert_eq!(f.get("subject"), Some("a b"));
        assert_eq!(f.get("from"), Some("x@y"));
        assert_eq!(f.get("body"), None);
    }

    /// The field-block routines as they were before the byte-level rewrite (the reference).
    mod reference {
        use super::super::Fields;
        use std::borrow::Cow;

        pub fn field_name(line: &str) -> Option<&str> {
            let colon = line.find(':')?;
            let name = &line[..colon];
            if name.is_empty()
                || name.len() > 76
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b':' && b != b'<' && b != b'>')
            {
                return None;
            }
            Some(name)
        }

        pub fn parse_header_block(text: &str) -> Fields<'_> {
            let mut out = Fields::default();
            for line in text.lines() {
                if line.trim().is_empty() {
                    if out.list.is_empty() {
                        continue;
                    }
                    break;
                }
                push_line(&mut out, line);
            }
            out
        }

        pub fn parse_all_fields(text: &str) -> Fields<'_> {
            let mut out = Fields::default();
            let mut last_was_field = false;
            for line in text.lines() {
                if line.trim().is_empty() {
                    last_was_field = false;
                    continue;
                }
                if line.starts_with([' ', '\t']) && last_was_field {
                    push_line(&mut out, line);
                    continue;
                }
                last_was_field = push_line(&mut out, line);
            }
            out
        }

        fn push_line<'a>(out: &mut Fields<'a>, line: &'a str) -> bool {
            if line.starts_with([' ', '\t']) {
                if let Some((_, v)) = out.list.last_mut() {
                    let t = line.trim();
                    if !t.is_empty() {
                        if v.is_empty() {
                            *v = Cow::Borrowed(t);
                        } else {
                            let v = v.to_mut();
                            v.push(' ');
                            v.push_str(t);
                        }
                    }
                    return true;
                }
                return false;
            }
            match field_name(line) {
                Some(name) => {
                    let value = line[name.len() + 1..].trim();
                    out.list.push((name, Cow::Borrowed(value)));
                    true
                }
                None => false,
            }
        }

        pub fn split_typed_raw(value: &str) -> (Option<&str>, &str) {
            if let Some(semi) = value.find(';') {
                let t = value[..semi].trim();
                if !t.is_empty()
                    && t.len() <= 20
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return (Some(t), value[semi + 1..].trim());
                }
            }
            (None, value.trim())
        }
    }

    /// Pieces of field blocks that the byte-level parser must read as the reference did:
    /// folded lines, CR-only and CRLF line ends, odd case, empty values, Unicode white space
    /// (NBSP, U+2003, U+0085), control bytes, colons and angle brackets in odd places.
    const PIECES: &[&str] = &[
        "Final-Recipient",
        "final-RECIPIENT",
        "Status",
        "X-Foo",
        "a",
        ":",
        ": ",
        ";",
        " ",
        "\t",
        "\n",
        "\r\n",
        "\r",
        "\n ",
        "\n\t",
        "\u{a0}",
        "\u{2003}",
        "\u{85}",
        "\u{b}",
        "\u{c}",
        "<",
        ">",
        "é",
        "rfc822",
        "dns; mx",
        "5.1.1",
        "smtp",
        "(x)",
        "@",
        "Name With Space",
        "0123456789012345678901234567890123456789",
    ];

    #[test]
    fn trim_ws_is_trim() {
        let mut g = crate::testgen::XorShift(0x5eed_d5e1);
        for _ in 0..20_000 {
            let s = g.joined(PIECES, 8);
            assert_eq!(trim_ws(&s), s.trim(), "{s:?}");
        }
        for s in [
            "",
            " ",
            "\u{a0}",
            " \u{a0} x \u{2003}\t",
            "\u{85}a\u{85}",
            "\r\n",
            "\u{1c}x",
        ] {
            assert_eq!(trim_ws(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn block_parsers_match_reference() {
        let fixed = [
            "",
            "\n",
            "Subject: a\n b\nFrom: x@y\n\nbody: no\n",
            "  leading: continuation\nA: 1\r\n\r\n b\r\nC:\r\n  c\r\n\t d\r",
            "A:\rB: 2\rC: 3",
            "Final-Recipient: rfc822; a@b\nnot a field\n  more\nStatus: 5.1.1\n",
            "\u{a0}\nX: \u{a0}v\u{a0}\n \u{2003}\n",
            "<x>: no\nname with space: no\n:empty\nok:\n",
            "A: 1\n\u{b}\n \n\t\nB: 2",
            "A: 1\r\r\nB: 2\r",
        ];
        let mut g = crate::testgen::XorShift(0x00f1_e1d5);
        let random = (0..20_000).map(|_| g.joined(PIECES, 24));
        for text in fixed.iter().map(|s| s.to_string()).chain(random) {
            assert_eq!(
                parse_all_fields(&text),
                reference::parse_all_fields(&text),
                "{text:?}"
            );
            assert_eq!(
                parse_header_block(&text),
                reference::parse_header_block(&text),
                "{text:?}"
            );
            for line in text.lines() {
                assert_eq!(
                    split_typed_raw(line),
                    reference::split_typed_raw(line),
                    "{line:?}"
                );
            }
        }
    }

    #[test]
    fn typed_and_lf_match_reference() {
        let pieces = [
            "rfc822",
            "RFC822",
            "x-unix",
            "smtp_x",
            ";",
            ";",
            " ",
            "\t",
            "\u{b}",
            "\u{a0}",
            "\u{2003}",
            "é",
            "a@b",
            "<",
            "(",
            ".",
            "0123456789",
            "\n",
            "\r",
        ];
        let mut g = crate::testgen::XorShift(0x7e9d_1f2a);
        for _ in 0..40_000 {
            let s = g.joined(&pieces, 10);
            assert_eq!(split_typed_raw(&s), reference::split_typed_raw(&s), "{s:?}");
            assert_eq!(
                find_lf(s.as_bytes()),
                memchr::memchr(b'\n', s.as_bytes()),
                "{s:?}"
            );
        }
    }

    #[test]
    fn name_end_is_field_name() {
        let pieces = [
            "a",
            "Final-Recipient",
            "0123456789",
            ":",
            " ",
            "\t",
            "<",
            ">",
            "\u{7f}",
            "é",
            "\r",
            "\u{0}",
            "~",
            "!",
            ";",
        ];
        let mut g = crate::testgen::XorShift(0x00e1_d0a3);
        let mut lines: Vec<String> = (0..40_000).map(|_| g.joined(&pieces, 12)).collect();
        for n in 60..90 {
            lines.push(format!("{}: v", "n".repeat(n)));
            lines.push(format!("{}:", "N".repeat(n)));
            lines.push(format!("{}é: v", "n".repeat(n)));
        }
        for line in &lines {
            let want = reference::field_name(line).map(str::len);
            assert_eq!(name_end(line.as_bytes()), want, "{line:?}");
        }
    }

    #[test]
    fn typed() {
        assert_eq!(
            split_typed("rfc822; a@b"),
            (Some("RFC822".to_string()), "a@b")
        );
        assert_eq!(split_typed("a@b"), (None, "a@b"));
        assert_eq!(
            split_typed("smtp;550 5.1.1 x; y"),
            (Some("SMTP".into()), "550 5.1.1 x; y")
        );
    }
}
