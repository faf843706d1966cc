// Erasure without breaking the log (right to deletion), and records that carry their ledger data:
//   - every record's "ledger" salt and content hash to its latest entry's content hash;
//   - an administrator erases a person: their personal data and memberships go, each with its
//     entry; reading them answers 410 with when and under which entry; they cannot log in; the
//     ledger's objects endpoint shows the erasure;
//   - a person erases themselves, confirming with their password;
//   - `shangliang ledger verify` passes on the data afterwards.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { CITY, PROVINCE, REPO, freshDatabase, sessionCookie, startServer, unique, uniqueMobile } from './harness.mjs'

const bin = resolve(REPO, process.env.SHANGLIANG_BIN ?? 'build/shangliang')
const dataDir = mkdtempSync(join(tmpdir(), 'shangliang-erasure-'))
const db = freshDatabase(dataDir)
let server, api, admin, prov, city
let erasedId // a person erased by an administrator

const contentHash = (salt, content) => createHash('sha256').update(`${salt}\n${content}`, 'utf8').digest('hex')

/** The latest entry of a record, parsed, and the whole objects answer. */
async function latest(type, id) {
  const r = await api.get(`/api/v1/ledger/objects/${type}/${id}`)
  assert.equal(r.status, 200, String(r))
  const items = r.json.items
  assert.ok(items.length > 0, `no entries for ${type}/${id}`)
  const last = items.reduce((a, b) => (b.seq > a.seq ? b : a))
  return { entry: JSON.parse(last.entry), answer: r.json }
}

/** The record's ledger data is exactly what its latest entry hashed. */
async function assertLedgerMatches(record, type) {
  assert.ok(record.ledger, `no ledger data in ${JSON.stringify(record)}`)
  assert.equal(record.ledger.type, type)
  assert.equal(record.ledger.id, record.id)
  assert.match(record.ledger.salt, /^[0-9a-f]+$/)
  const { entry } = await latest(type, record.id)
  assert.equal(contentHash(record.ledger.salt, record.ledger.content), entry.content, `${type}/${record.id}`)
}

before(async () => {
  server = await startServer([`--database.url=${db.url}`, `--data_dir=${dataDir}`])
  api = server.api
  admin = await api.login('admin')
  prov = (await api.orgByName(PROVINCE)).id
  city = (await api.orgByName(CITY)).id
})
after(async () => {
  await server?.stop()
  db.drop()
  rmSync(dataDir, { recursive: true, force: true })
})

/** A new person, 委员 of the province and of 临江市, who can log in. */
async function newPerson() {
  const login = `er${unique()}`
  const mobile = uniqueMobile()
  const password = 'erasure-pass-1'
  const m = await api.post(`/api/v1/orgs/${prov}/members`, { display_name: '删除测试人', login, mobile, password, role: 'member' }, { as: admin })
  assert.equal(m.status, 201, String(m))
  const m2 = await api.post(`/api/v1/orgs/${city}/members`, { person_id: m.json.person.id, role: 'member' }, { as: admin })
  assert.equal(m2.status, 201, String(m2))
  return { id: m.json.person.id, login, mobile, password, memberships: [m.json.id, m2.json.id], membership: m.json }
}

test('records carry the salt and content their latest ledger entry hashed', async () => {
  const org = await api.get(`/api/v1/orgs/${prov}`)
  await assertLedgerMatches(org.json, 'org')
  const orgs = await api.get(`/api/v1/orgs?parent_id=${prov}`)
  await assertLedgerMatches(orgs.json.items[0], 'org')
  const sectors = await api.get(`/api/v1/orgs/${prov}/sectors`)
  assert.ok(sectors.json.items.length > 0)
  await assertLedgerMatches(sectors.json.items[0], 'sector')
  const renamed = await api.patch(`/api/v1/sectors/${sectors.json.items[0].id}`, { name: `留痕界${unique()}` }, { as: admin })
  assert.equal(renamed.status, 200, String(renamed))
  await assertLedgerMatches(renamed.json, 'sector')

  const p = await newPerson()
  await assertLedgerMatches(p.membership, 'membership')
  await assertLedgerMatches(p.membership.person, 'person')
  const members = await api.get(`/api/v1/orgs/${prov}/members?q=${p.login}`, { as: admin })
  await assertLedgerMatches(members.json.items[0], 'membership')
  await assertLedgerMatches(members.json.items[0].person, 'person')
  const person = await api.get(`/api/v1/people/${p.id}`, { as: admin })
  assert.equal(person.status, 200)
  await assertLedgerMatches(person.json, 'person')
  for (const m of person.json.memberships) await assertLedgerMatches(m, 'membership')
  assert.ok(JSON.parse(person.json.ledger.content).mobile === p.mobile)
  const own = await api.login(p.login, p.password)
  const me = await api.get('/api/v1/me', { as: own })
  await assertLedgerMatches(me.json, 'person')

  // A leader reads the members with masked mobiles: the person's content (which holds the full
  // number) is not sent; the membership's is.
  const leader = await api.login('leader')
  const seen = await api.get(`/api/v1/orgs/${prov}/members?q=${p.login}`, { as: leader })
  assert.equal(seen.status, 200)
  assert.match(seen.json.items[0].person.mobile, /\*{4}/)
  assert.equal(seen.json.items[0].person.ledger, undefined)
  await assertLedgerMatches(seen.json.items[0], 'membership')
  const leaderView = await api.get(`/api/v1/people/${p.id}`, { as: leader })
  assert.equal(leaderView.status, 200)
  assert.equal(leaderView.json.ledger, undefined)
})

test('an administrator erases a person: 410 with when and which entry, no login, the ledger shows it', async () => {
  const p = await newPerson()
  const session = await api.login(p.login, p.password)
  assert.equal((await api.get('/api/v1/me', { as: session })).status, 200)

  // Oneself goes through /me/erase; staff of 临江市 alone do not manage the province.
  const self = await api.delete(`/api/v1/people/${(await api.get('/api/v1/me', { as: admin })).json.id}`, { as: admin })
  assert.equal(self.status, 400, String(self))
  assert.equal(self.json.code, 'use_self_erasure')
  const cityStaff = await api.login('city_staff')
  assert.equal((await api.delete(`/api/v1/people/${p.id}`, { as: cityStaff })).status, 403)

  const r = await api.delete(`/api/v1/people/${p.id}`, { as: admin })
  assert.equal(r.status, 200, String(r))
  erasedId = p.id
  const { erased } = r.json
  assert.equal(erased.reason, 'right_to_deletion')
  assert.match(erased.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  assert.ok(Number.isInteger(erased.seq))

  // Reading the person: 410 Gone, problem+json saying removed, when, under which entry.
  for (const as of [admin, await api.login('staff')]) {
    const g = await api.get(`/api/v1/people/${p.id}`, { as })
    assert.equal(g.status, 410, String(g))
    assert.match(g.contentType, /^application\/problem\+json/)
    assert.equal(g.json.code, 'person_erased')
    assert.equal(g.json.status, 410)
    assert.equal(g.json.title, '内容已删除')
    assert.deepEqual(g.json.erased, erased)
    assert.ok(g.json.detail.includes(`第 ${erased.seq} 条`), g.json.detail)
  }
  for (const [method, path, json] of [
    ['PATCH', `/api/v1/people/${p.id}`, { display_name: '复活' }],
    ['POST', `/api/v1/people/${p.id}/password`, { new_password: 'another-pass-1' }],
    ['DELETE', `/api/v1/people/${p.id}`, undefined],
    ['POST', `/api/v1/orgs/${prov}/members`, { person_id: p.id, role: 'member' }],
  ]) {
    const x = await api.request(method, path, { as: admin, json })
    assert.equal(x.status, 410, `${method} ${path}: ${x}`)
    assert.deepEqual(x.json.erased, erased)
  }

  // No login, by name or mobile; the old session is over.
  for (const login of [p.login, p.mobile]) {
    const l = await api.post('/api/v1/auth/login', { login, password: p.password })
    assert.equal(l.status, 401, String(l))
  }
  assert.equal((await api.get('/api/v1/me', { as: session })).status, 401)
  // Not found by search any more.
  const found = await api.get(`/api/v1/people?q=${p.login}`, { as: admin })
  assert.deepEqual(found.json.items, [])

  // The ledger: the person's last entry is the erasure, without content; the objects answer
  // says so; each membership has its own erasure entry.
  const { entry, answer } = await latest('person', p.id)
  assert.equal(entry.action, 'person.erased')
  assert.equal(entry.content, '')
  assert.equal(entry.seq, erased.seq)
  assert.equal(entry.at, erased.at)
  assert.deepEqual(answer.erased, erased)
  assert.ok(answer.items.length >= 2, 'the earlier entries are still listed')
  for (const mid of p.memberships) {
    const m = await latest('membership', mid)
    assert.equal(m.entry.action, 'membership.erased')
    assert.equal(m.entry.content, '')
    assert.equal(m.answer.erased.reason, 'right_to_deletion')
    assert.ok(m.answer.erased.seq < erased.seq)
  }
  // The earlier entries are served as they were: each still hashes to its leaf hash.
  for (const it of answer.items) {
    const leaf = createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(it.entry, 'utf8')])).digest('base64')
    assert.equal(leaf, it.leaf_hash)
  }
})

test('a person erases themselves, confirming with their password', async () => {
  const mobile = uniqueMobile()
  assert.equal((await api.post('/api/v1/auth/sms-codes', { mobile, purpose: 'register' })).status, 202)
  const reg = await api.post('/api/v1/auth/register', { mobile, code: server.lastSmsCode(mobile), password: 'public-pass-9', display_name: '公众乙' })
  assert.equal(reg.status, 201, String(reg))
  const token = sessionCookie(reg)
  const id = reg.json.person.id

  const wrong = await api.post('/api/v1/me/erase', { password: 'not-my-password' }, { as: token })
  assert.equal(wrong.status, 403, String(wrong))
  assert.equal(wrong.json.code, 'wrong_password')
  assert.equal((await api.get('/api/v1/me', { as: token })).status, 200)
  assert.equal((await api.post('/api/v1/me/erase', {})).status, 401)

  const r = await api.post('/api/v1/me/erase', { password: 'public-pass-9' }, { as: token })
  assert.equal(r.status, 200, String(r))
  assert.ok(r.headers.getSetCookie().some((c) => /^sl_session=;.*Max-Age=0/.test(c)), 'the cookie is cleared')
  assert.equal((await api.get('/api/v1/me', { as: token })).status, 401)
  assert.equal((await api.post('/api/v1/auth/login', { login: mobile, password: 'public-pass-9' })).status, 401)
  const g = await api.get(`/api/v1/people/${id}`, { as: admin })
  assert.equal(g.status, 410)
  assert.deepEqual(g.json.erased, r.json.erased)
  const { entry } = await latest('person', id)
  assert.equal(entry.action, 'person.erased')
  // The actor of a self-erasure is the person's own pseudonym, the same as on registration.
  const first = JSON.parse((await api.get(`/api/v1/ledger/objects/person/${id}`)).json.items[0].entry)
  assert.equal(entry.actor, first.actor)
})

test('shangliang ledger verify passes after the erasures', async () => {
  const stopped = await server.stop()
  assert.equal(stopped.code, 0)
  const v = spawnSync(bin, ['ledger', 'verify', '--data', dataDir, `--database.url=${db.url}`], { cwd: REPO, encoding: 'utf8' })
  assert.equal(v.status, 0, v.stdout + v.stderr)
  assert.match(v.stdout, /ledger verified/)
  // Nor does the shell give an erased person anything again (and the ledger stays as it was).
  for (const args of [['superadmin', '--person', String(erasedId)], ['role', 'grant', '--person', String(erasedId), '--org', String(prov), '--role', 'member']]) {
    const r = spawnSync(bin, ['admin', ...args, `--database.url=${db.url}`, `--data_dir=${dataDir}`], { cwd: REPO, encoding: 'utf8' })
    assert.notEqual(r.status, 0, `admin ${args.join(' ')} succeeded on an erased person`)
    assert.match(r.stderr, /person_erased/)
  }
  const again = spawnSync(bin, ['ledger', 'verify', '--data', dataDir, `--database.url=${db.url}`], { cwd: REPO, encoding: 'utf8' })
  assert.equal(again.status, 0, again.stdout + again.stderr)
})
