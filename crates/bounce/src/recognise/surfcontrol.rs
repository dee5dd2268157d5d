//! SurfControl E-mail Filter (Websense).

use super::probe::Probe;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "surfcontrol",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.x_mailer().is_some_and(|v| contains_ci(v, "surfcontrol"))
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::rfc3464::parse(m).or_else(|| super::fallback_parse(m))
}
