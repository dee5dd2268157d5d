//! Gmail / Google Workspace notices with a delivery-status part ("** Address not found **",
//! "** Message not delivered **", "The response was: ..."). The human part carries the remote
//! server's answer after "The response was:"; when there is none, Google's own sentence says
//! what happened.

use super::probe::Probe;
use mailway_status::Reason;

use super::common::{before_any, push_text};
use super::rfc3464::parse_standard;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::contains_ci;

/// The Google recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "google",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.in_from("<mailer-daemon@googlemail.com>")
        && m.dsn
            .as_deref()
            .is_some_and(|d| contains_ci(d, "final-recipient:"))
}

/// Google's own sentences (no remote answer quoted).
const OWN_MESSAGES: &[(&str, Reason)] = &[
    ("because the address couldn't be found", Reason::UserUnknown),
    ("because the domain ", Reason::HostUnknown),
    (
        "the recipient server did not accept our requests to connect",
        Reason::NetworkError,
    ),
    ("message size exceeds", Reason::MesgTooBig),
];

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let mut ds = parse_standard(m)?;
    let text = before_any(&m.body, &["----- original message -----"]);
    let mut summary = String::new();
    let mut response = String::new();
    let mut in_response = false;
    for line in text.split('\n') {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if contains_ci(t, "the response was:")
            || contains_ci(t, "the response from the remote server was:")
        {
            in_response = true;
            continue;
        }
        if in_response {
            push_text(&mut response, t);
        } else if !t.starts_with("Learn more") {
            push_text(&mut summary, t);
        }
    }
    for d in &mut ds {
        if d.diagnostic.is_empty() {
            d.diagnostic = if response.is_empty() {
                summary.clone()
            } else {
                response.clone()
            };
        }
        if response.starts_with("DNS Error:") && contains_ci(&response, "doesn't receive email") {
            // a null MX (RFC 7505): the domain publishes that it accepts no mail
            d.reason = Some(Reason::NotAccept);
        } else if response.starts_with("DNS Error:") {
            // Google reports its own DNS lookup failures (NXDOMAIN included) as temporary
            // (status 4.0.0): a network problem on the way, not a verdict on the domain.
            d.reason = Some(Reason::NetworkError);
        } else if response.is_empty() {
            let lower = summary.to_ascii_lowercase();
            d.reason = OWN_MESSAGES
                .iter()
                .find(|(p, _)| lower.contains(p))
                .map(|(_, r)| *r);
        }
    }
    Some(ds)
}
