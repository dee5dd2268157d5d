//! DNSSEC verification, independent of whether the resolver validates: the steps of a chain
//! of trust from a trust anchor down to an RRset.
//!
//! - [`anchor`]: trust anchors (the IANA root KSKs by default, or DS/DNSKEY records from a
//!   file) and [`verify_keyset_anchored`], the first link: a zone's DNSKEY RRset against its
//!   anchor.
//! - [`verify_keyset`]: one delegation: the parent's DS records → the zone's DNSKEY RRset
//!   (signed by a key a DS points at).
//! - [`verify_rrset`]: an RRSIG over any RRset (the parent's DS RRset, the zone's data),
//!   signed by one of the zone's keys, with validity times checked against a given `now`.
//! - [`denial`]: a DS answer without DS: the NSEC/NSEC3 proof that the child is an insecure
//!   delegation (or no zone cut at all).
//!
//! The functions are pure (records in, verdict out); walking the chain — fetching the records
//! with DO=1, CD=1, e.g. with [`crate::Resolver::query_recursive`] — is the caller's job
//! (`mailway-diag`'s `check::dnssec`). Cryptography is hickory-proto's ([`Verifier`], DS
//! digests, the NSEC3 hash).

pub mod anchor;
pub mod denial;

pub use anchor::{AnchorData, AnchorError, IANA_ROOT_DS, TrustAnchor, TrustAnchors};
pub use denial::{DenialProof, DsDenial, TypeDenial, deny_ds, deny_type};

use hickory_proto::dnssec::rdata::{DNSKEY, DNSSECRData, DS, RRSIG};
use hickory_proto::dnssec::{Algorithm, Verifier};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

/// The DNSKEY records among `records` (any owner).
pub fn dnskeys(records: &[Record]) -> Vec<DNSKEY> {
    records
        .iter()
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::DNSKEY(k)) => Some(k.clone()),
            _ => None,
        })
        .collect()
}

/// The DS records among `records`.
pub fn ds_records(records: &[Record]) -> Vec<DS> {
    records
        .iter()
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::DS(d)) => Some(d.clone()),
            _ => None,
        })
        .collect()
}

/// The RRSIGs among `records` that cover `rtype` (any owner).
pub fn rrsigs_covering(records: &[Record], rtype: RecordType) -> Vec<RRSIG> {
    records
        .iter()
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::RRSIG(s)) if s.input().type_covered == rtype => {
                Some(s.clone())
            }
            _ => None,
        })
        .collect()
}

/// The RRSIGs among `records` at `owner` that cover `rtype`.
pub fn rrsigs_at(records: &[Record], owner: &Name, rtype: RecordType) -> Vec<RRSIG> {
    records
        .iter()
        .filter(|r| r.name == *owner)
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::RRSIG(s)) if s.input().type_covered == rtype => {
                Some(s.clone())
            }
            _ => None,
        })
        .collect()
}

/// Key tag of a DNSKEY (RFC 4034 appendix B); 0 if it cannot be encoded.
pub fn key_tag(key: &DNSKEY) -> u16 {
    key.calculate_key_tag().unwrap_or(0)
}

/// The DNSKEYs of `zone` that one of the `ds` records points at (key tag, algorithm and
/// digest all match).
pub fn keys_matching_ds<'a>(zone: &Name, ds: &[DS], keys: &'a [DNSKEY]) -> Vec<&'a DNSKEY> {
    keys.iter()
        .filter(|k| {
            ds.iter().any(|d| {
                d.key_tag() == key_tag(k)
                    && d.algorithm() == k.algorithm()
                    && d.covers(zone, k).unwrap_or(false)
            })
        })
        .collect()
}

/// Why an RRset did not verify, or that it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigStatus {
    /// A signature verified with the key of this tag; it expires at `expiration`
    /// (seconds since the epoch, mod 2^32 as in the record).
    Valid {
        /// Key tag of the signing key.
        key_tag: u16,
        /// Signature expiration.
        expiration: u32,
    },
    /// No RRSIG covers the RRset.
    Unsigned,
    /// Signatures exist, but none by a key among those given.
    NoKey {
        /// Key tags the signatures name.
        key_tags: Vec<u16>,
    },
    /// The best signature has expired.
    Expired {
        /// When it expired.
        expiration: u32,
    },
    /// The best signature is not valid yet.
    NotYetValid {
        /// When it becomes valid.
        inception: u32,
    },
    /// Signatures by a known key, in their validity window, that do not verify.
    BadSignature {
        /// The verifier's error.
        detail: String,
    },
    /// The algorithm is not one we can verify (e.g. GOST, or DSA).
    UnsupportedAlgorithm(String),
}

impl SigStatus {
    /// Keyword for texts: `valid`, `unsigned`, `no-key`, `expired`, `not-yet-valid`,
    /// `bad-signature`, `unsupported-algorithm`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Valid { .. } => "valid",
            Self::Unsigned => "unsigned",
            Self::NoKey { .. } => "no-key",
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not-yet-valid",
            Self::BadSignature { .. } => "bad-signature",
            Self::UnsupportedAlgorithm(_) => "unsupported-algorithm",
        }
    }

    /// True for [`SigStatus::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, Self::Valid { .. })
    }

    fn rank(&self) -> u8 {
        match self {
            Self::Valid { .. } => 6,
            Self::BadSignature { .. } => 5,
            Self::Expired { .. } => 4,
            Self::NotYetValid { .. } => 3,
            Self::UnsupportedAlgorithm(_) => 2,
            Self::NoKey { .. } => 1,
            Self::Unsigned => 0,
        }
    }
}

/// RFC 1982 serial arithmetic: `a` is before `b`.
fn serial_lt(a: u32, b: u32) -> bool {
    a != b && (b.wrapping_sub(a) as i32) > 0
}

/// Verifies the RRset `rtype` at `name` (taken from `records`) against the RRSIGs among
/// `records`, with `keys` as the candidate signing keys and `now` as seconds since the epoch.
/// Returns the best outcome over all signatures.
pub fn verify_rrset(
    name: &Name,
    rtype: RecordType,
    records: &[Record],
    keys: &[&DNSKEY],
    now: u32,
) -> SigStatus {
    let rrset: Vec<&Record> = records
        .iter()
        .filter(|r| r.record_type() == rtype && r.name == *name)
        .collect();
    let sigs = rrsigs_at(records, name, rtype);
    if sigs.is_empty() || rrset.is_empty() {
        return SigStatus::Unsigned;
    }
    let mut best = SigStatus::NoKey {
        key_tags: sigs.iter().map(|s| s.input().key_tag).collect(),
    };
    for sig in &sigs {
        let input = sig.input();
        let candidates: Vec<&&DNSKEY> = keys
            .iter()
            .filter(|k| key_tag(k) == input.key_tag && k.algorithm() == input.algorithm)
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let status = if !input.algorithm.is_supported()
            || matches!(input.algorithm, Algorithm::Unknown(_))
        {
            SigStatus::UnsupportedAlgorithm(input.algorithm.to_string())
        } else if serial_lt(input.sig_expiration.get(), now) {
            SigStatus::Expired {
                expiration: input.sig_expiration.get(),
            }
        } else if serial_lt(now, input.sig_inception.get()) {
            SigStatus::NotYetValid {
                inception: input.sig_inception.get(),
            }
        } else {
            let mut detail = String::new();
            let mut ok = false;
            for k in candidates {
                match k.verify_rrsig(name, DNSClass::IN, sig, rrset.iter().copied()) {
                    Ok(()) => {
                        ok = true;
                        break;
                    }
                    Err(e) => detail = e.to_string(),
                }
            }
            if ok {
                SigStatus::Valid {
                    key_tag: input.key_tag,
                    expiration: input.sig_expiration.get(),
                }
            } else {
                SigStatus::BadSignature { detail }
            }
        };
        if status.rank() > best.rank() {
            best = status;
        }
        if best.is_valid() {
            break;
        }
    }
    best
}

/// Outcome of verifying a zone's DNSKEY RRset against its parent's DS records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyChain {
    /// No DS and no DNSKEY: the zone is not signed.
    Unsigned,
    /// DNSKEYs, but the parent has no DS: an island of security (validators treat it as
    /// unsigned).
    NoDs,
    /// DS at the parent, but the zone serves no DNSKEY: validators fail (SERVFAIL).
    DsWithoutKeys,
    /// DS records at the parent, none of which matches a DNSKEY of the zone: validators fail.
    DsMismatch,
    /// A DS matches a key, but the DNSKEY RRset is not validly signed by such a key.
    KeysetNotSigned(SigStatus),
    /// DS → DNSKEY verified: the zone keys (every DNSKEY of the verified RRset) can be trusted
    /// as far as the DS can.
    Secure {
        /// Key tags of the DS-matched keys that signed the key set.
        ksk_tags: Vec<u16>,
    },
}

impl KeyChain {
    /// Keyword: `unsigned`, `no-ds`, `ds-without-keys`, `ds-mismatch`, `keyset-not-signed`,
    /// `secure`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unsigned => "unsigned",
            Self::NoDs => "no-ds",
            Self::DsWithoutKeys => "ds-without-keys",
            Self::DsMismatch => "ds-mismatch",
            Self::KeysetNotSigned(_) => "keyset-not-signed",
            Self::Secure { .. } => "secure",
        }
    }
}

/// Verifies the key set of `zone`: `ds` from the parent, `dnskey_answer` the records of a
/// DNSKEY query with DO=1 (DNSKEY and RRSIG records).
pub fn verify_keyset(zone: &Name, ds: &[DS], dnskey_answer: &[Record], now: u32) -> KeyChain {
    let keys = dnskeys(dnskey_answer);
    match (ds.is_empty(), keys.is_empty()) {
        (true, true) => return KeyChain::Unsigned,
        (true, false) => return KeyChain::NoDs,
        (false, true) => return KeyChain::DsWithoutKeys,
        _ => {}
    }
    let anchors = keys_matching_ds(zone, ds, &keys);
    if anchors.is_empty() {
        return KeyChain::DsMismatch;
    }
    match verify_rrset(zone, RecordType::DNSKEY, dnskey_answer, &anchors, now) {
        SigStatus::Valid { key_tag, .. } => KeyChain::Secure {
            ksk_tags: vec![key_tag],
        },
        other => KeyChain::KeysetNotSigned(other),
    }
}

/// Verifies the key set of an anchored `zone` (the first link of a chain): the DNSKEY RRset
/// must be signed by a key that one of the anchor DS records points at, or by one of the
/// anchor DNSKEYs itself (which must be in the set). [`KeyChain::DsMismatch`] here means no
/// key of the zone matches the anchors (e.g. the anchors of another zone's signer, or a
/// rolled key).
pub fn verify_keyset_anchored(
    zone: &Name,
    anchor_ds: &[DS],
    anchor_keys: &[DNSKEY],
    dnskey_answer: &[Record],
    now: u32,
) -> KeyChain {
    let keys = dnskeys(dnskey_answer);
    if keys.is_empty() {
        return KeyChain::DsWithoutKeys;
    }
    let mut trusted = keys_matching_ds(zone, anchor_ds, &keys);
    for k in &keys {
        if anchor_keys.iter().any(|a| a == k) && !trusted.contains(&k) {
            trusted.push(k);
        }
    }
    if trusted.is_empty() {
        return KeyChain::DsMismatch;
    }
    match verify_rrset(zone, RecordType::DNSKEY, dnskey_answer, &trusted, now) {
        SigStatus::Valid { key_tag, .. } => KeyChain::Secure {
            ksk_tags: vec![key_tag],
        },
        other => KeyChain::KeysetNotSigned(other),
    }
}

/// The keys of a verified DNSKEY RRset that may sign the zone's data: zone keys, not revoked.
pub fn zone_keys(keys: &[DNSKEY]) -> Vec<&DNSKEY> {
    keys.iter()
        .filter(|k| k.zone_key() && !k.revoke())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::dnssec::crypto::EcdsaSigningKey;
    use hickory_proto::dnssec::rdata::sig::SigInput;
    use hickory_proto::dnssec::{DigestType, SigningKey, TBS};
    use hickory_proto::rr::rdata::SOA;
    use hickory_proto::rr::{RData, SerialNumber};

    const NOW: u32 = 1_800_000_000;

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

    fn zone() -> Name {
        Name::from_ascii("example.test.").unwrap()
    }

    fn ds_of(k: &Key) -> DS {
        let digest = k.dnskey.to_digest(&zone(), DigestType::SHA256).unwrap();
        DS::new(
            key_tag(&k.dnskey),
            k.dnskey.algorithm(),
            DigestType::SHA256,
            digest.as_ref().to_vec(),
        )
    }

    fn sign(records: &[Record], by: &Key, inception: u32, expiration: u32) -> Record {
        let first = &records[0];
        let input = SigInput {
            type_covered: first.record_type(),
            algorithm: Algorithm::ECDSAP256SHA256,
            num_labels: first.name.num_labels(),
            original_ttl: first.ttl,
            sig_expiration: SerialNumber::new(expiration),
            sig_inception: SerialNumber::new(inception),
            key_tag: key_tag(&by.dnskey),
            signer_name: zone(),
        };
        let tbs = TBS::from_input(&first.name, DNSClass::IN, &input, records.iter()).unwrap();
        let sig = by.signing.sign(&tbs).unwrap();
        Record::from_rdata(
            first.name.clone(),
            first.ttl,
            RData::DNSSEC(DNSSECRData::RRSIG(RRSIG::from_sig(input, sig))),
        )
    }

    fn keyset(keys: &[&Key]) -> Vec<Record> {
        keys.iter()
            .map(|k| {
                Record::from_rdata(
                    zone(),
                    300,
                    RData::DNSSEC(DNSSECRData::DNSKEY(k.dnskey.clone())),
                )
            })
            .collect()
    }

    fn soa(serial: u32) -> Record {
        let n = |s: &str| Name::from_ascii(s).unwrap();
        Record::from_rdata(
            zone(),
            300,
            RData::SOA(SOA::new(
                n("ns1.example.test."),
                n("hostmaster.example.test."),
                serial,
                3600,
                900,
                1_209_600,
                300,
            )),
        )
    }

    #[test]
    fn serial_order() {
        assert!(serial_lt(1, 2));
        assert!(!serial_lt(2, 1));
        assert!(!serial_lt(5, 5));
        // wraps around
        assert!(serial_lt(u32::MAX - 1, 3));
    }

    #[test]
    fn empty_inputs() {
        assert_eq!(verify_keyset(&zone(), &[], &[], 0), KeyChain::Unsigned);
        assert_eq!(
            verify_rrset(&zone(), RecordType::SOA, &[], &[], 0),
            SigStatus::Unsigned
        );
    }

    #[test]
    fn secure_chain_and_broken_ones() {
        let ksk = key(257);
        let zsk = key(256);
        let mut answer = keyset(&[&ksk, &zsk]);
        let sig = sign(&answer, &ksk, NOW - 3600, NOW + 86400);
        answer.push(sig);
        let ds = vec![ds_of(&ksk)];
        let chain = verify_keyset(&zone(), &ds, &answer, NOW);
        assert_eq!(
            chain,
            KeyChain::Secure {
                ksk_tags: vec![key_tag(&ksk.dnskey)]
            }
        );
        // a DS of another key: validators find no matching key
        let other = key(257);
        assert_eq!(
            verify_keyset(&zone(), &[ds_of(&other)], &answer, NOW),
            KeyChain::DsMismatch
        );
        // DS, no keys; keys, no DS
        assert_eq!(
            verify_keyset(&zone(), &ds, &[], NOW),
            KeyChain::DsWithoutKeys
        );
        assert_eq!(verify_keyset(&zone(), &[], &answer, NOW), KeyChain::NoDs);
        // key set signed only by the ZSK (DS points at the KSK)
        let mut zsk_signed = keyset(&[&ksk, &zsk]);
        let sig = sign(&zsk_signed, &zsk, NOW - 3600, NOW + 86400);
        zsk_signed.push(sig);
        assert!(matches!(
            verify_keyset(&zone(), &ds, &zsk_signed, NOW),
            KeyChain::KeysetNotSigned(SigStatus::NoKey { .. })
        ));
        // expired key set signature
        let mut old = keyset(&[&ksk, &zsk]);
        let sig = sign(&old, &ksk, NOW - 86400 * 30, NOW - 60);
        old.push(sig);
        assert_eq!(
            verify_keyset(&zone(), &ds, &old, NOW),
            KeyChain::KeysetNotSigned(SigStatus::Expired {
                expiration: NOW - 60
            })
        );
    }

    #[test]
    fn anchored_keysets() {
        let ksk = key(257);
        let zsk = key(256);
        let mut answer = keyset(&[&ksk, &zsk]);
        let sig = sign(&answer, &ksk, NOW - 3600, NOW + 86400);
        answer.push(sig);
        let secure = KeyChain::Secure {
            ksk_tags: vec![key_tag(&ksk.dnskey)],
        };
        // a DS anchor, a DNSKEY anchor
        assert_eq!(
            verify_keyset_anchored(&zone(), &[ds_of(&ksk)], &[], &answer, NOW),
            secure
        );
        assert_eq!(
            verify_keyset_anchored(
                &zone(),
                &[],
                std::slice::from_ref(&ksk.dnskey),
                &answer,
                NOW
            ),
            secure
        );
        // anchors of another key; no keys served
        let other = key(257);
        assert_eq!(
            verify_keyset_anchored(
                &zone(),
                &[ds_of(&other)],
                std::slice::from_ref(&other.dnskey),
                &answer,
                NOW
            ),
            KeyChain::DsMismatch
        );
        assert_eq!(
            verify_keyset_anchored(&zone(), &[ds_of(&ksk)], &[], &[], NOW),
            KeyChain::DsWithoutKeys
        );
        // the anchored key is in the set but did not sign it (only the ZSK did)
        let mut zsk_signed = keyset(&[&ksk, &zsk]);
        let sig = sign(&zsk_signed, &zsk, NOW - 3600, NOW + 86400);
        zsk_signed.push(sig);
        assert!(matches!(
            verify_keyset_anchored(&zone(), &[ds_of(&ksk)], &[], &zsk_signed, NOW),
            KeyChain::KeysetNotSigned(SigStatus::NoKey { .. })
        ));
        assert_eq!(zone_keys(&dnskeys(&answer)).len(), 2);
    }

    #[test]
    fn signatures_of_other_owners_are_not_used() {
        let zsk = key(256);
        let keys = [&zsk.dnskey];
        let good = vec![soa(1)];
        let sig = sign(&good, &zsk, NOW - 10, NOW + 100);
        // the RRSIG moved to another owner does not sign the SOA at the apex
        let mut moved = sig.clone();
        moved.name = Name::from_ascii("other.example.test.").unwrap();
        assert_eq!(
            verify_rrset(&zone(), RecordType::SOA, &[soa(1), moved], &keys, NOW),
            SigStatus::Unsigned
        );
    }

    #[test]
    fn rrset_signatures() {
        let zsk = key(256);
        let keys = [&zsk.dnskey];
        let good = vec![soa(1)];
        let sig = sign(&good, &zsk, NOW - 10, NOW + 100);
        let mut rs = good.clone();
        rs.push(sig.clone());
        assert_eq!(
            verify_rrset(&zone(), RecordType::SOA, &rs, &keys, NOW),
            SigStatus::Valid {
                key_tag: key_tag(&zsk.dnskey),
                expiration: NOW + 100
            }
        );
        // the data changed after signing
        let tampered = vec![soa(2), sig.clone()];
        assert_eq!(
            verify_rrset(&zone(), RecordType::SOA, &tampered, &keys, NOW).kind(),
            "bad-signature"
        );
        // not valid yet / expired
        assert_eq!(
            verify_rrset(&zone(), RecordType::SOA, &rs, &keys, NOW - 100).kind(),
            "not-yet-valid"
        );
        assert_eq!(
            verify_rrset(&zone(), RecordType::SOA, &rs, &keys, NOW + 1000).kind(),
            "expired"
        );
        // signed by a key that is not in the key set
        let other = key(256);
        assert!(matches!(
            verify_rrset(&zone(), RecordType::SOA, &rs, &[&other.dnskey], NOW),
            SigStatus::NoKey { .. }
        ));
        // no RRSIG at all
        assert_eq!(
            verify_rrset(&zone(), RecordType::SOA, &good, &keys, NOW),
            SigStatus::Unsigned
        );
    }
}
