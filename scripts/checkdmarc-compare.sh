#!/usr/bin/env bash
# Side by side: checkdmarc (PyPI, in a venv) and `mailway check --json` over every zone of the DNS
# lab (../shared/labs/dns, NSD on 127.0.10.53). Prints, per zone, what each tool reported (errors and
# warnings) and the total wall time of each, one process per domain for both tools.
#
# Usage: scripts/checkdmarc-compare.sh            (starts the lab if it is not running)
#   MAILWAY=target/release/mailway  binary to use (default: built with cargo build --release)
#   VENV=/tmp/mailway-checkdmarc-venv  CHECKDMARC_VERSION=6.0.4  ZONES="good.test ..."
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${MAILWAY_SHARED:-$(cd .. && pwd)/shared}"
NS=127.0.10.53
VENV="${VENV:-/tmp/mailway-checkdmarc-venv}"
CHECKDMARC_VERSION="${CHECKDMARC_VERSION:-6.0.4}"
OUT="${OUT:-/tmp/mailway-checkdmarc-compare}"
mkdir -p "$OUT"

bash .ci/setup.d/10-dns-lab.sh >/dev/null

if [ ! -x "$VENV/bin/checkdmarc" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "checkdmarc==$CHECKDMARC_VERSION" || "$VENV/bin/pip" install -q checkdmarc
fi
if [ -z "${MAILWAY:-}" ]; then
  cargo build -q --release -p mailway
  MAILWAY=target/release/mailway
fi

ZONES="${ZONES:-good.test spf-toomany.test spf-flat11.test spf-void.test spf-loop.test spf-multi.test
spf-syntax.test spf-badinclude.test spf-permissive.test dmarc-bad.test dmarc-extrua.test dmarc-nov.test
dmarc-multi.test dmarc-nop.test mx-cname.test nullmx.test nullmx-mixed.test mx-noa.test mx-ip.test
nomx.test mx-private.test dkim.test sts-bad.test soa-drift.test lame.test smtp-lab.test bl.test}"

# selectors / options a user would give for the zones that need them; the lab's own blocklist
# zones (bl.test) stand in for Spamhaus DBL / SURBL, which are not reachable from the lab
extra_args() {
  printf '%s ' --blocklist dbl.bl.test --blocklist multi.bl.test
  case "$1" in
    good.test) echo "--dkim-selector sel1" ;;
    dkim.test) echo "--dkim-selector good --dkim-selector weak --dkim-selector ed --dkim-selector revoked --dkim-selector badb64 --dkim-selector badver --dkim-selector testing --dkim-selector cname" ;;
    *) echo "" ;;
  esac
}

now() { date +%s.%N; }
t_cd=0; t_mw=0
printf '%-22s | %-60s | %s\n' zone "checkdmarc $CHECKDMARC_VERSION (errors/warnings)" "mailway (error/warning finding ids)"
for z in $ZONES; do
  s=$(now)
  "$VENV/bin/checkdmarc" -n "$NS" -t 2 -f json "$z" > "$OUT/$z.checkdmarc.json" 2>/dev/null || true
  e=$(now); t_cd=$(echo "$t_cd + $e - $s" | bc)
  s=$(now)
  # shellcheck disable=SC2046
  "$MAILWAY" check "$z" --resolver "$NS" --timeout 2 --attempts 1 --json $(extra_args "$z") > "$OUT/$z.mailway.json" 2>/dev/null || true
  e=$(now); t_mw=$(echo "$t_mw + $e - $s" | bc)
  python3 - "$OUT/$z.checkdmarc.json" "$OUT/$z.mailway.json" "$z" <<'PY'
import json, sys
cd_path, mw_path, zone = sys.argv[1:4]
def load(p):
    try:
        return json.load(open(p))
    except Exception:
        return None
cd = load(cd_path); mw = load(mw_path)
cd_items = []
if isinstance(cd, list): cd = cd[0] if cd else None
if isinstance(cd, dict):
    for k in ("mx", "spf", "dmarc", "mta_sts", "smtp_tls_reporting", "bimi", "ns", "soa"):
        v = cd.get(k) or {}
        if not isinstance(v, dict): continue
        if v.get("error"): cd_items.append(f"{k}: ERROR {str(v['error'])[:70]}")
        for w in v.get("warnings", []) or []: cd_items.append(f"{k}: warn {str(w)[:70]}")
mw_items = []
if isinstance(mw, dict):
    for f in mw.get("findings", []):
        if f["severity"] in ("error", "warning"):
            mw_items.append(f"{f['severity'][:4]} {f['id']}" + (f" [{f['subject']}]" if f.get("subject") else ""))
n = max(len(cd_items), len(mw_items), 1)
for i in range(n):
    a = cd_items[i] if i < len(cd_items) else ""
    b = mw_items[i] if i < len(mw_items) else ""
    print(f"{zone if i == 0 else '':<22} | {a[:60]:<60} | {b}")
print("-" * 23 + "+" + "-" * 62 + "+" + "-" * 40)
PY
done
echo
echo "total wall time, one process per domain ($(echo $ZONES | wc -w) domains):"
printf '  checkdmarc: %.2f s\n  mailway:    %.2f s\n  ratio:      %.1fx\n' "$t_cd" "$t_mw" "$(echo "$t_cd / $t_mw" | bc -l)"
echo "JSON outputs in $OUT"
