#!/usr/bin/env bash
# Micro-benchmarks (bench/micro, Google Benchmark) pinned to one CPU, REPS repetitions each
# (medians reported), and the tokenizer comparison with tiktoken from npm
# (bench/tokenizer/run.sh) in the same session.
#   bench/micro.sh
#   REPS=3 MIN_TIME=0.1 FILTER=sse TOKENIZER=0 bench/micro.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
REPS=${REPS:-5}
MIN_TIME=${MIN_TIME:-0.2}
FILTER=${FILTER:-.}
TOKENIZER=${TOKENIZER:-1}   # 0: skip the tiktoken comparison
[ "${SKIP_BUILD:-0}" = 1 ] || build_bench
OUT=${OUT:-$ROOT/bench/results/$(date -u +%F-%H%M)-micro}
mkdir -p "$OUT"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
taskset -c "$SERVER_CPUS" "$BUILD/bench/micro/llmtap_micro" --benchmark_filter="$FILTER" \
  --benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true --benchmark_min_time="$MIN_TIME" \
  --benchmark_out="$OUT/micro.json" --benchmark_out_format=json >&2
{
  echo "# Micro-benchmarks"
  echo
  machine_md | sed "s/^- load average at start: .*/- load average: $load_start at start, $(cut -d' ' -f1-3 \/proc\/loadavg) at the end/"
  echo "- Google Benchmark $(dpkg-query -W -f='${Version}' libbenchmark-dev 2>/dev/null), pinned to CPU $SERVER_CPUS, $REPS repetitions of >= ${MIN_TIME} s each; medians (and the coefficient of variation)"
  echo
  node "$ROOT/bench/lib/micro_table.mjs" "$OUT/micro.json"
} >"$OUT/micro.md"
if [ "$TOKENIZER" = 1 ]; then
  CORE=$SERVER_CPUS "$ROOT/bench/tokenizer/run.sh" >"$OUT/tokenizer.md"
fi
scrub_paths "$OUT"
cat "$OUT/micro.md"
