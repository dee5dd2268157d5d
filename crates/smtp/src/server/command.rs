//! SMTP command lines → [`Command`], with the ESMTP parameters the server supports
//! (SIZE, BODY, SMTPUTF8, RET, ENVID, AUTH on MAIL; NOTIFY, ORCPT on RCPT).
//!
//! Parsing is pure and total: every input yields a command or a [`Reply`] saying what is wrong.

use super::address::{Mailbox, PathError, ReversePath, parse_forward_path, parse_reverse_path};
use super::reply::Reply;
use super::session::{Body, DsnNotify, DsnRet};

/// xtext (RFC 3461 section 4) strictly: `=` and controls are not xchars.
fn xtext_decode(v: &str) -> Option<String> {
    if v.bytes().any(|b| b == b'=' || b < 33 || b == 127) {
        return None;
    }
    crate::xtext_decode(v)
}

/// Longest command line accepted, `<CR><LF>` included. RFC 5321 allows 512 octets but SMTP
/// extensions (and RFC 4954's 12288-octet AUTH lines) make longer lines legitimate; anything
/// longer is answered with `500 5.5.2` and discarded without being buffered.
pub const MAX_COMMAND_LINE: usize = 12288;

/// Longest ENVID (RFC 3461 §4.4: 100 characters).
const MAX_ENVID: usize = 100;

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    Ehlo(String),
    Helo(String),
    Mail(ReversePath, MailParams),
    Rcpt(Mailbox, RcptParams),
    Data,
    Rset,
    Noop,
    Quit,
    StartTls,
    Auth {
        mechanism: String,
        initial: Option<String>,
    },
    Vrfy,
    Expn,
    Help,
    /// A command we recognise but do not implement (BDAT, ETRN, TURN…).
    NotImplemented(String),
    /// `GET`, `POST`, `CONNECT`…: someone is talking HTTP to the SMTP port.
    Forbidden,
}

/// Parameters of `MAIL FROM`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MailParams {
    pub size: Option<u64>,
    pub body: Body,
    pub smtputf8: bool,
    pub ret: Option<DsnRet>,
    pub envid: Option<String>,
}

/// Parameters of `RCPT TO`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RcptParams {
    pub notify: Option<DsnNotify>,
    pub orcpt: Option<(String, String)>,
}

fn syntax(text: &str) -> Reply {
    Reply::new(501, "5.5.4", text)
}

/// Parses one command line (without the trailing `<CR><LF>`). `utf8_rcpt` says whether the
/// current transaction declared SMTPUTF8 (non-ASCII recipients allowed).
pub(crate) fn parse_command(line: &str, utf8_rcpt: bool) -> Result<Command, Reply> {
    let (verb, arg) = match line.find(' ') {
        Some(i) => (&line[..i], &line[i + 1..]),
        None => (line, ""),
    };
    let verb_upper = verb.to_ascii_uppercase();
    let no_args = |cmd: Command, name: &str| {
        if arg.trim().is_empty() {
            Ok(cmd)
        } else {
            Err(syntax(&format!("Syntax: {name}")))
        }
    };
    match verb_upper.as_str() {
        "EHLO" | "HELO" => {
            let host = arg.trim();
            if host.is_empty() {
                return Err(syntax(&format!("Syntax: {verb_upper} hostname")));
            }
            // keep the first word only; some clients append junk
            let host = host.split(' ').next().unwrap_or(host).to_string();
            Ok(if verb_upper == "EHLO" {
                Command::Ehlo(host)
            } else {
                Command::Helo(host)
            })
        }
        "MAIL" => parse_mail(arg),
        "RCPT" => parse_rcpt(arg, utf8_rcpt),
        "DATA" => no_args(Command::Data, "DATA"),
        "RSET" => no_args(Command::Rset, "RSET"),
        "NOOP" => Ok(Command::Noop),
        "QUIT" => no_args(Command::Quit, "QUIT"),
        "STARTTLS" => no_args(Command::StartTls, "STARTTLS"),
        "AUTH" => {
            let mut parts = arg.split(' ').filter(|p| !p.is_empty());
            let Some(mechanism) = parts.next() else {
                return Err(syntax("Syntax: AUTH mechanism [initial-response]"));
            };
            let initial = parts.next().map(str::to_string);
            if parts.next().is_some() {
                return Err(syntax("Syntax: AUTH mechanism [initial-response]"));
            }
            Ok(Command::Auth {
                mechanism: mechanism.to_ascii_uppercase(),
                initial,
            })
        }
        "VRFY" => Ok(Command::Vrfy),
        "EXPN" => Ok(Command::Expn),
        "HELP" => Ok(Command::Help),
        "BDAT" | "ETRN" | "TURN" | "ATRN" | "BURL" | "SAML" | "SEND" | "SOML" => {
            Ok(Command::NotImplemented(verb_upper))
        }
        "GET" | "POST" | "PUT" | "HEAD" | "CONNECT" | "OPTIONS" | "DELETE" => {
            Ok(Command::Forbidden)
        }
        _ => Err(Reply::new(500, "5.5.2", "Error: command not recognized")),
    }
}

/// `FROM:<path> params`, tolerating spaces after the colon as most servers do.
fn strip_keyword<'a>(arg: &'a str, keyword: &str) -> Option<&'a str> {
    let head = arg.get(..keyword.len())?;
    if head.eq_ignore_ascii_case(keyword) {
        Some(arg[keyword.len()..].trim_start_matches(' '))
    } else {
        None
    }
}

fn parse_mail(arg: &str) -> Result<Command, Reply> {
    let Some(rest) = strip_keyword(arg, "FROM:") else {
        return Err(syntax("Syntax: MAIL FROM:<address>"));
    };
    let (path, params) = parse_reverse_path(rest, true).map_err(|e| sender_error(&e))?;
    let mut p = MailParams::default();
    let mut seen: Vec<String> = Vec::new();
    for param in params.split(' ').filter(|s| !s.is_empty()) {
        let (key, value) = split_param(param);
        let key = key.to_ascii_uppercase();
        if seen.contains(&key) {
            return Err(syntax(&format!("Error: duplicate parameter {key}")));
        }
        seen.push(key.clone());
        match (key.as_str(), value) {
            ("SIZE", Some(v)) => {
                let n = v
                    .parse::<u64>()
                    .ok()
                    .filter(|_| v.bytes().all(|b| b.is_ascii_digit()) && v.len() <= 20);
                match n {
                    Some(n) => p.size = Some(n),
                    None => return Err(syntax("Error: bad SIZE value")),
                }
            }
            ("BODY", Some(v)) if v.eq_ignore_ascii_case("7BIT") => p.body = Body::SevenBit,
            ("BODY", Some(v)) if v.eq_ignore_ascii_case("8BITMIME") => p.body = Body::EightBitMime,
            ("BODY", Some(_)) => {
                return Err(Reply::new(
                    555,
                    "5.5.4",
                    "Error: unsupported BODY type (7BIT and 8BITMIME are supported)",
                ));
            }
            ("SMTPUTF8", None) => p.smtputf8 = true,
            ("RET", Some(v)) if v.eq_ignore_ascii_case("FULL") => p.ret = Some(DsnRet::Full),
            ("RET", Some(v)) if v.eq_ignore_ascii_case("HDRS") => p.ret = Some(DsnRet::Headers),
            ("RET", Some(_)) => return Err(syntax("Error: RET must be FULL or HDRS")),
            ("ENVID", Some(v)) => {
                let decoded = xtext_decode(v).ok_or_else(|| syntax("Error: bad ENVID xtext"))?;
                if v.len() > MAX_ENVID || decoded.is_empty() {
                    return Err(syntax("Error: ENVID too long or empty"));
                }
                p.envid = Some(decoded);
            }
            // RFC 4954 §5: AUTH=<mailbox> or AUTH=<>; accepted and not trusted.
            ("AUTH", Some(v)) => {
                xtext_decode(v).ok_or_else(|| syntax("Error: bad AUTH xtext"))?;
            }
            _ => {
                return Err(Reply::new(
                    555,
                    "5.5.4",
                    format!("Error: unsupported MAIL parameter {key}"),
                ));
            }
        }
    }
    if let ReversePath::Mailbox(m) = &path
        && m.is_utf8()
        && !p.smtputf8
    {
        return Err(Reply::new(
            553,
            "5.6.7",
            "Error: non-ASCII sender address requires the SMTPUTF8 parameter",
        ));
    }
    Ok(Command::Mail(path, p))
}

fn parse_rcpt(arg: &str, utf8: bool) -> Result<Command, Reply> {
    let Some(rest) = strip_keyword(arg, "TO:") else {
        return Err(syntax("Syntax: RCPT TO:<address>"));
    };
    let (mailbox, params) = parse_forward_path(rest, utf8).map_err(|e| recipient_error(&e))?;
    let mut p = RcptParams::default();
    let mut seen: Vec<String> = Vec::new();
    for param in params.split(' ').filter(|s| !s.is_empty()) {
        let (key, value) = split_param(param);
        let key = key.to_ascii_uppercase();
        if seen.contains(&key) {
            return Err(syntax(&format!("Error: duplicate parameter {key}")));
        }
        seen.push(key.clone());
        match (key.as_str(), value) {
            ("NOTIFY", Some(v)) => p.notify = Some(parse_notify(v)?),
            ("ORCPT", Some(v)) => {
                let Some((kind, addr)) = v.split_once(';') else {
                    return Err(syntax("Error: ORCPT must be addr-type;address"));
                };
                if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                {
                    return Err(syntax("Error: bad ORCPT address type"));
                }
                let decoded = xtext_decode(addr).ok_or_else(|| syntax("Error: bad ORCPT xtext"))?;
                if decoded.is_empty() || decoded.len() > 500 {
                    return Err(syntax("Error: bad ORCPT address"));
                }
                p.orcpt = Some((kind.to_ascii_lowercase(), decoded));
            }
            _ => {
                return Err(Reply::new(
                    555,
                    "5.5.4",
                    format!("Error: unsupported RCPT parameter {key}"),
                ));
            }
        }
    }
    Ok(Command::Rcpt(mailbox, p))
}

fn parse_notify(v: &str) -> Result<DsnNotify, Reply> {
    if v.eq_ignore_ascii_case("NEVER") {
        return Ok(DsnNotify::NEVER);
    }
    let mut n = DsnNotify::default();
    for item in v.split(',') {
        match item.to_ascii_uppercase().as_str() {
            "SUCCESS" if !n.success => n.success = true,
            "FAILURE" if !n.failure => n.failure = true,
            "DELAY" if !n.delay => n.delay = true,
            _ => {
                return Err(syntax(
                    "Error: NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY",
                ));
            }
        }
    }
    Ok(n)
}

fn split_param(p: &str) -> (&str, Option<&str>) {
    match p.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (p, None),
    }
}

fn sender_error(e: &PathError) -> Reply {
    match e {
        PathError::NonAscii => Reply::new(
            553,
            "5.6.7",
            "Error: non-ASCII sender address requires the SMTPUTF8 parameter",
        ),
        PathError::Syntax(_) => Reply::new(501, "5.1.7", format!("Bad sender address syntax: {e}")),
        _ => Reply::new(553, "5.1.7", format!("Sender address rejected: {e}")),
    }
}

fn recipient_error(e: &PathError) -> Reply {
    match e {
        PathError::NonAscii => Reply::new(
            553,
            "5.6.7",
            "Error: non-ASCII recipient address requires SMTPUTF8 on MAIL FROM",
        ),
        PathError::Postmaster => Reply::new(
            550,
            "5.1.1",
            "<postmaster>: this server only relays mail and has no local mailboxes; use postmaster@<domain>",
        ),
        PathError::Syntax(_) => {
            Reply::new(501, "5.1.3", format!("Bad recipient address syntax: {e}"))
        }
        _ => Reply::new(553, "5.1.3", format!("Recipient address rejected: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(s: &str) -> Result<(ReversePath, MailParams), Reply> {
        match parse_command(s, false)? {
            Command::Mail(p, m) => Ok((p, m)),
            other => panic!("not MAIL: {other:?}"),
        }
    }

    fn rcpt(s: &str) -> Result<(Mailbox, RcptParams), Reply> {
        match parse_command(s, false)? {
            Command::Rcpt(p, m) => Ok((p, m)),
            other => panic!("not RCPT: {other:?}"),
        }
    }

    #[test]
    fn verbs_are_case_insensitive() {
        assert_eq!(
            parse_command("ehlo client.example", false),
            Ok(Command::Ehlo("client.example".into()))
        );
        assert_eq!(parse_command("qUiT", false), Ok(Command::Quit));
        assert_eq!(parse_command("data", false), Ok(Command::Data));
        assert_eq!(parse_command("StartTLS", false), Ok(Command::StartTls));
    }

    #[test]
    fn bad_commands() {
        assert_eq!(parse_command("EHLO", false).unwrap_err().code, 501);
        assert_eq!(parse_command("EHLO   ", false).unwrap_err().code, 501);
        assert_eq!(parse_command("DATA x", false).unwrap_err().code, 501);
        assert_eq!(parse_command("FOO bar", false).unwrap_err().code, 500);
        assert_eq!(parse_command("", false).unwrap_err().code, 500);
        assert_eq!(
            parse_command("GET / HTTP/1.1", false),
            Ok(Command::Forbidden)
        );
        assert_eq!(
            parse_command("BDAT 10 LAST", false),
            Ok(Command::NotImplemented("BDAT".into()))
        );
    }

    #[test]
    fn mail_params() {
        let (p, m) = mail(
            "MAIL FROM:<a@b.example> SIZE=1000 BODY=8BITMIME RET=HDRS ENVID=QQ314159+2Bx SMTPUTF8 AUTH=<>",
        )
        .unwrap();
        assert_eq!(p.to_string(), "a@b.example");
        assert_eq!(m.size, Some(1000));
        assert_eq!(m.body, Body::EightBitMime);
        assert_eq!(m.ret, Some(DsnRet::Headers));
        assert_eq!(m.envid.as_deref(), Some("QQ314159+x"));
        assert!(m.smtputf8);
        let (p, m) = mail("mail from: <>").unwrap();
        assert_eq!(p, ReversePath::Null);
        assert_eq!(m, MailParams::default());
    }

    #[test]
    fn mail_param_errors() {
        assert_eq!(
            mail("MAIL FROM:<a@b.example> SIZE=x").unwrap_err().code,
            501
        );
        assert_eq!(
            mail("MAIL FROM:<a@b.example> SIZE=-1").unwrap_err().code,
            501
        );
        assert_eq!(
            mail("MAIL FROM:<a@b.example> SIZE=1 SIZE=2")
                .unwrap_err()
                .code,
            501
        );
        assert_eq!(
            mail("MAIL FROM:<a@b.example> BODY=BINARYMIME")
                .unwrap_err()
                .code,
            555
        );
        assert_eq!(
            mail("MAIL FROM:<a@b.example> RET=ALL").unwrap_err().code,
            501
        );
        assert_eq!(
            mail("MAIL FROM:<a@b.example> XFOO=1").unwrap_err().code,
            555
        );
        assert_eq!(
            mail("MAIL FROM:<a@b.example> ENVID=a=b").unwrap_err().code,
            501
        );
        let long = format!("MAIL FROM:<a@b.example> ENVID={}", "x".repeat(101));
        assert_eq!(mail(&long).unwrap_err().code, 501);
        assert_eq!(mail("MAIL TO:<a@b.example>").unwrap_err().code, 501);
        assert_eq!(mail("MAIL FROM:a@b.example").unwrap_err().code, 501);
        let e = mail("MAIL FROM:<josé@b.example>").unwrap_err();
        assert_eq!((e.code, e.enhanced.as_deref()), (553, Some("5.6.7")));
        assert!(mail("MAIL FROM:<josé@b.example> SMTPUTF8").is_ok());
        let e = mail("MAIL FROM:<@x.example:a@b.example>").unwrap_err();
        assert_eq!((e.code, e.enhanced.as_deref()), (553, Some("5.1.7")));
    }

    #[test]
    fn rcpt_params() {
        let (m, p) =
            rcpt("RCPT TO:<b@c.example> NOTIFY=SUCCESS,delay ORCPT=rfc822;b+40c.example").unwrap();
        assert_eq!(m.to_string(), "b@c.example");
        assert_eq!(
            p.notify,
            Some(DsnNotify {
                success: true,
                failure: false,
                delay: true
            })
        );
        assert_eq!(
            p.orcpt,
            Some(("rfc822".to_string(), "b@c.example".to_string()))
        );
        let (_, p) = rcpt("RCPT TO:<b@c.example> NOTIFY=NEVER").unwrap();
        assert_eq!(p.notify, Some(DsnNotify::NEVER));
    }

    #[test]
    fn rcpt_param_errors() {
        for bad in [
            "RCPT TO:<b@c.example> NOTIFY=NEVER,SUCCESS",
            "RCPT TO:<b@c.example> NOTIFY=SUCCESS,SUCCESS",
            "RCPT TO:<b@c.example> NOTIFY=",
            "RCPT TO:<b@c.example> ORCPT=rfc822",
            "RCPT TO:<b@c.example> ORCPT=;a@b",
            "RCPT TO:<b@c.example> ORCPT=rfc822;a+4",
            "RCPT TO:b@c.example",
            "RCPT <b@c.example>",
        ] {
            assert_eq!(rcpt(bad).unwrap_err().code, 501, "{bad}");
        }
        assert_eq!(rcpt("RCPT TO:<b@c.example> FOO").unwrap_err().code, 555);
        let e = rcpt("RCPT TO:<user%other@c.example>").unwrap_err();
        assert_eq!((e.code, e.enhanced.as_deref()), (553, Some("5.1.3")));
        let e = rcpt("RCPT TO:<postmaster>").unwrap_err();
        assert_eq!(e.code, 550);
    }
}
