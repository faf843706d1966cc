// The permission matrix: every route of /api/v1/openapi.json × every kind of caller, with the
// status each must get. A route in the document without a row here fails the test, and so does
// a row for a route the document lacks.
//
// Callers (demo accounts, password shangliang-demo):
//   anonymous   no session
//   public      a member of the public, registered here by SMS code (no memberships)
//   member      委员 of 江南省政协 and 临江市政协
//   responder   dept_mz, 部门联络员 of 江南省民政厅 (a department under the province)
//   leader      领导 of 江南省政协
//   staff       工作人员 of 江南省政协 (reaches down to its cities and counties)
//   city_staff  工作人员 of 临江市政协 only
//   admin       管理员 of 江南省政协 and platform superadmin
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CITY, COUNTY, DEMO_PASSWORD, DEPT_MZ, PROVINCE, REPO, sessionCookie, startServer, unique, uniqueMobile } from './harness.mjs'

const ROLES = ['anonymous', 'public', 'member', 'responder', 'leader', 'staff', 'city_staff', 'admin']
const LOGINS = { member: 'member', responder: 'dept_mz', leader: 'leader', staff: 'staff', city_staff: 'city_staff', admin: 'admin' }

let server, api
const token = {} // role -> session token
const creds = {} // role -> {login, password}
const ctx = {} // ids of the targets

/** Expected statuses in ROLES order, e.g. ex('401 403 403 403 200 200 403 200'); one value = all. */
function ex(spec) {
  const v = spec.trim().split(/\s+/).map(Number)
  if (v.length === 1) return Object.fromEntries(ROLES.map((r) => [r, v[0]]))
  assert.equal(v.length, ROLES.length, `bad expectation ${spec}`)
  return Object.fromEntries(ROLES.map((r, i) => [r, v[i]]))
}

// Fixtures, made by the superadmin so each call acts on something fresh.
async function freshOrg() {
  const r = await api.post('/api/v1/orgs', { parent_id: ctx.city, name: `矩阵区${unique()}`, level: 'county', kind: 'cppcc' }, { as: token.admin })
  assert.equal(r.status, 201, `fixture org: ${r}`)
  return r.json.id
}
async function freshSector(org = ctx.prov) {
  const r = await api.post(`/api/v1/orgs/${org}/sectors`, { name: `矩阵界${unique()}` }, { as: token.admin })
  assert.equal(r.status, 201, `fixture sector: ${r}`)
  return r.json.id
}
async function freshMembership(org = ctx.prov) {
  const r = await api.post(`/api/v1/orgs/${org}/members`, { display_name: '矩阵人', login: `mx${unique()}`, role: 'member' }, { as: token.admin })
  assert.equal(r.status, 201, `fixture membership: ${r}`)
  return { membership: r.json.id, person: r.json.person.id }
}
// A person erased by the superadmin (reading or erasing them again answers 410).
async function erasedPerson() {
  const { person } = await freshMembership()
  const r = await api.delete(`/api/v1/people/${person}`, { as: token.admin })
  assert.equal(r.status, 200, `fixture erasure: ${r}`)
  return person
}
// A session of a fresh person with a password, to erase themselves.
async function freshSelf() {
  const login = `me${unique()}`
  const r = await api.post(`/api/v1/orgs/${ctx.prov}/members`, { display_name: '矩阵自删', login, password: 'matrix-self-1', role: 'member' }, { as: token.admin })
  assert.equal(r.status, 201, `fixture person: ${r}`)
  return api.login(login, 'matrix-self-1')
}
const csvRow = () => `display_name,login,role\n矩阵导入,ri${unique()},委员\n`
const attachmentSample = (name) => readFileSync(join(REPO, 'tests/fixtures/attachments', name))
// An upload by the member (委员), not attached to anything: only its uploader may see it.
async function memberUpload(file = 'doc.pdf') {
  const r = await api.request('POST', `/api/v1/attachments?name=${file}`, { as: token.member, body: attachmentSample(file) })
  assert.equal(r.status, 201, `fixture upload: ${r}`)
  return r.json.id
}

// Deliberations: made and moved along by the superadmin. ctx.delib is the province's, open,
// members only, with 民政厅 invited; ctx.pubDelib takes public comments.
async function freshDelib({ open = true, publicMode = 'closed' } = {}) {
  const r = await api.post(
    '/api/v1/deliberations',
    {
      org_id: ctx.prov,
      theme: `矩阵协商${unique()}`,
      department_ids: [ctx.dept],
      public_mode: publicMode,
      phases: [{ kind: 'speaking', name: '发言' }, { kind: 'response', name: '回应' }],
    },
    { as: token.admin },
  )
  assert.equal(r.status, 201, `fixture deliberation: ${r}`)
  if (open) assert.equal((await api.post(`/api/v1/deliberations/${r.json.id}/state`, { state: 'open' }, { as: token.admin })).status, 200)
  return r.json
}
async function freshPost(delib = ctx.delib) {
  const r = await api.post(`/api/v1/deliberations/${delib}/posts`, { title: '矩阵发言', body: `加大财政投入 ${unique()}` }, { as: token.member })
  assert.equal(r.status, 201, `fixture post: ${r}`)
  return r.json.id
}
// A point of a fresh post by the 委员, in `state`: open, claimed (assigned to 民政厅) or answered.
async function freshPoint(state = 'open') {
  const post = await freshPost()
  const r = await api.post(`/api/v1/posts/${post}/points`, { quote: '加大财政投入' }, { as: token.member })
  assert.equal(r.status, 201, `fixture point: ${r}`)
  const id = r.json.id
  if (state !== 'open') {
    const a = await api.post(`/api/v1/points/${id}/assign`, { department_id: ctx.dept }, { as: token.admin })
    assert.equal(a.status, 200, `fixture assign: ${a}`)
  }
  if (state === 'answered') {
    const a = await api.post(`/api/v1/points/${id}/answers`, { body: '民政厅回应' }, { as: token.responder })
    assert.equal(a.status, 201, `fixture answer: ${a}`)
  }
  return id
}
async function freshReport() {
  const r = await api.post(`/api/v1/posts/${await freshPost()}/reports`, { reason: '矩阵举报' }, { as: token.leader })
  assert.equal(r.status, 201, `fixture report: ${r}`)
  return r.json.id
}
async function freshBan() {
  const { person } = await freshMembership()
  const r = await api.post(`/api/v1/deliberations/${ctx.delib}/bans`, { person_id: person, reason: '矩阵禁言' }, { as: token.admin })
  assert.equal(r.status, 201, `fixture ban: ${r}`)
  return person
}

// Topics: fresh ones by the 委员 in the province's demo call; fresh calls by the superadmin.
async function freshTopic() {
  const r = await api.post('/api/v1/topics', { call_id: ctx.topicCall, title: `矩阵议题${unique()}`, body: '建议协商' }, { as: token.member })
  assert.equal(r.status, 201, `fixture topic: ${r}`)
  return r.json.id
}
async function freshTopicCall() {
  const r = await api.post('/api/v1/topic-calls', { org_id: ctx.prov, theme: `矩阵征集${unique()}`, audience: { public: true } }, { as: token.admin })
  assert.equal(r.status, 201, `fixture call: ${r}`)
  return r.json.id
}
// Surveys of the province, made by the superadmin: ctx.memSurvey for its members (results for
// staff and leaders), ctx.pubSurvey for the public (results for all, no address limit).
const surveyQuestions = [
  { id: 'q1', type: 'single', title: '您常坐公交吗', options: [{ id: 'a', label: '经常' }, { id: 'b', label: '偶尔' }] },
  { id: 'q2', type: 'short_text', title: '建议', required: false },
]
async function freshSurvey({ open = true, audience = 'members', results = 'staff' } = {}) {
  const r = await api.post(
    '/api/v1/surveys',
    { org_id: ctx.prov, title: `矩阵问卷${unique()}`, audience, results_visibility: results, max_per_address: 0, questions: surveyQuestions },
    { as: token.admin },
  )
  assert.equal(r.status, 201, `fixture survey: ${r}`)
  if (open) assert.equal((await api.post(`/api/v1/surveys/${r.json.id}/state`, { state: 'open' }, { as: token.admin })).status, 200)
  return r.json.id
}
// Cases: a proposal of the 委员 to the province, moved along by the superadmin. 'handling'
// ones are assigned to 民政厅 (the responder's department).
async function freshCase(state = 'submitted') {
  const submit = state !== 'draft'
  const r = await api.post('/api/v1/cases', { org_id: ctx.prov, kind: 'proposal', title: `矩阵提案${unique()}`, body: '正文', submit }, { as: token.member })
  assert.equal(r.status, 201, `fixture case: ${r}`)
  const id = r.json.id
  if (state === 'handling') {
    assert.equal((await api.post(`/api/v1/cases/${id}/actions/accept`, {}, { as: token.admin })).status, 200)
    const a = await api.post(`/api/v1/cases/${id}/actions/assign`, { lead_unit_id: ctx.dept }, { as: token.admin })
    assert.equal(a.status, 200, `fixture assign: ${a}`)
  }
  return id
}
// A calendar day the superadmin adds, for a role to remove (only the superadmin/admin may).
async function freshCalendarDay(org) {
  const date = `2031-0${1 + (calendarDays % 9)}-${String(10 + (Math.floor(calendarDays / 9) % 18)).padStart(2, '0')}`
  calendarDays++
  const path = org ? `/api/v1/orgs/${org}/calendar/days` : '/api/v1/calendar/days'
  const r = await api.post(path, { days: [{ date, kind: 'holiday', name: '矩阵假日' }] }, { as: token.admin })
  assert.equal(r.status, 200, `fixture calendar day: ${r}`)
  return date
}
let calendarDays = 0

// Meetings of the province, made by the superadmin: the 委员 invited, city_staff the secretary
// and host of the branch venue. state: draft | scheduled | live (started ten minutes ago).
async function freshMeeting({ state = 'live', pub = true, floor = false } = {}) {
  const now = Date.now()
  const r = await api.post('/api/v1/meetings', {
    org_id: ctx.prov, title: `矩阵会议${unique()}`, starts_at: new Date(now - 10 * 60_000).toISOString(),
    ends_at: new Date(now + 2 * 3600_000).toISOString(), public: pub, comments: 'open', secretary_ids: [ctx.cityPerson],
    agenda: [{ title: '议程一' }], venues: [{ name: '主会场', main: true }, { name: '分会场', host_id: ctx.cityPerson }],
    invite: { person_ids: [ctx.memberPerson] },
  }, { as: token.admin })
  assert.equal(r.status, 201, `fixture meeting: ${r}`)
  const m = r.json
  for (const st of state === 'draft' ? [] : state === 'scheduled' ? ['scheduled'] : ['scheduled', 'live']) {
    const x = await api.post(`/api/v1/meetings/${m.id}/state`, { state: st }, { as: token.admin })
    assert.equal(x.status, 200, `fixture meeting state: ${x}`)
  }
  if (floor) {
    const q = await api.post(`/api/v1/meetings/${m.id}/queue`, {}, { as: token.member })
    assert.equal(q.status, 201, `fixture queue: ${q}`)
    m.request = q.json.id
    const f = await api.post(`/api/v1/meetings/${m.id}/queue/${q.json.id}/floor`, { seconds: 60 }, { as: token.admin })
    assert.equal(f.status, 200, `fixture floor: ${f}`)
  }
  return m
}
async function freshQueueRequest() {
  const m = await freshMeeting()
  const q = await api.post(`/api/v1/meetings/${m.id}/queue`, {}, { as: token.member })
  assert.equal(q.status, 201, `fixture queue: ${q}`)
  return { meeting: m.id, request: q.json.id }
}
async function meetingOutcome() {
  const r = await api.post(`/api/v1/meetings/${ctx.meeting.id}/outcomes`, { type: 'deliberation', id: ctx.delib }, { as: token.admin })
  assert.equal(r.status, 201, `fixture outcome: ${r}`)
  return `/api/v1/meetings/${ctx.meeting.id}/outcomes/deliberation/${ctx.delib}`
}

// route -> cases; each case builds a request for a role and says what each role must get.
// A request is {method, path, json?, csv?, as?: token (default: the role's own)}.
const MATRIX = {
  'GET /healthz': [{ req: () => ({ path: '/healthz' }), expect: ex('200') }],
  'GET /readyz': [{ req: () => ({ path: '/readyz' }), expect: ex('200') }],
  'GET /metrics': [{ req: () => ({ path: '/metrics' }), expect: ex('200') }],
  'GET /api/v1/openapi.json': [{ req: () => ({ path: '/api/v1/openapi.json' }), expect: ex('200') }],
  // The live WebSocket: a plain GET (no upgrade) is 426 for everyone; subscriptions are checked
  // per room inside the socket (tests/integration/live.test.mjs).
  'GET /api/v1/live': [{ req: () => ({ path: '/api/v1/live' }), expect: ex('426') }],

  // The ledger is public and read-only: the same answer for everyone.
  'GET /api/v1/ledger/key': [{ req: () => ({ path: '/api/v1/ledger/key' }), expect: ex('200') }],
  'GET /api/v1/ledger/checkpoint': [{ req: () => ({ path: '/api/v1/ledger/checkpoint' }), expect: ex('200') }],
  'GET /api/v1/ledger/entries': [{ req: () => ({ path: '/api/v1/ledger/entries?after=0&limit=5' }), expect: ex('200') }],
  'GET /api/v1/ledger/objects/{type}/{id}': [{ req: () => ({ path: `/api/v1/ledger/objects/org/${ctx.prov}` }), expect: ex('200') }],
  'GET /api/v1/ledger/checkpoints': [{ req: () => ({ path: '/api/v1/ledger/checkpoints?limit=5' }), expect: ex('200') }],
  'GET /api/v1/ledger/witnesses': [{ req: () => ({ path: '/api/v1/ledger/witnesses' }), expect: ex('200') }],
  // Public: the signature is the credential. This server accepts no witness.
  'POST /api/v1/ledger/cosignatures': [
    { name: 'not a signature line', req: () => ({ json: { size: 1, cosignature: 'hello' } }), expect: ex('400') },
    {
      name: 'a witness nobody configured',
      req: () => ({ json: { size: 1, cosignature: `\u2014 witness.example ${Buffer.alloc(76, 7).toString('base64')}` } }),
      expect: ex('403'),
    },
  ],
  'GET /api/v1/ledger/proof/inclusion': [
    { req: () => ({ path: '/api/v1/ledger/proof/inclusion?index=0&tree_size=1' }), expect: ex('404') },
  ],
  'GET /api/v1/ledger/proof/consistency': [
    { req: () => ({ path: '/api/v1/ledger/proof/consistency?first=2&second=1' }), expect: ex('400') },
  ],
  // tlog-tiles: the demo data fills more than one full tile, so tile 0 is covered.
  'GET /api/v1/ledger/tile/{path...}': [
    { name: 'hash tile', req: () => ({ path: '/api/v1/ledger/tile/0/000' }), expect: ex('200') },
    { name: 'entry bundle', req: () => ({ path: '/api/v1/ledger/tile/entries/000' }), expect: ex('200') },
    { name: 'not canonical', req: () => ({ path: '/api/v1/ledger/tile/0/0' }), expect: ex('400') },
  ],

  // Search is open to everyone; what each caller finds is limited to the deliberations they
  // may read (decided by the deliberation module), so the status is the same for all.
  'GET /api/v1/search': [
    { name: '养老', req: () => ({ path: `/api/v1/search?q=${encodeURIComponent('养老')}` }), expect: ex('200') },
    { name: 'no q', req: () => ({ path: '/api/v1/search' }), expect: ex('400') },
  ],

  'POST /api/v1/auth/login': [
    {
      name: 'own credentials (anonymous: a 委员)',
      req: (role) => ({ json: { ...(creds[role] ?? { login: 'm1100', password: DEMO_PASSWORD }) } }),
      expect: ex('200'),
    },
  ],
  'POST /api/v1/auth/logout': [
    {
      name: 'a second session of the same person',
      req: async (role) => ({ as: role === 'anonymous' ? undefined : await api.login(creds[role].login, creds[role].password) }),
      expect: ex('204'),
    },
  ],
  'POST /api/v1/auth/sms-codes': [{ req: () => ({ json: { mobile: uniqueMobile(), purpose: 'register' } }), expect: ex('202') }],
  'POST /api/v1/auth/register': [
    {
      name: 'a code that was never sent',
      req: () => ({ json: { mobile: uniqueMobile(), code: '000000', password: 'matrix-pass-1', display_name: '矩阵' } }),
      expect: ex('400'),
    },
  ],
  'POST /api/v1/auth/password-reset': [
    { name: 'a code that was never sent', req: () => ({ json: { mobile: uniqueMobile(), code: '000000', new_password: 'matrix-pass-1' } }), expect: ex('400') },
  ],
  'GET /api/v1/me': [{ req: () => ({}), expect: ex('401 200 200 200 200 200 200 200') }],
  'PATCH /api/v1/me': [{ req: () => ({ json: { elderly_mode: false } }), expect: ex('401 200 200 200 200 200 200 200') }],
  'POST /api/v1/me/password': [
    {
      name: 'the same password again',
      req: (role) => {
        const pw = creds[role]?.password ?? DEMO_PASSWORD
        return { json: { old_password: pw, new_password: pw } }
      },
      expect: ex('401 204 204 204 204 204 204 204'),
    },
  ],

  'POST /api/v1/me/erase': [
    // Nobody's demo account is erased here: a wrong password is refused for everyone...
    { name: 'a wrong password', req: () => ({ json: { password: 'not-the-password' } }), expect: ex('401 403 403 403 403 403 403 403') },
    // ...and anyone signed in may erase themselves (each role acts as a fresh person of its own).
    {
      name: 'a fresh person, their own password',
      req: async (role) => ({ as: role === 'anonymous' ? undefined : await freshSelf(), json: { password: 'matrix-self-1' } }),
      expect: ex('401 200 200 200 200 200 200 200'),
    },
  ],

  'GET /api/v1/orgs': [
    { name: 'roots', req: () => ({ path: '/api/v1/orgs' }), expect: ex('200') },
    { name: 'children of the province', req: () => ({ path: `/api/v1/orgs?parent_id=${ctx.prov}` }), expect: ex('200') },
  ],
  'POST /api/v1/orgs': [
    {
      name: 'a city under the province',
      req: () => ({ json: { parent_id: ctx.prov, name: `矩阵市${unique()}`, level: 'city', kind: 'cppcc' } }),
      expect: ex('401 403 403 403 403 403 403 201'),
    },
    {
      name: 'a county under 临江市',
      req: () => ({ json: { parent_id: ctx.city, name: `矩阵县${unique()}`, level: 'county', kind: 'cppcc' } }),
      expect: ex('401 403 403 403 403 403 403 201'),
    },
  ],
  'GET /api/v1/orgs/{id}': [{ req: () => ({ path: `/api/v1/orgs/${ctx.prov}` }), expect: ex('200') }],
  'PATCH /api/v1/orgs/{id}': [
    { name: 'a county of 临江市', req: async () => ({ path: `/api/v1/orgs/${await freshOrg()}`, json: { name: `改名${unique()}` } }), expect: ex('401 403 403 403 403 403 403 200') },
  ],
  'DELETE /api/v1/orgs/{id}': [
    { name: 'an empty county of 临江市', req: async () => ({ path: `/api/v1/orgs/${await freshOrg()}` }), expect: ex('401 403 403 403 403 403 403 204') },
  ],

  'GET /api/v1/orgs/{id}/sectors': [{ req: () => ({ path: `/api/v1/orgs/${ctx.prov}/sectors` }), expect: ex('200') }],
  'POST /api/v1/orgs/{id}/sectors': [
    { name: 'province', req: () => ({ path: `/api/v1/orgs/${ctx.prov}/sectors`, json: { name: `界${unique()}` } }), expect: ex('401 403 403 403 403 201 403 201') },
    { name: '临江市', req: () => ({ path: `/api/v1/orgs/${ctx.city}/sectors`, json: { name: `界${unique()}` } }), expect: ex('401 403 403 403 403 201 201 201') },
  ],
  'PATCH /api/v1/sectors/{id}': [
    { name: 'province', req: async () => ({ path: `/api/v1/sectors/${await freshSector()}`, json: { name: `改${unique()}` } }), expect: ex('401 403 403 403 403 200 403 200') },
    { name: '临江市', req: async () => ({ path: `/api/v1/sectors/${await freshSector(ctx.city)}`, json: { name: `改${unique()}` } }), expect: ex('401 403 403 403 403 200 200 200') },
  ],
  'DELETE /api/v1/sectors/{id}': [
    { name: 'province', req: async () => ({ path: `/api/v1/sectors/${await freshSector()}` }), expect: ex('401 403 403 403 403 204 403 204') },
  ],

  'GET /api/v1/orgs/{id}/members': [
    { name: 'province', req: () => ({ path: `/api/v1/orgs/${ctx.prov}/members` }), expect: ex('401 403 403 403 200 200 403 200') },
    { name: 'a county of 临江市', req: () => ({ path: `/api/v1/orgs/${ctx.county}/members` }), expect: ex('401 403 403 403 200 200 200 200') },
    { name: '民政厅 (the responder\'s own)', req: () => ({ path: `/api/v1/orgs/${ctx.dept}/members` }), expect: ex('401 403 403 403 200 200 403 200') },
    { name: '临江市 (the member\'s own)', req: () => ({ path: `/api/v1/orgs/${ctx.city}/members` }), expect: ex('401 403 403 403 200 200 200 200') },
  ],
  'POST /api/v1/orgs/{id}/members': [
    {
      name: 'a new 委员 of the province',
      req: () => ({ path: `/api/v1/orgs/${ctx.prov}/members`, json: { display_name: '矩阵新人', login: `mn${unique()}`, role: 'member' } }),
      expect: ex('401 403 403 403 403 201 403 201'),
    },
    {
      name: 'a new 委员 of a county',
      req: () => ({ path: `/api/v1/orgs/${ctx.county}/members`, json: { display_name: '矩阵新人', login: `mc${unique()}`, role: 'member' } }),
      expect: ex('401 403 403 403 403 201 201 201'),
    },
    {
      name: 'a new admin of a county (privileged)',
      req: () => ({ path: `/api/v1/orgs/${ctx.county}/members`, json: { display_name: '矩阵管理', login: `ma${unique()}`, role: 'admin' } }),
      expect: ex('401 403 403 403 403 403 403 201'),
    },
  ],
  'PATCH /api/v1/memberships/{id}': [
    {
      name: 'clear the sector of a 委员 of the province',
      req: async () => ({ path: `/api/v1/memberships/${(await freshMembership()).membership}`, json: { sector_id: null } }),
      expect: ex('401 403 403 403 403 200 403 200'),
    },
  ],
  'DELETE /api/v1/memberships/{id}': [
    { name: 'a 委员 of the province', req: async () => ({ path: `/api/v1/memberships/${(await freshMembership()).membership}` }), expect: ex('401 403 403 403 403 204 403 204') },
    { name: 'a 委员 of 临江市', req: async () => ({ path: `/api/v1/memberships/${(await freshMembership(ctx.city)).membership}` }), expect: ex('401 403 403 403 403 204 204 204') },
  ],
  'POST /api/v1/orgs/{id}/roster/import': [
    { name: 'province', req: () => ({ path: `/api/v1/orgs/${ctx.prov}/roster/import`, csv: csvRow() }), expect: ex('401 403 403 403 403 200 403 200') },
    { name: '临江市', req: () => ({ path: `/api/v1/orgs/${ctx.city}/roster/import`, csv: csvRow() }), expect: ex('401 403 403 403 403 200 200 200') },
  ],
  'GET /api/v1/orgs/{id}/roster.xlsx': [
    { name: 'province', req: () => ({ path: `/api/v1/orgs/${ctx.prov}/roster.xlsx` }), expect: ex('401 403 403 403 200 200 403 200') },
    { name: '临江市', req: () => ({ path: `/api/v1/orgs/${ctx.city}/roster.xlsx` }), expect: ex('401 403 403 403 200 200 200 200') },
  ],

  // Everyone signed in has an inbox and sees only their own; someone else's notification is 404.
  'GET /api/v1/inbox': [{ req: () => ({ path: '/api/v1/inbox?limit=5' }), expect: ex('401 200 200 200 200 200 200 200') }],
  'POST /api/v1/inbox/{id}/read': [
    {
      name: "the member's welcome message",
      req: () => ({ path: `/api/v1/inbox/${ctx.memberWelcome}/read` }),
      expect: ex('401 404 200 404 404 404 404 404'),
    },
  ],
  'POST /api/v1/inbox/read-all': [{ req: () => ({ path: '/api/v1/inbox/read-all' }), expect: ex('401 200 200 200 200 200 200 200') }],
  'GET /api/v1/inbox/{id}/deliveries': [
    {
      name: "the member's welcome message",
      req: () => ({ path: `/api/v1/inbox/${ctx.memberWelcome}/deliveries` }),
      expect: ex('401 404 200 404 404 404 404 404'),
    },
  ],
  // One's own notification settings: everyone signed in, nobody else's.
  'GET /api/v1/me/notification-settings': [{ req: () => ({}), expect: ex('401 200 200 200 200 200 200 200') }],
  'PATCH /api/v1/me/notification-settings': [
    { req: () => ({ json: { channels: { mention: ['inbox'] } } }), expect: ex('401 200 200 200 200 200 200 200') },
  ],
  // The job runner's state: platform administrators only.
  'GET /api/v1/admin/scheduler': [{ req: () => ({}), expect: ex('401 403 403 403 403 403 403 200') }],

  'GET /api/v1/people': [{ req: () => ({ path: '/api/v1/people?q=m11' }), expect: ex('401 403 403 403 403 200 200 200') }],
  'GET /api/v1/people/{id}': [
    // Not visible is 404, so that existence is not revealed.
    { name: 'a 委员 of the province only', req: () => ({ path: `/api/v1/people/${ctx.provOnlyPerson}` }), expect: ex('401 404 404 404 200 200 404 200') },
    { name: 'a 委员 of 临江市', req: () => ({ path: `/api/v1/people/${ctx.cityPerson}` }), expect: ex('401 404 404 404 200 200 200 200') },
    { name: 'an erased person', req: () => ({ path: `/api/v1/people/${ctx.erasedPerson}` }), expect: ex('401 410 410 410 410 410 410 410') },
  ],
  'DELETE /api/v1/people/{id}': [
    { name: 'a 委员 of the province', req: async () => ({ path: `/api/v1/people/${(await freshMembership()).person}` }), expect: ex('401 403 403 403 403 200 403 200') },
    { name: 'a 委员 of 临江市', req: async () => ({ path: `/api/v1/people/${(await freshMembership(ctx.city)).person}` }), expect: ex('401 403 403 403 403 200 200 200') },
    { name: 'an erased person', req: () => ({ path: `/api/v1/people/${ctx.erasedPerson}` }), expect: ex('401 410 410 410 410 410 410 410') },
  ],
  'PATCH /api/v1/people/{id}': [
    {
      name: 'a 委员 of the province',
      req: async () => ({ path: `/api/v1/people/${(await freshMembership()).person}`, json: { display_name: '矩阵改名' } }),
      expect: ex('401 403 403 403 403 200 403 200'),
    },
    {
      name: 'a 委员 of 临江市',
      req: async () => ({ path: `/api/v1/people/${(await freshMembership(ctx.city)).person}`, json: { display_name: '矩阵改名' } }),
      expect: ex('401 403 403 403 403 200 200 200'),
    },
  ],
  'POST /api/v1/people/{id}/password': [
    {
      name: 'a 委员 of the province',
      req: async () => ({ path: `/api/v1/people/${(await freshMembership()).person}/password`, json: { new_password: 'matrix-pass-2' } }),
      expect: ex('401 403 403 403 403 204 403 204'),
    },
  ],

  // Attachments: anyone with a role may upload, the public may not. An upload not attached to
  // anything is the uploader's alone (others get 404, so its existence is not revealed).
  'POST /api/v1/attachments': [
    { name: 'a PDF', req: () => ({ path: '/api/v1/attachments?name=a.pdf', body: attachmentSample('doc.pdf') }), expect: ex('401 403 201 201 201 201 201 201') },
  ],
  'GET /api/v1/attachments/{id}': [
    { name: "the member's unattached upload", req: () => ({ path: `/api/v1/attachments/${ctx.upload}` }), expect: ex('404 404 200 404 404 404 404 404') },
  ],
  'DELETE /api/v1/attachments/{id}': [
    { name: "the member's unattached upload", req: async () => ({ path: `/api/v1/attachments/${await memberUpload()}` }), expect: ex('401 404 204 404 404 404 404 404') },
  ],
  'GET /api/v1/attachments/{id}/content': [
    { name: "the member's unattached upload", req: () => ({ path: `/api/v1/attachments/${ctx.upload}/content` }), expect: ex('404 404 200 404 404 404 404 404') },
  ],
  'GET /api/v1/attachments/{id}/thumbnail': [
    { name: "the member's unattached image", req: () => ({ path: `/api/v1/attachments/${ctx.image}/thumbnail` }), expect: ex('404 404 200 404 404 404 404 404') },
  ],
  // ---- deliberations: readers of a members-only one are its organisations' members, the
  // invited department, and staff/leaders/admins of the province; others get 404 (the
  // anonymous 401, so the page can ask them to log in). Public ones are read by everyone.
  'GET /api/v1/deliberations': [{ req: () => ({ path: '/api/v1/deliberations' }), expect: ex('200') }],
  'POST /api/v1/deliberations': [
    { name: 'province', req: () => ({ json: { org_id: ctx.prov, theme: `矩阵${unique()}` } }), expect: ex('401 403 403 403 403 201 403 201') },
    { name: '临江市', req: () => ({ json: { org_id: ctx.city, theme: `矩阵${unique()}` } }), expect: ex('401 403 403 403 403 201 201 201') },
  ],
  'GET /api/v1/deliberations/{id}': [
    { name: 'members only', req: () => ({ path: `/api/v1/deliberations/${ctx.delib}` }), expect: ex('401 404 200 200 200 200 404 200') },
    { name: 'public', req: () => ({ path: `/api/v1/deliberations/${ctx.pubDelib}` }), expect: ex('200') },
  ],
  'PATCH /api/v1/deliberations/{id}': [
    { req: async () => ({ path: `/api/v1/deliberations/${(await freshDelib()).id}`, json: { theme: `改${unique()}` } }), expect: ex('401 404 403 403 403 200 404 200') },
  ],
  'POST /api/v1/deliberations/{id}/state': [
    // A draft is seen only by those who oversee it.
    { name: 'open a draft', req: async () => ({ path: `/api/v1/deliberations/${(await freshDelib({ open: false })).id}/state`, json: { state: 'open' } }), expect: ex('401 404 404 404 403 200 404 200') },
  ],
  'POST /api/v1/deliberations/{id}/phase': [
    {
      req: async () => {
        const d = await freshDelib()
        return { path: `/api/v1/deliberations/${d.id}/phase`, json: { phase_id: d.phases[0].id } }
      },
      expect: ex('401 404 403 403 403 200 404 200'),
    },
  ],
  'POST /api/v1/deliberations/{id}/visits': [
    { name: 'members only', req: () => ({ path: `/api/v1/deliberations/${ctx.delib}/visits` }), expect: ex('401 404 200 200 200 200 404 200') },
    { name: 'public', req: () => ({ path: `/api/v1/deliberations/${ctx.pubDelib}/visits` }), expect: ex('200') },
  ],
  'GET /api/v1/deliberations/{id}/events': [
    { name: 'members only', req: () => ({ path: `/api/v1/deliberations/${ctx.delib}/events?after_seq=0` }), expect: ex('401 404 200 200 200 200 404 200') },
    { name: 'public', req: () => ({ path: `/api/v1/deliberations/${ctx.pubDelib}/events` }), expect: ex('200') },
  ],
  'GET /api/v1/deliberations/{id}/posts': [
    { name: 'members only', req: () => ({ path: `/api/v1/deliberations/${ctx.delib}/posts` }), expect: ex('401 404 200 200 200 200 404 200') },
    { name: 'public', req: () => ({ path: `/api/v1/deliberations/${ctx.pubDelib}/posts` }), expect: ex('200') },
  ],
  'POST /api/v1/deliberations/{id}/posts': [
    { name: 'members only', req: () => ({ path: `/api/v1/deliberations/${ctx.delib}/posts`, json: { body: '矩阵发言' } }), expect: ex('401 404 201 201 201 201 404 201') },
    // Public comments: whoever is signed in comments (city staff are the public here).
    { name: 'public comments', req: () => ({ path: `/api/v1/deliberations/${ctx.pubDelib}/posts`, json: { body: '矩阵评论' } }), expect: ex('401 201 201 201 201 201 201 201') },
  ],
  'GET /api/v1/deliberations/{id}/points': [
    { req: () => ({ path: `/api/v1/deliberations/${ctx.delib}/points` }), expect: ex('401 404 200 200 200 200 404 200') },
  ],
  'GET /api/v1/deliberations/{id}/response-stats': [
    { req: () => ({ path: `/api/v1/deliberations/${ctx.delib}/response-stats` }), expect: ex('401 404 200 200 200 200 404 200') },
  ],
  'GET /api/v1/deliberations/{id}/reports': [
    { req: () => ({ path: `/api/v1/deliberations/${ctx.delib}/reports` }), expect: ex('401 404 403 403 403 200 404 200') },
  ],
  'GET /api/v1/deliberations/{id}/held-posts': [
    { req: () => ({ path: `/api/v1/deliberations/${ctx.delib}/held-posts` }), expect: ex('401 404 403 403 403 200 404 200') },
  ],
  'GET /api/v1/deliberations/{id}/bans': [
    { req: () => ({ path: `/api/v1/deliberations/${ctx.delib}/bans` }), expect: ex('401 404 403 403 403 200 404 200') },
  ],
  'POST /api/v1/deliberations/{id}/bans': [
    {
      req: async () => ({ path: `/api/v1/deliberations/${ctx.delib}/bans`, json: { person_id: (await freshMembership()).person, reason: '矩阵' } }),
      expect: ex('401 404 403 403 403 201 404 201'),
    },
  ],
  'DELETE /api/v1/deliberations/{id}/bans/{person_id}': [
    { req: async () => ({ path: `/api/v1/deliberations/${ctx.delib}/bans/${await freshBan()}` }), expect: ex('401 404 403 403 403 204 404 204') },
  ],
  'GET /api/v1/deliberations/{id}/export.xlsx': [
    { req: () => ({ path: `/api/v1/deliberations/${ctx.delib}/export.xlsx` }), expect: ex('401 404 403 403 200 200 404 200') },
  ],

  // ---- posts (the 委员 wrote them) ----
  'GET /api/v1/posts/{id}': [{ req: () => ({ path: `/api/v1/posts/${ctx.post}` }), expect: ex('401 404 200 200 200 200 404 200') }],
  'PATCH /api/v1/posts/{id}': [
    { name: 'the 委员\'s post', req: async () => ({ path: `/api/v1/posts/${await freshPost()}`, json: { body: '改过的' } }), expect: ex('401 404 200 403 403 403 404 403') },
  ],
  'DELETE /api/v1/posts/{id}': [
    { name: 'the 委员\'s post', req: async () => ({ path: `/api/v1/posts/${await freshPost()}` }), expect: ex('401 404 204 403 403 403 404 403') },
  ],
  'GET /api/v1/posts/{id}/versions': [
    { name: 'the 委员\'s post', req: () => ({ path: `/api/v1/posts/${ctx.post}/versions` }), expect: ex('401 404 200 403 200 200 404 200') },
  ],
  'POST /api/v1/posts/{id}/like': [{ req: () => ({ path: `/api/v1/posts/${ctx.post}/like` }), expect: ex('401 404 200 200 200 200 404 200') }],
  'DELETE /api/v1/posts/{id}/like': [{ req: () => ({ path: `/api/v1/posts/${ctx.post}/like` }), expect: ex('401 404 200 200 200 200 404 200') }],
  'POST /api/v1/posts/{id}/hide': [
    { req: async () => ({ path: `/api/v1/posts/${await freshPost()}/hide`, json: { reason: '矩阵隐藏' } }), expect: ex('401 404 403 403 403 200 404 200') },
  ],
  'POST /api/v1/posts/{id}/restore': [
    {
      req: async () => {
        const p = await freshPost()
        assert.equal((await api.post(`/api/v1/posts/${p}/hide`, { reason: '先隐藏' }, { as: token.admin })).status, 200)
        return { path: `/api/v1/posts/${p}/restore` }
      },
      expect: ex('401 404 403 403 403 200 404 200'),
    },
  ],
  // Nothing is held with the default reject mode: approving a visible post is a conflict for staff.
  'POST /api/v1/posts/{id}/approve': [{ req: () => ({ path: `/api/v1/posts/${ctx.post}/approve` }), expect: ex('401 404 403 403 403 409 404 409') }],
  'POST /api/v1/posts/{id}/remove': [
    { req: async () => ({ path: `/api/v1/posts/${await freshPost()}/remove`, json: { reason: '矩阵删除' } }), expect: ex('401 404 403 403 403 200 404 200') },
  ],
  'POST /api/v1/posts/{id}/reports': [
    { req: async () => ({ path: `/api/v1/posts/${await freshPost()}/reports`, json: { reason: '矩阵举报' } }), expect: ex('401 404 201 201 201 201 404 201') },
  ],
  'POST /api/v1/posts/{id}/points': [
    // The author or staff split a post; leaders and departments do not.
    { name: 'the 委员\'s post', req: async () => ({ path: `/api/v1/posts/${await freshPost()}/points`, json: { summary: '矩阵要点' } }), expect: ex('401 404 201 403 403 201 404 201') },
  ],
  'POST /api/v1/reports/{id}/dismiss': [
    { req: async () => ({ path: `/api/v1/reports/${await freshReport()}/dismiss` }), expect: ex('401 404 403 403 403 200 404 200') },
  ],

  // ---- points: split from the 委员's posts; 民政厅 is invited ----
  'GET /api/v1/points/{id}': [{ req: () => ({ path: `/api/v1/points/${ctx.point}` }), expect: ex('401 404 200 200 200 200 404 200') }],
  'PATCH /api/v1/points/{id}': [
    { name: 'open (the author may reword it)', req: async () => ({ path: `/api/v1/points/${await freshPoint()}`, json: { summary: '改' } }), expect: ex('401 404 200 403 403 200 404 200') },
  ],
  'POST /api/v1/points/{id}/assign': [
    { req: async () => ({ path: `/api/v1/points/${await freshPoint()}/assign`, json: { department_id: ctx.dept } }), expect: ex('401 404 403 403 403 200 404 200') },
  ],
  'POST /api/v1/points/{id}/claim': [
    { req: async () => ({ path: `/api/v1/points/${await freshPoint()}/claim` }), expect: ex('401 404 403 200 403 403 404 403') },
  ],
  'POST /api/v1/points/{id}/answers': [
    { name: 'assigned to 民政厅', req: async () => ({ path: `/api/v1/points/${await freshPoint('claimed')}/answers`, json: { body: '回应' } }), expect: ex('401 404 403 201 403 403 404 403') },
  ],
  'POST /api/v1/points/{id}/accept': [
    { name: 'answered', req: async () => ({ path: `/api/v1/points/${await freshPoint('answered')}/accept` }), expect: ex('401 404 200 403 403 403 404 403') },
  ],
  'POST /api/v1/points/{id}/ask-again': [
    { name: 'answered', req: async () => ({ path: `/api/v1/points/${await freshPoint('answered')}/ask-again`, json: { body: '追问' } }), expect: ex('401 404 200 403 403 403 404 403') },
  ],
  'GET /api/v1/me/contributions': [{ req: () => ({ path: '/api/v1/me/contributions' }), expect: ex('401 200 200 200 200 200 200 200') }],
  'GET /api/v1/me/points': [{ req: () => ({ path: '/api/v1/me/points' }), expect: ex('401 403 403 200 403 403 403 403') }],

  // ---- topic collection: ctx.topicCall is the province's demo call (public and members), so
  // everyone reads it and anyone signed in submits and supports; staff and admins of the
  // province screen, merge and turn topics into deliberations (a leader oversees, no more).
  'GET /api/v1/topic-calls': [{ req: () => ({ path: '/api/v1/topic-calls' }), expect: ex('200') }],
  'POST /api/v1/topic-calls': [
    { req: () => ({ path: '/api/v1/topic-calls', json: { org_id: ctx.prov, theme: `矩阵征集${unique()}` } }), expect: ex('401 403 403 403 403 201 403 201') },
  ],
  'GET /api/v1/topic-calls/{id}': [{ req: () => ({ path: `/api/v1/topic-calls/${ctx.topicCall}` }), expect: ex('200') }],
  'PATCH /api/v1/topic-calls/{id}': [
    { req: async () => ({ path: `/api/v1/topic-calls/${await freshTopicCall()}`, json: { description: '改' } }), expect: ex('401 403 403 403 403 200 403 200') },
  ],
  'GET /api/v1/topics': [{ req: () => ({ path: `/api/v1/topics?call_id=${ctx.topicCall}` }), expect: ex('200') }],
  'POST /api/v1/topics': [
    { req: () => ({ path: '/api/v1/topics', json: { call_id: ctx.topicCall, title: `矩阵议题${unique()}` } }), expect: ex('401 201 201 201 201 201 201 201') },
  ],
  'POST /api/v1/topics/similar': [
    { req: () => ({ path: '/api/v1/topics/similar', json: { call_id: ctx.topicCall, title: '县域医共体' } }), expect: ex('200') },
  ],
  'GET /api/v1/topics/{id}': [{ req: () => ({ path: `/api/v1/topics/${ctx.demoTopic}` }), expect: ex('200') }],
  'PATCH /api/v1/topics/{id}': [
    { name: "the member's own", req: async () => ({ path: `/api/v1/topics/${await freshTopic()}`, json: { body: '补充' } }), expect: ex('401 403 200 403 403 403 403 403') },
  ],
  'GET /api/v1/topics/{id}/similar': [{ req: () => ({ path: `/api/v1/topics/${ctx.demoTopic}/similar` }), expect: ex('200') }],
  'POST /api/v1/topics/{id}/support': [{ req: () => ({ path: `/api/v1/topics/${ctx.demoTopic}/support` }), expect: ex('401 200 200 200 200 200 200 200') }],
  'DELETE /api/v1/topics/{id}/support': [{ req: () => ({ path: `/api/v1/topics/${ctx.demoTopic}/support` }), expect: ex('401 200 200 200 200 200 200 200') }],
  'POST /api/v1/topics/{id}/screen': [
    { req: async () => ({ path: `/api/v1/topics/${await freshTopic()}/screen`, json: { action: 'accept' } }), expect: ex('401 403 403 403 403 200 403 200') },
  ],
  'POST /api/v1/topics/{id}/merge': [
    { req: async () => ({ path: `/api/v1/topics/${await freshTopic()}/merge`, json: { source_ids: [await freshTopic()] } }), expect: ex('401 403 403 403 403 200 403 200') },
  ],
  'POST /api/v1/topics/{id}/deliberation': [
    { req: async () => ({ path: `/api/v1/topics/${await freshTopic()}/deliberation`, json: {} }), expect: ex('401 403 403 403 403 201 403 201') },
  ],
  'GET /api/v1/topic-hotspots': [{ req: () => ({ path: `/api/v1/topic-hotspots?org_id=${ctx.prov}` }), expect: ex('200') }],
  // ---- surveys (the province's; staff and admins manage, leaders oversee) ----
  'GET /api/v1/surveys': [{ req: () => ({ path: '/api/v1/surveys' }), expect: ex('200') }],
  'POST /api/v1/surveys': [
    { req: () => ({ path: '/api/v1/surveys', json: { org_id: ctx.prov, title: '矩阵新问卷', audience: 'members', questions: surveyQuestions } }), expect: ex('401 403 403 403 403 201 403 201') },
  ],
  'GET /api/v1/surveys/{id}': [
    { name: 'public', req: () => ({ path: `/api/v1/surveys/${ctx.pubSurvey}` }), expect: ex('200') },
    { name: 'members', req: () => ({ path: `/api/v1/surveys/${ctx.memSurvey}` }), expect: ex('401 404 200 404 200 200 404 200') },
    { name: 'draft', req: () => ({ path: `/api/v1/surveys/${ctx.draftSurvey}` }), expect: ex('404 404 404 404 200 200 404 200') },
  ],
  'PATCH /api/v1/surveys/{id}': [
    { name: 'draft', req: async () => ({ path: `/api/v1/surveys/${await freshSurvey({ open: false })}`, json: { title: '改过的问卷' } }), expect: ex('401 404 404 404 403 200 404 200') },
  ],
  'POST /api/v1/surveys/{id}/state': [
    { name: 'open a draft', req: async () => ({ path: `/api/v1/surveys/${await freshSurvey({ open: false })}/state`, json: { state: 'open' } }), expect: ex('401 404 404 404 403 200 404 200') },
  ],
  'POST /api/v1/surveys/{id}/responses': [
    { name: 'public', req: () => ({ path: `/api/v1/surveys/${ctx.pubSurvey}/responses`, json: { answers: { q1: 'a' } } }), expect: ex('201') },
    { name: 'members', req: () => ({ path: `/api/v1/surveys/${ctx.memSurvey}/responses`, json: { answers: { q1: 'b' } } }), expect: ex('401 404 201 404 403 403 404 403') },
  ],
  'GET /api/v1/surveys/{id}/responses': [
    { name: 'members', req: () => ({ path: `/api/v1/surveys/${ctx.memSurvey}/responses` }), expect: ex('401 404 403 404 200 200 404 200') },
  ],
  'GET /api/v1/surveys/{id}/results': [
    { name: 'members', req: () => ({ path: `/api/v1/surveys/${ctx.memSurvey}/results` }), expect: ex('401 404 403 404 200 200 404 200') },
    { name: 'public, results for all', req: () => ({ path: `/api/v1/surveys/${ctx.pubSurvey}/results` }), expect: ex('200') },
  ],
  'GET /api/v1/surveys/{id}/search': [
    { name: 'members', req: () => ({ path: `/api/v1/surveys/${ctx.memSurvey}/search?q=公交` }), expect: ex('401 404 403 404 200 200 404 200') },
  ],
  'GET /api/v1/surveys/{id}/export.xlsx': [
    { name: 'members', req: () => ({ path: `/api/v1/surveys/${ctx.memSurvey}/export.xlsx` }), expect: ex('401 404 403 404 200 200 404 200') },
    { name: 'public', req: () => ({ path: `/api/v1/surveys/${ctx.pubSurvey}/export.xlsx` }), expect: ex('401 403 403 403 200 200 403 200') },
  ],
  // ---- meetings (the province's, made by the superadmin; the 委员 invited, city_staff secretary and branch host) ----
  'GET /api/v1/meetings': [{ req: () => ({ path: '/api/v1/meetings' }), expect: ex('200') }],
  'POST /api/v1/meetings': [
    { req: () => ({ path: '/api/v1/meetings', json: { org_id: ctx.prov, title: '矩阵新会议', starts_at: '2031-05-01T09:00:00+08:00', ends_at: '2031-05-01T11:00:00+08:00', public: false } }), expect: ex('401 403 403 403 403 201 403 201') },
  ],
  'GET /api/v1/meetings/{id}': [
    { name: 'public, live', req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}` }), expect: ex('200') },
    { name: 'not public', req: () => ({ path: `/api/v1/meetings/${ctx.closedMeeting.id}` }), expect: ex('401 404 200 404 200 200 200 200') },
    { name: 'draft', req: () => ({ path: `/api/v1/meetings/${ctx.draftMeeting.id}` }), expect: ex('404 404 404 404 404 200 200 200') },
  ],
  'PATCH /api/v1/meetings/{id}': [
    { name: 'draft', req: async () => ({ path: `/api/v1/meetings/${(await freshMeeting({ state: 'draft' })).id}`, json: { topic: '改过的议题' } }), expect: ex('401 404 404 404 404 200 403 200') },
  ],
  'POST /api/v1/meetings/{id}/state': [
    { name: 'schedule a draft', req: async () => ({ path: `/api/v1/meetings/${(await freshMeeting({ state: 'draft' })).id}/state`, json: { state: 'scheduled' } }), expect: ex('401 404 404 404 404 200 403 200') },
  ],
  'POST /api/v1/meetings/{id}/current-item': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/current-item`, json: { agenda_item_id: ctx.meeting.agenda[0].id } }), expect: ex('401 403 403 403 403 200 403 200') },
  ],
  'GET /api/v1/meetings/{id}/invitees': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/invitees` }), expect: ex('401 403 403 403 403 200 200 200') },
  ],
  'POST /api/v1/meetings/{id}/reply': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/reply`, json: { reply: 'remote' } }), expect: ex('401 403 200 403 403 403 403 403') },
  ],
  'GET /api/v1/meetings/{id}/calendar.ics': [
    { name: 'public', req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/calendar.ics` }), expect: ex('200') },
    { name: 'not public', req: () => ({ path: `/api/v1/meetings/${ctx.closedMeeting.id}/calendar.ics` }), expect: ex('401 404 200 404 200 200 200 200') },
  ],
  'GET /api/v1/meetings/{id}/venues/{venue_id}/checkin-code': [
    { name: 'branch venue', req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/venues/${ctx.meeting.venues[1].id}/checkin-code` }), expect: ex('401 403 403 403 403 200 200 200') },
  ],
  'POST /api/v1/meetings/{id}/checkin': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/checkin`, json: { token: ctx.checkinToken } }), expect: ex('401 403 200 403 403 403 403 403') },
  ],
  'POST /api/v1/meetings/{id}/join': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/join` }), expect: ex('401 403 200 403 403 200 200 200') },
  ],
  'POST /api/v1/meetings/{id}/attendance/{person_id}': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/attendance/${ctx.memberPerson}`, json: { status: 'present', reason: '矩阵人工登记' } }), expect: ex('401 403 403 403 403 200 200 200') },
  ],
  'GET /api/v1/meetings/{id}/attendance': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/attendance` }), expect: ex('403 403 403 403 403 200 200 200') },
  ],
  'GET /api/v1/people/{id}/meeting-attendance': [
    { name: 'the 委员', req: () => ({ path: `/api/v1/people/${ctx.memberPerson}/meeting-attendance` }), expect: ex('401 404 200 404 200 200 200 200') },
  ],
  'GET /api/v1/meetings/{id}/queue': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/queue` }), expect: ex('401 403 200 403 403 200 200 200') },
  ],
  'POST /api/v1/meetings/{id}/queue': [
    { req: async () => ({ path: `/api/v1/meetings/${(await freshMeeting()).id}/queue`, json: {} }), expect: ex('401 403 201 403 403 201 201 201') },
  ],
  'DELETE /api/v1/meetings/{id}/queue/{rid}': [
    { name: 'the 委员\'s request', req: async () => { const q = await freshQueueRequest(); return { path: `/api/v1/meetings/${q.meeting}/queue/${q.request}` } }, expect: ex('401 403 204 403 403 204 403 204') },
  ],
  'POST /api/v1/meetings/{id}/queue/{rid}/floor': [
    { name: 'the 委员\'s request', req: async () => { const q = await freshQueueRequest(); return { path: `/api/v1/meetings/${q.meeting}/queue/${q.request}/floor`, json: { seconds: 60 } } }, expect: ex('401 403 403 403 403 200 403 200') },
  ],
  'POST /api/v1/meetings/{id}/floor/end': [
    { req: async () => ({ path: `/api/v1/meetings/${(await freshMeeting({ floor: true })).id}/floor/end` }), expect: ex('401 403 403 403 403 204 403 204') },
  ],
  'GET /api/v1/meetings/{id}/interventions': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/interventions` }), expect: ex('403 403 200 403 403 200 200 200') },
  ],
  'POST /api/v1/meetings/{id}/interventions': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/interventions`, json: { body: '矩阵书面发言' } }), expect: ex('401 403 201 403 403 201 201 201') },
  ],
  'GET /api/v1/meetings/{id}/comments': [
    { name: 'visible', req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/comments` }), expect: ex('200') },
    { name: 'held', req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/comments?state=held` }), expect: ex('403 403 403 403 403 200 403 200') },
  ],
  'POST /api/v1/meetings/{id}/comments': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/comments`, json: { body: '矩阵网友留言' } }), expect: ex('401 201 201 201 201 201 201 201') },
  ],
  'POST /api/v1/meetings/{id}/comments/{cid}/moderate': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/comments/${ctx.meetingComment}/moderate`, json: { action: 'approve' } }), expect: ex('401 403 403 403 403 200 403 200') },
  ],
  'POST /api/v1/meetings/{id}/comments/{cid}/pick': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/comments/${ctx.meetingComment}/pick` }), expect: ex('401 403 403 403 403 200 403 200') },
  ],
  'DELETE /api/v1/meetings/{id}/comments/{cid}/pick': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/comments/${ctx.meetingComment}/pick` }), expect: ex('401 403 403 403 403 200 403 200') },
  ],
  'GET /api/v1/meetings/{id}/picked': [{ req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/picked` }), expect: ex('200') }],
  'GET /api/v1/meetings/{id}/minutes': [
    { name: 'not published', req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/minutes` }), expect: ex('403 403 403 403 403 200 200 200') },
  ],
  'PUT /api/v1/meetings/{id}/minutes': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/minutes`, json: { body_md: '## 矩阵纪要' } }), expect: ex('401 403 403 403 403 200 200 200') },
  ],
  'POST /api/v1/meetings/{id}/outcomes': [
    { req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/outcomes`, json: { type: 'deliberation', id: ctx.delib } }), expect: ex('401 403 403 403 403 201 403 201') },
  ],
  'DELETE /api/v1/meetings/{id}/outcomes/{type}/{oid}': [
    { req: async () => ({ path: await meetingOutcome() }), expect: ex('401 403 403 403 403 204 403 204') },
  ],
  'GET /api/v1/meetings/{id}/record': [
    { name: 'published (demo)', req: () => ({ path: `/api/v1/meetings/${ctx.publishedMeeting}/record` }), expect: ex('200') },
    { name: 'not published', req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/record` }), expect: ex('409') },
  ],
  'GET /api/v1/meetings/{id}/events': [{ req: () => ({ path: `/api/v1/meetings/${ctx.meeting.id}/events?after_seq=0` }), expect: ex('200') }],
  // ---- cases: the proposer, staff (and leaders, reading) of the province, the assigned unit.
  'GET /api/v1/orgs/{id}/case-settings': [{ req: () => ({ path: `/api/v1/orgs/${ctx.prov}/case-settings` }), expect: ex('200') }],
  'PUT /api/v1/orgs/{id}/case-settings/{kind}': [
    { req: () => ({ path: `/api/v1/orgs/${ctx.prov}/case-settings/micro_suggestion`, json: { deadline_working_days: 10 } }), expect: ex('401 403 403 403 403 200 403 200') },
  ],
  'GET /api/v1/orgs/{id}/case-cosigners': [
    { req: () => ({ path: `/api/v1/orgs/${ctx.prov}/case-cosigners?q=陈` }), expect: ex('401 403 200 403 200 200 403 200') },
  ],
  'GET /api/v1/cases': [
    { name: 'mine', req: () => ({ path: '/api/v1/cases' }), expect: ex('401 200 200 200 200 200 200 200') },
    { name: 'an organisation', req: () => ({ path: `/api/v1/cases?scope=org&org_id=${ctx.prov}` }), expect: ex('401 403 403 403 200 200 403 200') },
    { name: 'published', req: () => ({ path: '/api/v1/cases?scope=public' }), expect: ex('200') },
  ],
  'POST /api/v1/cases': [
    { name: 'micro-suggestion (anyone)', req: () => ({ json: { org_id: ctx.prov, kind: 'micro_suggestion', title: `矩阵微建议${unique()}`, body: '内容' } }), expect: ex('401 201 201 201 201 201 201 201') },
    { name: 'proposal (members)', req: () => ({ json: { org_id: ctx.prov, kind: 'proposal', title: `矩阵提案${unique()}`, body: '内容' } }), expect: ex('401 403 201 403 201 201 403 201') },
  ],
  'GET /api/v1/cases.xlsx': [
    { req: () => ({ path: `/api/v1/cases.xlsx?scope=org&org_id=${ctx.prov}` }), expect: ex('401 403 403 403 200 200 403 200') },
  ],
  'POST /api/v1/cases/sweep': [{ req: () => ({ json: {} }), expect: ex('401 403 403 403 403 403 403 200') }],
  'GET /api/v1/cases/{id}': [
    { name: 'submitted', req: () => ({ path: `/api/v1/cases/${ctx.caseSubmitted}` }), expect: ex('404 404 200 404 200 200 404 200') },
    { name: 'handled by 民政厅', req: () => ({ path: `/api/v1/cases/${ctx.caseHandling}` }), expect: ex('404 404 200 200 200 200 404 200') },
  ],
  'PATCH /api/v1/cases/{id}': [
    { name: 'a draft', req: async () => ({ path: `/api/v1/cases/${await freshCase('draft')}`, json: { body: '改' } }), expect: ex('401 404 200 404 404 404 404 404') },
  ],
  'POST /api/v1/cases/{id}/actions/{action}': [
    { name: 'accept', req: async () => ({ path: `/api/v1/cases/${await freshCase()}/actions/accept`, json: {} }), expect: ex('401 404 403 404 403 200 404 200') },
    { name: 'answer', req: async () => ({ path: `/api/v1/cases/${await freshCase('handling')}/actions/answer`, json: { answer: '答复' } }), expect: ex('401 404 403 200 403 403 404 403') },
    { name: 'no such action', req: () => ({ path: `/api/v1/cases/${ctx.caseSubmitted}/actions/nonsense`, json: {} }), expect: ex('401 404 404 404 404 404 404 404') },
  ],
  'GET /api/v1/orgs/{id}/case-board': [{ req: () => ({ path: `/api/v1/orgs/${ctx.prov}/case-board` }), expect: ex('401 403 403 403 200 200 403 200') }],
  'GET /api/v1/orgs/{id}/case-stats': [{ req: () => ({ path: `/api/v1/orgs/${ctx.prov}/case-stats` }), expect: ex('401 403 403 403 200 200 403 200') }],
  'GET /api/v1/calendar': [{ req: () => ({ path: '/api/v1/calendar?year=2026' }), expect: ex('200') }],
  'POST /api/v1/calendar/days': [
    { req: () => ({ json: { days: [{ date: '2030-01-01', kind: 'holiday', name: '元旦' }] } }), expect: ex('401 403 403 403 403 403 403 200') },
  ],
  'DELETE /api/v1/calendar/days/{date}': [
    { req: async () => ({ path: `/api/v1/calendar/days/${await freshCalendarDay()}` }), expect: ex('401 403 403 403 403 403 403 204') },
  ],
  'GET /api/v1/orgs/{id}/calendar': [{ req: () => ({ path: `/api/v1/orgs/${ctx.prov}/calendar?year=2026` }), expect: ex('200') }],
  'POST /api/v1/orgs/{id}/calendar/days': [
    { req: () => ({ path: `/api/v1/orgs/${ctx.prov}/calendar/days`, json: { days: [{ date: '2030-06-01', kind: 'holiday', name: '地方假日' }] } }), expect: ex('401 403 403 403 403 403 403 200') },
  ],
  'DELETE /api/v1/orgs/{id}/calendar/days/{date}': [
    { req: async () => ({ path: `/api/v1/orgs/${ctx.prov}/calendar/days/${await freshCalendarDay(ctx.prov)}` }), expect: ex('401 403 403 403 403 403 403 204') },
  ],
  // Tests only: off unless cases.test_clock is set (it is not here).
  'POST /api/v1/testing/clock': [{ req: () => ({ json: { advance_ms: 1000 } }), expect: ex('404') }],
}

before(async () => {
  server = await startServer()
  api = server.api
  for (const [role, login] of Object.entries(LOGINS)) creds[role] = { login, password: DEMO_PASSWORD }
  // The member of the public registers.
  const mobile = uniqueMobile()
  const s = await api.post('/api/v1/auth/sms-codes', { mobile, purpose: 'register' })
  assert.equal(s.status, 202, String(s))
  const reg = await api.post('/api/v1/auth/register', { mobile, code: server.lastSmsCode(mobile), password: 'public-pass-1', display_name: '公众甲' })
  assert.equal(reg.status, 201, String(reg))
  creds.public = { login: mobile, password: 'public-pass-1' }
  token.public = sessionCookie(reg)
  for (const role of Object.keys(LOGINS)) token[role] = await api.login(creds[role].login, creds[role].password)

  ctx.prov = (await api.orgByName(PROVINCE)).id
  ctx.city = (await api.orgByName(CITY)).id
  ctx.county = (await api.orgByName(COUNTY)).id
  ctx.dept = (await api.orgByName(DEPT_MZ)).id
  const find = async (q, login) => {
    const items = (await api.get(`/api/v1/people?q=${q}`, { as: token.admin })).json.items
    const p = items.find((x) => x.login === login)
    assert.ok(p, `no person ${login} in ${JSON.stringify(items)}`)
    return p.id
  }
  ctx.provOnlyPerson = await find('m1100', 'm1100') // the 101st 委员: only in the province
  ctx.cityPerson = await find('city', 'city_staff') // (searching "city_staff" itself: see orgs.test.mjs)
  const inbox = (await api.get('/api/v1/inbox', { as: token.member })).json
  ctx.memberWelcome = inbox.items.find((i) => i.kind === 'welcome')?.id
  assert.ok(ctx.memberWelcome, `no welcome message in ${JSON.stringify(inbox)}`)
  ctx.erasedPerson = await erasedPerson()
  ctx.upload = await memberUpload()
  ctx.image = await memberUpload('pic.png')
  ctx.delib = (await freshDelib()).id
  ctx.pubDelib = (await freshDelib({ publicMode: 'comment' })).id
  ctx.post = await freshPost()
  ctx.point = await freshPoint()
  ctx.topicCall = (await api.get('/api/v1/topic-calls')).json.items.find((k) => k.theme === '2027年度政协协商议题征集')?.id
  assert.ok(ctx.topicCall, 'no demo call for topics')
  const demoTopics = (await api.get(`/api/v1/topics?call_id=${ctx.topicCall}&limit=100`)).json.items
  ctx.demoTopic = demoTopics.find((t) => t.title === '促进民营经济发展壮大')?.id
  assert.ok(ctx.demoTopic, 'no demo topic')
  ctx.memSurvey = await freshSurvey()
  ctx.pubSurvey = await freshSurvey({ audience: 'public', results: 'all' })
  ctx.draftSurvey = await freshSurvey({ open: false })
  ctx.caseSubmitted = await freshCase()
  ctx.caseHandling = await freshCase('handling')
  ctx.memberPerson = (await api.get('/api/v1/me', { as: token.member })).json.id
  ctx.meeting = await freshMeeting()
  ctx.closedMeeting = await freshMeeting({ pub: false, state: 'scheduled' })
  ctx.draftMeeting = await freshMeeting({ state: 'draft' })
  const code = await api.get(`/api/v1/meetings/${ctx.meeting.id}/venues/${ctx.meeting.venues[1].id}/checkin-code`, { as: token.admin })
  assert.equal(code.status, 200, `fixture check-in code: ${code}`)
  ctx.checkinToken = code.json.token
  const mc = await api.post(`/api/v1/meetings/${ctx.meeting.id}/comments`, { body: '矩阵留言' }, { as: token.admin })
  assert.equal(mc.status, 201, `fixture comment: ${mc}`)
  ctx.meetingComment = mc.json.id
  ctx.publishedMeeting = (await api.get('/api/v1/meetings?state=published')).json.items[0]?.id
  assert.ok(ctx.publishedMeeting, 'no published demo meeting')
})
after(async () => {
  await server?.stop()
})

test('every route in /api/v1/openapi.json has a row in the matrix, and every row a route', async () => {
  const doc = (await api.get('/api/v1/openapi.json')).json
  const documented = []
  for (const [path, item] of Object.entries(doc.paths))
    for (const m of Object.keys(item)) if (['get', 'put', 'post', 'patch', 'delete'].includes(m)) documented.push(`${m.toUpperCase()} ${path}`)
  assert.ok(documented.length > 20, `only ${documented.length} routes documented`)
  const missing = documented.filter((k) => !MATRIX[k])
  assert.deepEqual(missing, [], 'routes without a row in the permission matrix')
  const extra = Object.keys(MATRIX).filter((k) => !documented.includes(k))
  assert.deepEqual(extra, [], 'matrix rows for routes the document lacks')
  for (const [k, cases] of Object.entries(MATRIX))
    for (const c of cases) assert.deepEqual(Object.keys(c.expect).sort(), [...ROLES].sort(), `${k}: every role has an expectation`)
})

for (const [key, cases] of Object.entries(MATRIX)) {
  const [method, pattern] = key.split(' ')
  test(`matrix: ${key}`, async (t) => {
    for (const c of cases) {
      for (const role of ROLES) {
        await t.test(`${role}${c.name ? ` — ${c.name}` : ''}`, async () => {
          const r0 = await c.req(role)
          const path = r0.path ?? pattern
          assert.ok(!path.includes('{'), `no target for ${pattern}`)
          const as = 'as' in r0 ? r0.as : token[role]
          const r = await api.request(method, path, { as, json: r0.json, csv: r0.csv, body: r0.body })
          const want = c.expect[role]
          assert.equal(r.status, want, `${role}: ${method} ${path} → ${r}`)
          if (want >= 400) assert.match(r.contentType, /^application\/problem\+json/, `${role}: ${method} ${path}`)
        })
      }
    }
  })
}

test('graceful shutdown: SIGTERM exits 0 within a few seconds', async () => {
  const r = await server.stop()
  assert.equal(r.signal, null, `killed by ${r.signal}`)
  assert.equal(r.code, 0, `exit code ${r.code}\n${server.log().slice(-2000)}`)
  assert.ok(r.ms < 5000, `took ${r.ms} ms`)
})
