//! EHLO capabilities (RFC 5321 §4.1.1.1 and the extensions' RFCs), parsed from the EHLO reply.

use serde::{Deserialize, Serialize};

/// What a server advertised in its EHLO reply. Unknown keywords are kept in `other`.
///
/// ```
/// use mailway_smtp::Capabilities;
/// let caps = Capabilities::parse(&[
///     "mx.example.com Hello".to_string(),
///     "SIZE 10240000".to_string(),
///     "STARTTLS".to_string(),
///     "AUTH PLAIN LOGIN".to_string(),
///     "X-SOMETHING yes".to_string(),
/// ]);
/// assert_eq!(caps.domain, "mx.example.com");
/// assert_eq!(caps.size, Some(10_240_000));
/// assert!(caps.starttls && caps.supports_auth("plain"));
/// assert_eq!(caps.other, vec!["X-SOMETHING yes".to_string()]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// The domain the server names in the first line of its EHLO reply.
    pub domain: String,
    /// True when the reply came from EHLO (false: HELO fallback, no extensions).
    pub esmtp: bool,
    /// SIZE (RFC 1870): the advertised limit in bytes; `Some(0)` means SIZE without a limit.
    pub size: Option<u64>,
    /// STARTTLS (RFC 3207).
    pub starttls: bool,
    /// PIPELINING (RFC 2920).
    pub pipelining: bool,
    /// 8BITMIME (RFC 6152).
    pub eightbitmime: bool,
    /// SMTPUTF8 (RFC 6531).
    pub smtputf8: bool,
    /// CHUNKING / BDAT (RFC 3030).
    pub chunking: bool,
    /// BINARYMIME (RFC 3030).
    pub binarymime: bool,
    /// DSN (RFC 3461).
    pub dsn: bool,
    /// ENHANCEDSTATUSCODES (RFC 2034).
    pub enhanced_status_codes: bool,
    /// REQUIRETLS (RFC 8689).
    pub requiretls: bool,
    /// AUTH mechanisms (RFC 4954), upper-case, in the server's order.
    pub auth: Vec<String>,
    /// Any other keyword lines, as sent.
    pub other: Vec<String>,
}

impl Capabilities {
    /// Parses the line texts of an EHLO reply (without codes). Pure; never panics.
    pub fn parse(lines: &[String]) -> Self {
        let mut caps = Capabilities {
            esmtp: true,
            ..Default::default()
        };
        let mut it = lines.iter();
        if let Some(first) = it.next() {
            caps.domain = first.split_whitespace().next().unwrap_or("").to_string();
        }
        for line in it {
            let line = line.trim();
            let mut words = line.split_whitespace();
            let Some(keyword) = words.next() else {
                continue;
            };
            match keyword.to_ascii_uppercase().as_str() {
                "SIZE" => {
                    caps.size = Some(words.next().and_then(|n| n.parse().ok()).unwrap_or(0));
                }
                "STARTTLS" => caps.starttls = true,
                "PIPELINING" => caps.pipelining = true,
                "8BITMIME" => caps.eightbitmime = true,
                "SMTPUTF8" => caps.smtputf8 = true,
                "CHUNKING" => caps.chunking = true,
                "BINARYMIME" => caps.binarymime = true,
                "DSN" => caps.dsn = true,
                "ENHANCEDSTATUSCODES" => caps.enhanced_status_codes = true,
                "REQUIRETLS" => caps.requiretls = true,
                "AUTH" => {
                    for m in words {
                        let m = m.to_ascii_uppercase();
                        if !caps.auth.contains(&m) {
                            caps.auth.push(m);
                        }
                    }
                }
                // Old servers advertise "AUTH=LOGIN PLAIN".
                k if k.starts_with("AUTH=") => {
                    for m in std::iter::once(&line[5..]).chain(words) {
                        for m in m.split_whitespace() {
                            let m = m.to_ascii_uppercase();
                            if !caps.auth.contains(&m) {
                                caps.auth.push(m);
                            }
                        }
                    }
                }
                _ => caps.other.push(line.to_string()),
            }
        }
        caps
    }

    /// Capabilities after a HELO fallback: only the domain, no extensions.
    pub fn helo(domain: &str) -> Self {
        Capabilities {
            domain: domain.split_whitespace().next().unwrap_or("").to_string(),
            esmtp: false,
            ..Default::default()
        }
    }

    /// True when the AUTH mechanism (case-insensitive) was advertised.
    pub fn supports_auth(&self, mechanism: &str) -> bool {
        self.auth.iter().any(|m| m.eq_ignore_ascii_case(mechanism))
    }

    /// The advertised extensions as EHLO keywords (`SIZE 10240000`, `STARTTLS`, ...), in a
    /// fixed order, for display.
    pub fn keywords(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(s) = self.size {
            v.push(if s == 0 {
                "SIZE".to_string()
            } else {
                format!("SIZE {s}")
            });
        }
        let flags = [
            (self.starttls, "STARTTLS"),
            (self.pipelining, "PIPELINING"),
            (self.eightbitmime, "8BITMIME"),
            (self.smtputf8, "SMTPUTF8"),
            (self.chunking, "CHUNKING"),
            (self.binarymime, "BINARYMIME"),
            (self.dsn, "DSN"),
            (self.enhanced_status_codes, "ENHANCEDSTATUSCODES"),
            (self.requiretls, "REQUIRETLS"),
        ];
        v.extend(flags.iter().filter(|f| f.0).map(|f| f.1.to_string()));
        if !self.auth.is_empty() {
            v.push(format!("AUTH {}", self.auth.join(" ")));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_postfix_ehlo() {
        let c = Capabilities::parse(&lines(&[
            "mx.example.org",
            "PIPELINING",
            "SIZE 10240000",
            "VRFY",
            "ETRN",
            "STARTTLS",
            "ENHANCEDSTATUSCODES",
            "8BITMIME",
            "DSN",
            "SMTPUTF8",
            "CHUNKING",
        ]));
        assert!(c.esmtp && c.pipelining && c.starttls && c.enhanced_status_codes);
        assert!(c.eightbitmime && c.dsn && c.smtputf8 && c.chunking);
        assert!(!c.requiretls && !c.binarymime);
        assert_eq!(c.size, Some(10240000));
        assert_eq!(c.other, lines(&["VRFY", "ETRN"]));
        assert_eq!(c.keywords()[0], "SIZE 10240000");
    }

    #[test]
    fn size_without_limit_and_odd_auth() {
        let c = Capabilities::parse(&lines(&[
            "x",
            "size",
            "AUTH=LOGIN PLAIN",
            "AUTH LOGIN CRAM-MD5",
            "",
        ]));
        assert_eq!(c.size, Some(0));
        assert_eq!(c.auth, lines(&["LOGIN", "PLAIN", "CRAM-MD5"]));
        assert!(c.supports_auth("cram-md5"));
        let c = Capabilities::parse(&lines(&["x", "SIZE notanumber"]));
        assert_eq!(c.size, Some(0));
        assert_eq!(
            Capabilities::parse(&[]),
            Capabilities {
                esmtp: true,
                ..Default::default()
            }
        );
    }
}
