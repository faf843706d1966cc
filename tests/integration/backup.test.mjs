// `shangliang backup` / `shangliang restore`: an online backup taken while writers keep posting,
// restored into a new database and data directory; a server started on the copy serves every
// post acknowledged before the backup began and the uploaded file, `ledger verify` passes, and
// restore refuses a target that is not empty. Runs on SQLite, and on PostgreSQL under
// run-postgres.sh (pg_dump / pg_restore).
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DEMO_PASSWORD, REPO, freshDatabase, sessionCookie, startServer, unique } from './harness.mjs'

const bin = resolve(REPO, process.env.SHANGLIANG_BIN ?? 'build/shangliang')
const tmp = mkdtempSync(join(tmpdir(), 'shangliang-backup-'))
const srcDir = join(tmp, 'src')
const dstDir = join(tmp, 'dst')
const backupDir = join(tmp, 'backup')
const srcDb = freshDatabase(join(tmp))
const dstTmp = mkdtempSync(join(tmpdir(), 'shangliang-backup-dst-'))
const dstDb = freshDatabase(dstTmp)
const thirdTmp = mkdtempSync(join(tmpdir(), 'shangliang-backup-third-'))
const thirdDb = freshDatabase(thirdTmp)
after(() => {
  srcDb.drop()
  dstDb.drop()
  thirdDb.drop()
  rmSync(thirdTmp, { recursive: true, force: true })
  rmSync(tmp, { recursive: true, force: true })
  rmSync(dstTmp, { recursive: true, force: true })
})

function run(args) {
  return new Promise((done) => {
    const child = spawn(bin, args, { cwd: REPO })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => (stdout += c))
    child.stderr.on('data', (c) => (stderr += c))
    child.on('exit', (status) => done({ status, stdout, stderr }))
  })
}

test('an online backup restores into a new database, serves its data and passes ledger verify', async () => {
  const server = await startServer([`--database.url=${srcDb.url}`, `--data_dir=${srcDir}`])
  const { api } = server
  const acked = [] // posts that got 201 before the backup started
  let late = 0
  let attachment
  try {
    const member = sessionCookie(await api.post('/api/v1/auth/login', { login: 'member', password: DEMO_PASSWORD }))
    const list = await api.get('/api/v1/deliberations', { as: member })
    const demo = list.json.items.find((d) => d.theme.startsWith('推进基本养老服务体系建设'))
    assert.ok(demo, String(list))
    const pdf = readFileSync(join(REPO, 'tests/fixtures/attachments/doc.pdf'))
    const up = await api.request('POST', '/api/v1/attachments?name=report.pdf', {
      as: member,
      body: pdf,
      headers: { 'content-type': 'application/pdf' },
    })
    assert.equal(up.status, 201, String(up))
    const withFile = await api.post(`/api/v1/deliberations/${demo.id}/posts`, { body: `附件发言${unique()}`, attachment_ids: [up.json.id] }, { as: member })
    assert.equal(withFile.status, 201, String(withFile))
    attachment = { post: withFile.json.id, id: up.json.id, bytes: pdf }
    acked.push(withFile.json.id)

    // Writers keep posting and liking while the backup runs.
    let backupStarted = false
    let stop = false
    const writer = async (w) => {
      for (let i = 0; !stop; i++) {
        const r = await api.post(`/api/v1/deliberations/${demo.id}/posts`, { body: `备份期间的发言 ${w}-${i}` }, { as: member })
        assert.equal(r.status, 201, String(r))
        if (!backupStarted) acked.push(r.json.id)
        else late++
        if (i % 3 === 0) await api.post(`/api/v1/posts/${r.json.id}/like`, undefined, { as: member })
      }
    }
    const writers = [0, 1, 2].map(writer)
    while (acked.length < 20) await new Promise((r) => setTimeout(r, 20))
    backupStarted = true
    const b = await run(['backup', backupDir, `--database.url=${srcDb.url}`, `--data_dir=${srcDir}`])
    const writesDuringBackup = late
    stop = true
    await Promise.all(writers)
    assert.equal(b.status, 0, b.stdout + b.stderr)
    assert.ok(writesDuringBackup > 0 || late > 0, 'no write ran alongside the backup')

    const manifest = JSON.parse(readFileSync(join(backupDir, 'manifest.json'), 'utf8'))
    assert.equal(manifest.format, 'shangliang-backup/1')
    assert.ok(manifest.database.schema_version >= 15, JSON.stringify(manifest.database))
    assert.ok(manifest.database.ledger_tree_size > 100, JSON.stringify(manifest.database))
    const paths = manifest.files.map((f) => f.path)
    assert.ok(paths.includes('data/ledger/signing.key'), paths.join(' '))
    assert.ok(paths.includes('data/ledger/actor.key'), paths.join(' '))
    assert.ok(paths.some((p) => p.startsWith('data/uploads/')), paths.join(' '))
    for (const f of manifest.files) assert.match(f.sha256, /^[0-9a-f]{64}$/)
  } finally {
    assert.equal((await server.stop()).code, 0)
  }

  // A backup never goes into a non-empty directory.
  const again = await run(['backup', backupDir, `--database.url=${srcDb.url}`, `--data_dir=${srcDir}`])
  assert.notEqual(again.status, 0)
  assert.match(again.stderr, /backup_target_not_empty/)

  // A damaged backup is refused before anything is written.
  const keyFile = join(backupDir, 'data/ledger/actor.key')
  const key = readFileSync(keyFile)
  writeFileSync(keyFile, Buffer.concat([key, Buffer.from('x')]))
  const corrupt = await run(['restore', backupDir, `--database.url=${dstDb.url}`, `--data_dir=${dstDir}`])
  assert.notEqual(corrupt.status, 0)
  assert.match(corrupt.stderr, /backup_corrupt/)
  assert.equal(existsSync(dstDir), false, 'restore wrote before checking')
  writeFileSync(keyFile, key)

  const r = await run(['restore', backupDir, `--database.url=${dstDb.url}`, `--data_dir=${dstDir}`])
  assert.equal(r.status, 0, r.stdout + r.stderr)
  // Restoring over it again is refused without --force, and allowed with it.
  const twice = await run(['restore', backupDir, `--database.url=${dstDb.url}`, `--data_dir=${dstDir}`])
  assert.notEqual(twice.status, 0)
  assert.match(twice.stderr, /restore_target_not_empty/)
  const forced = await run(['restore', backupDir, '--force', `--database.url=${dstDb.url}`, `--data_dir=${dstDir}`])
  assert.equal(forced.status, 0, forced.stdout + forced.stderr)

  const copy = await startServer([`--database.url=${dstDb.url}`, `--data_dir=${dstDir}`])
  try {
    const member = sessionCookie(await copy.api.post('/api/v1/auth/login', { login: 'member', password: DEMO_PASSWORD }))
    for (const id of acked) {
      const p = await copy.api.get(`/api/v1/posts/${id}`, { as: member })
      assert.equal(p.status, 200, `post ${id} acknowledged before the backup is missing: ${p}`)
    }
    const p = await copy.api.get(`/api/v1/posts/${attachment.post}`, { as: member })
    const a = p.json.attachments.find((x) => x.id === attachment.id)
    assert.ok(a, JSON.stringify(p.json))
    const file = await fetch(copy.baseUrl + a.url, { headers: { cookie: `sl_session=${member}` } })
    assert.equal(file.status, 200)
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), attachment.bytes)
  } finally {
    assert.equal((await copy.stop()).code, 0)
  }

  const v = spawnSync(bin, ['ledger', 'verify', '--data', dstDir, `--database.url=${dstDb.url}`], { cwd: REPO, encoding: 'utf8' })
  assert.equal(v.status, 0, v.stdout + v.stderr)
  assert.match(v.stdout, /ledger verified/)

  // The same as one .tar.gz file, and back from it.
  const archive = join(tmp, 'backup.tar.gz')
  const packed = await run(['backup', archive, `--database.url=${dstDb.url}`, `--data_dir=${dstDir}`])
  assert.equal(packed.status, 0, packed.stdout + packed.stderr)
  assert.match(spawnSync('tar', ['-tzf', archive], { encoding: 'utf8' }).stdout, /manifest\.json/)
  const thirdDir = join(tmp, 'third')
  const unpacked = await run(['restore', archive, `--database.url=${thirdDb.url}`, `--data_dir=${thirdDir}`])
  assert.equal(unpacked.status, 0, unpacked.stdout + unpacked.stderr)
  const v3 = spawnSync(bin, ['ledger', 'verify', '--data', thirdDir, `--database.url=${thirdDb.url}`], { cwd: REPO, encoding: 'utf8' })
  assert.equal(v3.status, 0, v3.stdout + v3.stderr)
})
