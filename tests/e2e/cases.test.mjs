// Cases in the browser: a member submits a proposal on a phone; staff accept it (立案) and assign
// it to 民政厅 (交办); the department answers; the member rates the answer. Then an overdue case
// turns red: the server runs with its test clock (cases.test_clock), moved 40 days on, and the
// supervision board shows 民政厅 red with the case among the carded ones.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DESKTOP, launchBrowser, login, newPage, shot, startServer, unlabelledControls } from './harness.mjs'

const user = (name) => ({ login: name, password: 'shangliang-demo' })

describe('cases', () => {
  let server, browser
  before(async () => {
    server = await startServer({ extraArgs: ['--cases.test_clock=true', '--cases.sweep_interval_seconds=0', '--auth.session_ttl_hours=8760'] })
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  async function as(name, viewport) {
    const page = await newPage(browser, server.baseUrl, viewport ? { viewport } : {})
    await login(page, user(name))
    return page
  }
  async function post(page, path, json) {
    const res = await page.request.post(`/api/v1/${path}`, { data: json })
    assert.ok(res.ok(), `POST ${path}: ${res.status()} ${await res.text()}`)
    return res.json()
  }
  const state = (page) => page.getByTestId('case-state')
  async function act(page, action) {
    await page.getByTestId(`case-action-${action}`).click()
    await page.getByTestId(`case-form-${action}`).waitFor()
  }

  test('submit → accept → assign → answer → rate', async () => {
    const member = await as('member')
    await member.goto('/cases')
    await member.getByTestId('cases').waitFor()
    await member.getByTestId('case-new').click()
    await member.waitForURL(/\/cases\/new$/)
    await member.getByTestId('case-submit').waitFor()
    await member.locator('select[name="org"]').selectOption({ label: '江南省政协' })
    await member.locator('select[name="kind"]').selectOption('proposal')
    const title = `关于增设社区食堂的提案 ${Date.now() % 100000}`
    await member.getByTestId('case-title').locator('input').fill(title)
    await member.getByTestId('case-body').locator('textarea').fill('建议在每个街道至少建一处社区老年食堂，并给予运营补贴。')
    // A co-signer (联名), found by name.
    await member.locator('input[name="cosigner"]').fill('沈')
    await member.getByTestId('case-cosigners').getByText('沈国栋').click()
    await member.getByTestId('case-cosigners').locator('.van-tag').getByText('沈国栋').waitFor()
    // (The shared AttachmentPicker's hidden file input has no label of its own: not checked here.)
    assert.deepEqual((await unlabelledControls(member)).filter((h) => !h.includes('van-uploader__input')), [])
    await shot(member, '70-case-submit-phone')
    await member.getByTestId('case-submit-button').click()
    await member.waitForURL(/\/cases\/\d+$/)
    const path = new URL(member.url()).pathname
    await state(member).getByText('待审查').waitFor()
    await member.getByText('沈国栋（…）').waitFor()
    await shot(member, '71-case-submitted-phone')

    const staff = await as('staff', DESKTOP)
    await staff.goto(path)
    await act(staff, 'accept')
    await staff.getByTestId('case-form-confirm').click()
    await state(staff).getByText('已立案').waitFor()
    await act(staff, 'assign')
    await staff.locator('select[name="lead"]').selectOption({ label: '江南省民政厅' })
    await shot(staff, '72-case-assign-desktop')
    await staff.getByTestId('case-form-confirm').click()
    await state(staff).getByText('办理中').waitFor()
    await staff.getByTestId('case-deadline').waitFor()

    const dept = await as('dept_mz')
    await dept.goto('/cases?tab=unit')
    await dept.getByText(title).click()
    await dept.waitForURL(new RegExp(`${path}$`))
    await act(dept, 'answer')
    await dept.getByTestId('case-field-answer').locator('textarea').fill('我厅已将社区老年食堂建设列入明年民生实事。')
    await dept.getByTestId('case-form-confirm').click()
    await state(dept).getByText('已答复').waitFor()

    await member.reload()
    await member.getByTestId('case-answer').getByText('列入明年民生实事').waitFor()
    await act(member, 'rate')
    await member.locator('select[name="rating"]').selectOption('satisfied')
    await member.getByTestId('case-form-confirm').click()
    await state(member).getByText('已办结').waitFor()
    await member.getByTestId('case-rating').getByText('满意').waitFor()
    await shot(member, '73-case-rated-phone', { fullPage: true })
    for (const p of [member, staff, dept]) await p.context().close()
  })

  test('a draft is saved, changed and handed in', async () => {
    const member = await as('member')
    await member.goto('/cases/new')
    await member.getByTestId('case-submit').waitFor()
    await member.locator('select[name="org"]').selectOption({ label: '江南省政协' })
    await member.getByTestId('case-title').locator('input').fill('草稿：关于公园适老化改造')
    await member.getByTestId('case-body').locator('textarea').fill('初稿')
    await member.getByTestId('case-save-draft').click()
    await member.waitForURL(/\/cases\/\d+$/)
    await state(member).getByText('草稿').waitFor()
    await member.getByTestId('case-action-edit').click()
    await member.waitForURL(/\/cases\/new\?draft=\d+$/)
    await member.getByTestId('case-title').locator('input').fill('关于公园适老化改造的提案')
    await member.getByTestId('case-submit-button').click()
    await member.waitForURL(/\/cases\/\d+$/)
    await state(member).getByText('待审查').waitFor()
    await member.getByTestId('case-title').getByText('关于公园适老化改造的提案').waitFor()
    await member.context().close()
  })

  test('an overdue case turns red on the supervision board', async () => {
    const member = await as('member')
    const staff = await as('staff', DESKTOP)
    const admin = await as('admin')
    const c = await post(member, 'cases', { org_id: (await (await member.request.get('/api/v1/me')).json()).memberships.find((m) => m.org.name === '江南省政协').org.id, kind: 'proposal', title: '关于治理城市积水点的提案', body: '雨季积水严重。', submit: true })
    await post(staff, `cases/${c.id}/actions/accept`, {})
    const depts = await (await staff.request.get(`/api/v1/orgs?parent_id=${c.org.id}&limit=200`)).json()
    const mz = depts.items.find((o) => o.name === '江南省民政厅')
    await post(staff, `cases/${c.id}/actions/assign`, { lead_unit_id: mz.id, working_days: 10 })
    await staff.goto(`/cases/${c.id}`)
    await state(staff).getByText('办理中').waitFor()
    assert.equal(await staff.getByTestId('case-card').count(), 0)

    // Forty days later (test clock), the sweep gives the case a red card.
    await post(admin, 'testing/clock', { advance_ms: 40 * 86_400_000 })
    const swept = await post(admin, 'cases/sweep', {})
    assert.ok(swept.red >= 1, JSON.stringify(swept))
    await staff.reload()
    await staff.getByTestId('case-card').getByText('红牌').waitFor()
    await staff.getByTestId('case-deadline').getByText(/已超期/).waitFor()

    await staff.goto('/cases?tab=board')
    await staff.getByTestId('case-board').waitFor()
    const unit = staff.getByTestId(`board-unit-${mz.id}`)
    await unit.waitFor()
    assert.equal(await unit.getAttribute('data-colour'), 'red')
    await staff.getByTestId(`board-card-${c.id}`).waitFor()
    await shot(staff, '74-case-board-red-desktop')
    // Statistics for the year-end evaluation: per unit and per member.
    await staff.getByTestId('case-stats').waitFor()
    await staff.getByTestId('case-stats-members').getByText('陈志远').waitFor()
    // The desk lists it under the red filter; the list item carries the card.
    await staff.goto('/cases?tab=desk')
    await staff.getByTestId(`case-card-${c.id}`).getByText('红牌').waitFor()
    for (const p of [member, staff, admin]) await p.context().close()
  })

  test('staff change a kind\'s deadline; the platform administrator adds a national holiday of a later year', async () => {
    const staff = await as('staff')
    await staff.goto('/cases?tab=settings')
    await staff.getByTestId('case-settings-proposal').waitFor()
    const stepper = staff.getByTestId('case-settings-deadline-proposal').locator('input')
    await stepper.fill('15')
    await stepper.blur()
    await staff.getByTestId('case-settings-save-proposal').click()
    await staff.getByText('设置已保存').waitFor()
    const orgs = (await (await staff.request.get('/api/v1/me')).json()).memberships.map((m) => m.org)
    const prov = orgs.find((o) => o.name === '江南省政协')
    const s = await (await staff.request.get(`/api/v1/orgs/${prov.id}/case-settings`)).json()
    assert.equal(s.items.find((x) => x.kind === 'proposal').deadline_working_days, 15)
    // Staff see the calendar (2025 and 2026 are the official ones) but add no days.
    await staff.getByTestId('case-calendar-summary').waitFor()
    assert.equal(await staff.getByTestId('case-calendar-add').count(), 0)
    await shot(staff, '75-case-settings')

    const admin = await as('admin')
    await admin.goto('/cases?tab=settings')
    await admin.getByTestId('case-calendar').waitFor()
    await admin.getByTestId('case-calendar-date').locator('input').fill('2027-01-01')
    await admin.getByTestId('case-calendar-save').click()
    await admin.getByTestId('case-calendar-day-2027-01-01').waitFor()
    const cal = await (await admin.request.get('/api/v1/calendar?year=2027')).json()
    assert.ok(cal.days.some((d) => d.date === '2027-01-01' && d.kind === 'holiday'), JSON.stringify(cal))
    for (const p of [staff, admin]) await p.context().close()
  })
})
