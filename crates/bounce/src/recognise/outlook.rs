//! Outlook.com / Hotmail: standard reports from postmaster@*.hotmail.com / outlook.com.

use super::probe::{Probe, has_header};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "outlook",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    has_header!(m, "x-store-info")
        || (m.in_from("postmaster@") && (m.in_from("hotmail.") || m.in_from("outlook.")))
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    // Outlook.com runs on Exchange Online: its NDRs have the same administrators' section.
    if contains_ci(&m.body, "diagnostic information for administrators") {
        return super::office365::parse(m);
    }
    super::rfc3464::parse(m)
}
