//! MXLogic / McAfee SaaS Email Protection: Exim clones with `X-MX-Bounce` / `X-MXL-*` headers.

use super::probe::{Probe, has_header};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
#[allow(unused_imports)]
use crate::text::contains_ci;

/// The recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "mxlogic",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    has_header!(m, "x-mx-bounce")
        || has_header!(m, "x-mxl-hash")
        || has_header!(m, "x-mxl-notehash")
        || m.message_id().is_some_and(|v| v.contains("<mxl~"))
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::exim::parse(m)
}
