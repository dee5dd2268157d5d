//! STARTTLS for the client: verification modes, the recording verifier, and what the handshake
//! negotiated.

use std::sync::{Arc, Mutex, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::{Deserialize, Serialize};

/// How the client treats the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsVerify {
    /// Fail the handshake unless the chain validates for the server name against the trusted
    /// roots (Postfix `smtp_tls_security_level = secure`; what MTA-STS `enforce` needs).
    Strict,
    /// Encrypt without authenticating (Postfix `may`, the norm for MX delivery): any certificate
    /// is accepted. The web-PKI validation is still run and its outcome recorded.
    #[default]
    Opportunistic,
    /// For probing: accept any certificate, record the chain and the validation outcome.
    /// Behaves like `Opportunistic`; named separately so intent is explicit at call sites.
    Record,
}

/// TLS settings of a client connection.
#[derive(Debug, Clone, Default)]
pub struct TlsClientConfig {
    /// Verification mode.
    pub verify: TlsVerify,
    /// Extra trusted roots (tests use a private CA), added to the web-PKI roots.
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// When true, do not trust the bundled web-PKI roots (only `extra_roots`).
    pub no_webpki_roots: bool,
}

/// Outcome of validating the server's chain for the server name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CertValidation {
    /// The chain validates against the trusted roots for the server name.
    Valid,
    /// It does not; `problem` is a stable short name (`unknown_issuer`, `expired`,
    /// `not_valid_for_name`, `not_valid_yet`, `bad_signature`, `revoked`, `bad_encoding`,
    /// `invalid_purpose`, `ca_used_as_end_entity` (a self-signed CA certificate served as the
    /// server's own), `other`), `message` what rustls said.
    Invalid {
        /// Stable short name of the problem.
        problem: String,
        /// Detail from the validator.
        message: String,
    },
    /// No certificate was validated (no TLS, or the handshake failed first).
    NotChecked,
}

impl CertValidation {
    /// True for [`CertValidation::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, CertValidation::Valid)
    }
}

/// What a successful TLS handshake negotiated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsInfo {
    /// `TLSv1.3` or `TLSv1.2`.
    pub version: String,
    /// IANA name of the cipher suite, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher: String,
    /// Key exchange group, e.g. `X25519`, when known.
    pub kx_group: Option<String>,
    /// Handshake duration in milliseconds.
    pub handshake_ms: u64,
    /// The name the certificate was checked against (SNI is sent for host names only).
    pub server_name: String,
    /// The peer's chain as sent, end-entity first (DER).
    #[serde(skip)]
    pub peer_certificates: Vec<CertificateDer<'static>>,
    /// Web-PKI validation outcome for `server_name`.
    pub validation: CertValidation,
}

fn webpki_store() -> Arc<RootCertStore> {
    static STORE: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    STORE
        .get_or_init(|| {
            Arc::new(RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            })
        })
        .clone()
}

pub(crate) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    static P: OnceLock<Arc<rustls::crypto::CryptoProvider>> = OnceLock::new();
    P.get_or_init(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .clone()
}

/// A verifier that runs web-PKI validation, records its outcome, and (except in strict mode)
/// accepts the certificate anyway. Handshake signatures are always verified.
#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    strict: bool,
    outcome: Arc<Mutex<CertValidation>>,
}

impl RecordingVerifier {
    pub(crate) fn outcome(&self) -> Arc<Mutex<CertValidation>> {
        self.outcome.clone()
    }
}

pub(crate) fn problem_name(e: &rustls::Error) -> &'static str {
    match e {
        rustls::Error::InvalidCertificate(c) => {
            match c {
                CertificateError::UnknownIssuer => "unknown_issuer",
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => "expired",
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    "not_valid_yet"
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => "not_valid_for_name",
                CertificateError::BadSignature => "bad_signature",
                CertificateError::Revoked => "revoked",
                CertificateError::BadEncoding => "bad_encoding",
                CertificateError::InvalidPurpose
                | CertificateError::InvalidPurposeContext { .. } => "invalid_purpose",
                _ => "other",
            }
        }
        _ => "other",
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let r = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        let outcome = match &r {
            Ok(_) => CertValidation::Valid,
            Err(e) => CertValidation::Invalid {
                problem: problem_name(e).to_string(),
                message: e.to_string(),
            },
        };
        if let Ok(mut o) = self.outcome.lock() {
            *o = outcome;
        }
        match r {
            Err(e) if self.strict => Err(e),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Builds a rustls client config and the verifier whose outcome it records.
pub(crate) fn client_config(
    cfg: &TlsClientConfig,
) -> Result<(Arc<rustls::ClientConfig>, Arc<Mutex<CertValidation>>), String> {
    let roots = if cfg.extra_roots.is_empty() && !cfg.no_webpki_roots {
        webpki_store()
    } else {
        let mut store = if cfg.no_webpki_roots {
            RootCertStore::empty()
        } else {
            (*webpki_store()).clone()
        };
        for c in &cfg.extra_roots {
            store
                .add(c.clone())
                .map_err(|e| format!("extra root not usable: {e}"))?;
        }
        Arc::new(store)
    };
    let inner = WebPkiServerVerifier::builder_with_provider(roots, provider())
        .build()
        .map_err(|e| format!("cannot build certificate verifier: {e}"))?;
    let verifier = Arc::new(RecordingVerifier {
        inner,
        strict: cfg.verify == TlsVerify::Strict,
        outcome: Arc::new(Mutex::new(CertValidation::NotChecked)),
    });
    let outcome = verifier.outcome();
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok((Arc::new(config), outcome))
}

pub(crate) fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        other => format!("{other:?}"),
    }
}
