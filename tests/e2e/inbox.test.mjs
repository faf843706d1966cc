// The inbox (消息): the bell in the header shows the unread count; the inbox page lists the
// demo member's welcome message and membership notices, marks one read, follows a link into the
// app, and marks all read — the badge follows every step and survives a reload.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DESKTOP, apiGet, launchBrowser, login, newPage, shot, startServer, unlabelledControls } from './harness.mjs'

const MEMBER = { login: 'member', password: 'shangliang-demo' }

describe('inbox', () => {
  let server, browser
  before(async () => {
    server = await startServer()
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  const badge = (page) => page.getByTestId('inbox-badge')

  test('badge, mark one read, follow a link, mark all read', async () => {
    const page = await newPage(browser, server.baseUrl)
    await login(page, MEMBER)

    // The demo seeds a welcome message and one notice per membership (province and city).
    const seeded = await apiGet(page, 'inbox')
    assert.equal(seeded.unread_count, 3)
    await badge(page).waitFor()
    assert.equal((await badge(page).innerText()).trim(), '3')
    assert.equal(await page.getByTestId('inbox-bell').getAttribute('aria-label'), '消息，3 条未读')
    await shot(page, '51-home-inbox-badge-phone')

    await page.getByTestId('inbox-bell').click()
    await page.waitForURL(/\/inbox$/)
    const list = page.getByTestId('inbox-list')
    await list.waitFor()
    const welcome = seeded.items.find((i) => i.kind === 'welcome')
    const cityNotice = seeded.items.find((i) => i.title === '你已成为临江市政协委员')
    assert.ok(welcome && cityNotice, JSON.stringify(seeded.items))
    assert.equal(await list.locator('li').count(), 3)
    await list.locator('li').first().getByText('欢迎使用商量').waitFor()
    await page.getByTestId('inbox-unread-count').getByText('3 条未读').waitFor()
    assert.deepEqual(await unlabelledControls(page), [])
    await shot(page, '52-inbox-unread-phone')

    // Mark the welcome message read with its button.
    await page.getByTestId(`inbox-mark-${welcome.id}`).click()
    await page.waitForFunction((id) => document.querySelector(`[data-testid="inbox-item-${id}"]`)?.dataset.read === 'true', welcome.id)
    await page.getByTestId('inbox-unread-count').getByText('2 条未读').waitFor()
    assert.equal((await badge(page).innerText()).trim(), '2')

    // Opening a notice marks it read and goes where it points.
    await page.getByTestId(`inbox-item-${cityNotice.id}`).getByRole('button', { name: /临江市政协/ }).click()
    await page.waitForURL(new RegExp(`${cityNotice.link}$`))
    await page.getByTestId('org-detail').waitFor()
    assert.equal((await badge(page).innerText()).trim(), '1')

    // Back in the inbox: mark all read; the badge goes away.
    await page.getByTestId('inbox-bell').click()
    await page.getByTestId('inbox-list').waitFor()
    await page.getByTestId('inbox-read-all').click()
    await badge(page).waitFor({ state: 'detached' })
    assert.equal(await page.getByTestId('inbox-bell').getAttribute('aria-label'), '消息')
    const items = page.getByTestId('inbox-list').locator('li')
    for (let i = 0; i < (await items.count()); i++) assert.equal(await items.nth(i).getAttribute('data-read'), 'true')
    await page.getByRole('tab', { name: '未读' }).click()
    await page.getByTestId('inbox-empty').getByText('没有未读消息').waitFor()
    await shot(page, '53-inbox-all-read-phone')

    // The server remembers.
    await page.reload()
    await page.getByTestId('inbox').waitFor()
    await page.getByTestId('inbox-bell').waitFor()
    assert.equal(await badge(page).count(), 0)
    assert.equal((await apiGet(page, 'inbox?unread=1')).items.length, 0)
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()
  })

  test('English on a desktop screen, and a person without messages', async () => {
    const page = await newPage(browser, server.baseUrl, { viewport: DESKTOP })
    await page.goto('/login')
    await page.locator('button[data-locale="en"]').click() // chosen here, so it wins over the account's zh-CN
    await login(page, { login: 'leader', password: 'shangliang-demo' })
    // The leader has the welcome and the province notice; read them all through the API.
    await badge(page).waitFor()
    const res = await page.request.post('/api/v1/inbox/read-all', { headers: { 'Content-Type': 'application/json' }, data: {} })
    assert.equal(res.status(), 200)
    await page.goto('/inbox')
    await page.getByTestId('inbox-list').waitFor()
    await page.getByRole('tab', { name: 'Unread' }).click()
    await page.getByTestId('inbox-empty').getByText('No unread messages').waitFor()
    assert.equal(await page.getByTestId('inbox-bell').getAttribute('aria-label'), 'Messages')
    await shot(page, '54-inbox-en-desktop')
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()
  })
})
