//! Amazon WorkMail: SES-style reports with `X-Mailer: Amazon WorkMail`.

use super::probe::Probe;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "amazonworkmail",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.x_mailer()
        .is_some_and(|v| contains_ci(v, "amazon workmail"))
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::amazonses::parse(m)
}
