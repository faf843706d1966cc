// The deliberation pages in the browser, on the demo's open deliberation on elderly care: the
// list; a member speaking with a file attached; staff splitting the speech into a point for
// 民政厅 and its responder answering it (both through the API); a second person watching the
// same page seeing the speech, the point and the answer arrive live, without a reload; the
// author accepting the answer; the page catching up by itself after the server restarts;
// search with highlighted snippets; my contributions; the phone and the elderly layouts.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { DESKTOP, REPO, centre, launchBrowser, login, newPage, shot, startServer, unlabelledControls } from './harness.mjs'

const PASSWORD = 'shangliang-demo'
const DOC = join(REPO, 'tests/fixtures/attachments/doc.pdf')
const DEMO_THEME = '推进基本养老服务体系建设'

/** An API session in its own browser context (cookies, no page). */
async function apiAs(browser, baseUrl, who) {
  const context = await browser.newContext({ baseURL: baseUrl })
  const r = await context.request.post('/api/v1/auth/login', { data: { login: who, password: PASSWORD } })
  assert.equal(r.status(), 200, await r.text())
  const call = async (method, path, data) => {
    const res = await context.request.fetch(path, { method, data })
    const text = await res.text()
    if (!res.ok()) throw new Error(`${method} ${path}: HTTP ${res.status()} ${text}`)
    return text ? JSON.parse(text) : undefined
  }
  return {
    context,
    get: (path) => call('GET', path),
    post: (path, data = {}) => call('POST', path, data),
  }
}

/** Errors the browser logs while the server is away are expected; nothing else is. */
const realErrors = (errors) => errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource|net::ERR/.test(e))

describe('deliberation pages', () => {
  let server, browser, staff, dept, demo, mz
  before(async () => {
    server = await startServer()
    browser = await launchBrowser()
    staff = await apiAs(browser, server.baseUrl, 'staff')
    dept = await apiAs(browser, server.baseUrl, 'dept_mz')
    const list = await staff.get('/api/v1/deliberations?limit=100')
    demo = list.items.find((d) => d.theme.startsWith(DEMO_THEME))
    assert.ok(demo, 'the demo deliberation')
    const full = await staff.get(`/api/v1/deliberations/${demo.id}`)
    mz = full.departments.find((d) => d.name === '江南省民政厅')
    assert.ok(mz, '民政厅 is invited')
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('speak with a file, get a point answered, watch it all live, and survive a restart', async () => {
    // The member opens the list on a phone and goes into the demo deliberation.
    const member = await newPage(browser, server.baseUrl)
    await login(member, { login: 'member', password: PASSWORD })
    await member.getByTestId('home-deliberations').click()
    const item = member.getByTestId(`delib-${demo.id}`)
    await item.waitFor()
    assert.match(await item.innerText(), /进行中/)
    assert.match(await item.innerText(), /围观 \d+ 人次/)
    await shot(member, '70-deliberations-list-phone')
    assert.deepEqual(await unlabelledControls(member), [])
    await item.click()
    await member.getByTestId('delib-theme').waitFor()
    assert.match(await member.getByTestId('phase-name').innerText(), /当前阶段/)
    await member.locator('[data-testid="live-status"][data-status="open"]').waitFor()
    // The demo speech by the member account shows its points and a department's answer.
    await member.locator('[data-testid="mark-answer"]').first().waitFor({ state: 'attached' })
    await shot(member, '71-deliberation-phone')

    // A second person watches the same page.
    const viewer = await newPage(browser, server.baseUrl)
    await login(viewer, { login: 'deputy', password: PASSWORD })
    await viewer.goto(`/deliberations/${demo.id}`)
    await viewer.getByTestId('delib-theme').waitFor()
    await viewer.locator('[data-testid="live-status"][data-status="open"]').waitFor()
    await viewer.evaluate(() => (window.__samePage = true))
    // Two people are watching now.
    await viewer.getByTestId('count-online').filter({ hasText: /2 人在线/ }).waitFor()
    await viewer.getByTestId('count-online').getByRole('button').click()
    assert.match(await viewer.getByTestId('online-people').innerText(), /陈志远/)

    // The member speaks, with a PDF attached.
    await member.getByTestId('compose-open').click()
    const composer = member.locator('.van-popup [data-testid="composer"]')
    await composer.waitFor()
    await composer.getByTestId('composer-subtopic').selectOption({ label: '医养结合' })
    await composer.getByTestId('composer-title').fill('关于社区医养结合服务站的建议')
    await composer.getByTestId('composer-body').fill('建议在每个街道建设**医养结合服务站**，财政给予运营补贴。\n\n附上调研报告。')
    await composer.locator('.van-uploader__input').setInputFiles(DOC)
    await composer.locator('.van-uploader__preview').waitFor()
    await member.waitForFunction(() => !document.querySelector('.van-popup .van-uploader__mask'))
    await shot(member, '72-deliberation-compose-phone')
    assert.deepEqual(await unlabelledControls(member), [])
    await composer.getByTestId('composer-submit').click()
    await composer.waitFor({ state: 'hidden' })

    const mine = member.locator('article[data-testid^="post-"]', { hasText: '关于社区医养结合服务站的建议' }).first()
    await mine.waitFor()
    const postId = Number((await mine.getAttribute('data-testid')).replace('post-', ''))
    assert.ok(postId > 0)
    assert.match(await mine.innerHTML(), /<strong>医养结合服务站<\/strong>/)
    await mine.getByRole('link', { name: 'doc.pdf' }).waitFor()

    // The viewer sees it arrive, file and all, without reloading.
    const seen = viewer.getByTestId(`post-${postId}`)
    await seen.waitFor()
    assert.match(await seen.innerText(), /关于社区医养结合服务站的建议/)
    await seen.getByRole('link', { name: 'doc.pdf' }).waitFor()

    // Staff split it into a point for 民政厅; 民政厅's responder answers it.
    const point = await staff.post(`/api/v1/posts/${postId}/points`, { summary: '街道医养结合服务站运营补贴', department_id: mz.id })
    const viewerPoint = viewer.getByTestId(`point-${point.id}`)
    await viewerPoint.waitFor()
    assert.match(await viewerPoint.innerText(), /已交办：江南省民政厅/)
    await dept.post(`/api/v1/points/${point.id}/answers`, { body: '民政厅回应：将在明年选择 **10 个街道** 试点运营补贴。' })
    await viewer.locator(`[data-testid="point-${point.id}"][data-state="answered"]`).waitFor()
    const answer = viewerPoint.getByTestId('point-answers')
    await answer.getByText('将在明年选择').waitFor()
    assert.match(await answer.innerHTML(), /<strong>10 个街道<\/strong>/)
    assert.match(await answer.innerText(), /部门回应/)
    await centre(viewerPoint)
    await shot(viewer, '73-deliberation-answer-live-phone')

    // The author sees the answer too, and accepts it; the viewer sees it accepted.
    const memberPoint = member.getByTestId(`point-${point.id}`)
    await memberPoint.getByTestId('point-accept').click()
    await member.locator(`[data-testid="point-${point.id}"][data-state="accepted"]`).waitFor()
    await viewer.locator(`[data-testid="point-${point.id}"][data-state="accepted"]`).waitFor()

    // A like counts on both pages.
    await mine.getByTestId('post-like').first().click()
    await seen.getByTestId('like-count').first().filter({ hasText: /^1$/ }).waitFor()

    // The author edits the speech; the viewer sees the new text marked "edited".
    const minePost = member.getByTestId(`post-${postId}`)
    await minePost.getByTestId('post-edit').first().click()
    const editor = minePost.getByTestId('edit-composer')
    await editor.getByTestId('composer-body').fill('建议在每个街道建设**医养结合服务站**，财政给予运营补贴，三年内全覆盖。')
    await editor.getByTestId('composer-submit').click()
    await seen.getByText('三年内全覆盖').waitFor()
    await seen.getByTestId('post-edited').first().waitFor()

    // The viewer (a member of the public here: comments only) replies; the author opens the
    // thread and finds the reply, which came live.
    await seen.getByTestId('post-reply').first().click()
    const replyBox = seen.getByTestId('reply-composer')
    await replyBox.getByTestId('composer-body').fill('赞同，希望先在老城区试点。')
    await replyBox.getByTestId('composer-submit').click()
    await viewer.getByTestId(`thread-${postId}`).getByText('赞同，希望先在老城区试点。').waitFor()
    const toggle = member.getByTestId(`thread-toggle-${postId}`)
    await toggle.filter({ hasText: '查看 2 条回复' }).waitFor()
    await toggle.click()
    await member.getByTestId(`thread-${postId}`).getByText('赞同，希望先在老城区试点。').waitFor()

    // The server restarts. Both pages reconnect by themselves and catch up with what was said
    // while they were away.
    await server.restart({ downMs: 1000 })
    const memberApi = await apiAs(browser, server.baseUrl, 'member')
    const later = await memberApi.post(`/api/v1/deliberations/${demo.id}/posts`, { title: '重启之后的发言', body: '服务器重启后继续讨论。' })
    await viewer.getByTestId(`post-${later.id}`).waitFor({ timeout: 60_000 })
    await viewer.locator('[data-testid="live-status"][data-status="open"]').waitFor({ timeout: 60_000 })
    // ... and live events keep coming on the new connection.
    const after = await staff.post(`/api/v1/posts/${later.id}/points`, { summary: '重启后的要点', department_id: mz.id })
    await viewer.getByTestId(`point-${after.id}`).waitFor()

    // 民政厅's responder answers that one on the page itself; the viewer sees the answer.
    const responder = await newPage(browser, server.baseUrl)
    await login(responder, { login: 'dept_mz', password: PASSWORD })
    await responder.goto(`/deliberations/${demo.id}?post=${later.id}`)
    await responder.getByTestId('link-department').waitFor()
    const toAnswer = responder.getByTestId(`point-${after.id}`)
    await toAnswer.getByTestId('point-answer').click()
    await toAnswer.getByTestId('composer-body').fill('已收悉，民政厅将于下周答复。')
    await toAnswer.getByTestId('composer-submit').click()
    await responder.locator(`[data-testid="point-${after.id}"][data-state="answered"]`).waitFor()
    await viewer.getByTestId(`point-${after.id}`).getByText('已收悉，民政厅将于下周答复。').waitFor()

    // Staff hide the later post: its content goes from the viewer's page.
    await staff.post(`/api/v1/posts/${later.id}/hide`, { reason: '与主题无关' })
    await viewer.locator(`[data-testid="post-${later.id}"][data-state="hidden"]`).waitFor()
    assert.doesNotMatch(await viewer.getByTestId(`post-${later.id}`).innerText(), /服务器重启后继续讨论/)
    // ... and its author sees why.
    const authorSees = await memberApi.get(`/api/v1/posts/${later.id}`)
    assert.equal(authorSees.moderation.reason, '与主题无关')
    assert.equal(await viewer.evaluate(() => window.__samePage), true, 'the viewer page was not reloaded')
    assert.deepEqual(realErrors(responder.consoleErrors), [])
    await responder.context().close()

    assert.deepEqual(realErrors(member.consoleErrors), [])
    assert.deepEqual(realErrors(viewer.consoleErrors), [])
    await memberApi.context.close()
    await member.context().close()
    await viewer.context().close()
  })

  test('search everywhere and inside a deliberation; my contributions; elderly mode', async () => {
    const page = await newPage(browser, server.baseUrl)
    await login(page, { login: 'member', password: PASSWORD })

    // Search everywhere: 繁體 finds 简体, matches highlighted, nothing but <mark> comes through.
    await page.goto('/search')
    await page.getByTestId('search-q').locator('input').fill('養老')
    await page.getByTestId('search-go').click()
    const hits = page.getByTestId('search-hits')
    await hits.waitFor()
    const snippet = hits.getByTestId('hit-snippet').first()
    assert.match(await snippet.innerHTML(), /<mark>养老<\/mark>/)
    assert.equal(await hits.locator('script, img, a a').count(), 0)
    assert.match(page.url(), /q=%E9%A4%8A%E8%80%81/)
    // "More by this person" narrows to one author, named.
    const author = hits.getByTestId('hit-author').first()
    const name = (await author.innerText()).replace(/^\s*只看\s*/, '').replace(/\s*的发言\s*$/, '')
    await author.click()
    await page.waitForURL(/author_id=\d+/)
    await page.getByTestId('search-filters-toggle').filter({ hasText: '筛选（1）' }).waitFor()
    await page.waitForFunction(() => !document.querySelector('[data-testid="search"] .van-loading'))
    for (const text of await hits.locator('.sl-hit-meta').allInnerTexts()) assert.ok(text.startsWith(name), `${text} is by ${name}`)
    await page.getByTestId('search-filters-toggle').click()
    await page.getByTestId('filter-author-clear').click()
    // Filter by the deliberation's sub-topic.
    await page.getByTestId('filter-deliberation').locator('option').nth(1).waitFor({ state: 'attached' })
    await page.getByTestId('filter-deliberation').selectOption({ index: 1 })
    await page.getByTestId('filter-subtopic').locator('option').nth(1).waitFor({ state: 'attached' })
    await page.getByTestId('filter-subtopic').selectOption({ index: 1 })
    await page.getByTestId('search-apply').click()
    await page.waitForURL(/subtopic=/)
    await page.waitForFunction(() => !document.querySelector('[data-testid="search"] .van-loading'))
    await page.getByTestId('search-count').waitFor()
    await shot(page, '74-search-phone')
    assert.deepEqual(await unlabelledControls(page), [])
    await hits.locator('a').first().click()
    await page.getByTestId('delib-theme').waitFor()
    await page.locator('.sl-post-hl').waitFor()

    // What people write is text in a snippet, never markup.
    const memberApi = await apiAs(browser, server.baseUrl, 'member')
    await memberApi.post(`/api/v1/deliberations/${demo.id}/posts`, { body: '试点`<img src=x onerror="window.__pwned=1">`适老化改造' })
    await page.goto('/search?q=' + encodeURIComponent('适老化改造'))
    const odd = page.getByTestId('hit-snippet').filter({ hasText: '<img src=x' })
    await odd.waitFor()
    assert.equal(await odd.locator('img').count(), 0)
    assert.match(await odd.innerHTML(), /&lt;img src=x/)
    assert.equal(await page.evaluate(() => window.__pwned), undefined)

    // The member deletes a post of theirs within the window, and reports someone else's.
    const oops = await memberApi.post(`/api/v1/deliberations/${demo.id}/posts`, { body: '发错了，马上删掉。' })
    await page.goto(`/deliberations/${demo.id}?post=${oops.id}`)
    const oopsPost = page.getByTestId(`post-${oops.id}`)
    await oopsPost.getByTestId('post-delete').click()
    await page.locator('.van-dialog__confirm:visible').click()
    await page.locator(`[data-testid="post-${oops.id}"][data-state="deleted"]`).waitFor()
    assert.doesNotMatch(await oopsPost.innerText(), /发错了/)
    assert.equal(await page.getByTestId('link-export').count(), 0, 'members do not export')
    const other = page.locator('article[data-depth="0"][data-mine="false"]').first()
    const otherId = Number((await other.getAttribute('data-testid')).replace('post-', ''))
    await other.getByTestId('post-report').first().click()
    await page.getByTestId('report-reason').fill('与主题无关的广告')
    await page.locator('.van-dialog__confirm:visible').click()
    await page.locator('.van-toast', { hasText: '已举报' }).waitFor()
    const reports = await staff.get(`/api/v1/deliberations/${demo.id}/reports`)
    assert.ok(reports.items.some((r) => r.post.id === otherId && r.reason === '与主题无关的广告'), JSON.stringify(reports))
    await memberApi.context.close()

    // Search inside the deliberation.
    const demoPage = `/deliberations/${demo.id}`
    await page.goto(demoPage)
    await page.getByTestId('delib-search').locator('input').fill('护理')
    await page.getByTestId('delib-search').locator('input').press('Enter')
    await page.getByTestId('delib-hits').locator('mark').first().waitFor()
    await page.getByTestId('delib-hits').locator('li[data-testid^="hit-"] a').first().click()
    await page.locator('.sl-post-hl').waitFor()
    assert.equal(await page.getByTestId('delib-hits').count(), 0)

    // My contributions: the speeches made in the first test, with the accepted point.
    await page.goto('/me/contributions')
    const mine = page.locator('[data-testid^="contribution-"]', { hasText: '关于社区医养结合服务站的建议' })
    await mine.waitFor()
    assert.match(await mine.innerText(), /已采纳/)
    await shot(page, '75-my-contributions-phone')

    // Elderly mode: large text, still one column, nothing cut off sideways.
    await page.evaluate(() => localStorage.setItem('shangliang.elderly', '1'))
    await page.goto(demoPage)
    await page.getByTestId('delib-theme').waitFor()
    assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize), '20px')
    assert.ok(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1),
      'no sideways scrolling in elderly mode',
    )
    await shot(page, '76-deliberation-elderly-phone')
    await page.locator('[data-testid="point-accept"], [data-testid="mark-answer"]').first().evaluate((e) => e.scrollIntoView({ block: 'center' }))
    await shot(page, '77-deliberation-elderly-points-phone')
    await page.goto('/deliberations')
    await page.getByTestId(`delib-${demo.id}`).waitFor()
    await shot(page, '78-deliberations-list-elderly-phone')
    assert.deepEqual(realErrors(page.consoleErrors), [])
    await page.context().close()

    // Staff see the way to the console and the Excel export, which is a workbook.
    const staffPage = await newPage(browser, server.baseUrl)
    await login(staffPage, { login: 'staff', password: PASSWORD })
    await staffPage.goto(demoPage)
    const xlsx = await staffPage.request.get(await staffPage.getByTestId('link-export').getAttribute('href'))
    assert.equal(xlsx.status(), 200)
    assert.match(xlsx.headers()['content-type'], /spreadsheetml/)
    await staffPage.getByTestId('link-console').click()
    await staffPage.waitForURL(new RegExp(`/console/deliberations/${demo.id}$`))
    await staffPage.context().close()

    // Without an account: the public deliberation reads, live, and asks to log in to speak.
    const visitor = await newPage(browser, server.baseUrl)
    await visitor.goto(demoPage)
    await visitor.getByTestId('delib-theme').waitFor()
    await visitor.locator('[data-testid="live-status"][data-status="open"]').waitFor()
    await visitor.getByTestId('cant-write').getByRole('link', { name: '登录后参与发言' }).waitFor()
    assert.equal(await visitor.getByTestId('compose-open').count(), 0)
    assert.deepEqual(realErrors(visitor.consoleErrors), [])
    await visitor.context().close()

    // In English, on a desktop screen.
    const en = await newPage(browser, server.baseUrl, { viewport: DESKTOP, locale: 'en' })
    await login(en, { login: 'member', password: PASSWORD })
    await en.evaluate(() => localStorage.setItem('shangliang.locale', 'en'))
    await en.goto(demoPage)
    await en.getByTestId('phase-name').filter({ hasText: 'Current phase' }).waitFor()
    await en.getByTestId('compose-open').filter({ hasText: 'Speak' }).waitFor()
    await shot(en, '7a-deliberation-en-desktop')
    assert.deepEqual(realErrors(en.consoleErrors), [])
    await en.context().close()
  })
})

describe('deliberation pages when sensitive words are held for review', () => {
  let server, browser
  before(async () => {
    server = await startServer({ extraArgs: ['--moderation.sensitive_action=hold'] })
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('the author is told the post awaits review; others do not see it until approved', async () => {
    const staff = await apiAs(browser, server.baseUrl, 'staff')
    const demo = (await staff.get('/api/v1/deliberations?limit=100')).items.find((d) => d.theme.startsWith(DEMO_THEME))
    const viewer = await newPage(browser, server.baseUrl)
    await login(viewer, { login: 'deputy', password: PASSWORD })
    await viewer.goto(`/deliberations/${demo.id}`)
    await viewer.locator('[data-testid="live-status"][data-status="open"]').waitFor()

    const member = await newPage(browser, server.baseUrl)
    await login(member, { login: 'member', password: PASSWORD })
    await member.goto(`/deliberations/${demo.id}`)
    await member.getByTestId('compose-open').click()
    const composer = member.locator('.van-popup [data-testid="composer"]')
    await composer.getByTestId('composer-body').fill('听说有人兼职刷单，请有关部门关注。')
    await composer.getByTestId('composer-submit').click()
    const held = member.locator('article[data-state="held"]', { hasText: '请有关部门关注' })
    await held.waitFor()
    assert.match(await held.getByTestId('post-held').innerText(), /等待审核/)
    await centre(held)
    await shot(member, '79-deliberation-held-phone')
    const id = Number((await held.getAttribute('data-testid')).replace('post-', ''))

    // The viewer sees nothing of it; once staff approve it, it arrives live.
    assert.equal(await viewer.getByTestId(`post-${id}`).count(), 0)
    await staff.post(`/api/v1/posts/${id}/approve`)
    await viewer.getByTestId(`post-${id}`).getByText('请有关部门关注').waitFor()
    assert.deepEqual(realErrors(member.consoleErrors), [])
    assert.deepEqual(realErrors(viewer.consoleErrors), [])
  })
})
