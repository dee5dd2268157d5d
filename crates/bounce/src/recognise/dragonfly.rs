//! DragonFly Mail Agent (dma), the small MTA of DragonFly BSD and others: one recipient per
//! report, "There was an error delivering your mail to \<address\>." then the reason.

use super::probe::{Probe, body_ci};
use mailway_status::{Reason, SmtpCommand};

use super::common::{before_any, push_text};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{find_ci, first_address};

/// The DragonFly recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "dragonfly",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    body_ci!(m, "this is the dragonfly mail agent") || m.received_ci("(dragonfly mail agent")
}

const BOUNDARIES: &[&str] = &["message headers follow.", "original message follows."];

/// dma's own texts (net.c, dma.c).
const OWN_MESSAGES: &[(&str, Reason)] = &[
    ("dns lookup failure: host ", Reason::HostUnknown),
    ("could not deliver for the last ", Reason::Expired),
    ("unable to find a suitable mx", Reason::HostUnknown),
    ("can not find local user", Reason::UserUnknown),
];

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(&m.body, BOUNDARIES);
    let p = find_ci(text, "there was an error delivering your mail to ")?;
    let rest = &text[p..];
    let eol = rest.find('\n').unwrap_or(rest.len());
    let recipient = first_address(&rest[..eol])?;
    let mut d = Delivery {
        recipient,
        ..Default::default()
    };
    for line in rest[eol..].split('\n') {
        push_text(&mut d.diagnostic, line);
    }
    let lower = d.diagnostic.to_ascii_lowercase();
    if let Some(q) = lower.find(" did not like our ") {
        let after = &lower[q + 18..];
        d.command = if after.starts_with("rcpt") {
            Some(SmtpCommand::Rcpt)
        } else if after.starts_with("mail") {
            Some(SmtpCommand::Mail)
        } else if after.starts_with("data") {
            Some(SmtpCommand::Data)
        } else if after.starts_with("ehlo") || after.starts_with("helo") {
            Some(SmtpCommand::Ehlo)
        } else {
            None
        };
        // "mx.example.org [192.0.2.1] did not like our RCPT TO:"
        let host = d.diagnostic[..q]
            .split_whitespace()
            .next()
            .map(str::to_string);
        d.remote_mta = host;
    } else {
        d.reason = OWN_MESSAGES
            .iter()
            .find(|(p, _)| lower.contains(p))
            .map(|(_, r)| *r);
    }
    Some(vec![d])
}
