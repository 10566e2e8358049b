#!/usr/bin/env bash
# Measures llmtap against direct, nginx and HAProxy in the same run with the shared harness
# (../shared/bench), and records the summary with the date, machine and commit in
# bench/results/. llmtap runs with full capture: pipeline and SQLite store.
#   bench/proxy.sh                         # json and sse; 1, 16, 64 connections; 3 x 8 s
#   TARGETS="direct nginx" REPS=5 bench/proxy.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=${HARNESS:-$ROOT/../shared/bench}
[ -x "$HARNESS/run.sh" ] || { echo "bench: the shared harness is not at $HARNESS (set HARNESS=...)" >&2; exit 1; }
"$HARNESS/setup.sh" >/dev/null
cmake -S "$ROOT" -B "$ROOT/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLMTAP_TESTS=OFF >/dev/null
cmake --build "$ROOT/build/release" -j "$(nproc)" >/dev/null
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
export PROXY_NAME=llmtap PROXY_URL=http://127.0.0.1:19000
export PROXY_CMD="$ROOT/build/release/llmtap serve --listen 127.0.0.1:19000 --admin-listen 127.0.0.1:19001 --upstream \$MOCK_URL --data-dir $DATA --workers ${LLMTAP_WORKERS:-1}"
export TARGETS=${TARGETS:-"direct nginx haproxy"} MODES=${MODES:-"json sse"} CONNS=${CONNS:-"1 16 64"}
export DURATION=${DURATION:-8} REPS=${REPS:-3}
"$HARNESS/run.sh" 2>&1 | tee "$DATA/run.log"
out=$(sed -n 's/.*results in \([^ ]*\) .*/\1/p' "$DATA/run.log" | tail -1)
[ -n "$out" ] || { echo "bench: no results" >&2; exit 1; }
stored=$(sqlite3 "$DATA/llmtap.db" 'select count(*) from calls' 2>/dev/null || echo '?')
dest="$ROOT/bench/results/$(date -u +%F-%H%M)-proxy.md"
{
  echo "# llmtap vs direct, nginx, HAProxy: $(date -u +%F) (commit $(git -C "$ROOT" rev-parse --short HEAD))"
  echo
  echo "Shared harness (../shared/bench), llmtap release build, full capture (pipeline + SQLite store), ${LLMTAP_WORKERS:-1} worker; $stored calls were stored during the run."
  echo "Machine: $(nproc) vCPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')."
  echo
  echo '```'
  cat "$out/meta.txt"
  cat "$out/summary.txt"
  echo '```'
} >"$dest"
echo "bench: recorded $dest"
