// Language and elderly-friendly mode are switchable and remembered after a reload.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DESKTOP, launchBrowser, login, newPage, shot, startServer } from './harness.mjs'

describe('preferences', () => {
  let server, browser
  before(async () => {
    server = await startServer()
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  const rootFontPx = (page) => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize))

  test('English and elderly mode, remembered after reload', async () => {
    const page = await newPage(browser, server.baseUrl)
    await login(page)

    // elderly mode from the home page
    assert.equal(await rootFontPx(page), 16)
    const sw = page.getByTestId('elderly-switch')
    assert.equal(await sw.getAttribute('aria-checked'), 'false')
    await sw.click()
    await page.waitForFunction(() => document.documentElement.classList.contains('sl-elderly'))
    assert.ok((await rootFontPx(page)) >= 20)
    await shot(page, '20-home-elderly-phone')

    // language from the profile page
    await page.getByRole('link', { name: '我的', exact: true }).click()
    await page.getByTestId('profile').waitFor()
    await page.locator('button[data-locale="en"]').click()
    await page.waitForFunction(() => document.documentElement.lang === 'en')
    await page.getByRole('button', { name: 'Sign out' }).waitFor()
    await shot(page, '21-profile-en-elderly-phone')

    await page.reload()
    await page.getByTestId('profile').waitFor()
    assert.equal(await page.locator('html').getAttribute('lang'), 'en')
    assert.ok(await page.evaluate(() => document.documentElement.classList.contains('sl-elderly')))
    assert.ok((await rootFontPx(page)) >= 20)
    await page.getByText('Display and language').waitFor()
    assert.equal(await page.getByTestId('elderly-switch').getAttribute('aria-checked'), 'true')
    await page.getByRole('link', { name: 'Home', exact: true }).click()
    await page.getByRole('heading', { name: /^Hello, / }).waitFor()
    // secondary information is hidden in elderly mode
    await shot(page, '22-home-en-elderly-after-reload-phone')

    // back to normal and to Traditional Chinese
    await page.getByTestId('elderly-switch').click()
    await page.waitForFunction(() => !document.documentElement.classList.contains('sl-elderly'))
    await page.getByRole('link', { name: 'Me', exact: true }).click()
    await page.locator('button[data-locale="zh-TW"]').click()
    await page.getByRole('button', { name: '登出' }).waitFor()
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-TW')
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()
  })

  test('the login page has its own language switch, remembered too', async () => {
    const page = await newPage(browser, server.baseUrl, { viewport: DESKTOP })
    await page.goto('/login')
    await page.getByRole('button', { name: '登录' }).waitFor()
    await page.locator('button[data-locale="en"]').click()
    await page.getByRole('button', { name: 'Sign in' }).waitFor()
    await page.reload()
    await page.getByRole('button', { name: 'Sign in' }).waitFor()
    assert.equal(await page.locator('html').getAttribute('lang'), 'en')
    await page.getByLabel('Login name or mobile').waitFor()
    await shot(page, '23-login-en-desktop')
    await page.context().close()
  })
})
