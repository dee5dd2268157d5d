//! Google Workspace / Gmail's newer notices about the sender's own setup ("** Message not
//! delivered **", e.g. a misconfigured 'Send mail as' account) that carry no delivery-status
//! fields. The recipient is the returned message's `To`.

use super::common::{before_any, push_text};
use super::probe::Probe;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, first_address};

/// The Google Workspace recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "googleworkspace",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.in_from("<mailer-daemon@googlemail.com>")
        && m.in_subject("delivery status notification")
        && !m
            .dsn
            .as_deref()
            .is_some_and(|d| contains_ci(d, "recipient:"))
        && !contains_ci(&m.body, "\nfinal-recipient:")
        && m.body.contains("** ")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(&m.body, &["----- original message -----"]);
    let start = text.find("** ")?;
    let mut diag = String::new();
    for line in text[start..].split('\n') {
        if !line.starts_with("Content-Type:") {
            push_text(&mut diag, line);
        }
    }
    let recipient = m
        .original
        .as_ref()
        .and_then(|o| o.headers.get_nonempty("to"))
        .and_then(first_address)?;
    Some(vec![Delivery {
        recipient,
        diagnostic: diag,
        ..Default::default()
    }])
}
