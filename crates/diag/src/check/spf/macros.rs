//! SPF macro expansion (RFC 7208 §7.3, §7.4). Pure: the values are passed in.

use std::net::IpAddr;

use super::parse::{MacroPart, MacroString};

/// What the macro letters expand to.
#[derive(Debug, Clone)]
pub struct MacroContext<'a> {
    /// `%{s}`: the sender (`local@domain`).
    pub sender: &'a str,
    /// `%{l}`: local part of the sender.
    pub local: &'a str,
    /// `%{o}`: domain of the sender.
    pub sender_domain: &'a str,
    /// `%{d}`: the domain being checked.
    pub domain: &'a str,
    /// `%{i}`, `%{c}`, `%{v}`: the client address.
    pub ip: IpAddr,
    /// `%{h}`: the HELO/EHLO domain.
    pub helo: &'a str,
    /// `%{p}`: the validated reverse name of the client ("unknown" when none).
    pub ptr: &'a str,
    /// `%{r}`: the receiving host ("unknown").
    pub receiver: &'a str,
    /// `%{t}`: seconds since the epoch.
    pub now: u64,
}

/// `%{i}`: dotted quad, or 32 dot-separated nibbles for IPv6 (upper-case hex, as in the
/// examples of RFC 7208 §7.4).
pub fn ip_dotted(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let mut parts = Vec::with_capacity(32);
            for b in v6.octets() {
                parts.push(format!("{:X}", b >> 4));
                parts.push(format!("{:X}", b & 0x0f));
            }
            parts.join(".")
        }
    }
}

fn url_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn transform(value: &str, digits: Option<usize>, reverse: bool, delimiters: &str) -> String {
    let mut parts: Vec<&str> = value.split(|c| delimiters.contains(c)).collect();
    if reverse {
        parts.reverse();
    }
    if let Some(n) = digits
        && n < parts.len()
    {
        parts = parts.split_off(parts.len() - n);
    }
    parts.join(".")
}

/// Expands a macro-string.
pub fn expand(ms: &MacroString, cx: &MacroContext<'_>) -> String {
    let mut out = String::new();
    for part in &ms.parts {
        match part {
            MacroPart::Literal(s) => out.push_str(s),
            MacroPart::Percent => out.push('%'),
            MacroPart::Space => out.push(' '),
            MacroPart::UrlSpace => out.push_str("%20"),
            MacroPart::Expand {
                letter,
                url_escape: esc,
                digits,
                reverse,
                delimiters,
            } => {
                let value = match letter {
                    's' => cx.sender.to_string(),
                    'l' => cx.local.to_string(),
                    'o' => cx.sender_domain.to_string(),
                    'd' => cx.domain.to_string(),
                    'i' => ip_dotted(cx.ip),
                    'p' => cx.ptr.to_string(),
                    'v' => match cx.ip {
                        IpAddr::V4(_) => "in-addr".to_string(),
                        IpAddr::V6(_) => "ip6".to_string(),
                    },
                    'h' => cx.helo.to_string(),
                    'c' => cx.ip.to_string(),
                    'r' => cx.receiver.to_string(),
                    't' => cx.now.to_string(),
                    _ => String::new(),
                };
                let value = transform(&value, *digits, *reverse, delimiters);
                if *esc {
                    out.push_str(&url_escape(&value));
                } else {
                    out.push_str(&value);
                }
            }
        }
    }
    out
}

/// After expanding a domain-spec: drop a trailing dot, and when longer than 253 characters drop
/// left-hand labels until it fits (RFC 7208 §7.3).
pub fn truncate_domain(expanded: &str) -> String {
    let mut s = expanded.strip_suffix('.').unwrap_or(expanded);
    while s.len() > 253 {
        match s.find('.') {
            Some(i) => s = &s[i + 1..],
            None => break,
        }
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse_macro_string;
    use super::*;

    fn cx(ip: &str) -> MacroContext<'static> {
        MacroContext {
            sender: "strong-bad@email.example.com",
            local: "strong-bad",
            sender_domain: "email.example.com",
            domain: "email.example.com",
            ip: ip.parse().unwrap(),
            helo: "mx.example.org",
            ptr: "unknown",
            receiver: "unknown",
            now: 0,
        }
    }

    fn x(m: &str, ip: &str) -> String {
        expand(&parse_macro_string(m, true).unwrap(), &cx(ip))
    }

    /// The examples of RFC 7208 §7.4.
    #[test]
    fn rfc_examples() {
        let v4 = "192.0.2.3";
        assert_eq!(x("%{s}", v4), "strong-bad@email.example.com");
        assert_eq!(x("%{o}", v4), "email.example.com");
        assert_eq!(x("%{d}", v4), "email.example.com");
        assert_eq!(x("%{d4}", v4), "email.example.com");
        assert_eq!(x("%{d3}", v4), "email.example.com");
        assert_eq!(x("%{d2}", v4), "example.com");
        assert_eq!(x("%{d1}", v4), "com");
        assert_eq!(x("%{dr}", v4), "com.example.email");
        assert_eq!(x("%{d2r}", v4), "example.email");
        assert_eq!(x("%{l}", v4), "strong-bad");
        assert_eq!(x("%{l-}", v4), "strong.bad");
        assert_eq!(x("%{lr}", v4), "strong-bad");
        assert_eq!(x("%{lr-}", v4), "bad.strong");
        assert_eq!(x("%{l1r-}", v4), "strong");
        assert_eq!(
            x("%{ir}.%{v}._spf.%{d2}", v4),
            "3.2.0.192.in-addr._spf.example.com"
        );
        assert_eq!(
            x("%{lr-}.lp._spf.%{d2}", v4),
            "bad.strong.lp._spf.example.com"
        );
        assert_eq!(
            x("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01"),
            "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com"
        );
        assert_eq!(x("%{S}", v4), "strong-bad%40email.example.com");
        assert_eq!(x("a%_b%-c%%", v4), "a b%20c%");
    }

    #[test]
    fn truncation() {
        let long = format!("{}.example.com", ["abcdefghij"; 30].join("."));
        let t = truncate_domain(&long);
        assert!(t.len() <= 253);
        assert!(t.ends_with(".example.com"));
    }
}
