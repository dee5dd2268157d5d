//! Trend Micro InterScan Messaging Security Suite / InterScan MSS: "Mail could not be
//! delivered" / "Unable to deliver message to \<address\>".

use super::probe::{Probe, body_ci};
use mailway_status::Reason;

use super::common::push_text;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, find_ci, first_address};

/// The Trend Micro recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "trendmicro",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    body_ci!(m, "message from interscan messaging security suite")
        || m.in_from("\"interscan")
        || m.subject.trim() == "Mail could not be delivered" && contains_ci(&m.body, "interscan")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let mut ds: Vec<Delivery> = Vec::new();
    for line in m.body.split('\n') {
        let t = line.trim();
        if t.starts_with('*') && t.ends_with('*') {
            continue;
        }
        if let Some(p) = find_ci(t, "deliver message to <")
            && let Some(a) = first_address(&t[p..])
        {
            let mut d = Delivery {
                recipient: a,
                ..Default::default()
            };
            push_text(&mut d.diagnostic, t.trim_start_matches("Reason:").trim());
            if contains_ci(t, "please check if address is correct")
                || contains_ci(t, "unable to deliver message to <")
            {
                d.reason = Some(Reason::UserUnknown);
            }
            ds.push(d);
        }
    }
    (!ds.is_empty()).then_some(ds)
}
