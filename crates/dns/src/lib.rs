//! DNS lookups for mail diagnostics and delivery, built on hickory (resolver 0.26).
//!
//! # Brief overview
//!
//! - [`Resolver`]: asks the configured servers (`IP[:PORT]`, in order, failing over on timeout,
//!   I/O error, SERVFAIL or REFUSED) with a timeout and a number of attempts; cheap to clone
//!   (clones share connections and a TTL cache; concurrent identical lookups are sent once).
//! - Typed lookups: [`Resolver::mx`] (null MX recognised, see [`null_mx`]), [`Resolver::a`],
//!   [`Resolver::aaaa`], [`Resolver::ip`], [`Resolver::txt`] (strings joined), [`Resolver::tlsa`],
//!   [`Resolver::ptr`], [`Resolver::ns`], [`Resolver::soa`], [`Resolver::cname`], and
//!   [`Resolver::lookup`] for any type. Each returns an [`Answer`]: the records, their TTL, the
//!   records in presentation form for evidence, the CNAMEs followed, **which server answered**
//!   and whether the answer was **DNSSEC-validated** (the AD bit of a validating resolver).
//! - Typed errors: [`DnsError`] tells NXDOMAIN and NODATA (answers: "there is no such record")
//!   from SERVFAIL, REFUSED, timeout and I/O errors (temporary: "could not find out"). Mail
//!   code must never treat the second kind as the first; [`DnsError::is_temporary`] says which.
//! - Direct queries: [`Resolver::query_server`] / [`query`] ask **one** server with chosen flags
//!   (RD off by default, DO, CD) and return the whole [`Response`] (rcode, AA/AD/RA/TC bits,
//!   every section): for lame-delegation, SOA-serial and propagation checks.
//! - [`dnssec`]: one-level DNSSEC verification (DS at the parent → DNSKEY → RRSIG over an RRset),
//!   independent of whether the resolver validates.
//!
//! What this crate must not do: decide what a finding means (that is `mailway-diag`), or talk to
//! anything but the servers it is given.
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use mailway_dns::{null_mx, NullMx, Resolver, ResolverConfig};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = ResolverConfig::from_strs(&["127.0.10.53", "127.0.10.54:53"])?
//!     .with_timeout(Duration::from_secs(2))
//!     .with_attempts(1);
//! let resolver = Resolver::new(config)?;
//! match resolver.mx("nullmx.test").await {
//!     Ok(mx) if null_mx(&mx.records) == NullMx::Yes => println!("domain accepts no mail"),
//!     Ok(mx) => println!("{} MX from {}", mx.records.len(), mx.server),
//!     // no MX at all: RFC 5321 §5.1 implicit MX (the domain's own A/AAAA)
//!     Err(e) if e.is_nodata() => println!("no MX; deliver to the A/AAAA of the domain"),
//!     Err(e) if e.is_nxdomain() => println!("domain does not exist: bounce"),
//!     Err(e) => println!("temporary DNS failure, retry later: {e}"),
//! }
//! # Ok(()) }
//! ```
//!
//! Tests run a real DNS server in-process: `mailway_testkit::dns::TestDns` serves zone text on
//! loopback UDP and TCP (see `tests/resolver.rs`).

mod config;
mod direct;
pub mod dnssec;
mod error;
mod records;
mod resolver;

pub use config::{DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT, ResolverConfig, parse_server};
pub use direct::{QueryOptions, Response, query, rcode_name};
pub use error::{ConfigError, DnsError};
pub use records::{
    FromRData, Mx, NullMx, Rr, Soa, Tlsa, Txt, escape_txt, hex, name_to_string, null_mx,
};
pub use resolver::{Answer, MAX_CNAME_CHAIN, Resolver, parse_name, reverse_name, tlsa_name};

/// hickory-proto, re-exported for record types and raw records (`proto::rr::RecordType`, ...).
pub use hickory_proto as proto;
/// The record type enum (`RecordType::MX`, ...).
pub use hickory_proto::rr::RecordType;
