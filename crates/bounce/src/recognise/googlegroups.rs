//! Google Groups: a post to a group that does not exist or does not accept the sender. The
//! text is localised; the failed group address is in `X-Failed-Recipients`.

use super::probe::{Probe, has_header};
use mailway_status::Reason;

use super::common::{before_any, header_recipients};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::squeeze;

/// The Google Groups recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "googlegroups",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.in_from("<mailer-daemon@googlemail.com>")
        && has_header!(m, "x-failed-recipients")
        && m.body.contains("Google Groups")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(&m.body, &["----- original message -----"]);
    // The four bullet points ("the group may not exist, you may need to join...") mean the post
    // was refused; without them the cause is unknown.
    let bullets = text
        .split('\n')
        .filter(|l| l.trim_start().starts_with('*'))
        .count();
    let reason = if bullets >= 4 {
        Reason::Rejected
    } else {
        Reason::OnHold
    };
    let diag = squeeze(&text.split("\n\n").take(4).collect::<Vec<_>>().join(" "));
    let ds: Vec<Delivery> = header_recipients(m, "x-failed-recipients")
        .into_iter()
        .map(|r| Delivery {
            recipient: r,
            reason: Some(reason),
            diagnostic: diag.clone(),
            ..Default::default()
        })
        .collect();
    (!ds.is_empty()).then_some(ds)
}
