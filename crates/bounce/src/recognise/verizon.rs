//! Verizon Wireless: MMS gateway notices from vzwpix.com ("Message could not be delivered to
//! mobile.") and SMS gateway notices from vtext.com (Apache James layout).

use super::probe::Probe;
use mailway_status::Reason;

use super::common::before_any;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, first_address, squeeze, starts_with_ci};

/// The Verizon recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "verizon",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.in_from("vzwpix.com") || m.in_from("post_master@vtext.com")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    if contains_ci(&m.from, "@vtext.com") {
        let mut ds = (super::apachejames::RECOGNISER.parse)(m)?;
        for d in &mut ds {
            if contains_ci(&d.diagnostic, "invalid user address") {
                d.reason = Some(Reason::UserUnknown);
            }
        }
        return Some(ds);
    }
    let text = m.body.as_str();
    let head = before_any(text, &["original message:"]);
    let diag = squeeze(head);
    // the recipient is in the quoted original's To: line
    let orig = text
        .split('\n')
        .skip_while(|l| !contains_ci(l, "original message:"))
        .find(|l| starts_with_ci(l.trim(), "to:"))
        .and_then(first_address)?;
    let reason =
        contains_ci(&diag, "no valid recipients for this mm").then_some(Reason::UserUnknown);
    Some(vec![Delivery {
        recipient: orig,
        diagnostic: diag,
        reason,
        ..Default::default()
    }])
}
