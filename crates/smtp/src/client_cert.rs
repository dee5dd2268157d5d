//! Certificate details for reports: subject, SANs, issuer, validity, fingerprints, host-name
//! match. Pure (the current time is passed in).

use serde::{Deserialize, Serialize};
use x509_parser::extensions::GeneralName;

/// Details of one X.509 certificate, as a probe reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    /// Subject distinguished name (`CN=mx.example.com, O=...`).
    pub subject: String,
    /// The subject's common names.
    pub common_names: Vec<String>,
    /// Subject alternative names: DNS names as written, IP addresses in text form.
    pub sans: Vec<String>,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial number, hex with colons.
    pub serial: String,
    /// Start of validity, Unix seconds.
    pub not_before: i64,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    /// `not_before` as RFC 3339 UTC.
    pub not_before_utc: String,
    /// `not_after` as RFC 3339 UTC.
    pub not_after_utc: String,
    /// Subject and issuer are the same name (a self-signed or self-issued certificate).
    pub self_signed: bool,
    /// A CA certificate (basicConstraints cA).
    pub is_ca: bool,
    /// Public key algorithm (`RSA`, `EC`, `Ed25519`, or the OID).
    pub key_algorithm: String,
    /// SHA-256 of the whole certificate, hex (TLSA selector 0, matching type 1).
    pub sha256: String,
    /// SHA-256 of the SubjectPublicKeyInfo, hex (TLSA selector 1, matching type 1).
    pub spki_sha256: String,
    /// The DER SubjectPublicKeyInfo (for DANE matching).
    #[serde(skip)]
    pub spki_der: Vec<u8>,
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data)
        .as_ref()
        .to_vec()
}

/// SHA-512 of `data`.
pub fn sha512(data: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, data)
        .as_ref()
        .to_vec()
}

/// Lower-case hex of `b`.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl CertificateInfo {
    /// Parses a DER certificate. Never panics; the error says what could not be parsed.
    pub fn from_der(der: &[u8]) -> Result<Self, String> {
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| format!("not a parseable X.509 certificate: {e}"))?;
        let mut sans = Vec::new();
        if let Ok(Some(ext)) = cert.subject_alternative_name() {
            for n in &ext.value.general_names {
                match n {
                    GeneralName::DNSName(d) => sans.push(d.to_string()),
                    GeneralName::IPAddress(b) => match b.len() {
                        4 => sans.push(std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()),
                        16 => {
                            let mut a = [0u8; 16];
                            a.copy_from_slice(b);
                            sans.push(std::net::Ipv6Addr::from(a).to_string());
                        }
                        _ => {}
                    },
                    _ => {}
                }
            }
        }
        let common_names = cert
            .subject()
            .iter_common_name()
            .filter_map(|a| a.as_str().ok().map(str::to_string))
            .collect();
        let spki = cert.public_key();
        let key_algorithm = match spki.algorithm.algorithm.to_id_string().as_str() {
            "1.2.840.113549.1.1.1" => "RSA".to_string(),
            "1.2.840.10045.2.1" => "EC".to_string(),
            "1.3.101.112" => "Ed25519".to_string(),
            other => other.to_string(),
        };
        let not_before = cert.validity().not_before.timestamp();
        let not_after = cert.validity().not_after.timestamp();
        Ok(CertificateInfo {
            subject: cert.subject().to_string(),
            common_names,
            sans,
            issuer: cert.issuer().to_string(),
            serial: cert.raw_serial_as_string(),
            not_before,
            not_after,
            not_before_utc: rfc3339(not_before),
            not_after_utc: rfc3339(not_after),
            self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
            is_ca: cert.is_ca(),
            key_algorithm,
            sha256: hex(&sha256(der)),
            spki_sha256: hex(&sha256(spki.raw)),
            spki_der: spki.raw.to_vec(),
        })
    }

    /// True when `now` (Unix seconds) is after `not_after`.
    pub fn is_expired(&self, now: i64) -> bool {
        now > self.not_after
    }

    /// True when `now` is before `not_before`.
    pub fn is_not_yet_valid(&self, now: i64) -> bool {
        now < self.not_before
    }

    /// Whole days from `now` until expiry (negative once expired).
    pub fn days_left(&self, now: i64) -> i64 {
        (self.not_after - now).div_euclid(86_400)
    }

    /// True when the certificate names `host` (RFC 6125: SANs when present, else the CN; a
    /// `*.` wildcard matches exactly one left-most label; case-insensitive; trailing dot ignored).
    pub fn matches_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() {
            return false;
        }
        let names: &[String] = if self.sans.is_empty() {
            &self.common_names
        } else {
            &self.sans
        };
        names.iter().any(|n| name_matches(n, &host))
    }
}

fn name_matches(pattern: &str, host: &str) -> bool {
    let p = pattern.trim_end_matches('.').to_ascii_lowercase();
    if let Some(suffix) = p.strip_prefix("*.") {
        match host.split_once('.') {
            Some((label, rest)) => !label.is_empty() && rest == suffix && suffix.contains('.'),
            None => false,
        }
    } else {
        p == host
    }
}

/// Formats Unix seconds as RFC 3339 UTC (`2026-11-27T21:25:00Z`).
pub fn rfc3339(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_798_761_599), "2026-12-31T23:59:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn wildcards() {
        assert!(name_matches("*.example.com", "mx.example.com"));
        assert!(!name_matches("*.example.com", "a.mx.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(!name_matches("*.com", "example.com"));
        assert!(name_matches("MX.Example.com.", "mx.example.com"));
    }

    #[test]
    fn parses_rcgen_certificate() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec![
            "mx.example.com".into(),
            "*.mail.example.com".into(),
        ])
        .unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "mx.example.com");
        let cert = params.self_signed(&key).unwrap();
        let info = CertificateInfo::from_der(cert.der()).unwrap();
        assert!(info.self_signed);
        assert_eq!(info.common_names, vec!["mx.example.com"]);
        assert!(info.matches_host("mx.example.com"));
        assert!(info.matches_host("in.mail.example.com"));
        assert!(!info.matches_host("other.example.com"));
        assert_eq!(info.sha256.len(), 64);
        assert!(CertificateInfo::from_der(b"garbage").is_err());
    }
}
