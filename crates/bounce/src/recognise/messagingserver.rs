//! Oracle (Sun ONE, iPlanet) Messaging Server and PMDF: "Delivery Notification: Delivery has failed".

use super::probe::{Probe, body_ci};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "messagingserver",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    crate::text::starts_with_ci(m.subject.trim(), "delivery notification: ")
        || m.report_type.is_some()
            && body_ci!(
                m,
                "this report relates to a message you sent with the following header fields"
            )
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::rfc3464::parse(m)
}
