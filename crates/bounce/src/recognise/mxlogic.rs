//! MXLogic / McAfee SaaS Email Protection: Exim clones with `X-MX-Bounce` / `X-MXL-*` headers.

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

fn probe(m: &Mail) -> bool {
    m.has_header("x-mx-bounce")
        || m.has_header("x-mxl-hash")
        || m.has_header("x-mxl-notehash")
        || m.header("message-id").is_some_and(|v| v.contains("<mxl~"))
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::exim::parse(m)
}
