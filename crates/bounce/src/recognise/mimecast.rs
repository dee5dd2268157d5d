//! Mimecast: "[Postmaster] Email Delivery Failure" with `-- address`, "The problem appears to
//! be :" and "Additional information follows :" sections.

use super::probe::{Probe, body_ci};
use mailway_status::Reason;

use super::common::push_text;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, first_address};

/// The Mimecast recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "mimecast",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.in_subject("[postmaster] email delivery failure")
        || body_ci!(m, "the problem appears to be :") && m.received_ci("mimecast")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let mut rcpt = None;
    let mut problem = String::new();
    let mut info = String::new();
    let mut section = "";
    for line in m.body.split('\n') {
        let t = line.trim();
        if contains_ci(t, "could not be delivered:") {
            section = "who";
            continue;
        }
        if contains_ci(t, "the problem appears to be :") {
            section = "problem";
            continue;
        }
        if contains_ci(t, "additional information follows :") {
            section = "info";
            continue;
        }
        if t.is_empty() || !t.starts_with("--") {
            if section == "info" && !t.is_empty() && !t.starts_with("--") {
                section = "";
            }
            continue;
        }
        let v = t.trim_start_matches('-').trim();
        match section {
            "who" => rcpt = rcpt.or_else(|| first_address(v)),
            "problem" => push_text(&mut problem, v),
            "info" => push_text(&mut info, v),
            _ => {}
        }
    }
    let recipient = rcpt?;
    let reason = contains_ci(&problem, "recipient email address is possibly incorrect")
        .then_some(Reason::UserUnknown);
    let diagnostic = if info.is_empty() {
        problem
    } else {
        format!("{info} ({problem})")
    };
    Some(vec![Delivery {
        recipient,
        diagnostic,
        reason,
        ..Default::default()
    }])
}
