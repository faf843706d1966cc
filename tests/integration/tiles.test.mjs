// The ledger as C2SP tlog-tiles (c2sp.org/tlog-tiles), checked as an outside mirror would:
// from the signed checkpoint and the tiles alone (no entries or proof API), fetch every entry
// bundle, recompute the leaf hashes, check them against the level-0 hash tiles and the
// level-1 tile against the subtrees, and recompute the checkpoint's root (RFC 9162) with code
// written here. The demo data spans several tiles, the last one partial.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, createPublicKey, verify } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { DEMO_PASSWORD, sessionCookie, startServer, unique } from './harness.mjs'

let server, api, key

const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest()
const leafHash = (entry) => sha256(Buffer.from([0]), entry)
const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r)

// RFC 9162 §2.1.1 MTH over leaf hashes [begin, end) (end > begin).
function mth(leaves, begin = 0, end = leaves.length) {
  if (end - begin === 1) return leaves[begin]
  let k = 1
  while (k * 2 < end - begin) k *= 2
  return nodeHash(mth(leaves, begin, begin + k), mth(leaves, begin + k, end))
}

// tlog-tiles paths: N in 3-digit groups, all but the last prefixed with "x"; ".p/W" if partial.
function encodeIndex(n) {
  const groups = []
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'))
    n = Math.floor(n / 1000)
  } while (n > 0)
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/')
}
const tilePath = (level, n, w = 256) => `${level}/${encodeIndex(n)}${w < 256 ? `.p/${w}` : ''}`
const bundlePath = (n, w = 256) => `entries/${encodeIndex(n)}${w < 256 ? `.p/${w}` : ''}`

// Entry bundle: big-endian uint16 length, then the entry bytes, repeated.
function parseBundle(bytes) {
  const out = []
  let i = 0
  while (i < bytes.length) {
    assert.ok(i + 2 <= bytes.length, 'truncated length prefix')
    const n = bytes.readUInt16BE(i)
    i += 2
    assert.ok(i + n <= bytes.length, 'truncated entry')
    out.push(bytes.subarray(i, i + n))
    i += n
  }
  return out
}

// C2SP signed note: text, blank line, "— <name> <base64(keyid4 ‖ sig64)>" lines.
function openCheckpoint(note) {
  const split = note.lastIndexOf('\n\n')
  assert.ok(split > 0, 'no blank line before the signatures')
  const text = note.slice(0, split + 1)
  const keyObj = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.publicKey.toString('base64url') }, format: 'jwk' })
  const ok = note
    .slice(split + 2)
    .split('\n')
    .filter(Boolean)
    .some((line) => {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line)
      if (!m || m[1] !== key.name) return false
      const raw = Buffer.from(m[2], 'base64')
      return raw.length === 68 && verify(null, Buffer.from(text, 'utf8'), keyObj, raw.subarray(4))
    })
  assert.ok(ok, `no valid signature by ${key.name} on:\n${note}`)
  const [origin, size, root] = text.split('\n')
  assert.equal(origin, key.name)
  assert.match(size, /^(0|[1-9][0-9]*)$/)
  return { size: Number(size), root: Buffer.from(root, 'base64') }
}

async function checkpoint() {
  const r = await api.get('/api/v1/ledger/checkpoint')
  assert.equal(r.status, 200)
  return openCheckpoint(r.text)
}

async function tile(path) {
  const r = await api.get(`/api/v1/ledger/tile/${path}`)
  assert.equal(r.status, 200, `tile/${path}: ${r}`)
  assert.equal(r.contentType, 'application/octet-stream')
  assert.equal(r.header('cache-control'), 'public, max-age=31536000, immutable')
  return r.bytes
}

// Mirrors the tree of `size` leaves from tiles only; returns its leaves and recomputed root.
async function mirror(size) {
  const entries = []
  const leaves = []
  for (let n = 0; n * 256 < size; n++) {
    const w = Math.min(256, size - n * 256)
    const bundle = parseBundle(await tile(bundlePath(n, w)))
    assert.equal(bundle.length, w, `entries bundle ${n} width`)
    const hashes = await tile(tilePath(0, n, w))
    assert.equal(hashes.length, 32 * w, `level-0 tile ${n} size`)
    bundle.forEach((e, i) => {
      const h = leafHash(e)
      assert.ok(h.equals(hashes.subarray(32 * i, 32 * i + 32)), `leaf ${n * 256 + i}: bundle and hash tile disagree`)
      entries.push(e)
      leaves.push(h)
    })
  }
  assert.equal(leaves.length, size)
  return { entries, leaves, root: mth(leaves) }
}

before(async () => {
  server = await startServer(['--ledger.checkpoint_interval_ms=100'])
  api = server.api
  const k = (await api.get('/api/v1/ledger/key')).json
  key = { name: k.origin, publicKey: Buffer.from(k.public_key, 'base64') }
})
after(async () => {
  const exit = await server.stop()
  assert.equal(exit.code, 0)
})

test('the whole log mirrors from tiles alone and its root is the signed checkpoint root', async () => {
  const cp = await checkpoint()
  assert.ok(cp.size > 512 && cp.size % 256 !== 0, `the demo data should span two full tiles and a partial one (size ${cp.size})`)
  const m = await mirror(cp.size)
  assert.ok(m.root.equals(cp.root), 'the root recomputed from the tiles is not the checkpoint root')
  // Entries are the ledger's JSON lines, in sequence order.
  m.entries.forEach((e, i) => assert.equal(JSON.parse(e.toString('utf8')).seq, i))

  // Level 1: floor(size / 256) hashes at tree level 8, the roots of the full 256-leaf subtrees.
  const full = Math.floor(cp.size / 256)
  const l1 = await tile(tilePath(1, 0, full))
  assert.equal(l1.length, 32 * full)
  for (let k = 0; k < full; k++)
    assert.ok(l1.subarray(32 * k, 32 * k + 32).equals(mth(m.leaves, 256 * k, 256 * k + 256)), `level-1 hash ${k}`)
})

test('what the checkpoint does not cover is 404; a non-canonical path is 400', async () => {
  const cp = await checkpoint()
  const full = Math.floor(cp.size / 256)
  const w = cp.size % 256
  const uncovered = [
    tilePath(0, full), // the partial tile as a full one
    bundlePath(full),
    tilePath(0, full + 1, 1),
    tilePath(1, 0), // level 1 is far from full
    tilePath(1, 0, full + 1),
    tilePath(2, 0, 1),
  ]
  if (w < 255) uncovered.push(tilePath(0, full, w + 1), bundlePath(full, w + 1))
  for (const p of uncovered) {
    const r = await api.get(`/api/v1/ledger/tile/${p}`)
    assert.equal(r.status, 404, `tile/${p}: ${r}`)
    assert.match(r.contentType, /^application\/problem\+json/)
    assert.equal(r.json.code, 'tile_not_found')
    assert.notEqual(r.header('cache-control'), 'public, max-age=31536000, immutable')
  }
  for (const p of ['0/0', '0/000.p/0', '0/000.p/256', '00/000', '64/000', '0/x000/001', 'entries/1', '0/%30%30%30', '0%2F000', 'x/000', '0/000/']) {
    const r = await api.get(`/api/v1/ledger/tile/${p}`)
    assert.equal(r.status, 400, `tile/${p}: ${r}`)
    assert.equal(r.json.code, 'invalid_tile_path', `tile/${p}`)
  }
  // Nothing after tile/: no such route.
  assert.equal((await api.get('/api/v1/ledger/tile/')).status, 404)
  assert.equal((await api.post('/api/v1/ledger/tile/0/000', {})).status, 405)
})

test('after a write the mirror extends: old partial tiles stay served, the new root matches', async () => {
  const before = await checkpoint()
  const old = await mirror(before.size)
  const admin = sessionCookie(await api.post('/api/v1/auth/login', { login: 'admin', password: DEMO_PASSWORD }))
  const created = await api.post('/api/v1/orgs/1/sectors', { name: `瓦片界别${unique()}` }, { as: admin })
  assert.equal(created.status, 201)
  let cp = before
  for (let i = 0; i < 100 && cp.size <= before.size; i++) {
    await sleep(100)
    cp = await checkpoint()
  }
  assert.ok(cp.size > before.size, 'the tree did not grow')
  const now = await mirror(cp.size)
  assert.ok(now.root.equals(cp.root), 'the new root recomputed from the tiles is not the checkpoint root')
  // Append-only: the old tree is a prefix of the new one.
  assert.ok(mth(now.leaves, 0, before.size).equals(before.root))
  // The partial tile of the earlier size is still there, with the same bytes.
  const n = Math.floor(before.size / 256)
  const w = before.size % 256
  const again = parseBundle(await tile(bundlePath(n, w)))
  again.forEach((e, i) => assert.ok(e.equals(old.entries[n * 256 + i])))
  const last = JSON.parse(now.entries.at(-1).toString('utf8'))
  assert.ok(now.entries.some((e) => JSON.parse(e.toString('utf8')).object === `sector/${created.json.id}`), JSON.stringify(last))
})
