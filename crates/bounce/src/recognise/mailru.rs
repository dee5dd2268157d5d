//! Mail.ru: an Exim-based MTA with Russian notices.

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

fn probe(m: &Mail) -> bool {
    contains_ci(&m.from, "mail.ru") && contains_ci(&m.from, "mailer-daemon")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::exim::parse(m)
}
