#!/usr/bin/env bash
# Build the web UI into web/dist (hashed assets in web/dist/assets) and
# precompress every text file into .gz and .br siblings for the server.
#
# Skips everything when nothing under web/ (outside web/dist), package.json,
# package-lock.json or this script changed since the last successful build.
#
#   scripts/build-web.sh            build if needed
#   FORCE=1 scripts/build-web.sh    build anyway
#   SKIP_TYPECHECK=1 ...            skip vue-tsc (saves ~12 s)
#
# Needs Node >= 20.19 and npm; installs node_modules with `npm ci` when missing
# or older than package-lock.json. No network access at run time of the app.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DIST="web/dist"
STAMP_DIR="node_modules/.cache/shangliang-web"
STAMP="$STAMP_DIR/build.stamp"

log() { printf '[build-web] %s\n' "$*"; }

command -v node >/dev/null || { echo "build-web: node not found (need Node >= 20.19)" >&2; exit 1; }
command -v npm >/dev/null || { echo "build-web: npm not found" >&2; exit 1; }

# 1. dependencies: `npm ci` when node_modules is missing or was installed from another lockfile
LOCK_SUM="$(sha256sum package-lock.json | cut -d' ' -f1)"
DEPS_STAMP="node_modules/.shangliang-lock.sha256"
if [ ! -f "$DEPS_STAMP" ] || [ "$(cat "$DEPS_STAMP")" != "$LOCK_SUM" ]; then
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$LOCK_SUM" > "$DEPS_STAMP"
fi

# 2. is a build needed?
fingerprint() {
  {
    find web -path web/dist -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    sha256sum package.json package-lock.json scripts/build-web.sh
  } | sha256sum | cut -d' ' -f1
}
FP="$(fingerprint)"
if [ -z "${FORCE:-}" ] && [ -f "$STAMP" ] && [ -f "$DIST/index.html" ] && [ "$(cat "$STAMP")" = "$FP" ]; then
  log "web/dist is up to date (nothing in web/ or package-lock.json changed)"
  exit 0
fi
rm -f "$STAMP"

# 3. type-check and build
if [ -z "${SKIP_TYPECHECK:-}" ]; then
  log "type-checking (vue-tsc)"
  npx --no-install vue-tsc --noEmit -p web/tsconfig.json
fi
log "building (vite)"
npx --no-install vite build --config web/vite.config.ts --logLevel warn

# 4. precompress: .gz (level 9) and .br (quality 11) beside every text file
log "precompressing"
node --input-type=module - "$DIST" <<'JS'
import { readdirSync, readFileSync, writeFileSync, statSync, utimesSync } from 'node:fs'
import { join, extname } from 'node:path'
import { gzipSync, brotliCompressSync, constants } from 'node:zlib'

const root = process.argv[2]
const TEXT = new Set(['.html', '.js', '.mjs', '.css', '.svg', '.json', '.map', '.txt', '.xml', '.webmanifest', '.ico'])
let files = 0, raw = 0, gz = 0, br = 0
function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) { walk(p); continue }
    if (!TEXT.has(extname(e.name).toLowerCase())) continue
    const data = readFileSync(p)
    const g = gzipSync(data, { level: 9 })
    const b = brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    })
    writeFileSync(p + '.gz', g)
    writeFileSync(p + '.br', b)
    const { atime, mtime } = statSync(p)
    utimesSync(p + '.gz', atime, mtime)
    utimesSync(p + '.br', atime, mtime)
    files++; raw += data.length; gz += g.length; br += b.length
  }
}
walk(root)
const kb = (n) => (n / 1024).toFixed(1) + ' KiB'
console.log(`[build-web] ${files} files: ${kb(raw)} raw, ${kb(gz)} gzip, ${kb(br)} brotli`)
JS

mkdir -p "$STAMP_DIR"
echo "$FP" > "$STAMP"
log "done: $DIST"
