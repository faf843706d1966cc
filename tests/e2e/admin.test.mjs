// Administration: create an organisation, a sector, add a person, import a
// roster CSV with a bad row (nothing imported), then a good one.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DESKTOP, apiGet, centre, unlabelledControls, launchBrowser, login, newPage, shot, startServer } from './harness.mjs'

describe('admin', () => {
  let server, browser
  before(async () => {
    server = await startServer()
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  async function memberCount(page, orgId) {
    return (await apiGet(page, `orgs/${orgId}`)).member_count
  }

  async function uploadCsv(page, name, text) {
    await page.getByTestId('roster-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') })
    const answer = page.waitForResponse((r) => r.url().includes('/roster/import'))
    await page.getByTestId('roster-upload').click()
    return answer
  }

  test('staff manage sectors, people and the roster', async () => {
    const page = await newPage(browser, server.baseUrl)
    await login(page)
    await page.getByRole('link', { name: '管理', exact: true }).click()
    await page.waitForURL(/\/admin/)

    // pick the first organisation this account administers
    if (!/\/admin\/orgs\//.test(page.url())) {
      const choices = page.getByTestId('admin-org-choices')
      await choices.waitFor()
      await shot(page, '10-admin-choose-org-phone')
      await choices.locator('.van-cell').first().click()
    }
    await page.waitForURL(/\/admin\/orgs\/[^/]+/)
    await page.locator('#admin-org-name').waitFor()

    // a fresh sub-organisation, so the counts below are ours alone
    await page.getByRole('button', { name: '新建下级组织' }).click()
    const orgName = `测试议事会${Date.now() % 100000}`
    await page.locator('input[name="child_name"]').fill(orgName)
    await page.locator('select[name="child_level"]').selectOption('village')
    await page.locator('select[name="child_kind"]').selectOption('council')
    await page.getByRole('button', { name: '新建', exact: true }).click()
    await page.getByTestId('admin-children').getByText(orgName).click()
    await page.getByRole('heading', { name: orgName }).waitFor()
    const orgId = /\/admin\/orgs\/([^/?]+)/.exec(page.url())[1]
    assert.equal(await memberCount(page, orgId), 0)
    await shot(page, '11-admin-org-tab-phone')

    // sector
    await page.getByRole('tab', { name: '界别' }).click()
    await page.locator('input[name="sector_name"]').fill('经济界')
    await page.getByRole('button', { name: '新建界别' }).click()
    await page.getByTestId('sector-list').getByText('经济界').waitFor()
    await page.locator('input[name="sector_name"]').fill('教育界')
    await page.getByRole('button', { name: '新建界别' }).click()
    await page.getByTestId('sector-list').getByText('教育界').waitFor()
    const sectors = (await apiGet(page, `orgs/${orgId}/sectors`)).items.map((s) => s.name).sort()
    assert.deepEqual(sectors, ['教育界', '经济界'])
    await shot(page, '12-admin-sectors-phone')

    // add a person
    await page.getByRole('tab', { name: '人员' }).click()
    await page.getByTestId('add-person').click()
    await page.locator('input[name="new_display_name"]').fill('李建国')
    await page.locator('input[name="new_login"]').fill('lijianguo')
    await page.locator('input[name="new_mobile"]').fill('13911110001')
    await page.locator('select[name="new_role"]').selectOption('member')
    await page.locator('select[name="new_sector"]').selectOption({ label: '经济界' })
    assert.deepEqual(await unlabelledControls(page), [])
    await shot(page, '13-admin-add-person-phone')
    await page.locator('.sl-sheet').getByRole('button', { name: '添加', exact: true }).click()
    await page.getByTestId('member-list').getByText('李建国').waitFor()
    assert.equal(await memberCount(page, orgId), 1)
    await page.locator('#admin-org-name').scrollIntoViewIfNeeded()
    await page.getByTestId('admin-member-count').getByText('1', { exact: true }).waitFor()
    await shot(page, '14-admin-people-phone')

    // roster import with one bad row: an error table, nothing imported
    await page.getByRole('tab', { name: '名册导入' }).click()
    const bad = [
      'display_name,login,mobile,role,sector',
      '王芳,wangfang,13911110002,member,经济界',
      '赵强,zhaoqiang,13911110003,chairman,教育界',
      '',
    ].join('\n')
    const badRes = await uploadCsv(page, 'roster-bad.csv', bad)
    assert.equal(badRes.status(), 422)
    const problem = await badRes.json()
    assert.ok(Array.isArray(problem.errors) && problem.errors.length >= 1, 'problem lists the bad rows')
    const table = page.getByTestId('import-error-table')
    await table.waitFor()
    await page.getByTestId('import-errors').getByText('未导入任何数据').waitFor()
    const lines = await table.getByTestId('error-line').allInnerTexts()
    assert.ok(lines.map((s) => s.trim()).includes('3'), `line 3 is reported (got ${lines.join(',')})`)
    assert.equal(await memberCount(page, orgId), 1, 'member count unchanged after a failed import')
    await page.getByTestId('admin-member-count').getByText('1', { exact: true }).waitFor()
    await centre(page.getByTestId('import-error-table'))
    await shot(page, '15-admin-import-errors-phone')

    // the corrected roster goes in
    const good = [
      'display_name,login,mobile,role,sector',
      '王芳,wangfang,13911110002,member,经济界',
      '赵强,zhaoqiang,13911110003,member,教育界',
      '',
    ].join('\n')
    const goodRes = await uploadCsv(page, 'roster-good.csv', good)
    assert.equal(goodRes.status(), 200)
    const result = await goodRes.json()
    assert.equal(result.imported, 2)
    await page.getByTestId('import-success').waitFor()
    assert.equal(await memberCount(page, orgId), 3)
    await page.getByTestId('admin-member-count').getByText('3', { exact: true }).waitFor()
    await centre(page.getByTestId('import-success'))
    await shot(page, '16-admin-import-ok-phone')

    // filters: by sector
    await page.getByRole('tab', { name: '人员' }).click()
    await page.locator('select[name="sector_filter"]').selectOption({ label: '教育界' })
    await page.getByTestId('member-list').getByText('赵强').waitFor()
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="member-row"]').length === 1)
    await page.locator('select[name="sector_filter"]').selectOption('')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="member-row"]').length === 3)
    assert.deepEqual(page.consoleErrors, [])
    await page.context().close()

    // the same page on a desktop screen
    const desk = await newPage(browser, server.baseUrl, { viewport: DESKTOP })
    await login(desk)
    await desk.goto(`/admin/orgs/${orgId}?tab=people`)
    await desk.getByTestId('member-list').getByText('王芳').waitFor()
    await shot(desk, '17-admin-people-desktop')
    await desk.context().close()
  })
})
