// Right to deletion in the web UI: an administrator deletes a person's personal data from the
// member sheet (with a confirmation); a person deletes their own from the profile page after
// confirming their password. Afterwards the person reads as removed (410), cannot log in, and
// the public ledger lists the deletion.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { launchBrowser, login, newPage, shot, startServer } from './harness.mjs'

describe('erasure', () => {
  let server, browser
  before(async () => {
    server = await startServer()
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  /** A new 委员 of organisation 1 with a password, made through the API as the page's user. */
  async function newMember(page, login, password) {
    const r = await page.request.post('/api/v1/orgs/1/members', {
      data: { display_name: '待删除的人', login, password, role: 'member' },
    })
    assert.equal(r.status(), 201, await r.text())
    return (await r.json()).person.id
  }

  test('an administrator deletes a person’s personal data; the ledger shows the deletion', async () => {
    const page = await newPage(browser, server.baseUrl)
    await login(page)
    const who = `erase${Date.now() % 100000}`
    const id = await newMember(page, who, 'erase-me-please-1')

    await page.goto('/admin/orgs/1?tab=people')
    await page.locator('#member-search').fill(who)
    await page.locator('#member-search').press('Enter')
    const row = page.getByTestId('member-row').filter({ hasText: who })
    await row.waitFor()
    await row.click()
    await page.locator('#edit-title').waitFor()
    await page.getByTestId('erase-person').click()
    const dialog = page.locator('.sl-erase-dialog')
    await dialog.getByText('删除 待删除的人 的个人信息？').waitFor()
    await dialog.getByText(/公开账本会记下这次删除/).waitFor()
    await shot(page, '60-erase-person-confirm-phone')
    await dialog.getByRole('button', { name: '确认删除' }).click()
    await page.getByText(/个人信息已删除（公开账本第 \d+ 条）/).waitFor()
    await page.getByTestId('member-row').filter({ hasText: who }).waitFor({ state: 'detached' })

    // read back: 410, with when and under which entry
    const gone = await page.request.get(`/api/v1/people/${id}`)
    assert.equal(gone.status(), 410)
    const problem = await gone.json()
    assert.equal(problem.code, 'person_erased')
    assert.ok(Number.isInteger(problem.erased.seq))
    // the person can no longer log in
    const denied = await page.request.post('/api/v1/auth/login', { data: { login: who, password: 'erase-me-please-1' } })
    assert.equal(denied.status(), 401)

    // the public ledger lists the deletion, in words, and it verifies
    // (the page lists signed entries: refresh until the next checkpoint covers the deletion)
    await page.goto('/ledger')
    const entry = page.getByTestId('ledger-entry').filter({ hasText: '删除个人信息' }).first()
    for (let i = 0; i < 30 && !(await entry.isVisible()); i++) {
      await page.waitForTimeout(500)
      await page.getByTestId('ledger-refresh').click()
      await page.getByTestId('checkpoint-signature').waitFor()
    }
    await entry.waitFor()
    await entry.getByTestId('ledger-verify').click()
    const sheet = page.locator('[data-testid="ledger-result"]:visible')
    const summary = sheet.getByTestId('ledger-summary')
    await summary.waitFor({ timeout: 30_000 })
    const status = await summary.getAttribute('data-status')
    assert.ok(['ok', 'pending'].includes(status), await summary.innerText())
    if (status === 'ok') assert.match(await summary.innerText(), /^✓ 这条记录的内容已于 .* 删除，删除已记入公开账本（第 \d+ 条）/)
    await shot(page, '61-erase-person-ledger-phone')
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()
  })

  test('a person deletes their own personal data after confirming their password', async () => {
    const admin = await newPage(browser, server.baseUrl)
    await login(admin)
    const who = `self${Date.now() % 100000}`
    const id = await newMember(admin, who, 'my-own-password-1')

    const page = await newPage(browser, server.baseUrl)
    await login(page, { login: who, password: 'my-own-password-1' })
    await page.goto('/profile')
    const section = page.getByTestId('erase-me')
    await section.waitFor()
    await section.locator('input[name="erase_password"]').fill('not-my-password')
    await section.getByTestId('erase-me-submit').click()
    await page.locator('.sl-erase-dialog').getByRole('button', { name: '删除我的个人信息' }).click()
    await section.getByRole('alert').getByText('密码不正确').waitFor()

    await section.locator('input[name="erase_password"]').fill('my-own-password-1')
    await section.getByTestId('erase-me-submit').click()
    await page.locator('.sl-erase-dialog').getByText(/删除后无法恢复/).waitFor()
    await shot(page, '62-erase-me-confirm-phone')
    await page.locator('.sl-erase-dialog').getByRole('button', { name: '删除我的个人信息' }).click()
    await page.waitForURL(/\/login/)
    await page.getByText('您的个人信息已删除').waitFor()

    // gone: cannot log in again, and the administrator reads 410
    await page.locator('input[name="login"]').fill(who)
    await page.locator('input[name="password"]').fill('my-own-password-1')
    await page.locator('form button[type="submit"]').click()
    await page.getByText('账号或密码错误').waitFor()
    assert.equal((await admin.request.get(`/api/v1/people/${id}`)).status(), 410)
    await admin.context().close()
    await page.context().close()
  })
})
