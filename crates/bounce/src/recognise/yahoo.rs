//! Yahoo Mail: a qmail-derived MTA ("Sorry, we were unable to deliver your message").

use super::probe::{Probe, has_header};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "yahoo",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    (m.in_from("@yahoo.") && m.in_from("mailer-daemon")) || has_header!(m, "x-ymailisg")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::qmail::parse(m)
}
