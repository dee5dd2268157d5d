//! Typed DNS errors: what the server said (NXDOMAIN, NODATA, SERVFAIL, REFUSED, another
//! response code) or why no answer came back (timeout, I/O, a malformed reply).

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;

/// Why a lookup produced no records.
///
/// Every variant names the queried name (and type where it matters) and the server(s) involved, so
/// a message built from it is evidence on its own. `NxDomain` and `NoData` are *answers* (the
/// server spoke with authority or on behalf of one); the others are failures to get an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DnsError {
    /// The name does not exist (RCODE 3, NXDOMAIN).
    #[error("{name}: no such domain (NXDOMAIN from {server})")]
    NxDomain {
        /// Name that does not exist (the last name of a CNAME chain, if one was followed).
        name: String,
        /// Server that answered.
        server: SocketAddr,
    },
    /// The name exists but has no record of the asked type (NOERROR with an empty answer).
    #[error("{name}: no {rtype} record (NODATA from {server})")]
    NoData {
        /// Name that exists without the type.
        name: String,
        /// The record type asked for (e.g. `MX`).
        rtype: String,
        /// Server that answered.
        server: SocketAddr,
    },
    /// The server failed to answer (RCODE 2, SERVFAIL): a broken zone, a DNSSEC validation
    /// failure at a validating resolver, or unreachable authoritative servers behind it.
    #[error("{name} {rtype}: server failure (SERVFAIL from {server})")]
    ServFail {
        /// Queried name.
        name: String,
        /// Queried type.
        rtype: String,
        /// Server that answered SERVFAIL.
        server: SocketAddr,
    },
    /// The server refused the query (RCODE 5, REFUSED): not authoritative and not willing to
    /// recurse for us.
    #[error("{name} {rtype}: query refused (REFUSED from {server})")]
    Refused {
        /// Queried name.
        name: String,
        /// Queried type.
        rtype: String,
        /// Server that refused.
        server: SocketAddr,
    },
    /// Another error response code (FORMERR, NOTIMP, ...).
    #[error("{name} {rtype}: error response {rcode} from {server}")]
    Rcode {
        /// Queried name.
        name: String,
        /// Queried type.
        rtype: String,
        /// Response code as text (e.g. `FORMERR`).
        rcode: String,
        /// Server that answered.
        server: SocketAddr,
    },
    /// No server answered within the timeout (after all attempts).
    #[error("{name} {rtype}: no answer within {}s from {}", after.as_secs_f32(), ServerList(servers))]
    Timeout {
        /// Queried name.
        name: String,
        /// Queried type.
        rtype: String,
        /// Servers that were tried.
        servers: Vec<SocketAddr>,
        /// Time spent per server and attempt.
        #[serde(serialize_with = "ser_secs")]
        after: Duration,
    },
    /// Sending or receiving failed (connection refused, network unreachable, ...).
    #[error("{name} {rtype}: I/O error talking to {server}: {message}")]
    Io {
        /// Queried name.
        name: String,
        /// Queried type.
        rtype: String,
        /// Server we tried to talk to.
        server: SocketAddr,
        /// The underlying error.
        message: String,
    },
    /// The reply could not be used (malformed, wrong id, truncated over TCP, ...).
    #[error("{name} {rtype}: unusable reply from {server}: {message}")]
    Protocol {
        /// Queried name.
        name: String,
        /// Queried type.
        rtype: String,
        /// Server that sent it.
        server: SocketAddr,
        /// What was wrong.
        message: String,
    },
    /// A CNAME chain longer than the limit, or looping.
    #[error("{name}: CNAME chain loops or is longer than {limit} links")]
    CnameLoop {
        /// Name where the chain started.
        name: String,
        /// The limit that was hit.
        limit: usize,
    },
    /// The name cannot be a DNS name (label over 63 octets, name over 255, empty label, ...).
    #[error("{name:?} is not a valid DNS name: {reason}")]
    InvalidName {
        /// The input as given.
        name: String,
        /// Why it is rejected.
        reason: String,
    },
    /// The resolver has no server to ask.
    #[error("no DNS server configured")]
    NoServers,
}

struct ServerList<'a>(&'a [SocketAddr]);

impl fmt::Display for ServerList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

fn ser_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl DnsError {
    /// NXDOMAIN: the name does not exist.
    pub fn is_nxdomain(&self) -> bool {
        matches!(self, Self::NxDomain { .. })
    }

    /// NODATA: the name exists, the type does not.
    pub fn is_nodata(&self) -> bool {
        matches!(self, Self::NoData { .. })
    }

    /// NXDOMAIN or NODATA: a definitive "there is no such record".
    pub fn is_not_found(&self) -> bool {
        self.is_nxdomain() || self.is_nodata()
    }

    /// A failure that may go away by retrying later (SERVFAIL, REFUSED, timeout, I/O, bad reply):
    /// for mail this maps to a temporary (4xx) condition, never to "no such domain".
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            Self::ServFail { .. }
                | Self::Refused { .. }
                | Self::Rcode { .. }
                | Self::Timeout { .. }
                | Self::Io { .. }
                | Self::Protocol { .. }
                | Self::NoServers
        )
    }

    /// A timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// Short stable code for machines: `nxdomain`, `nodata`, `servfail`, `refused`, `rcode`,
    /// `timeout`, `io`, `protocol`, `cname_loop`, `invalid_name`, `no_servers`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NxDomain { .. } => "nxdomain",
            Self::NoData { .. } => "nodata",
            Self::ServFail { .. } => "servfail",
            Self::Refused { .. } => "refused",
            Self::Rcode { .. } => "rcode",
            Self::Timeout { .. } => "timeout",
            Self::Io { .. } => "io",
            Self::Protocol { .. } => "protocol",
            Self::CnameLoop { .. } => "cname_loop",
            Self::InvalidName { .. } => "invalid_name",
            Self::NoServers => "no_servers",
        }
    }

    /// The server that gave this answer, when one did.
    pub fn server(&self) -> Option<SocketAddr> {
        match self {
            Self::NxDomain { server, .. }
            | Self::NoData { server, .. }
            | Self::ServFail { server, .. }
            | Self::Refused { server, .. }
            | Self::Rcode { server, .. }
            | Self::Io { server, .. }
            | Self::Protocol { server, .. } => Some(*server),
            _ => None,
        }
    }

    /// How much a failure tells us, to keep the most informative one across servers:
    /// an answer from a server beats a transport failure.
    pub(crate) fn rank(&self) -> u8 {
        match self {
            Self::NxDomain { .. } | Self::NoData { .. } => 5,
            Self::ServFail { .. } | Self::Refused { .. } | Self::Rcode { .. } => 4,
            Self::Protocol { .. } => 3,
            Self::Io { .. } => 2,
            Self::Timeout { .. } => 1,
            _ => 0,
        }
    }
}

/// An invalid resolver configuration (e.g. a server address that does not parse).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A server given as `IP[:PORT]` that is not one.
    #[error("invalid DNS server {input:?}: expected IP or IP:PORT (IPv6 as [ADDR]:PORT)")]
    BadServer {
        /// The input.
        input: String,
    },
    /// The system configuration (`/etc/resolv.conf`) could not be read or lists no server.
    #[error("cannot use the system resolver configuration: {0}")]
    System(String),
    /// A zero timeout or zero attempts.
    #[error("invalid resolver option: {0}")]
    Option(String),
}
