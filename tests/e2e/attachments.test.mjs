// Attachments in the browser: pick a picture and a document (uploaded at once, with a
// thumbnail), see a refused file marked as failed with the server's reason, record a voice
// message from Chromium's fake microphone, upload it and play it back from the server.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { REPO, launchBrowser, login, newPage, shot, startServer } from './harness.mjs'

const SAMPLES = join(REPO, 'tests/fixtures/attachments')

describe('attachments', () => {
  let server, browser
  before(async () => {
    server = await startServer()
    browser = await launchBrowser({ args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] })
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('upload files, record a voice message, see and play them', async () => {
    const page = await newPage(browser, server.baseUrl)
    await page.context().grantPermissions(['microphone'], { origin: server.baseUrl })
    await login(page, { login: 'member', password: 'shangliang-demo' })
    await page.goto('/try/attachments')
    const list = page.getByTestId('attachment-list')
    await list.getByText('没有附件').waitFor()

    // A picture and a document, picked together.
    await page.locator('.van-uploader__input').setInputFiles([join(SAMPLES, 'photo-rot6.jpg'), join(SAMPLES, 'doc.pdf')])
    const thumb = list.locator('img[src$="/thumbnail"]')
    await thumb.waitFor()
    const doc = list.getByRole('link', { name: 'doc.pdf' })
    await doc.waitFor()
    assert.match(await doc.getAttribute('href'), /^\/api\/v1\/attachments\/\d+\/content$/)
    // The thumbnail really loaded: the server's WebP, rotated to 32 × 64.
    await page.waitForFunction(() => {
      const img = document.querySelector('[data-testid="attachment-list"] img')
      return img && img.complete && img.naturalWidth > 0
    })
    assert.deepEqual(await thumb.evaluate((img) => [img.naturalWidth, img.naturalHeight]), [32, 64])
    await shot(page, '60-attachments-picked-phone')

    // A page pretending to be a PDF: refused, marked failed, and the reason shown.
    await page.locator('.van-uploader__input').setInputFiles({ name: 'fake.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<!DOCTYPE html><html><script>alert(1)</script></html>') })
    await page.locator('.van-uploader__preview .van-uploader__mask-message', { hasText: '上传失败' }).waitFor()
    await page.locator('.van-toast', { hasText: '不支持该文件类型' }).waitFor()

    // A voice message from the fake microphone.
    await page.getByTestId('voice-record').click()
    await page.getByText(/正在录音 0:0[1-9]/).waitFor()
    await page.getByTestId('voice-stop').click()
    await page.getByTestId('voice-upload').waitFor()
    await page.getByTestId('voice-upload').click()
    const audio = list.locator('audio')
    await audio.waitFor()
    const src = await audio.getAttribute('src')
    assert.match(src, /^\/api\/v1\/attachments\/\d+\/content$/)
    // The browser can play what the server streams back (it asks in byte ranges).
    const played = await audio.evaluate(
      (a) =>
        new Promise((resolve) => {
          a.muted = true
          a.addEventListener('loadedmetadata', () => resolve({ ok: true, type: a.currentSrc }), { once: true })
          a.addEventListener('error', () => resolve({ ok: false, error: a.error?.message ?? 'error' }), { once: true })
          a.load()
        }),
    )
    assert.ok(played.ok, `the voice message does not load: ${JSON.stringify(played)}`)
    const info = await page.evaluate(async (u) => {
      const r = await fetch(u, { headers: { Range: 'bytes=0-3' } })
      const b = new Uint8Array(await r.arrayBuffer())
      return { status: r.status, type: r.headers.get('content-type'), head: [...b] }
    }, src)
    assert.equal(info.status, 206)
    assert.equal(info.type, 'audio/webm')
    assert.deepEqual(info.head, [0x1a, 0x45, 0xdf, 0xa3], 'an EBML (WebM) header')
    await shot(page, '61-attachments-voice-phone')
    assert.deepEqual(page.consoleErrors.filter((e) => !/415/.test(e)), [])
    await page.context().close()
  })
})
