//! RFC 3464 delivery-status fields: per-message block and per-recipient groups, lenient about
//! missing blank lines, field order and case.

use crate::fields::{Fields, parse_all_fields, split_typed_raw, trim_ws};
use crate::recognise::Delivery;
use crate::record::Action;
use crate::text::{clean_address, find_status, normalize_date, squeeze};

/// The fields of a delivery-status report.
#[derive(Debug, Default, Clone)]
pub struct DsnReport<'a> {
    /// Per-message fields (`Reporting-MTA`, `Arrival-Date`, ...).
    pub message: Fields<'a>,
    /// One field group per recipient.
    pub recipients: Vec<Fields<'a>>,
}

/// What a report field is, by name (see [`kind`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// A per-recipient field other than the four below.
    Recipient,
    FinalRecipient,
    OriginalRecipient,
    Action,
    Status,
    /// A per-message field.
    Message,
    /// Any other field (an extension).
    Other,
}

/// The report fields known by name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Name {
    Action,
    Status,
    RemoteMta,
    DsnGateway,
    FinalLogId,
    ArrivalDate,
    ReportingMta,
    FinalRecipient,
    DiagnosticCode,
    WillRetryUntil,
    LastAttemptDate,
    ReceivedFromMta,
    OriginalRecipient,
    XActualRecipient,
    OriginalEnvelopeId,
}

/// A lower-case field name (letters, digits, `-`; 4 to 24 bytes) as three overlapping 8-byte
/// words (4-byte ones below 8 bytes), each with the mask that folds the case of its letters: a
/// name equals it ASCII case-insensitively when each of its words, or-ed with the mask, is
/// the word.
struct Lit {
    len: usize,
    at: [usize; 3],
    word: [u64; 3],
    fold: [u64; 3],
}

impl Lit {
    const fn new(s: &str) -> Lit {
        let b = s.as_bytes();
        let len = b.len();
        let w = if len >= 8 { 8 } else { 4 };
        let mid = if len > 2 * w { w } else { len - w };
        let at = [0, mid, len - w];
        let mut word = [0u64; 3];
        let mut fold = [0u64; 3];
        let mut k = 0;
        while k < 3 {
            let mut i = 0;
            while i < w {
                let c = b[at[k] + i];
                word[k] |= (c as u64) << (8 * i);
                if c.is_ascii_lowercase() {
                    fold[k] |= 0x20 << (8 * i);
                }
                i += 1;
            }
            k += 1;
        }
        Lit {
            len,
            at,
            word,
            fold,
        }
    }

    /// `name` is this name, ASCII case-insensitively (`name` has this length).
    #[inline]
    fn is(&self, name: &[u8]) -> bool {
        let w = if self.len >= 8 { 8 } else { 4 };
        (0..3).all(|k| {
            let Some(part) = name.get(self.at[k]..self.at[k] + w) else {
                return false;
            };
            let mut buf = [0u8; 8];
            if let Some(dst) = buf.get_mut(..w) {
                dst.copy_from_slice(part);
            }
            u64::from_le_bytes(buf) | self.fold[k] == self.word[k]
        })
    }
}

/// The known report field `name` is (ASCII case-insensitive), dispatched on its length.
#[inline]
fn name_of(name: &str) -> Option<Name> {
    const ACTION: Lit = Lit::new("action");
    const STATUS: Lit = Lit::new("status");
    const REMOTE_MTA: Lit = Lit::new("remote-mta");
    const DSN_GATEWAY: Lit = Lit::new("dsn-gateway");
    const FINAL_LOG_ID: Lit = Lit::new("final-log-id");
    const ARRIVAL_DATE: Lit = Lit::new("arrival-date");
    const REPORTING_MTA: Lit = Lit::new("reporting-mta");
    const FINAL_RECIPIENT: Lit = Lit::new("final-recipient");
    const DIAGNOSTIC_CODE: Lit = Lit::new("diagnostic-code");
    const WILL_RETRY_UNTIL: Lit = Lit::new("will-retry-until");
    const LAST_ATTEMPT_DATE: Lit = Lit::new("last-attempt-date");
    const RECEIVED_FROM_MTA: Lit = Lit::new("received-from-mta");
    const ORIGINAL_RECIPIENT: Lit = Lit::new("original-recipient");
    const X_ACTUAL_RECIPIENT: Lit = Lit::new("x-actual-recipient");
    const ORIGINAL_ENVELOPE_ID: Lit = Lit::new("original-envelope-id");
    let n = name.as_bytes();
    Some(match n.len() {
        6 if ACTION.is(n) => Name::Action,
        6 if STATUS.is(n) => Name::Status,
        10 if REMOTE_MTA.is(n) => Name::RemoteMta,
        11 if DSN_GATEWAY.is(n) => Name::DsnGateway,
        12 if FINAL_LOG_ID.is(n) => Name::FinalLogId,
        12 if ARRIVAL_DATE.is(n) => Name::ArrivalDate,
        13 if REPORTING_MTA.is(n) => Name::ReportingMta,
        15 if FINAL_RECIPIENT.is(n) => Name::FinalRecipient,
        15 if DIAGNOSTIC_CODE.is(n) => Name::DiagnosticCode,
        16 if WILL_RETRY_UNTIL.is(n) => Name::WillRetryUntil,
        17 if LAST_ATTEMPT_DATE.is(n) => Name::LastAttemptDate,
        17 if RECEIVED_FROM_MTA.is(n) => Name::ReceivedFromMta,
        18 if ORIGINAL_RECIPIENT.is(n) => Name::OriginalRecipient,
        18 if X_ACTUAL_RECIPIENT.is(n) => Name::XActualRecipient,
        20 if ORIGINAL_ENVELOPE_ID.is(n) => Name::OriginalEnvelopeId,
        _ => return None,
    })
}

/// The kind of a report field name (ASCII case-insensitive).
#[inline]
fn kind(name: &str) -> Kind {
    match name_of(name) {
        Some(Name::Action) => Kind::Action,
        Some(Name::Status) => Kind::Status,
        Some(Name::FinalRecipient) => Kind::FinalRecipient,
        Some(Name::OriginalRecipient) => Kind::OriginalRecipient,
        Some(
            Name::RemoteMta
            | Name::FinalLogId
            | Name::DiagnosticCode
            | Name::WillRetryUntil
            | Name::LastAttemptDate
            | Name::XActualRecipient,
        ) => Kind::Recipient,
        Some(
            Name::DsnGateway
            | Name::ArrivalDate
            | Name::ReportingMta
            | Name::ReceivedFromMta
            | Name::OriginalEnvelopeId,
        ) => Kind::Message,
        None => Kind::Other,
    }
}

/// Parses delivery-status text into per-message and per-recipient groups.
pub fn parse_dsn(text: &str) -> DsnReport<'_> {
    let all = parse_all_fields(text);
    let mut report = DsnReport {
        message: Fields {
            list: Vec::with_capacity(8),
        },
        recipients: Vec::with_capacity(2),
    };
    let mut cur: Option<Fields> = None;
    // which of final-recipient, original-recipient, action, status the current group has
    let (mut fin, mut orig, mut action, mut status) = (false, false, false, false);
    let mut list = all.list;
    for i in 0..list.len() {
        let Some(field) = list.get_mut(i) else {
            break;
        };
        // moved out, not cloned: only the names of later fields are looked at below
        let (name, value) = std::mem::take(field);
        let k = kind(name);
        let start_new = match k {
            Kind::Other | Kind::Message => {
                match cur.as_mut() {
                    // unknown extension fields inside a recipient group stay with it
                    Some(c) if k == Kind::Other => c.list.push((name, value)),
                    _ => report.message.list.push((name, value)),
                }
                continue;
            }
            _ if cur.is_none() => true,
            Kind::FinalRecipient => fin,
            Kind::OriginalRecipient => {
                // Postfix writes Final- then Original-Recipient; RFC 3464 order is
                // Original- then Final-: look at the next recipient field to decide.
                orig || (fin && {
                    let next = list
                        .get(i + 1..)
                        .unwrap_or_default()
                        .iter()
                        .find_map(|(n, _)| {
                            let k = kind(n);
                            (!matches!(k, Kind::Other | Kind::Message)).then_some(k)
                        });
                    next == Some(Kind::FinalRecipient)
                })
            }
            Kind::Action => action,
            Kind::Status => status && action,
            Kind::Recipient => false,
        };
        if start_new && let Some(c) = cur.take() {
            report.recipients.push(c);
            (fin, orig, action, status) = (false, false, false, false);
        }
        match k {
            Kind::FinalRecipient => fin = true,
            Kind::OriginalRecipient => orig = true,
            Kind::Action => action = true,
            Kind::Status => status = true,
            _ => {}
        }
        cur.get_or_insert_with(|| Fields {
            list: Vec::with_capacity(8),
        })
        .list
        .push((name, value));
    }
    if let Some(c) = cur {
        report.recipients.push(c);
    }
    report
}

/// The first non-empty value of each field of a recipient group that a delivery is made from,
/// found in one pass.
#[derive(Default)]
struct Group<'g> {
    final_rcpt: Option<&'g str>,
    original: Option<&'g str>,
    x_actual: Option<&'g str>,
    action: Option<&'g str>,
    status: Option<&'g str>,
    remote_mta: Option<&'g str>,
    reporting_mta: Option<&'g str>,
    last_attempt: Option<&'g str>,
    will_retry: Option<&'g str>,
    /// Has a `Diagnostic-Code` (empty or not).
    diag: bool,
}

impl<'g> Group<'g> {
    fn read(g: &'g Fields<'_>) -> Self {
        let mut out = Group::default();
        for (n, v) in &g.list {
            if v.is_empty() {
                if !out.diag && name_of(n) == Some(Name::DiagnosticCode) {
                    out.diag = true;
                }
                continue;
            }
            let slot = match name_of(n) {
                Some(Name::Action) => &mut out.action,
                Some(Name::Status) => &mut out.status,
                Some(Name::RemoteMta) => &mut out.remote_mta,
                Some(Name::ReportingMta) => &mut out.reporting_mta,
                Some(Name::FinalRecipient) => &mut out.final_rcpt,
                Some(Name::DiagnosticCode) => {
                    out.diag = true;
                    continue;
                }
                Some(Name::WillRetryUntil) => &mut out.will_retry,
                Some(Name::LastAttemptDate) => &mut out.last_attempt,
                Some(Name::OriginalRecipient) => &mut out.original,
                Some(Name::XActualRecipient) => &mut out.x_actual,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(v.as_ref());
            }
        }
        out
    }
}

/// The per-message fields that a delivery takes from the report.
struct Message<'m> {
    reporting_mta: Option<&'m str>,
    last_attempt: Option<&'m str>,
    arrival: Option<&'m str>,
}

impl<'m> Message<'m> {
    fn read(msg: &'m Fields<'_>) -> Self {
        Message {
            reporting_mta: msg.get_nonempty("reporting-mta"),
            last_attempt: msg.get_nonempty("last-attempt-date"),
            arrival: msg.get_nonempty("arrival-date"),
        }
    }
}

/// The recipient of a group: its `Final-Recipient`, else its `Original-Recipient`, else its
/// `X-Actual-Recipient` (the first that holds an address). `original` is set to the cleaned
/// `Original-Recipient` when it was looked at.
fn recipient_of(gr: &Group<'_>, original: &mut Option<Option<String>>) -> Option<String> {
    // A Final-Recipient that is a source route ("@relay:user@server") says less than the
    // Original-Recipient.
    let source_routed = gr.final_rcpt.is_some_and(|v| {
        split_typed_raw(v)
            .1
            .trim_start_matches('<')
            .starts_with('@')
    });
    if !source_routed && let Some(a) = gr.final_rcpt.and_then(clean_address) {
        return Some(a);
    }
    let o = gr.original.and_then(clean_address);
    *original = Some(o.clone());
    if o.is_some() {
        return o;
    }
    // (a Final-Recipient that is not source-routed was read above, with the same answer)
    if source_routed && let Some(a) = gr.final_rcpt.and_then(clean_address) {
        return Some(a);
    }
    gr.x_actual.and_then(clean_address)
}

/// Turns one recipient group into a [`Delivery`] (recipient, action, status, diagnostic, MTAs,
/// dates). Keeps groups whose recipient is not an address (a file or a pipe of a local
/// delivery), with the raw value as recipient; returns `None` when the group names no
/// recipient.
pub fn delivery_from_group_raw(msg: &Fields<'_>, g: &Fields<'_>) -> Option<Delivery> {
    let gr = Group::read(g);
    let mut original = None;
    let recipient = match recipient_of(&gr, &mut original) {
        Some(r) => r,
        None => split_typed_raw(gr.final_rcpt?).1.to_string(),
    };
    Some(delivery_with_recipient(
        &Message::read(msg),
        g,
        &gr,
        recipient,
        original,
    ))
}

fn delivery_with_recipient(
    msg: &Message<'_>,
    g: &Fields<'_>,
    gr: &Group<'_>,
    recipient: String,
    original: Option<Option<String>>,
) -> Delivery {
    let mut d = Delivery {
        recipient,
        ..Default::default()
    };
    d.original_recipient = match original {
        Some(o) => o,
        None => gr.original.and_then(clean_address),
    };
    d.action = gr.action.and_then(Action::parse_lenient);
    if let Some(s) = gr.status {
        d.status = find_status(s);
        if d.status.is_none() {
            // "Status: 553 Exceeded maximum inbound message size" seen in the wild
            d.diagnostic_extra = Some(s.to_string());
        } else if let (Some(o), Some(c)) = (
            memchr::memchr(b'(', s.as_bytes()),
            memchr::memrchr(b')', s.as_bytes()),
        ) && o < c
        {
            // "Status: 4.0.0 (cat.example.net: host name lookup failure)"
            let comment = s.get(o + 1..c).map(trim_ws).unwrap_or_default();
            if !comment.is_empty() {
                d.diagnostic_extra = Some(comment.to_string());
            }
        }
    }
    if gr.diag {
        let mut diags = g.get_all("diagnostic-code");
        let (ty, first) = split_typed_raw(diags.next().unwrap_or_default());
        d.diagnostic_type = ty.map(str::to_ascii_uppercase);
        d.diagnostic = match diags.next() {
            None => squeeze(first),
            Some(second) => {
                let mut text = first.to_string();
                for more in std::iter::once(second).chain(diags) {
                    let (_, v) = split_typed_raw(more);
                    text.push(' ');
                    text.push_str(v);
                }
                squeeze(&text)
            }
        };
    }
    if let Some(r) = gr.remote_mta {
        d.remote_mta = host_token(split_typed_raw(r).1);
    }
    if let Some(r) = msg.reporting_mta.or(gr.reporting_mta) {
        d.reporting_mta = host_token(split_typed_raw(r).1);
    }
    d.last_attempt = gr
        .last_attempt
        .or(msg.last_attempt)
        .or(msg.arrival)
        .and_then(normalize_date);
    d.will_retry_until = gr.will_retry.and_then(normalize_date);
    d
}

/// The host name (or address literal) at the start of an MTA field value.
pub fn host_token(v: &str) -> Option<String> {
    let b = v.as_bytes();
    let ws = |c: u8| c == b' ' || c.wrapping_sub(b'\t') < 5;
    // the first word, [start, end); beyond ASCII before its end, Unicode white space may split
    let start = b.iter().position(|&c| !ws(c))?;
    let mut end = start;
    for &c in b.get(start..).unwrap_or_default() {
        if c >= 0x80 {
            return host_token_unicode(v);
        }
        if ws(c) {
            break;
        }
        end += 1;
    }
    let word = b.get(start..end).unwrap_or_default();
    // without the brackets, parentheses and separators around it, nor dots at its end
    let punct = |c: &u8| matches!(c, b'[' | b']' | b'(' | b')' | b';' | b',');
    let a = start + word.iter().position(|c| !punct(c)).unwrap_or(word.len());
    let z = start + word.iter().rposition(|c| !punct(c)).map_or(0, |i| i + 1);
    let z = b
        .get(a..z.max(a))
        .unwrap_or_default()
        .iter()
        .rposition(|&c| c != b'.')
        .map_or(a, |i| a + i + 1);
    // ASCII throughout the word: every index in it is a char boundary
    let t = v.get(a..z).unwrap_or_default();
    (!t.is_empty()).then(|| t.to_string())
}

/// [`host_token`] for values beyond ASCII (Unicode white space splits too).
fn host_token_unicode(v: &str) -> Option<String> {
    let t = v
        .split_whitespace()
        .next()?
        .trim_matches(|c| c == '[' || c == ']' || c == '(' || c == ')' || c == ';' || c == ',');
    let t = t.trim_end_matches('.');
    (!t.is_empty()).then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_without_blank_lines() {
        let r = parse_dsn(
            "Reporting-MTA: dns; mx.example.org\nFinal-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\nFinal-Recipient: rfc822; b@example.org\nAction: delayed\nStatus: 4.4.1\n",
        );
        assert_eq!(r.recipients.len(), 2);
        assert_eq!(r.message.get("reporting-mta"), Some("dns; mx.example.org"));
    }

    /// parse_dsn, delivery_from_group_raw and host_token as they were before the rewrite (one
    /// name lookup per field per question), the reference for the tests below.
    mod reference {
        use super::super::DsnReport;
        use crate::fields::{Fields, parse_all_fields, split_typed};
        use crate::recognise::Delivery;
        use crate::record::Action;
        use crate::text::{clean_address, find_status, normalize_date, squeeze};

        const RECIPIENT_FIELDS: &[&str] = &[
            "final-recipient",
            "original-recipient",
            "action",
            "status",
            "remote-mta",
            "diagnostic-code",
            "last-attempt-date",
            "will-retry-until",
            "final-log-id",
            "x-actual-recipient",
        ];

        pub fn parse_dsn(text: &str) -> DsnReport<'_> {
            let all = parse_all_fields(text);
            let mut report = DsnReport::default();
            let mut cur: Option<Fields> = None;
            let mut list = all.list;
            let rcpt_name = |name: &str| {
                RECIPIENT_FIELDS
                    .iter()
                    .copied()
                    .find(|f| f.eq_ignore_ascii_case(name))
            };
            for i in 0..list.len() {
                let (name, value) = std::mem::take(&mut list[i]);
                let Some(lname) = rcpt_name(name) else {
                    match cur.as_mut() {
                        Some(c) if starts_with_x(name) || !is_message_field(name) => {
                            c.list.push((name, value))
                        }
                        _ => report.message.list.push((name, value)),
                    }
                    continue;
                };
                let start_new = match cur.as_ref() {
                    None => true,
                    Some(c) => match lname {
                        "final-recipient" => c.get("final-recipient").is_some(),
                        "original-recipient" => {
                            let next_is_final = list[i + 1..]
                                .iter()
                                .find_map(|(n, _)| rcpt_name(n))
                                .is_some_and(|n| n == "final-recipient");
                            c.get("original-recipient").is_some()
                                || (c.get("final-recipient").is_some() && next_is_final)
                        }
                        "action" => c.get("action").is_some(),
                        "status" => c.get("status").is_some() && c.get("action").is_some(),
                        _ => false,
                    },
                };
                if start_new && let Some(c) = cur.take() {
                    report.recipients.push(c);
                }
                cur.get_or_insert_with(Fields::default)
                    .list
                    .push((name, value));
            }
            if let Some(c) = cur {
                report.recipients.push(c);
            }
            report
        }

        fn starts_with_x(name: &str) -> bool {
            name.as_bytes()
                .get(..2)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"x-"))
        }

        fn is_message_field(name: &str) -> bool {
            [
                "reporting-mta",
                "dsn-gateway",
                "received-from-mta",
                "arrival-date",
                "original-envelope-id",
            ]
            .iter()
            .any(|f| f.eq_ignore_ascii_case(name))
        }

        fn delivery_from_group(msg: &Fields<'_>, g: &Fields<'_>) -> Option<Delivery> {
            let source_routed = g
                .get_nonempty("final-recipient")
                .is_some_and(|v| split_typed(v).1.trim_start_matches('<').starts_with('@'));
            let final_rcpt = g
                .get_nonempty("final-recipient")
                .filter(|_| !source_routed)
                .and_then(clean_address);
            let recipient = final_rcpt
                .or_else(|| g.get_nonempty("original-recipient").and_then(clean_address))
                .or_else(|| g.get_nonempty("final-recipient").and_then(clean_address))
                .or_else(|| g.get_nonempty("x-actual-recipient").and_then(clean_address))?;
            Some(delivery_with_recipient(msg, g, recipient))
        }

        pub fn delivery_from_group_raw(msg: &Fields<'_>, g: &Fields<'_>) -> Option<Delivery> {
            if let Some(d) = delivery_from_group(msg, g) {
                return Some(d);
            }
            let raw = g.get_nonempty("final-recipient")?;
            let (_, v) = split_typed(raw);
            Some(delivery_with_recipient(msg, g, v.to_string()))
        }

        fn delivery_with_recipient(
            msg: &Fields<'_>,
            g: &Fields<'_>,
            recipient: String,
        ) -> Delivery {
            let mut d = Delivery {
                recipient,
                ..Default::default()
            };
            d.original_recipient = g.get_nonempty("original-recipient").and_then(clean_address);
            d.action = g.get_nonempty("action").and_then(parse_action);
            if let Some(s) = g.get_nonempty("status") {
                d.status = find_status(s);
                if d.status.is_none() {
                    d.diagnostic_extra = Some(s.to_string());
                } else if let (Some(o), Some(c)) = (s.find('('), s.rfind(')'))
                    && o < c
                {
                    let comment = s[o + 1..c].trim();
                    if !comment.is_empty() {
                        d.diagnostic_extra = Some(comment.to_string());
                    }
                }
            }
            let diags: Vec<&str> = g.get_all("diagnostic-code").collect();
            if !diags.is_empty() {
                let (ty, first) = split_typed(diags[0]);
                d.diagnostic_type = ty;
                let mut text = first.to_string();
                for more in &diags[1..] {
                    let (_, v) = split_typed(more);
                    text.push(' ');
                    text.push_str(v);
                }
                d.diagnostic = squeeze(&text);
            }
            if let Some(r) = g.get_nonempty("remote-mta") {
                let (_, v) = split_typed(r);
                d.remote_mta = host_token(v);
            }
            if let Some(r) = msg
                .get_nonempty("reporting-mta")
                .or_else(|| g.get_nonempty("reporting-mta"))
            {
                let (_, v) = split_typed(r);
                d.reporting_mta = host_token(v);
            }
            d.last_attempt = g
                .get_nonempty("last-attempt-date")
                .or_else(|| msg.get_nonempty("last-attempt-date"))
                .or_else(|| msg.get_nonempty("arrival-date"))
                .and_then(normalize_date);
            d.will_retry_until = g.get_nonempty("will-retry-until").and_then(normalize_date);
            d
        }

        pub fn host_token(v: &str) -> Option<String> {
            let t = v.split_whitespace().next()?.trim_matches(|c| {
                c == '[' || c == ']' || c == '(' || c == ')' || c == ';' || c == ','
            });
            let t = t.trim_end_matches('.');
            (!t.is_empty()).then(|| t.to_string())
        }

        pub fn parse_action(s: &str) -> Option<Action> {
            let s = s.trim().trim_end_matches(';').to_ascii_lowercase();
            let word = s.split([' ', '(', ';']).next().unwrap_or("");
            Some(match word {
                "failed" | "failure" | "fail" | "expired" | "bounced" | "bounce" | "permanent" => {
                    Action::Failed
                }
                "delayed" | "delay" | "deferred" | "transient" | "retry" => Action::Delayed,
                "delivered" | "deliverable" | "delivery" => Action::Delivered,
                "relayed" => Action::Relayed,
                "expanded" => Action::Expanded,
                _ => return None,
            })
        }
    }

    #[test]
    fn kinds_by_name() {
        for (n, k) in [
            ("Action", Kind::Action),
            ("STATUS", Kind::Status),
            ("remote-mta", Kind::Recipient),
            ("Dsn-Gateway", Kind::Message),
            ("final-log-id", Kind::Recipient),
            ("Arrival-Date", Kind::Message),
            ("Reporting-MTA", Kind::Message),
            ("Final-Recipient", Kind::FinalRecipient),
            ("Diagnostic-Code", Kind::Recipient),
            ("Will-Retry-Until", Kind::Recipient),
            ("Last-Attempt-Date", Kind::Recipient),
            ("Received-From-MTA", Kind::Message),
            ("Original-Recipient", Kind::OriginalRecipient),
            ("X-Actual-Recipient", Kind::Recipient),
            ("Original-Envelope-Id", Kind::Message),
            ("X-Postfix-Sender", Kind::Other),
            ("actions", Kind::Other),
            ("", Kind::Other),
        ] {
            assert_eq!(kind(n), k, "{n}");
        }
    }

    #[test]
    fn names_fold_only_letter_case() {
        let names = [
            "action",
            "status",
            "remote-mta",
            "dsn-gateway",
            "final-log-id",
            "arrival-date",
            "reporting-mta",
            "final-recipient",
            "diagnostic-code",
            "will-retry-until",
            "last-attempt-date",
            "received-from-mta",
            "original-recipient",
            "x-actual-recipient",
            "original-envelope-id",
        ];
        let mut g = crate::testgen::XorShift(0x0a3e_5f01);
        for _ in 0..20_000 {
            let base = names[(g.next_u64() % names.len() as u64) as usize];
            let mut b = base.as_bytes().to_vec();
            // flip the case of some bytes, and sometimes one byte to a neighbour of its case
            // twin (CR for `-`, `@`/`[` and `` ` ``/`{` around the letters)
            for c in b.iter_mut() {
                match g.next_u64() % 8 {
                    0 => *c ^= 0x20,
                    1 => *c = c.wrapping_add(1),
                    2 if g.next_u64().is_multiple_of(8) => *c ^= 0x20 | 0x01,
                    _ => {}
                }
            }
            let name = String::from_utf8_lossy(&b);
            let want = names.iter().position(|n| n.eq_ignore_ascii_case(&name));
            let got = name_of(&name).map(|k| {
                let k = format!("{k:?}").to_ascii_lowercase();
                names
                    .iter()
                    .position(|n| n.replace('-', "") == k)
                    .unwrap_or(usize::MAX)
            });
            assert_eq!(got, want, "{name:?}");
        }
        for n in names {
            assert!(name_of(n).is_some(), "{n}");
            assert!(name_of(&n.to_ascii_uppercase()).is_some(), "{n}");
            // `-` is not folded: CR (0x0d = `-` without 0x20) does not match
            let cr = n.replace('-', "\r");
            assert!(cr == n || name_of(&cr).is_none(), "{n}");
        }
    }

    /// Report lines for the comparison with the reference: groups in both orders, repeated and
    /// empty fields, source routes, local deliveries, odd case, folded and Unicode values.
    const LINES: &[&str] = &[
        "Reporting-MTA: dns; mx.example.org\n",
        "reporting-mta: dns;[192.0.2.1]., \n",
        "Arrival-Date: Mon, 1 Jan 2024 10:00:00 +0000\n",
        "Arrival-Date: nonsense (JST)\n",
        "Received-From-MTA: dns; a.example\n",
        "Original-Envelope-Id: 123\n",
        "X-Postfix-Queue-ID: ABC\n",
        "Final-Recipient: rfc822; a@example.org\n",
        "FINAL-RECIPIENT: rfc822;<@relay:b@example.net>\n",
        "Final-Recipient: x-unix; /var/mail/x\n",
        "Final-Recipient:\n",
        "Final-Recipient: rfc822; c\u{a0}@example.org\n",
        "Original-Recipient: rfc822; o@example.org\n",
        "original-recipient: rfc822;\n",
        "X-Actual-Recipient: rfc822; x@example.com\n",
        "Action: failed\n",
        "Action: FAILED (permanent);\n",
        "action: Delivery;\n",
        "Action: \u{a0}expired\n",
        "Action: deliverables\n",
        "Status: 5.1.1\n",
        "Status: 4.0.0 (host lookup failure)\n",
        "Status: 553 too big\n",
        "Status: 5.0.0 ( )\n",
        "Remote-MTA: dns; [mx.example.org].\n",
        "Remote-MTA: dns; (a.b),;\n",
        "Remote-MTA: dns; \u{2003}host\u{a0}x\n",
        "Remote-MTA:  ;,\n",
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n",
        "Diagnostic-Code:\n",
        "Diagnostic-Code: X-Postfix; host said:\n",
        "    more  text\n",
        "\tfolded\n",
        "Last-Attempt-Date: Tue, 2 Jan 2024 11:00:00 +0900\n",
        "Will-Retry-Until: Wed, 3 Jan 2024 12:00:00 -0500\n",
        "Final-Log-ID: 42\n",
        "\n",
        "\r\n",
        "junk line\n",
    ];

    #[test]
    fn matches_reference() {
        let mut g = crate::testgen::XorShift(0x00d5_1464);
        for _ in 0..6_000 {
            let text = g.joined(LINES, 24);
            let new = parse_dsn(&text);
            let old = reference::parse_dsn(&text);
            assert_eq!(new.message, old.message, "{text:?}");
            assert_eq!(new.recipients, old.recipients, "{text:?}");
            for grp in &new.recipients {
                assert_eq!(
                    format!("{:?}", delivery_from_group_raw(&new.message, grp)),
                    format!(
                        "{:?}",
                        reference::delivery_from_group_raw(&old.message, grp)
                    ),
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn host_token_and_action_match_reference() {
        let pieces = [
            "a",
            ".",
            "[",
            "]",
            "(",
            ")",
            ";",
            ",",
            " ",
            "\t",
            "\u{b}",
            "\u{a0}",
            "\u{2003}",
            "é",
            "Failed",
            "delay",
            "DELIVERY",
            "relayed",
            "expanded",
            "permanent",
            "deliverable",
            "deliverablex",
        ];
        let mut g = crate::testgen::XorShift(0x4057_70c3);
        for _ in 0..30_000 {
            let s = g.joined(&pieces, 8);
            assert_eq!(host_token(&s), reference::host_token(&s), "{s:?}");
            assert_eq!(
                Action::parse_lenient(&s),
                reference::parse_action(&s),
                "{s:?}"
            );
        }
    }

    #[test]
    fn original_recipient_first() {
        let r = parse_dsn(
            "Original-Recipient: rfc822;a@x.org\nFinal-Recipient: rfc822;a@x.org\nAction: failed\nStatus: 5.0.0\n\nOriginal-Recipient: rfc822;b@x.org\nFinal-Recipient: rfc822;b@x.org\nAction: failed\nStatus: 5.0.0\n",
        );
        assert_eq!(r.recipients.len(), 2);
    }
}
