//! RFC 5965 Abuse Reporting Format (feedback loops), plus Apple Mail's one-click unsubscribe
//! mail (`X-Apple-Unsubscribe: true`), reported as feedback type `opt-out`.

use super::probe::{Probe, header_contains};
use mailway_status::Reason;

use super::{Delivery, Recogniser};
use crate::fields::parse_all_fields;
use crate::mail::Mail;
use crate::text::{addresses, clean_address, contains_ci, normalize_date, squeeze};

/// The ARF recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "arf",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    // (hotmail_complaint)
    (m.in_from("staff@hotmail.com")
        && crate::text::starts_with_ci(m.subject.trim(), "complaint about message from"))
        || m.feedback.is_some()
        || m.report_type.as_deref() == Some("feedback-report")
        || header_contains!(m, "x-apple-unsubscribe", "true")
}

/// Hotmail / Outlook.com's JMRP complaints: "complaint about message from IP", the reported
/// message attached, its recipient in `X-HmXmrOriginalRecipient`.
fn hotmail_complaint(m: &Mail) -> bool {
    contains_ci(&m.from, "staff@hotmail.com")
        && crate::text::starts_with_ci(m.subject.trim(), "complaint about message from")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    if hotmail_complaint(m) && m.feedback.is_none() {
        let who = m
            .original
            .as_ref()
            .and_then(|o| o.headers.get_nonempty("x-hmxmroriginalrecipient"))
            .and_then(clean_address)
            .or_else(|| {
                let p = crate::text::find_ci(&m.body, "x-hmxmroriginalrecipient:")?;
                clean_address(m.body[p + 25..].lines().next()?)
            })
            .unwrap_or_default();
        return Some(vec![Delivery {
            recipient: who,
            reason: Some(Reason::Feedback),
            feedback_type: Some("abuse".into()),
            ..Default::default()
        }]);
    }
    if m.feedback.is_none() && m.header_contains("x-apple-unsubscribe", "true") {
        let who = clean_address(&m.from)?;
        return Some(vec![Delivery {
            recipient: who,
            reason: Some(Reason::Feedback),
            feedback_type: Some("opt-out".into()),
            diagnostic: squeeze(m.body.lines().find(|l| !l.trim().is_empty()).unwrap_or("")),
            ..Default::default()
        }]);
    }
    // Some senders put the report fields in the text part instead of a feedback-report part.
    let text = match &m.feedback {
        Some(f) => f.as_str(),
        None if contains_ci(&m.body, "feedback-type:") => m.body.as_str(),
        None => return None,
    };
    let f = parse_all_fields(text);
    let ftype = f
        .get_nonempty("feedback-type")
        .map(|s| s.trim().to_ascii_lowercase());
    let mut rcpts: Vec<String> = f
        .get_all("original-rcpt-to")
        .filter_map(clean_address)
        .collect();
    if rcpts.is_empty() {
        rcpts.extend(f.get_all("removal-recipient").filter_map(clean_address));
    }
    if rcpts.is_empty()
        && let Some(o) = &m.original
    {
        for v in o.headers.get_all("to") {
            rcpts.extend(addresses(v));
        }
    }
    if rcpts.is_empty() {
        // A report that names no recipient: keep it, with an empty recipient, rather than drop it.
        rcpts.push(String::new());
    }
    rcpts.dedup();
    let diagnostic = squeeze(
        m.body
            .split("\n\n")
            .find(|p| !p.trim().is_empty())
            .unwrap_or(""),
    );
    let date = f
        .get_nonempty("arrival-date")
        .or_else(|| f.get_nonempty("received-date"))
        .and_then(normalize_date);
    Some(
        rcpts
            .into_iter()
            .map(|r| Delivery {
                recipient: r,
                reason: Some(Reason::Feedback),
                feedback_type: ftype.clone(),
                diagnostic: diagnostic.clone(),
                last_attempt: date.clone(),
                ..Default::default()
            })
            .collect(),
    )
}
