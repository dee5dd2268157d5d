//! Mailbox addresses as they appear in SMTP paths (RFC 5321 §4.1.2, RFC 6531 for UTF-8), and
//! xtext (RFC 3461 §4) for DSN parameters. Pure; shared by the client and the server session.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A mailbox `local@domain` as used in `MAIL FROM` / `RCPT TO`.
///
/// The domain is a host name (letters, digits, hyphens; UTF-8 labels allowed for SMTPUTF8) or an
/// address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`). The local part is a dot-atom or a
/// quoted string.
///
/// ```
/// use mailway_smtp::Address;
/// let a: Address = "<Alice.Smith@Example.COM>".parse().unwrap();
/// assert_eq!(a.local(), "Alice.Smith");
/// assert_eq!(a.domain(), "Example.COM");
/// assert_eq!(a.domain_lowercase(), "example.com");
/// assert!("bad address@example.com".parse::<Address>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Address {
    local: String,
    domain: String,
}

/// Why a string is not a valid mailbox.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid address {input:?}: {problem}")]
pub struct AddressError {
    /// The input (truncated to 300 characters).
    pub input: String,
    /// What is wrong.
    pub problem: &'static str,
}

impl Address {
    /// Parses a mailbox, with or without angle brackets. Pure; never panics.
    pub fn parse(s: &str) -> Result<Self, AddressError> {
        let err = |problem| AddressError {
            input: s.chars().take(300).collect(),
            problem,
        };
        let t = s.trim();
        let t = match (t.strip_prefix('<'), t.ends_with('>')) {
            (Some(inner), true) => &inner[..inner.len() - 1],
            (None, false) => t,
            _ => return Err(err("unbalanced angle brackets")),
        };
        // Source routes (<@a,@b:user@c>) are obsolete; RFC 5321 says to ignore them.
        let t = match t.strip_prefix('@') {
            Some(r) => r
                .split_once(':')
                .map(|x| x.1)
                .ok_or(err("bad source route"))?,
            None => t,
        };
        if t.is_empty() {
            return Err(err("empty address"));
        }
        if t.len() > 254 {
            return Err(err("longer than 254 octets"));
        }
        if t.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return Err(err("control character (CR, LF, NUL...)"));
        }
        let at = t.rfind('@').ok_or(err("no @"))?;
        let (local, domain) = (&t[..at], &t[at + 1..]);
        validate_local(local).map_err(err)?;
        validate_domain(domain).map_err(err)?;
        Ok(Address {
            local: local.to_string(),
            domain: domain.to_string(),
        })
    }

    /// The local part, as written.
    pub fn local(&self) -> &str {
        &self.local
    }

    /// The domain (or address literal), as written.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The domain in lower case without a trailing dot: the key for MX lookups.
    pub fn domain_lowercase(&self) -> String {
        self.domain.trim_end_matches('.').to_lowercase()
    }

    /// True when local part and domain are ASCII (no SMTPUTF8 needed).
    pub fn is_ascii(&self) -> bool {
        self.local.is_ascii() && self.domain.is_ascii()
    }

    /// The address literal's IP when the domain is one (`[192.0.2.1]`, `[IPv6:...]`).
    pub fn literal_ip(&self) -> Option<std::net::IpAddr> {
        let inner = self.domain.strip_prefix('[')?.strip_suffix(']')?;
        let inner = inner.strip_prefix("IPv6:").unwrap_or(inner);
        inner.parse().ok()
    }
}

fn validate_local(local: &str) -> Result<(), &'static str> {
    if local.is_empty() {
        return Err("empty local part");
    }
    if local.len() > 64 {
        return Err("local part longer than 64 octets");
    }
    if let Some(q) = local.strip_prefix('"') {
        let inner = q
            .strip_suffix('"')
            .ok_or("unterminated quoted local part")?;
        let mut esc = false;
        for c in inner.chars() {
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => return Err("unescaped quote in quoted local part"),
                _ => {}
            }
        }
        return if esc {
            Err("dangling backslash in quoted local part")
        } else {
            Ok(())
        };
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("misplaced dot in local part");
    }
    let atext =
        |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) || !c.is_ascii();
    if local.chars().all(atext) {
        Ok(())
    } else {
        Err("character not allowed in an unquoted local part")
    }
}

fn validate_domain(domain: &str) -> Result<(), &'static str> {
    if domain.is_empty() {
        return Err("empty domain");
    }
    if let Some(lit) = domain.strip_prefix('[') {
        let inner = lit
            .strip_suffix(']')
            .ok_or("unterminated address literal")?;
        let ok = match inner.strip_prefix("IPv6:") {
            Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
            None => inner.parse::<std::net::Ipv4Addr>().is_ok(),
        };
        return if ok {
            Ok(())
        } else {
            Err("invalid address literal")
        };
    }
    let d = domain.strip_suffix('.').unwrap_or(domain);
    if d.len() > 253 {
        return Err("domain longer than 253 octets");
    }
    for label in d.split('.') {
        if label.is_empty() {
            return Err("empty label in domain");
        }
        if label.len() > 63 {
            return Err("domain label longer than 63 octets");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("domain label starts or ends with a hyphen");
        }
        if !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || !c.is_ascii())
        {
            return Err("character not allowed in a domain");
        }
    }
    Ok(())
}

impl FromStr for Address {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Address::parse(s)
    }
}

impl TryFrom<String> for Address {
    type Error = AddressError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Address::parse(&s)
    }
}

impl From<Address> for String {
    fn from(a: Address) -> String {
        a.to_string()
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

/// Encodes `s` as xtext (RFC 3461 §4): `+`, `=`, controls, space and non-ASCII bytes become
/// `+HH`. Used for `ENVID` and `ORCPT`.
///
/// ```
/// assert_eq!(mailway_smtp::xtext_encode("a+b=c d"), "a+2Bb+3Dc+20d");
/// ```
pub fn xtext_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (33..=126).contains(&b) && b != b'+' && b != b'=' {
            out.push(b as char);
        } else {
            out.push_str(&format!("+{b:02X}"));
        }
    }
    out
}

/// Decodes xtext; `None` when malformed (a `+` not followed by two upper-case hex digits, or
/// the result not UTF-8).
pub fn xtext_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'+' {
            let hex = s.get(i + 1..i + 3)?;
            if !hex
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))
            {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_addresses() {
        for s in [
            "a@b",
            "<first.last@example.com>",
            "\"john doe\"@example.com",
            "user+tag@sub.example.co.uk.",
            "postmaster@[192.0.2.1]",
            "x@[IPv6:2001:db8::1]",
            "josé@ejemplo.es",
            "<@relay.example:user@example.com>",
        ] {
            assert!(Address::parse(s).is_ok(), "{s}");
        }
        assert_eq!(
            Address::parse("x@[IPv6:2001:db8::1]").unwrap().literal_ip(),
            Some("2001:db8::1".parse().unwrap())
        );
        assert!(!Address::parse("josé@ejemplo.es").unwrap().is_ascii());
    }

    #[test]
    fn invalid_addresses() {
        for s in [
            "",
            "<>",
            "nobody",
            "a@",
            "@b",
            "a b@c",
            "a@b\r\nRCPT TO:<evil@x>",
            "<a@b",
            ".a@b",
            "a..b@c",
            "a@-b.com",
            "a@b..com",
            "a@[300.1.1.1]",
            "\"unterminated@x",
        ] {
            assert!(Address::parse(s).is_err(), "{s:?}");
        }
        let long = format!("{}@x", "a".repeat(65));
        assert!(Address::parse(&long).is_err());
    }

    #[test]
    fn xtext_round_trip() {
        for s in ["plain", "a+b=c", "rfc822;user@example.com", "ñ and spaces"] {
            assert_eq!(xtext_decode(&xtext_encode(s)).as_deref(), Some(s));
        }
        assert_eq!(xtext_decode("+4"), None);
        assert_eq!(xtext_decode("+zz"), None);
    }
}
