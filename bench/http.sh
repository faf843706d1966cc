#!/usr/bin/env bash
# bench/http.sh — our server vs nginx serving the same bytes, back to back on this machine.
#
# Starts shangliang (fresh temp SQLite DB with --demo data, access log off) and a private
# nginx (throwaway config in a temp dir) that serves ONE static file holding exactly the
# JSON body our server returns for GET /api/v1/orgs/$ORG_ID. Warms both up, then runs wrk
# with identical settings against both, interleaved (nginx, ours, nginx, ours, ...), prints
# each run's requests/s and the medians, and as its LAST line `ratio=<ours/nginx>`.
# Everything listens on and talks to 127.0.0.1 only. Both processes and the temp dir are
# removed on exit.
#
# Environment (defaults in brackets):
#   ROUNDS [3]          runs per server
#   DURATION [5]        seconds per run
#   WARMUP [2]          seconds of warm-up per server
#   CONNECTIONS [64]    wrk connections
#   WRK_THREADS [1]     wrk threads (2 cores: keep 1 so wrk leaves a core to the server)
#   THREADS [2]         server network threads = nginx worker_processes (2 beat 1 here: docs/performance.md)
#   ORG_ID [3]          organisation to fetch
#   BIN [build/shangliang]  copied into the temp dir first, so a rebuild during the run is harmless
#   NGINX_CONF [default]  how nginx serves the file (syscalls per request, measured with strace):
#                       default: nginx's built-in defaults (sendfile off, no open_file_cache): 6
#                       tuned:   + open_file_cache, the strongest baseline: 3 (recv, pread, writev)
#                       debian:  sendfile on + tcp_nopush on, as /etc/nginx/nginx.conf: 8
#   NICE [0]            e.g. -10 (root) runs server, nginx and wrk ahead of other load on a
#                       shared machine; 0 leaves priorities alone
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-1}
THREADS=${THREADS:-2}
ORG_ID=${ORG_ID:-3}
NGINX_CONF=${NGINX_CONF:-default}
NICE=${NICE:-0}
HOST=127.0.0.1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-$ROOT/build/shangliang}
[[ -x $BIN ]] || { echo "no server binary at $BIN (ninja -C build shangliang)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not installed" >&2; exit 2; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || { echo "nginx not installed" >&2; exit 2; }

TMP=$(mktemp -d -t sl-bench-http.XXXXXX)
SERVER_PID=""
NGINX_PID=""

cleanup() {
  set +e
  if [[ -n $NGINX_PID ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NGINX_PID" 2>/dev/null
  fi
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

# A free TCP port on 127.0.0.1 (bind to port 0, read what the kernel chose).
free_port() {
  python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# ---- our server -------------------------------------------------------------------------
cp "$BIN" "$TMP/shangliang"
nice -n "$NICE" "$TMP/shangliang" serve --demo \
  --server.host=$HOST --server.port=0 --server.threads="$THREADS" \
  --database.url="sqlite:$TMP/bench.db" --notify.outbox_path="$TMP/outbox.jsonl" \
  --log.access_log=false --log.level=warn \
  >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
PORT=""
for _ in $(seq 300); do
  PORT=$(grep -ao "listening on http://$HOST:[0-9]*" "$TMP/server.log" 2>/dev/null | grep -o '[0-9]*$' || true)
  [[ -n $PORT ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited:" >&2; cat "$TMP/server.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n $PORT ]] || { echo "server did not start within 30 s" >&2; cat "$TMP/server.log" >&2; exit 1; }
OURS_URL="http://$HOST:$PORT/api/v1/orgs/$ORG_ID"

# ---- nginx serving the same bytes -------------------------------------------------------
mkdir -p "$TMP/www" "$TMP/nginx"
BODY="$TMP/www/org.json"
code=$(curl -sS --noproxy '*' -o "$BODY" -w '%{http_code}' "$OURS_URL")
[[ $code == 200 ]] || { echo "GET $OURS_URL -> $code" >&2; exit 1; }
# nginx workers drop root privileges: let them read the file.
chmod 755 "$TMP" "$TMP/www"; chmod 644 "$BODY"

NPORT=$(free_port)
case $NGINX_CONF in
  default) NGINX_FILE_CONF="sendfile off;" ;;
  tuned) NGINX_FILE_CONF="sendfile off; open_file_cache max=16; open_file_cache_valid 60s;" ;;
  debian) NGINX_FILE_CONF="sendfile on; tcp_nopush on;" ;;
  *) echo "NGINX_CONF must be default, tuned or debian" >&2; exit 2 ;;
esac
cat >"$TMP/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes $THREADS;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  types { }
  default_type application/json;
  $NGINX_FILE_CONF
  keepalive_timeout 65;
  keepalive_requests 100000000;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  server {
    listen $HOST:$NPORT;
    server_name localhost;
    location = /api/v1/orgs/$ORG_ID { alias $BODY; }
    location / { return 404; }
  }
}
EOF
nice -n "$NICE" "$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" >"$TMP/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
NGINX_URL="http://$HOST:$NPORT/api/v1/orgs/$ORG_ID"
for _ in $(seq 100); do
  curl -s --noproxy '*' -o /dev/null "$NGINX_URL" && break
  kill -0 "$NGINX_PID" 2>/dev/null || { echo "nginx exited:" >&2; cat "$TMP/nginx/error.log" "$TMP/nginx/stdout.log" >&2; exit 1; }
  sleep 0.1
done

# ---- same bytes? ------------------------------------------------------------------------
curl -sS --noproxy '*' -o "$TMP/ours.body" "$OURS_URL"
curl -sS --noproxy '*' -o "$TMP/nginx.body" "$NGINX_URL"
ours_size=$(wc -c <"$TMP/ours.body"); nginx_size=$(wc -c <"$TMP/nginx.body")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ours:  $OURS_URL  (threads=$THREADS) body=$ours_size bytes"
echo "nginx: $NGINX_URL  (worker_processes=$THREADS; $NGINX_CONF: $NGINX_FILE_CONF) body=$nginx_size bytes"
if cmp -s "$TMP/ours.body" "$TMP/nginx.body"; then
  echo "bodies: identical ($ours_size bytes)"
else
  echo "bodies DIFFER" >&2; exit 1
fi
echo "binary: $BIN built $(date -u -r "$BIN" +%FT%TZ), repo HEAD $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "wrk: -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s, $ROUNDS interleaved rounds, ${WARMUP}s warm-up each, nice $NICE"

# ---- wrk --------------------------------------------------------------------------------
# Prints requests/s; fails on socket errors or non-2xx responses.
run_wrk() {  # url seconds
  local out rps
  out=$(nice -n "$NICE" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$2"s --latency "$1" 2>&1) || { echo "$out" >&2; return 1; }
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then echo "$out" >&2; return 1; fi
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  [[ -n $rps ]] || { echo "$out" >&2; return 1; }
  echo "$rps $(awk '/^ +50%/ {print $2}' <<<"$out") $(awk '/^ +99%/ {print $2}' <<<"$out")"
}

# CPU time (utime+stime, all threads) of a process, or of nginx's master plus its workers,
# in clock ticks: a contention-proof cost per request to read next to requests/s.
TICK=$(getconf CLK_TCK)
cpu_ticks() {  # pid...
  local t=0 p
  for p in "$@"; do
    [[ -r /proc/$p/stat ]] || continue
    t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo "$t"
}
nginx_pids() { echo "$NGINX_PID" $(pgrep -P "$NGINX_PID" || true); }

# Runs wrk against one server and prints "rps p50 p99 cpu_us_per_request".
measure() {  # name url
  local pids res c0 c1 rps p50 p99 n
  if [[ $1 == nginx ]]; then pids=$(nginx_pids); else pids=$SERVER_PID; fi
  c0=$(cpu_ticks $pids)
  res=$(run_wrk "$2" "$DURATION")
  c1=$(cpu_ticks $pids)
  read -r rps p50 p99 <<<"$res"
  awk -v r="$rps" -v a="$p50" -v b="$p99" -v d="$DURATION" -v c=$((c1 - c0)) -v t="$TICK" \
    'BEGIN {printf "%s %s %s %.1f\n", r, a, b, c / t * 1e6 / (r * d)}'
}

median_fmt() { sort -g | awk -v f="$1" '{a[NR]=$1} END {m = NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf f, m}'; }
median() { median_fmt "%.0f"; }
median1() { median_fmt "%.1f"; }

run_wrk "$NGINX_URL" "$WARMUP" >/dev/null
run_wrk "$OURS_URL" "$WARMUP" >/dev/null

nginx_rps=(); ours_rps=(); nginx_cpu=(); ours_cpu=()
for r in $(seq "$ROUNDS"); do
  res=$(measure nginx "$NGINX_URL"); read -r rps p50 p99 cpu <<<"$res"
  nginx_rps+=("$rps"); nginx_cpu+=("$cpu")
  printf 'round %d nginx %8.0f req/s  p50 %-8s p99 %-8s cpu %5.1f us/req\n' "$r" "$rps" "$p50" "$p99" "$cpu"
  res=$(measure ours "$OURS_URL"); read -r rps p50 p99 cpu <<<"$res"
  ours_rps+=("$rps"); ours_cpu+=("$cpu")
  printf 'round %d ours  %8.0f req/s  p50 %-8s p99 %-8s cpu %5.1f us/req\n' "$r" "$rps" "$p50" "$p99" "$cpu"
done
kill -0 "$SERVER_PID" 2>/dev/null || { echo "server died during the run" >&2; exit 1; }

nginx_med=$(printf '%s\n' "${nginx_rps[@]}" | median)
ours_med=$(printf '%s\n' "${ours_rps[@]}" | median)
nginx_cpu_med=$(printf '%s\n' "${nginx_cpu[@]}" | median1)
ours_cpu_med=$(printf '%s\n' "${ours_cpu[@]}" | median1)
echo "median cpu/request nginx=${nginx_cpu_med}us ours=${ours_cpu_med}us (server process only; wrk excluded)"
echo "median nginx=$nginx_med ours=$ours_med"
awk -v o="$ours_med" -v n="$nginx_med" 'BEGIN {printf "ratio=%.2f\n", o/n}'
