//! Outlook.com / Hotmail: standard reports from postmaster@*.hotmail.com / outlook.com.

use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "outlook",
    probe,
    parse,
};

fn probe(m: &Mail) -> bool {
    m.has_header("x-store-info")
        || (contains_ci(&m.from, "postmaster@")
            && (contains_ci(&m.from, "hotmail.") || contains_ci(&m.from, "outlook.")))
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::rfc3464::parse(m)
}
