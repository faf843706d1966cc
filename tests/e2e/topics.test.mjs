// Topic collection (议题征集) in the browser: a resident raises a topic in the village box from
// a phone and is shown the similar topic already there while typing; the council's staff see
// the two side by side on the screening desk, merge the new one into the earlier one and turn
// it into a deliberation in one action; the resident then finds their topic merged, the
// survivor a deliberation, and both in their inbox. Also the browse page, the hot spots with
// their chart, and the submit page in the elderly (large-text) mode.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DESKTOP, apiGet, launchBrowser, login, newPage, shot, startServer, unlabelledControls } from './harness.mjs'

const RESIDENT = { login: 'resident', password: 'shangliang-demo' }
const VILLAGE_STAFF = { login: 'village_staff', password: 'shangliang-demo' }

describe('topics', () => {
  let server, browser
  before(async () => {
    server = await startServer()
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('a resident raises a topic, staff merge it and start a deliberation, the resident sees it', async () => {
    const resident = await newPage(browser, server.baseUrl)
    await login(resident, RESIDENT)
    await resident.getByTestId('topics-link').click()
    await resident.getByTestId('topics').waitFor()
    await resident.getByTestId('topic-list').locator('a').first().waitFor()
    await shot(resident, '71-topics-browse-phone')

    // The village box: raise a topic; the earlier one about the same lights shows while typing.
    const box = (await apiGet(resident, 'topic-calls?open=1')).items.find((k) => k.kind === 'box')
    assert.ok(box, 'the resident may submit to the village box')
    await resident.getByTestId(`call-submit-${box.id}`).click()
    await resident.getByTestId('topic-submit').waitFor()
    await resident.getByTestId('topic-title').locator('input').fill('村口的路燈壞了')
    await resident.getByTestId('topic-body').locator('textarea').fill('村口路燈壞了兩個月，晚上出門看不清路，老人怕摔跤')
    const similar = resident.getByTestId('topic-similar')
    await similar.getByText('村口路灯坏了很久').waitFor()
    assert.deepEqual(await unlabelledControls(resident), [])
    await shot(resident, '72-topic-submit-similar-phone')
    await resident.getByTestId('topic-send').click()
    await resident.waitForURL(/\/topics\/\d+$/)
    await resident.getByTestId('topic-state').getByText('待筛选').waitFor()
    const mine = Number(new URL(resident.url()).pathname.split('/').pop())
    await shot(resident, '73-topic-detail-pending-phone')

    // Staff: the desk shows the new topic beside the earlier one; merge, then a deliberation.
    const staff = await newPage(browser, server.baseUrl, { viewport: DESKTOP })
    await login(staff, VILLAGE_STAFF)
    await staff.goto('/topics/screen')
    await staff.getByTestId(`queue-${mine}`).click()
    const right = staff.getByTestId('screen-right')
    await right.getByText('村口路灯坏了很久').waitFor()
    await staff.getByTestId('screen-left').getByText('村口的路燈壞了').waitFor()
    await shot(staff, '74-topic-screen-side-by-side-desktop')
    const survivor = (await apiGet(staff, `topics/${mine}/similar`)).items[0]
    assert.equal(survivor.title, '村口路灯坏了很久')
    await staff.getByTestId('merge-current-into-other').click()
    await staff.locator('.van-dialog__confirm').click()
    await staff.waitForFunction(() => document.querySelector('[data-testid="screen-left"] h2')?.textContent?.includes('村口路灯坏了很久'))
    await staff.getByTestId('screen-to-deliberation').click()
    await staff.locator('.van-dialog__confirm').click()
    await staff.waitForURL(new RegExp(`/topics/${survivor.id}$`))
    await staff.getByTestId('topic-deliberation').waitFor()
    const merged = await apiGet(staff, `topics/${survivor.id}`)
    assert.equal(merged.state, 'accepted')
    assert.ok(merged.deliberation_id)
    assert.ok(merged.submitters.some((p) => p.display_name === '何桂兰'), 'the resident is now one of its submitters')
    await shot(staff, '75-topic-deliberation-started-desktop')

    // The resident: their topic points to the survivor, which became a deliberation.
    await resident.reload()
    await resident.getByTestId('topic-merged').waitFor()
    await resident.getByTestId('topic-state').getByText('已合并').waitFor()
    await resident.getByTestId('topic-survivor-link').click()
    await resident.waitForURL(new RegExp(`/topics/${survivor.id}$`))
    await resident.getByTestId('topic-deliberation').getByText('此议题已转为协商').waitFor()
    await shot(resident, '76-topic-became-deliberation-phone')
    const inbox = await apiGet(resident, 'inbox')
    assert.ok(inbox.items.some((n) => n.kind === 'topic.merged'))
    assert.ok(inbox.items.some((n) => n.kind === 'topic.deliberation' && n.link === `/deliberations/${merged.deliberation_id}`))
    const delib = await apiGet(resident, `deliberations/${merged.deliberation_id}`)
    assert.equal(delib.state, 'open')
    assert.ok(delib.description.includes(`/topics/${survivor.id}`))
    assert.deepEqual(resident.consoleErrors, [])
    assert.deepEqual(staff.consoleErrors, [])
  })

  test('hot spots with their chart, and the submit page in the elderly mode', async () => {
    const page = await newPage(browser, server.baseUrl)
    await login(page, { login: 'member', password: 'shangliang-demo' })
    await page.goto('/topics')
    await page.getByTestId('topics-hot-link').click()
    await page.getByTestId('topic-hot').waitFor()
    await page.getByTestId('hot-ranking').locator('li').first().waitFor()
    await page.waitForFunction(() => !!document.querySelector('[data-testid="hot-bar"] canvas'))
    await shot(page, '77-topic-hotspots-phone')

    const r = await page.request.patch('/api/v1/me', { data: { elderly_mode: true } })
    assert.equal(r.status(), 200)
    await page.goto('/topics/new')
    await page.getByTestId('topic-submit').waitFor()
    await page.getByTestId('topic-title').locator('input').fill('推进县域医共体建设')
    await page.getByTestId('topic-body').locator('textarea').fill('县乡村医疗资源统筹不够，基层看病难')
    await page.getByTestId('topic-similar').getByText('推进县域医共体建设').waitFor()
    await shot(page, '78-topic-submit-elderly-phone')
    assert.deepEqual(page.consoleErrors, [])
  })

  test('staff open a call for topics that members can then submit to', async () => {
    const page = await newPage(browser, server.baseUrl)
    await login(page, { login: 'staff', password: 'shangliang-demo' })
    await page.goto('/topics')
    await page.getByTestId('topics-new-call').click()
    await page.getByTestId('topic-call-new').waitFor()
    await page.locator('input[name="theme"]').fill('关于优化营商环境的议题征集')
    await page.locator('textarea[name="description"]').fill('请围绕企业开办、融资、账款拖欠等提出议题。')
    await page.locator('input[type="date"]').fill('2030-12-31')
    // Departments near the province are offered; pick the first one.
    const dept = page.getByTestId('call-departments').locator('.van-checkbox').first()
    await dept.waitFor()
    const deptName = (await dept.textContent()).trim()
    await dept.click()
    assert.deepEqual(await unlabelledControls(page), [])
    await shot(page, '79-topic-call-new-phone')
    await page.getByTestId('call-send').click()
    await page.waitForURL(/\/topics$/)
    await page.getByText('关于优化营商环境的议题征集').waitFor()
    const k = (await apiGet(page, 'topic-calls')).items.find((x) => x.theme === '关于优化营商环境的议题征集')
    assert.ok(k && k.open_now && k.audience.members && !k.audience.public)
    assert.equal(k.audience.department_ids.length, 1, 'the chosen department is in the audience')
    const chosen = await apiGet(page, `orgs/${k.audience.department_ids[0]}`)
    assert.equal(chosen.name, deptName)
    assert.equal(chosen.kind, 'department')
    assert.match(k.closes_at, /^2030-12-31T15:59:59/)
    assert.deepEqual(page.consoleErrors, [])
  })
})
