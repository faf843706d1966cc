// A minimal WebSocket client (RFC 6455) over node:net for the integration tests: Node 20 has
// `WebSocket` only behind a flag, and the project adds no npm packages for tests. Text frames,
// masked as clients must; answers pings; exposes what the server sent, including close codes.
import { createHash, randomBytes } from 'node:crypto'
import { connect as netConnect } from 'node:net'

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

/** One frame, masked (client to server). */
export function encodeFrame(opcode, payload = Buffer.alloc(0), { fin = true, mask = true } = {}) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8')
  const len = data.length
  const head = [((fin ? 0x80 : 0) | opcode) & 0xff]
  const m = mask ? 0x80 : 0
  if (len < 126) head.push(m | len)
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff)
  else {
    head.push(m | 127, 0, 0, 0, 0)
    head.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff)
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data])
  const key = randomBytes(4)
  const body = Buffer.alloc(len)
  for (let i = 0; i < len; i++) body[i] = data[i] ^ key[i % 4]
  return Buffer.concat([Buffer.from(head), key, body])
}

/**
 * Opens a WebSocket to `url` (http://host:port/path). Resolves with {status, headers} and, on
 * 101, a client: send(obj|string), next(pred, ms) → the next JSON message matching pred,
 * closed (a promise of {code, reason}), raw(bytes), close().
 * A refused upgrade resolves with the status and the body, and no client.
 */
export function openSocket(url, { headers = {} } = {}) {
  const u = new URL(url)
  const key = randomBytes(16).toString('base64')
  return new Promise((resolve, reject) => {
    const sock = netConnect(Number(u.port), u.hostname)
    let buf = Buffer.alloc(0)
    let upgraded = false
    const messages = []
    const waiters = []
    let closeInfo = null
    let closedResolve
    const closed = new Promise((r) => (closedResolve = r))
    let fragments = []

    const deliver = (text) => {
      if (client.onText) return client.onText(text)
      let msg
      try {
        msg = JSON.parse(text)
      } catch {
        msg = { text }
      }
      messages.push(msg)
      for (const w of [...waiters]) w()
    }

    const parseFrames = () => {
      for (;;) {
        if (buf.length < 2) return
        const fin = (buf[0] & 0x80) !== 0
        const op = buf[0] & 0x0f
        let len = buf[1] & 0x7f
        let off = 2
        if (len === 126) {
          if (buf.length < 4) return
          len = buf.readUInt16BE(2)
          off = 4
        } else if (len === 127) {
          if (buf.length < 10) return
          len = Number(buf.readBigUInt64BE(2))
          off = 10
        }
        if (buf.length < off + len) return
        const payload = buf.subarray(off, off + len)
        buf = buf.subarray(off + len)
        if (op === 0x9) sock.write(encodeFrame(0xa, payload))
        else if (op === 0x8) {
          closeInfo = { code: payload.length >= 2 ? payload.readUInt16BE(0) : 1005, reason: payload.subarray(2).toString('utf8') }
          if (!client.closing) sock.write(encodeFrame(0x8, payload.subarray(0, 2)))
          closedResolve(closeInfo)
        } else if (op === 0x1 || op === 0x0) {
          fragments.push(payload)
          if (fin) {
            deliver(Buffer.concat(fragments).toString('utf8'))
            fragments = []
          }
        }
      }
    }

    const client = {
      /** When set, receives each text message instead of `messages` (e.g. a WebSocket adapter). */
      onText: null,
      closing: false,
      messages,
      closed,
      send(msg) {
        sock.write(encodeFrame(0x1, typeof msg === 'string' ? msg : JSON.stringify(msg)))
      },
      raw(bytes) {
        sock.write(bytes)
      },
      /** The next message (removed from the list) for which pred(msg) is true. */
      next(pred = () => true, ms = 5000) {
        return new Promise((res, rej) => {
          const check = () => {
            const i = messages.findIndex(pred)
            if (i >= 0) {
              const [m] = messages.splice(i, 1)
              cleanup()
              res(m)
              return true
            }
            return false
          }
          const timer = setTimeout(() => {
            cleanup()
            rej(new Error(`no matching message within ${ms} ms; have ${JSON.stringify(messages).slice(0, 500)}`))
          }, ms)
          const cleanup = () => {
            clearTimeout(timer)
            const k = waiters.indexOf(check)
            if (k >= 0) waiters.splice(k, 1)
          }
          if (!check()) waiters.push(check)
        })
      },
      close(code = 1000) {
        client.closing = true
        const p = Buffer.alloc(2)
        p.writeUInt16BE(code)
        sock.write(encodeFrame(0x8, p))
        return closed
      },
      destroy() {
        sock.destroy()
      },
    }

    sock.on('connect', () => {
      const lines = [
        `GET ${u.pathname}${u.search} HTTP/1.1`,
        `Host: ${u.host}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${key}`,
        'Sec-WebSocket-Version: 13',
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ]
      sock.write(lines.join('\r\n') + '\r\n\r\n')
    })
    sock.on('data', (chunk) => {
      if (upgraded === 'refused') return
      buf = Buffer.concat([buf, chunk])
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = buf.subarray(0, end).toString('latin1')
        buf = buf.subarray(end + 4)
        const [statusLine, ...rest] = head.split('\r\n')
        const status = Number(statusLine.split(' ')[1])
        const hs = Object.fromEntries(rest.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
        if (status !== 101) {
          const length = Number(hs['content-length'] ?? 0)
          const finish = () => {
            if (buf.length < length) return false
            resolve({ status, headers: hs, body: buf.subarray(0, length).toString('utf8') })
            sock.destroy()
            return true
          }
          if (!finish()) {
            sock.on('data', (more) => {
              buf = Buffer.concat([buf, more])
              finish()
            })
          }
          upgraded = 'refused'
          return
        }
        const expected = createHash('sha1').update(key + GUID).digest('base64')
        if (hs['sec-websocket-accept'] !== expected) {
          reject(new Error(`bad Sec-WebSocket-Accept ${hs['sec-websocket-accept']}`))
          sock.destroy()
          return
        }
        upgraded = true
        resolve({ status, headers: hs, client })
      }
      parseFrames()
    })
    sock.on('close', () => {
      if (!closeInfo) closedResolve({ code: 1006, reason: '' })
    })
    sock.on('error', (e) => {
      if (!upgraded) reject(e)
    })
  })
}
