//! "X6": an unidentified MTA ("We had trouble delivering your message. Full details follow:"),
//! with one sentence per failure naming the recipient and the server's answer.

use super::probe::{Probe, body_ci};
use super::{Delivery, Recogniser};
use crate::finish::find_command;
use crate::mail::Mail;
use crate::text::{find_ci, first_address, squeeze};

/// The X6 recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "x6",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    body_ci!(
        m,
        "we had trouble delivering your message. full details follow:"
    )
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let mut ds = Vec::new();
    for line in m.body.split('\n') {
        let t = line.trim();
        let rcpt = if let Some(p) = find_ci(t, "returned permanent errors: ") {
            first_address(&t[p..])
        } else if let Some(p) = find_ci(t, "rejected recipient <") {
            first_address(&t[p..])
        } else {
            None
        };
        if let Some(a) = rcpt {
            // "... (Error following RCPT command). It responded as follows: [550 5.1.1 ...]"
            let diag = match t.find(": [") {
                Some(p) => t[p + 3..].trim_end_matches(']').to_string(),
                None => match find_ci(t, "reason: ") {
                    Some(p) => t[p + 8..].to_string(),
                    None => t.to_string(),
                },
            };
            let command = find_command(&t.replace("(Error following ", "(after "))
                .or_else(|| find_command(&t.replace("(DATA", "(after DATA")));
            ds.push(Delivery {
                recipient: a,
                diagnostic: squeeze(&diag),
                command,
                ..Default::default()
            });
        }
    }
    (!ds.is_empty()).then_some(ds)
}
