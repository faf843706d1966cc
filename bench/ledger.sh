#!/usr/bin/env bash
# Ledger costs: write throughput with and without a ledger entry in the same transaction (a bare
# one-row insert and a realistic post-like write, interleaved), and inclusion/consistency-proof
# generation at N entries.
#   bench/ledger.sh [N] [SECONDS] [ROUNDS] [WHAT]     WHAT: all | append | proof (see ledger_bench.cc)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ninja -C build sl_bench_ledger >/dev/null
dir="$(mktemp -d /tmp/sl-ledger-bench.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+dirty')"
./build/sl_bench_ledger "$dir/db" "${1:-1000000}" "${2:-3}" "${3:-5}" "${4:-all}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
