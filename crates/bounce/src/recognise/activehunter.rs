//! Active!hunter (TransWARE, Japan): "FAILURE NOTICE :" with `>>> address <address>` lines and a
//! sendmail-like transcript.

use super::common::{Collector, before_any, push_text};
use super::probe::{Probe, has_header};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, first_address};

/// The Active!hunter recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "activehunter",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    has_header!(m, "x-ahmailid")
        || m.in_subject("failure notice :")
            && contains_ci(
                &m.body,
                "----- the following addresses had permanent fatal errors -----",
            )
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(&m.body, &["content-type: message/rfc822"]);
    let mut c = Collector::default();
    let mut transcript = false;
    for line in text.split('\n') {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(rest) = t.strip_prefix(">>> ")
            && let Some(a) = first_address(rest)
        {
            c.start(a);
            continue;
        }
        if contains_ci(t, "----- transcript of session follows -----") {
            transcript = true;
            continue;
        }
        if transcript && let Some(d) = c.current() {
            push_text(&mut d.diagnostic, t);
        }
    }
    c.finish()
}
