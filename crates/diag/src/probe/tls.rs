//! TLS details of one probed address: the certificate checks and the DANE TLSA match.

use mailway_smtp::{CertValidation, CertificateInfo, TlsInfo, hex, sha256, sha512};
use serde::Serialize;

/// What the probe learnt from STARTTLS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsReport {
    /// `TLSv1.3` / `TLSv1.2`.
    pub version: String,
    /// Cipher suite.
    pub cipher: String,
    /// Key exchange group.
    pub kx_group: Option<String>,
    /// Handshake duration (ms).
    pub handshake_ms: u64,
    /// The name the certificate was checked against.
    pub server_name: String,
    /// Web-PKI chain validation for `server_name` (webpki-roots).
    pub validation: CertValidation,
    /// The chain as sent, end-entity first.
    pub chain: Vec<CertificateInfo>,
    /// Checks on the end-entity certificate.
    pub leaf: Option<LeafCheck>,
    /// DANE (RFC 7672), when TLSA records were looked up.
    pub dane: Option<DaneReport>,
}

/// Checks on the server's own certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeafCheck {
    /// The certificate names `server_name`.
    pub host_match: bool,
    /// Past `not_after`.
    pub expired: bool,
    /// Before `not_before`.
    pub not_yet_valid: bool,
    /// Days until expiry (negative when expired).
    pub days_left: i64,
    /// Subject equals issuer.
    pub self_signed: bool,
}

/// DANE TLSA verdict for one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaneReport {
    /// The TLSA owner name (`_25._tcp.mx.example.com`).
    pub name: String,
    /// The TLSA records, presentation form.
    pub records: Vec<String>,
    /// The TLSA answer is DNSSEC-validated: the resolver set the AD bit, or mailway verified
    /// the chain from the trust anchor down to the RRSIG over the TLSA RRset.
    pub dnssec_authenticated: bool,
    /// The DNSSEC status of the TLSA RRset (when records were found and validated).
    pub dnssec: Option<TlsaDnssec>,
    /// The records that matched the presented chain.
    pub matched: Vec<String>,
    /// One of `match`, `no_match`, `unusable` (only PKIX usages 0/1, which RFC 7672 §3.1.3 says
    /// SMTP clients do not use), `no_records`, `lookup_failed`.
    pub verdict: String,
    /// The lookup error, when it failed.
    pub error: Option<String>,
}

/// The DNSSEC status of a TLSA RRset, as `mailway check` establishes it (RFC 4035 §4.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsaDnssec {
    /// `secure`, `insecure`, `bogus`, `indeterminate` or `no-data`.
    pub status: String,
    /// For a secure status: `resolver` (AD bit) or `local` (mailway from the trust anchor);
    /// otherwise the reason keyword (`no-trust-anchor`, `insecure-delegation`, `expired`, ...;
    /// the `dnssec-why` reasons of `mailway check`).
    pub reason: String,
    /// The signing zone (secure), or the zone where security ends or breaks.
    pub zone: String,
    /// The trust anchor the chain starts at (a local secure status only).
    pub anchor: String,
    /// The status in words, in the report's language.
    pub why: String,
}

/// Builds the TLS report from the handshake info (certificate checks use `now`, Unix seconds).
pub fn tls_report(info: &TlsInfo, now: i64) -> TlsReport {
    let chain: Vec<CertificateInfo> = info
        .peer_certificates
        .iter()
        .filter_map(|c| CertificateInfo::from_der(c).ok())
        .collect();
    let leaf = chain.first().map(|c| LeafCheck {
        host_match: c.matches_host(&info.server_name)
            || info
                .server_name
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| c.sans.contains(&ip.to_string())),
        expired: c.is_expired(now),
        not_yet_valid: c.is_not_yet_valid(now),
        days_left: c.days_left(now),
        self_signed: c.self_signed,
    });
    TlsReport {
        version: info.version.clone(),
        cipher: info.cipher.clone(),
        kx_group: info.kx_group.clone(),
        handshake_ms: info.handshake_ms,
        server_name: info.server_name.clone(),
        validation: info.validation.clone(),
        chain,
        leaf,
        dane: None,
    }
}

/// One TLSA record's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsaRecord {
    /// Certificate usage (0..3).
    pub usage: u8,
    /// Selector (0 full certificate, 1 SPKI).
    pub selector: u8,
    /// Matching type (0 exact, 1 SHA-256, 2 SHA-512).
    pub matching: u8,
    /// Association data, lower-case hex.
    pub data: String,
}

impl std::fmt::Display for TlsaRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.usage, self.selector, self.matching, self.data
        )
    }
}

/// Does `record` match certificate `der` (whose SPKI is `spki`)? Pure.
pub fn tlsa_matches(record: &TlsaRecord, der: &[u8], spki: &[u8]) -> bool {
    let selected = match record.selector {
        0 => der,
        1 => spki,
        _ => return false,
    };
    let digest = match record.matching {
        0 => selected.to_vec(),
        1 => sha256(selected),
        2 => sha512(selected),
        _ => return false,
    };
    hex(&digest).eq_ignore_ascii_case(record.data.trim())
}

/// DANE verdict for a presented chain (DER certificates, end-entity first). Usage 3 (DANE-EE)
/// matches the end-entity certificate; usage 2 (DANE-TA) matches any certificate of the chain
/// (the path from the leaf to that trust anchor is not re-validated here). Pure.
pub fn dane_verdict(
    name: &str,
    records: &[TlsaRecord],
    authenticated: bool,
    chain: &[Vec<u8>],
) -> DaneReport {
    let infos: Vec<Option<CertificateInfo>> = chain
        .iter()
        .map(|c| CertificateInfo::from_der(c).ok())
        .collect();
    let mut matched = Vec::new();
    for r in records {
        let candidates: Vec<usize> = match r.usage {
            3 => (0..chain.len().min(1)).collect(),
            2 => (0..chain.len()).collect(),
            _ => Vec::new(),
        };
        if candidates.into_iter().any(|i| {
            infos[i]
                .as_ref()
                .is_some_and(|info| tlsa_matches(r, &chain[i], &info.spki_der))
        }) {
            matched.push(r.to_string());
        }
    }
    let usable = records.iter().any(|r| r.usage >= 2);
    let verdict = if records.is_empty() {
        "no_records"
    } else if !matched.is_empty() {
        "match"
    } else if !usable {
        "unusable"
    } else {
        "no_match"
    };
    DaneReport {
        name: name.to_string(),
        records: records.iter().map(|r| r.to_string()).collect(),
        dnssec_authenticated: authenticated,
        dnssec: None,
        matched,
        verdict: verdict.to_string(),
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dane_ee_spki_sha256() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["mx.example".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let der = cert.der().to_vec();
        let info = CertificateInfo::from_der(&der).unwrap();
        let good = TlsaRecord {
            usage: 3,
            selector: 1,
            matching: 1,
            data: info.spki_sha256.clone(),
        };
        let full = TlsaRecord {
            usage: 3,
            selector: 0,
            matching: 2,
            data: hex(&sha512(&der)),
        };
        let bad = TlsaRecord {
            data: "00".repeat(32),
            ..good.clone()
        };
        let r = dane_verdict(
            "_25._tcp.mx.example",
            &[bad.clone(), good.clone()],
            true,
            std::slice::from_ref(&der),
        );
        assert_eq!(r.verdict, "match");
        assert_eq!(r.matched, vec![good.to_string()]);
        assert_eq!(
            dane_verdict("n", &[full], false, std::slice::from_ref(&der)).verdict,
            "match"
        );
        assert_eq!(
            dane_verdict("n", &[bad], false, std::slice::from_ref(&der)).verdict,
            "no_match"
        );
        let pkix = TlsaRecord { usage: 1, ..good };
        assert_eq!(
            dane_verdict("n", &[pkix], false, &[der]).verdict,
            "unusable"
        );
        assert_eq!(dane_verdict("n", &[], false, &[]).verdict, "no_records");
    }
}
