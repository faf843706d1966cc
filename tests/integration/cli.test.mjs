// `shangliang admin …`: the administration use cases from a shell, on the same database
// backends as the API (SQLite, or a fresh PostgreSQL database when SL_TEST_DATABASE_URL is set).
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { REPO, freshDatabase, startServer } from './harness.mjs'

const bin = resolve(REPO, process.env.SHANGLIANG_BIN ?? 'build/shangliang')
const tmp = mkdtempSync(join(tmpdir(), 'shangliang-cli-'))
const db = freshDatabase(tmp)
after(() => {
  db.drop()
  rmSync(tmp, { recursive: true, force: true })
})

function cli(args, input) {
  const r = spawnSync(bin, [...args, `--database.url=${db.url}`, '--auth.argon2_memlimit_kib=8192', '--auth.argon2_opslimit=1'], {
    cwd: REPO,
    input,
    encoding: 'utf8',
  })
  return { code: r.status, out: r.stdout, err: r.stderr, json: () => r.stdout.trim().split('\n').map((l) => JSON.parse(l)) }
}

test('admin CLI: organisations, people, roles, rosters, and a login with what it made', async () => {
  assert.equal(cli(['migrate']).code, 0)
  const prov = cli(['admin', 'org', 'add', '--name', '测试省政协', '--level', 'province', '--kind', 'cppcc'])
  assert.equal(prov.code, 0, prov.err)
  const provId = prov.json()[0].id
  const city = cli(['admin', 'org', 'add', '--name', '测试市政协', '--level', 'city', '--kind', 'cppcc', '--parent', String(provId)])
  assert.equal(city.code, 0, city.err)
  const listed = cli(['admin', 'org', 'list', '--parent', String(provId)])
  assert.deepEqual(listed.json().map((o) => o.name), ['测试市政协'])
  // A bad level is a clear error with a non-zero exit.
  const bad = cli(['admin', 'org', 'add', '--name', 'x', '--level', 'planet', '--kind', 'cppcc'])
  assert.equal(bad.code, 2)
  assert.match(bad.err, /invalid_level/)

  const person = cli(['admin', 'person', 'add', '--name', '命令行管理员', '--login', 'cliadmin', '--password-stdin'], 'cli-password-1\n')
  assert.equal(person.code, 0, person.err)
  const grant = cli(['admin', 'role', 'grant', '--person', 'cliadmin', '--org', String(provId), '--role', 'admin'])
  assert.equal(grant.code, 0, grant.err)
  assert.equal(grant.json()[0].role, 'admin')

  // Roster import: all or nothing, with line numbers.
  const badCsv = join(tmp, 'bad.csv')
  writeFileSync(badCsv, 'display_name,login,mobile\n甲,jia01,13912340001\n乙,yi01,123\n')
  const rejected = cli(['admin', 'roster', 'import', '--org', String(provId), badCsv])
  assert.equal(rejected.code, 2)
  assert.match(rejected.err, /"line":3/)
  const goodCsv = join(tmp, 'good.csv')
  writeFileSync(goodCsv, 'display_name,login,mobile\n甲,jia01,13912340001\n乙,yi01,13912340002\n')
  const imported = cli(['admin', 'roster', 'import', '--org', String(provId), goodCsv])
  assert.equal(imported.code, 0, imported.err)
  assert.deepEqual(imported.json()[0], { imported: 2, created_people: 2, unchanged: 0 })
  const xlsx = join(tmp, 'roster.xlsx')
  assert.equal(cli(['admin', 'roster', 'export', '--org', String(provId), '--out', xlsx]).code, 0)
  assert.equal(readFileSync(xlsx).subarray(0, 2).toString(), 'PK')

  const revoke = cli(['admin', 'role', 'revoke', '--person', 'jia01', '--org', String(provId), '--role', 'member'])
  assert.equal(revoke.code, 0, revoke.err)

  // The server, on the same database, lets the CLI-made administrator in with their roles.
  const server = await startServer([`--database.url=${db.url}`])
  try {
    const api = server.api
    const login = await api.post('/api/v1/auth/login', { login: 'cliadmin', password: 'cli-password-1', bearer: true })
    assert.equal(login.status, 200, String(login))
    const roles = login.json.person.memberships.map((m) => [m.org.name, m.role])
    assert.deepEqual(roles, [['测试省政协', 'admin']])
    const members = await api.get(`/api/v1/orgs/${provId}/members`, { headers: { authorization: `Bearer ${login.json.token}` } })
    assert.deepEqual(members.json.items.map((m) => m.person.login).sort(), ['cliadmin', 'yi01'])
  } finally {
    await server.stop()
  }
})
