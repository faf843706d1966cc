#!/usr/bin/env bash
# Installs what Shangliang needs and builds it. Idempotent: a second run with nothing
# changed takes seconds (packages checked with dpkg, npm packages by lockfile hash,
# CMake/Ninja and the web build are incremental).
#
#   scripts/setup.sh               install if needed, build server and web UI
#   BUILD_DIR=build-x scripts/setup.sh
#
# Debian 12 packages only (plus npm packages from package-lock.json). Node.js and npm
# are expected on the machine already.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-build}"

log() { printf '[setup] %s\n' "$*"; }

PACKAGES=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config make
  # libraries
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsodium-dev libssl-dev libsqlite3-dev libpq-dev
  libspdlog-dev libcli11-dev libtomlplusplus-dev libxlsxwriter-dev
  libgtest-dev libgmock-dev
  # deliberation: Markdown, Chinese folding, upload sniffing, thumbnails
  libcmark-gfm-dev libcmark-gfm-extensions-dev libopencc-dev libopencc-data libmagic-dev libvips-dev
  # real services for tests (started on loopback by the test scripts)
  postgresql-15 redis-server
  # cluster bus (Redis), meeting check-in QR codes
  libhiredis-dev libqrencode-dev
  # notifications: SMTP e-mail and the HTTP SMS gateway
  libcurl4-openssl-dev
  # browser tests, benchmarks, precompression
  chromium fonts-wqy-microhei nginx-light wrk brotli
  # instruction counts of the ledger entry's share (bench/ledger.sh services)
  valgrind
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

command -v node >/dev/null || { echo "setup: Node.js (>= 20.19) is required and should already be installed" >&2; exit 1; }

# npm packages (also done by build-web.sh; needed before CMake, which converts the OpenAPI YAML)
LOCK_SUM="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f node_modules/.shangliang-lock.sha256 ] || [ "$(cat node_modules/.shangliang-lock.sha256)" != "$LOCK_SUM" ]; then
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$LOCK_SUM" > node_modules/.shangliang-lock.sha256
fi

# server
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  log "configuring $BUILD_DIR"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
log "building the server"
ninja -C "$BUILD_DIR" | grep -v '^ninja: no work to do' || true
test "${PIPESTATUS[0]}" -eq 0

# web UI
bash scripts/build-web.sh
log "done"
