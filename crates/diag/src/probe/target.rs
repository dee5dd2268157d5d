//! What `mailway probe` was asked to probe.

use std::net::IpAddr;

use serde::Serialize;

/// A parsed probe target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// A mail domain: its MX hosts (or, without MX, its own A/AAAA) are probed.
    Domain {
        /// The domain, lower case, no trailing dot.
        name: String,
    },
    /// One host name, with an explicit port (`HOST:PORT`) or forced with `--host`.
    Host {
        /// The host name.
        name: String,
        /// The port, when given.
        port: Option<u16>,
    },
    /// One IP address (`192.0.2.1`, `192.0.2.1:2525`, `2001:db8::1`, `[2001:db8::1]:25`).
    Ip {
        /// The address.
        ip: IpAddr,
        /// The port, when given.
        port: Option<u16>,
    },
}

/// Why a target string cannot be probed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid probe target {input:?}: {problem}")]
pub struct TargetError {
    /// The input (truncated).
    pub input: String,
    /// What is wrong.
    pub problem: String,
}

impl Target {
    /// Parses `DOMAIN | HOST:PORT | IP[:PORT] | [IPv6]:PORT`; `force_host` treats a bare name
    /// as a host (no MX lookup). A mailbox (`user@domain`) means its domain. Pure.
    pub fn parse(input: &str, force_host: bool) -> Result<Self, TargetError> {
        let err = |p: &str| TargetError {
            input: input.chars().take(200).collect(),
            problem: p.to_string(),
        };
        let s = input.trim();
        let s = s.rsplit_once('@').map_or(s, |(_, d)| d);
        if s.is_empty() {
            return Err(err("empty"));
        }
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(Target::Ip { ip, port: None });
        }
        if let Some(rest) = s.strip_prefix('[') {
            let (ip, after) = rest.split_once(']').ok_or_else(|| err("unclosed '['"))?;
            let ip: IpAddr = ip
                .trim_start_matches("IPv6:")
                .parse()
                .map_err(|_| err("not an IP address inside [...]"))?;
            let port = match after {
                "" => None,
                p => Some(
                    parse_port(
                        p.strip_prefix(':')
                            .ok_or_else(|| err("expected ':PORT' after ']'"))?,
                    )
                    .map_err(|e| err(&e))?,
                ),
            };
            return Ok(Target::Ip { ip, port });
        }
        let (name, port) = match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(parse_port(p).map_err(|e| err(&e))?)),
            None => (s, None),
        };
        if let Ok(ip) = name.parse::<IpAddr>() {
            return Ok(Target::Ip { ip, port });
        }
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if name.is_empty() || name.len() > 253 {
            return Err(err("not a valid host name"));
        }
        for label in name.split('.') {
            if label.is_empty()
                || label.len() > 63
                || label.starts_with('-')
                || label.ends_with('-')
                || !label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(err(&format!(
                    "not a valid host name (bad label {label:?}; IDNs must be given in A-label form, xn--...)"
                )));
            }
        }
        if port.is_some() || force_host {
            Ok(Target::Host { name, port })
        } else {
            Ok(Target::Domain { name })
        }
    }

    /// The name or address as given (without port).
    pub fn name(&self) -> String {
        match self {
            Target::Domain { name } | Target::Host { name, .. } => name.clone(),
            Target::Ip { ip, .. } => ip.to_string(),
        }
    }

    /// The explicit port, if any.
    pub fn port(&self) -> Option<u16> {
        match self {
            Target::Domain { .. } => None,
            Target::Host { port, .. } | Target::Ip { port, .. } => *port,
        }
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("bad port {p:?} (1..65535)")),
        Ok(n) => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(
            Target::parse("Example.COM.", false).unwrap(),
            Target::Domain {
                name: "example.com".into()
            }
        );
        assert_eq!(
            Target::parse("user@example.com", false).unwrap().name(),
            "example.com"
        );
        assert_eq!(
            Target::parse("mx.example.com:2525", false).unwrap(),
            Target::Host {
                name: "mx.example.com".into(),
                port: Some(2525)
            }
        );
        assert_eq!(
            Target::parse("127.0.0.1:25", false).unwrap(),
            Target::Ip {
                ip: "127.0.0.1".parse().unwrap(),
                port: Some(25)
            }
        );
        assert_eq!(
            Target::parse("[::1]:2525", false).unwrap().port(),
            Some(2525)
        );
        assert!(matches!(
            Target::parse("::1", false).unwrap(),
            Target::Ip { port: None, .. }
        ));
        assert!(matches!(
            Target::parse("mx.example.com", true).unwrap(),
            Target::Host { port: None, .. }
        ));
    }

    #[test]
    fn bad() {
        for s in [
            "",
            "a..b",
            "-x.com",
            "host:0",
            "host:99999",
            "[::1",
            "[nope]:25",
            "a b.com",
            "ex\u{e9}.com",
        ] {
            assert!(Target::parse(s, false).is_err(), "{s:?}");
        }
    }
}

#[cfg(test)]
mod prop {
    use super::Target;

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "[",
            "]",
            ":",
            "[]:",
            "[::1]:",
            "@",
            "a@",
            "@@@",
            "\u{0}",
            "a:b:c",
            "[1.2.3.4]:25",
            "x".repeat(300).as_str(),
            ".",
            "..",
            "::ffff:1.2.3.4",
        ] {
            let _ = Target::parse(s, false);
            let _ = Target::parse(s, true);
        }
    }
}
