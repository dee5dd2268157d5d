#!/usr/bin/env bash
# Side by side: checkdmarc (PyPI, in a venv) and `mailway check --json` over every zone of the DNS
# lab (../shared/labs/dns, NSD on 127.0.10.53). Prints, per zone, what each tool reported (errors and
# warnings) and the total wall time of each, one process per domain for both tools.
#
# Usage: scripts/checkdmarc-compare.sh            (starts the lab if it is not running)
#   MAILWAY=target/release/mailway  binary to use (default: built with cargo build --release)
#   VENV=/tmp/mailway-checkdmarc-venv  CHECKDMARC_VERSION=6.0.4  ZONES="good.test ..."
#
# Last run (2026-11-28 13:28 UTC, lab on 127.0.10.53, checkdmarc 6.0.4, 27 zones, one process per
# domain, MAILWAY=target/debug/mailway; machine shared with other builds, load average ~4 on 2 cores):
#   deliberate faults of the lab README found: checkdmarc 21/43, mailway 43/43
#   (checkdmarc misses: SPF errors after the first, +all, DMARC errors after the first, v= not
#   first, missing ';', private/loopback/0.0.0.0 MX, all DKIM, bad MTA-STS id, TLSA, SOA/NS/MX
#   drift, lame NS)
#   good.test: no mailway error finding (DNSSEC chain from the lab anchor and DANE on both MX ok)
#   total wall time: checkdmarc 12.45 s, mailway 1.05 s (debug build) -> 11.8x
#   (sum of mailway's own elapsed_ms over the 27 zones: 0.65 s; median 22 ms per zone)
#   Previous run (02:05 UTC, load ~18): checkdmarc 218.35 s, mailway 10.58 s, 20.6x.
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

# the lab's DNSSEC trust anchor: its zones are signed by its own keys under an unsigned root, so
# mailway validates from the DS of good.test's key (as --trust-anchor) instead of the IANA root's
ANCHOR="${LABDIR:-/tmp/mailway-dnslab}/keys/Kgood.test.ksk.ds"
[ -f "$ANCHOR" ] || ANCHOR="$SHARED/labs/dns/keys/Kgood.test.ksk.ds"

# selectors / options a user would give for the zones that need them; the lab's own blocklist
# zones (bl.test) stand in for Spamhaus DBL / SURBL, which are not reachable from the lab
extra_args() {
  printf '%s ' --blocklist dbl.bl.test --blocklist multi.bl.test --trust-anchor "$ANCHOR"
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
# the deliberate faults of the lab (its README), and whether each tool reported each one
python3 - "$OUT" <<'PY'
import json, os, re, sys
out = sys.argv[1]
# zone, fault, regex over checkdmarc's error/warning texts, mailway finding id (+ text in the finding)
FAULTS = [
    ("spf-toomany.test", "11 DNS lookups (nested)", r"11/10", "spf.lookups-exceeded", ""),
    ("spf-flat11.test", "11 DNS lookups (flat)", r"11/10", "spf.lookups-exceeded", ""),
    ("spf-void.test", "3 void lookups", r"3/2 maximum void", "spf.void-exceeded", ""),
    ("spf-loop.test", "redirect loop", r"[Rr]edirect loop", "spf.loop", ""),
    ("spf-multi.test", "two SPF records", r"[Mm]ultiple SPF", "spf.multiple", ""),
    ("spf-syntax.test", "ip4:192.0.2.300", r"192\.0\.2\.300", "spf.syntax", "192.0.2.300"),
    ("spf-syntax.test", "unknown mechanism ip:", r"\bip:192|'ip'", "spf.syntax", "ip:192.0.2.26"),
    ("spf-syntax.test", "~al", r"~al\b", "spf.syntax", "~al"),
    ("spf-badinclude.test", "include without SPF", r"has no SPF|not have an SPF|SPF record does not exist", "spf.include-no-spf", ""),
    ("spf-permissive.test", "+all", r"\+all", "spf.all-pass", ""),
    ("spf-permissive.test", "ptr mechanism", r"\bptr\b", "spf.ptr", ""),
    ("dmarc-bad.test", "p=rejectt", r"rejectt", "dmarc.syntax", "rejectt"),
    ("dmarc-bad.test", "pct=150", r"\b150\b", "dmarc.syntax", "150"),
    ("dmarc-bad.test", "adkim=x", r"adkim", "dmarc.syntax", "adkim"),
    ("dmarc-bad.test", "unauthorised external rua", r"does not indicate that it accepts", "dmarc.external-unauthorized", ""),
    ("dmarc-extrua.test", "pct (removed in RFC 9989)", r"pct tag was removed", "dmarc.pct-removed", ""),
    ("dmarc-extrua.test", "rua to nullmx.test without authorisation", r"nullmx\.test does not indicate", "dmarc.external-unauthorized", "nullmx.test"),
    ("dmarc-nov.test", "v=DMARC1 not first", r"(must|should) (be|begin|start).*v=DMARC1|v=DMARC1.*first", "dmarc.v-not-first", ""),
    ("dmarc-multi.test", "two DMARC records", r"[Mm]ultiple DMARC", "dmarc.multiple", ""),
    ("dmarc-nop.test", "missing ';' (no policy)", r"semicolon", "dmarc.syntax", "missing-semicolon"),
    ("mx-cname.test", "MX target is a CNAME", r"CNAME", "mx.target-cname", ""),
    ("nullmx-mixed.test", "null MX mixed with MX", r"[Nn]ull MX", "mx.null-mixed", ""),
    ("mx-noa.test", "MX target without address", r"mx1\.mx-noa\.test", "mx.target-no-address", ""),
    ("mx-noa.test", "MX target NXDOMAIN", r"gone\.mx-noa\.test", "mx.target-nxdomain", ""),
    ("mx-ip.test", "MX target is an IP literal", r"192\.0\.2\.43", "mx.target-ip", ""),
    ("nomx.test", "no MX (implicit MX)", r"[No]o MX|implicit", "mx.implicit", ""),
    ("mx-private.test", "MX at 10.0.0.5 (private)", r"10\.0\.0\.5.*(private|reserved|not.*public)", "mx.address-special", "10.0.0.5"),
    ("mx-private.test", "MX at 127.0.0.1 (loopback)", r"127\.0\.0\.1.*(loopback|reserved|not.*public)", "mx.address-special", "127.0.0.1"),
    ("mx-private.test", "MX at 0.0.0.0", r"0\.0\.0\.0.*(unspecified|reserved|not.*public)", "mx.address-special", "0.0.0.0"),
    ("dkim.test", "DKIM RSA 1024", r"DKIM", "dkim.rsa-1024", ""),
    ("dkim.test", "DKIM revoked", r"DKIM", "dkim.revoked", ""),
    ("dkim.test", "DKIM bad base64", r"DKIM", "dkim.syntax", "bad-base64"),
    ("dkim.test", "DKIM bad version", r"DKIM", "dkim.syntax", "bad-version"),
    ("dkim.test", "DKIM testing mode", r"DKIM", "dkim.testing", ""),
    ("sts-bad.test", "two MTA-STS records", r"[Mm]ultiple MTA-STS", "mta-sts.multiple", ""),
    ("sts-bad.test", "bad MTA-STS id", r"\bid\b", "mta-sts.txt-syntax", "bad-id"),
    ("sts-bad.test", "TLS-RPT rua http:", r"not a valid SMTP TLS Reporting URI", "tls-rpt.syntax", ""),
    ("sts-bad.test", "BIMI l= over http:", r"l tag value must be empty or a single HTTPS", "bimi.syntax", ""),
    ("sts-bad.test", "bad TLSA record", r"TLSA", "dane.tlsa-invalid", ""),
    ("soa-drift.test", "SOA serials differ", r"serial", "ns.serial-mismatch", ""),
    ("soa-drift.test", "NS sets differ", r"NS (set|record)s? (differ|mismatch)", "ns.nsset-mismatch", ""),
    ("soa-drift.test", "MX differs between servers", r"MX.*(differ|mismatch)", "ns.data-mismatch", ""),
    ("lame.test", "lame name server (REFUSED)", r"[Ll]ame|REFUSED", "ns.lame", ""),
]
def texts_cd(zone):
    try:
        d = json.load(open(os.path.join(out, f"{zone}.checkdmarc.json")))
    except Exception:
        return ""
    if isinstance(d, list): d = d[0] if d else {}
    items = []
    for k, v in d.items():
        if not isinstance(v, dict): continue
        if v.get("error"): items.append(str(v["error"]))
        items += [str(w) for w in (v.get("warnings") or [])]
    return "\n".join(items)
def found_mw(zone, fid, text):
    try:
        d = json.load(open(os.path.join(out, f"{zone}.mailway.json")))
    except Exception:
        return False
    return any(f["id"] == fid and f["severity"] in ("warning", "error") and text in json.dumps(f, ensure_ascii=False)
               for f in d.get("findings", []))
n_cd = n_mw = 0
print(f"{'deliberate fault (lab README)':<58} checkdmarc  mailway")
for zone, fault, rx, fid, text in FAULTS:
    a = bool(re.search(rx, texts_cd(zone)))
    b = found_mw(zone, fid, text)
    n_cd += a; n_mw += b
    print(f"{zone + ': ' + fault:<58} {'found' if a else '-':<10}  {'found' if b else 'MISSED'}")
print(f"deliberate faults found: checkdmarc {n_cd}/{len(FAULTS)}, mailway {n_mw}/{len(FAULTS)}")
try:
    g = json.load(open(os.path.join(out, "good.test.mailway.json")))
    errs = [f["id"] for f in g["findings"] if f["severity"] == "error"]
    print(f"good.test: mailway error findings: {errs or 'none'}")
except Exception:
    pass
PY
echo
echo "total wall time, one process per domain ($(echo $ZONES | wc -w) domains):"
printf '  checkdmarc: %.2f s\n  mailway:    %.2f s\n  ratio:      %.1fx\n' "$t_cd" "$t_mw" "$(echo "$t_cd / $t_mw" | bc -l)"
echo "JSON outputs in $OUT"
