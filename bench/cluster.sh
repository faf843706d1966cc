#!/usr/bin/env bash
# Two nodes against one on PostgreSQL: reply and read throughput, and live delivery latency on
# the same node and across nodes (Redis), side by side in one run (bench/cluster.mjs).
#
#   bench/cluster.sh                                  # 8 concurrent clients, 10 s each, 100 samples
#   CONCURRENCY=16 DURATION=30 SAMPLES=300 bench/cluster.sh
#
# Starts its own PostgreSQL, Redis and two server processes on loopback (scripts/services.sh)
# and removes them afterwards. Needs build/shangliang (or BIN=...).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec node bench/cluster.mjs
