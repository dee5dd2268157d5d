//! Courier MTA: "NOTICE: mail delivery status." with a standard report.

use super::probe::Probe;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "courier",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.message_id()
        .is_some_and(|v| v.trim().starts_with("<courier."))
        || m.subject.trim() == "NOTICE: mail delivery status."
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::rfc3464::parse(m)
}
