#!/usr/bin/env bash
# bench/profile.sh — where our server's CPU goes on GET /api/v1/orgs/{id}.
#
# Runs the server (1 network thread, fresh temp DB with --demo data, access log off) under
# valgrind --tool=callgrind with instrumentation off, warms it up, switches instrumentation
# on for a fixed wrk run, then prints user-space instructions per request (Ir/request), the
# inclusive cost of the functions that matter for this request, and the syscalls per request
# (strace -c on a short native run). Hardware counters are not available on these VMs
# (`perf stat -e instructions true` says <not supported>), so instruction counts come from
# callgrind, which is exact and unaffected by other load on the machine.
#
# Environment: SECONDS_PROFILED [15], CONNECTIONS [8], ORG_ID [3], BIN [build/shangliang],
# KEEP=1 keeps the temp dir (callgrind.out for callgrind_annotate / kcachegrind).
set -euo pipefail

SECONDS_PROFILED=${SECONDS_PROFILED:-15}
CONNECTIONS=${CONNECTIONS:-8}
ORG_ID=${ORG_ID:-3}
HOST=127.0.0.1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-$ROOT/build/shangliang}
for t in valgrind callgrind_control callgrind_annotate wrk curl; do
  command -v $t >/dev/null || { echo "$t not installed" >&2; exit 2; }
done

TMP=$(mktemp -d -t sl-bench-profile.XXXXXX)
PID=""
cleanup() {
  set +e
  if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null
    for _ in $(seq 200); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null
  fi
  wait 2>/dev/null
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cp "$BIN" "$TMP/shangliang"

start() {  # prefix... : starts the server, sets PID and PORT
  rm -f "$TMP/bench.db"* "$TMP/server.log"
  "$@" "$TMP/shangliang" serve --demo --server.host=$HOST --server.port=0 --server.threads=1 \
    --database.url="sqlite:$TMP/bench.db" --notify.outbox_path="$TMP/outbox.jsonl" \
    --log.access_log=false --log.level=warn >"$TMP/server.log" 2>&1 &
  PID=$!
  PORT=""
  for _ in $(seq 1200); do
    PORT=$(grep -ao "listening on http://$HOST:[0-9]*" "$TMP/server.log" 2>/dev/null | grep -o '[0-9]*$' || true)
    [[ -n $PORT ]] && return 0
    kill -0 "$PID" 2>/dev/null || { cat "$TMP/server.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "server did not start" >&2; exit 1
}
stop() {
  kill -TERM "$PID" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  wait "$PID" 2>/dev/null || true
  PID=""
}
requests() { awk '/requests in/ {print $1}'; }

# ---- callgrind ----------------------------------------------------------------------------
start valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$TMP/callgrind.out.%p"
URL="http://$HOST:$PORT/api/v1/orgs/$ORG_ID"
curl -sS --noproxy '*' -o "$TMP/body" "$URL"
echo "GET $URL: $(wc -c <"$TMP/body") bytes"
wrk -t1 -c"$CONNECTIONS" -d3s "$URL" >/dev/null
callgrind_control -i on "$PID" >/dev/null 2>&1
n=$(wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PROFILED}"s "$URL" | requests)
callgrind_control -i off "$PID" >/dev/null 2>&1
callgrind_control -d "$PID" >/dev/null 2>&1
stop
out=$(ls "$TMP"/callgrind.out.*.1 | head -1)
total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "callgrind: $n requests, $total instructions (user space) => $((total / n)) Ir/request"
echo
echo "inclusive Ir/request  share  function"
callgrind_annotate --inclusive=yes --threshold=100 "$out" 2>/dev/null >"$TMP/inclusive.txt"
# The first line for each pattern is its outermost (largest inclusive) entry.
while IFS='|' read -r label pattern; do
  line=$(grep -E -m1 "$pattern" "$TMP/inclusive.txt" || true)
  [[ -n $line ]] || continue
  ir=$(awk '{gsub(",", "", $1); print $1}' <<<"$line")
  awk -v ir="$ir" -v n="$n" -v t="$total" -v l="$label" 'BEGIN {printf "%19.0f  %4.1f%%  %s\n", ir / n, 100 * ir / t, l}'
done <<'EOF'
Connection::dispatch (request incl. handler)|Connection::dispatch\(
Router::handle (middleware + handler)|Router::handle\(
OrgsService::get_org|OrgsService::get_org\(
SqliteDatabase::read (pool + BEGIN + fn + COMMIT)|SqliteDatabase::read\(
SqliteConn::raw: BEGIN/COMMIT via sqlite3_exec|SqliteConn::raw\(
store::org_json|store::org_json\(
Conn::query_one (3 queries: org + 2 ancestors)|Conn::query_one\(
sqlite3_step|[?]+:sqlite3_step \[
sqlite3_prepare_v2 (re-parsing BEGIN/COMMIT)|sqlite3_prepare_v2 \[
org_from_row|org_from_row\(
format_iso8601 (2 per org, snprintf)|format_iso8601
routes::reply (serialize + response)|routes::reply<
boost::json::serialize|boost::json::serialize
Connection::complete (response headers)|Connection::complete\(
Connection::pump (write)|Connection::pump\(
basic_parser::put (request parsing)|basic_parser<true>::put\(
malloc|malloc.c:malloc \[
free|malloc.c:free \[
EOF
echo
echo "top self cost:"
callgrind_annotate "$out" 2>/dev/null | grep -E '^ *[0-9,]+ +\( *[0-9.]+%\)' | sed -n '2,16p' | cut -c1-160

# ---- syscalls (native) ----------------------------------------------------------------------
if command -v strace >/dev/null; then
  start
  URL="http://$HOST:$PORT/api/v1/orgs/$ORG_ID"
  wrk -t1 -c64 -d1s "$URL" >/dev/null
  timeout -s INT 4 strace -c -f -p "$PID" -o "$TMP/strace.txt" 2>/dev/null &
  STRACE_PID=$!
  sleep 0.5
  n=$(wrk -t1 -c64 -d2s "$URL" | requests)
  wait "$STRACE_PID" 2>/dev/null || true
  stop
  echo
  echo "syscalls per request (strace -c, $n requests; futex = idle worker threads):"
  awk -v n="$n" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" {
      if ($4 / n < 0.005) next
      err = (NF == 6) ? $5 : 0; printf "  %-14s %5.2f  (errors %5.2f)\n", $NF, $4 / n, err / n }' "$TMP/strace.txt"
fi
