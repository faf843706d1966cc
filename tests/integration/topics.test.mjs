// Topic collection (议题征集) through the API, against the demo data set: 江南省政协's public
// call and 桃源村议事会's box — calls and audiences, submitting with a photo, similar topics
// while typing (简 and 繁 alike), supporting once and undoing it, screening with reasons the
// submitter sees, merging duplicates (supports and submitters carry over), turning a topic
// into a deliberation (its people told in their inbox), hot spots, search, and the ledger
// data each record carries.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { PROVINCE, REPO, VILLAGE, freshDatabase, sessionCookie, startServer, unique, uniqueMobile } from './harness.mjs'

// Our own data directory and database, so `ledger verify` can check them after the server stops.
const bin = resolve(REPO, process.env.SHANGLIANG_BIN ?? 'build/shangliang')
const dataDir = mkdtempSync(join(tmpdir(), 'shangliang-topics-'))
const db = freshDatabase(dataDir)

let server, api
let admin, staff, leader, member, resident, villageStaff, cityStaff, publicToken
let prov, village

before(async () => {
  server = await startServer([`--database.url=${db.url}`, `--data_dir=${dataDir}`])
  api = server.api
  ;[admin, staff, leader, member, resident, villageStaff, cityStaff] = await Promise.all(
    ['admin', 'staff', 'leader', 'member', 'resident', 'village_staff', 'city_staff'].map((l) => api.login(l)),
  )
  prov = await api.orgByName(PROVINCE)
  village = await api.orgByName(VILLAGE)
  const mobile = uniqueMobile()
  assert.equal((await api.post('/api/v1/auth/sms-codes', { mobile, purpose: 'register' })).status, 202)
  const reg = await api.post('/api/v1/auth/register', { mobile, code: server.lastSmsCode(mobile), password: 'public-pass-1', display_name: '网友乙' })
  assert.equal(reg.status, 201, String(reg))
  publicToken = sessionCookie(reg)
})
after(async () => {
  await server?.stop()
  db.drop()
  rmSync(dataDir, { recursive: true, force: true })
})

function ok(r, status = 200) {
  assert.equal(r.status, status, String(r))
  return r.json
}
function problem(r, status, code) {
  assert.equal(r.status, status, String(r))
  assert.match(r.contentType, /^application\/problem\+json/)
  if (code) assert.equal(r.json.code, code, String(r))
}
async function inbox(token) {
  return ok(await api.get('/api/v1/inbox?limit=100', { as: token })).items
}
function ledgerHashOk(rec) {
  const l = rec.ledger
  assert.ok(l && l.content, 'the record carries its ledger data')
  return createHash('sha256').update(`${l.salt}\n${l.content}`).digest('hex')
}

test('the demo call and box are listed for those who may read them', async () => {
  const anon = ok(await api.get('/api/v1/topic-calls')).items
  assert.ok(anon.some((k) => k.theme === '2027年度政协协商议题征集' && k.audience.public), 'the public call is public')
  assert.ok(!anon.some((k) => k.kind === 'box' && k.org.id === village.id), 'the village box is for its residents')
  const mine = ok(await api.get(`/api/v1/topic-calls?org_id=${village.id}`, { as: resident })).items
  assert.equal(mine.length, 1)
  assert.equal(mine[0].kind, 'box')
  assert.equal(mine[0].my.may_submit, true)
  assert.equal(mine[0].my.may_screen, false)
  const asStaff = ok(await api.get(`/api/v1/topic-calls?org_id=${village.id}`, { as: villageStaff })).items
  assert.equal(asStaff[0].my.may_screen, true)
  problem(await api.get(`/api/v1/topic-calls/${mine[0].id}`), 404, 'call_not_found')
})

test('a call: only staff open it; its audience and period decide who submits', async () => {
  problem(await api.post('/api/v1/topic-calls', { org_id: prov.id, theme: '委员不能发起' }, { as: member }), 403)
  problem(await api.post('/api/v1/topic-calls', { org_id: prov.id, theme: '空', audience: { members: false } }, { as: staff }), 400, 'empty_audience')
  const k = ok(await api.post('/api/v1/topic-calls', { org_id: prov.id, theme: `界别议题征集${unique()}`, audience: { members: true } }, { as: staff }), 201)
  assert.equal(k.open_now, true)
  ok(await api.post('/api/v1/topics', { call_id: k.id, title: '委员的议题' }, { as: member }), 201)
  problem(await api.post('/api/v1/topics', { call_id: k.id, title: '公众' }, { as: publicToken }), 404, 'call_not_found')
  problem(await api.post('/api/v1/topics', { call_id: k.id, title: '匿名' }), 401)
  const closed = ok(await api.patch(`/api/v1/topic-calls/${k.id}`, { state: 'closed' }, { as: staff }))
  assert.equal(closed.open_now, false)
  problem(await api.post('/api/v1/topics', { call_id: k.id, title: '晚了' }, { as: member }), 409, 'call_closed')
  problem(await api.patch(`/api/v1/topic-calls/${k.id}`, { state: 'open' }, { as: member }), 403)
  problem(await api.post('/api/v1/topic-calls', { org_id: village.id, kind: 'box' }, { as: villageStaff }), 409, 'box_exists')
  // The public may submit to a public call.
  const pub = ok(await api.get('/api/v1/topic-calls')).items.find((x) => x.theme === '2027年度政协协商议题征集')
  const t = ok(await api.post('/api/v1/topics', { call_id: pub.id, title: `公众提出的议题${unique()}`, body: '建议协商', category: 'governance' }, { as: publicToken }), 201)
  assert.equal(t.state, 'pending')
  assert.equal(createHash('sha256').update(`${t.ledger.salt}\n${t.ledger.content}`).digest('hex').length, 64)
  problem(await api.post('/api/v1/topics', { call_id: pub.id, title: 'x', category: 'weather' }, { as: publicToken }), 400, 'invalid_category')
})

test('similar topics show while typing, in 繁體 too, and not unrelated ones', async () => {
  const draft = { org_id: village.id, title: '村口的路燈壞了', body: '村口路燈壞了好久，晚上出門看不清路' }
  const sim = ok(await api.post('/api/v1/topics/similar', draft, { as: resident })).items
  assert.ok(sim.length >= 1, 'found the demo topic')
  assert.equal(sim[0].title, '村口路灯坏了很久')
  assert.ok(sim[0].similarity >= 0.2 && sim[0].similarity <= 1)
  assert.ok(!sim.some((x) => x.title.includes('公交')), 'unrelated topics are not similar')
  const none = ok(await api.post('/api/v1/topics/similar', { org_id: village.id, title: '图书室开放时间', body: '周末图书室不开门' }, { as: resident })).items
  assert.equal(none.length, 0)
  // Those who may not read the box are not shown its topics.
  assert.equal(ok(await api.post('/api/v1/topics/similar', draft, { as: member })).items.length, 0)
})

test('a resident submits with a photo; supports count once and can be undone', async () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d4944415478da63f8cfc0f01f0005000201' + 'a2d6a7a30000000049454e44ae426082', 'hex')
  const up = await api.request('POST', '/api/v1/attachments?name=road.png', { as: resident, body: png, headers: { 'content-type': 'image/png' } })
  const file = ok(up, 201)
  const t = ok(await api.post('/api/v1/topics', { org_id: village.id, title: `晒谷场想装几盏灯${unique()}`, body: '晚上收稻谷看不见。', area: '三组', category: 'livelihood', attachment_ids: [file.id] }, { as: resident }), 201)
  assert.equal(t.call.kind, 'box')
  assert.equal(t.attachments.length, 1)
  assert.equal(t.my.may_edit, true)
  // The photo is read by whoever may read the topic.
  ok(await api.get(`/api/v1/attachments/${file.id}`, { as: villageStaff }))
  problem(await api.get(`/api/v1/attachments/${file.id}`, { as: member }), 404)
  problem(await api.post(`/api/v1/topics/${t.id}/support`, null, { as: resident }), 409, 'own_topic')
  const v = await api.login('v3006')
  assert.equal(ok(await api.post(`/api/v1/topics/${t.id}/support`, null, { as: v })).supports, 1)
  assert.equal(ok(await api.post(`/api/v1/topics/${t.id}/support`, null, { as: v })).supports, 1)
  assert.equal(ok(await api.get(`/api/v1/topics/${t.id}`, { as: v })).supported_by_me, true)
  assert.equal(ok(await api.delete(`/api/v1/topics/${t.id}/support`, { as: v })).supports, 0)
  problem(await api.post(`/api/v1/topics/${t.id}/support`, null, { as: member }), 404)
  // Mine: what I raised.
  const mine = ok(await api.get('/api/v1/topics?mine=1', { as: resident })).items
  assert.ok(mine.some((x) => x.id === t.id))
})

test('screening: ask for detail, the submitter edits, decline with a reason they see', async () => {
  const t = ok(await api.post('/api/v1/topics', { org_id: village.id, title: `修一修水渠${unique()}`, body: '水渠坏了' }, { as: resident }), 201)
  problem(await api.post(`/api/v1/topics/${t.id}/screen`, { action: 'accept' }, { as: resident }), 403)
  problem(await api.post(`/api/v1/topics/${t.id}/screen`, { action: 'decline' }, { as: villageStaff }), 400, 'missing_reason')
  const asked = ok(await api.post(`/api/v1/topics/${t.id}/screen`, { action: 'needs_detail', reason: '是哪一段水渠？' }, { as: villageStaff }))
  assert.equal(asked.state, 'needs_detail')
  const seen = ok(await api.get(`/api/v1/topics/${t.id}`, { as: resident }))
  assert.equal(seen.screening_note, '是哪一段水渠？')
  assert.ok((await inbox(resident)).some((n) => n.kind === 'topic.needs_detail' && n.link === `/topics/${t.id}`))
  const edited = ok(await api.patch(`/api/v1/topics/${t.id}`, { body: '二组到三组之间约200米的水渠塌了' }, { as: resident }))
  assert.equal(edited.state, 'pending')
  const declined = ok(await api.post(`/api/v1/topics/${t.id}/screen`, { action: 'decline', reason: '镇水利站本月修复' }, { as: villageStaff }))
  assert.equal(declined.state, 'declined')
  problem(await api.post(`/api/v1/topics/${t.id}/screen`, { action: 'accept' }, { as: villageStaff }), 409, 'invalid_transition')
  problem(await api.patch(`/api/v1/topics/${t.id}`, { body: '再改' }, { as: resident }), 409, 'topic_not_editable')
  assert.equal(ok(await api.get(`/api/v1/topics/${t.id}`, { as: resident })).screening_note, '镇水利站本月修复')
  // Other residents do not see a declined topic.
  problem(await api.get(`/api/v1/topics/${t.id}`, { as: await api.login('v3007') }), 404, 'topic_not_found')
  const n = (await inbox(resident)).find((x) => x.kind === 'topic.declined')
  assert.ok(n && n.body.includes('镇水利站本月修复'))
})

test('staff merge a duplicate into the earlier topic and turn it into a deliberation', async () => {
  const box = ok(await api.get(`/api/v1/topics?org_id=${village.id}&q=${encodeURIComponent('路灯')}`, { as: villageStaff })).items
  const survivor = box.find((x) => x.title === '村口路灯坏了很久')
  assert.ok(survivor, 'search finds the demo topic')
  const before = ok(await api.get(`/api/v1/topics/${survivor.id}`, { as: villageStaff }))
  const dup = ok(await api.post('/api/v1/topics', { org_id: village.id, title: '村口路燈壞了', body: '村口的路燈壞了兩個月，晚上出門看不清路，請盡快維修' }, { as: resident }), 201)
  const v = await api.login('v3016')
  ok(await api.post(`/api/v1/topics/${dup.id}/support`, null, { as: v }))
  const cands = ok(await api.get(`/api/v1/topics/${dup.id}/similar`, { as: villageStaff })).items
  assert.equal(cands[0].id, survivor.id)
  problem(await api.post(`/api/v1/topics/${survivor.id}/merge`, { source_ids: [dup.id] }, { as: resident }), 403)
  const merged = ok(await api.post(`/api/v1/topics/${survivor.id}/merge`, { source_ids: [dup.id] }, { as: villageStaff }))
  assert.equal(merged.counts.submitters, before.counts.submitters + 1)
  assert.equal(merged.counts.supports, before.counts.supports + 1)
  assert.ok(merged.submitters.some((p) => p.display_name === '何桂兰'))
  const gone = ok(await api.get(`/api/v1/topics/${dup.id}`, { as: resident }))
  assert.equal(gone.state, 'merged')
  assert.equal(gone.merged_into, survivor.id)
  problem(await api.post(`/api/v1/topics/${dup.id}/support`, null, { as: v }), 409, 'topic_closed')
  // One action: accepted, a deliberation pre-filled with a link back, its people told.
  const r = ok(await api.post(`/api/v1/topics/${survivor.id}/deliberation`, { open: true }, { as: villageStaff }), 201)
  assert.equal(r.topic.state, 'accepted')
  assert.equal(r.topic.deliberation_id, r.deliberation.id)
  const d = ok(await api.get(`/api/v1/deliberations/${r.deliberation.id}`, { as: resident }))
  assert.equal(d.theme, '村口路灯坏了很久')
  assert.equal(d.state, 'open')
  assert.ok(d.description.includes(`(/topics/${survivor.id})`))
  const told = await inbox(resident)
  assert.ok(told.some((n) => n.kind === 'topic.merged'))
  assert.ok(told.some((n) => n.kind === 'topic.deliberation' && n.link === `/deliberations/${r.deliberation.id}`))
  assert.ok((await inbox(v)).some((n) => n.kind === 'topic.deliberation'), 'supporters are told too')
  problem(await api.post(`/api/v1/topics/${survivor.id}/deliberation`, {}, { as: villageStaff }), 409, 'already_deliberated')
  ledgerHashOk(ok(await api.get(`/api/v1/topics/${survivor.id}`, { as: villageStaff })))
})

test('hot spots rank by decayed raises and supports, with chart data', async () => {
  const h = ok(await api.get(`/api/v1/topic-hotspots?org_id=${prov.id}`))
  assert.ok(h.items.length >= 3)
  for (let i = 1; i < h.items.length; i++) assert.ok(h.items[i - 1].score >= h.items[i].score)
  assert.ok(h.series.length === 30 || h.series.length === 31, `${h.series.length} days`)
  assert.ok(h.areas.length >= 2)
  const slow = ok(await api.get(`/api/v1/topic-hotspots?org_id=${prov.id}&half_life_days=365`))
  assert.equal(slow.items[0].topic.title, '推进县域医共体建设', 'without decay the most supported leads')
  const village_h = ok(await api.get(`/api/v1/topic-hotspots?org_id=${village.id}`))
  assert.equal(village_h.items.length, 0, 'the village box is not public')
  assert.ok(ok(await api.get(`/api/v1/topic-hotspots?org_id=${village.id}`, { as: resident })).items.length >= 3)
  problem(await api.get(`/api/v1/topic-hotspots?org_id=${prov.id}&half_life_days=0`), 400, 'invalid_half_life')
  problem(await api.get('/api/v1/topic-hotspots'), 400)
})

test('topics are searched in both scripts, and the ledger verifies', async () => {
  const hits = ok(await api.get(`/api/v1/topics?q=${encodeURIComponent('醫共體')}`)).items
  assert.equal(hits.length, 1)
  assert.match(hits[0].title_html, /<mark>/)
  assert.equal((await server.stop()).code, 0)
  const v = spawnSync(bin, ['ledger', 'verify', '--data', dataDir, `--database.url=${db.url}`], { cwd: REPO, encoding: 'utf8' })
  assert.equal(v.status, 0, v.stdout + v.stderr)
  assert.match(v.stdout, /ledger verified/)
})
