#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds the debug configuration with
# AddressSanitizer + UndefinedBehaviorSanitizer and warnings as errors, then runs ctest
# (unit tests and end-to-end tests of the real binary). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
BUILD=${BUILD_DIR:-build/debug}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLLMTAP_SANITIZE=ON -DLLMTAP_WERROR=ON >/dev/null
cmake --build "$BUILD" -j "$(nproc)"
cd "$BUILD"
# halt_on_error keeps a sanitizer finding from being mistaken for a pass.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --output-on-failure -j 2 --timeout 300 "$@"
