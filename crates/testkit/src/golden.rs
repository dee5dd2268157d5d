//! Golden files: compare output with an expected file beside the fixture; `MAILWAY_BLESS=1`
//! rewrites the expected file instead, and a mismatch writes `<expected>.failed` for diffing.

use std::path::Path;

/// True when golden files should be regenerated (`MAILWAY_BLESS=1`).
pub fn blessing() -> bool {
    std::env::var("MAILWAY_BLESS").is_ok_and(|v| v == "1")
}

/// Compares `actual` with the content of `expected_path`.
///
/// With `MAILWAY_BLESS=1`, writes `actual` to `expected_path` and returns `Ok`. Otherwise, on a
/// mismatch, writes `actual` to `<expected_path>.failed` and returns an error describing it.
pub fn check(expected_path: &Path, actual: &str) -> Result<(), String> {
    if blessing() {
        std::fs::write(expected_path, actual)
            .map_err(|e| format!("cannot write {}: {e}", expected_path.display()))?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(expected_path).map_err(|e| {
        format!(
            "cannot read {} ({e}); run with MAILWAY_BLESS=1 to create it",
            expected_path.display()
        )
    })?;
    let failed = expected_path.with_extension(format!(
        "{}.failed",
        expected_path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
    ));
    if expected == actual {
        let _ = std::fs::remove_file(&failed);
        Ok(())
    } else {
        let _ = std::fs::write(&failed, actual);
        Err(format!(
            "{} differs from the actual output (written to {})",
            expected_path.display(),
            failed.display()
        ))
    }
}
