//! Microsoft Exchange Server 2007–2019 (on premises): "Undeliverable:", "Non remis :", "Unzustellbar:" with a standard report and the administrators' diagnostic text.

use super::probe::{Probe, has_header};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "exchange2007",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    // Exchange Online writes the same report: leave it to the Microsoft 365 recogniser.
    // (the cheap tests first: all are pure)
    m.dsn.is_some()
        && ([
            "undeliverable:",
            "non remis",
            "unzustellbar:",
            "non recapitabile:",
            "no se puede entregar:",
        ]
        .iter()
        .any(|p| crate::text::starts_with_ci(m.subject.trim(), p)))
        && has_header!(m, "content-language")
        && !super::office365::is_exchange_online(m)
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::office365::parse(m)
}
