//! Typed records returned by the lookups, plus a presentation-format record ([`Rr`]) for evidence.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use hickory_proto::rr::{RData, Record, RecordType};
use serde::Serialize;

/// Writes a domain name the way mailway shows names: ASCII (A-labels), no trailing dot, except
/// the root which is `.`.
pub fn name_to_string(name: &hickory_proto::rr::Name) -> String {
    let s = name.to_ascii();
    if s == "." {
        return s;
    }
    s.strip_suffix('.').unwrap_or(&s).to_string()
}

/// One resource record in presentation form, e.g. `good.test. 300 IN MX 10 mx1.good.test.`:
/// what findings show as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rr {
    /// Owner name (no trailing dot).
    pub name: String,
    /// TTL in seconds.
    pub ttl: u32,
    /// Record type (`MX`, `TXT`, ...).
    #[serde(rename = "type")]
    pub rtype: String,
    /// RDATA in presentation format.
    pub data: String,
}

impl Rr {
    /// Builds the presentation form of a hickory record.
    pub fn from_record(r: &Record) -> Self {
        let data = match &r.data {
            // hickory prints TXT strings without quotes; show them as a zone file would
            RData::TXT(txt) => txt
                .txt_data
                .iter()
                .map(|s| format!("\"{}\"", escape_txt(s)))
                .collect::<Vec<_>>()
                .join(" "),
            other => other.to_string(),
        };
        Self {
            name: name_to_string(&r.name),
            ttl: r.ttl,
            rtype: r.record_type().to_string(),
            data,
        }
    }
}

impl fmt::Display for Rr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} IN {} {}",
            self.name, self.ttl, self.rtype, self.data
        )
    }
}

/// Escapes a TXT character-string for display: `"` and `\` escaped, non-printable bytes as `\DDD`.
pub fn escape_txt(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03}")),
        }
    }
    out
}

/// An MX record. The null MX (RFC 7505) is `0 .`: see [`Mx::is_null`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Mx {
    /// Preference (lower is tried first).
    pub preference: u16,
    /// Mail exchanger host name (no trailing dot; `.` for the root).
    pub exchange: String,
}

impl Mx {
    /// True for the null MX target (`.`), the RFC 7505 "this domain accepts no mail".
    pub fn is_null(&self) -> bool {
        self.exchange == "." || self.exchange.is_empty()
    }
}

impl fmt::Display for Mx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.preference, self.exchange)
    }
}

/// Whether an MX set is the RFC 7505 null MX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NullMx {
    /// No `0 .` record: an ordinary MX set.
    No,
    /// Exactly the one null MX record: the domain accepts no mail (RFC 7505 §3).
    Yes,
    /// A `.` target together with other MX records: invalid per RFC 7505 §3; senders should
    /// treat the domain as having no valid MX.
    Mixed,
}

/// Classifies an MX set (RFC 7505 §3).
pub fn null_mx(records: &[Mx]) -> NullMx {
    let nulls = records.iter().filter(|m| m.is_null()).count();
    match (nulls, records.len()) {
        (0, _) => NullMx::No,
        (1, 1) if records[0].preference == 0 => NullMx::Yes,
        (n, total) if n == total && total > 1 => NullMx::Mixed,
        (1, 1) => NullMx::Mixed,
        _ => NullMx::Mixed,
    }
}

/// A TXT record: its character-strings, and their concatenation (RFC 7208 §3.3, RFC 6376 §3.6.2.2:
/// multiple strings are joined without separator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Txt {
    /// The character-strings as received (bytes, not necessarily UTF-8).
    #[serde(skip)]
    pub strings: Vec<Vec<u8>>,
    /// The strings joined, decoded as UTF-8 with invalid bytes replaced by U+FFFD.
    pub text: String,
}

impl Txt {
    /// Builds from the raw character-strings.
    pub fn from_strings(strings: Vec<Vec<u8>>) -> Self {
        let joined: Vec<u8> = strings.concat();
        let text = String::from_utf8_lossy(&joined).into_owned();
        Self { strings, text }
    }

    /// The strings joined, as bytes.
    pub fn bytes(&self) -> Vec<u8> {
        self.strings.concat()
    }

    /// The joined text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// True when every byte is 7-bit ASCII (SPF records must be, RFC 7208 §3.1).
    pub fn is_ascii(&self) -> bool {
        self.strings.iter().all(|s| s.is_ascii())
    }
}

impl fmt::Display for Txt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A TLSA record (RFC 6698): certificate usage, selector, matching type, association data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tlsa {
    /// Certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    pub usage: u8,
    /// Selector: 0 full certificate, 1 SubjectPublicKeyInfo.
    pub selector: u8,
    /// Matching type: 0 exact, 1 SHA-256, 2 SHA-512.
    pub matching: u8,
    /// Certificate association data, lowercase hex.
    pub data: String,
}

impl fmt::Display for Tlsa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.usage, self.selector, self.matching, self.data
        )
    }
}

/// An SOA record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Soa {
    /// Primary name server (MNAME).
    pub mname: String,
    /// Responsible mailbox, as a name (RNAME).
    pub rname: String,
    /// Zone serial.
    pub serial: u32,
    /// Refresh interval (s).
    pub refresh: i32,
    /// Retry interval (s).
    pub retry: i32,
    /// Expire (s).
    pub expire: i32,
    /// Minimum / negative-caching TTL (s).
    pub minimum: u32,
}

impl fmt::Display for Soa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {} {}",
            self.mname,
            self.rname,
            self.serial,
            self.refresh,
            self.retry,
            self.expire,
            self.minimum
        )
    }
}

/// Conversion from a hickory record's data to one of our typed records.
pub trait FromRData: Sized {
    /// The record type this is.
    const TYPE: RecordType;
    /// Converts when the data is of this type.
    fn from_rdata(data: &RData) -> Option<Self>;
}

impl FromRData for Mx {
    const TYPE: RecordType = RecordType::MX;
    fn from_rdata(data: &RData) -> Option<Self> {
        match data {
            RData::MX(mx) => Some(Mx {
                preference: mx.preference,
                exchange: name_to_string(&mx.exchange),
            }),
            _ => None,
        }
    }
}

impl FromRData for Ipv4Addr {
    const TYPE: RecordType = RecordType::A;
    fn from_rdata(data: &RData) -> Option<Self> {
        match data {
            RData::A(a) => Some(a.0),
            _ => None,
        }
    }
}

impl FromRData for Ipv6Addr {
    const TYPE: RecordType = RecordType::AAAA;
    fn from_rdata(data: &RData) -> Option<Self> {
        match data {
            RData::AAAA(a) => Some(a.0),
            _ => None,
        }
    }
}

impl FromRData for Txt {
    const TYPE: RecordType = RecordType::TXT;
    fn from_rdata(data: &RData) -> Option<Self> {
        match data {
            RData::TXT(t) => Some(Txt::from_strings(
                t.txt_data.iter().map(|s| s.to_vec()).collect(),
            )),
            _ => None,
        }
    }
}

impl FromRData for Tlsa {
    const TYPE: RecordType = RecordType::TLSA;
    fn from_rdata(data: &RData) -> Option<Self> {
        match data {
            RData::TLSA(t) => Some(Tlsa {
                usage: t.cert_usage.into(),
                selector: t.selector.into(),
                matching: t.matching.into(),
                data: hex(&t.cert_data),
            }),
            _ => None,
        }
    }
}

impl FromRData for Soa {
    const TYPE: RecordType = RecordType::SOA;
    fn from_rdata(data: &RData) -> Option<Self> {
        match data {
            RData::SOA(s) => Some(Soa {
                mname: name_to_string(&s.mname),
                rname: name_to_string(&s.rname),
                serial: s.serial,
                refresh: s.refresh,
                retry: s.retry,
                expire: s.expire,
                minimum: s.minimum,
            }),
            _ => None,
        }
    }
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Extracts the target name of a CNAME, NS or PTR record.
pub(crate) fn target_name(data: &RData) -> Option<String> {
    match data {
        RData::CNAME(n) => Some(name_to_string(&n.0)),
        RData::NS(n) => Some(name_to_string(&n.0)),
        RData::PTR(n) => Some(name_to_string(&n.0)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mx(p: u16, e: &str) -> Mx {
        Mx {
            preference: p,
            exchange: e.into(),
        }
    }

    #[test]
    fn null_mx_classification() {
        assert_eq!(null_mx(&[mx(10, "mx.example")]), NullMx::No);
        assert_eq!(null_mx(&[mx(0, ".")]), NullMx::Yes);
        assert_eq!(null_mx(&[mx(0, "."), mx(10, "mx.example")]), NullMx::Mixed);
        assert_eq!(null_mx(&[mx(10, ".")]), NullMx::Mixed);
        assert_eq!(null_mx(&[]), NullMx::No);
    }

    #[test]
    fn txt_joins_strings() {
        let t = Txt::from_strings(vec![b"v=spf1 ip4:".to_vec(), b"192.0.2.5 -all".to_vec()]);
        assert_eq!(t.text(), "v=spf1 ip4:192.0.2.5 -all");
        assert!(t.is_ascii());
        assert_eq!(escape_txt(b"a\"b\x01"), "a\\\"b\\001");
    }
}
