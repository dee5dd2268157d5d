//! Byte-level input handling: line endings, binary detection, mbox splitting. Pure.

use std::borrow::Cow;
use std::sync::LazyLock;

use memchr::{memchr, memchr_iter};

/// Normalises line endings to LF: CRLF becomes LF and a lone CR (old Mac files) becomes LF.
/// Borrows when the input has no CR at all.
pub fn normalize_newlines(raw: &[u8]) -> Cow<'_, [u8]> {
    if memchr(b'\r', raw).is_none() {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut start = 0;
    for i in memchr_iter(b'\r', raw) {
        out.extend_from_slice(&raw[start..i]);
        out.push(b'\n');
        start = if raw.get(i + 1) == Some(&b'\n') {
            i + 2
        } else {
            i + 1
        };
    }
    out.extend_from_slice(&raw[start..]);
    Cow::Owned(out)
}

/// Returns a short description when `raw` looks like binary data rather than a mail message:
/// NUL bytes or known binary signatures in the first kilobytes.
pub fn binary_reason(raw: &[u8]) -> Option<String> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x1f\x8b", "gzip data"),
        (b"PK\x03\x04", "zip archive"),
        (b"%PDF", "PDF document"),
        (b"\x89PNG", "PNG image"),
        (b"\xff\xd8\xff", "JPEG image"),
        (b"GIF8", "GIF image"),
        (b"\x7fELF", "ELF executable"),
        (b"BZh", "bzip2 data"),
        (b"\xfd7zXZ", "xz data"),
        (b"\x28\xb5\x2f\xfd", "zstd data"),
    ];
    for (sig, what) in SIGNATURES {
        if raw.starts_with(sig) {
            return Some((*what).to_string());
        }
    }
    let head = &raw[..raw.len().min(8192)];
    if head.first() == Some(&0) {
        return Some("starts with a NUL byte".into());
    }
    // A stray NUL or control byte happens in real bounces; many of them do not. Bytes below
    // 0x20 (line ends included) are counted first: when even they are few, so are the bad ones.
    if below_space(head) * 20 <= head.len() {
        return None;
    }
    let bad = control_bytes(head);
    if bad > 0 && bad * 20 > head.len() {
        return Some(format!(
            "{bad} control or NUL bytes in the first {} bytes",
            head.len()
        ));
    }
    None
}

/// How many bytes of `b` are below 0x20 (an upper bound of [`control_bytes`]), counted in
/// blocks with byte-sized counters so that the loop vectorises.
fn below_space(b: &[u8]) -> usize {
    count_blocks(b, |x| u8::from(x & 0xe0 == 0))
}

/// The sum of `f` (0 or 1) over the bytes of `b`: in blocks of a fixed size (byte-sized
/// counters, a loop the compiler vectorises without a scalar tail for each block), the rest
/// byte by byte.
#[inline(always)]
fn count_blocks(b: &[u8], f: impl Fn(u8) -> u8) -> usize {
    let (blocks, rest) = b.as_chunks::<128>();
    blocks
        .iter()
        .map(|c| c.iter().fold(0u8, |n, &x| n + f(x)) as usize)
        .sum::<usize>()
        + rest.iter().map(|&x| usize::from(f(x))).sum::<usize>()
}

/// How many bytes of `b` are control or NUL bytes other than LF, CR, TAB, FF and ESC.
/// Counted in blocks with byte-sized counters so that the loop vectorises: it runs on the
/// first 8 KiB of every message.
fn control_bytes(b: &[u8]) -> usize {
    #[inline(always)]
    fn is_bad(x: u8) -> u8 {
        u8::from(x < 0x20) & u8::from(!matches!(x, b'\n' | b'\r' | b'\t' | 0x0c | 0x1b))
    }
    count_blocks(b, is_bad)
}

/// True when `raw` starts like an mbox file (`From ` separator line).
pub fn is_mbox(raw: &[u8]) -> bool {
    raw.starts_with(b"From ")
}

/// Splits an mbox file into its messages (mboxo / mboxrd): a message starts at a line beginning
/// with `From ` at the start of the file or after an empty line, or at a full separator line
/// (`From SENDER Www Mmm dd hh:mm:ss yyyy`, see [`is_separator_line`]) that follows the previous
/// message without the empty line (some MTAs and tools append messages that way). The
/// separator line itself is dropped; `>From ` quoting is undone by [`unquote_from`]. Accepts
/// LF, CRLF and CR line endings.
pub fn split_mbox(raw: &[u8]) -> Vec<&[u8]> {
    static FROM: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"From "));
    let mut starts = Vec::new();
    let len = raw.len();
    // Only lines that start with `From ` can start a message: those are found with a
    // substring search. A `From ` starts a line when it is first or follows LF or CR (after
    // CRLF the line starts behind the LF; a CR followed by `F` is a line end of its own).
    let mut from = 0;
    while let Some(off) = raw.get(from..).and_then(|r| FROM.find(r)) {
        let line_start = from + off;
        from = line_start + 1;
        if line_start > 0 && !matches!(raw[line_start - 1], b'\n' | b'\r') {
            continue;
        }
        let next = match memchr::memchr2(b'\n', b'\r', &raw[line_start..]) {
            Some(p) => {
                let e = line_start + p;
                if raw[e] == b'\r' && raw.get(e + 1) == Some(&b'\n') {
                    e + 2
                } else {
                    e + 1
                }
            }
            None => len,
        };
        if line_start == 0
            || preceded_by_blank_line(raw, line_start)
            || is_separator_line(&raw[line_start..next])
        {
            starts.push((line_start, next));
        }
        from = next;
    }
    let mut out = Vec::with_capacity(starts.len());
    for (k, &(_, body_start)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map(|&(s, _)| s).unwrap_or(len);
        let msg = &raw[body_start.min(end)..end];
        if !msg.iter().all(|b| b.is_ascii_whitespace()) {
            out.push(msg);
        }
    }
    out
}

/// True for a complete mbox separator line: `From `, the envelope sender (one word), then an
/// asctime date — weekday, month, day, `hh:mm[:ss]`, optionally a time zone, and a four-digit
/// year (`From MAILER-DAEMON  Thu Jul  2 12:05:05 2020`). A body line that merely starts with
/// "From " (unquoted in mboxo) does not look like this.
pub fn is_separator_line(line: &[u8]) -> bool {
    const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let Some(rest) = line.strip_prefix(b"From ") else {
        return false;
    };
    let mut w = rest
        .split(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .filter(|t| !t.is_empty());
    let digits = |t: &[u8], min: usize, max: usize| {
        (min..=max).contains(&t.len()) && t.iter().all(u8::is_ascii_digit)
    };
    let time = |t: &[u8]| {
        let mut parts = t.split(|&b| b == b':');
        let (Some(h), Some(m)) = (parts.next(), parts.next()) else {
            return false;
        };
        let s = parts.next();
        digits(h, 1, 2)
            && digits(m, 2, 2)
            && s.is_none_or(|s| digits(s, 2, 2))
            && parts.next().is_none()
    };
    let (Some(_sender), Some(day), Some(month), Some(mday), Some(hms)) =
        (w.next(), w.next(), w.next(), w.next(), w.next())
    else {
        return false;
    };
    DAYS.contains(&day)
        && MONTHS.contains(&month)
        && digits(mday, 1, 2)
        && time(hms)
        && w.take(2).any(|t| digits(t, 4, 4))
}

fn preceded_by_blank_line(raw: &[u8], pos: usize) -> bool {
    // pos is the start of a line: the previous line must be empty.
    let before = &raw[..pos];
    before.ends_with(b"\n\n")
        || before.ends_with(b"\r\n\r\n")
        || before.ends_with(b"\r\r")
        || before.ends_with(b"\n\r\n")
}

/// Undoes mbox `>From ` quoting (mboxrd: one `>` is removed from lines matching `^>+From `).
/// Borrows when nothing is quoted.
pub fn unquote_from(msg: &[u8]) -> Cow<'_, [u8]> {
    static QUOTED: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b">From "));
    let needs = QUOTED.find(msg).is_some();
    if !needs {
        return Cow::Borrowed(msg);
    }
    let mut out = Vec::with_capacity(msg.len());
    let mut at_line_start = true;
    let mut i = 0;
    while i < msg.len() {
        if at_line_start && msg[i] == b'>' {
            let gt = msg[i..].iter().take_while(|&&b| b == b'>').count();
            if msg[i + gt..].starts_with(b"From ") {
                out.extend_from_slice(&msg[i + 1..i + gt]);
                i += gt;
                at_line_start = false;
                continue;
            }
        }
        let b = msg[i];
        out.push(b);
        at_line_start = b == b'\n' || b == b'\r';
        i += 1;
    }
    Cow::Owned(out)
}

/// Bodies larger than this are candidates for [`skip_large_bodies`].
pub const LARGE_BODY: usize = 32 * 1024;

/// How deep [`skip_large_bodies`] follows nested multiparts.
const MAX_MIME_DEPTH: usize = 16;

/// Drops what bounce analysis never reads, before any MIME decoding: the body of a returned
/// message (`message/rfc822`, `message/global`: only its header block is read, so only that is
/// kept) and the body of a non-text part (attachments: `application/*`, `image/*`, ...) larger
/// than [`LARGE_BODY`]. Everything else is kept byte for byte (boundaries too), so the MIME
/// structure is unchanged. Borrows when nothing is dropped.
///
/// This is what keeps a 15 MB bounce with a large attachment fast and small: the attachment is
/// skipped over with a substring search for the next boundary instead of being decoded.
/// Works on LF and CRLF line endings (CR-only input is normalised first by the caller).
pub fn skip_large_bodies(raw: &[u8]) -> Cow<'_, [u8]> {
    let mut out = Vec::new();
    if skip_large_bodies_into(raw, &mut out) {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(raw)
    }
}

/// [`skip_large_bodies`] into `out` (cleared first; its allocation is reused): true when
/// something was dropped and `out` holds the rest, false when nothing was (`out` then empty).
pub(crate) fn skip_large_bodies_into(raw: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    let mut found = Drops::default();
    entity_drops(raw, 0, 0, &mut found);
    let mut drops = found.ranges;
    if found.plain_text {
        // the words are in a text/plain part: HTML parts are never read (they are turned into
        // text only when a message has no plain text), so neither decoded
        drops.extend(found.html);
    }
    if drops.is_empty() {
        return false;
    }
    drops.sort_unstable();
    let dropped: usize = drops.iter().map(|(a, b)| b - a).sum();
    out.reserve(raw.len().saturating_sub(dropped));
    let mut at = 0;
    for (a, b) in drops {
        if a < at {
            continue; // nested inside an earlier range (cannot happen, but stay safe)
        }
        out.extend_from_slice(&raw[at..a]);
        at = b;
    }
    out.extend_from_slice(&raw[at.min(raw.len())..]);
    true
}

/// The CR searcher of the line-ending passes: memchr's AVX2 searcher called directly on x86_64
/// (its dispatch on every line cost about as much as the search of the line).
#[derive(Clone, Copy)]
struct CrSearch {
    #[cfg(target_arch = "x86_64")]
    avx2: Option<memchr::arch::x86_64::avx2::memchr::One>,
}

impl CrSearch {
    #[inline(always)]
    fn new() -> Self {
        CrSearch {
            #[cfg(target_arch = "x86_64")]
            avx2: memchr::arch::x86_64::avx2::memchr::One::new(b'\r'),
        }
    }

    #[inline(always)]
    fn find(&self, h: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(one) = &self.avx2 {
            return one.find(h);
        }
        memchr(b'\r', h)
    }
}

/// [`normalize_newlines`] of `raw` into `out` (cleared first; its allocation is reused): the
/// runs between CRs copied, a CR written as LF, the LF after it dropped.
pub(crate) fn normalize_newlines_into(raw: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(raw.len());
    let cr = CrSearch::new();
    let mut start = 0;
    while let Some(off) = raw.get(start..).and_then(|r| cr.find(r)) {
        let at = start + off;
        out.extend_from_slice(raw.get(start..at).unwrap_or_default());
        out.push(b'\n');
        start = if raw.get(at + 1) == Some(&b'\n') {
            at + 2
        } else {
            at + 1
        };
    }
    out.extend_from_slice(raw.get(start..).unwrap_or_default());
}

/// [`normalize_newlines`] in place.
pub(crate) fn normalize_newlines_in_place(buf: &mut Vec<u8>) {
    // runs between CRs move down with copy_within; a CR becomes LF, the LF after it goes
    let cr_search = CrSearch::new();
    let mut w = 0;
    let mut r = 0;
    while let Some(off) = cr_search.find(&buf[r..]) {
        let cr = r + off;
        buf.copy_within(r..cr, w);
        w += cr - r;
        buf[w] = b'\n';
        w += 1;
        r = if buf.get(cr + 1) == Some(&b'\n') {
            cr + 2
        } else {
            cr + 1
        };
    }
    if w < r {
        let len = buf.len();
        buf.copy_within(r..len, w);
        w += len - r;
        buf.truncate(w);
    }
}

/// What [`skip_large_bodies`] found to drop.
#[derive(Default)]
struct Drops {
    /// Byte ranges dropped whatever the rest of the message holds.
    ranges: Vec<(usize, usize)>,
    /// Bodies of `text/html` parts outside a returned message.
    html: Vec<(usize, usize)>,
    /// A `text/plain` part outside a returned message whose words survive decoding.
    plain_text: bool,
}

/// True when a text/plain body (not base64) holds a letter outside quoted-printable escapes:
/// the decoded text is then not blank, whatever the (ASCII-compatible) charset.
fn has_words(body: &[u8]) -> bool {
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'=' => i += 3,
            b if b.is_ascii_alphabetic() => return true,
            _ => i += 1,
        }
    }
    false
}

/// The value of the first field `name` (lower case, with the colon) of a header block, unfolded
/// no further than its first line, trimmed.
fn field_first_line<'a>(headers: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    HeaderLines {
        rest: Some(headers),
    }
    .find(|l| l.len() >= name.len() && l[..name.len()].eq_ignore_ascii_case(name))
    .map(|l| l[name.len()..].trim_ascii())
}

/// Where the header block of an entity ends: `(end of headers, start of body)`.
fn split_entity(e: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    // an entity that starts with an empty line has no headers
    loop {
        let nl = memchr(b'\n', &e[i..])? + i;
        let line = &e[i..nl];
        if line.is_empty() || line == b"\r" {
            return Some((i, nl + 1));
        }
        i = nl + 1;
        if i >= e.len() {
            return None;
        }
    }
}

/// The lines of a block split at LF, as `split(|&b| b == b'\n')` gives them (the LF not
/// included; after a final LF one empty line), found with memchr.
struct HeaderLines<'a> {
    rest: Option<&'a [u8]>,
}

impl<'a> Iterator for HeaderLines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        match memchr(b'\n', rest) {
            Some(nl) => {
                self.rest = Some(&rest[nl + 1..]);
                Some(&rest[..nl])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// The lower-case MIME type and the `boundary` parameter of a header block.
fn content_type(headers: &[u8]) -> (String, Option<Vec<u8>>) {
    let mut value: Option<Cow<'_, [u8]>> = None;
    // lines found with memchr (header blocks run to kilobytes of Received fields); only a line
    // starting with `c` is compared with the field name
    let mut lines = HeaderLines {
        rest: Some(headers),
    }
    .peekable();
    while let Some(line) = lines.next() {
        if line.len() >= 13
            && (line[0] | 0x20) == b'c'
            && line[..13].eq_ignore_ascii_case(b"content-type:")
        {
            let mut v = Cow::Borrowed(&line[13..]);
            while let Some(next) = lines.peek() {
                if next.first().is_some_and(|&b| b == b' ' || b == b'\t') {
                    let v = v.to_mut();
                    v.push(b' ');
                    v.extend_from_slice(next);
                    lines.next();
                } else {
                    break;
                }
            }
            value = Some(v);
            break;
        }
    }
    let Some(v) = value else {
        return (String::new(), None);
    };
    let v: Cow<'_, [u8]> = if v.contains(&b'\r') {
        Cow::Owned(v.iter().copied().filter(|&b| b != b'\r').collect())
    } else {
        v
    };
    let mut parts = v.split(|&b| b == b';');
    let ctype = parts
        .next()
        .map(|t| String::from_utf8_lossy(t).trim().to_ascii_lowercase())
        .unwrap_or_default();
    let mut boundary = None;
    for p in parts {
        let p = p.trim_ascii();
        if p.len() > 9 && p[..9].eq_ignore_ascii_case(b"boundary=") {
            let b = p[9..].trim_ascii();
            let b = if let Some(q) = b.strip_prefix(b"\"") {
                q.split(|&c| c == b'"').next().unwrap_or(q)
            } else {
                b
            };
            if !b.is_empty() && b.len() <= 200 {
                boundary = Some(b.to_vec());
            }
        }
    }
    (ctype, boundary)
}

/// True for types whose body bounce analysis reads (the words of the report, the report
/// fields, the returned headers).
fn read_body(ctype: &str) -> bool {
    ctype.is_empty()
        || ctype.starts_with("text/")
        || ctype.starts_with("multipart/")
        || matches!(
            ctype,
            "message/delivery-status"
                | "message/global-delivery-status"
                | "message/feedback-report"
                | "message/rfc822-headers"
                | "message/global-headers"
                | "message/disposition-notification"
        )
}

/// Collects the byte ranges (absolute, from `base`) of `entity` to drop.
fn entity_drops(entity: &[u8], base: usize, depth: usize, drops: &mut Drops) {
    let Some((head_end, body_start)) = split_entity(entity) else {
        return;
    };
    let body = &entity[body_start..];
    let (ctype, boundary) = content_type(&entity[..head_end]);
    if ctype.starts_with("multipart/") {
        if let Some(b) = boundary
            && depth < MAX_MIME_DEPTH
        {
            multipart_drops(body, base + body_start, &b, depth, drops);
        }
        return;
    }
    if depth > 0 && matches!(ctype.as_str(), "message/rfc822" | "message/global") {
        // keep the returned message's header block, drop its body (a whole message that is
        // a message/rfc822 is left alone: its text is read as the body when nothing else is)
        if let Some((_, inner_body)) = split_entity(body)
            && inner_body < body.len()
        {
            drops
                .ranges
                .push((base + body_start + inner_body, base + entity.len()));
        }
    } else if body.len() > LARGE_BODY && !read_body(&ctype) {
        drops.ranges.push((base + body_start, base + entity.len()));
    } else if depth > 0 && ctype == "text/html" && !body.is_empty() {
        drops.html.push((base + body_start, base + entity.len()));
    } else if depth > 0 && ctype == "text/plain" && !drops.plain_text {
        let base64 = field_first_line(&entity[..head_end], b"content-transfer-encoding:")
            .is_some_and(|v| v.len() >= 6 && v[..6].eq_ignore_ascii_case(b"base64"));
        drops.plain_text = !base64 && has_words(body);
    }
}

/// The parts of a multipart body (between `--boundary` lines), each examined in turn.
fn multipart_drops(body: &[u8], base: usize, boundary: &[u8], depth: usize, drops: &mut Drops) {
    // delimiter lines: `--boundary` at the start of the body or of a line. Lines that start
    // with `--` are found with one searcher built once (building a searcher for each
    // boundary cost more than the search); the boundary has no line break, so a match
    // preceded by one is always the start of such a line.
    static LINE_DASHES: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"\n--"));
    let is_delim = |at: usize| {
        body.get(at..at + 2) == Some(b"--")
            && body.get(at + 2..).is_some_and(|r| r.starts_with(boundary))
    };
    let mut lines = Vec::new();
    let mut line_start = Some(0);
    while let Some(at) = line_start {
        let mut next = at;
        if is_delim(at) {
            let from = at + 2 + boundary.len();
            let closing = body[from..].starts_with(b"--");
            let eol = memchr(b'\n', &body[from..]).map_or(body.len(), |n| from + n + 1);
            lines.push((at, eol, closing));
            if closing {
                break;
            }
            next = from;
        }
        line_start = LINE_DASHES.find(&body[next..]).map(|p| next + p + 1);
    }
    for w in lines.windows(2) {
        let (_, part_start, closing) = w[0];
        if closing {
            break;
        }
        // the part ends before the line break that precedes the next delimiter
        let mut part_end = w[1].0;
        if part_end > part_start && body[part_end - 1] == b'\n' {
            part_end -= 1;
            if part_end > part_start && body[part_end - 1] == b'\r' {
                part_end -= 1;
            }
        }
        if part_end > part_start {
            entity_drops(
                &body[part_start..part_end],
                base + part_start,
                depth + 1,
                drops,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines() {
        assert_eq!(&*normalize_newlines(b"a\r\nb\rc\n\r\r\n"), b"a\nb\nc\n\n\n");
        assert!(matches!(normalize_newlines(b"a\nb"), Cow::Borrowed(_)));
        for raw in [
            &b""[..],
            b"\r",
            b"\r\n",
            b"\n\r",
            b"a\r\nb\rc\n\r\r\n",
            b"no line end",
            b"\r\r\n\n\rx\r",
            b"a\nb\r\n\r\nc",
        ] {
            let mut buf = raw.to_vec();
            normalize_newlines_in_place(&mut buf);
            assert_eq!(buf, &*normalize_newlines(raw), "{raw:?}");
            let mut out = b"left over".to_vec();
            normalize_newlines_into(raw, &mut out);
            assert_eq!(out, &*normalize_newlines(raw), "{raw:?}");
        }
    }

    #[test]
    fn mbox_split_and_unquote() {
        let mbox = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\nbody\n>From the start\n\nFrom c@d Tue Jan  2 00:00:00 2024\nSubject: two\n\nx\n";
        let msgs = split_mbox(mbox);
        assert_eq!(msgs.len(), 2);
        assert!(msgs[0].starts_with(b"Subject: one"));
        assert!(msgs[1].starts_with(b"Subject: two"));
        assert!(
            unquote_from(msgs[0])
                .windows(15)
                .any(|w| w == b"\nFrom the start")
        );
        assert_eq!(&*unquote_from(b">>From x\n"), b">From x\n");
    }

    #[test]
    fn mbox_separator_without_blank_line() {
        // a message appended right after the previous one's last line (rhost-cox-01.eml)
        let mbox = b"From a@b  Thu Jul  2 12:05:05 2020\nSubject: one\n\n--B--\nFrom double-bounce@x  Thu Jul  2 12:05:05 2020\nSubject: two\n\nbody\nFrom here on, a body line\nFrom the start\n";
        for eol in ["\n", "\r\n", "\r"] {
            let m = String::from_utf8_lossy(mbox).replace('\n', eol);
            let msgs = split_mbox(m.as_bytes());
            assert_eq!(msgs.len(), 2, "{eol:?}");
            assert!(msgs[1].starts_with(b"Subject: two"));
        }
        assert!(is_separator_line(
            b"From MAILER-DAEMON Thu Apr 29 23:34:45 2015"
        ));
        assert!(is_separator_line(
            b"From a@b Mon Jan  1 00:00 +0000 2024\r\n"
        ));
        assert!(!is_separator_line(b"From here on, a body line"));
        assert!(!is_separator_line(b"From me Mon Jan  1 00:00:00"));
        assert!(!is_separator_line(b"From: a@b Mon Jan  1 00:00:00 2024"));
    }

    /// `split_mbox` as it was written first: every line walked byte by byte.
    fn split_mbox_bytewise(raw: &[u8]) -> Vec<&[u8]> {
        let mut starts = Vec::new();
        let mut i = 0;
        let len = raw.len();
        while i < len {
            let line_start = i;
            let is_from = raw[line_start..].starts_with(b"From ");
            let next = match raw[i..].iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(p) => {
                    let e = i + p;
                    if raw[e] == b'\r' && raw.get(e + 1) == Some(&b'\n') {
                        e + 2
                    } else {
                        e + 1
                    }
                }
                None => len,
            };
            if is_from
                && (line_start == 0
                    || preceded_by_blank_line(raw, line_start)
                    || is_separator_line(&raw[line_start..next]))
            {
                starts.push((line_start, next));
            }
            i = next;
        }
        let mut out = Vec::new();
        for (k, &(_, body_start)) in starts.iter().enumerate() {
            let end = starts.get(k + 1).map(|&(s, _)| s).unwrap_or(len);
            let msg = &raw[body_start.min(end)..end];
            if !msg.iter().all(|b| b.is_ascii_whitespace()) {
                out.push(msg);
            }
        }
        out
    }

    #[test]
    fn mbox_split_as_bytewise() {
        const PIECES: &[&str] = &[
            "From ",
            "From a@b Mon Jan  1 00:00:00 2024",
            "From x",
            ">From ",
            "\n",
            "\r",
            "\r\n",
            "x",
            " ",
            "F",
            "rom ",
            "Subject: s",
        ];
        let mut rng = crate::testgen::XorShift(0x2545_f491_4f6c_dd1d);
        for _ in 0..50_000 {
            let s = rng.joined(PIECES, 20);
            assert_eq!(
                split_mbox(s.as_bytes()),
                split_mbox_bytewise(s.as_bytes()),
                "{s:?}"
            );
        }
    }

    #[test]
    fn byte_counts_in_blocks() {
        let all: Vec<u8> = (0..2000u32).map(|i| (i * 37 % 256) as u8).collect();
        for len in [0, 1, 127, 128, 129, 255, 256, 257, 1000, 2000] {
            let b = &all[..len];
            assert_eq!(below_space(b), b.iter().filter(|&&x| x < 0x20).count());
            let bad = b
                .iter()
                .filter(|&&x| x < 0x20 && !matches!(x, b'\n' | b'\r' | b'\t' | 0x0c | 0x1b))
                .count();
            assert_eq!(control_bytes(b), bad);
        }
        assert_eq!(below_space(&[0u8; 300]), 300);
    }

    #[test]
    fn mbox_split_cr_only() {
        let mbox = b"From a@b x\rSubject: one\r\rbody\r\rFrom c@d y\rSubject: two\r\rx\r";
        let msgs = split_mbox(mbox);
        assert_eq!(msgs.len(), 2);
    }

    #[test]
    fn binary() {
        assert!(binary_reason(b"\x1f\x8b\x08\x00").is_some());
        assert!(binary_reason(b"Subject: x\n\n\0\0\0\0\0\x01\x02").is_some());
        assert!(
            binary_reason(b"Subject: x\n\nhello \0 world, a stray NUL in a long enough text")
                .is_none()
        );
        assert!(binary_reason(b"Subject: x\n\nhello").is_none());
    }

    fn big_bounce(eol: &str, attachment: usize) -> Vec<u8> {
        let payload = "QUJDRA==".repeat(attachment / 8);
        let text = format!(
            "From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered\nContent-Type: multipart/report; report-type=delivery-status;\n boundary=\"outer\"\n\n--outer\nContent-Type: text/plain\n\nsaid: 552 5.3.4 too big\n\n--outer\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.3.4\n\n--outer\nContent-Type: message/rfc822\n\nFrom: s@example.net\nSubject: scans\nContent-Type: multipart/mixed; boundary=inner\n\n--inner\nContent-Type: text/plain\n\nsee attached\n--inner\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n{payload}\n--inner--\n\n--outer--\n"
        );
        text.replace('\n', eol).into_bytes()
    }

    #[test]
    fn large_bodies_are_skipped_headers_kept() {
        for eol in ["\n", "\r\n"] {
            let raw = big_bounce(eol, 200_000);
            let small = skip_large_bodies(&raw);
            assert!(small.len() < 2_000, "{}", small.len());
            let s = String::from_utf8_lossy(&small);
            for kept in [
                "Status: 5.3.4",
                "said: 552 5.3.4",
                "Subject: scans",
                "--outer--",
                "Content-Type: message/rfc822",
            ] {
                assert!(s.contains(kept), "{kept} missing in {s}");
            }
            assert!(!s.contains("QUJDRA=="));
        }
        // a small returned message keeps its headers only; text without parts is untouched
        let raw = big_bounce("\n", 1_000);
        let small = skip_large_bodies(&raw);
        let s = String::from_utf8_lossy(&small);
        assert!(
            s.contains("Subject: scans") && !s.contains("see attached"),
            "{s}"
        );
        let plain = format!("Subject: x\n\n{}", "word ".repeat(20_000));
        assert!(matches!(
            skip_large_bodies(plain.as_bytes()),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn html_dropped_only_beside_plain_text_with_words() {
        let msg = |plain: &str, cte: &str| {
            format!(
                "Subject: x\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\nContent-Transfer-Encoding: {cte}\n\n{plain}\n--b\nContent-Type: text/html\n\n<p>HTML words</p>\n--b--\n"
            )
        };
        // words in the plain part: the HTML body is never read, so dropped
        let raw = msg("Delivery failed", "7bit");
        let s = String::from_utf8_lossy(&skip_large_bodies(raw.as_bytes())).into_owned();
        assert!(
            !s.contains("HTML words") && s.contains("Delivery failed"),
            "{s}"
        );
        assert!(
            s.contains("Content-Type: text/html") && s.contains("--b--"),
            "{s}"
        );
        // blank after decoding (quoted-printable spaces), or base64: the HTML is kept
        for (plain, cte) in [("=20=20", "quoted-printable"), ("RGVsaXZlcnk=", "base64")] {
            let raw = msg(plain, cte);
            assert!(
                matches!(skip_large_bodies(raw.as_bytes()), Cow::Borrowed(_)),
                "{plain} {cte}"
            );
        }
        assert!(has_words(b"=3D=20a") && !has_words(b"=3D=20 \n=\n"));
    }

    #[test]
    fn large_attachment_outside_a_returned_message() {
        let raw = format!(
            "Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhello\n--b\nContent-Type: image/png\n\n{}\n--b\nContent-Type: text/plain\n\nafter\n--b--\n",
            "A".repeat(100_000)
        );
        let small = skip_large_bodies(raw.as_bytes());
        let s = String::from_utf8_lossy(&small);
        assert!(
            s.len() < 300 && s.contains("hello") && s.contains("after") && s.contains("--b--"),
            "{s}"
        );
    }
}
