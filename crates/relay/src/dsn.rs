//! The relay's DSNs: which recipients, which fields, what is returned — built with
//! `mailway_bounce::build_dsn`.

use std::time::{SystemTime, UNIX_EPOCH};

use mailway_bounce::{DsnAction, DsnRecipient, DsnSpec, ReturnContent, build_dsn};
use mailway_spool::{LastReply, MessageRecord, RcptState, RcptStatus, Ret};
use mailway_status::EnhancedStatus;

use crate::options::EngineOptions;

/// The kind of notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DsnKind {
    /// Failure (permanent failure or expiry), possibly reporting successes too.
    Failure,
    /// Delay warning (4.4.7, Will-Retry-Until).
    Delay,
    /// Success ("relayed": the next hop does not return DSNs).
    Success,
}

impl DsnKind {
    pub(crate) fn action(&self) -> &'static str {
        match self {
            DsnKind::Failure => "failed",
            DsnKind::Delay => "delayed",
            DsnKind::Success => "relayed",
        }
    }
}

/// The reply a DSN reports for a recipient: the last real SMTP reply when there is one,
/// else the last local error. Returns (`Diagnostic-Code` value, remote MTA host).
pub(crate) fn diagnostic(r: &RcptStatus) -> (Option<String>, Option<String>) {
    let pick: Option<&LastReply> = match (&r.last_reply, &r.last_smtp_reply) {
        (Some(l), _) if l.smtp => Some(l),
        (_, Some(s)) => Some(s),
        (l, None) => l.as_ref(),
    };
    match pick {
        None => (None, None),
        Some(l) => {
            let kind = if l.smtp { "smtp" } else { "X-Mailway" };
            let text = l.text.replace(['\r', '\n'], " ");
            (
                Some(format!("{kind}; {}", text.trim())),
                l.remote_mta.as_deref().map(remote_host),
            )
        }
    }
}

/// `mx.example.com [192.0.2.1]:25` → `mx.example.com`; `[192.0.2.1]:25` → `[192.0.2.1]`.
pub(crate) fn remote_host(s: &str) -> String {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('[') {
        return format!("[{}]", rest.split(']').next().unwrap_or(rest));
    }
    s.split([' ', '[']).next().unwrap_or(s).to_string()
}

/// Builds the DSN message about recipients `idx` of `rec`.
pub(crate) fn build(
    opts: &EngineOptions,
    rec: &MessageRecord,
    content: &[u8],
    idx: &[usize],
    kind: DsnKind,
    now: SystemTime,
    expires: SystemTime,
) -> Vec<u8> {
    let recipients = idx
        .iter()
        .filter_map(|&i| rec.recipients.get(i))
        .map(|r| {
            let (diag, rmta) = diagnostic(r);
            let (action, status, retry_until) = match (kind, r.state) {
                (DsnKind::Delay, _) => (
                    DsnAction::Delayed,
                    EnhancedStatus::new(4, 4, 7),
                    Some(expires),
                ),
                (_, RcptState::Delivered) => (
                    DsnAction::Relayed,
                    r.final_status
                        .as_deref()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(EnhancedStatus::new(2, 0, 0)),
                    None,
                ),
                _ => (
                    DsnAction::Failed,
                    r.final_status
                        .as_deref()
                        .and_then(|s| s.parse().ok())
                        .filter(|s: &EnhancedStatus| s.class == 5)
                        .unwrap_or(EnhancedStatus::new(5, 0, 0)),
                    None,
                ),
            };
            DsnRecipient {
                final_recipient: r.recipient.address.clone(),
                original_recipient: r.recipient.orcpt.clone(),
                action,
                status,
                remote_mta: rmta,
                diagnostic_code: diag,
                last_attempt_date: r.last_attempt,
                will_retry_until: retry_until,
            }
        })
        .collect();
    let original = match kind {
        DsnKind::Failure => match rec.envelope.ret {
            Some(Ret::Full) => ReturnContent::Full(content.to_vec()),
            Some(Ret::Hdrs) => ReturnContent::Headers(header_bytes(content).to_vec()),
            None if content.len() as u64 <= opts.dsn.return_full_limit => {
                ReturnContent::Full(content.to_vec())
            }
            None => ReturnContent::Headers(header_bytes(content).to_vec()),
        },
        DsnKind::Delay | DsnKind::Success => ReturnContent::Headers(header_bytes(content).to_vec()),
    };
    let millis = now
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let spec = DsnSpec {
        reporting_mta: opts.hostname.clone(),
        from: format!("MAILER-DAEMON@{}", opts.hostname),
        to: rec.envelope.sender.clone(),
        date: now,
        message_id: format!("<{}.{}.{millis}@{}>", rec.id, kind.action(), opts.hostname),
        queue_id: Some(rec.id.to_string()),
        envid: rec.envelope.envid.clone(),
        arrival_date: Some(rec.arrival),
        received_from_mta: rec.envelope.origin.helo.clone(),
        original_message_id: rec.message_id.clone(),
        recipients,
        original,
    };
    build_dsn(&spec)
}

/// The header section of a message (up to and including the blank line, or everything).
pub(crate) fn header_bytes(content: &[u8]) -> &[u8] {
    let mut i = 0;
    while i < content.len() {
        let rest = &content[i..];
        if rest.starts_with(b"\r\n") {
            return &content[..i];
        }
        if rest.starts_with(b"\n") {
            return &content[..i];
        }
        match rest.iter().position(|&b| b == b'\n') {
            Some(p) => i += p + 1,
            None => return content,
        }
    }
    content
}

/// The header section as text, cut at `max` bytes.
pub(crate) fn header_section(content: &[u8], max: usize) -> String {
    let h = header_bytes(content);
    let h = &h[..h.len().min(max)];
    String::from_utf8_lossy(h).into_owned()
}

/// The unfolded value of the first header `name` (case-insensitive), trimmed.
pub(crate) fn header_value(content: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(header_bytes(content));
    let mut found: Option<String> = None;
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if let Some(v) = found.as_mut() {
            if line.starts_with([' ', '\t']) {
                if !v.is_empty() {
                    v.push(' ');
                }
                v.push_str(line.trim());
                continue;
            }
            break;
        }
        if let Some((n, v)) = line.split_once(':')
            && n.trim().eq_ignore_ascii_case(name)
        {
            found = Some(v.trim().to_string());
        }
    }
    found.filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let m = b"Subject: a\r\nMessage-ID:\r\n <x@y>\r\n\r\nbody\r\nMessage-ID: no\r\n";
        assert_eq!(header_value(m, "message-id").as_deref(), Some("<x@y>"));
        assert_eq!(header_bytes(m), b"Subject: a\r\nMessage-ID:\r\n <x@y>\r\n");
        assert_eq!(header_value(b"no headers", "subject"), None);
    }

    #[test]
    fn remote_hosts() {
        assert_eq!(
            remote_host("mx.example.com [192.0.2.1]:25"),
            "mx.example.com"
        );
        assert_eq!(remote_host("[192.0.2.1]:25"), "[192.0.2.1]");
        assert_eq!(remote_host("[::1]:25"), "[::1]");
    }
}
