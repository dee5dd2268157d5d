//! Resolver configuration: which servers, how long to wait, how often to try.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::error::ConfigError;

/// Default time to wait for one answer from one server.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// Default number of tries per server.
pub const DEFAULT_ATTEMPTS: usize = 2;

/// How a [`Resolver`](crate::Resolver) talks to DNS.
///
/// Servers are asked in the given order; the next one is tried when a server fails (timeout,
/// I/O error, SERVFAIL, REFUSED). NXDOMAIN and NODATA are answers and end the lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverConfig {
    /// Servers (recursive resolvers) to ask, in order.
    pub servers: Vec<SocketAddr>,
    /// Time to wait for an answer from one server, per attempt.
    pub timeout: Duration,
    /// Tries per server (1 = no retry).
    pub attempts: usize,
    /// Keep answers for their TTL and share concurrent identical lookups (on by default).
    pub cache: bool,
    /// Set the EDNS DO bit on ordinary lookups (asks the resolver for DNSSEC records). The AD bit
    /// is always set in queries (RFC 6840 §5.7), so a validating resolver tells us whether it
    /// validated; DO is only needed to receive signatures.
    pub dnssec_ok: bool,
}

impl ResolverConfig {
    /// A configuration asking `servers`, with the default timeout and attempts.
    pub fn new(servers: impl IntoIterator<Item = SocketAddr>) -> Self {
        Self {
            servers: servers.into_iter().collect(),
            timeout: DEFAULT_TIMEOUT,
            attempts: DEFAULT_ATTEMPTS,
            cache: true,
            dnssec_ok: false,
        }
    }

    /// The servers of the system configuration (`/etc/resolv.conf` on Unix).
    pub fn system() -> Result<Self, ConfigError> {
        let (config, _opts) = hickory_resolver::system_conf::read_system_conf()
            .map_err(|e| ConfigError::System(e.to_string()))?;
        let servers: Vec<SocketAddr> = config
            .name_servers()
            .iter()
            .map(|ns| {
                let port = ns.connections.first().map_or(53, |c| c.port);
                SocketAddr::new(ns.ip, port)
            })
            .fold(Vec::new(), |mut acc, s| {
                if !acc.contains(&s) {
                    acc.push(s);
                }
                acc
            });
        if servers.is_empty() {
            return Err(ConfigError::System(
                "no nameserver line in /etc/resolv.conf".into(),
            ));
        }
        Ok(Self::new(servers))
    }

    /// Parses servers given as `IP[:PORT]` (see [`parse_server`]).
    pub fn from_strs<S: AsRef<str>>(servers: &[S]) -> Result<Self, ConfigError> {
        let servers = servers
            .iter()
            .map(|s| parse_server(s.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(servers))
    }

    /// Sets the per-attempt timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the number of tries per server.
    pub fn with_attempts(mut self, attempts: usize) -> Self {
        self.attempts = attempts;
        self
    }

    /// Turns the answer cache on or off.
    pub fn with_cache(mut self, cache: bool) -> Self {
        self.cache = cache;
        self
    }

    /// Sets the DO bit on ordinary lookups.
    pub fn with_dnssec_ok(mut self, dnssec_ok: bool) -> Self {
        self.dnssec_ok = dnssec_ok;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.timeout.is_zero() {
            return Err(ConfigError::Option(
                "timeout must be greater than zero".into(),
            ));
        }
        if self.attempts == 0 {
            return Err(ConfigError::Option("attempts must be at least 1".into()));
        }
        Ok(())
    }
}

/// Parses a DNS server address: `192.0.2.1`, `192.0.2.1:5353`, `2001:db8::1`, `[2001:db8::1]:53`.
/// The port defaults to 53.
///
/// ```
/// let s = mailway_dns::parse_server("127.0.0.1:5353").unwrap();
/// assert_eq!(s.port(), 5353);
/// assert_eq!(mailway_dns::parse_server("::1").unwrap().port(), 53);
/// assert!(mailway_dns::parse_server("dns.example").is_err());
/// ```
pub fn parse_server(input: &str) -> Result<SocketAddr, ConfigError> {
    let s = input.trim();
    let bad = || ConfigError::BadServer {
        input: input.to_string(),
    };
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    s.parse::<SocketAddr>().map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_servers() {
        assert_eq!(
            parse_server("127.0.10.53").unwrap(),
            "127.0.10.53:53".parse().unwrap()
        );
        assert_eq!(
            parse_server("[::1]:5300").unwrap(),
            "[::1]:5300".parse().unwrap()
        );
        assert!(parse_server("127.0.0.1:").is_err());
        assert!(parse_server("127.0.0.1:99999").is_err());
        assert!(parse_server("").is_err());
    }

    #[test]
    fn rejects_zero_options() {
        let c = ResolverConfig::new([]).with_timeout(Duration::ZERO);
        assert!(c.validate().is_err());
        let c = ResolverConfig::new([]).with_attempts(0);
        assert!(c.validate().is_err());
    }
}
