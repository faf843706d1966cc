// Cross-cutting HTTP behaviour: ETags, Idempotency-Key, problem+json errors (400, 404, 405,
// 413), same-origin check, request ids, and the system routes.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { MAX_BODY_BYTES, PROVINCE, startServer, unique } from './harness.mjs'

let server, api, admin, staff, prov

before(async () => {
  server = await startServer()
  api = server.api
  admin = await api.login('admin')
  staff = await api.login('staff')
  prov = await api.orgByName(PROVINCE)
})
after(async () => {
  await server?.stop()
})

function assertProblem(r, status, code) {
  assert.equal(r.status, status, `expected ${status} ${code ?? ''}, got ${r}`)
  assert.match(r.contentType, /^application\/problem\+json/, `content type of ${r}`)
  assert.equal(r.json?.status, status)
  if (code) assert.equal(r.json?.code, code, `problem code of ${r}`)
}

test('ETag: GET /api/v1/orgs/{id} has one; If-None-Match answers 304; a change gives a new one', async () => {
  const o = (await api.post('/api/v1/orgs', { parent_id: prov.id, name: `市${unique()}`, level: 'city', kind: 'cppcc' }, { as: admin })).json
  const r = await api.get(`/api/v1/orgs/${o.id}`)
  assert.equal(r.status, 200)
  const etag = r.header('etag')
  assert.match(etag ?? '', /^"[^"]+"$/, `ETag ${etag}`)
  const again = await api.get(`/api/v1/orgs/${o.id}`)
  assert.equal(again.header('etag'), etag, 'the same body has the same ETag')

  const nm = await api.get(`/api/v1/orgs/${o.id}`, { headers: { 'if-none-match': etag } })
  assert.equal(nm.status, 304)
  assert.equal(nm.bytes.length, 0)
  assert.equal(nm.header('etag'), etag)
  const weak = await api.get(`/api/v1/orgs/${o.id}`, { headers: { 'if-none-match': `"nope", W/${etag}` } })
  assert.equal(weak.status, 304, 'weak comparison over a list')
  const other = await api.get(`/api/v1/orgs/${o.id}`, { headers: { 'if-none-match': '"something-else"' } })
  assert.equal(other.status, 200)

  const renamed = await api.patch(`/api/v1/orgs/${o.id}`, { name: `市改${unique()}` }, { as: admin })
  assert.equal(renamed.status, 200)
  const changed = await api.get(`/api/v1/orgs/${o.id}`, { headers: { 'if-none-match': etag } })
  assert.equal(changed.status, 200, 'a stale ETag does not match')
  assert.notEqual(changed.header('etag'), etag)
  // Errors carry no ETag.
  const missing = await api.get('/api/v1/orgs/999999')
  assert.equal(missing.status, 404)
  assert.equal(missing.header('etag'), null)
  // Authenticated GETs too.
  const me = await api.get('/api/v1/me', { as: staff })
  const me304 = await api.get('/api/v1/me', { as: staff, headers: { 'if-none-match': me.header('etag') } })
  assert.equal(me304.status, 304)
})

test('Idempotency-Key: a retry replays the first answer and creates one record; another body is 422', async () => {
  const name = `界别${unique()}`
  const key = `key-${unique()}`
  const path = `/api/v1/orgs/${prov.id}/sectors`
  const first = await api.post(path, { name }, { as: staff, headers: { 'idempotency-key': key } })
  assert.equal(first.status, 201, String(first))
  const second = await api.post(path, { name }, { as: staff, headers: { 'idempotency-key': key } })
  assert.equal(second.status, 201, String(second))
  assert.equal(second.text, first.text, 'same body')
  assert.equal(second.header('idempotent-replayed'), 'true')
  const list = (await api.get(path)).json.items.filter((s) => s.name === name)
  assert.equal(list.length, 1, 'one sector created')
  // Without the key the same request is a real second attempt.
  assertProblem(await api.post(path, { name }, { as: staff }), 409, 'sector_exists')
  // Same key, different body.
  const reused = await api.post(path, { name: `${name}2` }, { as: staff, headers: { 'idempotency-key': key } })
  assertProblem(reused, 422, 'idempotency_key_reused')
  assert.equal((await api.get(path)).json.items.filter((s) => s.name === `${name}2`).length, 0)
  // Keys belong to the caller: another session with the same key acts on its own.
  const other = await api.post(path, { name: `${name}3` }, { as: admin, headers: { 'idempotency-key': key } })
  assert.equal(other.status, 201, String(other))
  // A replayed error stays the same error.
  const k2 = `key-${unique()}`
  const e1 = await api.post(path, { name }, { as: staff, headers: { 'idempotency-key': k2 } })
  assertProblem(e1, 409, 'sector_exists')
  const e2 = await api.post(path, { name }, { as: staff, headers: { 'idempotency-key': k2 } })
  assert.equal(e2.status, 409)
  assert.equal(e2.text, e1.text)
  assertProblem(await api.post(path, { name: 'x' }, { as: staff, headers: { 'idempotency-key': 'k'.repeat(201) } }), 400, 'invalid_idempotency_key')
})

test('Idempotency-Key on create organisation: one record, Location replayed', async () => {
  const key = `org-${unique()}`
  const body = { parent_id: prov.id, name: `幂等市${unique()}`, level: 'city', kind: 'cppcc' }
  const a = await api.post('/api/v1/orgs', body, { as: admin, headers: { 'idempotency-key': key } })
  const b = await api.post('/api/v1/orgs', body, { as: admin, headers: { 'idempotency-key': key } })
  assert.equal(a.status, 201, String(a))
  assert.equal(b.status, 201)
  assert.equal(b.json.id, a.json.id)
  assert.equal(b.header('location'), a.header('location'))
  const children = await api.all(`/api/v1/orgs?parent_id=${prov.id}`)
  assert.equal(children.filter((o) => o.name === body.name).length, 1)
})

test('Idempotency-Key is ignored on authentication routes: a retried login logs in again, nothing is stored', async () => {
  const headers = { 'idempotency-key': `login-${unique()}` }
  const a = await api.post('/api/v1/auth/login', { login: 'staff', password: 'shangliang-demo' }, { headers })
  const b = await api.post('/api/v1/auth/login', { login: 'staff', password: 'shangliang-demo' }, { headers })
  assert.equal(a.status, 200)
  assert.equal(b.status, 200)
  assert.equal(b.header('idempotent-replayed'), null, 'an authentication answer was replayed from storage')
  const cookieA = a.headers.getSetCookie().find((c) => c.startsWith('sl_session='))
  const cookieB = b.headers.getSetCookie().find((c) => c.startsWith('sl_session='))
  assert.ok(cookieA && cookieB, 'each login sets its own session cookie')
  assert.notEqual(cookieA, cookieB)
})

test('bad JSON is 400 invalid_json problem', async () => {
  const r = await api.request('POST', '/api/v1/auth/login', { body: '{"login": "admin",', headers: { 'content-type': 'application/json' } })
  assertProblem(r, 400, 'invalid_json')
  assert.equal(r.json.instance, '/api/v1/auth/login')
  const arr = await api.request('POST', `/api/v1/orgs/${prov.id}/sectors`, { as: staff, body: '["a"]', headers: { 'content-type': 'application/json' } })
  assertProblem(arr, 400, 'invalid_json')
  const wrongType = await api.post(`/api/v1/orgs/${prov.id}/sectors`, { name: 42 }, { as: staff })
  assertProblem(wrongType, 400, 'invalid_field')
})

test('unknown route is 404 problem; wrong method is 405 with Allow', async () => {
  assertProblem(await api.get('/api/v1/no-such-thing'), 404, 'not_found')
  assertProblem(await api.get('/api/v2/orgs'), 404, 'not_found')
  assertProblem(await api.get('/api/v1/orgs/1/nothing'), 404, 'not_found')
  const r = await api.request('DELETE', '/api/v1/me', { as: staff })
  assertProblem(r, 405, 'method_not_allowed')
  const allow = (r.header('allow') ?? '').split(/,\s*/).sort()
  assert.deepEqual(allow, ['GET', 'HEAD', 'PATCH'])
  assertProblem(await api.request('PUT', '/api/v1/orgs'), 405, 'method_not_allowed')
  assertProblem(await api.request('GET', '/api/v1/auth/login'), 405, 'method_not_allowed')
})

// fetch may see the connection close while it still sends; node:http reads the answer anyway.
function rawPost(path, body, headers) {
  const url = new URL(server.baseUrl + path)
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method: 'POST', headers: { ...headers, 'content-length': body.length } }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

test('a body over the limit is 413 problem', async () => {
  const big = Buffer.from(JSON.stringify({ login: 'admin', password: 'x'.repeat(MAX_BODY_BYTES) }))
  assert.ok(big.length > MAX_BODY_BYTES)
  const r = await rawPost('/api/v1/auth/login', big, { 'content-type': 'application/json' })
  assert.equal(r.status, 413, r.text)
  assert.match(r.headers['content-type'] ?? '', /^application\/problem\+json/)
  assert.equal(JSON.parse(r.text).code, 'payload_too_large')
  // The server is fine afterwards.
  assert.equal((await api.get('/healthz')).status, 200)
})

test('cross-site writes with the session cookie are refused', async () => {
  const path = `/api/v1/orgs/${prov.id}/sectors`
  const evil = await api.post(path, { name: `跨站${unique()}` }, { as: staff, headers: { origin: 'https://evil.example' } })
  assertProblem(evil, 403, 'cross_origin')
  const same = await api.post(path, { name: `同源${unique()}` }, { as: staff, headers: { origin: server.baseUrl } })
  assert.equal(same.status, 201, String(same))
})

test('/healthz and /readyz', async () => {
  const h = await api.get('/healthz')
  assert.equal(h.status, 200)
  assert.deepEqual(h.json, { status: 'ok' })
  const r = await api.get('/readyz')
  assert.equal(r.status, 200, String(r))
  assert.deepEqual(r.json, { status: 'ready', database: true, migrations_current: true })
  const head = await api.request('HEAD', '/healthz')
  assert.equal(head.status, 200)
  assert.equal(head.bytes.length, 0)
})

test('/metrics is Prometheus text with shangliang_http_requests_total', async () => {
  await api.get('/api/v1/orgs')
  const r = await api.get('/metrics')
  assert.equal(r.status, 200)
  assert.match(r.contentType, /^text\/plain/)
  assert.match(r.text, /^# TYPE shangliang_http_requests_total counter$/m)
  assert.match(r.text, /^shangliang_http_requests_total\{[^}]*\/api\/v1\/orgs[^}]*\} [1-9]/m)
})

test('X-Request-Id is echoed when supplied, generated otherwise', async () => {
  const id = `it-${unique()}`
  const r = await api.get('/healthz', { headers: { 'x-request-id': id } })
  assert.equal(r.header('x-request-id'), id)
  const gen = await api.get('/healthz')
  assert.match(gen.header('x-request-id') ?? '', /^[A-Za-z0-9._-]{8,}$/)
  const insane = await api.get('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } })
  assert.notEqual(insane.header('x-request-id'), 'bad id with spaces')
  const onError = await api.get('/api/v1/nothing-here', { headers: { 'x-request-id': id } })
  assert.equal(onError.header('x-request-id'), id)
})

test('/api/v1/openapi.json is OpenAPI 3.1.x and describes the org routes', async () => {
  const r = await api.get('/api/v1/openapi.json')
  assert.equal(r.status, 200)
  assert.match(r.contentType, /^application\/json/)
  assert.match(r.json.openapi, /^3\.1\.\d+$/)
  assert.ok(r.json.paths['/api/v1/orgs/{id}']?.get, 'GET /api/v1/orgs/{id}')
  assert.ok(r.json.components.schemas.Problem)
  assert.equal(r.json.components.securitySchemes.cookieAuth.name, 'sl_session')
})

test('graceful shutdown: SIGTERM exits 0 within a few seconds', async () => {
  const r = await server.stop()
  assert.equal(r.signal, null, `killed by ${r.signal}`)
  assert.equal(r.code, 0, `exit code ${r.code}\n${server.log().slice(-2000)}`)
  assert.ok(r.ms < 5000, `took ${r.ms} ms`)
})
