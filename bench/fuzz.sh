#!/usr/bin/env bash
# The fuzz targets (tests/fuzz/) for longer than the test suite's 20 s: each for SECONDS (default
# 600), one after another, over the seed corpus plus what earlier runs of this script found
# (var/fuzz/corpus/<target>, kept between runs). Prints each target's final libFuzzer stats;
# a crash stops that target, leaves var/fuzz/crash-<target>-* and makes the exit status 1.
#   bench/fuzz.sh                       # all five, 10 minutes each
#   SECONDS_EACH=120 bench/fuzz.sh http json
#   JOBS=2 bench/fuzz.sh markdown       # two fuzzing processes for one target (2 cores)
# Build first: scripts/test.sh builds build-asan (clang, ASan + UBSan + libFuzzer), or
#   CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSL_SANITIZE=ON
#   ninja -C build-asan fuzz_targets
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECONDS_EACH="${SECONDS_EACH:-600}"
JOBS="${JOBS:-1}"
OUT="${OUT:-var/fuzz}"
BIN_DIR="${BIN_DIR:-build-asan}"
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(http json live markdown csv)

status=0
for t in "${TARGETS[@]}"; do
  echo "== fuzz_$t: ${SECONDS_EACH}s, $JOBS job(s)"
  extra=()
  if [ "$JOBS" -gt 1 ]; then extra=(-fork="$JOBS" -ignore_crashes=0); fi
  log="$OUT/fuzz_$t.log"
  mkdir -p "$OUT"
  if bash tests/fuzz/run.sh "$BIN_DIR/fuzz_$t" "$t" "$SECONDS_EACH" "$OUT" "${extra[@]}" >"$log" 2>&1; then
    echo "   ok"
  else
    echo "   FAILED (see $log and $OUT/crash-$t-*)"
    grep -m3 -E '==FUZZ==|ERROR: AddressSanitizer|runtime error|ERROR: libFuzzer' "$log" | sed 's/^/   /'
    status=1
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log" | sed 's/^/   /'
  grep -E '^#[0-9]+.*(DONE|pulse)' "$log" | tail -1 | sed 's/^/   /'
  echo "   corpus: $(ls "$OUT/corpus/$t" 2>/dev/null | wc -l) new inputs kept in $OUT/corpus/$t"
done
exit $status
