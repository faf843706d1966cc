#!/usr/bin/env bash
# Runs the API integration suite (tests/integration/*.test.mjs) against a throwaway
# PostgreSQL 15 on 127.0.0.1: picks a free port, starts the server with scripts/services.sh in
# a temporary folder, runs the very same tests as on SQLite with SL_TEST_DATABASE_URL set (the
# harness gives each test file its own fresh database), and always stops and removes PostgreSQL.
#
#   tests/integration/run-postgres.sh [extra node --test arguments] [test files]
#   tests/integration/run-postgres.sh tests/integration/notify.test.mjs   (only these files)
#
# Environment: SHANGLIANG_BIN (server binary, default build/shangliang), NODE (default node),
# SL_PG_BIN / SL_PG_OS_USER (see scripts/services.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
NODE="${NODE:-node}"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/sl-it-pg.XXXXXX")"
# Under root, PostgreSQL runs as an unprivileged user that must reach the folder.
chmod 755 "$TMP"
PGDIR="$TMP/pg"

cleanup() {
  local rc=$?
  scripts/services.sh stop-postgres "$PGDIR" >/dev/null 2>&1 || true
  rm -rf -- "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  "$NODE" -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

URL=""
for attempt in 1 2 3; do
  PORT="$(free_port)"
  if OUT="$(scripts/services.sh start-postgres "$PGDIR" "$PORT")"; then
    URL="$(printf '%s\n' "$OUT" | tail -n 1)"
    break
  fi
  echo "run-postgres.sh: PostgreSQL did not start on port $PORT (attempt $attempt)" >&2
done
[[ -n "$URL" ]] || { echo "run-postgres.sh: could not start PostgreSQL" >&2; exit 1; }
echo "# PostgreSQL: $URL"

# Test files among the arguments run alone; otherwise the whole suite.
TARGET=(tests/integration/)
for a in "$@"; do
  case "$a" in *.test.mjs) TARGET=() ;; esac
done
SL_TEST_DATABASE_URL="$URL" "$NODE" --test "$@" "${TARGET[@]}"
