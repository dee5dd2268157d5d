//! mailway's own queue as its HTTP API lists it (`GET /api/v1/queue`:
//! `{"messages":[MessageSummary…]}`, times in RFC 3339).

use serde::Deserialize;

use crate::queue::{QueueEntry, QueueRcpt};
use crate::time::parse_rfc3339;

#[derive(Debug, Deserialize)]
struct Listing {
    messages: Vec<Summary>,
}

#[derive(Debug, Deserialize)]
struct Summary {
    id: String,
    arrival: String,
    #[serde(default)]
    size: u64,
    #[serde(default)]
    sender: String,
    #[serde(default)]
    recipients: Vec<Rcpt>,
    #[serde(default)]
    next_attempt: Option<String>,
    #[serde(default)]
    expires: Option<String>,
    #[serde(default)]
    active: bool,
    #[serde(default)]
    hold: bool,
    #[serde(default)]
    last_reply: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Rcpt {
    address: String,
    state: String,
    #[serde(default)]
    attempts: Option<u32>,
}

/// An answer of the queue API that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Not the JSON shape of `GET /api/v1/queue`.
    #[error("not a mailway queue listing: {0}")]
    Shape(#[from] serde_json::Error),
    /// A time that is not RFC 3339.
    #[error("message {id}: bad {field} time {value:?}")]
    Time {
        /// Queue id.
        id: String,
        /// Field name.
        field: &'static str,
        /// The value.
        value: String,
    },
}

/// The state of a whole mailway message from its recipients: `active` (a delivery runs now),
/// `hold`, `deferred` (one was deferred), else `pending`; `done` when every recipient is final.
pub fn message_state(active: bool, hold: bool, states: &[&str]) -> &'static str {
    if active {
        "active"
    } else if hold {
        "hold"
    } else if states.contains(&"deferred") {
        "deferred"
    } else if states.iter().all(|s| matches!(*s, "delivered" | "failed")) && !states.is_empty() {
        "done"
    } else {
        "pending"
    }
}

/// Parses the body of `GET /api/v1/queue`. The message's `last_reply` becomes the reason text
/// of its deferred recipients.
pub fn parse_api_list(body: &[u8]) -> Result<Vec<QueueEntry>, ApiError> {
    let l: Listing = serde_json::from_slice(body)?;
    let mut out = Vec::with_capacity(l.messages.len());
    for m in l.messages {
        let time = |field: &'static str, v: &str| {
            parse_rfc3339(v)
                .map(|(t, _)| t)
                .ok_or_else(|| ApiError::Time {
                    id: m.id.clone(),
                    field,
                    value: v.to_string(),
                })
        };
        let arrival = time("arrival", &m.arrival)?;
        let expires = m
            .expires
            .as_deref()
            .map(|v| time("expires", v))
            .transpose()?;
        let next_attempt = m
            .next_attempt
            .as_deref()
            .map(|v| time("next_attempt", v))
            .transpose()?;
        let states: Vec<&str> = m.recipients.iter().map(|r| r.state.as_str()).collect();
        let queue = message_state(m.active, m.hold, &states).to_string();
        let recipients = m
            .recipients
            .iter()
            .map(|r| QueueRcpt {
                attempts: r.attempts,
                reason_text: if r.state == "deferred" {
                    m.last_reply.clone()
                } else {
                    None
                },
                ..QueueRcpt::new(r.address.clone(), r.state.clone())
            })
            .collect();
        out.push(QueueEntry {
            id: m.id,
            queue,
            arrival,
            size: m.size,
            sender: m.sender,
            recipients,
            next_attempt,
            expires,
            last_reply: m.last_reply,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing() {
        let body = br#"{"messages":[
          {"id":"019A3F2C1B7D0042","arrival":"2026-11-28T00:00:00.000Z","size":120,"sender":"a@x.org",
           "recipients":[{"address":"b@Example.com","state":"deferred","attempts":2,"next_attempt":"2026-11-28T01:00:00.000Z"},
                         {"address":"c@example.com","state":"delivered","attempts":1}],
           "next_attempt":"2026-11-28T01:00:00.000Z","expires":"2026-12-03T00:00:00.000Z","active":false,
           "last_reply":"450 4.2.0 greylisted"},
          {"id":"019A3F2C1B7D0043","arrival":"2026-11-28T00:00:01Z","size":5,"sender":"",
           "recipients":[{"address":"d@e","state":"pending","attempts":0}],
           "expires":"2026-12-03T00:00:01Z","active":true}
        ]}"#;
        let e = parse_api_list(body).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].queue, "deferred");
        assert_eq!(e[0].arrival, 1_795_824_000);
        assert_eq!(e[0].expires, Some(1_795_824_000 + 5 * 86_400));
        assert_eq!(e[0].next_attempt, Some(1_795_824_000 + 3600));
        assert_eq!(e[0].recipients[0].domain, "example.com");
        assert_eq!(e[0].recipients[0].attempts, Some(2));
        assert_eq!(
            e[0].recipients[0].reason_text.as_deref(),
            Some("450 4.2.0 greylisted")
        );
        assert_eq!(e[0].recipients[1].reason_text, None);
        assert_eq!(e[1].queue, "active");
        assert!(e[1].is_bounce());
    }

    #[test]
    fn bad_answers() {
        assert!(matches!(
            parse_api_list(br#"{"error":{"code":"x"}}"#),
            Err(ApiError::Shape(_))
        ));
        let bad = br#"{"messages":[{"id":"1","arrival":"yesterday","recipients":[]}]}"#;
        let err = parse_api_list(bad).unwrap_err().to_string();
        assert!(
            err.contains("arrival") && err.contains("yesterday"),
            "{err}"
        );
        assert!(parse_api_list(b"").is_err());
    }

    #[test]
    fn states() {
        assert_eq!(
            message_state(false, false, &["pending", "delivered"]),
            "pending"
        );
        assert_eq!(
            message_state(false, false, &["delivered", "failed"]),
            "done"
        );
        assert_eq!(message_state(false, true, &["deferred"]), "hold");
        assert_eq!(message_state(true, false, &["deferred"]), "active");
        assert_eq!(message_state(false, false, &[]), "pending");
    }
}
