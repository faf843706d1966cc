// The API integration harness: starts the real server binary with the demo data set on a fresh
// database, and gives the tests a small HTTP client. The same tests run against SQLite and
// PostgreSQL; only SL_TEST_DATABASE_URL differs.
//
// Environment:
//   SHANGLIANG_BIN         server binary (default: <repo>/build/shangliang)
//   SL_TEST_DATABASE_URL   unset: a fresh SQLite file in a temporary folder per server.
//                          postgresql://user@host:port/db: each server gets a fresh database
//                          created next to `db` (CREATE DATABASE through psql) and dropped after.
//   SL_TEST_KEEP_TMP=1     keep the temporary folder (database, outbox, server log)
//   SL_TEST_SERVER_ARGS    extra server arguments, split on spaces (appended last, so they win)
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const DEMO_PASSWORD = 'shangliang-demo'
export const PROVINCE = '江南省政协'
export const CITY = '临江市政协'
export const COUNTY = '临江市东湖区政协'
export const CONGRESS = '临江市东湖区人大常委会'
export const VILLAGE = '东湖区桃源村议事会'
// Set explicitly so the 413 test knows the limit whatever the default becomes.
export const MAX_BODY_BYTES = 1_048_576
export const DEPT_MZ = '江南省民政厅'

const LISTENING = /listening on http:\/\/([0-9.]+):(\d+)/

function psqlBinary() {
  for (const p of ['/usr/bin/psql', '/usr/lib/postgresql/15/bin/psql']) if (existsSync(p)) return p
  return 'psql'
}

export function psql(url, sql) {
  const r = spawnSync(psqlBinary(), [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr || r.error}`)
  return r.stdout
}

// A fresh database for one server: SQLite file in `tmp`, or a new PostgreSQL database.
export function freshDatabase(tmp) {
  const base = process.env.SL_TEST_DATABASE_URL
  if (!base) return { url: `sqlite:${join(tmp, 'shangliang.db')}`, drop: () => {} }
  if (!/^postgres(ql)?:\/\//.test(base)) throw new Error(`SL_TEST_DATABASE_URL: unsupported URL ${base}`)
  const u = new URL(base)
  const name = `sl_it_${process.pid}_${Date.now().toString(36)}`
  psql(base, `CREATE DATABASE ${name}`)
  const fresh = new URL(u)
  fresh.pathname = `/${name}`
  return {
    url: fresh.toString(),
    drop: () => {
      try {
        psql(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } catch (e) {
        console.error(`# could not drop ${name}: ${e.message}`)
      }
    },
  }
}

/**
 * Starts `shangliang serve --demo` on a fresh database and a free port; resolves when /healthz
 * answers. `stop()` sends SIGTERM and resolves with {code, signal, ms} (SIGKILL after 10 s).
 */
export async function startServer(extraArgs = []) {
  const bin = resolve(REPO, process.env.SHANGLIANG_BIN ?? 'build/shangliang')
  if (!existsSync(bin)) throw new Error(`server binary not found: ${bin} (build it, or set SHANGLIANG_BIN)`)
  const tmp = mkdtempSync(join(tmpdir(), 'shangliang-it-'))
  const db = freshDatabase(tmp)
  const outboxPath = join(tmp, 'outbox.jsonl')
  const args = [
    'serve',
    '--demo',
    `--database.url=${db.url}`,
    '--server.host=127.0.0.1',
    '--server.port=0',
    `--server.web_root=${join(tmp, 'web')}`,
    `--notify.outbox_path=${outboxPath}`,
    `--data_dir=${join(tmp, 'data')}`,
    '--auth.argon2_memlimit_kib=8192',
    '--auth.argon2_opslimit=1',
    '--log.access_log=false',
    `--server.max_body_bytes=${MAX_BODY_BYTES}`,
    // The suite makes hundreds of writes from 127.0.0.1 within seconds (the permission matrix):
    // the per-address write limit would turn them into 429s.
    '--server.write_rate_per_second=0',
    ...extraArgs,
    ...(process.env.SL_TEST_SERVER_ARGS ?? '').split(/\s+/).filter(Boolean),
  ]
  const child = spawn(bin, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let exited = null
  const exitWaiters = []
  child.on('exit', (code, signal) => {
    exited = { code, signal }
    for (const w of exitWaiters) w()
  })
  const port = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not say "listening on" within 60 s:\n${output}`)), 60_000)
    const onData = (chunk) => {
      output += chunk.toString()
      const m = LISTENING.exec(output)
      if (m) {
        clearTimeout(timer)
        resolvePort(Number(m[2]))
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`server exited (code ${code}, signal ${signal}) before listening:\n$ ${bin} ${args.join(' ')}\n${output}`))
    })
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
  })
  const baseUrl = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 15_000
  for (;;) {
    try {
      const r = await fetch(`${baseUrl}/healthz`)
      if (r.status === 200) break
    } catch {}
    if (Date.now() > deadline) throw new Error(`/healthz did not answer 200 within 15 s:\n${output}`)
    await sleep(50)
  }

  let stopped = null
  const stop = async () => {
    if (stopped) return stopped
    stopped = (async () => {
      const t0 = Date.now()
      if (!exited) {
        child.kill('SIGTERM')
        let timer
        await new Promise((r) => {
          exitWaiters.push(r)
          timer = setTimeout(r, 10_000)
        })
        clearTimeout(timer)
        if (!exited) {
          child.kill('SIGKILL')
          await new Promise((r) => (exited ? r() : exitWaiters.push(r)))
          exited = { ...exited, killed: true }
        }
      }
      const ms = Date.now() - t0
      db.drop()
      if (process.env.SL_TEST_KEEP_TMP) {
        writeFileSync(join(tmp, 'server.log'), output)
        console.log(`# kept ${tmp}`)
      } else {
        rmSync(tmp, { recursive: true, force: true })
      }
      return { ...exited, ms }
    })()
    return stopped
  }

  // The verification codes "sent" to `mobile`, oldest first.
  const smsCodes = (mobile) => {
    if (!existsSync(outboxPath)) return []
    return readFileSync(outboxPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((m) => m.to === mobile && m.code)
      .map((m) => m.code)
  }
  const lastSmsCode = (mobile) => smsCodes(mobile).at(-1)

  return { baseUrl, databaseUrl: db.url, tmp, pid: child.pid, log: () => output, stop, smsCodes, lastSmsCode, api: new Api(baseUrl) }
}

/** A response, with the body read once: `json` for JSON and problem+json, `text`, `bytes`. */
export class Reply {
  constructor(res, bytes) {
    this.status = res.status
    this.headers = res.headers
    this.bytes = bytes
    this.contentType = res.headers.get('content-type') ?? ''
    this.text = bytes.toString('utf8')
    this.json = undefined
    if (/json/.test(this.contentType) && this.text.length) {
      try {
        this.json = JSON.parse(this.text)
      } catch {}
    }
  }
  header(name) {
    return this.headers.get(name)
  }
  toString() {
    return `${this.status} ${this.contentType} ${this.text.slice(0, 500)}`
  }
}

/** A thin client; `as` is a session token (sent as the cookie) or {bearer: token}. */
export class Api {
  constructor(baseUrl) {
    this.baseUrl = baseUrl
  }

  async request(method, path, { as, body, json, csv, headers = {}, bearer } = {}) {
    const h = { ...headers }
    if (as) {
      if (typeof as === 'object' && as.bearer) h.authorization = `Bearer ${as.bearer}`
      else h.cookie = `sl_session=${as}`
    }
    if (bearer) h.authorization = `Bearer ${bearer}`
    let payload = body
    if (json !== undefined) {
      payload = JSON.stringify(json)
      h['content-type'] ??= 'application/json'
    } else if (csv !== undefined) {
      payload = csv
      h['content-type'] ??= 'text/csv; charset=utf-8'
    }
    const res = await fetch(this.baseUrl + path, { method, headers: h, body: payload, redirect: 'manual' })
    const bytes = Buffer.from(await res.arrayBuffer())
    return new Reply(res, bytes)
  }
  get(path, o) {
    return this.request('GET', path, o)
  }
  post(path, json, o = {}) {
    return this.request('POST', path, { ...o, json })
  }
  patch(path, json, o = {}) {
    return this.request('PATCH', path, { ...o, json })
  }
  delete(path, o) {
    return this.request('DELETE', path, o)
  }

  /** Logs in; returns the session token (from the cookie, or the body with bearer). */
  async login(login, password = DEMO_PASSWORD, { bearer = false } = {}) {
    const r = await this.post('/api/v1/auth/login', bearer ? { login, password, bearer: true } : { login, password })
    if (r.status !== 200) throw new Error(`login ${login}: ${r}`)
    if (bearer) return r.json.token
    return sessionCookie(r)
  }

  /** All pages of a cursor-paginated list. */
  async all(path, o) {
    const items = []
    let cursor = null
    for (let i = 0; i < 1000; i++) {
      const sep = path.includes('?') ? '&' : '?'
      const r = await this.get(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path, o)
      if (r.status !== 200) throw new Error(`GET ${path}: ${r}`)
      items.push(...r.json.items)
      cursor = r.json.next_cursor
      if (!cursor) return items
    }
    throw new Error(`GET ${path}: more than 1000 pages`)
  }

  /** The organisation called `name` (walks the tree from the roots). */
  async orgByName(name) {
    const queue = [null]
    while (queue.length) {
      const parent = queue.shift()
      const items = await this.all(parent ? `/api/v1/orgs?parent_id=${parent}&limit=200` : '/api/v1/orgs?limit=200')
      for (const o of items) {
        if (o.name === name) return o
        if (o.child_count > 0) queue.push(o.id)
      }
    }
    throw new Error(`no organisation called ${name}`)
  }
}

/** The sl_session value set by a reply, or undefined. */
export function sessionCookie(reply) {
  for (const c of reply.headers.getSetCookie()) {
    const m = /^sl_session=([^;]*)/.exec(c)
    if (m) return m[1]
  }
  return undefined
}

let counter = 0
/** A unique suffix (letters and digits) for names, logins and mobiles. */
export function unique() {
  counter++
  return `${Date.now().toString(36).slice(-5)}${process.pid.toString(36)}${counter}`
}
/** A fresh valid mainland mobile number (137 + 8 digits), distinct within this process. */
const mobileBase = 10_000_000 + Math.floor(Math.random() * 80_000_000)
export function uniqueMobile() {
  counter++
  return `137${String(mobileBase + counter).padStart(8, '0')}`
}
