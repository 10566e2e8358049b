#!/usr/bin/env bash
# Wall-clock comparison with the shared harness (../shared/bench): direct to the mock, nginx
# proxy_pass, HAProxy, the Portkey gateway and llmtap with full capture (SQLite store, DogStatsD
# metrics to a local UDP receiver, 10% of calls sampled to a file), in the same run, pinned
# (wrk on CPU 0, mock + proxy on CPU 1), loopback. Columns: ../shared/bench/README.md.
#   bench/proxy.sh
#   TARGETS="direct nginx" MODES=json CONNS="1 16" REPS=5 DURATION=8 bench/proxy.sh
#   OUT=dir      where the raw files and proxy.md go (default bench/results/<date-time>-proxy/)
#   SKIP_BUILD=1 use the build in $BUILD as it is
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
[ -x "$HARNESS/run.sh" ] || bdie "the shared harness is not at $HARNESS (set HARNESS=...)"
"$HARNESS/setup.sh" >/dev/null
[ "${SKIP_BUILD:-0}" = 1 ] || build_bench
OUT=${OUT:-$ROOT/bench/results/$(date -u +%F-%H%M)-proxy}
mkdir -p "$OUT"
DATA=$(mktemp -d)
trap 'bg_stop_all; rm -rf "$DATA"' EXIT
trap 'exit 130' INT TERM

statsd_port=$(free_port)
write_llmtap_config "$DATA" "$statsd_port"
bg_start "$DATA/drain" taskset -c "$CLIENT_CPUS" "$CLIENT" drain --port "$statsd_port"
drain_pid=$BG_PID

export PROXY_NAME=llmtap PROXY_URL=http://127.0.0.1:19000
export PROXY_CMD="$LLMTAP serve --config $DATA/llmtap.toml --listen 127.0.0.1:19000 --admin-listen 127.0.0.1:19001 --upstream \$MOCK_URL --data-dir $DATA --workers ${LLMTAP_WORKERS:-1}"
export TARGETS=${TARGETS:-"direct nginx haproxy portkey"} MODES=${MODES:-"json sse"} CONNS=${CONNS:-"1 16 64"}
export DURATION=${DURATION:-6} REPS=${REPS:-5}
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
"$HARNESS/run.sh" 2>&1 | tee "$DATA/run.log" >&2
res=$(sed -n 's/.*results in \([^ ]*\) .*/\1/p' "$DATA/run.log" | tail -1)
[ -n "$res" ] && [ -s "$res/summary.txt" ] || bdie "the harness gave no results (log above)"
cp "$res"/{summary.txt,raw.tsv,meta.txt,checks.txt} "$OUT/"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

bg_stop "$drain_pid"
drain=$(tail -1 "$DATA/drain.log")
stored=$(sqlite3 "$DATA/llmtap.db" 'select count(*) from calls' 2>/dev/null || echo '?')
sampled=$(wc -l <"$DATA/samples.jsonl" 2>/dev/null || echo 0)
{
  echo "# Wall-clock comparison (shared harness)"
  echo
  machine_md
  echo "- load average at the end: $load_end"
  echo
  echo "llmtap: release build, $(cat "$OUT/meta.txt" | sed -n 's/^pinned: //p'), ${LLMTAP_WORKERS:-1} worker, $(capture_desc):"
  echo "$stored calls stored in SQLite, $sampled sampled calls written, DogStatsD receiver got $drain."
  echo
  echo '```'
  cat "$OUT/meta.txt" "$OUT/checks.txt" "$OUT/summary.txt"
  echo '```'
} >"$OUT/proxy.md"
echo "$stored $sampled $drain" >"$OUT/capture.txt"
scrub_paths "$OUT"
blog "proxy: wrote $OUT/proxy.md"
