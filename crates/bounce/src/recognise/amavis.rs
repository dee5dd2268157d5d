//! amavisd-new, the content filter: a standard report sent by "Content-filter at host".

use super::probe::Probe;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "amavis",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.in_from("content-filter at")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::rfc3464::parse(m)
}
