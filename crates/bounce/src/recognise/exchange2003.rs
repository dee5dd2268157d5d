//! Microsoft Exchange Server 5.5–2003 (Internet Mail Service / IMC): "Undeliverable: ..."
//! with "did not reach the following recipient(s):", `address on DATE` lines and an
//! `MSEXCH:...(000C05A6) Unknown Recipient` code that names the cause.

use super::probe::{Probe, body_ci, has_header, header};
use mailway_status::Reason;

use super::common::{Collector, before_any, push_text};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, first_address};

/// The Exchange 2003 recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "exchange2003",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    has_header!(m, "x-ms-embedded-report")
        || m.x_mailer().is_some_and(|v| {
            contains_ci(v, "internet mail service (")
                || contains_ci(v, "microsoft exchange server internet mail connector")
        })
        || header!(m, "x-mimeole").is_some_and(|v| contains_ci(v, "produced by microsoft exchange"))
        || (body_ci!(m, "did not reach the following recipient(s):")
            && contains_ci(&m.body, "msexch:"))
}

/// Exchange's diagnostic codes (in parentheses after the MSEXCH: token).
const CODES: &[(&str, Reason)] = &[
    ("000B099C", Reason::OnHold),
    ("000B09AA", Reason::OnHold),
    ("000B09B6", Reason::OnHold),
    ("000C05A6", Reason::UserUnknown),
    ("00010256", Reason::SystemError),
    ("000D06B5", Reason::SystemError),
    ("00120270", Reason::NetworkError),
    ("00050311", Reason::ContentError),
    ("000502CC", Reason::ContentError),
    ("000B0981", Reason::SecurityError),
    ("000C0595", Reason::Filtered),
];

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(&m.body, &["content-type: message/rfc822"]);
    let mut c = Collector::default();
    let mut reading = false;
    for line in text.split('\n') {
        let t = line.trim();
        if !reading {
            reading = contains_ci(t, "did not reach the following recipient(s):")
                || contains_ci(t, "the following recipient(s) could not be reached:");
            continue;
        }
        if t.is_empty() {
            continue;
        }
        // "kijitora@example.jp on Thu, 29 Apr 2010 00:00:00 -0000" (indented by at most six
        // spaces; the diagnostic lines below are indented further)
        let indent = line.len() - line.trim_start().len();
        if indent <= 6
            && let Some(a) = recipient_at_start(t)
        {
            c.start(a);
            continue;
        }
        if let Some(d) = c.current() {
            push_text(&mut d.diagnostic, t);
        }
    }
    let mut ds = c.finish()?;
    for d in &mut ds {
        let upper = d.diagnostic.to_ascii_uppercase();
        d.reason = CODES
            .iter()
            .find(|(code, _)| upper.contains(&format!("({code})")))
            .map(|(_, r)| *r)
            .filter(|r| *r != Reason::OnHold);
        if d.reason.is_none() && contains_ci(&d.diagnostic, "recipient not found") {
            d.reason = Some(Reason::Filtered);
        }
    }
    Some(ds)
}

/// The address a line starts with, when the rest is empty or " on DATE".
fn recipient_at_start(t: &str) -> Option<String> {
    let a = first_address(t)?;
    let first = t.split_whitespace().next()?;
    if !first.eq_ignore_ascii_case(&a) {
        return None;
    }
    let rest = t[first.len()..].trim();
    (rest.is_empty() || rest.starts_with("on ")).then_some(a)
}
