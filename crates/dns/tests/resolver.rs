//! The resolver against a real DNS server (mailway_testkit::dns, in-process hickory-server on
//! loopback UDP+TCP).
//!
//! - answers: MX (sorted, null MX), A/AAAA/ip, TXT joined, TLSA, PTR, NS, SOA, CNAME chasing
//! - typed errors: NXDOMAIN vs NODATA vs SERVFAIL vs REFUSED vs timeout vs I/O
//! - failover across servers and "which server answered"
//! - direct queries (RD=0) with the whole response
//! - cache and single-flight

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use mailway_dns::{DnsError, NullMx, QueryOptions, RecordType, Resolver, ResolverConfig, null_mx};
use mailway_testkit::dns::{Behavior, TestDns};

const ZONE: &str = r#"
@        IN SOA ns1 hostmaster 2026010101 3600 900 604800 60
@        IN NS  ns1
ns1      IN A   127.0.0.1
@        IN MX  20 mx2
@        IN MX  10 mx1
mx1      IN A   192.0.2.1
mx1      IN AAAA 2001:db8::1
mx2      IN A   192.0.2.2
@        IN TXT "v=spf1 ip4:192.0.2.0/24 " "-all"
@        IN TXT "other"
alias    IN CNAME mx1
chain    IN CNAME alias
loop1    IN CNAME loop2
loop2    IN CNAME loop1
_25._tcp.mx1 IN TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
nomx     IN A   192.0.2.9
*.wild   IN A   192.0.2.99
"#;

const NULLMX: &str = "@ IN MX 0 .\n";
const REVERSE: &str = "1 IN PTR mx1.example.test.\n";

fn resolver(servers: &[SocketAddr]) -> Resolver {
    Resolver::new(
        ResolverConfig::new(servers.iter().copied())
            .with_timeout(Duration::from_millis(400))
            .with_attempts(1),
    )
    .expect("resolver")
}

async fn server() -> TestDns {
    TestDns::builder()
        .zone("example.test", ZONE)
        .zone("null.test", NULLMX)
        .zone("2.0.192.in-addr.arpa", REVERSE)
        .behavior("servfail.example.test", None, Behavior::ServFail)
        .behavior("refused.example.test", None, Behavior::Refused)
        .timeout("timeout.example.test", None)
        .behavior(
            "slow.example.test",
            None,
            Behavior::Delay(Duration::from_millis(150)),
        )
        .a("slow.example.test", Ipv4Addr::new(192, 0, 2, 77))
        .txt(
            "long.example.test",
            &[
                &[b'a'; 255],
                &[b'b'; 255],
                &[b'c'; 255],
                &[b'd'; 255],
                &[b'e'; 255],
                &[b'f'; 100],
            ],
        )
        .start()
        .await
        .expect("test dns")
}

#[tokio::test]
async fn mx_sorted_with_server_and_ttl() {
    let dns = server().await;
    let r = resolver(&[dns.addr()]);
    let mx = r.mx("example.test").await.unwrap();
    let names: Vec<_> = mx.records.iter().map(|m| m.to_string()).collect();
    assert_eq!(names, ["10 mx1.example.test", "20 mx2.example.test"]);
    assert_eq!(mx.server, dns.addr());
    assert_eq!(mx.ttl, 300);
    assert!(!mx.authenticated, "an authoritative server never sets AD");
    assert_eq!(mx.rrs.len(), 2);
    assert_eq!(null_mx(&mx.records), NullMx::No);
}

#[tokio::test]
async fn null_mx_recognised() {
    let dns = server().await;
    let mx = resolver(&[dns.addr()]).mx("null.test").await.unwrap();
    assert_eq!(mx.records.len(), 1);
    assert!(mx.records[0].is_null());
    assert_eq!(null_mx(&mx.records), NullMx::Yes);
}

#[tokio::test]
async fn nxdomain_vs_nodata() {
    let dns = server().await;
    let r = resolver(&[dns.addr()]);
    let e = r.mx("nothere.example.test").await.unwrap_err();
    assert!(e.is_nxdomain(), "{e:?}");
    assert!(!e.is_temporary());
    assert_eq!(e.server(), Some(dns.addr()));
    let e = r.mx("nomx.example.test").await.unwrap_err();
    assert!(e.is_nodata(), "{e:?}");
    // outside every zone: the root zone answers NXDOMAIN
    let e = r.a("elsewhere.invalid").await.unwrap_err();
    assert!(e.is_nxdomain(), "{e:?}");
}

#[tokio::test]
async fn servfail_refused_timeout_are_temporary() {
    let dns = server().await;
    let r = resolver(&[dns.addr()]);
    let e = r.a("servfail.example.test").await.unwrap_err();
    assert!(matches!(e, DnsError::ServFail { .. }), "{e:?}");
    assert!(e.is_temporary());
    let e = r.a("refused.example.test").await.unwrap_err();
    assert!(matches!(e, DnsError::Refused { .. }), "{e:?}");
    let started = Instant::now();
    let e = r.a("timeout.example.test").await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "timeout must be bounded by the configured 400 ms: {:?}",
        started.elapsed()
    );
    assert!(e.to_string().contains("timeout.example.test"), "{e}");
}

#[tokio::test]
async fn txt_strings_joined_and_tcp_for_large_answers() {
    let dns = server().await;
    let r = resolver(&[dns.addr()]);
    let t = r.txt("example.test").await.unwrap();
    let texts: Vec<_> = t.records.iter().map(|x| x.text().to_string()).collect();
    assert!(
        texts.contains(&"v=spf1 ip4:192.0.2.0/24 -all".to_string()),
        "{texts:?}"
    );
    assert!(texts.contains(&"other".to_string()));
    // 1375 bytes: over the classic 512-byte UDP size but within EDNS; still one record
    let long = r.txt("long.example.test").await.unwrap();
    assert_eq!(long.records[0].text().len(), 5 * 255 + 100);
    assert_eq!(long.records[0].strings.len(), 6);
}

#[tokio::test]
async fn cname_chain_followed_and_loops_detected() {
    let dns = server().await;
    let r = resolver(&[dns.addr()]);
    let a = r.a("chain.example.test").await.unwrap();
    assert_eq!(a.records, vec![Ipv4Addr::new(192, 0, 2, 1)]);
    assert_eq!(a.cnames.len(), 2);
    assert_eq!(a.canonical_name(), "mx1.example.test");
    assert!(a.is_alias());
    let c = r.cname("alias.example.test").await.unwrap();
    assert_eq!(c.records, vec!["mx1.example.test".to_string()]);
    let e = r.a("loop1.example.test").await.unwrap_err();
    assert!(matches!(e, DnsError::CnameLoop { .. }), "{e:?}");
}

#[tokio::test]
async fn addresses_tlsa_ptr_ns_soa_wildcard() {
    let dns = server().await;
    let r = resolver(&[dns.addr()]);
    let ips = r.ip("mx1.example.test").await.unwrap();
    assert_eq!(
        ips.records,
        vec![
            IpAddr::from([192, 0, 2, 1]),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        ]
    );
    let v6only = r.aaaa("mx2.example.test").await.unwrap_err();
    assert!(v6only.is_nodata());
    let tlsa = r
        .tlsa(&mailway_dns::tlsa_name(25, "tcp", "mx1.example.test"))
        .await
        .unwrap();
    assert_eq!(tlsa.records[0].usage, 3);
    assert_eq!(tlsa.records[0].selector, 1);
    assert_eq!(tlsa.records[0].matching, 1);
    assert!(tlsa.records[0].data.starts_with("0123456789abcdef"));
    let ptr = r.ptr("192.0.2.1".parse().unwrap()).await.unwrap();
    assert_eq!(ptr.records, vec!["mx1.example.test".to_string()]);
    let ns = r.ns("example.test").await.unwrap();
    assert_eq!(ns.records, vec!["ns1.example.test".to_string()]);
    let soa = r.soa("example.test").await.unwrap();
    assert_eq!(soa.records[0].serial, 2026010101);
    let w = r.a("anything.wild.example.test").await.unwrap();
    assert_eq!(w.records, vec![Ipv4Addr::new(192, 0, 2, 99)]);
    let any = r.lookup("example.test", RecordType::MX).await.unwrap();
    assert!(any.records[0].to_string().contains(" IN MX "));
}

#[tokio::test]
async fn failover_to_next_server_reports_who_answered() {
    let dns = server().await;
    // a UDP socket that never answers stands for a dead resolver
    let dead = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let dead_addr = dead.local_addr().unwrap();
    let r = resolver(&[dead_addr, dns.addr()]);
    let mx = r.mx("example.test").await.unwrap();
    assert_eq!(mx.server, dns.addr());
    // only the dead one: a timeout naming it, within the timeout (+ margin)
    let only_dead = resolver(&[dead_addr]);
    let started = Instant::now();
    let e = only_dead.mx("example.test").await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(started.elapsed() < Duration::from_millis(1500));
    match e {
        DnsError::Timeout { servers, .. } => assert_eq!(servers, vec![dead_addr]),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn refused_server_falls_over_to_the_next() {
    let good = server().await;
    let refusing = TestDns::builder().without_root().start().await.unwrap();
    let r = resolver(&[refusing.addr(), good.addr()]);
    let a = r.a("mx1.example.test").await.unwrap();
    assert_eq!(a.server, good.addr());
    assert_eq!(refusing.query_count(), 1);
}

#[tokio::test]
async fn direct_query_returns_the_whole_response() {
    let dns = server().await;
    let r = resolver(&[dns.addr()]);
    let resp = r
        .query_server(
            dns.addr(),
            "example.test",
            RecordType::SOA,
            QueryOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(resp.rcode, "NOERROR");
    assert!(resp.authoritative);
    assert_eq!(resp.records_of(RecordType::SOA).count(), 1);
    let refusing = TestDns::builder().without_root().start().await.unwrap();
    let resp = r
        .query_server(
            refusing.addr(),
            "example.test",
            RecordType::SOA,
            QueryOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(resp.rcode, "REFUSED");
    assert!(!resp.authoritative);
    let nx = r
        .query_server(
            dns.addr(),
            "zz.example.test",
            RecordType::A,
            QueryOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(nx.rcode, "NXDOMAIN");
    assert!(nx.into_result().unwrap_err().is_nxdomain());
    let dead = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let e = r
        .query_server(
            dead.local_addr().unwrap(),
            "example.test",
            RecordType::SOA,
            QueryOptions::default().with_timeout(Duration::from_millis(200)),
        )
        .await
        .unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
}

#[tokio::test]
async fn cache_and_single_flight() {
    let dns = server().await;
    let r = resolver(&[dns.addr()]);
    let r2 = r.clone();
    let (a, b, c) = tokio::join!(
        r.a("slow.example.test"),
        r.a("slow.example.test"),
        r2.a("slow.example.test")
    );
    assert!(a.is_ok() && b.is_ok() && c.is_ok());
    assert_eq!(
        dns.queries_for("slow.example.test"),
        1,
        "{:?}",
        dns.queries()
    );
    r.a("slow.example.test").await.unwrap();
    assert_eq!(dns.queries_for("slow.example.test"), 1, "served from cache");
    let uncached = Resolver::new(
        ResolverConfig::new([dns.addr()])
            .with_cache(false)
            .with_timeout(Duration::from_millis(400)),
    )
    .unwrap();
    uncached.a("slow.example.test").await.unwrap();
    assert_eq!(dns.queries_for("slow.example.test"), 2);
}

#[tokio::test]
async fn invalid_names_are_rejected_before_sending() {
    let dns = server().await;
    let r = resolver(&[dns.addr()]);
    let e = r.a("a..example.test").await.unwrap_err();
    assert!(matches!(e, DnsError::InvalidName { .. }));
    assert_eq!(dns.query_count(), 0);
}

#[tokio::test]
async fn concurrent_lookups_finish_together() {
    let dns = TestDns::builder()
        .zone("example.test", ZONE)
        .behavior_fn(|name, _| {
            name.starts_with("d")
                .then_some(Behavior::Delay(Duration::from_millis(200)))
        })
        .a("d1.example.test", Ipv4Addr::new(192, 0, 2, 1))
        .a("d2.example.test", Ipv4Addr::new(192, 0, 2, 2))
        .a("d3.example.test", Ipv4Addr::new(192, 0, 2, 3))
        .a("d4.example.test", Ipv4Addr::new(192, 0, 2, 4))
        .start()
        .await
        .unwrap();
    let r = resolver(&[dns.addr()]);
    let started = Instant::now();
    let (a, b, c, d) = tokio::join!(
        r.a("d1.example.test"),
        r.a("d2.example.test"),
        r.a("d3.example.test"),
        r.a("d4.example.test")
    );
    assert!(a.is_ok() && b.is_ok() && c.is_ok() && d.is_ok());
    // four 200 ms answers in parallel, not in series
    assert!(
        started.elapsed() < Duration::from_millis(700),
        "{:?}",
        started.elapsed()
    );
}
