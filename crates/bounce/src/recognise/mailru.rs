//! Mail.ru: an Exim-based MTA with Russian notices.

use super::probe::Probe;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "mailru",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.in_from("mail.ru") && m.in_from("mailer-daemon")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::exim::parse(m)
}
