// Two server processes on one PostgreSQL and one Redis, all started here on loopback
// (scripts/services.sh). The nodes share the data directory (ledger keys, uploads) as a cluster
// shares it over a network file system.
//   1. a viewer on node B sees, in order and without gaps, every post written on node A;
//   2. node B is killed: the viewer reconnects to node A and catches up, no gap, no duplicate;
//   3. Redis restarts during a burst of posts: viewers resync and end with the full thread.
// The viewer is a client as the protocol asks (docs/api/live.md): it keeps the thread by seq,
// fetches /events?after_seq=<last> on `resync`, on a gap, and after (re)subscribing.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, chmodSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Api, PROVINCE, REPO, unique } from '../integration/harness.mjs'
import { openSocket } from '../integration/ws-client.mjs'

const BIN = resolve(REPO, process.env.SHANGLIANG_BIN ?? 'build/shangliang')
const SERVICES = join(REPO, 'scripts/services.sh')
const LISTENING = /listening on http:\/\/([0-9.]+):(\d+)/

let tmp, pgDir, redisDir, pgUrl, redisUrl, redisPort
const nodes = {}
let api, staff, member, leader, deliberation

function freePort() {
  return new Promise((res) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => res(p))
    })
  })
}

function services(...args) {
  const r = spawnSync('bash', [SERVICES, ...args], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`services.sh ${args.join(' ')}: ${r.stderr}`)
  return r.stdout.trim().split('\n').at(-1)
}

async function startNode(name, { demo = false } = {}) {
  const args = [
    'serve',
    ...(demo ? ['--demo'] : []),
    `--database.url=${pgUrl}`,
    `--bus.redis_url=${redisUrl}`,
    '--server.host=127.0.0.1',
    '--server.port=0',
    `--server.web_root=${join(tmp, 'web')}`,
    `--notify.outbox_path=${join(tmp, `outbox-${name}.jsonl`)}`,
    `--data_dir=${join(tmp, 'shared')}`,
    `--scheduler.node_name=${name}`,
    '--auth.argon2_memlimit_kib=8192',
    '--auth.argon2_opslimit=1',
    '--log.access_log=false',
    '--server.write_rate_per_second=0',
    '--ledger.checkpoint_interval_ms=200',
  ]
  const child = spawn(BIN, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const port = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${name} did not start:\n${output}`)), 60_000)
    const onData = (c) => {
      output += c.toString()
      const m = LISTENING.exec(output)
      if (m) {
        clearTimeout(timer)
        res(Number(m[2]))
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code, sig) => {
      clearTimeout(timer)
      rej(new Error(`${name} exited (${code}, ${sig}):\n${output}`))
    })
  })
  const exited = new Promise((res) => child.on('exit', res))
  const node = {
    name,
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    log: () => output,
    exited,
    async kill(signal = 'SIGKILL') {
      child.kill(signal)
      await exited
    },
  }
  nodes[name] = node
  return node
}

async function metric(node, name) {
  const r = await fetch(`${node.baseUrl}/metrics`)
  const text = await r.text()
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)
  return m ? Number(m[1]) : NaN
}

async function until(cond, what, ms = 20_000) {
  const deadline = Date.now() + ms
  for (;;) {
    if (await cond()) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

const ok = (r, status = 200) => {
  assert.equal(r.status, status, `${r.status} ${r.text?.slice?.(0, 300)}`)
  return r.json
}

// A viewer as the live protocol expects: holds the room's events by seq, fetches what it missed.
class Viewer {
  constructor(room, deliberationId, cookie) {
    this.room = room
    this.id = deliberationId
    this.cookie = cookie
    this.events = [] // event payloads, index = seq - 1
    this.live = [] // seqs as pushed live, in arrival order
    this.resyncs = 0
    this.fetches = 0
    this.gaps = 0
    this.fetching = null
  }
  get last() {
    return this.events.length
  }
  async connect(node) {
    this.node = node
    this.api = new Api(node.baseUrl)
    const r = await openSocket(`${node.baseUrl}/api/v1/live`, { headers: { cookie: `sl_session=${this.cookie}` } })
    assert.equal(r.status, 101)
    this.ws = r.client
    this.ws.onText = (text) => this.onMessage(JSON.parse(text))
    this.subscribed = new Promise((res) => (this.onSubscribed = res))
    this.ws.send({ op: 'subscribe', room: this.room, after_seq: this.last })
    const seq = await this.subscribed
    if (seq > this.last) await this.catchUp()
    return seq
  }
  // Resolves when the server answers a ping: every frame it queued before has arrived.
  ping() {
    return new Promise((res) => {
      this.onPong = res
      this.ws.send({ op: 'ping' })
    })
  }
  onMessage(m) {
    if (m.op === 'pong') return this.onPong?.()
    if (m.room !== this.room) return
    if (m.op === 'subscribed') this.onSubscribed(m.seq)
    else if (m.op === 'resync') {
      this.resyncs++
      this.catchUp()
    } else if (m.op === 'event') {
      this.live.push(m.seq)
      if (m.seq === this.last + 1) this.events.push(m.event)
      else if (m.seq > this.last + 1) {
        this.gaps++
        this.catchUp()
      } // seq <= last: already have it (it came with a fetch)
    }
  }
  catchUp() {
    // One fetch at a time; another round if more was asked for meanwhile.
    if (this.fetching) {
      this.again = true
      return this.fetching
    }
    this.fetching = (async () => {
      do {
        this.again = false
        this.fetches++
        for (;;) {
          const r = await this.api.get(`/api/v1/deliberations/${this.id}/events?after_seq=${this.last}&limit=500`, { as: this.cookie })
          if (r.status !== 200) break
          for (const e of r.json.items) if (e.seq === this.last + 1) this.events.push(e)
          if (r.json.items.length < 500) break
        }
      } while (this.again)
      this.fetching = null
    })().catch(() => {
      this.fetching = null
    })
    return this.fetching
  }
  // The thread as this viewer holds it: post ids of post.created events, in seq order.
  postIds() {
    return this.events.filter((e) => e.type === 'post.created').map((e) => e.data.id)
  }
  checkDense() {
    this.events.forEach((e, i) => assert.equal(e.seq, i + 1, `event ${i} has seq ${e.seq}`))
  }
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'sl-cluster-'))
  chmodSync(tmp, 0o755)
  pgDir = join(tmp, 'pg')
  redisDir = join(tmp, 'redis')
  pgUrl = services('start-postgres', pgDir, String(await freePort()))
  redisPort = await freePort()
  redisUrl = services('start-redis', redisDir, String(redisPort))
  await startNode('a', { demo: true })
  await startNode('b')
  api = new Api(nodes.a.baseUrl)
  ;[staff, member, leader] = await Promise.all(['staff', 'member', 'leader'].map((l) => api.login(l)))
  const prov = await api.orgByName(PROVINCE)
  deliberation = ok(await api.post('/api/v1/deliberations', { org_id: prov.id, theme: `集群协商${unique()}` }, { as: staff }), 201)
  ok(await api.post(`/api/v1/deliberations/${deliberation.id}/state`, { state: 'open' }, { as: staff }))
})

after(async () => {
  for (const n of Object.values(nodes)) {
    try {
      n.child.kill('SIGKILL')
    } catch {}
  }
  await Promise.all(Object.values(nodes).map((n) => Promise.race([n.exited, sleep(5000)])))
  try {
    services('stop-redis', redisDir)
  } catch {}
  try {
    services('stop-postgres', pgDir)
  } catch {}
  if (process.env.SL_TEST_KEEP_TMP) {
    for (const n of Object.values(nodes)) writeFileSync(join(tmp, `node-${n.name}.log`), n.log())
    console.log(`# kept ${tmp}`)
  } else rmSync(tmp, { recursive: true, force: true })
})

const room = () => `deliberation:${deliberation.id}`
const written = [] // post ids in the order their 201 came back (sequential writes)
const writePost = async (node, body) => {
  const a = new Api(node.baseUrl)
  const p = ok(await a.post(`/api/v1/deliberations/${deliberation.id}/posts`, { body }, { as: member }), 201)
  written.push(p.id)
  return p
}

let viewer

test('a viewer on node B sees every post written on node A, in order, without gaps', async () => {
  viewer = new Viewer(room(), deliberation.id, leader)
  await viewer.connect(nodes.b)
  // B's subscription to the room is in effect at Redis (a resync may have come with it).
  await until(async () => (await metric(nodes.b, 'shangliang_bus_rooms')) >= 1, 'B subscribed at Redis')
  await viewer.ping() // the resync that came with the subscription, if any, is in
  await until(() => !viewer.fetching, 'initial catch-up')
  const resyncsBefore = viewer.resyncs
  const liveBefore = viewer.live.length
  const base = viewer.last
  for (let i = 0; i < 25; i++) await writePost(nodes.a, `A 节点发言 ${i}`)
  await until(() => viewer.postIds().length === written.length, 'all 25 posts on B')
  viewer.checkDense()
  assert.deepEqual(viewer.postIds(), written)
  // They all came live, one by one in order: no resync, no gap, nothing fetched.
  const pushed = viewer.live.slice(liveBefore)
  assert.deepEqual(pushed, Array.from({ length: pushed.length }, (_, i) => base + 1 + i))
  assert.equal(pushed.length, 25)
  assert.equal(viewer.resyncs, resyncsBefore)
  assert.equal(viewer.gaps, 0)
  assert.ok((await metric(nodes.b, 'shangliang_bus_received_total')) >= 25)
  assert.ok((await metric(nodes.a, 'shangliang_bus_published_total')) >= 25)
})

test('node B dies: the viewer reconnects to node A and catches up, no gap and no duplicate', async () => {
  // Posts keep coming on A while B dies and the viewer moves.
  const writing = (async () => {
    for (let i = 0; i < 20; i++) {
      await writePost(nodes.a, `B 宕机期间 ${i}`)
      await sleep(20)
    }
  })()
  await sleep(100)
  await nodes.b.kill('SIGKILL')
  await viewer.ws.closed.catch(() => {})
  delete nodes.b
  await viewer.connect(nodes.a)
  await writing
  await until(() => viewer.postIds().length === written.length, 'the viewer has every post')
  await until(() => !viewer.fetching, 'catch-up done')
  viewer.checkDense()
  assert.deepEqual(viewer.postIds(), written, 'every post once, in order')
  assert.equal(new Set(viewer.postIds()).size, viewer.postIds().length)
  await viewer.ws.close()
})

test('Redis restarts during a burst: viewers on both nodes resync and end with the full thread', async () => {
  await startNode('b2')
  const onA = new Viewer(room(), deliberation.id, leader)
  const onB = new Viewer(room(), deliberation.id, leader)
  await onA.connect(nodes.a)
  await onB.connect(nodes.b2)
  await until(async () => (await metric(nodes.b2, 'shangliang_bus_rooms')) >= 1, 'B2 subscribed at Redis')
  await Promise.all([onA.ping(), onB.ping()])
  const resyncsBefore = [onA.resyncs, onB.resyncs]
  const burst = (async () => {
    for (let i = 0; i < 40; i++) {
      // Alternate the writing node; a write must succeed whatever Redis does.
      await writePost(i % 2 ? nodes.b2 : nodes.a, `突发 ${i}`)
      await sleep(15)
    }
  })()
  await sleep(150)
  services('stop-redis', redisDir, 'keep')
  await until(async () => (await metric(nodes.b2, 'shangliang_bus_connected')) === 0, 'B2 noticed Redis is gone')
  await sleep(300)
  redisUrl = services('start-redis', redisDir, String(redisPort))
  await burst
  for (const [n, v] of [[nodes.a, onA], [nodes.b2, onB]]) {
    await until(async () => (await metric(n, 'shangliang_bus_connected')) === 1, `${n.name} reconnected`)
    await until(() => v.postIds().length === written.length && !v.fetching, `viewer on ${n.name} has the full thread`)
    v.checkDense()
    assert.deepEqual(v.postIds(), written)
  }
  // The viewer on B2 was told to resync when B2's subscription came back.
  assert.ok(onB.resyncs > resyncsBefore[1], `B2 viewer resyncs: ${onB.resyncs}`)
  assert.ok((await metric(nodes.b2, 'shangliang_bus_reconnects_total')) >= 1)
  // One ledger for the whole cluster: both nodes serve the same latest checkpoint eventually.
  await until(async () => {
    const [x, y] = await Promise.all([nodes.a, nodes.b2].map((n) => fetch(`${n.baseUrl}/api/v1/ledger/checkpoint`).then((r) => r.text())))
    return x === y
  }, 'the same checkpoint on both nodes')
  await onA.ws.close()
  await onB.ws.close()
})

test('the checkpoint signer dies: the other node signs within seconds and covers new entries', async () => {
  const [a, b] = [nodes.a, nodes.b2]
  assert.equal(await metric(a, 'shangliang_ledger_signer'), 1, 'node a started first and signs')
  assert.equal(await metric(b, 'shangliang_ledger_signer'), 0, 'one signer per cluster')
  await a.kill('SIGKILL')
  delete nodes.a
  // PostgreSQL ends the dead node's session (and its advisory lock) when the socket closes.
  await until(async () => (await metric(b, 'shangliang_ledger_signer')) === 1, 'b2 took over signing', 30_000)
  await writePost(b, '接替之后的发言')
  const entries = Number(psqlValue('SELECT COUNT(*) FROM ledger_entries'))
  assert.ok(entries > written.length)
  await until(async () => {
    const cp = await fetch(`${b.baseUrl}/api/v1/ledger/checkpoint`).then((r) => r.text())
    return Number(cp.split('\n')[1]) === entries
  }, 'a checkpoint signed by b2 covering every entry')
})

function psqlValue(sql) {
  const r = spawnSync('psql', [pgUrl, '-qAtc', sql], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`)
  return r.stdout.trim()
}
