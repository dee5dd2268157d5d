//! DNSSEC findings of `mailway check` against a scripted loopback DNS server that serves a
//! signed root zone and a zone signed.test below it, signed in the test (ECDSA P-256 keys made
//! here), intact or broken on purpose: DS mismatch, expired MX signature, DS without keys, keys
//! without DS (proven by the root's NSEC, or not proven, or with a forged proof), a DS with a
//! bad signature, a trust anchor of another key, and a resolver that sets AD. The chain is
//! validated from a trust anchor made of the test root's key (as `--trust-anchor` gives it).
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
use mailway_dns::dnssec::TrustAnchors;
use mailway_dns::proto::dnssec::crypto::EcdsaSigningKey;
use mailway_dns::proto::dnssec::rdata::NSEC;
use mailway_dns::proto::dnssec::rdata::sig::SigInput;
use mailway_dns::proto::dnssec::rdata::{DNSKEY, DNSSECRData, DS, RRSIG};
use mailway_dns::proto::dnssec::{Algorithm, DigestType, SigningKey, TBS, Verifier};
use mailway_dns::proto::op::{Message, MessageType, OpCode, ResponseCode};
use mailway_dns::proto::rr::rdata::tlsa::{CertUsage, Matching, Selector};
use mailway_dns::proto::rr::rdata::{A, CNAME, MX, SOA, TLSA, TXT};
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

fn ds_rdata(k: &Key, zone: &str) -> DS {
    let digest = k.dnskey.to_digest(&n(zone), DigestType::SHA256).unwrap();
    DS::new(
        k.dnskey.calculate_key_tag().unwrap(),
        k.dnskey.algorithm(),
        DigestType::SHA256,
        digest.as_ref().to_vec(),
    )
}

fn ds_of(k: &Key) -> Record {
    Record::from_rdata(
        n(ZONE),
        300,
        RData::DNSSEC(DNSSECRData::DS(ds_rdata(k, ZONE))),
    )
}

fn rrsig(set: &[Record], by: &Key, inception: u32, expiration: u32) -> Record {
    rrsig_by(set, by, ZONE, inception, expiration)
}

fn rrsig_by(set: &[Record], by: &Key, signer: &str, inception: u32, expiration: u32) -> Record {
    let first = &set[0];
    let input = SigInput {
        type_covered: first.record_type(),
        algorithm: Algorithm::ECDSAP256SHA256,
        num_labels: first.name.num_labels(),
        original_ttl: first.ttl,
        sig_expiration: SerialNumber::new(expiration),
        sig_inception: SerialNumber::new(inception),
        key_tag: by.dnskey.calculate_key_tag().unwrap(),
        signer_name: n(signer),
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
    /// no DS and no NSEC record proving there is none (the root is signed): bogus
    no_ds_no_proof: bool,
    /// no DS, and the NSEC that says so is signed by a key that is not the root's
    no_ds_forged_proof: bool,
    /// the root's RRSIG over the DS of signed.test is by a key not in the root's key set
    ds_sig_forged: bool,
    /// the trust anchor is the DS of a key the root does not have
    anchor_of_other_key: bool,
    /// the TLSA name is a CNAME to tlsa.signed.test (signed; unsigned when `cname_unsigned`)
    tlsa_cname: bool,
    /// the CNAME of `tlsa_cname` has no RRSIG
    cname_unsigned: bool,
    /// the A RRset of the MX host has an expired signature
    a_sig_expired: bool,
    /// the MX host's address is a CNAME into the unsigned zone other.test
    mx_host_alias_insecure: bool,
    /// no TLSA record; the NSEC at the TLSA name proves it (unless `no_tlsa_no_proof`)
    no_tlsa: bool,
    /// with `no_tlsa`: no NSEC at all
    no_tlsa_no_proof: bool,
    /// with `no_tlsa`: the NSEC lists TLSA (the record was stripped)
    no_tlsa_in_bitmap: bool,
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

/// The test root's keys and the trust anchor made of its KSK.
struct Root {
    ksk: Key,
    zsk: Key,
}

fn anchor_text(root: &Root, b: Breakage) -> String {
    let other;
    let k = if b.anchor_of_other_key {
        other = key(257);
        &other
    } else {
        &root.ksk
    };
    format!(". IN DS {}", ds_rdata(k, "."))
}

fn nsec(owner: &str, next: &str, types: &[RecordType]) -> Record {
    Record::from_rdata(
        n(owner),
        300,
        RData::DNSSEC(DNSSECRData::NSEC(NSEC::new_cover_self(
            n(next),
            types.iter().copied(),
        ))),
    )
}

/// The signed root: its key set, the DS of signed.test (or the NSEC proof that there is none),
/// and the NSEC chain `.` → other.test → signed.test → `.` served with every DS answer
/// without DS (other.test is an unsigned delegation; `test.` an empty non-terminal).
fn root_data(data: &mut Data, root: &Root, signed_ksk: &Key, b: Breakage) {
    let t = now();
    let (inc, exp) = (t - 3600, t + 20 * 86400);
    let keys: Vec<Record> = [&root.ksk, &root.zsk]
        .iter()
        .map(|k| {
            Record::from_rdata(
                Name::root(),
                300,
                RData::DNSSEC(DNSSECRData::DNSKEY(k.dnskey.clone())),
            )
        })
        .collect();
    let s = rrsig_by(&keys, &root.ksk, ".", inc, exp);
    let mut v = keys;
    v.push(s);
    data.insert((Name::root(), RecordType::DNSKEY), v);
    let has_ds = !(b.no_ds || b.unsigned_zone || b.no_ds_no_proof || b.no_ds_forged_proof);
    if has_ds {
        let ds = if b.ds_of_other_key {
            ds_of(&key(257))
        } else {
            ds_of(signed_ksk)
        };
        let forged;
        let signer = if b.ds_sig_forged {
            forged = key(256);
            &forged
        } else {
            &root.zsk
        };
        let s = rrsig_by(std::slice::from_ref(&ds), signer, ".", inc, exp);
        data.insert((n(ZONE), RecordType::DS), vec![ds, s]);
    }
    use RecordType as T;
    let mut proof = Vec::new();
    let mut add = |r: Record, by: &Key| {
        let s = rrsig_by(std::slice::from_ref(&r), by, ".", inc, exp);
        proof.push(r);
        proof.push(s);
    };
    add(
        nsec(".", "other.test.", &[T::NS, T::SOA, T::DNSKEY]),
        &root.zsk,
    );
    add(nsec("other.test.", ZONE, &[T::NS]), &root.zsk);
    let forged = key(256);
    let st_types: &[RecordType] = if has_ds { &[T::NS, T::DS] } else { &[T::NS] };
    if !b.no_ds_no_proof {
        add(
            nsec(ZONE, ".", st_types),
            if b.no_ds_forged_proof {
                &forged
            } else {
                &root.zsk
            },
        );
    }
    data.insert((Name::root(), RecordType::NSEC), proof);
    // the unsigned zone other.test
    data.insert(
        (n("other.test."), RecordType::SOA),
        vec![Record::from_rdata(
            n("other.test."),
            300,
            RData::SOA(SOA::new(
                n("ns.other.test."),
                n("hostmaster.other.test."),
                1,
                3600,
                900,
                1_209_600,
                300,
            )),
        )],
    );
    data.insert(
        (n("mx.other.test."), RecordType::A),
        vec![Record::from_rdata(
            n("mx.other.test."),
            300,
            RData::A(A::new(192, 0, 2, 26)),
        )],
    );
}

fn zone_data(b: Breakage) -> (Data, String) {
    let root = Root {
        ksk: key(257),
        zsk: key(256),
    };
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
    let a = if b.mx_host_alias_insecure {
        vec![Record::from_rdata(
            n("mx.signed.test."),
            300,
            RData::CNAME(CNAME(n("mx.other.test."))),
        )]
    } else {
        vec![Record::from_rdata(
            n("mx.signed.test."),
            300,
            RData::A(A::new(192, 0, 2, 25)),
        )]
    };
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
    let s = if b.a_sig_expired {
        rrsig(&a, &zsk, t - 40 * 86400, t - 86400)
    } else {
        rrsig(&a, &zsk, inc, exp)
    };
    put(a, Some(s));
    let t_set = if b.tlsa_cname {
        let c = vec![Record::from_rdata(
            n(TLSA_OWNER),
            300,
            RData::CNAME(CNAME(n("tlsa.signed.test."))),
        )];
        let cs = rrsig(&c, &zsk, inc, exp);
        put(c, (!b.cname_unsigned).then_some(cs));
        let mut r = tlsa(0xab);
        r.name = n("tlsa.signed.test.");
        vec![r]
    } else {
        vec![tlsa(0xab)]
    };
    let s = if b.tlsa_sig_tampered {
        let mut other = tlsa(0xcd);
        other.name = t_set[0].name.clone();
        rrsig(&[other], &zsk, inc, exp)
    } else if b.tlsa_sig_expired {
        rrsig(&t_set, &zsk, t - 40 * 86400, t - 86400)
    } else {
        rrsig(&t_set, &zsk, inc, exp)
    };
    if b.no_tlsa {
        if !b.no_tlsa_no_proof {
            let types: &[RecordType] = if b.no_tlsa_in_bitmap {
                &[RecordType::TLSA]
            } else {
                &[]
            };
            let r = vec![nsec(TLSA_OWNER, "mx.signed.test.", types)];
            let s = rrsig(&r, &zsk, inc, exp);
            put(r, Some(s));
        }
    } else {
        put(t_set, (!b.tlsa_sig_missing).then_some(s));
    }
    root_data(&mut data, &root, &ksk, b);
    let anchor = anchor_text(&root, b);
    if b.unsigned_zone {
        return (data, anchor);
    }
    if !b.no_keys {
        let s = rrsig(&keys, &ksk, inc, exp);
        data.insert((n(ZONE), RecordType::DNSKEY), {
            let mut v = keys;
            v.push(s);
            v
        });
    }
    (data, anchor)
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
            let qt = query.query_type();
            match data.get(&(name.clone(), qt)) {
                Some(records) => {
                    m.answers = records.clone();
                    m.metadata.authentic_data = set_ad;
                }
                // an alias: the CNAME (and its RRSIG), then the data at its target, as a
                // recursive resolver answers
                None if data.contains_key(&(name.clone(), RecordType::CNAME)) => {
                    let c = &data[&(name.clone(), RecordType::CNAME)];
                    m.answers = c.clone();
                    let target = c.iter().find_map(|r| match &r.data {
                        RData::CNAME(t) => Some(t.0.clone()),
                        _ => None,
                    });
                    if let Some(t) = target
                        && let Some(more) = data.get(&(t, qt))
                    {
                        m.answers.extend(more.iter().cloned());
                    }
                    m.metadata.authentic_data = set_ad;
                }
                None if qt == RecordType::DS => {
                    // the root's signed proof that there is no DS (when it has one)
                    if let Some(p) = data.get(&(Name::root(), RecordType::NSEC)) {
                        m.authorities = p.clone();
                    }
                }
                // NODATA, with the name's own NSEC (and RRSIG) when it has one
                None if known => {
                    if let Some(p) = data.get(&(name.clone(), RecordType::NSEC)) {
                        m.authorities = p.clone();
                    }
                }
                None => m.metadata.response_code = ResponseCode::NXDomain,
            }
            if let Ok(bytes) = m.to_vec() {
                let _ = sock.send_to(&bytes, peer).await;
            }
        }
    });
    addr
}

fn ctx(addr: SocketAddr, anchor: &str) -> Ctx {
    let resolver = Resolver::new(
        ResolverConfig::new([addr])
            .with_timeout(Duration::from_secs(2))
            .with_attempts(1),
    )
    .unwrap();
    let mut opts = CheckOptions::new("signed.test");
    opts.trust_anchors = TrustAnchors::parse(anchor, "test root").unwrap();
    Ctx::new(resolver, opts)
}

async fn dnssec_findings(b: Breakage) -> Vec<Finding> {
    let (data, anchor) = zone_data(b);
    let addr = serve(data, b.set_ad).await;
    let cx = ctx(addr, &anchor);
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
    let (data, anchor) = zone_data(b);
    let addr = serve_with(data, b.set_ad, b.servfail_tlsa_without_cd).await;
    let cx = ctx(addr, &anchor);
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
    // the root proves with its signed NSEC that signed.test has no DS
    assert_eq!(u.get("reason"), Some("insecure-delegation"));
    assert_eq!(u.get("detail"), Some("NSEC signed.test"));
    assert!(u.title.contains("insecure delegation"), "{}", u.title);
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
    assert_eq!(
        get(&f, "dane.unsigned").get("reason"),
        Some("insecure-delegation")
    );
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

#[tokio::test]
async fn chain_from_the_trust_anchor() {
    // intact: anchored at the test root, through its DS for signed.test
    let f = dnssec_findings(Breakage::default()).await;
    let ok = get(&f, "dnssec.ok");
    assert_eq!(ok.get("anchored"), Some("yes"));
    assert_eq!(ok.get("anchor"), Some(". (. → signed.test)"));
    // every broken link is bogus, named where it breaks
    for (b, at, reason) in [
        (
            Breakage {
                no_ds_no_proof: true,
                ..Default::default()
            },
            ".",
            "no-ds-proof",
        ),
        (
            Breakage {
                no_ds_forged_proof: true,
                ..Default::default()
            },
            ".",
            "denial-signature",
        ),
        (
            Breakage {
                ds_sig_forged: true,
                ..Default::default()
            },
            ".",
            "ds-signature",
        ),
        (
            Breakage {
                anchor_of_other_key: true,
                ..Default::default()
            },
            ".",
            "anchor-mismatch",
        ),
    ] {
        let f = dnssec_findings(b).await;
        let e = get(&f, "dnssec.chain-bogus");
        assert_eq!(e.severity, Severity::Error, "{reason}");
        assert_eq!((e.get("at"), e.get("reason")), (Some(at), Some(reason)));
        assert!(!f.iter().any(|x| x.id == "dnssec.ok"), "{:?}", ids(&f));
        // and DANE follows: validating senders defer
        let d = dane_findings(b).await;
        let t = get(&d, "dane.tlsa-bogus");
        assert_eq!(t.get("reason"), Some(reason), "{:?}", ids(&d));
        assert!(!d.iter().any(|x| x.id == "dane.ok"), "{:?}", ids(&d));
    }
    // an unsigned zone under a signed parent without a proof of it is bogus, not "unsigned"
    let f = dnssec_findings(Breakage {
        unsigned_zone: true,
        no_ds_no_proof: true,
        ..Default::default()
    })
    .await;
    assert_eq!(
        get(&f, "dnssec.chain-bogus").get("reason"),
        Some("no-ds-proof")
    );
    assert!(
        !f.iter().any(|x| x.id == "dnssec.unsigned"),
        "{:?}",
        ids(&f)
    );
    // with the proof it is a note that says how validators know
    let f = dnssec_findings(Breakage {
        unsigned_zone: true,
        ..Default::default()
    })
    .await;
    let u = get(&f, "dnssec.unsigned");
    assert!(
        u.get("why").unwrap().contains("NSEC signed.test"),
        "{:?}",
        u.get("why")
    );
}

#[tokio::test]
async fn dane_follows_cnames_on_the_tlsa_name() {
    let f = dane_findings(Breakage {
        tlsa_cname: true,
        ..Default::default()
    })
    .await;
    let ok = get(&f, "dane.ok");
    assert_eq!(ok.get("tlsa_name"), Some("_25._tcp.mx.signed.test"));
    assert!(
        ok.evidence
            .iter()
            .any(|e| e.records.iter().any(|r| r.contains("tlsa.signed.test"))),
        "{:#?}",
        ok.evidence
    );
    // the alias itself must be signed
    let f = dane_findings(Breakage {
        tlsa_cname: true,
        cname_unsigned: true,
        ..Default::default()
    })
    .await;
    let e = get(&f, "dane.tlsa-bogus");
    assert_eq!(e.get("reason"), Some("missing-signature"));
    assert!(
        e.get("detail").unwrap().contains("CNAME"),
        "{:?}",
        e.get("detail")
    );
}

#[tokio::test]
async fn dane_needs_secure_host_addresses() {
    // the MX host's A RRset has an expired signature: validating senders cannot reach it
    let f = dane_findings(Breakage {
        a_sig_expired: true,
        ..Default::default()
    })
    .await;
    let e = get(&f, "dane.address-bogus");
    assert_eq!(e.severity, Severity::Error);
    assert_eq!(e.get("reason"), Some("expired"));
    assert!(!f.iter().any(|x| x.id == "dane.ok"), "{:?}", ids(&f));
    // the host is an alias into the unsigned other.test: the TLSA records (secure, at the
    // host's own name) are not used (RFC 7672 §2.2.2)
    let (data, anchor) = zone_data(Breakage {
        mx_host_alias_insecure: true,
        ..Default::default()
    });
    let addr = serve(data, false).await;
    let cx = ctx(addr, &anchor);
    let (_, mx) = check::mx::check(&cx).await;
    let mut f = check::dane::check(&cx, &mx).await;
    for x in &mut f {
        x.localize(check::Lang::En, "signed.test");
    }
    let w = get(&f, "dane.address-insecure");
    assert_eq!(w.severity, Severity::Warning);
    assert_eq!(w.get("reason"), Some("insecure-delegation"));
    assert_eq!(w.get("zone"), Some("other.test"));
    assert!(!f.iter().any(|x| x.id == "dane.ok"), "{:?}", ids(&f));
}

#[tokio::test]
async fn reasons_and_dns_errors_in_spanish() {
    let (data, anchor) = zone_data(Breakage {
        tlsa_sig_expired: true,
        ..Default::default()
    });
    let addr = serve(data, false).await;
    let cx = ctx(addr, &anchor);
    let (_, mx) = check::mx::check(&cx).await;
    let mut f = check::dane::check(&cx, &mx).await;
    for x in &mut f {
        x.localize(check::Lang::Es, "signed.test");
    }
    let e = get(&f, "dane.tlsa-bogus");
    assert!(e.title.contains("la firma caducó"), "{}", e.title);
    assert!(!e.title.contains("expired"), "{}", e.title);
    // a DNS error: the MX lookup of a name whose server never answers
    let dns = mailway_testkit::dns::TestDns::builder()
        .zone("slow.test", "@ 300 IN A 192.0.2.1\n")
        .timeout("slow.test", Some(RecordType::MX))
        .start()
        .await
        .unwrap();
    let resolver = Resolver::new(
        ResolverConfig::new([dns.addr()])
            .with_timeout(Duration::from_millis(300))
            .with_attempts(1),
    )
    .unwrap();
    let cx = Ctx::new(resolver, CheckOptions::new("slow.test"));
    let (mut f, _) = check::mx::check(&cx).await;
    for x in &mut f {
        x.localize(check::Lang::Es, "slow.test");
    }
    let e = get(&f, "mx.lookup-failed");
    assert_eq!(e.get("error_code"), Some("timeout"));
    let all = format!("{} {}", e.title, e.explanation);
    assert!(all.contains("sin respuesta en"), "{all}");
    assert!(!all.contains("no answer"), "{all}");
    assert!(
        e.evidence[0].result.starts_with("sin respuesta"),
        "{:?}",
        e.evidence
    );
    // an SPF evaluation that meets a DNS timeout: temperror, the reason in Spanish
    let dns2 = mailway_testkit::dns::TestDns::builder()
        .zone(
            "spf.test",
            "@ 300 IN TXT \"v=spf1 include:dead.spf.test -all\"\n",
        )
        .timeout("dead.spf.test", Some(RecordType::TXT))
        .start()
        .await
        .unwrap();
    let resolver = Resolver::new(
        ResolverConfig::new([dns2.addr()])
            .with_timeout(Duration::from_millis(300))
            .with_attempts(1),
    )
    .unwrap();
    let mut o = CheckOptions::new("spf.test");
    o.ip = Some("192.0.2.9".parse().unwrap());
    let cx2 = Ctx::new(resolver, o);
    let mut sf = check::spf::check(&cx2).await;
    for x in &mut sf {
        x.localize(check::Lang::Es, "spf.test");
    }
    let r = get(&sf, "spf.result");
    assert_eq!(r.get("result"), Some("temperror"));
    let reason = r.get("reason").unwrap();
    assert!(reason.contains("sin respuesta en"), "{reason}");
    // the same finding in English
    let mut en = e.clone();
    en.localize(check::Lang::En, "slow.test");
    assert!(en.title.contains("no answer within"), "{}", en.title);
    assert!(
        en.evidence[0].result.starts_with("timeout after"),
        "{:?}",
        en.evidence
    );
}

#[tokio::test]
async fn dane_absent_tlsa_must_be_proven() {
    // no TLSA, proven by the zone's signed NSEC: no DANE, nothing wrong
    let f = dane_findings(Breakage {
        no_tlsa: true,
        ..Default::default()
    })
    .await;
    get(&f, "dane.none");
    assert!(
        !f.iter().any(|x| x.severity >= Severity::Warning),
        "{:?}",
        ids(&f)
    );
    // no proof, or a proof that lists TLSA: validating senders get SERVFAIL and defer
    for (b, reason) in [
        (
            Breakage {
                no_tlsa: true,
                no_tlsa_no_proof: true,
                ..Default::default()
            },
            "no-denial-proof",
        ),
        (
            Breakage {
                no_tlsa: true,
                no_tlsa_in_bitmap: true,
                ..Default::default()
            },
            "type-in-bitmap",
        ),
    ] {
        let f = dane_findings(b).await;
        let e = get(&f, "dane.tlsa-denial-bogus");
        assert_eq!(e.severity, Severity::Error);
        assert_eq!(e.get("reason"), Some(reason), "{:?}", ids(&f));
        assert_eq!(e.get("zone"), Some("signed.test"));
    }
}
