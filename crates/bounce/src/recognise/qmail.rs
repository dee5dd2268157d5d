//! qmail and its descendants (netqmail, notqmail, indimail, qmail-ldap, vpopmail): "failure
//! notice" with `<address>:` lines followed by qmail-remote's or qmail-local's explanation.

use super::probe::Probe;
use mailway_status::{Reason, SmtpCommand};

use super::common::{Collector, any_ci, before_any};
use super::{Delivery, Recogniser};
use crate::mail::Mail;
use crate::text::{contains_ci, first_address, starts_with_ci};

/// The qmail recogniser.
pub static RECOGNISER: Recogniser = Recogniser {
    name: "qmail",
    probe,
    parse,
};

fn probe(m: &Probe) -> bool {
    let subj = m.subject.trim();
    subj.eq_ignore_ascii_case("failure notice")
        || m.received_exact("(qmail ")
        || m.received_ci("invoked for bounce")
}

const BOUNDARIES: &[&str] = &[
    "--- below this line is a copy of the message.",
    "--- below this line is a copy of the mail header.",
    "--- below the next line is a copy of the message.",
    "--- enclosed is a copy of the message.",
    "--- mensaje original adjunto.",
    "content-type: message/rfc822",
    "original message follows.",
];

const STARTS: &[&str] = &[
    "hi. this is the qmail",
    "he/her is not ",
    "unable to deliver your message to the following addresses",
    "su mensaje no pudo ser entregado",
    "sorry, we were unable to deliver your message to the following address",
    "this is the machine generated message from mail service",
    "this is the mail delivery agent at",
    "unable to deliver message to the following address",
    "unfortunately, your mail was not delivered to the following address:",
    "your mail message to the following address",
    "your message to the following addresses",
    "we're sorry.",
];

/// qmail-remote's sentences name the SMTP stage.
const COMMANDS: &[(&str, SmtpCommand)] = &[
    (" but greeting failed.", SmtpCommand::Connect),
    (" but my name was rejected.", SmtpCommand::Helo),
    (" but sender was rejected.", SmtpCommand::Mail),
    (" does not like recipient.", SmtpCommand::Rcpt),
    (" failed on data command", SmtpCommand::Data),
    (" failed after i sent the message", SmtpCommand::DataEnd),
];

/// Messages written by qmail itself (qmail-local, qmail-remote, qmail-ldap), not by a remote
/// server: their reason is known.
const OWN_MESSAGES: &[(&str, Reason)] = &[
    ("sorry, i couldn't find any host ", Reason::HostUnknown),
    ("disk quota exceeded", Reason::MailboxFull),
    (
        "message size exceeds fixed maximum message size:",
        Reason::MesgTooBig,
    ),
    (
        "sorry, i wasn't able to establish an smtp connection",
        Reason::NetworkError,
    ),
    (
        "sorry. although i'm listed as a best-preference mx or a for that host",
        Reason::NetworkError,
    ),
    (
        "sorry, i couldn't find a mail exchanger or ip address",
        Reason::NotAccept,
    ),
    (
        "bad interpreter: no such file or directory",
        Reason::SystemError,
    ),
    (
        "requested action not taken: mailbox unavailable (not enough free space)",
        Reason::SystemFull,
    ),
    ("no mailbox here by that name", Reason::UserUnknown),
    (
        "the message exeeded the maximum size the user accepts",
        Reason::ExceedLimit,
    ),
    ("mailaddress is administrativ", Reason::Suspend),
    ("automatic homedir creator crashed", Reason::SystemError),
    ("illegal value in ldap attribute", Reason::SystemError),
    (
        "ldap attribute is not given but mandatory",
        Reason::SystemError,
    ),
    (
        "timeout while performing search on ldap server",
        Reason::SystemError,
    ),
    (
        "too many results returned but needs to be unique",
        Reason::SystemError,
    ),
    (
        "permanent error while executing qmail-forward",
        Reason::SystemError,
    ),
    (
        "temporary error in automatic homedir creation",
        Reason::SystemError,
    ),
    (
        "temporary error while executing qmail-forward",
        Reason::SystemError,
    ),
    ("temporary failure in ldap lookup", Reason::SystemError),
    ("unable to contact ldap server", Reason::SystemError),
    ("unable to login into ldap server", Reason::SystemError),
    (
        "this message has been in the queue too long.",
        Reason::Expired,
    ),
];

/// Parses a qmail(-like) report; shared with qmail-based providers.
pub fn parse(m: &Mail) -> Option<Vec<Delivery>> {
    parse_with(m, BOUNDARIES, STARTS)
}

/// The qmail layout (`<address>:` then the explanation), with the given end markers and start
/// phrases; shared by the qmail-derived families.
pub fn parse_with(m: &Mail, boundaries: &[&str], starts: &[&str]) -> Option<Vec<Delivery>> {
    let text = before_any(&m.body, boundaries);
    let mut c = Collector::default();
    let mut reading = false;
    for line in text.split('\n') {
        let l = line.trim_end();
        if !reading {
            reading = any_ci(l, starts);
            continue;
        }
        if l.trim().is_empty() {
            continue;
        }
        let t = l.trim();
        if t.starts_with('<') && t.ends_with(">:") && t.contains('@') {
            if let Some(a) = first_address(&t[1..t.len() - 2]) {
                c.start(a);
            }
            continue;
        }
        c.push_diag(t);
    }
    let mut ds = c.finish()?;
    for d in &mut ds {
        // some forty phrases: through one lower-case copy of a long diagnostic
        let diag = d.diagnostic.as_str();
        let (command, remote_said, reason) = crate::text::with_phrases(diag, || {
            let command = COMMANDS
                .iter()
                .find(|(p, _)| contains_ci(diag, p))
                .map(|(_, c)| *c);
            let remote_said =
                contains_ci(diag, "remote host said:") || contains_ci(diag, " said: ");
            let reason = (!remote_said)
                .then(|| {
                    OWN_MESSAGES
                        .iter()
                        .find(|(p, _)| contains_ci(diag, p))
                        .map(|(_, r)| *r)
                })
                .flatten();
            (command, remote_said, reason)
        });
        d.command = command;
        if let Some(h) = remote_host(&d.diagnostic) {
            d.remote_mta = Some(h);
        }
        // qmail's own words decide, unless a remote server's reply is quoted.
        if !remote_said {
            d.reason = reason;
        }
    }
    Some(ds)
}

/// "Giving up on 192.0.2.1.", "Connected to 192.0.2.1 but ...", "remote host 192.0.2.1 said".
fn remote_host(diag: &str) -> Option<String> {
    for label in ["giving up on ", "connected to ", "remote host "] {
        if let Some(p) = crate::text::find_ci(diag, label) {
            let rest = &diag[p + label.len()..];
            let tok: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
                .collect();
            let tok = tok.trim_end_matches(['.', ':']);
            if !tok.is_empty() && !starts_with_ci(tok, "said") {
                return Some(tok.to_string());
            }
        }
    }
    None
}
