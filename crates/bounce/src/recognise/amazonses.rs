//! Amazon SES: its own DSNs ("The following message to \<address\> was undeliverable. ...
//! X.Y.Z - text NNN-'remote reply'") and the JSON notifications SES sends through Amazon SNS
//! ("AWS Notification Message": Bounce, Complaint, Delivery).

use super::probe::{Probe, has_header};
use mailway_status::Reason;
use serde_json::Value;

use super::common::merge_deliveries;
use super::rfc3464::parse_standard_raw;
use super::{Delivery, Recogniser};
use crate::fields::split_typed;
use crate::mail::Mail;
use crate::record::Action;
use crate::text::{all_statuses, contains_ci};

/// The Amazon SES recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "amazonses",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    has_header!(m, "x-ses-outgoing")
        || m.in_from("amazonses.com")
        || m.message_id()
            .is_some_and(|v| contains_ci(v, "amazonses.com>"))
            && m.in_from("mailer-daemon")
        || (m.in_from("no-reply@sns.amazonaws.com")
            && m.body.trim_start().starts_with("{\"notificationType\""))
}

/// Parses an Amazon SES report; shared with WorkMail and SES inbound.
pub fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    if let Some(json) = sns_json(&m.body) {
        return from_json(&json);
    }
    // parse_standard, then merge_standard, from one reading of the report fields
    let std = parse_standard_raw(m)?;
    let mut ds: Vec<Delivery> = std
        .iter()
        .filter(|d| d.recipient.contains('@'))
        .cloned()
        .collect();
    if ds.is_empty() {
        return None;
    }
    merge_deliveries(std, &mut ds);
    for d in &mut ds {
        // "5.1.0 - Unknown address error 550-'5.2.2 <a>... Mailbox Full' (delivery attempts: 0)":
        // SES's own code first, then the remote reply quoted after NNN-'...'
        if let Some(q) = d.diagnostic.find("-'")
            && q >= 3
            && let Ok(code) = d.diagnostic[q - 3..q].parse::<u16>()
            && (200..600).contains(&code)
        {
            d.reply_code = Some(code);
            let inner = &d.diagnostic[q + 2..];
            let inner = &inner[..inner.find('\'').unwrap_or(inner.len())];
            let own = all_statuses(&d.diagnostic[..q]);
            if let Some(s) = all_statuses(inner)
                .into_iter()
                .next()
                .or(own.first().copied())
            {
                d.status = Some(s);
                d.status_locked = true;
            }
        }
    }
    Some(ds)
}

/// The JSON document of an SNS notification, re-joined (SNS folds long lines with "!\n ").
fn sns_json(body: &str) -> Option<Value> {
    let start = body.find("{\"")?;
    let rest = &body[start..];
    let end = rest.find("\n--\n").unwrap_or(rest.len());
    let joined = rest[..end].replace("!\n ", "").replace('\n', "");
    serde_json::from_str(joined.trim()).ok()
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn from_json(v: &Value) -> Option<Vec<Delivery>> {
    let kind = s(v, "notificationType").or_else(|| s(v, "eventType"))?;
    let mut out = Vec::new();
    match kind {
        "Bounce" => {
            let b = v.get("bounce")?;
            let reporting = s(b, "reportingMTA").map(|r| split_typed(r).1.to_string());
            let when = s(b, "timestamp").map(str::to_string);
            for r in b.get("bouncedRecipients")?.as_array()? {
                let Some(addr) = s(r, "emailAddress") else {
                    continue;
                };
                let diag = s(r, "diagnosticCode").unwrap_or("");
                let (ty, text) = split_typed(diag);
                out.push(Delivery {
                    recipient: addr.to_ascii_lowercase(),
                    action: s(r, "action").and_then(Action::parse_lenient),
                    status: s(r, "status").and_then(|x| x.parse().ok()),
                    diagnostic: text.to_string(),
                    diagnostic_type: ty,
                    reporting_mta: reporting.clone(),
                    last_attempt: when.clone(),
                    ..Default::default()
                });
            }
        }
        "Complaint" => {
            let c = v.get("complaint")?;
            let ftype = s(c, "complaintFeedbackType")
                .map(str::to_string)
                .or(Some("abuse".into()));
            for r in c.get("complainedRecipients")?.as_array()? {
                let Some(addr) = s(r, "emailAddress") else {
                    continue;
                };
                out.push(Delivery {
                    recipient: addr.to_ascii_lowercase(),
                    reason: Some(Reason::Feedback),
                    feedback_type: ftype.clone(),
                    last_attempt: s(c, "timestamp").map(str::to_string),
                    ..Default::default()
                });
            }
        }
        "Delivery" => {
            let d = v.get("delivery")?;
            let resp = s(d, "smtpResponse").unwrap_or("");
            for r in d.get("recipients")?.as_array()? {
                let Some(addr) = r.as_str() else { continue };
                out.push(Delivery {
                    recipient: addr.to_ascii_lowercase(),
                    action: Some(Action::Delivered),
                    diagnostic: resp.to_string(),
                    reporting_mta: s(d, "reportingMTA").map(str::to_string),
                    last_attempt: s(d, "timestamp").map(str::to_string),
                    ..Default::default()
                });
            }
        }
        _ => return None,
    }
    (!out.is_empty()).then_some(out)
}
