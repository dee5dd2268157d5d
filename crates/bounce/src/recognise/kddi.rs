//! KDDI (au one / dion.ne.jp): "Your mail sent on: ... Could not be delivered to: \<address\>
//! As their mailbox is full."

use super::probe::Probe;
use mailway_status::Reason;

use super::common::push_text;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, find_ci, first_address};

/// The KDDI recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "kddi",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    (m.in_from(".dion.ne.jp") || m.in_from("@au.com") || m.in_from("auone-net.jp"))
        && contains_ci(&m.body, "could not be delivered to: <")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let mut ds: Vec<Delivery> = Vec::new();
    for line in m.body.split('\n') {
        let t = line.trim();
        if let Some(p) = find_ci(t, "could not be delivered to: <") {
            if let Some(a) = first_address(&t[p..]) {
                ds.push(Delivery {
                    recipient: a,
                    ..Default::default()
                });
            }
            continue;
        }
        if let Some(d) = ds.last_mut()
            && !t.is_empty()
        {
            push_text(&mut d.diagnostic, t);
        }
    }
    for d in &mut ds {
        if contains_ci(&d.diagnostic, "as their mailbox is full") {
            d.reason = Some(Reason::MailboxFull);
        } else if contains_ci(&d.diagnostic, "due to ") && contains_ci(&d.diagnostic, "dns") {
            d.reason = Some(Reason::HostUnknown);
        }
    }
    (!ds.is_empty()).then_some(ds)
}
