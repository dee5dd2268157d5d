//! Authenticated denial of a DS record (RFC 4035 §5.2, RFC 5155 §8.6, RFC 6840 §4.1): when a
//! signed parent answers a DS query with no DS, the NSEC or NSEC3 records in the authority
//! section, signed by the parent's keys, must prove why. Either the name is a delegation
//! without DS (an insecure delegation: the child is provably unsigned), or an NSEC3 opt-out
//! span covers it (unsigned delegations may exist there), or the name is no zone cut at all
//! (an empty non-terminal or a name inside the parent zone). Anything else — no proof, a proof
//! whose signature does not verify, or a type bitmap that says a DS exists — is bogus.
//!
//! Pure: the records in, the verdict out. The NSEC3 hash is hickory-proto's
//! ([`Nsec3HashAlgorithm::hash`]); signatures are verified with [`super::verify_rrset`].

use hickory_proto::dnssec::Nsec3HashAlgorithm;
use hickory_proto::dnssec::rdata::{DNSKEY, DNSSECRData, NSEC, NSEC3};
use hickory_proto::rr::{Name, RData, Record, RecordType};

use super::{SigStatus, verify_rrset};
use crate::records::name_to_string;

/// NSEC3 iteration counts above this are not computed (RFC 9276 §3.2 lets validators treat
/// such zones as insecure; BIND and Unbound use 50 and 150).
pub const MAX_NSEC3_ITERATIONS: u16 = 150;

/// The record that proved a denial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenialProof {
    /// `NSEC` or `NSEC3`.
    pub rtype: &'static str,
    /// Owner name of the record (no trailing dot).
    pub owner: String,
}

/// What the authority section of a DS answer without DS proves about the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DsDenial {
    /// The name is a delegation (NS) without DS: the child zone is insecure.
    InsecureDelegation(DenialProof),
    /// An NSEC3 opt-out span covers the name (RFC 5155 §6): an unsigned delegation may be
    /// there; validators treat the child as insecure.
    OptOut(DenialProof),
    /// The name is no zone cut (no NS at it, an empty non-terminal, or it does not exist in
    /// the parent zone): the parent zone continues below it.
    NoDelegation(DenialProof),
    /// The type bitmap of the name's NSEC/NSEC3 lists DS, yet no DS was returned: bogus.
    DsExists(DenialProof),
    /// The zone's NSEC3 iteration count is above [`MAX_NSEC3_ITERATIONS`]: not computed,
    /// treated as insecure (RFC 9276 §3.2).
    TooManyIterations(u16),
    /// NSEC/NSEC3 records were there but their signatures do not verify with the parent's
    /// keys (the best status found).
    BadSignature(SigStatus),
    /// Nothing proves the absence of the DS: bogus.
    NoProof,
}

impl DsDenial {
    /// Keyword: `insecure-delegation`, `opt-out`, `no-delegation`, `ds-in-bitmap`,
    /// `nsec3-iterations`, `bad-signature`, `no-proof`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InsecureDelegation(_) => "insecure-delegation",
            Self::OptOut(_) => "opt-out",
            Self::NoDelegation(_) => "no-delegation",
            Self::DsExists(_) => "ds-in-bitmap",
            Self::TooManyIterations(_) => "nsec3-iterations",
            Self::BadSignature(_) => "bad-signature",
            Self::NoProof => "no-proof",
        }
    }

    /// The proving record, when one proved something.
    pub fn proof(&self) -> Option<&DenialProof> {
        match self {
            Self::InsecureDelegation(p)
            | Self::OptOut(p)
            | Self::NoDelegation(p)
            | Self::DsExists(p) => Some(p),
            _ => None,
        }
    }
}

/// Lowercase base32hex without padding (RFC 4648 §7), the NSEC3 owner label encoding.
pub fn base32hex(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buf = 0u64;
    let mut bits = 0u32;
    for &b in bytes {
        buf = (buf << 8) | u64::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buf >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes base32hex (either case, no padding); `None` on other characters.
pub fn base32hex_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let mut buf = 0u64;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'v' => c - b'a' + 10,
            b'A'..=b'V' => c - b'A' + 10,
            _ => return None,
        };
        buf = (buf << 5) | u64::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

fn first_label(name: &Name) -> String {
    name.iter()
        .next()
        .map(|l| String::from_utf8_lossy(l).to_ascii_lowercase())
        .unwrap_or_default()
}

/// `owner < name < next` in canonical order, with the wrap-around of the last record of a
/// zone (whose next name is the apex, i.e. not after the owner).
fn nsec_covers(owner: &Name, next: &Name, name: &Name) -> bool {
    if next > owner {
        owner < name && name < next
    } else {
        owner < name
    }
}

fn hash_covers(owner: &[u8], next: &[u8], h: &[u8]) -> bool {
    if next > owner {
        owner < h && h < next
    } else {
        owner < h || h < next
    }
}

/// Interprets the authority section of a DS query for `name` that returned no DS.
/// `keys` are the verified zone keys of the parent zone; `now` is seconds since the epoch.
pub fn deny_ds(name: &Name, authority: &[Record], keys: &[&DNSKEY], now: u32) -> DsDenial {
    // the first signature failure, reported when nothing valid proves anything
    let mut bad: Option<SigStatus> = None;
    let note_bad = |s: SigStatus, bad: &mut Option<SigStatus>| {
        if bad.is_none() {
            *bad = Some(s);
        }
    };
    // NSEC (RFC 4035 §5.4)
    for r in authority {
        let RData::DNSSEC(DNSSECRData::NSEC(nsec)) = &r.data else {
            continue;
        };
        let status = verify_rrset(&r.name, RecordType::NSEC, authority, keys, now);
        if !status.is_valid() {
            note_bad(status, &mut bad);
            continue;
        }
        if let Some(d) = nsec_says(name, &r.name, nsec) {
            return d;
        }
    }
    // NSEC3 (RFC 5155 §8.6)
    let set = match Nsec3Set::verified(authority, keys, now, &mut bad) {
        Nsec3Found::None => return bad.map_or(DsDenial::NoProof, DsDenial::BadSignature),
        Nsec3Found::TooManyIterations(i) => return DsDenial::TooManyIterations(i),
        Nsec3Found::Set(set) => set,
    };
    let proof = |owner: &Name| DenialProof {
        rtype: "NSEC3",
        owner: name_to_string(owner),
    };
    if let Some((owner, n)) = set.matching(name) {
        let has = |t| n.type_bit_maps().any(|x| x == t);
        if has(RecordType::DS) {
            return DsDenial::DsExists(proof(owner));
        }
        if !has(RecordType::SOA) {
            return if has(RecordType::NS) {
                DsDenial::InsecureDelegation(proof(owner))
            } else {
                DsDenial::NoDelegation(proof(owner))
            };
        }
        // an NSEC3 of the child's apex proves nothing about the parent's DS
    } else {
        // closest encloser proof: an ancestor that matches, and the next closer name covered
        for labels in (0..name.num_labels()).rev() {
            let ce = name.trim_to(labels as usize);
            if set.matching(&ce).is_none() {
                continue;
            }
            let next_closer = name.trim_to(labels as usize + 1);
            if let Some((owner, n)) = set.covering(&next_closer) {
                return if n.opt_out() {
                    DsDenial::OptOut(proof(owner))
                } else {
                    // the name does not exist in the parent zone: no cut there
                    DsDenial::NoDelegation(proof(owner))
                };
            }
            break;
        }
    }
    bad.map_or(DsDenial::NoProof, DsDenial::BadSignature)
}

/// What the authority section of an answer without `rtype` at `name` proves (RFC 4035 §5.4,
/// RFC 5155 §8.5–8.7): the absence must be proven by signed NSEC/NSEC3 records of the zone, or
/// a validator rejects the negative answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeDenial {
    /// The name exists (possibly as an empty non-terminal) without the type (nor a CNAME).
    NoData(DenialProof),
    /// The name does not exist, and no wildcard at its closest encloser could answer for it.
    NxDomain(DenialProof),
    /// An NSEC3 opt-out span covers the name: it may be under an unsigned delegation, so the
    /// absence is not proven (insecure).
    OptOut(DenialProof),
    /// The NSEC/NSEC3 of the name lists the type (or a CNAME), yet none was returned: bogus.
    TypeExists(DenialProof),
    /// NSEC3 iterations above [`MAX_NSEC3_ITERATIONS`]: treated as insecure.
    TooManyIterations(u16),
    /// Proof records whose signatures do not verify with the zone's keys.
    BadSignature(SigStatus),
    /// No proof: bogus.
    NoProof,
}

impl TypeDenial {
    /// Keyword: `nodata`, `nxdomain`, `opt-out`, `type-in-bitmap`, `nsec3-iterations`,
    /// `bad-signature`, `no-proof`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NoData(_) => "nodata",
            Self::NxDomain(_) => "nxdomain",
            Self::OptOut(_) => "opt-out",
            Self::TypeExists(_) => "type-in-bitmap",
            Self::TooManyIterations(_) => "nsec3-iterations",
            Self::BadSignature(_) => "bad-signature",
            Self::NoProof => "no-proof",
        }
    }

    /// True when the absence is proven.
    pub fn is_proven(&self) -> bool {
        matches!(self, Self::NoData(_) | Self::NxDomain(_))
    }
}

/// The closest encloser of `name` that an NSEC (`owner` → `next`) shows: the longest of the
/// common ancestors of `name` with `owner` and with `next`.
fn closest_encloser(name: &Name, owner: &Name, next: &Name) -> Name {
    let common = |other: &Name| {
        (0..=name.num_labels())
            .rev()
            .map(|n| name.trim_to(n as usize))
            .find(|anc| anc.zone_of(other))
            .unwrap_or_else(Name::root)
    };
    let (a, b) = (common(owner), common(next));
    if a.num_labels() >= b.num_labels() {
        a
    } else {
        b
    }
}

fn wildcard_of(ce: &Name) -> Option<Name> {
    ce.prepend_label("*").ok()
}

/// Interprets the authority section of an answer for `name`/`rtype` that had no such records.
/// `keys` are the verified zone keys of the zone that answered.
pub fn deny_type(
    name: &Name,
    rtype: RecordType,
    authority: &[Record],
    keys: &[&DNSKEY],
    now: u32,
) -> TypeDenial {
    let mut bad: Option<SigStatus> = None;
    let proof_of = |rt: &'static str, owner: &Name| DenialProof {
        rtype: rt,
        owner: name_to_string(owner),
    };
    // verified NSEC records
    let mut nsecs: Vec<(&Name, &NSEC)> = Vec::new();
    for r in authority {
        if let RData::DNSSEC(DNSSECRData::NSEC(n)) = &r.data {
            let st = verify_rrset(&r.name, RecordType::NSEC, authority, keys, now);
            if st.is_valid() {
                nsecs.push((&r.name, n));
            } else if bad.is_none() {
                bad = Some(st);
            }
        }
    }
    let lacks = |types: &hickory_proto::rr::RecordTypeSet| {
        !(types.contains(rtype) || types.contains(RecordType::CNAME))
    };
    if !nsecs.is_empty() {
        if let Some((o, n)) = nsecs.iter().find(|(o, _)| *o == name) {
            return if lacks(n.type_set()) {
                TypeDenial::NoData(proof_of("NSEC", o))
            } else {
                TypeDenial::TypeExists(proof_of("NSEC", o))
            };
        }
        if let Some((o, n)) = nsecs
            .iter()
            .find(|(o, n)| nsec_covers(o, n.next_domain_name(), name))
        {
            // an empty non-terminal: the next name is below the name
            if name.zone_of(n.next_domain_name()) {
                return TypeDenial::NoData(proof_of("NSEC", o));
            }
            let ce = closest_encloser(name, o, n.next_domain_name());
            let Some(wild) = wildcard_of(&ce) else {
                return TypeDenial::NoProof;
            };
            // no wildcard, or one without the type
            for (wo, wn) in &nsecs {
                if **wo == wild && lacks(wn.type_set()) {
                    return TypeDenial::NoData(proof_of("NSEC", wo));
                }
                if nsec_covers(wo, wn.next_domain_name(), &wild) {
                    return TypeDenial::NxDomain(proof_of("NSEC", o));
                }
            }
            return TypeDenial::NoProof;
        }
    }
    // NSEC3
    let set = match Nsec3Set::verified(authority, keys, now, &mut bad) {
        Nsec3Found::None => return bad.map_or(TypeDenial::NoProof, TypeDenial::BadSignature),
        Nsec3Found::TooManyIterations(i) => return TypeDenial::TooManyIterations(i),
        Nsec3Found::Set(set) => set,
    };
    let matching = |n: &Name| set.matching(n);
    let covering = |n: &Name| set.covering(n);
    if let Some((o, n)) = matching(name) {
        return if lacks(n.type_set()) {
            TypeDenial::NoData(proof_of("NSEC3", o))
        } else {
            TypeDenial::TypeExists(proof_of("NSEC3", o))
        };
    }
    // closest encloser proof, then the wildcard
    for labels in (0..name.num_labels()).rev() {
        let ce = name.trim_to(labels as usize);
        if matching(&ce).is_none() {
            continue;
        }
        let next_closer = name.trim_to(labels as usize + 1);
        let Some((o, n)) = covering(&next_closer) else {
            break;
        };
        if n.opt_out() {
            return TypeDenial::OptOut(proof_of("NSEC3", o));
        }
        let Some(wild) = wildcard_of(&ce) else { break };
        if let Some((wo, wn)) = matching(&wild) {
            return if lacks(wn.type_set()) {
                TypeDenial::NoData(proof_of("NSEC3", wo))
            } else {
                TypeDenial::TypeExists(proof_of("NSEC3", wo))
            };
        }
        if covering(&wild).is_some() {
            return TypeDenial::NxDomain(proof_of("NSEC3", o));
        }
        break;
    }
    bad.map_or(TypeDenial::NoProof, TypeDenial::BadSignature)
}

/// The NSEC3 records of an authority section usable for a proof: those with the first
/// record's parameters (salt, iterations, SHA-1) whose signatures verify, with their owner
/// hashes decoded.
struct Nsec3Set<'a> {
    salt: Vec<u8>,
    iterations: u16,
    valid: Vec<(&'a Name, &'a NSEC3, Vec<u8>)>,
}

enum Nsec3Found<'a> {
    /// No NSEC3 record at all.
    None,
    /// The zone's iteration count is above [`MAX_NSEC3_ITERATIONS`].
    TooManyIterations(u16),
    Set(Nsec3Set<'a>),
}

impl<'a> Nsec3Set<'a> {
    /// Collects the verified NSEC3 records; the first signature failure goes to `bad`.
    fn verified(
        authority: &'a [Record],
        keys: &[&DNSKEY],
        now: u32,
        bad: &mut Option<SigStatus>,
    ) -> Nsec3Found<'a> {
        let nsec3: Vec<(&Name, &NSEC3)> = authority
            .iter()
            .filter_map(|r| match &r.data {
                RData::DNSSEC(DNSSECRData::NSEC3(n)) => Some((&r.name, n)),
                _ => None,
            })
            .collect();
        let Some((_, first)) = nsec3.first() else {
            return Nsec3Found::None;
        };
        let (salt, iterations) = (first.salt().to_vec(), first.iterations());
        if iterations > MAX_NSEC3_ITERATIONS {
            return Nsec3Found::TooManyIterations(iterations);
        }
        let mut valid = Vec::new();
        for (owner, n) in nsec3 {
            if n.salt() != salt.as_slice()
                || n.iterations() != iterations
                || n.hash_algorithm() != Nsec3HashAlgorithm::SHA1
            {
                continue;
            }
            let status = verify_rrset(owner, RecordType::NSEC3, authority, keys, now);
            if !status.is_valid() {
                if bad.is_none() {
                    *bad = Some(status);
                }
                continue;
            }
            if let Some(h) = base32hex_decode(&first_label(owner)) {
                valid.push((owner, n, h));
            }
        }
        Nsec3Found::Set(Nsec3Set {
            salt,
            iterations,
            valid,
        })
    }

    fn hash(&self, n: &Name) -> Option<Vec<u8>> {
        Nsec3HashAlgorithm::SHA1
            .hash(&self.salt, n, self.iterations)
            .ok()
            .map(|d| d.as_ref().to_vec())
    }

    /// The record whose hashed owner is `n`'s hash. The NSEC3 records of one zone have
    /// their hashed owners right under the zone apex, so the owner's parent must enclose `n`.
    fn matching(&self, n: &Name) -> Option<(&'a Name, &'a NSEC3)> {
        let h = self.hash(n)?;
        self.valid
            .iter()
            .find(|(o, _, oh)| *oh == h && o.base_name().zone_of(n))
            .map(|(o, r, _)| (*o, *r))
    }

    /// The record whose hash span covers `n`'s hash.
    fn covering(&self, n: &Name) -> Option<(&'a Name, &'a NSEC3)> {
        let h = self.hash(n)?;
        self.valid
            .iter()
            .find(|(o, r, oh)| {
                o.base_name().zone_of(n) && hash_covers(oh, r.next_hashed_owner_name(), &h)
            })
            .map(|(o, r, _)| (*o, *r))
    }
}

/// What one verified NSEC record says about `name`, if anything.
fn nsec_says(name: &Name, owner: &Name, nsec: &NSEC) -> Option<DsDenial> {
    let has = |t| nsec.type_bit_maps().any(|x| x == t);
    let proof = || DenialProof {
        rtype: "NSEC",
        owner: name_to_string(owner),
    };
    if owner == name {
        if has(RecordType::DS) {
            return Some(DsDenial::DsExists(proof()));
        }
        if has(RecordType::SOA) {
            // the child's apex NSEC: the answer came from the wrong side of the cut
            return None;
        }
        return Some(if has(RecordType::NS) {
            DsDenial::InsecureDelegation(proof())
        } else {
            DsDenial::NoDelegation(proof())
        });
    }
    // RFC 6840 §4.1: an NSEC at a delegation above the name (NS, no SOA) proves nothing here
    if owner.zone_of(name) && has(RecordType::NS) && !has(RecordType::SOA) {
        return None;
    }
    if nsec_covers(owner, nsec.next_domain_name(), name) {
        // not in the parent zone: an empty non-terminal (the next name is below it) or a name
        // that does not exist; either way no zone cut
        return Some(DsDenial::NoDelegation(proof()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dnssec::key_tag;
    use hickory_proto::dnssec::crypto::EcdsaSigningKey;
    use hickory_proto::dnssec::rdata::RRSIG;
    use hickory_proto::dnssec::rdata::sig::SigInput;
    use hickory_proto::dnssec::{Algorithm, SigningKey, TBS};
    use hickory_proto::rr::{DNSClass, SerialNumber};

    const NOW: u32 = 1_800_000_000;

    fn n(s: &str) -> Name {
        Name::from_ascii(s).unwrap()
    }

    struct Key {
        signing: EcdsaSigningKey,
        dnskey: DNSKEY,
    }

    fn key() -> Key {
        let pkcs8 = EcdsaSigningKey::generate_pkcs8(Algorithm::ECDSAP256SHA256).unwrap();
        let signing = EcdsaSigningKey::from_pkcs8(&pkcs8, Algorithm::ECDSAP256SHA256).unwrap();
        let dnskey = DNSKEY::with_flags(256, signing.to_public_key().unwrap());
        Key { signing, dnskey }
    }

    /// `record` and its RRSIG by `by` for zone `zone`.
    fn signed(record: Record, by: &Key, zone: &str) -> Vec<Record> {
        let input = SigInput {
            type_covered: record.record_type(),
            algorithm: Algorithm::ECDSAP256SHA256,
            num_labels: record.name.num_labels(),
            original_ttl: record.ttl,
            sig_expiration: SerialNumber::new(NOW + 3600),
            sig_inception: SerialNumber::new(NOW - 3600),
            key_tag: key_tag(&by.dnskey),
            signer_name: n(zone),
        };
        let tbs =
            TBS::from_input(&record.name, DNSClass::IN, &input, [&record].into_iter()).unwrap();
        let sig = by.signing.sign(&tbs).unwrap();
        let rrsig = Record::from_rdata(
            record.name.clone(),
            record.ttl,
            RData::DNSSEC(DNSSECRData::RRSIG(RRSIG::from_sig(input, sig))),
        );
        vec![record, rrsig]
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

    const SALT: &[u8] = &[0xab, 0xcd];

    fn h(name: &str) -> Vec<u8> {
        Nsec3HashAlgorithm::SHA1
            .hash(SALT, &n(name), 1)
            .unwrap()
            .as_ref()
            .to_vec()
    }

    fn nsec3(of: &[u8], next: &[u8], opt_out: bool, types: &[RecordType]) -> Record {
        Record::from_rdata(
            n(&format!("{}.test.", base32hex(of))),
            300,
            RData::DNSSEC(DNSSECRData::NSEC3(NSEC3::new(
                Nsec3HashAlgorithm::SHA1,
                opt_out,
                1,
                SALT.to_vec(),
                next.to_vec(),
                types.iter().copied(),
            ))),
        )
    }

    #[test]
    fn base32hex_round_trip() {
        // RFC 4648 §10 test vectors (base32hex, lowercased, no padding)
        assert_eq!(base32hex(b"f"), "co");
        assert_eq!(base32hex(b"foobar"), "cpnmuoj1e8");
        assert_eq!(base32hex_decode("CPNMUOJ1E8").unwrap(), b"foobar");
        assert_eq!(base32hex_decode("cpnmuoj1e8").unwrap(), b"foobar");
        assert!(base32hex_decode("w!").is_none());
        let x: Vec<u8> = (0..20).collect();
        assert_eq!(base32hex_decode(&base32hex(&x)).unwrap(), x);
    }

    #[test]
    fn nsec_proofs() {
        let k = key();
        let keys = [&k.dnskey];
        let name = n("child.test.");
        use RecordType::*;
        // a delegation without DS
        let auth = signed(nsec("child.test.", "d.test.", &[NS]), &k, "test.");
        assert_eq!(
            deny_ds(&name, &auth, &keys, NOW),
            DsDenial::InsecureDelegation(DenialProof {
                rtype: "NSEC",
                owner: "child.test".into()
            })
        );
        // the bitmap says DS: the DS was withheld
        let auth = signed(nsec("child.test.", "d.test.", &[NS, DS]), &k, "test.");
        assert_eq!(deny_ds(&name, &auth, &keys, NOW).kind(), "ds-in-bitmap");
        // no NS: not a delegation
        let auth = signed(nsec("child.test.", "d.test.", &[A]), &k, "test.");
        assert_eq!(deny_ds(&name, &auth, &keys, NOW).kind(), "no-delegation");
        // an empty non-terminal: covered, the next name below it
        let auth = signed(nsec("a.test.", "x.child.test.", &[A]), &k, "test.");
        assert_eq!(deny_ds(&name, &auth, &keys, NOW).kind(), "no-delegation");
        // the child's own apex NSEC (SOA bit) proves nothing about the parent's DS
        let auth = signed(
            nsec("child.test.", "a.child.test.", &[SOA, NS]),
            &k,
            "child.test.",
        );
        assert_eq!(deny_ds(&name, &auth, &keys, NOW), DsDenial::NoProof);
        // an NSEC that does not cover the name
        let auth = signed(nsec("d.test.", "e.test.", &[A]), &k, "test.");
        assert_eq!(deny_ds(&name, &auth, &keys, NOW), DsDenial::NoProof);
        // signed by a key that is not the parent's; unsigned
        let other = key();
        let auth = signed(nsec("child.test.", "d.test.", &[NS]), &other, "test.");
        assert!(matches!(
            deny_ds(&name, &auth, &keys, NOW),
            DsDenial::BadSignature(SigStatus::NoKey { .. })
        ));
        let auth = vec![nsec("child.test.", "d.test.", &[NS])];
        assert_eq!(
            deny_ds(&name, &auth, &keys, NOW),
            DsDenial::BadSignature(SigStatus::Unsigned)
        );
        // nothing at all
        assert_eq!(deny_ds(&name, &[], &keys, NOW), DsDenial::NoProof);
        // RFC 6840 §4.1: an NSEC of a delegation above the name is ignored
        let deep = n("x.child.test.");
        let auth = signed(nsec("child.test.", "d.test.", &[NS]), &k, "test.");
        assert_eq!(deny_ds(&deep, &auth, &keys, NOW), DsDenial::NoProof);
    }

    #[test]
    fn type_denials_by_nsec() {
        use RecordType::*;
        let k = key();
        let keys = [&k.dnskey];
        let name = n("_25._tcp.mx.test.");
        // the name exists without TLSA
        let auth = signed(nsec("_25._tcp.mx.test.", "mx.test.", &[TXT]), &k, "test.");
        assert_eq!(deny_type(&name, TLSA, &auth, &keys, NOW).kind(), "nodata");
        // ... or with it / with a CNAME: the answer was stripped
        let auth = signed(nsec("_25._tcp.mx.test.", "mx.test.", &[TLSA]), &k, "test.");
        assert_eq!(
            deny_type(&name, TLSA, &auth, &keys, NOW).kind(),
            "type-in-bitmap"
        );
        let auth = signed(nsec("_25._tcp.mx.test.", "mx.test.", &[CNAME]), &k, "test.");
        assert_eq!(
            deny_type(&name, TLSA, &auth, &keys, NOW).kind(),
            "type-in-bitmap"
        );
        // an empty non-terminal
        let ent = n("_tcp.mx.test.");
        let auth = signed(nsec("a.test.", "_25._tcp.mx.test.", &[A]), &k, "test.");
        assert_eq!(deny_type(&ent, TLSA, &auth, &keys, NOW).kind(), "nodata");
        // does not exist: covered, and no wildcard at the closest encloser (test.)
        let absent = n("b.test.");
        let mut auth = signed(nsec("a.test.", "c.test.", &[A]), &k, "test.");
        assert_eq!(
            deny_type(&absent, TLSA, &auth, &keys, NOW),
            TypeDenial::NoProof
        );
        auth.extend(signed(nsec("test.", "a.test.", &[SOA, NS]), &k, "test."));
        assert_eq!(
            deny_type(&absent, TLSA, &auth, &keys, NOW).kind(),
            "nxdomain"
        );
        // a wildcard without TLSA answers for it: NODATA
        let auth = [
            signed(nsec("a.test.", "c.test.", &[A]), &k, "test."),
            signed(nsec("*.test.", "a.test.", &[A]), &k, "test."),
        ]
        .concat();
        assert_eq!(deny_type(&absent, TLSA, &auth, &keys, NOW).kind(), "nodata");
        // nothing, forged
        assert_eq!(deny_type(&name, TLSA, &[], &keys, NOW).kind(), "no-proof");
        let other = key();
        let auth = signed(
            nsec("_25._tcp.mx.test.", "mx.test.", &[TXT]),
            &other,
            "test.",
        );
        assert_eq!(
            deny_type(&name, TLSA, &auth, &keys, NOW).kind(),
            "bad-signature"
        );
    }

    #[test]
    fn type_denials_by_nsec3() {
        use RecordType::*;
        let k = key();
        let keys = [&k.dnskey];
        let name = n("x.test.");
        let hx = h("x.test.");
        let mut after = hx.clone();
        after[19] = after[19].wrapping_add(1);
        let auth = signed(nsec3(&hx, &after, false, &[TXT]), &k, "test.");
        assert_eq!(deny_type(&name, TLSA, &auth, &keys, NOW).kind(), "nodata");
        let auth = signed(nsec3(&hx, &after, false, &[TLSA]), &k, "test.");
        assert_eq!(
            deny_type(&name, TLSA, &auth, &keys, NOW).kind(),
            "type-in-bitmap"
        );
        // NXDOMAIN: the apex matches, x.test is covered, *.test is covered
        let ha = h("test.");
        let hw = h("*.test.");
        let mut before = hx.clone();
        before[19] = before[19].wrapping_sub(1);
        let mut wb = hw.clone();
        wb[19] = wb[19].wrapping_sub(1);
        let mut wa = hw.clone();
        wa[19] = wa[19].wrapping_add(1);
        let mut auth = signed(nsec3(&ha, &before, false, &[SOA, NS]), &k, "test.");
        auth.extend(signed(nsec3(&before, &after, false, &[]), &k, "test."));
        // without the wildcard proof: not proven
        assert_eq!(deny_type(&name, TLSA, &auth, &keys, NOW).kind(), "no-proof");
        auth.extend(signed(nsec3(&wb, &wa, false, &[]), &k, "test."));
        assert_eq!(deny_type(&name, TLSA, &auth, &keys, NOW).kind(), "nxdomain");
        // an opt-out span: not proven (insecure)
        let mut auth = signed(nsec3(&ha, &before, false, &[SOA, NS]), &k, "test.");
        auth.extend(signed(nsec3(&before, &after, true, &[]), &k, "test."));
        assert_eq!(deny_type(&name, TLSA, &auth, &keys, NOW).kind(), "opt-out");
    }

    #[test]
    fn nsec3_proofs() {
        use RecordType::*;
        let k = key();
        let keys = [&k.dnskey];
        let name = n("child.test.");
        let hc = h("child.test.");
        let mut after = hc.clone();
        after[19] = after[19].wrapping_add(1);
        // matching NSEC3 with NS, no DS
        let auth = signed(nsec3(&hc, &after, false, &[NS]), &k, "test.");
        let d = deny_ds(&name, &auth, &keys, NOW);
        assert_eq!(d.kind(), "insecure-delegation");
        assert_eq!(d.proof().unwrap().rtype, "NSEC3");
        assert_eq!(d.proof().unwrap().owner, format!("{}.test", base32hex(&hc)));
        let auth = signed(nsec3(&hc, &after, false, &[NS, DS]), &k, "test.");
        assert_eq!(deny_ds(&name, &auth, &keys, NOW).kind(), "ds-in-bitmap");
        // opt-out: the apex (closest encloser) matches, an opt-out span covers child.test
        let ha = h("test.");
        let mut before = hc.clone();
        before[19] = before[19].wrapping_sub(1);
        let mut auth = signed(nsec3(&ha, &before, false, &[SOA, NS]), &k, "test.");
        auth.extend(signed(nsec3(&before, &after, true, &[]), &k, "test."));
        assert_eq!(deny_ds(&name, &auth, &keys, NOW).kind(), "opt-out");
        // the same span without opt-out: the name does not exist in the parent
        let mut auth = signed(nsec3(&ha, &before, false, &[SOA, NS]), &k, "test.");
        auth.extend(signed(nsec3(&before, &after, false, &[]), &k, "test."));
        assert_eq!(deny_ds(&name, &auth, &keys, NOW).kind(), "no-delegation");
        // a covering record without the closest encloser: no proof
        let auth = signed(nsec3(&before, &after, true, &[]), &k, "test.");
        assert_eq!(deny_ds(&name, &auth, &keys, NOW), DsDenial::NoProof);
        // a forged record (signed by another key) does not count
        let other = key();
        let auth = signed(nsec3(&hc, &after, false, &[NS]), &other, "test.");
        assert_eq!(deny_ds(&name, &auth, &keys, NOW).kind(), "bad-signature");
        // too many iterations: not computed
        let mut rec = nsec3(&hc, &after, false, &[NS]);
        rec.data = RData::DNSSEC(DNSSECRData::NSEC3(super::NSEC3::new(
            Nsec3HashAlgorithm::SHA1,
            false,
            500,
            SALT.to_vec(),
            after.clone(),
            [NS],
        )));
        assert_eq!(
            deny_ds(&name, &signed(rec, &k, "test."), &keys, NOW),
            DsDenial::TooManyIterations(500)
        );
    }
}
