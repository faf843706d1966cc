// Witnesses and the remote verifier, end to end over HTTP: `shangliang witness --once` follows
// the platform, cosigns, and its cosignature comes back with GET /api/v1/ledger/checkpoint
// (checked here with node:crypto, not with the server's code); `shangliang ledger verify --url`
// checks the whole running platform from outside. And the refusals: a wrong log key, a
// witness the platform does not know, a state the platform contradicts (a fork, a shrunken
// tree), an entry changed behind the platform's back.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { DEMO_PASSWORD, REPO, freshDatabase, psql, sessionCookie, startServer, unique } from './harness.mjs'

const bin = resolve(REPO, process.env.SHANGLIANG_BIN ?? 'build/shangliang')
const work = mkdtempSync(join(tmpdir(), 'shangliang-witness-'))
const db = freshDatabase(work)
const dataDir = join(work, 'platform')
const witnessDir = join(work, 'witness')
const WITNESS = 'witness.sheng.example'
let server, logKey, witnessKey

/** Runs the CLI; resolves with {status, stdout, stderr} (asynchronously: the server runs in this process's event loop). */
function run(args) {
  return new Promise((done, fail) => {
    const child = spawn(bin, args, { cwd: REPO })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.on('error', fail)
    child.on('close', (status) => {
      clearTimeout(timer)
      done({ status, stdout, stderr, toString: () => `exit ${status}\n${stdout}${stderr}` })
    })
  })
}
const witnessOnce = (dir, key = logKey, extra = []) =>
  run(['witness', '--url', server.baseUrl, '--log-key', key, '--data', dir, '--once', ...extra])

const start = () => startServer([`--database.url=${db.url}`, `--data_dir=${dataDir}`, `--ledger.witnesses=${witnessKey}`])

async function checkpointNote(query = '') {
  const r = await server.api.get(`/api/v1/ledger/checkpoint${query}`)
  assert.equal(r.status, 200, `${r}`)
  return r.text
}
const sizeOf = (note) => Number(note.split('\n')[1])

/** The cosignature lines of `note` that verify (tlog-cosignature/v1) with the witness vkey. */
function verifiedCosignatures(note, vkey) {
  const [name, keyIdHex, b64] = [vkey.slice(0, vkey.indexOf('+')), vkey.split('+')[1], vkey.slice(vkey.indexOf('+', vkey.indexOf('+') + 1) + 1)]
  const key = Buffer.from(b64, 'base64')
  assert.equal(key[0], 0x04, 'a cosignature key has type 0x04')
  const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.subarray(1).toString('base64url') }, format: 'jwk' })
  const split = note.lastIndexOf('\n\n')
  const text = note.slice(0, split + 1)
  const out = []
  for (const line of note.slice(split + 2).split('\n').filter(Boolean)) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line)
    assert.ok(m, `signature line ${line}`)
    const raw = Buffer.from(m[2], 'base64')
    if (m[1] !== name || raw.length !== 76 || raw.subarray(0, 4).toString('hex') !== keyIdHex) continue
    const time = raw.readBigUInt64BE(4)
    const msg = Buffer.from(`cosignature/v1\ntime ${time}\n${text}`, 'utf8')
    if (verify(null, msg, pub, raw.subarray(12))) out.push({ time: Number(time) })
  }
  return out
}

/** A valid vkey for the platform's origin that is not the platform's key. */
function otherLogKey(origin) {
  const { publicKey } = generateKeyPairSync('ed25519')
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url')
  const id = createHash('sha256').update(Buffer.concat([Buffer.from(`${origin}\n`), Buffer.from([1]), pub])).digest().subarray(0, 4)
  return `${origin}+${id.toString('hex')}+${Buffer.concat([Buffer.from([1]), pub]).toString('base64')}`
}

before(async () => {
  const k = await run(['witness', 'key', '--data', witnessDir, '--name', WITNESS])
  assert.equal(k.status, 0, `${k}`)
  witnessKey = k.stdout.trim()
  assert.match(witnessKey, new RegExp(`^${WITNESS.replaceAll('.', '\\.')}\\+[0-9a-f]{8}\\+`))
  server = await start()
  logKey = (await server.api.get('/api/v1/ledger/key')).json.vkey
})
after(async () => {
  await server?.stop()
  db.drop()
  rmSync(work, { recursive: true, force: true })
})

test('a witness cosigns; the platform shows its cosignature; it follows the ledger as it grows', async () => {
  // The key is made once, private, and printed the same again.
  assert.equal((await run(['witness', 'key', '--data', witnessDir])).stdout.trim(), witnessKey)
  const w = await server.api.get('/api/v1/ledger/witnesses')
  assert.deepEqual(w.json.items.map((i) => [i.name, i.vkey, i.size]), [[WITNESS, witnessKey, null]])
  assert.equal((await server.api.get('/api/v1/ledger/checkpoint?cosigned=1')).status, 404)

  const first = await witnessOnce(witnessDir)
  assert.equal(first.status, 0, `${first}`)
  const m = /cosigned size (\d+) .*first checkpoint.*; submitted/.exec(first.stdout)
  assert.ok(m, `${first}`)
  const size = Number(m[1])
  assert.deepEqual(JSON.parse(readFileSync(join(witnessDir, 'state.json'), 'utf8')).size, size)

  // The platform serves its own signature line, then the witness's, which verifies here.
  let note = await checkpointNote()
  if (sizeOf(note) !== size) note = await checkpointNote('?cosigned=1')
  assert.equal(sizeOf(note), size)
  const cos = verifiedCosignatures(note, witnessKey)
  assert.equal(cos.length, 1, note)
  assert.ok(Math.abs(cos[0].time - Date.now() / 1000) < 600)
  const listed = (await server.api.get('/api/v1/ledger/witnesses')).json.items[0]
  assert.equal(listed.size, size)
  assert.equal(Date.parse(listed.cosigned_at) / 1000, cos[0].time)
  const page = await server.api.get(`/api/v1/ledger/checkpoints?after_size=${size - 1}&limit=1`)
  assert.equal(page.json.items[0].size, size)
  assert.equal(verifiedCosignatures(page.json.items[0].note, witnessKey).length, 1)

  // The ledger grows; the next round proves the new checkpoint extends the one it cosigned.
  const admin = sessionCookie(await server.api.post('/api/v1/auth/login', { login: 'admin', password: DEMO_PASSWORD }))
  const r = await server.api.post('/api/v1/orgs', { parent_id: 1, name: `见证市${unique()}`, level: 'city', kind: 'cppcc' }, { as: admin })
  assert.equal(r.status, 201)
  for (let i = 0; sizeOf(await checkpointNote()) <= size; i++) {
    assert.ok(i < 150, 'no new checkpoint within 15 s')
    await sleep(100)
  }
  const second = await witnessOnce(witnessDir)
  assert.equal(second.status, 0, `${second}`)
  assert.match(second.stdout, new RegExp(`consistent with ${size}, proof of \\d+ hashes\\); submitted`))
  const newest = await checkpointNote('?cosigned=1')
  assert.ok(sizeOf(newest) > size)
  assert.equal(verifiedCosignatures(newest, witnessKey).length, 1)

  // The whole platform, checked from outside: every public organisation and sector that
  // carries its ledger data is checked against its latest entry.
  const v = await run(['ledger', 'verify', '--url', server.baseUrl, '--log-key', logKey])
  assert.equal(v.status, 0, `${v}`)
  assert.match(v.stdout, /ledger verified/)
  assert.match(v.stdout, /entries: [1-9]\d+/)
  assert.match(v.stdout, /checkpoints: [1-9]/)
  assert.match(v.stdout, new RegExp(`(cosigned by: 1 witness\\(es\\): ${WITNESS}|cosigned by: 0)`))
  const records = await publicRecords()
  const carrying = records.filter((r) => r.ledger).length
  assert.match(v.stdout, new RegExp(`records checked: ${carrying} \\(without ledger data: ${records.length - carrying};`))
})

/** Every public organisation (as its own GET answers when the list has no ledger data) and sector. */
async function publicRecords() {
  const out = []
  for (const org of await allOrgs()) {
    out.push(org.ledger ? org : (await server.api.get(`/api/v1/orgs/${org.id}`)).json)
    out.push(...(await server.api.get(`/api/v1/orgs/${org.id}/sectors`)).json.items)
  }
  return out
}
async function allOrgs() {
  const orgs = []
  const queue = [null]
  while (queue.length) {
    const parent = queue.shift()
    for (const o of await server.api.all(parent ? `/api/v1/orgs?limit=200&parent_id=${parent}` : '/api/v1/orgs?limit=200')) {
      orgs.push(o)
      if (o.child_count > 0) queue.push(o.id)
    }
  }
  return orgs
}

test('refused: a wrong log key, an unknown witness, a fork, a shrunken tree; nothing is cosigned', async () => {
  const before = (await server.api.get('/api/v1/ledger/witnesses')).json.items[0]
  const origin = logKey.slice(0, logKey.indexOf('+'))

  // The checkpoint does not verify with the key the witness pinned.
  const wrongKeyDir = join(work, 'wrong-key')
  const wrong = await witnessOnce(wrongKeyDir, otherLogKey(origin), ['--name', WITNESS])
  assert.equal(wrong.status, 2, `${wrong}`)
  assert.match(wrong.stderr, /checkpoint_unverified.*未联署/)

  // A witness the platform's administrators did not configure: checks pass, the platform refuses.
  const stranger = await witnessOnce(join(work, 'stranger'), logKey, ['--name', 'witness.stranger.example'])
  assert.equal(stranger.status, 1, `${stranger}`)
  assert.match(stranger.stderr, /cosigned size \d+.*refused it: unknown_witness/)

  // A witness that has seen another root at the current size (a fork), or a larger tree.
  const note = await checkpointNote()
  const size = sizeOf(note)
  for (const [name, state, slug] of [
    ['fork', { log: logKey, size, root: Buffer.alloc(32, 9).toString('base64') }, /fork_detected/],
    ['shrunk', { log: logKey, size: size + 1000, root: Buffer.alloc(32, 9).toString('base64') }, /tree_shrank/],
  ]) {
    const dir = join(work, name)
    assert.equal((await run(['witness', 'key', '--data', dir, '--name', WITNESS])).status, 0)
    writeFileSync(join(dir, 'state.json'), JSON.stringify(state))
    const r = await witnessOnce(dir)
    assert.equal(r.status, 2, `${name}: ${r}`)
    assert.match(r.stderr, slug)
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')), state, 'the state is kept')
  }

  // Nothing of the above reached the platform.
  const now = (await server.api.get('/api/v1/ledger/witnesses')).json.items
  assert.equal(now.length, 1)
  assert.equal(now[0].cosigned_at, before.cosigned_at)

  // The remote verifier refuses a key the platform does not sign with.
  const v = await run(['ledger', 'verify', '--url', server.baseUrl, '--log-key', otherLogKey(origin)])
  assert.notEqual(v.status, 0, `${v}`)
  assert.match(v.stderr, /ledger_mismatch/)

  // The witness's cosignature of one checkpoint, handed in as one of another size: refused.
  const cosigned = await checkpointNote('?cosigned=1')
  const line = cosigned.slice(cosigned.lastIndexOf('\n\n') + 2).split('\n').find((l) => l.startsWith(`\u2014 ${WITNESS} `))
  assert.ok(line, cosigned)
  const oldest = (await server.api.get('/api/v1/ledger/checkpoints?limit=1')).json.items[0].size
  assert.ok(oldest < sizeOf(cosigned))
  const r = await server.api.post('/api/v1/ledger/cosignatures', { size: oldest, cosignature: line })
  assert.equal(r.status, 422, `${r}`)
  assert.equal(r.json.code, 'bad_cosignature')
  const again = await server.api.post('/api/v1/ledger/cosignatures', { size: sizeOf(cosigned), cosignature: line })
  assert.equal(again.status, 200, `${again}`)
  assert.equal(again.json.stored, false)
})

test('ledger verify --url names a public record changed behind the platform\'s back (when records carry ledger data)', async () => {
  const admin = sessionCookie(await server.api.post('/api/v1/auth/login', { login: 'admin', password: DEMO_PASSWORD }))
  const name = `TamperTarget${unique()}`
  const created = await server.api.post('/api/v1/orgs', { parent_id: 1, name, level: 'city', kind: 'cppcc' }, { as: admin })
  assert.equal(created.status, 201)
  const carries = created.json.ledger !== undefined
  const tampered = name.replace('Target', 'Targes')
  await server.stop()
  if (db.url.startsWith('sqlite:')) {
    const file = db.url.slice('sqlite:'.length)
    const bytes = readFileSync(file)
    const at = bytes.indexOf(Buffer.from(name))
    assert.ok(at > 0, 'the record is not in the database file')
    assert.equal(bytes.indexOf(Buffer.from(name), at + 1), -1, 'the name is stored more than once')
    bytes.write(tampered, at)
    writeFileSync(file, bytes)
  } else {
    psql(db.url, `UPDATE orgs SET name = '${tampered}' WHERE id = ${created.json.id}`)
  }
  server = await start()
  const v = await run(['ledger', 'verify', '--url', server.baseUrl, '--log-key', logKey])
  if (carries) {
    // The record as the platform now shows it no longer hashes to its latest entry.
    assert.notEqual(v.status, 0, `${v}`)
    assert.match(v.stderr, new RegExp(`org/${created.json.id} 与平台公开的内容不符`), `${v}`)
  } else {
    // Without a record's ledger data an outside verifier cannot see such a change (the local
    // `ledger verify --data` can); it says how many records it could not check.
    assert.equal(v.status, 0, `${v}`)
    assert.match(v.stdout, /without ledger data: [1-9]/)
  }
})

test('ledger verify --url names an entry changed behind the platform\'s back', async () => {
  const entry = (await server.api.get('/api/v1/ledger/entries?after=5&limit=1')).json.items[0]
  assert.equal(entry.seq, 5)
  const content = /"content":"([0-9a-f]{64})"/.exec(entry.entry)[1]
  const changed = entry.entry.replace(content, (content[0] === '0' ? '1' : '0') + content.slice(1))
  await server.stop()
  if (db.url.startsWith('sqlite:')) {
    const file = db.url.slice('sqlite:'.length)
    const bytes = readFileSync(file)
    const at = bytes.indexOf(Buffer.from(entry.entry))
    assert.ok(at > 0, 'the entry is not in the database file')
    assert.equal(bytes.indexOf(Buffer.from(entry.entry), at + 1), -1, 'the entry is stored more than once')
    bytes.write(changed, at)
    writeFileSync(file, bytes)
  } else {
    psql(db.url, `UPDATE ledger_entries SET entry = '${changed}' WHERE seq = 5`)
  }
  server = await start()
  const v = await run(['ledger', 'verify', '--url', server.baseUrl, '--log-key', logKey])
  assert.notEqual(v.status, 0, `${v}`)
  assert.match(v.stderr, /第一处不符在第 5 条/, `${v}`)
})
