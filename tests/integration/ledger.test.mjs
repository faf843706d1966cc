// The public ledger, checked from outside as any verifier would: the checkpoint is a C2SP
// signed note that verifies against the published key, the tree grows after a write, and the
// inclusion and consistency proofs verify (RFC 9162) with code written here, not the server's.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, createPublicKey, verify } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { DEMO_PASSWORD, sessionCookie, startServer, unique } from './harness.mjs'

let server, api, admin, key

const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest()
const leafHash = (entry) => sha256(Buffer.from([0]), Buffer.from(entry, 'utf8'))
const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r)

// C2SP signed note: text, blank line, "— <name> <base64(keyid4 ‖ sig64)>" lines.
function openNote(note, { name, publicKey }) {
  const split = note.lastIndexOf('\n\n')
  assert.ok(split > 0, 'no blank line before the signatures')
  const text = note.slice(0, split + 1)
  const lines = note.slice(split + 2).split('\n').filter(Boolean)
  const keyObj = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') }, format: 'jwk' })
  const ok = lines.some((line) => {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line)
    if (!m || m[1] !== name) return false
    const raw = Buffer.from(m[2], 'base64')
    return raw.length === 68 && verify(null, Buffer.from(text, 'utf8'), keyObj, raw.subarray(4))
  })
  assert.ok(ok, `no valid signature by ${name} on:\n${note}`)
  const [origin, size, root] = text.split('\n')
  return { origin, size: Number(size), root: Buffer.from(root, 'base64') }
}

function verifyInclusion(index, size, leaf, proof, root) {
  if (index >= size) return false
  let fn = BigInt(index)
  let sn = BigInt(size - 1)
  let r = leaf
  for (const p of proof) {
    if (sn === 0n) return false
    if (fn & 1n || fn === sn) {
      r = nodeHash(p, r)
      while (!(fn & 1n) && fn !== 0n) {
        fn >>= 1n
        sn >>= 1n
      }
    } else {
      r = nodeHash(r, p)
    }
    fn >>= 1n
    sn >>= 1n
  }
  return sn === 0n && r.equals(root)
}

function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot)
  if (first === 0 || first > second || proof.length === 0) return false
  let path = [...proof]
  if ((first & (first - 1)) === 0) path = [firstRoot, ...path]
  let fn = BigInt(first - 1)
  let sn = BigInt(second - 1)
  while (fn & 1n) {
    fn >>= 1n
    sn >>= 1n
  }
  let fr = path[0]
  let sr = path[0]
  for (const c of path.slice(1)) {
    if (sn === 0n) return false
    if (fn & 1n || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      while (!(fn & 1n) && fn !== 0n) {
        fn >>= 1n
        sn >>= 1n
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn >>= 1n
    sn >>= 1n
  }
  return sn === 0n && fr.equals(firstRoot) && sr.equals(secondRoot)
}

async function checkpoint() {
  const r = await api.get('/api/v1/ledger/checkpoint')
  assert.equal(r.status, 200)
  assert.match(r.header('content-type'), /^text\/plain/)
  return { note: r.text, ...openNote(r.text, key) }
}

async function checkpointAbove(size) {
  for (let i = 0; i < 100; i++) {
    const cp = await checkpoint()
    if (cp.size > size) return cp
    await sleep(100)
  }
  assert.fail(`the tree did not grow past ${size}`)
}

before(async () => {
  server = await startServer(['--ledger.checkpoint_interval_ms=100'])
  api = server.api
  admin = sessionCookie(await api.post('/api/v1/auth/login', { login: 'admin', password: DEMO_PASSWORD }))
  const k = (await api.get('/api/v1/ledger/key')).json
  key = { name: k.origin, publicKey: Buffer.from(k.public_key, 'base64') }
  assert.equal(k.algorithm, 'Ed25519')
  assert.ok(k.vkey.startsWith(`${k.origin}+`))
})
after(async () => {
  const exit = await server.stop()
  assert.equal(exit.code, 0)
})

test('the checkpoint is a signed note over origin, size and root; a tampered one fails', async () => {
  const cp = await checkpoint()
  assert.ok(cp.size > 300, `the demo data should be in the ledger (size ${cp.size})`)
  assert.equal(cp.root.length, 32)
  const tampered = cp.note.replace(`\n${cp.size}\n`, `\n${cp.size + 1}\n`)
  assert.throws(() => openNote(tampered, key))
})

test('a write appends an entry; the tree grows; its inclusion proof verifies against the new checkpoint', async () => {
  const before = await checkpoint()
  const name = `账本界别${unique()}`
  const created = await api.post('/api/v1/orgs/1/sectors', { name }, { as: admin })
  assert.equal(created.status, 201)
  const cp = await checkpointAbove(before.size)
  const entries = (await api.get(`/api/v1/ledger/entries?after=${before.size}&limit=50`)).json.items
  const mine = entries.find((e) => JSON.parse(e.entry).object === `sector/${created.json.id}`)
  assert.ok(mine, 'no ledger entry for the new sector')
  const entry = JSON.parse(mine.entry)
  assert.equal(entry.action, 'sector.created')
  assert.match(entry.content, /^[0-9a-f]{64}$/)
  assert.ok(!mine.entry.includes(name), 'the ledger must not hold content')
  assert.equal(Buffer.from(mine.leaf_hash, 'base64').toString('hex'), leafHash(mine.entry).toString('hex'))

  const p = (await api.get(`/api/v1/ledger/proof/inclusion?index=${mine.seq}&tree_size=${cp.size}`)).json
  const proof = p.proof.map((h) => Buffer.from(h, 'base64'))
  assert.ok(verifyInclusion(mine.seq, cp.size, leafHash(p.entry), proof, cp.root), 'inclusion proof does not verify')
  assert.ok(!verifyInclusion(mine.seq, cp.size, leafHash(p.entry + ' '), proof, cp.root), 'a changed entry still verified')

  const c = (await api.get(`/api/v1/ledger/proof/consistency?first=${before.size}&second=${cp.size}`)).json
  assert.ok(
    verifyConsistency(before.size, cp.size, before.root, cp.root, c.proof.map((h) => Buffer.from(h, 'base64'))),
    'consistency proof does not verify',
  )
})

test("a record's entries are listed under its object; the latest hashes its current content", async () => {
  const r = await api.get('/api/v1/ledger/objects/org/1')
  assert.equal(r.status, 200)
  assert.equal(r.json.object, 'org/1')
  const actions = r.json.items.map((i) => JSON.parse(i.entry).action)
  assert.equal(actions[0], 'org.created')
  assert.equal((await api.get('/api/v1/ledger/objects/Org!/1')).status, 400)
})

test('bad proof requests are clear problems', async () => {
  const r = await api.get('/api/v1/ledger/proof/inclusion?index=abc&tree_size=1')
  assert.equal(r.status, 400)
  assert.match(r.header('content-type'), /problem\+json/)
  assert.equal((await api.get('/api/v1/ledger/proof/inclusion?index=0&tree_size=999999999')).status, 404)
  assert.equal((await api.get('/api/v1/ledger/proof/consistency?first=5&second=2')).status, 400)
})
