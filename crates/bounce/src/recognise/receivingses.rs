//! Amazon SES inbound (receiving): reports for mail SES accepted for a domain, sent from that domain's postmaster with `X-SES-Outgoing`.

use super::probe::{Probe, has_header};
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

fn probe(m: &Probe) -> bool {
    has_header!(m, "x-ses-outgoing") && !m.in_from("amazonses.com")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::amazonses::parse(m)
}
