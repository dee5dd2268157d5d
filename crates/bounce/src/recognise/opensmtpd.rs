//! OpenSMTPD: "Delivery status notification: error|failed|warning" with one `address: reason`
//! line per recipient; newer versions add a delivery-status part (with vague 5.0.0 codes, so the
//! text line is the better evidence).

use super::probe::Probe;
use mailway_status::Reason;

use super::common::{Collector, any_ci, before_any, merge_standard, push_text};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::record::Action;
use crate::text::{contains_ci, first_address};

/// The OpenSMTPD recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "opensmtpd",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.in_subject("delivery status notification: ")
        && (contains_ci(&m.body, "this is the mailer-daemon, please do not reply")
            || m.received_ci("(opensmtpd)"))
}

const STARTS: &[&str] = &[
    "an error has occurred while attempting to deliver a message",
    "a message is delayed for more than",
    "your message was successfully delivered",
    "this is a delivery status notification",
];

/// OpenSMTPD's own texts (mta.c, smtpd's queue), not a remote server's reply.
const OWN_MESSAGES: &[(&str, Reason)] = &[
    ("domain does not exist", Reason::HostUnknown),
    ("invalid domain name", Reason::HostUnknown),
    ("envelope expired", Reason::Expired),
    ("no mx found for domain", Reason::HostUnknown),
    ("no mx found for destination", Reason::HostUnknown),
    (
        "address family mismatch on destination mxs",
        Reason::NetworkError,
    ),
    ("network error on destination mxs", Reason::NetworkError),
    ("could not retrieve source address", Reason::NetworkError),
    ("loop detected", Reason::SystemError),
    ("destination seem to reject all mails", Reason::Rejected),
];

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(
        &m.body,
        &[
            "below is a copy of the original message",
            "content-type: message/rfc822",
        ],
    );
    let delayed = contains_ci(&m.subject, "warning") || contains_ci(text, "a message is delayed");
    let mut c = Collector::default();
    let mut reading = false;
    for line in text.split('\n') {
        if !reading {
            reading = any_ci(line, STARTS);
            continue;
        }
        if line.trim().is_empty() || line.starts_with(' ') {
            continue;
        }
        // "user@example.org: 550 5.1.1 ..." (the address ends at the first ": ")
        if let Some(p) = line.find(": ")
            && let Some(a) = first_address(&line[..p])
            && line[..p].trim().len() <= a.len() + 2
        {
            let d = c.start(a);
            push_text(&mut d.diagnostic, &line[p + 2..]);
        }
    }
    let mut ds = c.ds;
    merge_standard(m, &mut ds);
    if ds.is_empty() {
        return None;
    }
    for d in &mut ds {
        if delayed {
            d.action = Some(Action::Delayed);
        }
        let lower = d.diagnostic.to_ascii_lowercase();
        if crate::text::find_reply_code(&d.diagnostic).is_none() {
            d.reason = OWN_MESSAGES
                .iter()
                .find(|(p, _)| lower.contains(p))
                .map(|(_, r)| *r);
        }
    }
    Some(ds)
}
