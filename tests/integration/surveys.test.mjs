// Surveys and quick polls through the API: building and validation, lifecycle, audiences,
// repeat-answer guards for the public (device cookie, address, SMS code), anonymity, results
// live over the WebSocket, free-text search, Excel export, polls in a deliberation, ledger.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { PROVINCE, CITY, startServer, uniqueMobile } from './harness.mjs'
import { openSocket } from './ws-client.mjs'

let server, api, staff, member, leader, cityStaff, admin, prov, city

const QUESTIONS = [
  { id: 'q1', type: 'single', title: '您平时乘坐公交车吗？', options: [{ id: 'often', label: '经常' }, { id: 'never', label: '基本不坐' }], skip: [{ option: 'never', goto: 'q4' }] },
  { id: 'q2', type: 'multiple', title: '最需要改进的', options: [{ id: 'freq', label: '班次' }, { id: 'late', label: '末班车' }, { id: 'stop', label: '站点' }], min_choices: 1, max_choices: 2 },
  { id: 'q3', type: 'rating', title: '满意度', scale: { min: 1, max: 5 } },
  { id: 'q4', type: 'ranking', title: '排序', options: [{ id: 'bus', label: '公交' }, { id: 'walk', label: '步行' }] },
  { id: 'q5', type: 'long_text', title: '其他建议', required: false },
]

function ok(r, status = 200) {
  assert.equal(r.status, status, String(r))
  return r.json
}
const device = (n) => ({ cookie: `sl_device=${n.toString(16).padStart(24, '0')}` })

async function newSurvey(extra = {}, { open = true, as = staff } = {}) {
  const s = ok(await api.post('/api/v1/surveys', { org_id: prov, title: '公交出行调查', audience: 'public', questions: QUESTIONS, ...extra }, { as }), 201)
  if (open) ok(await api.post(`/api/v1/surveys/${s.id}/state`, { state: 'open' }, { as }))
  return s
}

before(async () => {
  server = await startServer()
  api = server.api
  staff = await api.login('staff')
  member = await api.login('member')
  leader = await api.login('leader')
  cityStaff = await api.login('city_staff')
  admin = await api.login('admin')
  prov = (await api.orgByName(PROVINCE)).id
  city = (await api.orgByName(CITY)).id
})
after(async () => {
  await server?.stop()
})

describe('building', () => {
  test('a draft is checked whole, edited, then fixed once open', async () => {
    const bad = await api.post('/api/v1/surveys', { org_id: prov, title: 'x', questions: [{ ...QUESTIONS[0], skip: [{ option: 'never', goto: 'q0' }] }] }, { as: staff })
    assert.equal(bad.status, 400)
    assert.equal(bad.json.code, 'invalid_questions')
    assert.match(bad.json.detail, /第 1 题/)
    const s = await newSurvey({}, { open: false })
    assert.equal(s.state, 'draft')
    assert.equal(s.questions.length, 5)
    assert.equal(s.my.may_manage, true)
    assert.equal((await api.get(`/api/v1/surveys/${s.id}`)).status, 404) // drafts are not shown
    const edited = ok(await api.patch(`/api/v1/surveys/${s.id}`, { title: '公交出行满意度调查', version: s.version }, { as: staff }))
    assert.equal(edited.title, '公交出行满意度调查')
    assert.equal((await api.patch(`/api/v1/surveys/${s.id}`, { title: '旧版本', version: s.version }, { as: staff })).status, 412)
    assert.equal((await api.patch(`/api/v1/surveys/${s.id}`, { title: '城市员工' }, { as: cityStaff })).status, 404)
    ok(await api.post(`/api/v1/surveys/${s.id}/state`, { state: 'open' }, { as: staff }))
    const late = await api.patch(`/api/v1/surveys/${s.id}`, { title: '再改' }, { as: staff })
    assert.equal(late.status, 409)
    assert.equal(late.json.code, 'survey_not_draft')
    assert.equal((await api.post(`/api/v1/surveys/${s.id}/state`, { state: 'open' }, { as: staff })).status, 409)
  })
})

describe('answering', () => {
  test('the public answer without an account; the server checks answers along the skip path', async () => {
    const s = await newSurvey({ max_per_address: 0 })
    const pub = ok(await api.get(`/api/v1/surveys/${s.id}`))
    assert.equal(pub.my.may_answer, true)
    assert.match(pub.notice, /匿名/)
    assert.equal(pub.response_count, null) // results are for staff
    const missing = await api.post(`/api/v1/surveys/${s.id}/responses`, { answers: { q1: 'often', q3: 4, q4: ['bus', 'walk'] } }, { headers: device(1) })
    assert.equal(missing.status, 422)
    assert.equal(missing.json.question_id, 'q2')
    const tooMany = await api.post(`/api/v1/surveys/${s.id}/responses`, { answers: { q1: 'often', q2: ['freq', 'late', 'stop'], q3: 4, q4: ['bus', 'walk'] } }, { headers: device(1) })
    assert.equal(tooMany.status, 422)
    // "never" skips to q4: q2 and q3 are neither required nor kept.
    const r = await api.post(`/api/v1/surveys/${s.id}/responses`, { answers: { q1: 'never', q3: 5, q4: ['walk', 'bus'] } }, { headers: device(1) })
    assert.equal(r.status, 201, String(r))
    assert.equal(r.json.id, null)
    // Without a cookie the server gives one.
    const first = await api.post(`/api/v1/surveys/${s.id}/responses`, { answers: { q1: 'often', q2: ['late'], q3: 2, q4: ['bus', 'walk'], q5: '末班车太早了' } })
    assert.equal(first.status, 201)
    assert.match(first.header('set-cookie'), /^sl_device=[0-9a-f]{32}; Path=\/api\/v1\/surveys; .*HttpOnly/)
    const again = await api.post(`/api/v1/surveys/${s.id}/responses`, { answers: { q1: 'never', q4: ['bus', 'walk'] } }, { headers: device(1) })
    assert.equal(again.status, 409)
    assert.equal(again.json.code, 'already_answered')
    assert.equal(ok(await api.get(`/api/v1/surveys/${s.id}`, { headers: device(1) })).my.answered, true)
    const res = ok(await api.get(`/api/v1/surveys/${s.id}/results`, { as: staff }))
    assert.equal(res.response_count, 2)
    const [q1, q2, q3, q4] = res.questions
    assert.deepEqual(q1.options.map((o) => o.count), [1, 1])
    assert.equal(q2.answered, 1)
    assert.equal(q3.answered, 1)
    assert.equal(q3.average, 2)
    assert.deepEqual(q4.options.map((o) => o.average_rank), [1.5, 1.5])
  })

  test('per-address limit and the SMS check for the public', async () => {
    const s = await newSurvey({ max_per_address: 2, sms_check: true })
    const send = async (mobile) => {
      ok(await api.post('/api/v1/auth/sms-codes', { mobile, purpose: 'survey' }), 202)
      return server.lastSmsCode(mobile)
    }
    const answers = { q1: 'never', q4: ['bus', 'walk'] }
    const noCode = await api.post(`/api/v1/surveys/${s.id}/responses`, { answers }, { headers: device(11) })
    assert.equal(noCode.status, 400)
    assert.equal(noCode.json.code, 'sms_required')
    const m1 = uniqueMobile()
    const wrong = await api.post(`/api/v1/surveys/${s.id}/responses`, { answers, mobile: m1, code: '000000' === (await send(m1)) ? '111111' : '000000' }, { headers: device(11) })
    assert.equal(wrong.status, 400)
    assert.equal(wrong.json.code, 'invalid_code')
    ok(await api.post(`/api/v1/surveys/${s.id}/responses`, { answers, mobile: m1, code: server.lastSmsCode(m1) }, { headers: device(11) }), 201)
    const sameNumber = await api.post(`/api/v1/surveys/${s.id}/responses`, { answers, mobile: m1, code: '123456' }, { headers: device(12) })
    assert.equal(sameNumber.status, 409)
    const m2 = uniqueMobile()
    ok(await api.post(`/api/v1/surveys/${s.id}/responses`, { answers, mobile: m2, code: await send(m2) }, { headers: device(12) }), 201)
    const m3 = uniqueMobile()
    const third = await api.post(`/api/v1/surveys/${s.id}/responses`, { answers, mobile: m3, code: await send(m3) }, { headers: device(13) })
    assert.equal(third.status, 429) // the third answer from 127.0.0.1
    assert.equal(third.json.code, 'address_limit')
  })

  test('members surveys: only their members, once each; named ones keep the name for staff', async () => {
    const anon = await newSurvey({ audience: 'members', anonymous: true })
    const named = await newSurvey({ audience: 'members', anonymous: false })
    assert.equal((await api.get(`/api/v1/surveys/${anon.id}`)).status, 401)
    assert.equal((await api.post(`/api/v1/surveys/${anon.id}/responses`, { answers: { q1: 'never', q4: ['bus', 'walk'] } }, { as: cityStaff })).status, 404)
    const a = { answers: { q1: 'often', q2: ['freq'], q3: 3, q4: ['bus', 'walk'], q5: '匿名的意见' } }
    ok(await api.post(`/api/v1/surveys/${anon.id}/responses`, a, { as: member }), 201)
    assert.equal((await api.post(`/api/v1/surveys/${anon.id}/responses`, a, { as: member })).status, 409)
    const n = ok(await api.post(`/api/v1/surveys/${named.id}/responses`, a, { as: member }), 201)
    assert.equal(typeof n.id, 'number')
    const anonList = ok(await api.get(`/api/v1/surveys/${anon.id}/responses`, { as: staff }))
    assert.equal(anonList.items.length, 1)
    assert.equal(anonList.items[0].respondent, null)
    assert.doesNotMatch(anonList.items[0].ledger.content, /person_id":\d/)
    const namedList = ok(await api.get(`/api/v1/surveys/${named.id}/responses`, { as: leader }))
    assert.equal(namedList.items[0].respondent.display_name.length > 0, true)
    // The ledger: the anonymous answer's entry names no actor; the named one does.
    const anonEntries = ok(await api.get(`/api/v1/ledger/objects/survey_response/${anonList.items[0].id}`))
    const namedEntries = ok(await api.get(`/api/v1/ledger/objects/survey_response/${namedList.items[0].id}`))
    assert.equal(JSON.parse(anonEntries.items[0].entry).actor, 'system')
    assert.match(JSON.parse(namedEntries.items[0].entry).actor, /^p-/)
    // Free text is searchable by those who see results, 繁體 too.
    const hits = ok(await api.get(`/api/v1/surveys/${anon.id}/search?q=${encodeURIComponent('匿名的意見')}`, { as: staff }))
    assert.equal(hits.items.length, 1)
    assert.match(hits.items[0].snippet_html, /<mark>/)
    assert.equal((await api.get(`/api/v1/surveys/${anon.id}/search?q=x`, { as: member })).status, 403)
    // Deliberation search never finds survey answers.
    const global = ok(await api.get(`/api/v1/search?q=${encodeURIComponent('匿名的意见')}`, { as: admin }))
    assert.equal(global.items.length, 0)
  })

  test('closing stops answers', async () => {
    const s = await newSurvey()
    ok(await api.post(`/api/v1/surveys/${s.id}/state`, { state: 'closed' }, { as: staff }))
    const r = await api.post(`/api/v1/surveys/${s.id}/responses`, { answers: { q1: 'never', q4: ['bus', 'walk'] } }, { headers: device(21) })
    assert.equal(r.status, 409)
    assert.equal(r.json.code, 'survey_closed')
  })
})

describe('results', () => {
  test('results are live in room survey:<id> for those who may see them', async () => {
    const s = await newSurvey({ max_per_address: 0, results_visibility: 'respondents' })
    const room = `survey:${s.id}`
    const ws = (await openSocket(`${server.baseUrl}/api/v1/live`, { headers: { cookie: `sl_session=${leader}` } })).client
    ws.send({ op: 'subscribe', room, after_seq: 0 })
    const sub = await ws.next((m) => m.room === room)
    assert.equal(sub.op, 'subscribed')
    assert.equal(sub.seq, 1) // survey.state_changed (open)
    ok(await api.post(`/api/v1/surveys/${s.id}/responses`, { answers: { q1: 'often', q2: ['stop'], q3: 5, q4: ['walk', 'bus'] } }, { headers: device(31) }), 201)
    const ev = await ws.next((m) => m.op === 'event' && m.room === room)
    assert.equal(ev.seq, 2)
    assert.equal(ev.event.type, 'response.created')
    assert.equal(ev.event.data.response_count, 1)
    const q2 = ev.event.data.questions.find((q) => q.id === 'q2')
    assert.deepEqual(q2.options.map((o) => o.count), [0, 0, 1])
    await ws.close()
    // A visitor who has not answered may not watch (results for respondents).
    const anon = (await openSocket(`${server.baseUrl}/api/v1/live`)).client
    anon.send({ op: 'subscribe', room })
    assert.equal((await anon.next((m) => m.room === room)).code, 'forbidden')
    await anon.close()
    // The respondent (by device) sees the results over HTTP.
    assert.equal((await api.get(`/api/v1/surveys/${s.id}/results`, { headers: device(32) })).status, 403)
    assert.equal(ok(await api.get(`/api/v1/surveys/${s.id}/results`, { headers: device(31) })).response_count, 1)
  })

  test('Excel export of every answer for staff and leaders', async () => {
    const s = await newSurvey({ max_per_address: 0 })
    ok(await api.post(`/api/v1/surveys/${s.id}/responses`, { answers: { q1: 'often', q2: ['freq'], q3: 4, q4: ['bus', 'walk'], q5: '导出测试' } }, { headers: device(41) }), 201)
    const x = await api.get(`/api/v1/surveys/${s.id}/export.xlsx`, { as: leader })
    assert.equal(x.status, 200)
    assert.match(x.contentType, /spreadsheetml/)
    assert.equal(x.bytes.subarray(0, 2).toString(), 'PK')
    assert.equal((await api.get(`/api/v1/surveys/${s.id}/export.xlsx`, { as: member })).status, 403)
  })
})

describe('quick polls', () => {
  test('a poll in a deliberation: staff start it, members answer, everyone reading sees results', async () => {
    const d = ok(await api.post('/api/v1/deliberations', { org_id: prov, theme: '投票用的协商' }, { as: staff }), 201)
    ok(await api.post(`/api/v1/deliberations/${d.id}/state`, { state: 'open' }, { as: staff }))
    const body = { kind: 'poll', scope_type: 'deliberation', scope_id: d.id, title: '快速投票', questions: [{ id: 'q1', type: 'single', title: '哪个最急', options: [{ id: 'a', label: '养老' }, { id: 'b', label: '医疗' }] }] }
    assert.equal((await api.post('/api/v1/surveys', body, { as: member })).status, 403)
    const p = ok(await api.post('/api/v1/surveys', body, { as: staff }), 201)
    assert.equal(p.org.id, prov)
    assert.equal(p.results_visibility, 'all')
    ok(await api.post(`/api/v1/surveys/${p.id}/state`, { state: 'open' }, { as: staff }))
    ok(await api.post(`/api/v1/surveys/${p.id}/responses`, { answers: { q1: 'b' } }, { as: member }), 201)
    const list = ok(await api.get(`/api/v1/surveys?scope_type=deliberation&scope_id=${d.id}`, { as: member }))
    assert.deepEqual(list.items.map((x) => x.id), [p.id])
    assert.equal(list.items[0].my.answered, true)
    const res = ok(await api.get(`/api/v1/surveys/${p.id}/results`, { as: leader }))
    assert.deepEqual(res.questions[0].options.map((o) => o.count), [0, 1])
    // The deliberation is members only: visitors see neither it nor its polls.
    assert.equal((await api.get(`/api/v1/surveys?scope_type=deliberation&scope_id=${d.id}`)).status, 401)
    const twoQuestions = await api.post('/api/v1/surveys', { ...body, questions: [...body.questions, { id: 'q2', type: 'rating', title: '打分' }] }, { as: staff })
    assert.equal(twoQuestions.status, 400)
  })

  test('the demo has a public survey, a members survey and a poll in the demo deliberation', async () => {
    const pub = ok(await api.get('/api/v1/surveys'))
    assert.ok(pub.items.some((s) => s.audience === 'public' && s.state === 'open'), JSON.stringify(pub.items.map((s) => s.title)))
    const mine = ok(await api.get('/api/v1/surveys', { as: member }))
    assert.ok(mine.items.some((s) => s.audience === 'members'))
    assert.ok(mine.items.some((s) => s.kind === 'poll' && s.scope.type === 'deliberation'))
  })

  test('survey records have their ledger entries', async () => {
    const r = ok(await api.get('/api/v1/ledger/objects/survey/1'))
    assert.ok(r.items.length >= 2) // created, opened
  })
})
