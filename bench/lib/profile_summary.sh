#!/usr/bin/env bash
# profile_summary.sh OUT: profile.md from what bench/profile.sh left in OUT (callgrind totals and
# annotations, perf reports). Env: CALLS, MODES, LLMTAP_CONFIG as profile.sh had them.
set -euo pipefail
source "$(dirname "$0")/common.sh"
OUT=$1
CALLS=${CALLS:-3000}
MODES=${MODES:-"json sse"}
echo "# Profiles: llmtap (${LLMTAP_CONFIG:-full} capture) and nginx"
echo
machine_md
echo
if [ -s "$OUT/cg-totals.txt" ]; then
  echo "Callgrind, $CALLS sequential calls (one connection, each with a traceparent so that the same 10% are sampled in every run) after warm-up calls; user-space instructions of all threads:"
  echo
  echo "| target | mode | instructions per call | ratio to nginx |"
  echo "|---|---|---:|---:|"
  awk '{ ir[$1 " " $2] = $4 / $3; modes[$2] = 1; names[$1] = 1 }
    END { for (m in modes) for (n in names) if ((n " " m) in ir)
      printf "| %s | %s | %.0f | %.2f |\n", n, m, ir[n " " m], ("nginx " m) in ir ? ir[n " " m] / ir["nginx " m] : 0 }' "$OUT/cg-totals.txt" | sort
  echo
fi
for mode in $MODES; do
  [ -s "$OUT/cg-llmtap-$mode.inclusive.txt" ] || continue
  echo "Where llmtap's instructions go, $mode (callgrind, inclusive, per call):"
  echo
  "$ROOT/bench/lib/cg_breakdown.sh" "$OUT/cg-llmtap-$mode.inclusive.txt" "$CALLS"
  echo
done
threads=0
for mode in $MODES; do [ -s "$OUT/perf-$mode.children.txt" ] && threads=1; done
if [ "$threads" = 1 ]; then
  echo "perf (cpu-clock, kernel included), llmtap under wrk at 16 connections: share of llmtap's CPU time by thread and by part:"
  echo
  echo "| part | $(for m in $MODES; do printf '%s | ' "$m"; done)"
  echo "|---|$(for m in $MODES; do printf -- '---:|'; done)"
  for row in "proxy worker thread|proxy_server::start\\(\\)::\\{lambda" "pipeline thread|pipeline::pipeline::run$" \
             "  of which sampling (10%)|pipeline::sampler::apply$" "store writer thread|store_writer::run$" \
             "sink threads|queued_sink::run$" "  DogStatsD sink|dogstatsd_sink::deliver$" \
             "  sampled-log sink|sample_log_sink::deliver$"; do
    label=${row%%|*} re=${row#*|}
    printf '| %s |' "$label"
    for m in $MODES; do
      v=$(grep -E "$re" "$OUT/perf-$m.children.txt" 2>/dev/null | head -1 | awk "{print \$1}" || true)
      printf ' %s |' "${v:--}"
    done
    echo
  done
  echo
  for m in $MODES; do
    [ -s "$OUT/perf-$m.wrk.txt" ] && echo "- $m: wrk $(grep -o 'rps=[0-9.]*' "$OUT/perf-$m.wrk.txt") while perf recorded"
  done
  echo
  echo "The functions with the most CPU time (self, kernel included) are in \`perf-<mode>.self.txt\`."
fi
