//! HCL/IBM Lotus Domino: "DELIVERY FAILURE: ..." with "was not delivered to:" and "because:".

use super::probe::Probe;
use mailway_status::Reason;

use super::common::{before_any, fill_from, push_text};
use super::rfc3464::parse_standard_raw;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, first_address, starts_with_ci};

/// The Domino recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "domino",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    starts_with_ci(m.subject.trim(), "delivery failure:")
        || starts_with_ci(m.subject.trim(), "undeliverable message")
            && contains_ci(&m.body, "was not delivered to:")
}

/// Domino's own sentences, in several languages.
const OWN_MESSAGES: &[(&str, Reason)] = &[
    ("not listed in domino directory", Reason::UserUnknown),
    (
        "not listed in public name & address book",
        Reason::UserUnknown,
    ),
    ("non répertorié dans l'annuaire domino", Reason::UserUnknown),
    ("domino ディレクトリには見つかりません", Reason::UserUnknown),
    ("cannot route mail to user", Reason::Filtered),
    (
        "several matches found in domino directory",
        Reason::SystemError,
    ),
];

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(&m.body, &["content-type: message/rfc822"]);
    let mut ds: Vec<Delivery> = Vec::new();
    let mut section = "";
    for line in text.split('\n') {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if contains_ci(t, "was not delivered to:") {
            section = "to";
            continue;
        }
        if t.eq_ignore_ascii_case("because:") {
            section = "because";
            continue;
        }
        match section {
            "to" => {
                if let Some(a) = first_address(t) {
                    ds.push(Delivery {
                        recipient: a,
                        ..Default::default()
                    });
                }
            }
            "because" => {
                for d in ds.iter_mut() {
                    push_text(&mut d.diagnostic, t);
                }
            }
            _ => {}
        }
    }
    let std = parse_standard_raw(m).unwrap_or_default();
    if ds.is_empty() {
        ds = std;
    } else if std.len() == ds.len() {
        for (d, s) in ds.iter_mut().zip(std) {
            fill_from(d, s);
        }
    }
    if ds.is_empty() {
        return None;
    }
    for d in &mut ds {
        let lower = d.diagnostic.to_lowercase();
        d.reason = OWN_MESSAGES
            .iter()
            .find(|(p, _)| lower.contains(p))
            .map(|(_, r)| *r);
    }
    Some(ds)
}
