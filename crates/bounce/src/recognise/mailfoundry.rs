//! MailFoundry: "Message delivery has failed" with "Unable to deliver message to: \<address\>" and
//! "Delivery failed for the following reason:".

use super::common::{before_any, push_text};
use super::probe::Probe;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, find_ci, first_address};

/// The MailFoundry recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "mailfoundry",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.subject.trim() == "Message delivery has failed"
        && contains_ci(&m.body, "delivery failed for the following reason:")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(
        &m.body,
        &["content-type: message/rfc822", "-------- original message"],
    );
    let mut ds: Vec<Delivery> = Vec::new();
    let mut reading = false;
    for line in text.split('\n') {
        let t = line.trim();
        if let Some(p) = find_ci(t, "unable to deliver message to: <") {
            if let Some(a) = first_address(&t[p..]) {
                ds.push(Delivery {
                    recipient: a,
                    ..Default::default()
                });
            }
            reading = false;
            continue;
        }
        if contains_ci(t, "delivery failed for the following reason:") {
            reading = true;
            continue;
        }
        if reading
            && !t.is_empty()
            && let Some(d) = ds.last_mut()
        {
            push_text(&mut d.diagnostic, t);
        }
    }
    (!ds.is_empty()).then_some(ds)
}
