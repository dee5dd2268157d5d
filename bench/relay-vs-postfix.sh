#!/usr/bin/env bash
# Relay throughput: mailway vs Debian's Postfix, same load, same sink, same durability.
#
#   bash bench/relay-vs-postfix.sh [N] [CONCURRENCY] [SIZE_BYTES]     (defaults 10000 20 10240)
#
# For each MTA: a counting SMTP sink listens on loopback; the MTA relays the domain bench.test
# to it; a load generator (bench/relay-tools: smtp-loadgen) injects N messages of SIZE bytes over
# CONCURRENCY SMTP connections (MAIL/RCPT/DATA pipelined, 100 messages per connection). Printed:
#   accept rate     messages acknowledged with 250 per second (load generator's view),
#   end-to-end      messages per second from the first injection to the last delivery at the sink,
#   peak RSS        mailway: the process's VmHWM; Postfix: the peak of the summed RSS of all its
#                   processes (master, smtpd, cleanup, qmgr, smtp, ...), sampled every 100 ms;
#   peak PSS        the same with PSS (shared pages divided among the processes mapping them),
#                   the fairer figure for a multi-process MTA;
#   CPU ms/msg      user+system CPU time of the MTA's whole process tree (sampled every 100 ms,
#                   per process the last value seen) divided by N: what each message costs, the
#                   figure that decides throughput when the cores are shared with other work.
# Durability is the same on both sides: mailway runs with its default `fsync = true` (temp file,
# fsync, rename, fsync dir before 250), Postfix fsyncs its queue files before 250 as always.
# Postfix runs as a private instance (own config, queue and data directories under the work
# directory; smtpd on 127.0.30.11), never the system-wide one. Loopback only (127.0.30.0/24).
# MAILWAY_BENCH_ARGS adds flags to `mailway serve` (diagnostics, e.g. `--config nofsync.toml`;
# a comparison is only fair with the defaults). MAILWAY_PERF=1 records `perf` of mailway into
# $CACHE/relay-perf.data.
# Results are also written as JSON to $OUT (default /work/bench-cache/relay-vs-postfix.json).
set -euo pipefail
N=${1:-10000}
C=${2:-20}
SIZE=${3:-10240}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${BENCH_CACHE:-/work/bench-cache}
OUT=${OUT:-$CACHE/relay-vs-postfix.json}
mkdir -p "$CACHE"
W=$(mktemp -d "$CACHE/relay-bench.XXXXXX")
chmod 755 "$W"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$W/postfix/etc/main.cf" ] && postfix -c "$W/postfix/etc" stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT

command -v postfix >/dev/null || { echo "postfix is not installed (apt-get install postfix)" >&2; exit 2; }

echo "== building (release)" >&2
[ "${BENCH_ONLY:-}" = postfix ] || (cd "$ROOT" && cargo build --release -q -p mailway)
TOOLS_TARGET=$CACHE/relay-tools-target
CARGO_TARGET_DIR=$TOOLS_TARGET cargo build --release -q --manifest-path "$ROOT/bench/relay-tools/Cargo.toml"
MAILWAY=${CARGO_TARGET_DIR:-$ROOT/target}/release/mailway
LOADGEN=$TOOLS_TARGET/release/smtp-loadgen
SINK=$TOOLS_TARGET/release/smtp-sink

wait_port() { # host port
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on $1:$2" >&2
  return 1
}

json_field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

# peak of the summed RSS and PSS (kB) of a process tree, sampled every 100 ms until the stop
# file appears. PSS divides shared pages (libraries, Postfix's shared text) among the processes
# that map them, so it does not count them once per process as a plain RSS sum does.
rss_sampler() { # root_pid stopfile outfile
  python3 - "$@" <<'PY'
import os, sys, time
root, stop, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
peak_rss = peak_pss = 0
cpu = {}  # pid -> (start time, utime+stime ticks), last seen, for processes of the tree
while not os.path.exists(stop):
    parent, mem, ticks = {}, {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
                parent[int(d)] = int(fields[1])
                ticks[int(d)] = (int(fields[19]), int(fields[11]) + int(fields[12]))
            rss = pss = 0
            with open(f"/proc/{d}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss = int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss = int(line.split()[1])
            mem[int(d)] = (rss, pss)
        except (OSError, ValueError, IndexError):
            pass
    total_rss = total_pss = 0
    for p, (rss, pss) in mem.items():
        q = p
        while q > 1:
            if q == root:
                total_rss += rss
                total_pss += pss
                if p in ticks:
                    cpu[(p, ticks[p][0])] = ticks[p][1]
                break
            q = parent.get(q, 0)
    peak_rss, peak_pss = max(peak_rss, total_rss), max(peak_pss, total_pss)
    time.sleep(0.1)
with open(out, "w") as f:
    f.write(f"{peak_rss} {peak_pss} {sum(cpu.values()) / os.sysconf('SC_CLK_TCK'):.2f}\n")
PY
}

run_case() { # name smtp_host smtp_port sink_port start_fn stop_fn
  local name=$1 host=$2 port=$3 sink_port=$4
  "$SINK" --listen "127.0.30.9:$sink_port" --expect "$N" --timeout 120 > "$W/$name-sink.json" 2>"$W/$name-sink.err" &
  local sink_pid=$!
  PIDS+=("$sink_pid")
  wait_port 127.0.30.9 "$sink_port"
  "$5"   # start the MTA; sets MTA_PID
  wait_port "$host" "$port"
  rm -f "$W/$name-rss-stop"
  rss_sampler "$MTA_PID" "$W/$name-rss-stop" "$W/$name-rss" &
  local sampler=$!
  echo "== $name: injecting $N x $SIZE bytes over $C connections" >&2
  "$LOADGEN" --server "$host:$port" --count "$N" --concurrency "$C" --size "$SIZE" \
    --to "user@bench.test" --from "sender@bench.test" > "$W/$name-loadgen.json"
  wait "$sink_pid" || true
  touch "$W/$name-rss-stop"
  wait "$sampler"
  if [ "$name" = mailway ]; then
    # VmHWM is the kernel's exact peak RSS of the single mailway process
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$MTA_PID/status")
    read -r _ pss cpu < "$W/$name-rss"
    echo "$hwm $pss $cpu" > "$W/$name-rss"
  fi
  "$6"   # stop the MTA
}

# ---------------------------------------------------------------- mailway
start_mailway() {
  mkdir -p "$W/mailway"
  "$MAILWAY" serve --spool "$W/mailway/spool" --smtp 127.0.30.10:2525 --api 127.0.30.10:8025 \
    --route "bench.test=127.0.30.9:2601" ${MAILWAY_BENCH_ARGS:-} > "$W/mailway/out.log" 2>&1 &
  MTA_PID=$!
  PIDS+=("$MTA_PID")
  if [ -n "${MAILWAY_PERF:-}" ]; then
    perf record -g -p "$MTA_PID" -o "$CACHE/relay-perf.data" >/dev/null 2>&1 &
    PIDS+=("$!")
  fi
}
stop_mailway() { kill -TERM "$MTA_PID" 2>/dev/null || true; wait "$MTA_PID" 2>/dev/null || true; }

# ---------------------------------------------------------------- postfix (private instance)
start_postfix() {
  local P=$W/postfix
  mkdir -p "$P/etc" "$P/queue" "$P/data"
  chown postfix "$P/data"
  cp /etc/postfix/master.cf "$P/etc/master.cf"
  # smtpd only on our loopback address; no chroot (the queue is not under /var/spool)
  sed -i 's/^smtp      inet  n       -       y       -       -       smtpd/127.0.30.11:2525 inet n - n - - smtpd/' "$P/etc/master.cf"
  cat > "$P/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $P/queue
data_directory = $P/data
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-mailway-bench
maillog_file = $P/maillog
maillog_file_prefixes = $CACHE
myhostname = postfix.bench.test
mydomain = bench.test
myorigin = bench.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = bench.test
transport_maps = inline:{ bench.test=smtp:[127.0.30.9]:2602 }
smtp_dns_support_level = disabled
alias_maps =
alias_database =
local_transport = error:no local delivery in the benchmark
biff = no
EOF
  postconf -c "$P/etc" -F '*/*/chroot = n'
  postfix -c "$P/etc" check
  postfix -c "$P/etc" start >/dev/null
  MTA_PID=$(tr -d ' \n' < "$P/queue/pid/master.pid")
}
stop_postfix() { postfix -c "$W/postfix/etc" stop >/dev/null 2>&1 || true; }

ONLY=${BENCH_ONLY:-}   # mailway | postfix: run one side only (debugging; no comparison)
[ "$ONLY" = postfix ] || run_case mailway 127.0.30.10 2525 2601 start_mailway stop_mailway
[ "$ONLY" = mailway ] || run_case postfix 127.0.30.11 2525 2602 start_postfix stop_postfix
if [ -n "$ONLY" ]; then
  cat "$W/$ONLY-loadgen.json" "$W/$ONLY-sink.json"; echo "peak RSS/PSS kB: $(cat "$W/$ONLY-rss")"
  exit 0
fi

python3 - "$W" "$N" "$C" "$SIZE" "$OUT" <<'PY'
import json, sys
w, n, c, size, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
res = {}
for name in ("mailway", "postfix"):
    lg = json.load(open(f"{w}/{name}-loadgen.json"))
    sink = json.loads(open(f"{w}/{name}-sink.json").read().strip() or "{}")
    rss_kb, pss_kb, cpu_s = open(f"{w}/{name}-rss").read().split()
    rss_kb, pss_kb, cpu_s = int(rss_kb), int(pss_kb), float(cpu_s)
    e2e_secs = sink.get("last_unix", 0) - lg["start_unix"]
    res[name] = {
        "accepted": lg["accepted"], "refused": lg["refused"], "errors": lg["errors"],
        "accept_rate": lg["accept_rate"],
        "delivered_unique": sink.get("unique", 0), "duplicates": sink.get("duplicates", 0),
        "end_to_end_seconds": round(e2e_secs, 3),
        "end_to_end_rate": round(sink.get("unique", 0) / e2e_secs, 1) if e2e_secs > 0 else 0,
        "latency_ms_p50": lg["latency_ms_p50"], "latency_ms_p99": lg["latency_ms_p99"],
        "peak_rss_mb": round(rss_kb / 1024, 1),
        "peak_pss_mb": round(pss_kb / 1024, 1),
        "cpu_seconds": cpu_s,
        "cpu_ms_per_message": round(cpu_s * 1000 / n, 2),
    }
m, p = res["mailway"], res["postfix"]
ratio = lambda a, b: round(a / b, 2) if b else float("inf")
res["ratio"] = {
    "end_to_end": ratio(m["end_to_end_rate"], p["end_to_end_rate"]),
    "accept": ratio(m["accept_rate"], p["accept_rate"]),
    "peak_rss": ratio(m["peak_rss_mb"], p["peak_rss_mb"]),
    "peak_pss": ratio(m["peak_pss_mb"], p["peak_pss_mb"]),
    "cpu_per_message": ratio(m["cpu_ms_per_message"], p["cpu_ms_per_message"]),
}
res["params"] = {"messages": n, "concurrency": c, "size": size}
json.dump(res, open(out, "w"), indent=2)
print(f"relay benchmark: {n} messages x {size} bytes, {c} client connections, fsync on, loopback sink")
print(f"{'':22}{'mailway':>12}{'postfix':>12}{'ratio':>9}")
print(f"{'end-to-end msg/s':22}{m['end_to_end_rate']:>12.1f}{p['end_to_end_rate']:>12.1f}{res['ratio']['end_to_end']:>8.2f}x")
print(f"{'accept msg/s':22}{m['accept_rate']:>12.1f}{p['accept_rate']:>12.1f}{res['ratio']['accept']:>8.2f}x")
print(f"{'peak RSS MB (sum)':22}{m['peak_rss_mb']:>12.1f}{p['peak_rss_mb']:>12.1f}{res['ratio']['peak_rss']:>8.2f}x")
print(f"{'peak PSS MB (sum)':22}{m['peak_pss_mb']:>12.1f}{p['peak_pss_mb']:>12.1f}{res['ratio']['peak_pss']:>8.2f}x")
print(f"{'CPU ms per message':22}{m['cpu_ms_per_message']:>12.2f}{p['cpu_ms_per_message']:>12.2f}{res['ratio']['cpu_per_message']:>8.2f}x")
print(f"{'accept p50/p99 ms':22}{m['latency_ms_p50']:>6.1f}/{m['latency_ms_p99']:<5.1f}{p['latency_ms_p50']:>6.1f}/{p['latency_ms_p99']:<5.1f}")
print(f"{'delivered (dups)':22}{m['delivered_unique']:>8} ({m['duplicates']}){p['delivered_unique']:>8} ({p['duplicates']})")
ok = all(r["delivered_unique"] == n and r["errors"] == 0 for r in (m, p))
print("target >= 2x Postfix end-to-end:", "met" if res["ratio"]["end_to_end"] >= 2 else "NOT met")
sys.exit(0 if ok else 1)
PY
