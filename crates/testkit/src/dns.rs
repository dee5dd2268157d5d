//! An in-process authoritative DNS server (hickory-server 0.26) for tests: zone text or records
//! built in code, served on loopback UDP **and** TCP at one ephemeral port.
//!
//! Beyond plain authoritative answers (NXDOMAIN, NODATA with SOA, CNAME, wildcards, referrals),
//! chosen names can misbehave on purpose: never answer (timeout), answer SERVFAIL or REFUSED,
//! answer late. Every query received is logged, so tests can assert what was asked.
//!
//! By default the server is also authoritative for the root zone `.`, so names outside the
//! configured zones get an authoritative NXDOMAIN (as a recursive resolver would report for a
//! name that does not exist) instead of REFUSED; [`TestDnsBuilder::without_root`] turns that off.
//!
//! ```
//! use mailway_testkit::dns::TestDns;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let dns = TestDns::builder()
//!     .zone("example.test", "@ 300 IN MX 10 mx\nmx 300 IN A 192.0.2.1\n")
//!     .timeout("slow.example.test", None)
//!     .start()
//!     .await
//!     .expect("start test DNS");
//! // point a resolver at dns.addr() (127.0.0.1:<ephemeral port>, UDP and TCP)
//! assert!(dns.addr().ip().is_loopback());
//! # }
//! ```

use std::collections::BTreeMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_proto::op::{Header, HeaderCounts, Metadata, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, PTR, SOA, TXT};
use hickory_proto::rr::{LowerName, Name, RData, Record, RecordSet, RecordType, RrKey};
use hickory_proto::serialize::txt::Parser;
use hickory_server::net::runtime::Time;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{
    AxfrPolicy, Catalog, MessageResponseBuilder, ZoneHandler, ZoneType,
};
use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinHandle;

/// How the server treats a query that a rule matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    /// Answer from the zones (the default for every query).
    Answer,
    /// Never answer: the client times out.
    Timeout,
    /// Answer SERVFAIL.
    ServFail,
    /// Answer REFUSED.
    Refused,
    /// Wait, then answer from the zones.
    Delay(Duration),
}

type RuleFn = Arc<dyn Fn(&str, RecordType) -> Option<Behavior> + Send + Sync>;

struct Rule {
    /// Lowercase name without trailing dot.
    name: String,
    rtype: Option<RecordType>,
    behavior: Behavior,
}

/// Builds a [`TestDns`].
pub struct TestDnsBuilder {
    zones: Vec<(Name, BTreeMap<RrKey, RecordSet>)>,
    records: Vec<Record>,
    rules: Vec<Rule>,
    rule_fn: Option<RuleFn>,
    root: bool,
    bind: SocketAddr,
}

/// A running in-process DNS server. Stops when dropped.
pub struct TestDns {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<(String, RecordType)>>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for TestDns {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn name(s: &str) -> Name {
    let mut n = if s == "." || s.is_empty() {
        Name::root()
    } else {
        Name::from_str(s.trim_end_matches('.')).unwrap_or_else(|e| panic!("bad name {s:?}: {e}"))
    };
    n.set_fqdn(true);
    n
}

fn soa_record(origin: &Name) -> Record {
    let mname = Name::from_str("ns.test.").unwrap_or_else(|_| Name::root());
    let rname = Name::from_str("hostmaster.test.").unwrap_or_else(|_| Name::root());
    Record::from_rdata(
        origin.clone(),
        300,
        RData::SOA(SOA::new(mname, rname, 1, 3600, 900, 604_800, 300)),
    )
}

fn normalize(s: &str) -> String {
    s.trim_end_matches('.').to_ascii_lowercase()
}

impl TestDns {
    /// A builder with no zones (a root zone is added unless [`TestDnsBuilder::without_root`]).
    pub fn builder() -> TestDnsBuilder {
        TestDnsBuilder {
            zones: Vec::new(),
            records: Vec::new(),
            rules: Vec::new(),
            rule_fn: None,
            root: true,
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        }
    }

    /// Starts a server for one zone given as zone-file text.
    pub async fn start_zone(origin: &str, text: &str) -> io::Result<TestDns> {
        Self::builder().zone(origin, text).start().await
    }

    /// The address (UDP and TCP) the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every query received so far, as (name without trailing dot, lowercase; type).
    pub fn queries(&self) -> Vec<(String, RecordType)> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// How many queries were received.
    pub fn query_count(&self) -> usize {
        self.log.lock().map(|l| l.len()).unwrap_or(0)
    }

    /// How many queries for `name` (any case, with or without trailing dot) were received.
    pub fn queries_for(&self, qname: &str) -> usize {
        let n = normalize(qname);
        self.log
            .lock()
            .map(|l| l.iter().filter(|(q, _)| *q == n).count())
            .unwrap_or(0)
    }
}

impl TestDnsBuilder {
    /// Adds a zone from zone-file text. `$ORIGIN` defaults to `origin`; an SOA is added when the
    /// text has none. Panics with the parser's message on invalid text (this is a test helper).
    pub fn zone(mut self, origin: &str, text: &str) -> Self {
        let origin_name = name(origin);
        let text = if text.contains("$TTL") {
            text.to_string()
        } else {
            format!("$TTL 300\n{text}")
        };
        let (origin_name, mut records) = Parser::new(text, None, Some(origin_name))
            .parse()
            .unwrap_or_else(|e| panic!("zone {origin}: {e}"));
        let soa_key = RrKey::new(LowerName::new(&origin_name), RecordType::SOA);
        records.entry(soa_key).or_insert_with(|| {
            let mut set = RecordSet::new(origin_name.clone(), RecordType::SOA, 1);
            set.insert(soa_record(&origin_name), 1);
            set
        });
        self.zones.push((origin_name, records));
        self
    }

    /// Adds one record (to the deepest zone that contains it, or to the root zone).
    pub fn record(mut self, record: Record) -> Self {
        self.records.push(record);
        self
    }

    /// Adds a TXT record with the given character-strings (bytes, any content).
    pub fn txt(self, owner: &str, strings: &[&[u8]]) -> Self {
        let rdata = TXT::from_bytes(strings.to_vec());
        self.record(Record::from_rdata(name(owner), 300, RData::TXT(rdata)))
    }

    /// Adds an A record.
    pub fn a(self, owner: &str, ip: Ipv4Addr) -> Self {
        self.record(Record::from_rdata(name(owner), 300, RData::A(A(ip))))
    }

    /// Adds an AAAA record.
    pub fn aaaa(self, owner: &str, ip: Ipv6Addr) -> Self {
        self.record(Record::from_rdata(name(owner), 300, RData::AAAA(AAAA(ip))))
    }

    /// Adds an MX record.
    pub fn mx(self, owner: &str, preference: u16, exchange: &str) -> Self {
        self.record(Record::from_rdata(
            name(owner),
            300,
            RData::MX(MX::new(preference, name(exchange))),
        ))
    }

    /// Adds a CNAME record.
    pub fn cname(self, owner: &str, target: &str) -> Self {
        self.record(Record::from_rdata(
            name(owner),
            300,
            RData::CNAME(CNAME(name(target))),
        ))
    }

    /// Adds a PTR record.
    pub fn ptr(self, owner: &str, target: &str) -> Self {
        self.record(Record::from_rdata(
            name(owner),
            300,
            RData::PTR(PTR(name(target))),
        ))
    }

    /// Adds an NS record.
    pub fn ns(self, owner: &str, target: &str) -> Self {
        self.record(Record::from_rdata(
            name(owner),
            300,
            RData::NS(NS(name(target))),
        ))
    }

    /// Queries for `owner` (and `rtype`, or any type when `None`) never get an answer.
    pub fn timeout(self, owner: &str, rtype: Option<RecordType>) -> Self {
        self.behavior(owner, rtype, Behavior::Timeout)
    }

    /// Sets how queries for `owner` (and `rtype`, or any type) are treated. Earlier rules win.
    pub fn behavior(mut self, owner: &str, rtype: Option<RecordType>, behavior: Behavior) -> Self {
        self.rules.push(Rule {
            name: normalize(owner),
            rtype,
            behavior,
        });
        self
    }

    /// A function deciding the behaviour of any query (name lowercase, without trailing dot),
    /// consulted after the named rules; `None` means answer normally.
    pub fn behavior_fn(
        mut self,
        f: impl Fn(&str, RecordType) -> Option<Behavior> + Send + Sync + 'static,
    ) -> Self {
        self.rule_fn = Some(Arc::new(f));
        self
    }

    /// Do not serve a root zone: names outside the zones get REFUSED.
    pub fn without_root(mut self) -> Self {
        self.root = false;
        self
    }

    /// Listens on `addr` (default `127.0.0.1:0`). Any 127.0.0.0/8 address works on Linux, so
    /// tests can run several servers on the same port at different addresses (as name servers
    /// of one zone would be).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Binds UDP and TCP on the same port and starts serving.
    pub async fn start(self) -> io::Result<TestDns> {
        let TestDnsBuilder {
            mut zones,
            records,
            rules,
            rule_fn,
            root,
            bind,
        } = self;
        if root && !zones.iter().any(|(o, _)| o.is_root()) {
            let origin = Name::root();
            let mut map = BTreeMap::new();
            let mut set = RecordSet::new(origin.clone(), RecordType::SOA, 1);
            set.insert(soa_record(&origin), 1);
            map.insert(RrKey::new(LowerName::new(&origin), RecordType::SOA), set);
            zones.push((origin, map));
        }
        for record in records {
            let idx = zones
                .iter()
                .enumerate()
                .filter(|(_, (o, _))| o.zone_of(&record.name))
                .max_by_key(|(_, (o, _))| o.num_labels())
                .map(|(i, _)| i)
                .ok_or_else(|| {
                    io::Error::other(format!("no zone contains {} (without_root?)", record.name))
                })?;
            let map = &mut zones[idx].1;
            let key = RrKey::new(LowerName::new(&record.name), record.record_type());
            map.entry(key)
                .or_insert_with(|| RecordSet::new(record.name.clone(), record.record_type(), 1))
                .insert(record, 1);
        }
        let mut catalog = Catalog::new();
        for (origin, map) in zones {
            let handler =
                InMemoryZoneHandler::<hickory_server::net::runtime::TokioRuntimeProvider>::new(
                    origin.clone(),
                    map,
                    ZoneType::Primary,
                    AxfrPolicy::Deny,
                    None,
                )
                .map_err(|e| io::Error::other(format!("zone {origin}: {e}")))?;
            let handler: Arc<dyn ZoneHandler> = Arc::new(handler);
            catalog.upsert(LowerName::new(&origin), vec![handler]);
        }

        // same port for UDP and TCP: bind UDP first, then TCP on its port (retry a few times)
        let (udp, tcp) = bind_pair(bind).await?;
        let addr = udp.local_addr()?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler = Handler {
            catalog,
            rules,
            rule_fn,
            log: log.clone(),
        };
        let mut server = hickory_server::Server::new(handler);
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(10), 64 * 1024);
        let task = tokio::spawn(async move {
            let _ = server.block_until_done().await;
        });
        Ok(TestDns {
            addr,
            log,
            tasks: vec![task],
        })
    }
}

async fn bind_pair(bind: SocketAddr) -> io::Result<(UdpSocket, TcpListener)> {
    let mut last = None;
    for _ in 0..20 {
        let udp = UdpSocket::bind(bind).await?;
        let port = udp.local_addr()?.port();
        match TcpListener::bind(SocketAddr::new(bind.ip(), port)).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) if bind.port() == 0 => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("could not bind UDP and TCP on one port")))
}

struct Handler {
    catalog: Catalog,
    rules: Vec<Rule>,
    rule_fn: Option<RuleFn>,
    log: Arc<Mutex<Vec<(String, RecordType)>>>,
}

impl Handler {
    fn behavior(&self, qname: &str, rtype: RecordType) -> Behavior {
        for r in &self.rules {
            if r.name == qname && r.rtype.is_none_or(|t| t == rtype) {
                return r.behavior;
            }
        }
        self.rule_fn
            .as_ref()
            .and_then(|f| f(qname, rtype))
            .unwrap_or(Behavior::Answer)
    }
}

#[async_trait::async_trait]
impl RequestHandler for Handler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let (qname, rtype) = match request.request_info() {
            Ok(info) => (
                normalize(&info.query.name().to_string()),
                info.query.query_type(),
            ),
            Err(_) => {
                return self
                    .catalog
                    .handle_request::<R, T>(request, response_handle)
                    .await;
            }
        };
        if let Ok(mut log) = self.log.lock() {
            log.push((qname.clone(), rtype));
        }
        let code = match self.behavior(&qname, rtype) {
            Behavior::Answer => None,
            Behavior::Delay(d) => {
                tokio::time::sleep(d).await;
                None
            }
            Behavior::Timeout => {
                // say nothing: the client's timeout fires
                let mut metadata = Metadata::response_from_request(&request.metadata);
                metadata.response_code = ResponseCode::ServFail;
                return ResponseInfo::from(Header {
                    metadata,
                    counts: HeaderCounts::default(),
                });
            }
            Behavior::ServFail => Some(ResponseCode::ServFail),
            Behavior::Refused => Some(ResponseCode::Refused),
        };
        match code {
            None => {
                self.catalog
                    .handle_request::<R, T>(request, response_handle)
                    .await
            }
            Some(code) => {
                let builder = MessageResponseBuilder::from_message_request(request);
                let response = builder.error_msg(&request.metadata, code);
                match response_handle.send_response(response).await {
                    Ok(info) => info,
                    Err(_) => {
                        let mut metadata = Metadata::response_from_request(&request.metadata);
                        metadata.response_code = code;
                        ResponseInfo::from(Header {
                            metadata,
                            counts: HeaderCounts::default(),
                        })
                    }
                }
            }
        }
    }
}

/// Parses an address for convenience in tests (`"192.0.2.1"` → `IpAddr`).
pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or_else(|e| panic!("bad IP {s:?}: {e}"))
}
