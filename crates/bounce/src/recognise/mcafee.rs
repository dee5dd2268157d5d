//! McAfee Email Gateway / Email and Web Security appliances (`X-NAI-Header`).

use super::probe::{Probe, has_header};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "mcafee",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    has_header!(m, "x-nai-header")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::rfc3464::parse(m)
}
