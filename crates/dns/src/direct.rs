//! Asking one server directly, with chosen flags: no failover, no cache, no CNAME chasing, the
//! whole response (flags, rcode, every section). For lame-delegation, SOA-serial and
//! propagation checks, and for fetching DNSSEC records with signatures.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hickory_proto::op::{DnsRequest, DnsRequestOptions, DnsResponse, Query};
use hickory_proto::rr::{Record, RecordType};
use hickory_resolver::net::NetError;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::tcp::TcpClientStream;
use hickory_resolver::net::udp::UdpClientStream;
use hickory_resolver::net::xfer::{DnsHandle, FirstAnswer};
use serde::Serialize;

use crate::error::DnsError;
use crate::records::{Rr, name_to_string};
use crate::resolver::{Resolver, net_error, parse_name};

/// Flags for a direct query (default: RD=0, no DO, no CD, resolver timeout, UDP first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueryOptions {
    /// RD bit. `false` asks an authoritative server about its own data only (the default).
    pub recursion_desired: bool,
    /// EDNS DO bit: include RRSIG/NSEC records.
    pub dnssec_ok: bool,
    /// CD bit: ask a validating resolver not to validate (to inspect bogus data).
    pub checking_disabled: bool,
    /// Per-query timeout; `None` uses the resolver's.
    pub timeout: Option<Duration>,
    /// Go straight to TCP (otherwise UDP, then TCP when the answer is truncated).
    pub tcp: bool,
}

impl QueryOptions {
    /// Options for asking a recursive resolver (RD=1).
    pub fn recursive() -> Self {
        Self {
            recursion_desired: true,
            ..Self::default()
        }
    }

    /// Sets DO.
    pub fn with_dnssec_ok(mut self, v: bool) -> Self {
        self.dnssec_ok = v;
        self
    }

    /// Sets CD.
    pub fn with_checking_disabled(mut self, v: bool) -> Self {
        self.checking_disabled = v;
        self
    }

    /// Sets the timeout.
    pub fn with_timeout(mut self, t: Duration) -> Self {
        self.timeout = Some(t);
        self
    }
}

/// A whole response from one server.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// The server asked.
    pub server: SocketAddr,
    /// The name asked (no trailing dot).
    pub name: String,
    /// The type asked.
    #[serde(rename = "type")]
    pub rtype: String,
    /// Response code as text (`NOERROR`, `NXDOMAIN`, `REFUSED`, ...).
    pub rcode: String,
    /// AA bit: the server is authoritative for the name.
    pub authoritative: bool,
    /// AD bit: the server validated the answer with DNSSEC.
    pub authenticated: bool,
    /// RA bit: the server offers recursion.
    pub recursion_available: bool,
    /// TC bit (after a TCP retry, only if TCP also came back truncated).
    pub truncated: bool,
    /// Answer section.
    #[serde(skip)]
    pub answers: Vec<Record>,
    /// Authority section.
    #[serde(skip)]
    pub authorities: Vec<Record>,
    /// Additional section (without OPT).
    #[serde(skip)]
    pub additionals: Vec<Record>,
    /// Answer section in presentation form.
    #[serde(rename = "answers")]
    pub answer_rrs: Vec<Rr>,
    /// Round-trip time.
    #[serde(serialize_with = "ser_ms")]
    pub elapsed: Duration,
}

fn ser_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0 * 10.0).round() / 10.0)
}

impl Response {
    /// NOERROR.
    pub fn is_noerror(&self) -> bool {
        self.rcode == "NOERROR" || self.rcode == "No Error"
    }

    /// Records of the asked type in the answer section (not following CNAMEs).
    pub fn records_of(&self, rtype: RecordType) -> impl Iterator<Item = &Record> {
        self.answers
            .iter()
            .filter(move |r| r.record_type() == rtype)
    }

    /// A referral: no answer, NS records in the authority section, not authoritative.
    pub fn is_referral(&self) -> bool {
        self.answers.is_empty()
            && !self.authoritative
            && self
                .authorities
                .iter()
                .any(|r| r.record_type() == RecordType::NS)
    }

    /// The response as a lookup result: records of `rtype`, or the matching [`DnsError`].
    pub fn into_result(self) -> Result<Response, DnsError> {
        match rcode_name(&self.rcode) {
            "NOERROR" => {
                if self.answers.is_empty() {
                    Err(DnsError::NoData {
                        name: self.name,
                        rtype: self.rtype,
                        server: self.server,
                    })
                } else {
                    Ok(self)
                }
            }
            "NXDOMAIN" => Err(DnsError::NxDomain {
                name: self.name,
                server: self.server,
            }),
            "SERVFAIL" => Err(DnsError::ServFail {
                name: self.name,
                rtype: self.rtype,
                server: self.server,
            }),
            "REFUSED" => Err(DnsError::Refused {
                name: self.name,
                rtype: self.rtype,
                server: self.server,
            }),
            _ => Err(DnsError::Rcode {
                name: self.name,
                rtype: self.rtype,
                rcode: self.rcode,
                server: self.server,
            }),
        }
    }
}

/// Canonical upper-case mnemonic of a response code.
pub fn rcode_name(rcode: &str) -> &str {
    match rcode {
        "No Error" | "NOERROR" => "NOERROR",
        "Non-Existent Domain" | "NXDOMAIN" => "NXDOMAIN",
        "Server Failure" | "SERVFAIL" => "SERVFAIL",
        "Query Refused" | "REFUSED" => "REFUSED",
        "Form Error" | "FORMERR" => "FORMERR",
        "Not Implemented" | "NOTIMP" => "NOTIMP",
        other => other,
    }
}

fn rcode_text(code: hickory_proto::op::ResponseCode) -> String {
    use hickory_proto::op::ResponseCode as R;
    match code {
        R::NoError => "NOERROR".into(),
        R::NXDomain => "NXDOMAIN".into(),
        R::ServFail => "SERVFAIL".into(),
        R::Refused => "REFUSED".into(),
        R::FormErr => "FORMERR".into(),
        R::NotImp => "NOTIMP".into(),
        R::NotAuth => "NOTAUTH".into(),
        R::NotZone => "NOTZONE".into(),
        other => format!("RCODE{}", u16::from(other)),
    }
}

async fn exchange_udp(
    server: SocketAddr,
    req: DnsRequest,
    timeout: Duration,
) -> Result<DnsResponse, NetError> {
    let exchange = UdpClientStream::builder(server, TokioRuntimeProvider::default())
        .with_timeout(Some(timeout))
        .exchange();
    exchange.send(req).first_answer().await
}

async fn exchange_tcp(
    server: SocketAddr,
    req: DnsRequest,
    timeout: Duration,
) -> Result<DnsResponse, NetError> {
    let exchange =
        TcpClientStream::exchange(server, None, timeout, None, TokioRuntimeProvider::default())
            .await?;
    exchange.send(req).first_answer().await
}

/// Sends one query to `server` and returns the whole response, whatever its response code.
/// Errors only when no usable response came back (timeout, I/O, malformed) or the name is
/// invalid. Never takes longer than about twice the timeout (UDP, then TCP if truncated).
pub async fn query(
    server: SocketAddr,
    name: &str,
    rtype: RecordType,
    opts: QueryOptions,
    default_timeout: Duration,
) -> Result<Response, DnsError> {
    let qname = parse_name(name)?;
    let timeout = opts.timeout.unwrap_or(default_timeout);
    let mut ropts = DnsRequestOptions::default();
    ropts.recursion_desired = opts.recursion_desired;
    ropts.use_edns = true;
    ropts.edns_set_dnssec_ok = opts.dnssec_ok;
    let mut req = DnsRequest::from_query(Query::query(qname.clone(), rtype), ropts);
    req.metadata.checking_disabled = opts.checking_disabled;
    req.metadata.authentic_data = true;
    let started = Instant::now();
    let bound = timeout + Duration::from_millis(500);
    let timed_out = || DnsError::Timeout {
        name: name_to_string(&qname),
        rtype: rtype.to_string(),
        servers: vec![server],
        after: timeout,
    };
    let mut result = if opts.tcp {
        tokio::time::timeout(bound, exchange_tcp(server, req.clone(), timeout)).await
    } else {
        tokio::time::timeout(bound, exchange_udp(server, req.clone(), timeout)).await
    };
    if let Ok(Ok(resp)) = &result
        && resp.metadata.truncation
        && !opts.tcp
    {
        result = tokio::time::timeout(bound, exchange_tcp(server, req, timeout)).await;
    }
    let resp = match result {
        Err(_) => return Err(timed_out()),
        Ok(Err(e)) => return Err(net_error(e, &qname, rtype, server, timeout)),
        Ok(Ok(resp)) => resp,
    };
    let elapsed = started.elapsed();
    let msg = resp.into_message();
    Ok(Response {
        server,
        name: name_to_string(&qname),
        rtype: rtype.to_string(),
        rcode: rcode_text(msg.metadata.response_code),
        authoritative: msg.metadata.authoritative,
        authenticated: msg.metadata.authentic_data,
        recursion_available: msg.metadata.recursion_available,
        truncated: msg.metadata.truncation,
        answer_rrs: msg.answers.iter().map(Rr::from_record).collect(),
        answers: msg.answers,
        authorities: msg.authorities,
        additionals: msg.additionals,
        elapsed,
    })
}

impl Resolver {
    /// Asks one specific server directly (see [`query`]), with this resolver's timeout.
    pub async fn query_server(
        &self,
        server: SocketAddr,
        name: &str,
        rtype: RecordType,
        opts: QueryOptions,
    ) -> Result<Response, DnsError> {
        query(server, name, rtype, opts, self.timeout()).await
    }

    /// Asks the configured servers in order with recursion and the given flags until one gives
    /// a response (any response code). For DNSSEC records (DO=1, CD=1) and AD-bit checks.
    pub async fn query_recursive(
        &self,
        name: &str,
        rtype: RecordType,
        opts: QueryOptions,
    ) -> Result<Response, DnsError> {
        let opts = QueryOptions {
            recursion_desired: true,
            ..opts
        };
        let mut last = DnsError::NoServers;
        for server in self.servers() {
            match self.query_server(server, name, rtype, opts).await {
                Ok(r) if r.rcode == "SERVFAIL" || r.rcode == "REFUSED" => {
                    last = r.into_result().err().unwrap_or(DnsError::NoServers);
                }
                Ok(r) => return Ok(r),
                Err(e @ DnsError::InvalidName { .. }) => return Err(e),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}
