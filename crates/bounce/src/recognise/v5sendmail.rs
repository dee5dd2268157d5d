//! Sendmail 5 (and other pre-DSN sendmails): "Returned mail: ..." with only a session
//! transcript and the unsent message, no delivery-status part.

use super::common::{before_any, from_any};
use super::probe::{Probe, body_ci};
use super::sendmail::{BOUNDARIES, from_transcript_only};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, starts_with_ci};

/// The V5 sendmail recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "v5sendmail",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    starts_with_ci(m.subject.trim(), "returned mail:")
        && m.dsn.is_none()
        && body_ci!(m, "----- transcript of session follows -----")
        && !contains_ci(&m.body, "\nfinal-recipient:")
        && !body_ci!(m, "the original message was received at")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(&m.body, BOUNDARIES);
    let tr = from_any(text, &["----- transcript of session follows -----"])?;
    from_transcript_only(m, tr)
}
