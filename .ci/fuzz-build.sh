#!/usr/bin/env bash
# Builds every cargo-fuzz target (fuzz/Cargo.toml) so that CI catches fuzz targets that no
# longer compile. Only builds (debug, no long runs): run them by hand with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run <target> -- -max_total_time=600
# cargo-fuzz needs nightly flags; on the fixed stable toolchain RUSTC_BOOTSTRAP=1 enables them.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f fuzz/Cargo.toml ] || exit 0
echo "== cargo fuzz build (all targets, --dev)"
RUSTC_BOOTSTRAP=1 cargo fuzz build --dev
