#!/usr/bin/env bash
# Tokenizer benchmark: llmtap vs tiktoken (npm) on the same corpus, same machine, same run, each
# pinned to one core. Writes bench/results/<date>-tokenizer.md. See README.md.
#   CORE=1 ENCODINGS="o200k_base cl100k_base" MODES="doc 4k" REPS=2 TK_TIMEOUT=60 bench/tokenizer/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
CORE=${CORE:-1}
ENCODINGS=${ENCODINGS:-"o200k_base cl100k_base"}
MODES=${MODES:-"doc 4k"}
REPS=${REPS:-2}
TK_TIMEOUT=${TK_TIMEOUT:-60}
CORPUS=${LLMTAP_TOKCORPUS_DIR:-$root/third_party/tokenizer/corpus}
export NODE_PATH=$root/third_party/tokenizer/node_modules
[ -s "$CORPUS/corpus.txt" ] || { echo "no corpus in $CORPUS: run scripts/setup.sh" >&2; exit 1; }
[ -d "$NODE_PATH/tiktoken" ] || { echo "no tiktoken in $NODE_PATH: run scripts/setup.sh" >&2; exit 1; }

build=$root/build/bench-tok
cmake -S bench/tokenizer -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS= >/dev/null
ninja -C "$build" -j1 bench_tokenizer >/dev/null
ours="taskset -c $CORE $build/bench_tokenizer"
theirs="taskset -c $CORE node bench/tokenizer/bench_tiktoken.js"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for enc in $ENCODINGS; do
  for mode in $MODES; do
    echo "corpus $enc $mode: llmtap" >&2
    $ours corpus "$CORPUS" "$enc" "$mode" "$REPS" >>"$out/corpus.jsonl"
    echo "corpus $enc $mode: tiktoken" >&2
    $theirs corpus "$CORPUS" "$enc" "$mode" "$REPS" >>"$out/corpus.jsonl"
  done
done
for bytes in 65536 200000 1000000; do
  echo "one character x $bytes" >&2
  $ours run o200k_base a "$bytes" >>"$out/single.jsonl"
  t0=$(date +%s.%N)
  rc=0
  timeout "$TK_TIMEOUT" $theirs run o200k_base a "$bytes" >>"$out/single.jsonl" 2>"$out/tk.err" || rc=$?
  if [ $rc -ne 0 ]; then
    # 124: killed by timeout; anything else: tiktoken itself failed (say how, and after how long).
    why=$(grep -m1 -E 'Error' "$out/tk.err" | tr -d '"\\' || true)
    echo "{\"lib\":\"tiktoken\",\"encoding\":\"o200k_base\",\"bytes\":$bytes,\"rc\":$rc,\"timeout_s\":$TK_TIMEOUT,\"after_s\":$(awk "BEGIN{print $(date +%s.%N) - $t0}"),\"error\":\"$why\"}" >>"$out/single.jsonl"
  fi
done

commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- src/tokenizer bench/tokenizer || commit="$commit (+ uncommitted changes in src/tokenizer or bench/tokenizer)"
mkdir -p bench/results
result=bench/results/$(date +%F)-tokenizer.md
node bench/tokenizer/report.js "$out/corpus.jsonl" "$out/single.jsonl" \
  --date "$(date -u +'%F %H:%M UTC')" \
  --machine "$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) vCPU, $(uname -sr), pinned to CPU $CORE" \
  --commit "$commit" --node "$(node --version)" \
  --tiktoken "$(node -p "require('$NODE_PATH/tiktoken/package.json').version")" \
  --corpus "${CORPUS#"$root"/} ($(sed -n 's/ .*corpus.txt//p' "$CORPUS/SHA256SUMS" | cut -c1-16)...)" \
  --reps "$REPS" >"$result"
cat "$result"
echo "wrote $result" >&2
