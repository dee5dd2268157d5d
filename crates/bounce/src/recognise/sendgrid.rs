//! SendGrid: Postfix-style reports returned through apps@sendgrid.net.

use super::probe::{Probe, header};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "sendgrid",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    header!(m, "return-path").is_some_and(|v| contains_ci(v, "@sendgrid.net"))
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::postfix::parse(m)
}
