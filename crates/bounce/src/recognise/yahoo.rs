//! Yahoo Mail: a qmail-derived MTA ("Sorry, we were unable to deliver your message").

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

fn probe(m: &Mail) -> bool {
    (contains_ci(&m.from, "@yahoo.") && contains_ci(&m.from, "mailer-daemon"))
        || m.has_header("x-ymailisg")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::qmail::parse(m)
}
