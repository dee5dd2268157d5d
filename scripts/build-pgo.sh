#!/usr/bin/env bash
# Builds the fastest `mailway` binary: the `dist` profile (fat LTO, one codegen unit) with
# profile-guided optimisation, trained on bounce analysis.
#
#   scripts/build-pgo.sh [OUT]        (default OUT: target/pgo/mailway)
#
# Steps: an instrumented build (target/pgo-gen), `mailway bounce` over the training messages
# (the repo's own sample bounces and test fixtures, plus the shared corpus's maildir/dos,
# maildir/mac, maildir/err, mailbox/ and the Postfix lab DSNs when ../shared is there; NOT
# maildir/bsd, which bench/bounce-vs-sisimai.sh measures), `llvm-profdata merge`, and the
# optimised build (target/pgo-use). Needs rustup's llvm-tools component (installed here if
# missing). Each build is a full one: ~10-30 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-target/pgo/mailway}"
SHARED="${MAILWAY_SHARED:-$(cd .. && pwd)/shared}"
DATA="$PWD/target/pgo-data"

sysroot=$(rustc --print sysroot)
host=$(rustc -vV | sed -n 's/^host: //p')
PROFDATA="$sysroot/lib/rustlib/$host/bin/llvm-profdata"
if [ ! -x "$PROFDATA" ]; then
  echo "== installing rustup component llvm-tools (llvm-profdata)"
  rustup component add llvm-tools
fi

echo "== instrumented build (dist profile)"
rm -rf "$DATA"; mkdir -p "$DATA"
RUSTFLAGS="-Cprofile-generate=$DATA" cargo build --profile dist -q -p mailway --target-dir target/pgo-gen

echo "== training run"
train=(examples/bounces crates/bounce/tests/fixtures)
for d in maildir/dos maildir/mac maildir/err mailbox; do
  [ -d "$SHARED/corpus/bounces/files/$d" ] && train+=("$SHARED/corpus/bounces/files/$d")
done
[ -d "$SHARED/corpus/bounces/postfix-lab" ] && train+=("$SHARED/corpus/bounces/postfix-lab")
for _ in 1 2 3; do
  target/pgo-gen/dist/mailway bounce --json -j 1 "${train[@]}" > /dev/null 2>&1 || true
  target/pgo-gen/dist/mailway bounce -j 1 "${train[@]}" > /dev/null 2>&1 || true
done
"$PROFDATA" merge -o "$DATA/merged.profdata" "$DATA"/*.profraw

echo "== optimised build"
RUSTFLAGS="-Cprofile-use=$DATA/merged.profdata" \
  cargo build --profile dist -q -p mailway --target-dir target/pgo-use
mkdir -p "$(dirname "$OUT")"
cp target/pgo-use/dist/mailway "$OUT"
echo "built $OUT"
