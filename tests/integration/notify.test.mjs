// Notification delivery (C13) against the real server, with a fake SMTP server and a fake SMS
// gateway written here (real sockets on loopback):
//   - preferences over the API; SMS through the generic HTTP gateway and e-mail through SMTP
//     (libcurl), in the recipient's language; retries with backoff; permanent failures;
//   - the unread count live over the WebSocket in the person's room inbox:<id>;
//   - crashes: kill -9 between the claim and the send (the SMTP server has not even greeted)
//     and between the send and its record (the gateway has the message, the server dies before
//     the answer): after a restart each message reaches the provider's mailbox exactly once —
//     the first case is sent once; the second is sent twice with one idempotency key, which the
//     gateway honours (at-least-once delivery + idempotency = exactly-once effect);
//   - the once-per-cluster job runner: on PostgreSQL two server processes on one database, one
//     runs the jobs, kill -9 it and the other takes over; on SQLite the one node runs them.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createTcpServer } from 'node:net'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Api, DEMO_PASSWORD, PROVINCE, REPO, freshDatabase, unique } from './harness.mjs'
import { openSocket } from './ws-client.mjs'

const PG = !!process.env.SL_TEST_DATABASE_URL

// ---- fakes --------------------------------------------------------------------------------

/** A fake SMS gateway: records every request; de-duplicates by Idempotency-Key like a real one. */
function fakeGateway() {
  const g = {
    requests: [], // {key, body, contentType, authorization}
    delivered: new Map(), // key -> body (first accepted copy)
    mode: 'ok', // ok | hold | reject
    failNext: 0, // answer 503 to this many requests first
    onRequest: null,
    held: [],
  }
  g.server = createHttpServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const key = req.headers['idempotency-key'] ?? ''
      g.requests.push({ key, body, contentType: req.headers['content-type'], authorization: req.headers.authorization })
      g.onRequest?.(req)
      if (g.failNext > 0) {
        g.failNext--
        res.writeHead(503).end('busy')
        return
      }
      if (g.mode === 'reject') {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid mobile"}')
        return
      }
      // The provider has the message as soon as the request arrived.
      const duplicate = g.delivered.has(key)
      if (!duplicate) g.delivered.set(key, JSON.parse(body))
      if (g.mode === 'hold') {
        g.held.push(res) // never answered: the sender dies waiting
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, duplicate }))
    })
  })
  return new Promise((r) =>
    g.server.listen(0, '127.0.0.1', () => {
      g.port = g.server.address().port
      r(g)
    }),
  )
}

/** A fake SMTP server (no TLS offered). mode: ok | stall (accepts, never greets) | reject (550 on RCPT). */
function fakeSmtp() {
  const s = { mails: [], connections: 0, mode: 'ok', onConnect: null, sockets: new Set() }
  s.server = createTcpServer((sock) => {
    s.connections++
    s.sockets.add(sock)
    sock.on('close', () => s.sockets.delete(sock))
    sock.on('error', () => {})
    s.onConnect?.()
    if (s.mode === 'stall') return
    sock.write('220 fake.smtp ESMTP\r\n')
    let buf = ''
    let inData = false
    let mail = null
    sock.on('data', (d) => {
      buf += d.toString('latin1')
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n')
          if (end < 0) return
          mail.data = buf.slice(0, end)
          buf = buf.slice(end + 5)
          inData = false
          s.mails.push(mail)
          sock.write('250 2.0.0 queued\r\n')
          continue
        }
        const i = buf.indexOf('\r\n')
        if (i < 0) return
        const line = buf.slice(0, i)
        buf = buf.slice(i + 2)
        const cmd = line.slice(0, 4).toUpperCase()
        if (cmd === 'EHLO' || cmd === 'HELO') sock.write('250-fake.smtp\r\n250 8BITMIME\r\n')
        else if (cmd === 'MAIL') {
          mail = { from: line, rcpt: [] }
          sock.write('250 2.1.0 ok\r\n')
        } else if (cmd === 'RCPT') {
          if (s.mode === 'reject') sock.write('550 5.1.1 no such user\r\n')
          else {
            mail.rcpt.push(line)
            sock.write('250 2.1.5 ok\r\n')
          }
        } else if (cmd === 'DATA') {
          inData = true
          sock.write('354 go ahead\r\n')
        } else if (cmd === 'QUIT') {
          sock.write('221 bye\r\n')
          sock.end()
        } else if (cmd === 'RSET' || cmd === 'NOOP') sock.write('250 ok\r\n')
        else sock.write('502 5.5.2 unknown command\r\n')
      }
    })
  })
  return new Promise((r) => s.server.listen(0, '127.0.0.1', () => r(Object.assign(s, { port: s.server.address().port }))))
}

/** The header `name` of a raw mail, and its decoded subject and body. */
function parseMail(m) {
  const [head, body] = m.data.split('\r\n\r\n')
  const lines = head.split('\r\n')
  const header = (name) => lines.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}: `))?.slice(name.length + 2)
  const subjectRaw = header('Subject') ?? ''
  const enc = /^=\?UTF-8\?B\?(.*)\?=$/.exec(subjectRaw)
  return {
    header,
    subject: enc ? Buffer.from(enc[1], 'base64').toString('utf8') : subjectRaw,
    text: Buffer.from(body.replace(/\r\n/g, ''), 'base64').toString('utf8'),
  }
}

// ---- servers -------------------------------------------------------------------------------

const LISTENING = /listening on http:\/\/([0-9.]+):(\d+)/

/** Starts `shangliang serve --demo` on the given database and folder (so it can be restarted). */
async function launch(db, tmp, extra = []) {
  const bin = resolve(REPO, process.env.SHANGLIANG_BIN ?? 'build/shangliang')
  if (!existsSync(bin)) throw new Error(`server binary not found: ${bin}`)
  const args = [
    'serve',
    '--demo',
    `--database.url=${db.url}`,
    '--server.host=127.0.0.1',
    '--server.port=0',
    `--server.web_root=${join(tmp, 'web')}`,
    `--notify.outbox_path=${join(tmp, 'outbox.jsonl')}`,
    `--data_dir=${join(tmp, 'data')}`,
    '--auth.argon2_memlimit_kib=8192',
    '--auth.argon2_opslimit=1',
    '--log.access_log=false',
    '--server.write_rate_per_second=0',
    ...extra,
  ]
  const child = spawn(bin, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let exited = null
  const exit = new Promise((r) => child.on('exit', (code, signal) => r((exited = { code, signal }))))
  const port = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no "listening on" within 60 s:\n${output}`)), 60_000)
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
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      rej(new Error(`server exited (${code}, ${signal}) before listening:\n${output}`))
    })
  })
  const baseUrl = `http://127.0.0.1:${port}`
  return {
    baseUrl,
    api: new Api(baseUrl),
    log: () => output,
    exited: () => exited,
    kill9: async () => {
      if (!exited) child.kill('SIGKILL')
      return exit
    },
    stop: async () => {
      if (!exited) child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
      const r = await exit
      clearTimeout(t)
      return r
    },
  }
}

/** Polls fn until it returns a truthy value (or throws after `ms`, saying `what`). */
async function until(what, fn, ms = 20_000, every = 50) {
  const deadline = Date.now() + ms
  let last
  for (;;) {
    last = await fn()
    if (last) return last
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the server said:\n${node?.log().slice(-3000) ?? ''}`)
    await sleep(every)
  }
}

function ok(r, status = 200) {
  assert.equal(r.status, status, String(r))
  return r.json
}

// ---- the suite --------------------------------------------------------------------------------

let gateway, smtp, tmp, db
let node // the current server
let staff, member, memberId, admin, prov

// The sender polls often, leases are short and retries quick, so crashes and backoff play out
// within seconds. No default quiet hours: the suite runs at any time of day.
const nodeArgs = () => [
  '--notify.sms_adapter=http',
  `--notify.sms_http_url=http://127.0.0.1:${gateway.port}/sms/send`,
  '--notify.sms_http_authorization=Bearer gw-secret',
  '--notify.email_adapter=smtp',
  `--notify.smtp_url=smtp://127.0.0.1:${smtp.port}`,
  '--notify.smtp_from=noreply@zx.example.cn',
  '--notify.default_quiet_hours=',
  '--notify.poll_interval_ms=50',
  // Short enough for the crash tests to wait out a lease, long enough for a loaded machine
  // (the whole suite runs in parallel) to answer within one attempt.
  '--notify.lease_ms=6000',
  '--notify.send_timeout_ms=3000',
  '--notify.retry_base_ms=200',
  '--notify.retry_max_ms=400',
  '--notify.max_attempts=4',
  '--server.public_url=http://zx.example.cn',
  '--notify.cleanup_interval_ms=200',
]

async function signIn() {
  ;[staff, member, admin] = await Promise.all(['staff', 'member', 'admin'].map((l) => node.api.login(l)))
  memberId = ok(await node.api.get('/api/v1/me', { as: member })).id
  prov = await node.api.orgByName(PROVINCE)
}

let delib
/** Staff mentions the member in a post of an open deliberation; returns the member's new notification. */
async function mentionMember(text = '请关注') {
  const api = node.api
  if (!delib) {
    delib = ok(await api.post('/api/v1/deliberations', { org_id: prov.id, theme: `养老服务协商${unique()}` }, { as: staff }), 201)
    ok(await api.post(`/api/v1/deliberations/${delib.id}/state`, { state: 'open' }, { as: staff }))
  }
  const before = ok(await api.get('/api/v1/inbox?limit=1', { as: member })).items[0]?.id ?? 0
  ok(await api.post(`/api/v1/deliberations/${delib.id}/posts`, { body: `@[陈志远](person:${memberId}) ${text}` }, { as: staff }), 201)
  const page = ok(await api.get('/api/v1/inbox?limit=5', { as: member }))
  const n = page.items.find((i) => i.id > before && i.kind === 'mention')
  assert.ok(n, `no mention notification in ${JSON.stringify(page.items)}`)
  return n
}

async function deliveries(notificationId) {
  return ok(await node.api.get(`/api/v1/inbox/${notificationId}/deliveries`, { as: member })).items
}
/** Waits until the notification's delivery on `channel` is final; returns it. */
async function settled(notificationId, channel) {
  return until(`${channel} delivery of ${notificationId} to finish`, async () => {
    const d = (await deliveries(notificationId)).find((x) => x.channel === channel)
    return d && (d.state === 'sent' || d.state === 'failed') ? d : null
  }, 60_000)
}
const outcomes = (d) => d.attempt_log.map((a) => a.outcome)

async function setPrefs(body) {
  return ok(await node.api.patch('/api/v1/me/notification-settings', body, { as: member }))
}

before(async () => {
  gateway = await fakeGateway()
  smtp = await fakeSmtp()
  tmp = mkdtempSync(join(tmpdir(), 'shangliang-notify-'))
  db = freshDatabase(tmp)
  node = await launch(db, tmp, nodeArgs())
  await signIn()
})

after(async () => {
  for (const r of gateway?.held ?? []) r.destroy()
  await node?.stop()
  gateway?.server.close()
  for (const s of smtp?.sockets ?? []) s.destroy()
  smtp?.server.close()
  db?.drop()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

describe('preferences', () => {
  test('anonymous callers get 401; the defaults list every kind', async () => {
    assert.equal((await node.api.get('/api/v1/me/notification-settings')).status, 401)
    assert.equal((await node.api.patch('/api/v1/me/notification-settings', {})).status, 401)
    const s = ok(await node.api.get('/api/v1/me/notification-settings', { as: member }))
    assert.equal(s.email, '')
    assert.equal(s.has_mobile, true)
    assert.equal(s.quiet_hours, '') // notify.default_quiet_hours is off for this suite
    assert.equal(s.quiet_hours_default, true)
    assert.deepEqual(s.channels_available, { inbox: true, sms: true, email: true })
    const kinds = Object.fromEntries(s.kinds.map((k) => [k.kind, k]))
    assert.deepEqual(Object.keys(kinds), [
      'case.assigned', 'case.due_soon', 'case.overdue', 'case.answered', 'case.rated', 'case.returned',
      'case.cosign', 'case.reviewed', 'case.request', 'case.decision', 'case.escalated', 'case.supervised',
      'mention', 'point.assigned', 'point.answered',
    ])
    assert.deepEqual(kinds['case.assigned'].channels, ['inbox', 'sms', 'email'])
    assert.deepEqual(kinds.mention.channels, ['inbox'])
    assert.equal(kinds['case.overdue'].urgent, true)
  })

  test('changes are the caller\'s own, validated, and kept', async () => {
    const s = await setPrefs({ email: 'chen@example.cn', quiet_hours: '22:30-06:45', channels: { mention: ['inbox', 'sms'] } })
    assert.equal(s.email, 'chen@example.cn')
    assert.equal(s.quiet_hours, '22:30-06:45')
    assert.equal(s.quiet_hours_default, false)
    assert.deepEqual(s.kinds.find((k) => k.kind === 'mention').channels, ['inbox', 'sms'])
    // Someone else's are untouched.
    const other = ok(await node.api.get('/api/v1/me/notification-settings', { as: staff }))
    assert.equal(other.email, '')
    for (const [body, code] of [
      [{ email: 'no at sign' }, 'invalid_email'],
      [{ quiet_hours: '25:00-07:00' }, 'invalid_quiet_hours'],
      [{ channels: { mention: ['pager'] } }, 'invalid_channels'],
      [{ channels: { 'no.such.kind': ['sms'] } }, 'unknown_kind'],
      [{ volume: 11 }, 'unknown_field'],
    ]) {
      const r = await node.api.patch('/api/v1/me/notification-settings', body, { as: member })
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r}`)
      assert.equal(r.json.code, code)
    }
    const again = await setPrefs({ quiet_hours: '' })
    assert.equal(again.email, 'chen@example.cn')
    assert.equal(again.quiet_hours, '')
    assert.equal(again.quiet_hours_default, false)
  })
})

describe('delivery', () => {
  test('a mention goes out by SMS (HTTP gateway) and e-mail (SMTP) in the recipient\'s language', async () => {
    await setPrefs({ email: 'chen@example.cn', quiet_hours: '', channels: { mention: ['sms', 'email'] } })
    const n = await mentionMember('请看养老服务的新提案')
    const sms = await settled(n.id, 'sms')
    const mail = await settled(n.id, 'email')
    const inbox = await settled(n.id, 'inbox')
    for (const d of [sms, mail, inbox]) {
      assert.equal(d.state, 'sent', JSON.stringify(d))
      assert.deepEqual(outcomes(d), ['sent'])
    }
    // The gateway got the configured body, the authorization and the idempotency key.
    const req = gateway.requests.find((r) => r.key === `sl-delivery-${sms.id}`)
    assert.ok(req, JSON.stringify(gateway.requests))
    assert.equal(req.authorization, 'Bearer gw-secret')
    assert.equal(req.contentType, 'application/json')
    const msg = JSON.parse(req.body)
    assert.equal(msg.to, '13800000004')
    assert.equal(msg.id, `sl-delivery-${sms.id}`)
    assert.match(msg.text, /^【商量】周晓云 在「养老服务协商.*」中提到了您：.*请看养老服务的新提案 http:\/\/zx\.example\.cn\/deliberations\//)
    // The mail: to the chosen address, with a Message-ID made from the delivery id.
    const m = smtp.mails.find((x) => parseMail(x).header('Message-ID') === `<sl-delivery-${mail.id}@zx.example.cn>`)
    assert.ok(m, `no mail for delivery ${mail.id}`)
    assert.deepEqual(m.rcpt, ['RCPT TO:<chen@example.cn>'])
    const parsed = parseMail(m)
    assert.equal(parsed.subject, n.title)
    assert.match(parsed.text, /请看养老服务的新提案/)
    assert.match(parsed.text, /打开：http:\/\/zx\.example\.cn\/deliberations\//)

    // In English for someone who reads English.
    ok(await node.api.patch('/api/v1/me', { locale: 'en' }, { as: member }))
    try {
      const en = await mentionMember('please look')
      assert.match(en.title, /^周晓云 mentioned you in "养老服务协商/)
      const d = await settled(en.id, 'sms')
      assert.match(JSON.parse(gateway.requests.find((r) => r.key === `sl-delivery-${d.id}`).body).text, /^【商量】周晓云 mentioned you in ".*" .*please look/)
    } finally {
      ok(await node.api.patch('/api/v1/me', { locale: 'zh-CN' }, { as: member }))
    }
  })

  test('a gateway that is down is retried with backoff; a rejection fails at once', async () => {
    await setPrefs({ channels: { mention: ['sms'] } })
    gateway.failNext = 2
    const n = await mentionMember('重试')
    const d = await settled(n.id, 'sms')
    assert.equal(d.state, 'sent')
    assert.equal(d.attempts, 3)
    assert.deepEqual(outcomes(d), ['retry', 'retry', 'sent'])
    assert.match(d.attempt_log[0].detail, /503/)
    assert.equal(gateway.requests.filter((r) => r.key === `sl-delivery-${d.id}`).length, 3)

    gateway.mode = 'reject'
    try {
      const bad = await mentionMember('被拒')
      const f = await settled(bad.id, 'sms')
      assert.equal(f.state, 'failed')
      assert.deepEqual(outcomes(f), ['failed'])
      assert.match(f.last_error, /400/)
    } finally {
      gateway.mode = 'ok'
    }
    // An SMTP server that refuses the mailbox is a permanent failure too.
    await setPrefs({ channels: { mention: ['email'] } })
    smtp.mode = 'reject'
    try {
      const bad = await mentionMember('邮箱被拒')
      const f = await settled(bad.id, 'email')
      assert.equal(f.state, 'failed')
      assert.deepEqual(outcomes(f), ['failed'])
    } finally {
      smtp.mode = 'ok'
    }
    // Someone else's notification's deliveries are not there.
    assert.equal((await node.api.get(`/api/v1/inbox/${n.id}/deliveries`, { as: staff })).status, 404)
  })

  test('the unread count is live in the person\'s own room', async () => {
    await setPrefs({ channels: { mention: [] } })
    const open = async (token) => {
      const r = await openSocket(`${node.baseUrl}/api/v1/live`, { headers: token ? { cookie: `sl_session=${token}` } : {} })
      assert.equal(r.status, 101)
      return r.client
    }
    const ws = await open(member)
    ws.send({ op: 'subscribe', room: `inbox:${memberId}` })
    assert.deepEqual(await ws.next((m) => m.op === 'subscribed' || m.op === 'error'), { op: 'subscribed', room: `inbox:${memberId}`, seq: 0 })
    // Nobody else may watch it.
    const other = await open(staff)
    other.send({ op: 'subscribe', room: `inbox:${memberId}` })
    assert.equal((await other.next((m) => m.op === 'error')).code, 'forbidden')
    const anon = await open(null)
    anon.send({ op: 'subscribe', room: `inbox:${memberId}` })
    assert.equal((await anon.next((m) => m.op === 'error')).code, 'unauthenticated')

    await mentionMember('实时')
    const unread = ok(await node.api.get('/api/v1/inbox?limit=1', { as: member })).unread_count
    const ev = await ws.next((m) => m.op === 'event' && m.event.data.unread_count === unread, 10_000)
    assert.equal(ev.seq, 0)
    assert.equal(ev.event.type, 'inbox.unread')
    ok(await node.api.post('/api/v1/inbox/read-all', {}, { as: member }))
    const zero = await ws.next((m) => m.op === 'event' && m.event.data.unread_count === 0, 10_000)
    assert.equal(zero.room, `inbox:${memberId}`)
    for (const c of [ws, other, anon]) await c.close()
  })
})

describe('crash and restart', () => {
  test('kill -9 after the claim, before the SMTP server has the message: sent exactly once after restart', async () => {
    await setPrefs({ channels: { mention: ['email'] } })
    smtp.mode = 'stall'
    const mailsBefore = smtp.mails.length
    const connected = new Promise((r) => (smtp.onConnect = r))
    const n = await mentionMember('崩溃一')
    await connected // the delivery is claimed and its attempt in flight: the server has not even greeted
    smtp.onConnect = null
    await node.kill9()
    for (const s of smtp.sockets) s.destroy()
    smtp.mode = 'ok'
    node = await launch(db, tmp, nodeArgs())
    const d = await settled(n.id, 'email')
    assert.equal(d.state, 'sent')
    // Attempt 1 died with its node (lost); attempt 2 — after the lease ran out — sent it.
    assert.deepEqual(outcomes(d), ['lost', 'sent'])
    const mine = () => smtp.mails.slice(mailsBefore).filter((m) => parseMail(m).header('Message-ID') === `<sl-delivery-${d.id}@zx.example.cn>`)
    assert.equal(mine().length, 1)
    // The delivery is final: nothing more comes later.
    await sleep(2500)
    assert.equal(mine().length, 1)
    assert.equal((await settled(n.id, 'inbox')).state, 'sent')
  })

  test('kill -9 after the gateway has the message, before the answer: resent with the same key, delivered once', async () => {
    await setPrefs({ channels: { mention: ['sms'] } })
    gateway.mode = 'hold'
    const arrived = new Promise((r) => (gateway.onRequest = r))
    const n = await mentionMember('崩溃二')
    await arrived // the gateway has accepted the message; our server waits for the answer
    gateway.onRequest = null
    await node.kill9()
    for (const r of gateway.held.splice(0)) r.destroy()
    gateway.mode = 'ok'
    node = await launch(db, tmp, nodeArgs())
    const d = await settled(n.id, 'sms')
    assert.equal(d.state, 'sent')
    assert.deepEqual(outcomes(d), ['lost', 'sent'])
    const key = `sl-delivery-${d.id}`
    // Sent twice (at-least-once), both times with the same idempotency key...
    const requests = gateway.requests.filter((r) => r.key === key)
    assert.equal(requests.length, 2)
    assert.equal(requests[0].body, requests[1].body)
    // ...so the gateway delivered it once.
    assert.equal([...gateway.delivered.keys()].filter((k) => k === key).length, 1)
    await sleep(2500)
    assert.equal(gateway.requests.filter((r) => r.key === key).length, 2)
  })
})

describe('scheduler', () => {
  test('only platform administrators see it; the node runs the clean-up job', async () => {
    assert.equal((await node.api.get('/api/v1/admin/scheduler')).status, 401)
    assert.equal((await node.api.get('/api/v1/admin/scheduler', { as: member })).status, 403)
    // (The suite's servers run the clean-up every 200 ms; nodes killed earlier ran it too.)
    const s = await until('this node to hold the lock and run notify.cleanup', async () => {
      const r = ok(await node.api.get('/api/v1/admin/scheduler', { as: admin }))
      return r.leader && r.jobs.find((j) => j.name === 'notify.cleanup' && j.last_node === r.node && j.runs > 0 && j.last_status === 'ok') ? r : null
    })
    const job = s.jobs.find((j) => j.name === 'notify.cleanup')
    assert.equal(job.last_node, s.node)
    assert.equal(job.last_status, 'ok')
  })

  // Two processes need a database both can reach: PostgreSQL. (With SQLite the one node holds
  // the lock by construction, as the test above shows.)
  if (PG) {
    test('two nodes on one PostgreSQL: one runs the jobs; kill -9 it and the other takes over', async (t) => {
      const jobArgs = ['--scheduler.lock_retry_ms=500', '--scheduler.tick_ms=100', '--notify.cleanup_interval_ms=300']
      await node.stop()
      node = null
      // A cluster's nodes share the data folder (ledger keys, uploads) and the database.
      let a = await launch(db, tmp, [...nodeArgs(), ...jobArgs, '--scheduler.node_name=node-a'])
      let b = null
      let a2 = null
      try {
        const token = await a.api.login('admin', DEMO_PASSWORD)
        const status = async (n) => ok(await n.api.get('/api/v1/admin/scheduler', { as: token }))
        const cleanup = (s) => s.jobs.find((j) => j.name === 'notify.cleanup')
        await until('node-a to lead', async () => (await status(a)).leader)
        b = await launch(db, tmp, [...nodeArgs(), ...jobArgs, '--scheduler.node_name=node-b'])
        // While node-a lives, node-b stands by and every run is node-a's.
        const firstRuns = cleanup(await status(b)).runs
        await until('more runs by node-a', async () => cleanup(await status(b)).runs >= firstRuns + 3)
        const seen = await status(b)
        assert.equal(seen.leader, false)
        assert.equal(cleanup(seen).last_node, 'node-a')
        assert.equal((await status(a)).leader, true)

        const killedAt = Date.now()
        await a.kill9()
        await until('node-b to take the lock', async () => (await status(b)).leader, 30_000)
        const runs = cleanup(await status(b)).runs
        const taken = await until('node-b to run the job', async () => {
          const s = await status(b)
          return cleanup(s).last_node === 'node-b' && cleanup(s).runs > runs && cleanup(s).last_status === 'ok' ? s : null
        }, 30_000)
        t.diagnostic(`node-b took over and ran the job ${Date.now() - killedAt} ms after node-a was killed`)
        assert.equal(cleanup(taken).last_status, 'ok')

        // node-a comes back: it stands by, and takes over when node-b stops (gracefully this time).
        a2 = await launch(db, tmp, [...nodeArgs(), ...jobArgs, '--scheduler.node_name=node-a2'])
        await sleep(1500)
        assert.equal((await status(a2)).leader, false)
        assert.equal((await status(b)).leader, true)
        await b.stop()
        b = null
        await until('node-a2 to take over', async () => {
          const s = await status(a2)
          return s.leader && cleanup(s).last_node === 'node-a2'
        }, 30_000)
      } finally {
        await b?.stop()
        await a.stop()
        node = a2 ?? (await launch(db, tmp, nodeArgs()))
      }
    })
  }
})
