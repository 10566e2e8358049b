#!/usr/bin/env bash
# Installs everything llmtap needs to build, run and test, on Debian 12. Idempotent: installs only
# what is missing. Run as root or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libssl-dev openssl libsimdjson-dev libfmt-dev libtomlplusplus-dev
  libcli11-dev libsqlite3-dev sqlite3 nlohmann-json3-dev libutf8proc-dev
  libcurl4-openssl-dev libpcre2-dev libprotobuf-dev protobuf-compiler zlib1g-dev
  prometheus influxdb
  python3 man-db groff-base bsdextrautils
  libgtest-dev libgmock-dev libbenchmark-dev clang-format
  nodejs npm curl jq ca-certificates
)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm ships with Node.js when Node comes from elsewhere (e.g. NodeSource): do not fight it.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/npm}")
fi
want=()
for p in "${missing[@]}"; do [ -n "$p" ] && want+=("$p"); done
if [ ${#want[@]} -gt 0 ]; then
  echo "setup: installing ${want[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${want[@]}"
else
  echo "setup: Debian packages present"
fi

# The end-to-end tests drive llmtap with the official OpenAI SDK for Node.
if [ ! -d tests/e2e/node_modules/openai ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; then
  echo "setup: npm ci in tests/e2e"
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
else
  echo "setup: npm packages present"
fi
# The Datadog tests' reference: Datadog's Node tracer (dd-trace 5.61) with openai@4, and an msgpack decoder.
if [ ! -d tests/e2e/ddtrace/node_modules/dd-trace ] || [ tests/e2e/ddtrace/package-lock.json -nt tests/e2e/ddtrace/node_modules/.package-lock.json ]; then
  echo "setup: npm ci in tests/e2e/ddtrace"
  (cd tests/e2e/ddtrace && npm ci --no-audit --no-fund --loglevel=error)
fi

# Tokenizer rank files: expanded from the pinned npm package `tiktoken` (src/tokenizer/data/) into
# third_party/tokenizer/ranks, then checked against OpenAI's sha256 pins. Any mismatch stops setup.
# The same install is the reference tokenizer of the exactness tests and the benchmark.
tok=third_party/tokenizer
if [ ! -d $tok/node_modules/tiktoken ] || ! cmp -s src/tokenizer/data/package-lock.json $tok/package-lock.json; then
  echo "setup: npm ci in $tok"
  mkdir -p $tok
  cp src/tokenizer/data/package.json src/tokenizer/data/package-lock.json $tok/
  (cd $tok && npm ci --no-audit --no-fund --loglevel=error)
fi
if ! (cd $tok/ranks 2>/dev/null && sha256sum --quiet -c ../../../src/tokenizer/data/SHA256SUMS 2>/dev/null); then
  echo "setup: expanding tokenizer rank files into $tok/ranks"
  node src/tokenizer/data/make_ranks.js $tok/node_modules/tiktoken $tok/ranks
  (cd $tok/ranks && sha256sum --quiet -c ../../../src/tokenizer/data/SHA256SUMS) || {
    echo "setup: FATAL: tokenizer rank files do not match the pinned sha256 (src/tokenizer/data/SHA256SUMS)" >&2
    exit 1
  }
else
  echo "setup: tokenizer rank files present and verified"
fi
# The tokenizer's test and benchmark corpus (~50 MB of Debian's own text, ~3 min to build once).
if [ ! -s $tok/corpus/corpus.txt ]; then
  echo "setup: building the tokenizer corpus in $tok/corpus (~3 min)"
  tests/unit/tokenizer/make_corpus.sh "$PWD/$tok/corpus" >/dev/null
else
  echo "setup: tokenizer corpus present"
fi

# Price table: generated from the pinned npm package `@pydantic/genai-prices` (src/pricing/data/)
# into third_party/pricing/prices.json by our converter. Regenerated when the pin or the
# converter changes; llmtap reads it at runtime (src/pricing/README.md).
pri=third_party/pricing
if [ ! -d $pri/node_modules/@pydantic/genai-prices ] || ! cmp -s src/pricing/data/package-lock.json $pri/package-lock.json; then
  echo "setup: npm ci in $pri"
  mkdir -p $pri
  cp src/pricing/data/package.json src/pricing/data/package-lock.json $pri/
  (cd $pri && npm ci --no-audit --no-fund --loglevel=error)
  rm -f $pri/prices.json
fi
if [ ! -s $pri/prices.json ] || [ src/pricing/data/make_prices.js -nt $pri/prices.json ] || [ src/pricing/data/package.json -nt $pri/prices.json ]; then
  echo "setup: generating the price table $pri/prices.json"
  node src/pricing/data/make_prices.js $pri/node_modules/@pydantic/genai-prices src/pricing/data/package.json $pri/prices.json
else
  echo "setup: price table present"
fi

# OTLP .proto definitions, for the OTLP exporter (src/sinks/otel/): taken from the published npm
# package @opentelemetry/otlp-grpc-exporter-base@0.30.0 (build/protos/, an older OTLP revision,
# wire-compatible: it has ScopeSpans/ScopeMetrics/ScopeLogs), its tarball checked against the
# registry's sha512 integrity before it is unpacked. CMake runs protoc on them.
otlp=third_party/otlp
OTLP_PKG=@opentelemetry/otlp-grpc-exporter-base@0.30.0
OTLP_SHA512=86fuhZ7Z2un3L5Kd7jbH1oEn92v9DD92teErnYRXqYB/qyO61OLxaY6WxH9KOjmbs5CgCdLQ5bvED3wWDe3r7w==
if [ ! -s $otlp/protos/opentelemetry/proto/trace/v1/trace.proto ]; then
  echo "setup: fetching the OTLP .proto files ($OTLP_PKG)"
  rm -rf $otlp && mkdir -p $otlp
  (cd $otlp && npm pack "$OTLP_PKG" --silent --loglevel=error >/dev/null)
  got=$(openssl dgst -sha512 -binary $otlp/*.tgz | base64 -w0)
  if [ "$got" != "$OTLP_SHA512" ]; then
    echo "setup: FATAL: $OTLP_PKG does not match its pinned sha512 integrity" >&2
    exit 1
  fi
  tar -xzf $otlp/*.tgz -C $otlp package/build/protos
  mv $otlp/package/build/protos $otlp/protos && rm -rf $otlp/package $otlp/*.tgz
else
  echo "setup: OTLP .proto files present"
fi
# The OTLP tests decode llmtap's protobuf payloads with protobufjs and the same .proto files.
if [ ! -d tests/e2e/otlp/node_modules/protobufjs ] || [ tests/e2e/otlp/package-lock.json -nt tests/e2e/otlp/node_modules/.package-lock.json ]; then
  echo "setup: npm ci in tests/e2e/otlp"
  (cd tests/e2e/otlp && npm ci --no-audit --no-fund --loglevel=error)
fi
