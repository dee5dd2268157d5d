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

/// The resolver used when none is injected: `mailway-dns` (hickory) with the configured
/// servers, or the system's (`/etc/resolv.conf`) when none are given.
#[derive(Debug, Clone)]
pub struct SystemResolver {
    inner: mailway_dns::Resolver,
}

impl SystemResolver {
    /// A resolver using these DNS servers (`ip[:port]`; empty: the system's).
    pub fn new(servers: &[String]) -> Result<Self, String> {
        let config = if servers.is_empty() {
            mailway_dns::ResolverConfig::system().map_err(|e| e.to_string())?
        } else {
            mailway_dns::ResolverConfig::from_strs(servers).map_err(|e| e.to_string())?
        };
        Ok(Self {
            inner: mailway_dns::Resolver::new(config).map_err(|e| e.to_string())?,
        })
    }

    /// Wraps an existing `mailway-dns` resolver (tests point one at an in-process server).
    pub fn from_dns(inner: mailway_dns::Resolver) -> Self {
        Self { inner }
    }
}

fn convert(e: mailway_dns::DnsError, name: &str, rtype: &'static str) -> DnsError {
    if e.is_nxdomain() {
        DnsError::NotFound {
            name: name.to_string(),
            rtype,
        }
    } else {
        DnsError::Temporary {
            name: name.to_string(),
            rtype,
            reason: e.to_string(),
        }
    }
}

impl Resolver for SystemResolver {
    fn mx<'a>(&'a self, domain: &'a str) -> BoxFuture<'a, Result<MxAnswer, DnsError>> {
        Box::pin(async move {
            match self.inner.mx(domain).await {
                Ok(a) => match mailway_dns::null_mx(&a.records) {
                    mailway_dns::NullMx::Yes => Ok(MxAnswer::NullMx),
                    mailway_dns::NullMx::Mixed => Ok(MxAnswer::Hosts(
                        a.records
                            .into_iter()
                            .filter(|m| !m.is_null())
                            .map(|m| (m.preference, m.exchange))
                            .collect(),
                    )),
                    mailway_dns::NullMx::No => Ok(MxAnswer::Hosts(
                        a.records
                            .into_iter()
                            .map(|m| (m.preference, m.exchange))
                            .collect(),
                    )),
                },
                Err(e) if e.is_nodata() => Ok(MxAnswer::NoMx),
                Err(e) => Err(convert(e, domain, "MX")),
            }
        })
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
            let mut v6: Vec<IpAddr> = Vec::new();
            let mut v4: Vec<IpAddr> = Vec::new();
            let mut errs = Vec::new();
            let (a, aaaa) = tokio::join!(
                async {
                    if want_v4 {
                        Some(self.inner.a(host).await)
                    } else {
                        None
                    }
                },
                async {
                    if want_v6 {
                        Some(self.inner.aaaa(host).await)
                    } else {
                        None
                    }
                }
            );
            match a {
                Some(Ok(ans)) => v4.extend(ans.records.into_iter().map(IpAddr::V4)),
                Some(Err(e)) if e.is_nodata() => {}
                Some(Err(e)) => errs.push((e, "A")),
                None => {}
            }
            match aaaa {
                Some(Ok(ans)) => v6.extend(ans.records.into_iter().map(IpAddr::V6)),
                Some(Err(e)) if e.is_nodata() => {}
                Some(Err(e)) => errs.push((e, "AAAA")),
                None => {}
            }
            v6.extend(v4);
            if v6.is_empty() && !errs.is_empty() {
                // NXDOMAIN wins (the name does not exist); else the temporary error.
                let i = errs.iter().position(|(e, _)| e.is_nxdomain()).unwrap_or(0);
                let (e, t) = errs.swap_remove(i);
                return Err(convert(e, host, t));
            }
            Ok(v6)
        })
    }
}
