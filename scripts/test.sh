#!/usr/bin/env bash
# The whole suite through CTest: unit tests (also built with ASan+UBSan), the API integration
# suite on SQLite and on a throwaway PostgreSQL, and the browser tests. Ends with CTest's
# summary line; exits non-zero on any failure. Extra arguments go to ctest (e.g. -L unit).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-build}"
ASAN_DIR="build-asan"

if [ ! -f "$ASAN_DIR/build.ninja" ]; then
  cmake -S . -B "$ASAN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSL_SANITIZE=ON >/dev/null
fi
echo "[test] building the sanitizer unit tests ($ASAN_DIR)"
ninja -C "$ASAN_DIR" sl_unit_tests | grep -v '^ninja: no work to do' || true
test "${PIPESTATUS[0]}" -eq 0

exec ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 900 -j2 "$@"
