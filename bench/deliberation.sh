#!/usr/bin/env bash
# bench/deliberation.sh — the three deliberation targets of issue 4, on one fresh server.
#
#   1. Reading a page of 50 posts (authors, like counts, points with department answers):
#      GET /api/v1/deliberations/{id}/posts?limit=50, anonymously, against nginx serving the
#      same bytes as a static file; same wrk settings, interleaved runs (as bench/http.sh).
#      Target: ratio >= 0.5.
#   2. Replies through HTTP from 64 concurrent writers (64 signed-in members, wrk -c64) on
#      SQLite: committed replies/s (201s only) and p99. Target: >= 5,000/s, p99 < 50 ms.
#      Next to it, CPU per request the way Pol.is is quoted (12-16 ms to serve a 1,000-comment
#      conversation, 10-18 ms per vote): serving a 1,000-post deliberation (all its pages of
#      50) and a like.
#   3. 10,000 WebSocket viewers of the demo deliberation while 10 posts/s are made in it
#      (bench/live.sh with EVENTS=posts): every viewer gets every post, p99 < 500 ms, server
#      RSS < 300 MB.
# The last three lines are `read_ratio=<n>`, `replies_per_s=<n>`, `live_p99_ms=<n>`.
# Everything binds to and talks to 127.0.0.1; temp dirs and processes are removed on exit.
#
# Environment (defaults in brackets):
#   ROUNDS [3]           interleaved rounds per measurement (medians are reported)
#   DURATION [5]         seconds per run
#   WARMUP [2]           seconds of warm-up per server / workload
#   CONNECTIONS [64]     wrk connections (readers; and the 64 writers)
#   THREADS [2]          server network threads = nginx worker_processes
#   NGINX_CONF [default] as bench/http.sh: default | tuned | debian
#   NICE [0]             e.g. -10 (root) to run ahead of other work on a shared machine
#   WORKERS [64]         --server.worker_threads (the default): writes are offloaded to this pool and each
#                        worker waits for its commit, so it bounds a group commit's batch
#   PAGE_CACHE_MB [32]   --deliberation.page_cache_mb (0: every page rendered, as for signed-in readers)
#   BIG_POSTS [1000]     posts in the deliberation served whole
#   VIEWERS [10000], LIVE_RATE [10], LIVE_DURATION [30]   part 3 (bench/live.sh)
#   PARTS [read,write,live]  which parts to run (a part not run prints its line as "skipped")
#   BIN [build/shangliang]
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
NGINX_CONF=${NGINX_CONF:-default}
NICE=${NICE:-0}
BIG_POSTS=${BIG_POSTS:-1000}
PAGE_CACHE_MB=${PAGE_CACHE_MB:-32}
WORKERS=${WORKERS:-64}
VIEWERS=${VIEWERS:-10000}
LIVE_RATE=${LIVE_RATE:-10}
LIVE_DURATION=${LIVE_DURATION:-30}
PARTS=${PARTS:-read,write,live}
HOST=127.0.0.1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-$ROOT/build/shangliang}
[[ -x $BIN ]] || { echo "no server binary at $BIN (ninja -C build shangliang)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not installed" >&2; exit 2; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || { echo "nginx not installed" >&2; exit 2; }
part() { [[ ",$PARTS," == *",$1,"* ]]; }

TMP=$(mktemp -d -t sl-bench-delib.XXXXXX)
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

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
TICK=$(getconf CLK_TCK)
cpu_ticks() {  # pid...: utime+stime of the processes, in clock ticks
  local t=0 p
  for p in "$@"; do
    [[ -r /proc/$p/stat ]] || continue
    t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo "$t"
}
median_fmt() { sort -g | awk -v f="$1" '{a[NR]=$1} END {m = NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf f, m}'; }
median() { median_fmt "%.0f"; }
median1() { median_fmt "%.1f"; }
median2() { median_fmt "%.2f"; }
ms_of() {  # wrk latency ("812.00us", "3.21ms", "1.02s") in ms
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.2f", v * 60000 }
    else { sub(/s$/, "", v); printf "%.2f", v * 1000 } }'
}
# wrk with the given arguments; prints "rps p50 p99 requests seconds" and keeps the full output
# in $TMP/wrk.out. Fails on socket errors; non-2xx are the caller's business (scripts count them).
wrk_run() {
  local out
  out=$(nice -n "$NICE" wrk -t1 -c"$CONNECTIONS" --latency "$@" 2>&1) || { echo "$out" >&2; return 1; }
  printf '%s\n' "$out" >"$TMP/wrk.out"
  if grep -q 'Socket errors' <<<"$out"; then echo "$out" >&2; return 1; fi
  local rps p50 p99 n secs
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '/^ +50%/ {print $2}' <<<"$out")
  p99=$(awk '/^ +99%/ {print $2}' <<<"$out")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  secs=$(awk '/requests in/ {s = $4; sub(/,$/, "", s); if (s ~ /ms$/) {sub(/ms$/, "", s); s /= 1000} else sub(/s$/, "", s); print s}' <<<"$out")
  [[ -n $rps && -n $n ]] || { echo "$out" >&2; return 1; }
  echo "$rps $(ms_of "$p50") $(ms_of "$p99") $n $secs"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binary: $BIN built $(date -u -r "$BIN" +%FT%TZ), repo HEAD $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%FT%TZ)"
echo "settings: rounds=$ROUNDS duration=${DURATION}s warmup=${WARMUP}s connections=$CONNECTIONS threads=$THREADS nginx=$NGINX_CONF nice=$NICE page_cache_mb=$PAGE_CACHE_MB workers=$WORKERS"

read_ratio=skipped
replies_per_s=skipped
live_p99_ms=skipped

if part read || part write; then
  # ---- the server: fresh SQLite database with the demo data, then seeded --------------------
  # Password hashing made cheap (the seed logs in 70 people; logins are not measured), no
  # per-address write limit (every writer is 127.0.0.1 here), access log off.
  cp "$BIN" "$TMP/shangliang"
  nice -n "$NICE" "$TMP/shangliang" serve --demo \
    --server.host=$HOST --server.port=0 --server.threads="$THREADS" \
    --database.url="sqlite:$TMP/bench.db" --data_dir="$TMP/data" --notify.outbox_path="$TMP/outbox.jsonl" \
    --server.web_root="$TMP/web" --server.write_rate_per_second=0 --deliberation.page_cache_mb="$PAGE_CACHE_MB" \
    --server.worker_threads="$WORKERS" \
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
  [[ -n $PORT ]] || { echo "server did not start within 60 s" >&2; cat "$TMP/server.log" >&2; exit 1; }
  BASE="http://$HOST:$PORT"
  t_seed=$(date +%s)
  python3 "$ROOT/bench/deliberation_seed.py" "$BASE" "$TMP/seed" "$BIG_POSTS"
  echo "seeding took $(( $(date +%s) - t_seed )) s"
  DEMO_ID=$(cat "$TMP/seed/demo_id")
  BIG_ID=$(cat "$TMP/seed/big_id")
fi

# ---- 1. a page of 50 posts against nginx -----------------------------------------------------
if part read; then
  PAGE_PATH="/api/v1/deliberations/$DEMO_ID/posts"
  OURS_URL="$BASE$PAGE_PATH?limit=50"
  mkdir -p "$TMP/www" "$TMP/nginx"
  BODY="$TMP/www/page.json"
  code=$(curl -sS --noproxy '*' -o "$BODY" -w '%{http_code}' "$OURS_URL")
  [[ $code == 200 ]] || { echo "GET $OURS_URL -> $code" >&2; exit 1; }
  chmod 755 "$TMP" "$TMP/www"; chmod 644 "$BODY"
  python3 - "$BODY" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
items = p["items"]
likes = sum(i["like_count"] for i in items)
pts = sum(len(i["points"]) for i in items)
ans = sum(len(pt["answers"]) for i in items for pt in i["points"])
authors = len({i["author"]["id"] for i in items})
print(f"page: {len(items)} posts by {authors} authors, {likes} likes, {pts} points with {ans} department answers, "
      f"{sum(i['reply_count'] for i in items)} replies counted")
EOF
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
    location = $PAGE_PATH { alias $BODY; }
    location / { return 404; }
  }
}
EOF
  nice -n "$NICE" "$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" >"$TMP/nginx/stdout.log" 2>&1 &
  NGINX_PID=$!
  NGINX_URL="http://$HOST:$NPORT$PAGE_PATH?limit=50"
  for _ in $(seq 100); do
    curl -s --noproxy '*' -o /dev/null "$NGINX_URL" && break
    kill -0 "$NGINX_PID" 2>/dev/null || { echo "nginx exited:" >&2; cat "$TMP/nginx/error.log" >&2; exit 1; }
    sleep 0.1
  done
  curl -sS --noproxy '*' -o "$TMP/ours.body" "$OURS_URL"
  curl -sS --noproxy '*' -o "$TMP/nginx.body" "$NGINX_URL"
  cmp -s "$TMP/ours.body" "$TMP/nginx.body" || { echo "bodies DIFFER" >&2; exit 1; }
  echo "read: GET $PAGE_PATH?limit=50 (anonymous), body $(wc -c <"$TMP/ours.body") bytes, identical from nginx ($NGINX_CONF)"

  measure_get() {  # name url -> "rps p50 p99 cpu_us_per_request"
    local pids c0 c1 res rps p50 p99 n secs
    if [[ $1 == nginx ]]; then pids="$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"; else pids=$SERVER_PID; fi
    c0=$(cpu_ticks $pids)
    res=$(wrk_run -d"$DURATION"s "$2")
    c1=$(cpu_ticks $pids)
    if grep -q 'Non-2xx' "$TMP/wrk.out"; then cat "$TMP/wrk.out" >&2; return 1; fi
    read -r rps p50 p99 n secs <<<"$res"
    awk -v r="$rps" -v a="$p50" -v b="$p99" -v n="$n" -v c=$((c1 - c0)) -v t="$TICK" \
      'BEGIN {printf "%s %s %s %.1f\n", r, a, b, c / t * 1e6 / n}'
  }
  wrk_run -d"$WARMUP"s "$NGINX_URL" >/dev/null
  wrk_run -d"$WARMUP"s "$OURS_URL" >/dev/null
  nginx_rps=(); ours_rps=(); nginx_cpu=(); ours_cpu=()
  for r in $(seq "$ROUNDS"); do
    read -r rps p50 p99 cpu <<<"$(measure_get nginx "$NGINX_URL")"
    nginx_rps+=("$rps"); nginx_cpu+=("$cpu")
    printf 'read round %d nginx %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  cpu %6.1f us/req\n' "$r" "$rps" "$p50" "$p99" "$cpu"
    read -r rps p50 p99 cpu <<<"$(measure_get ours "$OURS_URL")"
    ours_rps+=("$rps"); ours_cpu+=("$cpu")
    printf 'read round %d ours  %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  cpu %6.1f us/req\n' "$r" "$rps" "$p50" "$p99" "$cpu"
  done
  nginx_med=$(printf '%s\n' "${nginx_rps[@]}" | median)
  ours_med=$(printf '%s\n' "${ours_rps[@]}" | median)
  echo "read median: nginx $nginx_med req/s ($(printf '%s\n' "${nginx_cpu[@]}" | median1) us/req), ours $ours_med req/s ($(printf '%s\n' "${ours_cpu[@]}" | median1) us/req)"
  read_ratio=$(awk -v o="$ours_med" -v n="$nginx_med" 'BEGIN {printf "%.2f", o / n}')
  kill -QUIT "$NGINX_PID" 2>/dev/null || true
  wait "$NGINX_PID" 2>/dev/null || true
  NGINX_PID=""
fi

# ---- 2. writes: replies from 64 members; serving a 1,000-post deliberation; likes -------------
if part write; then
  post_count() {
    curl -sS --noproxy '*' "$BASE/api/v1/deliberations/$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["counts"]["posts"])'
  }
  # Runs one wrk workload against our server: prints "rps p50 p99 cpu_ms_per_request counted other seconds".
  # The script's last output line is "<word>=N other=M first_other=...".
  measure_script() {  # script url [script args...]
    local script=$1 url=$2 c0 c1 res rps p50 p99 n secs line counted other
    shift 2
    c0=$(cpu_ticks "$SERVER_PID")
    res=$(wrk_run -d"$DURATION"s -s "$script" "$url" -- "$@")
    c1=$(cpu_ticks "$SERVER_PID")
    read -r rps p50 p99 n secs <<<"$res"
    line=$(grep -E '^[a-z]+=[0-9]+ other=' "$TMP/wrk.out" | tail -1)
    counted=$(sed 's/^[a-z]*=\([0-9]*\) .*/\1/' <<<"$line")
    other=$(sed 's/.* other=\([0-9]*\) .*/\1/' <<<"$line")
    [[ -z $line || $other == 0 ]] || echo "  not counted: $line" >&2
    if [[ -z $line ]] && grep -q 'Non-2xx' "$TMP/wrk.out"; then cat "$TMP/wrk.out" >&2; return 1; fi
    awk -v r="$rps" -v a="$p50" -v b="$p99" -v n="$n" -v c=$((c1 - c0)) -v t="$TICK" -v k="${counted:-0}" -v o="${other:-0}" -v s="$secs" \
      'BEGIN {printf "%s %s %s %.3f %d %d %s\n", r, a, b, c / t * 1e3 / n, k, o, s}'
  }
  REPLY_URL="$BASE/api/v1/deliberations/$DEMO_ID/posts"
  before=$(post_count "$DEMO_ID")
  DURATION_SAVED=$DURATION; DURATION=$WARMUP
  measure_script "$ROOT/bench/deliberation_reply.lua" "$REPLY_URL" "$TMP/seed/tokens" "$TMP/seed/parents" w >/dev/null
  DURATION=$DURATION_SAVED
  w_rate=(); w_p99=(); w_cpu=(); created_total=0
  for r in $(seq "$ROUNDS"); do
    read -r rps p50 p99 cpu counted other secs <<<"$(measure_script "$ROOT/bench/deliberation_reply.lua" "$REPLY_URL" "$TMP/seed/tokens" "$TMP/seed/parents" "$r")"
    rate=$(awk -v k="$counted" -v s="$secs" 'BEGIN {printf "%.0f", k / s}')
    w_rate+=("$rate"); w_p99+=("$p99"); w_cpu+=("$cpu"); created_total=$((created_total + counted))
    printf 'write round %d replies: %6d created (%d other) = %6s/s  p50 %6.2f ms  p99 %6.2f ms  server cpu %.3f ms/reply\n' \
      "$r" "$counted" "$other" "$rate" "$p50" "$p99" "$cpu"
  done
  after=$(post_count "$DEMO_ID")
  echo "write check: the deliberation's post count grew by $((after - before)); 201s counted (with warm-up): see above (measured rounds: $created_total)"
  replies_per_s=$(printf '%s\n' "${w_rate[@]}" | median)
  echo "database after the writes: $(stat -c %s "$TMP/bench.db") bytes, WAL $(stat -c %s "$TMP/bench.db-wal" 2>/dev/null || echo 0) bytes"
  echo "write median: $replies_per_s replies/s, p99 $(printf '%s\n' "${w_p99[@]}" | median2) ms, server cpu $(printf '%s\n' "${w_cpu[@]}" | median_fmt '%.3f') ms/reply"

  # Serving the 1,000-post deliberation: its pages of 50, round and round, anonymously (the
  # page cache's case) and as a signed-in member (always rendered).
  npages=$(grep -c . "$TMP/seed/big_pages")
  member_token=$(head -1 "$TMP/seed/tokens")
  s_cpu=(); m_cpu=()
  for r in $(seq "$ROUNDS"); do
    for who in anonymous member; do
      if [[ $who == anonymous ]]; then tok=""; else tok=$member_token; fi
      read -r rps p50 p99 cpu counted other secs <<<"$(measure_script "$ROOT/bench/deliberation_pages.lua" "$BASE" "$TMP/seed/big_pages" $tok)"
      if [[ $who == anonymous ]]; then s_cpu+=("$cpu"); else m_cpu+=("$cpu"); fi
      printf 'serve round %d %-9s: %6.0f pages/s  p50 %6.2f ms  p99 %6.2f ms  server cpu %.3f ms/page = %.2f ms per %d-post deliberation (%d pages)\n' \
        "$r" "$who" "$rps" "$p50" "$p99" "$cpu" "$(awk -v c="$cpu" -v n="$npages" 'BEGIN {print c * n}')" "$BIG_POSTS" "$npages"
    done
  done
  serve_page=$(printf '%s\n' "${s_cpu[@]}" | median_fmt '%.3f')
  serve_member=$(printf '%s\n' "${m_cpu[@]}" | median_fmt '%.3f')

  # Likes: each request a new (member, post) pair in the 1,000-post deliberation.
  l_cpu=(); l_rate=()
  for r in $(seq "$ROUNDS"); do
    read -r rps p50 p99 cpu counted other secs <<<"$(measure_script "$ROOT/bench/deliberation_like.lua" "$BASE" "$TMP/seed/tokens" "$TMP/seed/big_posts" $(( (r - 1) * 330 )))"
    rate=$(awk -v k="$counted" -v s="$secs" 'BEGIN {printf "%.0f", k / s}')
    l_cpu+=("$cpu"); l_rate+=("$rate")
    printf 'like round %d: %6d likes = %6s/s  p50 %6.2f ms  p99 %6.2f ms  server cpu %.3f ms/like\n' "$r" "$counted" "$rate" "$p50" "$p99" "$cpu"
  done
  like_cpu=$(printf '%s\n' "${l_cpu[@]}" | median_fmt '%.3f')
  echo "cpu per request (server utime+stime / requests, medians) vs Pol.is (Node.js + PostgreSQL):"
  echo "  serve a $BIG_POSTS-post deliberation ($npages pages of 50): $(awk -v c="$serve_page" -v n="$npages" 'BEGIN {printf "%.2f", c * n}') ms anonymously, $(awk -v c="$serve_member" -v n="$npages" 'BEGIN {printf "%.2f", c * n}') ms signed in   (Pol.is: 12-16 ms for 1,000 comments)"
  echo "  a like: $like_cpu ms, $(printf '%s\n' "${l_rate[@]}" | median) likes/s   (Pol.is: 10-18 ms per vote)"
  echo "  a reply: $(printf '%s\n' "${w_cpu[@]}" | median_fmt '%.3f') ms"
fi

if [[ -n $SERVER_PID ]]; then
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
fi

# ---- 3. live: 10,000 viewers of one deliberation, 10 posts/s ------------------------------------
if part live; then
  echo "live: VIEWERS=$VIEWERS RATE=$LIVE_RATE DURATION=$LIVE_DURATION EVENTS=posts bench/live.sh"
  EVENTS=posts VIEWERS=$VIEWERS RATE=$LIVE_RATE DURATION=$LIVE_DURATION THREADS=$THREADS NICE=$NICE BIN="$BIN" \
    bash "$ROOT/bench/live.sh" | tee "$TMP/live.out" | sed 's/^/  /'
  live_p99_ms=$(sed -n 's/.* p99=\([0-9.]*\) ms.*/\1/p' "$TMP/live.out" | tail -1)
  [[ -n $live_p99_ms ]] || live_p99_ms=failed
fi

echo "read_ratio=$read_ratio"
echo "replies_per_s=$replies_per_s"
echo "live_p99_ms=$live_p99_ms"
