//! DNS for delivery, injected: MX with priorities (RFC 5321 section 5.1), null MX (RFC 7505),
//! A and AAAA.

use std::net::IpAddr;

use crate::clock::BoxFuture;

/// The answer to an MX query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MxAnswer {
    /// MX records as (preference, exchange host), in any order.
    Hosts(Vec<(u16, String)>),
    /// The domain publishes a null MX (`0 .`): it accepts no mail (fail with 5.1.10).
    NullMx,
    /// The domain exists but has no MX records: deliver to its own A/AAAA (implicit MX).
    NoMx,
}

/// A DNS failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DnsError {
    /// The name does not exist (NXDOMAIN): permanent.
    #[error(
        "Host or domain name not found. Name service error for name={name} type={rtype}: Host not found"
    )]
    NotFound {
        /// The name looked up.
        name: String,
        /// The record type.
        rtype: &'static str,
    },
    /// A temporary failure (SERVFAIL, timeout, network): retry later.
    #[error(
        "Host or domain name not found. Name service error for name={name} type={rtype}: {reason}"
    )]
    Temporary {
        /// The name looked up.
        name: String,
        /// The record type.
        rtype: &'static str,
        /// What went wrong.
        reason: String,
    },
}

impl DnsError {
    /// True for NXDOMAIN.
    pub fn is_permanent(&self) -> bool {
        matches!(self, DnsError::NotFound { .. })
    }
}

/// The lookups delivery needs. Implementations: [`SystemResolver`] (via `mailway-dns`, with
/// configurable servers), or anything a test provides.
pub trait Resolver: Send + Sync + 'static {
    /// MX records of `domain`.
    fn mx<'a>(&'a self, domain: &'a str) -> BoxFuture<'a, Result<MxAnswer, DnsError>>;
    /// A and/or AAAA addresses of `host` (IPv6 first when both are asked for). An empty list is
    /// a valid answer (no address records).
    fn ips<'a>(
        &'a self,
        host: &'a str,
        want_v4: bool,
        want_v6: bool,
    ) -> BoxFuture<'a, Result<Vec<IpAddr>, DnsError>>;
}

/// Resolver used when none is injected. Until the `mailway-dns` resolver is wired in, it
/// resolves only addresses (through the operating system) and answers every MX query with
/// "no MX" (implicit MX), so routes and IP literals work and MX delivery degrades to the
/// domain's own address.
#[derive(Debug, Clone, Default)]
pub struct SystemResolver {
    _servers: Vec<String>,
}

impl SystemResolver {
    /// A resolver using these DNS servers (`ip:port`; empty: the system's).
    pub fn new(servers: &[String]) -> Result<Self, String> {
        Ok(Self {
            _servers: servers.to_vec(),
        })
    }
}

impl Resolver for SystemResolver {
    fn mx<'a>(&'a self, _domain: &'a str) -> BoxFuture<'a, Result<MxAnswer, DnsError>> {
        Box::pin(async { Ok(MxAnswer::NoMx) })
    }

    fn ips<'a>(
        &'a self,
        host: &'a str,
        want_v4: bool,
        want_v6: bool,
    ) -> BoxFuture<'a, Result<Vec<IpAddr>, DnsError>> {
        Box::pin(async move {
            if let Ok(ip) = host.parse::<IpAddr>() {
                return Ok(vec![ip]);
            }
            match tokio::net::lookup_host((host, 25)).await {
                Ok(addrs) => {
                    let mut v: Vec<IpAddr> = addrs
                        .map(|a| a.ip())
                        .filter(|ip| (ip.is_ipv4() && want_v4) || (ip.is_ipv6() && want_v6))
                        .collect();
                    v.sort_by_key(|ip| ip.is_ipv4());
                    v.dedup();
                    Ok(v)
                }
                Err(e) => Err(DnsError::Temporary {
                    name: host.to_string(),
                    rtype: "A/AAAA",
                    reason: e.to_string(),
                }),
            }
        })
    }
}
