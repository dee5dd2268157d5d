//! DNSSEC findings of `mailway check` against a scripted loopback DNS server that serves a zone
//! signed in the test (ECDSA P-256 keys made here), intact or broken on purpose: DS mismatch,
//! expired MX signature, DS without keys, keys without DS, and a resolver that sets AD.
//! The same zone serves TLSA records for its MX host, so the DANE check is tested on secure
//! (usable), insecure (unsigned zone, no DS) and bogus (tampered, expired or missing RRSIG, DS
//! mismatch, validating resolver's SERVFAIL) answers, and on a bogus MX RRset.
//!
//! (The DNS lab's good.test covers the real-signer case: ldns-signzone, NSD; see lab.rs.)

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mailway_diag::check::{self, CheckOptions, Ctx, Finding, Severity};
use mailway_dns::proto::dnssec::crypto::EcdsaSigningKey;
use mailway_dns::proto::dnssec::rdata::sig::SigInput;
use mailway_dns::proto::dnssec::rdata::{DNSKEY, DNSSECRData, DS, RRSIG};
use mailway_dns::proto::dnssec::{Algorithm, DigestType, SigningKey, TBS, Verifier};
use mailway_dns::proto::op::{Message, MessageType, OpCode, ResponseCode};
use mailway_dns::proto::rr::rdata::tlsa::{CertUsage, Matching, Selector};
use mailway_dns::proto::rr::rdata::{A, MX, SOA, TLSA, TXT};
use mailway_dns::proto::rr::{DNSClass, Name, RData, Record, RecordType, SerialNumber};
use mailway_dns::{Resolver, ResolverConfig};
use tokio::net::UdpSocket;

const ZONE: &str = "signed.test.";

fn n(s: &str) -> Name {
    Name::from_ascii(s).unwrap()
}

fn now() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as u32
}

struct Key {
    signing: EcdsaSigningKey,
    dnskey: DNSKEY,
}

fn key(flags: u16) -> Key {
    let pkcs8 = EcdsaSigningKey::generate_pkcs8(Algorithm::ECDSAP256SHA256).unwrap();
    let signing = EcdsaSigningKey::from_pkcs8(&pkcs8, Algorithm::ECDSAP256SHA256).unwrap();
    let dnskey = DNSKEY::with_flags(flags, signing.to_public_key().unwrap());
    Key { signing, dnskey }
}

fn ds_of(k: &Key) -> Record {
    let digest = k.dnskey.to_digest(&n(ZONE), DigestType::SHA256).unwrap();
    let ds = DS::new(
        k.dnskey.calculate_key_tag().unwrap(),
        k.dnskey.algorithm(),
        DigestType::SHA256,
        digest.as_ref().to_vec(),
    );
    Record::from_rdata(n(ZONE), 300, RData::DNSSEC(DNSSECRData::DS(ds)))
}

fn rrsig(set: &[Record], by: &Key, inception: u32, expiration: u32) -> Record {
    let first = &set[0];
    let input = SigInput {
        type_covered: first.record_type(),
        algorithm: Algorithm::ECDSAP256SHA256,
        num_labels: first.name.num_labels(),
        original_ttl: first.ttl,
        sig_expiration: SerialNumber::new(expiration),
        sig_inception: SerialNumber::new(inception),
        key_tag: by.dnskey.calculate_key_tag().unwrap(),
        signer_name: n(ZONE),
    };
    let tbs = TBS::from_input(&first.name, DNSClass::IN, &input, set.iter()).unwrap();
    let sig = by.signing.sign(&tbs).unwrap();
    Record::from_rdata(
        first.name.clone(),
        first.ttl,
        RData::DNSSEC(DNSSECRData::RRSIG(RRSIG::from_sig(input, sig))),
    )
}

/// What the scripted server serves: (name, type) → records (RRSIGs included).
type Data = HashMap<(Name, RecordType), Vec<Record>>;

#[derive(Clone, Copy, Default)]
struct Breakage {
    ds_of_other_key: bool,
    no_ds: bool,
    no_keys: bool,
    mx_sig_expired: bool,
    mx_sig_expiring_soon: bool,
    set_ad: bool,
    /// no DNSSEC at all (no RRSIG, DNSKEY or DS): TLSA records are insecure
    unsigned_zone: bool,
    /// the TLSA RRSIG covers other data than the TLSA record served
    tlsa_sig_tampered: bool,
    /// the TLSA RRSIG has expired
    tlsa_sig_expired: bool,
    /// the TLSA RRset is served without its RRSIG
    tlsa_sig_missing: bool,
    /// the resolver validates: SERVFAIL without CD for a TLSA it returns with CD=1
    servfail_tlsa_without_cd: bool,
}

const TLSA_OWNER: &str = "_25._tcp.mx.signed.test.";

fn tlsa(byte: u8) -> Record {
    Record::from_rdata(
        n(TLSA_OWNER),
        300,
        RData::TLSA(TLSA::new(
            CertUsage::from(3),
            Selector::from(1),
            Matching::from(1),
            vec![byte; 32],
        )),
    )
}

fn zone_data(b: Breakage) -> Data {
    let ksk = key(257);
    let zsk = key(256);
    let t = now();
    let (inc, exp) = (t - 3600, t + 20 * 86400);
    let mut data: Data = HashMap::new();
    let unsigned = b.unsigned_zone;
    let mut put = |set: Vec<Record>, sig: Option<Record>| {
        let k = (set[0].name.clone(), set[0].record_type());
        let mut v = set;
        if !unsigned {
            v.extend(sig);
        }
        data.insert(k, v);
    };
    let soa = vec![Record::from_rdata(
        n(ZONE),
        300,
        RData::SOA(SOA::new(
            n("ns1.signed.test."),
            n("hostmaster.signed.test."),
            1,
            3600,
            900,
            1_209_600,
            300,
        )),
    )];
    let mx = vec![Record::from_rdata(
        n(ZONE),
        300,
        RData::MX(MX::new(10, n("mx.signed.test."))),
    )];
    let txt = vec![Record::from_rdata(
        n(ZONE),
        300,
        RData::TXT(TXT::new(vec!["v=spf1 -all".into()])),
    )];
    let a = vec![Record::from_rdata(
        n("mx.signed.test."),
        300,
        RData::A(A::new(192, 0, 2, 25)),
    )];
    let keys: Vec<Record> = [&ksk, &zsk]
        .iter()
        .map(|k| {
            Record::from_rdata(
                n(ZONE),
                300,
                RData::DNSSEC(DNSSECRData::DNSKEY(k.dnskey.clone())),
            )
        })
        .collect();
    let s = rrsig(&soa, &zsk, inc, exp);
    put(soa, Some(s));
    let s = if b.mx_sig_expired {
        rrsig(&mx, &zsk, t - 40 * 86400, t - 86400)
    } else if b.mx_sig_expiring_soon {
        rrsig(&mx, &zsk, inc, t + 5400)
    } else {
        rrsig(&mx, &zsk, inc, exp)
    };
    put(mx, Some(s));
    let s = rrsig(&txt, &zsk, inc, exp);
    put(txt, Some(s));
    let s = rrsig(&a, &zsk, inc, exp);
    put(a, Some(s));
    let t_set = vec![tlsa(0xab)];
    let s = if b.tlsa_sig_tampered {
        rrsig(&[tlsa(0xcd)], &zsk, inc, exp)
    } else if b.tlsa_sig_expired {
        rrsig(&t_set, &zsk, t - 40 * 86400, t - 86400)
    } else {
        rrsig(&t_set, &zsk, inc, exp)
    };
    put(t_set, (!b.tlsa_sig_missing).then_some(s));
    if b.unsigned_zone {
        return data;
    }
    if !b.no_keys {
        let s = rrsig(&keys, &ksk, inc, exp);
        put(keys, Some(s));
    }
    if !b.no_ds {
        let ds = if b.ds_of_other_key {
            ds_of(&key(257))
        } else {
            ds_of(&ksk)
        };
        put(vec![ds], None);
    }
    data
}

/// A minimal authoritative UDP server for `data`.
async fn serve(data: Data, set_ad: bool) -> SocketAddr {
    serve_with(data, set_ad, false).await
}

/// Like [`serve`]; with `servfail_tlsa`, TLSA queries without CD get SERVFAIL (a validating
/// resolver rejecting bogus data).
async fn serve_with(data: Data, set_ad: bool, servfail_tlsa: bool) -> SocketAddr {
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = sock.local_addr().unwrap();
    let data = Arc::new(data);
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((len, peer)) = sock.recv_from(&mut buf).await else {
                return;
            };
            let Ok(q) = Message::from_vec(&buf[..len]) else {
                continue;
            };
            let mut m = Message::new(q.metadata.id, MessageType::Response, OpCode::Query);
            m.metadata.authoritative = true;
            m.metadata.recursion_desired = q.metadata.recursion_desired;
            m.metadata.recursion_available = true;
            m.metadata.checking_disabled = q.metadata.checking_disabled;
            m.queries = q.queries.clone();
            m.edns = q.edns.clone();
            let Some(query) = q.queries.first() else {
                continue;
            };
            let name = query.name().clone();
            let known = data.keys().any(|(k, _)| *k == name);
            if servfail_tlsa
                && query.query_type() == RecordType::TLSA
                && !q.metadata.checking_disabled
            {
                m.metadata.response_code = ResponseCode::ServFail;
                if let Ok(bytes) = m.to_vec() {
                    let _ = sock.send_to(&bytes, peer).await;
                }
                continue;
            }
            match data.get(&(name.clone(), query.query_type())) {
                Some(records) => {
                    m.answers = records.clone();
                    m.metadata.authentic_data = set_ad;
                }
                None if known => {}
                None => m.metadata.response_code = ResponseCode::NXDomain,
            }
            if let Ok(bytes) = m.to_vec() {
                let _ = sock.send_to(&bytes, peer).await;
            }
        }
    });
    addr
}

fn ctx(addr: SocketAddr) -> Ctx {
    let resolver = Resolver::new(
        ResolverConfig::new([addr])
            .with_timeout(Duration::from_secs(2))
            .with_attempts(1),
    )
    .unwrap();
    Ctx {
        resolver,
        domain: "signed.test".into(),
        opts: CheckOptions::new("signed.test"),
        special_use: true,
    }
}

async fn dnssec_findings(b: Breakage) -> Vec<Finding> {
    let addr = serve(zone_data(b), b.set_ad).await;
    let cx = ctx(addr);
    let mut f = check::dnssec::check(&cx).await;
    for x in &mut f {
        x.localize(check::Lang::En, "signed.test");
    }
    f
}

fn ids(f: &[Finding]) -> Vec<(&'static str, Severity)> {
    f.iter().map(|x| (x.id, x.severity)).collect()
}

fn get<'a>(f: &'a [Finding], id: &str) -> &'a Finding {
    f.iter()
        .find(|x| x.id == id)
        .unwrap_or_else(|| panic!("no {id} in {:?}", ids(f)))
}

#[tokio::test]
async fn intact_chain_is_verified() {
    let f = dnssec_findings(Breakage::default()).await;
    let ok = get(&f, "dnssec.ok");
    assert_eq!(ok.get("verified"), Some("SOA, MX, TXT"), "{:?}", ids(&f));
    assert!(ok.title.contains("DS → DNSKEY"), "{}", ok.title);
    assert!(
        !f.iter().any(|x| x.severity >= Severity::Warning),
        "{:?}",
        ids(&f)
    );
    // the scripted server does not set AD: the resolver does not validate
    get(&f, "dnssec.resolver-not-validating");
}

#[tokio::test]
async fn ad_bit_is_reported() {
    let f = dnssec_findings(Breakage {
        set_ad: true,
        ..Default::default()
    })
    .await;
    get(&f, "dnssec.validated");
    get(&f, "dnssec.ok");
}

#[tokio::test]
async fn ds_of_another_key_is_an_error() {
    let f = dnssec_findings(Breakage {
        ds_of_other_key: true,
        ..Default::default()
    })
    .await;
    let e = get(&f, "dnssec.ds-mismatch");
    assert_eq!(e.severity, Severity::Error);
    assert!(!f.iter().any(|x| x.id == "dnssec.ok"), "{:?}", ids(&f));
}

#[tokio::test]
async fn expired_and_expiring_signatures() {
    let f = dnssec_findings(Breakage {
        mx_sig_expired: true,
        ..Default::default()
    })
    .await;
    let e = get(&f, "dnssec.rrsig-invalid");
    assert_eq!(e.severity, Severity::Error);
    assert_eq!(e.get("kind"), Some("expired"));
    assert_eq!(e.get("query"), Some("signed.test MX"));
    assert!(!f.iter().any(|x| x.id == "dnssec.ok"), "{:?}", ids(&f));
    let f = dnssec_findings(Breakage {
        mx_sig_expiring_soon: true,
        ..Default::default()
    })
    .await;
    let w = get(&f, "dnssec.rrsig-expiring");
    assert_eq!(w.severity, Severity::Warning);
    assert_eq!(w.get("hours"), Some("1"));
}

#[tokio::test]
async fn missing_ds_or_keys() {
    let f = dnssec_findings(Breakage {
        no_ds: true,
        ..Default::default()
    })
    .await;
    assert_eq!(get(&f, "dnssec.no-ds").severity, Severity::Warning);
    let f = dnssec_findings(Breakage {
        no_keys: true,
        ..Default::default()
    })
    .await;
    assert_eq!(get(&f, "dnssec.ds-without-keys").severity, Severity::Error);
}

/// The DANE findings (after the MX check, as `mailway check` runs them).
async fn dane_findings(b: Breakage) -> Vec<Finding> {
    let addr = serve_with(zone_data(b), b.set_ad, b.servfail_tlsa_without_cd).await;
    let cx = ctx(addr);
    let (_, mx) = check::mx::check(&cx).await;
    assert_eq!(mx.hosts, ["mx.signed.test"]);
    let mut f = check::dane::check(&cx, &mx).await;
    for x in &mut f {
        x.localize(check::Lang::En, "signed.test");
    }
    f
}

#[tokio::test]
async fn dane_secure_tlsa_and_mx_are_usable() {
    let f = dane_findings(Breakage::default()).await;
    let ok = get(&f, "dane.ok");
    assert_eq!(ok.severity, Severity::Ok);
    assert_eq!(ok.get("validated"), Some("local"), "{:?}", ids(&f));
    assert_eq!(ok.get("zone"), Some("signed.test"));
    assert!(ok.title.contains("DNSSEC-validated"), "{}", ok.title);
    assert_eq!(ids(&f), [("dane.ok", Severity::Ok)]);
    // with a validating resolver (AD bit) the resolver's word is taken
    let f = dane_findings(Breakage {
        set_ad: true,
        ..Default::default()
    })
    .await;
    assert_eq!(get(&f, "dane.ok").get("validated"), Some("resolver"));
}

#[tokio::test]
async fn dane_insecure_zone_is_not_in_effect() {
    let f = dane_findings(Breakage {
        unsigned_zone: true,
        ..Default::default()
    })
    .await;
    let u = get(&f, "dane.unsigned");
    assert_eq!(u.severity, Severity::Info);
    assert_eq!(u.get("status"), Some("insecure"));
    assert_eq!(u.get("reason"), Some("unsigned"));
    assert!(u.title.contains("not in effect"), "{}", u.title);
    assert!(!f.iter().any(|x| x.id == "dane.ok"), "{:?}", ids(&f));
    assert!(
        !f.iter().any(|x| x.severity >= Severity::Warning),
        "{:?}",
        ids(&f)
    );
    // keys but no DS at the parent: an island of security, insecure for validators
    let f = dane_findings(Breakage {
        no_ds: true,
        ..Default::default()
    })
    .await;
    assert_eq!(get(&f, "dane.unsigned").get("reason"), Some("no-ds"));
    assert!(!f.iter().any(|x| x.id == "dane.ok"), "{:?}", ids(&f));
}

#[tokio::test]
async fn dane_bogus_tlsa_is_an_error() {
    for (b, reason) in [
        (
            Breakage {
                tlsa_sig_tampered: true,
                ..Default::default()
            },
            "bad-signature",
        ),
        (
            Breakage {
                tlsa_sig_expired: true,
                ..Default::default()
            },
            "expired",
        ),
        (
            Breakage {
                tlsa_sig_missing: true,
                ..Default::default()
            },
            "missing-signature",
        ),
        (
            Breakage {
                ds_of_other_key: true,
                ..Default::default()
            },
            "ds-mismatch",
        ),
        (
            Breakage {
                servfail_tlsa_without_cd: true,
                ..Default::default()
            },
            "resolver-servfail",
        ),
    ] {
        let f = dane_findings(b).await;
        let e = get(&f, "dane.tlsa-bogus");
        assert_eq!(e.severity, Severity::Error, "{reason}");
        assert_eq!(e.get("status"), Some("bogus"));
        assert_eq!(e.get("reason"), Some(reason), "{:?}", ids(&f));
        assert!(!f.iter().any(|x| x.id == "dane.ok"), "{:?}", ids(&f));
    }
}

#[tokio::test]
async fn dane_needs_a_secure_mx_rrset() {
    // TLSA fine, but the MX RRset's signature has expired: DANE cannot be used
    let f = dane_findings(Breakage {
        mx_sig_expired: true,
        ..Default::default()
    })
    .await;
    let e = get(&f, "dane.mx-bogus");
    assert_eq!(e.severity, Severity::Error);
    assert_eq!(e.get("reason"), Some("expired"));
    assert_eq!(e.get("query"), Some("signed.test MX"));
    assert!(!f.iter().any(|x| x.id == "dane.ok"), "{:?}", ids(&f));
}
