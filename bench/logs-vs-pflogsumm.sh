#!/usr/bin/env bash
# Benchmark: `mailway logs summary` against Debian's pflogsumm on a ~1.4 GB, ~10 M-line Postfix
# log made by ../shared/logs/gen-postfix-log.py (generated once, cached outside the repository).
#
# Prints wall time, MB/s, lines/s and peak RSS of both, the ratios, and checks the targets:
#   throughput >= 40x pflogsumm's, peak memory <= 1/5 of pflogsumm's, memory bounded by messages
#   in flight (half the log must not need half the memory), and .gz input limited by
#   decompression (mailway on .gz vs mailway only reading and decompressing the same .gz).
#
# pflogsumm takes minutes (tens of minutes on a loaded machine): its output and time are cached
# beside the log (pflogsumm-10M.out / .time) and reused when present; RERUN_PFLOGSUMM=1 measures
# it again. pflogsumm is single-threaded, so its CPU time is its wall time on an idle machine: the
# throughput ratio is computed from pflogsumm's CPU seconds (a measurement taken while other jobs
# ran keeps its meaning), against mailway's wall time (it uses every core) and CPU time.
#
# Environment: MAILWAY_BENCH_CACHE (default /work/bench-cache), MAILWAY_SHARED (default ../shared),
# RUNS (mailway runs per input, best taken; default 3), RERUN_PFLOGSUMM=1, MAILWAY_BIN (a
# mailway binary to measure instead of building target/release/mailway).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${MAILWAY_BENCH_CACHE:-/work/bench-cache}
SHARED=${MAILWAY_SHARED:-$(cd .. && pwd)/shared}
RUNS=${RUNS:-3}
LOG=$CACHE/postfix-10M.log
GZ=$CACHE/postfix-10M.log.gz
HALF=$CACHE/postfix-5M.log
mkdir -p "$CACHE"

command -v pflogsumm >/dev/null || { echo "pflogsumm is not installed (apt-get install pflogsumm)"; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is not installed (apt-get install time)"; exit 2; }

if [ ! -s "$LOG" ]; then
  echo "== generating $LOG (once; a few minutes)"
  python3 "$SHARED/logs/gen-postfix-log.py" --lines 10000000 --seed 1 --out "$LOG.tmp"
  mv "$LOG.tmp" "$LOG"
fi
if [ ! -s "$GZ" ]; then
  echo "== compressing $GZ (once)"
  gzip -6 -c "$LOG" > "$GZ.tmp" && mv "$GZ.tmp" "$GZ"
fi
if [ ! -s "$HALF" ]; then
  head -n 5000000 "$LOG" > "$HALF.tmp" && mv "$HALF.tmp" "$HALF"
fi

if [ -n "${MAILWAY_BIN:-}" ]; then
  BIN=$MAILWAY_BIN
  echo "== using $BIN (MAILWAY_BIN)"
else
  echo "== building mailway (release)"
  cargo build --release -q -p mailway
  BIN=target/release/mailway
fi

BYTES=$(stat -c %s "$LOG")
LINES=$(wc -l < "$LOG")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# measure NAME CMD...: runs under /usr/bin/time; sets WALL USER SYS RSS_KB
# (`mailway logs summary` exits 1 when messages expired or are close to expiry: not a failure)
measure() {
  local name=$1 rc=0; shift
  /usr/bin/time -f "%e %U %S %M" -o "$TMP/$name.time" "$@" > "$TMP/$name.out" 2> "$TMP/$name.err" || rc=$?
  if [ "$rc" -gt 1 ] || { [ "$rc" = 1 ] && [ "$1" != "$BIN" ]; }; then
    echo "$name failed (exit $rc):"; cat "$TMP/$name.err"; exit 1
  fi
  read -r WALL USER SYS RSS_KB < <(tail -n 1 "$TMP/$name.time")
}

best() { # NAME RUNS CMD...: best wall of RUNS runs; sets WALL USER SYS RSS_KB of the best
  local name=$1 runs=$2; shift 2
  local bw="" bu="" bs="" br=""
  for _ in $(seq "$runs"); do
    measure "$name" "$@"
    if [ -z "$bw" ] || awk "BEGIN{exit !($WALL < $bw)}"; then bw=$WALL; bu=$USER; bs=$SYS; br=$RSS_KB; fi
  done
  WALL=$bw USER=$bu SYS=$bs RSS_KB=$br
}

# read_time FILE: "wall user sys rss_kb" from a /usr/bin/time output, short ("%e %U %S %M") or
# verbose (-v) form
read_time() {
  awk '
    /Elapsed \(wall clock\)/ { n = split($NF, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
    /User time \(seconds\)/ { u = $NF }
    /System time \(seconds\)/ { s = $NF }
    /Maximum resident set size/ { r = $NF }
    NF == 4 && $1 ~ /^[0-9.]+$/ && $4 ~ /^[0-9]+$/ { w = $1; u = $2; s = $3; r = $4 }
    END { if (r == "") exit 1; print w, u, s, r }' "$1"
}

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
if [ "${RERUN_PFLOGSUMM:-0}" != 1 ] && [ -s "$CACHE/pflogsumm-10M.out" ] \
  && [ "$CACHE/pflogsumm-10M.out" -nt "$LOG" ] && read_time "$CACHE/pflogsumm-10M.time" > "$TMP/p.time"; then
  read -r P_WALL P_USER P_SYS P_RSS < "$TMP/p.time"
  cp "$CACHE/pflogsumm-10M.out" "$TMP/pflogsumm.out"
  echo "== pflogsumm: reusing the cached measurement ($CACHE/pflogsumm-10M.time; RERUN_PFLOGSUMM=1 to measure again)"
else
  echo "== pflogsumm (one run, several minutes)"
  measure pflogsumm pflogsumm "$LOG"
  P_WALL=$WALL P_USER=$USER P_SYS=$SYS P_RSS=$RSS_KB
  printf '%s %s %s %s\n' "$P_WALL" "$P_USER" "$P_SYS" "$P_RSS" > "$CACHE/pflogsumm-10M.time"
  cp "$TMP/pflogsumm.out" "$CACHE/pflogsumm-10M.out"
fi

echo "== mailway logs summary, best of $RUNS"
best mailway "$RUNS" "$BIN" logs summary --json --tz UTC --no-progress "$LOG"
M_WALL=$WALL M_USER=$USER M_SYS=$SYS M_RSS=$RSS_KB
cp "$TMP/mailway.out" "$TMP/mailway.json"
best half "$RUNS" "$BIN" logs summary --json --tz UTC --no-progress "$HALF"
H_RSS=$RSS_KB
best gz "$RUNS" "$BIN" logs summary --json --tz UTC --no-progress "$GZ"
G_WALL=$WALL G_RSS=$RSS_KB G_CPU=$(awk "BEGIN{print $USER+$SYS}")
best gzread "$RUNS" "$BIN" logs summary --read-only --json --tz UTC --no-progress "$GZ"
GR_WALL=$WALL
best zcat "$RUNS" gzip -dc "$GZ"
Z_WALL=$WALL

mb() { awk "BEGIN{printf \"%.1f\", $BYTES/1e6/$1}"; }
ls_() { awk "BEGIN{printf \"%.0f\", $LINES/$1}"; }
mbytes() { awk "BEGIN{printf \"%.1f\", $1/1024}"; }

echo
echo "input: $LOG ($(awk "BEGIN{printf \"%.2f\", $BYTES/1e9}") GB, $LINES lines); $(nproc) cores; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %9s %9s %11s %13s %10s\n' tool "wall s" "cpu s" "MB/s" "lines/s" "peak RSS MB"
printf '%-34s %9s %9s %11s %13s %10s\n' "pflogsumm (Debian)" "$P_WALL" "$(awk "BEGIN{print $P_USER+$P_SYS}")" "$(mb "$P_WALL")" "$(ls_ "$P_WALL")" "$(mbytes "$P_RSS")"
printf '%-34s %9s %9s %11s %13s %10s\n' "pflogsumm, per CPU second" "-" "-" "$(mb "$(awk "BEGIN{print $P_USER+$P_SYS}")")" "$(ls_ "$(awk "BEGIN{print $P_USER+$P_SYS}")")" "-"
printf '%-34s %9s %9s %11s %13s %10s\n' "mailway logs summary" "$M_WALL" "$(awk "BEGIN{print $M_USER+$M_SYS}")" "$(mb "$M_WALL")" "$(ls_ "$M_WALL")" "$(mbytes "$M_RSS")"
printf '%-34s %9s %9s %11s %13s %10s\n' "mailway, first half of the log" "-" "-" "-" "-" "$(mbytes "$H_RSS")"
printf '%-34s %9s %9s %11s %13s %10s\n' "mailway on .gz" "$G_WALL" "$G_CPU" "$(mb "$G_WALL")" "$(ls_ "$G_WALL")" "$(mbytes "$G_RSS")"
printf '%-34s %9s %9s %11s\n' "mailway .gz read+decompress only" "$GR_WALL" "-" "$(mb "$GR_WALL")"
printf '%-34s %9s %9s %11s\n' "zcat (gzip -dc, reference)" "$Z_WALL" "-" "$(mb "$Z_WALL")"
echo "(MB/s of .gz rows: uncompressed bytes per second; $(awk "BEGIN{printf \"%.0f\", $(stat -c %s "$GZ")/1e6}") MB compressed)"

P_CPU=$(awk "BEGIN{print $P_USER+$P_SYS}")
SPEEDUP=$(awk "BEGIN{printf \"%.1f\", $P_CPU/$M_WALL}")
CPU_SPEEDUP=$(awk "BEGIN{printf \"%.1f\", ($P_USER+$P_SYS)/($M_USER+$M_SYS)}")
MEM=$(awk "BEGIN{printf \"%.3f\", $M_RSS/$P_RSS}")
HALFMEM=$(awk "BEGIN{printf \"%.2f\", $H_RSS/$M_RSS}")
GZR=$(awk "BEGIN{printf \"%.2f\", $G_WALL/$GR_WALL}")
echo
echo "throughput ratio:         ${SPEEDUP}x pflogsumm   (mailway wall vs pflogsumm's single-core time; target >= 40x)   $(awk "BEGIN{print ($SPEEDUP>=40)?\"PASS\":\"MISS\"}")"
echo "throughput ratio (cpu):   ${CPU_SPEEDUP}x pflogsumm   (CPU seconds against CPU seconds)"
echo "mailway:                  $(mb "$M_WALL") MB/s on $(nproc) cores (target ~550 MB/s);   pflogsumm $(mb "$P_CPU") MB/s of CPU time"
echo "peak memory ratio:        ${MEM} of pflogsumm's   (target <= 0.2)   $(awk "BEGIN{print ($MEM<=0.2)?\"PASS\":\"MISS\"}")"
echo "memory, half vs whole:    ${HALFMEM}   (bounded by messages in flight, not by file size: close to 1)"
ZR=$(awk "BEGIN{printf \"%.2f\", $G_WALL/$Z_WALL}")
echo ".gz vs read+decompress:   ${GZR}   (1.0 = limited by decompression only)"
echo ".gz vs zcat:              ${ZR}   (mailway's summary of the .gz against zcat alone)"
echo
echo "sanity (totals of the same log):"
python3 - "$TMP/mailway.json" "$TMP/pflogsumm.out" <<'PY'
import json, re, sys
m = json.load(open(sys.argv[1]))["totals"]
p = open(sys.argv[2]).read()
def g(label):
    r = re.search(r"^\s*(\d+[km]?)\s+" + label, p, re.M)
    return r.group(1) if r else "?"
d = re.search(r"(\d+)\s+deferred\s+\((\d+)\s+deferrals\)", p)
print(f"  {'':22}{'mailway':>12}{'pflogsumm':>12}")
for k, v in [("received", g("received")), ("delivered", g("delivered")), ("deferred_messages", d.group(1) if d else "?"),
             ("deferred_attempts", d.group(2) if d else "?"), ("bounced", g("bounced")), ("expired", "n/a")]:
    print(f"  {k:22}{m[k]:>12}{v:>12}")
print("  (pflogsumm counts a message twice when a content filter re-injects it, and counts local")
print("   deliveries of content-filtered copies; mailway counts the message once; see README)")
PY
