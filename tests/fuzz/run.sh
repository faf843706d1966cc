#!/usr/bin/env bash
# Runs one fuzz target for a fixed budget: tests/fuzz/run.sh BINARY TARGET SECONDS OUT_DIR [libFuzzer flags...]
# First every seed in tests/fuzz/corpus/TARGET (regressions included) runs once, then the
# fuzzer mutates for SECONDS. New inputs go to OUT_DIR/corpus/TARGET (never into the source
# tree); a crashing input is written to OUT_DIR/crash-TARGET-*, and the run fails.
set -euo pipefail
BIN="$1"; TARGET="$2"; SECONDS_BUDGET="$3"; OUT="$4"; shift 4
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ ! -x "$BIN" ]; then
  echo "fuzz target $BIN is missing: build it with scripts/test.sh (the clang build-asan tree)" >&2
  exit 1
fi
mkdir -p "$OUT/corpus/$TARGET"
DICT=()
if [ -f "$ROOT/tests/fuzz/$TARGET.dict" ]; then DICT=(-dict="$ROOT/tests/fuzz/$TARGET.dict"); fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# -max_len: requests, bodies and rosters a few KiB long find the bugs short ones do not.
exec "$BIN" -max_total_time="$SECONDS_BUDGET" -timeout=10 -max_len=8192 -rss_limit_mb=3072 -print_final_stats=1 \
  -artifact_prefix="$OUT/crash-$TARGET-" "${DICT[@]}" "$@" \
  "$OUT/corpus/$TARGET" "$ROOT/tests/fuzz/corpus/$TARGET"
