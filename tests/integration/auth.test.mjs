// Accounts: login (cookie and bearer), /me, wrong passwords and throttling, logout,
// registration by SMS code, password change and reset.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { DEMO_PASSWORD, DEPT_MZ, PROVINCE, CITY, sessionCookie, startServer, uniqueMobile } from './harness.mjs'

let server, api

before(async () => {
  server = await startServer()
  api = server.api
})
after(async () => {
  await server?.stop()
})

function assertProblem(r, status, code) {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r}`)
  assert.match(r.contentType, /^application\/problem\+json/, `content type of ${r}`)
  assert.equal(r.json?.code, code, `problem code of ${r}`)
  assert.equal(r.json.status, status)
  assert.equal(typeof r.json.title, 'string')
  assert.equal(typeof r.json.detail, 'string')
  assert.equal(r.json.type, `https://shangliang.org/problems/${code}`)
}

test('login as admin sets an HttpOnly sl_session cookie', async () => {
  const r = await api.post('/api/v1/auth/login', { login: 'admin', password: DEMO_PASSWORD })
  assert.equal(r.status, 200, String(r))
  const cookies = r.headers.getSetCookie()
  const c = cookies.find((x) => x.startsWith('sl_session='))
  assert.ok(c, `no sl_session cookie in ${JSON.stringify(cookies)}`)
  assert.match(c, /;\s*HttpOnly/i)
  assert.match(c, /;\s*SameSite=Lax/i)
  assert.match(c, /;\s*Path=\//)
  assert.ok(sessionCookie(r).length >= 20, 'token too short')
  assert.equal(r.json.person.login, 'admin')
  assert.equal(r.json.token, undefined, 'a cookie login must not return the token in the body')
  assert.ok(!Number.isNaN(Date.parse(r.json.expires_at)))
  assert.match(r.header('cache-control') ?? '', /no-store/)
})

test('GET /api/v1/me shows organisations and roles', async () => {
  const admin = await api.login('admin')
  const me = await api.get('/api/v1/me', { as: admin })
  assert.equal(me.status, 200, String(me))
  assert.equal(me.json.login, 'admin')
  assert.equal(me.json.is_superadmin, true)
  assert.equal(me.json.is_public, false)
  const prov = me.json.memberships.find((m) => m.org.name === PROVINCE)
  assert.ok(prov, JSON.stringify(me.json.memberships))
  assert.equal(prov.role, 'admin')
  assert.equal(prov.role_label, '管理员')
  assert.equal(prov.org.kind, 'cppcc')
  assert.equal(prov.org.level, 'province')

  const member = await api.login('member')
  const m = await api.get('/api/v1/me', { as: member })
  assert.equal(m.status, 200)
  assert.equal(m.json.is_superadmin, false)
  const names = m.json.memberships.map((x) => `${x.org.name}:${x.role}:${x.role_label}`).sort()
  assert.deepEqual(names, [`${CITY}:member:委员`, `${PROVINCE}:member:委员`].sort())
  const sector = m.json.memberships.find((x) => x.org.name === PROVINCE).sector
  assert.equal(sector?.name, '经济界')

  const dept = await api.login('dept_mz')
  const d = await api.get('/api/v1/me', { as: dept })
  assert.deepEqual(
    d.json.memberships.map((x) => [x.org.name, x.role, x.role_label]),
    [[DEPT_MZ, 'responder', '部门联络员']],
  )
})

test('GET /api/v1/me without a session is 401 problem+json', async () => {
  assertProblem(await api.get('/api/v1/me'), 401, 'unauthenticated')
  assertProblem(await api.get('/api/v1/me', { as: 'not-a-real-token' }), 401, 'session_expired')
  assertProblem(await api.get('/api/v1/me', { bearer: 'not-a-real-token' }), 401, 'session_expired')
})

test('wrong password and unknown account are 401 invalid_credentials, without a cookie', async () => {
  const r = await api.post('/api/v1/auth/login', { login: 'staff', password: 'wrong-password' })
  assertProblem(r, 401, 'invalid_credentials')
  assert.equal(r.json.instance, '/api/v1/auth/login')
  assert.equal(sessionCookie(r), undefined)
  const u = await api.post('/api/v1/auth/login', { login: 'nobody-here', password: 'wrong-password' })
  assertProblem(u, 401, 'invalid_credentials')
  // The failures did not lock out the real owner (5 per account).
  assert.ok(await api.login('staff'))
})

test('missing fields and wrong content type are 400', async () => {
  assertProblem(await api.post('/api/v1/auth/login', { login: 'admin' }), 400, 'missing_field')
  const r = await api.request('POST', '/api/v1/auth/login', {
    body: 'login=admin&password=shangliang-demo',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  })
  assertProblem(r, 400, 'unsupported_media_type')
})

test('repeated failures throttle the account: 429 login_throttled, even for the right password', async () => {
  const login = 'm1007'
  for (let i = 0; i < 5; i++) {
    const r = await api.post('/api/v1/auth/login', { login, password: `wrong-${i}-password` })
    assertProblem(r, 401, 'invalid_credentials')
  }
  const t = await api.post('/api/v1/auth/login', { login, password: 'wrong-again-password' })
  assertProblem(t, 429, 'login_throttled')
  assert.ok(t.json.retry_after_seconds > 0, String(t))
  assert.equal(t.header('retry-after'), String(t.json.retry_after_seconds))
  const right = await api.post('/api/v1/auth/login', { login, password: DEMO_PASSWORD })
  assertProblem(right, 429, 'login_throttled')
  // Another account from the same address is not locked.
  assert.ok(await api.login('m1008'))
})

test('bearer token login works with the Authorization header', async () => {
  const r = await api.post('/api/v1/auth/login', { login: 'leader', password: DEMO_PASSWORD, bearer: true })
  assert.equal(r.status, 200, String(r))
  assert.equal(r.json.token_type, 'Bearer')
  assert.equal(typeof r.json.token, 'string')
  assert.equal(sessionCookie(r), undefined, 'bearer login must not set the cookie')
  const me = await api.get('/api/v1/me', { bearer: r.json.token })
  assert.equal(me.status, 200, String(me))
  assert.equal(me.json.login, 'leader')
  assert.equal(me.json.memberships[0].role, 'leader')
  // Lower-case scheme is accepted too.
  const lower = await api.get('/api/v1/me', { headers: { authorization: `bearer ${r.json.token}` } })
  assert.equal(lower.status, 200)
  // Logout with the bearer token ends it.
  const out = await api.post('/api/v1/auth/logout', undefined, { bearer: r.json.token })
  assert.equal(out.status, 204)
  assertProblem(await api.get('/api/v1/me', { bearer: r.json.token }), 401, 'session_expired')
})

test('logout invalidates the session and clears the cookie', async () => {
  const a = await api.login('staff')
  const b = await api.login('staff')
  assert.notEqual(a, b)
  assert.equal((await api.get('/api/v1/me', { as: a })).status, 200)
  const out = await api.request('POST', '/api/v1/auth/logout', { as: a })
  assert.equal(out.status, 204)
  const cleared = out.headers.getSetCookie().find((c) => c.startsWith('sl_session='))
  assert.match(cleared ?? '', /^sl_session=;.*Max-Age=0/i)
  assertProblem(await api.get('/api/v1/me', { as: a }), 401, 'session_expired')
  // Only that session ended.
  assert.equal((await api.get('/api/v1/me', { as: b })).status, 200)
  // Logging out without a session is harmless.
  assert.equal((await api.request('POST', '/api/v1/auth/logout')).status, 204)
})

test('registration with the SMS code from the outbox; wrong code is 400 invalid_code', async () => {
  const mobile = uniqueMobile()
  const s = await api.post('/api/v1/auth/sms-codes', { mobile, purpose: 'register' })
  assert.equal(s.status, 202, String(s))
  assert.ok(s.json.retry_after_seconds > 0)
  const code = server.lastSmsCode(mobile)
  assert.match(code ?? '', /^\d{6}$/, 'no code in the outbox')
  // A second code within the interval is refused.
  assertProblem(await api.post('/api/v1/auth/sms-codes', { mobile, purpose: 'register' }), 429, 'sms_too_frequent')

  const wrong = code === '000000' ? '111111' : '000000'
  const body = { mobile, code: wrong, password: 'public-pass-1', display_name: '王公众' }
  assertProblem(await api.post('/api/v1/auth/register', body), 400, 'invalid_code')

  const r = await api.post('/api/v1/auth/register', { ...body, code })
  assert.equal(r.status, 201, String(r))
  const token = sessionCookie(r)
  assert.ok(token)
  assert.equal(r.json.person.is_public, true)
  assert.equal(r.json.person.mobile, mobile)
  const me = await api.get('/api/v1/me', { as: token })
  assert.equal(me.status, 200)
  assert.equal(me.json.is_public, true)
  assert.equal(me.json.is_superadmin, false)
  assert.equal(me.json.display_name, '王公众')
  assert.deepEqual(me.json.memberships, [])
  // The code is used up; the account logs in by mobile number.
  assertProblem(await api.post('/api/v1/auth/register', { ...body, code }), 400, 'invalid_code')
  assert.ok(await api.login(mobile, 'public-pass-1'))
})

test('invalid registration input is 400', async () => {
  assertProblem(await api.post('/api/v1/auth/sms-codes', { mobile: '12345', purpose: 'register' }), 400, 'invalid_mobile')
  assertProblem(
    await api.post('/api/v1/auth/sms-codes', { mobile: uniqueMobile(), purpose: 'spam' }),
    400,
    'invalid_purpose',
  )
  // A registered number cannot ask for a registration code.
  assertProblem(await api.post('/api/v1/auth/sms-codes', { mobile: '13800000002', purpose: 'register' }), 409, 'mobile_taken')
  const weak = await api.post('/api/v1/auth/register', {
    mobile: uniqueMobile(),
    code: '123456',
    password: 'short',
    display_name: '甲',
  })
  assertProblem(weak, 400, 'weak_password')
})

test('password change: wrong old password is 403; other sessions end, this one stays', async () => {
  const mobile = uniqueMobile()
  await api.post('/api/v1/auth/sms-codes', { mobile, purpose: 'register' })
  const reg = await api.post('/api/v1/auth/register', {
    mobile,
    code: server.lastSmsCode(mobile),
    password: 'first-password',
    display_name: '李改密',
  })
  assert.equal(reg.status, 201, String(reg))
  const current = sessionCookie(reg)
  const other = await api.login(mobile, 'first-password')

  const bad = await api.post('/api/v1/me/password', { old_password: 'not-it-at-all', new_password: 'second-password' }, { as: current })
  assertProblem(bad, 403, 'wrong_password')
  const weak = await api.post('/api/v1/me/password', { old_password: 'first-password', new_password: 'short' }, { as: current })
  assertProblem(weak, 400, 'weak_password')

  const ok = await api.post('/api/v1/me/password', { old_password: 'first-password', new_password: 'second-password' }, { as: current })
  assert.equal(ok.status, 204, String(ok))
  assert.equal((await api.get('/api/v1/me', { as: current })).status, 200, 'the session that changed the password stays')
  assertProblem(await api.get('/api/v1/me', { as: other }), 401, 'session_expired')
  assertProblem(await api.post('/api/v1/auth/login', { login: mobile, password: 'first-password' }), 401, 'invalid_credentials')
  assert.ok(await api.login(mobile, 'second-password'))
})

test('password reset by SMS code ends every session', async () => {
  const mobile = '13800000003' // leader (demo)
  const session = await api.login('leader')
  const s = await api.post('/api/v1/auth/sms-codes', { mobile, purpose: 'reset' })
  assert.equal(s.status, 202, String(s))
  const code = server.lastSmsCode(mobile)
  assert.match(code ?? '', /^\d{6}$/)
  const wrong = code === '000000' ? '111111' : '000000'
  assertProblem(
    await api.post('/api/v1/auth/password-reset', { mobile, code: wrong, new_password: 'leader-new-pass' }),
    400,
    'invalid_code',
  )
  const r = await api.post('/api/v1/auth/password-reset', { mobile, code, new_password: 'leader-new-pass' })
  assert.equal(r.status, 204, String(r))
  assertProblem(await api.get('/api/v1/me', { as: session }), 401, 'session_expired')
  assertProblem(await api.post('/api/v1/auth/login', { login: 'leader', password: DEMO_PASSWORD }), 401, 'invalid_credentials')
  assert.ok(await api.login('leader', 'leader-new-pass'))
  assert.ok(await api.login(mobile, 'leader-new-pass'), 'login by mobile number')

  // An unknown number gets the same answer, and no SMS.
  const unknown = uniqueMobile()
  const u = await api.post('/api/v1/auth/sms-codes', { mobile: unknown, purpose: 'reset' })
  assert.equal(u.status, 202)
  assert.deepEqual(server.smsCodes(unknown), [])
})

test('PATCH /api/v1/me changes preferences', async () => {
  const t = await api.login('member')
  const r = await api.patch('/api/v1/me', { locale: 'zh-TW', elderly_mode: true }, { as: t })
  assert.equal(r.status, 200, String(r))
  assert.equal(r.json.locale, 'zh-TW')
  assert.equal(r.json.elderly_mode, true)
  assertProblem(await api.patch('/api/v1/me', { locale: 'fr' }, { as: t }), 400, 'invalid_locale')
  const me = await api.get('/api/v1/me', { as: t })
  assert.equal(me.json.locale, 'zh-TW')
})

test('graceful shutdown: SIGTERM exits 0 within a few seconds', async () => {
  const r = await server.stop()
  assert.equal(r.signal, null, `killed by ${r.signal}`)
  assert.equal(r.code, 0, `exit code ${r.code}\n${server.log().slice(-2000)}`)
  assert.ok(r.ms < 5000, `took ${r.ms} ms`)
})
