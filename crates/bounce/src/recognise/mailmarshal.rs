//! Trustwave (Marshal) MailMarshal SMTP: "Your message: ... Could not be delivered because of
//! ... The following recipients were affected:".

use super::common::{before_any, push_text};
use super::probe::Probe;
use super::{Delivery, Recogniser};
use crate::dsn::host_token;
use crate::mail::Mail;
use crate::text::{contains_ci, first_address, starts_with_ci};

/// The MailMarshal recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "mailmarshal",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    starts_with_ci(m.subject.trim(), "undeliverable mail:")
        && contains_ci(&m.body, "the following recipients were affected:")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(&m.body, &["content-type: message/rfc822"]);
    let mut diag = String::new();
    let mut rcpts: Vec<String> = Vec::new();
    let mut section = "";
    let mut remote = None;
    let mut reporting = None;
    for line in text.split('\n') {
        let t = line.trim();
        if contains_ci(t, "could not be delivered because of") {
            section = "why";
            continue;
        }
        if contains_ci(t, "the following recipients were affected:") {
            section = "who";
            continue;
        }
        if starts_with_ci(t, "additional information") {
            section = "info";
            continue;
        }
        match section {
            "why" => push_text(&mut diag, t),
            "who" => {
                if let Some(a) = first_address(t) {
                    rcpts.push(a);
                }
            }
            "info" => {
                let v = t
                    .split_once(':')
                    .map(|(_, v)| v.trim().trim_matches(['<', '>']));
                if starts_with_ci(t, "remote-mta:") {
                    remote = v.and_then(host_token);
                } else if starts_with_ci(t, "reporting-mta:") {
                    reporting = v.and_then(host_token);
                }
            }
            _ => {}
        }
    }
    let ds: Vec<Delivery> = rcpts
        .into_iter()
        .map(|r| Delivery {
            recipient: r,
            diagnostic: diag.clone(),
            remote_mta: remote.clone(),
            reporting_mta: reporting.clone(),
            ..Default::default()
        })
        .collect();
    (!ds.is_empty()).then_some(ds)
}
