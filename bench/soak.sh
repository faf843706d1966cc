#!/usr/bin/env bash
# bench/soak.sh — a long run at half the measured maximum load, watching memory (issue 8).
#
#   1. A fresh server (SQLite, demo data, bench/deliberation_seed.py: 64 members, 60 speeches).
#   2. The maximum: wrk with CONNECTIONS connections, no pauses, for MAX_SECONDS, on a mix of
#      anonymous page reads of the demo deliberation (GET .../posts?limit=50) and replies by the
#      members (WRITE_PERCENT % of requests): requests/s.
#   3. The soak: the same mix paced to half that rate (each connection pauses before each
#      request) for DURATION seconds; the server's resident memory (VmRSS) sampled every
#      SAMPLE seconds. Growth is measured from the first sample after WARMUP seconds (caches
#      and the SQLite page cache filled) to the last one.
# Last lines: `max_rps=<n>`, `soak_rps=<n>`, `rss_start_kb=<n>`, `rss_end_kb=<n>`, `rss_growth_pct=<n>`
# (target < 5). Everything on 127.0.0.1; temp dirs and processes are removed on exit.
#
# Environment (defaults in brackets):
#   DURATION [1800]   soak seconds (30 minutes; docs/performance.md records a shortened run)
#   WARMUP [60]       seconds before the baseline sample
#   SAMPLE [10]       seconds between memory samples
#   MAX_SECONDS [15]  length of the maximum-load measurement
#   CONNECTIONS [32]  wrk connections
#   WRITE_PERCENT [20]
#   THREADS [2]       server network threads
#   BIN [build/shangliang]
set -euo pipefail

DURATION=${DURATION:-1800}
WARMUP=${WARMUP:-60}
SAMPLE=${SAMPLE:-10}
MAX_SECONDS=${MAX_SECONDS:-15}
CONNECTIONS=${CONNECTIONS:-32}
WRITE_PERCENT=${WRITE_PERCENT:-20}
THREADS=${THREADS:-2}
HOST=127.0.0.1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-$ROOT/build/shangliang}
[[ -x $BIN ]] || { echo "no server binary at $BIN (ninja -C build shangliang)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not installed" >&2; exit 2; }
(( WARMUP < DURATION )) || { echo "WARMUP must be shorter than DURATION" >&2; exit 2; }

TMP=$(mktemp -d -t sl-bench-soak.XXXXXX)
SERVER_PID=""
WRK_PID=""
cleanup() {
  set +e
  [[ -n $WRK_PID ]] && kill "$WRK_PID" 2>/dev/null
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null
  fi
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binary: $BIN built $(date -u -r "$BIN" +%FT%TZ), repo HEAD $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%FT%TZ)"
echo "settings: duration=${DURATION}s warmup=${WARMUP}s sample=${SAMPLE}s max_seconds=${MAX_SECONDS}s connections=$CONNECTIONS write_percent=$WRITE_PERCENT threads=$THREADS"

cp "$BIN" "$TMP/shangliang"
"$TMP/shangliang" serve --demo \
  --server.host=$HOST --server.port=0 --server.threads="$THREADS" \
  --database.url="sqlite:$TMP/bench.db" --data_dir="$TMP/data" --notify.outbox_path="$TMP/outbox.jsonl" \
  --server.web_root="$TMP/web" --server.write_rate_per_second=0 \
  --auth.argon2_opslimit=1 --auth.argon2_memlimit_kib=8192 \
  --log.access_log=false --log.level=warn \
  >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
PORT=""
for _ in $(seq 600); do
  PORT=$(grep -ao "listening on http://$HOST:[0-9]*" "$TMP/server.log" 2>/dev/null | grep -o '[0-9]*$' || true)
  [[ -n $PORT ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited:" >&2; cat "$TMP/server.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n $PORT ]] || { echo "server did not start within 60 s" >&2; exit 1; }
BASE="http://$HOST:$PORT"
python3 "$ROOT/bench/deliberation_seed.py" "$BASE" "$TMP/seed" 50 >/dev/null
DEMO_ID=$(cat "$TMP/seed/demo_id")

run_wrk() {  # seconds delay_ms -> wrk output
  wrk -t1 -c"$CONNECTIONS" -d"$1"s --latency -s "$ROOT/bench/soak.lua" "$BASE" -- \
    "$TMP/seed/tokens" "$TMP/seed/parents" "$DEMO_ID" "$WRITE_PERCENT" "$2"
}
rps_of() { awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$1"; }

# ---- 2. the maximum -----------------------------------------------------------------------
out=$(run_wrk "$MAX_SECONDS" 0)
max_rps=$(rps_of "$out")
echo "maximum: $max_rps req/s ($(grep -o 'ok=.*' <<<"$out"), p99 $(awk '/^ +99%/ {print $2}' <<<"$out"))"
[[ -n $max_rps && $max_rps -gt 0 ]] || { echo "$out" >&2; exit 1; }

# ---- 3. the soak at half of it --------------------------------------------------------------
target=$((max_rps / 2))
delay_ms=$(( CONNECTIONS * 1000 / (target > 0 ? target : 1) ))
echo "soak: target $target req/s = $CONNECTIONS connections each pausing ${delay_ms} ms, for ${DURATION}s"
run_wrk "$DURATION" "$delay_ms" >"$TMP/soak.out" 2>&1 &
WRK_PID=$!
t0=$(date +%s)
base_kb=""
last_kb=""
echo "t_s rss_kb"
while kill -0 "$WRK_PID" 2>/dev/null; do
  sleep "$SAMPLE"
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server died:" >&2; tail -20 "$TMP/server.log" >&2; exit 1; }
  t=$(( $(date +%s) - t0 ))
  kb=$(rss_kb)
  echo "$t $kb"
  if [[ -z $base_kb && $t -ge $WARMUP ]]; then base_kb=$kb; fi
  (( t <= DURATION )) && last_kb=$kb
done
wait "$WRK_PID" || true
WRK_PID=""
soak=$(cat "$TMP/soak.out")
soak_rps=$(rps_of "$soak")
echo "soak result: $soak_rps req/s ($(grep -o 'ok=.*' <<<"$soak"), p99 $(awk '/^ +99%/ {print $2}' <<<"$soak"))"
[[ -n $base_kb && -n $last_kb ]] || { echo "no samples after the warm-up" >&2; exit 1; }
growth=$(awk -v a="$base_kb" -v b="$last_kb" 'BEGIN {printf "%.1f", (b - a) * 100 / a}')
echo "max_rps=$max_rps"
echo "soak_rps=$soak_rps"
echo "rss_start_kb=$base_kb"
echo "rss_end_kb=$last_kb"
echo "rss_growth_pct=$growth"
