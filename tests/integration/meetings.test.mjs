// Remote and hybrid meetings through the API (issue 7): create → schedule (invitation in the
// inbox, .ics) → replies → QR check-in inside the window, by hand with a reason → live: the
// speaking queue and floor seen over the live WebSocket in order, interventions, public
// comments (rate limit, sensitive words held, picks) → end (absent marking) → minutes →
// publish → record; an expired check-in code after the server's test clock moves on; bad
// input is problem+json 4xx.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { PROVINCE, DEPT_MZ, startServer } from './harness.mjs'
import { openSocket } from './ws-client.mjs'

let server, api, staff, member, leader, cityStaff, resident, admin, excusedOne, prov, deptMz
const ids = {}
let meeting, token, ws

function ok(r, status = 200) {
  assert.equal(r.status, status, String(r))
  return r.json
}
function problem(r, status, code) {
  assert.equal(r.status, status, String(r))
  assert.match(r.contentType, /application\/problem\+json/)
  if (code) assert.equal(r.json.code, code, String(r))
  return r.json
}
const put = (path, json, o = {}) => api.request('PUT', path, { ...o, json })
const iso = (ms) => new Date(ms).toISOString()

async function personId(token) {
  return ok(await api.get('/api/v1/me', { as: token })).id
}

before(async () => {
  server = await startServer(['--cases.test_clock=true', '--moderation.sensitive_action=hold', '--meetings.comment_per_ip_per_min=1000',
    '--auth.session_ttl_hours=8760'])
  api = server.api
  staff = await api.login('staff')
  member = await api.login('member')
  leader = await api.login('leader')
  cityStaff = await api.login('city_staff')
  resident = await api.login('resident')
  admin = await api.login('admin')
  excusedOne = await api.login('m1000')
  prov = (await api.orgByName(PROVINCE)).id
  deptMz = (await api.orgByName(DEPT_MZ)).id
  for (const [k, t] of Object.entries({ staff, member, leader, cityStaff, resident, excusedOne })) ids[k] = await personId(t)
})
after(async () => {
  ws?.close()
  await server?.stop()
})

function body(extra = {}) {
  const start = Date.now() + 30 * 60_000
  return {
    org_id: prov,
    title: '社区养老, 远程协商; 测试',
    topic: '助老服务',
    starts_at: iso(start),
    ends_at: iso(start + 2 * 3600_000),
    public: true,
    comments: 'open',
    video_url: 'https://meet.example.org/room-1',
    hls_url: 'https://live.example.org/a.m3u8',
    chair_ids: [ids.staff],
    secretary_ids: [ids.cityStaff],
    agenda: [{ title: '情况通报', minutes: 20 }, { title: '委员发言', minutes: 60 }],
    venues: [
      { name: '主会场', address: '省府路 1 号', capacity: 80, main: true },
      { name: '东湖区快递驿站', address: '湖滨街 12 号', host_id: ids.cityStaff, main: false },
    ],
    invite: { person_ids: [ids.member, ids.leader, ids.excusedOne], department_ids: [deptMz] },
    ...extra,
  }
}

describe('a meeting from draft to record', { concurrency: false }, () => {
  test('bad input is refused with problem+json, never 500', async () => {
    problem(await api.post('/api/v1/meetings', { ...body(), title: '' }, { as: staff }), 400, 'missing_field')
    const b = body()
    problem(await api.post('/api/v1/meetings', { ...b, ends_at: b.starts_at }, { as: staff }), 400, 'invalid_time')
    problem(await api.post('/api/v1/meetings', { ...b, starts_at: 'tomorrow' }, { as: staff }), 400, 'invalid_time')
    problem(await api.post('/api/v1/meetings', { ...b, comments: 'loud' }, { as: staff }), 400, 'invalid_comments')
    problem(await api.post('/api/v1/meetings', { ...b, agenda: 'x' }, { as: staff }), 400, 'invalid_agenda')
    problem(await api.post('/api/v1/meetings', { ...b, venues: [{ name: 'a', main: true }, { name: 'b', main: true }] }, { as: staff }), 400, 'invalid_venues')
    problem(await api.post('/api/v1/meetings', { ...b, video_url: 'javascript:alert(1)' }, { as: staff }), 400, 'invalid_url')
    problem(await api.post('/api/v1/meetings', { ...b, invite: { person_ids: [999999999] } }, { as: staff }), 400, 'invalid_person')
    problem(await api.post('/api/v1/meetings', { ...b, org_id: 'x' }, { as: staff }), 400)
    problem(await api.post('/api/v1/meetings', b, { as: member }), 403)
    problem(await api.post('/api/v1/meetings', b), 401)
    problem(await api.get('/api/v1/meetings/abc'), 404) // the router takes only ids
    problem(await api.get('/api/v1/meetings/999999999', { as: staff }), 404, 'meeting_not_found')
    problem(await api.get('/api/v1/meetings?state=nonsense'), 400, 'invalid_state')
    problem(await api.get('/api/v1/meetings?from=yesterday'), 400)
  })

  test('create: a draft only its organisers see', async () => {
    meeting = ok(await api.post('/api/v1/meetings', body(), { as: staff }), 201)
    assert.equal(meeting.state, 'draft')
    assert.equal(meeting.venues.length, 2)
    assert.equal(meeting.agenda.length, 2)
    assert.equal(meeting.counters.invited, 4) // three people and the department's responder
    assert.equal(meeting.my.role, 'staff')
    assert.equal(meeting.ledger.type, 'meeting')
    problem(await api.get(`/api/v1/meetings/${meeting.id}`, { as: member }), 404)
    assert.equal(ok(await api.get(`/api/v1/meetings/${meeting.id}`, { as: cityStaff })).my.role, 'secretary')
    const edited = ok(await api.patch(`/api/v1/meetings/${meeting.id}`, { topic: '城乡助老服务' }, { as: staff }))
    assert.equal(edited.topic, '城乡助老服务')
    problem(await api.patch(`/api/v1/meetings/${meeting.id}`, { topic: 'x' }, { as: cityStaff }), 403)
    problem(await api.post(`/api/v1/meetings/${meeting.id}/state`, { state: 'live' }, { as: staff }), 409, 'invalid_transition')
  })

  test('schedule: invitations in the inbox, and an RFC 5545 calendar', async () => {
    const m = ok(await api.post(`/api/v1/meetings/${meeting.id}/state`, { state: 'scheduled' }, { as: staff }))
    assert.equal(m.state, 'scheduled')
    const inbox = ok(await api.get('/api/v1/inbox', { as: member }))
    const note = inbox.items.find((n) => n.kind === 'meeting.invited' && n.link === `/meetings/${meeting.id}`)
    assert.ok(note, JSON.stringify(inbox.items.slice(0, 3)))
    assert.match(note.title, /会议邀请/)
    const mine = ok(await api.get('/api/v1/meetings?mine=1', { as: member }))
    assert.ok(mine.items.some((x) => x.id === meeting.id))
    assert.equal(ok(await api.get(`/api/v1/meetings/${meeting.id}`, { as: member })).video_url, 'https://meet.example.org/room-1')
    assert.equal(ok(await api.get(`/api/v1/meetings/${meeting.id}`)).video_url, null) // a viewer gets the stream only
    const ics = await api.get(`/api/v1/meetings/${meeting.id}/calendar.ics`, { as: member })
    assert.equal(ics.status, 200)
    assert.match(ics.contentType, /^text\/calendar/)
    assert.ok(ics.text.includes('\r\nBEGIN:VEVENT\r\n'))
    assert.ok(!/[^\r]\n/.test(ics.text), 'every line ends with CRLF')
    assert.match(ics.text, /\r\nUID:meeting-\d+@/)
    assert.match(ics.text, /\r\nDTSTART:\d{8}T\d{6}Z\r\n/)
    assert.match(ics.text, /\r\nDTEND:\d{8}T\d{6}Z\r\n/)
    assert.ok(ics.text.includes('SUMMARY:社区养老\\, 远程协商\\; 测试'), ics.text)
    assert.match(ics.text, /LOCATION:主会场/)
    assert.match(ics.text, /\r\nURL:.*\/meetings\/\d+\r\n/)
  })

  test('replies: on site, remote, excused with a reason', async () => {
    problem(await api.post(`/api/v1/meetings/${meeting.id}/reply`, { reply: 'excused' }, { as: excusedOne }), 400, 'missing_reason')
    problem(await api.post(`/api/v1/meetings/${meeting.id}/reply`, { reply: 'maybe' }, { as: member }), 400, 'invalid_reply')
    problem(await api.post(`/api/v1/meetings/${meeting.id}/reply`, { reply: 'remote' }, { as: resident }), 403)
    const ex = ok(await api.post(`/api/v1/meetings/${meeting.id}/reply`, { reply: 'excused', reason: '外出调研' }, { as: excusedOne }))
    assert.equal(ex.reply, 'excused')
    const branch = meeting.venues[1].id
    const my = ok(await api.post(`/api/v1/meetings/${meeting.id}/reply`, { reply: 'onsite', venue_id: branch }, { as: member }))
    assert.equal(my.reply, 'onsite')
    assert.equal(my.venue_id, branch)
    ok(await api.post(`/api/v1/meetings/${meeting.id}/reply`, { reply: 'remote' }, { as: leader }))
    const m = ok(await api.get(`/api/v1/meetings/${meeting.id}`, { as: staff }))
    assert.deepEqual([m.counters.replied_onsite, m.counters.replied_remote, m.counters.excused], [1, 1, 1])
    const inv = ok(await api.get(`/api/v1/meetings/${meeting.id}/invitees`, { as: cityStaff }))
    assert.equal(inv.items.find((i) => i.person_id === ids.excusedOne).reason, '外出调研')
    problem(await api.get(`/api/v1/meetings/${meeting.id}/invitees`, { as: member }), 403)
  })

  test('QR check-in in the window; forged codes and outsiders refused; by hand needs a reason', async () => {
    const branch = meeting.venues[1].id
    problem(await api.get(`/api/v1/meetings/${meeting.id}/venues/${branch}/checkin-code`, { as: member }), 403)
    problem(await api.get(`/api/v1/meetings/${meeting.id}/venues/999999/checkin-code`, { as: staff }), 404)
    const code = ok(await api.get(`/api/v1/meetings/${meeting.id}/venues/${branch}/checkin-code`, { as: cityStaff })) // the venue host
    assert.match(code.svg, /^<svg[^>]*>.*<path/)
    assert.ok(code.url.endsWith(`/meetings/${meeting.id}/checkin?t=${code.token}`))
    assert.ok(Date.parse(code.not_before) < Date.now() && Date.parse(code.expires_at) > Date.now())
    token = code.token
    const forged = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0')
    problem(await api.post(`/api/v1/meetings/${meeting.id}/checkin`, { token: forged }, { as: member }), 400, 'checkin_invalid')
    problem(await api.post(`/api/v1/meetings/${meeting.id}/checkin`, { token: 'garbage' }, { as: member }), 400, 'checkin_invalid')
    problem(await api.post(`/api/v1/meetings/${meeting.id}/checkin`, { token }, { as: resident }), 403, 'not_invited')
    problem(await api.post(`/api/v1/meetings/${meeting.id}/checkin`, { token }), 401)
    const c = ok(await api.post(`/api/v1/meetings/${meeting.id}/checkin`, { token }, { as: member }))
    assert.equal(c.attendance, 'present')
    assert.equal(c.venue_id, branch)
    problem(await api.post(`/api/v1/meetings/${meeting.id}/attendance/${ids.leader}`, { status: 'present' }, { as: cityStaff }), 400, 'missing_reason')
    problem(await api.post(`/api/v1/meetings/${meeting.id}/attendance/${ids.leader}`, { status: 'present', reason: 'x' }, { as: member }), 403)
    const byHand = ok(await api.post(`/api/v1/meetings/${meeting.id}/attendance/${ids.leader}`,
      { status: 'present', venue_id: meeting.venues[0].id, reason: '手机没电，工作人员核对身份后登记' }, { as: cityStaff }))
    assert.equal(byHand.by_hand, true)
    const m = ok(await api.get(`/api/v1/meetings/${meeting.id}`, { as: staff }))
    assert.equal(m.counters.present_by_venue[String(branch)], 1)
    assert.equal(m.counters.present_by_venue[String(meeting.venues[0].id)], 1)
  })

  test('live: the queue and the floor over the WebSocket, in order', async () => {
    const live = ok(await api.post(`/api/v1/meetings/${meeting.id}/state`, { state: 'live' }, { as: staff }))
    const room = `meeting:${meeting.id}`
    ws = (await openSocket(`${server.baseUrl}/api/v1/live`, { headers: { cookie: `sl_session=${member}` } })).client
    ws.send({ op: 'subscribe', room, after_seq: live.latest_seq })
    const sub = await ws.next((m) => m.room === room && m.op === 'subscribed')
    assert.equal(sub.seq, live.latest_seq)

    const q = ok(await api.post(`/api/v1/meetings/${meeting.id}/queue`, { agenda_item_id: live.agenda[1].id, note: '谈驿站助老' }, { as: member }), 201)
    assert.equal(q.state, 'waiting')
    problem(await api.post(`/api/v1/meetings/${meeting.id}/queue`, {}, { as: member }), 409, 'already_queued')
    problem(await api.post(`/api/v1/meetings/${meeting.id}/queue`, {}, { as: resident }), 403)
    problem(await api.post(`/api/v1/meetings/${meeting.id}/queue/${q.id}/floor`, { seconds: 120 }, { as: member }), 403)
    problem(await api.post(`/api/v1/meetings/${meeting.id}/queue/${q.id}/floor`, { seconds: 5 }, { as: staff }), 400, 'invalid_seconds')
    const floor = ok(await api.post(`/api/v1/meetings/${meeting.id}/queue/${q.id}/floor`, { seconds: 120 }, { as: staff }))
    assert.equal(floor.person_id, ids.member)
    assert.equal(Date.parse(floor.ends_at) - Date.parse(floor.started_at), 120_000)
    const queue = ok(await api.get(`/api/v1/meetings/${meeting.id}/queue`, { as: leader }))
    assert.equal(queue.floor.request_id, q.id)
    assert.equal((await api.request('POST', `/api/v1/meetings/${meeting.id}/floor/end`, { as: staff, json: {} })).status, 204)

    const e1 = await ws.next((m) => m.op === 'event' && m.room === room)
    const e2 = await ws.next((m) => m.op === 'event' && m.room === room)
    const e3 = await ws.next((m) => m.op === 'event' && m.room === room)
    assert.deepEqual([e1.event.type, e2.event.type, e3.event.type], ['queue.requested', 'floor.given', 'floor.ended'])
    assert.deepEqual([e1.seq, e2.seq, e3.seq], [live.latest_seq + 1, live.latest_seq + 2, live.latest_seq + 3])
    assert.equal(e2.event.data.request_id, q.id)

    const caught = ok(await api.get(`/api/v1/meetings/${meeting.id}/events?after_seq=${live.latest_seq}`, { as: member }))
    assert.deepEqual(caught.items.map((e) => e.type), ['queue.requested', 'floor.given', 'floor.ended'])
    assert.equal(caught.latest_seq, live.latest_seq + 3)
  })

  test('interventions: participants write and read; viewers do not', async () => {
    problem(await api.post(`/api/v1/meetings/${meeting.id}/interventions`, { body: 'x'.repeat(5001) }, { as: member }), 400, 'too_long')
    problem(await api.post(`/api/v1/meetings/${meeting.id}/interventions`, { body: '网友意见' }, { as: resident }), 403)
    const iv = ok(await api.post(`/api/v1/meetings/${meeting.id}/interventions`, { body: '建议给驿站助老服务运营补贴。' }, { as: member }), 201)
    const ev = await ws.next((m) => m.op === 'event' && m.event.type === 'intervention.created')
    assert.equal(ev.event.data.id, iv.id)
    const list = ok(await api.get(`/api/v1/meetings/${meeting.id}/interventions`, { as: leader }))
    assert.ok(list.items.some((i) => i.id === iv.id))
    problem(await api.get(`/api/v1/meetings/${meeting.id}/interventions`, { as: resident }), 403)
  })

  test('public comments: visible ones go live, sensitive ones are held, picks reach the room, rate limited', async () => {
    problem(await api.post(`/api/v1/meetings/${meeting.id}/comments`, { body: '你好' }), 401)
    problem(await api.post(`/api/v1/meetings/${meeting.id}/comments`, { body: '长'.repeat(501) }, { as: admin }), 400, 'too_long')
    const c1 = ok(await api.post(`/api/v1/meetings/${meeting.id}/comments`, { body: '希望驿站能帮老人代取药品。' }, { as: admin }), 201)
    assert.equal(c1.state, 'visible')
    const live = await ws.next((m) => m.op === 'event' && m.event.type === 'comment.created')
    assert.equal(live.event.data.id, c1.id)
    const held = ok(await api.post(`/api/v1/meetings/${meeting.id}/comments`, { body: '这里有网络赌博的广告' }, { as: admin }), 201)
    assert.equal(held.state, 'held')
    const seen = ok(await api.get(`/api/v1/meetings/${meeting.id}/comments`))
    assert.ok(seen.items.some((c) => c.id === c1.id))
    assert.ok(!seen.items.some((c) => c.id === held.id))
    problem(await api.get(`/api/v1/meetings/${meeting.id}/comments?state=held`, { as: resident }), 403)
    const heldList = ok(await api.get(`/api/v1/meetings/${meeting.id}/comments?state=held`, { as: staff }))
    assert.ok(heldList.items.some((c) => c.id === held.id))
    problem(await api.post(`/api/v1/meetings/${meeting.id}/comments/${held.id}/pick`, {}, { as: staff }), 409, 'comment_not_visible')
    ok(await api.post(`/api/v1/meetings/${meeting.id}/comments/${held.id}/moderate`, { action: 'reject' }, { as: staff }))
    problem(await api.post(`/api/v1/meetings/${meeting.id}/comments/${held.id}/moderate`, { action: 'bury' }, { as: staff }), 400)

    problem(await api.post(`/api/v1/meetings/${meeting.id}/comments/${c1.id}/pick`, {}, { as: member }), 403)
    const picked = ok(await api.post(`/api/v1/meetings/${meeting.id}/comments/${c1.id}/pick`, {}, { as: staff }))
    assert.equal(picked.picked, true)
    const pev = await ws.next((m) => m.op === 'event' && m.event.type === 'comment.picked')
    assert.equal(pev.event.data.id, c1.id)
    const list = ok(await api.get(`/api/v1/meetings/${meeting.id}/picked`))
    assert.deepEqual(list.items.map((c) => c.id), [c1.id])

    // Six a minute per person (the default): the seventh within the minute is refused.
    let limited
    for (let i = 0; i < 8 && !limited; i++) {
      const r = await api.post(`/api/v1/meetings/${meeting.id}/comments`, { body: `第 ${i} 条留言` }, { as: resident })
      if (r.status === 429) limited = r
      else assert.equal(r.status, 201, String(r))
    }
    assert.ok(limited, 'no 429 after 8 comments')
    problem(limited, 429, 'comment_rate_limited')
    assert.ok(Number(limited.header('retry-after')) >= 1)
  })

  test('end: absent and excused are marked; minutes; publish; the record', async () => {
    problem(await api.post(`/api/v1/meetings/${meeting.id}/state`, { state: 'ended' }, { as: member }), 403)
    ok(await api.post(`/api/v1/meetings/${meeting.id}/state`, { state: 'ended' }, { as: staff })) // the chair may end it
    const att = ok(await api.get(`/api/v1/meetings/${meeting.id}/attendance`, { as: cityStaff }))
    const status = Object.fromEntries(att.items.map((i) => [i.person_id, i.status]))
    assert.equal(status[ids.member], 'present')
    assert.equal(status[ids.leader], 'present')
    assert.equal(status[ids.excusedOne], 'excused')
    assert.equal(att.items.filter((i) => i.status === 'absent').length, 1) // the department's responder
    problem(await api.get(`/api/v1/meetings/${meeting.id}/attendance`, { as: resident }), 403)

    problem(await put(`/api/v1/meetings/${meeting.id}/minutes`, { body_md: 'x' }, { as: member }), 403)
    const mins = ok(await put(`/api/v1/meetings/${meeting.id}/minutes`, { body_md: '## 纪要\n\n一致同意试点驿站助老。' }, { as: cityStaff }))
    assert.match(mins.html, /<h2>纪要<\/h2>/)
    problem(await api.get(`/api/v1/meetings/${meeting.id}/minutes`, { as: member }), 403)
    problem(await api.get(`/api/v1/meetings/${meeting.id}/record`, { as: member }), 409, 'not_published')

    problem(await api.post(`/api/v1/meetings/${meeting.id}/outcomes`, { type: 'case', id: 999999999 }, { as: staff }), 400, 'invalid_outcome')
    problem(await api.post(`/api/v1/meetings/${meeting.id}/outcomes`, { type: 'poem', id: 1 }, { as: staff }), 400)

    ok(await api.post(`/api/v1/meetings/${meeting.id}/state`, { state: 'published' }, { as: staff }))
    problem(await put(`/api/v1/meetings/${meeting.id}/minutes`, { body_md: 'late edit' }, { as: cityStaff }), 409, 'minutes_locked')
    const pub = ok(await api.get(`/api/v1/meetings/${meeting.id}/minutes`, { as: resident }))
    assert.equal(pub.published, true)
    const rec = ok(await api.get(`/api/v1/meetings/${meeting.id}/record`))
    assert.equal(rec.meeting.state, 'published')
    assert.equal(rec.speeches.length, 1)
    assert.equal(rec.speeches[0].person_id, ids.member)
    assert.equal(rec.interventions.length, 1)
    assert.equal(rec.picked.length, 1)
    assert.equal(rec.attendance.counts.present, 2)
    assert.equal(rec.attendance.counts.absent, 1)
    assert.match(rec.minutes.body_md, /驿站助老/)
    assert.equal(rec.minutes.ledger.type, 'meeting_minutes')

    const duty = ok(await api.get(`/api/v1/people/${ids.member}/meeting-attendance`, { as: member }))
    assert.equal(duty.items.find((x) => x.meeting_id === meeting.id).status, 'present')
    problem(await api.get(`/api/v1/people/${ids.member}/meeting-attendance`, { as: resident }), 404)
  })

  test('an expired check-in code is refused once the clock passes the end', async () => {
    ok(await api.post('/api/v1/testing/clock', { advance_ms: 4 * 3600_000 }, { as: admin }))
    problem(await api.post(`/api/v1/meetings/${meeting.id}/checkin`, { token }, { as: member }), 400, 'checkin_expired')
  })
})

describe('the demo meetings', () => {
  test('a public live meeting with venues and a picked comment, a scheduled one, a published one', async () => {
    const list = ok(await api.get('/api/v1/meetings?limit=200'))
    const live = list.items.find((m) => m.title === '推进城乡养老服务一体化 远程协商会')
    assert.ok(live)
    assert.equal(live.state, 'live')
    assert.equal(live.venue_count, 3)
    const full = ok(await api.get(`/api/v1/meetings/${live.id}`, { as: member }))
    assert.ok(full.venues.some((v) => v.name === '临江市政协委员会客厅'))
    assert.ok(full.venues.some((v) => v.name === '东湖区快递驿站'))
    assert.equal(full.my.role, 'participant')
    assert.ok(full.chair_ids.includes(ids.staff))
    assert.equal(ok(await api.get(`/api/v1/meetings/${live.id}/picked`)).items.length, 1)
    assert.ok(list.items.some((m) => m.state === 'published'))
    const mine = ok(await api.get('/api/v1/meetings?mine=1&state=scheduled', { as: member }))
    assert.ok(mine.items.length >= 1)
  })
})
