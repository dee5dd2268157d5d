//! Ipswitch IMail Server (X-Mailer `<SMTP32 v...>`): "Undeliverable Mail" with
//! `Reason: address` lines.

use super::probe::Probe;
use mailway_status::{Reason, SmtpCommand};

use super::common::{before_any, push_text};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, first_address, starts_with_ci};

/// The IMail recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "imailserver",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.x_mailer()
        .is_some_and(|v| v.trim().starts_with("<SMTP32 v"))
        || m.subject.trim() == "Undeliverable Mail" && m.in_from("postmaster")
}

const COMMANDS: &[(&str, SmtpCommand)] = &[
    ("smtp connection failed,", SmtpCommand::Connect),
    (
        "unexpected connection response from server:",
        SmtpCommand::Connect,
    ),
    ("unexpected response to ehlo/helo:", SmtpCommand::Ehlo),
    ("server response to mail from:", SmtpCommand::Mail),
    (
        "additional rcpt to generated following response:",
        SmtpCommand::Rcpt,
    ),
    ("data command generated response:", SmtpCommand::Data),
];

/// IMail's own sentences, at the start of the line.
const OWN_MESSAGES: &[(&str, Reason)] = &[
    ("unknown user", Reason::UserUnknown),
    ("invalid final delivery userid", Reason::UserUnknown),
    ("user mailbox exceeds allowed size", Reason::MailboxFull),
    (
        "requested action not taken: virus detected",
        Reason::VirusDetected,
    ),
    ("delivery failed ", Reason::Expired),
];

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(
        &m.body,
        &["original message follows.", "content-type: message/rfc822"],
    );
    let mut ds: Vec<Delivery> = Vec::new();
    let mut extra = String::new();
    for line in text.split('\n') {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(rest) = t.strip_prefix("undeliverable to ") {
            if let Some(a) = first_address(rest) {
                ds.push(Delivery {
                    recipient: a,
                    ..Default::default()
                });
            }
            continue;
        }
        // "Unknown user: kijitora@example.com"
        if let Some(p) = t.rfind(':')
            && let Some(a) = first_address(&t[p + 1..])
            && t[p + 1..].trim().len() <= a.len() + 2
            && !starts_with_ci(t, "to:")
            && !starts_with_ci(t, "cc:")
        {
            ds.push(Delivery {
                recipient: a,
                diagnostic: t[..p].trim().to_string(),
                ..Default::default()
            });
            continue;
        }
        if !ds.is_empty() || contains_ci(t, "body of message generated response:") {
            push_text(&mut extra, t);
        }
    }
    if ds.is_empty() {
        return None;
    }
    for d in &mut ds {
        let own = d.diagnostic.to_ascii_lowercase();
        d.reason = OWN_MESSAGES
            .iter()
            .find(|(p, _)| own.starts_with(p))
            .map(|(_, r)| *r);
        if !extra.is_empty() {
            let e = extra
                .split_once("Body of message generated response:")
                .map(|(_, r)| r.trim())
                .unwrap_or(&extra);
            let mut diag = e.to_string();
            if !d.diagnostic.is_empty() {
                diag = format!("{} {}", d.diagnostic, diag);
            }
            d.diagnostic = diag;
        }
        let lower = d.diagnostic.to_ascii_lowercase();
        d.command = COMMANDS
            .iter()
            .find(|(p, _)| lower.contains(p))
            .map(|(_, c)| *c);
    }
    Some(ds)
}
