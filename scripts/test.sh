#!/usr/bin/env bash
# The whole suite through CTest: unit tests (also built with ASan+UBSan), the fuzz targets for a
# short budget each, the API integration suite on SQLite and on a throwaway PostgreSQL, and the
# browser tests. Ends with CTest's summary line; exits non-zero on any failure. Extra arguments
# go to ctest (e.g. -L unit, -L fuzz).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-build}"
ASAN_DIR="build-asan"

# The sanitizer tree is built with clang: ASan + UBSan for the unit tests, and libFuzzer for the
# fuzz targets (tests/fuzz/) in the same tree. A tree configured earlier with another compiler
# is made again.
if [ -f "$ASAN_DIR/CMakeCache.txt" ] && ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++' "$ASAN_DIR/CMakeCache.txt"; then
  echo "[test] $ASAN_DIR was not configured with clang: configuring it again"
  rm -rf "$ASAN_DIR"
fi
if [ ! -f "$ASAN_DIR/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$ASAN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSL_SANITIZE=ON >/dev/null
fi
echo "[test] building the sanitizer unit tests and the fuzz targets ($ASAN_DIR)"
ninja -C "$ASAN_DIR" sl_unit_tests fuzz_targets | grep -v '^ninja: no work to do' || true
test "${PIPESTATUS[0]}" -eq 0

exec ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 900 -j2 "$@"
