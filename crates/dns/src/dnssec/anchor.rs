//! Trust anchors: the DS or DNSKEY records a validation chain starts from.
//!
//! The default set is the IANA root zone's key-signing keys, KSK-2017 (key tag 20326) and
//! KSK-2024 (key tag 38696), as the DS records published in
//! <https://data.iana.org/root-anchors/root-anchors.xml> (the same records ship in BIND's
//! `bind.keys`, OpenBSD's unwind and unbound-anchor; a unit test checks them against the root
//! keys that hickory-proto embeds). Other sets come from a file in zone-file syntax with DS
//! and/or DNSKEY records, e.g. the `K<zone>.ds` / `K<zone>.key` files of `ldns-keygen` or
//! `dnssec-keygen`, or unbound's `root.key`.

use std::fmt;
use std::path::Path;

use hickory_proto::dnssec::rdata::{DNSKEY, DS};
use hickory_proto::dnssec::{Algorithm, DigestType, PublicKeyBuf};
use hickory_proto::rr::Name;

use crate::records::name_to_string;

/// The IANA root KSK-2017 (20326) and KSK-2024 (38696), as DS records (RSASHA256, SHA-256).
pub const IANA_ROOT_DS: [&str; 2] = [
    ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
    ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
];

/// The key data of one anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorData {
    /// A DS record: trusts the zone's DNSKEY it matches.
    Ds(DS),
    /// A DNSKEY record: trusts that key directly.
    Key(DNSKEY),
}

/// One trust anchor: a zone and a DS or DNSKEY of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustAnchor {
    /// The zone (fully qualified).
    pub zone: Name,
    /// The record.
    pub data: AnchorData,
}

impl TrustAnchor {
    /// Key tag of the anchored key.
    pub fn key_tag(&self) -> u16 {
        match &self.data {
            AnchorData::Ds(d) => d.key_tag(),
            AnchorData::Key(k) => super::key_tag(k),
        }
    }
}

impl fmt::Display for TrustAnchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let zone = name_to_string(&self.zone);
        match &self.data {
            AnchorData::Ds(d) => write!(f, "{zone} DS {d}"),
            AnchorData::Key(k) => write!(f, "{zone} DNSKEY {k}"),
        }
    }
}

/// Why an anchor file was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnchorError {
    /// The file could not be read.
    #[error("reading {path}: {message}")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        message: String,
    },
    /// Not valid zone-file syntax.
    #[error("{source_name}: not a zone file of DS/DNSKEY records: {message}")]
    Syntax {
        /// Where the text came from.
        source_name: String,
        /// The parser's message.
        message: String,
    },
    /// A record of another type (only DS and DNSKEY are anchors).
    #[error("{source_name}: {owner} {rtype} is not a DS or DNSKEY record")]
    WrongType {
        /// Where the text came from.
        source_name: String,
        /// Owner of the record.
        owner: String,
        /// Its type.
        rtype: String,
    },
    /// No DS or DNSKEY record at all.
    #[error("{source_name}: no DS or DNSKEY record")]
    Empty {
        /// Where the text came from.
        source_name: String,
    },
}

/// A set of trust anchors (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustAnchors {
    anchors: Vec<TrustAnchor>,
    source: String,
}

impl Default for TrustAnchors {
    fn default() -> Self {
        Self::iana_root()
    }
}

impl TrustAnchors {
    /// The IANA root anchors ([`IANA_ROOT_DS`]).
    pub fn iana_root() -> Self {
        let text = IANA_ROOT_DS.join("\n");
        // parsing constant, unit-tested text cannot fail; an empty set would make every chain
        // "no trust anchor", never "secure"
        let mut set = Self::parse(&text, "IANA root").unwrap_or(Self {
            anchors: Vec::new(),
            source: String::new(),
        });
        set.source = "IANA root KSK-2017, KSK-2024".into();
        set
    }

    /// No anchor at all: nothing validates, every chain is insecure ("no trust anchor"). For
    /// test DNS servers that serve their own unsigned root.
    pub fn empty() -> Self {
        Self {
            anchors: Vec::new(),
            source: "none".into(),
        }
    }

    /// Parses DS and DNSKEY records in zone-file syntax: one record per line or spread over
    /// lines in parentheses, `;` comments, optional TTL and class, `$ORIGIN` for relative
    /// owners (`$TTL` and other directives ignored). `source_name` names the text in errors.
    pub fn parse(text: &str, source_name: &str) -> Result<Self, AnchorError> {
        let syntax = |line: usize, message: String| AnchorError::Syntax {
            source_name: source_name.into(),
            message: format!("line {line}: {message}"),
        };
        let mut anchors = Vec::new();
        let mut origin = Name::root();
        let mut last_owner: Option<Name> = None;
        for (line, record) in logical_records(text) {
            let mut tokens = record.split_whitespace().peekable();
            let Some(first) = tokens.peek().copied() else {
                continue;
            };
            if first.starts_with('$') {
                tokens.next();
                if first.eq_ignore_ascii_case("$ORIGIN") {
                    let o = tokens.next().unwrap_or(".");
                    origin = Name::parse(o, Some(&Name::root()))
                        .map_err(|e| syntax(line, format!("$ORIGIN {o}: {e}")))?;
                }
                continue;
            }
            let owner = if record.starts_with(char::is_whitespace) {
                last_owner
                    .clone()
                    .ok_or_else(|| syntax(line, "record without owner".into()))?
            } else {
                let o = tokens.next().unwrap_or(".");
                if o == "@" {
                    origin.clone()
                } else {
                    Name::parse(o, Some(&origin)).map_err(|e| syntax(line, format!("{o}: {e}")))?
                }
            };
            last_owner = Some(owner.clone());
            // [TTL] [CLASS] TYPE, TTL and class in either order
            let mut rtype = None;
            for t in tokens.by_ref() {
                if t.bytes().all(|b| b.is_ascii_digit()) || t.eq_ignore_ascii_case("IN") {
                    continue;
                }
                rtype = Some(t.to_ascii_uppercase());
                break;
            }
            let rtype = rtype.ok_or_else(|| syntax(line, "no record type".into()))?;
            let rdata: Vec<&str> = tokens.collect();
            let data = match rtype.as_str() {
                "DS" => AnchorData::Ds(parse_ds(&rdata).map_err(|m| syntax(line, m))?),
                "DNSKEY" => AnchorData::Key(parse_dnskey(&rdata).map_err(|m| syntax(line, m))?),
                other => {
                    return Err(AnchorError::WrongType {
                        source_name: source_name.into(),
                        owner: name_to_string(&owner),
                        rtype: other.to_string(),
                    });
                }
            };
            anchors.push(TrustAnchor { zone: owner, data });
        }
        if anchors.is_empty() {
            return Err(AnchorError::Empty {
                source_name: source_name.into(),
            });
        }
        anchors.sort_by(|a, b| a.zone.cmp(&b.zone).then(a.key_tag().cmp(&b.key_tag())));
        Ok(Self {
            anchors,
            source: source_name.into(),
        })
    }

    /// Reads and parses a file (see [`TrustAnchors::parse`]).
    pub fn from_file(path: &Path) -> Result<Self, AnchorError> {
        let text = std::fs::read_to_string(path).map_err(|e| AnchorError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Where the anchors came from (`IANA root KSK-2017, KSK-2024` or the file name).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every anchor.
    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }

    /// The deepest anchored zone that is `name` or an ancestor of it: where validation of
    /// `name` starts. `None`: no anchor covers the name (validators treat it as insecure).
    pub fn closest(&self, name: &Name) -> Option<Name> {
        self.anchors
            .iter()
            .filter(|a| a.zone.zone_of(name))
            .max_by_key(|a| a.zone.num_labels())
            .map(|a| a.zone.clone())
    }

    /// The DS and DNSKEY anchors of exactly `zone`.
    pub fn for_zone(&self, zone: &Name) -> (Vec<DS>, Vec<DNSKEY>) {
        let mut ds = Vec::new();
        let mut keys = Vec::new();
        for a in self.anchors.iter().filter(|a| a.zone == *zone) {
            match &a.data {
                AnchorData::Ds(d) => ds.push(d.clone()),
                AnchorData::Key(k) => keys.push(k.clone()),
            }
        }
        (ds, keys)
    }

    /// The anchors of `zone` in presentation form (for evidence).
    pub fn describe(&self, zone: &Name) -> Vec<String> {
        self.anchors
            .iter()
            .filter(|a| a.zone == *zone)
            .map(ToString::to_string)
            .collect()
    }
}

/// The records of a zone file: comments removed, parenthesised continuations joined; each with
/// its first line number.
fn logical_records(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut depth = 0usize;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split(';').next().unwrap_or("");
        if depth == 0 {
            start = i + 1;
            cur.clear();
        }
        for c in line.chars() {
            match c {
                '(' => {
                    depth += 1;
                    cur.push(' ');
                }
                ')' => {
                    depth = depth.saturating_sub(1);
                    cur.push(' ');
                }
                _ => cur.push(c),
            }
        }
        cur.push(' ');
        if depth == 0 && !cur.trim().is_empty() {
            out.push((start, std::mem::take(&mut cur)));
        }
    }
    if !cur.trim().is_empty() {
        out.push((start, cur));
    }
    out
}

fn num<T: std::str::FromStr>(s: Option<&&str>, what: &str) -> Result<T, String> {
    let s = s.ok_or_else(|| format!("missing {what}"))?;
    s.parse().map_err(|_| format!("bad {what} {s:?}"))
}

/// `key-tag algorithm digest-type digest-hex`.
fn parse_ds(rdata: &[&str]) -> Result<DS, String> {
    let tag: u16 = num(rdata.first(), "key tag")?;
    let alg: u8 = num(rdata.get(1), "algorithm")?;
    let dt: u8 = num(rdata.get(2), "digest type")?;
    let hex: String = rdata.get(3..).unwrap_or_default().concat();
    // hex digits only (checked first: slicing a non-ASCII character in two would panic)
    if hex.is_empty() || !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(format!("bad digest {hex:?}"));
    }
    let digest = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| format!("bad digest {hex:?}"))?;
    Ok(DS::new(
        tag,
        Algorithm::from_u8(alg),
        DigestType::from(dt),
        digest,
    ))
}

/// `flags protocol algorithm public-key-base64`.
fn parse_dnskey(rdata: &[&str]) -> Result<DNSKEY, String> {
    let flags: u16 = num(rdata.first(), "flags")?;
    let protocol: u8 = num(rdata.get(1), "protocol")?;
    if protocol != 3 {
        return Err(format!("protocol {protocol} (must be 3)"));
    }
    let alg: u8 = num(rdata.get(2), "algorithm")?;
    let b64: String = rdata.get(3..).unwrap_or_default().concat();
    let key = base64(&b64).ok_or_else(|| format!("bad public key {b64:?}"))?;
    Ok(DNSKEY::with_flags(
        flags,
        PublicKeyBuf::new(key, Algorithm::from_u8(alg)),
    ))
}

fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// True when the algorithm and digest of `ds` are ones we can check (RFC 4035 §5.2: a zone
/// whose DS records all use unsupported algorithms is treated as insecure).
pub fn ds_supported(ds: &DS) -> bool {
    let alg = ds.algorithm();
    alg.is_supported()
        && !matches!(alg, Algorithm::Unknown(_))
        && matches!(
            ds.digest_type(),
            DigestType::SHA256 | DigestType::SHA384 | DigestType::SHA1
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::dnssec::rdata::DNSKEY;

    #[test]
    fn iana_root_anchors() {
        let a = TrustAnchors::iana_root();
        assert_eq!(a.anchors().len(), 2);
        let tags: Vec<u16> = a.anchors().iter().map(TrustAnchor::key_tag).collect();
        assert_eq!(tags, [20326, 38696]);
        assert!(a.anchors().iter().all(|x| x.zone.is_root()));
        assert_eq!(
            a.closest(&Name::from_ascii("mx.example.com.").unwrap()),
            Some(Name::root())
        );
        for x in a.anchors() {
            let AnchorData::Ds(d) = &x.data else {
                panic!("DS expected")
            };
            assert_eq!(d.algorithm(), Algorithm::RSASHA256);
            assert_eq!(d.digest_type(), DigestType::SHA256);
            assert!(ds_supported(d));
        }
    }

    /// The embedded DS records match the root KSKs that hickory-proto ships (a second,
    /// independent copy of the IANA data): each DS is the SHA-256 digest of one of those keys.
    #[test]
    fn iana_root_ds_match_hickorys_root_keys() {
        let ours = TrustAnchors::iana_root();
        let theirs = hickory_proto::dnssec::TrustAnchors::default();
        assert_eq!(theirs.len(), 2);
        let mut matched = 0;
        for i in 0..theirs.len() {
            let pk = theirs.get(i).unwrap().clone();
            let key = DNSKEY::with_flags(257, pk);
            for a in ours.anchors() {
                let AnchorData::Ds(d) = &a.data else { continue };
                if d.covers(&Name::root(), &key).unwrap() {
                    assert_eq!(super::super::key_tag(&key), d.key_tag());
                    matched += 1;
                }
            }
        }
        assert_eq!(matched, 2);
    }

    #[test]
    fn parses_keygen_outputs() {
        // ldns-keygen K<zone>.ds and K<zone>.key files (as in the DNS lab), no TTL
        let ds = "good.test.\tIN\tDS\t22856 13 2 219bec64623b0dd87286de82c93ad18e519aade56732bc9b479eda31ea67a6f2\n";
        let a = TrustAnchors::parse(ds, "Kgood.test.ksk.ds").unwrap();
        assert_eq!(a.anchors().len(), 1);
        assert_eq!(a.anchors()[0].key_tag(), 22856);
        let zone = Name::from_ascii("good.test.").unwrap();
        assert_eq!(a.for_zone(&zone).0.len(), 1);
        assert_eq!(
            a.closest(&Name::from_ascii("_25._tcp.mx1.good.test.").unwrap()),
            Some(zone.clone())
        );
        assert_eq!(a.closest(&Name::from_ascii("other.test.").unwrap()), None);
        assert_eq!(TrustAnchors::empty().closest(&zone), None);
        assert_eq!(
            a.describe(&zone),
            [
                "good.test DS 22856 13 2 219BEC64623B0DD87286DE82C93AD18E519AADE56732BC9B479EDA31EA67A6F2"
            ]
        );
        let key = "good.test.\tIN\tDNSKEY\t257 3 13 MACgNU8mPzPQTXhD2xlbK3bOfVcKMf8LEMkf17kfuTKUE6e2//uTTeR44YStucUk4UzMehRlLU/FNbBl8vt3ew== ;{id = 22856 (ksk), size = 256b}\n";
        let k = TrustAnchors::parse(key, "Kgood.test.ksk.key").unwrap();
        assert_eq!(k.anchors()[0].key_tag(), 22856);
        assert!(matches!(k.anchors()[0].data, AnchorData::Key(_)));
        // unbound-anchor style, with TTL, class, comments; both records together
        let both = format!(
            "; autotrust trust anchor file\n{ds}good.test. 3600 IN {}",
            &key[14..]
        );
        assert_eq!(TrustAnchors::parse(&both, "x").unwrap().anchors().len(), 2);
        // BIND style: $ORIGIN, relative owner, parentheses over lines
        let multi = "$ORIGIN test.\n$TTL 300\ngood 3600 IN DNSKEY 257 3 13 (\n  MACgNU8mPzPQTXhD2xlbK3bOfVcKMf8LEMkf17kfuTKUE6e2//uTT\n  eR44YStucUk4UzMehRlLU/FNbBl8vt3ew== ) ; KSK\n";
        let m = TrustAnchors::parse(multi, "m").unwrap();
        assert_eq!(m.anchors()[0].zone, zone);
        assert_eq!(m.anchors()[0].key_tag(), 22856);
    }

    #[test]
    fn rejects_other_records_and_empty_files() {
        assert!(matches!(
            TrustAnchors::parse("good.test. IN A 192.0.2.1", "f"),
            Err(AnchorError::WrongType { .. })
        ));
        assert!(matches!(
            TrustAnchors::parse("; nothing\n", "f"),
            Err(AnchorError::Empty { .. })
        ));
        assert!(matches!(
            TrustAnchors::parse("good.test. IN DS 1 2", "f"),
            Err(AnchorError::Syntax { .. })
        ));
        assert!(matches!(
            TrustAnchors::parse("good.test. IN DNSKEY 257 3 13 !!!", "f"),
            Err(AnchorError::Syntax { .. })
        ));
        // a non-ASCII character in the digest, across a pair of hex digits (found by the
        // auth_records fuzz target: it panicked slicing inside the character)
        let bad = ". IN DS 20326 8 2 E06D44B80B8F1\u{FFFD}95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D";
        assert!(matches!(
            TrustAnchors::parse(bad, "f"),
            Err(AnchorError::Syntax { .. })
        ));
        assert!(matches!(
            TrustAnchors::from_file(Path::new("/nonexistent/anchor")),
            Err(AnchorError::Read { .. })
        ));
    }
}
