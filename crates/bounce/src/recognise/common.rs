//! Helpers shared by the family recognisers: cutting the text at markers, collecting
//! recipients and their diagnostic lines, merging in standard DSN fields.

use super::Delivery;
use super::rfc3464::parse_standard_raw;
use crate::mail::Mail;
use crate::text::{clean_address, contains_ci, find_ci, first_address};

/// The text before the first line that contains any of `markers` (case-insensitive; markers in
/// lower case). The whole text when none occurs.
pub fn before_any<'a>(text: &'a str, markers: &[&str]) -> &'a str {
    let mut end = text.len();
    for m in markers {
        // Only a match starting before `end` can move it: search no further than a match
        // starting there could reach (`end` is a line start, so a char boundary).
        let reach = end.saturating_add(m.len()).min(text.len());
        let hay = &text.as_bytes()[..reach];
        if let Some(p) = crate::text::find_ci_bytes(hay, m.as_bytes()).filter(|&p| p < end) {
            // cut at the start of that line
            let ls = memchr::memrchr(b'\n', &text.as_bytes()[..p])
                .map(|i| i + 1)
                .unwrap_or(0);
            end = end.min(ls);
        }
    }
    &text[..end]
}

/// The text after the end of the first line that contains any of `markers` (markers in lower
/// case), or `None`.
#[allow(dead_code)]
pub fn after_any<'a>(text: &'a str, markers: &[&str]) -> Option<&'a str> {
    let mut best: Option<usize> = None;
    for m in markers {
        if let Some(p) = find_ci(text, m) {
            best = Some(best.map_or(p, |b| b.min(p)));
        }
    }
    let p = best?;
    let eol = text[p..]
        .find('\n')
        .map(|i| p + i + 1)
        .unwrap_or(text.len());
    Some(&text[eol..])
}

/// The text from the start of the first line that contains any of `markers`.
pub fn from_any<'a>(text: &'a str, markers: &[&str]) -> Option<&'a str> {
    let mut best: Option<usize> = None;
    for m in markers {
        if let Some(p) = find_ci(text, m) {
            best = Some(best.map_or(p, |b| b.min(p)));
        }
    }
    let p = best?;
    let ls = text[..p].rfind('\n').map(|i| i + 1).unwrap_or(0);
    Some(&text[ls..])
}

/// True when the text contains any of the phrases (lower case).
pub fn any_ci(text: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| contains_ci(text, p))
}

/// Accumulates deliveries while walking the lines of a bounce text.
#[derive(Default)]
pub struct Collector {
    /// The deliveries so far.
    pub ds: Vec<Delivery>,
}

impl Collector {
    /// Starts a new recipient (or continues the current one when it is the same address).
    pub fn start(&mut self, recipient: String) -> &mut Delivery {
        let same = self
            .ds
            .last()
            .is_some_and(|d| d.recipient.eq_ignore_ascii_case(&recipient));
        if !same {
            self.ds.push(Delivery {
                recipient,
                ..Default::default()
            });
        }
        self.ds.last_mut().expect("just pushed")
    }

    /// The current recipient.
    pub fn current(&mut self) -> Option<&mut Delivery> {
        self.ds.last_mut()
    }

    /// Appends a line to the current recipient's diagnostic.
    pub fn push_diag(&mut self, line: &str) {
        if let Some(d) = self.ds.last_mut() {
            push_text(&mut d.diagnostic, line);
        }
    }

    /// The deliveries, or `None` when there are none.
    pub fn finish(self) -> Option<Vec<Delivery>> {
        (!self.ds.is_empty()).then_some(self.ds)
    }
}

/// Appends `line` (trimmed) to `s` with one space.
pub fn push_text(s: &mut String, line: &str) {
    let t = line.trim();
    if t.is_empty() {
        return;
    }
    if !s.is_empty() {
        s.push(' ');
    }
    s.push_str(t);
}

/// Fills what the standard DSN part of `m` knows into `ds` (matched by recipient address):
/// status, action, MTAs, dates; and the diagnostic when the text had none. DSN recipients that
/// the text did not name are appended.
pub fn merge_standard(m: &Mail, ds: &mut Vec<Delivery>) {
    if let Some(std) = parse_standard_raw(m) {
        merge_deliveries(std, ds);
    }
}

/// [`merge_standard`] with the standard report's deliveries already read (see
/// [`super::rfc3464::parse_standard_raw`]).
pub fn merge_deliveries(std: Vec<Delivery>, ds: &mut Vec<Delivery>) {
    let positional = std.len() == ds.len();
    for (i, s) in std.into_iter().enumerate() {
        if let Some(d) = ds
            .iter_mut()
            .find(|d| d.recipient.eq_ignore_ascii_case(&s.recipient))
        {
            fill_from(d, s);
        } else if positional && !s.recipient.contains('@') {
            // a file or pipe recipient: the text named the address that generated it
            fill_from(&mut ds[i], s);
        } else if s.recipient.contains('@') {
            ds.push(s);
        }
    }
}

/// Copies the fields `d` lacks from `s`.
pub fn fill_from(d: &mut Delivery, s: Delivery) {
    if d.status.is_none() {
        d.status = s.status;
    }
    if d.action.is_none() {
        d.action = s.action;
    }
    if d.original_recipient.is_none() {
        d.original_recipient = s.original_recipient;
    }
    if d.remote_mta.is_none() {
        d.remote_mta = s.remote_mta;
    }
    if d.reporting_mta.is_none() {
        d.reporting_mta = s.reporting_mta;
    }
    if d.last_attempt.is_none() {
        d.last_attempt = s.last_attempt;
    }
    if d.will_retry_until.is_none() {
        d.will_retry_until = s.will_retry_until;
    }
    if d.diagnostic_type.is_none() {
        d.diagnostic_type = s.diagnostic_type;
    }
    if d.diagnostic.trim().is_empty() {
        d.diagnostic = s.diagnostic;
    }
    if d.diagnostic_extra.is_none() {
        d.diagnostic_extra = s.diagnostic_extra;
    }
}

/// Recipients listed in a header such as `X-Failed-Recipients` (comma separated).
pub fn header_recipients(m: &Mail, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for v in m.headers.get_all(name) {
        for part in v.split(',') {
            if let Some(a) = clean_address(part)
                && !out.iter().any(|x: &String| x.eq_ignore_ascii_case(&a))
            {
                out.push(a);
            }
        }
    }
    out
}

/// The first address in `s` between `<` and `>`, else the first bare address.
pub fn angle_or_bare(s: &str) -> Option<String> {
    if let Some(o) = s.find('<')
        && let Some(c) = s[o..].find('>')
        && let Some(a) = first_address(&s[o + 1..o + c])
    {
        return Some(a);
    }
    first_address(s)
}
