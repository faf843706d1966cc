#!/usr/bin/env bash
# SQLite write throughput: single-row commits from 1, 8 and 32 threads, with durability
# "process" and "power" (group commit keeps "power" fast under concurrency).
#   bench/storage.sh [SECONDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ninja -C build sl_bench_storage >/dev/null
dir="$(mktemp -d /tmp/sl-storage-bench.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
./build/sl_bench_storage "$dir/db" "${1:-3}"
