//! Locating the read-only `../shared` folder (corpus, logs, labs) that CI always provides.
//!
//! Tests that read it call [`shared_dir`] and return early when it yields `None`. Under CI
//! (`CI=true`) a missing folder is a test failure, never a silent skip.

use std::path::PathBuf;

/// The `shared` folder: `$MAILWAY_SHARED` if set, else `<workspace>/../shared`.
///
/// Returns `None` (after printing why) when absent outside CI; panics when absent under `CI=true`.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("MAILWAY_SHARED") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    if dir.is_dir() {
        return Some(dir.canonicalize().unwrap_or(dir));
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "shared test data not found at {} (required under CI=true)",
            dir.display()
        );
    }
    eprintln!("skipping: shared test data not found at {}", dir.display());
    None
}

/// A path inside the shared folder, or `None` as for [`shared_dir`].
pub fn shared_path(rel: &str) -> Option<PathBuf> {
    shared_dir().map(|d| d.join(rel))
}

/// The trust anchor of the DNS lab (`labs/dns`): the DS record of its good.test key-signing
/// key, `keys/Kgood.test.ksk.ds`. The lab's zones are signed by its own keys and its root
/// zone is unsigned, so DNSSEC checks against it need this anchor instead of the IANA root's.
/// Taken from the running copy when the lab runs from one (`$LABDIR`, default
/// `/tmp/mailway-dnslab`, see the lab's start.sh), else from the shared folder.
pub fn dns_lab_trust_anchor() -> Option<PathBuf> {
    let rel = "keys/Kgood.test.ksk.ds";
    let copy =
        PathBuf::from(std::env::var_os("LABDIR").unwrap_or_else(|| "/tmp/mailway-dnslab".into()))
            .join(rel);
    if copy.is_file() {
        return Some(copy);
    }
    shared_path("labs/dns").map(|d| d.join(rel))
}
