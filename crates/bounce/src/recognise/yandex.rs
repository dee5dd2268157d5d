//! Yandex.Mail: a Postfix-based MTA with a Russian/English notice and `X-Yandex-*` report
//! fields.

use super::probe::Probe;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::contains_ci;

/// The Yandex recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "yandex",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.in_from("mailer-daemon@yandex.")
        || m.dsn
            .as_deref()
            .is_some_and(|d| contains_ci(d, "x-yandex-queue-id:"))
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    super::postfix::parse(m)
}
