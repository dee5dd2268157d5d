#!/usr/bin/env bash
# Starts the shared DNS lab (../shared/labs/dns: NSD on 127.0.10.53 and 127.0.10.54, SMTP fixture on
# 127.0.10.25-28) used by crates/diag/tests/lab.rs and scripts/checkdmarc-compare.sh.
# Installs nothing: nsd, ldnsutils, bind9-dnsutils and python3 come from .ci/apt-packages.txt.
# The lab is one shared instance: start it only when it does not answer, never stop it.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED="${MAILWAY_SHARED:-$(cd .. && pwd)/shared}"
LAB="$SHARED/labs/dns"
up() { dig +short +time=1 +tries=1 @127.0.10.53 good.test SOA 2>/dev/null | grep -q .; }
if up; then
  echo "DNS lab already running on 127.0.10.53"
  exit 0
fi
if [ ! -f "$LAB/start.sh" ]; then
  echo "DNS lab not found at $LAB" >&2
  exit 1
fi
sh "$LAB/start.sh"
for _ in 1 2 3 4 5; do up && { echo "DNS lab up"; exit 0; }; sleep 1; done
echo "the DNS lab did not start (see /tmp/mailway-dnslab/run/*.log)" >&2
exit 1
