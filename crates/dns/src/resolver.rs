//! The resolver: ordered servers with failover, typed answers and errors, CNAME chasing, a TTL
//! cache shared by clones, and single-flight for concurrent identical lookups.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hickory_proto::op::{DnsRequest, DnsRequestOptions, DnsResponse, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_resolver::config::{
    NameServerConfig, ResolveHosts, ResolverOpts, ServerOrderingStrategy,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::xfer::{DnsHandle, FirstAnswer};
use hickory_resolver::net::{DnsError as HDnsError, NetError};
use hickory_resolver::{NameServerPool, PoolContext, TlsConfig};
use serde::Serialize;
use tokio::sync::OnceCell;

use crate::config::ResolverConfig;
use crate::error::{ConfigError, DnsError};
use crate::records::{FromRData, Mx, Rr, Soa, Tlsa, Txt, name_to_string, target_name};

/// Longest CNAME chain followed.
pub const MAX_CNAME_CHAIN: usize = 8;

/// Answers kept at most this long, whatever their TTL.
const MAX_CACHE_TTL: Duration = Duration::from_secs(3600);
/// NXDOMAIN / NODATA kept this long.
const NEGATIVE_CACHE_TTL: Duration = Duration::from_secs(30);
/// Entries beyond which expired ones are swept.
const CACHE_SWEEP_AT: usize = 20_000;

/// The records of one lookup and where they came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer<T> {
    /// The name asked for (no trailing dot).
    pub name: String,
    /// The record type asked for.
    #[serde(rename = "type")]
    pub rtype: String,
    /// The records, typed (MX sorted by preference).
    pub records: Vec<T>,
    /// The same records in presentation form, for evidence.
    pub rrs: Vec<Rr>,
    /// CNAME records followed from `name` to the owner of the records (empty when none).
    pub cnames: Vec<Rr>,
    /// The smallest TTL among the records (seconds).
    pub ttl: u32,
    /// The server that answered (the resolver address, or the server asked directly).
    pub server: SocketAddr,
    /// The AD bit: the answering resolver validated every step with DNSSEC. Only a validating
    /// resolver sets it; authoritative servers and non-validating resolvers never do.
    pub authenticated: bool,
}

impl<T> Answer<T> {
    /// The owner of the records: the last CNAME target, or the name asked for.
    pub fn canonical_name(&self) -> &str {
        self.cnames
            .last()
            .map_or(self.name.as_str(), |c| c.data.trim_end_matches('.'))
    }

    /// True when the name asked for is an alias (a CNAME was followed).
    pub fn is_alias(&self) -> bool {
        !self.cnames.is_empty()
    }

    fn map<U>(self, f: impl FnOnce(Vec<T>) -> Vec<U>) -> Answer<U> {
        Answer {
            name: self.name,
            rtype: self.rtype,
            records: f(self.records),
            rrs: self.rrs,
            cnames: self.cnames,
            ttl: self.ttl,
            server: self.server,
            authenticated: self.authenticated,
        }
    }
}

/// One exchange with one server, positive.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    pub(crate) answers: Vec<Record>,
    pub(crate) server: SocketAddr,
    pub(crate) ad: bool,
}

type Slot = Arc<OnceCell<(Result<Exchange, DnsError>, Instant)>>;

struct Server {
    addr: SocketAddr,
    pool: NameServerPool<TokioRuntimeProvider>,
    failures: AtomicU32,
}

struct Inner {
    config: ResolverConfig,
    servers: Vec<Server>,
    cache: Mutex<HashMap<(String, u16), Slot>>,
}

/// A DNS resolver for diagnostics and delivery: cheap to clone (clones share connections and the
/// cache), asks the configured servers in order, and answers with typed records that say which
/// server answered and whether the answer was DNSSEC-validated.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use mailway_dns::{Resolver, ResolverConfig};
/// let resolver = Resolver::new(ResolverConfig::from_strs(&["127.0.10.53"])?)?;
/// match resolver.mx("good.test").await {
///     Ok(answer) => for mx in &answer.records {
///         println!("{mx} (from {})", answer.server);
///     },
///     Err(e) if e.is_not_found() => println!("no MX: {e}"),
///     Err(e) => println!("temporary failure: {e}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Resolver {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("servers", &self.inner.config.servers)
            .field("timeout", &self.inner.config.timeout)
            .field("attempts", &self.inner.config.attempts)
            .finish()
    }
}

fn make_pool(addr: SocketAddr, config: &ResolverConfig) -> NameServerPool<TokioRuntimeProvider> {
    let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
    for c in &mut ns.connections {
        c.port = addr.port();
    }
    let mut opts = ResolverOpts::default();
    opts.timeout = config.timeout;
    opts.attempts = 1;
    opts.num_concurrent_reqs = 1;
    opts.server_ordering_strategy = ServerOrderingStrategy::UserProvidedOrder;
    opts.cache_size = 0;
    opts.use_hosts_file = ResolveHosts::Never;
    opts.edns0 = true;
    opts.preserve_intermediates = true;
    // TlsConfig::new only fails when DNS-over-TLS support is compiled in and the platform has no
    // crypto provider; we do not enable it.
    let tls = TlsConfig::new().unwrap_or_else(|_| unreachable!("no TLS transport compiled in"));
    let cx = Arc::new(PoolContext::new(opts, tls));
    NameServerPool::from_config([ns], cx, TokioRuntimeProvider::default())
}

/// Parses a domain name given by a user or found in a record. Rejects empty labels, labels over
/// 63 octets and names over 253 characters before anything is sent.
pub fn parse_name(input: &str) -> Result<Name, DnsError> {
    let invalid = |reason: &str| DnsError::InvalidName {
        name: input.to_string(),
        reason: reason.to_string(),
    };
    let s = input.trim();
    if s == "." {
        return Ok(Name::root());
    }
    let body = s.strip_suffix('.').unwrap_or(s);
    if body.is_empty() {
        return Err(invalid("empty name"));
    }
    if body.len() > 253 {
        return Err(invalid("longer than 253 characters"));
    }
    for label in body.split('.') {
        if label.is_empty() {
            return Err(invalid("empty label"));
        }
        if label.len() > 63 {
            return Err(invalid("label longer than 63 octets"));
        }
    }
    let parsed = if body.is_ascii() {
        Name::from_ascii(body)
    } else {
        Name::from_utf8(body)
    };
    // DNS labels may hold any octet (RFC 2181 §11): names with characters the host-name parser
    // rejects (`foo:bar/baz.example.com`, as SPF domain-specs allow) are built label by label
    let mut name = match parsed {
        Ok(n) => n,
        Err(e) if body.bytes().all(|b| (0x20..0x7f).contains(&b)) => {
            Name::from_labels(presentation_labels(body)).map_err(|_| invalid(&e.to_string()))?
        }
        Err(e) => return Err(invalid(&e.to_string())),
    };
    name.set_fqdn(true);
    Ok(name)
}

/// Splits a name in presentation format into raw labels: unescaped dots separate labels,
/// `\X` stands for X and `\DDD` for the octet DDD (RFC 1035 §5.1).
fn presentation_labels(s: &str) -> Vec<Vec<u8>> {
    let b = s.as_bytes();
    let mut labels = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if i + 3 < b.len() && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) => {
                let v = b[i + 1..i + 4]
                    .iter()
                    .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
                cur.push(u8::try_from(v).unwrap_or(u8::MAX));
                i += 4;
            }
            b'\\' if i + 1 < b.len() => {
                cur.push(b[i + 1]);
                i += 2;
            }
            b'.' => {
                labels.push(std::mem::take(&mut cur));
                i += 1;
            }
            c => {
                cur.push(c);
                i += 1;
            }
        }
    }
    labels.push(cur);
    labels
}

/// The reverse-lookup name of an address (`4.3.2.1.in-addr.arpa`, nibbles under `ip6.arpa`).
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut s = String::with_capacity(72);
            for b in v6.octets().iter().rev() {
                s.push_str(&format!("{:x}.{:x}.", b & 0x0f, b >> 4));
            }
            s.push_str("ip6.arpa");
            s
        }
    }
}

fn rcode_error(code: ResponseCode, name: &Name, rtype: RecordType, server: SocketAddr) -> DnsError {
    let n = name_to_string(name);
    let t = rtype.to_string();
    match code {
        ResponseCode::NXDomain => DnsError::NxDomain { name: n, server },
        ResponseCode::NoError => DnsError::NoData {
            name: n,
            rtype: t,
            server,
        },
        ResponseCode::ServFail => DnsError::ServFail {
            name: n,
            rtype: t,
            server,
        },
        ResponseCode::Refused => DnsError::Refused {
            name: n,
            rtype: t,
            server,
        },
        other => DnsError::Rcode {
            name: n,
            rtype: t,
            rcode: other.to_string(),
            server,
        },
    }
}

pub(crate) fn net_error(
    e: NetError,
    name: &Name,
    rtype: RecordType,
    server: SocketAddr,
    timeout: Duration,
) -> DnsError {
    match e {
        NetError::Dns(HDnsError::NoRecordsFound(nr)) => {
            rcode_error(nr.response_code, name, rtype, server)
        }
        NetError::Dns(HDnsError::ResponseCode(code)) => rcode_error(code, name, rtype, server),
        NetError::Timeout => DnsError::Timeout {
            name: name_to_string(name),
            rtype: rtype.to_string(),
            servers: vec![server],
            after: timeout,
        },
        NetError::Io(io) => DnsError::Io {
            name: name_to_string(name),
            rtype: rtype.to_string(),
            server,
            message: io.to_string(),
        },
        NetError::NoConnections => DnsError::Io {
            name: name_to_string(name),
            rtype: rtype.to_string(),
            server,
            message: "no connection could be made".into(),
        },
        other => DnsError::Protocol {
            name: name_to_string(name),
            rtype: rtype.to_string(),
            server,
            message: other.to_string(),
        },
    }
}

fn classify(
    resp: DnsResponse,
    name: &Name,
    rtype: RecordType,
    server: SocketAddr,
) -> Result<Exchange, DnsError> {
    let code = resp.metadata.response_code;
    let has_answers = !resp.answers.is_empty();
    match code {
        ResponseCode::NoError if has_answers => Ok(Exchange {
            ad: resp.metadata.authentic_data,
            answers: resp.answers.clone(),
            server,
        }),
        // a CNAME chain whose end does not exist: keep the chain, the chaser asks for the target
        ResponseCode::NXDomain
            if resp
                .answers
                .iter()
                .any(|r| r.record_type() == RecordType::CNAME) =>
        {
            Ok(Exchange {
                ad: resp.metadata.authentic_data,
                answers: resp.answers.clone(),
                server,
            })
        }
        other => Err(rcode_error(other, name, rtype, server)),
    }
}

impl Resolver {
    /// Builds a resolver. No network traffic happens until the first lookup.
    pub fn new(config: ResolverConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let servers = config
            .servers
            .iter()
            .map(|&addr| Server {
                addr,
                pool: make_pool(addr, &config),
                failures: AtomicU32::new(0),
            })
            .collect();
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                servers,
                cache: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// A resolver using the system's servers (`/etc/resolv.conf`).
    pub fn system() -> Result<Self, ConfigError> {
        Self::new(ResolverConfig::system()?)
    }

    /// The configuration in use.
    pub fn config(&self) -> &ResolverConfig {
        &self.inner.config
    }

    /// The servers, in configured order.
    pub fn servers(&self) -> Vec<SocketAddr> {
        self.inner.config.servers.clone()
    }

    /// The per-attempt timeout.
    pub fn timeout(&self) -> Duration {
        self.inner.config.timeout
    }

    /// A resolver with the same options asking only `servers` (own cache). Used to compare
    /// what different resolvers see (propagation).
    pub fn with_servers(&self, servers: impl IntoIterator<Item = SocketAddr>) -> Self {
        let mut config = self.inner.config.clone();
        config.servers = servers.into_iter().collect();
        // options were validated when `self` was built
        Self::new(config).unwrap_or_else(|_| unreachable!("validated options"))
    }

    /// One resolver per configured server (for propagation checks).
    pub fn per_server(&self) -> Vec<Resolver> {
        self.inner
            .config
            .servers
            .iter()
            .map(|&s| self.with_servers([s]))
            .collect()
    }

    async fn send_once(
        &self,
        server: &Server,
        name: &Name,
        rtype: RecordType,
    ) -> Result<Exchange, DnsError> {
        let cfg = &self.inner.config;
        let mut opts = DnsRequestOptions::default();
        opts.recursion_desired = true;
        opts.use_edns = true;
        opts.edns_set_dnssec_ok = cfg.dnssec_ok;
        let mut req = DnsRequest::from_query(Query::query(name.clone(), rtype), opts);
        // RFC 6840 §5.7: AD=1 in a query asks a validating resolver to report validation
        req.metadata.authentic_data = true;
        let fut = server.pool.send(req).first_answer();
        // the pool enforces the timeout itself; this outer bound only guarantees we never hang
        let bound = cfg.timeout + Duration::from_millis(500);
        let result = match tokio::time::timeout(bound, fut).await {
            Err(_) => Err(DnsError::Timeout {
                name: name_to_string(name),
                rtype: rtype.to_string(),
                servers: vec![server.addr],
                after: cfg.timeout,
            }),
            Ok(Ok(resp)) => classify(resp, name, rtype, server.addr),
            Ok(Err(e)) => Err(net_error(e, name, rtype, server.addr, cfg.timeout)),
        };
        match &result {
            Ok(_) => server.failures.store(0, Ordering::Relaxed),
            Err(e) if e.is_not_found() => server.failures.store(0, Ordering::Relaxed),
            Err(e) if e.is_timeout() || matches!(e, DnsError::Io { .. }) => {
                server.failures.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {}
        }
        result
    }

    /// Asks the servers in order (healthiest first), with the configured attempts.
    async fn exchange(&self, name: &Name, rtype: RecordType) -> Result<Exchange, DnsError> {
        let servers = &self.inner.servers;
        if servers.is_empty() {
            return Err(DnsError::NoServers);
        }
        // servers that recently timed out go last; configured order otherwise (stable sort)
        let mut order: Vec<&Server> = servers.iter().collect();
        order.sort_by_key(|s| s.failures.load(Ordering::Relaxed).min(3));
        let mut best: Option<DnsError> = None;
        let mut timed_out: Vec<SocketAddr> = Vec::new();
        for _ in 0..self.inner.config.attempts {
            for server in &order {
                match self.send_once(server, name, rtype).await {
                    Ok(x) => return Ok(x),
                    Err(e) if e.is_not_found() => return Err(e),
                    Err(e) => {
                        if e.is_timeout() && !timed_out.contains(&server.addr) {
                            timed_out.push(server.addr);
                        }
                        if best.as_ref().is_none_or(|b| e.rank() > b.rank()) {
                            best = Some(e);
                        }
                    }
                }
            }
        }
        match best {
            Some(DnsError::Timeout {
                name, rtype, after, ..
            }) => Err(DnsError::Timeout {
                name,
                rtype,
                servers: timed_out,
                after,
            }),
            Some(e) => Err(e),
            None => Err(DnsError::NoServers),
        }
    }

    pub(crate) async fn cached_exchange(
        &self,
        name: &Name,
        rtype: RecordType,
    ) -> Result<Exchange, DnsError> {
        if !self.inner.config.cache {
            return self.exchange(name, rtype).await;
        }
        let key = (name.to_lowercase().to_ascii(), u16::from(rtype));
        let slot: Slot = {
            let mut map = self
                .inner
                .cache
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let now = Instant::now();
            if map.len() > CACHE_SWEEP_AT {
                map.retain(|_, s| s.get().is_none_or(|(_, exp)| *exp > now));
            }
            match map.get(&key) {
                Some(slot) if slot.get().is_none_or(|(_, exp)| *exp > now) => slot.clone(),
                _ => {
                    let slot: Slot = Arc::new(OnceCell::new());
                    map.insert(key, slot.clone());
                    slot
                }
            }
        };
        let (result, _) = slot
            .get_or_init(|| async {
                let result = self.exchange(name, rtype).await;
                let now = Instant::now();
                let expires = match &result {
                    Ok(x) => {
                        let ttl = x.answers.iter().map(|r| r.ttl).min().unwrap_or(0);
                        now + Duration::from_secs(u64::from(ttl)).min(MAX_CACHE_TTL)
                    }
                    Err(e) if e.is_not_found() => now + NEGATIVE_CACHE_TTL,
                    Err(_) => now,
                };
                (result, expires)
            })
            .await;
        result.clone()
    }

    /// Resolves `name`/`rtype`, following CNAMEs (up to [`MAX_CNAME_CHAIN`]).
    async fn resolve(&self, qname: &Name, rtype: RecordType) -> Result<Resolved, DnsError> {
        let mut current = qname.clone();
        let mut cnames: Vec<Record> = Vec::new();
        let mut ad = true;
        let mut last_server = None;
        for _ in 0..=MAX_CNAME_CHAIN {
            let x = self.cached_exchange(&current, rtype).await?;
            ad &= x.ad;
            last_server = Some(x.server);
            // follow the chain inside this answer
            let mut owner = current.clone();
            if rtype != RecordType::CNAME {
                let mut hops = 0;
                while let Some(c) = x
                    .answers
                    .iter()
                    .find(|r| r.record_type() == RecordType::CNAME && r.name == owner)
                {
                    if cnames.iter().any(|seen| seen.name == c.name) || hops > MAX_CNAME_CHAIN {
                        return Err(DnsError::CnameLoop {
                            name: name_to_string(qname),
                            limit: MAX_CNAME_CHAIN,
                        });
                    }
                    cnames.push(c.clone());
                    hops += 1;
                    match &c.data {
                        RData::CNAME(t) => owner = t.0.clone(),
                        _ => break,
                    }
                }
            }
            let records: Vec<Record> = x
                .answers
                .iter()
                .filter(|r| r.record_type() == rtype && r.name == owner)
                .cloned()
                .collect();
            if !records.is_empty() {
                return Ok(Resolved {
                    records,
                    cnames,
                    server: x.server,
                    ad,
                });
            }
            if owner == current {
                // answer without the records we asked for (e.g. only unrelated data)
                return Err(DnsError::NoData {
                    name: name_to_string(&owner),
                    rtype: rtype.to_string(),
                    server: x.server,
                });
            }
            if cnames.len() > MAX_CNAME_CHAIN {
                break;
            }
            current = owner;
        }
        let _ = last_server;
        Err(DnsError::CnameLoop {
            name: name_to_string(qname),
            limit: MAX_CNAME_CHAIN,
        })
    }

    /// Any record type, in presentation form. CNAMEs are followed unless `rtype` is CNAME.
    pub async fn lookup(&self, name: &str, rtype: RecordType) -> Result<Answer<Rr>, DnsError> {
        let qname = parse_name(name)?;
        let r = self.resolve(&qname, rtype).await?;
        let rrs: Vec<Rr> = r.records.iter().map(Rr::from_record).collect();
        Ok(Answer {
            name: name_to_string(&qname),
            rtype: rtype.to_string(),
            records: rrs.clone(),
            rrs,
            cnames: r.cnames.iter().map(Rr::from_record).collect(),
            ttl: r.records.iter().map(|x| x.ttl).min().unwrap_or(0),
            server: r.server,
            authenticated: r.ad,
        })
    }

    /// The hickory records of a lookup (for callers that need the raw data, e.g. DNSSEC).
    pub async fn lookup_records(
        &self,
        name: &str,
        rtype: RecordType,
    ) -> Result<Answer<Record>, DnsError> {
        let qname = parse_name(name)?;
        let r = self.resolve(&qname, rtype).await?;
        Ok(Answer {
            name: name_to_string(&qname),
            rtype: rtype.to_string(),
            rrs: r.records.iter().map(Rr::from_record).collect(),
            cnames: r.cnames.iter().map(Rr::from_record).collect(),
            ttl: r.records.iter().map(|x| x.ttl).min().unwrap_or(0),
            records: r.records,
            server: r.server,
            authenticated: r.ad,
        })
    }

    /// A lookup converted to a typed record.
    pub async fn lookup_typed<T: FromRData>(&self, name: &str) -> Result<Answer<T>, DnsError> {
        let a = self.lookup_records(name, T::TYPE).await?;
        Ok(a.map(|recs| recs.iter().filter_map(|r| T::from_rdata(&r.data)).collect()))
    }

    /// MX records, sorted by preference then name. A null MX (`0 .`) comes back as a record whose
    /// [`Mx::is_null`] is true; see [`crate::null_mx`].
    pub async fn mx(&self, domain: &str) -> Result<Answer<Mx>, DnsError> {
        let mut a = self.lookup_typed::<Mx>(domain).await?;
        a.records
            .sort_by(|x, y| (x.preference, &x.exchange).cmp(&(y.preference, &y.exchange)));
        Ok(a)
    }

    /// IPv4 addresses.
    pub async fn a(&self, host: &str) -> Result<Answer<Ipv4Addr>, DnsError> {
        self.lookup_typed(host).await
    }

    /// IPv6 addresses.
    pub async fn aaaa(&self, host: &str) -> Result<Answer<Ipv6Addr>, DnsError> {
        self.lookup_typed(host).await
    }

    /// IPv4 and IPv6 addresses, asked concurrently. Succeeds when either family has addresses.
    /// When neither has: NXDOMAIN if the name does not exist, a temporary error if one family
    /// failed temporarily, else NODATA.
    pub async fn ip(&self, host: &str) -> Result<Answer<IpAddr>, DnsError> {
        let (v4, v6) = tokio::join!(self.a(host), self.aaaa(host));
        match (v4, v6) {
            (Ok(a), Ok(b)) => {
                let mut out = a.map(|r| r.into_iter().map(IpAddr::V4).collect());
                out.records.extend(b.records.into_iter().map(IpAddr::V6));
                out.rrs.extend(b.rrs);
                out.ttl = out.ttl.min(b.ttl);
                out.authenticated &= b.authenticated;
                out.rtype = "A+AAAA".into();
                Ok(out)
            }
            (Ok(a), Err(_)) => Ok(a.map(|r| r.into_iter().map(IpAddr::V4).collect())),
            (Err(_), Ok(b)) => Ok(b.map(|r| r.into_iter().map(IpAddr::V6).collect())),
            (Err(e4), Err(e6)) => {
                if e4.is_nxdomain() || e6.is_nxdomain() {
                    Err(if e4.is_nxdomain() { e4 } else { e6 })
                } else if e4.is_temporary() {
                    Err(e4)
                } else if e6.is_temporary() {
                    Err(e6)
                } else {
                    Err(e4)
                }
            }
        }
    }

    /// TXT records, each with its strings joined.
    pub async fn txt(&self, name: &str) -> Result<Answer<Txt>, DnsError> {
        self.lookup_typed(name).await
    }

    /// TLSA records at `name` (e.g. `_25._tcp.mx.example`; see [`tlsa_name`]).
    pub async fn tlsa(&self, name: &str) -> Result<Answer<Tlsa>, DnsError> {
        self.lookup_typed(name).await
    }

    /// PTR names of an address.
    pub async fn ptr(&self, ip: IpAddr) -> Result<Answer<String>, DnsError> {
        self.names(&reverse_name(ip), RecordType::PTR).await
    }

    /// NS names of a zone.
    pub async fn ns(&self, zone: &str) -> Result<Answer<String>, DnsError> {
        let mut a = self.names(zone, RecordType::NS).await?;
        a.records.sort();
        Ok(a)
    }

    /// The SOA record of a zone.
    pub async fn soa(&self, zone: &str) -> Result<Answer<Soa>, DnsError> {
        self.lookup_typed(zone).await
    }

    /// The CNAME target of `name` (not followed further).
    pub async fn cname(&self, name: &str) -> Result<Answer<String>, DnsError> {
        self.names(name, RecordType::CNAME).await
    }

    async fn names(&self, name: &str, rtype: RecordType) -> Result<Answer<String>, DnsError> {
        let a = self.lookup_records(name, rtype).await?;
        Ok(a.map(|recs| recs.iter().filter_map(|r| target_name(&r.data)).collect()))
    }
}

/// The TLSA owner name for a service: `_PORT._PROTO.HOST`.
pub fn tlsa_name(port: u16, proto: &str, host: &str) -> String {
    format!("_{port}._{proto}.{}", host.trim_end_matches('.'))
}

struct Resolved {
    records: Vec<Record>,
    cnames: Vec<Record>,
    server: SocketAddr,
    ad: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_before_sending() {
        assert!(parse_name("good.test").is_ok());
        assert!(parse_name("_dmarc.good.test.").is_ok());
        assert!(parse_name("a..b").is_err());
        assert!(parse_name("").is_err());
        let long = format!("{}.example.com", "a".repeat(64));
        assert!(parse_name(&long).is_err());
        let ok = format!("{}.example.com", "a".repeat(63));
        assert!(parse_name(&ok).is_ok());
        assert!(parse_name("bücher.example").is_ok());
        assert!(parse_name("foo:bar/baz.example.com").is_ok());
        assert!(parse_name("macro%percent  space%20url-space.example.com").is_ok());
        // names come back escaped; they must parse again to the same name
        let n = parse_name("foo:bar/baz.example.com").unwrap();
        let shown = crate::records::name_to_string(&n);
        assert_eq!(parse_name(&shown).unwrap(), n);
    }

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name("192.0.2.10".parse().unwrap()),
            "10.2.0.192.in-addr.arpa"
        );
        assert_eq!(
            reverse_name("2001:db8::1".parse().unwrap()),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
    }
}
