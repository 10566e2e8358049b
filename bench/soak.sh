#!/usr/bin/env bash
# Soak: SOAK_S seconds (default 600 = 10 minutes) of steady load through llmtap with full
# capture: wrk (CONNS connections, SOAK_DELAY_MS pause before each request) alternating plain and
# streamed chat calls, 1 in 50 to an unknown path (a 404 from the upstream), against the shared
# harness's nginx mock. llmtap's VmRSS is sampled every SAMPLE_S seconds with its call counters
# (from its own /metrics). Reported: RSS first vs last, and the least-squares slope over the
# whole run and over its second half (after the SQLite page cache and allocator pools have
# filled). Pinned: wrk on CPU 0, mock + llmtap on CPU 1.
#   bench/soak.sh
#   SOAK_S=120 SAMPLE_S=5 CONNS=4 SOAK_DELAY_MS=1 bench/soak.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
SOAK_S=${SOAK_S:-600}
SAMPLE_S=${SAMPLE_S:-10}
CONNS=${CONNS:-4}
SOAK_DELAY_MS=${SOAK_DELAY_MS:-1}
[ -x "$HARNESS/run.sh" ] || bdie "the shared harness is not at $HARNESS (set HARNESS=...)"
"$HARNESS/setup.sh" >/dev/null
[ "${SKIP_BUILD:-0}" = 1 ] || build_bench
OUT=${OUT:-$ROOT/bench/results/$(date -u +%F-%H%M)-soak}
mkdir -p "$OUT"
DATA=$(mktemp -d)
export BENCH_WORK=$DATA/harness MOCK_PORT=${K_MOCK_PORT:-18280} MOCK_CPUS=$SERVER_CPUS
mkdir -p "$BENCH_WORK"
source "$HARNESS/lib/common.sh"
trap 'stop_all; bg_stop_all; rm -rf "$DATA"' EXIT
trap 'exit 130' INT TERM
start_mock
statsd_port=$(free_port)
write_llmtap_config "$DATA" "$statsd_port"
bg_start "$DATA/drain" taskset -c "$CLIENT_CPUS" "$CLIENT" drain --port "$statsd_port"
drain_pid=$BG_PID
lport=$(free_port); aport=$(free_port)
bg_start "$DATA/llmtap" taskset -c "$SERVER_CPUS" "$LLMTAP" serve --config "$DATA/llmtap.toml" --listen "127.0.0.1:$lport" \
  --admin-listen "127.0.0.1:$aport" --upstream "$MOCK_URL" --data-dir "$DATA" --workers "${LLMTAP_WORKERS:-1}"
lpid=$BG_PID
need_up "http://127.0.0.1:$lport/v1/models" "$DATA/llmtap" llmtap
metric() { curl -s "http://127.0.0.1:$aport/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
idle=$(rss_kb "$lpid")
bg_start "$DATA/wrk" env SOAK_JSON_BODY="$HARNESS/fixtures/request.json" SOAK_SSE_BODY="$HARNESS/fixtures/request-stream.json" \
  SOAK_DELAY_MS="$SOAK_DELAY_MS" taskset -c "$CLIENT_CPUS" timeout -k 5 $((SOAK_S + 30)) \
  wrk -t1 -c"$CONNS" -d"${SOAK_S}s" --timeout 10s --latency -s "$ROOT/bench/lib/soak.lua" "http://127.0.0.1:$lport"
wpid=$BG_PID
echo "seconds rss_kb hwm_kb requests stored dropped" >"$OUT/soak.tsv"
t0=$SECONDS
while kill -0 "$wpid" 2>/dev/null; do
  sleep "$SAMPLE_S"
  kill -0 "$wpid" 2>/dev/null || break
  echo "$((SECONDS - t0)) $(rss_kb "$lpid") $(hwm_kb "$lpid") $(metric llmtap_proxy_requests_total) $(metric llmtap_store_written_total) $(metric 'llmtap_dropped_total{stage="pipeline"}')" >>"$OUT/soak.tsv"
  blog "soak: $(tail -1 "$OUT/soak.tsv")"
done
wait "$wpid" 2>/dev/null || true
wrk_line=$(grep '^SOAKRESULT' "$DATA/wrk.log" | tail -1)
sleep 1
final_rss=$(rss_kb "$lpid"); final_hwm=$(hwm_kb "$lpid")
stored=$(metric llmtap_store_written_total); dropped=$(metric 'llmtap_dropped_total{stage="pipeline"}')
bg_stop "$drain_pid"
db_mb=$(du -sm "$DATA" | cut -f1)
{
  echo "# Soak: ${SOAK_S} s of steady load"
  echo
  machine_md | sed "s/^- load average at start: .*/- load average: $load_start at start, $(cut -d' ' -f1-3 \/proc\/loadavg) at the end/"
  echo "- llmtap: $(capture_desc), ${LLMTAP_WORKERS:-1} worker; wrk: $CONNS connections, ${SOAK_DELAY_MS} ms pause before each request; mock: the shared harness's nginx mock; data dir after the run: $db_mb MB"
  echo "- wrk: $wrk_line"
  echo "- calls stored: $stored, dropped (pipeline queue full): $dropped; DogStatsD receiver: $(tail -1 "$DATA/drain.log")"
  echo "- RSS idle before the load: $(awk -v k="$idle" 'BEGIN{printf "%.1f", k/1024}') MB; after the load: $(awk -v k="$final_rss" 'BEGIN{printf "%.1f", k/1024}') MB (VmHWM $(awk -v k="$final_hwm" 'BEGIN{printf "%.1f", k/1024}') MB)"
  echo
  awk 'NR > 1 { n++; t[n] = $1; r[n] = $2 }
    function slope(a, b,   i, k, st, sr, stt, str) {
      k = 0; st = sr = stt = str = 0
      for (i = a; i <= b; i++) { k++; st += t[i]; sr += r[i]; stt += t[i] * t[i]; str += t[i] * r[i] }
      if (k < 2 || k * stt - st * st == 0) return 0
      return (k * str - st * sr) / (k * stt - st * st) * 60  # KB per minute
    }
    END {
      if (n < 2) { print "too few samples"; exit }
      h = int(n / 2) + 1
      printf "| samples | RSS first (t=%d s) | RSS last (t=%d s) | growth | slope, whole run | slope, second half |\n", t[1], t[n]
      print "|---:|---:|---:|---:|---:|---:|"
      printf "| %d | %.1f MB | %.1f MB | %+.2f MB | %+.1f KB/min | %+.1f KB/min |\n", n, r[1] / 1024, r[n] / 1024, (r[n] - r[1]) / 1024, slope(1, n), slope(h, n)
    }' "$OUT/soak.tsv"
  echo
  echo "Samples (seconds, VmRSS KB, VmHWM KB, requests, stored, dropped): \`soak.tsv\`."
} >"$OUT/soak.md"
scrub_paths "$OUT"
cat "$OUT/soak.md"
