// Deliberations (网络议政协商会) through the API, against the demo data set: the demo's open
// deliberation on elderly care, and fresh ones made here by 江南省政协's staff — configuration,
// states and phases, posts two levels deep, marks from roles, likes, edits and versions, the
// delete window, moderation, points answered by departments, the department console, events
// with contiguous sequence numbers (also under concurrent writers), visits, export, and the
// ledger data each record carries.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { DEPT_MZ, PROVINCE, sessionCookie, startServer, unique, uniqueMobile } from './harness.mjs'
import { openSocket } from './ws-client.mjs'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO } from './harness.mjs'

let server, api
let admin, staff, leader, member, dept, cityStaff, resident, publicToken
let prov, mz, cz

before(async () => {
  server = await startServer()
  api = server.api
  ;[admin, staff, leader, member, dept, cityStaff, resident] = await Promise.all(
    ['admin', 'staff', 'leader', 'member', 'dept_mz', 'city_staff', 'resident'].map((l) => api.login(l)),
  )
  prov = await api.orgByName(PROVINCE)
  mz = await api.orgByName(DEPT_MZ)
  cz = await api.orgByName('江南省财政厅')
  const mobile = uniqueMobile()
  assert.equal((await api.post('/api/v1/auth/sms-codes', { mobile, purpose: 'register' })).status, 202)
  const reg = await api.post('/api/v1/auth/register', { mobile, code: server.lastSmsCode(mobile), password: 'public-pass-1', display_name: '网友甲' })
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
function problem(r, status, code) {
  assert.equal(r.status, status, String(r))
  assert.match(r.contentType, /^application\/problem\+json/)
  if (code) assert.equal(r.json.code, code, String(r))
}

async function newDeliberation(extra = {}, { open = true } = {}) {
  const d = ok(
    await api.post(
      '/api/v1/deliberations',
      {
        org_id: prov.id,
        theme: `乡村振兴协商${unique()}`,
        description: '围绕**乡村振兴**建言。<script>alert(1)</script>',
        subtopics: [{ title: '产业振兴' }, { title: '人才振兴' }, { title: '生态振兴' }],
        phases: [
          { kind: 'speaking', name: '委员发言', starts_at: '2026-05-06T09:00:00+08:00', ends_at: '2026-05-20T18:00:00+08:00' },
          { kind: 'response', name: '部门回应', ends_at: '2030-05-31T18:00:00+08:00' },
        ],
        department_ids: [mz.id, cz.id],
        ...extra,
      },
      { as: staff },
    ),
    201,
  )
  if (open) ok(await api.post(`/api/v1/deliberations/${d.id}/state`, { state: 'open' }, { as: staff }))
  return d
}
const post = async (as, d, body) => ok(await api.post(`/api/v1/deliberations/${d}/posts`, body, { as }), 201)
const events = async (d, after = 0, as = staff) => ok(await api.get(`/api/v1/deliberations/${d}/events?after_seq=${after}&limit=1000`, { as }))

describe('the demo deliberation', () => {
  test('is open, public to comment, and shows speeches with points and department answers', async () => {
    const list = ok(await api.get('/api/v1/deliberations'))
    const demo = list.items.find((d) => d.theme.startsWith('推进基本养老服务体系建设'))
    assert.ok(demo, JSON.stringify(list))
    assert.equal(demo.state, 'open')
    assert.equal(demo.public_mode, 'comment')
    assert.equal(demo.current_phase.kind, 'speaking')
    assert.ok(demo.counts.posts >= 25, `posts: ${demo.counts.posts}`)
    const d = ok(await api.get(`/api/v1/deliberations/${demo.id}`))
    assert.equal(d.subtopics.length, 3)
    assert.equal(d.phases.length, 3)
    assert.deepEqual(d.departments.map((x) => x.name).sort(), ['江南省卫生健康委员会', '江南省民政厅', '江南省财政厅'].sort())
    const posts = await api.all(`/api/v1/deliberations/${demo.id}/posts?limit=5`)
    const speech = posts.find((p) => p.author.display_name === '陈志远')
    assert.ok(speech, 'the member account spoke')
    assert.equal(speech.points.length, 3)
    const states = Object.fromEntries(speech.points.map((p) => [p.department?.name ?? p.summary, p.state]))
    assert.equal(states['江南省财政厅'], 'accepted')
    assert.equal(states['江南省卫生健康委员会'], 'answered')
    assert.equal(states['江南省民政厅'], 'claimed')
    const answer = speech.points.find((p) => p.department?.name === '江南省财政厅').answers[0]
    assert.equal(answer.mark, 'department_answer')
    assert.equal(answer.author.role_label, '江南省财政厅')
    assert.ok(posts.some((p) => p.mark === 'leader_remark'), 'a leader remark')
    // dept_mz has the assigned point waiting in the console.
    const todo = ok(await api.get('/api/v1/me/points', { as: dept }))
    assert.ok(todo.items.some((p) => p.deliberation.id === demo.id && p.state === 'claimed' && p.department.name === DEPT_MZ), JSON.stringify(todo))
    const stats = ok(await api.get(`/api/v1/deliberations/${demo.id}/response-stats`))
    assert.equal(stats.items.length, 3)
    assert.equal(stats.items.find((s) => s.department.name === '江南省财政厅').points_accepted, 1)
  })
})

describe('a deliberation from draft to archive', () => {
  test('staff configure a draft that members cannot see; opening it records an event', async () => {
    const d = await newDeliberation({}, { open: false })
    assert.equal(d.state, 'draft')
    assert.doesNotMatch(d.description_html, /<script/)
    assert.match(d.description_html, /<strong>乡村振兴<\/strong>/)
    problem(await api.get(`/api/v1/deliberations/${d.id}`, { as: member }), 404, 'deliberation_not_found')
    ok(await api.get(`/api/v1/deliberations/${d.id}`, { as: leader }))
    const patched = ok(await api.patch(`/api/v1/deliberations/${d.id}`, { subtopics: [{ id: d.subtopics[0].id, title: '产业兴旺' }, { title: '乡风文明' }] }, { as: staff }))
    assert.deepEqual(patched.subtopics.map((s) => s.title), ['产业兴旺', '乡风文明'])
    assert.equal(patched.subtopics[0].id, d.subtopics[0].id)
    problem(await api.post(`/api/v1/deliberations/${d.id}/state`, { state: 'closed' }, { as: staff }), 409, 'invalid_transition')
    const opened = ok(await api.post(`/api/v1/deliberations/${d.id}/state`, { state: 'open' }, { as: staff }))
    assert.equal(opened.state, 'open')
    assert.ok(opened.opened_at)
    ok(await api.get(`/api/v1/deliberations/${d.id}`, { as: member }))
    const ph = ok(await api.post(`/api/v1/deliberations/${d.id}/phase`, { phase_id: d.phases[1].id }, { as: staff }))
    assert.equal(ph.current_phase.name, '部门回应')
    const ev = await events(d.id)
    assert.deepEqual(ev.items.map((e) => e.type), ['deliberation.updated', 'deliberation.state_changed', 'phase.changed'])
    assert.deepEqual(ev.items.map((e) => e.seq), [1, 2, 3])
    assert.equal(ev.last_seq, 3)
  })

  test('the staff console lists what the caller manages (manage=true), drafts included', async () => {
    const draft = await newDeliberation({}, { open: false })
    const city = await api.orgByName('临江市政协')
    const cityDraft = ok(await api.post('/api/v1/deliberations', { org_id: city.id, theme: `市级协商${unique()}` }, { as: cityStaff }), 201)
    const ids = async (as, q = 'manage=true') => ok(await api.get(`/api/v1/deliberations?${q}&limit=100`, { as })).items.map((d) => d.id)
    // Province staff manage their own and the city's (below them); city staff only the city's.
    const provIds = await ids(staff)
    assert.ok(provIds.includes(draft.id) && provIds.includes(cityDraft.id), JSON.stringify(provIds))
    const cityIds = await ids(cityStaff)
    assert.ok(cityIds.includes(cityDraft.id))
    assert.ok(!cityIds.includes(draft.id))
    // Leaders oversee (they read drafts) but manage nothing; members and departments neither.
    assert.ok((await ids(leader, 'manage=false')).includes(draft.id))
    assert.deepEqual(await ids(leader), [])
    assert.deepEqual(await ids(member), [])
    assert.deepEqual(await ids(dept), [])
    assert.ok((await ids(admin)).includes(cityDraft.id))
    // Filters combine; bad values and anonymous callers are refused.
    const drafts = ok(await api.get('/api/v1/deliberations?manage=true&state=draft&limit=100', { as: staff })).items
    assert.ok(drafts.length >= 2 && drafts.every((d) => d.state === 'draft'))
    problem(await api.get('/api/v1/deliberations?manage=maybe', { as: staff }), 400, 'invalid_manage')
    problem(await api.get('/api/v1/deliberations?manage=true'), 401, 'unauthenticated')
  })

  test('closed stays readable; archived cannot change', async () => {
    const d = await newDeliberation()
    const p = await post(member, d.id, { body: '结束前的发言' })
    ok(await api.post(`/api/v1/deliberations/${d.id}/state`, { state: 'closed' }, { as: staff }))
    problem(await api.post(`/api/v1/deliberations/${d.id}/posts`, { body: '晚了' }, { as: member }), 409, 'deliberation_not_open')
    assert.equal(ok(await api.get(`/api/v1/posts/${p.id}`, { as: member })).body, '结束前的发言')
    ok(await api.post(`/api/v1/deliberations/${d.id}/state`, { state: 'archived' }, { as: staff }))
    problem(await api.patch(`/api/v1/deliberations/${d.id}`, { theme: '改' }, { as: staff }), 409, 'deliberation_archived')
    assert.equal(ok(await api.get(`/api/v1/deliberations/${d.id}/posts`, { as: member })).items.length, 1)
  })

  test('the list names every participating organisation, host first; the page tells the delete window', async () => {
    const city = await api.orgByName('临江市政协')
    const joint = await newDeliberation({ org_ids: [city.id] })
    const single = await newDeliberation()
    const items = await api.all('/api/v1/deliberations?limit=50', { as: staff })
    const j = items.find((x) => x.id === joint.id)
    assert.equal(j.joint, true)
    assert.deepEqual(j.orgs.map((o) => o.id), [prov.id, city.id])
    assert.equal(j.orgs[1].name, '临江市政协')
    const s = items.find((x) => x.id === single.id)
    assert.equal(s.joint, false)
    assert.deepEqual(s.orgs, [{ id: prov.id, name: s.org.name }])
    const seen = ok(await api.get(`/api/v1/deliberations/${single.id}`, { as: member }))
    assert.equal(seen.my.delete_window_minutes, 30)
    assert.equal(seen.my.may_post, true)
  })
})

describe('speaking', () => {
  test('posts thread two levels deep; marks and roles come from who speaks', async () => {
    const d = await newDeliberation()
    const top = await post(member, d.id, { title: '发展特色产业', body: '建议**因地制宜**发展特色产业。\n\n<img src=x onerror=alert(1)>', subtopic_id: d.subtopics[0].id, mark: 'leader_remark' })
    assert.equal(top.kind, 'article')
    assert.equal(top.mark, null, 'the client cannot choose a mark')
    assert.equal(top.author.role_label, '委员')
    assert.doesNotMatch(top.html, /onerror|<img/)
    assert.match(top.html, /<strong>因地制宜<\/strong>/)
    assert.equal(top.seq, 1 + 1) // after the state change
    const r1 = await post(leader, d.id, { body: '很好的建议', parent_id: top.id })
    assert.equal(r1.mark, 'leader_remark')
    assert.equal(r1.depth, 1)
    assert.equal(r1.subtopic_id, d.subtopics[0].id)
    const r2 = await post(dept, d.id, { body: '民政厅会同研究', parent_id: r1.id })
    assert.equal(r2.mark, 'department_answer')
    assert.equal(r2.author.org.name, DEPT_MZ)
    assert.equal(r2.depth, 2)
    const r3 = await post(member, d.id, { body: '谢谢', parent_id: r2.id })
    assert.equal(r3.depth, 2)
    assert.equal(r3.parent_id, r1.id)
    assert.equal(r3.reply_to_id, r2.id)
    const thread = ok(await api.get(`/api/v1/posts/${top.id}`, { as: member }))
    assert.equal(thread.reply_count, 3)
    assert.deepEqual(thread.replies.map((r) => r.id), [r1.id, r2.id, r3.id])
    assert.equal(thread.deliberation.id, d.id)
    // Other organisations' staff neither read nor speak; the public only when allowed.
    problem(await api.post(`/api/v1/deliberations/${d.id}/posts`, { body: 'x' }, { as: cityStaff }), 404)
    problem(await api.get(`/api/v1/deliberations/${d.id}/posts`), 401)
  })

  test('public modes: read lets everyone watch; comment lets the signed-in public comment', async () => {
    const d = await newDeliberation({ public_mode: 'read' })
    const p = await post(member, d.id, { body: '公开的发言' })
    assert.equal(ok(await api.get(`/api/v1/deliberations/${d.id}/posts`)).items[0].id, p.id)
    problem(await api.post(`/api/v1/deliberations/${d.id}/posts`, { body: '路过' }, { as: publicToken }), 403)
    ok(await api.patch(`/api/v1/deliberations/${d.id}`, { public_mode: 'comment' }, { as: staff }))
    const c = await post(publicToken, d.id, { body: '群众的声音', parent_id: p.id })
    assert.equal(c.kind, 'comment')
    assert.equal(c.author.role_label, '公众')
    const c2 = await post(resident, d.id, { body: '村民也来说两句' })
    assert.equal(c2.kind, 'comment')
    problem(await api.post(`/api/v1/deliberations/${d.id}/posts`, { body: '长文', kind: 'article' }, { as: publicToken }), 403)
  })

  test('likes: one per person, undoable, counted in the event', async () => {
    const d = await newDeliberation()
    const p = await post(member, d.id, { body: '点赞测试' })
    for (const who of [leader, staff, leader]) ok(await api.post(`/api/v1/posts/${p.id}/like`, undefined, { as: who }))
    assert.equal(ok(await api.get(`/api/v1/posts/${p.id}`, { as: leader })).like_count, 2)
    assert.equal(ok(await api.get(`/api/v1/posts/${p.id}`, { as: leader })).liked_by_me, true)
    const undone = ok(await api.delete(`/api/v1/posts/${p.id}/like`, { as: leader }))
    assert.deepEqual(undone, { post_id: p.id, like_count: 1, liked_by_me: false })
    const likes = (await events(d.id)).items.filter((e) => e.type === 'post.liked').map((e) => e.data.like_count)
    assert.deepEqual(likes, [1, 2, 1])
  })

  test('edits keep every version; readers see "edited", staff the history', async () => {
    const d = await newDeliberation()
    const p = await post(member, d.id, { title: '初稿', body: '第一版' })
    ok(await api.patch(`/api/v1/posts/${p.id}`, { body: '第二版' }, { as: member }))
    const e = ok(await api.patch(`/api/v1/posts/${p.id}`, { title: '定稿', body: '第三版' }, { as: member }))
    assert.equal(e.edited, true)
    assert.equal(e.version, 3)
    problem(await api.patch(`/api/v1/posts/${p.id}`, { body: '篡改' }, { as: leader }), 403)
    problem(await api.get(`/api/v1/posts/${p.id}/versions`, { as: dept }), 403)
    const v = ok(await api.get(`/api/v1/posts/${p.id}/versions`, { as: staff }))
    assert.deepEqual(v.items.map((x) => x.body), ['第一版', '第二版', '第三版'])
    assert.deepEqual(v.items.map((x) => x.title), ['初稿', '初稿', '定稿'])
  })

  test('the author deletes within the window; the content leaves the event log', async () => {
    const d = await newDeliberation()
    const p = await post(member, d.id, { body: '说错了，删掉' })
    problem(await api.delete(`/api/v1/posts/${p.id}`, { as: staff }), 403)
    assert.equal((await api.delete(`/api/v1/posts/${p.id}`, { as: member })).status, 204)
    const seen = ok(await api.get(`/api/v1/posts/${p.id}`, { as: leader }))
    assert.equal(seen.state, 'deleted')
    assert.equal(seen.body, '')
    const ev = await events(d.id)
    assert.ok(!JSON.stringify(ev).includes('说错了'), JSON.stringify(ev))
    assert.equal(ev.items.at(-1).type, 'post.deleted')
  })
})

describe('moderation', () => {
  test('staff hide with a reason the author sees; reports are actioned; bans stop speaking', async () => {
    const d = await newDeliberation({ public_mode: 'read' })
    const p = await post(member, d.id, { body: '有问题的发言' })
    ok(await api.post(`/api/v1/posts/${p.id}/reports`, { reason: '内容不实' }, { as: leader }), 201)
    problem(await api.post(`/api/v1/posts/${p.id}/reports`, { reason: '再报' }, { as: leader }), 409, 'already_reported')
    const open = ok(await api.get(`/api/v1/deliberations/${d.id}/reports?state=open`, { as: staff }))
    assert.equal(open.items.length, 1)
    problem(await api.post(`/api/v1/posts/${p.id}/hide`, { reason: '' }, { as: staff }), 400)
    const hidden = ok(await api.post(`/api/v1/posts/${p.id}/hide`, { reason: '含有不实信息' }, { as: staff }))
    assert.equal(hidden.state, 'hidden')
    const anon = ok(await api.get(`/api/v1/posts/${p.id}`))
    assert.equal(anon.body, '')
    assert.equal(anon.moderation, undefined)
    assert.equal(anon.ledger, undefined)
    const mine = ok(await api.get(`/api/v1/posts/${p.id}`, { as: member }))
    assert.equal(mine.body, '有问题的发言')
    assert.equal(mine.moderation.reason, '含有不实信息')
    const inbox = ok(await api.get('/api/v1/inbox?limit=5', { as: member }))
    assert.ok(inbox.items.some((i) => i.kind === 'post.hidden' && i.body.includes('含有不实信息')), JSON.stringify(inbox.items))
    assert.equal(ok(await api.get(`/api/v1/deliberations/${d.id}/reports?state=actioned`, { as: staff })).items.length, 1)
    assert.ok(!JSON.stringify(await events(d.id, 0, leader)).includes('有问题的发言'))
    ok(await api.post(`/api/v1/posts/${p.id}/restore`, undefined, { as: staff }))
    // Removal erases the content for good; the ledger says when and why.
    const q = await post(member, d.id, { body: '必须删除的内容' })
    const removed = ok(await api.post(`/api/v1/posts/${q.id}/remove`, { reason: '含有他人隐私' }, { as: staff }))
    assert.equal(removed.state, 'removed')
    assert.equal(removed.erased.reason, 'moderation')
    const gone = ok(await api.get(`/api/v1/posts/${q.id}`, { as: member }))
    assert.equal(gone.body, '')
    assert.equal(gone.moderation.reason, '含有他人隐私')
    assert.equal(gone.erased.seq, removed.erased.seq)
    const trail = ok(await api.get(`/api/v1/ledger/objects/post/${q.id}`)).items.map((i) => JSON.parse(i.entry).action)
    assert.deepEqual(trail, ['post.created', 'post.erased'])
    assert.ok(!JSON.stringify(await events(d.id)).includes('必须删除的内容'))
    problem(await api.post(`/api/v1/posts/${q.id}/restore`, undefined, { as: staff }), 409)
    // A ban, then its end.
    const me = ok(await api.get('/api/v1/me', { as: member }))
    ok(await api.post(`/api/v1/deliberations/${d.id}/bans`, { person_id: me.id, reason: '多次违规' }, { as: staff }), 201)
    problem(await api.post(`/api/v1/deliberations/${d.id}/posts`, { body: '我还要说' }, { as: member }), 403, 'banned')
    assert.equal(ok(await api.get(`/api/v1/deliberations/${d.id}`, { as: member })).my.banned, true)
    assert.equal((await api.delete(`/api/v1/deliberations/${d.id}/bans/${me.id}`, { as: staff })).status, 204)
    await post(member, d.id, { body: '解禁后发言' })
  })
})

describe('points and answers (认领回应)', () => {
  test('split, assign or claim, answer, ask again, accept; the console and the stats follow', async () => {
    const d = await newDeliberation()
    const p = await post(member, d.id, { body: '一是加大财政投入；二是推进健康扶贫；三是关爱贫困老人。' })
    problem(await api.post(`/api/v1/posts/${p.id}/points`, { quote: '原文没有' }, { as: member }), 400, 'quote_not_in_post')
    const a = ok(await api.post(`/api/v1/posts/${p.id}/points`, { quote: '加大财政投入' }, { as: member }), 201)
    assert.equal(a.state, 'open')
    assert.equal(a.deadline_at, '2030-05-31T10:00:00.000Z', 'the end of the response phase')
    const b = ok(await api.post(`/api/v1/posts/${p.id}/points`, { quote: '关爱贫困老人', department_id: mz.id, deadline_at: '2030-01-01T00:00:00Z' }, { as: staff }), 201)
    assert.equal(b.state, 'claimed')
    assert.equal(b.taken_how, 'assigned')
    // 民政厅 sees both: one to claim, one to answer.
    const todo = ok(await api.get('/api/v1/me/points?state=todo', { as: dept }))
    const mine = todo.items.filter((x) => x.deliberation.id === d.id).map((x) => x.id)
    assert.deepEqual(mine, [a.id, b.id])
    assert.equal(todo.items.find((x) => x.id === b.id).post.excerpt, '一是加大财政投入；二是推进健康扶贫；三是关爱贫困老人。')
    const claimed = ok(await api.post(`/api/v1/points/${a.id}/claim`, undefined, { as: dept }))
    assert.equal(claimed.department.name, DEPT_MZ)
    problem(await api.post(`/api/v1/points/${a.id}/claim`, undefined, { as: dept }), 409, 'point_taken')
    const answered = ok(await api.post(`/api/v1/points/${a.id}/answers`, { body: '我厅将会同财政厅研究。' }, { as: dept }), 201)
    assert.equal(answered.state, 'answered')
    assert.equal(answered.answers.length, 1)
    assert.ok(answered.response_ms >= 0)
    problem(await api.post(`/api/v1/points/${a.id}/accept`, undefined, { as: leader }), 403)
    const again = ok(await api.post(`/api/v1/points/${a.id}/ask-again`, { body: '何时出台？' }, { as: member }))
    assert.equal(again.state, 'claimed')
    assert.equal(again.asked_again, 1)
    ok(await api.post(`/api/v1/points/${a.id}/answers`, { body: '年内出台。' }, { as: dept }), 201)
    const accepted = ok(await api.post(`/api/v1/points/${a.id}/accept`, undefined, { as: member }))
    assert.equal(accepted.state, 'accepted')
    assert.equal(accepted.answers.length, 2)
    assert.equal(accepted.follow_ups.length, 1)
    // The thread holds the answers and the follow-up; the page shows the points under the post.
    const thread = ok(await api.get(`/api/v1/posts/${p.id}`, { as: leader }))
    assert.equal(thread.replies.filter((r) => r.mark === 'department_answer').length, 2)
    assert.equal(thread.points.length, 2)
    const types = (await events(d.id)).items.map((e) => e.type).filter((t) => t.startsWith('point.'))
    assert.deepEqual(types, ['point.created', 'point.created', 'point.claimed', 'point.answered', 'point.asked_again', 'point.answered', 'point.accepted'])
    const stats = ok(await api.get(`/api/v1/deliberations/${d.id}/response-stats`, { as: member }))
    const s = stats.items.find((x) => x.department.id === mz.id)
    assert.equal(s.points_taken, 2)
    assert.equal(s.points_answered, 1)
    assert.equal(s.points_accepted, 1)
    assert.equal(s.answers, 2)
    assert.equal(typeof s.median_response_ms, 'number')
    assert.equal(stats.items.find((x) => x.department.id === cz.id).points_taken, 0)
    // The author is told of the answers.
    const inbox = ok(await api.get('/api/v1/inbox?limit=20', { as: member }))
    assert.ok(inbox.items.some((i) => i.kind === 'point.answered'), JSON.stringify(inbox.items))
  })
})

describe('the event log', () => {
  test('sequence numbers stay 1, 2, 3… under concurrent writers, and after_seq catches up', async () => {
    const d = await newDeliberation()
    const writers = [member, leader, staff, dept, admin]
    const n = 40
    const made = await Promise.all(
      Array.from({ length: n }, (_, i) => api.post(`/api/v1/deliberations/${d.id}/posts`, { body: `并发发言 ${i}` }, { as: writers[i % writers.length] })),
    )
    for (const r of made) assert.equal(r.status, 201, String(r))
    const all = await events(d.id)
    assert.deepEqual(all.items.map((e) => e.seq), Array.from({ length: n + 1 }, (_, i) => i + 1))
    assert.deepEqual(new Set(made.map((r) => r.json.seq)).size, n, 'every post its own seq')
    const tail = ok(await api.get(`/api/v1/deliberations/${d.id}/events?after_seq=${n - 2}&limit=2`, { as: member }))
    assert.deepEqual(tail.items.map((e) => e.seq), [n - 1, n])
    assert.equal(tail.has_more, true)
    assert.equal(tail.last_seq, n + 1)
    const page = ok(await api.get(`/api/v1/deliberations/${d.id}/posts?limit=50`, { as: member }))
    assert.equal(page.items.length, n)
    assert.equal(page.last_seq, n + 1)
  })

  test('pages of posts carry ETags and walk with cursors', async () => {
    const d = await newDeliberation()
    for (let i = 0; i < 5; i++) await post(member, d.id, { body: `第${i}条` })
    const seen = await api.all(`/api/v1/deliberations/${d.id}/posts?limit=2&order=asc`, { as: member })
    assert.deepEqual(seen.map((p) => p.body), ['第0条', '第1条', '第2条', '第3条', '第4条'])
    const r = await api.get(`/api/v1/deliberations/${d.id}/posts`, { as: member })
    assert.equal((await api.get(`/api/v1/deliberations/${d.id}/posts`, { as: member, headers: { 'if-none-match': r.header('etag') } })).status, 304)
    problem(await api.get(`/api/v1/deliberations/${d.id}/posts?order=sideways`, { as: member }), 400, 'invalid_order')
  })

  test('the public page (cached for anonymous readers) changes with every like, edit, hide and rename', async () => {
    const d = await newDeliberation({ public_mode: 'read' })
    const p = await post(member, d.id, { title: '公开', body: '第一版' })
    const path = `/api/v1/deliberations/${d.id}/posts?limit=50`
    const read = async () => {
      const r = await api.get(path)
      assert.equal(r.status, 200, String(r))
      return { etag: r.header('etag'), page: r.json, item: r.json.items.find((x) => x.id === p.id) }
    }
    const first = await read()
    const again = await read()
    assert.equal(again.etag, first.etag)
    assert.equal((await api.get(path, { headers: { 'if-none-match': first.etag } })).status, 304)
    // Each change is on the next read, with a new ETag; the old one no longer matches.
    ok(await api.post(`/api/v1/posts/${p.id}/like`, undefined, { as: leader }))
    const liked = await read()
    assert.equal(liked.item.like_count, 1)
    assert.equal(liked.item.liked_by_me, false)
    assert.notEqual(liked.etag, first.etag)
    assert.equal((await api.get(path, { headers: { 'if-none-match': first.etag } })).status, 200)
    ok(await api.patch(`/api/v1/posts/${p.id}`, { body: '第二版' }, { as: member }))
    assert.equal((await read()).item.body, '第二版')
    const me = ok(await api.get('/api/v1/me', { as: member }))
    ok(await api.patch('/api/v1/me', { display_name: '陈志远（新）' }, { as: member }))
    assert.equal((await read()).item.author.display_name, '陈志远（新）')
    ok(await api.patch('/api/v1/me', { display_name: me.display_name }, { as: member }))
    assert.equal((await read()).item.author.display_name, me.display_name)
    ok(await api.post(`/api/v1/posts/${p.id}/hide`, { reason: '请修改' }, { as: staff }))
    const hidden = await read()
    assert.equal(hidden.item.state, 'hidden')
    assert.equal(hidden.item.body, '')
    // A signed-in reader's page is their own: their like shows, the author sees their hidden text.
    const mine = ok(await api.get(path, { as: member }))
    assert.equal(mine.items.find((x) => x.id === p.id).body, '第二版')
    assert.equal((await read()).item.body, '')
  })
})

describe('search', () => {
  test('finds posts in what each caller may read, 简体 and 繁體 alike, and forgets hidden ones', async () => {
    const d = await newDeliberation()
    const p = await post(member, d.id, { title: '关于社区助餐点的建议', body: `建议在老旧小区设立**助餐点** ${unique()}`, subtopic_id: d.subtopics[0].id })
    const find = async (q, as, extra = '') => ok(await api.get(`/api/v1/search?q=${encodeURIComponent(q)}&deliberation_id=${d.id}${extra}`, { as }))
    const hits = await find('助餐', member)
    assert.deepEqual(hits.items.map((h) => h.id), [p.id])
    assert.match(hits.items[0].snippet_html, /<mark>助餐<\/mark>/)
    assert.doesNotMatch(hits.items[0].snippet_html, /\*\*/, 'Markdown is indexed as text')
    assert.equal(hits.items[0].subtopic, '产业振兴')
    assert.equal(hits.items[0].author_id, p.author.id)
    assert.equal(hits.items[0].author_name, p.author.display_name, 'hits name their author')
    assert.deepEqual((await find('助餐點', member)).items.map((h) => h.id), [p.id])
    assert.deepEqual((await find('助餐', member, `&author_id=${p.author.id}`)).items.length, 1)
    // Not readable: 404 for the named deliberation, nothing from it when searching everywhere.
    problem(await api.get(`/api/v1/search?q=${encodeURIComponent('助餐')}&deliberation_id=${d.id}`, { as: cityStaff }), 404)
    const everywhere = ok(await api.get(`/api/v1/search?q=${encodeURIComponent('老旧小区设立')}`, { as: cityStaff }))
    assert.ok(!everywhere.items.some((h) => h.deliberation_id === d.id))
    ok(await api.post(`/api/v1/posts/${p.id}/hide`, { reason: '重复' }, { as: staff }))
    assert.equal((await find('助餐', member)).items.length, 0)
    ok(await api.post(`/api/v1/posts/${p.id}/restore`, undefined, { as: staff }))
    assert.equal((await find('助餐', member)).items.length, 1)
  })

  test('the demo deliberation is public: anyone finds its speeches', async () => {
    const r = ok(await api.get(`/api/v1/search?q=${encodeURIComponent('長期護理保險')}`))
    assert.ok(r.items.length >= 1, JSON.stringify(r))
  })

  test('sensitive words are refused with the words named; edits too', async () => {
    const d = await newDeliberation()
    const r = await api.post(`/api/v1/deliberations/${d.id}/posts`, { body: '有人在群里组织网络赌博' }, { as: member })
    problem(r, 422, 'sensitive_words')
    assert.deepEqual(r.json.words, ['网络赌博'])
    const p = await post(member, d.id, { body: '正常的发言' })
    problem(await api.patch(`/api/v1/posts/${p.id}`, { body: '改成網絡賭博' }, { as: member }), 422, 'sensitive_words')
  })
})

describe('attachments', () => {
  test('files go with the post: its readers read them; hiding hides them; removing deletes them', async () => {
    const d = await newDeliberation()
    const up = await api.request('POST', '/api/v1/attachments?name=调研报告.pdf', { as: member, body: readFileSync(join(REPO, 'tests/fixtures/attachments/doc.pdf')) })
    assert.equal(up.status, 201, String(up))
    const p = await post(member, d.id, { title: '附调研报告', body: '详见附件', attachment_ids: [up.json.id] })
    assert.deepEqual(p.attachments.map((a) => a.id), [up.json.id])
    const page = ok(await api.get(`/api/v1/deliberations/${d.id}/posts`, { as: leader }))
    assert.equal(page.items[0].attachments[0].name, '调研报告.pdf')
    const content = `/api/v1/attachments/${up.json.id}/content`
    assert.equal((await api.get(content, { as: leader })).status, 200)
    assert.equal((await api.get(content, { as: cityStaff })).status, 404)
    // Someone else's upload cannot be attached.
    const other = await api.request('POST', '/api/v1/attachments?name=x.pdf', { as: leader, body: readFileSync(join(REPO, 'tests/fixtures/attachments/doc.pdf')) })
    problem(await api.post(`/api/v1/deliberations/${d.id}/posts`, { body: '盗用附件', attachment_ids: [other.json.id] }, { as: member }), 404)
    ok(await api.post(`/api/v1/posts/${p.id}/hide`, { reason: '核实中' }, { as: staff }))
    assert.equal((await api.get(content, { as: leader })).status, 200, 'staff and leaders still see it')
    assert.equal((await api.get(content, { as: dept })).status, 404)
    assert.equal((await api.get(content, { as: member })).status, 200, 'its author too')
    ok(await api.post(`/api/v1/posts/${p.id}/remove`, { reason: '泄露隐私' }, { as: staff }))
    assert.equal((await api.get(content, { as: member })).status, 404)
  })
})

describe('live', () => {
  test('readers watch deliberation:<id> and get every event as committed; others are refused', async () => {
    const d = await newDeliberation()
    const room = `deliberation:${d.id}`
    const r = await openSocket(`${server.baseUrl}/api/v1/live`, { headers: { cookie: `sl_session=${leader}` } })
    assert.equal(r.status, 101)
    const ws = r.client
    ws.send({ op: 'subscribe', room, after_seq: 0 })
    const sub = await ws.next((m) => m.room === room)
    assert.deepEqual(sub, { op: 'subscribed', room, seq: 1 })
    const p = await post(member, d.id, { body: '直播中的发言' })
    const ev = await ws.next((m) => m.op === 'event' && m.room === room)
    assert.equal(ev.seq, 2)
    assert.equal(ev.event.type, 'post.created')
    assert.equal(ev.event.data.id, p.id)
    assert.equal(ev.event.data.body, '直播中的发言')
    ok(await api.post(`/api/v1/posts/${p.id}/like`, undefined, { as: staff }))
    const liked = await ws.next((m) => m.op === 'event' && m.room === room && m.seq === 3)
    assert.deepEqual(liked.event.data, { post_id: p.id, like_count: 1 })
    // What was pushed is what catching up returns.
    const caught = await events(d.id, 1, leader)
    assert.deepEqual(caught.items, [ev.event, liked.event])
    await ws.close()
    // Outsiders and the anonymous cannot watch a members-only deliberation.
    const anon = (await openSocket(`${server.baseUrl}/api/v1/live`)).client
    anon.send({ op: 'subscribe', room })
    const refused = await anon.next((m) => m.room === room)
    assert.equal(refused.op, 'error')
    await anon.close()
  })
})

describe('visits and records', () => {
  test('visits count once per visitor per day; the anonymous get a cookie', async () => {
    const d = await newDeliberation({ public_mode: 'read' })
    const first = await api.post(`/api/v1/deliberations/${d.id}/visits`)
    assert.equal(first.status, 200, String(first))
    const cookie = /sl_visitor=([0-9a-f]{32})/.exec(first.header('set-cookie') ?? '')
    assert.ok(cookie, first.header('set-cookie'))
    assert.deepEqual(first.json, { visits: 1, unique_viewers: 1 })
    const again = ok(await api.post(`/api/v1/deliberations/${d.id}/visits`, undefined, { headers: { cookie: `sl_visitor=${cookie[1]}` } }))
    assert.deepEqual(again, { visits: 1, unique_viewers: 1 })
    ok(await api.post(`/api/v1/deliberations/${d.id}/visits`, undefined, { as: member }))
    ok(await api.post(`/api/v1/deliberations/${d.id}/visits`, undefined, { as: member }))
    assert.deepEqual(ok(await api.get(`/api/v1/deliberations/${d.id}`)).counts, { visits: 2, unique_viewers: 2, posts: 0 })
  })

  test('records carry their ledger data, and it matches the ledger', async () => {
    const d = await newDeliberation()
    const p = await post(member, d.id, { body: '留痕可核验' })
    ok(await api.patch(`/api/v1/posts/${p.id}`, { body: '留痕可核验（改）' }, { as: member }))
    for (const [path, type, id] of [[`/api/v1/posts/${p.id}`, 'post', p.id], [`/api/v1/deliberations/${d.id}`, 'deliberation', d.id]]) {
      const rec = ok(await api.get(path, { as: member }))
      assert.equal(rec.ledger.type, type)
      const hash = createHash('sha256').update(rec.ledger.salt + '\n' + rec.ledger.content).digest('hex')
      const entries = ok(await api.get(`/api/v1/ledger/objects/${type}/${id}`)).items.map((i) => JSON.parse(i.entry))
      assert.equal(entries.at(-1).content, hash, `${type}/${id}: ${JSON.stringify(entries.at(-1))}`)
    }
    const entries = ok(await api.get(`/api/v1/ledger/objects/post/${p.id}`)).items.map((i) => JSON.parse(i.entry).action)
    assert.deepEqual(entries, ['post.created', 'post.edited'])
  })

  test('my contributions span deliberations; the export is a workbook', async () => {
    const a = await newDeliberation()
    const b = await newDeliberation()
    const pa = await post(member, a.id, { body: '甲处发言' })
    const pb = await post(member, b.id, { body: '乙处发言' })
    const mine = await api.all('/api/v1/me/contributions?limit=50', { as: member })
    const byId = Object.fromEntries(mine.map((x) => [x.id, x]))
    assert.equal(byId[pa.id].deliberation.theme, a.theme)
    assert.equal(byId[pb.id].deliberation.theme, b.theme)
    const x = await api.get(`/api/v1/deliberations/${a.id}/export.xlsx`, { as: leader })
    assert.equal(x.status, 200, String(x))
    assert.match(x.contentType, /spreadsheetml/)
    assert.equal(x.bytes.subarray(0, 2).toString(), 'PK')
    problem(await api.get(`/api/v1/deliberations/${a.id}/export.xlsx`, { as: member }), 403)
  })
})
