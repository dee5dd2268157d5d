//! Strict parsing of SMTP paths (`MAIL FROM:<…>`, `RCPT TO:<…>`), RFC 5321 §4.1.2 with the
//! SMTPUTF8 extension of RFC 6531.
//!
//! Stricter than the grammar on purpose: an open relay is usually made by an address that one
//! hop reads as "deliver to domain A" and the next as "deliver to domain B". So source routes
//! (`<@a,@b:user@c>`), `%` and `!` routing in the local part (`user%other@relay`,
//! `host!user@relay`) and quoted local parts hiding those characters (`"user@other"@relay`) are
//! refused outright instead of being "ignored" as RFC 5321 §C allows.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Longest local part (RFC 5321 §4.5.3.1.1).
const MAX_LOCAL_PART: usize = 64;
/// Longest domain (RFC 5321 §4.5.3.1.2).
const MAX_DOMAIN: usize = 255;
/// Longest path including the angle brackets (RFC 5321 §4.5.3.1.3).
const MAX_PATH: usize = 256;

/// A mailbox `local-part@domain` as written by the client (a quoted local part keeps its quotes,
/// so it can be written back on the wire unchanged).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mailbox {
    /// The local part in wire form (`john.smith` or `"john smith"`).
    pub local_part: String,
    /// The domain, or an address literal such as `[192.0.2.1]`.
    pub domain: String,
}

impl Mailbox {
    /// True when the domain is an address literal (`[192.0.2.1]`, `[IPv6:…]`).
    pub fn is_address_literal(&self) -> bool {
        self.domain.starts_with('[')
    }

    /// The domain in lower case (for comparisons; domains are case-insensitive).
    pub fn domain_lowercase(&self) -> String {
        self.domain.to_ascii_lowercase()
    }

    /// True when the address contains non-ASCII characters (needs SMTPUTF8).
    pub fn is_utf8(&self) -> bool {
        !self.local_part.is_ascii() || !self.domain.is_ascii()
    }
}

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local_part, self.domain)
    }
}

/// The argument of `MAIL FROM`: a mailbox, or the null reverse-path `<>` used by bounces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReversePath {
    /// `<>`: the message is a notification and must never be bounced.
    Null,
    /// A sender mailbox.
    Mailbox(Mailbox),
}

impl fmt::Display for ReversePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReversePath::Null => Ok(()),
            ReversePath::Mailbox(m) => m.fmt(f),
        }
    }
}

/// Why a path was refused. Each variant maps to one SMTP reply in the session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// Not `<…>`, unbalanced brackets, bad characters.
    #[error("address syntax error: {0}")]
    Syntax(&'static str),
    /// `<@a,@b:user@c>`.
    #[error("source routes are not accepted")]
    SourceRoute,
    /// `user%other@domain` or `host!user@domain`.
    #[error("sender-specified routing (`%` or `!` in the local part) is not accepted")]
    Routing,
    /// `"user@other"@domain`.
    #[error("a quoted local part may not contain `@`, `%` or `!`")]
    QuotedRouting,
    /// Non-ASCII characters without the SMTPUTF8 parameter.
    #[error("non-ASCII address without SMTPUTF8")]
    NonAscii,
    /// Local part, domain or path over the RFC 5321 limits.
    #[error("address too long")]
    TooLong,
    /// A forward-path without `@domain` (only `<postmaster>` may lack one).
    #[error("address has no domain")]
    NoDomain,
    /// The special `<postmaster>` recipient without a domain.
    #[error("<postmaster> without a domain")]
    Postmaster,
    /// The domain part is not a valid domain name or address literal.
    #[error("invalid domain or address literal")]
    BadDomain,
}

/// Parses a reverse-path (`<>` or `<mailbox>`) at the start of `input`; returns it and the rest
/// of the input (the ESMTP parameters).
pub fn parse_reverse_path(input: &str, utf8: bool) -> Result<(ReversePath, &str), PathError> {
    let (inner, rest) = bracketed(input)?;
    if inner.is_empty() {
        return Ok((ReversePath::Null, rest));
    }
    Ok((ReversePath::Mailbox(parse_mailbox(inner, utf8)?), rest))
}

/// Parses a forward-path (`<mailbox>`) at the start of `input`; returns it and the rest of the
/// input (the ESMTP parameters).
pub fn parse_forward_path(input: &str, utf8: bool) -> Result<(Mailbox, &str), PathError> {
    let (inner, rest) = bracketed(input)?;
    if inner.is_empty() {
        return Err(PathError::Syntax("empty forward-path"));
    }
    if inner.eq_ignore_ascii_case("postmaster") {
        return Err(PathError::Postmaster);
    }
    Ok((parse_mailbox(inner, utf8)?, rest))
}

/// Splits `<inner> rest`, honouring quoted strings (a `>` inside quotes does not close the path).
fn bracketed(input: &str) -> Result<(&str, &str), PathError> {
    let bytes = input.as_bytes();
    if bytes.first() != Some(&b'<') {
        return Err(PathError::Syntax("the address must be enclosed in <>"));
    }
    let mut i = 1;
    let mut quoted = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quoted => i += 1,
            b'"' => quoted = !quoted,
            b'>' if !quoted => {
                if i + 1 > MAX_PATH {
                    return Err(PathError::TooLong);
                }
                let rest = &input[i + 1..];
                if !(rest.is_empty() || rest.starts_with(' ')) {
                    return Err(PathError::Syntax("unexpected text after the address"));
                }
                return Ok((&input[1..i], rest.trim_start_matches(' ')));
            }
            b'<' if !quoted => return Err(PathError::Syntax("unexpected '<'")),
            _ => {}
        }
        i += 1;
    }
    Err(PathError::Syntax("missing '>'"))
}

/// Parses `local@domain` (no brackets). Refuses source routes and routing characters.
fn parse_mailbox(s: &str, utf8: bool) -> Result<Mailbox, PathError> {
    if s.starts_with('@') {
        return Err(PathError::SourceRoute);
    }
    if !utf8 && !s.is_ascii() {
        return Err(PathError::NonAscii);
    }
    let (local, domain) = if s.starts_with('"') {
        let end = quoted_end(s)?;
        let local = &s[..end];
        let rest = &s[end..];
        let Some(domain) = rest.strip_prefix('@') else {
            return Err(if rest.is_empty() {
                PathError::NoDomain
            } else {
                PathError::Syntax("expected '@' after the quoted local part")
            });
        };
        let content = &local[1..local.len() - 1];
        if content.contains(['@', '%', '!']) {
            return Err(PathError::QuotedRouting);
        }
        (local, domain)
    } else {
        let Some(at) = s.rfind('@') else {
            return Err(PathError::NoDomain);
        };
        let (local, domain) = (&s[..at], &s[at + 1..]);
        if local.contains(['%', '!']) {
            return Err(PathError::Routing);
        }
        if local.contains('@') {
            // `a@b@c`: also a routing trick
            return Err(PathError::Routing);
        }
        check_dot_string(local)?;
        (local, domain)
    };
    if local.len() > MAX_LOCAL_PART {
        return Err(PathError::TooLong);
    }
    check_domain(domain)?;
    Ok(Mailbox {
        local_part: local.to_string(),
        domain: domain.to_string(),
    })
}

/// Index just past the closing quote of a quoted string starting at 0.
fn quoted_end(s: &str) -> Result<usize, PathError> {
    let b = s.as_bytes();
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                // quoted-pairSMTP = "\" %d32-126
                match b.get(i + 1) {
                    Some(32..=126) => i += 2,
                    _ => return Err(PathError::Syntax("bad quoted pair in local part")),
                }
                continue;
            }
            b'"' => return Ok(i + 1),
            // qtextSMTP: %d32-33 / %d35-91 / %d93-126, plus UTF-8 (checked by the caller)
            32..=126 | 128..=255 => {}
            _ => return Err(PathError::Syntax("control character in local part")),
        }
        i += 1;
    }
    Err(PathError::Syntax("unterminated quoted local part"))
}

/// atext (RFC 5322 §3.2.3) plus UTF-8 (RFC 6531).
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii()
}

fn check_dot_string(local: &str) -> Result<(), PathError> {
    if local.is_empty() {
        return Err(PathError::Syntax("empty local part"));
    }
    for atom in local.split('.') {
        if atom.is_empty() {
            return Err(PathError::Syntax(
                "empty atom in local part (leading, trailing or double dot)",
            ));
        }
        if !atom.chars().all(is_atext) {
            return Err(PathError::Syntax("invalid character in local part"));
        }
    }
    Ok(())
}

/// Domain name (LDH labels, or U-labels with SMTPUTF8) or address literal.
fn check_domain(d: &str) -> Result<(), PathError> {
    if d.is_empty() {
        return Err(PathError::NoDomain);
    }
    if d.len() > MAX_DOMAIN {
        return Err(PathError::TooLong);
    }
    if let Some(lit) = d.strip_prefix('[') {
        let lit = lit.strip_suffix(']').ok_or(PathError::BadDomain)?;
        if let Some(v6) = lit
            .strip_prefix("IPv6:")
            .or_else(|| lit.strip_prefix("ipv6:"))
        {
            return v6
                .parse::<Ipv6Addr>()
                .map(|_| ())
                .map_err(|_| PathError::BadDomain);
        }
        return lit
            .parse::<Ipv4Addr>()
            .map(|_| ())
            .map_err(|_| PathError::BadDomain);
    }
    for label in d.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(PathError::BadDomain);
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(PathError::BadDomain);
        }
        if !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && !c.is_control()))
        {
            return Err(PathError::BadDomain);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fwd(s: &str) -> Result<Mailbox, PathError> {
        parse_forward_path(s, false).map(|(m, _)| m)
    }

    #[test]
    fn plain_addresses_parse() {
        let m = fwd("<john.smith@Example.COM>").unwrap();
        assert_eq!(m.local_part, "john.smith");
        assert_eq!(m.domain, "Example.COM");
        assert_eq!(m.domain_lowercase(), "example.com");
        assert_eq!(m.to_string(), "john.smith@Example.COM");
        let m = fwd("<\"john smith\"@example.com>").unwrap();
        assert_eq!(m.local_part, "\"john smith\"");
        let m = fwd("<a+tag@[192.0.2.1]>").unwrap();
        assert!(m.is_address_literal());
        assert!(fwd("<a@[IPv6:2001:db8::1]>").is_ok());
    }

    #[test]
    fn parameters_are_returned() {
        let (m, rest) = parse_forward_path("<a@b.example> NOTIFY=NEVER", false).unwrap();
        assert_eq!(m.to_string(), "a@b.example");
        assert_eq!(rest, "NOTIFY=NEVER");
        let (p, rest) = parse_reverse_path("<> SIZE=10", false).unwrap();
        assert_eq!(p, ReversePath::Null);
        assert_eq!(rest, "SIZE=10");
    }

    #[test]
    fn quoted_gt_does_not_close_the_path() {
        let m = fwd("<\"a>b\"@example.com>").unwrap();
        assert_eq!(m.local_part, "\"a>b\"");
    }

    #[test]
    fn open_relay_tricks_are_refused() {
        assert_eq!(
            fwd("<user%other.example@relay.test>"),
            Err(PathError::Routing)
        );
        assert_eq!(
            fwd("<other.example!user@relay.test>"),
            Err(PathError::Routing)
        );
        assert_eq!(
            fwd("<user@other.example@relay.test>"),
            Err(PathError::Routing)
        );
        assert_eq!(
            fwd("<\"user@other.example\"@relay.test>"),
            Err(PathError::QuotedRouting)
        );
        assert_eq!(
            fwd("<\"user%other.example\"@relay.test>"),
            Err(PathError::QuotedRouting)
        );
        assert_eq!(
            fwd("<@relay.test:user@other.example>"),
            Err(PathError::SourceRoute)
        );
        assert_eq!(
            fwd("<@a.test,@b.test:user@other.example>"),
            Err(PathError::SourceRoute)
        );
        assert_eq!(
            parse_reverse_path("<@a.test:user@other.example>", false).map(|x| x.0),
            Err(PathError::SourceRoute)
        );
    }

    #[test]
    fn syntax_errors() {
        assert!(matches!(fwd("a@b.example"), Err(PathError::Syntax(_))));
        assert!(matches!(fwd("<a@b.example"), Err(PathError::Syntax(_))));
        assert!(matches!(fwd("<a@b.example>x"), Err(PathError::Syntax(_))));
        assert!(matches!(fwd("<>"), Err(PathError::Syntax(_))));
        assert!(matches!(fwd("<.a@b.example>"), Err(PathError::Syntax(_))));
        assert!(matches!(fwd("<a..b@b.example>"), Err(PathError::Syntax(_))));
        assert!(matches!(fwd("<a b@b.example>"), Err(PathError::Syntax(_))));
        assert_eq!(fwd("<user>"), Err(PathError::NoDomain));
        assert_eq!(fwd("<Postmaster>"), Err(PathError::Postmaster));
        assert_eq!(fwd("<a@>"), Err(PathError::NoDomain));
        assert_eq!(fwd("<a@-bad.example>"), Err(PathError::BadDomain));
        assert_eq!(fwd("<a@b..example>"), Err(PathError::BadDomain));
        assert_eq!(fwd("<a@[300.1.1.1]>"), Err(PathError::BadDomain));
        assert_eq!(fwd("<a@b_c.example>"), Err(PathError::BadDomain));
    }

    #[test]
    fn limits() {
        let long_local = format!("<{}@b.example>", "a".repeat(65));
        assert_eq!(fwd(&long_local), Err(PathError::TooLong));
        let long_path = format!("<a@{}.example>", "b.".repeat(130));
        assert_eq!(fwd(&long_path), Err(PathError::TooLong));
    }

    #[test]
    fn utf8_needs_smtputf8() {
        assert_eq!(fwd("<josé@example.com>"), Err(PathError::NonAscii));
        let (m, _) = parse_forward_path("<josé@ejemplo.es>", true).unwrap();
        assert!(m.is_utf8());
        let (m, _) = parse_forward_path("<用户@例子.广告>", true).unwrap();
        assert_eq!(m.domain, "例子.广告");
    }
}
