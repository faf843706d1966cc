#!/usr/bin/env bash
# Throwaway services on loopback, for tests and demos. Nothing here is for production.
#
#   scripts/services.sh start-postgres DIR PORT   initdb in DIR, start on 127.0.0.1:PORT, create
#                                                 database shangliang_test; the last line on
#                                                 stdout is the URL to connect to
#   scripts/services.sh stop-postgres DIR         fast shutdown, then remove DIR
#   scripts/services.sh pause-postgres DIR        fast shutdown, keep DIR (tests of outages)
#   scripts/services.sh resume-postgres DIR       start again what pause-postgres stopped
#   scripts/services.sh url-postgres DIR          print the URL of the server in DIR
#   scripts/services.sh start-redis DIR PORT      redis-server on 127.0.0.1:PORT, no persistence;
#                                                 the last line on stdout is the URL
#   scripts/services.sh stop-redis DIR [keep]     stop it; remove DIR unless "keep"
#
# DIR layout: DIR/data (PGDATA), DIR/sock (unix socket), DIR/postgres.log, and the marker
# DIR/.shangliang-services: a DIR is only ever deleted when it carries that marker (or is
# empty), so a mistyped path cannot wipe anything else.
#
# Trust authentication, but only from 127.0.0.1, and the server listens only there.
# When run as root (CI does), the server runs as the unprivileged user `postgres` (created by
# Debian's postgresql package; override with SL_PG_OS_USER) and DIR is owned by it.
set -euo pipefail

PG_BIN="${SL_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_OS_USER="${SL_PG_OS_USER:-postgres}"
MARKER=".shangliang-services"
TEST_DB="shangliang_test"

die() {
  echo "services.sh: $*" >&2
  exit 1
}

usage() {
  sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# Runs a command as the user that owns the server: the current user, or PG_OS_USER under root.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u "$PG_OS_USER" -- "$@"
  else
    "$@"
  fi
}

pg_role() {
  if [[ $(id -u) -eq 0 ]]; then echo "$PG_OS_USER"; else id -un; fi
}

check_binaries() {
  local b
  for b in initdb pg_ctl postgres createdb; do
    [[ -x "$PG_BIN/$b" ]] || die "missing $PG_BIN/$b (install the Debian package postgresql-15, or set SL_PG_BIN)"
  done
  if [[ $(id -u) -eq 0 ]]; then
    id -u "$PG_OS_USER" >/dev/null 2>&1 ||
      die "running as root, but there is no user '$PG_OS_USER' to run PostgreSQL as (set SL_PG_OS_USER)"
    command -v runuser >/dev/null || die "running as root, but runuser is missing"
  fi
}

abs_dir() {
  local d=$1
  [[ -n "$d" ]] || die "DIR is empty"
  case "$d" in
    /*) ;;
    *) d="$PWD/$d" ;;
  esac
  # Strip trailing slashes (but keep "/").
  while [[ "$d" == */ && "$d" != "/" ]]; do d="${d%/}"; done
  [[ "$d" != "/" ]] || die "refusing to use / as DIR"
  echo "$d"
}

port_of() {
  local dir=$1
  [[ -f "$dir/port" ]] || die "$dir/port missing: is $dir a services.sh PostgreSQL directory?"
  cat "$dir/port"
}

url_of() {
  local dir=$1
  echo "postgresql://$(pg_role)@127.0.0.1:$(port_of "$dir")/$TEST_DB"
}

# Stops whatever server still runs in DIR (e.g. from a crashed test run), then removes DIR.
clean_dir() {
  local dir=$1
  [[ -e "$dir" ]] || return 0
  [[ -d "$dir" ]] || die "$dir exists and is not a directory"
  if [[ ! -e "$dir/$MARKER" ]] && [[ -n "$(ls -A "$dir")" ]]; then
    die "$dir is not empty and was not made by services.sh (no $MARKER); refusing to delete it"
  fi
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" stop -m immediate -w -t 20 >/dev/null 2>&1 || true
    # pg_ctl cannot stop a server whose pid file is stale or unreadable: make sure it is gone.
    local pid
    pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
      [[ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" == */postgres ]]; then
      kill -QUIT "$pid" 2>/dev/null || true
      sleep 0.5
    fi
  fi
  rm -rf -- "$dir"
}

start_postgres() {
  [[ $# -eq 2 ]] || usage
  local dir port
  dir=$(abs_dir "$1")
  port=$2
  if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then die "bad PORT '$port'"; fi
  check_binaries
  # A unix socket path holds at most 107 bytes.
  local sock="$dir/sock"
  ((${#sock} + 20 < 107)) || die "DIR path too long for a unix socket: $sock"

  clean_dir "$dir"
  mkdir -p -- "$dir/data" "$dir/sock"
  touch "$dir/$MARKER"
  echo "$port" >"$dir/port"
  if [[ $(id -u) -eq 0 ]]; then
    chown -R "$PG_OS_USER:" "$dir"
    # The server user must be able to reach DIR through its parents.
    as_pg test -x "$dir" || die "user $PG_OS_USER cannot reach $dir (check the permissions of its parent directories)"
  fi
  chmod 700 "$dir/data"

  local role
  role=$(pg_role)
  # --no-sync: initdb's final flush only; the server itself runs with fsync on.
  if ! as_pg "$PG_BIN/initdb" -D "$dir/data" -U "$role" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    die "initdb failed in $dir/data"
  fi
  cat >>"$dir/data/postgresql.conf" <<EOF

# --- scripts/services.sh: throwaway test server ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sock'
unix_socket_permissions = 0700
fsync = on
synchronous_commit = on
max_connections = 100
shared_buffers = 64MB
dynamic_shared_memory_type = mmap
logging_collector = off
log_min_messages = warning
EOF
  cat >"$dir/data/pg_hba.conf" <<EOF
# scripts/services.sh: trust, from 127.0.0.1 only.
# TYPE  DATABASE  USER  ADDRESS       METHOD
host    all       all   127.0.0.1/32  trust
EOF

  if ! as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 start >/dev/null; then
    tail -n 30 "$dir/postgres.log" >&2 || true
    die "PostgreSQL did not start on 127.0.0.1:$port (is the port taken? log: $dir/postgres.log)"
  fi
  if ! as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U "$role" "$TEST_DB" >&2; then
    die "createdb $TEST_DB failed on 127.0.0.1:$port"
  fi
  url_of "$dir"
}

stop_postgres() {
  [[ $# -eq 1 ]] || usage
  local dir
  dir=$(abs_dir "$1")
  [[ -e "$dir" ]] || return 0
  [[ -e "$dir/$MARKER" ]] || [[ -z "$(ls -A "$dir")" ]] ||
    die "$dir was not made by services.sh (no $MARKER); refusing to delete it"
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" stop -m fast -w -t 30 >/dev/null 2>&1 || true
  fi
  clean_dir "$dir"
}

pause_postgres() {
  [[ $# -eq 1 ]] || usage
  local dir
  dir=$(abs_dir "$1")
  [[ -e "$dir/$MARKER" ]] || die "$dir was not made by services.sh"
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" stop -m fast -w -t 30 >/dev/null ||
    die "pg_ctl stop failed for $dir/data"
}

resume_postgres() {
  [[ $# -eq 1 ]] || usage
  local dir
  dir=$(abs_dir "$1")
  [[ -e "$dir/$MARKER" ]] || die "$dir was not made by services.sh"
  if ! as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 start >/dev/null; then
    tail -n 30 "$dir/postgres.log" >&2 || true
    die "PostgreSQL did not restart in $dir"
  fi
  url_of "$dir"
}

# --- Redis ----------------------------------------------------------------------------------
# Same shape as PostgreSQL: loopback only, no persistence, state (pid, log) under DIR with the
# marker; the URL is the last stdout line.
REDIS_SERVER="${SL_REDIS_SERVER:-redis-server}"

start_redis() {
  [[ $# -eq 2 ]] || usage
  local dir port
  dir=$(abs_dir "$1")
  port=$2
  command -v "$REDIS_SERVER" >/dev/null || die "missing $REDIS_SERVER (install the Debian package redis-server)"
  mkdir -p "$dir"
  touch "$dir/$MARKER"
  echo "$port" >"$dir/port"
  "$REDIS_SERVER" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" >/dev/null ||
    die "redis-server did not start on port $port"
  local i
  for i in $(seq 1 100); do
    if [[ -s "$dir/redis.pid" ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "redis://127.0.0.1:$port"
      return 0
    fi
    sleep 0.05
  done
  tail -n 20 "$dir/redis.log" >&2 || true
  die "redis-server did not answer on port $port"
}

# Stops the server (SIGTERM, then SIGKILL); keeps DIR when the second argument is "keep".
stop_redis() {
  [[ $# -ge 1 ]] || usage
  local dir pid i
  dir=$(abs_dir "$1")
  [[ -e "$dir/$MARKER" ]] || die "$dir was not made by services.sh"
  if [[ -s "$dir/redis.pid" ]]; then
    pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/redis.pid"
  fi
  [[ "${2:-}" == keep ]] || rm -rf -- "$dir"
}

main() {
  [[ $# -ge 1 ]] || usage
  local cmd=$1
  shift
  case "$cmd" in
    start-postgres) start_postgres "$@" ;;
    stop-postgres) stop_postgres "$@" ;;
    pause-postgres) pause_postgres "$@" ;;
    resume-postgres) resume_postgres "$@" ;;
    url-postgres)
      [[ $# -eq 1 ]] || usage
      url_of "$(abs_dir "$1")"
      ;;
    start-redis) start_redis "$@" ;;
    stop-redis) stop_redis "$@" ;;
    -h | --help | help) usage ;;
    *)
      echo "services.sh: unknown command '$cmd'" >&2
      usage
      ;;
  esac
}

main "$@"
