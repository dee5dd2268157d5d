//! Microsoft 365 / Exchange Online: "Undeliverable: ..." with "Delivery has failed to these
//! recipients or groups:" and "Diagnostic information for administrators:" (`Remote Server
//! returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'`), with or without a
//! delivery-status part.

use super::common::{before_any, push_text};
use super::probe::{Probe, has_header};
use super::rfc3464::parse_standard;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, first_address, starts_with_ci};

/// The Microsoft 365 recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "office365",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    (has_header!(m, "x-ms-exchange-message-is-ndr")
        || has_header!(m, "x-ms-exchange-crosstenant-originalarrivaltime")
        || m.in_from(".onmicrosoft.com"))
        && contains_ci(&m.body, "diagnostic information for administrators")
}

/// Marks of Exchange Online (Microsoft 365) rather than an on-premises Exchange server: its
/// cross-tenant headers, an `onmicrosoft.com` sender, or its `*.prod.outlook.com` hosts.
pub fn is_exchange_online(m: &Probe) -> bool {
    has_header!(m, "x-ms-exchange-crosstenant-originalarrivaltime")
        || m.in_from(".onmicrosoft.com")
        || m.message_id()
            .is_some_and(|v| contains_ci(v, ".prod.outlook.com"))
        || m.header("received")
            .is_some_and(|v| contains_ci(v, ".prod.outlook.com"))
}

/// Parses an Exchange / Microsoft 365 report; shared with on-premises Exchange.
pub fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(
        &m.body,
        &["original message headers:", "content-type: message/rfc822"],
    );
    let admin = text
        .split_once("Diagnostic information for administrators:")
        .map(|(_, r)| r)
        .unwrap_or("");
    // "Generating server: X" / "addr" / "Remote Server returned '...'" blocks
    let mut text_ds: Vec<Delivery> = Vec::new();
    let mut generating = None;
    for line in admin.split('\n') {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(g) = t.strip_prefix("Generating server:") {
            generating = Some(g.trim().to_ascii_lowercase());
            continue;
        }
        if let Some(a) = first_address(t)
            && a.len() + 2 >= t.trim_end_matches(['>', ' ']).len()
        {
            text_ds.push(Delivery {
                recipient: a,
                reporting_mta: generating.clone(),
                ..Default::default()
            });
            continue;
        }
        if let Some(d) = text_ds.last_mut() {
            let t = t
                .strip_prefix("Remote Server returned '")
                .map(|r| r.trim_end_matches('\''))
                .unwrap_or(t);
            if starts_with_ci(t, "original message headers") {
                break;
            }
            push_text(&mut d.diagnostic, t);
        }
    }
    let ds = match parse_standard(m) {
        Some(mut std) => {
            for d in &mut std {
                if let Some(t) = text_ds
                    .iter()
                    .find(|t| t.recipient.eq_ignore_ascii_case(&d.recipient))
                    && d.diagnostic.is_empty()
                {
                    d.diagnostic = t.diagnostic.clone();
                }
            }
            std
        }
        None => text_ds,
    };
    let mut ds = ds;
    for d in &mut ds {
        // Exchange Online's own "4.4.316/5.4.316 Message expired": it gave up retrying
        if d.status
            .is_some_and(|s| s.subject == 4 && (s.detail == 316 || s.detail == 7))
            && crate::text::contains_ci(&d.diagnostic, "message expired")
        {
            d.reason = Some(mailway_status::Reason::Expired);
        }
    }
    (!ds.is_empty()).then_some(ds)
}
