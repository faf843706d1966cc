// GET /api/v1/live: the WebSocket against the real server, with a minimal client over node:net
// (ws-client.mjs). The rooms used here are the server's own: "ledger" (each new signed
// checkpoint) and "bench" (numbered ticks, enabled by live.bench_publish_per_second).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from './harness.mjs'
import { encodeFrame, openSocket } from './ws-client.mjs'

let server, api, adminToken, memberBearer
const wsUrl = () => `${server.baseUrl}/api/v1/live`

before(async () => {
  server = await startServer([
    '--ledger.checkpoint_interval_ms=100',
    '--live.presence_interval_ms=50',
    '--live.bench_publish_per_second=40',
    '--live.max_message_bytes=1024',
  ])
  api = server.api
  adminToken = await api.login('admin')
  memberBearer = await api.login('member', undefined, { bearer: true })
})

after(async () => {
  await server?.stop()
})

async function open(opts) {
  const r = await openSocket(wsUrl(), opts)
  assert.equal(r.status, 101, `upgrade: ${r.status} ${r.body ?? ''}`)
  return r.client
}

test('a plain GET is told to upgrade', async () => {
  const r = await api.get('/api/v1/live')
  assert.equal(r.status, 426)
  assert.equal(r.header('upgrade'), 'websocket')
  assert.equal(r.json.code, 'upgrade_required')
})

test('ping, bad messages and unknown rooms get answers, not a closed socket', async () => {
  const ws = await open()
  ws.send({ op: 'ping' })
  assert.deepEqual(await ws.next(), { op: 'pong' })
  ws.send('not json')
  assert.equal((await ws.next()).code, 'bad_message')
  ws.send({ op: 'subscribe', room: 'nosuchtype:1' })
  const e = await ws.next()
  assert.equal(e.op, 'error')
  assert.equal(e.code, 'unknown_room')
  assert.equal(e.room, 'nosuchtype:1')
  ws.send({ op: 'subscribe', room: 'ledger:5' })
  assert.equal((await ws.next()).code, 'not_found')
  ws.send({ op: 'subscribe', room: 'Ledger' })
  assert.equal((await ws.next()).code, 'invalid_room')
  ws.send({ op: 'ping' })
  assert.deepEqual(await ws.next(), { op: 'pong' })
  await ws.close()
})

test('a message over live.max_message_bytes closes the socket with 1009', async () => {
  const ws = await open()
  ws.send(JSON.stringify({ op: 'ping', pad: 'x'.repeat(2000) }))
  const c = await ws.closed
  assert.equal(c.code, 1009)
})

test('binary frames are refused with 1003', async () => {
  const ws = await open()
  ws.raw(encodeFrame(0x2, Buffer.from([1, 2, 3])))
  assert.equal((await ws.closed).code, 1003)
})

test('the ledger room announces each new signed checkpoint', async () => {
  const ws = await open()
  ws.send({ op: 'subscribe', room: 'ledger', after_seq: 0 })
  const sub = await ws.next((m) => m.op === 'subscribed')
  assert.deepEqual(sub, { op: 'subscribed', room: 'ledger', seq: 0 })
  const before = await api.get('/api/v1/ledger/checkpoint')
  const sizeBefore = Number(before.text.split('\n')[1])
  // A change appends a ledger entry; the checkpointer signs it within ~100 ms.
  const prov = await api.orgByName('江南省政协')
  const r = await api.post(`/api/v1/orgs/${prov.id}/sectors`, { name: `实时界${Date.now() % 100000}` }, { as: adminToken })
  assert.equal(r.status, 201, `${r}`)
  const ev = await ws.next((m) => m.op === 'event' && m.event.data.size > sizeBefore)
  assert.equal(ev.room, 'ledger')
  assert.equal(ev.seq, 0)
  assert.equal(ev.event.type, 'ledger.checkpoint')
  assert.match(ev.event.at, /^\d{4}-\d\d-\d\dT/)
  const after = await api.get('/api/v1/ledger/checkpoint')
  assert.ok(Number(after.text.split('\n')[1]) >= ev.event.data.size)
  await ws.close()
})

test('events arrive in sequence order, and presence names signed-in viewers', async () => {
  const member = await open({ headers: { authorization: `Bearer ${memberBearer}` } })
  const visitor = await open()
  member.send({ op: 'subscribe', room: 'bench', after_seq: 0 })
  const sub = await member.next((m) => m.op === 'subscribed')
  assert.ok(sub.seq >= 0)
  visitor.send({ op: 'subscribe', room: 'bench' })
  await visitor.next((m) => m.op === 'subscribed')

  // The next ten events, without holes, each numbered one more than the last.
  let last = sub.seq
  for (let i = 0; i < 10; i++) {
    const ev = await member.next((m) => m.op === 'event')
    assert.equal(ev.room, 'bench')
    assert.equal(ev.seq, last + 1, 'no gap')
    assert.equal(ev.event.type, 'bench.tick')
    assert.equal(ev.event.seq, ev.seq)
    last = ev.seq
  }
  const me = await api.get('/api/v1/me', { as: { bearer: memberBearer } })
  const presence = await visitor.next((m) => m.op === 'presence' && m.online >= 2)
  assert.equal(presence.room, 'bench')
  assert.ok(presence.people.some((p) => p.id === me.json.id && p.name === me.json.display_name), JSON.stringify(presence))
  // Unsubscribing stops the events.
  member.send({ op: 'unsubscribe', room: 'bench' })
  member.send({ op: 'ping' })
  await member.next((m) => m.op === 'pong')
  member.messages.length = 0
  await new Promise((r) => setTimeout(r, 150))
  assert.equal(member.messages.filter((m) => m.op === 'event').length, 0)
  await member.close()
  await visitor.close()
})

test('a session cookie from another site is refused; from this site it is accepted', async () => {
  const host = new URL(server.baseUrl).host
  const cross = await openSocket(wsUrl(), { headers: { cookie: `sl_session=${adminToken}`, origin: 'https://evil.example' } })
  assert.equal(cross.status, 403)
  assert.equal(JSON.parse(cross.body).code, 'cross_origin')
  const same = await openSocket(wsUrl(), { headers: { cookie: `sl_session=${adminToken}`, origin: `http://${host}` } })
  assert.equal(same.status, 101)
  // Without a cookie there is nothing to steal: any origin may watch as a visitor.
  const anon = await openSocket(wsUrl(), { headers: { origin: 'https://elsewhere.example' } })
  assert.equal(anon.status, 101)
  // An expired or unknown session watches as a visitor rather than failing to connect.
  const stale = await openSocket(wsUrl(), { headers: { authorization: 'Bearer nosuchtoken' } })
  assert.equal(stale.status, 101)
  for (const c of [same.client, anon.client, stale.client]) await c.close()
})

test('metrics count live connections, rooms and frames', async () => {
  const ws = await open()
  ws.send({ op: 'subscribe', room: 'bench' })
  await ws.next((m) => m.op === 'subscribed')
  await ws.next((m) => m.op === 'event')
  const m = (await api.get('/metrics')).text
  const value = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(m)?.[1])
  assert.ok(value('shangliang_live_connections') >= 1, m)
  assert.ok(value('shangliang_live_rooms') >= 1)
  assert.ok(value('shangliang_live_frames_sent_total') >= 2)
  assert.ok(value('shangliang_live_resyncs_total') >= 0)
  assert.match(m, /# TYPE shangliang_live_frames_sent_total counter/)
  await ws.close()
})

// Last: stopping the server says "going away" (1001) to every socket, so clients reconnect.
test('a stopping server closes sockets with 1001', async () => {
  const ws = await open()
  ws.send({ op: 'subscribe', room: 'ledger' })
  await ws.next((m) => m.op === 'subscribed')
  const stopping = server.stop()
  const c = await ws.closed
  assert.equal(c.code, 1001)
  const exit = await stopping
  assert.equal(exit.code, 0)
})
