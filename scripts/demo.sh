#!/usr/bin/env bash
# The main job, offline: builds llmtap (release), starts `llmtap mock` as the upstream and
# `llmtap serve` in front of it, makes a few calls with the official OpenAI SDK for Node through
# the proxy, stops the proxy (which drains into the store) and prints `llmtap report`.
# Idempotent; everything it starts it stops. Data goes to ./build/demo-data.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLMTAP_TESTS=OFF >/dev/null
cmake --build build/release -j "$(nproc)"
BIN=$PWD/build/release/llmtap
DATA=$PWD/build/demo-data
MOCK_PORT=${MOCK_PORT:-8789} PROXY_PORT=${PROXY_PORT:-8787} ADMIN_PORT=${ADMIN_PORT:-8788}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$BIN" mock --listen "127.0.0.1:$MOCK_PORT" >build/demo-mock.log 2>&1 & pids+=($!)
"$BIN" serve --listen "127.0.0.1:$PROXY_PORT" --admin-listen "127.0.0.1:$ADMIN_PORT" \
  --upstream "http://127.0.0.1:$MOCK_PORT" --data-dir "$DATA" >build/demo-serve.log 2>&1 & serve_pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null && break; sleep 0.1; done
cat build/demo-serve.log

echo "== calls through the proxy with the openai SDK (OPENAI_BASE_URL=http://127.0.0.1:$PROXY_PORT/v1)"
OPENAI_BASE_URL="http://127.0.0.1:$PROXY_PORT/v1" OPENAI_API_KEY=sk-demo-0000000000000000demo \
  node tests/e2e/demo-calls.mjs

kill -TERM "$serve_pid"; wait "$serve_pid" || true
echo "== llmtap report --data-dir $DATA"
"$BIN" report --data-dir "$DATA"
echo "== llmtap report --by endpoint"
"$BIN" report --data-dir "$DATA" --by endpoint
