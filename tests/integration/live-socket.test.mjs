// The web client's live socket (web/src/live/socket.ts), compiled on the fly with the
// project's TypeScript: first against a scripted fake WebSocket (ordering, gaps, resync,
// backoff), then against the real server across a restart (reconnect, then catch up).
import { after, before, mock, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import ts from 'typescript'
import { REPO, startServer } from './harness.mjs'
import { openSocket } from './ws-client.mjs'

let LiveSocket
const tmp = mkdtempSync(join(tmpdir(), 'shangliang-live-socket-'))

before(async () => {
  const src = readFileSync(join(REPO, 'web/src/live/socket.ts'), 'utf8')
  const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
  const file = join(tmp, 'socket.mjs')
  writeFileSync(file, out.outputText)
  ;({ LiveSocket } = await import(pathToFileURL(file).href))
})

after(() => rmSync(tmp, { recursive: true, force: true }))

const flush = () => new Promise((r) => setImmediate(r))

// A WebSocket the test plays the server of.
class FakeWs {
  static all = []
  constructor(url) {
    this.url = url
    this.readyState = 0
    this.sent = []
    FakeWs.all.push(this)
  }
  send(text) {
    this.sent.push(JSON.parse(text))
  }
  close() {
    this.readyState = 3
  }
  open() {
    this.readyState = 1
    this.onopen?.()
  }
  recv(msg) {
    this.onmessage?.({ data: JSON.stringify(msg) })
  }
  drop() {
    this.readyState = 3
    this.onclose?.({ code: 1006 })
  }
}

const ev = (room, seq) => ({ op: 'event', room, seq, event: { type: 'post.created', seq, at: '2026-11-22T08:00:00.000Z', data: {} } })

test('events are applied in order; gaps, resync and late subscription fetch the difference once', async () => {
  FakeWs.all = []
  const s = new LiveSocket({ url: 'ws://test/api/v1/live', WebSocketImpl: FakeWs, random: () => 0.5, pingMs: 1e9 })
  const room = 'deliberation:42'
  const shown = [] // what the view shows, fetched or pushed
  const calls = []
  let release = null
  const sub = s.subscribe(room, {
    afterSeq: 2,
    onEvent: (e, seq) => shown.push(seq),
    catchUp: (r, afterSeq, upTo) => {
      calls.push([afterSeq, upTo])
      return new Promise((resolve) => {
        release = () => {
          for (let q = afterSeq + 1; q <= upTo; q++) shown.push(q)
          resolve(upTo)
        }
      })
    },
  })
  const ws = FakeWs.all[0]
  ws.open()
  assert.deepEqual(ws.sent, [{ op: 'subscribe', room, after_seq: 2 }])

  ws.recv({ op: 'subscribed', room, seq: 5 })
  assert.deepEqual(calls, [[2, 5]])
  ws.recv(ev(room, 6)) // held while fetching
  ws.recv(ev(room, 7))
  assert.deepEqual(shown, [])
  release()
  await flush()
  assert.deepEqual(shown, [3, 4, 5, 6, 7])
  assert.equal(sub.applied, 7)

  ws.recv(ev(room, 9)) // 8 is missing
  assert.deepEqual(calls.at(-1), [7, 8])
  release()
  await flush()
  assert.deepEqual(shown, [3, 4, 5, 6, 7, 8, 9])
  ws.recv(ev(room, 9)) // duplicate
  ws.recv(ev(room, 5)) // already fetched
  ws.recv({ op: 'event', room, seq: 0, event: { type: 'viewers', seq: 0, at: '', data: {} } })
  assert.deepEqual(shown, [3, 4, 5, 6, 7, 8, 9, 0])

  ws.recv({ op: 'resync', room })
  assert.deepEqual(calls.at(-1), [9, 9])
  release()
  await flush()
  ws.recv(ev(room, 10))
  assert.deepEqual(shown, [3, 4, 5, 6, 7, 8, 9, 0, 10])
  assert.equal(calls.length, 3)

  ws.recv({ op: 'presence', room, online: 12, people: [{ id: 1, name: '张三' }] })
  assert.deepEqual(sub.presence, { online: 12, people: [{ id: 1, name: '张三' }] })
  ws.recv(ev('deliberation:43', 1)) // not ours
  assert.equal(shown.length, 9)

  sub.unsubscribe()
  assert.deepEqual(ws.sent.at(-1), { op: 'unsubscribe', room })
  ws.recv(ev(room, 11))
  assert.equal(shown.length, 9)
  s.reset()
})

test('a failing catch-up is retried; a dropped connection reconnects with growing delays and resubscribes', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] })
  try {
    FakeWs.all = []
    const s = new LiveSocket({ url: 'ws://test/api/v1/live', WebSocketImpl: FakeWs, random: () => 0.5, pingMs: 1e9, baseDelayMs: 500 })
    const room = 'deliberation:7'
    let fail = 1
    const calls = []
    const statuses = []
    s.onStatus((st) => statuses.push(st))
    const sub = s.subscribe(room, {
      onEvent: () => {},
      catchUp: async (r, afterSeq, upTo) => {
        calls.push([afterSeq, upTo])
        if (fail-- > 0) throw new Error('network')
        return upTo
      },
    })
    FakeWs.all[0].open()
    FakeWs.all[0].recv({ op: 'subscribed', room, seq: 3 })
    await flush()
    assert.equal(calls.length, 1)
    mock.timers.tick(500) // the first retry waits baseDelayMs (random 0.5 → factor 1)
    await flush()
    await flush()
    assert.equal(calls.length, 2)
    assert.equal(sub.applied, 3)

    // The connection drops: 500, 1000, 2000 ms between attempts while the server is away.
    FakeWs.all[0].drop()
    for (const [i, delay] of [500, 1000, 2000].entries()) {
      mock.timers.tick(delay - 1)
      assert.equal(FakeWs.all.length, 1 + i, `no attempt before ${delay} ms`)
      mock.timers.tick(1)
      assert.equal(FakeWs.all.length, 2 + i, `attempt after ${delay} ms`)
      if (i < 2) FakeWs.all.at(-1).drop()
    }
    const ws = FakeWs.all.at(-1)
    ws.open()
    assert.deepEqual(ws.sent, [{ op: 'subscribe', room, after_seq: 3 }])
    assert.deepEqual(statuses.slice(0, 3), ['closed', 'connecting', 'open'])
    assert.equal(statuses.at(-1), 'open')
    // After a success the backoff starts again from the beginning.
    ws.drop()
    mock.timers.tick(500)
    assert.equal(FakeWs.all.length, 5)
    // Login or logout: a fresh connection at once, the rooms resubscribed from where they were.
    FakeWs.all.at(-1).open()
    s.sessionChanged()
    assert.equal(FakeWs.all.length, 6)
    FakeWs.all.at(-1).open()
    assert.deepEqual(FakeWs.all.at(-1).sent, [{ op: 'subscribe', room, after_seq: 3 }])
    s.reset()
  } finally {
    mock.timers.reset()
  }
})

// A browser-like WebSocket over the test client (Node 20 has none without a flag).
class NodeWs {
  constructor(url) {
    this.readyState = 0
    openSocket(url.replace(/^ws/, 'http')).then(
      (r) => {
        if (r.status !== 101) return this.fail()
        this.client = r.client
        this.client.onText = (text) => this.onmessage?.({ data: text })
        this.client.closed.then((c) => {
          this.readyState = 3
          this.onclose?.(c)
        })
        this.readyState = 1
        this.onopen?.()
      },
      () => this.fail(),
    )
  }
  fail() {
    this.readyState = 3
    this.onclose?.({ code: 1006 })
  }
  send(text) {
    this.client?.send(text)
  }
  close() {
    this.client?.close()
  }
}

test('across a server restart the socket reconnects by itself and catches up what it missed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shangliang-live-restart-'))
  // Both servers share one database and data folder; the bench room's numbers follow the clock.
  const args = [`--database.url=sqlite:${join(dir, 'db.sqlite')}`, `--data_dir=${join(dir, 'data')}`, '--live.bench_publish_per_second=20']
  let server = await startServer(args)
  const port = new URL(server.baseUrl).port
  const s = new LiveSocket({ url: `ws://127.0.0.1:${port}/api/v1/live`, WebSocketImpl: NodeWs, baseDelayMs: 100, maxDelayMs: 400 })
  const applied = []
  const fetched = []
  s.subscribe('bench', {
    onEvent: (e, seq) => applied.push(seq),
    // The bench room has nothing to fetch: pretend the view fetched up to what the server announced.
    catchUp: async (room, afterSeq, upTo) => {
      fetched.push([afterSeq, upTo])
      return upTo
    },
  })
  try {
    const waitFor = async (pred, what) => {
      for (let i = 0; i < 300 && !pred(); i++) await sleep(50)
      assert.ok(pred(), what)
    }
    await waitFor(() => applied.length >= 5, 'events before the restart')
    await server.stop()
    await waitFor(() => s.status !== 'open', 'the socket noticed the stop')
    const beforeRestart = applied.at(-1)
    await sleep(500) // ticks go on being numbered while the server is away
    server = await startServer([...args, `--server.port=${port}`])
    await waitFor(() => applied.length > 0 && applied.at(-1) > beforeRestart + 15, 'events after the restart')
    // Reconnecting found the gap and fetched it once; everything applied stayed in order.
    const gap = fetched.find(([afterSeq]) => afterSeq === beforeRestart)
    assert.ok(gap, `a catch-up from ${beforeRestart}: ${JSON.stringify(fetched)}`)
    assert.ok(gap[1] > beforeRestart)
    const seen = [...applied]
    for (let i = 1; i < seen.length; i++) {
      if (seen[i] !== seen[i - 1] + 1) {
        assert.ok(fetched.some(([a, u]) => a === seen[i - 1] && u === seen[i] - 1), `hole ${seen[i - 1]}→${seen[i]} was fetched`)
      }
    }
    assert.equal(s.status, 'open')
  } finally {
    s.reset()
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
