//! Zoho Mail: "address Invalid Address, ERROR_CODE :550, ERROR_CODE :5.2.1 ..." lines, and
//! delay notices with "[Status: Error, Address: \<address\>, ResponseCode 421, , ...]".

use super::probe::{Probe, has_header};
use mailway_status::Reason;

use super::common::Collector;
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::record::Action;
use crate::text::{contains_ci, first_address, squeeze, starts_with_ci};

/// The Zoho recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "zoho",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    m.in_from("mailer-daemon@mail.zoho")
        || has_header!(m, "x-zohomail")
        || m.in_from("mailer-daemon") && m.received_ci("mx.zohomail.com")
}

fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let delayed = contains_ci(&m.body, "message will be retried for");
    let mut c = Collector::default();
    for line in m.body.split('\n') {
        let t = line.trim();
        if starts_with_ci(t, "received:") || starts_with_ci(t, "----- transcript") {
            break;
        }
        if let Some(inner) = t.strip_prefix("[Status:") {
            // [Status: Error, Address: <a@b>, ResponseCode 421, , Host not reachable.]
            let inner = inner.trim_end_matches(']');
            let Some(a) = first_address(inner) else {
                continue;
            };
            let code = inner
                .split(',')
                .find_map(|p| p.trim().strip_prefix("ResponseCode "))
                .map(str::trim)
                .unwrap_or("");
            let text = inner.rsplit(',').next().unwrap_or("").trim();
            let d = c.start(a);
            d.diagnostic = squeeze(&format!("{code} {text}"));
            continue;
        }
        if contains_ci(t, "error_code")
            && let Some(first) = t.split_whitespace().next()
            && let Some(a) = first_address(first)
        {
            // "Invalid Address, ERROR_CODE :550, ERROR_CODE :5.2.1 <a>... User Unknown"
            let parts: Vec<&str> = t[first.len()..].split("ERROR_CODE :").collect();
            let mut diag = parts[1..]
                .iter()
                .map(|p| p.trim().trim_end_matches(',').trim())
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let label = parts[0].trim().trim_end_matches(',').trim();
            if !label.is_empty() {
                diag.push_str(&format!(" ({label})"));
            }
            let d = c.start(a);
            d.diagnostic = squeeze(&diag);
        }
    }
    let mut ds = c.finish()?;
    for d in &mut ds {
        if delayed {
            d.action = Some(Action::Delayed);
        }
        if contains_ci(&d.diagnostic, "host not reachable") {
            // Zoho retries an unreachable host until the message expires
            d.reason = Some(Reason::Expired);
        }
    }
    Some(ds)
}
