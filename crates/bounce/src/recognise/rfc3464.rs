//! RFC 3464 delivery status notifications (`multipart/report; report-type=delivery-status`)
//! and RFC 6533 `message/global-delivery-status`, from any MTA that writes standard reports.
//! Also reads DSN fields pasted into a text part.

use super::probe::Probe;
use super::{Delivery, Recogniser};
use crate::dsn::{delivery_from_group_raw, parse_dsn};
use crate::mail::Mail;
use crate::text::contains_ci;

/// The RFC 3464 recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "rfc3464",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.dsn.is_some() || contains_ci(&m.body, "final-recipient:")
}

/// Parses the standard report fields; shared with MTAs that write plain RFC 3464 reports.
pub fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    parse_standard(m)
}

/// The deliveries of the standard report fields of `m` (delivery-status part, else fields in the
/// text). Vendor recognisers call this and then add what their text part says.
pub fn parse_standard(m: &Mail) -> Option<Vec<Delivery>> {
    let out: Vec<Delivery> = parse_standard_raw(m)?
        .into_iter()
        .filter(|d| d.recipient.contains('@'))
        .collect();
    (!out.is_empty()).then_some(out)
}

/// Every recipient group of the standard report fields, also those whose recipient is a file or
/// a pipe (recipient then holds the raw value).
pub fn parse_standard_raw(m: &Mail) -> Option<Vec<Delivery>> {
    let text = match &m.dsn {
        Some(d) if contains_ci(d, "recipient:") => d.as_str(),
        _ if contains_ci(&m.body, "final-recipient:") => m.body.as_str(),
        Some(d) => d.as_str(),
        None => return None,
    };
    let report = parse_dsn(text);
    let out: Vec<Delivery> = report
        .recipients
        .iter()
        .filter_map(|g| delivery_from_group_raw(&report.message, g))
        .collect();
    (!out.is_empty()).then_some(out)
}
