//! `Name: value` field blocks (message headers, RFC 3464 / RFC 5965 report fields), lenient.

use std::borrow::Cow;

/// An ordered list of fields, names lower-cased, values unfolded and trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    /// `(lower-case name, value)` in order of appearance.
    pub list: Vec<(String, String)>,
}

impl Fields {
    /// The first value of `name` (case-insensitive; give it lower-case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first non-empty value of `name`.
    pub fn get_nonempty(&self, name: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// All values of `name`.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.list
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Header fields of a message as the view holds them: like [`Fields`], but names and values
/// borrowed from the message where they need no change (an unfolded value, a lower-case or
/// common name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers<'a> {
    /// `(lower-case name, value)` in order of appearance.
    pub list: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> Headers<'a> {
    /// The first value of `name` (case-insensitive; give it lower-case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_ref())
    }

    /// The first non-empty value of `name`.
    pub fn get_nonempty(&self, name: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_ref())
    }

    /// All values of `name`.
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.list
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_ref())
    }

    /// True when there is no field.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

impl From<Fields> for Headers<'static> {
    fn from(f: Fields) -> Self {
        Headers {
            list: f
                .list
                .into_iter()
                .map(|(n, v)| (Cow::Owned(n), Cow::Owned(v)))
                .collect(),
        }
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
pub fn parse_header_block(text: &str) -> Fields {
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
pub fn parse_all_fields(text: &str) -> Fields {
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

fn push_line(out: &mut Fields, line: &str) -> bool {
    if line.starts_with([' ', '\t']) {
        if let Some((_, v)) = out.list.last_mut() {
            let t = line.trim();
            if !t.is_empty() {
                if !v.is_empty() {
                    v.push(' ');
                }
                v.push_str(t);
            }
            return true;
        }
        return false;
    }
    match field_name(line) {
        Some(name) => {
            let value = line[name.len() + 1..].trim().to_string();
            out.list.push((name.to_ascii_lowercase(), value));
            true
        }
        None => false,
    }
}

/// Splits `type; value` report values (`rfc822; user@example.org`, `smtp; 550 ...`,
/// `dns; mx.example.org`) into the type (upper-cased) and the value. A value without a type
/// gives `(None, value)`.
pub fn split_typed(value: &str) -> (Option<String>, &str) {
    if let Some(semi) = value.find(';') {
        let t = value[..semi].trim();
        if !t.is_empty()
            && t.len() <= 20
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return (Some(t.to_ascii_uppercase()), value[semi + 1..].trim());
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
