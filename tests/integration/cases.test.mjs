// Cases (提案、议案、建议、社情民意、微建议) through the API, against the demo data set: the whole
// path submit → accept → assign → answer (with a document) → rate → publish → archive; co-
// signers; confidentiality of social-condition reports; reassignment and extension requests;
// re-handling after an unsatisfied rating; the deadline sweep turning a case yellow and red
// with the server's test clock (cases.test_clock); the supervision board, statistics, Excel
// export with filters; the working-day calendar; and the ledger data each case carries.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEPT_MZ, PROVINCE, REPO, sessionCookie, startServer, unique, uniqueMobile } from './harness.mjs'

let server, api
let admin, staff, leader, member, dept, cityStaff, publicToken
let prov, mz, cz

before(async () => {
  // Sessions outlive the test clock's jumps (a month and more).
  server = await startServer(['--cases.test_clock=true', '--cases.sweep_interval_seconds=0', '--auth.session_ttl_hours=8760'])
  api = server.api
  ;[admin, staff, leader, member, dept, cityStaff] = await Promise.all(
    ['admin', 'staff', 'leader', 'member', 'dept_mz', 'city_staff'].map((l) => api.login(l)),
  )
  prov = await api.orgByName(PROVINCE)
  mz = await api.orgByName(DEPT_MZ)
  cz = await api.orgByName('江南省财政厅')
  const mobile = uniqueMobile()
  assert.equal((await api.post('/api/v1/auth/sms-codes', { mobile, purpose: 'register' })).status, 202)
  const reg = await api.post('/api/v1/auth/register', { mobile, code: server.lastSmsCode(mobile), password: 'public-pass-1', display_name: '网友乙' })
  assert.equal(reg.status, 201, String(reg))
  publicToken = sessionCookie(reg)
})
after(async () => {
  await server?.stop()
})

function ok(r, status = 200) {
  assert.equal(r.status, status, String(r))
  return r.json
}
const act = (id, action, body, as) => api.post(`/api/v1/cases/${id}/actions/${action}`, body ?? {}, { as })

async function submitted(kind = 'proposal', extra = {}) {
  return ok(
    await api.post('/api/v1/cases', { org_id: prov.id, kind, title: `关于社区养老的${kind}${unique()}`, body: '建议**加大**投入。', submit: true, ...extra }, { as: member }),
    201,
  )
}
async function handling(extra = {}) {
  const c = await submitted('proposal', extra)
  ok(await act(c.id, 'accept', {}, staff))
  return ok(await act(c.id, 'assign', { lead_unit_id: mz.id, working_days: 10 }, staff))
}

test('submit → accept → assign → answer with a document → rate → publish → archive', async () => {
  const c = await submitted('proposal', { allow_publish: true, category: '民生' })
  assert.equal(c.state, 'submitted')
  assert.equal(c.kind_label, '提案')
  assert.deepEqual(c.actions, ['withdraw'])
  // Not the department's yet; staff review it.
  assert.equal((await api.get(`/api/v1/cases/${c.id}`, { as: dept })).status, 404)
  const staffView = ok(await api.get(`/api/v1/cases/${c.id}`, { as: staff }))
  assert.ok(staffView.actions.includes('accept') && staffView.actions.includes('decline'))
  assert.equal((await act(c.id, 'accept', {}, member)).status, 403)
  ok(await act(c.id, 'accept', { note: '符合立案条件' }, staff))
  const a = ok(await act(c.id, 'assign', { lead_unit_id: mz.id, co_unit_ids: [cz.id], working_days: 15 }, staff))
  assert.equal(a.state, 'handling')
  assert.equal(a.lead_unit.id, mz.id)
  assert.equal(a.working_days_left, 15)
  assert.match(a.deadline_day, /^\d{4}-\d{2}-\d{2}$/)
  const inbox = ok(await api.get('/api/v1/inbox', { as: dept }))
  assert.ok(inbox.items.some((n) => n.kind === 'case.assigned' && n.link === `/cases/${c.id}`), JSON.stringify(inbox.items.slice(0, 3)))
  // The unit's console lists it.
  const console_ = ok(await api.get('/api/v1/cases?scope=unit', { as: dept }))
  assert.ok(console_.items.some((x) => x.id === c.id))
  ok(await act(c.id, 'progress', { note: '已赴社区调研' }, dept))
  // The co-handling unit (财政厅) has not given its input: the answer waits. Staff drop it.
  const early = await act(c.id, 'answer', { answer: '答复' }, dept)
  assert.equal(early.status, 409, String(early))
  assert.match(early.text, /co_input_missing/)
  ok(await act(c.id, 'assign', { lead_unit_id: mz.id, working_days: 15 }, staff))
  const upload = await api.request('POST', '/api/v1/attachments?name=doc.pdf', { as: dept, body: readFileSync(join(REPO, 'tests/fixtures/attachments/doc.pdf')) })
  assert.equal(upload.status, 201, String(upload))
  const an = ok(await act(c.id, 'answer', { answer: '已纳入明年民生实事项目。', attachment_ids: [upload.json.id] }, dept))
  assert.equal(an.state, 'answered')
  assert.equal(an.answered_on_time, true)
  const answerEvent = an.events.find((e) => e.action === 'answer')
  assert.equal(answerEvent.attachments.length, 1)
  // The proposer reads the answer's document; a stranger does not.
  assert.equal((await api.get(`/api/v1/attachments/${upload.json.id}`, { as: member })).status, 200)
  assert.equal((await api.get(`/api/v1/attachments/${upload.json.id}`, { as: cityStaff })).status, 404)
  assert.ok(ok(await api.get('/api/v1/inbox', { as: member })).items.some((n) => n.kind === 'case.answered'))
  assert.equal((await act(c.id, 'rate', { rating: 'great' }, member)).status, 400)
  const rated = ok(await act(c.id, 'rate', { rating: 'satisfied' }, member))
  assert.equal(rated.state, 'closed')
  assert.equal(rated.state_label, '已办结')
  // Published: everyone reads the answer (not the internal history).
  assert.equal((await api.get(`/api/v1/cases/${c.id}`)).status, 404)
  ok(await act(c.id, 'publish', {}, staff))
  const pub = ok(await api.get(`/api/v1/cases/${c.id}`))
  assert.equal(pub.answer, '已纳入明年民生实事项目。')
  assert.deepEqual(pub.events, [])
  assert.ok(ok(await api.get('/api/v1/cases?scope=public')).items.some((x) => x.id === c.id))
  ok(await act(c.id, 'archive', {}, staff))
  // The record carries its ledger data; its hash is the latest entry's.
  const rec = ok(await api.get(`/api/v1/cases/${c.id}`, { as: staff }))
  assert.equal(rec.state, 'archived')
  assert.equal(rec.ledger.type, 'case')
  const hash = createHash('sha256').update(rec.ledger.salt + '\n' + rec.ledger.content).digest('hex')
  const entries = ok(await api.get(`/api/v1/ledger/objects/case/${c.id}`)).items.map((i) => JSON.parse(i.entry))
  assert.equal(entries.at(-1).content, hash)
  assert.equal(entries.at(-1).action, 'case.archive')
  assert.equal(entries[0].action, 'case.created')
})

test('drafts, co-signers and withdrawal', async () => {
  const d = ok(await api.post('/api/v1/cases', { org_id: prov.id, kind: 'proposal', title: `联名提案${unique()}` }, { as: member }), 201)
  assert.equal(d.state, 'draft')
  assert.equal((await api.get(`/api/v1/cases/${d.id}`, { as: staff })).status, 404)
  assert.equal((await act(d.id, 'submit', {}, member)).status, 400) // no body yet
  const leaderId = ok(await api.get('/api/v1/me', { as: leader })).id
  const candidates = ok(await api.get(`/api/v1/orgs/${prov.id}/case-cosigners?q=${encodeURIComponent('沈')}`, { as: member }))
  assert.ok(candidates.items.some((p) => p.id === leaderId), JSON.stringify(candidates))
  assert.equal((await api.get(`/api/v1/orgs/${prov.id}/case-cosigners`, { as: dept })).status, 403)
  ok(await api.patch(`/api/v1/cases/${d.id}`, { body: '正文', cosigner_ids: [leaderId] }, { as: member }))
  const s = ok(await act(d.id, 'submit', {}, member))
  assert.equal(s.state, 'submitted') // the province needs no co-signers by default
  assert.ok(ok(await api.get('/api/v1/inbox', { as: leader })).items.some((n) => n.kind === 'case.cosign'))
  const cs = ok(await act(d.id, 'cosign', {}, leader))
  assert.equal(cs.cosigners[0].state, 'confirmed')
  assert.equal((await act(d.id, 'cosign', {}, leader)).status, 409)
  ok(await act(d.id, 'withdraw', {}, member))
  assert.equal((await api.patch(`/api/v1/cases/${d.id}`, { title: '改过的标题' }, { as: member })).status, 200)
})

test('social-condition reports: the public sends them, staff and the assigned unit read them, leaders do not', async () => {
  const r = ok(await api.post('/api/v1/cases', { org_id: prov.id, kind: 'social_report', title: `社情民意${unique()}`, body: '反映情况', submit: true }, { as: publicToken }), 201)
  assert.equal((await api.post('/api/v1/cases', { org_id: prov.id, kind: 'proposal', title: '公众提案', body: 'x' }, { as: publicToken })).status, 403)
  assert.equal((await api.get(`/api/v1/cases/${r.id}`, { as: leader })).status, 404)
  ok(await api.get(`/api/v1/cases/${r.id}`, { as: staff }))
  ok(await act(r.id, 'accept', {}, staff))
  ok(await act(r.id, 'assign', { lead_unit_id: mz.id }, staff))
  ok(await api.get(`/api/v1/cases/${r.id}`, { as: dept }))
  const leaderList = ok(await api.get(`/api/v1/cases?scope=org&org_id=${prov.id}&kind=social_report`, { as: leader }))
  assert.ok(!leaderList.items.some((x) => x.id === r.id))
  // Converting a proposal into a report makes it confidential too.
  const p = await submitted()
  ok(await api.get(`/api/v1/cases/${p.id}`, { as: leader }))
  ok(await act(p.id, 'convert', { kind: 'social_report' }, staff))
  assert.equal((await api.get(`/api/v1/cases/${p.id}`, { as: leader })).status, 404)
})

test('decline with a reason, merge', async () => {
  const a = await submitted()
  const b = await submitted()
  assert.equal((await act(a.id, 'decline', {}, staff)).status, 400)
  const d = ok(await act(a.id, 'decline', { reason: '不属于政协履职范围' }, staff))
  assert.equal(d.state, 'declined')
  const m = ok(await act(b.id, 'merge', { into_id: (await submitted()).id }, staff))
  assert.equal(m.state, 'merged')
  assert.equal((await act(b.id, 'accept', {}, staff)).status, 409)
})

test('reassignment and extension requests are decided by staff; unsatisfied goes back once, then to staff', async () => {
  const c = await handling()
  ok(await act(c.id, 'request_reassign', { reason: '不属于本部门职责' }, dept))
  assert.equal((await act(c.id, 'decide_reassign', { approve: true, lead_unit_id: cz.id }, dept)).status, 403)
  const r = ok(await act(c.id, 'decide_reassign', { approve: false }, staff))
  assert.equal(r.pending, null)
  ok(await act(c.id, 'request_extension', { reason: '需跨部门协调', working_days: 5 }, dept))
  const before = r.deadline_day
  const e = ok(await act(c.id, 'decide_extension', { approve: true }, staff))
  assert.ok(e.deadline_day > before)
  ok(await act(c.id, 'answer', { answer: '初次答复' }, dept))
  const back = ok(await act(c.id, 'rate', { rating: 'unsatisfied', reason: '答复空泛' }, member))
  assert.equal(back.state, 'handling')
  assert.ok(ok(await api.get('/api/v1/inbox', { as: dept })).items.some((n) => n.kind === 'case.returned'))
  ok(await act(c.id, 'answer', { answer: '补充答复' }, dept))
  const esc = ok(await act(c.id, 'rate', { rating: 'unsatisfied', reason: '仍不满意' }, member))
  assert.equal(esc.state, 'escalated')
  ok(await act(c.id, 'close', { note: '已当面沟通' }, staff))
})

test('an overdue case turns yellow, then red, on the supervision board (test clock)', async () => {
  const c = await handling()
  ok(await act(c.id, 'mark_key', { key: true }, staff))
  const noSweep = await api.post('/api/v1/cases/sweep', {}, { as: staff })
  assert.equal(noSweep.status, 403)
  ok(await api.post('/api/v1/cases/sweep', {}, { as: admin }))
  assert.equal(ok(await api.get(`/api/v1/cases/${c.id}`, { as: staff })).card, 'none')
  // 9 working days later at least 1 and at most 3 remain: yellow (3 is the default).
  ok(await api.post('/api/v1/testing/clock', { advance_ms: 0 }, { as: admin }))
  assert.equal((await api.post('/api/v1/testing/clock', { advance_ms: 1000 }, { as: staff })).status, 403)
  let card = 'none'
  for (let day = 0; day < 30 && card !== 'yellow'; day++) {
    ok(await api.post('/api/v1/testing/clock', { advance_ms: 86_400_000 }, { as: admin }))
    ok(await api.post('/api/v1/cases/sweep', {}, { as: admin }))
    card = ok(await api.get(`/api/v1/cases/${c.id}`, { as: staff })).card
  }
  assert.equal(card, 'yellow')
  assert.ok(ok(await api.get('/api/v1/inbox', { as: dept })).items.some((n) => n.kind === 'case.due_soon'))
  ok(await api.post('/api/v1/testing/clock', { advance_ms: 20 * 86_400_000 }, { as: admin }))
  const swept = ok(await api.post('/api/v1/cases/sweep', {}, { as: admin }))
  assert.ok(swept.red >= 1)
  assert.equal(ok(await api.post('/api/v1/cases/sweep', {}, { as: admin })).red, 0) // idempotent
  const red = ok(await api.get(`/api/v1/cases/${c.id}`, { as: staff }))
  assert.equal(red.card, 'red')
  assert.ok(red.working_days_left < 0)
  assert.ok(ok(await api.get('/api/v1/inbox', { as: dept })).items.some((n) => n.kind === 'case.overdue'))
  const board = ok(await api.get(`/api/v1/orgs/${prov.id}/case-board`, { as: leader }))
  const unit = board.units.find((u) => u.unit.id === mz.id)
  assert.equal(unit.colour, 'red')
  assert.ok(unit.red >= 1 && unit.key >= 1)
  assert.ok(board.cards.some((x) => x.id === c.id))
  assert.equal((await api.get(`/api/v1/orgs/${prov.id}/case-board`, { as: member })).status, 403)
  // Answered late: the card is cleared and the answer counted late.
  const an = ok(await act(c.id, 'answer', { answer: '迟到的答复' }, dept))
  assert.equal(an.card, 'none')
  assert.equal(an.answered_on_time, false)
  const stats = ok(await api.get(`/api/v1/orgs/${prov.id}/case-stats`, { as: leader }))
  const s = stats.units.find((u) => u.unit.id === mz.id)
  assert.ok(s.handled >= 1 && s.on_time < s.handled, JSON.stringify(s))
  assert.ok(stats.members.length >= 1)
})

test('Excel export of a filtered list; filters checked', async () => {
  const r = await api.request('GET', `/api/v1/cases.xlsx?scope=org&org_id=${prov.id}&kind=proposal`, { as: staff })
  assert.equal(r.status, 200, String(r))
  assert.match(r.contentType, /spreadsheetml/)
  assert.equal(r.bytes.subarray(0, 2).toString(), 'PK')
  assert.equal((await api.request('GET', `/api/v1/cases.xlsx?scope=org&org_id=${prov.id}`, { as: member })).status, 403)
  assert.equal((await api.get('/api/v1/cases?state=nonsense', { as: member })).status, 400)
  assert.equal((await api.get(`/api/v1/cases?scope=org`, { as: staff })).status, 400)
  const red = ok(await api.get(`/api/v1/cases?scope=org&org_id=${prov.id}&card=red`, { as: staff }))
  for (const x of red.items) assert.equal(x.card, 'red')
})

test('kinds are configured per organisation; the calendar is the official one plus local days', async () => {
  const s = ok(await api.get(`/api/v1/orgs/${prov.id}/case-settings`))
  assert.equal(s.items.length, 5)
  assert.equal(s.items.find((k) => k.kind === 'proposal').enabled, true)
  assert.equal((await api.request('PUT', `/api/v1/orgs/${prov.id}/case-settings/proposal`, { json: { deadline_working_days: 5 }, as: staff })).status, 400)
  assert.equal((await api.request('PUT', `/api/v1/orgs/${prov.id}/case-settings/proposal`, { json: { deadline_working_days: 25 }, as: member })).status, 403)
  const k = ok(await api.request('PUT', `/api/v1/orgs/${prov.id}/case-settings/proposal`, { json: { deadline_working_days: 25, categories: ['民生', '经济', '教育'] }, as: staff }))
  assert.equal(k.deadline_working_days, 25)
  assert.equal(k.customised, true)
  ok(await api.request('PUT', `/api/v1/orgs/${prov.id}/case-settings/proposal`, { json: { deadline_working_days: 20, categories: [] }, as: staff }))
  const y25 = ok(await api.get('/api/v1/calendar?year=2025'))
  assert.equal(y25.official, true)
  assert.ok(y25.days.some((d) => d.date === '2025-10-08' && d.kind === 'holiday'))
  assert.ok(y25.days.some((d) => d.date === '2025-09-28' && d.kind === 'workday'))
  const y26 = ok(await api.get('/api/v1/calendar?year=2026'))
  assert.equal(y26.working_days, 248)
  assert.equal(ok(await api.get('/api/v1/calendar?year=2027')).official, false)
  assert.equal((await api.post('/api/v1/calendar/days', { days: [{ date: '2027-01-01', kind: 'holiday' }] }, { as: staff })).status, 403)
  const y27 = ok(await api.post('/api/v1/calendar/days', { source: '2027 年通知', days: [{ date: '2027-01-01', kind: 'holiday', name: '元旦' }] }, { as: admin }))
  assert.equal(y27.official, true)
  const local = ok(await api.post(`/api/v1/orgs/${prov.id}/calendar/days`, { days: [{ date: '2026-12-30', kind: 'holiday', name: '地方假日' }] }, { as: admin }))
  assert.equal(local.working_days, 247)
  assert.equal(ok(await api.get(`/api/v1/orgs/${mz.id}/calendar?year=2026`)).working_days, 247) // below the province
  assert.equal((await api.delete(`/api/v1/orgs/${prov.id}/calendar/days/2026-12-30`, { as: admin })).status, 204)
  assert.equal((await api.delete(`/api/v1/calendar/days/2027-01-01`, { as: admin })).status, 204)
  assert.equal((await api.delete(`/api/v1/calendar/days/2027-01-01`, { as: admin })).status, 404)
})

test('the demo data set has cases in several states', async () => {
  const list = ok(await api.get(`/api/v1/cases?scope=org&org_id=${prov.id}&limit=200`, { as: staff }))
  const states = new Set(list.items.map((x) => x.state))
  for (const s of ['submitted', 'handling', 'answered', 'closed']) assert.ok(states.has(s), `no demo case ${s}: ${[...states]}`)
})

test('notifications come in the recipient\'s language; erasing the submitter erases their report, keeps their proposals', async () => {
  const mobile = uniqueMobile()
  assert.equal((await api.post('/api/v1/auth/sms-codes', { mobile, purpose: 'register' })).status, 202)
  const reg = await api.post('/api/v1/auth/register', { mobile, code: server.lastSmsCode(mobile), password: 'public-pass-2', display_name: '网友丙' })
  assert.equal(reg.status, 201, String(reg))
  const me = sessionCookie(reg)
  ok(await api.patch('/api/v1/me', { locale: 'en' }, { as: me }))
  const title = `反映小区加装电梯${unique()}`
  const r = ok(await api.post('/api/v1/cases', { org_id: prov.id, kind: 'social_report', title, body: '我家住六楼，老人上下楼困难。', submit: true }, { as: me }), 201)
  ok(await act(r.id, 'accept', {}, staff))
  ok(await act(r.id, 'assign', { lead_unit_id: mz.id, working_days: 10 }, staff))
  ok(await act(r.id, 'progress', { note: '已电话联系反映人' }, dept))
  ok(await act(r.id, 'answer', { answer: '已列入改造计划。' }, dept))
  const inbox = ok(await api.get('/api/v1/inbox', { as: me })).items
  const reviewed = inbox.find((n) => n.kind === 'case.reviewed')
  assert.equal(reviewed?.title, `Your social-condition report "${title}" was accepted`)
  assert.equal(inbox.find((n) => n.kind === 'case.answered')?.title, `"${title}" has been answered`)
  // The unit's responder reads zh-CN (the demo's default).
  const unitNote = ok(await api.get('/api/v1/inbox', { as: dept })).items.find((n) => n.kind === 'case.assigned' && n.link === `/cases/${r.id}`)
  assert.equal(unitNote.title, `新交办：「${title}」`)

  const erased = ok(await api.post('/api/v1/me/erase', { password: 'public-pass-2' }, { as: me }))
  assert.ok(erased)
  for (const as of [staff, dept]) {
    const g = await api.get(`/api/v1/cases/${r.id}`, { as })
    assert.equal(g.status, 410, String(g))
    assert.equal(g.json.code, 'case_erased')
    assert.ok(Number.isInteger(g.json.erased.seq))
  }
  assert.equal((await act(r.id, 'rate', { rating: 'satisfied' }, dept)).status, 410)
  const list = ok(await api.get(`/api/v1/cases?scope=org&org_id=${prov.id}&kind=social_report`, { as: staff })).items
  const row = list.find((x) => x.id === r.id)
  assert.equal(row.erased, true)
  assert.equal(row.title, '')
  const obj = ok(await api.get(`/api/v1/ledger/objects/case/${r.id}`))
  assert.ok(JSON.stringify(obj).includes('case.erased'), JSON.stringify(obj).slice(0, 400))
})
