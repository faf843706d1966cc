// Attachments over HTTP: uploading every accepted kind (the type judged from the bytes, not
// the name or Content-Type), refusals (400, 413 at both limits, 415), streaming with byte
// ranges, thumbnails, who may read what, deduplication on disk, nothing left behind by a
// refused upload, and `ledger verify` over the attachment records afterwards.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DEMO_PASSWORD, REPO, freshDatabase, sessionCookie, startServer, uniqueMobile } from './harness.mjs'

const SAMPLES = join(REPO, 'tests/fixtures/attachments')
const sample = (name) => readFileSync(join(SAMPLES, name))
const sha256 = (b) => createHash('sha256').update(b).digest('hex')

// Limits chosen so both 413s are cheap to reach, and the upload route still takes more than
// the server-wide body limit the harness sets (1 MiB).
const MAX_DOCUMENT = 2_000_000
const MAX_IMAGE = 100_000
const MAX_VOICE = 150_000

const bin = resolve(REPO, process.env.SHANGLIANG_BIN ?? 'build/shangliang')
const dataDir = mkdtempSync(join(tmpdir(), 'shangliang-attach-'))
const db = freshDatabase(dataDir)
const uploads = join(dataDir, 'uploads')

let server, api
const token = {}

/** Every file under the uploads folder (relative paths, temporary files included). */
function storedFiles(dir = uploads, prefix = '') {
  if (!existsSync(dir)) return []
  const out = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...storedFiles(join(dir, e.name), `${prefix}${e.name}/`))
    else out.push(`${prefix}${e.name}`)
  }
  return out.sort()
}

function upload(bytes, { as = token.member, name, kind, contentType = 'application/octet-stream', headers = {} } = {}) {
  const q = new URLSearchParams()
  if (name !== undefined) q.set('name', name)
  if (kind) q.set('kind', kind)
  const qs = q.toString()
  return api.request('POST', `/api/v1/attachments${qs ? `?${qs}` : ''}`, {
    as,
    body: bytes,
    headers: { 'content-type': contentType, ...headers },
  })
}

before(async () => {
  server = await startServer([
    `--database.url=${db.url}`,
    `--data_dir=${dataDir}`,
    `--attachments.max_document_bytes=${MAX_DOCUMENT}`,
    `--attachments.max_image_bytes=${MAX_IMAGE}`,
    `--attachments.max_voice_bytes=${MAX_VOICE}`,
  ])
  api = server.api
  token.member = await api.login('member')
  token.leader = await api.login('leader')
  token.admin = await api.login('admin')
  const mobile = uniqueMobile()
  await api.post('/api/v1/auth/sms-codes', { mobile, purpose: 'register' })
  const reg = await api.post('/api/v1/auth/register', { mobile, code: server.lastSmsCode(mobile), password: 'public-pass-1', display_name: '公众乙' })
  assert.equal(reg.status, 201, String(reg))
  token.public = sessionCookie(reg)
})
after(async () => {
  await server?.stop()
  db.drop()
  rmSync(dataDir, { recursive: true, force: true })
})

test('every accepted kind is stored with the type its bytes show', async () => {
  const cases = [
    ['doc.pdf', 'application/pdf', 'document'],
    ['doc.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'document'],
    ['sheet.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'document'],
    ['slides.pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation', 'document'],
    ['doc.odt', 'application/vnd.oasis.opendocument.text', 'document'],
    ['legacy.doc', 'application/msword', 'document'],
    ['legacy.xls', 'application/vnd.ms-excel', 'document'],
    ['legacy.ppt', 'application/vnd.ms-powerpoint', 'document'],
    ['notes.txt', 'text/plain', 'document'],
    ['photo-rot6.jpg', 'image/jpeg', 'image'],
    ['pic.png', 'image/png', 'image'],
    ['pic.webp', 'image/webp', 'image'],
    ['pic.gif', 'image/gif', 'image'],
    ['voice-chromium.webm', 'audio/webm', 'voice'],
    ['voice-chromium.mp4', 'audio/mp4', 'voice'],
    ['voice.ogg', 'audio/ogg', 'voice'],
    ['voice.m4a', 'audio/mp4', 'voice'],
    ['voice.mp3', 'audio/mpeg', 'voice'],
    ['voice.wav', 'audio/wav', 'voice'],
  ]
  for (const [file, mime, kind] of cases) {
    // A misleading Content-Type changes nothing.
    const r = await upload(sample(file), { name: file, contentType: 'image/png' })
    assert.equal(r.status, 201, `${file}: ${r}`)
    assert.equal(r.json.mime, mime, file)
    assert.equal(r.json.kind, kind, file)
    assert.equal(r.json.size, sample(file).length, file)
    assert.equal(r.json.name, file)
    assert.equal(r.json.attached, false)
    assert.equal(r.header('location'), `/api/v1/attachments/${r.json.id}`)
    assert.equal(r.json.url, `/api/v1/attachments/${r.json.id}/content`)
    assert.equal('thumbnail_url' in r.json, kind === 'image', file)
  }
})

test('names: UTF-8 in the query or a header, sanitised, with the right extension', async () => {
  const q = await upload(sample('doc.pdf'), { name: '../关于 "养老" 的提案.pdf' })
  assert.equal(q.json.name, '关于 _养老_ 的提案.pdf')
  const h = await upload(sample('voice.ogg'), { headers: { 'x-file-name': encodeURIComponent('语音留言.ogg') } })
  assert.equal(h.json.name, '语音留言.ogg')
  const exe = await upload(sample('doc.pdf'), { name: 'invoice.exe' })
  assert.equal(exe.json.name, 'invoice.exe.pdf')
  const none = await upload(sample('voice-chromium.webm'), { kind: 'voice' })
  assert.equal(none.json.name, '语音.webm')
})

test('refusals: empty 400, wrong type or kind 415, too large 413, public 403, anonymous 401; nothing is left behind', async () => {
  const before = storedFiles()
  const expect = async (reply, status, code) => {
    const r = await reply
    assert.equal(r.status, status, String(r))
    assert.match(r.contentType, /^application\/problem\+json/)
    if (code) assert.equal(r.json.code, code, String(r))
    return r
  }
  await expect(upload(Buffer.alloc(0), { name: 'empty.pdf' }), 400, 'empty_upload')
  await expect(upload(sample('page.html'), { name: 'page.pdf', contentType: 'application/pdf' }), 415, 'unsupported_type')
  await expect(upload(sample('program.elf'), { name: 'a.doc' }), 415, 'unsupported_type')
  await expect(upload(sample('video.webm'), { name: 'v.webm', kind: 'voice' }), 415, 'unsupported_type')
  await expect(upload(sample('video.mp4'), { name: 'v.mp4' }), 415, 'unsupported_type')
  await expect(upload(sample('doc.pdf'), { name: 'x.pdf', kind: 'image' }), 415, 'kind_mismatch')
  await expect(upload(sample('doc.pdf'), { kind: 'movie' }), 400, 'invalid_kind')
  // Over every kind's limit: the server refuses the body itself.
  await expect(upload(Buffer.alloc(MAX_DOCUMENT + 1, 0x61), { name: 'big.txt' }), 413, 'payload_too_large')
  // Within the route's limit but over the image limit: a PNG padded with a text chunk.
  const png = sample('pic.png')
  const pad = Buffer.alloc(MAX_IMAGE + 12)
  pad.writeUInt32BE(MAX_IMAGE, 0)
  pad.write('tEXt', 4, 'latin1')
  const padded = Buffer.concat([png.subarray(0, png.length - 12), pad, png.subarray(png.length - 12)])
  await expect(upload(padded, { name: 'big.png' }), 413, 'attachment_too_large')
  await expect(upload(sample('bomb.png'), { name: 'bomb.png' }), 413, 'image_too_large')
  await expect(upload(sample('doc.pdf'), { as: token.public }), 403, 'upload_forbidden')
  await expect(upload(sample('doc.pdf'), { as: null }), 401)
  assert.deepEqual(storedFiles(), before, 'a refused upload left a file')
})

test('a document larger than the server-wide body limit fits the upload route', async () => {
  const text = Buffer.alloc(1_200_000, 'The village council discussed the new parking plan.\n')
  const r = await upload(text, { name: 'long.txt' })
  assert.equal(r.status, 201, String(r))
  assert.equal(r.json.size, 1_200_000)
  const back = await api.get(`/api/v1/attachments/${r.json.id}/content`, { as: token.member })
  assert.equal(back.status, 200)
  assert.ok(back.bytes.equals(text), 'the streamed file differs from the upload')
})

test('content: headers, byte ranges, 416, HEAD and 304', async () => {
  const pdf = sample('doc.pdf')
  const up = await upload(pdf, { name: '会议纪要.pdf' })
  const url = `/api/v1/attachments/${up.json.id}/content`
  const r = await api.get(url, { as: token.member })
  assert.equal(r.status, 200)
  assert.ok(r.bytes.equals(pdf))
  assert.equal(r.contentType, 'application/pdf')
  assert.equal(r.header('etag'), `"${sha256(pdf)}"`)
  assert.equal(r.header('accept-ranges'), 'bytes')
  assert.equal(r.header('x-content-type-options'), 'nosniff')
  assert.match(r.header('content-security-policy'), /sandbox/)
  assert.equal(r.header('content-disposition'), `attachment; filename="____.pdf"; filename*=UTF-8''${encodeURIComponent('会议纪要')}.pdf`)

  const part = await api.get(url, { as: token.member, headers: { range: 'bytes=10-29' } })
  assert.equal(part.status, 206)
  assert.equal(part.header('content-range'), `bytes 10-29/${pdf.length}`)
  assert.ok(part.bytes.equals(pdf.subarray(10, 30)))
  const tail = await api.get(url, { as: token.member, headers: { range: 'bytes=-7' } })
  assert.equal(tail.status, 206)
  assert.equal(tail.text, pdf.subarray(pdf.length - 7).toString('latin1'))
  const open = await api.get(url, { as: token.member, headers: { range: `bytes=${pdf.length - 3}-` } })
  assert.ok(open.bytes.equals(pdf.subarray(pdf.length - 3)))
  const bad = await api.get(url, { as: token.member, headers: { range: `bytes=${pdf.length}-` } })
  assert.equal(bad.status, 416)
  assert.equal(bad.header('content-range'), `bytes */${pdf.length}`)
  const several = await api.get(url, { as: token.member, headers: { range: 'bytes=0-1,5-6' } })
  assert.equal(several.status, 200, 'several ranges: the whole file')

  const head = await api.request('HEAD', url, { as: token.member })
  assert.equal(head.status, 200)
  assert.equal(head.header('content-length'), String(pdf.length))
  assert.equal(head.bytes.length, 0)
  const nm = await api.get(url, { as: token.member, headers: { 'if-none-match': `"${sha256(pdf)}"` } })
  assert.equal(nm.status, 304)

  // Images and voice are shown inline.
  const voice = await upload(sample('voice-chromium.webm'), { name: '语音.webm' })
  const v = await api.get(`/api/v1/attachments/${voice.json.id}/content`, { as: token.member, headers: { range: 'bytes=0-' } })
  assert.equal(v.status, 206)
  assert.equal(v.contentType, 'audio/webm')
  assert.match(v.header('content-disposition'), /^inline; /)
})

test('thumbnails: WebP, rotated by EXIF, none for documents', async () => {
  const up = await upload(sample('photo-rot6.jpg'), { name: '现场.jpg' })
  assert.equal(up.status, 201)
  assert.equal(up.json.width, 32)
  assert.equal(up.json.height, 64)
  const t = await api.get(up.json.thumbnail_url, { as: token.member })
  assert.equal(t.status, 200)
  assert.equal(t.contentType, 'image/webp')
  assert.equal(t.bytes.subarray(0, 4).toString('latin1'), 'RIFF')
  assert.equal(t.bytes.subarray(8, 12).toString('latin1'), 'WEBP')
  assert.equal(t.header('etag'), `"${sha256(t.bytes)}"`)
  assert.match(t.header('content-disposition'), /^inline; filename=".*\.webp"/)
  const doc = await upload(sample('doc.pdf'))
  const none = await api.get(`/api/v1/attachments/${doc.json.id}/thumbnail`, { as: token.member })
  assert.equal(none.status, 404)
  assert.equal(none.json.code, 'no_thumbnail')
})

test('until attached, only the uploader sees an upload', async () => {
  const up = await upload(sample('photo-rot6.jpg'), { name: 'mine.jpg' })
  const id = up.json.id
  for (const path of [`/api/v1/attachments/${id}`, `/api/v1/attachments/${id}/content`, `/api/v1/attachments/${id}/thumbnail`]) {
    assert.equal((await api.get(path, { as: token.member })).status, 200, path)
    for (const who of ['leader', 'admin', 'public']) {
      const r = await api.get(path, { as: token[who] })
      assert.equal(r.status, 404, `${who} ${path}: ${r}`)
      assert.equal(r.json.code, 'attachment_not_found')
    }
    assert.equal((await api.get(path)).status, 404, `anonymous ${path}`)
  }
  assert.equal((await api.get(`/api/v1/attachments/${id}`, { as: 'not-a-session' })).status, 401)
  assert.equal((await api.delete(`/api/v1/attachments/${id}`, { as: token.leader })).status, 404)
  assert.equal((await api.get('/api/v1/attachments/abc', { as: token.member })).status, 404)
})

test('the same bytes are stored once; deleting the last upload of them removes the file', async () => {
  // A WAV no other test uploads: one sample changed.
  const wav = Buffer.from(sample('voice.wav'))
  wav.writeInt16LE(1234, wav.length - 2)
  const sha = sha256(wav)
  const a = await upload(wav, { name: 'a.wav' })
  const b = await upload(wav, { name: 'b.wav', as: token.leader })
  assert.equal(a.status, 201)
  assert.equal(b.status, 201)
  const file = `${sha.slice(0, 2)}/${sha}`
  assert.equal(storedFiles().filter((f) => f === file).length, 1)
  assert.equal(statSync(join(uploads, file)).size, wav.length)
  assert.equal((await api.delete(`/api/v1/attachments/${a.json.id}`, { as: token.member })).status, 204)
  assert.ok(existsSync(join(uploads, file)), 'still used by the second upload')
  assert.equal((await api.delete(`/api/v1/attachments/${b.json.id}`, { as: token.leader })).status, 204)
  assert.ok(!existsSync(join(uploads, file)), 'no upload uses it any more')
  assert.equal((await api.get(`/api/v1/attachments/${b.json.id}`, { as: token.leader })).status, 404)
})

test('each upload is in the ledger; the details carry the data to check it', async () => {
  const up = await upload(sample('voice.mp3'), { name: '发言.mp3' })
  const meta = await api.get(`/api/v1/attachments/${up.json.id}`, { as: token.member })
  assert.equal(meta.status, 200)
  const { salt, content } = meta.json.ledger
  assert.deepEqual(JSON.parse(content), { sha256: sha256(sample('voice.mp3')), size: sample('voice.mp3').length, mime: 'audio/mpeg', name: '发言.mp3' })
  const entries = await api.get(`/api/v1/ledger/objects/attachment/${up.json.id}`)
  assert.equal(entries.status, 200)
  const last = JSON.parse(entries.json.items.at(-1).entry)
  assert.equal(last.action, 'attachment.uploaded')
  assert.equal(last.content, createHash('sha256').update(`${salt}\n${content}`).digest('hex'))
})

test('ledger verify passes over the attachment records (after the server stops)', async () => {
  const r = await server.stop()
  assert.equal(r.code, 0, server.log().slice(-2000))
  const v = spawnSync(bin, ['ledger', 'verify', '--data', dataDir, `--database.url=${db.url}`], { cwd: REPO, encoding: 'utf8' })
  assert.equal(v.status, 0, v.stdout + v.stderr)
  assert.match(v.stdout, /ledger verified/)
  assert.ok(!storedFiles().some((f) => f.includes('.tmp-')), 'temporary files were left')
})
