//! au (KDDI) EZweb mobile mail: "Mail System Error - Returned Mail" from Postmaster@ezweb.ne.jp,
//! with `<address>` or `Recipient: <address>` lines and sendmail-like `>>>` / `<<<` transcripts.

use super::probe::Probe;
use mailway_status::Reason;

use super::common::{Collector, before_any, merge_standard, push_text};
use super::{Delivery, Recogniser};
use crate::finish::find_command;
use crate::mail::Mail;
use crate::text::first_address;

/// The EZweb recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "ezweb",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    let cheap = usize::from(m.in_from("postmaster@ezweb.ne.jp"))
        + usize::from(m.in_from("postmaster@au.com"))
        + usize::from(m.subject.trim() == "Mail System Error - Returned Mail")
        + usize::from(
            m.message_id()
                .is_some_and(|v| v.contains(".ezweb.ne.jp>") || v.contains(".au.com>")),
        );
    // score >= 2 with the Received test worth one: read the Received fields only when that
    // one point decides
    match cheap {
        0 => false,
        1 => m.received_ci("ezweb.ne.jp (ezweb mail) with") || m.received_ci(".au.com ("),
        _ => true,
    }
}

/// EZweb's own sentences.
const OWN_MESSAGES: &[(&str, Reason)] = &[
    ("your message was not delivered within ", Reason::Expired),
    (
        "the user(s) account is temporarily over quota",
        Reason::MailboxFull,
    ),
    ("the user(s) account is disabled.", Reason::Suspend),
    (
        "the user(s) account is temporarily limited.",
        Reason::Suspend,
    ),
    (
        "each of the following recipients was rejected by a remote mail server",
        Reason::OnHold,
    ),
];

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(
        &m.body,
        &[
            "--------------------------------------------------",
            "content-type: message/rfc822",
        ],
    );
    let mut c = Collector::default();
    let mut preamble = String::new();
    for line in text.split('\n') {
        let t = line.trim();
        if t.is_empty() || !t.is_ascii() || t.contains('\x1b') {
            continue;
        }
        let is_rcpt = ((t.starts_with('<') && !t.starts_with("<<<"))
            || t.starts_with("Recipient: <"))
            && t.contains('@')
            && t.contains('>');
        if is_rcpt && let Some(a) = first_address(t) {
            let d = c.start(a);
            if !preamble.is_empty() && d.diagnostic.is_empty() {
                d.diagnostic = preamble.clone();
            }
            if let Some(p) = t.find(">:") {
                push_text(&mut d.diagnostic, &t[p + 2..]);
            }
            continue;
        }
        match c.current() {
            Some(d) => {
                if let Some(cmd) = t.strip_prefix(">>>") {
                    d.command = find_command(&format!(">>> {}", cmd.trim()));
                } else if let Some(r) = t.strip_prefix("<<<") {
                    push_text(&mut d.diagnostic, r);
                } else {
                    push_text(&mut d.diagnostic, t);
                }
            }
            None => push_text(&mut preamble, t),
        }
    }
    let mut ds = c.ds;
    merge_standard(m, &mut ds);
    if ds.is_empty() {
        return None;
    }
    let spam_filtered = m.header("x-spasign").is_some_and(|v| v.trim() == "NG");
    for d in &mut ds {
        if d.command.is_none() {
            d.command = find_command(&d.diagnostic);
        }
        if spam_filtered {
            d.reason = Some(Reason::Filtered);
            continue;
        }
        let lower = d.diagnostic.to_ascii_lowercase();
        d.reason = OWN_MESSAGES
            .iter()
            .find(|(p, _)| lower.contains(p))
            .map(|(_, r)| *r)
            .filter(|r| *r != Reason::OnHold);
    }
    Some(ds)
}
