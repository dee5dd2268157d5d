//! A read-only view of one message, shaped for bounce recognisers: top-level headers, the
//! human-readable text, the report parts and the headers of the returned message.
//!
//! MIME is parsed with `mail-parser`; when it gives up, a lenient fallback takes the raw body
//! as text so recognisers still see the words.

use std::sync::LazyLock;

use mail_parser::parsers::MessageStream;
use mail_parser::{HeaderName, HeaderValue};

use crate::mime::{self, Body, Ct, Encoding, Kind, Part, RawField};

use std::borrow::Cow;

use crate::fields::{Headers, parse_header_block};
use crate::text::normalize_text;

/// Headers and identity of the message that bounced (the returned original).
#[derive(Debug, Clone, Default)]
pub struct Original<'a> {
    /// Header fields of the returned message.
    pub headers: Headers<'a>,
}

impl Original<'_> {
    /// `Message-ID` without angle brackets.
    pub fn message_id(&self) -> Option<String> {
        let v = self.headers.get_nonempty("message-id")?;
        let v = first_word(v.trim())
            .trim_start_matches('<')
            .trim_end_matches('>');
        (!v.is_empty()).then(|| v.to_string())
    }
}

/// `v.split_whitespace().next().unwrap_or(v)` for a trimmed `v`: its ASCII head is scanned
/// byte by byte (char::is_whitespace's ASCII members: tab, LF, VT, FF, CR, space); a byte
/// beyond ASCII before the first of them hands over to split_whitespace.
fn first_word(v: &str) -> &str {
    for (i, &c) in v.as_bytes().iter().enumerate() {
        if !c.is_ascii() {
            return v.split_whitespace().next().unwrap_or(v);
        }
        if matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
            return v.get(..i).unwrap_or(v);
        }
    }
    v
}

/// The view of one message.
#[derive(Debug, Default)]
pub struct Mail<'a> {
    /// Top-level header fields (RFC 2047 decoded), borrowed from the message where they can be.
    pub headers: Headers<'a>,
    /// `Subject:` of the report (decoded), or empty.
    pub subject: String,
    /// `From:` of the report (decoded), or empty.
    pub from: String,
    /// Top-level MIME type, lower case (`multipart/report`, `text/plain`).
    pub content_type: String,
    /// `report-type` parameter of a `multipart/report`.
    pub report_type: Option<String>,
    /// Human-readable text: every text part outside the returned message, LF line endings.
    /// For single-part messages, the whole body (often including an inline copy of the
    /// returned message, which recognisers cut at their own markers).
    pub body: String,
    /// Text of `message/delivery-status` (and `message/global-delivery-status`) parts.
    pub dsn: Option<String>,
    /// Text of a `message/feedback-report` part (RFC 5965).
    pub feedback: Option<String>,
    /// Headers of the returned message, from a `message/rfc822` or `text/rfc822-headers` part.
    pub original: Option<Original<'a>>,
    /// Problems noticed while reading.
    pub warnings: Vec<String>,
}

/// Decodes one field as unstructured text (RFC 2047 encoded words). The header map must not be
/// empty: with an empty map mail-parser picks its own parser by field name. (The reference of
/// [`decode_value`] in the tests.)
#[cfg(test)]
static TEXT_PARSER: LazyLock<mail_parser::MessageParser> = LazyLock::new(|| {
    mail_parser::MessageParser::new()
        .header_text(HeaderName::Subject)
        .default_header_text()
});

impl<'a> Mail<'a> {
    /// The first value of a top-level header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// True when a top-level header `name` exists.
    pub fn has_header(&self, name: &str) -> bool {
        self.headers.get(name).is_some()
    }

    /// True when any top-level header `name` contains `needle` (case-insensitive; give the
    /// needle in lower case).
    pub fn header_contains(&self, name: &str, needle: &str) -> bool {
        self.headers
            .get_all(name)
            .any(|v| crate::text::contains_ci(v, needle))
    }

    /// Builds the view from a message with LF line endings. Returns `None` when the input has
    /// no header block at all.
    pub fn parse(raw: &'a [u8]) -> Option<Mail<'a>> {
        let mut mail = Mail::default();
        let Some(msg) = mime::parse(raw) else {
            return Self::fallback(raw);
        };
        let root = msg.parts.first()?;
        if root.headers.is_empty() {
            return Self::fallback(raw);
        }
        mail.headers = header_fields(&root.headers);
        mail.subject = mail
            .headers
            .get("subject")
            .map(|s| s.to_string())
            .unwrap_or_default();
        mail.from = mail.headers.get("from").unwrap_or("").to_string();
        if let Some(ct) = &root.ct {
            let ct = content_type_of(ct);
            mail.content_type = ct.0;
            mail.report_type = ct.1;
        }
        if mail.content_type.is_empty() {
            mail.content_type = "text/plain".into();
        }
        check_truncation(raw, root, &mut mail.warnings);

        // the texts borrowed from the parts where they can be: copied once, into the body
        let mut texts: Vec<Cow<'_, str>> = Vec::new();
        let mut htmls: Vec<&str> = Vec::new();
        collect(raw, &msg.parts, &mut mail, &mut texts, &mut htmls);
        if texts.iter().all(|t| t.trim().is_empty()) && !htmls.is_empty() {
            // HTML is turned into text only when there is no plain text (most bounces have both)
            texts = htmls
                .iter()
                .map(|h| Cow::Owned(normalize_text(&crate::html::html_to_text(h)).into_owned()))
                .collect();
        }
        mail.body = match texts.len() {
            1 => texts.pop().map(Cow::into_owned).unwrap_or_default(),
            _ => texts.join("\n"),
        };
        if mail.body.trim().is_empty() && mail.dsn.is_none() && mail.feedback.is_none() {
            // no text part: take the raw body.
            if let Some(pos) = find_blank_line(raw) {
                mail.body = normalize_text(&lossy(&raw[pos + 2..])).into_owned();
            }
        }
        Some(mail)
    }

    /// Lenient parse for input mail-parser rejects: header block by hand, rest as text.
    fn fallback(raw: &[u8]) -> Option<Mail<'a>> {
        let text = String::from_utf8_lossy(raw);
        let headers = Headers::from(parse_header_block(&text));
        if headers.is_empty() {
            return None;
        }
        let body = text
            .find("\n\n")
            .map(|p| text[p + 2..].to_string())
            .unwrap_or_default();
        Some(Mail {
            subject: headers.get("subject").unwrap_or("").to_string(),
            from: headers.get("from").unwrap_or("").to_string(),
            content_type: "text/plain".into(),
            headers,
            body,
            warnings: vec!["MIME structure could not be parsed; read as plain text".into()],
            ..Default::default()
        })
    }
}

/// The fields of a header block as the view holds them: names lower-cased, values unfolded
/// and decoded as mail-parser's text parser gives them; borrowed where that changes nothing.
fn header_fields<'a>(fields: &[RawField<'a>]) -> Headers<'a> {
    Headers::from_raw(fields)
}

/// One field's value as the view holds it.
pub(crate) fn field_value<'a>(h: &RawField<'a>) -> Cow<'a, str> {
    {
        let value = match h.kind {
            Kind::Other => {
                let bytes = h.value;
                let (encoded, folded) = scan_value(bytes);
                if encoded {
                    match decode_value(h.value) {
                        Some(v) => Cow::Owned(v),
                        None => Cow::Owned(join_lines(&lossy(bytes))),
                    }
                } else {
                    match std::str::from_utf8(bytes) {
                        // one line (its line break last at most): the line, trimmed
                        Ok(v) if !folded => Cow::Borrowed(v),
                        Ok(v) => Cow::Owned(join_lines(v)),
                        Err(_) => Cow::Owned(join_lines(&String::from_utf8_lossy(bytes))),
                    }
                }
            }
            Kind::ContentId => Cow::Owned(match MessageStream::new(h.value).parse_id() {
                HeaderValue::Text(t) => t.into_owned(),
                HeaderValue::TextList(l) => l.join(", "),
                _ => unfold(&String::from_utf8_lossy(h.value)),
            }),
            Kind::ContentDescription | Kind::ContentLocation | Kind::ContentTransferEncoding => {
                Cow::Owned(match MessageStream::new(h.value).parse_unstructured() {
                    HeaderValue::Text(t) => t.into_owned(),
                    _ => unfold(&String::from_utf8_lossy(h.value)),
                })
            }
            Kind::ContentType | Kind::ContentDisposition => {
                Cow::Owned(unfold(&String::from_utf8_lossy(h.value)))
            }
        };
        match value {
            Cow::Borrowed(v) => Cow::Borrowed(trim(v)),
            Cow::Owned(v) => {
                let trimmed = trim(&v);
                if trimmed.len() == v.len() {
                    Cow::Owned(v)
                } else {
                    Cow::Owned(trimmed.to_string())
                }
            }
        }
    }
}

/// Field names common in bounces, lower-case: borrowed instead of lower-cased into a new
/// string.
const COMMON_NAMES: &[&str] = &[
    "received",
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "return-path",
    "content-type",
    "mime-version",
    "content-transfer-encoding",
    "x-mailer",
    "reply-to",
    "cc",
    "delivered-to",
    "x-original-to",
    "dkim-signature",
    "authentication-results",
    "x-virus-scanned",
    "content-description",
    "content-disposition",
    "in-reply-to",
    "references",
    "sender",
    "auto-submitted",
    "x-failed-recipients",
    "x-spam-status",
    "x-spam-checker-version",
    "x-priority",
    "user-agent",
    "content-language",
    "thread-index",
    "thread-topic",
    "x-ms-has-attach",
    "x-ms-tnef-correlator",
    "precedence",
    "errors-to",
    "list-unsubscribe",
    "arc-seal",
    "arc-message-signature",
    "arc-authentication-results",
    "received-spf",
    "x-originating-ip",
    "importance",
];

/// `name` lower-cased when it is one of [`COMMON_NAMES`] (looked up by its length and first
/// letter, not compared with every one).
pub(crate) fn common_name(name: &[u8]) -> Option<&'static str> {
    let first = name.first()?.to_ascii_lowercase();
    COMMON_NAMES
        .iter()
        .find(|c| {
            c.len() == name.len()
                && c.as_bytes()[0] == first
                && c.as_bytes().eq_ignore_ascii_case(name)
        })
        .copied()
}

/// A field name lower-cased as mail-parser names it: a known name written with spaces inside
/// (`Sub ject`) is that name, any other keeps its spaces.
pub(crate) fn lower_name<'a>(name: &'a [u8]) -> Cow<'a, str> {
    if let Some(common) = common_name(name) {
        return Cow::Borrowed(common);
    }
    if !name
        .iter()
        .any(|b| b.is_ascii_uppercase() || b.is_ascii_whitespace())
        && let Ok(n) = std::str::from_utf8(name)
    {
        return Cow::Borrowed(n);
    }
    Cow::Owned(lower_name_owned(name))
}

fn lower_name_owned(name: &[u8]) -> String {
    if name.iter().any(u8::is_ascii_whitespace) {
        let squeezed: String = String::from_utf8_lossy(name)
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if matches!(HeaderName::parse(squeezed.as_str()), Some(n) if !n.is_other()) {
            return squeezed;
        }
    }
    let mut s = String::from_utf8_lossy(name).into_owned();
    s.make_ascii_lowercase();
    s
}

/// True when `b` holds `=?` (where an RFC 2047 encoded word could start). A plain `memchr`
/// loop: `memmem::find` builds a searcher on every call, more than the search of a short field.
#[cfg(test)]
fn has_encoded_word_start(b: &[u8]) -> bool {
    memchr::memchr_iter(b'=', b).any(|i| b.get(i + 1) == Some(&b'?'))
}

/// `(has_encoded_word_start(b), a line break before the last byte)` of a field value, in one
/// pass over its `=` and line breaks.
fn scan_value(b: &[u8]) -> (bool, bool) {
    let last = b.len().saturating_sub(1);
    let mut folded = false;
    // the AVX2 searcher called directly on x86_64 (memchr2's dispatch on every call cost more
    // than the search of a short value)
    #[cfg(target_arch = "x86_64")]
    let two = memchr::arch::x86_64::avx2::memchr::Two::new(b'=', b'\n');
    let find = |h: &[u8]| {
        #[cfg(target_arch = "x86_64")]
        if let Some(t) = &two {
            return t.find(h);
        }
        memchr::memchr2(b'=', b'\n', h)
    };
    let mut at = 0;
    while let Some(j) = b.get(at..).and_then(find) {
        let i = at + j;
        match b.get(i) {
            Some(b'=') if b.get(i + 1) == Some(&b'?') => return (true, folded),
            Some(b'\n') if i < last => folded = true,
            _ => {}
        }
        at = i + 1;
    }
    (false, folded)
}

/// `s.trim()`: the ASCII white space at either end stripped byte by byte, `str::trim` (Unicode
/// white space) only when a byte beyond ASCII stands at an end.
fn trim(s: &str) -> &str {
    // char::is_whitespace's ASCII members: tab, LF, VT, FF, CR, space
    let ws = |c: &u8| matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ');
    let b = s.as_bytes();
    let start = b.iter().position(|c| !ws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !ws(c)).map_or(start, |e| e + 1);
    match (b.get(start), end.checked_sub(1).and_then(|e| b.get(e))) {
        (Some(f), Some(l)) if f.is_ascii() && l.is_ascii() => s.get(start..end).unwrap_or(s),
        (None, _) => "",
        _ => s.trim(),
    }
}

/// Bytes as text, invalid UTF-8 replaced (valid text, the usual case, checked by the fast
/// validator first).
fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// A field value as mail-parser's unstructured text parser gives it when there is no encoded
/// word: each line trimmed of spaces, tabs and CRs, the non-empty lines joined by one space.
fn join_lines(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    // lines found with memchr (`split('\n')` was the largest cost of reading the fields)
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', v.as_bytes()).chain(std::iter::once(v.len())) {
        let l = trim_sp_tab_cr(&v[start..end]);
        start = end + 1;
        if l.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(l);
    }
    out
}

/// `s.trim_matches([' ', '\t', '\r'])`, byte by byte (the generic char-set pattern was a
/// measurable share of reading header fields).
fn trim_sp_tab_cr(s: &str) -> &str {
    let b = s.as_bytes();
    let keep = |c: &u8| !matches!(c, b' ' | b'\t' | b'\r');
    let Some(start) = b.iter().position(keep) else {
        return "";
    };
    let end = b.iter().rposition(keep).map_or(start, |e| e + 1);
    // both ends are next to ASCII bytes: char boundaries
    &s[start..end]
}

/// A field value (after the colon, continuation lines included) decoded as unstructured text:
/// what mail-parser's header reader gives [`decode_field`] of the whole field, without reading
/// a header block into a message first.
fn decode_value(value: &[u8]) -> Option<String> {
    match MessageStream::new(value).parse_unstructured() {
        HeaderValue::Text(t) => Some(t.into_owned()),
        HeaderValue::TextList(l) => Some(l.join(", ")),
        HeaderValue::Empty => Some(String::new()),
        _ => None,
    }
}

/// One whole field (`Name: value` and its continuation lines) decoded as unstructured text.
#[cfg(test)]
fn decode_field(field: &[u8]) -> Option<String> {
    let m = TEXT_PARSER.parse_headers(field)?;
    match &m.parts.first()?.headers.first()?.value {
        HeaderValue::Text(t) => Some(t.to_string()),
        HeaderValue::TextList(l) => Some(l.join(", ")),
        HeaderValue::Empty => Some(String::new()),
        _ => None,
    }
}

fn unfold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if i > 0 && !out.is_empty() {
            out.push(' ');
        }
        out.push_str(t);
    }
    out
}

/// `(type/subtype lower-case, report-type)` of a content type.
fn content_type_of(ct: &Ct<'_>) -> (String, Option<String>) {
    let mut t = String::with_capacity(ct.ctype().len() + ct.subtype().map_or(0, |s| s.len() + 1));
    push_type(&mut t, ct);
    let rt = ct.attribute("report-type").map(|s| s.to_ascii_lowercase());
    (t, rt)
}

/// Appends `type/subtype` of a content type, lower-case, to `t` (empty).
fn push_type(t: &mut String, ct: &Ct<'_>) {
    t.push_str(ct.ctype());
    if let Some(s) = ct.subtype() {
        t.push('/');
        t.push_str(s);
    }
    if !ct.is_lower() {
        t.make_ascii_lowercase();
    }
}

fn charset_of<'p>(part: &'p Part<'_>) -> Option<&'p str> {
    part.ct.as_ref()?.attribute("charset")
}

fn check_truncation(raw: &[u8], root: &Part<'_>, warnings: &mut Vec<String>) {
    let fields = || root.headers.iter().filter(|h| h.kind == Kind::ContentType);
    // one Content-Type field (the rule): the part's own parse of it
    let single = fields().nth(1).is_none();
    for h in fields() {
        let parsed;
        let ct = if single {
            root.ct.as_ref()
        } else {
            parsed = mime::parse_content_type(h.value);
            parsed.as_ref()
        };
        if let Some(ct) = ct
            && ct.ctype().eq_ignore_ascii_case("multipart")
        {
            match ct.attribute("boundary") {
                Some(b) => {
                    // `--b--`, put together without the formatting machinery (every multipart
                    // message builds one), on the stack when it is short (RFC 2046: at most 70
                    // bytes of boundary)
                    let mut small = [0u8; 80];
                    let mut big = Vec::new();
                    let closing = closing_boundary(b.as_bytes(), &mut small, &mut big);
                    // searched from the end, where a closing boundary stands
                    if !rfind_closing(raw, closing) {
                        warnings.push(format!(
                            "truncated MIME: the closing boundary \"--{b}--\" is missing"
                        ));
                    }
                }
                None => warnings.push("multipart message without a boundary parameter".into()),
            }
        }
    }
}

/// `--b--` in `small` when it fits, else in `big`.
fn closing_boundary<'s>(b: &[u8], small: &'s mut [u8; 80], big: &'s mut Vec<u8>) -> &'s [u8] {
    let n = b.len() + 4;
    if let Some(out) = small.get_mut(..n) {
        let (head, rest) = out.split_at_mut(2);
        let (mid, tail) = rest.split_at_mut(b.len());
        head.copy_from_slice(b"--");
        mid.copy_from_slice(b);
        tail.copy_from_slice(b"--");
        return out;
    }
    big.extend_from_slice(b"--");
    big.extend_from_slice(b);
    big.extend_from_slice(b"--");
    big
}

/// True when `closing` (a closing boundary: it ends with `--`) occurs in `raw`, as
/// `memmem::rfind(raw, closing).is_some()`. The candidates are the dashes found from the end
/// (the closing boundary usually stands there); building a reverse searcher for every message
/// cost more than the search. Past a few failed candidates the searcher takes over.
fn rfind_closing(raw: &[u8], closing: &[u8]) -> bool {
    let n = closing.len();
    let mut tries = 0;
    for i in memchr::memrchr_iter(b'-', raw) {
        if i + 1 < n {
            return false;
        }
        if raw.get(i + 1 - n..=i) == Some(closing) {
            return true;
        }
        tries += 1;
        if tries == 64 {
            return memchr::memmem::rfind(raw.get(..i).unwrap_or_default(), closing).is_some();
        }
    }
    false
}

fn known_charset(label: &str) -> bool {
    // (the decoder map lower-cases the label itself)
    let l = label.trim().trim_matches('"');
    [
        "utf-8",
        "utf8",
        "us-ascii",
        "ascii",
        "",
        "unknown-8bit",
        "x-unknown",
        "unicode-1-1-utf-7",
        "utf-7",
    ]
    .iter()
    .any(|k| l.eq_ignore_ascii_case(k))
        || mail_parser::decoders::charsets::map::charset_decoder(l.as_bytes()).is_some()
}

fn collect<'m, 'a>(
    raw: &[u8],
    parts: &'m [Part<'a>],
    mail: &mut Mail<'a>,
    texts: &mut Vec<Cow<'m, str>>,
    htmls: &mut Vec<&'m str>,
) {
    // one buffer for the types of all parts, written only for the parts whose type is read
    let mut ctype = String::with_capacity(64);
    let type_of = |buf: &mut String, part: &Part<'_>| {
        buf.clear();
        match &part.ct {
            Some(ct) => push_type(buf, ct),
            None => buf.push_str("text/plain"),
        }
    };
    for part in parts {
        if let Some(cs) = charset_of(part)
            && !known_charset(cs)
        {
            type_of(&mut ctype, part);
            let w = format!(
                "unknown charset \"{cs}\" in a {ctype} part; read as UTF-8, undecodable bytes replaced"
            );
            if !mail.warnings.contains(&w) {
                mail.warnings.push(w);
            }
        }
        match &part.body {
            Body::Multipart => {}
            Body::Message(headers) => {
                if mail.original.is_none() {
                    mail.original = Some(Original {
                        headers: header_fields(headers),
                    });
                }
            }
            Body::MessageOwned(block) => {
                if mail.original.is_none() {
                    let mut pos = 0;
                    let mut fields = Vec::new();
                    mime::parse_headers(block, &mut pos, &mut fields);
                    mail.original = Some(Original {
                        headers: Headers::from_block(block, &fields),
                    });
                }
            }
            Body::Text(t) => {
                let t = match mislabelled_utf8(raw, part) {
                    Some(u) => Cow::Owned(normalize_text(&u).into_owned()),
                    None => normalize_text(t),
                };
                type_of(&mut ctype, part);
                match ctype.as_str() {
                    "text/rfc822-headers" | "message/rfc822-headers" | "text/rfc822-header" => {
                        if mail.original.is_none() {
                            mail.original = Some(Original {
                                headers: decoded_header_block(&t),
                            });
                        }
                    }
                    "message/delivery-status"
                    | "message/global-delivery-status"
                    | "text/delivery-status" => append(&mut mail.dsn, &t),
                    "message/feedback-report" => append(&mut mail.feedback, &t),
                    "message/rfc822" | "message/global" => {
                        if mail.original.is_none() {
                            mail.original = Some(Original {
                                headers: decoded_header_block(&t),
                            });
                        }
                    }
                    _ => texts.push(t),
                }
            }
            Body::Html(h) => htmls.push(h),
            Body::Binary(b) => {
                type_of(&mut ctype, part);
                collect_binary(b, &ctype, mail);
            }
        }
    }
}

/// The bytes of a non-text part whose type (`ctype`) the view reads.
fn collect_binary(b: &[u8], ctype: &str, mail: &mut Mail<'_>) {
    match ctype {
        "message/delivery-status" | "message/global-delivery-status" | "text/delivery-status" => {
            append(&mut mail.dsn, &normalize_text(&lossy(b)))
        }
        "message/feedback-report" => append(&mut mail.feedback, &normalize_text(&lossy(b))),
        "text/rfc822-headers"
        | "message/rfc822-headers"
        | "message/rfc822"
        | "message/global"
        | "message/global-headers"
            if mail.original.is_none() =>
        {
            let end = find_blank_line(b).unwrap_or(b.len());
            let t = lossy(&b[..end]);
            mail.original = Some(Original {
                headers: decoded_header_block(&normalize_text(&t)),
            });
        }
        _ => {}
    }
}

/// A part labelled with a 7-bit charset (ISO-2022-JP, US-ASCII) whose bytes are in fact UTF-8
/// (a relay re-encoded the text but kept the label): the raw UTF-8 text, decoded correctly.
fn mislabelled_utf8(raw: &[u8], part: &Part<'_>) -> Option<String> {
    let cs = charset_of(part)?.as_bytes();
    if !(cs
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"iso-2022"))
        || cs.eq_ignore_ascii_case(b"us-ascii")
        || cs.eq_ignore_ascii_case(b"ascii"))
    {
        return None;
    }
    if part.encoding != Encoding::None {
        return None;
    }
    let raw = raw.get(part.offset_body..part.offset_end)?;
    if raw.is_ascii() {
        return None;
    }
    std::str::from_utf8(raw).ok().map(str::to_string)
}

fn append(slot: &mut Option<String>, text: &str) {
    match slot {
        Some(s) => {
            s.push('\n');
            s.push_str(text);
        }
        None => *slot = Some(text.to_string()),
    }
}

/// The first `\n\n` in `b`, with a searcher built once (building one for every call cost more
/// than the search of a header block).
fn find_blank_line(b: &[u8]) -> Option<usize> {
    static BLANK: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"\n\n"));
    BLANK.find(b)
}

/// Parses a header block with RFC 2047 decoding (as mail-parser's header reader).
pub fn decoded_header_block<'x>(text: &str) -> Headers<'x> {
    let end = find_blank_line(text.as_bytes()).map_or(text.len(), |p| p + 1);
    let block = &text[..end];
    let mut pos = 0;
    let mut fields = Vec::new();
    mime::parse_headers(block.as_bytes(), &mut pos, &mut fields);
    if !fields.is_empty() {
        // decoded when read: most blocks are read for a few names only
        return Headers::from_block(block.as_bytes(), &fields);
    }
    Headers::from(parse_header_block(block))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_word_as_split_whitespace() {
        for v in [
            "",
            "a",
            "<a@b>",
            "<a@b> (comment)",
            "<a@b>\tx",
            "a\u{b}b",
            "a\u{c}b",
            "\u{e9}a b",
            "a\u{a0}b c",
            "ab\u{3000}c",
            "a\u{85}b",
        ] {
            let want = v.split_whitespace().next().unwrap_or(v);
            assert_eq!(first_word(v), want, "{v:?}");
        }
    }

    #[test]
    fn value_decoded_as_the_whole_field() {
        const PIECES: &[&str] = &[
            "=?UTF-8?B?TWFpbA==?=",
            "=?utf-8?q?a_b=3F?=",
            "=?ISO-8859-1?Q?=E0?=",
            "=?x?q?bad",
            "=?",
            "?=",
            " ",
            "\t",
            "\n ",
            "\n\t",
            "\r\n ",
            "a",
            "(c)",
            "\"q\"",
            ",",
            ";",
            ":",
            "\u{e9}",
            "\u{a0}",
        ];
        let mut rng = crate::testgen::XorShift(0x1234_5678_9abc_def1);
        let mut fields = 0;
        for _ in 0..20_000 {
            let v = rng.joined(PIECES, 12);
            for name in ["Subject", "X-Anything", "Sub ject", "From"] {
                let field = format!("{name}:{v}\n");
                let mut pos = 0;
                let mut raw = Vec::new();
                mime::parse_headers(field.as_bytes(), &mut pos, &mut raw);
                let Some(f) = raw.first() else {
                    continue;
                };
                fields += 1;
                assert_eq!(decode_value(f.value), decode_field(f.field), "{field:?}");
            }
        }
        assert!(fields > 50_000, "{fields}");
    }

    #[test]
    fn closing_boundary_built() {
        for n in [0, 1, 70, 75, 76, 77, 200] {
            let b = vec![b'x'; n];
            let (mut small, mut big) = ([0u8; 80], Vec::new());
            let want = [&b"--"[..], &b, b"--"].concat();
            assert_eq!(closing_boundary(&b, &mut small, &mut big), &want[..], "{n}");
        }
    }

    #[test]
    fn closing_boundary_as_rfind() {
        const PIECES: &[&str] = &["-", "--", "----", "b", "--b--", "--b-", "x", "\n", "b--"];
        let mut rng = crate::testgen::XorShift(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            let hay = rng.joined(PIECES, 120);
            for closing in [&b"--b--"[..], b"----b--", b"--x--"] {
                assert_eq!(
                    rfind_closing(hay.as_bytes(), closing),
                    memchr::memmem::rfind(hay.as_bytes(), closing).is_some(),
                    "{hay:?}"
                );
            }
        }
    }

    #[test]
    fn header_values_unfolded_and_decoded() {
        let raw = b"From: =?UTF-8?B?TWFpbCBEZWxpdmVyeQ==?= <MAILER-DAEMON@example.org>\nSubject: Undelivered\n  Mail \t\n\tReturned =?ISO-8859-1?Q?=E0?= x\nX-Empty:\nX-Long: one\n two\n\nbody\n";
        let m = Mail::parse(raw).unwrap();
        assert_eq!(m.from, "Mail Delivery <MAILER-DAEMON@example.org>");
        assert_eq!(m.subject, "Undelivered Mail Returned \u{e0} x");
        assert_eq!(m.header("x-empty"), Some(""));
        assert_eq!(m.header("x-long"), Some("one two"));
        assert_eq!(join_lines(" a \r\n \t\n\tb c\r\n"), "a b c");
        for v in [
            "",
            "\n",
            "a",
            "a\n",
            "\na",
            " a \n\n b \r\n\tc",
            "é\n\u{a0}x",
        ] {
            let by_split = v
                .split('\n')
                .map(|l| l.trim_matches([' ', '\t', '\r']))
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            assert_eq!(join_lines(v), by_split, "{v:?}");
        }
        for s in [
            "",
            " ",
            "\t\r ",
            "a",
            " a ",
            "\ré\t",
            " x y\r",
            "\u{a0}a\u{a0}",
        ] {
            assert_eq!(
                trim_sp_tab_cr(s),
                s.trim_matches([' ', '\t', '\r']),
                "{s:?}"
            );
        }
        // names compared lazily with the bytes, as mail-parser names them
        let raw = b"Sub ject: one\nSUBJECT: two\nX-\xc3\xa9: three\nX-Bad\xff: four\nMal formed: five\n\nbody\n";
        let m = Mail::parse(raw).unwrap();
        assert_eq!(m.header("subject"), Some("one"));
        assert_eq!(
            m.headers.get_all("subject").collect::<Vec<_>>(),
            ["one", "two"]
        );
        assert_eq!(m.header("x-\u{e9}"), Some("three"));
        assert_eq!(m.header("x-bad\u{fffd}"), Some("four"));
        assert_eq!(m.header("mal formed"), Some("five"));
        assert_eq!(m.header("Subject"), None);
        assert_eq!(m.headers.list().len(), 5);
        assert!(has_encoded_word_start(b"a =?utf-8?q?x?="));
        assert!(!has_encoded_word_start(b"a = ? b="));
    }

    #[test]
    fn value_scan_and_trim_as_before() {
        const PIECES: &[&str] = &[
            "=", "?", "=?", "\n", " ", "\t", "\r", "\u{b}", "\u{c}", "a", "\u{a0}", "\u{85}",
            "\u{3000}", "\u{e9}", "x y",
        ];
        let mut rng = crate::testgen::XorShift(0x5851_f42d_4c95_7f2d);
        for _ in 0..50_000 {
            let v = rng.joined(PIECES, 10);
            let b = v.as_bytes();
            let folded = memchr::memchr(b'\n', &b[..b.len().saturating_sub(1)]).is_some();
            // (the line breaks matter only without an encoded word)
            assert_eq!(scan_value(b).0, has_encoded_word_start(b), "{v:?}");
            if !has_encoded_word_start(b) {
                assert_eq!(scan_value(b).1, folded, "{v:?}");
            }
            assert_eq!(trim(&v), v.trim(), "{v:?}");
        }
    }
}
