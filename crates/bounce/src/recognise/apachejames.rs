//! Apache James: "Error message below:" then the remote reply, and "Message details:" with the
//! envelope (`RCPT TO: address`).

use super::common::{before_any, push_text};
use super::probe::{Probe, body_ci};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, first_address};

/// The Apache James recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "apachejames",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    // (details && (JavaMail id || james)) || (below && details), with one search of details
    body_ci!(m, "message details:")
        && (m
            .header("message-id")
            .is_some_and(|v| v.contains(".JavaMail."))
            || m.received_ci("james")
            || contains_ci(&m.body, "error message below:"))
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(&m.body, &["content-type: message/rfc822"]);
    let mut diag = String::new();
    let mut rcpts: Vec<String> = Vec::new();
    let mut in_details = false;
    for line in text.split('\n') {
        let t = line.trim();
        if t.is_empty()
            || t.starts_with("------=_")
            || t.starts_with("Content-")
            || t.starts_with("boundary=")
        {
            continue;
        }
        if contains_ci(t, "message details:") {
            in_details = true;
            continue;
        }
        if in_details {
            if let Some(rest) = t.strip_prefix("RCPT TO:") {
                rcpts.extend(rest.split(',').filter_map(first_address));
            }
        } else {
            push_text(&mut diag, t);
        }
    }
    let ds: Vec<Delivery> = rcpts
        .into_iter()
        .map(|r| Delivery {
            recipient: r,
            diagnostic: diag.clone(),
            ..Default::default()
        })
        .collect();
    (!ds.is_empty()).then_some(ds)
}
