#!/usr/bin/env bash
# Live fan-out: VIEWERS WebSocket viewers of one room while the server publishes RATE events a
# second into it; delivery latency (publish -> viewer, p50/p99), whether every viewer got every
# event of the window in order, and the server's memory.
#
#   bench/live.sh                                   # 10,000 viewers, 10 events/s, 30 s window
#   VIEWERS=2000 DURATION=10 bench/live.sh
#   EVENTS=posts bench/live.sh                      # real posts into the demo deliberation instead
#
# EVENTS=ticks (default): the events come from the server's bench tick room (see below).
# EVENTS=posts: the viewers watch room deliberation:<id> of the demo deliberation (anonymous:
# it is public) while `sl_bench_live post` makes RATE posts a second in it through HTTP as the
# demo member; latency runs from the post request being sent to the viewer receiving the
# post.created event (commit, event log, bus, hub, sockets).
#
# The events come from the server's bench tick room (live.bench_publish_per_second): the path
# bus -> hub -> send queues -> sockets is the one deliberation events take. Viewers are spread
# over processes of PER_PROCESS connections (one process holds at most ~20,000 files here), each
# from its own source address 127.0.0.(2+i).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VIEWERS=${VIEWERS:-10000}
RATE=${RATE:-10}
DURATION=${DURATION:-30}
PER_PROCESS=${PER_PROCESS:-2500}
THREADS=${THREADS:-2}
NICE=${NICE:-0}    # e.g. -10 (root): run the server and the viewers ahead of other work on a shared machine
BIN=${BIN:-build/shangliang}
EVENTS=${EVENTS:-ticks}
case $EVENTS in ticks|posts) ;; *) echo "EVENTS must be ticks or posts" >&2; exit 2 ;; esac

ninja -C build shangliang sl_bench_live >/dev/null
dir="$(mktemp -d /tmp/sl-live-bench.XXXXXX)"
pids=()
poster=""
cleanup() {
  for p in "${pids[@]}" $poster; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
cp "$BIN" "$dir/shangliang"
cp build/sl_bench_live "$dir/sl_bench_live"

now_ms() { date +%s%3N; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "viewers=$VIEWERS rate=$RATE/s window=${DURATION}s per_process=$PER_PROCESS server_threads=$THREADS nice=$NICE events=$EVENTS"
tick_rate=$RATE
[ "$EVENTS" = posts ] && tick_rate=0

nice -n "$NICE" "$dir/shangliang" serve --demo \
  --database.url="sqlite:$dir/db.sqlite" --data_dir="$dir/data" --notify.outbox_path="$dir/outbox.jsonl" \
  --server.web_root="$dir/web" --server.host=127.0.0.1 --server.port=0 --server.threads="$THREADS" \
  --log.access_log=false --live.bench_publish_per_second="$tick_rate" >"$dir/server.log" 2>&1 &
spid=$!
pids+=("$spid")
port=""
for _ in $(seq 1 600); do
  port=$(sed -n 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$dir/server.log" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start:"; cat "$dir/server.log"; exit 1; }
sleep 1
room=bench
if [ "$EVENTS" = posts ]; then
  base="http://127.0.0.1:$port"
  token=$(curl -sS --noproxy '*' -H 'Content-Type: application/json' \
    -d '{"login":"member","password":"shangliang-demo","bearer":true}' "$base/api/v1/auth/login" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
  delib=$(curl -sS --noproxy '*' "$base/api/v1/deliberations?limit=100" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][-1]["id"])')
  room="deliberation:$delib"
  echo "room $room: posts by the demo member through POST /api/v1/deliberations/$delib/posts"
fi
echo "server rss before viewers: $(( $(rss_kib "$spid") / 1024 )) MiB"

procs=$(( (VIEWERS + PER_PROCESS - 1) / PER_PROCESS ))
t_connect=$(now_ms)
for i in $(seq 0 $((procs - 1))); do
  n=$(( VIEWERS / procs + (i < VIEWERS % procs ? 1 : 0) ))
  nice -n "$NICE" "$dir/sl_bench_live" run 127.0.0.1 "$port" "$n" "127.0.0.$((2 + i))" "$dir/start" "$dir/out.$i" "$room" \
    >"$dir/client.$i.log" 2>&1 &
  pids+=("$!")
done
for _ in $(seq 1 3000); do
  ready=$(cat "$dir"/client.*.log 2>/dev/null | grep -c '^ready' || true)
  [ "$ready" -ge "$procs" ] && break
  sleep 0.2
done
[ "$ready" -ge "$procs" ] || { echo "viewers did not all connect:"; tail -n 5 "$dir"/client.*.log; exit 1; }
echo "connected: $(grep -h '^ready' "$dir"/client.*.log | awk '{ok += $2; bad += $4} END {print ok " subscribed, " bad " failed"}') in $(( $(now_ms) - t_connect )) ms"
sleep 2
echo "server rss with viewers: $(( $(rss_kib "$spid") / 1024 )) MiB"

t0=$(( $(now_ms) + 1000 ))
t1=$(( t0 + DURATION * 1000 ))
echo "$t0 $t1" >"$dir/start"
if [ "$EVENTS" = posts ]; then
  nice -n "$NICE" "$dir/sl_bench_live" post 127.0.0.1 "$port" "$token" "$delib" "$RATE" "$dir/start" >"$dir/poster.log" 2>&1 &
  poster=$!
fi
cpu0=$(cpu_ticks "$spid")
ccpu0=0
for p in "${pids[@]:1}"; do ccpu0=$((ccpu0 + $(cpu_ticks "$p"))); done
peak=0
while [ "$(now_ms)" -lt $((t1 + 3500)) ]; do
  r=$(rss_kib "$spid")
  [ "$r" -gt "$peak" ] && peak=$r
  if [ "$(now_ms)" -ge $((t1 - 1000)) ] && [ ! -s "$dir/metrics" ]; then
    curl -s "http://127.0.0.1:$port/metrics" | grep '^shangliang_live_' >"$dir/metrics" || true
  fi
  if [ "$(now_ms)" -ge "$t1" ] && [ -z "${cpu1:-}" ]; then
    cpu1=$(cpu_ticks "$spid")
    ccpu1=0
    for p in "${pids[@]:1}"; do ccpu1=$((ccpu1 + $(cpu_ticks "$p"))); done
  fi
  sleep 0.5
done
for i in $(seq 0 $((procs - 1))); do
  for _ in $(seq 1 100); do [ -s "$dir/out.$i" ] && break; sleep 0.1; done
done
if [ "$EVENTS" = posts ]; then
  wait "$poster" || true
  echo "poster: $(cat "$dir/poster.log")"
fi
echo "server rss peak during the window: $(( peak / 1024 )) MiB"
hz=$(getconf CLK_TCK)
echo "server cpu during the window: $(awk -v a="$cpu0" -v b="$cpu1" -v hz="$hz" -v d="$DURATION" 'BEGIN {printf "%.2f s (%.0f%% of one core)", (b - a) / hz, 100 * (b - a) / hz / (d + 1)}')"
echo "viewer processes' cpu during the window: $(awk -v a="$ccpu0" -v b="$ccpu1" -v hz="$hz" -v d="$DURATION" 'BEGIN {printf "%.2f s (%.0f%% of one core)", (b - a) / hz, 100 * (b - a) / hz / (d + 1)}')"
"$dir/sl_bench_live" merge "$dir"/out.*
echo "server metrics at the end of the window:"
cat "$dir/metrics"
