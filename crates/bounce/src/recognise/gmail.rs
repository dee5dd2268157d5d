//! Gmail's classic "Delivery Status Notification (Failure|Delay)" (plain text, from
//! mailer-daemon@googlemail.com): indented recipient lines, then "Technical details of ...
//! failure" with the remote reply and Google's "(state N)" marker of the SMTP stage.

use super::probe::Probe;
use mailway_status::{Reason, SmtpCommand};

use super::common::{Collector, any_ci, before_any};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::record::Action;
use crate::text::{contains_ci, find_ci, find_status, first_address};

/// The Gmail recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "gmail",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.in_from("<mailer-daemon@googlemail.com>")
        && m.in_subject("delivery status notification")
        && m.dsn.is_none()
}

const BOUNDARIES: &[&str] = &[
    "----- original message -----",
    "----- message header follows -----",
];

/// Google's "(state N)" marks the SMTP stage where the remote server refused.
fn state(n: &str) -> Option<(SmtpCommand, Reason)> {
    Some(match n {
        "6" => (SmtpCommand::Mail, Reason::FailedStartTls),
        "8" => (SmtpCommand::Auth, Reason::SystemError),
        "9" => (SmtpCommand::Auth, Reason::FailedStartTls),
        "12" => (SmtpCommand::Auth, Reason::NoRelaying),
        "13" => (SmtpCommand::Ehlo, Reason::Blocked),
        "14" => (SmtpCommand::Rcpt, Reason::UserUnknown),
        "15" | "17" | "18" => (SmtpCommand::Data, Reason::Filtered),
        _ => return None,
    })
}

/// Google's own messages (no remote reply).
const OWN_MESSAGES: &[(&str, Reason)] = &[
    ("dns error: could not contact dns servers", Reason::Expired),
    (
        "delivery to the following recipient has been delayed",
        Reason::Expired,
    ),
    (
        "the recipient server did not accept our requests to connect",
        Reason::Expired,
    ),
    ("dns error: domain name not found", Reason::HostUnknown),
    (
        "dns error: dns server returned answer with no data",
        Reason::HostUnknown,
    ),
];

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(&m.body, BOUNDARIES);
    let delayed = contains_ci(text, "has been delayed");
    let mut c = Collector::default();
    let mut reading = false;
    let mut pending = String::new();
    for line in text.split('\n') {
        let l = line.trim_end();
        if !reading {
            reading = l.starts_with("Delivery to the following recipient");
            if !reading {
                continue;
            }
        }
        if l.is_empty() {
            continue;
        }
        if l.starts_with(' ') && l.contains('@') {
            if let Some(a) = first_address(l) {
                c.start(a);
                if let Some(d) = c.current()
                    && !pending.is_empty()
                {
                    d.diagnostic = std::mem::take(&mut pending);
                }
            }
            continue;
        }
        match c.current() {
            Some(_) => c.push_diag(l),
            None => super::common::push_text(&mut pending, l),
        }
    }
    let mut ds = c.finish()?;
    for d in &mut ds {
        if delayed {
            d.action = Some(Action::Delayed);
        }
        if let Some(p) = find_ci(&d.diagnostic, "(state ") {
            let n: String = d.diagnostic[p + 7..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            if let Some((cmd, reason)) = state(&n) {
                d.command = Some(cmd);
                // A precise remote status decides; a vague one leaves Google's stage reason.
                let vague =
                    find_status(&d.diagnostic).is_none_or(|s| s.subject == 0 || s.detail == 0);
                if vague {
                    d.reason = Some(reason);
                }
            }
        }
        if d.reason.is_none()
            && !contains_ci(
                &d.diagnostic,
                "the error that the other server returned was",
            )
        {
            let lower = d.diagnostic.to_ascii_lowercase();
            if let Some((_, r)) = OWN_MESSAGES.iter().find(|(p, _)| lower.contains(p)) {
                d.reason = Some(*r);
            }
        }
        if any_ci(&d.diagnostic, &["google tried to deliver your message"])
            && let Some(h) = rejected_by(&d.diagnostic)
        {
            d.remote_mta = Some(h);
        }
    }
    Some(ds)
}

/// "... rejected by the server for the recipient domain example.jp by mx.example.jp. [192.0.2.1]."
fn rejected_by(s: &str) -> Option<String> {
    let mut from = 0;
    while let Some(p) = find_ci(&s[from..], " by ") {
        let start = from + p + 4;
        let tok: String = s[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
            .collect();
        let tok = tok.trim_end_matches('.');
        if tok.contains('.') && !tok.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Some(tok.to_string());
        }
        from = start;
    }
    None
}
