//! PowerMTA (Port25 / Bird): standard DSNs with `X-PowerMTA-*` fields, where the `Status:`
//! comment ("5.2.1 (mailbox disabled, not accepting messages)") is PowerMTA's own reading of
//! the remote reply and says more than the reply itself.

use super::probe::Probe;
use super::rfc3464::parse_standard;
use super::{Delivery, Recogniser};
use crate::dsn::parse_dsn;
use crate::mail::Mail;
use crate::text::contains_ci;

/// The PowerMTA recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "powermta",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.dsn
        .as_deref()
        .is_some_and(|d| contains_ci(d, "x-powermta-"))
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let mut ds = parse_standard(m)?;
    let report = parse_dsn(m.dsn.as_deref()?);
    for d in &mut ds {
        let g = report.recipients.iter().find(|g| {
            g.get("final-recipient")
                .is_some_and(|v| contains_ci(v, &d.recipient))
        });
        let comment = g
            .and_then(|g| g.get_nonempty("status"))
            .and_then(|s| {
                let (o, c) = (s.find('(')?, s.rfind(')')?);
                (o < c).then(|| s[o + 1..c].trim().to_string())
            })
            .filter(|c| !c.is_empty());
        if let Some(c) = comment {
            d.diagnostic = format!("{c}: {}", d.diagnostic);
        }
    }
    Some(ds)
}
