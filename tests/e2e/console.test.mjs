// The staff console and the department console (协商管理、部门工作台): 江南省政协's staff create a
// deliberation with sub-topics, invite 民政厅 and open it; a member speaks (through the API);
// staff split the speech into a point assigned to 民政厅 (quoting a selected passage) and a
// second one left for departments to claim; 民政厅's responder claims and answers them in the
// department console; the answers are under the points (API and staff console); staff hide a
// post with a reason its author sees. Desktop and phone screenshots along the way.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DESKTOP, PHONE, apiGet, centre, launchBrowser, login, newPage, shot, startServer, unlabelledControls } from './harness.mjs'

const STAFF = { login: 'staff', password: 'shangliang-demo' }
const MEMBER = { login: 'member', password: 'shangliang-demo' }
const DEPT = { login: 'dept_mz', password: 'shangliang-demo' }
const MZ = '江南省民政厅'

const SPEECH =
  '我们在三个县调研发现，农村老人看病难、养老难。\n\n' +
  '**一、提高农村基础养老金。** 建议逐年提高城乡居民基础养老金最低标准，向高龄老人倾斜。\n\n' +
  '**二、建设村级互助养老点。** 建议每个行政村至少建设一个互助养老点，由村集体运营、财政给予补助。'
const PASSAGE = '建议每个行政村至少建设一个互助养老点'

async function apiPost(page, path, data) {
  const res = await page.request.post(path, { data })
  const body = await res.json().catch(() => null)
  if (!res.ok()) throw new Error(`POST ${path}: HTTP ${res.status()} ${JSON.stringify(body)}`)
  return body
}

/** Vant's confirm dialog: press its confirm button. */
async function confirmDialog(page) {
  const button = page.locator('.van-dialog__confirm')
  await button.waitFor()
  await button.click()
  await page.locator('.van-dialog').waitFor({ state: 'hidden' })
}

describe('consoles', () => {
  let server, browser
  before(async () => {
    server = await startServer()
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('create and open, split and assign, claim and answer, hide with a reason', async () => {
    const theme = `农村养老服务网络议政 ${Date.now() % 100000}`

    // ---- staff, on a desktop: the console entry, then a new deliberation ----
    const staff = await newPage(browser, server.baseUrl, { viewport: DESKTOP })
    await login(staff, STAFF)
    assert.equal(await staff.getByTestId('department-console-link').count(), 0)
    await staff.getByTestId('console-link').click()
    await staff.waitForURL(/\/console\/deliberations$/)
    await staff.getByTestId('console-delib-list').waitFor()
    await shot(staff, '81-console-list-desktop')

    await staff.getByTestId('delib-create').click()
    const form = staff.getByTestId('delib-form')
    await form.getByTestId('delib-departments').getByText(MZ).waitFor()
    assert.equal(await form.locator('select[name="host"]').inputValue() !== '', true)
    await form.getByTestId('delib-theme').locator('input').fill(theme)
    await form.locator('textarea[name="description"]').fill('围绕**农村养老**建言献策。')
    await form.locator('input[name="subtopic-0"]').fill('农村基础养老金')
    await form.getByTestId('add-subtopic').click()
    await form.locator('input[name="subtopic-1"]').fill('互助养老')
    await form.getByTestId('delib-departments').getByText(MZ).click()
    await form.getByTestId('delib-public').getByText('公众可围观').click()
    assert.deepEqual(await unlabelledControls(staff), [])
    await shot(staff, '82-console-create-desktop')
    await form.getByTestId('delib-save').click()
    await staff.waitForURL(/\/console\/deliberations\/\d+/)
    const id = Number(/\/console\/deliberations\/(\d+)/.exec(staff.url())[1])
    await staff.getByTestId('delib-state').getByText('草稿').waitFor()

    const draft = await apiGet(staff, `deliberations/${id}`)
    assert.equal(draft.theme, theme)
    assert.equal(draft.state, 'draft')
    assert.deepEqual(draft.subtopics.map((s) => s.title), ['农村基础养老金', '互助养老'])
    assert.deepEqual(draft.phases.map((p) => p.kind), ['speaking', 'response', 'summary'])
    assert.deepEqual(draft.departments.map((d) => d.name), [MZ])
    assert.equal(draft.public_mode, 'read')
    // Drafts are listed to the staff who manage them.
    assert.ok((await apiGet(staff, 'deliberations?manage=true&state=draft')).items.some((d) => d.id === id))

    // Open it (with confirmation), then make the speaking phase current.
    await staff.getByTestId('delib-advance').click()
    await confirmDialog(staff)
    await staff.getByTestId('delib-state').getByText('进行中').waitFor()
    await staff.getByTestId(`phase-set-${draft.phases[0].id}`).click()
    await confirmDialog(staff)
    await staff.getByTestId('delib-phases').getByText('当前阶段').waitFor()
    const opened = await apiGet(staff, `deliberations/${id}`)
    assert.equal(opened.state, 'open')
    assert.equal(opened.current_phase.id, draft.phases[0].id)

    // ---- a member speaks, through the API ----
    const member = await newPage(browser, server.baseUrl, { viewport: PHONE })
    await login(member, MEMBER)
    assert.equal(await member.getByTestId('console-link').count(), 0)
    assert.equal(await member.getByTestId('department-console-link').count(), 0)
    const speech = await apiPost(member, `/api/v1/deliberations/${id}/posts`, {
      title: '关于健全农村养老服务的建议',
      body: SPEECH,
      subtopic_id: draft.subtopics[1].id,
    })
    const offTopic = await apiPost(member, `/api/v1/deliberations/${id}/posts`, { body: '这条发言与主题无关，留个联系方式：一二三四五。' })
    // The console is not the member's.
    await member.goto('/console/deliberations')
    await member.getByTestId('home').waitFor()

    // ---- staff split the speech: a quoted passage assigned to 民政厅, a summary left to claim ----
    await staff.reload()
    const card = staff.getByTestId(`mod-post-${speech.id}`)
    await card.waitFor()
    await card.getByTestId('post-split').click()
    const split = staff.getByTestId('split-dialog')
    const source = split.getByTestId('split-source')
    await source.waitFor()
    await source.evaluate((el, passage) => {
      const at = el.value.indexOf(passage)
      el.focus()
      el.setSelectionRange(at, at + passage.length)
      el.dispatchEvent(new Event('select'))
    }, PASSAGE)
    await split.getByTestId('split-take').click()
    assert.equal(await split.getByTestId('split-quote').locator('textarea').inputValue(), PASSAGE)
    await split.getByTestId('split-summary').locator('input').fill('村级互助养老点建设和运营补助')
    await split.locator('select[name="department"]').selectOption({ label: MZ })
    assert.deepEqual(await unlabelledControls(staff), [])
    await shot(staff, '83-console-split-desktop')
    await split.getByTestId('split-create').click()
    await split.waitFor({ state: 'hidden' })
    const assigned = card.locator('[data-testid^="point-"][data-state="claimed"]')
    await assigned.getByText(MZ).waitFor()

    await card.getByTestId('post-split').click()
    await split.getByTestId('split-summary').locator('input').fill('提高农村基础养老金最低标准')
    await split.getByTestId('split-create').click()
    await split.waitFor({ state: 'hidden' })
    await card.locator('[data-testid^="point-"][data-state="open"]').waitFor()

    const points = (await apiGet(staff, `deliberations/${id}/points`)).items
    assert.equal(points.length, 2)
    const [p1, p2] = points
    assert.equal(p1.quote, PASSAGE)
    assert.equal(p1.state, 'claimed')
    assert.equal(p1.taken_how, 'assigned')
    assert.equal(p1.department.name, MZ)
    assert.equal(p2.state, 'open')
    assert.equal(p2.department, null)
    await centre(card)
    await shot(staff, '84-console-posts-desktop')

    // ---- 民政厅, on a phone: the department console ----
    const dept = await newPage(browser, server.baseUrl, { viewport: PHONE })
    await login(dept, DEPT)
    assert.equal(await dept.getByTestId('console-link').count(), 0)
    await dept.getByTestId('department-console-link').click()
    await dept.waitForURL(/\/console\/department$/)
    const todo = dept.getByTestId('dept-todo')
    await todo.getByTestId(`dept-point-${p1.id}`).waitFor()
    await todo.getByTestId(`dept-point-${p2.id}`).waitFor()
    await todo.getByTestId(`dept-point-${p1.id}`).getByText(theme).waitFor()
    // The counts are the console's lists: what the API gives 民政厅 (the demo left one point waiting too).
    const todoItems = (await apiGet(dept, 'me/points?state=todo&limit=100')).items
    assert.ok(todoItems.some((p) => p.id === p1.id && p.state === 'claimed'))
    assert.equal(await dept.getByTestId('dept-stat-held').innerText(), String(todoItems.filter((p) => p.state === 'claimed').length))
    assert.equal(await dept.getByTestId('dept-stat-open').innerText(), String(todoItems.filter((p) => p.state === 'open').length))
    await shot(dept, '85-department-todo-phone')

    // Answer the assigned point.
    const answer1 = '今年起省级财政对村级互助养老点按每个点每年2万元给予运营补助，民政厅将会同财政厅制定建设标准。'
    await todo.getByTestId(`answer-${p1.id}`).click()
    const form1 = dept.getByTestId(`answer-form-${p1.id}`)
    await form1.getByTestId('answer-text').locator('textarea').fill(answer1)
    // (the shared AttachmentPicker's file input is labelled by its button, outside this check)
    assert.deepEqual((await unlabelledControls(dept)).filter((html) => !html.includes('van-uploader__input')), [])
    await centre(form1)
    await shot(dept, '86-department-answer-phone')
    await form1.getByTestId('answer-send').click()
    await todo.getByTestId(`dept-point-${p1.id}`).waitFor({ state: 'detached' })

    // Claim the open one, then answer it.
    const answer2 = '城乡居民基础养老金最低标准将按国家部署逐年提高，民政厅配合人社部门做好高龄津贴衔接。'
    await todo.getByTestId(`claim-${p2.id}`).click()
    const form2 = dept.getByTestId(`answer-form-${p2.id}`)
    await form2.waitFor()
    await form2.getByTestId('answer-text').locator('textarea').fill(answer2)
    await form2.getByTestId('answer-send').click()
    await todo.getByTestId(`dept-point-${p2.id}`).waitFor({ state: 'detached' })
    await dept.getByRole('tab', { name: '已回应' }).click()
    await dept.getByTestId('dept-answered').getByTestId(`dept-point-${p1.id}`).getByText(answer1).waitFor()
    const done = [...(await apiGet(dept, 'me/points?state=answered&limit=100')).items, ...(await apiGet(dept, 'me/points?state=accepted&limit=100')).items]
    assert.ok(done.some((p) => p.id === p1.id) && done.some((p) => p.id === p2.id))
    assert.equal(await dept.getByTestId('dept-stat-answered').innerText(), String(done.length))
    await shot(dept, '87-department-answered-phone')

    // The answers are under the points, for everyone who reads the deliberation.
    const got1 = await apiGet(member, `points/${p1.id}`)
    assert.equal(got1.state, 'answered')
    assert.equal(got1.answers.length, 1)
    assert.equal(got1.answers[0].body, answer1)
    assert.equal(got1.answers[0].mark, 'department_answer')
    assert.equal(got1.answers[0].author.org.name, MZ)
    assert.equal(typeof got1.response_ms, 'number')
    const got2 = await apiGet(member, `points/${p2.id}`)
    assert.equal(got2.state, 'answered')
    assert.equal(got2.taken_how, 'claimed')
    assert.equal(got2.answers[0].body, answer2)
    const stats = (await apiGet(staff, `deliberations/${id}/response-stats`)).items
    const mz = stats.find((s) => s.department.name === MZ)
    assert.equal(mz.points_taken, 2)
    assert.equal(mz.points_answered, 2)

    // ...and in the staff console.
    await staff.reload()
    await staff.getByTestId(`mod-post-${speech.id}`).getByTestId('point-answer').getByText(answer1).waitFor()
    await staff.getByRole('tab', { name: '回应统计' }).click()
    await staff.getByTestId('stats-table').getByRole('row', { name: new RegExp(MZ) }).waitFor()
    await shot(staff, '88-console-stats-desktop')

    // The Excel export is a workbook.
    const href = await staff.getByTestId('delib-export').getAttribute('href')
    const xlsx = await staff.request.get(href)
    assert.equal(xlsx.status(), 200)
    assert.match(xlsx.headers()['content-type'], /spreadsheetml/)

    // ---- an edited post's history, then staff hide it with a reason ----
    const edit = await member.request.patch(`/api/v1/posts/${offTopic.id}`, { data: { body: '这条发言与主题无关，改过一次。' } })
    assert.equal(edit.status(), 200, await edit.text())
    await staff.reload()
    await staff.getByRole('tab', { name: '发言' }).click()
    const off = staff.getByTestId(`mod-post-${offTopic.id}`)
    await off.getByTestId('post-history').click()
    const versions = staff.getByTestId('versions-dialog')
    await versions.getByTestId('version-2').getByText('改过一次').waitFor()
    await versions.getByTestId('version-1').getByText('一二三四五').waitFor()
    await shot(staff, '89a-console-versions-desktop')
    await versions.locator('.van-popup__close-icon').click()
    await versions.waitFor({ state: 'hidden' })
    await off.getByTestId('post-hide').click()
    const reasonDialog = staff.getByTestId('reason-dialog')
    await reasonDialog.getByTestId('reason-input').locator('textarea').fill('与协商主题无关，且含个人联系方式')
    await reasonDialog.getByTestId('reason-confirm').click()
    await off.getByTestId('post-moderation').getByText('与协商主题无关，且含个人联系方式').waitFor()
    assert.equal(await off.getAttribute('data-state'), 'hidden')
    await off.getByTestId('post-restore').waitFor()
    await centre(off)
    await shot(staff, '89-console-hidden-desktop')

    // The author sees the reason; other readers see no content.
    const mine = await apiGet(member, `posts/${offTopic.id}`)
    assert.equal(mine.state, 'hidden')
    assert.equal(mine.moderation.reason, '与协商主题无关，且含个人联系方式')
    const theirs = await apiGet(dept, `posts/${offTopic.id}`)
    assert.equal(theirs.body, '')
    assert.equal(theirs.moderation, undefined)

    // ---- the staff console on a phone ----
    const staffPhone = await newPage(browser, server.baseUrl, { viewport: PHONE })
    await login(staffPhone, STAFF)
    await staffPhone.goto(`/console/deliberations/${id}`)
    await staffPhone.getByTestId(`mod-post-${speech.id}`).waitFor()
    await shot(staffPhone, '90-console-detail-phone')
    await staffPhone.getByTestId(`mod-post-${speech.id}`).getByTestId('point-answer').first().evaluate((e) => e.scrollIntoView({ block: 'center' }))
    await shot(staffPhone, '91-console-points-phone')
    await staffPhone.goto('/console/deliberations')
    await staffPhone.getByTestId(`console-delib-${id}`).waitFor()
    await shot(staffPhone, '92-console-list-phone')

    // ---- the department console in English ----
    const deptEn = await newPage(browser, server.baseUrl, { viewport: PHONE, locale: 'en' })
    await deptEn.addInitScript(() => localStorage.setItem('shangliang.locale', 'en'))
    await login(deptEn, DEPT)
    await deptEn.goto('/console/department?tab=answered')
    await deptEn.getByTestId('department-console').getByRole('heading', { name: 'Department console' }).waitFor()
    await deptEn.getByTestId('dept-answered').getByTestId(`dept-point-${p1.id}`).waitFor()
    await shot(deptEn, '93-department-answered-en-phone')

    // ---- and in the elderly mode (large text) ----
    const deptBig = await newPage(browser, server.baseUrl, { viewport: PHONE })
    await deptBig.addInitScript(() => localStorage.setItem('shangliang.elderly', '1'))
    await login(deptBig, DEPT)
    await deptBig.goto('/console/department')
    await deptBig.getByTestId('dept-todo').locator('[data-testid^="dept-point-"]').first().waitFor()
    await shot(deptBig, '94-department-todo-elderly-phone')

    const pages = [staff, member, dept, staffPhone, deptEn, deptBig]
    for (const p of pages) assert.deepEqual(p.consoleErrors, [])
    for (const p of pages) await p.context().close()
  })
})
