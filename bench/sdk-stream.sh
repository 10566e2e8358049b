#!/usr/bin/env bash
# The streamed call as the OpenAI SDKs send it by default: "stream": true without
# stream_options. The shared harness's stream fixture asks for usage; a request that does not
# takes llmtap's other path (proxy/usage_rewrite.h): include_usage is added on the way up, and
# the usage event it brings is taken out of what the client gets. Same runs as proxy.sh's SSE
# pass (pinned, loopback, full capture), with direct and nginx as the anchors, on a copy of the
# harness whose stream fixture has stream_options removed.
#   bench/sdk-stream.sh
#   CONNS="16 64" REPS=5 DURATION=6 OUT=dir SKIP_BUILD=1 bench/sdk-stream.sh
# The mock answers every stream with a usage event, so nginx relays one event more than llmtap
# does (~150 bytes); the copy's stream check expects [DONE] and not the usage figure.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
[ "${SKIP_BUILD:-0}" = 1 ] || build_bench
OUT=${OUT:-$ROOT/bench/results/$(date -u +%F-%H%M)-sdk}
COPY=$(mktemp -d)
trap 'rm -rf "$COPY"' EXIT
cp -r "$HARNESS"/. "$COPY/"
chmod -R u+w "$COPY"
jq 'del(.stream_options)' "$HARNESS/fixtures/request-stream.json" >"$COPY/fixtures/request-stream.json"
jq -e 'has("stream_options") | not' "$COPY/fixtures/request-stream.json" >/dev/null ||
  bdie "the SDK fixture still has stream_options"
usage_check=" \&\& grep -q '\"total_tokens\":305' \"\$OUT/check-\$t.sse\""
sed -i "s|$usage_check||" "$COPY/run.sh"
grep -q '"total_tokens":305. "$OUT/check-$t.sse"' "$COPY/run.sh" &&
  bdie "the harness's stream check changed: $COPY/run.sh still asks for the usage event"
HARNESS=$COPY TARGETS=${TARGETS:-"direct nginx"} MODES=sse CONNS=${CONNS:-"16 64"} OUT=$OUT SKIP_BUILD=1 \
  "$ROOT/bench/proxy.sh"
