//! Amazon SES inbound (receiving): reports for mail SES accepted for a domain, sent from that domain's postmaster with `X-SES-Outgoing`.

use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "receivingses",
    probe,
    parse,
};

fn probe(m: &Mail) -> bool {
    m.has_header("x-ses-outgoing") && !contains_ci(&m.from, "amazonses.com")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::amazonses::parse(m)
}
