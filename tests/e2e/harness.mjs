// Shared helpers for the browser tests: start the real Shangliang server on a
// free port with a throwaway SQLite database, drive Debian's Chromium with
// playwright-core, read SMS codes from the outbox file, take screenshots.
//
// Environment:
//   SHANGLIANG_BIN        server binary (default: <repo>/build/shangliang)
//   SHANGLIANG_E2E_ARGS   extra server arguments, split on spaces (appended last, so they win)
//   SHANGLIANG_E2E_URL    use an already running server at this URL instead of starting one
//                         (its outbox then comes from SHANGLIANG_E2E_OUTBOX)
//   SHANGLIANG_E2E_OUTBOX outbox.jsonl of that server
//   CHROMIUM_PATH         browser (default /usr/bin/chromium)
//   E2E_SCREENSHOTS       screenshot folder (default <repo>/test-results/screenshots)
//   E2E_KEEP_TMP=1        keep the temporary folder (database, outbox, server log)
//   E2E_HEADED=1          show the browser (needs a display)
//   E2E_TIMEOUT_MS        Playwright's per-action timeout (default 20000; CTest runs suites side by side)
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { chromium } from 'playwright-core'

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const SCREENSHOTS = process.env.E2E_SCREENSHOTS ?? join(REPO, 'test-results', 'screenshots')

export const DEMO_ADMIN = { login: 'admin', password: 'shangliang-demo' }
export const PHONE = { width: 390, height: 844 }
export const DESKTOP = { width: 1280, height: 800 }

/**
 * The server's command line — the ONE place to change when its flags change.
 * @param {{bin: string, tmp: string, extraArgs?: string[]}} o  extraArgs: a suite's own flags
 * @returns {{command: string, args: string[]}}
 */
export function serverCommand({ bin, tmp, extraArgs = [] }) {
  const args = [
    'serve',
    '--demo',
    `--database.url=sqlite:${join(tmp, 'e2e.db')}`,
    '--server.host=127.0.0.1',
    '--server.port=0',
    `--server.web_root=${join(REPO, 'web', 'dist')}`,
    `--notify.outbox_path=${join(tmp, 'outbox.jsonl')}`,
    `--data_dir=${join(tmp, 'data')}`,
    // cheap password hashing and no access log: tests log in often, nobody reads the log
    '--auth.argon2_memlimit_kib=8192',
    '--auth.argon2_opslimit=1',
    '--log.access_log=false',
  ]
  const extra = (process.env.SHANGLIANG_E2E_ARGS ?? '').split(/\s+/).filter(Boolean)
  return { command: bin, args: [...args, ...extraArgs, ...extra] }
}

const LISTENING = /listening on http:\/\/127\.0\.0\.1:(\d+)/

/**
 * Start the server (or use SHANGLIANG_E2E_URL) and wait until /healthz answers.
 * @returns {Promise<{baseUrl: string, outboxPath: string, tmp: string|null, log: () => string, stop: () => Promise<void>, restart: (o?: {downMs?: number}) => Promise<void>}>}
 */
export async function startServer({ extraArgs = [] } = {}) {
  if (process.env.SHANGLIANG_E2E_URL) {
    const baseUrl = process.env.SHANGLIANG_E2E_URL.replace(/\/$/, '')
    await waitHealthy(baseUrl, 15_000, () => '')
    return { baseUrl, outboxPath: process.env.SHANGLIANG_E2E_OUTBOX ?? '', tmp: null, log: () => '', stop: async () => {}, restart: null }
  }

  const bin = resolve(REPO, process.env.SHANGLIANG_BIN ?? 'build/shangliang')
  if (!existsSync(bin)) {
    throw new Error(`server binary not found: ${bin} (build it, or set SHANGLIANG_BIN)`)
  }
  if (!existsSync(join(REPO, 'web', 'dist', 'index.html'))) {
    throw new Error('web/dist/index.html is missing: run scripts/build-web.sh first')
  }

  const tmp = mkdtempSync(join(tmpdir(), 'shangliang-e2e-'))
  mkdirSync(join(tmp, 'data'), { recursive: true })
  let output = ''
  const log = () => output
  let proc = await spawnServer({ bin, tmp, extraArgs, onOutput: (s) => (output += s) })
  const baseUrl = `http://127.0.0.1:${proc.port}`
  await waitHealthy(baseUrl, 15_000, log)

  const kill = async () => {
    if (!proc.exited()) {
      proc.child.kill('SIGTERM')
      for (let i = 0; i < 50 && !proc.exited(); i++) await sleep(100)
      if (!proc.exited()) proc.child.kill('SIGKILL')
      for (let i = 0; i < 50 && !proc.exited(); i++) await sleep(100)
    }
  }
  const stop = async () => {
    await kill()
    if (process.env.E2E_KEEP_TMP) {
      writeFileSync(join(tmp, 'server.log'), output)
      console.log(`# kept ${tmp}`)
    } else {
      rmSync(tmp, { recursive: true, force: true })
    }
  }
  /**
   * Stops the server and starts it again on the same port with the same database and files
   * (browsers keep their pages: live sockets drop and must reconnect). `down(ms)` waits that
   * long in between.
   */
  const restart = async ({ downMs = 0 } = {}) => {
    await kill()
    if (downMs) await sleep(downMs)
    proc = await spawnServer({ bin, tmp, extraArgs: [...extraArgs, `--server.port=${proc.port}`], onOutput: (s) => (output += s) })
    await waitHealthy(baseUrl, 15_000, log)
  }
  return { baseUrl, outboxPath: join(tmp, 'outbox.jsonl'), tmp, log, stop, restart }
}

/** Spawns the server on `tmp` and waits until it says where it listens. */
async function spawnServer({ bin, tmp, extraArgs, onOutput }) {
  const { command, args } = serverCommand({ bin, tmp, extraArgs })
  const child = spawn(command, args, {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let exited = null
  child.on('exit', (code, signal) => (exited = { code, signal }))

  const port = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not say "listening on" within 60 s:\n${output}`)), 60_000)
    const onData = (chunk) => {
      output += chunk.toString()
      onOutput(chunk.toString())
      const m = LISTENING.exec(output)
      if (m) {
        clearTimeout(timer)
        resolvePort(Number(m[1]))
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`server exited (code ${code}, signal ${signal}) before listening:\n$ ${command} ${args.join(' ')}\n${output}`))
    })
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
  })
  return { child, port, exited: () => exited }
}

async function waitHealthy(baseUrl, ms, log) {
  const until = Date.now() + ms
  let last = ''
  while (Date.now() < until) {
    try {
      const res = await fetch(`${baseUrl}/healthz`)
      if (res.ok) return
      last = `HTTP ${res.status}`
    } catch (e) {
      last = String(e)
    }
    await sleep(100)
  }
  throw new Error(`${baseUrl}/healthz not healthy within ${ms} ms (${last})\n${log()}`)
}

/**
 * Headless Debian Chromium; Playwright gives it a fresh temporary user-data-dir. `args` adds
 * flags (e.g. a fake microphone: --use-fake-device-for-media-stream --use-fake-ui-for-media-stream).
 */
export async function launchBrowser({ args = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: !process.env.E2E_HEADED,
    args: [
      ...(process.env.E2E_HEADED ? [] : ['--headless']),
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
  })
}

/** A new context + page; viewport PHONE unless told otherwise. Browser console errors are collected. */
export async function newPage(browser, baseUrl, { viewport = PHONE, locale = 'zh-CN' } = {}) {
  const isPhone = viewport.width < 600
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport,
    deviceScaleFactor: 1,
    isMobile: isPhone,
    hasTouch: isPhone,
    locale,
    acceptDownloads: true,
  })
  context.setDefaultTimeout(Number(process.env.E2E_TIMEOUT_MS ?? 20_000))
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (e) => errors.push(String(e)))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(m.text())
  })
  page.consoleErrors = errors
  return page
}

/**
 * Save what the screen shows as test-results/screenshots/<name>.png (the viewport,
 * as a person sees it; fullPage would draw the fixed tab bar mid-page).
 */
export async function shot(page, name, { fullPage = false } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.waitForTimeout(200) // let Vant's transitions finish
  // wait for passing toasts ("已保存") to go, so they don't hide the page
  await page
    .waitForFunction(() => ![...document.querySelectorAll('.van-toast')].some((e) => getComputedStyle(e).display !== 'none'), null, { timeout: 3000 })
    .catch(() => {})
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage })
}

/** Scroll so that the element is in the middle of the screen (before a screenshot). */
export async function centre(locator) {
  await locator.evaluate((e) => e.scrollIntoView({ block: 'center' }))
}

/** Log in through the UI. */
export async function login(page, { login: name, password } = DEMO_ADMIN) {
  await page.goto('/login')
  await page.locator('input[name="login"]').fill(name)
  await page.locator('input[name="password"]').fill(password)
  await page.locator('form button[type="submit"]').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
  await page.getByTestId('home').waitFor()
}

/** The latest SMS code sent to `mobile`, read from the server's outbox (JSON lines). */
export async function readSmsCode(outboxPath, mobile, { timeoutMs = 10_000 } = {}) {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (outboxPath && existsSync(outboxPath)) {
      const lines = readFileSync(outboxPath, 'utf8').split('\n').filter(Boolean)
      for (let i = lines.length - 1; i >= 0; i--) {
        let msg
        try {
          msg = JSON.parse(lines[i])
        } catch {
          continue
        }
        if (msg.to !== mobile) continue
        const code = msg.code ?? /(\d{4,8})/.exec(msg.text ?? '')?.[1]
        if (code) return String(code)
      }
    }
    await sleep(100)
  }
  throw new Error(`no SMS code for ${mobile} in ${outboxPath}`)
}

/** Call the API directly with the page's cookies (for checks behind the UI). */
export async function apiGet(page, path) {
  const res = await page.request.get(path.startsWith('/') ? path : `/api/v1/${path}`)
  if (!res.ok()) throw new Error(`GET ${path}: HTTP ${res.status()} ${await res.text()}`)
  return res.json()
}

/** A mobile number unique to this run (11 digits, starting with 1). */
export function uniqueMobile() {
  const n = String(Date.now() % 1e8).padStart(8, '0')
  return `166${n}`
}

/** Every visible form control has a label (label[for], aria-label or aria-labelledby). */
export async function unlabelledControls(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea')]
      .filter((e) => e.type !== 'hidden' && (e.offsetParent !== null || e.classList.contains('sl-visually-hidden')))
      .filter((e) => {
        if (e.labels && e.labels.length) return false
        if (e.getAttribute('aria-label')) return false
        const by = e.getAttribute('aria-labelledby')
        return !(by && by.split(/\s+/).every((id) => document.getElementById(id)?.textContent?.trim()))
      })
      .map((e) => e.outerHTML.slice(0, 120)),
  )
}
