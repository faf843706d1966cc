#!/usr/bin/env bash
# The whole suite through CTest: unit tests, the API integration suite on SQLite and on a
# throwaway PostgreSQL, and the browser tests. Ends with CTest's summary line; exits
# non-zero on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-build}"
exec ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 900 -j2 "$@"
