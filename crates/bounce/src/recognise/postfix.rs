//! Postfix: "Undelivered Mail Returned to Sender", "Delayed Mail (still being retried)",
//! delivery reports, and the postmaster's "Transcript of session follows" notices.
//!
//! The delivery-status part gives the codes; the text part ("\<rcpt\>: host mx[ip] said: ...
//! (in reply to RCPT TO command)") adds the SMTP command and the full reply. Old or foreign
//! Postfix bounces without a delivery-status part are read from the text alone.

use super::probe::{Probe, body_ci};
use mailway_status::SmtpCommand;

use super::common::{Collector, before_any, fill_from, push_text};
use super::rfc3464::parse_standard;
use super::{Delivery, Recogniser};
use crate::finish::find_command;
use crate::mail::Mail;
use crate::text::{contains_ci, find_ci, first_address, starts_with_ci};

/// The Postfix recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "postfix",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    // the subjects of its notices
    m.in_subject("undelivered mail returned to sender")
        || m.in_subject("delayed mail (still being retried)")
        || m.in_subject("successful mail delivery report")
        || m.in_subject("mail delivery status report")
        || m.in_subject("postfix smtp server: errors from")
        || m.in_subject("postmaster copy: undelivered mail")
        || body_ci!(m, "this is the postfix program at host")
        || m.dsn.as_deref().is_some_and(|d| {
            contains_ci(d, "x-postfix-queue-id:") || contains_ci(d, "x-postfix-sender:")
        })
}

const BOUNDARIES: &[&str] = &[
    "content-description: undelivered message",
    "content-description: delivery report",
    "content-description: undelivered message headers",
    "content-type: message/rfc822",
    "content-type: message/delivery-status",
];

/// Parses a Postfix(-like) report; shared with the Postfix-based providers.
pub fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(&m.body, BOUNDARIES);
    if contains_ci(text, "transcript of session follows.") {
        return transcript(text);
    }
    let paragraphs = text_recipients(text);
    let mut ds = match parse_standard(m) {
        Some(mut std) => {
            for d in &mut std {
                if let Some(p) = paragraphs
                    .iter()
                    .find(|p| p.recipient.eq_ignore_ascii_case(&d.recipient))
                {
                    if d.command.is_none() {
                        d.command = find_command(&p.diagnostic);
                    }
                    // The notification's sentence is the fuller evidence: it names the host,
                    // keeps the whole reply and the command ("host mx[ip] said: 550 ... (in
                    // reply to RCPT TO command)").
                    let remote = matches!(d.diagnostic_type.as_deref(), None | Some("SMTP"));
                    if d.diagnostic.is_empty() || (remote && !p.diagnostic.is_empty()) {
                        d.diagnostic = p.diagnostic.clone();
                    }
                }
            }
            std
        }
        None => {
            let mut v = paragraphs;
            for d in &mut v {
                d.command = find_command(&d.diagnostic);
            }
            v
        }
    };
    if ds.is_empty() && contains_ci(text, "delivery report unavailable") {
        // Postfix could not write the report: the recipient is the returned message's To.
        let to = m
            .original
            .as_ref()
            .and_then(|o| o.headers.get_nonempty("to"))
            .and_then(first_address)?;
        let mut d = Delivery {
            recipient: to,
            ..Default::default()
        };
        if let Some(s) = parse_standard(m).and_then(|v| v.into_iter().next()) {
            fill_from(&mut d, s);
        }
        ds.push(d);
    }
    (!ds.is_empty()).then_some(ds)
}

/// The `<rcpt>: text` paragraphs of the notification part.
fn text_recipients(text: &str) -> Vec<Delivery> {
    let mut c = Collector::default();
    let mut in_para = false;
    for line in text.split('\n') {
        let t = line.trim_end();
        if t.trim().is_empty() {
            in_para = false;
            continue;
        }
        // a new paragraph starts with "<a@b>:" or "<a@b> (expanded from"; "<a@b>... text"
        // inside a paragraph is part of the wrapped reply
        let opens = t.starts_with('<')
            && t.find('>').is_some_and(|c| {
                let rest = &t[c + 1..];
                rest.starts_with(':') || rest.trim_start().starts_with("(expanded from")
            });
        if opens
            && let Some(close) = t.find('>')
            && let Some(a) = first_address(&t[1..close])
        {
            // "<a@b>: ..." or "<a@b> (expanded from <c@d>): ..."
            let rest = &t[close + 1..];
            let rest = match rest.find("): ") {
                Some(p) if rest.trim_start().starts_with("(expanded from") => &rest[p + 3..],
                _ => rest.trim_start_matches(':'),
            };
            let d = c.start(a);
            d.diagnostic.clear();
            push_text(&mut d.diagnostic, rest);
            in_para = true;
            continue;
        }
        if in_para {
            c.push_diag(t);
        }
    }
    c.ds
}

/// "Transcript of session follows." (a notice to the postmaster about an SMTP session): the
/// recipient from `RCPT TO:<...>`, the error from the last `Out: 4xx/5xx` line.
fn transcript(text: &str) -> Option<Vec<Delivery>> {
    let mut recipient = None;
    let mut last_in = String::new();
    let mut error: Option<(String, String)> = None;
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim();
        if let Some(rest) = t.strip_prefix("In:") {
            let mut cmd = rest.trim().to_string();
            // continuation lines are indented further
            while i + 1 < lines.len() && lines[i + 1].starts_with("     ") {
                i += 1;
                cmd.push(' ');
                cmd.push_str(lines[i].trim());
            }
            if starts_with_ci(&cmd, "rcpt to:")
                && let Some(a) = first_address(&cmd)
            {
                recipient.get_or_insert(a);
            }
            last_in = cmd;
        } else if let Some(rest) = t.strip_prefix("Out:") {
            let r = rest.trim();
            if (r.starts_with('4') || r.starts_with('5')) && error.is_none() {
                error = Some((r.to_string(), last_in.clone()));
            }
        }
        i += 1;
    }
    let recipient = recipient?;
    let (diag, cmd) = error.unwrap_or_default();
    let command = if find_ci(&cmd, "data").is_some() || cmd.is_empty() {
        Some(SmtpCommand::Data)
    } else {
        find_command(&format!(">>> {cmd}"))
    };
    Some(vec![Delivery {
        recipient,
        diagnostic: diag,
        command,
        ..Default::default()
    }])
}
