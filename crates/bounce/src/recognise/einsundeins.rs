//! 1&1 / IONOS (kundenserver.de): the GMX-style report.

use super::probe::Probe;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "einsundeins",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.in_from("mailer-daemon@kundenserver") || m.in_from("1and1") || m.in_from("ionos")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::gmx::parse(m)
}
