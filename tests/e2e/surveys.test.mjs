// A public survey from building to results: staff build it in the survey builder (two
// questions, skip logic on the first), publish it and watch the results page; a logged-out
// visitor answers it on a phone after reading whether it is anonymous; the results page shows
// the answer without a reload (live). Then a 委员 votes in the demo deliberation's quick poll
// in the elderly mode.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { PHONE, launchBrowser, login, newPage, shot, startServer, unlabelledControls } from './harness.mjs'

const STAFF = { login: 'staff', password: 'shangliang-demo' }
const MEMBER = { login: 'member', password: 'shangliang-demo' }
const input = (page, testid) => page.getByTestId(testid).locator('input, textarea').first()

describe('surveys', () => {
  let server, browser
  before(async () => {
    server = await startServer()
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('staff build and publish a public survey; a visitor answers on a phone; results update live', async () => {
    const staff = await newPage(browser, server.baseUrl, { viewport: PHONE })
    await login(staff, STAFF)
    await staff.goto('/surveys')
    await staff.getByTestId('survey-list').waitFor()
    await staff.getByText('临江市公交出行满意度调查').waitFor() // the demo's public survey
    await shot(staff, '80-survey-list-staff-phone')
    await staff.getByTestId('survey-new').click()
    await staff.getByTestId('survey-builder').waitFor()
    await input(staff, 'builder-title').fill('社区菜市场改造意见征询')
    await input(staff, 'builder-description').fill('社区菜市场将于明年改造，请您花一分钟告诉我们您的想法。')
    // A members' survey may be limited to sectors of the organisation (江南省政协 has some).
    await staff.getByTestId('builder-audience-members').click()
    await staff.getByTestId('builder-sectors').waitFor()
    await shot(staff, '81a-survey-builder-members-phone')
    await staff.getByTestId('builder-audience-public').click()
    assert.equal(await staff.getByTestId('builder-sectors').count(), 0)
    // Question 1: single choice; "不去" skips to the end.
    await input(staff, 'title-q1').fill('您多久去一次社区菜市场？')
    await input(staff, 'option-label-q1-0').fill('每天')
    await input(staff, 'option-label-q1-1').fill('不去')
    // Question 2: a rating.
    await staff.getByTestId('builder-add-question').click()
    await staff.getByTestId('type-q2').selectOption('rating')
    await input(staff, 'title-q2').fill('您对菜市场卫生状况的满意度')
    await staff.locator('#skip-q1-b').selectOption('end')
    assert.deepEqual(await unlabelledControls(staff), [])
    await shot(staff, '81-survey-builder-phone')
    await staff.getByTestId('builder-publish').click()
    await staff.locator('.van-dialog__confirm').click()
    await staff.waitForURL(/\/surveys\/\d+\/results$/)
    const id = Number(/\/surveys\/(\d+)\/results/.exec(staff.url())[1])
    await staff.getByTestId('survey-results').waitFor()
    await staff.getByTestId('results-count').getByText('0').waitFor()
    await staff.getByTestId('results-live').getByText('实时更新中').waitFor()

    // A visitor, not logged in, on a phone.
    const visitor = await newPage(browser, server.baseUrl, { viewport: PHONE })
    await visitor.goto(`/surveys/${id}`)
    await visitor.getByTestId('survey-title').getByText('社区菜市场改造意见征询').waitFor()
    await visitor.getByTestId('survey-notice').getByText(/匿名问卷/).waitFor()
    await shot(visitor, '82-survey-intro-visitor-phone')
    await visitor.getByTestId('survey-start').click()
    await visitor.getByTestId('option-q1-a').click()
    await visitor.getByTestId('score-q2-4').click()
    assert.deepEqual(await unlabelledControls(visitor), [])
    await shot(visitor, '83-survey-answering-phone')
    // Skip logic in the browser: "不去" ends the survey, so question 2 goes away and comes back.
    await visitor.getByTestId('option-q1-b').click() // "不去" ends the survey: question 2 disappears
    assert.equal(await visitor.getByTestId('question-q2').count(), 0)
    await visitor.getByTestId('option-q1-a').click()
    await visitor.getByTestId('question-q2').waitFor()
    await visitor.getByTestId('score-q2-4').click()
    await visitor.getByTestId('survey-submit').click()
    await visitor.getByTestId('survey-done').waitFor()
    await shot(visitor, '84-survey-done-phone')
    // A second visit from the same phone: already answered.
    await visitor.reload()
    await visitor.getByTestId('survey-done').waitFor()
    assert.equal(await visitor.getByTestId('survey-start').count(), 0)

    // The staff page updated by itself.
    await staff.getByTestId('results-count').getByText('1').waitFor()
    await staff.waitForFunction(
      () => document.querySelector('[data-testid="result-summary-q1"]')?.textContent?.includes('每天：1'),
      null,
      { timeout: 10_000 },
    )
    const q2 = await staff.getByTestId('result-q2').innerText()
    assert.match(q2, /平均 4 分/)
    await staff.waitForTimeout(400) // the chart's animation
    await shot(staff, '85-survey-results-live-phone')
    assert.deepEqual(staff.consoleErrors, [])
    assert.deepEqual(visitor.consoleErrors, [])
    await staff.context().close()
    await visitor.context().close()
  })

  test('a 委员 votes in the demo deliberation\'s quick poll, in the elderly mode', async () => {
    const page = await newPage(browser, server.baseUrl, { viewport: PHONE })
    await page.addInitScript(() => localStorage.setItem('shangliang.elderly', '1'))
    await login(page, MEMBER)
    const list = await page.request.get('/api/v1/surveys?limit=50')
    const poll = (await list.json()).items.find((s) => s.kind === 'poll')
    assert.ok(poll, 'the demo has a poll')
    await page.goto(`/deliberations/${poll.scope.id}/polls`)
    await page.getByTestId(`poll-${poll.id}`).waitFor()
    await page.getByTestId(`poll-${poll.id}-option-rural`).click()
    await page.getByTestId(`poll-${poll.id}-vote`).click()
    await page.getByTestId(`poll-${poll.id}-results`).waitFor()
    await page.getByTestId(`poll-${poll.id}-count-rural`).getByText(/^2 票/).waitFor()
    await shot(page, '86-quick-poll-elderly-phone')

    // The demo's public survey, every question type, in the elderly mode: "经常" keeps every
    // question on the path; the ranking is answered with the arrows.
    const pub = (await (await page.request.get('/api/v1/surveys?limit=50')).json()).items.find((s) => s.title === '临江市公交出行满意度调查')
    await page.goto(`/surveys/${pub.id}`)
    await page.getByTestId('survey-start').click()
    await page.getByTestId('option-q1-often').click()
    await page.getByTestId('option-q2-freq').click()
    await page.getByTestId('option-q2-late').click()
    await page.getByTestId('score-q3-4').click()
    await page.getByTestId('rank-q4-walk').getByRole('button', { name: '上移' }).click()
    await page.getByTestId('text-q6').locator('textarea').fill('希望增加夜班公交。')
    assert.deepEqual(await unlabelledControls(page), [])
    await shot(page, '87-survey-answer-elderly-full', { fullPage: true })
    await page.getByTestId('survey-submit').click()
    await page.getByTestId('survey-done').waitFor()
    await page.getByTestId('survey-see-results').click() // results for respondents
    await page.getByTestId('survey-results').waitFor()
    await page.getByTestId('results-count').getByText('6').waitFor()
    await page.getByTestId('texts-q6').getByText('希望增加夜班公交。').waitFor()
    await shot(page, '88-survey-results-elderly-phone')
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()
  })
})
