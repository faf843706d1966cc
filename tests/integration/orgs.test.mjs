// Organisations, sectors, memberships, people and rosters, against the demo data set:
// 江南省政协 (2 cities × 2 counties, 8 departments, 10 sectors, 300 委员), a county people's
// congress and a village council.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CITY, CONGRESS, COUNTY, DEMO_PASSWORD, PROVINCE, VILLAGE, startServer, unique, uniqueMobile } from './harness.mjs'

let server, api
let admin, staff, cityStaff, leader, member
let prov, city, county

before(async () => {
  server = await startServer()
  api = server.api
  ;[admin, staff, cityStaff, leader, member] = await Promise.all(
    ['admin', 'staff', 'city_staff', 'leader', 'member'].map((l) => api.login(l)),
  )
  prov = await api.orgByName(PROVINCE)
  city = await api.orgByName(CITY)
  county = await api.orgByName(COUNTY)
})
after(async () => {
  await server?.stop()
})

function assertProblem(r, status, code) {
  assert.equal(r.status, status, `expected ${status} ${code ?? ''}, got ${r}`)
  assert.match(r.contentType, /^application\/problem\+json/, `content type of ${r}`)
  if (code) assert.equal(r.json?.code, code, `problem code of ${r}`)
}

async function getOrg(id) {
  const r = await api.get(`/api/v1/orgs/${id}`)
  assert.equal(r.status, 200, String(r))
  return r.json
}

describe('organisation tree', () => {
  test('roots: the province, the congress and the village council, with member labels', async () => {
    const r = await api.get('/api/v1/orgs')
    assert.equal(r.status, 200, String(r))
    assert.equal(r.json.next_cursor, null)
    const byName = Object.fromEntries(r.json.items.map((o) => [o.name, o]))
    for (const n of [PROVINCE, CONGRESS, VILLAGE]) assert.ok(byName[n], `${n} missing from roots`)
    for (const o of r.json.items) assert.equal(o.parent_id, null)
    assert.equal(byName[PROVINCE].member_label, '委员')
    assert.equal(byName[CONGRESS].member_label, '代表')
    assert.equal(byName[VILLAGE].member_label, '居民')
    assert.equal(byName[PROVINCE].level, 'province')
    assert.equal(byName[PROVINCE].kind, 'cppcc')
    assert.equal(byName[CONGRESS].kind, 'congress')
    assert.equal(byName[VILLAGE].kind, 'council')
    // parent_id=root is the same list.
    const root = await api.get('/api/v1/orgs?parent_id=root')
    assert.deepEqual(root.json.items.map((o) => o.id), r.json.items.map((o) => o.id))
  })

  test('counts: children and members', async () => {
    assert.equal(prov.child_count, 10, '2 cities + 8 departments')
    assert.equal(prov.member_count, 300, '300 委员 (staff, leader and admin are not counted)')
    assert.equal(city.child_count, 2)
    assert.equal(city.member_count, 41)
    assert.equal(county.child_count, 0)
    const congress = await api.orgByName(CONGRESS)
    assert.equal(congress.member_count, 30)
    const village = await api.orgByName(VILLAGE)
    assert.equal(village.member_count, 20)
    // A department counts all its people (here its one 部门联络员).
    const dept = await api.orgByName('江南省民政厅')
    assert.equal(dept.member_count, 1)
    assert.equal(dept.member_label, '部门人员')
  })

  test('children of the province, paged with limit=3 without duplicates', async () => {
    const all = await api.all(`/api/v1/orgs?parent_id=${prov.id}&limit=3`)
    assert.equal(all.length, 10)
    assert.equal(new Set(all.map((o) => o.id)).size, 10)
    for (const o of all) assert.equal(o.parent_id, prov.id)
    const ids = all.map((o) => o.id)
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ordered by id')
    const depts = all.filter((o) => o.kind === 'department')
    assert.equal(depts.length, 8)
    for (const d of depts) assert.equal(d.member_label, '部门人员')
    const first = await api.get(`/api/v1/orgs?parent_id=${prov.id}&limit=3`)
    assert.equal(first.json.items.length, 3)
    assert.equal(typeof first.json.next_cursor, 'string')
  })

  test('one organisation with its ancestors, root first', async () => {
    const c = await getOrg(county.id)
    assert.equal(c.name, COUNTY)
    assert.equal(c.level, 'county')
    assert.equal(c.parent_id, city.id)
    assert.deepEqual(
      c.ancestors.map((a) => a.name),
      [PROVINCE, CITY],
    )
    const p = await getOrg(prov.id)
    assert.deepEqual(p.ancestors, [])
    assert.equal(p.version, 1)
  })

  test('bad ids, parents, limits and cursors', async () => {
    assertProblem(await api.get('/api/v1/orgs/999999'), 404, 'org_not_found')
    assertProblem(await api.get('/api/v1/orgs/abc'), 404)
    assertProblem(await api.get('/api/v1/orgs?parent_id=999999'), 404, 'org_not_found')
    assertProblem(await api.get('/api/v1/orgs?parent_id=abc'), 400, 'invalid_parent_id')
    assertProblem(await api.get('/api/v1/orgs?limit=0'), 400, 'invalid_limit')
    assertProblem(await api.get('/api/v1/orgs?limit=201'), 400, 'invalid_limit')
    assertProblem(await api.get('/api/v1/orgs?cursor=not-a-cursor'), 400, 'invalid_cursor')
  })
})

describe('creating, renaming and deleting organisations', () => {
  test('staff cannot create organisations; admin can', async () => {
    const body = { parent_id: city.id, name: `临江市南湖区政协${unique()}`, level: 'county', kind: 'cppcc' }
    assertProblem(await api.post('/api/v1/orgs', body, { as: staff }), 403, 'forbidden')
    assertProblem(await api.post('/api/v1/orgs', body, { as: cityStaff }), 403, 'forbidden')
    assertProblem(await api.post('/api/v1/orgs', body), 401, 'unauthenticated')
    const r = await api.post('/api/v1/orgs', body, { as: admin })
    assert.equal(r.status, 201, String(r))
    assert.equal(r.header('location'), `/api/v1/orgs/${r.json.id}`)
    assert.equal(r.json.name, body.name)
    assert.equal(r.json.parent_id, city.id)
    assert.equal(r.json.version, 1)
    assert.equal(r.json.member_label, '委员')
    assert.equal((await getOrg(city.id)).child_count, 3)
    // A top-level organisation needs a superadmin.
    const top = { name: `测试省政协${unique()}`, level: 'province', kind: 'cppcc' }
    assertProblem(await api.post('/api/v1/orgs', top, { as: staff }), 403)
    // A child may not sit above its parent.
    assertProblem(await api.post('/api/v1/orgs', { ...body, name: `x${unique()}`, level: 'province' }, { as: admin }), 400, 'invalid_level')
    assertProblem(await api.post('/api/v1/orgs', { ...body, kind: 'party' }, { as: admin }), 400, 'invalid_kind')
    const blank = await api.post('/api/v1/orgs', { ...body, name: '   ' }, { as: admin })
    assertProblem(blank, 400)
    assert.match(blank.json.code, /^(invalid_name|missing_field)$/)
    assertProblem(await api.post('/api/v1/orgs', { ...body, parent_id: 999999 }, { as: admin }), 404, 'org_not_found')
    const del = await api.delete(`/api/v1/orgs/${r.json.id}`, { as: admin })
    assert.equal(del.status, 204)
  })

  test('rename with If-Match "v<version>": stale version is 412', async () => {
    const o = (await api.post('/api/v1/orgs', { parent_id: county.id, name: `街道${unique()}`, level: 'township', kind: 'cppcc' }, { as: admin })).json
    assertProblem(await api.patch(`/api/v1/orgs/${o.id}`, { name: '改名' }, { as: staff }), 403, 'forbidden')
    const r = await api.patch(`/api/v1/orgs/${o.id}`, { name: `新街道${unique()}` }, { as: admin, headers: { 'if-match': '"v1"' } })
    assert.equal(r.status, 200, String(r))
    assert.equal(r.json.version, 2)
    const stale = await api.patch(`/api/v1/orgs/${o.id}`, { name: '又改名' }, { as: admin, headers: { 'if-match': '"v1"' } })
    assertProblem(stale, 412, 'version_mismatch')
    assert.equal((await getOrg(o.id)).name, r.json.name, 'a refused change changed nothing')
    const fresh = await api.patch(`/api/v1/orgs/${o.id}`, { name: '又改名' }, { as: admin, headers: { 'if-match': '"v2"' } })
    assert.equal(fresh.status, 200, String(fresh))
    assert.equal(fresh.json.version, 3)
    assert.equal(fresh.json.name, '又改名')
    assert.equal((await api.delete(`/api/v1/orgs/${o.id}`, { as: admin })).status, 204)
  })

  test('delete: 409 with children or members, 204 when empty, then 404', async () => {
    const parent = (await api.post('/api/v1/orgs', { parent_id: county.id, name: `上级${unique()}`, level: 'township', kind: 'cppcc' }, { as: admin })).json
    const child = (await api.post('/api/v1/orgs', { parent_id: parent.id, name: `下级${unique()}`, level: 'village', kind: 'council' }, { as: admin })).json
    assert.equal(child.member_label, '居民')
    assertProblem(await api.delete(`/api/v1/orgs/${parent.id}`, { as: admin }), 409, 'org_has_children')
    assertProblem(await api.delete(`/api/v1/orgs/${prov.id}`, { as: admin }), 409, 'org_has_children')
    assertProblem(await api.delete(`/api/v1/orgs/${child.id}`, { as: staff }), 403, 'forbidden')
    const m = await api.post(`/api/v1/orgs/${child.id}/members`, { display_name: '村民甲', login: `cm${unique()}`, role: 'member' }, { as: admin })
    assert.equal(m.status, 201, String(m))
    assertProblem(await api.delete(`/api/v1/orgs/${child.id}`, { as: admin }), 409, 'org_has_members')
    assert.equal((await api.delete(`/api/v1/memberships/${m.json.id}`, { as: admin })).status, 204)
    assert.equal((await api.delete(`/api/v1/orgs/${child.id}`, { as: admin })).status, 204)
    assert.equal((await api.delete(`/api/v1/orgs/${parent.id}`, { as: admin })).status, 204)
    assertProblem(await api.get(`/api/v1/orgs/${parent.id}`), 404, 'org_not_found')
    assertProblem(await api.delete(`/api/v1/orgs/${parent.id}`, { as: admin }), 404, 'org_not_found')
  })
})

describe('sectors', () => {
  test('list: the 10 sectors of the province, with member counts', async () => {
    const r = await api.get(`/api/v1/orgs/${prov.id}/sectors`)
    assert.equal(r.status, 200, String(r))
    assert.equal(r.json.items.length, 10)
    assert.equal(r.json.next_cursor, null)
    const names = r.json.items.map((s) => s.name)
    assert.ok(names.includes('经济界') && names.includes('九三学社'), names.join(','))
    assert.equal(r.json.items.reduce((n, s) => n + s.member_count, 0), 300, 'every 委员 has a sector')
    assert.equal(r.json.items.find((s) => s.name === '经济界').member_count, 30)
    assertProblem(await api.get('/api/v1/orgs/999999/sectors'), 404, 'org_not_found')
  })

  test('create, duplicate 409, rename, delete; permissions', async () => {
    const name = `科技界${unique()}`
    assertProblem(await api.post(`/api/v1/orgs/${prov.id}/sectors`, { name }), 401)
    assertProblem(await api.post(`/api/v1/orgs/${prov.id}/sectors`, { name }, { as: member }), 403, 'forbidden')
    assertProblem(await api.post(`/api/v1/orgs/${prov.id}/sectors`, { name }, { as: leader }), 403, 'forbidden')
    assertProblem(await api.post(`/api/v1/orgs/${prov.id}/sectors`, { name }, { as: cityStaff }), 403, 'forbidden')
    const r = await api.post(`/api/v1/orgs/${prov.id}/sectors`, { name }, { as: staff })
    assert.equal(r.status, 201, String(r))
    assert.deepEqual({ ...r.json, id: 0, ledger: null }, { id: 0, org_id: prov.id, name, member_count: 0, ledger: null })
    assert.deepEqual(JSON.parse(r.json.ledger.content), { org_id: prov.id, name })
    assertProblem(await api.post(`/api/v1/orgs/${prov.id}/sectors`, { name }, { as: staff }), 409, 'sector_exists')
    const blank = await api.post(`/api/v1/orgs/${prov.id}/sectors`, { name: '  ' }, { as: staff })
    assertProblem(blank, 400)
    assert.match(blank.json.code, /^(invalid_name|missing_field)$/)
    // The same name in another organisation is fine.
    const other = await api.post(`/api/v1/orgs/${county.id}/sectors`, { name }, { as: staff })
    assert.equal(other.status, 201, String(other))

    assertProblem(await api.patch(`/api/v1/sectors/${r.json.id}`, { name: '经济界' }, { as: staff }), 409, 'sector_exists')
    const renamed = await api.patch(`/api/v1/sectors/${r.json.id}`, { name: `${name}改` }, { as: staff })
    assert.equal(renamed.status, 200, String(renamed))
    assert.equal(renamed.json.name, `${name}改`)
    assertProblem(await api.patch(`/api/v1/sectors/${r.json.id}`, { name: 'x' }, { as: member }), 403)
    const list = await api.get(`/api/v1/orgs/${prov.id}/sectors`)
    assert.ok(list.json.items.some((s) => s.name === `${name}改`))
    assert.equal(list.json.items.length, 11)

    assert.equal((await api.delete(`/api/v1/sectors/${r.json.id}`, { as: staff })).status, 204)
    assertProblem(await api.delete(`/api/v1/sectors/${r.json.id}`, { as: staff }), 404, 'sector_not_found')
    assert.equal((await api.get(`/api/v1/orgs/${prov.id}/sectors`)).json.items.length, 10)
    assert.equal((await api.delete(`/api/v1/sectors/${other.json.id}`, { as: admin })).status, 204)
  })

  test('a sector with members cannot be deleted', async () => {
    const econ = (await api.get(`/api/v1/orgs/${prov.id}/sectors`)).json.items.find((s) => s.name === '经济界')
    assertProblem(await api.delete(`/api/v1/sectors/${econ.id}`, { as: staff }), 409, 'sector_has_members')
  })
})

describe('members', () => {
  test('limit=50 walks all 303 memberships of the province without duplicates', async () => {
    const seen = new Set()
    let cursor = null
    let pages = 0
    do {
      const r = await api.get(`/api/v1/orgs/${prov.id}/members?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { as: staff })
      assert.equal(r.status, 200, String(r))
      assert.ok(r.json.items.length <= 50)
      pages++
      for (const m of r.json.items) {
        assert.ok(!seen.has(m.id), `membership ${m.id} twice`)
        seen.add(m.id)
        assert.equal(m.org_id, prov.id)
      }
      if (r.json.next_cursor) assert.equal(r.json.items.length, 50, 'only the last page is short')
      cursor = r.json.next_cursor
    } while (cursor && pages < 50)
    assert.equal(seen.size, 303, '300 委员 + admin + staff + leader')
    assert.equal(pages, 7)
  })

  test('filters: role, sector, q', async () => {
    const members = await api.all(`/api/v1/orgs/${prov.id}/members?role=member&limit=200`, { as: staff })
    assert.equal(members.length, 300)
    for (const m of members) {
      assert.equal(m.role, 'member')
      assert.equal(m.role_label, '委员')
    }
    const staffRows = (await api.get(`/api/v1/orgs/${prov.id}/members?role=staff`, { as: staff })).json.items
    assert.deepEqual(staffRows.map((m) => m.person.login), ['staff'])
    assert.equal(staffRows[0].role_label, '工作人员')
    assertProblem(await api.get(`/api/v1/orgs/${prov.id}/members?role=king`, { as: staff }), 400, 'invalid_role')

    const econ = (await api.get(`/api/v1/orgs/${prov.id}/sectors`)).json.items.find((s) => s.name === '经济界')
    const inEcon = await api.all(`/api/v1/orgs/${prov.id}/members?sector_id=${econ.id}`, { as: staff })
    assert.equal(inEcon.length, 30)
    for (const m of inEcon) assert.equal(m.sector?.name, '经济界')
    assertProblem(await api.get(`/api/v1/orgs/${prov.id}/members?sector_id=x`, { as: staff }), 400, 'invalid_sector')

    const byName = (await api.get(`/api/v1/orgs/${prov.id}/members?q=${encodeURIComponent('陈志远')}`, { as: staff })).json.items
    assert.deepEqual(byName.map((m) => m.person.login), ['member'])
    const byLogin = (await api.get(`/api/v1/orgs/${prov.id}/members?q=m1005`, { as: staff })).json.items
    assert.deepEqual(byLogin.map((m) => m.person.login), ['m1005'])
    const byMobile = (await api.get(`/api/v1/orgs/${prov.id}/members?q=13800000004`, { as: staff })).json.items
    assert.deepEqual(byMobile.map((m) => m.person.login), ['member'])
    const combined = await api.all(`/api/v1/orgs/${prov.id}/members?role=member&sector_id=${econ.id}&q=${encodeURIComponent('陈')}`, { as: staff })
    for (const m of combined) assert.match(m.person.display_name + m.person.login, /陈/)
    assert.ok(combined.some((m) => m.person.login === 'member'))
    assert.deepEqual((await api.get(`/api/v1/orgs/${prov.id}/members?q=${'z'.repeat(101)}`, { as: staff })).json?.code, 'query_too_long')
  })

  test('who may list members: leader and staff down the tree, members and other branches not', async () => {
    assertProblem(await api.get(`/api/v1/orgs/${prov.id}/members`), 401)
    assertProblem(await api.get(`/api/v1/orgs/${prov.id}/members`, { as: member }), 403, 'forbidden')
    assertProblem(await api.get(`/api/v1/orgs/${prov.id}/members`, { as: cityStaff }), 403, 'forbidden')
    assert.equal((await api.get(`/api/v1/orgs/${county.id}/members`, { as: staff })).status, 200)
    assert.equal((await api.get(`/api/v1/orgs/${city.id}/members`, { as: cityStaff })).status, 200)
    // Leaders read, with mobile numbers masked; staff see them in full.
    const asLeader = (await api.get(`/api/v1/orgs/${prov.id}/members?q=member`, { as: leader })).json.items
    assert.equal(asLeader[0].person.mobile, '138****0004')
    const asStaff = (await api.get(`/api/v1/orgs/${prov.id}/members?q=member`, { as: staff })).json.items
    assert.equal(asStaff[0].person.mobile, '13800000004')
  })

  test('add a new person: 201; a duplicate login is 409', async () => {
    const econ = (await api.get(`/api/v1/orgs/${prov.id}/sectors`)).json.items.find((s) => s.name === '经济界')
    const login = `new${unique()}`
    const mobile = uniqueMobile()
    const body = { display_name: '赵新人', login, mobile, role: 'member', sector_id: econ.id, password: 'initial-pass' }
    assertProblem(await api.post(`/api/v1/orgs/${prov.id}/members`, body, { as: member }), 403, 'forbidden')
    assertProblem(await api.post(`/api/v1/orgs/${prov.id}/members`, body, { as: leader }), 403, 'forbidden')
    const r = await api.post(`/api/v1/orgs/${prov.id}/members`, body, { as: staff })
    assert.equal(r.status, 201, String(r))
    assert.equal(r.json.person.login, login)
    assert.equal(r.json.person.mobile, mobile)
    assert.equal(r.json.role, 'member')
    assert.equal(r.json.role_label, '委员')
    assert.equal(r.json.sector.name, '经济界')
    assert.equal(r.json.org_id, prov.id)
    assert.equal((await getOrg(prov.id)).member_count, 301)
    assert.ok(await api.login(login, 'initial-pass'), 'the initial password works')

    assertProblem(await api.post(`/api/v1/orgs/${prov.id}/members`, { display_name: '重名', login, role: 'member' }, { as: staff }), 409, 'login_taken')
    assertProblem(await api.post(`/api/v1/orgs/${prov.id}/members`, { display_name: '重号', mobile, role: 'member' }, { as: staff }), 409, 'mobile_taken')
    assertProblem(await api.post(`/api/v1/orgs/${prov.id}/members`, { display_name: '无号', role: 'member' }, { as: staff }), 400, 'missing_field')
    assertProblem(await api.post(`/api/v1/orgs/${prov.id}/members`, { display_name: '坏号', mobile: '123', role: 'member' }, { as: staff }), 400, 'invalid_mobile')
    assertProblem(await api.post(`/api/v1/orgs/${prov.id}/members`, { ...body, login: `z${unique()}`, mobile: uniqueMobile(), role: 'king' }, { as: staff }), 400, 'invalid_role')
    const citySector = (await api.get(`/api/v1/orgs/${city.id}/sectors`)).json.items[0]
    assertProblem(
      await api.post(`/api/v1/orgs/${prov.id}/members`, { display_name: '错界', login: `s${unique()}`, role: 'member', sector_id: citySector.id }, { as: staff }),
      400,
      'invalid_sector',
    )
    // The same person joins the county; twice with the same role is 409.
    const again = await api.post(`/api/v1/orgs/${county.id}/members`, { person_id: r.json.person.id, role: 'member' }, { as: staff })
    assert.equal(again.status, 201, String(again))
    assertProblem(await api.post(`/api/v1/orgs/${county.id}/members`, { person_id: r.json.person.id, role: 'member' }, { as: staff }), 409, 'already_member')
    assertProblem(await api.post(`/api/v1/orgs/${county.id}/members`, { person_id: 999999, role: 'member' }, { as: staff }), 404, 'person_not_found')
  })

  test('staff cannot grant admin, staff or leader (403); admin can', async () => {
    const p = (await api.post(`/api/v1/orgs/${city.id}/members`, { display_name: '钱晋升', login: `up${unique()}`, role: 'member' }, { as: staff })).json
    const pid = p.person.id
    for (const role of ['admin', 'staff', 'leader']) {
      assertProblem(await api.post(`/api/v1/orgs/${city.id}/members`, { person_id: pid, role }, { as: staff }), 403, 'forbidden')
    }
    assertProblem(await api.patch(`/api/v1/memberships/${p.id}`, { role: 'leader' }, { as: staff }), 403, 'forbidden')
    // Staff may give the responder role (not privileged).
    const resp = await api.post(`/api/v1/orgs/${city.id}/members`, { person_id: pid, role: 'responder' }, { as: staff })
    assert.equal(resp.status, 201, String(resp))
    assert.equal(resp.json.role_label, '部门联络员')

    const g = await api.post(`/api/v1/orgs/${city.id}/members`, { person_id: pid, role: 'admin' }, { as: admin })
    assert.equal(g.status, 201, String(g))
    assert.equal(g.json.role, 'admin')
    assert.equal(g.json.role_label, '管理员')
    const lead = await api.patch(`/api/v1/memberships/${p.id}`, { role: 'leader' }, { as: admin })
    assert.equal(lead.status, 200, String(lead))
    assert.equal(lead.json.role, 'leader')
    // Staff cannot remove a privileged membership either; admin can.
    assertProblem(await api.delete(`/api/v1/memberships/${g.json.id}`, { as: staff }), 403, 'forbidden')
    assert.equal((await api.delete(`/api/v1/memberships/${g.json.id}`, { as: admin })).status, 204)
    assertProblem(await api.delete(`/api/v1/memberships/${g.json.id}`, { as: admin }), 404, 'membership_not_found')
    // The new admin role showed in /me while it lasted? It is gone now.
    const me = await api.get(`/api/v1/people/${pid}`, { as: admin })
    assert.deepEqual(me.json.memberships.map((m) => m.role).sort(), ['leader', 'responder'])
  })

  test('change a member\'s sector; null clears it', async () => {
    const econ = (await api.get(`/api/v1/orgs/${prov.id}/sectors`)).json.items.find((s) => s.name === '经济界')
    const p = (await api.post(`/api/v1/orgs/${prov.id}/members`, { display_name: '孙换界', login: `sec${unique()}`, role: 'member' }, { as: staff })).json
    assert.equal(p.sector, null)
    const set = await api.patch(`/api/v1/memberships/${p.id}`, { sector_id: econ.id }, { as: staff })
    assert.equal(set.status, 200, String(set))
    assert.equal(set.json.sector.id, econ.id)
    const keep = await api.patch(`/api/v1/memberships/${p.id}`, {}, { as: staff })
    assert.equal(keep.json.sector.id, econ.id, 'absent sector_id keeps the sector')
    const clear = await api.patch(`/api/v1/memberships/${p.id}`, { sector_id: null }, { as: staff })
    assert.equal(clear.json.sector, null)
    assertProblem(await api.patch(`/api/v1/memberships/${p.id}`, { sector_id: 1 }, { as: member }), 403)
    assertProblem(await api.patch('/api/v1/memberships/999999', { sector_id: null }, { as: staff }), 404, 'membership_not_found')
  })
})

describe('people', () => {
  test('search, read, edit, set a password, disable', async () => {
    assertProblem(await api.get('/api/v1/people?q=m10', { as: member }), 403)
    assertProblem(await api.get('/api/v1/people?q=m10', { as: leader }), 403)
    const found = await api.get(`/api/v1/people?q=${encodeURIComponent('陈志远')}`, { as: staff })
    assert.equal(found.status, 200, String(found))
    assert.deepEqual(found.json.items.map((p) => p.login), ['member'])
    const pid = found.json.items[0].id

    const detail = await api.get(`/api/v1/people/${pid}`, { as: staff })
    assert.equal(detail.status, 200, String(detail))
    assert.deepEqual(detail.json.memberships.map((m) => m.org.name).sort(), [CITY, PROVINCE].sort())
    // Self may read; a member may not read someone else (404 hides existence).
    assert.equal((await api.get(`/api/v1/people/${pid}`, { as: member })).status, 200)
    const staffPerson = (await api.get('/api/v1/people?q=staff', { as: admin })).json.items.find((p) => p.login === 'staff')
    assertProblem(await api.get(`/api/v1/people/${staffPerson.id}`, { as: member }), 404, 'person_not_found')

    // Province staff manage a 委员 of the province and the city; city staff do not manage the province.
    const t = (await api.post(`/api/v1/orgs/${prov.id}/members`, { display_name: '周编辑', login: `ed${unique()}`, role: 'member' }, { as: staff })).json.person
    assertProblem(await api.patch(`/api/v1/people/${t.id}`, { display_name: '周改名' }, { as: cityStaff }), 403)
    const ed = await api.patch(`/api/v1/people/${t.id}`, { display_name: '周改名' }, { as: staff })
    assert.equal(ed.status, 200, String(ed))
    assert.equal(ed.json.display_name, '周改名')
    assertProblem(await api.patch(`/api/v1/people/${t.id}`, { status: 'sleeping' }, { as: staff }), 400, 'invalid_status')
    // Staff may not edit the leader (privileged role in the province).
    const leaderPerson = (await api.get('/api/v1/people?q=leader', { as: admin })).json.items.find((p) => p.login === 'leader')
    assertProblem(await api.patch(`/api/v1/people/${leaderPerson.id}`, { display_name: 'x' }, { as: staff }), 403)

    const pw = await api.post(`/api/v1/people/${t.id}/password`, { new_password: 'set-by-staff' }, { as: staff })
    assert.equal(pw.status, 204, String(pw))
    const session = await api.login(t.login, 'set-by-staff')
    const off = await api.patch(`/api/v1/people/${t.id}`, { status: 'disabled' }, { as: staff })
    assert.equal(off.status, 200, String(off))
    assert.equal(off.json.status, 'disabled')
    assertProblem(await api.get('/api/v1/me', { as: session }), 401, 'session_expired')
    assertProblem(await api.post('/api/v1/auth/login', { login: t.login, password: 'set-by-staff' }), 403, 'account_disabled')
    assertProblem(await api.patch(`/api/v1/people/${(await api.get('/api/v1/me', { as: staff })).json.id}`, { status: 'disabled' }, { as: staff }), 400, 'cannot_disable_self')
  })
})

describe('regressions: search escaping, If-Match with ETags, level rules on update', () => {
  test(
    'search by a login that contains "_" finds it (GET /api/v1/people?q=city_staff, GET .../members?q=city_staff)',
    async () => {
      const people = await api.get('/api/v1/people?q=city_staff', { as: admin })
      assert.deepEqual(people.json.items.map((p) => p.login), ['city_staff'], String(people))
      const members = await api.get(`/api/v1/orgs/${city.id}/members?q=city_staff`, { as: staff })
      assert.deepEqual(members.json.items.map((m) => m.person.login), ['city_staff'], String(members))
      // "_" is literal, not a wildcard: "city_staff" does not match "cityXstaff".
      const none = await api.get('/api/v1/people?q=c_ty', { as: admin })
      assert.deepEqual(none.json.items, [], String(none))
    },
  )

  test(
    'If-Match with the ETag that GET /api/v1/orgs/{id} returned: a stale one is 412',
    async () => {
      const o = (await api.post('/api/v1/orgs', { parent_id: county.id, name: `街道${unique()}`, level: 'township', kind: 'cppcc' }, { as: admin })).json
      const etag = (await api.get(`/api/v1/orgs/${o.id}`)).header('etag')
      assert.equal((await api.patch(`/api/v1/orgs/${o.id}`, { name: `改一${unique()}` }, { as: admin, headers: { 'if-match': etag } })).status, 200)
      const stale = await api.patch(`/api/v1/orgs/${o.id}`, { name: `改二${unique()}` }, { as: admin, headers: { 'if-match': etag } })
      assert.equal(stale.status, 412, String(stale))
    },
  )

  test(
    'PATCH /api/v1/orgs/{id} cannot raise a level above the parent (a city under a province made national)',
    async () => {
      const o = (await api.post('/api/v1/orgs', { parent_id: prov.id, name: `升级市${unique()}`, level: 'city', kind: 'cppcc' }, { as: admin })).json
      const r = await api.patch(`/api/v1/orgs/${o.id}`, { level: 'national' }, { as: admin })
      assertProblem(r, 400, 'invalid_level')
    },
  )
})

describe('rosters', () => {
  const csvBad = (a, b, c) =>
    `display_name,login,mobile,role,sector\n吴导入,${a},,委员,\n郑导入,${b},1234,委员,\n冯导入,${c},,委员,\n`

  test('a CSV with one bad row is 422 with errors[{line, reason}] and imports nothing', async () => {
    const before = (await getOrg(county.id)).member_count
    const [a, b, c] = [`ia${unique()}`, `ib${unique()}`, `ic${unique()}`]
    const r = await api.request('POST', `/api/v1/orgs/${county.id}/roster/import`, { as: staff, csv: csvBad(a, b, c) })
    assertProblem(r, 422, 'roster_invalid')
    assert.ok(Array.isArray(r.json.errors), String(r))
    assert.equal(r.json.errors.length, 1, JSON.stringify(r.json.errors))
    assert.equal(r.json.errors[0].line, 3)
    assert.match(r.json.errors[0].reason, /手机号/)
    assert.equal((await getOrg(county.id)).member_count, before, 'nothing imported')
    const people = await api.get(`/api/v1/people?q=${a}`, { as: admin })
    assert.deepEqual(people.json.items, [], 'the good rows were not imported either')
    // A sector that does not exist is caught against the database, still all or nothing.
    const s = await api.request('POST', `/api/v1/orgs/${county.id}/roster/import`, {
      as: staff,
      csv: `姓名,登录名,角色,界别\n甲,${a},委员,\n乙,${b},委员,不存在的界别\n`,
    })
    assertProblem(s, 422, 'roster_invalid')
    assert.deepEqual(s.json.errors.map((e) => e.line), [3])
    assert.equal((await getOrg(county.id)).member_count, before)
  })

  test('a good CSV imports: 200 with counts, and the member count changes', async () => {
    const before = (await getOrg(county.id)).member_count
    const [a, b] = [`ga${unique()}`, `gb${unique()}`]
    const csv = `\ufeff姓名,登录名,手机号,角色\n吴导入,${a},,委员\n郑导入,${b},${uniqueMobile()},\n陈志远,member,,委员\n`
    const r = await api.request('POST', `/api/v1/orgs/${county.id}/roster/import`, { as: staff, csv })
    assert.equal(r.status, 200, String(r))
    assert.deepEqual(r.json, { imported: 3, created_people: 2, unchanged: 0 })
    assert.equal((await getOrg(county.id)).member_count, before + 3)
    const again = await api.request('POST', `/api/v1/orgs/${county.id}/roster/import`, { as: staff, csv })
    assert.deepEqual(again.json, { imported: 0, created_people: 0, unchanged: 3 })
    assert.equal((await getOrg(county.id)).member_count, before + 3)
    const members = await api.all(`/api/v1/orgs/${county.id}/members`, { as: staff })
    assert.ok(members.some((m) => m.person.login === a))
  })

  test('roster import: content type and permissions', async () => {
    const csv = `display_name,login\n某人,p${unique()}\n`
    assertProblem(await api.request('POST', `/api/v1/orgs/${county.id}/roster/import`, { as: staff, body: csv, headers: { 'content-type': 'application/json' } }), 400, 'unsupported_media_type')
    assertProblem(await api.request('POST', `/api/v1/orgs/${county.id}/roster/import`, { as: member, csv }), 403)
    assertProblem(await api.request('POST', `/api/v1/orgs/${county.id}/roster/import`, { as: leader, csv }), 403)
    assertProblem(await api.request('POST', `/api/v1/orgs/${county.id}/roster/import`, { csv }), 401)
    // Staff cannot grant a privileged role through a roster either.
    const priv = await api.request('POST', `/api/v1/orgs/${county.id}/roster/import`, { as: staff, csv: `display_name,login,role\n某人,p${unique()},管理员\n` })
    assertProblem(priv, 422, 'roster_invalid')
    assertProblem(await api.request('POST', `/api/v1/orgs/${county.id}/roster/import`, { as: staff, csv: '' }), 422)
  })

  test('roster.xlsx export is a ZIP workbook with the right content type', async () => {
    const r = await api.get(`/api/v1/orgs/${prov.id}/roster.xlsx`, { as: leader })
    assert.equal(r.status, 200, String(r))
    assert.equal(r.contentType, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    assert.equal(r.bytes.subarray(0, 2).toString('latin1'), 'PK')
    assert.ok(r.bytes.length > 5000, `only ${r.bytes.length} bytes for 303 rows`)
    assert.match(r.header('content-disposition') ?? '', new RegExp(`attachment; filename="roster-${prov.id}\\.xlsx"`))
    assertProblem(await api.get(`/api/v1/orgs/${prov.id}/roster.xlsx`, { as: member }), 403)
    assertProblem(await api.get(`/api/v1/orgs/${prov.id}/roster.xlsx`, { as: cityStaff }), 403)
    assertProblem(await api.get(`/api/v1/orgs/${prov.id}/roster.xlsx`), 401)
    const c = await api.get(`/api/v1/orgs/${city.id}/roster.xlsx`, { as: cityStaff })
    assert.equal(c.status, 200)
    assert.equal(c.bytes.subarray(0, 2).toString('latin1'), 'PK')
  })
})

test('graceful shutdown: SIGTERM exits 0 within a few seconds', async () => {
  const r = await server.stop()
  assert.equal(r.signal, null, `killed by ${r.signal}`)
  assert.equal(r.code, 0, `exit code ${r.code}\n${server.log().slice(-2000)}`)
  assert.ok(r.ms < 5000, `took ${r.ms} ms`)
})

void DEMO_PASSWORD
