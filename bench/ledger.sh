#!/usr/bin/env bash
# Ledger costs: write throughput with and without a ledger entry in the same transaction (a bare
# one-row insert and a realistic post-like write, interleaved), and inclusion/consistency-proof
# generation at N entries.
#   bench/ledger.sh [N] [SECONDS] [ROUNDS] [WHAT]     WHAT: all | append | proof | services (see ledger_bench.cc)
# services: the entry's share of the platform's real writes (a post, a reply, a like, an
# organisation renamed) through the services at one client thread: natively in writer CPU
# (entry_share_OP_cpu=), then in instructions under callgrind (entry_share_OP=) with CG_WRITES
# (300) writes of each kind (and entry_share_OP_with_checkpointer=, the tree built over them
# later on the same writer counted too) and the synthetic realistic write for CG_SECONDS (10) with and without
# its entry for the commit's extra pages. CALLGRIND=0 skips the callgrind part, NATIVE=0 the other.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ninja -C build sl_bench_ledger >/dev/null
dir="$(mktemp -d /tmp/sl-ledger-bench.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+dirty')"
what="${4:-all}"
if [ "$what" != services ]; then
  ./build/sl_bench_ledger "$dir/db" "${1:-1000000}" "${2:-3}" "${3:-5}" "$what"
else
  [ "${NATIVE:-1}" = 0 ] || ./build/sl_bench_ledger "$dir/db" 0 "${2:-3}" "${3:-5}" services
  if [ "${CALLGRIND:-1}" != 0 ]; then
    command -v valgrind >/dev/null || { echo "valgrind is not installed (scripts/setup.sh)"; exit 1; }
    # Each figure: two runs with different numbers of writes; the difference per write (setup cancels).
    run=0
    cg() { valgrind --tool=callgrind --separate-threads=yes --dump-instr=no \
             --callgrind-out-file="$dir/cg$run.%p" "$@" 2>/dev/null; }
    dumps() { ls "$dir"/cg"$run".*-*; }
    args=()
    for v in realistic realistic+ledger; do
      for s in "${CG_SECONDS:-10}" $(( ${CG_SECONDS:-10} * 3 )); do
        run=$((run + 1))
        out="$(cg ./build/sl_bench_ledger "$dir/db" 0 "$s" 1 "$v" 1)"
        echo "callgrind, $out"
        args+=("$(sed -n 's/.*(\([0-9]*\) writes).*/\1/p' <<<"$out")" $(dumps) --)
      done
    done
    synth="$(python3 -B bench/ledger_share.py --synthetic "${args[@]:0:${#args[@]}-1}")"
    echo "$synth"
    extra="$(sed -n 's/^commit_extra_ir=//p' <<<"$synth")"
    n="${CG_WRITES:-300}"
    for op in post reply like org; do
      run=$((run + 1))
      cg ./build/sl_bench_ledger "$dir/db" 50 0 0 "services-callgrind-$op" >/dev/null
      first=("$(dumps)")
      run=$((run + 1))
      cg ./build/sl_bench_ledger "$dir/db" $((50 + n)) 0 0 "services-callgrind-$op" >/dev/null
      # shellcheck disable=SC2046,SC2068
      COMMIT_EXTRA="$extra" python3 -B bench/ledger_share.py "$op" 50 ${first[@]} -- $((50 + n)) $(dumps)
    done
  fi
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
