// Sign-in, wrong password, and public self-registration through an SMS code.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DEMO_ADMIN, apiGet, unlabelledControls, launchBrowser, login, newPage, readSmsCode, shot, startServer, uniqueMobile } from './harness.mjs'

describe('auth', () => {
  let server, browser
  before(async () => {
    server = await startServer()
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('demo admin logs in and sees home with organisations', async () => {
    const page = await newPage(browser, server.baseUrl)
    await page.goto('/')
    await page.waitForURL(/\/login/)
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN')
    // the form is labelled for screen readers
    await page.getByLabel('账号或手机号').waitFor()
    await page.getByLabel('密码', { exact: true }).waitFor()
    assert.deepEqual(await unlabelledControls(page), [])
    await shot(page, '01-login-phone')

    await login(page, DEMO_ADMIN)
    const me = await apiGet(page, 'me')
    assert.ok(me.memberships.length > 0 || me.is_superadmin, 'demo admin has organisations or is superadmin')
    await page.getByRole('heading', { name: new RegExp(`您好，${me.display_name}`) }).waitFor()
    if (me.memberships.length > 0) {
      const list = page.getByTestId('my-orgs')
      await list.waitFor()
      for (const m of me.memberships.slice(0, 3)) await list.getByText(m.org.name, { exact: true }).first().waitFor()
    }
    // landmarks
    assert.equal(await page.locator('main#main').count(), 1)
    assert.equal(await page.locator('nav[aria-label="主导航"]').count(), 1)
    await shot(page, '02-home-admin-phone')

    // the organisation browser shows the top level and descends with breadcrumbs
    await page.goto('/orgs')
    const children = page.getByTestId('org-children')
    await children.waitFor()
    const first = children.locator('.van-cell').first()
    const name = (await first.locator('.sl-child-name').innerText()).trim()
    await first.click()
    await page.getByTestId('org-detail').waitFor()
    await page.getByRole('heading', { level: 1, name }).waitFor()
    await page.locator('nav[aria-label="位置"] [aria-current="page"]').getByText(name).waitFor()
    await shot(page, '03-org-detail-phone')
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()
  })

  test('wrong password shows the server error', async () => {
    const page = await newPage(browser, server.baseUrl)
    await page.goto('/login')
    await page.locator('input[name="login"]').fill(DEMO_ADMIN.login)
    await page.locator('input[name="password"]').fill('definitely-wrong')
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'))
    await page.locator('form button[type="submit"]').click()
    const res = await answer
    assert.equal(res.status(), 401)
    const problem = await res.json()
    assert.equal(problem.code, 'invalid_credentials')
    const alert = page.getByTestId('login-error')
    await alert.waitFor()
    assert.equal((await alert.innerText()).trim(), problem.detail || problem.title)
    assert.equal(await alert.getAttribute('role'), 'alert')
    assert.match(new URL(page.url()).pathname, /^\/login/)
    await shot(page, '04-login-wrong-password-phone')
    await page.context().close()
  })

  test('a member of the public registers with an SMS code', async () => {
    const page = await newPage(browser, server.baseUrl)
    const mobile = uniqueMobile()
    await page.goto('/login')
    await page.getByRole('link', { name: '注册新账号' }).click()
    await page.waitForURL(/\/register$/)
    await page.locator('input[name="mobile"]').fill(mobile)
    const sent = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/sms-codes'))
    await page.getByTestId('send-code').click()
    assert.equal((await sent).status(), 202)
    // countdown starts
    await page.getByTestId('send-code').getByText(/秒后重发/).waitFor()
    const code = await readSmsCode(server.outboxPath, mobile)
    await page.locator('input[name="code"]').fill(code)
    await page.locator('input[name="display_name"]').fill('热心市民王女士')
    await page.locator('input[name="password"]').fill('public-pass-123')
    assert.deepEqual(await unlabelledControls(page), [])
    await shot(page, '05-register-filled-phone')
    await page.locator('form button[type="submit"]').click()
    await page.waitForURL((u) => u.pathname === '/')
    await page.getByTestId('public-user').waitFor()
    await page.getByRole('heading', { name: /您好，热心市民王女士/ }).waitFor()
    const me = await apiGet(page, 'me')
    assert.equal(me.is_public, true)
    assert.equal(me.mobile, mobile)
    await shot(page, '06-home-public-user-phone')
    await page.context().close()
  })
})
