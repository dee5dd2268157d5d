//! Barracuda Spam & Virus Firewall: "Message you sent blocked by our bulk email filter".

use super::probe::Probe;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "barracuda",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.in_subject("message you sent blocked by our bulk email filter")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::rfc3464::parse(m)
}
