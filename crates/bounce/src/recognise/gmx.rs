//! GMX / mail.com / WEB.DE: Exim-like "Mail delivery failed: returning message to sender" with
//! `"address":` lines and "--- The header of the original message is following. ---".

use super::probe::{Probe, body_ci, has_header};
use mailway_status::Reason;

use super::common::{Collector, before_any, push_text};
use super::{Delivery, Recogniser};
use crate::finish::find_command;
use crate::mail::Mail;
use crate::text::{contains_ci, first_address};

/// The GMX recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "gmx",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    (m.in_from("mailer-daemon@") && m.in_from("gmx"))
        || has_header!(m, "envelope-to") && m.in_from("mailer-daemon@mail.gmx")
        || body_ci!(
            m,
            "--- the header of the original message is following. ---"
        )
}

/// Parses a GMX-style report; shared with 1&1.
pub fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(
        &m.body,
        &["--- the header of the original message is following. ---"],
    );
    let mut c = Collector::default();
    let mut reading = false;
    for line in text.split('\n') {
        let t = line.trim();
        if !reading {
            reading = contains_ci(
                t,
                "this message was created automatically by mail delivery software",
            );
            continue;
        }
        if t.is_empty() {
            continue;
        }
        // "shironeko@example.jp": or <kijitora@example.jp>
        let bare = first_address(t).is_some_and(|a| a.len() == t.trim_end_matches(':').len());
        if (t.starts_with('"') && t.ends_with("\":")
            || t.starts_with('<') && t.ends_with('>')
            || bare)
            && let Some(a) = first_address(t)
        {
            c.start(a);
            continue;
        }
        if let Some(d) = c.current() {
            if t == "Reason:" || t == "For the following reason:" {
                continue;
            }
            push_text(&mut d.diagnostic, t);
        }
    }
    let mut ds = c.finish()?;
    for d in &mut ds {
        d.command = find_command(&d.diagnostic);
        if contains_ci(&d.diagnostic, "delivery retry timeout exceeded") {
            d.reason = Some(Reason::Expired);
        } else if contains_ci(&d.diagnostic, "mail size limit exceeded") {
            d.reason = Some(Reason::MesgTooBig);
        }
    }
    Some(ds)
}
