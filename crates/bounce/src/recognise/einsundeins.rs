//! 1&1 / IONOS (kundenserver.de): the GMX-style report.

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

fn probe(m: &Mail) -> bool {
    contains_ci(&m.from, "mailer-daemon@kundenserver")
        || contains_ci(&m.from, "1and1")
        || contains_ci(&m.from, "ionos")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::gmx::parse(m)
}
