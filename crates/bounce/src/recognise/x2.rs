//! "X2": an unidentified qmail-derived MTA of a large webmail provider ("Message from
//! example.com. Unable to deliver message to the following address(es)."), and its newer
//! notice "Your delivery to the following address has been failed." with `Delivery failed:`
//! lines.

use super::probe::{Probe, body_ci};
use mailway_status::SmtpCommand;

use super::common::{Collector, before_any, push_text};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, first_address};

/// The X2 recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "x2",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    (m.in_from("mailer-daemon@") || m.in_from("postmaster@"))
        && (body_ci!(m, "unable to deliver message to the following address(es).")
            || body_ci!(m, "your delivery to the following address has been failed."))
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    if contains_ci(
        &m.body,
        "unable to deliver message to the following address(es).",
    ) {
        let mut ds = super::qmail::parse_with(
            m,
            &[
                "--- original message follows.",
                "--- below this line is a copy of the message.",
            ],
            &["unable to deliver message to the following address(es)."],
        )?;
        for d in &mut ds {
            // this MTA retries connection failures until the queue lifetime ends
            if contains_ci(&d.diagnostic, "this message has been in the queue too long") {
                d.reason = Some(mailway_status::Reason::Expired);
            }
        }
        return Some(ds);
    }
    let text = before_any(
        &m.body,
        &[
            "--- original message follows.",
            "content-type: message/rfc822",
        ],
    );
    let mut c = Collector::default();
    for line in text.split('\n') {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("Delivery failed:") {
            if let Some(a) = first_address(rest) {
                c.start(a);
            }
            continue;
        }
        if let Some(d) = c.current() {
            if let Some(step) = t.strip_prefix("STEP:") {
                let step = step.trim().to_ascii_uppercase();
                d.command = if step.starts_with("DATA") {
                    Some(SmtpCommand::Data)
                } else if step.starts_with("RCPT") {
                    Some(SmtpCommand::Rcpt)
                } else if step.starts_with("MAIL") {
                    Some(SmtpCommand::Mail)
                } else {
                    None
                };
            } else {
                let t = t.replace("Remote host said[Response Message]:", "Remote host said:");
                push_text(&mut d.diagnostic, &t);
            }
        }
    }
    c.finish()
}
