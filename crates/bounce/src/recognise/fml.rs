//! fml (mailing-list manager): notices to a poster who is not a member, and loop alerts.

use super::probe::{Probe, header};
use mailway_status::Reason;

use super::common::push_text;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, first_address};

/// The fml recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "fml",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    header!(m, "x-mlserver").is_some_and(|v| contains_ci(v, "fml"))
}

/// Subjects and sentences fml writes, with their reason.
const MESSAGES: &[(&str, Reason)] = &[
    ("not member article from ", Reason::Rejected),
    ("are not member", Reason::Rejected),
    (
        "you are not a member of this mailing list",
        Reason::Rejected,
    ),
    ("spam mail from a spammer is rejected", Reason::Rejected),
    ("reject mail ", Reason::Rejected),
    ("fml system error message", Reason::SystemError),
    ("loop alert: ", Reason::SystemError),
    ("loop back warning:", Reason::SystemError),
    ("warning: unix from loop", Reason::SystemError),
    ("duplicated message-id", Reason::SystemError),
    ("has detected a loop condition so that", Reason::SystemError),
    ("security alert", Reason::SecurityError),
];

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let mut recipient = None;
    let mut diag = String::new();
    for line in m.body.split('\n') {
        let t = line.trim();
        if contains_ci(t, "original mail as follows:") {
            break;
        }
        // "Duplicated Message-ID in <ml@example.com>." / "... mailing list <ml@example.com>."
        if recipient.is_none()
            && t.ends_with(">.")
            && let Some(p) = t.rfind('<')
        {
            recipient = first_address(&t[p..]);
        }
        push_text(&mut diag, t);
    }
    let recipient = recipient?;
    let all = format!("{} {}", m.subject, diag).to_ascii_lowercase();
    let reason = MESSAGES
        .iter()
        .find(|(p, _)| all.contains(p))
        .map(|(_, r)| *r);
    Some(vec![Delivery {
        recipient,
        diagnostic: diag,
        reason,
        ..Default::default()
    }])
}
