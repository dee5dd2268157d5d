//! Lotus Notes SMTP MTA (pre-Domino R5): "Undeliverable message" with "------- Failure
//! Reasons --------" then the reason and the address.

use super::common::{before_any, push_text};
use super::probe::{Probe, body_ci};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, first_address};

/// The Lotus Notes recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "notes",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    body_ci!(m, "------- failure reasons")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(&m.body, &["------- returned message"]);
    let mut reading = false;
    let mut diag = String::new();
    let mut ds: Vec<Delivery> = Vec::new();
    for line in text.split('\n') {
        let t = line.trim();
        if contains_ci(t, "------- failure reasons") {
            reading = true;
            continue;
        }
        if !reading || t.is_empty() {
            continue;
        }
        match first_address(t) {
            Some(a) if a.len() + 2 >= t.len() => ds.push(Delivery {
                recipient: a,
                diagnostic: std::mem::take(&mut diag),
                ..Default::default()
            }),
            _ => {
                // skip undecoded ISO-2022-JP escape sequences
                if !t.contains('\x1b') && !t.starts_with("$B") {
                    push_text(&mut diag, t);
                }
            }
        }
    }
    (!ds.is_empty()).then_some(ds)
}
