//! RFC 3834 automatic responses (vacation / out-of-office replies). The "recipient" is the
//! person who is away (the auto-reply's `From`); reason `vacation`.

use mailway_status::Reason;

use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{clean_address, contains_ci, normalize_date, squeeze, starts_with_ci};

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

fn probe(m: &Mail) -> bool {
    if looks_like_bounce(m) {
        return false;
    }
    let subj = m.subject.trim().to_lowercase();
    m.header_contains("auto-submitted", "auto-replied")
        || m.has_header("x-autoreply")
        || m.has_header("x-autorespond")
        || m.header_contains("x-apple-action", "vacation")
        || m.header_contains("precedence", "auto_reply")
        || SUBJECT_PREFIXES.iter().any(|p| subj.starts_with(p))
}

fn looks_like_bounce(m: &Mail) -> bool {
    contains_ci(&m.from, "mailer-daemon")
        || contains_ci(&m.from, "postmaster@")
        || m.dsn.is_some()
        || starts_with_ci(m.subject.trim(), "undeliver")
        || starts_with_ci(m.subject.trim(), "returned mail")
        || starts_with_ci(m.subject.trim(), "mail delivery")
        || starts_with_ci(m.subject.trim(), "delivery status")
        || contains_ci(&m.subject, "failure notice")
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
