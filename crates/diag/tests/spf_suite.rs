//! The RFC 7208 SPF test suite (openspf / pyspf, `../shared/spf-tests/rfc7208-tests.yml`,
//! BSD licence beside it): every scenario's zone data is served by a real DNS server
//! (`mailway_testkit::dns`, in-process hickory-server on loopback) and every test is evaluated
//! by `mailway_diag::check::spf::check_host` through `mailway_dns::Resolver`.
//!
//! Driver rules (from the suite's README / testspf.py): `SPF` records are also served as `TXT`
//! unless the name lists its own `TXT`; `TXT: NONE` means no record; `TIMEOUT` makes queries of
//! a type with no record listed before it time out; unknown names starting with `error.` time out.
//! Skips when ../shared is absent (fails under CI=true).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use mailway_diag::check::spf::{Request, check_host};
use mailway_dns::proto::rr::rdata::{A, AAAA, CNAME, MX, PTR, TXT};
use mailway_dns::proto::rr::{Name, RData, Record, RecordType};
use mailway_dns::{Resolver, ResolverConfig};
use mailway_testkit::dns::{Behavior, TestDns};
use serde_yaml::Value;

#[derive(Debug, Clone)]
enum Entry {
    Rec(RecordType, RData),
    Timeout,
}

/// A target name; `None` for names DNS cannot carry (the record is then left out).
fn name(s: &str) -> Option<Name> {
    let t = s.trim_end_matches('.');
    let mut n = Name::from_ascii(t)
        .or_else(|_| Name::from_labels(t.split('.').map(str::as_bytes)))
        .ok()?;
    n.set_fqdn(true);
    Some(n)
}

fn strings(v: &Value) -> Vec<Vec<u8>> {
    match v {
        Value::String(s) => vec![s.as_bytes().to_vec()],
        // `[ ]` (a TXT with no string) cannot go on the wire (RDATA needs one character-string):
        // one empty string has the same joined text, which is what SPF reads
        Value::Sequence(seq) if seq.is_empty() => vec![Vec::new()],
        Value::Sequence(seq) => seq
            .iter()
            .map(|x| x.as_str().unwrap_or_default().as_bytes().to_vec())
            .collect(),
        other => vec![yaml_scalar(other).into_bytes()],
    }
}

fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// The entries of one name, in order, with TXT synthesised from SPF as testspf.py does.
fn entries(items: &Value) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut generated = Vec::new();
    let mut has_txt = false;
    for item in items.as_sequence().into_iter().flatten() {
        if item.as_str() == Some("TIMEOUT") {
            out.push(Entry::Timeout);
            continue;
        }
        let Some(map) = item.as_mapping() else {
            continue;
        };
        for (k, v) in map {
            let k = k.as_str().unwrap_or_default();
            match k {
                "SPF" => {
                    let s = strings(v);
                    if s != [b"NONE".to_vec()] {
                        generated.push(Entry::Rec(
                            RecordType::TXT,
                            RData::TXT(TXT::from_bytes(s.iter().map(Vec::as_slice).collect())),
                        ));
                    }
                }
                "TXT" => {
                    has_txt = true;
                    let s = strings(v);
                    if s != [b"NONE".to_vec()] {
                        out.push(Entry::Rec(
                            RecordType::TXT,
                            RData::TXT(TXT::from_bytes(s.iter().map(Vec::as_slice).collect())),
                        ));
                    }
                }
                "A" => out.push(Entry::Rec(
                    RecordType::A,
                    RData::A(A(yaml_scalar(v).parse().expect("A"))),
                )),
                "AAAA" => out.push(Entry::Rec(
                    RecordType::AAAA,
                    RData::AAAA(AAAA(yaml_scalar(v).parse().expect("AAAA"))),
                )),
                "MX" => {
                    let seq = v.as_sequence().expect("MX [pref, name]");
                    let pref = seq[0].as_u64().unwrap_or(0) as u16;
                    if let Some(n) = name(&yaml_scalar(&seq[1])) {
                        out.push(Entry::Rec(RecordType::MX, RData::MX(MX::new(pref, n))));
                    }
                }
                "PTR" => {
                    if let Some(n) = name(&yaml_scalar(v)) {
                        out.push(Entry::Rec(RecordType::PTR, RData::PTR(PTR(n))));
                    }
                }
                "CNAME" => {
                    if let Some(n) = name(&yaml_scalar(v)) {
                        out.push(Entry::Rec(RecordType::CNAME, RData::CNAME(CNAME(n))));
                    }
                }
                other => panic!("unknown zonedata type {other}"),
            }
        }
    }
    if !has_txt {
        out.extend(generated);
    }
    out
}

/// testspf.py's DNSLookup: a TIMEOUT entry met before any record of the asked type times out.
fn times_out(entries: &[Entry], rtype: RecordType) -> bool {
    for e in entries {
        match e {
            Entry::Timeout => return true,
            Entry::Rec(t, _) if *t == rtype => return false,
            Entry::Rec(RecordType::CNAME, _) => return false,
            Entry::Rec(..) => {}
        }
    }
    false
}

struct Case {
    id: String,
    host: IpAddr,
    mailfrom: String,
    helo: String,
    results: Vec<String>,
    explanation: Option<String>,
}

async fn run_scenario(doc: &Value) -> (usize, Vec<String>) {
    let zonedata = doc.get("zonedata").and_then(Value::as_mapping);
    let mut zone: HashMap<String, Vec<Entry>> = HashMap::new();
    if let Some(z) = zonedata {
        for (k, v) in z {
            let n = yaml_scalar(k).trim_end_matches('.').to_ascii_lowercase();
            zone.insert(n, entries(v));
        }
    }
    let zone = Arc::new(zone);
    let mut builder = TestDns::builder();
    for (n, es) in zone.iter() {
        // names the DNS cannot carry (labels over 63 octets) are never asked for
        if n.split('.').any(|l| l.len() > 63 || l.is_empty()) {
            continue;
        }
        let Some(owner) = name(n) else { continue };
        for e in es {
            if let Entry::Rec(_, rdata) = e {
                builder = builder.record(Record::from_rdata(owner.clone(), 300, rdata.clone()));
            }
        }
    }
    let z2 = zone.clone();
    let dns = builder
        .behavior_fn(move |qname, rtype| match z2.get(qname) {
            Some(es) if times_out(es, rtype) => Some(Behavior::Timeout),
            None if qname.starts_with("error.") => Some(Behavior::Timeout),
            _ => None,
        })
        .start()
        .await
        .expect("start test DNS");
    let resolver = Resolver::new(
        ResolverConfig::new([dns.addr()])
            .with_timeout(Duration::from_millis(300))
            .with_attempts(1),
    )
    .expect("resolver");

    let mut cases = Vec::new();
    for (id, t) in doc
        .get("tests")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
    {
        let results = match t.get("result") {
            Some(Value::Sequence(s)) => s.iter().map(yaml_scalar).collect(),
            Some(v) => vec![yaml_scalar(v)],
            None => continue,
        };
        cases.push(Case {
            id: yaml_scalar(id),
            host: yaml_scalar(t.get("host").expect("host"))
                .parse()
                .expect("host IP"),
            mailfrom: t.get("mailfrom").map(yaml_scalar).unwrap_or_default(),
            helo: t.get("helo").map(yaml_scalar).unwrap_or_default(),
            results,
            explanation: t.get("explanation").map(yaml_scalar),
        });
    }
    let mut set = tokio::task::JoinSet::new();
    for case in cases {
        let resolver = resolver.clone();
        set.spawn(async move {
            let req = Request::new(case.host, &case.mailfrom, &case.helo);
            let ev = check_host(&resolver, &req).await;
            let got = ev.result.as_str();
            let mut problems = Vec::new();
            if !case.results.iter().any(|r| r.eq_ignore_ascii_case(got)) {
                problems.push(format!(
                    "{}: expected {:?}, got {got} (reason: {:?}, decided by {:?})",
                    case.id, case.results, ev.reason, ev.decided_by
                ));
            } else if let Some(exp) = &case.explanation
                && got == "fail"
                && ev.explanation.as_deref() != Some(exp.as_str())
            {
                problems.push(format!(
                    "{}: explanation expected {exp:?}, got {:?}",
                    case.id, ev.explanation
                ));
            }
            problems
        });
    }
    let mut n = 0;
    let mut failures = Vec::new();
    while let Some(r) = set.join_next().await {
        n += 1;
        failures.extend(r.expect("test task"));
    }
    drop(dns);
    (n, failures)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc7208_suite_all_tests_pass() {
    let Some(path) = mailway_testkit::shared::shared_path("spf-tests/rfc7208-tests.yml") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("read suite");
    let mut total = 0;
    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let doc = <Value as serde::Deserialize>::deserialize(doc).expect("yaml");
        let title = doc.get("description").map(yaml_scalar).unwrap_or_default();
        let (n, f) = run_scenario(&doc).await;
        total += n;
        if !f.is_empty() {
            failures.insert(title, f);
        }
    }
    let nfail: usize = failures.values().map(Vec::len).sum();
    let report: Vec<String> = failures
        .iter()
        .map(|(k, v)| format!("[{k}]\n  {}", v.join("\n  ")))
        .collect();
    assert_eq!(total, 203, "the suite has 203 tests");
    assert!(
        nfail == 0,
        "{nfail} of {total} SPF tests failed:\n{}",
        report.join("\n")
    );
}
