// Notifications in the browser: the bell's count is live (a mention made elsewhere shows up
// without a reload, long before any poll), and the profile page's notification settings
// (e-mail, quiet hours, SMS/e-mail per kind) save and come back, in zh-CN on a phone and in
// English on a desktop.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DESKTOP, apiGet, centre, launchBrowser, login, newPage, shot, startServer, unlabelledControls } from './harness.mjs'

const MEMBER = { login: 'member', password: 'shangliang-demo' }

/** Signs in over the API (outside the browser); returns the session cookie header. */
async function apiLogin(baseUrl, login) {
  const r = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password: 'shangliang-demo' }),
  })
  assert.equal(r.status, 200)
  return /sl_session=[^;]*/.exec(r.headers.getSetCookie().join('\n'))[0]
}
async function apiCall(baseUrl, cookie, method, path, json) {
  const r = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: { cookie, 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  })
  const body = await r.json().catch(() => null)
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(body)}`)
  return body
}

describe('notifications', () => {
  let server, browser
  before(async () => {
    server = await startServer()
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('the bell counts up live when someone mentions the member', async () => {
    const page = await newPage(browser, server.baseUrl)
    await login(page, MEMBER)
    const badge = page.getByTestId('inbox-badge')
    await badge.waitFor()
    const before = (await apiGet(page, 'inbox?limit=1')).unread_count
    assert.equal((await badge.innerText()).trim(), String(before))
    const me = await apiGet(page, 'me')

    // Staff, elsewhere, mention the member in a deliberation post.
    const staff = await apiLogin(server.baseUrl, 'staff')
    const orgs = await apiCall(server.baseUrl, staff, 'GET', '/orgs?limit=50')
    const prov = orgs.items.find((o) => o.name === '江南省政协')
    const d = await apiCall(server.baseUrl, staff, 'POST', '/deliberations', { org_id: prov.id, theme: '社区养老服务协商' })
    await apiCall(server.baseUrl, staff, 'POST', `/deliberations/${d.id}/state`, { state: 'open' })
    await apiCall(server.baseUrl, staff, 'POST', `/deliberations/${d.id}/posts`, { body: `@[陈志远](person:${me.id}) 请谈谈社区食堂` })

    // The badge follows without a reload (the poll is minutes away).
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="inbox-badge"]')?.textContent?.trim() === String(n),
      before + 1,
      { timeout: 15_000 },
    )
    assert.equal(await page.getByTestId('inbox-bell').getAttribute('aria-label'), `消息，${before + 1} 条未读`)
    await shot(page, '61-bell-live-phone')
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()
  })

  test('notification settings on the profile page (phone, zh-CN)', async () => {
    const page = await newPage(browser, server.baseUrl)
    await login(page, MEMBER)
    await page.goto('/profile')
    const section = page.getByTestId('notify-settings')
    await section.getByText('通知设置').first().waitFor()
    await section.locator('[data-kind="case.overdue"]').getByText('已超期（红牌）').waitFor()
    await section.locator('[data-kind="case.overdue"]').getByText('紧急').waitFor()
    // Defaults: case.assigned by SMS and e-mail; e-mail boxes wait for an address.
    assert.equal(await page.getByTestId('notify-case.assigned-sms').isChecked(), true)
    assert.equal(await page.getByTestId('notify-mention-sms').isChecked(), false)
    assert.equal(await page.getByTestId('notify-mention-email').isDisabled(), true)
    // Without an address, e-mail is not ticked even where it is the default.
    assert.equal(await page.getByTestId('notify-case.assigned-email').isChecked(), false)

    await page.getByTestId('notify-email').locator('input').fill('chen@example.cn')
    assert.equal(await page.getByTestId('notify-mention-email').isDisabled(), false)
    await page.getByTestId('notify-mention-sms').check()
    await page.getByTestId('notify-mention-email').check()
    await page.getByTestId('notify-case.rated-sms').check()
    // Quiet hours on, 21:30 to 07:00.
    if (!(await page.getByTestId('notify-quiet').getAttribute('aria-checked'))?.includes('true')) await page.getByTestId('notify-quiet').click()
    await page.getByTestId('notify-quiet-from').fill('21:30')
    await page.getByTestId('notify-quiet-to').fill('07:00')
    assert.equal(await page.getByTestId('notify-case.assigned-email').isChecked(), true)
    await centre(page.getByTestId('notify-quiet'))
    await shot(page, '62-profile-notify-email-quiet-phone')
    await centre(page.getByTestId('notify-mention-sms'))
    assert.deepEqual(await unlabelledControls(page), [])
    await shot(page, '63-profile-notify-kinds-phone')
    await page.getByTestId('notify-save').click()
    await page.getByText('通知设置已保存').waitFor()

    const saved = await apiGet(page, 'me/notification-settings')
    assert.equal(saved.email, 'chen@example.cn')
    assert.equal(saved.quiet_hours, '21:30-07:00')
    const kinds = Object.fromEntries(saved.kinds.map((k) => [k.kind, k.channels]))
    assert.deepEqual(kinds.mention, ['inbox', 'sms', 'email'])
    assert.deepEqual(kinds['case.rated'], ['inbox', 'sms'])
    assert.deepEqual(kinds['case.assigned'], ['inbox', 'sms', 'email'])

    // They come back after a reload.
    await page.reload()
    await page.getByTestId('notify-mention-email').waitFor()
    assert.equal(await page.getByTestId('notify-mention-email').isChecked(), true)
    assert.equal(await page.getByTestId('notify-quiet-from').inputValue(), '21:30')
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()
  })

  test('in English on a desktop', async () => {
    const page = await newPage(browser, server.baseUrl, { viewport: DESKTOP })
    await page.goto('/login')
    await page.locator('button[data-locale="en"]').click()
    await login(page, { login: 'leader', password: 'shangliang-demo' })
    await page.goto('/profile')
    const section = page.getByTestId('notify-settings')
    await section.getByText('Notification settings').first().waitFor()
    await section.locator('[data-kind="case.due_soon"]').getByText('Due soon (yellow card)').waitFor()
    await centre(section.locator('[data-kind="mention"]'))
    await shot(page, '64-profile-notify-settings-en-desktop')
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()
  })
})
