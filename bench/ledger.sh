#!/usr/bin/env bash
# Ledger costs: write throughput with and without a ledger entry in the same transaction (a bare
# one-row insert and a realistic post-like write, interleaved), and inclusion/consistency-proof
# generation at N entries.
#   bench/ledger.sh [N] [SECONDS] [ROUNDS] [WHAT]     WHAT: all | append | proof | services (see ledger_bench.cc)
# services: the entry's share of the platform's real writes (a post, a reply, a like, an
# organisation renamed) through the services at one client thread: natively in writer CPU
# (entry_share_OP_cpu=), then in instructions under callgrind (entry_share_OP=) with CG_WRITES
# (300) writes of each kind and the synthetic realistic write for CG_SECONDS (20) with and without
# its entry for the commit's extra pages. Set CALLGRIND=0 to skip the callgrind part.
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
  ./build/sl_bench_ledger "$dir/db" 0 "${2:-3}" "${3:-5}" services
  if [ "${CALLGRIND:-1}" != 0 ]; then
    command -v valgrind >/dev/null || { echo "valgrind is not installed (scripts/setup.sh)"; exit 1; }
    cg() { valgrind --tool=callgrind --separate-threads=yes --dump-instr=no --callgrind-out-file="$dir/cg-$1.%p" "${@:2}" 2>/dev/null; }
    declare -A writes
    for v in realistic realistic+ledger; do
      out="$(cg "$v" ./build/sl_bench_ledger "$dir/db" 0 "${CG_SECONDS:-20}" 1 "$v" 1)"
      echo "callgrind, $out"
      writes[$v]="$(sed -n 's/.*(\([0-9]*\) writes).*/\1/p' <<<"$out")"
    done
    # shellcheck disable=SC2046
    synth="$(python3 bench/ledger_share.py --synthetic "${writes[realistic]}" $(ls "$dir"/cg-realistic.*.1-*) -- \
             "${writes[realistic+ledger]}" $(ls "$dir"/cg-realistic+ledger.*.1-*))"
    echo "$synth"
    extra="$(sed -n 's/^commit_extra_ir=//p' <<<"$synth")"
    for op in post reply like org; do
      cg "$op" ./build/sl_bench_ledger "$dir/db" "${CG_WRITES:-300}" 0 0 "services-callgrind-$op" >/dev/null
      # shellcheck disable=SC2046
      COMMIT_EXTRA="$extra" python3 bench/ledger_share.py "$op" "${CG_WRITES:-300}" $(ls "$dir"/cg-"$op".*.1-*)
    done
  fi
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
