#!/usr/bin/env bash
# Ledger costs: write throughput with and without a ledger entry in the same transaction, and
# inclusion-proof generation at N entries.   bench/ledger.sh [N] [SECONDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ninja -C build sl_bench_ledger >/dev/null
dir="$(mktemp -d /tmp/sl-ledger-bench.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
./build/sl_bench_ledger "$dir/db" "${1:-1000000}" "${2:-3}"
