//! Completes recogniser output into [`BounceRecord`]s: codes and command from the diagnostic
//! text, the reason (recogniser's own knowledge, then `mailway_status::classify`, then bounce
//! context), hard/soft, dates and the returned message's identity.

use mailway_status::{
    Classification, Context, DsnAction, Reason, Reply, SmtpCommand, classify_with,
};

use crate::mail::{Mail, Original, decoded_header_block};
use crate::recognise::Delivery;
use crate::record::{Action, BounceRecord};
use crate::text::{
    all_statuses, clean_address, find_ci, find_reply_code, is_generic_status, normalize_date,
    squeeze,
};

/// Builds the records of one message.
pub fn finish(mail: &Mail, detector: &str, ds: Vec<Delivery>) -> Vec<BounceRecord> {
    let original = mail.original.as_ref();
    // the report's date stands in for a delivery's missing last attempt only
    let report_date = if ds.iter().any(|d| d.last_attempt.is_none()) {
        mail.header("date").and_then(normalize_date)
    } else {
        None
    };
    let bounce_to = mail.header("to").and_then(clean_address);
    ds.into_iter()
        .map(|d| {
            finish_one(
                d,
                detector,
                original,
                report_date.as_deref(),
                bounce_to.as_deref(),
            )
        })
        .collect()
}

fn finish_one(
    mut d: Delivery,
    detector: &str,
    original: Option<&Original>,
    report_date: Option<&str>,
    bounce_to: Option<&str>,
) -> BounceRecord {
    let mut diag = squeeze(&d.diagnostic);
    if diag.is_empty()
        && let Some(x) = d.diagnostic_extra.take()
    {
        diag = squeeze(&x);
    }
    // Status: a precise code in the diagnostic beats the report's Status field (which is often
    // generic: 5.0.0, or 4.4.7 hiding the last real error); a generic one never does. But when
    // the diagnostic itself opens with the report's 4.4.7/5.4.7 ("550 4.4.7 QUEUE.Expired;
    // message expired [Message=451 4.4.0 ...]"), the server really gave up with that code: the
    // codes quoted after it are the last attempt's error, evidence rather than the status.
    let in_text = all_statuses(&diag);
    let text_status = in_text
        .iter()
        .copied()
        .find(|s| !is_generic_status(*s))
        .or_else(|| in_text.first().copied());
    let confirmed = |s: mailway_status::EnhancedStatus| {
        !(s.subject == 0 && s.detail == 0) && in_text.first() == Some(&s)
    };
    d.status = match (d.status, text_status) {
        (s @ Some(_), _) if d.status_locked => s,
        (None, t) => t,
        (Some(s), _) if confirmed(s) => Some(s),
        // "Status: 5.4.7" (gave up: delivery time expired) quoting the last attempt's
        // transient reply ("450 4.2.1 ...") in the diagnostic: the message failed on expiry,
        // the quoted code is evidence, not the status. The same for a delay notice
        // ("Action: delayed", "Status: 4.4.7", as mailway's relay and Sendmail write them):
        // the report's own 4.4.7 is the status, the quoted 4.x.x the last attempt's reply.
        (Some(s), Some(t))
            if s.subject == 4
                && s.detail == 7
                && t.class == 4
                && (s.class == 5 || (s.class == 4 && d.action == Some(Action::Delayed))) =>
        {
            Some(s)
        }
        (Some(s), Some(t)) if t != s && !is_generic_status(t) => Some(t),
        (s, _) => s,
    };
    if d.reply_code.is_none() {
        // A code whose class contradicts the status ("550 4.4.7 QUEUE.Expired") is the
        // reporting MTA's wrapper, not the remote server's reply.
        d.reply_code = find_reply_code(&diag).filter(|c| match d.status {
            Some(s) => (c / 100) as u8 == s.class || s.class == 2,
            None => true,
        });
    }
    if d.command.is_none() {
        d.command = find_command(&diag);
    }
    if d.remote_mta.is_none() {
        d.remote_mta = remote_host_in(&diag);
    }
    let is_report = !matches!(d.reason, Some(Reason::Feedback) | Some(Reason::Vacation));
    if d.action.is_none() && is_report {
        d.action = Some(
            match (d.status.map(|s| s.class), d.reply_code.map(|c| c / 100)) {
                (Some(2), _) | (None, Some(2)) => Action::Delivered,
                _ => Action::Failed,
            },
        );
    }
    let (c, diag) = classify_delivery(&d, diag);
    let (mut reason, hard_bounce) = (c.reason, c.hard_bounce);
    // "Action: failed" with a transient status from Postfix or Exim: the message expired in the
    // queue (they keep the last temporary error instead of writing 4.4.7).
    if matches!(detector, "postfix" | "exim")
        && d.action == Some(Action::Failed)
        && d.status.is_some_and(|s| s.class == 4)
        && matches!(reason, Reason::OnHold | Reason::Undefined)
    {
        reason = Reason::Expired;
    }
    let reason_rule = if c.rule == "preset" {
        "recogniser".to_string()
    } else {
        c.rule
    };
    let (mid, subj, from) = match original {
        Some(o) => (
            o.message_id(),
            o.headers
                .get_nonempty("subject")
                .map(squeeze)
                .filter(|s| !s.is_empty()),
            o.headers.get_nonempty("from").and_then(clean_address),
        ),
        None => (None, None, None),
    };
    let from = from.or_else(|| {
        if is_report {
            bounce_to.map(str::to_string)
        } else {
            None
        }
    });
    BounceRecord {
        recipient: d.recipient,
        original_recipient: d.original_recipient,
        action: d.action,
        status: d.status,
        reply_code: d.reply_code,
        diagnostic_code: (!diag.is_empty()).then_some(diag),
        reason,
        hard_bounce,
        remote_mta: d.remote_mta,
        reporting_mta: d.reporting_mta,
        smtp_command: d.command,
        last_attempt: d.last_attempt.or_else(|| report_date.map(str::to_string)),
        will_retry_until: d.will_retry_until,
        original_message_id: mid,
        original_subject: subj,
        original_from: from,
        feedback_type: d.feedback_type,
        reason_rule,
        detector: detector.to_string(),
    }
}

/// The reason and hard/soft from the status crate's classifier, given what the bounce knows
/// (action, remote host, recipient, a reason the recogniser is sure of). `diag` is handed
/// back (the reply's text when it is the diagnostic as is: no copy of it).
fn classify_delivery(d: &Delivery, diag: String) -> (Classification, String) {
    let (text, kept) = match d.diagnostic_type.as_deref() {
        Some(t @ ("X-UNIX" | "X-POSTFIX")) if !diag.is_empty() => {
            (format!("{t}; {diag}"), Some(diag))
        }
        _ => (diag, None),
    };
    let reply = Reply {
        code: d.reply_code,
        status: d.status,
        text,
        command: d.command,
    };
    let mut ctx = Context::new().with_recipient(&d.recipient);
    if let Some(a) = d.action {
        ctx = ctx.with_action(match a {
            Action::Failed => DsnAction::Failed,
            Action::Delayed => DsnAction::Delayed,
            Action::Delivered => DsnAction::Delivered,
            Action::Relayed => DsnAction::Relayed,
            Action::Expanded => DsnAction::Expanded,
        });
    }
    // The host whose words the diagnostic quotes: the remote MTA, or for a provider's own
    // notice (no remote reply) the reporting MTA.
    if let Some(h) = d.remote_mta.as_ref().or(d.reporting_mta.as_ref()) {
        ctx = ctx.with_remote_host(h.clone());
    }
    if let Some(r) = d.reason {
        ctx = ctx.with_preset(r);
    }
    let c = classify_with(&reply, &ctx);
    (c, kept.unwrap_or(reply.text))
}

/// The SMTP command named in a diagnostic text.
pub fn find_command(s: &str) -> Option<SmtpCommand> {
    if s.len() >= 64 {
        // some ten searches of the same text: through one lower-case copy of it
        crate::text::lower::with(s, || command_in(s))
    } else {
        command_in(s)
    }
}

fn command_in(s: &str) -> Option<SmtpCommand> {
    // Postfix: "(in reply to RCPT TO command)"; Exim: "after RCPT TO:<...>"; Sendmail transcript
    // ">>> RCPT To:<...>"; qmail "most progress was RCPT TO response".
    const MARKERS: &[&str] = &[
        "in reply to ",
        "after ",
        ">>> ",
        "most progress was ",
        "error in ",
        "while sending ",
        "in response to ",
    ];
    // Postfix: "host mx[ip] refused to talk to me: 554 ..." is the greeting
    if find_ci(s, "refused to talk to me").is_some() {
        return Some(SmtpCommand::Connect);
    }
    for m in MARKERS {
        let mut from = 0;
        while let Some(p) = find_ci(&s[from..], m) {
            let at = from + p + m.len();
            if let Some(c) = command_word(&s[at..]) {
                return Some(c);
            }
            from = at;
        }
    }
    None
}

fn command_word(s: &str) -> Option<SmtpCommand> {
    let w: String = s
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphabetic() || *c == ' ')
        .take(12)
        .collect::<String>()
        .to_ascii_uppercase();
    let w = w.trim();
    Some(if w.starts_with("RCPT") {
        SmtpCommand::Rcpt
    } else if w.starts_with("MAIL") {
        SmtpCommand::Mail
    } else if w.starts_with("END OF DATA") || w.starts_with("END OF MESSAGE") {
        SmtpCommand::DataEnd
    } else if w.starts_with("DATA") {
        SmtpCommand::Data
    } else if w.starts_with("EHLO") {
        SmtpCommand::Ehlo
    } else if w.starts_with("HELO") {
        SmtpCommand::Helo
    } else if w.starts_with("STARTTLS") {
        SmtpCommand::Starttls
    } else if w.starts_with("BDAT") {
        SmtpCommand::Bdat
    } else if w.starts_with("AUTH") {
        SmtpCommand::Auth
    } else if w.starts_with("INITIAL CONNECTION") || w.starts_with("CONNECT") {
        SmtpCommand::Connect
    } else {
        return None;
    })
}

/// The remote host named in texts like `host mx.example.org[192.0.2.1] said:`,
/// `host mx.example.org [192.0.2.1]:`, `connect to mx.example.org[192.0.2.1]:25:`, or
/// Postfix's `conversation with mx.example.org[192.0.2.1] timed out` and `lost connection with
/// mx.example.org[192.0.2.1] while ...`.
pub fn remote_host_in(s: &str) -> Option<String> {
    for lead in ["connect to ", "conversation with ", "lost connection with "] {
        if let Some(p) = find_ci(s, lead) {
            let at = p + lead.len();
            let name: String = s[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                .collect();
            if name.contains('.') && !name.ends_with('.') && s[at + name.len()..].starts_with('[') {
                return Some(name.to_ascii_lowercase());
            }
        }
    }
    let p = find_ci(s, "host ")?;
    if p > 0 && s.as_bytes()[p - 1].is_ascii_alphanumeric() {
        return None;
    }
    let rest = &s[p + 5..];
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    if name.contains('.') && !name.ends_with('.') {
        Some(name.to_ascii_lowercase())
    } else {
        None
    }
}

/// Finds the headers of a returned message pasted inline in the text (non-MIME bounces).
pub fn inline_original<'x>(body: &str) -> Option<Original<'x>> {
    let bytes = body.as_bytes();
    let mut offset = 0;
    // candidates before this offset lie in a block already found to lack the fields
    let mut skip_to = 0;
    // line by line (the lines of `body.split('\n')`, the last one after the last LF included)
    while offset <= bytes.len() {
        let rest = bytes.get(offset..).unwrap_or_default();
        let line_len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        if offset >= skip_to && starts_header_line(&rest[..line_len]) {
            let block = &body[offset..];
            // The header block the parse reads ends at the first empty line. When its bytes
            // cannot hold the names the score needs, no parse of it (or of a later line of it,
            // whose block is the tail of this one) can pass: skip them all.
            static BLANK_LINE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
                std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\n\n"));
            let end = BLANK_LINE
                .find(block.as_bytes())
                .map(|p| p + 1)
                .unwrap_or(block.len());
            if !may_hold_original(&block.as_bytes()[..end]) {
                skip_to = offset + end;
            } else {
                let f = decoded_header_block(block);
                let score = ["from", "subject", "message-id", "date", "to"]
                    .iter()
                    .filter(|n| f.get(n).is_some())
                    .count();
                if score >= 2 && (f.get("from").is_some() || f.get("message-id").is_some()) {
                    return Some(Original { headers: f });
                }
            }
        }
        offset += line_len + 1;
    }
    None
}

/// Whether a line opens with one of the header names that start a pasted header block
/// (`return-path:`, `received:`, `message-id:`, `from:`, `subject:`, `date:`, `to:`,
/// `mime-version:`, `content-type:`, `x-`; ASCII case-insensitive): dispatched on the first
/// byte, as most lines of a body start with none of their letters.
fn starts_header_line(line: &[u8]) -> bool {
    let is = |name: &[u8]| {
        line.len() >= name.len()
            && line
                .iter()
                .zip(name)
                .all(|(a, b)| a.to_ascii_lowercase() == *b)
    };
    match line.first().map(u8::to_ascii_lowercase) {
        Some(b'r') => is(b"return-path:") || is(b"received:"),
        Some(b'm') => is(b"message-id:") || is(b"mime-version:"),
        Some(b'f') => is(b"from:"),
        Some(b's') => is(b"subject:"),
        Some(b'd') => is(b"date:"),
        Some(b't') => is(b"to:"),
        Some(b'c') => is(b"content-type:"),
        Some(b'x') => is(b"x-"),
        _ => false,
    }
}

/// A necessary condition for [`inline_original`]'s score on a header block: the names `from` or
/// `message-id`, and two of `from`, `subject`, `message-id`, `date`, `to`, occur in its bytes
/// (ASCII case-insensitive, and with spaces, tabs, CR or FF between the letters allowed: the
/// header parser drops those inside a field name).
fn may_hold_original(block: &[u8]) -> bool {
    let from = has_name(block, NAME_FROM);
    let mid = has_name(block, NAME_MESSAGE_ID);
    if !from && !mid {
        return false;
    }
    if from && mid {
        return true;
    }
    [NAME_SUBJECT, NAME_DATE, NAME_TO]
        .into_iter()
        .any(|n| has_name(block, n))
}

/// The names [`may_hold_original`] looks for (lower case; `NAMES[k]`), each with the spellings
/// that real header fields give it (`SPELLINGS[k]`, found by a fast substring search first).
const NAMES: [&[u8]; 5] = [b"from", b"message-id", b"subject", b"date", b"to"];
const NAME_FROM: usize = 0;
const NAME_MESSAGE_ID: usize = 1;
const NAME_SUBJECT: usize = 2;
const NAME_DATE: usize = 3;
const NAME_TO: usize = 4;
const SPELLINGS: [&[&str]; 5] = [
    &["From", "from"],
    &["Message-ID", "Message-Id", "message-id"],
    &["Subject", "subject"],
    &["Date", "date"],
    &["To", "to"],
];

/// [`contains_name`] of `NAMES[k]`: true at once when one of its usual spellings occurs as
/// is (then the name occurs), else the full case- and space-insensitive search.
fn has_name(h: &[u8], k: usize) -> bool {
    static FINDERS: std::sync::LazyLock<Vec<Vec<memchr::memmem::Finder<'static>>>> =
        std::sync::LazyLock::new(|| {
            SPELLINGS
                .iter()
                .map(|s| s.iter().map(memchr::memmem::Finder::new).collect())
                .collect()
        });
    FINDERS
        .get(k)
        .is_some_and(|f| f.iter().any(|f| f.find(h).is_some()))
        || NAMES.get(k).is_some_and(|n| contains_name(h, n))
}

/// True when `name` (lower case, no white space) occurs in `h` ignoring ASCII case and white
/// space other than LF between its letters.
fn contains_name(h: &[u8], name: &[u8]) -> bool {
    let Some((&first, rest)) = name.split_first() else {
        return true;
    };
    let up = first.to_ascii_uppercase();
    let mut from = 0;
    while let Some(off) = memchr::memchr2(first, up, h.get(from..).unwrap_or_default()) {
        let mut i = from + off + 1;
        let mut ok = true;
        for &c in rest {
            while h
                .get(i)
                .is_some_and(|&b| b != b'\n' && b.is_ascii_whitespace())
            {
                i += 1;
            }
            if h.get(i).is_some_and(|b| b.to_ascii_lowercase() == c) {
                i += 1;
            } else {
                ok = false;
                break;
            }
        }
        if ok {
            return true;
        }
        from += off + 1;
    }
    false
}

#[cfg(test)]
mod inline_tests {
    use super::*;

    #[test]
    fn remote_hosts_in_postfix_texts() {
        for (text, host) in [
            (
                "host MX.Example.org[192.0.2.1] said: 550 5.1.1 no",
                Some("mx.example.org"),
            ),
            (
                "connect to mx.example.org[192.0.2.1]:25: Connection refused",
                Some("mx.example.org"),
            ),
            (
                "conversation with mx.example.org[192.0.2.1] timed out while receiving the initial server greeting",
                Some("mx.example.org"),
            ),
            (
                "lost connection with mx2.qq.com[184.105.206.86] while performing the HELO handshake",
                Some("mx2.qq.com"),
            ),
            // a name without its address is not Postfix's form; an address alone names no host
            ("lost connection with the server", None),
            (
                "connect to 192.0.2.1[192.0.2.1]:25: Connection refused",
                Some("192.0.2.1"),
            ),
            ("Connection timed out", None),
        ] {
            assert_eq!(remote_host_in(text).as_deref(), host, "{text}");
        }
    }

    /// The previous line scan: `split('\n')` and a prefix test of each name.
    fn old_starts(line: &str) -> bool {
        const STARTS: &[&str] = &[
            "return-path:",
            "received:",
            "message-id:",
            "from:",
            "subject:",
            "date:",
            "to:",
            "mime-version:",
            "content-type:",
            "x-",
        ];
        STARTS.iter().any(|s| crate::text::starts_with_ci(line, s))
    }

    #[test]
    fn header_line_starts_as_before() {
        let mut lines: Vec<String> = Vec::new();
        for name in [
            "Return-Path:",
            "RECEIVED:",
            "message-id:",
            "From:",
            "Subject:",
            "date:",
            "To:",
            "MIME-Version:",
            "Content-Type:",
            "X-",
            "x",
            "To",
            "Fromage:",
            "Date :",
            "",
            " From:",
            "é From:",
            "Message-ID",
            "tO:x",
        ] {
            lines.push(name.to_string());
            lines.push(format!("{name} value"));
            if !name.is_empty() {
                lines.push(name[..name.len() - 1].to_string());
            }
        }
        for l in &lines {
            assert_eq!(starts_header_line(l.as_bytes()), old_starts(l), "{l:?}");
        }
    }

    /// The line offsets walked are those of `split('\n')`.
    #[test]
    fn inline_original_finds_blocks() {
        let body = "Hi\n\nFrom: a@example.org\nSubject: s\nTo: b@example.org\n\nbody\n";
        let o = inline_original(body).expect("found");
        assert!(o.headers.get("subject").is_some());
        assert!(inline_original("").is_none());
        assert!(inline_original("\n\n\n").is_none());
        assert!(inline_original("From: x\n").is_none());
        let o = inline_original("x\nMessage-ID: <a@b>\nDate: Mon, 1 Jan 2024 00:00:00 +0000")
            .expect("last line");
        assert!(o.headers.get("message-id").is_some());
    }
}
