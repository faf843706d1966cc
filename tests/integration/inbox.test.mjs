// The in-app inbox (站内消息): each person reads and marks only their own notifications.
// Notifications come from real actions: the demo's welcome message, and membership changes
// (being added to an organisation, a changed role).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CITY, CONGRESS, COUNTY, PROVINCE, startServer, unique } from './harness.mjs'

let server, api
let admin, member, responder
let prov, city, county, congress

before(async () => {
  server = await startServer()
  api = server.api
  ;[admin, member, responder] = await Promise.all(['admin', 'member', 'dept_mz'].map((l) => api.login(l)))
  ;[prov, city, county, congress] = await Promise.all([PROVINCE, CITY, COUNTY, CONGRESS].map((n) => api.orgByName(n)))
})
after(async () => {
  await server?.stop()
})

function assertProblem(r, status, code) {
  assert.equal(r.status, status, `expected ${status} ${code ?? ''}, got ${r}`)
  assert.match(r.contentType, /^application\/problem\+json/, `content type of ${r}`)
  if (code) assert.equal(r.json?.code, code, `problem code of ${r}`)
}

async function inbox(as, query = '') {
  const r = await api.get(`/api/v1/inbox${query}`, { as })
  assert.equal(r.status, 200, String(r))
  return r.json
}

/** A new person, 委员 of the province, who can log in; returns {id, membership, token}. */
async function newPerson() {
  const login = `in${unique()}`
  const r = await api.post(
    `/api/v1/orgs/${prov.id}/members`,
    { display_name: '收信人', login, password: 'inbox-pass-1', role: 'member' },
    { as: admin },
  )
  assert.equal(r.status, 201, String(r))
  return { id: r.json.person.id, membership: r.json.id, token: await api.login(login, 'inbox-pass-1') }
}

describe('inbox', () => {
  test('the public (not logged in) gets 401 everywhere', async () => {
    assertProblem(await api.get('/api/v1/inbox'), 401, 'unauthenticated')
    assertProblem(await api.post('/api/v1/inbox/1/read', {}), 401)
    assertProblem(await api.post('/api/v1/inbox/read-all', {}), 401)
  })

  test('the demo member finds a welcome and their memberships, newest first', async () => {
    const page = await inbox(member)
    assert.equal(page.unread_count, 3, JSON.stringify(page))
    assert.deepEqual(
      page.items.map((i) => [i.kind, i.title, i.link]),
      [
        ['welcome', '欢迎使用商量', '/'],
        ['membership.added', `你已成为${CITY}委员`, `/orgs/${city.id}`],
        ['membership.added', `你已成为${PROVINCE}委员`, `/orgs/${prov.id}`],
      ],
    )
    for (const i of page.items) {
      assert.equal(i.read, false)
      assert.equal(i.read_at, null)
      assert.match(i.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    }
    assert.equal(page.next_cursor, null)
    // Personal: no shared cache keeps it.
    const r = await api.get('/api/v1/inbox', { as: member })
    assert.match(r.header('cache-control') ?? '', /private/)
    // A department responder is told about their department.
    const d = await inbox(responder)
    assert.ok(d.items.some((i) => i.title === '你已成为江南省民政厅部门联络员'), JSON.stringify(d.items))
  })

  test('membership changes arrive; cursor pagination walks them all once', async () => {
    const p = await newPerson()
    for (const org of [city, county, congress]) {
      const r = await api.post(`/api/v1/orgs/${org.id}/members`, { person_id: p.id, role: 'member' }, { as: admin })
      assert.equal(r.status, 201, String(r))
    }
    const ch = await api.patch(`/api/v1/memberships/${p.membership}`, { role: 'staff' }, { as: admin })
    assert.equal(ch.status, 200, String(ch))

    const all = await api.all('/api/v1/inbox?limit=2', { as: p.token })
    assert.deepEqual(
      all.map((i) => i.title),
      [`你在${PROVINCE}的身份已改为工作人员`, `你已成为${CONGRESS}代表`, `你已成为${COUNTY}委员`, `你已成为${CITY}委员`, `你已成为${PROVINCE}委员`],
    )
    assert.equal(all[0].kind, 'membership.changed')
    const ids = all.map((i) => i.id)
    assert.deepEqual([...ids].sort((a, b) => b - a), ids, 'newest first')
    assert.equal(new Set(ids).size, ids.length, 'no item twice')

    const first = await inbox(p.token, '?limit=2')
    assert.equal(first.items.length, 2)
    assert.equal(first.unread_count, 5, 'the count covers every page')
    assert.ok(first.next_cursor)
  })

  test('mark one read (again keeps the time), unread filter, read-all', async () => {
    const p = await newPerson()
    await api.post(`/api/v1/orgs/${city.id}/members`, { person_id: p.id, role: 'member' }, { as: admin })
    await api.post(`/api/v1/orgs/${county.id}/members`, { person_id: p.id, role: 'member' }, { as: admin })
    const before = await inbox(p.token)
    assert.equal(before.unread_count, 3)
    const target = before.items[1]

    const r = await api.post(`/api/v1/inbox/${target.id}/read`, undefined, { as: p.token })
    assert.equal(r.status, 200, String(r))
    assert.equal(r.json.unread_count, 2)
    assert.equal(r.json.item.id, target.id)
    assert.equal(r.json.item.read, true)
    assert.ok(r.json.item.read_at)
    const again = await api.post(`/api/v1/inbox/${target.id}/read`, undefined, { as: p.token })
    assert.equal(again.status, 200, String(again))
    assert.equal(again.json.item.read_at, r.json.item.read_at)
    assert.equal(again.json.unread_count, 2)

    const unread = await inbox(p.token, '?unread=1')
    assert.deepEqual(
      unread.items.map((i) => i.id),
      before.items.filter((i) => i.id !== target.id).map((i) => i.id),
    )
    assert.ok(unread.items.every((i) => !i.read))

    const all = await api.post('/api/v1/inbox/read-all', undefined, { as: p.token })
    assert.equal(all.status, 200, String(all))
    assert.deepEqual(all.json, { marked: 2, unread_count: 0 })
    assert.equal((await inbox(p.token)).unread_count, 0)
    assert.deepEqual((await inbox(p.token, '?unread=1')).items, [])
    assert.deepEqual((await api.post('/api/v1/inbox/read-all', undefined, { as: p.token })).json, { marked: 0, unread_count: 0 })
  })

  test("nobody reads or marks someone else's notifications", async () => {
    const p = await newPerson()
    const mine = (await inbox(p.token)).items[0]
    // The member's inbox does not show it, and marking it is "not found" (existence not revealed).
    const theirs = await inbox(member)
    assert.ok(!theirs.items.some((i) => i.id === mine.id))
    assertProblem(await api.post(`/api/v1/inbox/${mine.id}/read`, undefined, { as: member }), 404, 'notification_not_found')
    assertProblem(await api.post(`/api/v1/inbox/${mine.id}/read`, undefined, { as: admin }), 404, 'notification_not_found')
    // read-all by others leaves it alone
    await api.post('/api/v1/inbox/read-all', undefined, { as: admin })
    const still = (await inbox(p.token)).items.find((i) => i.id === mine.id)
    assert.equal(still.read, false)
    assertProblem(await api.post('/api/v1/inbox/999999999/read', undefined, { as: p.token }), 404, 'notification_not_found')
  })

  test('bad parameters are 400, bad ids 404', async () => {
    assertProblem(await api.get('/api/v1/inbox?unread=2', { as: member }), 400, 'invalid_unread')
    assertProblem(await api.get('/api/v1/inbox?limit=0', { as: member }), 400, 'invalid_limit')
    assertProblem(await api.get('/api/v1/inbox?limit=101', { as: member }), 400, 'invalid_limit')
    assertProblem(await api.get('/api/v1/inbox?cursor=nonsense', { as: member }), 400, 'invalid_cursor')
    assertProblem(await api.post('/api/v1/inbox/abc/read', undefined, { as: member }), 404)
    assertProblem(await api.post('/api/v1/inbox/0/read', undefined, { as: member }), 404)
  })

  test('a bearer token works as well as the cookie', async () => {
    const token = await api.login('member', undefined, { bearer: true })
    const r = await api.get('/api/v1/inbox?limit=1', { as: { bearer: token } })
    assert.equal(r.status, 200, String(r))
    assert.equal(r.json.items.length, 1)
  })
})
