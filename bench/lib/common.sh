# Shared by the scripts in bench/ (sourced). Settings come from the environment; every script
# documents its own at the top. Nothing here starts a process that is not stopped by its PID.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HARNESS=${HARNESS:-$ROOT/../shared/bench}
BUILD=${BUILD:-$ROOT/build/bench}   # Release build with -DLLMTAP_BENCH=ON
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac  # relative to the repository
JOBS=${JOBS:-$(nproc)}              # build parallelism (use 1 on a machine others build on)
CLIENT_CPUS=${CLIENT_CPUS:-0}       # load generators and clients
SERVER_CPUS=${SERVER_CPUS:-1}       # the mock and the proxy under test (as the shared harness pins them)
LLMTAP=${LLMTAP_BIN:-$BUILD/llmtap}  # LLMTAP_BIN: measure another binary (an A/B)
CLIENT=$BUILD/bench/bench_client
RELAY=$BUILD/bench/byte_relay          # the floor: bytes copied, no HTTP (bench/floor)

blog() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
bdie() { blog "ERROR: $*"; exit 1; }

# Results are committed: paths of this machine in them (the checkout, temporary directories)
# become repository-relative or placeholders. Text files under each argument (a file or a folder).
scrub_paths() {
  local f
  for f in $(grep -rlI -e "$ROOT" -e '/tmp/tmp\.' "$@" 2>/dev/null); do
    sed -i -e "s#$ROOT/##g" -e "s#$ROOT#.#g" -e 's#/tmp/tmp\.[A-Za-z0-9]*#$TMPDIR#g' "$f"
  done
}

# Release build of llmtap and the benchmark programs.
build_bench() {
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLMTAP_TESTS=OFF -DLLMTAP_BENCH=ON >/dev/null ||
    bdie "cmake configure failed"
  cmake --build "$BUILD" -j "$JOBS" --target llmtap bench_client byte_relay llmtap_micro >"$BUILD/bench-build.log" 2>&1 ||
    { tail -30 "$BUILD/bench-build.log" >&2; bdie "build failed (log: $BUILD/bench-build.log)"; }
  # what the binaries were built from: others may commit while a long run goes on
  local c
  c=$(git -C "$ROOT" rev-parse --short HEAD)
  git -C "$ROOT" diff --quiet HEAD -- src CMakeLists.txt 2>/dev/null || c="$c (+ uncommitted changes in src/)"
  echo "$c, built $(date -u +'%F %H:%M UTC')" >"$BUILD/bench-build-commit"
}

# One line each: date, machine, load, and the commit the benchmark binaries were built from.
machine_md() {
  local commit
  if [ -s "$BUILD/bench-build-commit" ]; then
    commit=$(cat "$BUILD/bench-build-commit")
  else
    commit=$(git -C "$ROOT" rev-parse --short HEAD)
    git -C "$ROOT" diff --quiet HEAD -- src CMakeLists.txt 2>/dev/null || commit="$commit (+ uncommitted changes in src/)"
  fi
  echo "- date: $(date -u +'%F %H:%M UTC')"
  echo "- machine: $(nproc) vCPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(uname -sr), $(awk '/MemTotal/{printf "%.1f GB", $2/1048576}' /proc/meminfo)"
  echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- commit: $commit"
}

# free_port: a TCP port nothing listens on now (from the ephemeral range, checked by connecting).
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  bdie "no free port found"
}

# wait_up URL [seconds]
wait_up() {
  local i
  for i in $(seq $((${2:-20} * 10))); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  return 1
}

# need_up URL LOG WHAT [seconds]: wait_up, or stop the run showing the end of WHAT's log (LOG as
# given to bg_start): "did not start" alone left nothing to go on once the temporary folder was gone.
need_up() {
  wait_up "$1" "${4:-20}" && return 0
  blog "ERROR: $3 did not answer $1; the end of its log:"
  tail -n 20 "$2.log" >&2 2>/dev/null || true
  bdie "$3 did not start"
}

# Processes this script started, stopped by PID at exit (TERM, then KILL after 5 s).
BENCH_PIDS=()
bg_start() {  # bg_start LOG cmd...: start in the background (output in LOG.log), PID in $BG_PID
  local log=$1
  shift
  "$@" >"$log.log" 2>&1 </dev/null &
  BG_PID=$!
  BENCH_PIDS+=("$BG_PID")
}
bg_stop() {  # bg_stop PID
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}
bg_stop_all() {
  local p
  for p in "${BENCH_PIDS[@]}"; do bg_stop "$p"; done
  BENCH_PIDS=()
}

# proc_tree PID: PID and its children (nginx: the master and its workers).
proc_tree() { echo "$1 $(ps -o pid= --ppid "$1" 2>/dev/null || true)"; }
# RSS of a process and its children (nginx: master + workers), in KB; and one process's VmHWM.
rss_kb() {
  local sum=0 p
  for p in $(proc_tree "$1"); do
    [ -r "/proc/$p/status" ] || continue
    sum=$((sum + $(awk '/^VmRSS:/{print $2}' "/proc/$p/status")))
  done
  echo "$sum"
}
hwm_kb() { awk '/^VmHWM:/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# idle_activity PID SECONDS: "<wake-ups per second> <CPU ms per second>" of PID and its children
# (all their threads) over SECONDS with no traffic. A wake-up is a context switch of one of its
# threads (voluntary or not); CPU is utime + stime in clock ticks.
idle_activity() {
  local pids a b
  pids=$(proc_tree "$1")
  # totals now: "<context switches> <clock ticks>"
  snap() {
    local p w=0 c=0
    for p in $pids; do
      w=$((w + $(cat /proc/"$p"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches:/ { s += $2 } END { print s + 0 }')))
      c=$((c + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$w $c"
  }
  a=$(snap); sleep "$2"; b=$(snap)
  awk -v a="$a" -v b="$b" -v s="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    printf "%.1f %.2f\n", (y[1] - x[1]) / s, (y[2] - x[2]) * 1000 / hz / s }'
}

# llmtap's full-capture configuration: SQLite store (always on), DogStatsD metrics to a local
# UDP receiver, sampled prompts/completions (10%) written to a file, Prometheus registry (always
# on; rendered at scrape time). write_llmtap_config DIR STATSD_PORT
# Variants for "what would it take" runs (defaults = the configuration the bars are measured on):
#   SAMPLE_RATE=0            no sampled prompts/completions
#   DOGSTATSD_MAX_DATAGRAM=8192   larger datagrams (the Agent accepts 8192 bytes on UDP by default)
#   CAPTURE=store            store only: no DogStatsD, no samples
write_llmtap_config() {
  if [ "${CAPTURE:-full}" = store ]; then
    printf '[samples]\nrate = 0.0\n' >"$1/llmtap.toml"
    return
  fi
  cat >"$1/llmtap.toml" <<TOML
[datadog]
dogstatsd_url = "udp://127.0.0.1:$2"
${DOGSTATSD_MAX_DATAGRAM:+dogstatsd_max_datagram = $DOGSTATSD_MAX_DATAGRAM}

[samples]
rate = ${SAMPLE_RATE:-0.1}
output = "$1/samples.jsonl"
TOML
}

# One line naming the capture configuration (for results files).
capture_desc() {
  if [ "${CAPTURE:-full}" = store ]; then echo "store only (no DogStatsD, no samples)"; return; fi
  echo "full capture: SQLite store, Prometheus registry, DogStatsD (${DOGSTATSD_MAX_DATAGRAM:-1432}-byte datagrams), samples at ${SAMPLE_RATE:-0.1}"
}
