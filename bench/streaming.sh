#!/usr/bin/env bash
# Streaming: time to first token (TTFT) and the delay between SSE events, direct vs through each
# proxy, from bench_client (one kept-alive connection, sequential streamed calls, c = 1). The
# upstream is the shared harness's nginx mock (its 18-event chat stream), started with the
# harness's own functions on ports of its own, pinned like the wall-clock comparison (client on
# CPU 0, mock + proxy on CPU 1). Two passes:
#   delay 0:  the mock writes the whole stream at once; TTFT is then the time to the first
#             content event without any timer in the way (the precise TTFT figure).
#   delay D:  CHUNK_DELAY_MS between events (nginx echo_sleep, millisecond timers): each event
#             is a separate upstream read, as from a real model; gives the added inter-chunk delay.
# Added figures: per repetition, the target's p50 minus direct's p50; the median over repetitions.
# Target `floor` is bench/floor/byte_relay: it copies bytes with no HTTP at all, so what it adds is
# what any epoll proxy pays on this machine (bench/README.md, "The floor").
#   bench/streaming.sh
#   TARGETS="direct nginx llmtap" REPS=5 CALLS=200 CHUNK_DELAY_MS=2 bench/streaming.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
TARGETS=${TARGETS:-"direct nginx haproxy portkey floor llmtap"}
REPS=${REPS:-5}
CALLS=${CALLS:-300}            # measured calls per target and repetition (after 30 warm-up calls)
DELAY_CALLS=${DELAY_CALLS:-60} # the same with the chunk delay (each call lasts ~17 x D ms)
CHUNK_DELAY_MS=${CHUNK_DELAY_MS:-2}
[ -x "$HARNESS/run.sh" ] || bdie "the shared harness is not at $HARNESS (set HARNESS=...)"
"$HARNESS/setup.sh" >/dev/null
[ "${SKIP_BUILD:-0}" = 1 ] || build_bench
OUT=${OUT:-$ROOT/bench/results/$(date -u +%F-%H%M)-streaming}
mkdir -p "$OUT"
DATA=$(mktemp -d)
DEPS=${TMPDIR:-/tmp}/proxy-bench/deps   # where the harness's setup.sh installed Portkey

# The harness's functions, on ports and in a work dir of our own.
export BENCH_WORK=$DATA/harness MOCK_PORT=${S_MOCK_PORT:-18180} NGINX_PROXY_PORT=${S_NGINX_PORT:-18181}
export HAPROXY_PORT=${S_HAPROXY_PORT:-18182} PORTKEY_PORT=${S_PORTKEY_PORT:-18183}
export WRK_CPUS=$CLIENT_CPUS MOCK_CPUS=$SERVER_CPUS PROXY_CPUS=$SERVER_CPUS
mkdir -p "$BENCH_WORK" && ln -s "$DEPS" "$BENCH_WORK/deps"
source "$HARNESS/lib/common.sh"
trap 'stop_all; bg_stop_all; rm -rf "$DATA"' EXIT
trap 'exit 130' INT TERM
statsd_port=$(free_port)
write_llmtap_config "$DATA" "$statsd_port"
bg_start "$DATA/drain" taskset -c "$CLIENT_CPUS" "$CLIENT" drain --port "$statsd_port"
LL_PORT=${S_LLMTAP_PORT:-19100}
FLOOR_PORT=${S_FLOOR_PORT:-18184}
PROXY_NAME=llmtap PROXY_URL=http://127.0.0.1:$LL_PORT
PROXY_CMD="$LLMTAP serve --config $DATA/llmtap.toml --listen 127.0.0.1:$LL_PORT --admin-listen 127.0.0.1:$((LL_PORT + 1)) --upstream \$MOCK_URL --data-dir $DATA --workers 1"

measure() {  # measure PASS CALLS
  local pass=$1 calls=$2 t rep hp args k tl order url
  start_mock
  for t in $TARGETS; do
    case $t in
      direct) ;; nginx) start_nginx_proxy ;; haproxy) start_haproxy ;; portkey) start_portkey ;;
      llmtap) start_custom ;;
      floor) ensure_free "$FLOOR_PORT"
             bg_start "$BENCH_WORK/floor" taskset -c "$SERVER_CPUS" "$RELAY" --listen "127.0.0.1:$FLOOR_PORT" --upstream "127.0.0.1:$MOCK_PORT"
             floor_pid=$BG_PID; wait_http "http://127.0.0.1:$FLOOR_PORT/health" || bdie "byte_relay did not start" ;;
      *) bdie "unknown target $t" ;;
    esac
  done
  for rep in $(seq "$REPS"); do
    tl=($TARGETS); k=$(( (rep - 1) % ${#tl[@]} )); order="${tl[*]:k} ${tl[*]:0:k}"
    for t in $order; do
      url=$(target_url "$t"); [ "$t" = floor ] && url=http://127.0.0.1:$FLOOR_PORT; hp=${url#http://}
      args=()
      IFS='|' read -ra hs <<<"$(target_headers "$t")"
      for h in "${hs[@]}"; do [ -n "$h" ] && args+=(--header "$h"); done
      line=$(taskset -c "$CLIENT_CPUS" "$CLIENT" seq --target "$hp" --body "$HARNESS/fixtures/request-stream.json" \
               --n "$calls" --warmup 30 "${args[@]}") || bdie "$t: $line"
      echo "$pass $rep $t $line" >>"$OUT/streaming.tsv"
      blog "streaming $pass rep $rep $t: $line"
    done
  done
  stop_all
  [ -z "${floor_pid:-}" ] || bg_stop "$floor_pid"
}
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$OUT/streaming.tsv"
MOCK_CHUNK_DELAY_MS=0 measure delay0 "$CALLS"
MOCK_CHUNK_DELAY_MS=$CHUNK_DELAY_MS measure "delay$CHUNK_DELAY_MS" "$DELAY_CALLS"
{
  echo "# Streaming: time to first token and inter-chunk delay"
  echo
  machine_md | sed "s/^- load average at start: .*/- load average: $load_start at start, $(cut -d' ' -f1-3 /proc/loadavg) at the end/"
  echo "- $REPS repetitions x $CALLS calls (delay 0) and x $DELAY_CALLS calls (delay $CHUNK_DELAY_MS ms) per target, c = 1, pinned: client CPU $CLIENT_CPUS, mock + proxy CPU $SERVER_CPUS"
  echo
  node "$ROOT/bench/lib/streaming_table.mjs" "$OUT/streaming.tsv"
} >"$OUT/streaming.md"
scrub_paths "$OUT"
cat "$OUT/streaming.md"
