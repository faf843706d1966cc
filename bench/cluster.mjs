// Two nodes against one, on one PostgreSQL (and one Redis for the pair), all on loopback:
//   - reply throughput: CONCURRENCY writers posting for DURATION seconds, all through node A
//     (one node) and then spread over A and B (two nodes);
//   - read throughput: the same with GET /api/v1/deliberations/{id}/events pages;
//   - live delivery latency of a post written on A to a viewer on A (same node) and on B
//     (across nodes through Redis): p50/p99 over SAMPLES posts, side by side in one run.
// Run through bench/cluster.sh (builds nothing; uses build/shangliang). Figures depend on the
// machine: on a shared 2-core machine both nodes and the database compete for the same cores.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, chmodSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Api, PROVINCE, REPO, unique } from '../tests/integration/harness.mjs'
import { openSocket } from '../tests/integration/ws-client.mjs'

const BIN = resolve(REPO, process.env.BIN ?? 'build/shangliang')
const DURATION = Number(process.env.DURATION ?? 10) * 1000
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8)
const SAMPLES = Number(process.env.SAMPLES ?? 100)
const SERVICES = join(REPO, 'scripts/services.sh')

const freePort = () =>
  new Promise((res) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => res(p))
    })
  })
const services = (...a) => {
  const r = spawnSync('bash', [SERVICES, ...a], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(r.stderr)
  return r.stdout.trim().split('\n').at(-1)
}

const tmp = mkdtempSync(join(tmpdir(), 'sl-bench-cluster-'))
chmodSync(tmp, 0o755)
const children = []
async function startNode(name, pgUrl, redisUrl, demo) {
  const child = spawn(
    BIN,
    [
      'serve',
      ...(demo ? ['--demo'] : []),
      `--database.url=${pgUrl}`,
      `--bus.redis_url=${redisUrl}`,
      '--server.host=127.0.0.1',
      '--server.port=0',
      `--data_dir=${join(tmp, 'shared')}`,
      `--notify.outbox_path=${join(tmp, `outbox-${name}.jsonl`)}`,
      '--log.access_log=false',
      '--server.write_rate_per_second=0',
      '--auth.argon2_memlimit_kib=8192',
      '--auth.argon2_opslimit=1',
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  children.push(child)
  let out = ''
  const port = await new Promise((res, rej) => {
    const on = (c) => {
      out += c
      const m = /listening on http:\/\/[0-9.]+:(\d+)/.exec(out)
      if (m) res(Number(m[1]))
    }
    child.stdout.on('data', on)
    child.stderr.on('data', on)
    child.on('exit', () => rej(new Error(`${name} exited:\n${out}`)))
  })
  return `http://127.0.0.1:${port}`
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN
}

// Requests per second of `fn(baseUrl)` with CONCURRENCY loops spread over `urls`.
async function throughput(urls, fn) {
  const end = Date.now() + DURATION
  let n = 0
  let errors = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, i) => {
      const url = urls[i % urls.length]
      while (Date.now() < end) {
        if (await fn(url)) n++
        else errors++
      }
    }),
  )
  return { rps: (n / DURATION) * 1000, errors }
}

let pgDir, redisDir
try {
  pgDir = join(tmp, 'pg')
  redisDir = join(tmp, 'redis')
  const pgUrl = services('start-postgres', pgDir, String(await freePort()))
  const redisUrl = services('start-redis', redisDir, String(await freePort()))
  const a = await startNode('a', pgUrl, redisUrl, true)
  const b = await startNode('b', pgUrl, redisUrl, false)
  const api = new Api(a)
  const [staff, member, leader] = await Promise.all(['staff', 'member', 'leader'].map((l) => api.login(l)))
  const prov = await api.orgByName(PROVINCE)
  const d = (await api.post('/api/v1/deliberations', { org_id: prov.id, theme: `集群压测${unique()}` }, { as: staff })).json
  await api.post(`/api/v1/deliberations/${d.id}/state`, { state: 'open' }, { as: staff })
  const post = async (url, body = '压测发言') =>
    (await new Api(url).post(`/api/v1/deliberations/${d.id}/posts`, { body }, { as: member })).status === 201
  const read = async (url) =>
    (await new Api(url).get(`/api/v1/deliberations/${d.id}/events?after_seq=0&limit=50`, { as: member })).status === 200

  const rows = []
  for (const [what, fn] of [['reply (POST post)', post], ['read (GET events page)', read]]) {
    const one = await throughput([a], fn)
    const two = await throughput([a, b], fn)
    rows.push(`${what.padEnd(24)} one node ${one.rps.toFixed(0).padStart(6)}/s   two nodes ${two.rps.toFixed(0).padStart(6)}/s   errors ${one.errors + two.errors}`)
  }

  // Live latency: post on A, time to the event on a viewer on A and on a viewer on B.
  const viewers = {}
  for (const [name, url] of [['same node', a], ['across nodes', b]]) {
    const r = await openSocket(`${url}/api/v1/live`, { headers: { cookie: `sl_session=${leader}` } })
    const v = { ws: r.client, lat: [], want: new Map() }
    v.ws.onText = (t) => {
      const m = JSON.parse(t)
      if (m.op === 'event' && m.event?.type === 'post.created') {
        const t0 = v.want.get(m.event.data.body)
        if (t0 !== undefined) v.lat.push(performance.now() - t0)
      }
    }
    v.ws.send({ op: 'subscribe', room: `deliberation:${d.id}`, after_seq: 0 })
    viewers[name] = v
  }
  await sleep(1000) // both subscriptions in effect at Redis
  for (let i = 0; i < SAMPLES; i++) {
    const body = `延迟样本 ${i} ${unique()}`
    const t0 = performance.now()
    for (const v of Object.values(viewers)) v.want.set(body, t0)
    await post(a, body)
    await sleep(20)
  }
  await sleep(1000)
  for (const [name, v] of Object.entries(viewers)) {
    rows.push(
      `live post → viewer, ${name.padEnd(13)} p50 ${pct(v.lat, 50).toFixed(1)} ms   p99 ${pct(v.lat, 99).toFixed(1)} ms   (${v.lat.length}/${SAMPLES} received)`,
    )
    v.ws.destroy()
  }
  console.log(`concurrency ${CONCURRENCY}, ${DURATION / 1000} s per measurement, ${SAMPLES} latency samples`)
  for (const r of rows) console.log(r)
} finally {
  for (const c of children) c.kill('SIGKILL')
  await sleep(300)
  try {
    if (redisDir) services('stop-redis', redisDir)
  } catch {}
  try {
    if (pgDir) services('stop-postgres', pgDir)
  } catch {}
  rmSync(tmp, { recursive: true, force: true })
}
