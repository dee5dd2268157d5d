//! RFC 3834 automatic responses (vacation / out-of-office replies). The "recipient" is the
//! person who is away (the auto-reply's `From`); reason `vacation`.

use super::probe::{Probe, has_header, header_contains};
use mailway_status::Reason;

use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{clean_address, normalize_date, squeeze, starts_with_ci};

/// The RFC 3834 recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "rfc3834",
    probe,
    parse,
};

const SUBJECT_PREFIXES: &[&str] = &[
    "auto:",
    "auto reply",
    "auto-reply",
    "autoreply",
    "auto response",
    "auto-response",
    "autoresponse",
    "automatic reply",
    "automatische antwort",
    "out of office",
    "out of the office",
    "réponse automatique",
    "respuesta automática",
    "risposta automatica",
    "resposta automática",
    "abwesenheitsnotiz",
    "vacation",
];

fn probe(m: &Probe) -> bool {
    if looks_like_bounce(m) {
        return false;
    }
    header_contains!(m, "auto-submitted", "auto-replied")
        || has_header!(m, "x-autoreply")
        || has_header!(m, "x-autorespond")
        || header_contains!(m, "x-apple-action", "vacation")
        || header_contains!(m, "precedence", "auto_reply")
        || {
            let subj = m.subject.trim().to_lowercase();
            SUBJECT_PREFIXES.iter().any(|p| subj.starts_with(p))
        }
}

fn looks_like_bounce(m: &Probe) -> bool {
    m.in_from("mailer-daemon")
        || m.in_from("postmaster@")
        || m.dsn.is_some()
        || starts_with_ci(m.subject.trim(), "undeliver")
        || starts_with_ci(m.subject.trim(), "returned mail")
        || starts_with_ci(m.subject.trim(), "mail delivery")
        || starts_with_ci(m.subject.trim(), "delivery status")
        || m.in_subject("failure notice")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let who = clean_address(&m.from)?;
    // The first paragraph of the reply is the explanation; fall back to the subject.
    let text = m
        .body
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty())
        .map(squeeze)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| squeeze(&m.subject));
    let mut diag = text;
    if diag.len() > 300 {
        let mut cut = 300;
        while !diag.is_char_boundary(cut) {
            cut -= 1;
        }
        diag.truncate(cut);
    }
    Some(vec![Delivery {
        recipient: who,
        reason: Some(Reason::Vacation),
        diagnostic: diag,
        last_attempt: m.header("date").and_then(normalize_date),
        ..Default::default()
    }])
}
