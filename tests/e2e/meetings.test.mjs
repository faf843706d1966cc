// Meetings in the browser (issue 7), on the demo's live public remote consultation
// "推进城乡养老服务一体化 远程协商会" (member invited, staff in the chair):
//  1. a remote member asks to speak on a phone; the chair gives the floor from the console;
//     the member's page shows "您正在发言" with the countdown, live;
//  2. a viewer's comment is picked in the console and appears on the room's screen, live;
//  3. QR check-in: a valid code checks the member in (typed by hand) and another invitee in
//     through the camera scanner (Chromium's fake camera showing the code); after the test clock
//     (cases.test_clock) moves past the meeting's end, the same code is refused with a clear
//     message when opened as /meetings/:id/checkin?t=TOKEN.
// Screenshots of the participant page, the viewer page, the chair console and the screen.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchBrowser, login, newPage, shot, startServer, unlabelledControls } from './harness.mjs'

const PASSWORD = 'shangliang-demo'
const DEMO_TITLE = '推进城乡养老服务一体化 远程协商会'

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
  return { context, get: (path) => call('GET', path), post: (path, data = {}) => call('POST', path, data) }
}

/** The stream host of the demo does not exist: its load errors are expected, nothing else is. */
const realErrors = (errors) => errors.filter((e) => !/Failed to load resource|net::ERR|hls|m3u8|WebSocket/i.test(e))

describe('meetings', () => {
  let server, browser, staff, admin, meeting
  before(async () => {
    server = await startServer({ extraArgs: ['--cases.test_clock=true', '--auth.session_ttl_hours=8760'] })
    browser = await launchBrowser()
    staff = await apiAs(browser, server.baseUrl, 'staff')
    admin = await apiAs(browser, server.baseUrl, 'admin')
    const list = await staff.get('/api/v1/meetings?state=live')
    const found = list.items.find((m) => m.title === DEMO_TITLE)
    assert.ok(found, 'the demo live meeting')
    meeting = await staff.get(`/api/v1/meetings/${found.id}`)
    assert.equal(meeting.state, 'live')
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  async function as(who, opts) {
    const page = await newPage(browser, server.baseUrl, opts)
    await login(page, { login: who, password: PASSWORD })
    return page
  }

  test('a remote member asks to speak and the chair gives the floor', async () => {
    const member = await as('member')
    // From the home page to the meeting through the calendar list.
    await member.getByTestId('home-meetings').click()
    await member.getByTestId('meetings-calendar').waitFor()
    await member.getByTestId(`meeting-${meeting.id}`).click()
    await member.waitForURL(new RegExp(`/meetings/${meeting.id}$`))
    await member.getByTestId('meeting-page').waitFor()
    await member.getByTestId('meeting-state').getByText('进行中').waitFor()
    await member.getByTestId('floor-banner').getByText('目前没有人发言').waitFor()

    // Attend remotely (records remote attendance), then ask to speak.
    await member.getByTestId('join').click()
    await member.getByTestId('my-attendance-status').getByText(/远程出席|迟到/).waitFor()
    // The demo has the member waiting already (an earlier request): withdraw it and ask anew.
    await member.getByTestId('queue').waitFor()
    if (await member.getByTestId('withdraw').isVisible()) await member.getByTestId('withdraw').click()
    await member.getByTestId('ask-to-speak').click()
    await member.locator('input[name="note"]').fill('农村互助养老的运营补贴')
    assert.deepEqual(await unlabelledControls(member), [])
    await member.getByTestId('ask-send').click()
    await member.getByTestId('my-request').getByText(/排在第 \d+ 位/).waitFor()
    await member.evaluate(() => window.scrollTo(0, 0))
    await shot(member, 'm1-meeting-participant-phone')

    // The chair sees the request arrive in the console and gives the floor for 3 minutes.
    const chair = await as('staff')
    await chair.goto(`/console/meetings/${meeting.id}`)
    await chair.getByTestId('chair-console').waitFor()
    const request = chair.getByTestId('console-queue').locator('li', { hasText: '农村互助养老的运营补贴' })
    await request.waitFor()
    await chair.getByTestId('seconds-180').click()
    await request.evaluate((e) => e.scrollIntoView({ block: 'center' }))
    await shot(chair, 'm3a-meeting-chair-queue-phone')
    await request.getByTestId('give-floor').click()
    await chair.getByTestId('floor-banner').getByText('正在发言').waitFor()

    // The member's page shows it live: "您正在发言" and the time left, counting down.
    const banner = member.getByTestId('floor-banner')
    await banner.getByText('您正在发言').waitFor()
    const clock = banner.getByTestId('floor-countdown')
    await member.waitForFunction(() => /^0[23]:\d\d$/.test(document.querySelector('[data-testid="floor-countdown"]')?.textContent ?? ''))
    const first = await clock.textContent()
    await member.waitForFunction((t) => document.querySelector('[data-testid="floor-countdown"]')?.textContent !== t, first)
    assert.ok((await clock.textContent()) < first, 'the countdown goes down')
    await member.evaluate(() => window.scrollTo(0, 0))
    await shot(member, 'm2-meeting-floor-phone')
    await chair.evaluate(() => window.scrollTo(0, 0))
    await shot(chair, 'm3-meeting-chair-console-phone')

    // The chair ends the turn: the member's banner goes back to nobody.
    await chair.getByTestId('floor-end').click()
    await banner.getByText('目前没有人发言').waitFor()
    assert.deepEqual(realErrors(member.consoleErrors), [])
    assert.deepEqual(realErrors(chair.consoleErrors), [])
    await member.context().close()
    await chair.context().close()
  })

  test("a viewer's comment is picked and appears on the room's screen", async () => {
    // The room's screen: signed out (the meeting is public), on a phone-sized viewport here.
    const screen = await newPage(browser, server.baseUrl)
    await screen.goto(`/meetings/${meeting.id}/screen`)
    await screen.getByTestId('meeting-screen').waitFor()
    await screen.getByTestId('floor-banner').waitFor()

    const viewer = await as('resident')
    await viewer.goto(`/meetings/${meeting.id}/watch`)
    await viewer.getByTestId('meeting-watch').waitFor()
    const text = `建议快递驿站增设助老服务点 ${Date.now() % 100000}`
    await viewer.getByTestId('comment-body').fill(text)
    assert.deepEqual(await unlabelledControls(viewer), [])
    await viewer.getByTestId('comment-send').click()
    // Comments are open on the demo meeting: it shows in the viewer's own stream, live.
    await viewer.getByTestId('comments').getByText(text).waitFor()
    await viewer.evaluate(() => window.scrollTo(0, 0))
    await shot(viewer, 'm4-meeting-viewer-phone')

    // The chair picks it in the console (held first if the meeting moderates).
    const chair = await as('staff')
    await chair.goto(`/console/meetings/${meeting.id}`)
    await chair.getByTestId('chair-console').waitFor()
    await chair.getByRole('tab', { name: /留言/ }).click()
    const item = chair.getByTestId('console-comments').locator('li', { hasText: text })
    await item.waitFor()
    await item.getByRole('button', { name: '纳入会场' }).click()
    await item.getByRole('button', { name: '取消精选' }).waitFor()

    // The screen shows it without a reload, and so does the viewer's picked list.
    await screen.getByTestId('screen-picked').getByText(text).waitFor()
    await viewer.getByTestId('picked-list').getByText(text).waitFor()
    await shot(screen, 'm5-meeting-screen-phone')
    assert.deepEqual(realErrors(screen.consoleErrors), [])
    assert.deepEqual(realErrors(viewer.consoleErrors), [])
    for (const p of [screen, viewer, chair]) await p.context().close()
  })

  test('calendar, new-meeting form, minutes editor, and the elderly layout', async () => {
    // The member's month calendar: today has a dot; tapping it lists the live meeting.
    const member = await as('member')
    await member.goto('/meetings')
    await member.getByTestId('meetings-calendar').waitFor()
    const today = new Date().getDate()
    await member.getByTestId(`cal-day-${today}`).click()
    await member.getByTestId(`meeting-${meeting.id}`).waitFor()
    await shot(member, 'm7-meetings-calendar-phone')
    // Elderly mode (large text) on the participant page.
    await member.goto(`/meetings/${meeting.id}`)
    await member.getByTestId('meeting-page').waitFor()
    await member.evaluate(() => document.documentElement.classList.add('sl-elderly'))
    await shot(member, 'm8-meeting-participant-elderly-phone')
    // The meeting record verifies against the public ledger (留痕核验), content included.
    await member.getByTestId('meeting-page').getByTestId('ledger-verify').first().click()
    const summary = member.locator('[data-testid="ledger-result"]:visible').getByTestId('ledger-summary')
    await summary.waitFor({ timeout: 30_000 })
    assert.equal(await summary.getAttribute('data-status'), 'ok', await summary.innerText())
    await member.locator('[data-testid="ledger-result"]:visible .van-popup__close-icon').click()
    const overflow = await member.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)
    assert.equal(overflow, false, 'no sideways scrolling in elderly mode')

    // Staff: the new-meeting form has a label on every control.
    const chair = await as('staff')
    await chair.goto('/console/meetings?new=1')
    await chair.getByTestId('meeting-form').waitFor()
    assert.deepEqual(await unlabelledControls(chair), [])
    await shot(chair, 'm9-meeting-form-phone')

    // A quick poll (surveys scope "meeting") from the chair's console; the member votes.
    await chair.goto(`/console/meetings/${meeting.id}`)
    await chair.getByTestId('chair-console').waitFor()
    await chair.getByRole('tab', { name: '投票' }).click()
    await chair.getByTestId('poll-new').click()
    await chair.getByTestId('poll-title').locator('input').fill('是否建议每个行政村设立互助养老点？')
    await chair.getByTestId('poll-option-0').locator('input').fill('赞成')
    await chair.getByTestId('poll-option-1').locator('input').fill('暂缓')
    await chair.getByTestId('poll-create').click()
    const poll = chair.locator('[data-testid^="poll-"][data-testid$="-results"]').first()
    await poll.waitFor()
    await member.reload()
    await member.getByTestId('quick-poll').getByText('是否建议每个行政村设立互助养老点？').waitFor()
    await member.locator('[data-testid^="poll-"][data-testid$="-option-a"]').click()
    await member.locator('[data-testid^="poll-"][data-testid$="-vote"]').click()
    await member.getByTestId('quick-poll').getByText('您已投票').waitFor()

    // The secretary writes minutes; the server renders them.
    const secretary = await as('city_staff')
    await secretary.goto(`/console/meetings/${meeting.id}/minutes`)
    await secretary.getByTestId('minutes-editor').waitFor()
    await secretary.getByTestId('minutes-body').fill('## 会议概况\n\n- 委员 **陈志远** 发言\n- 网友意见 2 条纳入会场')
    await secretary.getByTestId('minutes-save').click()
    await secretary.getByTestId('minutes-preview-tab').click()
    await secretary.getByTestId('minutes-html').locator('h2', { hasText: '会议概况' }).waitFor()
    await secretary.getByTestId('minutes-html').locator('strong', { hasText: '陈志远' }).waitFor()
    await shot(secretary, 'm10-meeting-minutes-phone')
    for (const p of [member, chair, secretary]) {
      assert.deepEqual(realErrors(p.consoleErrors), [])
      await p.context().close()
    }
  })

  test('QR check-in: a valid code checks in, the same code after the meeting is refused', async () => {
    const venue = meeting.venues.find((v) => v.main)
    const code = await staff.get(`/api/v1/meetings/${meeting.id}/venues/${venue.id}/checkin-code`)
    assert.ok(code.token && code.url.includes(`/meetings/${meeting.id}/checkin?t=`), 'a token and its URL')

    // The member types (pastes) the code's link by hand.
    const member = await as('member')
    await member.goto(`/meetings/${meeting.id}/checkin`)
    await member.getByTestId('meeting-checkin').waitFor()
    await member.getByTestId('scan-start').waitFor()
    await member.getByTestId('checkin-code').fill(code.url)
    await member.getByTestId('checkin-submit').click()
    await member.getByTestId('checkin-ok').getByText(/签到成功/).waitFor()

    // Another invitee (leader) scans the venue's QR code with the phone camera: Chromium's fake
    // camera plays a picture of the code (drawn from the server's SVG); the page decodes it
    // (BarcodeDetector where the browser has one, else jsQR) and checks in.
    const painter = await newPage(browser, server.baseUrl)
    const jpeg = await painter.evaluate(async (svg) => {
      const img = new Image()
      img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`
      await img.decode()
      const c = document.createElement('canvas')
      c.width = 640
      c.height = 480
      const g = c.getContext('2d')
      g.fillStyle = '#fff'
      g.fillRect(0, 0, 640, 480)
      g.imageSmoothingEnabled = false
      g.drawImage(img, 120, 40, 400, 400)
      return c.toDataURL('image/jpeg', 0.95).split(',')[1]
    }, code.svg)
    await painter.context().close()
    const dir = mkdtempSync(join(tmpdir(), 'sl-qr-'))
    const video = join(dir, 'qr.mjpeg')
    writeFileSync(video, Buffer.from(jpeg, 'base64'))
    const camBrowser = await launchBrowser({
      args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
    })
    try {
      const leader = await newPage(camBrowser, server.baseUrl)
      await leader.context().grantPermissions(['camera'])
      await login(leader, { login: 'leader', password: PASSWORD })
      await leader.goto(`/meetings/${meeting.id}/checkin`)
      await leader.getByTestId('scan-start').click()
      await leader.getByTestId('checkin-ok').getByText(/签到成功/).waitFor()
      assert.deepEqual(realErrors(leader.consoleErrors), [])
    } finally {
      await camBrowser.close()
      rmSync(dir, { recursive: true, force: true })
    }

    // Three hours later (test clock) the meeting is over and the code has expired.
    await admin.post('/api/v1/testing/clock', { advance_ms: 3 * 3_600_000 })
    await member.goto(`/meetings/${meeting.id}/checkin?t=${encodeURIComponent(code.token)}`)
    const err = member.getByTestId('checkin-error')
    await err.getByText('签到码已过期').waitFor()
    // The token is taken out of the address bar once used.
    await member.waitForURL((u) => !u.search.includes('t='))
    await shot(member, 'm6-meeting-checkin-expired-phone')
    assert.deepEqual(realErrors(member.consoleErrors), [])
    await member.context().close()
  })
})
