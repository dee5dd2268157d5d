//! Exim (and the Exim-based MXLogic / McAfee SaaS): "Mail delivery failed: returning message to
//! sender", delay warnings ("Warning: message ... delayed"), frozen messages.
//!
//! The text lists each failed address indented by two spaces, followed by indented lines with the
//! remote server's reply; newer versions add a `message/delivery-status` part.

use super::probe::{Probe, has_header};
use mailway_status::Reason;

use super::common::{
    Collector, angle_or_bare, any_ci, before_any, header_recipients, merge_standard, push_text,
};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::record::Action;
use crate::text::{contains_ci, first_address};

/// The Exim recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "exim",
    probe,
    parse,
};

fn third_party(m: &Mail) -> bool {
    m.has_header("x-mx-bounce")
        || m.has_header("x-mxl-hash")
        || m.has_header("x-mxl-notehash")
        || m.header("message-id").is_some_and(|v| v.contains("<mxl~"))
}

/// An Exim Message-ID: <E1P1YNN-0003AD-Ga@example.org>, '-' at 8 and '@' at 18.
fn exim_message_id(v: &str) -> bool {
    let b = v.trim().as_bytes();
    b.first() == Some(&b'<') && b.get(8) == Some(&b'-') && b.get(18) == Some(&b'@')
}

fn probe(m: &Probe) -> bool {
    if m.in_from("@googlemail.com") {
        return false;
    }
    // third_party, with the Message-ID read once
    if has_header!(m, "x-mx-bounce")
        || has_header!(m, "x-mxl-hash")
        || has_header!(m, "x-mxl-notehash")
        || m.message_id().is_some_and(|v| v.contains("<mxl~"))
    {
        return true;
    }
    // the subjects of its notices
    let subject = m.in_subject("mail delivery failed")
        || m.in_subject("mail failure")
        || m.in_subject("message frozen")
        || m.in_subject("warning: message ")
        || m.in_subject("error(s) in forwarding or filtering");
    let score = usize::from(m.in_from("mail delivery system"))
        + usize::from(subject)
        + usize::from(m.message_id().is_some_and(exim_message_id));
    score >= 2 || (score == 1 && has_header!(m, "x-failed-recipients"))
}

const BOUNDARIES: &[&str] = &[
    "------ this is a copy of the message",
    "------ this is a copy of your message",
    "----- this is a copy of the message",
    "------ this is a copy of the body of the message",
    "content-type: message/rfc822",
    "included is a copy of the message header:",
];

const STARTS: &[&str] = &[
    "this message was created automatically by mail delivery software.",
    "a message that you sent was rejected by the local scan",
    "a message that you sent contained one or more recipient addresses ",
    "a message that you sent could not be delivered to all of its recipients",
    " has been frozen",
    " was frozen on arrival",
    " router encountered the following error(s):",
    "your message could not be delivered to the following address",
];

/// Exim's own messages (not a remote server's reply): the reason is known.
const OWN_MESSAGES: &[(&str, Reason)] = &[
    ("user not found", Reason::UserUnknown),
    (
        "all host address lookups failed permanently",
        Reason::HostUnknown,
    ),
    (
        "all relevant mx records point to non-existent hosts",
        Reason::HostUnknown,
    ),
    ("unrouteable address", Reason::HostUnknown),
    ("mailbox is full", Reason::MailboxFull),
    ("error: quota exceed", Reason::MailboxFull),
    (
        "an mx or srv record indicated no smtp service",
        Reason::NotAccept,
    ),
    (
        "no host found for existing smtp connection",
        Reason::NotAccept,
    ),
    ("angle-brackets nested too deep", Reason::SyntaxError),
    ("expected word or \"<\"", Reason::SyntaxError),
    (
        "domain missing in source-routed address",
        Reason::SyntaxError,
    ),
    ("malformed address:", Reason::SyntaxError),
    ("delivery to file forbidden", Reason::SystemError),
    ("delivery to pipe forbidden", Reason::SystemError),
    ("local delivery failed", Reason::SystemError),
    ("lmtp error after ", Reason::SystemError),
    ("too many \"received\" headers", Reason::ContentError),
    ("retry timeout exceeded", Reason::Expired),
    ("no action is required on your part", Reason::Expired),
    (
        "retry time not reached for any host after a long failure period",
        Reason::Expired,
    ),
    (
        "all hosts have been failing for a long time and were last tried",
        Reason::Expired,
    ),
    ("has been frozen", Reason::Expired),
    ("was frozen on arrival by ", Reason::Expired),
];

/// Parses an Exim(-like) report; shared with Exim-based providers.
pub fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let tp = third_party(m);
    let mut text = before_any(&m.body, BOUNDARIES);
    // Multipart Exim reports: the text part ends before the delivery-status fields.
    if let Some(p) = crate::text::find_ci(text, "\nreporting-mta:") {
        text = &text[..p];
    }
    let delayed = contains_ci(&m.subject, "delayed")
        || contains_ci(text, "has not yet been delivered to one or more");
    let failed_hdr = header_recipients(m, "x-failed-recipients");
    let mut c = Collector::default();
    let mut reading = false;
    let mut extra = String::new();
    for line in text.split('\n') {
        let l = line.trim_end();
        if !reading {
            if any_ci(l, STARTS) {
                reading = true;
            }
            continue;
        }
        if l.is_empty() {
            continue;
        }
        if let Some(r) = recipient_line(l, tp) {
            c.start(r);
            if let Some(rest) = l.find(">:").map(|p| &l[p + 2..])
                && let Some(d) = c.current()
            {
                push_text(&mut d.diagnostic, rest);
            }
            continue;
        }
        if contains_ci(l, "an undisclosed address") {
            // the real address follows in "(generated from ...)"
            c.start(String::new());
            continue;
        }
        if contains_ci(l, " (generated from ") || contains_ci(l, " generated by ") {
            if let Some(a) = first_address(l)
                && let Some(d) = c.current()
                && (d.recipient.is_empty() || d.recipient.starts_with('|'))
            {
                d.recipient = a;
            }
            continue;
        }
        if let Some(rest) = l.trim_start().strip_prefix("pipe to |") {
            // "  pipe to |/usr/bin/prog args": the recipient comes from "generated by"
            let d = c.start(format!("|{}", rest.trim()));
            d.diagnostic = l.trim().to_string();
            d.reason = Some(Reason::MailerError);
            continue;
        }
        if let Some(rest) = l.strip_prefix("  save to ") {
            // "  save to /var/mail/..." (a file delivery): the address follows in "generated by"
            c.start(format!("|{}", rest.trim()));
            continue;
        }
        if l.starts_with("  ") && !c.ds.is_empty() {
            // bare local part "  kijitora" at recipient position
            c.push_diag(l);
        } else if let Some(word) = bare_local_part(l)
            && let Some(a) = failed_hdr
                .iter()
                .find(|a| a.starts_with(&format!("{word}@")))
        {
            c.start(a.clone());
            if let Some(d) = c.current() {
                push_text(&mut d.diagnostic, word);
            }
        } else if any_ci(l, &[" has been frozen", " was frozen on arrival"]) {
            push_text(&mut extra, l);
        }
    }
    let mut ds = c.ds;
    ds.retain(|d| !d.recipient.is_empty() && !d.recipient.starts_with('|'));
    if ds.is_empty() && !failed_hdr.is_empty() {
        for a in &failed_hdr {
            ds.push(Delivery {
                recipient: a.clone(),
                diagnostic: extra.clone(),
                ..Default::default()
            });
        }
    }
    if m.dsn.is_some() {
        merge_standard(m, &mut ds);
    }
    if ds.is_empty() {
        return None;
    }
    for d in &mut ds {
        if d.diagnostic.is_empty() && !extra.is_empty() {
            d.diagnostic = extra.clone();
        }
        if delayed {
            d.action = Some(Action::Delayed);
        }
        if d.reason.is_none() {
            // Exim's own words decide, unless they only introduce a remote server's reply; but
            // "retry timeout exceeded" before the last SMTP error means Exim gave up retrying:
            // the message expired, and the SMTP error is the last attempt's evidence.
            // some thirty phrases: through one lower-case copy of a long diagnostic
            let diag = d.diagnostic.as_str();
            let reason = crate::text::with_phrases(diag, || {
                let remote = contains_ci(diag, "smtp error from remote");
                OWN_MESSAGES
                    .iter()
                    .find(|(p, r)| (!remote || *r == Reason::Expired) && contains_ci(diag, p))
                    .map(|(_, r)| *r)
            });
            d.reason = reason;
        }
    }
    Some(ds)
}

/// "  kijitora@example.jp", "  kijitora@example.jp: forced freeze",
/// "  mikeneko@example.jp <nekochan@example.org>: ...", or (MXLogic) "  <neko@example.jp>: ...".
fn recipient_line(l: &str, third_party: bool) -> Option<String> {
    let b = l.as_bytes();
    if !l.starts_with("  ") || b.len() < 4 || b[2] == b' ' || b[2] == b'\t' {
        return None;
    }
    if b[2] == b'<' && !third_party {
        return None;
    }
    if !l.contains('@') || contains_ci(l, "pipe to |") {
        return None;
    }
    let body = &l[2..];
    if body.contains(">:") {
        let head = &body[..body.find(">:").unwrap() + 1];
        return angle_or_bare(head);
    }
    let head = match body.rfind(": ") {
        Some(p) => &body[..p],
        None => body,
    };
    let a = first_address(head)?;
    // the line must essentially be the address
    if head.trim().len() > a.len() + 4 && !head.trim_start().starts_with(&a[..a.find('@')?]) {
        return None;
    }
    Some(a)
}

/// A two-space indented word without `@` (Exim prints a bare local part for local users).
fn bare_local_part(l: &str) -> Option<&str> {
    let t = l.strip_prefix("  ")?;
    if t.starts_with(' ') || t.contains(' ') || t.contains('@') || t.is_empty() {
        return None;
    }
    Some(t.trim())
}
