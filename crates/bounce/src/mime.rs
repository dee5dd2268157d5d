//! The MIME structure of a message, read over its borrowed bytes (LF line endings).
//!
//! This is mail-parser 0.11.9's message parser (`parsers/message.rs`, Apache-2.0 OR MIT, Stalwart
//! Labs), step for step in what the bounce view reads: the same header blocks, the same part
//! boundaries (a boundary is `--` and the boundary anywhere, not only at a line start), the
//! same recovery from encoding problems, missing boundaries and unterminated nested messages,
//! and the same part kinds (text, HTML, binary, nested message). What the view never reads is
//! not built: header values stay borrowed slices until the view asks for them, only the
//! `Content-*` fields the structure depends on are parsed (by mail-parser's own field parsers,
//! on the field's bytes), the parts of a nested message are walked for their extent only, and
//! the lists of text, HTML and attachment parts are not kept. The scans for boundaries and
//! field ends use `memchr` instead of a byte iterator.

use std::borrow::Cow;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;
use mail_parser::{ContentType, HeaderValue};

/// Nesting limit of encoded (base64, quoted-printable) `message/rfc822` parts, as mail-parser's.
const MAX_NESTED_ENCODED: usize = 3;

/// The fields whose values the structure or the view parse (mail-parser's `with_mime_headers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ContentType,
    ContentDisposition,
    ContentId,
    ContentDescription,
    ContentLocation,
    ContentTransferEncoding,
    Other,
}

/// One header field, as slices of the message.
#[derive(Debug, Clone, Copy)]
pub struct RawField<'a> {
    /// The name: from its first to its last non-space byte before the colon.
    pub name: &'a [u8],
    /// After the colon up to the end of the field (its last line break included).
    pub value: &'a [u8],
    /// The whole field, name and value.
    pub field: &'a [u8],
    /// Which MIME field it is.
    pub kind: Kind,
}

/// How a part's body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    None,
    QuotedPrintable,
    Base64,
}

/// What a part holds.
#[derive(Debug)]
pub enum Body<'a> {
    /// A multipart container (its children follow it in the list), or a part whose body was
    /// not kept (inside a nested message).
    Multipart,
    /// A nested message: the header fields of its first part.
    Message(Vec<RawField<'a>>),
    /// A nested message decoded from base64 or quoted-printable: its header block, owned.
    MessageOwned(Vec<u8>),
    /// Text, charset-decoded.
    Text(Cow<'a, str>),
    /// HTML, charset-decoded.
    Html(Cow<'a, str>),
    /// Anything else, transfer-decoded.
    Binary(Cow<'a, [u8]>),
}

/// One part of the message (containers included, in order of appearance).
#[derive(Debug)]
pub struct Part<'a> {
    /// Header fields (kept for the first part of a message, empty for the others).
    pub headers: Vec<RawField<'a>>,
    /// The first `Content-Type` field that parses (what the view reports).
    pub ct: Option<Ct<'a>>,
    /// Transfer encoding (`None` after an encoding problem).
    pub encoding: Encoding,
    /// The body.
    pub body: Body<'a>,
    /// Where the body starts.
    pub offset_body: usize,
    /// Where the body ends.
    pub offset_end: usize,
}

/// A parsed message: its parts, the root first.
#[derive(Debug, Default)]
pub struct Message<'a> {
    pub parts: Vec<Part<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mime {
    MultipartDigest,
    MultipartOther,
    TextPlain,
    TextHtml,
    TextOther,
    Inline,
    #[default]
    Message,
    Other,
}

/// `(is_multipart, is_text, mime type)` of a part, as mail-parser's `mime_type`.
fn mime_type(ct: Option<&Ct<'_>>, parent: Mime) -> (bool, bool, Mime) {
    match ct {
        Some(ct) => match ct.ctype() {
            "multipart" => (
                true,
                false,
                if ct.subtype() == Some("digest") {
                    Mime::MultipartDigest
                } else {
                    Mime::MultipartOther
                },
            ),
            "text" => match ct.subtype() {
                Some("plain") => (false, true, Mime::TextPlain),
                Some("html") => (false, true, Mime::TextHtml),
                _ => (false, true, Mime::TextOther),
            },
            "image" | "audio" | "video" => (false, false, Mime::Inline),
            "message" if matches!(ct.subtype(), Some("rfc822" | "global")) => {
                (false, false, Mime::Message)
            }
            _ => (false, false, Mime::Other),
        },
        None if parent == Mime::MultipartDigest => (false, false, Mime::Message),
        None => (false, true, Mime::TextPlain),
    }
}

#[derive(Debug, Default)]
struct State {
    mime_type: Mime,
    boundary: Option<Vec<u8>>,
    part_id: usize,
    /// Number of parts read at this level, and the id of the first.
    sub_parts: usize,
    first_sub_part: usize,
    offset_body: usize,
    offset_end: usize,
}

impl State {
    fn add_sub_part(&mut self, id: usize) {
        if self.sub_parts == 0 {
            self.first_sub_part = id;
        }
        self.sub_parts += 1;
    }

    /// mail-parser replaces the body of the container with the list of its parts unless that
    /// list is exactly `[0]` (a nested message's own first part).
    fn replaces_body(&self) -> bool {
        self.sub_parts != 1 || self.first_sub_part != 0
    }
}

/// Parameters of the plain form kept in place (a value with more is read by mail-parser).
const PLAIN_PARAMS: usize = 4;

/// A parsed `Content-Type`-like value: the common plain form, read here and borrowed from the
/// field, or mail-parser's parse of anything else. Read through [`Ct::ctype`], [`Ct::subtype`]
/// and [`Ct::attribute`], which answer as mail-parser's `ContentType` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ct<'a> {
    Plain(PlainCt<'a>),
    Parsed(ContentType<'a>),
}

/// The plain form: type and subtype lower-cased (borrowed when they are), the parameters as
/// written (names ASCII, compared case-insensitively: mail-parser lower-cases them), kept as
/// the offsets of their names and values in the field value `text` (a small value to move).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainCt<'a> {
    ctype: Cow<'a, str>,
    subtype: Cow<'a, str>,
    text: &'a str,
    params: [[u16; 4]; PLAIN_PARAMS],
    n: u8,
}

impl<'a> PlainCt<'a> {
    /// The `(name, value)` of the parameters.
    #[cfg(test)]
    fn params(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        let text = self.text;
        let at = move |a: u16, b: u16| text.get(usize::from(a)..usize::from(b)).unwrap_or_default();
        self.params
            .iter()
            .take(usize::from(self.n))
            .map(move |&[n0, n1, v0, v1]| (at(n0, n1), at(v0, v1)))
    }
}

impl<'a> Ct<'a> {
    /// True when the type and subtype are known to be lower case (the plain form lower-cases
    /// them; mail-parser's are lower-cased again by the readers that need it).
    pub fn is_lower(&self) -> bool {
        matches!(self, Ct::Plain(_))
    }

    /// The type, lower case.
    pub fn ctype(&self) -> &str {
        match self {
            Ct::Plain(p) => &p.ctype,
            Ct::Parsed(c) => c.ctype(),
        }
    }

    /// The subtype, lower case.
    pub fn subtype(&self) -> Option<&str> {
        match self {
            Ct::Plain(p) => Some(&p.subtype),
            Ct::Parsed(c) => c.subtype(),
        }
    }

    /// The value of the first parameter `name` (give it in lower case).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        match self {
            Ct::Plain(p) => {
                // names compared as bytes (lengths first), the value made a str only when found
                let bytes = p.text.as_bytes();
                let at = |a: u16, b: u16| usize::from(a)..usize::from(b);
                p.params
                    .iter()
                    .take(usize::from(p.n))
                    .find(|&&[n0, n1, _, _]| {
                        usize::from(n1.wrapping_sub(n0)) == name.len()
                            && bytes
                                .get(at(n0, n1))
                                .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
                    })
                    .and_then(|&[_, _, v0, v1]| p.text.get(at(v0, v1)))
            }
            Ct::Parsed(c) => c.attribute(name),
        }
    }

    /// The value as mail-parser's `ContentType` (for the tests that compare with it).
    #[cfg(test)]
    pub fn into_mail_parser(self) -> ContentType<'a> {
        match self {
            Ct::Plain(p) => {
                let attributes: Vec<_> = p
                    .params()
                    .map(|(n, v)| mail_parser::Attribute {
                        name: Cow::Owned(n.to_ascii_lowercase()),
                        value: Cow::Borrowed(v),
                    })
                    .collect();
                ContentType {
                    c_type: p.ctype,
                    c_subtype: Some(p.subtype),
                    attributes: (!attributes.is_empty()).then_some(attributes),
                }
            }
            Ct::Parsed(c) => c,
        }
    }
}

/// Parses a `Content-Type`-like field value as mail-parser's parser does: the common plain
/// form (`type/subtype`, then up to [`PLAIN_PARAMS`] `; name=value` or `; name="value"`
/// parameters, ASCII, no comments, escapes, encoded words or RFC 2231 parts) read here,
/// anything else by mail-parser's parser.
pub fn parse_content_type(value: &[u8]) -> Option<Ct<'_>> {
    if let Some(ct) = plain_content_type(value) {
        return Some(ct);
    }
    MessageStream::new(value)
        .parse_content_type()
        .into_content_type()
        .map(Ct::Parsed)
}

/// A token byte of the plain form (RFC 2045 token characters but `*`, `'` and `=`, which steer
/// mail-parser's parameter continuations).
fn token_byte(b: u8) -> bool {
    TOKEN[b as usize]
}

/// [`token_byte`] as a table.
static TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
                    | b'~'
            );
        b += 1;
    }
    t
};

/// Where the run of token bytes from `i` ends, and whether it holds an upper-case letter.
#[inline]
fn token_end(value: &[u8], mut i: usize) -> (usize, bool) {
    let mut upper = false;
    while let Some(&b) = value.get(i) {
        if !token_byte(b) {
            break;
        }
        upper |= b.is_ascii_uppercase();
        i += 1;
    }
    (i, upper)
}

/// The plain form of a `Content-Type` value, or `None` when it is not that plain.
fn plain_content_type(value: &[u8]) -> Option<Ct<'_>> {
    // the plain form is ASCII: a value that is not UTF-8 is not plain (one check of the whole
    // value instead of one for each name and value)
    let text = std::str::from_utf8(value).ok()?;
    let str_at = |r: std::ops::Range<usize>| text.get(r).filter(|t| !t.is_empty());
    let is_ws = |b: u8| b == b' ' || b == b'\t';
    let mut i = 0;
    let at = |i: usize| value.get(i).copied();
    while at(i).is_some_and(is_ws) {
        i += 1;
    }
    let t0 = i;
    let (t1, t_upper) = token_end(value, i);
    i = t1;
    let ctype = str_at(t0..i)?;
    if at(i) != Some(b'/') {
        return None;
    }
    i += 1;
    let s0 = i;
    let (s1, s_upper) = token_end(value, i);
    i = s1;
    let subtype = str_at(s0..i)?;
    let mut params = [[0u16; 4]; PLAIN_PARAMS];
    let mut n = 0;
    // (offsets kept as u16: a longer value is read by mail-parser)
    let off = |i: usize| u16::try_from(i).ok();
    loop {
        // spaces (a folded line only after a `;`), then `;`, a parameter, or the end
        while at(i).is_some_and(is_ws) {
            i += 1;
        }
        match at(i) {
            Some(b'\n') if i + 1 == value.len() => break,
            Some(b';') => i += 1,
            _ => return None,
        }
        loop {
            match at(i) {
                Some(b' ' | b'\t') => i += 1,
                Some(b'\n') if at(i + 1).is_some_and(is_ws) => i += 2,
                _ => break,
            }
        }
        if at(i) == Some(b'\n') && i + 1 == value.len() {
            break;
        }
        let n0 = i;
        while at(i).is_some_and(token_byte) {
            i += 1;
        }
        str_at(n0..i)?;
        let n1 = i;
        if at(i) != Some(b'=') {
            return None;
        }
        i += 1;
        let v = if at(i) == Some(b'"') {
            let v0 = i + 1;
            let rest = value.get(v0..)?;
            let q = memchr::memchr(b'"', rest)?;
            let v = rest.get(..q)?;
            // (every byte tested without an early exit: the loop vectorises)
            if v.is_empty()
                || v.iter().fold(false, |bad, &b| {
                    bad | !(b == b' ' || b.is_ascii_graphic()) | (b == b'\\')
                })
                || memchr::memchr_iter(b'=', v).any(|e| v.get(e + 1) == Some(&b'?'))
            {
                return None;
            }
            i = v0 + q + 1;
            str_at(v0..v0 + q)?;
            (v0, v0 + q)
        } else {
            let v0 = i;
            while at(i)
                .is_some_and(|b| token_byte(b) || b == b'/' || b == b':' || b == b'@' || b == b'.')
            {
                i += 1;
            }
            str_at(v0..i)?;
            (v0, i)
        };
        // (more parameters than kept: mail-parser reads the value)
        *params.get_mut(n)? = [off(n0)?, off(n1)?, off(v.0)?, off(v.1)?];
        n += 1;
    }
    fn lower(s: &str, upper: bool) -> Cow<'_, str> {
        if upper {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    }
    Some(Ct::Plain(PlainCt {
        ctype: lower(ctype, t_upper),
        subtype: lower(subtype, s_upper),
        text,
        params,
        n: u8::try_from(n).ok()?,
    }))
}

/// The transfer encoding named by a `Content-Transfer-Encoding` value.
fn parse_encoding(value: &[u8]) -> Encoding {
    // the value is unstructured text (RFC 2047 words decoded), compared whole
    let trimmed = value.trim_ascii();
    if !trimmed.contains(&b'=') && !trimmed.iter().any(|b| b.is_ascii_whitespace()) {
        return if trimmed.eq_ignore_ascii_case(b"base64") {
            Encoding::Base64
        } else if trimmed.eq_ignore_ascii_case(b"quoted-printable") {
            Encoding::QuotedPrintable
        } else {
            Encoding::None
        };
    }
    match MessageStream::new(value).parse_unstructured() {
        HeaderValue::Text(t) if t.eq_ignore_ascii_case("base64") => Encoding::Base64,
        HeaderValue::Text(t) if t.eq_ignore_ascii_case("quoted-printable") => {
            Encoding::QuotedPrintable
        }
        _ => Encoding::None,
    }
}

/// Which of the MIME fields a name is (mail-parser's name map: ASCII case-insensitive, spaces
/// inside the name ignored).
#[inline(always)]
fn kind_of(name: &[u8]) -> Kind {
    // (names are trimmed: a MIME field name, spaced or not, starts with its `c`)
    if name.first().is_none_or(|c| !c.eq_ignore_ascii_case(&b'c')) {
        return Kind::Other;
    }
    if name.len() < 10 || !name[..8].eq_ignore_ascii_case(b"content-") {
        if name.iter().any(u8::is_ascii_whitespace) {
            return kind_of_spaced(name);
        }
        return Kind::Other;
    }
    match &name[8..] {
        n if n.eq_ignore_ascii_case(b"type") => Kind::ContentType,
        n if n.eq_ignore_ascii_case(b"transfer-encoding") => Kind::ContentTransferEncoding,
        n if n.eq_ignore_ascii_case(b"disposition") => Kind::ContentDisposition,
        n if n.eq_ignore_ascii_case(b"id") => Kind::ContentId,
        n if n.eq_ignore_ascii_case(b"description") => Kind::ContentDescription,
        n if n.eq_ignore_ascii_case(b"location") => Kind::ContentLocation,
        n if n.iter().any(u8::is_ascii_whitespace) => kind_of_spaced(name),
        _ => Kind::Other,
    }
}

fn kind_of_spaced(name: &[u8]) -> Kind {
    let squeezed: Vec<u8> = name
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if squeezed.iter().any(u8::is_ascii_whitespace) {
        return Kind::Other;
    }
    kind_of(&squeezed)
}

/// Reads the header block starting at `*pos` into `out` (mail-parser's `parse_headers`): true
/// when it ended at an empty line, false at the end of the input.
pub fn parse_headers<'a>(data: &'a [u8], pos: &mut usize, out: &mut Vec<RawField<'a>>) -> bool {
    let lines = LineSearch::new();
    loop {
        loop {
            match data.get(*pos) {
                Some(b'\n') => {
                    *pos += 1;
                    return true;
                }
                None => return false,
                Some(c) if !c.is_ascii_whitespace() => break,
                _ => *pos += 1,
            }
        }
        let offset_field = *pos;
        match header_name(data, pos, &lines) {
            Some(name) => {
                let start = *pos;
                let end = field_end(data, start, &lines);
                *pos = end;
                out.push(RawField {
                    name,
                    value: data.get(start..end).unwrap_or_default(),
                    field: data.get(offset_field..end).unwrap_or_default(),
                    kind: kind_of(name),
                });
            }
            None if *pos >= data.len() => return false,
            None => {}
        }
    }
}

/// mail-parser's `parse_header_name`: the name up to the first colon that follows a non-space
/// byte (leading colons are skipped), `None` at a line end first. At the end of the input a
/// name without a colon still counts.
fn header_name<'a>(data: &'a [u8], pos: &mut usize, lines: &LineSearch) -> Option<&'a [u8]> {
    let mut seg = *pos;
    let mut i = *pos;
    loop {
        let rest = data.get(i..).unwrap_or_default();
        match lines.colon_or_lf(rest) {
            Some(j) => {
                let at = i + j;
                if rest[j] == b'\n' {
                    *pos = at + 1;
                    return None;
                }
                let name = data.get(seg..at).unwrap_or_default().trim_ascii();
                if !name.is_empty() {
                    *pos = at + 1;
                    return Some(name);
                }
                seg = at + 1;
                i = at + 1;
            }
            None => {
                *pos = data.len();
                let name = data.get(seg..).unwrap_or_default().trim_ascii();
                return (!name.is_empty()).then_some(name);
            }
        }
    }
}

/// The end of a field value starting at `start`: after the first line break not followed by a
/// space or a tab, or the end of the input.
fn field_end(data: &[u8], start: usize, lines: &LineSearch) -> usize {
    let mut i = start;
    loop {
        let rest = data.get(i..).unwrap_or_default();
        match lines.lf(rest) {
            Some(j) => {
                let nl = i + j;
                match data.get(nl + 1) {
                    Some(b' ' | b'\t') => i = nl + 2,
                    _ => return nl + 1,
                }
            }
            None => return data.len(),
        }
    }
}

/// The byte searches of a header block (LF; `:` or LF), with the AVX2 searchers built once per
/// block on x86_64 instead of `memchr`'s dispatch on every call (two calls for every field).
struct LineSearch {
    #[cfg(target_arch = "x86_64")]
    avx2: Option<(
        memchr::arch::x86_64::avx2::memchr::One,
        memchr::arch::x86_64::avx2::memchr::Two,
    )>,
}

impl LineSearch {
    #[inline(always)]
    fn new() -> Self {
        #[cfg(target_arch = "x86_64")]
        use memchr::arch::x86_64::avx2::memchr::{One, Two};
        LineSearch {
            #[cfg(target_arch = "x86_64")]
            avx2: One::new(b'\n').zip(Two::new(b':', b'\n')),
        }
    }

    #[inline(always)]
    fn lf(&self, h: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some((one, _)) = &self.avx2 {
            return one.find(h);
        }
        memchr::memchr(b'\n', h)
    }

    #[inline(always)]
    fn colon_or_lf(&self, h: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some((_, two)) = &self.avx2 {
            return two.find(h);
        }
        memchr::memchr2(b':', b'\n', h)
    }
}

/// The first `--boundary` at or after `from` (`needle` is `--` and the boundary): the index of
/// its first dash. mail-parser looks for it anywhere, not only at a line start.
///
/// A boundary is searched with a packed-pair prefilter (two of its rarer bytes at their
/// distance, compared 32 bytes at a time) and each candidate compared whole: building that
/// costs a few dozen instructions, where a full substring searcher cost about as much as
/// searching the parts of a message. After a few false candidates, or without AVX2, the full
/// searcher takes over. The searchers of the last few needles are kept (a message's parts
/// share their boundary, and a nested multipart alternates with its parent's).
fn find_boundary(data: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    use std::cell::RefCell;
    const KEPT: usize = 4;
    thread_local! {
        static FINDERS: RefCell<Vec<BoundaryFinder>> = const { RefCell::new(Vec::new()) };
    }
    let hay = data.get(from..)?;
    FINDERS
        .with(|f| {
            let mut f = f.borrow_mut();
            let k = match f.iter().position(|f| f.needle == needle) {
                Some(k) => k,
                None => {
                    if f.len() == KEPT {
                        f.pop();
                    }
                    f.insert(0, BoundaryFinder::new(needle));
                    0
                }
            };
            f.get_mut(k).and_then(|f| f.find(hay))
        })
        .map(|i| from + i)
}

#[cfg(target_arch = "x86_64")]
type PairFinder = memchr::arch::x86_64::avx2::packedpair::Finder;

/// The two bytes of a boundary needle (`--` and the boundary) the prefilter looks for: its
/// first byte that is not a dash and its last byte (a boundary is a run of dashes, if any, and
/// generated characters). Choosing them by their rank in a frequency table cost more than the
/// search of a message's parts; a needle with no such byte gets the ranked pair.
#[cfg(target_arch = "x86_64")]
fn boundary_pair(needle: &[u8]) -> Option<memchr::arch::all::packedpair::Pair> {
    use memchr::arch::all::packedpair::Pair;
    let last = needle.len().checked_sub(1)?;
    let &end = needle.get(last)?;
    let first = needle
        .iter()
        .take(last)
        .position(|&b| b != b'-' && b != end);
    match (first, u8::try_from(last)) {
        (Some(i), Ok(last)) => Pair::with_indices(needle, u8::try_from(i).ok()?, last),
        _ => Pair::new(needle),
    }
}

/// The searchers of one boundary.
struct BoundaryFinder {
    needle: Vec<u8>,
    #[cfg(target_arch = "x86_64")]
    pair: Option<PairFinder>,
    /// The full searcher, built when first needed.
    full: Option<memchr::memmem::Finder<'static>>,
}

impl BoundaryFinder {
    fn new(needle: &[u8]) -> Self {
        BoundaryFinder {
            needle: needle.to_vec(),
            #[cfg(target_arch = "x86_64")]
            pair: boundary_pair(needle).and_then(|p| PairFinder::with_pair(needle, p)),
            full: None,
        }
    }

    /// The first occurrence of the needle in `hay`.
    fn find(&mut self, hay: &[u8]) -> Option<usize> {
        #[allow(unused_mut)]
        let mut at = 0;
        #[cfg(target_arch = "x86_64")]
        if let Some(pf) = &self.pair {
            let mut misses = 0;
            while misses < 8 && hay.len().saturating_sub(at) >= pf.min_haystack_len() {
                let c = at + pf.find_prefilter(hay.get(at..)?)?;
                if hay.get(c..).is_some_and(|h| h.starts_with(&self.needle)) {
                    return Some(c);
                }
                misses += 1;
                at = c + 1;
            }
        }
        let needle = &self.needle;
        let rest = hay.get(at..)?;
        if rest.len() < 64 && self.full.is_none() {
            // a short tail (below the prefilter's minimum, near the end of the message):
            // memmem's Rabin-Karp, which builds nothing
            return memchr::memmem::find(rest, needle).map(|i| at + i);
        }
        let full = self
            .full
            .get_or_insert_with(|| memchr::memmem::Finder::new(needle).into_owned());
        full.find(hay.get(at..)?).map(|i| at + i)
    }
}

/// The end of a part body whose boundary starts at `d` (the first dash): the line break before
/// it when the boundary starts a line, else the boundary itself.
fn body_end(data: &[u8], start: usize, d: usize) -> usize {
    if d > start && data.get(d - 1) == Some(&b'\n') {
        if d - 1 > start && data.get(d - 2) == Some(&b'\r') {
            d - 2
        } else {
            d - 1
        }
    } else {
        d
    }
}

/// mail-parser's `mime_part`: the raw body up to the boundary (`needle`: `--` and the
/// boundary, or empty when the part has none); `usize::MAX` as the end when the boundary is
/// missing (the position is then left where it was).
fn mime_part<'a>(data: &'a [u8], pos: &mut usize, needle: &[u8]) -> (usize, &'a [u8]) {
    let start = *pos;
    if needle.is_empty() {
        *pos = data.len();
        return (data.len(), data.get(start..).unwrap_or_default());
    }
    match find_boundary(data, start, needle) {
        Some(d) => {
            let end = body_end(data, start, d);
            *pos = d + needle.len();
            (end, data.get(start..end).unwrap_or_default())
        }
        None => (usize::MAX, data.get(start..).unwrap_or_default()),
    }
}

/// mail-parser's `seek_part_end`.
fn seek_part_end(data: &[u8], pos: &mut usize, needle: Option<&[u8]>) -> (usize, bool) {
    let start = *pos;
    match needle {
        Some(n) => match find_boundary(data, start, n) {
            Some(d) => {
                *pos = d + n.len();
                (body_end(data, start, d), true)
            }
            None => {
                *pos = data.len();
                (data.len(), false)
            }
        },
        None => {
            *pos = data.len();
            (data.len(), true)
        }
    }
}

/// mail-parser's `seek_next_part_offset`: the last line break before the next boundary.
fn seek_next_part_offset(data: &[u8], pos: &mut usize, needle: &[u8]) -> Option<usize> {
    let start = *pos;
    let d = find_boundary(data, start, needle)?;
    let before = data.get(start..d).unwrap_or_default();
    let off = match memchr::memrchr(b'\n', before) {
        Some(j) if j > 0 && before.get(j - 1) == Some(&b'\r') => start + j - 1,
        Some(j) => start + j,
        None => start,
    };
    *pos = d + needle.len();
    Some(off)
}

/// mail-parser's `is_multipart_end`.
fn is_multipart_end(data: &[u8], pos: &mut usize) -> bool {
    match (data.get(*pos), data.get(*pos + 1)) {
        (Some(b'\r'), Some(b'\n')) => {
            *pos += 2;
            false
        }
        (Some(b'-'), Some(b'-')) => {
            *pos += 2;
            true
        }
        (Some(b'\n'), _) => {
            *pos += 1;
            false
        }
        (Some(a), _) if a.is_ascii_whitespace() => {
            *pos += 1;
            skip_crlf(data, pos);
            false
        }
        _ => false,
    }
}

/// mail-parser's `skip_crlf`: spaces, tabs and CRs, then one line break.
fn skip_crlf(data: &[u8], pos: &mut usize) {
    while let Some(&c) = data.get(*pos) {
        match c {
            b'\r' | b' ' | b'\t' => *pos += 1,
            b'\n' => {
                *pos += 1;
                break;
            }
            _ => break,
        }
    }
}

/// Transfer-decodes a body (`needle`: `--` and the boundary, or empty); the decoders also find
/// its end. `keep`: false when only the extent is wanted (the body is then left empty where
/// that saves work). Base64 is mail-parser's decoder.
fn decode<'a>(
    data: &'a [u8],
    pos: &mut usize,
    encoding: Encoding,
    needle: &[u8],
    keep: bool,
) -> (usize, Cow<'a, [u8]>) {
    match encoding {
        Encoding::None => {
            let (end, b) = mime_part(data, pos, needle);
            (end, Cow::Borrowed(b))
        }
        Encoding::QuotedPrintable => quoted_printable(data, pos, needle, keep),
        Encoding::Base64 if !keep => base64_extent(data, pos, needle),
        Encoding::Base64 => {
            let boundary = needle.get(2..).unwrap_or_default();
            let mut s = MessageStream::new(data);
            s.skip_bytes((*pos).min(data.len()));
            let r = s.decode_base64_mime(boundary);
            *pos = s.offset();
            r
        }
    }
}

/// For the decoders of a part starting at `start`: where its boundary (`needle`; none when
/// empty) stands, and the bytes read before the boundary is recognised, up to its first dash
/// (`None` when `start` is past the end).
fn decoder_input<'a>(
    data: &'a [u8],
    start: usize,
    needle: &[u8],
) -> (Option<usize>, Option<&'a [u8]>) {
    let d = if needle.is_empty() {
        None
    } else {
        find_boundary(data, start, needle)
    };
    let stop = d.map_or(data.len(), |d| d + 1).min(data.len());
    (d, data.get(start..stop))
}

/// Where mail-parser's `decode_base64_mime` ends a body, without decoding it (the body is
/// left empty): the same failures (a byte outside the alphabet, spaces and `=`; `--` not
/// followed by the boundary; a missing boundary) and the same end.
fn base64_extent<'a>(data: &'a [u8], pos: &mut usize, needle: &[u8]) -> (usize, Cow<'a, [u8]>) {
    const FAIL: (usize, Cow<'static, [u8]>) = (usize::MAX, Cow::Borrowed(b""));
    let start = *pos;
    let (d, input) = decoder_input(data, start, needle);
    let Some(input) = input else {
        return FAIL;
    };
    let valid = |c: u8| {
        c.is_ascii_alphanumeric()
            || matches!(c, b'+' | b'/' | b'=' | b'\n' | b' ' | b'\t' | b'\r' | b'-')
    };
    // every byte tested without an early exit (the loop vectorises; a failing body is rare),
    // and `--` looked for at the dashes (rare in base64: a searcher built for every body cost
    // more)
    let invalid = input.iter().fold(false, |bad, &c| bad | !valid(c));
    if invalid || memchr::memchr_iter(b'-', input).any(|i| input.get(i + 1) == Some(&b'-')) {
        return FAIL;
    }
    match d {
        Some(d) => {
            *pos = d + needle.len();
            (body_end(data, start, d), Cow::Borrowed(b""))
        }
        None if needle.is_empty() => {
            *pos = data.len();
            (data.len(), Cow::Borrowed(b""))
        }
        None => FAIL,
    }
}

/// The types of non-text parts whose bytes the view reads (report parts, returned headers).
fn read_as_binary(ct: &Ct<'_>) -> bool {
    let sub = ct.subtype().unwrap_or_default();
    match ct.ctype() {
        t if t.eq_ignore_ascii_case("message") => [
            "delivery-status",
            "global-delivery-status",
            "feedback-report",
            "rfc822-headers",
            "rfc822",
            "global",
            "global-headers",
        ]
        .iter()
        .any(|s| sub.eq_ignore_ascii_case(s)),
        t if t.eq_ignore_ascii_case("text") => true,
        _ => false,
    }
}

/// A hexadecimal digit's value.
fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Qp {
    None,
    Eq,
    Hex1(u8),
}

/// mail-parser's `decode_quoted_printable_mime`, with the same output, end and failures (`=`
/// after `=` or after `=X`; a missing boundary), but the boundary found first with `memmem`
/// and the runs of plain bytes copied whole.
fn quoted_printable<'a>(
    data: &'a [u8],
    pos: &mut usize,
    needle: &[u8],
    keep: bool,
) -> (usize, Cow<'a, [u8]>) {
    const FAIL: (usize, Cow<'static, [u8]>) = (usize::MAX, Cow::Borrowed(b""));
    let start = *pos;
    let (d, input) = decoder_input(data, start, needle);
    let Some(input) = input else {
        return FAIL;
    };
    let mut buf: Vec<u8> = Vec::with_capacity(if keep { input.len() } else { 0 });
    // the bytes that end a run of plain bytes, searched with an AVX2 searcher built once per
    // body on x86_64 (memchr3's dispatch on every run cost about as much as the search)
    #[cfg(target_arch = "x86_64")]
    let three = memchr::arch::x86_64::avx2::memchr::Three::new(b'=', b'\n', b'\r');
    let specials = |h: &[u8]| {
        #[cfg(target_arch = "x86_64")]
        if let Some(t) = &three {
            return t.find(h);
        }
        memchr::memchr3(b'=', b'\n', b'\r', h)
    };
    let mut state = Qp::None;
    let mut ws_count = 0usize;
    let mut crlf: &[u8] = b"\n";
    let mut i = 0;
    while let Some(&ch) = input.get(i) {
        match ch {
            b'=' => {
                if state != Qp::None {
                    return FAIL;
                }
                // the common escapes read at once: `=XY` (two hex digits) is its byte, `=` and
                // a line break a soft break (what the states below make of them)
                match (input.get(i + 1), input.get(i + 2)) {
                    (Some(&a), Some(&b)) if let (Some(h1), Some(h2)) = (hex(a), hex(b)) => {
                        if keep {
                            buf.push((h1 << 4) | h2);
                        }
                        ws_count = 0;
                        i += 3;
                        continue;
                    }
                    (Some(b'\n'), _) => {
                        ws_count = 0;
                        i += 2;
                        continue;
                    }
                    _ => {}
                }
                state = Qp::Eq;
            }
            b'\n' => {
                if state == Qp::Eq {
                    state = Qp::None;
                } else {
                    if ws_count > 0 {
                        buf.truncate(buf.len().saturating_sub(ws_count));
                    }
                    if keep {
                        buf.extend_from_slice(crlf);
                    }
                }
                ws_count = 0;
            }
            b'\r' => crlf = b"\r\n",
            _ => match state {
                Qp::None => {
                    // a run of plain bytes, copied whole
                    let rest = input.get(i..).unwrap_or_default();
                    let run = specials(rest).unwrap_or(rest.len());
                    let bytes = rest.get(..run).unwrap_or_default();
                    let trailing_ws = bytes
                        .iter()
                        .rev()
                        .take_while(|b| b.is_ascii_whitespace())
                        .count();
                    if trailing_ws == bytes.len() {
                        ws_count += trailing_ws;
                    } else {
                        ws_count = trailing_ws;
                    }
                    if keep {
                        buf.extend_from_slice(bytes);
                    }
                    i += run.max(1);
                    continue;
                }
                Qp::Eq => {
                    if let Some(h) = hex(ch) {
                        state = Qp::Hex1(h);
                    } else if !ch.is_ascii_whitespace() {
                        state = Qp::None;
                        if keep {
                            buf.extend_from_slice(&[b'=', ch]);
                        }
                        ws_count = 0;
                    }
                }
                Qp::Hex1(h1) => {
                    state = Qp::None;
                    match hex(ch) {
                        Some(h2) => {
                            if keep {
                                buf.push((h1 << 4) | h2);
                            }
                        }
                        None => {
                            let last = i.checked_sub(1).and_then(|j| input.get(j)).copied();
                            if keep {
                                buf.extend_from_slice(&[b'=', last.unwrap_or(0), ch]);
                            }
                        }
                    }
                    ws_count = 0;
                }
            },
        }
        i += 1;
    }
    match d {
        Some(d) => {
            if d > start && data.get(d - 1) == Some(&b'\n') {
                if let Some(n) = buf.len().checked_sub(crlf.len() + 1) {
                    buf.truncate(n);
                }
            } else if let Some(n) = buf.len().checked_sub(1) {
                buf.truncate(n);
            }
            *pos = d + needle.len();
            (body_end(data, start, d), Cow::Owned(buf))
        }
        None if needle.is_empty() => {
            *pos = data.len();
            (data.len(), Cow::Owned(buf))
        }
        None => FAIL,
    }
}

/// Parses `data` (mail-parser's `parse_`). `None` when there is no header at all.
pub fn parse(data: &[u8]) -> Option<Message<'_>> {
    parse_at(data, MAX_NESTED_ENCODED, false)
}

/// The `Content-Type` fields of a part: the first that parses (what the view reports, `None`
/// here when it is the last) and the last one (what the structure follows, as mail-parser's
/// `header_value`).
fn content_types<'a>(headers: &[RawField<'a>]) -> (Option<Ct<'a>>, Option<Ct<'a>>) {
    let Some(last) = headers.iter().rposition(|f| f.kind == Kind::ContentType) else {
        return (None, None);
    };
    let earlier = headers
        .get(..last)
        .unwrap_or_default()
        .iter()
        .filter(|f| f.kind == Kind::ContentType)
        .find_map(|f| parse_content_type(f.value));
    (
        earlier,
        headers.get(last).and_then(|f| parse_content_type(f.value)),
    )
}

/// `keep_all`: keep the bodies of the parts of nested messages too (needed only when
/// mail-parser's bookkeeping loses the enclosing message and a nested one becomes the result).
fn parse_at(data: &[u8], depth: usize, keep_all: bool) -> Option<Message<'_>> {
    let mut pos = 0usize;
    let mut message = Message::default();
    let mut state = State::default();
    let mut stack: Vec<(State, Option<Message<'_>>)> = Vec::new();
    // number of nested messages open (their parts' bodies are not kept)
    let mut nested = 0usize;
    let mut part_headers: Vec<RawField<'_>> = Vec::with_capacity(16);

    'outer: loop {
        if !parse_headers(data, &mut pos, &mut part_headers) {
            break;
        }
        state.offset_body = pos;
        state.add_sub_part(message.parts.len());

        let (ct_earlier, ct_last) = content_types(&part_headers);
        let (is_multipart, mut is_text, mut mime) = mime_type(ct_last.as_ref(), state.mime_type);

        if is_multipart && let Some(b) = ct_last.as_ref().and_then(|c| c.attribute("boundary")) {
            let mut needle = Vec::with_capacity(b.len() + 2);
            needle.extend_from_slice(b"--");
            needle.extend_from_slice(b.as_bytes());
            if !b.is_empty()
                && let Some(d) = find_boundary(data, pos, &needle)
            {
                pos = d + needle.len();
                let new_state = State {
                    mime_type: mime,
                    boundary: Some(needle),
                    part_id: message.parts.len(),
                    ..Default::default()
                };
                let headers = keep_headers(&message, &mut part_headers);
                message.parts.push(Part {
                    headers,
                    ct: ct_earlier.or(ct_last),
                    encoding: Encoding::None,
                    body: Body::Multipart,
                    offset_body: state.offset_body,
                    offset_end: 0,
                });
                stack.push((state, None));
                state = new_state;
                skip_crlf(data, &mut pos);
                continue;
            }
            mime = Mime::TextOther;
            is_text = true;
        }

        let mut encoding = part_headers
            .iter()
            .rev()
            .find(|f| f.kind == Kind::ContentTransferEncoding)
            .map_or(Encoding::None, |f| parse_encoding(f.value));

        if mime == Mime::Message && encoding == Encoding::None {
            let new_state = State {
                mime_type: Mime::Message,
                boundary: state.boundary.take(),
                part_id: message.parts.len(),
                ..Default::default()
            };
            let headers = keep_headers(&message, &mut part_headers);
            message.parts.push(Part {
                headers,
                ct: ct_earlier.or(ct_last),
                encoding,
                body: Body::Multipart,
                offset_body: state.offset_body,
                offset_end: 0,
            });
            stack.push((state, Some(std::mem::take(&mut message))));
            nested += 1;
            state = new_state;
            continue;
        }

        // the bodies the view reads: those of this message's text, message and report parts
        // (a binary part of another type is only measured)
        let keep = nested == 0 || keep_all;
        let wanted = keep
            && (is_text
                || mime == Mime::Message
                || ct_earlier
                    .as_ref()
                    .or(ct_last.as_ref())
                    .is_some_and(read_as_binary));
        let (offset_end, mut bytes) = decode(
            data,
            &mut pos,
            encoding,
            state.boundary.as_deref().unwrap_or_default(),
            wanted,
        );

        // recovery from an invalid body, as mail-parser's
        if offset_end == usize::MAX {
            encoding = Encoding::None;
            if mime != Mime::TextPlain {
                mime = Mime::TextOther;
            }
            is_text = true;
            let (end, found) = seek_part_end(data, &mut pos, state.boundary.as_deref());
            state.offset_end = end;
            bytes = Cow::Borrowed(data.get(state.offset_body..end).unwrap_or_default());
            if !found {
                state.boundary = None;
            }
        } else {
            state.offset_end = offset_end;
        }

        let body = if !keep {
            // inside a nested message: only its extent matters
            Body::Multipart
        } else if mime != Mime::Message {
            if is_text {
                let text = text_of(bytes, ct_last.as_ref());
                if mime == Mime::TextHtml {
                    Body::Html(text)
                } else {
                    Body::Text(text)
                }
            } else {
                Body::Binary(bytes)
            }
        } else if depth != 0 {
            match nested_headers(&bytes) {
                Some(block) => Body::MessageOwned(block),
                None => Body::Binary(bytes),
            }
        } else {
            Body::Binary(bytes)
        };

        let headers = keep_headers(&message, &mut part_headers);
        message.parts.push(Part {
            headers,
            ct: ct_earlier.or(ct_last),
            encoding,
            body,
            offset_body: state.offset_body,
            offset_end: state.offset_end,
        });

        if state.boundary.is_some() {
            'inner: loop {
                if state.mime_type == Mime::Message {
                    // the end of a nested message: back to the enclosing one
                    let Some((mut prev_state, Some(mut prev_message))) = stack.pop() else {
                        break 'outer;
                    };
                    nested = nested.saturating_sub(1);
                    let offset_end = match &state.boundary {
                        Some(n) => {
                            let p = pos.saturating_sub(n.len());
                            match p.checked_sub(2).and_then(|q| data.get(q)) {
                                Some(b'\r') => p - 2,
                                _ => p.wrapping_sub(1),
                            }
                        }
                        None => pos,
                    };
                    if let Some(part) = prev_message.parts.get_mut(state.part_id) {
                        part.offset_end = offset_end;
                        part.body = if message.parts.is_empty() {
                            Body::Text(lossy(
                                data.get(part.offset_body..offset_end).unwrap_or_default(),
                            ))
                        } else {
                            nested_body(message)
                        };
                    }
                    message = prev_message;
                    prev_state.boundary = state.boundary.take();
                    state = prev_state;
                }

                if is_multipart_end(data, &mut pos) {
                    // (mail-parser changes nothing when the container is not in this message)
                    if let Some(part) = message.parts.get_mut(state.part_id) {
                        if state.replaces_body() {
                            part.body = Body::Multipart;
                        }
                        if let Some((prev_state, prev_message)) = stack.pop() {
                            if prev_message.is_some() && !keep_all {
                                // mail-parser drops the enclosing message here and goes on
                                // with the nested one, whose bodies were not kept: read again
                                return parse_at(data, depth, true);
                            }
                            state = prev_state;
                            if let Some(n) = &state.boundary
                                && let Some(offset) = seek_next_part_offset(data, &mut pos, n)
                            {
                                part.offset_end = offset;
                                continue 'inner;
                            }
                        }
                        part.offset_end = pos.min(data.len());
                    }
                    break 'outer;
                } else {
                    break 'inner;
                }
            }
        } else if pos >= data.len() {
            break 'outer;
        }
    }

    // a corrupted message: recover what can be
    let end = pos.min(data.len());
    while let Some((prev_state, prev_message)) = stack.pop() {
        if let Some(mut prev_message) = prev_message {
            if let Some(part) = prev_message.parts.get_mut(state.part_id) {
                part.offset_end = end;
                part.body = if message.parts.is_empty() {
                    let raw_text = data.get(part.offset_body..end);
                    let text = raw_text
                        .and_then(|bytes| std::str::from_utf8(bytes).ok())
                        .and_then(|text| {
                            state
                                .boundary
                                .as_deref()
                                .and_then(|n| n.get(2..))
                                .and_then(|b| std::str::from_utf8(b).ok())
                                .and_then(|boundary| {
                                    text.rsplit_once(boundary)
                                        .and_then(|(text, _)| text.strip_suffix("--"))
                                })
                                .map(|text| {
                                    let text = text.strip_suffix('\n').unwrap_or(text);
                                    text.strip_suffix('\r').unwrap_or(text)
                                })
                        });
                    Body::Text(match text {
                        Some(t) => Cow::Borrowed(t),
                        None => lossy(raw_text.unwrap_or_default()),
                    })
                } else {
                    nested_body(message)
                };
            }
            message = prev_message;
        } else if let Some(part) = message.parts.get_mut(state.part_id) {
            part.offset_end = end;
            if state.replaces_body() {
                part.body = Body::Multipart;
            }
        }
        state = prev_state;
    }

    if let Some(root) = message.parts.first_mut() {
        root.offset_end = data.len();
        Some(message)
    } else if !part_headers.is_empty() {
        // a message without a body
        let (earlier, last) = content_types(&part_headers);
        message.parts.push(Part {
            headers: part_headers,
            ct: earlier.or(last),
            encoding: Encoding::None,
            body: Body::Text(Cow::Borrowed("")),
            offset_body: data.len(),
            offset_end: data.len(),
        });
        Some(message)
    } else {
        None
    }
}

/// The header fields a part keeps: those of a message's first part (the list of the others
/// is emptied and its room kept for the next part).
fn keep_headers<'a>(message: &Message<'a>, headers: &mut Vec<RawField<'a>>) -> Vec<RawField<'a>> {
    if message.parts.is_empty() {
        std::mem::replace(headers, Vec::with_capacity(8))
    } else {
        headers.clear();
        Vec::new()
    }
}

/// The body of a `message/rfc822` part once its message is read: the first part's fields.
fn nested_body(message: Message<'_>) -> Body<'_> {
    let mut parts = message.parts;
    match parts.first_mut() {
        Some(p) => Body::Message(std::mem::take(&mut p.headers)),
        None => Body::Message(Vec::new()),
    }
}

/// The header block of a message decoded from a part body, when mail-parser would find a
/// message there (any field, or an empty line first).
fn nested_headers(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut pos = 0;
    let mut fields = Vec::new();
    let ended = parse_headers(bytes, &mut pos, &mut fields);
    if !ended && fields.is_empty() {
        return None;
    }
    Some(bytes.get(..pos).unwrap_or_default().to_vec())
}

/// The text of a part: its charset's decoder, or UTF-8 with invalid bytes replaced. In a
/// single-byte charset that extends ASCII (the ISO 8859 and Windows code pages, KOI8) the
/// ASCII runs are copied and only the other bytes go through the decoder (which maps each
/// byte on its own), instead of the whole text character by character.
fn text_of<'a>(bytes: Cow<'a, [u8]>, ct: Option<&Ct<'_>>) -> Cow<'a, str> {
    let charset = ct.and_then(|c| c.attribute("charset"));
    let mut decoder = charset.and_then(|c| charset_decoder(c.as_bytes()));
    if let Some(d) = decoder
        && charset.is_some_and(extends_ascii)
    {
        if !bytes.is_ascii() {
            return Cow::Owned(single_byte(&bytes, d));
        }
        // ASCII is itself in these charsets: the bytes are the text (borrowed, not copied)
        decoder = None;
    }
    if let Some(d) = decoder
        && charset.is_some_and(is_iso_2022_jp)
    {
        if bytes
            .iter()
            .any(|&b| !b.is_ascii() || matches!(b, 0x0e | 0x0f | 0x1b))
        {
            return Cow::Owned(iso_2022_jp(&bytes, d));
        }
        // no escape sequence: ASCII throughout, the bytes are the text
        decoder = None;
    }
    match (bytes, decoder) {
        (Cow::Owned(v), Some(d)) => Cow::Owned(d(&v)),
        (Cow::Owned(v), None) => Cow::Owned(
            String::from_utf8(v)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        ),
        (Cow::Borrowed(b), Some(d)) => Cow::Owned(d(b)),
        (Cow::Borrowed(b), None) => lossy(b),
    }
}

/// `decoder(bytes)` for a single-byte decoder that maps ASCII to itself: ASCII runs copied,
/// the runs of other bytes decoded.
fn single_byte(bytes: &[u8], decoder: fn(&[u8]) -> String) -> String {
    if let Some(table) = high_table(decoder) {
        // the ASCII runs copied, every other byte its character from the table; the result is
        // UTF-8 by construction (checked once at the end)
        let mut out: Vec<u8> = Vec::with_capacity(bytes.len() + bytes.len() / 4);
        let mut i = 0;
        while i < bytes.len() {
            let start = i;
            i += ascii_len(bytes.get(i..).unwrap_or_default());
            out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
            while let Some(&b) = bytes.get(i).filter(|b| !b.is_ascii()) {
                let c = table[usize::from(b & 0x7f)];
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                i += 1;
            }
        }
        return String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    }
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 8);
    let mut rest = bytes;
    while !rest.is_empty() {
        let ascii = rest
            .iter()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        let (a, tail) = rest.split_at(ascii);
        // ASCII is UTF-8
        out.push_str(std::str::from_utf8(a).unwrap_or_default());
        let high = tail.iter().position(u8::is_ascii).unwrap_or(tail.len());
        let (h, tail) = tail.split_at(high);
        if !h.is_empty() {
            out.push_str(&decoder(h));
        }
        rest = tail;
    }
    out
}

/// The length of the ASCII prefix of `b` (16 bytes at a time where they are all ASCII).
fn ascii_len(b: &[u8]) -> usize {
    let mut n = 0;
    for c in b.chunks(16) {
        if c.is_ascii() {
            n += c.len();
        } else {
            return n + c.iter().position(|x| !x.is_ascii()).unwrap_or(c.len());
        }
    }
    n
}

/// The characters a single-byte decoder gives the bytes 0x80 to 0xFF, each decoded alone
/// (the decoder maps every byte on its own), kept for the last few decoders; `None` when a
/// byte does not decode to exactly one character.
fn high_table(decoder: fn(&[u8]) -> String) -> Option<[char; 128]> {
    use std::cell::RefCell;
    const KEPT: usize = 8;
    thread_local! {
        static TABLES: RefCell<Vec<(usize, Option<[char; 128]>)>> =
            const { RefCell::new(Vec::new()) };
    }
    // (the same address is the same code, so the same table)
    let key = decoder as usize;
    TABLES
        .try_with(|t| {
            let mut t = t.borrow_mut();
            if let Some((_, table)) = t.iter().find(|(k, _)| *k == key) {
                return *table;
            }
            let mut table = ['\0'; 128];
            let mut ok = true;
            for (b, slot) in (0x80u8..=0xff).zip(table.iter_mut()) {
                let s = decoder(&[b]);
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => *slot = c,
                    _ => ok = false,
                }
            }
            let table = ok.then_some(table);
            if t.len() == KEPT {
                t.remove(0);
            }
            t.push((key, table));
            table
        })
        .ok()
        .flatten()
}

/// True for the labels mail-parser decodes as ISO-2022-JP (its map compares them lower-cased,
/// `-` as `_`).
fn is_iso_2022_jp(label: &str) -> bool {
    let norm = |l: &[u8], want: &[u8]| {
        l.len() == want.len()
            && l.iter().zip(want).all(|(&a, &b)| {
                let a = if a == b'-' {
                    b'_'
                } else {
                    a.to_ascii_lowercase()
                };
                a == b
            })
    };
    norm(label.as_bytes(), b"iso_2022_jp") || norm(label.as_bytes(), b"csiso2022jp")
}

/// `decoder(bytes)` for the ISO-2022-JP decoder: the text starts in ASCII, where every byte
/// but ESC, SO, SI and those beyond ASCII is itself, so that head is copied and the decoder,
/// started afresh in the same state, reads only the rest.
fn iso_2022_jp(bytes: &[u8], decoder: fn(&[u8]) -> String) -> String {
    let head = bytes
        .iter()
        .position(|&b| !b.is_ascii() || matches!(b, 0x0e | 0x0f | 0x1b))
        .unwrap_or(bytes.len());
    if head == 0 {
        return decoder(bytes);
    }
    let (ascii, rest) = bytes.split_at(head);
    let mut out = String::with_capacity(bytes.len() + rest.len());
    out.push_str(std::str::from_utf8(ascii).unwrap_or_default());
    if !rest.is_empty() {
        out.push_str(&decoder(rest));
    }
    out
}

/// Bytes as text, invalid UTF-8 replaced: valid text (the usual case) checked by the fast
/// validator first (`from_utf8_lossy` walks its chunks even when there is nothing to replace).
pub fn lossy(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// True for the single-byte charsets whose first 128 code points are ASCII (mail-parser's
/// single-byte tables: every label of these families it knows, `-` or `_` alike).
fn extends_ascii(label: &str) -> bool {
    let l = label.trim().as_bytes();
    let starts = |p: &[u8]| {
        l.len() >= p.len()
            && l.iter().zip(p).all(|(a, b)| {
                a.eq_ignore_ascii_case(b)
                    || (*a == b'_' && *b == b'-')
                    || (*a == b'-' && *b == b'_')
            })
    };
    let is = |p: &[u8]| l.len() == p.len() && starts(p);
    starts(b"iso-8859-")
        || starts(b"iso8859-")
        || starts(b"windows-125")
        || starts(b"cp125")
        || starts(b"koi8-")
        || is(b"us-ascii")
        || is(b"ascii")
        || is(b"latin1")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random strings of pieces that steer the decoders (fixed seed).
    fn generated(pieces: &[&str], n: usize, mut f: impl FnMut(&[u8])) {
        let mut rng = crate::testgen::XorShift(0x2545_f491_4f6c_dd1d);
        for _ in 0..n {
            let s = rng.joined(pieces, 16);
            f(s.as_bytes());
        }
    }

    #[test]
    fn quoted_printable_as_mail_parser() {
        const PIECES: &[&str] = &[
            "=", "==", "=4", "=41", "=4Z", "=z", "\n", "\r", " ", "\t", "\x0c", "a", "-", "--",
            "--b", "--bb", "\n--b", "=\n", "= \n", "=\t4", "\u{e9}", "x y ", "=\r\n",
        ];
        // mail-parser's decoder subtracts with overflow (a panic with debug assertions) when a
        // boundary follows a soft line break: those inputs are skipped, quietly
        let me = std::thread::current().id();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().id() != me {
                previous(info);
            }
        }));
        generated(PIECES, 50_000, |input| {
            for needle in [&b"--b"[..], b""] {
                for start in [0, 1] {
                    if start > input.len() {
                        continue;
                    }
                    let boundary = needle.get(2..).unwrap_or_default();
                    let Ok((want_end, want, offset)) = std::panic::catch_unwind(|| {
                        let mut s = MessageStream::new(input);
                        s.skip_bytes(start);
                        let (e, w) = s.decode_quoted_printable_mime(boundary);
                        (e, w.into_owned(), s.offset())
                    }) else {
                        continue;
                    };
                    let want_pos = if want_end == usize::MAX {
                        start
                    } else {
                        offset
                    };
                    let mut pos = start;
                    let (end, got) = quoted_printable(input, &mut pos, needle, true);
                    assert_eq!(end, want_end, "{input:?}");
                    assert_eq!(pos, want_pos, "{input:?}");
                    if end != usize::MAX {
                        assert_eq!(got, want, "{input:?}");
                        let mut pos2 = start;
                        assert_eq!(quoted_printable(input, &mut pos2, needle, false).0, end);
                        assert_eq!(pos2, pos);
                    }
                }
            }
        });
    }

    #[test]
    fn ascii_text_as_decoded() {
        // ASCII bodies are borrowed as they are: what the charset's decoder makes of them
        let ascii: Vec<u8> = (0u8..128)
            .filter(|b| !matches!(b, 0x0e | 0x0f | 0x1b))
            .collect();
        for label in [
            "iso-8859-1",
            "windows-1252",
            "us-ascii",
            "koi8-r",
            "iso-2022-jp",
            "ISO-2022-JP",
            "csISO2022JP",
        ] {
            let field = format!("text/plain; charset={label}\n");
            let ct = parse_content_type(field.as_bytes());
            let decoder = charset_decoder(label.as_bytes()).expect(label);
            for text in [&ascii[..], b"", b"plain words\n"] {
                let got = text_of(Cow::Borrowed(text), ct.as_ref());
                assert!(matches!(got, Cow::Borrowed(_)), "{label}");
                assert_eq!(got, decoder(text), "{label}");
                let got = text_of(Cow::Owned(text.to_vec()), ct.as_ref());
                assert_eq!(got, decoder(text), "{label}");
            }
            // an escape, or a byte beyond ASCII: decoded
            for text in [&b"a\x1b$B$3\x1b(Bb"[..], b"caf\xe9"] {
                let got = text_of(Cow::Borrowed(text), ct.as_ref());
                assert_eq!(got, decoder(text), "{label} {text:?}");
            }
        }
    }

    #[test]
    fn ascii_in_single_byte_charsets() {
        let ascii: Vec<u8> = (0u8..128).collect();
        for label in [
            "iso-8859-1",
            "ISO-8859-15",
            "iso8859-2",
            "windows-1252",
            "Windows-1250",
            "cp1251",
            "cp1258",
            "koi8-r",
            "KOI8-U",
            "us-ascii",
            "US_ASCII",
            "ascii",
            "latin1",
            "iso_8859_7",
        ] {
            assert!(extends_ascii(label), "{label}");
            let decoder = charset_decoder(label.as_bytes()).expect(label);
            assert_eq!(decoder(&ascii).as_bytes(), &ascii[..], "{label}");
            let all: Vec<u8> = (0u8..=255)
                .chain(b"a\xe9b\xff\xfe c\xef\xbb\xbfd\xfe\xff".iter().copied())
                .collect();
            assert_eq!(single_byte(&all, decoder), decoder(&all), "{label}");
        }
        // every label of those families mail-parser knows
        for family in [
            "iso-8859-",
            "iso8859-",
            "windows-125",
            "cp125",
            "iso_8859_",
            "iso8859_",
        ] {
            for n in 0..20 {
                let label = format!("{family}{n}");
                if let Some(decoder) = charset_decoder(label.as_bytes()) {
                    assert!(extends_ascii(&label), "{label}");
                    assert_eq!(decoder(&ascii).as_bytes(), &ascii[..], "{label}");
                    let all: Vec<u8> = (0u8..=255).rev().chain(0..=255).collect();
                    assert_eq!(single_byte(&all, decoder), decoder(&all), "{label}");
                }
            }
        }
        for label in ["koi8-ru", "koi8-t", "koi8-r", "koi8-u"] {
            if let Some(decoder) = charset_decoder(label.as_bytes()) {
                assert_eq!(decoder(&ascii).as_bytes(), &ascii[..], "{label}");
            }
        }
        assert!(!extends_ascii("iso-2022-jp"));
        // ISO-2022-JP: the ASCII head copied, the rest decoded as the decoder would
        let jp = charset_decoder(b"iso-2022-jp").expect("iso-2022-jp");
        for label in ["iso-2022-jp", "ISO-2022-JP", "iso_2022-jp", "csISO2022JP"] {
            assert!(is_iso_2022_jp(label), "{label}");
        }
        assert!(!is_iso_2022_jp("iso-2022-jp-2") && !is_iso_2022_jp("iso-2022-kr"));
        for input in [
            &b""[..],
            b"plain ascii\n",
            b"head \x1b$B$3$s\x1b(B tail",
            b"\x1b$B$3$s",
            b"a\x0eb\x0fc",
            b"x\xe9y",
            b"x\x1b(Jy\x1b(B",
            b"x\x1b$B\x1b(B\x1b$Bz",
            b"ok\x1b",
        ] {
            assert_eq!(iso_2022_jp(input, jp), jp(input), "{input:?}");
        }
        assert!(!extends_ascii("utf-7"));
    }

    #[test]
    fn base64_extent_as_mail_parser() {
        const PIECES: &[&str] = &[
            "QUJD", "QQ==", "Q", "=", "\n", "\r", " ", "\t", "-", "--", "--b", "\n--b", "*", "_",
            "\u{e9}", "+/", "--bb", "\x0c", "\n--b--",
        ];
        generated(PIECES, 50_000, |input| {
            for needle in [&b"--b"[..], b""] {
                for start in [0, 1] {
                    if start > input.len() {
                        continue;
                    }
                    let boundary = needle.get(2..).unwrap_or_default();
                    let mut s = MessageStream::new(input);
                    s.skip_bytes(start);
                    let (want_end, _) = s.decode_base64_mime(boundary);
                    let mut pos = start;
                    let (end, _) = base64_extent(input, &mut pos, needle);
                    assert_eq!(end, want_end, "{input:?}");
                    if end != usize::MAX {
                        assert_eq!(pos, s.offset(), "{input:?}");
                    }
                }
            }
        });
    }

    #[test]
    fn plain_content_types_as_mail_parser() {
        const PIECES: &[&str] = &[
            "text",
            "/",
            "plain",
            "Plain",
            "multipart",
            "; ",
            ";",
            " ",
            "\t",
            "\n",
            "\n\t",
            "\n ",
            "charset",
            "=",
            "\"",
            "us-ascii",
            "UTF-8",
            "boundary",
            "----=_Part_1.2",
            "(c)",
            "\\",
            "*",
            "'",
            "=?utf-8?q?x?=",
            "a b",
            "report-type",
            "delivery-status",
            "\u{e9}",
            ":",
            "@",
            "name",
            "x.y",
            "",
        ];
        let mut plain = 0;
        generated(PIECES, 200_000, |input| {
            let mut v = input.to_vec();
            v.push(b'\n');
            if let Some(ct) = plain_content_type(&v).map(Ct::into_mail_parser) {
                plain += 1;
                let want = MessageStream::new(&v[..])
                    .parse_content_type()
                    .into_content_type();
                assert_eq!(Some(ct), want, "{:?}", String::from_utf8_lossy(&v));
            }
        });
        for v in [
            &b"text/plain; charset=\"us-ascii\"\n"[..],
            b"multipart/report; report-type=delivery-status;\n\tboundary=\"9B0D2\"\n",
            b"Text/Plain; Charset=UTF-8\n",
            b"message/delivery-status\n",
            b"multipart/mixed; boundary=\"----=_Part_0_1.2\"\n",
        ] {
            let want = MessageStream::new(v)
                .parse_content_type()
                .into_content_type();
            assert_eq!(
                plain_content_type(v).map(Ct::into_mail_parser),
                want,
                "{:?}",
                String::from_utf8_lossy(v)
            );
            assert!(want.is_some());
        }
        // structured: the shapes of real fields, decorated
        let rng = std::cell::RefCell::new(crate::testgen::XorShift(0x1234_5678_9abc_def1));
        let next = || rng.borrow_mut().next_u64();
        let pick = |xs: &[&'static str]| xs[(next() % xs.len() as u64) as usize];
        for _ in 0..200_000 {
            let mut v = String::new();
            v.push_str(pick(&["", " ", "\t"]));
            v.push_str(pick(&[
                "text",
                "Text",
                "multipart",
                "message",
                "x-y",
                "TEXT",
            ]));
            v.push_str(pick(&["/", "/", "/", " /", "", "//"]));
            v.push_str(pick(&[
                "plain",
                "Plain",
                "report",
                "delivery-status",
                "rfc822",
                "",
            ]));
            for _ in 0..(next() % 4) {
                v.push_str(pick(&[";", "; ", ";\n\t", " ;", ";\n ", ";;", "", ";\n"]));
                v.push_str(pick(&[
                    "charset",
                    "Boundary",
                    "report-type",
                    "name",
                    "x",
                    "",
                ]));
                v.push_str(pick(&["=", "=", " =", "= ", ""]));
                if next() % 2 == 0 {
                    v.push('"');
                    v.push_str(pick(&[
                        "us-ascii",
                        "a b",
                        "----=_P.1",
                        "",
                        "x\\y",
                        "=?u?q?a?=",
                        "(c)",
                        ";",
                        "\u{e9}",
                        "a\n b",
                    ]));
                    v.push('"');
                } else {
                    v.push_str(pick(&[
                        "us-ascii", "UTF-8", "a/b", "x:y", "", "a(b)", "b=c", "q*", "it's",
                    ]));
                }
            }
            v.push_str(pick(&["", ";", " ", "; ", " (comment)"]));
            v.push('\n');
            if let Some(ct) = plain_content_type(v.as_bytes()).map(Ct::into_mail_parser) {
                plain += 1;
                let want = MessageStream::new(v.as_bytes())
                    .parse_content_type()
                    .into_content_type();
                assert_eq!(Some(ct), want, "{v:?}");
            }
        }
        assert!(plain > 10_000, "{plain}");
    }

    #[test]
    fn boundary_search_as_memmem() {
        // dash-heavy haystacks: many false candidates (the full searcher takes over), short
        // haystacks (below the prefilter's minimum) and matches at either end
        const PIECES: &[&str] = &[
            "-", "--", "----", "=_", "b", "=_b", "--=_b", "--=_bX", "x", "\n", " ", "=", "_",
            "\u{e9}",
        ];
        let mut rng = crate::testgen::XorShift(0x9e37_79b9_7f4a_7c15);
        for needle in [&b"--=_b"[..], b"----=_b", b"--b", b"--=_bX"] {
            let mut f = BoundaryFinder::new(needle);
            for _ in 0..20_000 {
                let hay = rng.joined(PIECES, 80);
                let hay = hay.as_bytes();
                assert_eq!(
                    f.find(hay),
                    memchr::memmem::find(hay, needle),
                    "{:?} in {:?}",
                    String::from_utf8_lossy(needle),
                    String::from_utf8_lossy(hay)
                );
                let from = (rng.next_u64() % (hay.len() as u64 + 1)) as usize;
                assert_eq!(
                    find_boundary(hay, from, needle),
                    memchr::memmem::find(&hay[from..], needle).map(|i| from + i)
                );
            }
        }
    }

    #[test]
    fn plain_parts_as_mail_parser() {
        const PIECES: &[&str] = &["a", "\n", "-", "--", "--b", "\n--b", "--b--", " ", "\r\n"];
        generated(PIECES, 20_000, |input| {
            let mut s = MessageStream::new(input);
            let (want_end, want) = s.mime_part(b"b");
            let mut pos = 0;
            let (end, got) = mime_part(input, &mut pos, b"--b");
            assert_eq!(end, want_end, "{input:?}");
            if end != usize::MAX {
                assert_eq!(got, &want[..], "{input:?}");
                assert_eq!(pos, s.offset(), "{input:?}");
            }
        });
    }
}
