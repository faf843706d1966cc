// The public ledger (全程留痕) checked in the browser: "核验留痕" on an organisation, a sector
// and a membership (the entry is in the signed tree, and the record shown hashes to it), the
// public /ledger page with its checkpoint signature verified in the page, and the same checks
// failing when the server's answers are tampered with on the way (page.route): a flipped byte
// in an inclusion proof, an entry changed under its hash, a checkpoint whose size was changed
// after signing — and when a record was changed in the database behind the server's back.
// And the witnesses: a real `shangliang witness` cosigns, the page shows which checkpoint it
// cosigned and checks the cosignature in the browser; a cosignature with one flipped bit is
// shown as invalid.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash, generateKeyPairSync, sign } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { REPO, apiGet, centre, launchBrowser, login, newPage, shot, startServer } from './harness.mjs'

const bin = resolve(REPO, process.env.SHANGLIANG_BIN ?? 'build/shangliang')
const WITNESS = 'witness.sheng.example'

describe('ledger', () => {
  let server, browser, witnessDir, witnessKey
  before(async () => {
    witnessDir = mkdtempSync(join(tmpdir(), 'shangliang-e2e-witness-'))
    const k = spawnSync(bin, ['witness', 'key', '--data', witnessDir, '--name', WITNESS], { encoding: 'utf8' })
    assert.equal(k.status, 0, k.stderr)
    witnessKey = k.stdout.trim()
    server = await startServer({ extraArgs: [`--ledger.witnesses=${witnessKey}`] })
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
    if (witnessDir) rmSync(witnessDir, { recursive: true, force: true })
  })

  /** Press the verify button in `scope` and wait for the result sheet to settle; returns it. */
  async function verify(page, scope) {
    await scope.getByTestId('ledger-verify').first().click()
    const sheet = page.locator('[data-testid="ledger-result"]:visible')
    const summary = sheet.getByTestId('ledger-summary')
    await summary.waitFor({ timeout: 30_000 })
    return { sheet, summary, status: await summary.getAttribute('data-status'), text: (await summary.innerText()).trim() }
  }

  async function closeSheet(page) {
    await page.locator('[data-testid="ledger-result"]:visible .van-popup__close-icon').click()
    await page.locator('[data-testid="ledger-result"]:visible').waitFor({ state: 'hidden' })
  }

  const flipFirstProofByte = async (route) => {
    const res = await route.fetch()
    const body = await res.json()
    const h = Buffer.from(body.proof[0], 'base64')
    h[0] ^= 0x01
    body.proof[0] = h.toString('base64')
    await route.fulfill({ response: res, json: body })
  }

  test('an organisation verifies; a flipped proof byte or a changed entry fails', async () => {
    const page = await newPage(browser, server.baseUrl)
    await login(page)
    await page.goto('/orgs/1')
    const detail = page.getByTestId('org-detail')
    await detail.waitFor()

    let r = await verify(page, detail)
    assert.equal(r.status, 'ok', r.text)
    await r.sheet.getByText('江南省政协').waitFor()
    assert.match(
      r.text,
      /^✓ 这条记录自 \d{4}-\d\d-\d\d \d\d:\d\d 起已记入公开账本（第 \d+ 条），账本签名有效，留痕条目完好无损，页面显示的内容与留痕一致$/,
    )
    // every step passed, in plain words
    const steps = r.sheet.getByTestId('ledger-steps').locator('li')
    const codes = await steps.evaluateAll((ls) => ls.map((l) => `${l.dataset.step}:${l.dataset.ok}`))
    assert.deepEqual(codes, ['found:true', 'action:true', 'leaf:true', 'signature:true', 'checkpoint:true', 'inclusion:true', 'content:true'])
    await r.sheet.getByText('包含证明成立').waitFor()
    await r.sheet.getByText(/页面显示的内容与第 \d+ 条留痕一致/).waitFor()
    // the seq shown is the org's latest entry
    const items = (await apiGet(page, 'ledger/objects/org/1')).items
    const latest = Math.max(...items.map((i) => i.seq))
    assert.ok(r.text.includes(`第 ${latest} 条`))
    await shot(page, '40-ledger-org-verified-phone')
    await closeSheet(page)

    // a proof with one flipped bit no longer folds to the signed root
    await page.route('**/api/v1/ledger/proof/inclusion**', flipFirstProofByte)
    r = await verify(page, detail)
    assert.equal(r.status, 'failed', r.text)
    assert.match(r.text, /^✗ 核验未通过：包含证明不成立/)
    await r.sheet.locator('li[data-step="inclusion"][data-ok="false"]').waitFor()
    await shot(page, '41-ledger-org-tampered-proof-phone')
    await closeSheet(page)
    await page.unroute('**/api/v1/ledger/proof/inclusion**')

    // an entry changed under its old leaf hash
    await page.route('**/api/v1/ledger/objects/org/1', async (route) => {
      const res = await route.fetch()
      const body = await res.json()
      for (const i of body.items) i.entry = i.entry.replace(/"content":"[0-9a-f]/, '"content":"x')
      await route.fulfill({ response: res, json: body })
    })
    r = await verify(page, detail)
    assert.equal(r.status, 'failed', r.text)
    assert.match(r.text, /条目内容与它的哈希值不一致/)
    await closeSheet(page)
    await page.unroute('**/api/v1/ledger/objects/org/1')

    // untouched again: ok
    r = await verify(page, detail)
    assert.equal(r.status, 'ok', r.text)
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()
  })

  test('a new sector and a membership verify from the admin area', async () => {
    const page = await newPage(browser, server.baseUrl)
    await login(page)
    await page.goto('/admin/orgs/1?tab=sectors')
    await page.locator('input[name="sector_name"]').waitFor()
    const name = `留痕界${Date.now() % 100000}`
    await page.locator('input[name="sector_name"]').fill(name)
    await page.getByRole('button', { name: '新建界别' }).click()
    const row = page.getByTestId('sector-row').filter({ hasText: name })
    await row.waitFor()
    // just written: the sheet waits for the next checkpoint (every ~2 s) before answering
    const r = await verify(page, row)
    assert.ok(['ok', 'pending'].includes(r.status), r.text)
    if (r.status === 'pending') {
      assert.match(r.text, /正在等待下一次签名/)
      await r.sheet.getByRole('button', { name: '再核验一次' }).click()
      await r.sheet.locator('[data-testid="ledger-summary"][data-status="ok"]').waitFor({ timeout: 30_000 })
    }
    await r.sheet.getByText('新建界别').waitFor()
    await shot(page, '42-ledger-sector-verified-phone')
    await closeSheet(page)

    await page.goto('/admin/orgs/1?tab=people')
    const member = page.getByTestId('member-row').first()
    await member.waitFor()
    await centre(member)
    await shot(page, '49-ledger-admin-people-rows-phone')
    const m = await verify(page, member)
    assert.equal(m.status, 'ok', m.text)
    // the verify button does not open the member's edit sheet
    assert.equal(await page.locator('#edit-title').count(), 0)
    await shot(page, '43-ledger-membership-verified-phone')
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()
  })

  test("a record changed in the database behind the server's back shows a mismatch", async () => {
    assert.ok(server.tmp, 'this test changes the database, so it needs a server started by the harness')
    const dbFile = join(server.tmp, 'e2e.db')
    const sql = (q) => {
      const r = spawnSync('sqlite3', ['-cmd', '.timeout 10000', dbFile, q], { encoding: 'utf8' })
      assert.equal(r.status, 0, `sqlite3: ${r.stderr}`)
    }
    const page = await newPage(browser, server.baseUrl)
    await login(page)
    const name = `留痕篡改市${Date.now() % 100000}`
    const created = await page.request.post('/api/v1/orgs', { data: { parent_id: 1, name, level: 'city', kind: 'cppcc' } })
    assert.equal(created.status(), 201, await created.text())
    const id = (await created.json()).id
    await page.goto(`/orgs/${id}`)
    const detail = page.getByTestId('org-detail')
    await detail.getByText(name).waitFor()
    // as written through the platform: ok (or pending until the next signature)
    let r = await verify(page, detail)
    if (r.status === 'pending') {
      await r.sheet.getByRole('button', { name: '再核验一次' }).click()
      await r.sheet.locator('[data-testid="ledger-summary"][data-status="ok"]').waitFor({ timeout: 30_000 })
    } else {
      assert.equal(r.status, 'ok', r.text)
    }
    await closeSheet(page)

    // the name changed in the database directly: the page shows it, the ledger does not agree
    sql(`UPDATE orgs SET name = '${name}（改）' WHERE id = ${id}`)
    await page.goto(`/orgs/${id}`)
    await detail.getByText(`${name}（改）`).waitFor()
    r = await verify(page, detail)
    assert.equal(r.status, 'failed', r.text)
    assert.match(r.text, /^✗ 核验未通过：页面显示的内容与账本留痕不一致/)
    // the ledger itself is intact; only the record shown does not match its entry
    const codes = await r.sheet
      .getByTestId('ledger-steps')
      .locator('li')
      .evaluateAll((ls) => ls.map((l) => `${l.dataset.step}:${l.dataset.ok}`))
    assert.deepEqual(codes, ['found:true', 'action:true', 'leaf:true', 'signature:true', 'checkpoint:true', 'inclusion:true', 'content:false'])
    await r.sheet.getByText(/页面显示的内容与第 \d+ 条留痕不一致/).waitFor()
    await shot(page, '51-ledger-org-changed-behind-the-back-phone')
    await closeSheet(page)

    // put back as it was: it matches again
    sql(`UPDATE orgs SET name = '${name}' WHERE id = ${id}`)
    await page.goto(`/orgs/${id}`)
    await detail.getByText(name, { exact: true }).waitFor()
    r = await verify(page, detail)
    assert.equal(r.status, 'ok', r.text)
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()
  })

  test('the public ledger page, without logging in: key, checkpoint verified, newest entries', async () => {
    const page = await newPage(browser, server.baseUrl)
    await page.goto('/login')
    await page.getByTestId('ledger-link').click()
    await page.waitForURL(/\/ledger$/)
    const sig = page.getByTestId('checkpoint-signature')
    await sig.waitFor()
    assert.equal(await sig.getAttribute('data-ok'), 'true')
    assert.match(await sig.innerText(), /签名有效/)

    const key = (await page.request.get('/api/v1/ledger/key').then((r) => r.json())).vkey
    assert.equal((await page.getByTestId('ledger-vkey').innerText()).trim(), key)
    const size = Number(await page.getByTestId('checkpoint-size').innerText())
    assert.ok(size > 300, `size ${size}`)

    // newest first, 20 a page, then earlier ones
    const seqs = () => page.getByTestId('ledger-entry').evaluateAll((es) => es.map((e) => Number(e.dataset.seq)))
    let s = await seqs()
    assert.equal(s.length, 20)
    assert.equal(s[0], size - 1)
    assert.deepEqual(s, [...s].sort((a, b) => b - a))
    await shot(page, '44-ledger-page-phone')
    await page.getByTestId('ledger-older').click()
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="ledger-entry"]').length === 40)
    s = await seqs()
    assert.equal(s[39], size - 40)
    await centre(page.getByTestId('ledger-entry').nth(2))
    await shot(page, '50-ledger-entries-phone')

    // verify one entry from the list
    const first = page.getByTestId('ledger-entry').first()
    const r = await verify(page, first)
    assert.equal(r.status, 'ok', r.text)
    assert.ok(r.text.includes(`第 ${size - 1} 条`))
    await shot(page, '45-ledger-entry-verified-phone')
    await closeSheet(page)

    // the home page links here too
    await login(page)
    await page.getByTestId('home').getByTestId('ledger-link').click()
    await page.waitForURL(/\/ledger$/)
    await page.getByTestId('checkpoint-signature').waitFor()
    await page.goto('/orgs')
    await page.getByTestId('orgs').getByTestId('ledger-link').waitFor()
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()
  })

  test('the ledger page shows a newly signed checkpoint without a reload (live socket)', async () => {
    const page = await newPage(browser, server.baseUrl)
    await page.goto('/ledger')
    await page.getByTestId('checkpoint-signature').waitFor()
    await page.getByTestId('ledger-live').waitFor()
    const size = Number(await page.getByTestId('checkpoint-size').innerText())
    // Someone else changes something (through the API, not this page).
    const login = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'admin', password: 'shangliang-demo', bearer: true }),
    })
    const { token } = await login.json()
    const r = await fetch(`${server.baseUrl}/api/v1/orgs/1/sectors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: `实时界${Date.now() % 100000}` }),
    })
    assert.equal(r.status, 201)
    // The next checkpoint reaches the page over the socket: new size, the new entry on top.
    await page.waitForFunction(
      (s) => Number(document.querySelector('[data-testid="checkpoint-size"]')?.textContent) > s,
      size,
      { timeout: 30_000 },
    )
    const now = Number(await page.getByTestId('checkpoint-size').innerText())
    await page.locator(`[data-testid="ledger-entry"][data-seq="${now - 1}"]`).waitFor()
    assert.equal(Number(await page.getByTestId('ledger-entry').first().getAttribute('data-seq')), now - 1)
    assert.equal(await page.getByTestId('checkpoint-signature').getAttribute('data-ok'), 'true')
    await shot(page, '47-ledger-live-update-phone')
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()
  })

  test('a checkpoint changed after signing is shown as invalid', async () => {
    const page = await newPage(browser, server.baseUrl)
    await page.route('**/api/v1/ledger/checkpoint', async (route) => {
      const res = await route.fetch()
      const note = await res.text()
      const [origin, size, ...rest] = note.split('\n')
      await route.fulfill({ response: res, body: [origin, String(Number(size) + 1), ...rest].join('\n') })
    })
    await page.goto('/ledger')
    const sig = page.getByTestId('checkpoint-signature')
    await sig.waitFor()
    assert.equal(await sig.getAttribute('data-ok'), 'false')
    assert.match(await sig.innerText(), /签名无效/)
    const r = await verify(page, page.getByTestId('ledger-entry').first())
    assert.equal(r.status, 'failed', r.text)
    assert.match(r.text, /账本签名无效/)
    await shot(page, '46-ledger-bad-signature-phone')
    await page.context().close()
  })

  // A stand-in platform key (made here) whose vkey's base64 holds '+' and '/', re-signing the
  // real checkpoint body: parsing must not trip over base64's own '+'.
  function standInKey(origin) {
    for (;;) {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519')
      const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url')
      const b64 = Buffer.concat([Buffer.from([1]), pub]).toString('base64')
      if (!b64.includes('+') || !b64.includes('/')) continue
      const keyId = createHash('sha256').update(Buffer.concat([Buffer.from(`${origin}\n`), Buffer.from([1]), pub])).digest().subarray(0, 4)
      return {
        info: { origin, algorithm: 'Ed25519', vkey: `${origin}+${keyId.toString('hex')}+${b64}`, public_key: pub.toString('base64') },
        signNote(note) {
          const body = note.slice(0, note.indexOf('\n\n') + 1)
          const sig = sign(null, Buffer.from(body, 'utf8'), privateKey)
          return `${body}\n\u2014 ${origin} ${Buffer.concat([keyId, sig]).toString('base64')}\n`
        },
      }
    }
  }

  test("a key whose base64 holds '+' and '/' verifies; the server's own signature then does not", async () => {
    const page = await newPage(browser, server.baseUrl)
    const origin = (await page.request.get('/api/v1/ledger/key').then((r) => r.json())).origin
    const k = standInKey(origin)
    await page.route('**/api/v1/ledger/key', (route) => route.fulfill({ json: k.info }))
    let resign = true
    await page.route('**/api/v1/ledger/checkpoint', async (route) => {
      const res = await route.fetch()
      const note = await res.text()
      await route.fulfill({ response: res, body: resign ? k.signNote(note) : note })
    })
    await page.goto('/ledger')
    const sig = page.getByTestId('checkpoint-signature')
    await sig.waitFor()
    assert.equal(await sig.getAttribute('data-ok'), 'true')
    assert.equal((await page.getByTestId('ledger-vkey').innerText()).trim(), k.info.vkey)
    let r = await verify(page, page.getByTestId('ledger-entry').first())
    assert.equal(r.status, 'ok', r.text)
    await closeSheet(page)

    // the real note carries only the real key's signature: not valid under the stand-in
    resign = false
    await page.getByTestId('ledger-refresh').click()
    await page.locator('[data-testid="checkpoint-signature"][data-ok="false"]').waitFor()
    r = await verify(page, page.getByTestId('ledger-entry').first())
    assert.equal(r.status, 'failed', r.text)
    assert.match(r.text, /账本签名无效/)
    await page.context().close()
  })

  test('witnesses: which checkpoint each cosigned, its cosignature checked in the page; a flipped bit is invalid', async () => {
    const page = await newPage(browser, server.baseUrl)
    // Before its first round the witness is listed, with nothing cosigned.
    await page.goto('/ledger')
    const row = page.getByTestId('ledger-witness')
    await row.waitFor()
    assert.equal(await row.getAttribute('data-name'), WITNESS)
    assert.match(await row.getByTestId('witness-cosigned').innerText(), /尚未联署/)

    const logKey = (await apiGet(page, 'ledger/key')).vkey
    const w = spawnSync(bin, ['witness', '--url', server.baseUrl, '--log-key', logKey, '--data', witnessDir, '--once'], {
      encoding: 'utf8',
    })
    assert.equal(w.status, 0, w.stdout + w.stderr)
    const size = Number(/cosigned size (\d+)/.exec(w.stdout)[1])

    await page.getByTestId('ledger-refresh').click()
    await page.locator('[data-testid="ledger-witness"][data-verified="true"]').waitFor()
    assert.equal(Number(await row.getAttribute('data-size')), size)
    assert.match(await row.getByTestId('witness-cosigned').innerText(), new RegExp(`已联署账本共 ${size} 条时的检查点，联署时间 \\d{4}-`))
    assert.match(await row.getByTestId('witness-signature').innerText(), /联署签名有效/)
    await centre(row)
    await shot(page, '51-ledger-witness-phone')

    // One flipped bit in the witness's cosignature, on the way to the browser.
    await page.route('**/api/v1/ledger/checkpoint?cosigned=1', async (route) => {
      const res = await route.fetch()
      const lines = (await res.text()).split('\n')
      const i = lines.findIndex((l) => l.startsWith(`\u2014 ${WITNESS} `))
      const [dash, name, b64] = lines[i].split(' ')
      const raw = Buffer.from(b64, 'base64')
      raw[raw.length - 1] ^= 1
      lines[i] = [dash, name, raw.toString('base64')].join(' ')
      await route.fulfill({ response: res, body: lines.join('\n') })
    })
    await page.getByTestId('ledger-refresh').click()
    await page.locator('[data-testid="ledger-witness"][data-verified="false"]').waitFor()
    assert.match(await row.getByTestId('witness-signature').innerText(), /联署签名无效/)
    await page.unroute('**/api/v1/ledger/checkpoint?cosigned=1')
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()

    const en = await newPage(browser, server.baseUrl, { locale: 'en' })
    await en.addInitScript(() => localStorage.setItem('shangliang.locale', 'en'))
    await en.goto('/ledger')
    await en.locator('[data-testid="ledger-witness"][data-verified="true"]').waitFor()
    assert.match(await en.getByTestId('ledger-witness').innerText(), new RegExp(`Cosigned the checkpoint of ${size} entries`))
    await en.getByTestId('ledger-witness').getByText('Cosignature valid').waitFor()
    await en.context().close()
    const tw = await newPage(browser, server.baseUrl, { locale: 'zh-TW' })
    await tw.addInitScript(() => localStorage.setItem('shangliang.locale', 'zh-TW'))
    await tw.goto('/ledger')
    await tw.locator('[data-testid="ledger-witness"][data-verified="true"]').waitFor()
    await tw.getByTestId('ledger-witness').getByText('聯署簽章有效').waitFor()
    await tw.context().close()
  })

  test('English and elderly mode', async () => {
    const page = await newPage(browser, server.baseUrl, { locale: 'en' })
    await page.addInitScript(() => {
      localStorage.setItem('shangliang.locale', 'en')
      localStorage.setItem('shangliang.elderly', '1')
    })
    await page.goto('/ledger')
    await page.getByTestId('checkpoint-signature').getByText('Signature valid').waitFor()
    assert.ok(await page.evaluate(() => document.documentElement.classList.contains('sl-elderly')))
    await shot(page, '47-ledger-page-en-elderly-phone')
    await login(page)
    await page.goto('/orgs/1')
    const r = await verify(page, page.getByTestId('org-detail'))
    assert.equal(r.status, 'ok', r.text)
    assert.match(r.text, /^✓ This record has been in the public ledger since .* its ledger entry is intact, and the record shown matches it$/)
    await shot(page, '48-ledger-org-verified-en-elderly-phone')
    await page.context().close()

    const tw = await newPage(browser, server.baseUrl, { locale: 'zh-TW' })
    await tw.addInitScript(() => localStorage.setItem('shangliang.locale', 'zh-TW'))
    await login(tw)
    await tw.goto('/orgs/1')
    const rt = await verify(tw, tw.getByTestId('org-detail'))
    assert.equal(rt.status, 'ok', rt.text)
    assert.match(rt.text, /留痕條目完好無損/)
    await tw.context().close()
  })
})
