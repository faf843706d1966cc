// Behind nginx (server.trusted_proxies): X-Real-IP from a trusted proxy is the client's address,
// so the per-address write limit applies per client; from anyone else the header is ignored
// (a client cannot escape its limit by inventing addresses).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, unique } from './harness.mjs'

const LIMITS = ['--server.write_rate_per_second=1', '--server.write_burst=2']

async function writeAs(api, ip) {
  const r = await api.request('POST', '/api/v1/auth/login', {
    json: { login: `nobody${unique()}`, password: 'wrong-password' },
    headers: { 'x-real-ip': ip },
  })
  return r.status
}

test('a trusted proxy gives each client its own write limit', async () => {
  const server = await startServer([...LIMITS, '--server.trusted_proxies=10.9.9.9,127.0.0.1'])
  try {
    const first = [await writeAs(server.api, '192.0.2.1'), await writeAs(server.api, '192.0.2.1')]
    assert.ok(first.every((s) => s !== 429), `within the burst: ${first}`)
    assert.equal(await writeAs(server.api, '192.0.2.1'), 429)
    assert.notEqual(await writeAs(server.api, '192.0.2.2'), 429, 'another client behind the proxy shares the limit')
  } finally {
    await server.stop()
  }
})

test('X-Real-IP from a peer that is not a trusted proxy is ignored', async () => {
  const server = await startServer([...LIMITS, '--server.trusted_proxies=10.9.9.9'])
  try {
    await writeAs(server.api, '192.0.2.1')
    await writeAs(server.api, '192.0.2.1')
    assert.equal(await writeAs(server.api, '192.0.2.2'), 429, 'an invented X-Real-IP escaped the limit')
  } finally {
    await server.stop()
  }
})
