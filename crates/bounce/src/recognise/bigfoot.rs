//! Bigfoot (forwarding service): Sendmail reports from bigfoot.com.

use super::probe::Probe;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "bigfoot",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.in_from("@bigfoot.com")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::sendmail::parse(m)
}
