//! Last resort for bounces of unidentified MTAs: when the message comes from a mailer daemon or
//! postmaster (or says so in its subject), lines that name an address together with a failure
//! sentence ("Did not reach the following recipient: a@b", "a@b ... unknown host") become
//! records. Addresses of the report's own sender and receiver, and the inline copy of the
//! returned message, are ignored.

use super::probe::Probe;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{addresses, clean_address, contains_ci, starts_with_ci};

/// The fallback recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "fallback",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    let from = m.from.to_ascii_lowercase();
    let subj = m.subject.to_ascii_lowercase();
    from.contains("mailer-daemon")
        || from.contains("postmaster")
        || from.contains("mail delivery")
        || [
            "undeliver",
            "returned mail",
            "mail failed",
            "delivery fail",
            "failure notice",
            "non-remis",
            "unzustellbar",
        ]
        .iter()
        .any(|s| subj.contains(s))
}

const FAILURE_WORDS: &[&str] = &[
    "did not reach",
    "could not be delivered",
    "undeliverable",
    "unknown host",
    "unknown user",
    "user unknown",
    "no such user",
    "host unknown",
    "not found",
    "failed",
    "rejected",
    "mailbox full",
    "over quota",
];

/// Lines that start the quoted original message.
const ORIGINAL_MARKERS: &[&str] = &[
    "message text follows",
    "original message",
    "returned message",
    "copy of the message",
    "message headers follow",
    "received:",
];

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let own: Vec<String> = ["to", "from", "reply-to", "sender"]
        .iter()
        .filter_map(|h| m.header(h).and_then(clean_address))
        .collect();
    let mut ds: Vec<Delivery> = Vec::new();
    for line in m.body.split('\n') {
        let t = line.trim().trim_matches('|').trim();
        if ORIGINAL_MARKERS.iter().any(|p| contains_ci(t, p)) && !ds.is_empty() {
            break;
        }
        if starts_with_ci(t, "to:") || starts_with_ci(t, "from:") || starts_with_ci(t, "cc:") {
            continue;
        }
        let lower = t.to_ascii_lowercase();
        if !FAILURE_WORDS.iter().any(|w| lower.contains(w)) {
            continue;
        }
        for a in addresses(t) {
            if own.iter().any(|o| o.eq_ignore_ascii_case(&a))
                || ds.iter().any(|d| d.recipient.eq_ignore_ascii_case(&a))
            {
                continue;
            }
            // the diagnostic is what follows the address ("a@b ... unknown host"), else the line
            let after = t
                .to_ascii_lowercase()
                .find(&a.to_ascii_lowercase())
                .map(|p| {
                    t[p + a.len()..]
                        .trim_start_matches(['.', ':', '>', ' '])
                        .trim()
                })
                .filter(|s| s.len() > 3)
                .unwrap_or(t);
            ds.push(Delivery {
                recipient: a,
                diagnostic: after.to_string(),
                ..Default::default()
            });
        }
    }
    (!ds.is_empty()).then_some(ds)
}
