//! RFC 3464 delivery-status fields: per-message block and per-recipient groups, lenient about
//! missing blank lines, field order and case.

use crate::fields::{Fields, parse_all_fields, split_typed};
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

/// Parses delivery-status text into per-message and per-recipient groups.
pub fn parse_dsn(text: &str) -> DsnReport<'_> {
    let all = parse_all_fields(text);
    let mut report = DsnReport::default();
    let mut cur: Option<Fields> = None;
    let mut list = all.list;
    // the recipient field each field is (its lower-case name), if it is one
    let rcpt_name = |name: &str| {
        RECIPIENT_FIELDS
            .iter()
            .copied()
            .find(|f| f.eq_ignore_ascii_case(name))
    };
    for i in 0..list.len() {
        // moved out, not cloned: only the names of later fields are looked at below
        let (name, value) = std::mem::take(&mut list[i]);
        let Some(lname) = rcpt_name(name) else {
            match cur.as_mut() {
                // unknown extension fields inside a recipient group stay with it
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
                    // Postfix writes Final- then Original-Recipient; RFC 3464 order is
                    // Original- then Final-: look at the next recipient field to decide.
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

/// True when a field name starts with `x-` (any case).
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

/// Turns one recipient group into a [`Delivery`] (recipient, action, status, diagnostic, MTAs,
/// dates). Returns `None` when the group names no recipient.
pub fn delivery_from_group(msg: &Fields<'_>, g: &Fields<'_>) -> Option<Delivery> {
    // A Final-Recipient that is a source route ("@relay:user@server") says less than the
    // Original-Recipient.
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

/// Like [`delivery_from_group`], but keeps groups whose recipient is not an address (a file or
/// a pipe of a local delivery), with the raw value as recipient.
pub fn delivery_from_group_raw(msg: &Fields<'_>, g: &Fields<'_>) -> Option<Delivery> {
    if let Some(d) = delivery_from_group(msg, g) {
        return Some(d);
    }
    let raw = g.get_nonempty("final-recipient")?;
    let (_, v) = split_typed(raw);
    Some(delivery_with_recipient(msg, g, v.to_string()))
}

fn delivery_with_recipient(msg: &Fields<'_>, g: &Fields<'_>, recipient: String) -> Delivery {
    let mut d = Delivery {
        recipient,
        ..Default::default()
    };
    d.original_recipient = g.get_nonempty("original-recipient").and_then(clean_address);
    d.action = g.get_nonempty("action").and_then(Action::parse_lenient);
    if let Some(s) = g.get_nonempty("status") {
        d.status = find_status(s);
        if d.status.is_none() {
            // "Status: 553 Exceeded maximum inbound message size" seen in the wild
            d.diagnostic_extra = Some(s.to_string());
        } else if let (Some(o), Some(c)) = (s.find('('), s.rfind(')'))
            && o < c
        {
            // "Status: 4.0.0 (cat.example.net: host name lookup failure)"
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

/// The host name (or address literal) at the start of an MTA field value.
pub fn host_token(v: &str) -> Option<String> {
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

    #[test]
    fn original_recipient_first() {
        let r = parse_dsn(
            "Original-Recipient: rfc822;a@x.org\nFinal-Recipient: rfc822;a@x.org\nAction: failed\nStatus: 5.0.0\n\nOriginal-Recipient: rfc822;b@x.org\nFinal-Recipient: rfc822;b@x.org\nAction: failed\nStatus: 5.0.0\n",
        );
        assert_eq!(r.recipients.len(), 2);
    }
}
