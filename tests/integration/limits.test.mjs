// The per-address write limit (server.write_rate_per_second / server.write_burst).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from './harness.mjs'

test('writes beyond the burst are 429 rate_limited with Retry-After; reads are not limited', async () => {
  const server = await startServer(['--server.write_rate_per_second=1', '--server.write_burst=3'])
  try {
    const api = server.api
    const statuses = []
    for (let i = 0; i < 5; i++) {
      const r = await api.post('/api/v1/auth/login', { login: 'nobody', password: 'wrong-password' })
      statuses.push(r.status)
      if (r.status === 429) {
        assert.equal(r.json.code, 'rate_limited')
        assert.ok(Number(r.header('retry-after')) >= 1)
        assert.match(r.header('content-type'), /application\/problem\+json/)
      }
    }
    assert.deepEqual(statuses, [401, 401, 401, 429, 429])
    for (let i = 0; i < 10; i++) assert.equal((await api.get('/api/v1/orgs?parent_id=root')).status, 200)
  } finally {
    const exit = await server.stop()
    assert.equal(exit.code, 0)
  }
})
