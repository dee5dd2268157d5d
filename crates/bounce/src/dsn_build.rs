//! Building RFC 3464 delivery status notifications (the relay's failure, delay and success
//! notices). Pure: every time and name comes in through [`DsnSpec`]; the output is the complete
//! message (CRLF line endings) ready to be queued with a null sender.
//!
//! The report is `multipart/report; report-type=delivery-status` with three parts: a
//! human-readable explanation, the `message/delivery-status` fields (per-message, then one group
//! per recipient: `Final-Recipient`, `Original-Recipient`, `Action`, `Status`, `Remote-MTA`,
//! `Diagnostic-Code`, `Last-Attempt-Date`, `Will-Retry-Until`), and the original message or
//! its headers (RFC 3461 `RET`). When an address is not ASCII, the RFC 6533 types
//! (`message/global-delivery-status`, `utf-8` address type) are used.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use mailway_bounce::{build_dsn, DsnAction, DsnRecipient, DsnSpec, ReturnContent};
//! use mailway_status::EnhancedStatus;
//!
//! let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let spec = DsnSpec {
//!     reporting_mta: "relay.example.org".into(),
//!     from: "MAILER-DAEMON@relay.example.org".into(),
//!     to: "sender@example.org".into(),
//!     date: t,
//!     message_id: "<dsn.1@relay.example.org>".into(),
//!     queue_id: Some("019A3F2C1B7D0042".into()),
//!     envid: None,
//!     arrival_date: Some(t),
//!     received_from_mta: None,
//!     original_message_id: None,
//!     recipients: vec![DsnRecipient {
//!         final_recipient: "rcpt@example.net".into(),
//!         original_recipient: None,
//!         action: DsnAction::Failed,
//!         status: EnhancedStatus::new(5, 1, 1),
//!         remote_mta: Some("mx.example.net".into()),
//!         diagnostic_code: Some("smtp; 550 5.1.1 no such user".into()),
//!         last_attempt_date: Some(t),
//!         will_retry_until: None,
//!     }],
//!     original: ReturnContent::Headers(b"Subject: hi\r\n".to_vec()),
//! };
//! let dsn = String::from_utf8(build_dsn(&spec)).unwrap();
//! assert!(dsn.contains("Status: 5.1.1\r\n"));
//! assert!(dsn.contains("Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n"));
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use mailway_status::EnhancedStatus;

/// RFC 3464 `Action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DsnAction {
    /// Permanently failed (or expired).
    Failed,
    /// Still being retried (a warning).
    Delayed,
    /// Delivered to the final mailbox.
    Delivered,
    /// Handed to a next hop that does not return DSNs.
    Relayed,
    /// Expanded (alias/list) — not produced by the relay, for completeness.
    Expanded,
}

impl DsnAction {
    /// The field value.
    pub fn as_str(&self) -> &'static str {
        match self {
            DsnAction::Failed => "failed",
            DsnAction::Delayed => "delayed",
            DsnAction::Delivered => "delivered",
            DsnAction::Relayed => "relayed",
            DsnAction::Expanded => "expanded",
        }
    }
}

/// One recipient reported on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsnRecipient {
    /// The recipient address (without address type; `rfc822;` or `utf-8;` is added).
    pub final_recipient: String,
    /// `ORCPT` as received (`rfc822;user@example.com`), written as `Original-Recipient`.
    pub original_recipient: Option<String>,
    /// What happened.
    pub action: DsnAction,
    /// The status code (`5.1.1`, `4.4.7`, `5.4.7`, `2.0.0`).
    pub status: EnhancedStatus,
    /// The server that answered (host name or `[IP]`), written as `Remote-MTA: dns; …`.
    pub remote_mta: Option<String>,
    /// Full `Diagnostic-Code` value with its type: `smtp; 550 5.1.1 …` or `X-Mailway; …`.
    pub diagnostic_code: Option<String>,
    /// `Last-Attempt-Date`.
    pub last_attempt_date: Option<SystemTime>,
    /// `Will-Retry-Until` (delay notices).
    pub will_retry_until: Option<SystemTime>,
}

/// What of the original message goes in the third part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReturnContent {
    /// The whole message (`message/rfc822`).
    Full(Vec<u8>),
    /// Its header section (`text/rfc822-headers`).
    Headers(Vec<u8>),
    /// Nothing (no third part).
    Nothing,
}

/// Everything a DSN says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsnSpec {
    /// Our host name (`Reporting-MTA: dns; …`).
    pub reporting_mta: String,
    /// `From:` address of the notice (e.g. `MAILER-DAEMON@host`).
    pub from: String,
    /// `To:` the original envelope sender.
    pub to: String,
    /// `Date:` of the notice.
    pub date: SystemTime,
    /// `Message-ID:` of the notice, with angle brackets.
    pub message_id: String,
    /// Our queue id of the original message (`X-Mailway-Queue-ID`).
    pub queue_id: Option<String>,
    /// `ENVID` of the original (`Original-Envelope-Id`).
    pub envid: Option<String>,
    /// When the original arrived (`Arrival-Date`).
    pub arrival_date: Option<SystemTime>,
    /// Who sent it to us (`Received-From-MTA: dns; …`).
    pub received_from_mta: Option<String>,
    /// `Message-ID:` of the original, for `In-Reply-To`/`References`.
    pub original_message_id: Option<String>,
    /// The recipients reported on (at least one).
    pub recipients: Vec<DsnRecipient>,
    /// The returned content.
    pub original: ReturnContent,
}

/// Builds the notice. Never panics; non-ASCII in fields that must be ASCII is replaced.
pub fn build_dsn(spec: &DsnSpec) -> Vec<u8> {
    let utf8 = !spec.to.is_ascii()
        || spec.recipients.iter().any(|r| {
            !r.final_recipient.is_ascii()
                || r.original_recipient
                    .as_deref()
                    .is_some_and(|o| !o.is_ascii())
        });
    let boundary = format!(
        "{}/{}",
        spec.queue_id.as_deref().unwrap_or("dsn"),
        sanitize(&spec.reporting_mta)
    );
    let any = |a: DsnAction| spec.recipients.iter().any(|r| r.action == a);
    let subject = if any(DsnAction::Failed) {
        "Undelivered Mail Returned to Sender"
    } else if any(DsnAction::Delayed) {
        "Delayed Mail (still being retried)"
    } else {
        "Successful Mail Delivery Report"
    };
    let mut out = String::with_capacity(4096);
    let mut h = |name: &str, value: &str| header(&mut out, name, value);
    h(
        "From",
        &format!("Mail Delivery System <{}>", sanitize(&spec.from)),
    );
    h("To", &format!("<{}>", clean_line(&spec.to, utf8)));
    h("Subject", subject);
    h("Date", &rfc5322_date(spec.date));
    h("Message-ID", &sanitize(&spec.message_id));
    if let Some(id) = &spec.original_message_id {
        let id = sanitize(id);
        h("In-Reply-To", &id);
        h("References", &id);
    }
    h("Auto-Submitted", "auto-replied");
    h("MIME-Version", "1.0");
    let report_type = if utf8 {
        "global-delivery-status"
    } else {
        "delivery-status"
    };
    h(
        "Content-Type",
        &format!("multipart/report; report-type={report_type}; boundary=\"{boundary}\""),
    );
    out.push_str("\r\n");
    out.push_str("This is a MIME-encapsulated message.\r\n\r\n");

    // 1. human-readable part
    out.push_str(&format!("--{boundary}\r\n"));
    out.push_str("Content-Description: Notification\r\n");
    out.push_str("Content-Type: text/plain; charset=utf-8\r\n");
    out.push_str("Content-Transfer-Encoding: 8bit\r\n\r\n");
    out.push_str(&human_text(spec));
    out.push_str("\r\n");

    // 2. machine-readable part
    out.push_str(&format!("--{boundary}\r\n"));
    out.push_str("Content-Description: Delivery report\r\n");
    out.push_str(&format!("Content-Type: message/{report_type}\r\n"));
    if utf8 {
        out.push_str("Content-Transfer-Encoding: 8bit\r\n");
    }
    out.push_str("\r\n");
    let mut f = |name: &str, value: &str| header(&mut out, name, value);
    f(
        "Reporting-MTA",
        &format!("dns; {}", sanitize(&spec.reporting_mta)),
    );
    if let Some(q) = &spec.queue_id {
        f("X-Mailway-Queue-ID", &sanitize(q));
    }
    if let Some(r) = &spec.received_from_mta {
        f("Received-From-MTA", &format!("dns; {}", sanitize(r)));
    }
    if let Some(e) = &spec.envid {
        f("Original-Envelope-Id", &xtext(e));
    }
    if let Some(a) = spec.arrival_date {
        f("Arrival-Date", &rfc5322_date(a));
    }
    for r in &spec.recipients {
        out.push_str("\r\n");
        let mut f = |name: &str, value: &str| header(&mut out, name, value);
        let atype = if r.final_recipient.is_ascii() {
            "rfc822"
        } else {
            "utf-8"
        };
        f(
            "Final-Recipient",
            &format!("{atype}; {}", clean_line(&r.final_recipient, utf8)),
        );
        if let Some(o) = &r.original_recipient {
            f("Original-Recipient", &clean_line(o, utf8));
        }
        f("Action", r.action.as_str());
        f("Status", &r.status.to_string());
        if let Some(m) = &r.remote_mta {
            f("Remote-MTA", &format!("dns; {}", sanitize(m)));
        }
        if let Some(d) = &r.diagnostic_code {
            f("Diagnostic-Code", &clean_line(d, utf8));
        }
        if let Some(t) = r.last_attempt_date {
            f("Last-Attempt-Date", &rfc5322_date(t));
        }
        if let Some(t) = r.will_retry_until {
            f("Will-Retry-Until", &rfc5322_date(t));
        }
    }
    out.push_str("\r\n");

    // 3. the original
    let mut bytes = out.into_bytes();
    let (desc, ctype, content) = match &spec.original {
        ReturnContent::Full(m) => (
            "Undelivered Message",
            if utf8 {
                "message/global"
            } else {
                "message/rfc822"
            },
            Some(m.as_slice()),
        ),
        ReturnContent::Headers(m) => (
            "Undelivered Message Headers",
            if utf8 {
                "message/global-headers"
            } else {
                "text/rfc822-headers"
            },
            Some(m.as_slice()),
        ),
        ReturnContent::Nothing => ("", "", None),
    };
    if let Some(content) = content {
        let eightbit = content.iter().any(|&b| b >= 0x80);
        let mut part =
            format!("--{boundary}\r\nContent-Description: {desc}\r\nContent-Type: {ctype}\r\n");
        if eightbit {
            part.push_str("Content-Transfer-Encoding: 8bit\r\n");
        }
        part.push_str("\r\n");
        bytes.extend_from_slice(part.as_bytes());
        let body = to_crlf(content);
        bytes.extend_from_slice(&body);
        if !body.ends_with(b"\r\n") {
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    bytes
}

fn human_text(spec: &DsnSpec) -> String {
    let mut t = format!(
        "This is the mail system at host {}.\r\n\r\n",
        sanitize(&spec.reporting_mta)
    );
    let failed: Vec<&DsnRecipient> = spec
        .recipients
        .iter()
        .filter(|r| r.action == DsnAction::Failed)
        .collect();
    let delayed: Vec<&DsnRecipient> = spec
        .recipients
        .iter()
        .filter(|r| r.action == DsnAction::Delayed)
        .collect();
    let ok: Vec<&DsnRecipient> = spec
        .recipients
        .iter()
        .filter(|r| matches!(r.action, DsnAction::Delivered | DsnAction::Relayed))
        .collect();
    if !failed.is_empty() {
        t.push_str(
            "I'm sorry to have to inform you that your message could not be delivered to one\r\n\
             or more recipients. It is attached below.\r\n\r\n\
             For further assistance, please send mail to postmaster.\r\n\r\n\
             If you do so, please include this problem report. You can delete your own text\r\n\
             from the attached returned message.\r\n\r\n",
        );
    } else if !delayed.is_empty() {
        t.push_str(
            "####################################################################\r\n\
             # THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\r\n\
             ####################################################################\r\n\r\n\
             Your message could not be delivered yet. The mail system will keep trying\r\n",
        );
        if let Some(until) = delayed.iter().filter_map(|r| r.will_retry_until).max() {
            t.push_str(&format!("until {}.\r\n\r\n", rfc5322_date(until)));
        } else {
            t.push_str("for a while.\r\n\r\n");
        }
    } else {
        t.push_str(
            "Your message was successfully delivered to the destination(s) listed below.\r\n\r\n",
        );
    }
    for (title, list) in [
        ("Could not be delivered:", &failed),
        ("Delayed, still being retried:", &delayed),
        ("Delivered or relayed:", &ok),
    ] {
        if list.is_empty() {
            continue;
        }
        t.push_str(title);
        t.push_str("\r\n\r\n");
        for r in list.iter() {
            let what = match (&r.remote_mta, &r.diagnostic_code) {
                (Some(m), Some(d)) => {
                    let d = d.split_once(';').map(|(_, v)| v.trim()).unwrap_or(d);
                    format!("host {} said: {}", sanitize(m), d)
                }
                (None, Some(d)) => d
                    .split_once(';')
                    .map(|(_, v)| v.trim())
                    .unwrap_or(d)
                    .to_string(),
                (Some(m), None) => format!("{} by {}", r.action.as_str(), sanitize(m)),
                (None, None) => format!("{} ({})", r.action.as_str(), r.status),
            };
            t.push_str(&format!(
                "<{}>: {}\r\n\r\n",
                r.final_recipient.replace(['\r', '\n'], " "),
                what.replace(['\r', '\n'], " ")
            ));
        }
    }
    t
}

/// Writes `Name: value` folded at whitespace to stay near 78 columns.
fn header(out: &mut String, name: &str, value: &str) {
    let mut line_len = name.len() + 2;
    out.push_str(name);
    out.push_str(": ");
    let mut first = true;
    for word in value.split(' ') {
        if !first {
            if line_len + 1 + word.len() > 78 && line_len > name.len() + 2 {
                out.push_str("\r\n ");
                line_len = 1;
            } else {
                out.push(' ');
                line_len += 1;
            }
        }
        out.push_str(word);
        line_len += word.len();
        first = false;
    }
    out.push_str("\r\n");
}

/// ASCII printable only (control characters and non-ASCII become `?`).
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// One line: no CR/LF/controls; non-ASCII kept only in UTF-8 reports.
fn clean_line(s: &str, utf8: bool) -> String {
    s.chars()
        .map(|c| {
            if c == '\t' || c == '\r' || c == '\n' {
                ' '
            } else if c.is_control() || (!utf8 && !c.is_ascii()) {
                '?'
            } else {
                c
            }
        })
        .collect()
}

/// RFC 3461 xtext encoding (for `Original-Envelope-Id`).
fn xtext(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if (33..=126).contains(&b) && b != b'+' && b != b'=' {
            o.push(b as char);
        } else {
            o.push_str(&format!("+{b:02X}"));
        }
    }
    o
}

fn to_crlf(b: &[u8]) -> Vec<u8> {
    let mut o = Vec::with_capacity(b.len() + b.len() / 40);
    let mut prev = 0u8;
    for &c in b {
        if c == b'\n' && prev != b'\r' {
            o.push(b'\r');
        }
        o.push(c);
        prev = c;
    }
    o
}

/// An RFC 5322 date in UTC: `Tue, 14 Nov 2023 22:13:20 +0000`.
pub fn rfc5322_date(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MO: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {} {} {} {:02}:{:02}:{:02} +0000",
        WD[days.rem_euclid(7) as usize],
        d,
        MO[(m - 1) as usize],
        y,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-from-civil inverse: (year, month 1-12, day 1-31).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn t(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn dates() {
        assert_eq!(rfc5322_date(t(0)), "Thu, 1 Jan 1970 00:00:00 +0000");
        assert_eq!(
            rfc5322_date(t(1_700_000_000)),
            "Tue, 14 Nov 2023 22:13:20 +0000"
        );
        assert_eq!(
            rfc5322_date(t(951_782_400)),
            "Tue, 29 Feb 2000 00:00:00 +0000"
        );
    }

    #[test]
    fn folding_and_xtext() {
        let mut s = String::new();
        header(
            &mut s,
            "Diagnostic-Code",
            &format!("smtp; 550 {}", "word ".repeat(30)),
        );
        assert!(s.lines().all(|l| l.len() <= 80), "{s}");
        assert!(s.contains("\r\n "));
        assert_eq!(xtext("a+b=c d"), "a+2Bb+3Dc+20d");
    }

    #[test]
    fn utf8_addresses_use_global_types() {
        let spec = DsnSpec {
            reporting_mta: "r.example".into(),
            from: "MAILER-DAEMON@r.example".into(),
            to: "sender@example.org".into(),
            date: t(1),
            message_id: "<x@r.example>".into(),
            queue_id: None,
            envid: Some("abc def".into()),
            arrival_date: None,
            received_from_mta: None,
            original_message_id: None,
            recipients: vec![DsnRecipient {
                final_recipient: "josé@ejemplo.es".into(),
                original_recipient: None,
                action: DsnAction::Delayed,
                status: EnhancedStatus::new(4, 4, 7),
                remote_mta: None,
                diagnostic_code: None,
                last_attempt_date: None,
                will_retry_until: Some(t(100)),
            }],
            original: ReturnContent::Nothing,
        };
        let s = String::from_utf8(build_dsn(&spec)).unwrap();
        assert!(s.contains("report-type=global-delivery-status"));
        assert!(s.contains("Final-Recipient: utf-8; josé@ejemplo.es\r\n"));
        assert!(s.contains("Original-Envelope-Id: abc+20def\r\n"));
        assert!(s.contains("Will-Retry-Until: Thu, 1 Jan 1970 00:01:40 +0000\r\n"));
        assert!(s.contains("THIS IS A WARNING ONLY"));
        assert!(s.ends_with("--\r\n"));
    }

    /// Our own notices read back by our own parser: the report's Status wins over the last
    /// attempt's transient code quoted in the diagnostic (delay: 4.4.7, failure: 5.4.7).
    #[test]
    fn own_delay_and_expiry_notices_read_back_with_their_status() {
        for (action, status, want_action, want_reason) in [
            (
                DsnAction::Delayed,
                EnhancedStatus::new(4, 4, 7),
                crate::Action::Delayed,
                "expired",
            ),
            (
                DsnAction::Failed,
                EnhancedStatus::new(5, 4, 7),
                crate::Action::Failed,
                "expired",
            ),
        ] {
            let spec = DsnSpec {
                reporting_mta: "relay.example.org".into(),
                from: "MAILER-DAEMON@relay.example.org".into(),
                to: "sender@example.org".into(),
                date: t(1_700_000_000),
                message_id: "<n1@relay.example.org>".into(),
                queue_id: Some("Q1".into()),
                envid: None,
                arrival_date: Some(t(1_699_990_000)),
                received_from_mta: None,
                original_message_id: Some("<m1@example.org>".into()),
                recipients: vec![DsnRecipient {
                    final_recipient: "bob@dest.example".into(),
                    original_recipient: None,
                    action,
                    status,
                    remote_mta: Some("mx.dest.example".into()),
                    diagnostic_code: Some(
                        "smtp; 450 4.2.1 <bob@dest.example>: mailbox busy, try later".into(),
                    ),
                    last_attempt_date: Some(t(1_699_999_000)),
                    will_retry_until: (action == DsnAction::Delayed).then(|| t(1_700_100_000)),
                }],
                original: ReturnContent::Headers(
                    b"From: sender@example.org\r\nTo: bob@dest.example\r\nSubject: hi\r\nMessage-ID: <m1@example.org>\r\n\r\n".to_vec(),
                ),
            };
            let a = crate::analyze(&build_dsn(&spec)).unwrap();
            assert_eq!(a.records.len(), 1, "{a:#?}");
            let r = &a.records[0];
            assert_eq!(r.recipient, "bob@dest.example");
            assert_eq!(r.action, Some(want_action));
            assert_eq!(r.status, Some(status), "{r:#?}");
            assert_eq!(r.reason.as_str(), want_reason, "{r:#?}");
            assert!(!r.hard_bounce || action == DsnAction::Failed, "{r:#?}");
            assert!(
                r.diagnostic_code
                    .as_deref()
                    .is_some_and(|d| d.contains("450 4.2.1")),
                "{r:#?}"
            );
        }
    }
}
