// `shangliang ledger verify`: passes on an untouched data directory, fails and names the record
// after one byte of a stored record is changed behind the platform's back.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DEMO_PASSWORD, REPO, freshDatabase, psql, sessionCookie, startServer, unique } from './harness.mjs'

const bin = resolve(REPO, process.env.SHANGLIANG_BIN ?? 'build/shangliang')
const dataDir = mkdtempSync(join(tmpdir(), 'shangliang-verify-'))
const db = freshDatabase(dataDir)
after(() => {
  db.drop()
  rmSync(dataDir, { recursive: true, force: true })
})

const verify = () =>
  spawnSync(bin, ['ledger', 'verify', '--data', dataDir, `--database.url=${db.url}`], { cwd: REPO, encoding: 'utf8' })

test('ledger verify passes on real data and names the record changed behind its back', async () => {
  const server = await startServer([`--database.url=${db.url}`, `--data_dir=${dataDir}`])
  const name = `TamperTarget${unique()}`
  let orgId
  try {
    const admin = sessionCookie(await server.api.post('/api/v1/auth/login', { login: 'admin', password: DEMO_PASSWORD }))
    const r = await server.api.post('/api/v1/orgs', { parent_id: 1, name, level: 'city', kind: 'cppcc' }, { as: admin })
    assert.equal(r.status, 201)
    orgId = r.json.id
  } finally {
    assert.equal((await server.stop()).code, 0)
  }

  const ok = verify()
  assert.equal(ok.status, 0, ok.stdout + ok.stderr)
  assert.match(ok.stdout, /ledger verified/)
  assert.match(ok.stdout, /entries: [1-9]\d+/)

  // Change one byte of the stored record.
  const tampered = name.replace('Target', 'Targes')
  if (db.url.startsWith('sqlite:')) {
    const file = db.url.slice('sqlite:'.length)
    const bytes = readFileSync(file)
    const at = bytes.indexOf(Buffer.from(name))
    assert.ok(at > 0, 'the record is not in the database file')
    assert.equal(bytes.indexOf(Buffer.from(name), at + 1), -1, 'the name is stored more than once')
    bytes.write(tampered, at)
    writeFileSync(file, bytes)
  } else {
    psql(db.url, `UPDATE orgs SET name = '${tampered}' WHERE id = ${orgId}`)
  }
  const bad = verify()
  assert.notEqual(bad.status, 0, 'verify passed on tampered data')
  assert.match(bad.stderr, new RegExp(`org/${orgId}`), bad.stderr)
})
