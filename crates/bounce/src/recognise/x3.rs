//! "X3": an unidentified MTA whose notices read "This is an automatically generated Delivery
//! Status Notification." with `* address` lines and "Technical details:" (`SMTP:RCPT host ...`).

use super::common::{Collector, before_any, merge_standard, push_text};
use super::probe::Probe;
use super::{Delivery, Recogniser};
use crate::finish::find_command;
use crate::mail::Mail;
use crate::text::{contains_ci, first_address};

/// The X3 recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "x3",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.in_subject("delivery status notification")
        && contains_ci(
            &m.body,
            "this is an automatically generated delivery status notification.",
        )
        && m.body
            .lines()
            .any(|l| l.trim_start().starts_with("* ") && l.contains('@'))
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(&m.body, &["content-type: message/rfc822"]);
    let mut c = Collector::default();
    let mut details = false;
    for line in text.split('\n') {
        let t = line.trim();
        if t.is_empty() || t.starts_with("=====") {
            continue;
        }
        if let Some(rest) = t.strip_prefix("* ")
            && let Some(a) = first_address(rest)
        {
            c.start(a);
            continue;
        }
        if contains_ci(t, "technical details:") {
            details = true;
            continue;
        }
        if details {
            // "SMTP:RCPT host 192.0.2.8: 553 5.3.0 <a>... No such user here"
            let t2 = t.replacen("SMTP:", ">>> ", 1);
            for d in c.ds.iter_mut() {
                if d.command.is_none() {
                    d.command = find_command(&t2);
                }
                push_text(&mut d.diagnostic, t);
            }
        }
    }
    let mut ds = c.ds;
    merge_standard(m, &mut ds);
    (!ds.is_empty()).then_some(ds)
}
