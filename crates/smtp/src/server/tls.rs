//! TLS for the server side: load a configured certificate and key (PEM), or generate a
//! self-signed certificate on first start and keep it for the next starts.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// File name of the generated certificate inside the state directory.
pub const SELF_SIGNED_CERT: &str = "tls-selfsigned-cert.pem";
/// File name of the generated private key inside the state directory (mode 0600).
pub const SELF_SIGNED_KEY: &str = "tls-selfsigned-key.pem";

/// Why TLS could not be set up. Every variant names the file involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A certificate or key file could not be read or parsed.
    #[error("cannot read {what} from {path}: {reason}")]
    Read {
        /// `certificate` or `private key`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The generated certificate could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Certificate generation failed.
    #[error("cannot generate a self-signed certificate: {0}")]
    Generate(String),
    /// rustls refused the certificate/key pair.
    #[error("certificate {cert} and key {key} do not form a usable pair: {reason}")]
    Config {
        /// Certificate file.
        cert: PathBuf,
        /// Key file.
        key: PathBuf,
        /// rustls' reason.
        reason: String,
    },
}

/// Loads a PEM certificate chain and private key into a rustls server configuration.
pub fn load_server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| TlsError::Read {
            what: "certificate",
            path: cert.to_path_buf(),
            reason: e.to_string(),
        })?
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::Read {
            what: "certificate",
            path: cert.to_path_buf(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Read {
            what: "certificate",
            path: cert.to_path_buf(),
            reason: "no PEM certificate found".into(),
        });
    }
    let pkey = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Read {
        what: "private key",
        path: key.to_path_buf(),
        reason: e.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, pkey))
        .map_err(|e| TlsError::Config {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            reason: e.to_string(),
        })?;
    Ok(Arc::new(config))
}

/// Returns the paths of a self-signed certificate and key for `hostname` in `dir`, generating
/// them (key file mode 0600) when they do not exist yet. Existing files are reused, so the
/// certificate stays the same across restarts.
pub fn ensure_self_signed(dir: &Path, hostname: &str) -> Result<(PathBuf, PathBuf), TlsError> {
    let cert_path = dir.join(SELF_SIGNED_CERT);
    let key_path = dir.join(SELF_SIGNED_KEY);
    if cert_path.exists() && key_path.exists() {
        return Ok((cert_path, key_path));
    }
    std::fs::create_dir_all(dir).map_err(|e| TlsError::Write {
        path: dir.to_path_buf(),
        source: e,
    })?;
    let mut names = vec![hostname.to_string()];
    if hostname != "localhost" {
        names.push("localhost".into());
    }
    let ck =
        rcgen::generate_simple_self_signed(names).map_err(|e| TlsError::Generate(e.to_string()))?;
    write_private(&key_path, ck.signing_key.serialize_pem().as_bytes())?;
    write_file(&cert_path, ck.cert.pem().as_bytes(), 0o644)?;
    Ok((cert_path, key_path))
}

fn write_private(path: &Path, data: &[u8]) -> Result<(), TlsError> {
    write_file(path, data, 0o600)
}

fn write_file(path: &Path, data: &[u8], mode: u32) -> Result<(), TlsError> {
    let tmp = path.with_extension("tmp");
    let werr = |e| TlsError::Write {
        path: path.to_path_buf(),
        source: e,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts.open(&tmp).map_err(werr)?;
    f.write_all(data).map_err(werr)?;
    f.sync_all().map_err(werr)?;
    std::fs::rename(&tmp, path).map_err(werr)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_and_loads() {
        let dir = std::env::temp_dir().join(format!("mailway-tls-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (c, k) = ensure_self_signed(&dir, "mx.example.test").unwrap();
        let first = std::fs::read(&c).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&k).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (c2, _) = ensure_self_signed(&dir, "mx.example.test").unwrap();
        assert_eq!(std::fs::read(c2).unwrap(), first, "certificate is reused");
        load_server_config(&c, &k).unwrap();
        // a wrong file gives an error naming it
        let err = load_server_config(&k, &k).unwrap_err().to_string();
        assert!(err.contains(SELF_SIGNED_KEY), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
