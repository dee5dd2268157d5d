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

    /// [`Field::is`] for the fields not read from the message.
    #[inline(never)]
    fn is_other(&self, name: &str) -> bool {
        match &self.owned {
            Some((b, i)) if !self.slow => same_name(b.name(*i), name),
            _ => self.name() == name,
        }
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

    /// True when there is no field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Every `(lower-case name, value)` in order.
    pub fn list(&self) -> Vec<(&str, &str)> {
        self.fields.iter().map(|f| (f.name(), f.value())).collect()
    }
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

/// True when `line` starts like a field: a name of printable characters without spaces,
/// followed by `:`.
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

/// Parses a header block: fields until the first empty line (or the end). Lines that are not
/// fields and not continuations are skipped.
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

/// Parses every field line in `text`, ignoring empty lines (for report parts whose groups are
/// separated by blank lines, or not).
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
