//! DNSSEC: is the zone signed, does the parent's DS match a key of the zone, do the key set and
//! the mail-relevant RRsets (SOA, MX, TXT) carry valid signatures (verified here, with
//! [`mailway_dns::dnssec`], whatever the resolver does), and did the resolver validate the
//! answers (AD bit).
//!
//! A bogus chain (DS without a matching key, expired or broken signatures) is an error: every
//! validating resolver (Google, Cloudflare, Quad9, most ISPs) answers SERVFAIL for the domain,
//! so senders defer and finally bounce with 4.4.3 / 4.4.7.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::UNIX_EPOCH;

use mailway_dns::dnssec::{self as dv, DsDenial, KeyChain, SigStatus, TypeDenial};
use mailway_dns::proto::dnssec::rdata::{DNSKEY, DS};
use mailway_dns::proto::rr::{Name, RData, Record};
use mailway_dns::{DnsError, QueryOptions, RecordType, Response};
use tokio::sync::OnceCell;

use super::Ctx;
use super::finding::{Evidence, Finding, LocalArg, Severity};

/// Signatures that expire sooner than this get a warning.
const EXPIRY_WARNING_SECS: u32 = 3 * 86_400;

fn opts() -> QueryOptions {
    QueryOptions::recursive()
        .with_dnssec_ok(true)
        .with_checking_disabled(true)
}

fn ev(q: &str, r: &Result<Response, DnsError>) -> Evidence {
    ev_flags(q, r, "DO, CD")
}

fn ev_flags(q: &str, r: &Result<Response, DnsError>, flags: &str) -> Evidence {
    match r {
        Ok(resp) => Evidence::response(format!("{q} ({flags})"), resp),
        Err(e) => Evidence::error(format!("{q} ({flags})"), e),
    }
}

/// A UTC date `YYYY-MM-DD HH:MM` from seconds since the epoch.
pub fn utc(secs: u32) -> String {
    let secs = i64::from(secs);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil from days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

fn status_detail(s: &SigStatus) -> String {
    match s {
        SigStatus::Valid { expiration, .. } => utc(*expiration),
        SigStatus::Unsigned => String::new(),
        SigStatus::NoKey { key_tags } => key_tags
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        SigStatus::Expired { expiration } => utc(*expiration),
        SigStatus::NotYetValid { inception } => utc(*inception),
        SigStatus::BadSignature { detail } => detail.clone(),
        SigStatus::UnsupportedAlgorithm(a) => a.clone(),
    }
}

/// Runs the DNSSEC checks of the domain's zone.
pub async fn check(cx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let now = now_secs(cx);
    let zone = super::ns::zone_of(cx).await;
    let Ok(zone_name) = Name::from_ascii(format!("{zone}.")) else {
        return out;
    };
    let r = &cx.resolver;
    let (ds_r, key_r, ad_r) = tokio::join!(
        r.query_recursive(&zone, RecordType::DS, opts()),
        r.query_recursive(&zone, RecordType::DNSKEY, opts()),
        // the AD bit: asked like a normal client (DO=1, no CD)
        r.query_recursive(
            &zone,
            RecordType::SOA,
            QueryOptions::recursive().with_dnssec_ok(true)
        ),
    );
    let ds_ev = ev(&format!("{zone} DS"), &ds_r);
    let key_ev = ev(&format!("{zone} DNSKEY"), &key_r);
    for (q, res) in [("DS", &ds_r), ("DNSKEY", &key_r)] {
        if let Err(e) = res
            && e.is_temporary()
        {
            out.push(
                Finding::new("dnssec.lookup-failed", Severity::Warning)
                    .subject(format!("{zone} {q}"))
                    .arg("query", format!("{zone} {q}"))
                    .dns_error("error", e)
                    .evidence(if q == "DS" {
                        ds_ev.clone()
                    } else {
                        key_ev.clone()
                    }),
            );
            return out;
        }
    }
    let ds = ds_r
        .as_ref()
        .map(|x| dv::ds_records(&x.answers))
        .unwrap_or_default();
    let key_answer: Vec<_> = key_r
        .as_ref()
        .map(|x| x.answers.clone())
        .unwrap_or_default();
    let keys = dv::dnskeys(&key_answer);
    let chain = dv::verify_keyset(&zone_name, &ds, &key_answer, now);
    let evs = vec![ds_ev.clone(), key_ev.clone()];
    // the chain from the trust anchor down to the zone (as validators see it)
    let anchored = zone_chain(cx, &zone_name).await;
    if let Some(f) = chain_finding(&zone, &chain, &anchored) {
        out.push(f);
    }
    match &chain {
        KeyChain::Unsigned => {
            if !matches!(anchored.status, ChainStatus::Bogus { .. }) {
                let (z, reason, detail) = chain_parts(&anchored.status);
                out.push(
                    Finding::new("dnssec.unsigned", Severity::Info)
                        .arg("zone", &zone)
                        .local_arg("why", why(reason, &z, &detail))
                        .evidences(evs)
                        .evidences(anchored.evidence.iter().cloned()),
                );
            }
            return out;
        }
        KeyChain::NoDs => out.push(
            Finding::new("dnssec.no-ds", Severity::Warning)
                .arg("zone", &zone)
                .arg("keys", keys.len())
                .evidences(evs.clone()),
        ),
        KeyChain::DsWithoutKeys => {
            out.push(
                Finding::new("dnssec.ds-without-keys", Severity::Error)
                    .arg("zone", &zone)
                    .evidences(evs),
            );
            return out;
        }
        KeyChain::DsMismatch => out.push(
            Finding::new("dnssec.ds-mismatch", Severity::Error)
                .arg("zone", &zone)
                .arg(
                    "ds_tags",
                    ds.iter()
                        .map(|d| d.key_tag().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
                .arg(
                    "key_tags",
                    keys.iter()
                        .map(|k| dv::key_tag(k).to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
                .evidences(evs.clone()),
        ),
        KeyChain::KeysetNotSigned(s) => out.push(
            Finding::new("dnssec.keyset-not-signed", Severity::Error)
                .arg("zone", &zone)
                .arg("kind", s.kind())
                .arg("detail", status_detail(s))
                .evidences(evs.clone()),
        ),
        KeyChain::Secure { .. } => {}
    }
    // the RRsets mail depends on, signed by a zone key of the key set
    let zone_keys: Vec<_> = keys
        .iter()
        .filter(|k| k.zone_key() && !k.revoke())
        .collect();
    let domain_name = Name::from_ascii(format!("{}.", cx.domain)).unwrap_or(zone_name.clone());
    let sets = [
        (zone.clone(), zone_name.clone(), RecordType::SOA),
        (cx.domain.clone(), domain_name.clone(), RecordType::MX),
        (cx.domain.clone(), domain_name, RecordType::TXT),
    ];
    let lookups = sets
        .iter()
        .map(|(n, _, t)| r.query_recursive(n, *t, opts()));
    let results = super::mx::futures_join_all(lookups).await;
    let mut verified = Vec::new();
    let mut earliest: Option<u32> = None;
    let mut sig_errors = false;
    for ((n, name, t), res) in sets.iter().zip(results) {
        let Ok(resp) = &res else { continue };
        if resp.records_of(*t).next().is_none() {
            continue; // nothing to verify (NODATA is proven by NSEC, not checked here)
        }
        let q = format!("{n} {t}");
        match dv::verify_rrset(name, *t, &resp.answers, &zone_keys, now) {
            SigStatus::Valid { expiration, .. } => {
                verified.push(t.to_string());
                earliest = Some(earliest.map_or(expiration, |e: u32| e.min(expiration)));
                let left = expiration.wrapping_sub(now);
                if (left as i32) > 0 && left < EXPIRY_WARNING_SECS {
                    out.push(
                        Finding::new("dnssec.rrsig-expiring", Severity::Warning)
                            .subject(q.clone())
                            .arg("query", &q)
                            .arg("expires", utc(expiration))
                            .arg("hours", left / 3600)
                            .evidence(ev(&q, &res)),
                    );
                }
            }
            other => {
                sig_errors = true;
                out.push(
                    Finding::new("dnssec.rrsig-invalid", Severity::Error)
                        .subject(q.clone())
                        .arg("query", &q)
                        .arg("kind", other.kind())
                        .arg("detail", status_detail(&other))
                        .evidence(ev(&q, &res)),
                );
            }
        }
    }
    let secure = matches!(chain, KeyChain::Secure { .. });
    let anchored_secure = matches!(anchored.status, ChainStatus::Secure { .. });
    if secure && !sig_errors && anchored_secure {
        let anchor = match &anchored.status {
            ChainStatus::Secure { anchor, path, .. } => format!("{anchor} ({})", path.join(" → ")),
            _ => "-".into(),
        };
        let ksk = match &chain {
            KeyChain::Secure { ksk_tags } => ksk_tags
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            _ => String::new(),
        };
        out.push(
            Finding::new("dnssec.ok", Severity::Ok)
                .arg("zone", &zone)
                .arg("ksk", ksk)
                .arg("verified", verified.join(", "))
                .arg("until", earliest.map(utc).unwrap_or_else(|| "-".into()))
                .arg("anchor", anchor)
                .arg("anchored", "yes")
                .evidences(
                    anchored
                        .evidence
                        .iter()
                        .filter(|e| !evs.contains(e))
                        .cloned()
                        .collect::<Vec<_>>(),
                )
                .evidences(evs),
        );
    }
    // what the resolver said: AD set = it validated the chain up to the root
    match &ad_r {
        Ok(resp) if resp.authenticated => out.push(
            Finding::new("dnssec.validated", Severity::Ok)
                .arg("server", resp.server)
                .evidence(ev_flags(&format!("{zone} SOA"), &ad_r, "DO")),
        ),
        Ok(resp) if secure && !sig_errors => out.push(
            Finding::new("dnssec.resolver-not-validating", Severity::Info)
                .arg("server", resp.server)
                .evidence(ev_flags(&format!("{zone} SOA"), &ad_r, "DO")),
        ),
        _ => {}
    }
    out
}

fn chain_parts(s: &ChainStatus) -> (String, &'static str, String) {
    match s {
        ChainStatus::Secure { anchor, .. } => (anchor.clone(), "secure", String::new()),
        ChainStatus::Insecure {
            zone,
            reason,
            detail,
        }
        | ChainStatus::Bogus {
            zone,
            reason,
            detail,
        } => (zone.clone(), reason, detail.clone()),
        ChainStatus::Indeterminate { error } => (String::new(), "indeterminate", error.to_string()),
    }
}

/// What the anchored chain adds to the zone's own DS → DNSKEY check: a bogus link above or
/// at the zone that the one-level check does not show, an insecure chain above a zone that
/// is signed with a DS, or a failed lookup.
fn chain_finding(zone: &str, local: &KeyChain, anchored: &ZoneChain) -> Option<Finding> {
    let evs = anchored.evidence.iter().cloned();
    match &anchored.status {
        ChainStatus::Secure { .. } => None,
        ChainStatus::Bogus {
            zone: at,
            reason,
            detail,
        } => {
            // already reported by the one-level check of this zone
            let same = at == zone
                && matches!(
                    (local, *reason),
                    (KeyChain::DsMismatch, "ds-mismatch")
                        | (KeyChain::DsWithoutKeys, "ds-without-keys")
                        | (KeyChain::KeysetNotSigned(_), "keyset-not-signed")
                );
            (!same).then(|| {
                Finding::new("dnssec.chain-bogus", Severity::Error)
                    .arg("zone", zone)
                    .arg("at", at)
                    .arg("reason", reason)
                    .local_arg("why", why(reason, at, detail))
                    .evidences(evs)
            })
        }
        ChainStatus::Insecure {
            zone: at,
            reason,
            detail,
        } => matches!(local, KeyChain::Secure { .. }).then(|| {
            Finding::new("dnssec.chain-insecure", Severity::Warning)
                .arg("zone", zone)
                .arg("at", at)
                .arg("reason", reason)
                .local_arg("why", why(reason, at, detail))
                .evidences(evs)
        }),
        ChainStatus::Indeterminate { error } => Some(
            Finding::new("dnssec.lookup-failed", Severity::Warning)
                .subject(format!("{zone} DS/DNSKEY"))
                .arg("query", format!("{zone}: DS/DNSKEY"))
                .dns_error("error", error)
                .evidences(evs),
        ),
    }
}

/// Seconds since the epoch of the check's "now" (for signature validity windows).
pub fn now_secs(cx: &Ctx) -> u32 {
    cx.opts
        .now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as u32)
        .unwrap_or(0)
}

fn name_str(n: &Name) -> String {
    mailway_dns::name_to_string(n)
}

fn fqdn(s: &str) -> Option<Name> {
    let t = s.trim_end_matches('.');
    if t.is_empty() {
        return Some(Name::root());
    }
    Name::from_ascii(format!("{t}.")).ok()
}

/// The reason of a DNSSEC status in words, in the report's language (message `dnssec-why`):
/// what [`Finding::local_arg`] renders as `$why`.
pub fn why(reason: &str, zone: &str, detail: &str) -> LocalArg {
    LocalArg::Text {
        id: "dnssec.why",
        args: vec![
            ("reason".into(), reason.into()),
            ("zone".into(), zone.into()),
            ("detail".into(), detail.into()),
        ],
    }
}

/// The status of the chain of trust from the trust anchor down to one zone's key set.
#[derive(Debug, Clone)]
pub enum ChainStatus {
    /// Every link verified: the zone's key set is trusted.
    Secure {
        /// The zone's DNSKEYs (the verified RRset).
        keys: Vec<DNSKEY>,
        /// The anchored zone the chain starts at.
        anchor: String,
        /// The zones of the chain, from the anchor down.
        path: Vec<String>,
    },
    /// Provably insecure (validators accept the data unprotected).
    Insecure {
        /// The zone where security ends.
        zone: String,
        /// `no-trust-anchor`, `insecure-delegation`, `opt-out`, `nsec3-iterations`,
        /// `unsupported-algorithm`.
        reason: &'static str,
        /// The proof (`NSEC child.test`) or other detail.
        detail: String,
    },
    /// A link fails: validators answer SERVFAIL.
    Bogus {
        /// The zone where it fails.
        zone: String,
        /// Keyword (see `dnssec-why` in the Fluent files).
        reason: &'static str,
        /// Details.
        detail: String,
    },
    /// A lookup failed.
    Indeterminate {
        /// The error.
        error: DnsError,
    },
}

/// A chain and the queries behind it.
#[derive(Debug, Clone)]
pub struct ZoneChain {
    /// The status.
    pub status: ChainStatus,
    /// Trust anchor, DNSKEY and DS queries, in order.
    pub evidence: Vec<Evidence>,
}

/// The chains already walked in one check run, by zone (concurrent askers wait for one walk).
#[derive(Debug, Clone, Default)]
pub struct ChainCache(Arc<Mutex<HashMap<String, Arc<OnceCell<ZoneChain>>>>>);

/// The chain of trust from the closest trust anchor down to `zone`'s key set (RFC 4035 §5):
/// the anchor's DNSKEY RRset against the anchor, then for each label below it the DS answer of
/// the parent — a DS RRset signed by the parent's keys, which must match a key that signs the
/// child's DNSKEY RRset; or no DS, which the parent must prove with signed NSEC/NSEC3 records
/// (an insecure delegation ends the chain; a name that is no zone cut continues it).
/// Cached per check run.
pub async fn zone_chain(cx: &Ctx, zone: &Name) -> ZoneChain {
    let cell = {
        let mut m = cx
            .dnssec_cache
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        m.entry(zone.to_ascii().to_ascii_lowercase())
            .or_default()
            .clone()
    };
    cell.get_or_init(|| walk_chain(cx, zone)).await.clone()
}

fn tags_of(keys: &[DNSKEY]) -> String {
    keys.iter()
        .map(|k| dv::key_tag(k).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where the trust anchors come from, in words: the built-in IANA root keys, or the file.
fn anchor_source(anchors: &dv::TrustAnchors) -> LocalArg {
    let builtin = dv::TrustAnchors::iana_root();
    if anchors.source() == builtin.source() && anchors.anchors() == builtin.anchors() {
        LocalArg::text("dnssec.ev-anchor-iana", &[])
    } else {
        LocalArg::Plain(anchors.source().to_string())
    }
}

async fn walk_chain(cx: &Ctx, zone: &Name) -> ZoneChain {
    let anchors = &cx.opts.trust_anchors;
    let r = &cx.resolver;
    let now = now_secs(cx);
    let mut evidence = Vec::new();
    let done = |status, evidence| ZoneChain { status, evidence };
    let Some(anchor) = anchors.closest(zone) else {
        evidence.push(Evidence::local(
            LocalArg::text("dnssec.ev-trust-anchors", &[]),
            anchor_source(anchors),
            anchors
                .anchors()
                .iter()
                .map(|a| LocalArg::Plain(a.to_string()))
                .collect(),
        ));
        return done(
            ChainStatus::Insecure {
                zone: name_str(zone),
                reason: "no-trust-anchor",
                detail: anchors
                    .anchors()
                    .iter()
                    .map(|a| name_str(&a.zone))
                    .collect::<Vec<_>>()
                    .join(", "),
            },
            evidence,
        );
    };
    let a_s = name_str(&anchor);
    evidence.push(Evidence::local(
        LocalArg::text("dnssec.ev-trust-anchor", &[("zone", a_s.clone())]),
        anchor_source(anchors),
        anchors
            .describe(&anchor)
            .into_iter()
            .map(LocalArg::Plain)
            .collect(),
    ));
    let bogus = |zone: &str, reason: &'static str, detail: String| ChainStatus::Bogus {
        zone: zone.to_string(),
        reason,
        detail,
    };
    let key_r = r.query_recursive(&a_s, RecordType::DNSKEY, opts()).await;
    evidence.push(ev(&format!("{a_s} DNSKEY"), &key_r));
    let key_answer = match key_r {
        Ok(x) => x.answers,
        Err(error) => return done(ChainStatus::Indeterminate { error }, evidence),
    };
    let (a_ds, a_keys) = anchors.for_zone(&anchor);
    let mut keys = dv::dnskeys(&key_answer);
    let anchor_tags = anchors
        .anchors()
        .iter()
        .filter(|a| a.zone == anchor)
        .map(|a| a.key_tag().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    match dv::verify_keyset_anchored(&anchor, &a_ds, &a_keys, &key_answer, now) {
        KeyChain::Secure { .. } => {}
        KeyChain::DsWithoutKeys => {
            return done(bogus(&a_s, "anchor-no-keys", anchor_tags), evidence);
        }
        KeyChain::KeysetNotSigned(st) => {
            return done(
                bogus(&a_s, "anchor-keyset-not-signed", status_detail(&st)),
                evidence,
            );
        }
        _ => {
            return done(
                bogus(
                    &a_s,
                    "anchor-mismatch",
                    format!("{anchor_tags} / {}", tags_of(&keys)),
                ),
                evidence,
            );
        }
    }
    let mut cur = a_s.clone();
    let mut path = vec![a_s.clone()];
    for depth in (anchor.num_labels() + 1)..=zone.num_labels() {
        let child = zone.trim_to(depth as usize);
        let c_s = name_str(&child);
        let q = format!("{c_s} DS");
        let resp = match r.query_recursive(&c_s, RecordType::DS, opts()).await {
            Ok(x) => x,
            Err(error) => {
                evidence.push(Evidence::error(format!("{q} (DO, CD)"), &error));
                return done(ChainStatus::Indeterminate { error }, evidence);
            }
        };
        evidence.push(Evidence::response(format!("{q} (DO, CD)"), &resp));
        let ds: Vec<DS> = dv::ds_records(
            &resp
                .answers
                .iter()
                .filter(|x| x.name == child)
                .cloned()
                .collect::<Vec<_>>(),
        );
        let zk = dv::zone_keys(&keys);
        if ds.is_empty() {
            let status = match dv::deny_ds(&child, &resp.authorities, &zk, now) {
                DsDenial::InsecureDelegation(p) => Some(ChainStatus::Insecure {
                    zone: c_s.clone(),
                    reason: "insecure-delegation",
                    detail: format!("{} {}", p.rtype, p.owner),
                }),
                DsDenial::OptOut(p) => Some(ChainStatus::Insecure {
                    zone: c_s.clone(),
                    reason: "opt-out",
                    detail: format!("{} {}", p.rtype, p.owner),
                }),
                DsDenial::TooManyIterations(n) => Some(ChainStatus::Insecure {
                    zone: c_s.clone(),
                    reason: "nsec3-iterations",
                    detail: n.to_string(),
                }),
                DsDenial::NoDelegation(p) if child == *zone => Some(bogus(
                    &cur,
                    "no-delegation",
                    format!("{c_s}: {} {}", p.rtype, p.owner),
                )),
                DsDenial::NoDelegation(_) => None,
                DsDenial::DsExists(p) => Some(bogus(
                    &cur,
                    "ds-in-bitmap",
                    format!("{c_s}: {} {}", p.rtype, p.owner),
                )),
                DsDenial::BadSignature(st) => Some(bogus(
                    &cur,
                    "denial-signature",
                    format!("{c_s}: {} {}", st.kind(), status_detail(&st)),
                )),
                DsDenial::NoProof => Some(bogus(&cur, "no-ds-proof", c_s.clone())),
            };
            match status {
                Some(s) => return done(s, evidence),
                None => continue,
            }
        }
        let st = dv::verify_rrset(&child, RecordType::DS, &resp.answers, &zk, now);
        if !st.is_valid() {
            return done(
                bogus(
                    &cur,
                    "ds-signature",
                    format!("{c_s}: {} {}", st.kind(), status_detail(&st)),
                ),
                evidence,
            );
        }
        if !ds.iter().any(dv::anchor::ds_supported) {
            return done(
                ChainStatus::Insecure {
                    zone: c_s.clone(),
                    reason: "unsupported-algorithm",
                    detail: ds
                        .iter()
                        .map(|d| format!("{}/{}", d.algorithm(), u8::from(d.digest_type())))
                        .collect::<Vec<_>>()
                        .join(", "),
                },
                evidence,
            );
        }
        let kq = format!("{c_s} DNSKEY");
        let key_r = r.query_recursive(&c_s, RecordType::DNSKEY, opts()).await;
        evidence.push(ev(&kq, &key_r));
        let answer = match key_r {
            Ok(x) => x.answers,
            Err(error) => return done(ChainStatus::Indeterminate { error }, evidence),
        };
        match dv::verify_keyset(&child, &ds, &answer, now) {
            KeyChain::Secure { .. } => {
                keys = dv::dnskeys(&answer);
                cur = c_s.clone();
                path.push(c_s);
            }
            KeyChain::DsWithoutKeys => {
                return done(bogus(&c_s, "ds-without-keys", String::new()), evidence);
            }
            KeyChain::KeysetNotSigned(st) => {
                return done(
                    bogus(&c_s, "keyset-not-signed", status_detail(&st)),
                    evidence,
                );
            }
            _ => {
                let tags = ds
                    .iter()
                    .map(|d| d.key_tag().to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                return done(bogus(&c_s, "ds-mismatch", tags), evidence);
            }
        }
    }
    done(
        ChainStatus::Secure {
            keys,
            anchor: a_s,
            path,
        },
        evidence,
    )
}

/// Who established that an RRset is secure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidatedBy {
    /// The resolver set the AD bit: it validated the chain up to its own trust anchor.
    Resolver,
    /// mailway verified it: the chain from the configured trust anchor down to the zone
    /// ([`zone_chain`]), then the RRSIG over the RRset.
    Local,
}

/// The DNSSEC security status of one RRset, in the terms of RFC 4035 §4.3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Security {
    /// Validated.
    Secure {
        /// By whom.
        by: ValidatedBy,
        /// The signing zone.
        zone: String,
        /// The trust anchor the chain starts at (empty when the resolver validated).
        anchor: String,
    },
    /// Provably not signed, or not under any trust anchor: validators accept the data
    /// without protection.
    Insecure {
        /// The zone where security ends.
        zone: String,
        /// A [`ChainStatus::Insecure`] reason.
        reason: &'static str,
        /// The proof or other detail.
        detail: String,
    },
    /// The RRset does not validate: validating resolvers answer SERVFAIL.
    Bogus {
        /// The zone.
        zone: String,
        /// Keyword: a chain reason, a [`SigStatus`] kind, `missing-signature`,
        /// `signer-mismatch`, or `resolver-servfail` (the resolver refused the data it
        /// returned with CD=1).
        reason: &'static str,
        /// Details (key tags, dates, verifier error).
        detail: String,
    },
    /// No records to validate (NXDOMAIN / NODATA; denial proofs for the data itself are not
    /// checked).
    NoData,
    /// The lookups failed; nothing can be said.
    Indeterminate {
        /// What failed, in English (see `dns` for the typed error).
        error: String,
        /// The DNS error, when a lookup failed.
        dns: Option<DnsError>,
    },
}

impl Security {
    /// Keyword: `secure`, `insecure`, `bogus`, `no-data`, `indeterminate`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Secure { .. } => "secure",
            Self::Insecure { .. } => "insecure",
            Self::Bogus { .. } => "bogus",
            Self::NoData => "no-data",
            Self::Indeterminate { .. } => "indeterminate",
        }
    }

    /// True for [`Security::Secure`].
    pub fn is_secure(&self) -> bool {
        matches!(self, Self::Secure { .. })
    }

    fn rank(&self) -> u8 {
        match self {
            Self::Secure { .. } => 0,
            Self::Insecure { .. } => 1,
            Self::NoData => 2,
            Self::Indeterminate { .. } => 3,
            Self::Bogus { .. } => 4,
        }
    }

    /// `(zone, reason, detail)` for texts; the reason of a secure status is who validated
    /// (`resolver` / `local`).
    pub fn parts(&self) -> (&str, &str, String) {
        match self {
            Self::Secure { by, zone, .. } => (
                zone,
                match by {
                    ValidatedBy::Resolver => "resolver",
                    ValidatedBy::Local => "local",
                },
                String::new(),
            ),
            Self::Insecure {
                zone,
                reason,
                detail,
            }
            | Self::Bogus {
                zone,
                reason,
                detail,
            } => (zone, reason, detail.clone()),
            Self::NoData => ("", "no-data", String::new()),
            Self::Indeterminate { error, .. } => ("", "indeterminate", error.clone()),
        }
    }

    /// The reason in words ([`why`]); a lookup failure reads as the DNS error.
    pub fn why(&self) -> LocalArg {
        if let Self::Indeterminate { dns: Some(e), .. } = self {
            return LocalArg::Dns(e.clone());
        }
        let (zone, reason, detail) = self.parts();
        why(reason, zone, &detail)
    }
}

/// The outcome of [`validate`]: the status and the queries that led to it.
#[derive(Debug, Clone)]
pub struct Validation {
    /// The status (the weakest over the CNAME links and the data).
    pub security: Security,
    /// The queries asked, with their answers (RRSIGs, NSEC records, the chain's DS and
    /// DNSKEY answers).
    pub evidence: Vec<Evidence>,
    /// Where the data was found: the name asked, or the end of its CNAME chain.
    pub target: String,
    /// The CNAMEs followed, in order (empty when the name is no alias).
    pub aliases: Vec<String>,
}

/// The zone `name` belongs to: the owner of the SOA in the answer or authority section of a
/// SOA query, walking up the labels when the server gives neither.
pub async fn zone_of_name(cx: &Ctx, name: &str) -> Option<String> {
    let mut cur = name.trim_end_matches('.').to_string();
    for _ in 0..12 {
        if let Ok(resp) = cx
            .resolver
            .query_recursive(&cur, RecordType::SOA, QueryOptions::recursive())
            .await
            && let Some(soa) = resp
                .answers
                .iter()
                .chain(resp.authorities.iter())
                .find(|x| x.record_type() == RecordType::SOA)
        {
            return Some(mailway_dns::name_to_string(&soa.name));
        }
        match cur.split_once('.') {
            Some((_, rest)) if !rest.is_empty() => cur = rest.to_string(),
            _ => return None,
        }
    }
    None
}

/// The CNAME links in `answers` starting at `owner` (owner → target), and where they end.
fn cname_links(answers: &[Record], owner: &Name) -> (Vec<(Name, Name)>, Name) {
    let mut links: Vec<(Name, Name)> = Vec::new();
    let mut cur = owner.clone();
    while links.len() < mailway_dns::MAX_CNAME_CHAIN {
        let next = answers.iter().find_map(|x| match &x.data {
            RData::CNAME(c) if x.name == cur => Some(c.0.clone()),
            _ => None,
        });
        match next {
            Some(t) if !links.iter().any(|(o, _)| *o == t) && t != *owner => {
                links.push((cur.clone(), t.clone()));
                cur = t;
            }
            _ => break,
        }
    }
    (links, cur)
}

/// Verifies one RRset of `records` with the chain of its signing zone.
async fn verify_one(
    cx: &Ctx,
    owner: &Name,
    rtype: RecordType,
    records: &[Record],
    evidence: &mut Vec<Evidence>,
) -> Security {
    let o_s = name_str(owner);
    let sigs = dv::rrsigs_at(records, owner, rtype);
    let zone = match sigs.first() {
        Some(s) => name_str(&s.input().signer_name),
        None => match zone_of_name(cx, &o_s).await {
            Some(z) => z,
            None => {
                return Security::Indeterminate {
                    error: format!("no zone found for {o_s}"),
                    dns: None,
                };
            }
        },
    };
    let Some(zone_name) = fqdn(&zone) else {
        return Security::Indeterminate {
            error: format!("invalid zone {zone}"),
            dns: None,
        };
    };
    if !zone_name.zone_of(owner) {
        return Security::Bogus {
            zone: zone.clone(),
            reason: "signer-mismatch",
            detail: o_s,
        };
    }
    let chain = zone_chain(cx, &zone_name).await;
    for e in chain.evidence {
        if !evidence.contains(&e) {
            evidence.push(e);
        }
    }
    let (keys, anchor) = match secure_keys(chain.status) {
        ControlFlow::Continue(x) => x,
        ControlFlow::Break(security) => return security,
    };
    let now = now_secs(cx);
    match dv::verify_rrset(owner, rtype, records, &dv::zone_keys(&keys), now) {
        SigStatus::Valid { .. } => Security::Secure {
            by: ValidatedBy::Local,
            zone,
            anchor,
        },
        SigStatus::Unsigned => Security::Bogus {
            zone,
            reason: "missing-signature",
            detail: format!("{o_s} {rtype}"),
        },
        other => Security::Bogus {
            zone,
            reason: other.kind(),
            detail: status_detail(&other),
        },
    }
}

/// The key set and anchor of a secure chain (`Continue`); any other chain status is already
/// the verdict for data signed in that zone (`Break`).
fn secure_keys(status: ChainStatus) -> ControlFlow<Security, (Vec<DNSKEY>, String)> {
    match status {
        ChainStatus::Secure { keys, anchor, .. } => ControlFlow::Continue((keys, anchor)),
        ChainStatus::Insecure {
            zone,
            reason,
            detail,
        } => ControlFlow::Break(Security::Insecure {
            zone,
            reason,
            detail,
        }),
        ChainStatus::Bogus {
            zone,
            reason,
            detail,
        } => ControlFlow::Break(Security::Bogus {
            zone,
            reason,
            detail,
        }),
        ChainStatus::Indeterminate { error } => ControlFlow::Break(Security::Indeterminate {
            error: error.to_string(),
            dns: Some(error),
        }),
    }
}

/// Validates the absence of `rtype` at `name` (a NODATA or NXDOMAIN answer) as a validating
/// resolver would: in a zone whose chain is secure, signed NSEC/NSEC3 records must prove it
/// ([`mailway_dns::dnssec::deny_type`]); without a proof the negative answer is bogus and
/// validating resolvers answer SERVFAIL. `Secure` = proven absent; [`Security::NoData`] here
/// means the records exist after all.
pub async fn validate_denial(cx: &Ctx, name: &str, rtype: RecordType) -> Validation {
    let name = name.trim_end_matches('.').to_string();
    let q = format!("{name} {rtype}");
    let r = cx.resolver.query_recursive(&name, rtype, opts()).await;
    let mut evidence = vec![ev(&q, &r)];
    let done = |security, evidence| Validation {
        security,
        evidence,
        target: name.clone(),
        aliases: Vec::new(),
    };
    let resp = match r {
        Ok(x) => x,
        Err(e) => {
            let security = Security::Indeterminate {
                error: e.to_string(),
                dns: Some(e),
            };
            return done(security, evidence);
        }
    };
    let Some(owner) = fqdn(&name) else {
        let security = Security::Indeterminate {
            error: format!("invalid name {name}"),
            dns: None,
        };
        return done(security, evidence);
    };
    if resp.answers.iter().any(|x| x.name == owner) {
        return done(Security::NoData, evidence);
    }
    // the zone that answered: its SOA, else the signer of the proof
    let zone = resp
        .authorities
        .iter()
        .find(|x| x.record_type() == RecordType::SOA)
        .map(|x| name_str(&x.name))
        .or_else(|| {
            resp.authorities.iter().find_map(|x| match &x.data {
                RData::DNSSEC(mailway_dns::proto::dnssec::rdata::DNSSECRData::RRSIG(s)) => {
                    Some(name_str(&s.input().signer_name))
                }
                _ => None,
            })
        });
    let zone = match zone {
        Some(z) => z,
        None => match zone_of_name(cx, &name).await {
            Some(z) => z,
            None => {
                let security = Security::Indeterminate {
                    error: format!("no zone found for {name}"),
                    dns: None,
                };
                return done(security, evidence);
            }
        },
    };
    let Some(zone_name) = fqdn(&zone).filter(|z| z.zone_of(&owner)) else {
        let security = Security::Bogus {
            zone,
            reason: "signer-mismatch",
            detail: name.clone(),
        };
        return done(security, evidence);
    };
    let chain = zone_chain(cx, &zone_name).await;
    for e in chain.evidence {
        if !evidence.contains(&e) {
            evidence.push(e);
        }
    }
    let security = match secure_keys(chain.status) {
        ControlFlow::Break(security) => security,
        ControlFlow::Continue((keys, anchor)) => {
            let now = now_secs(cx);
            let zk = dv::zone_keys(&keys);
            let bogus = |reason: &'static str, detail: String| Security::Bogus {
                zone: zone.clone(),
                reason,
                detail,
            };
            match dv::deny_type(&owner, rtype, &resp.authorities, &zk, now) {
                TypeDenial::NoData(_) | TypeDenial::NxDomain(_) => Security::Secure {
                    by: ValidatedBy::Local,
                    zone: zone.clone(),
                    anchor,
                },
                TypeDenial::OptOut(p) => Security::Insecure {
                    zone: zone.clone(),
                    reason: "opt-out",
                    detail: format!("{} {}", p.rtype, p.owner),
                },
                TypeDenial::TooManyIterations(n) => Security::Insecure {
                    zone: zone.clone(),
                    reason: "nsec3-iterations",
                    detail: n.to_string(),
                },
                TypeDenial::TypeExists(p) => {
                    bogus("type-in-bitmap", format!("{q}: {} {}", p.rtype, p.owner))
                }
                TypeDenial::BadSignature(st) => bogus(
                    "denial-signature",
                    format!("{q}: {} {}", st.kind(), status_detail(&st)),
                ),
                TypeDenial::NoProof => bogus("no-denial-proof", q.clone()),
            }
        }
    };
    done(security, evidence)
}

/// Validates the RRset `rtype` at `name` as a validating resolver would, following CNAMEs
/// (each CNAME RRset and the data at the end must validate): the resolver's AD bit when it
/// sets it, else mailway's own verification — the chain from the configured trust anchor
/// down to the signing zone ([`zone_chain`]), then the RRSIG over the RRset. A SERVFAIL to a
/// normal query for data the resolver returns with CD=1 is bogus: the resolver validated and
/// rejected it.
pub async fn validate(cx: &Ctx, name: &str, rtype: RecordType) -> Validation {
    validate_from(cx, name.trim_end_matches('.').to_string(), rtype, 0).await
}

fn validate_from(
    cx: &Ctx,
    name: String,
    rtype: RecordType,
    depth: usize,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Validation> + Send + '_>> {
    Box::pin(async move {
        let r = &cx.resolver;
        let q = format!("{name} {rtype}");
        let (cd_r, ad_r) = tokio::join!(
            r.query_recursive(&name, rtype, opts()),
            r.query_recursive(&name, rtype, QueryOptions::recursive().with_dnssec_ok(true)),
        );
        let mut evidence = vec![ev(&q, &cd_r)];
        let done = |security, evidence, target: &Name, aliases: Vec<String>| Validation {
            security,
            evidence,
            target: name_str(target),
            aliases,
        };
        let Some(owner) = fqdn(&name) else {
            return Validation {
                security: Security::Indeterminate {
                    error: format!("invalid name {name}"),
                    dns: None,
                },
                evidence,
                target: name.clone(),
                aliases: Vec::new(),
            };
        };
        let cd = match cd_r {
            Ok(resp) => resp,
            Err(e) => {
                let security = Security::Indeterminate {
                    error: e.to_string(),
                    dns: Some(e),
                };
                return done(security, evidence, &owner, Vec::new());
            }
        };
        let (links, end) = cname_links(&cd.answers, &owner);
        let aliases: Vec<String> = links.iter().map(|(_, t)| name_str(t)).collect();
        let has_data = cd
            .answers
            .iter()
            .any(|x| x.record_type() == rtype && x.name == end);
        match &ad_r {
            Ok(resp) if resp.authenticated && has_data => {
                evidence.push(ev_flags(&q, &ad_r, "DO"));
                let zone = dv::rrsigs_at(&cd.answers, &end, rtype)
                    .first()
                    .map(|s| name_str(&s.input().signer_name))
                    .unwrap_or_default();
                let security = Security::Secure {
                    by: ValidatedBy::Resolver,
                    zone,
                    anchor: String::new(),
                };
                return done(security, evidence, &end, aliases);
            }
            Err(DnsError::ServFail { .. }) if has_data || !links.is_empty() => {
                evidence.push(ev_flags(&q, &ad_r, "DO"));
                let zone = zone_of_name(cx, &name).await.unwrap_or_default();
                let security = Security::Bogus {
                    zone,
                    reason: "resolver-servfail",
                    detail: String::new(),
                };
                return done(security, evidence, &end, aliases);
            }
            _ => {}
        }
        if !has_data && links.is_empty() {
            return done(Security::NoData, evidence, &owner, aliases);
        }
        let mut results = Vec::new();
        for (o, _) in &links {
            results.push(verify_one(cx, o, RecordType::CNAME, &cd.answers, &mut evidence).await);
        }
        let mut target = end.clone();
        let mut aliases = aliases;
        if has_data {
            results.push(verify_one(cx, &end, rtype, &cd.answers, &mut evidence).await);
        } else if depth < mailway_dns::MAX_CNAME_CHAIN {
            // the server gave the CNAME without the data at its target: ask for the target
            let v = validate_from(cx, name_str(&end), rtype, depth + 1).await;
            for e in v.evidence {
                if !evidence.contains(&e) {
                    evidence.push(e);
                }
            }
            target = fqdn(&v.target).unwrap_or(end);
            aliases.extend(v.aliases);
            results.push(v.security);
        } else {
            results.push(Security::Indeterminate {
                error: format!("CNAME chain of {name} longer than {depth}"),
                dns: None,
            });
        }
        // the weakest link decides; the zone of a secure result is the data's
        let security = results
            .iter()
            .rev()
            .max_by_key(|s| s.rank())
            .cloned()
            .unwrap_or(Security::NoData);
        done(security, evidence, &target, aliases)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_798_761_600), "2027-01-01 00:00 UTC");
        assert_eq!(utc(1_803_859_199), "2027-02-28 23:59 UTC");
    }
}
