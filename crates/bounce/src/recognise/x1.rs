//! "X1": an unidentified MTA ("Mail Deliver System") listing `address [reason]` under
//! "---The following addresses had delivery errors---".

use super::probe::{Probe, body_ci};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, first_address};

/// The X1 recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "x1",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    body_ci!(m, "---the following addresses had delivery errors---")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let mut ds = Vec::new();
    let mut reading = false;
    for line in m.body.split('\n') {
        let t = line.trim();
        if contains_ci(t, "---the following addresses had delivery errors---") {
            reading = true;
            continue;
        }
        if !reading || t.is_empty() {
            continue;
        }
        // "kijitora@example.co.jp [User unknown]"
        match (first_address(t), t.find('['), t.rfind(']')) {
            (Some(a), Some(o), Some(c)) if o < c && t.starts_with(a.split('@').next()?) => {
                ds.push(Delivery {
                    recipient: a,
                    diagnostic: t[o + 1..c].trim().to_string(),
                    ..Default::default()
                });
            }
            _ => break,
        }
    }
    (!ds.is_empty()).then_some(ds)
}
