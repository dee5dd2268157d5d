//! Sendmail 8: "Returned mail: see transcript for details", "Warning: could not send message
//! for past N hours", "Postmaster notify". A delivery-status part plus a session transcript
//! (`... while talking to host.:`, `>>> RCPT To:<...>`, `<<< 550 ...`) that names the SMTP
//! command and the remote reply. The transcript parser is shared with the old V5 format.

use super::probe::{Probe, body_ci};
use mailway_status::SmtpCommand;

use super::common::{before_any, from_any};
use super::rfc3464::parse_standard_raw;
use super::{Delivery, Recogniser};
use crate::finish::find_command;
use crate::mail::Mail;
use crate::text::{find_ci, find_exact, find_reply_code, first_address, squeeze, starts_with_ci};

/// The Sendmail recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "sendmail",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    let subj = m.subject.trim();
    (m.in_from("mail delivery subsystem") || m.in_from("mailer-daemon") || m.in_from("postmaster"))
        && (starts_with_ci(subj, "returned mail:")
            || starts_with_ci(subj, "warning: could not send message")
            || starts_with_ci(subj, "postmaster notify")
            || body_ci!(m, "----- transcript of session follows -----")
            || body_ci!(m, "the original message was received at"))
}

/// End of the transcript / notice text.
pub const BOUNDARIES: &[&str] = &[
    "----- unsent message follows -----",
    "----- original message follows -----",
    "----- message header follows -----",
    "----- no message was collected -----",
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
];

/// What the transcript says about one recipient.
#[derive(Debug, Default, Clone)]
pub struct TranscriptEntry {
    /// Recipient address.
    pub recipient: String,
    /// The remote server's reply (`<<<` lines), else sendmail's own line about the recipient.
    pub diagnostic: String,
    /// SMTP command (`>>>` line) the reply answered.
    pub command: Option<SmtpCommand>,
    /// Remote host (`... while talking to host.:`).
    pub remote: Option<String>,
    /// Reply code: the remote's code quoted after `...`, else the line's own code.
    pub reply_code: Option<u16>,
    /// A local agent's words just before the summary line ("mail.local: unknown user: x").
    pub context: String,
}

/// Parses a sendmail session transcript (V8 and V5): `NNN <addr>... text` and
/// `<addr>... Deferred: ...` lines, with the `while talking to`, `>>>` and `<<<` lines before.
pub fn transcript(text: &str) -> Vec<TranscriptEntry> {
    let mut out: Vec<TranscriptEntry> = Vec::new();
    let mut host: Option<String> = None;
    let mut cmd: Option<SmtpCommand> = None;
    let mut response = String::new();
    let mut rcpt_to: Option<String> = None;
    let mut context = String::new();
    for line in text.split('\n') {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(p) = find_ci(t, "while talking to ") {
            let h = t[p + 17..]
                .trim_end_matches(':')
                .trim_end_matches('.')
                .trim()
                .to_string();
            host = (!h.is_empty()).then_some(h);
            cmd = None;
            response.clear();
            continue;
        }
        if let Some(c) = t.strip_prefix(">>>") {
            flush_rcpt(&mut out, &mut rcpt_to, &mut response, cmd, &host);
            cmd = find_command(&format!(">>> {}", c.trim()));
            if cmd == Some(SmtpCommand::Rcpt) {
                rcpt_to = first_address(c);
            }
            response.clear();
            continue;
        }
        if let Some(r) = t.strip_prefix("<<<") {
            if !response.is_empty() {
                response.push(' ');
            }
            response.push_str(r.trim());
            continue;
        }
        if t.starts_with("-----") {
            continue;
        }
        // "550 5.1.1 <a@b>... User unknown" or "<a@b>... Deferred: ..."
        let rest = t
            .split_once(' ')
            .filter(|(c, _)| c.len() == 3 && c.bytes().all(|b| b.is_ascii_digit()))
            .map(|(_, r)| r.trim_start())
            .unwrap_or(t);
        let rest = match rest.split_once(' ') {
            // skip an enhanced status before the address
            Some((s, r))
                if s.contains('.') && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') =>
            {
                r.trim_start()
            }
            _ => rest,
        };
        if !rest.starts_with('<')
            && let Some(dots) = find_exact(rest, "... ")
            && code_at(t).is_some()
            && !rest[..dots].contains('@')
        {
            // "554 "|/usr/bin/procmail ..."... Service unavailable": a pipe or file, no address
            out.push(TranscriptEntry {
                recipient: String::new(),
                diagnostic: if response.is_empty() {
                    squeeze(t)
                } else {
                    format!("{} {}", std::mem::take(&mut response), squeeze(t))
                },
                command: cmd,
                remote: host.clone(),
                reply_code: code_at(t),
                context: std::mem::take(&mut context),
            });
            continue;
        }
        let is_rcpt_line = rest.starts_with('<') && find_exact(rest, ">...").is_some();
        if !is_rcpt_line && code_at(t).is_none() && find_exact(rest, "... ").is_none() {
            if !context.is_empty() {
                context.push(' ');
            }
            context.push_str(t);
            continue;
        }
        if rest.starts_with('<')
            && let Some(close) = find_exact(rest, ">...")
            && let Some(a) = first_address(&rest[1..close])
        {
            rcpt_to = None;
            let own = squeeze(t);
            let after = rest[close + 4..].trim_start();
            // the remote server's code (`<<<`) first, then the one quoted after "...", then
            // sendmail's own
            let reply_code = code_at(&response)
                .or_else(|| code_at(after))
                .or_else(|| code_at(t));
            let diag = if response.is_empty() {
                own
            } else {
                format!("{} {}", std::mem::take(&mut response), own)
            };
            match out
                .iter_mut()
                .find(|e| e.recipient.eq_ignore_ascii_case(&a))
            {
                Some(e) => {
                    if e.diagnostic.is_empty() {
                        e.diagnostic = diag;
                    }
                }
                None => out.push(TranscriptEntry {
                    recipient: a,
                    diagnostic: diag,
                    command: cmd,
                    remote: host.clone(),
                    reply_code,
                    context: std::mem::take(&mut context),
                }),
            }
        }
    }
    flush_rcpt(&mut out, &mut rcpt_to, &mut response, cmd, &host);
    out
}

/// A `>>> RCPT TO:<a>` answered by `<<< 5xx ...` with no summary line after it: an entry for `a`.
fn flush_rcpt(
    out: &mut Vec<TranscriptEntry>,
    rcpt_to: &mut Option<String>,
    response: &mut String,
    cmd: Option<SmtpCommand>,
    host: &Option<String>,
) {
    if let Some(a) = rcpt_to.take()
        && !response.is_empty()
        && !out.iter().any(|e| e.recipient.eq_ignore_ascii_case(&a))
    {
        out.push(TranscriptEntry {
            recipient: a,
            diagnostic: squeeze(response),
            command: cmd,
            remote: host.clone(),
            reply_code: code_at(response),
            context: String::new(),
        });
        response.clear();
    }
}

/// A three-digit reply code at the start of `s`.
fn code_at(s: &str) -> Option<u16> {
    let c = s.get(..3)?;
    let ok = c.bytes().all(|b| b.is_ascii_digit())
        && matches!(c.as_bytes()[0], b'2' | b'4' | b'5')
        && s.as_bytes().get(3).is_none_or(|b| *b == b' ' || *b == b'-');
    ok.then(|| c.parse().ok()).flatten()
}

/// Recipients listed under "----- The following addresses had permanent fatal errors -----".
fn listed_recipients(text: &str) -> Vec<(String, String)> {
    let Some(sec) = from_any(text, &["----- the following addresses ha"]) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for line in sec.split('\n').skip(1) {
        let t = line.trim();
        if t.starts_with("-----") {
            break;
        }
        if t.starts_with('<')
            && let Some(a) = first_address(t)
        {
            out.push((a, String::new()));
        } else if let Some(r) = t.strip_prefix("(reason:")
            && let Some(last) = out.last_mut()
        {
            last.1 = r.trim_end_matches(')').trim().to_string();
        }
    }
    out
}

/// Parses a Sendmail(-like) report; shared with Sendmail-based providers.
pub fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    let text = before_any(&m.body, BOUNDARIES);
    let tr = from_any(text, &["----- transcript of session follows -----"])
        .map(transcript)
        .unwrap_or_default();
    let listed = listed_recipients(text);
    let std = parse_standard_raw(m).unwrap_or_default();
    let mut ds: Vec<Delivery> = Vec::new();
    for (i, s) in std.into_iter().enumerate() {
        let mut d = s;
        if !d.recipient.contains('@') || d.recipient.starts_with('@') {
            // "Final-Recipient: RFC822; @mx.example.org" seen in the wild: the text knows better
            match listed.get(i).or_else(|| listed.first()) {
                Some((a, _)) => d.recipient = a.clone(),
                None => continue,
            }
        }
        ds.push(d);
    }
    if ds.is_empty() {
        for (a, reason) in &listed {
            ds.push(Delivery {
                recipient: a.clone(),
                diagnostic: reason.clone(),
                ..Default::default()
            });
        }
    }
    if ds.is_empty() {
        for e in &tr {
            ds.push(Delivery {
                recipient: e.recipient.clone(),
                ..Default::default()
            });
        }
    }
    let anonymous: Vec<&TranscriptEntry> = tr.iter().filter(|e| e.recipient.is_empty()).collect();
    let single = ds.len() == 1;
    for d in &mut ds {
        let found = tr
            .iter()
            .find(|e| !e.recipient.is_empty() && e.recipient.eq_ignore_ascii_case(&d.recipient))
            .or_else(|| (single && anonymous.len() == 1).then(|| anonymous[0]));
        let Some(e) = found else {
            if d.diagnostic.is_empty()
                && let Some((_, r)) = listed
                    .iter()
                    .find(|(a, _)| a.eq_ignore_ascii_case(&d.recipient))
            {
                d.diagnostic = r.clone();
            }
            continue;
        };
        if d.command.is_none() {
            d.command = e.command;
        }
        if d.reply_code.is_none() {
            d.reply_code = e.reply_code;
        }
        if d.remote_mta.is_none() {
            d.remote_mta = e.remote.clone();
        }
        // An empty or bare-number diagnostic (X-Unix; 77) says less than the transcript.
        let empty = d.diagnostic.trim().is_empty();
        let weak = empty || find_reply_code(&d.diagnostic).is_none();
        if weak && !e.diagnostic.is_empty() {
            // with no diagnostic at all, the local agent's words are the best evidence
            d.diagnostic = if empty && !e.context.is_empty() {
                format!("{} {}", e.context, e.diagnostic)
            } else {
                e.diagnostic.clone()
            };
            if d.diagnostic_type.as_deref() == Some("X-UNIX") {
                d.diagnostic_type = None;
            }
        }
    }
    (!ds.is_empty()).then_some(ds)
}

/// Builds deliveries from a transcript alone (V5 sendmail and other DSN-less reports); when the
/// transcript names no recipient, the returned message's `To` is used.
pub fn from_transcript_only(m: &Mail, text: &str) -> Option<Vec<Delivery>> {
    let tr = transcript(text);
    let mut ds: Vec<Delivery> = tr
        .into_iter()
        .filter(|e| !e.recipient.is_empty())
        .map(|e| Delivery {
            recipient: e.recipient,
            diagnostic: e.diagnostic,
            command: e.command,
            remote_mta: e.remote,
            reply_code: e.reply_code,
            ..Default::default()
        })
        .collect();
    if ds.is_empty() {
        // "421 example.com (smtp)... Deferred: ..." names a host, not a recipient.
        let line = text
            .split('\n')
            .map(str::trim)
            .find(|l| l.contains("(smtp)...") || l.contains("(TCP)..."))?;
        let to = m
            .original
            .as_ref()
            .and_then(|o| o.headers.get_nonempty("to"))
            .and_then(first_address)?;
        let reply_code = code_at(line);
        ds.push(Delivery {
            recipient: to,
            diagnostic: squeeze(line),
            reply_code,
            ..Default::default()
        });
    }
    Some(ds)
}
