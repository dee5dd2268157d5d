//! DNSSEC: is the zone signed, does the parent's DS match a key of the zone, do the key set and
//! the mail-relevant RRsets (SOA, MX, TXT) carry valid signatures (verified here, with
//! [`mailway_dns::dnssec`], whatever the resolver does), and did the resolver validate the
//! answers (AD bit).
//!
//! A bogus chain (DS without a matching key, expired or broken signatures) is an error: every
//! validating resolver (Google, Cloudflare, Quad9, most ISPs) answers SERVFAIL for the domain,
//! so senders defer and finally bounce with 4.4.3 / 4.4.7.

use std::time::UNIX_EPOCH;

use mailway_dns::dnssec::{self as dv, KeyChain, SigStatus};
use mailway_dns::proto::rr::Name;
use mailway_dns::{DnsError, QueryOptions, RecordType, Response, Rr};

use super::Ctx;
use super::finding::{Evidence, Finding, Severity};

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
        Ok(resp) => Evidence {
            query: format!("{q} ({flags})"),
            server: Some(resp.server.to_string()),
            result: resp.rcode.clone(),
            records: resp
                .answers
                .iter()
                .map(|x| Rr::from_record(x).to_string())
                .collect(),
        },
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
        let failed = match res {
            Err(e) if e.is_temporary() => Some(e.to_string()),
            Ok(resp) if matches!(resp.rcode.as_str(), "SERVFAIL" | "REFUSED") => {
                Some(resp.rcode.clone())
            }
            _ => None,
        };
        if let Some(error) = failed {
            out.push(
                Finding::new("dnssec.lookup-failed", Severity::Warning)
                    .subject(format!("{zone} {q}"))
                    .arg("query", format!("{zone} {q}"))
                    .arg("error", error)
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
    match &chain {
        KeyChain::Unsigned => {
            out.push(
                Finding::new("dnssec.unsigned", Severity::Info)
                    .arg("zone", &zone)
                    .evidences(evs),
            );
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
    if secure && !sig_errors {
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

/// Seconds since the epoch of the check's "now" (for signature validity windows).
pub fn now_secs(cx: &Ctx) -> u32 {
    cx.opts
        .now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as u32)
        .unwrap_or(0)
}

/// Who established that an RRset is secure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidatedBy {
    /// The resolver set the AD bit: it validated the chain up to its trust anchor (the root).
    Resolver,
    /// mailway verified it: the parent's DS → the zone's DNSKEY set → the RRSIG over the
    /// RRset. The chain above the parent's DS is not verified (only a validating resolver's
    /// AD bit says that).
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
    },
    /// Provably not signed: the zone has no DS at its parent (no DNSSEC, or an island of
    /// security), so validators accept the data without protection.
    Insecure {
        /// The zone.
        zone: String,
        /// `unsigned` (no DS, no DNSKEY) or `no-ds` (DNSKEYs without DS at the parent).
        reason: &'static str,
    },
    /// The zone is signed (DS at the parent) but the RRset does not validate: validating
    /// resolvers answer SERVFAIL.
    Bogus {
        /// The zone.
        zone: String,
        /// Keyword: a [`KeyChain`] or [`SigStatus`] kind, `missing-signature`, or
        /// `resolver-servfail` (the resolver refused the data it returned with CD=1).
        reason: &'static str,
        /// Details (key tags, dates, verifier error).
        detail: String,
    },
    /// No records to validate (NXDOMAIN / NODATA; denial proofs are not checked).
    NoData,
    /// The lookups failed; nothing can be said.
    Indeterminate {
        /// The error.
        error: String,
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
}

/// The outcome of [`validate`]: the status and the queries that led to it.
#[derive(Debug, Clone)]
pub struct Validation {
    /// The status.
    pub security: Security,
    /// The queries asked, with their answers (RRSIGs included).
    pub evidence: Vec<Evidence>,
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

/// Validates the RRset `rtype` at `name` as a validating resolver would: the resolver's AD bit
/// when it sets it, else mailway's own verification of the signing zone's DS → DNSKEY → RRSIG
/// chain ([`mailway_dns::dnssec`]). A SERVFAIL to a normal query for data the resolver returns
/// with CD=1 is bogus: the resolver validated and rejected it.
pub async fn validate(cx: &Ctx, name: &str, rtype: RecordType) -> Validation {
    let r = &cx.resolver;
    let q = format!("{name} {rtype}");
    let (cd_r, ad_r) = tokio::join!(
        r.query_recursive(name, rtype, opts()),
        r.query_recursive(name, rtype, QueryOptions::recursive().with_dnssec_ok(true)),
    );
    let mut evidence = vec![ev(&q, &cd_r)];
    let done = |security, evidence| Validation { security, evidence };
    let cd = match cd_r {
        Ok(resp) => resp,
        Err(e) => {
            return done(
                Security::Indeterminate {
                    error: e.to_string(),
                },
                evidence,
            );
        }
    };
    let Ok(owner) = Name::from_ascii(format!("{}.", name.trim_end_matches('.'))) else {
        return done(
            Security::Indeterminate {
                error: format!("invalid name {name}"),
            },
            evidence,
        );
    };
    let has_data = cd
        .answers
        .iter()
        .any(|x| x.record_type() == rtype && x.name == owner);
    match &ad_r {
        Ok(resp) if resp.authenticated && has_data => {
            evidence.push(ev_flags(&q, &ad_r, "DO"));
            let zone = dv::rrsigs_covering(&cd.answers, rtype)
                .first()
                .map(|s| mailway_dns::name_to_string(&s.input().signer_name))
                .unwrap_or_default();
            return done(
                Security::Secure {
                    by: ValidatedBy::Resolver,
                    zone,
                },
                evidence,
            );
        }
        Err(DnsError::ServFail { .. }) if has_data => {
            evidence.push(ev_flags(&q, &ad_r, "DO"));
            let zone = zone_of_name(cx, name).await.unwrap_or_default();
            return done(
                Security::Bogus {
                    zone,
                    reason: "resolver-servfail",
                    detail: String::new(),
                },
                evidence,
            );
        }
        _ => {}
    }
    if !has_data {
        return done(Security::NoData, evidence);
    }
    // the signing zone: the RRSIG's signer, else the zone the name is in
    let sigs = dv::rrsigs_covering(&cd.answers, rtype);
    let zone = match sigs.first() {
        Some(s) => mailway_dns::name_to_string(&s.input().signer_name),
        None => match zone_of_name(cx, name).await {
            Some(z) => z,
            None => {
                return done(
                    Security::Indeterminate {
                        error: format!("no zone found for {name}"),
                    },
                    evidence,
                );
            }
        },
    };
    let Ok(zone_name) = Name::from_ascii(format!("{zone}.")) else {
        return done(
            Security::Indeterminate {
                error: format!("invalid zone {zone}"),
            },
            evidence,
        );
    };
    let (ds_r, key_r) = tokio::join!(
        r.query_recursive(&zone, RecordType::DS, opts()),
        r.query_recursive(&zone, RecordType::DNSKEY, opts()),
    );
    evidence.push(ev(&format!("{zone} DS"), &ds_r));
    evidence.push(ev(&format!("{zone} DNSKEY"), &key_r));
    for res in [&ds_r, &key_r] {
        if let Err(e) = res
            && !e.is_not_found()
        {
            return done(
                Security::Indeterminate {
                    error: e.to_string(),
                },
                evidence,
            );
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
    let now = now_secs(cx);
    let bogus = |reason: &'static str, detail: String| Security::Bogus {
        zone: zone.clone(),
        reason,
        detail,
    };
    let security = match dv::verify_keyset(&zone_name, &ds, &key_answer, now) {
        KeyChain::Unsigned => Security::Insecure {
            zone: zone.clone(),
            reason: "unsigned",
        },
        KeyChain::NoDs => Security::Insecure {
            zone: zone.clone(),
            reason: "no-ds",
        },
        KeyChain::DsWithoutKeys => bogus("ds-without-keys", String::new()),
        KeyChain::DsMismatch => bogus(
            "ds-mismatch",
            ds.iter()
                .map(|d| d.key_tag().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        KeyChain::KeysetNotSigned(s) => bogus("keyset-not-signed", status_detail(&s)),
        KeyChain::Secure { .. } => {
            let keys = dv::dnskeys(&key_answer);
            let zone_keys: Vec<_> = keys
                .iter()
                .filter(|k| k.zone_key() && !k.revoke())
                .collect();
            match dv::verify_rrset(&owner, rtype, &cd.answers, &zone_keys, now) {
                SigStatus::Valid { .. } => Security::Secure {
                    by: ValidatedBy::Local,
                    zone: zone.clone(),
                },
                SigStatus::Unsigned => bogus("missing-signature", String::new()),
                other => bogus(other.kind(), status_detail(&other)),
            }
        }
    };
    done(security, evidence)
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
