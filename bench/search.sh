#!/usr/bin/env bash
# Search costs: indexing throughput and query latency on N documents (default 100,000), on
# SQLite and on a throwaway PostgreSQL (scripts/services.sh, loopback only).
#   bench/search.sh [N]          NO_POSTGRES=1 bench/search.sh   (SQLite only)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ninja -C build sl_bench_search >/dev/null
dir="$(mktemp -d /tmp/sl-search-bench.XXXXXX)"
pg=""
cleanup() {
  if [[ -n "$pg" ]]; then scripts/services.sh stop-postgres "$pg" >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
url=""
if [[ -z "${NO_POSTGRES:-}" ]]; then
  pg="$(mktemp -d /tmp/sl-search-bench-pg.XXXXXX)"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  url="$(scripts/services.sh start-postgres "$pg" "$port" | tail -n1)"
fi
./build/sl_bench_search "$dir/sqlite" "${1:-100000}" "$url"
