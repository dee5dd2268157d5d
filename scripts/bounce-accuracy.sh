#!/usr/bin/env bash
# Agreement of `mailway bounce` with the shared bounce corpus: Sisimai's expected table
# (reason, status, reply code, hard bounce per file and recipient index) and Sisimai 5.3.0's
# recipients. Usage: scripts/bounce-accuracy.sh [CORPUS_DIR] [-v]
#   CORPUS_DIR defaults to $MAILWAY_SHARED/corpus/bounces, else ../shared/corpus/bounces.
#   -v lists every disagreement.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --quiet --release -p mailway-bounce --example bounce_accuracy -- "$@"
