#!/usr/bin/env bash
# Speed of `mailway bounce` against Sisimai (Debian's libsisimai-perl) on the same bounces,
# and the large-message target (a 15 MB bounce analysed in < 100 ms with peak memory < 3x size).
#
#   bench/bounce-vs-sisimai.sh [COPIES]
#
# MAILWAY_BIN=path measures a binary already built; otherwise the script builds the shipped
# binary with scripts/build-pgo.sh (dist profile, PGO trained on messages other than the ones
# measured), or a plain release build with MAILWAY_PGO=0.
#
# The corpus is ../shared/corpus/bounces/files/maildir/bsd (or $MAILWAY_SHARED/...), copied
# COPIES times (default 10) under /work/bench-cache/bounce (outside the repo) so that process
# start-up does not dominate. Sisimai is single-threaded; mailway is measured with all cores and
# with one thread (-j 1). Prints messages/s for each and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES="${1:-10}"
SHARED="${MAILWAY_SHARED:-$(cd .. && pwd)/shared}"
SRC="$SHARED/corpus/bounces/files/maildir/bsd"
CACHE="${BENCH_CACHE:-/work/bench-cache/bounce}"
[ -d "$SRC" ] || { echo "corpus not found: $SRC" >&2; exit 2; }

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! perl -MSisimai -e 1 2>/dev/null; then
  echo "== installing libsisimai-perl"
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q libsisimai-perl
fi
[ -x /usr/bin/time ] || sudo_ env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q time

if [ -n "${MAILWAY_BIN:-}" ]; then
  MW="$MAILWAY_BIN"   # an already built binary
  BUILD="given binary"
elif [ "${MAILWAY_PGO:-1}" = 1 ]; then
  # the shipped build: dist profile (fat LTO) with profile-guided optimisation, trained on
  # other messages than the ones measured here (see scripts/build-pgo.sh)
  echo "== building mailway (dist profile + PGO: scripts/build-pgo.sh, 20-60 minutes on 2 cores)"
  if MAILWAY_SHARED="$SHARED" scripts/build-pgo.sh target/pgo/mailway; then
    MW="$PWD/target/pgo/mailway"
    BUILD="dist profile + PGO"
  else
    # e.g. offline without rustup's llvm-tools: the same build without the profile
    echo "== PGO build failed: building the dist profile without PGO" >&2
    cargo build --profile dist -q -p mailway
    MW="$PWD/target/dist/mailway"
    BUILD="dist profile (the PGO build failed)"
  fi
else
  echo "== building mailway (release)"
  cargo build --release -q -p mailway
  MW="$PWD/target/release/mailway"
  BUILD="release profile"
fi

# --- corpus ---------------------------------------------------------------------------------
DIR="$CACHE/corpus-x$COPIES"
if [ ! -d "$DIR" ]; then
  mkdir -p "$DIR.tmp"
  for i in $(seq 1 "$COPIES"); do
    for f in "$SRC"/*.eml; do cp "$f" "$DIR.tmp/$i-$(basename "$f")"; done
  done
  mv "$DIR.tmp" "$DIR"
fi
N=$(find "$DIR" -type f | wc -l)
echo "== corpus: $N messages ($COPIES x maildir/bsd) in $DIR; mailway: $BUILD ($MW)"

now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }

# warm the page cache so both tools read from memory
cat "$DIR"/* > /dev/null

# Each run is timed by bash's `time` (getrusage of the child, millisecond resolution): wall
# seconds and CPU seconds (user + system). On a shared machine the CPU time is the fairer measure
# of the work each tool does, and single runs vary by 10-20 %: ROUNDS rounds (default 3), each
# one Sisimai run then five `mailway -j 1` runs, interleaved so both see the same load; medians
# are compared.
ROUNDS="${ROUNDS:-3}"
TIMEFORMAT='%3R %3U %3S'
timed() { # OUT ERR CMD...: runs CMD, sets T_WALL and T_CPU
  local out="$1" err="$2"; shift 2
  { time "$@" > "$out" 2> "$err" || true; } 2> /tmp/bounce-bench.time
  read -r T_WALL u s < /tmp/bounce-bench.time
  T_CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
}
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
sis_w=(); sis_cs=(); mw_w=(); mw_cs=()
for _ in $(seq "$ROUNDS"); do
  timed /dev/null /tmp/sisimai.count perl -MSisimai -e 'my $v = Sisimai->make($ARGV[0]) // []; print STDERR scalar(@$v), " records\n"' "$DIR"
  sis_w+=("$T_WALL"); sis_cs+=("$T_CPU")
  for _ in 1 2 3 4 5; do
    timed /tmp/mailway-1.jsonl /dev/null "$MW" bounce --json -j 1 "$DIR"
    mw_w+=("$T_WALL"); mw_cs+=("$T_CPU")
  done
done
sis_t=$(median "${sis_w[@]}"); sis_c=$(median "${sis_cs[@]}")
mw1_t=$(median "${mw_w[@]}"); mw1_c=$(median "${mw_cs[@]}")
timed /tmp/mailway-n.jsonl /dev/null "$MW" bounce --json "$DIR"
mwn_t=$T_WALL; mwn_c=$T_CPU
echo "Sisimai CPU s: ${sis_cs[*]}"
echo "mailway -j 1 CPU s: ${mw_cs[*]}"

sis_r=$(rate "$N" "$sis_t"); mw1_r=$(rate "$N" "$mw1_t"); mwn_r=$(rate "$N" "$mwn_t")
cores=$(nproc)
printf '\n%-34s %8s %8s %12s %8s   (medians of %s / %s runs)\n' "tool" "wall s" "CPU s" "messages/s" "records" "$ROUNDS" "$((ROUNDS * 5))"
printf '%-34s %8.3f %8.3f %12s %8s\n' "Sisimai $(perl -MSisimai -e 'print $Sisimai::VERSION') (perl, 1 thread)" "$sis_t" "$sis_c" "$sis_r" "$(cut -d' ' -f1 /tmp/sisimai.count)"
printf '%-34s %8.3f %8.3f %12s %8s\n' "mailway bounce (1 thread)" "$mw1_t" "$mw1_c" "$mw1_r" "$(wc -l < /tmp/mailway-1.jsonl)"
printf '%-34s %8.3f %8.3f %12s %8s\n' "mailway bounce ($cores threads, 1 run)" "$mwn_t" "$mwn_c" "$mwn_r" "$(wc -l < /tmp/mailway-n.jsonl)"
awk -v s="$sis_t" -v a="$mw1_t" -v b="$mwn_t" -v c="$cores" -v sc="$sis_c" -v ac="$mw1_c" 'BEGIN {
  printf "\nratio vs Sisimai (wall): %.0fx (mailway 1 thread), %.0fx (mailway %d threads)\n", s / a, s / b, c
  printf "ratio vs Sisimai (CPU time, 1 thread, medians): %.1fx; target >= 50x single-threaded\n", sc / ac }'
load=$(cut -d' ' -f1 /proc/loadavg)
awk -v l="$load" -v c="$cores" 'BEGIN { if (l > c) printf "note: load average %s on %d cores during the run: wall times are inflated, the CPU-time ratio is the steadier figure\n", l, c }'

# --- one 15 MB bounce ------------------------------------------------------------------------
BIG="$CACHE/big-15mb.eml"
if [ ! -f "$BIG" ]; then
  python3 - "$BIG" <<'PY'
import base64, os, sys, random
random.seed(7)
payload = bytes(random.getrandbits(8) for _ in range(11 * 1024 * 1024))   # 11 MiB attachment
b64 = base64.encodebytes(payload).decode()
head = """From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: sender@example.net
Subject: Undelivered Mail Returned to Sender
Date: Mon, 16 Mar 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="big"

--big
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.

<large@example.org>: host mx.example.org[192.0.2.50] said: 552 5.3.4 Message size
    exceeds fixed maximum message size (in reply to end of DATA command)

--big
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; large@example.org
Action: failed
Status: 5.3.4
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 552 5.3.4 Message size exceeds fixed maximum message size

--big
Content-Type: message/rfc822

From: sender@example.net
To: large@example.org
Subject: The scans
Message-ID: <scans@example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="inner"

--inner
Content-Type: text/plain

See attached.

--inner
Content-Type: application/octet-stream; name="scans.tar"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="scans.tar"

"""
tail = "\n--inner--\n\n--big--\n"
open(sys.argv[1], "w").write(head + b64 + tail)
PY
fi
SIZE=$(stat -c %s "$BIG")
"$MW" bounce --json "$BIG" > /dev/null   # warm cache
best=999999; best_cpu=999999; rss=0
for _ in 1 2 3 4 5; do
  # times from bash's `time` (millisecond resolution; /usr/bin/time has 10 ms), peak memory
  # from /usr/bin/time -v in a second run
  timed /tmp/big.jsonl /dev/null "$MW" bounce --json "$BIG"
  ms=$(awk -v t="$T_WALL" 'BEGIN { printf "%d", t * 1000 }')
  cpu=$(awk -v t="$T_CPU" 'BEGIN { printf "%d", t * 1000 }')
  [ "$ms" -lt "$best" ] && best=$ms
  [ "$cpu" -lt "$best_cpu" ] && best_cpu=$cpu
  /usr/bin/time -v "$MW" bounce --json "$BIG" > /dev/null 2> /tmp/big.time
  r=$(awk -F': ' '/Maximum resident set size/ { print $2 }' /tmp/big.time)
  [ "$r" -gt "$rss" ] && rss=$r
done
rss_bytes=$((rss * 1024))
echo
echo "15 MB bounce: $(awk -v s="$SIZE" 'BEGIN { printf "%.1f MB", s / 1e6 }'), mailway best of 5: ${best} ms wall, ${best_cpu} ms CPU (target < 100 ms), highest peak RSS $(awk -v r="$rss_bytes" 'BEGIN { printf "%.1f MB", r / 1e6 }') = $(awk -v r="$rss_bytes" -v s="$SIZE" 'BEGIN { printf "%.2f", r / s }')x the message (target < 3x)"
grep -q '"reason":"mesgtoobig"' /tmp/big.jsonl && echo "  record: $(cut -c1-160 /tmp/big.jsonl)"
t0=$(now)
if timeout 600 perl -MSisimai -e 'my $v = Sisimai->make($ARGV[0]) // []; print STDERR scalar(@$v), "\n"' "$BIG" 2>/dev/null; then
  t1=$(now); echo "  Sisimai on the same message: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f s", b - a }')"
else
  echo "  Sisimai on the same message: gave up after 600 s"
fi
