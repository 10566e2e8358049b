#!/usr/bin/env bash
# Profiles of llmtap with full capture serving the shared harness's fixtures from its nginx mock:
#   callgrind  instructions per call (all of llmtap's threads: worker, pipeline, store, sinks),
#              over CALLS sequential calls after WARM calls, JSON and SSE; nginx proxy_pass under
#              callgrind as the anchor. Every call carries a traceparent whose trace id depends
#              only on its index (bench_client --trace), so the same 10% are sampled each time.
#              Instruction counts repeat from run to run on this shared machine; times do not.
#              User-space instructions only: the kernel's share (syscalls, loopback TCP) is not
#              in them.
#   perf       `perf record -e cpu-clock --call-graph dwarf` on llmtap under wrk load (c = 16,
#              PERF_S seconds; hardware counters are not available in this VM), JSON and SSE:
#              where the CPU time goes, by thread entry point and by function, kernel included.
# Output: OUT/profile.md (the summary) and the full annotate/report texts next to it.
#   bench/profile.sh
#   CALLS=5000 PERF_S=10 TOOLS="callgrind perf" bench/profile.sh
#   TOOLS=callgrind MODES=sse CG_TARGETS=llmtap bench/profile.sh    # one figure, ~1 minute
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
CALLS=${CALLS:-3000}
WARM=${WARM:-300}
PERF_S=${PERF_S:-10}
TOOLS=${TOOLS:-"callgrind perf"}
MODES=${MODES:-"json sse sdk"}  # json, sse (the fixture asks for usage), sdk (sse without stream_options)
CG_TARGETS=${CG_TARGETS:-"llmtap nginx"}  # what callgrind measures
LLMTAP_CONFIG=${LLMTAP_CONFIG:-full}   # full | store (no metrics, no samples)
[ "${SKIP_BUILD:-0}" = 1 ] || build_bench
OUT=${OUT:-$ROOT/bench/results/$(date -u +%F-%H%M)-profile}
mkdir -p "$OUT"
DATA=$(mktemp -d)
export BENCH_WORK=$DATA/harness MOCK_PORT=${P_MOCK_PORT:-18380} NGINX_PROXY_PORT=${P_NGINX_PORT:-18381}
export MOCK_CPUS=$SERVER_CPUS PROXY_CPUS=$SERVER_CPUS
mkdir -p "$BENCH_WORK"
source "$HARNESS/lib/common.sh"
trap 'stop_all; bg_stop_all; rm -rf "$DATA"' EXIT
trap 'exit 130' INT TERM
start_mock
statsd_port=$(free_port)
write_llmtap_config "$DATA" "$statsd_port"
[ "$LLMTAP_CONFIG" = full ] || : >"$DATA/llmtap.toml"
bg_start "$DATA/drain" taskset -c "$CLIENT_CPUS" "$CLIENT" drain --port "$statsd_port"
JSON_BODY=$HARNESS/fixtures/request.json
SSE_BODY=$HARNESS/fixtures/request-stream.json
# sdk: the streamed request as the SDKs send it by default, without stream_options, so that
# llmtap adds include_usage and filters the usage event out of what the client gets
SDK_BODY=$DATA/request-stream-sdk.json
jq 'del(.stream_options)' "$SSE_BODY" >"$SDK_BODY"
body_of() { case $1 in json) echo "$JSON_BODY" ;; sdk) echo "$SDK_BODY" ;; *) echo "$SSE_BODY" ;; esac; }

llmtap_cmd() {  # llmtap_cmd PORT
  echo "$LLMTAP" serve --config "$DATA/llmtap.toml" --listen "127.0.0.1:$1" --admin-listen "127.0.0.1:$(free_port)" \
    --upstream "$MOCK_URL" --data-dir "$DATA/store-$1" --workers 1
}

# cg_calls NAME PID PORT MODE: zero PID's counters, CALLS calls, let the async threads finish, dump
cg_calls() {
  local name=$1 pid=$2 port=$3 mode=$4
  taskset -c "$CLIENT_CPUS" "$CLIENT" seq --target "127.0.0.1:$port" --body "$(body_of "$mode")" --n "$WARM" --warmup 0 >/dev/null
  sleep 3
  callgrind_control -z "$pid" >/dev/null
  taskset -c "$CLIENT_CPUS" "$CLIENT" seq --target "127.0.0.1:$port" --body "$(body_of "$mode")" --n "$CALLS" --warmup 0 --trace \
    >"$OUT/cg-$name-$mode.client.json"
  sleep 4  # the pipeline's 50 ms wait, the store's batch wait, DogStatsD's flush, under valgrind
  callgrind_control -d "cg-$name-$mode" "$pid" >/dev/null
  sleep 1
}

summarize_cg() {  # summarize_cg NAME MODE: per-call totals and the top functions
  local name=$1 mode=$2 f
  f=$(ls -t "$DATA"/cg/callgrind.out.*cg-$name-$mode* 2>/dev/null | head -1 || true)
  [ -z "$f" ] && f=$(grep -l "cg-$name-$mode" "$DATA"/cg/callgrind.out.* 2>/dev/null | head -1 || true)
  [ -n "$f" ] || { echo "no dump for $name $mode" >&2; return; }
  cp "$f" "$OUT/callgrind.out.$name-$mode"
  callgrind_annotate --inclusive=yes "$f" 2>/dev/null | sed -n '1,200p' >"$OUT/cg-$name-$mode.inclusive.txt"
  callgrind_annotate "$f" 2>/dev/null | sed -n '1,120p' >"$OUT/cg-$name-$mode.self.txt"
  local total
  total=$(grep -m1 'PROGRAM TOTALS' "$OUT/cg-$name-$mode.self.txt" | awk '{gsub(",", "", $1); print $1}')
  echo "$name $mode $CALLS $total" >>"$OUT/cg-totals.txt"
}

if [[ " $TOOLS " == *" callgrind "* ]]; then
  mkdir -p "$DATA/cg"
  : >"$OUT/cg-totals.txt"
  for mode in $MODES; do
   if [[ " $CG_TARGETS " == *" llmtap "* ]]; then
    port=$(free_port)
    mkdir -p "$DATA/store-$port"
    ( cd "$DATA/cg" && exec taskset -c "$SERVER_CPUS" valgrind --tool=callgrind --separate-threads=no \
        --callgrind-out-file="$DATA/cg/callgrind.out.%p" $(llmtap_cmd "$port") ) >"$DATA/cg-llmtap.log" 2>&1 &
    vpid=$!; BENCH_PIDS+=("$vpid")
    wait_up "http://127.0.0.1:$port/" 120 || bdie "llmtap under valgrind did not start"
    cg_calls llmtap "$vpid" "$port" "$mode"
    bg_stop "$vpid"
    # rename the dump by its label (callgrind names it callgrind.out.PID.N)
    for f in "$DATA"/cg/callgrind.out.$vpid.*; do grep -q "cg-llmtap-$mode" "$f" && mv "$f" "$DATA/cg/callgrind.out.cg-llmtap-$mode"; done
    rm -f "$DATA"/cg/callgrind.out."$vpid"
    summarize_cg llmtap "$mode"
   fi
   if [[ " $CG_TARGETS " == *" nginx "* ]]; then
    # nginx proxy_pass (the harness's config). Its idle worker sleeps in epoll_wait, where
    # callgrind_control cannot reach it; so nginx is counted by difference instead: one run of
    # WARM calls and one of WARM + CALLS calls, each dumped when nginx exits.
    for n in "$WARM" $((WARM + CALLS)); do
      rm -rf "$DATA/cgn" && mkdir -p "$DATA/cgn"
      chmod 755 "$DATA" && chmod 777 "$DATA/cgn"  # nginx's worker runs as nobody and writes its dump here
      ( cd "$DATA/cgn" && render_simple "$BENCH_DIR/conf/proxy-nginx.conf.in" "$WORK/proxy-nginx.conf" >/dev/null &&
        exec taskset -c "$SERVER_CPUS" valgrind --tool=callgrind --callgrind-out-file="$DATA/cgn/callgrind.out.%p" \
          nginx -p "$WORK/run" -c "$WORK/proxy-nginx.conf" ) >"$DATA/cg-nginx.log" 2>&1 &
      npid=$!; BENCH_PIDS+=("$npid")
      wait_up "http://127.0.0.1:$NGINX_PROXY_PORT/health" 120 || bdie "nginx under valgrind did not start"
      taskset -c "$CLIENT_CPUS" "$CLIENT" seq --target "127.0.0.1:$NGINX_PROXY_PORT" --body "$(body_of "$mode")" --n "$n" \
        --warmup 0 --trace >"$OUT/cg-nginx-$mode.client.json"
      sleep 1
      bg_stop "$npid"
      sleep 1
      sum=0
      for f in "$DATA"/cgn/callgrind.out.*; do
        sum=$((sum + $(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')))
      done
      echo "$n $sum" >>"$DATA/nginx-$mode.runs"
      [ "$n" -gt "$WARM" ] && cp "$(ls -S "$DATA"/cgn/callgrind.out.* | head -1)" "$DATA/cg/callgrind.out.cg-nginx-$mode.full"
    done
    cp "$DATA/nginx-$mode.runs" "$OUT/cg-nginx-$mode.runs"
    read -r n1 s1 < <(head -1 "$DATA/nginx-$mode.runs")
    read -r n2 s2 < <(tail -1 "$DATA/nginx-$mode.runs")
    echo "nginx $mode $((n2 - n1)) $((s2 - s1))" >>"$OUT/cg-totals.txt"
    # the worker's profile of the longer run (startup included) for reading, not for the total
    f=$DATA/cg/callgrind.out.cg-nginx-$mode.full
    callgrind_annotate --inclusive=yes "$f" 2>/dev/null | sed -n '1,120p' >"$OUT/cg-nginx-$mode.inclusive.txt"
    callgrind_annotate "$f" 2>/dev/null | sed -n '1,80p' >"$OUT/cg-nginx-$mode.self.txt"
   fi
  done
fi

if [[ " $TOOLS " == *" perf "* ]]; then
  for mode in $MODES; do
    port=$(free_port)
    mkdir -p "$DATA/store-$port"
    bg_start "$DATA/llmtap-perf" taskset -c "$SERVER_CPUS" $(llmtap_cmd "$port")
    lpid=$BG_PID
    need_up "http://127.0.0.1:$port/" "$DATA/llmtap-perf" llmtap 30
    bg_start "$DATA/wrk-$mode" env BENCH_BODY="$(body_of "$mode")" taskset -c "$CLIENT_CPUS" timeout -k 5 $((PERF_S + 30)) \
      wrk -t1 -c16 -d$((PERF_S + 3))s -s "$HARNESS/lib/chat.lua" "http://127.0.0.1:$port/v1/chat/completions"
    wpid=$BG_PID
    sleep 2
    perf record -q -e cpu-clock -F 2999 --call-graph dwarf,16384 -p "$lpid" -o "$DATA/perf-$mode.data" -- sleep "$PERF_S" 2>/dev/null
    wait "$wpid" 2>/dev/null || true
    bg_stop "$lpid"
    perf report -i "$DATA/perf-$mode.data" --no-children --sort dso,sym --percent-limit 0.7 --stdio 2>/dev/null |
      grep -v '^$' | grep -v '^#' | grep '%' | head -60 >"$OUT/perf-$mode.self.txt"
    perf report -i "$DATA/perf-$mode.data" --children --sort sym --percent-limit 3 --stdio -g none 2>/dev/null |
      grep '%' | grep -v '^#' | head -80 >"$OUT/perf-$mode.children.txt"
    grep '^BENCHRESULT' "$DATA/wrk-$mode.log" >"$OUT/perf-$mode.wrk.txt" || true
  done
fi

CALLS=$CALLS MODES=$MODES LLMTAP_CONFIG=$LLMTAP_CONFIG "$ROOT/bench/lib/profile_summary.sh" "$OUT" >"$OUT/profile.md"
scrub_paths "$OUT"
cat "$OUT/profile.md"
