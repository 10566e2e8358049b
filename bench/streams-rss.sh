#!/usr/bin/env bash
# Memory with many open streams: llmtap's RSS idle, while STREAMS concurrent SSE streams are open
# through it, and after they closed; nginx proxy_pass (the shared harness's config) with the same
# streams as the anchor. The upstream is `llmtap mock`, each stream TOKENS chunks with
# CHUNK_DELAY_MS between them (x-mock-tokens, x-mock-chunk-delay-ms), so every stream stays open
# for TOKENS x CHUNK_DELAY_MS. RSS is VmRSS from /proc (nginx: master + workers), sampled every
# 250 ms; VmHWM is llmtap's peak. llmtap runs with full capture (lib/common.sh). Also what each
# costs while idle, over IDLE_S seconds from 3 s after the warm-up calls: wake-ups (context
# switches of its threads) and CPU time a second (lib/common.sh, idle_activity).
#   bench/streams-rss.sh
#   STREAMS=1000 TOKENS=40 CHUNK_DELAY_MS=250 LLMTAP_WORKERS=1 bench/streams-rss.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
STREAMS=${STREAMS:-1000}
TOKENS=${TOKENS:-40}
CHUNK_DELAY_MS=${CHUNK_DELAY_MS:-250}
LLMTAP_WORKERS=${LLMTAP_WORKERS:-1}
IDLE_S=${IDLE_S:-10}
[ "${SKIP_BUILD:-0}" = 1 ] || build_bench
OUT=${OUT:-$ROOT/bench/results/$(date -u +%F-%H%M)-streams-rss}
mkdir -p "$OUT"
DATA=$(mktemp -d)
[ "$(ulimit -n)" -gt $((STREAMS * 2 + 100)) ] || ulimit -n $((STREAMS * 2 + 1000)) ||
  bdie "need more than $((STREAMS * 2)) open files (ulimit -n)"
trap 'bg_stop_all; rm -rf "$DATA"' EXIT
trap 'exit 130' INT TERM

mock_port=$(free_port)
bg_start "$DATA/mock" taskset -c "$SERVER_CPUS" "$LLMTAP" mock --listen "127.0.0.1:$mock_port"
wait_up "http://127.0.0.1:$mock_port/v1/models" || bdie "mock did not start"
statsd_port=$(free_port)
write_llmtap_config "$DATA" "$statsd_port"
bg_start "$DATA/drain" taskset -c "$CLIENT_CPUS" "$CLIENT" drain --port "$statsd_port"

# hold NAME PID PORT: open the streams through 127.0.0.1:PORT while sampling PID's RSS
hold() {
  local name=$1 pid=$2 port=$3 cpid line rss
  local samples="$OUT/rss-$name.tsv"
  echo "seconds rss_kb client" >"$samples"
  bg_start "$DATA/hold-$name" taskset -c "$CLIENT_CPUS" "$CLIENT" hold --target "127.0.0.1:$port" \
    --body "$ROOT/bench/lib/stream-request.json" --n "$STREAMS" --timeout $((TOKENS * CHUNK_DELAY_MS / 1000 + 60)) \
    --header "x-mock-tokens: $TOKENS" --header "x-mock-chunk-delay-ms: $CHUNK_DELAY_MS"
  cpid=$BG_PID
  local t0=$SECONDS
  while kill -0 "$cpid" 2>/dev/null; do
    line=$(tail -1 "$DATA/hold-$name.log" 2>/dev/null || true)
    rss=$(rss_kb "$pid")
    echo "$((SECONDS - t0)) $rss $line" >>"$samples"
    sleep 0.25
  done
  wait "$cpid" 2>/dev/null || true
  tail -1 "$DATA/hold-$name.log"
}
# peak_open FILE: the largest RSS sampled while every stream was open and streaming
peak_open() { awk -v n="$STREAMS" 'index($0, "streaming=" n " ") && index($0, "done=0 ") { if ($2 > m) m = $2 } END { print m + 0 }' "$1"; }
warm() {  # 200 calls, so that buffers, the store and the sinks are set up before "idle" is read
  "$CLIENT" seq --target "127.0.0.1:$1" --body "$ROOT/bench/lib/stream-request.json" --n 100 --warmup 0 >/dev/null
  "$CLIENT" seq --target "127.0.0.1:$1" --body "$HARNESS/fixtures/request.json" --n 100 --warmup 0 >/dev/null
}

# ---- llmtap
lport=$(free_port)
bg_start "$DATA/llmtap" taskset -c "$SERVER_CPUS" "$LLMTAP" serve --config "$DATA/llmtap.toml" --listen "127.0.0.1:$lport" \
  --admin-listen "127.0.0.1:$(free_port)" --upstream "http://127.0.0.1:$mock_port" --data-dir "$DATA" --workers "$LLMTAP_WORKERS"
lpid=$BG_PID
need_up "http://127.0.0.1:$lport/v1/models" "$DATA/llmtap" llmtap
sleep 1
l_idle=$(rss_kb "$lpid")
warm "$lport"
sleep 1
l_warm=$(rss_kb "$lpid")
sleep 2  # the sinks' last flush (1 s) and the queues' quarter second before sleeping
read -r l_wakes l_cpu < <(idle_activity "$lpid" "$IDLE_S")
l_client=$(hold llmtap "$lpid" "$lport")
sleep 2
l_after=$(rss_kb "$lpid")
l_hwm=$(hwm_kb "$lpid")
l_peak=$(peak_open "$OUT/rss-llmtap.tsv")
bg_stop "$lpid"

# ---- nginx proxy_pass with the shared harness's config, in front of the same mock
export BENCH_WORK=$DATA/harness MOCK_PORT=$mock_port NGINX_PROXY_PORT=$(free_port) PROXY_CPUS=$SERVER_CPUS
( source "$HARNESS/lib/common.sh"; start_nginx_proxy ) 2>/dev/null || bdie "nginx did not start"
npid=$(cat "$BENCH_WORK/run/nginx.pid")
BENCH_PIDS+=("$npid")
n_idle=$(rss_kb "$npid")
warm "$NGINX_PROXY_PORT"
sleep 1
n_warm=$(rss_kb "$npid")
sleep 2
read -r n_wakes n_cpu < <(idle_activity "$npid" "$IDLE_S")
n_client=$(hold nginx "$npid" "$NGINX_PROXY_PORT")
sleep 2
n_after=$(rss_kb "$npid")
n_peak=$(peak_open "$OUT/rss-nginx.tsv")
bg_stop "$npid"

mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
cat >"$OUT/rss.json" <<JSON
{"streams":$STREAMS,"tokens":$TOKENS,"chunk_delay_ms":$CHUNK_DELAY_MS,"llmtap_workers":$LLMTAP_WORKERS,
 "idle_s":$IDLE_S,
 "llmtap":{"idle_wakeups_per_s":$l_wakes,"idle_cpu_ms_per_s":$l_cpu,"idle_kb":$l_idle,"warm_kb":$l_warm,"open_peak_kb":$l_peak,"hwm_kb":$l_hwm,"after_kb":$l_after,"client":"$l_client"},
 "nginx":{"idle_wakeups_per_s":$n_wakes,"idle_cpu_ms_per_s":$n_cpu,"idle_kb":$n_idle,"warm_kb":$n_warm,"open_peak_kb":$n_peak,"after_kb":$n_after,"client":"$n_client"}}
JSON
{
  echo "# Memory with $STREAMS open streams"
  echo
  machine_md
  echo "- upstream: llmtap mock, $TOKENS chunks per stream, $CHUNK_DELAY_MS ms apart; llmtap: $(capture_desc), $LLMTAP_WORKERS worker(s); nginx: the shared harness's proxy_pass config (1 worker)"
  echo
  echo "| | idle (started) | after 200 calls | with $STREAMS streams open (peak sample) | VmHWM | after the streams closed | client's last line |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  echo "| llmtap | $(mb "$l_idle") MB | $(mb "$l_warm") MB | $(mb "$l_peak") MB | $(mb "$l_hwm") MB | $(mb "$l_after") MB | $l_client |"
  echo "| nginx | $(mb "$n_idle") MB | $(mb "$n_warm") MB | $(mb "$n_peak") MB | - | $(mb "$n_after") MB | $n_client |"
  echo
  echo "Idle, over $IDLE_S s from 3 s after the 200 calls: llmtap $l_wakes wake-ups/s, $l_cpu ms of CPU a second; nginx $n_wakes wake-ups/s, $n_cpu ms a second."
} >"$OUT/streams-rss.md"
scrub_paths "$OUT"
cat "$OUT/streams-rss.md"
