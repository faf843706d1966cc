// GET /api/v1/search over HTTP: parameters, validation and the response shape. What a caller
// finds is decided by the deliberation module's scope resolver; until that is wired in, no
// deliberation is readable, so every search is empty (the search itself is tested on SQLite
// and PostgreSQL in src/modules/search/search_test.cc and search_postgres_test.cc).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from './harness.mjs'

let server, api, member

before(async () => {
  server = await startServer()
  api = server.api
  member = await api.login('member')
})
after(async () => {
  await server?.stop()
})

const search = (params, o) => api.get(`/api/v1/search?${new URLSearchParams(params)}`, o)

function assertProblem(r, status, code) {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r}`)
  assert.match(r.contentType, /^application\/problem\+json/)
  assert.equal(r.json?.code, code, String(r))
}

test('anonymous visitors and members get a page (empty: nothing is readable yet)', async () => {
  for (const as of [undefined, member]) {
    const r = await search({ q: '養老 uber', author_id: '3', sector_id: '4', department_id: '5', subtopic: '社区养老', kind: 'post', from: '2026-01-01', to: '2026-11-22T08:30:00+08:00', limit: '5' }, { as })
    assert.equal(r.status, 200, String(r))
    assert.deepEqual(r.json, { items: [], next_cursor: null })
  }
})

test('q: 1 to 100 characters with something to search for', async () => {
  assertProblem(await search({}), 400, 'query_required')
  assertProblem(await search({ q: '  ' }), 400, 'query_required')
  assertProblem(await search({ q: '，。！' }), 400, 'query_without_text')
  assertProblem(await search({ q: '养'.repeat(101) }), 400, 'query_too_long')
  assert.equal((await search({ q: '养'.repeat(100) })).status, 200)
})

test('filters and paging parameters are checked', async () => {
  assertProblem(await search({ q: '养老', author_id: 'x' }), 400, 'invalid_author_id')
  assertProblem(await search({ q: '养老', sector_id: '0' }), 400, 'invalid_sector_id')
  assertProblem(await search({ q: '养老', deliberation_id: '-1' }), 400, 'invalid_deliberation_id')
  assertProblem(await search({ q: '养老', kind: 'comment' }), 400, 'invalid_kind')
  assertProblem(await search({ q: '养老', from: '2026-02-30' }), 400, 'invalid_from')
  assertProblem(await search({ q: '养老', to: '2026-11-22T25:00:00Z' }), 400, 'invalid_to')
  assertProblem(await search({ q: '养老', cursor: 'garbage' }), 400, 'invalid_cursor')
  assertProblem(await search({ q: '养老', limit: '101' }), 400, 'invalid_limit')
})

test('a deliberation that cannot be read is 404', async () => {
  assertProblem(await search({ q: '养老', deliberation_id: '1' }), 404, 'deliberation_not_found')
})

test('a session that is sent must be valid', async () => {
  const r = await search({ q: '养老' }, { as: 'not-a-session' })
  assert.equal(r.status, 401, String(r))
})
