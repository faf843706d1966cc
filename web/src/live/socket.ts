// The live socket: one WebSocket per tab to /api/v1/live (protocol: docs/api/live.md).
//
// Views subscribe to rooms with a `catchUp(room, afterSeq)` function that fetches over HTTP
// what the socket did not deliver. The socket applies each room's events in sequence order:
// an event numbered one above the last applied is applied at once; a gap, a `resync` from the
// server, or (re)connecting with events missed makes it call catchUp and hold that room's
// events until it returns, then apply the held ones that are still new. When the connection
// drops (network, server restart) it reconnects with exponential backoff and jitter, and
// subscribes again from the last applied number, so nothing is lost and nothing applied twice.
//
//   const sub = liveSocket().subscribe('deliberation:42', {
//     afterSeq: lastSeqShown,
//     onEvent: (ev) => applyToView(ev),
//     catchUp: async (room, after) => { const page = await fetchEvents(after); page.forEach(applyToView); return page.at(-1)?.seq ?? after },
//     onPresence: (p) => (online.value = p.online),
//   })
//   onUnmounted(() => sub.unsubscribe())

/** An event as the publisher wrote it: `{type, seq, at, data}`. */
export interface LiveEvent {
  type: string
  seq: number
  at: string
  data: Record<string, unknown>
  [key: string]: unknown
}

export interface Presence {
  online: number
  people: { id: number; name: string }[]
}

export type LiveStatus = 'connecting' | 'open' | 'closed'

export interface RoomHandlers {
  /** The last sequence number the view already shows (default 0: none). */
  afterSeq?: number
  /** Applies one event; called in sequence order (and for unsequenced events, seq 0, at once). */
  onEvent(event: LiveEvent, seq: number): void
  /**
   * Fetches and applies everything after `afterSeq` (the view applies what it fetched itself);
   * resolves with the last sequence number now shown (at least `afterSeq`). `upTo` is the
   * highest number the server has announced (events up to it exist). May throw: it is retried
   * with backoff.
   */
  catchUp(room: string, afterSeq: number, upTo: number): Promise<number>
  onPresence?(presence: Presence): void
  /** A refused subscription (`forbidden`, `not_found`...) or another error about this room. */
  onError?(code: string, message: string): void
}

export interface Subscription {
  readonly room: string
  /** The last sequence number applied. */
  readonly applied: number
  readonly presence: Presence | null
  unsubscribe(): void
}

interface ServerMessage {
  op: string
  room?: string
  seq?: number
  event?: LiveEvent
  online?: number
  people?: { id: number; name: string }[]
  code?: string
  message?: string
}

interface RoomState {
  room: string
  handlers: RoomHandlers
  applied: number
  /** the highest sequence number the server has announced */
  known: number
  presence: Presence | null
  /** events held while catching up */
  held: { seq: number; event: LiveEvent }[]
  catchingUp: boolean
  again: boolean
  closed: boolean
}

export interface LiveSocketOptions {
  url?: string
  /** first reconnect delay; doubles up to maxDelayMs, each with ±50% jitter */
  baseDelayMs?: number
  maxDelayMs?: number
  /** client ping period, to notice a dead connection the browser has not */
  pingMs?: number
  /** give up on a connection whose pong is this late */
  pongTimeoutMs?: number
  /** for tests: the WebSocket constructor and the random source */
  WebSocketImpl?: typeof WebSocket
  random?: () => number
}

function defaultUrl(): string {
  const l = globalThis.location
  if (!l) return 'ws://127.0.0.1/api/v1/live'
  return `${l.protocol === 'https:' ? 'wss' : 'ws'}://${l.host}/api/v1/live`
}

export class LiveSocket {
  private readonly rooms = new Map<string, RoomState>()
  private ws: WebSocket | null = null
  private attempts = 0
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private pingTimer: ReturnType<typeof setInterval> | null = null
  private pongDeadline = 0
  private idleTimer: ReturnType<typeof setTimeout> | null = null
  private statusValue: LiveStatus = 'closed'
  private readonly statusListeners = new Set<(s: LiveStatus) => void>()
  private readonly opts: Required<Omit<LiveSocketOptions, 'WebSocketImpl'>> & { WebSocketImpl?: typeof WebSocket }

  constructor(options: LiveSocketOptions = {}) {
    this.opts = {
      url: options.url ?? defaultUrl(),
      baseDelayMs: options.baseDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      pingMs: options.pingMs ?? 25_000,
      pongTimeoutMs: options.pongTimeoutMs ?? 10_000,
      random: options.random ?? Math.random,
      WebSocketImpl: options.WebSocketImpl,
    }
    if (typeof window !== 'undefined') {
      // Back online or back to the tab: try at once rather than waiting out the backoff.
      window.addEventListener('online', () => this.reconnectNow())
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') this.reconnectNow()
      })
    }
  }

  get status(): LiveStatus {
    return this.statusValue
  }

  /** Calls fn with every status change; returns a function that stops it. */
  onStatus(fn: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(fn)
    fn(this.statusValue)
    return () => this.statusListeners.delete(fn)
  }

  subscribe(room: string, handlers: RoomHandlers): Subscription {
    const existing = this.rooms.get(room)
    if (existing) existing.closed = true // the newest subscriber of a room wins
    const st: RoomState = {
      room,
      handlers,
      applied: handlers.afterSeq ?? 0,
      known: handlers.afterSeq ?? 0,
      presence: null,
      held: [],
      catchingUp: false,
      again: false,
      closed: false,
    }
    this.rooms.set(room, st)
    if (this.idleTimer) {
      clearTimeout(this.idleTimer)
      this.idleTimer = null
    }
    if (this.ws && this.ws.readyState === 1) this.sendSubscribe(st)
    else this.ensureConnected()
    return {
      room,
      get applied() {
        return st.applied
      },
      get presence() {
        return st.presence
      },
      unsubscribe: () => this.unsubscribe(st),
    }
  }

  /** Closes the socket and forgets every room (e.g. on logout, so the next one reconnects as the new person). */
  reset(): void {
    for (const st of this.rooms.values()) st.closed = true
    this.rooms.clear()
    this.teardown()
    this.attempts = 0
    this.setStatus('closed')
  }

  /**
   * The person behind the cookie changed (login, logout): reconnect so the server checks the
   * rooms again for the new person; subscriptions are kept and resume from where they were.
   */
  sessionChanged(): void {
    if (this.rooms.size === 0) return
    this.attempts = 0
    this.teardown()
    this.setStatus('closed')
    this.connect()
  }

  /** Reconnects now unless connected (back online, tab visible again). */
  reconnectNow(): void {
    if (this.rooms.size === 0) return
    if (this.ws && this.ws.readyState === 1 && this.status === 'open') return
    this.attempts = 0
    this.teardown()
    this.connect()
  }

  // ---- connection --------------------------------------------------------------------

  private setStatus(s: LiveStatus) {
    if (s === this.statusValue) return
    this.statusValue = s
    for (const fn of this.statusListeners) fn(s)
  }

  private ensureConnected() {
    if (this.ws || this.reconnectTimer) return
    this.connect()
  }

  private connect() {
    const Impl = this.opts.WebSocketImpl ?? globalThis.WebSocket
    if (!Impl) return
    this.setStatus('connecting')
    let ws: WebSocket
    try {
      ws = new Impl(this.opts.url)
    } catch {
      this.scheduleReconnect()
      return
    }
    this.ws = ws
    ws.onopen = () => {
      if (this.ws !== ws) return
      this.attempts = 0
      this.setStatus('open')
      for (const st of this.rooms.values()) this.sendSubscribe(st)
      this.startPing()
    }
    ws.onmessage = (e: MessageEvent) => {
      if (this.ws !== ws) return
      this.pongDeadline = 0
      let msg: ServerMessage
      try {
        msg = JSON.parse(String(e.data)) as ServerMessage
      } catch {
        return
      }
      this.onMessage(msg)
    }
    ws.onclose = () => {
      if (this.ws !== ws) return
      this.ws = null
      this.stopPing()
      this.setStatus('closed')
      if (this.rooms.size > 0) this.scheduleReconnect()
    }
    ws.onerror = () => {
      // onclose follows; nothing else to do
    }
  }

  private scheduleReconnect() {
    if (this.reconnectTimer) return
    const exp = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** Math.min(this.attempts, 16))
    const delay = exp * (0.5 + this.opts.random()) // jitter: 50%–150%
    this.attempts++
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      if (this.rooms.size > 0 && !this.ws) this.connect()
    }, delay)
  }

  private teardown() {
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer)
      this.reconnectTimer = null
    }
    this.stopPing()
    const ws = this.ws
    this.ws = null
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null
      try {
        ws.close(1000)
      } catch {
        // already closed
      }
    }
  }

  private startPing() {
    this.stopPing()
    this.pingTimer = setInterval(() => {
      const ws = this.ws
      if (!ws || ws.readyState !== 1) return
      const now = Date.now()
      if (this.pongDeadline && now > this.pongDeadline) {
        // The server has said nothing since our last ping: the connection is dead.
        this.teardown()
        this.setStatus('closed')
        this.scheduleReconnect()
        return
      }
      if (!this.pongDeadline) this.pongDeadline = now + this.opts.pongTimeoutMs
      ws.send('{"op":"ping"}')
    }, this.opts.pingMs)
  }

  private stopPing() {
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.pingTimer = null
    this.pongDeadline = 0
  }

  private sendSubscribe(st: RoomState) {
    this.ws?.send(JSON.stringify({ op: 'subscribe', room: st.room, after_seq: st.applied }))
  }

  private unsubscribe(st: RoomState) {
    if (st.closed) return
    st.closed = true
    if (this.rooms.get(st.room) !== st) return
    this.rooms.delete(st.room)
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify({ op: 'unsubscribe', room: st.room }))
    if (this.rooms.size === 0 && !this.idleTimer) {
      // Nobody watches anything: close after a moment (a route change usually subscribes again).
      this.idleTimer = setTimeout(() => {
        this.idleTimer = null
        if (this.rooms.size === 0) {
          this.teardown()
          this.attempts = 0
          this.setStatus('closed')
        }
      }, 5000)
    }
  }

  // ---- rooms -------------------------------------------------------------------------

  private onMessage(msg: ServerMessage) {
    if (msg.op === 'pong') return
    const st = msg.room ? this.rooms.get(msg.room) : undefined
    if (!st || st.closed) return
    switch (msg.op) {
      case 'subscribed':
        st.known = Math.max(st.known, msg.seq ?? 0)
        if ((msg.seq ?? 0) > st.applied) void this.catchUp(st)
        break
      case 'event': {
        const seq = msg.seq ?? 0
        if (!msg.event) return
        if (seq > 0) st.known = Math.max(st.known, seq - 1)
        if (seq === 0) {
          this.apply(st, msg.event, 0)
        } else if (st.catchingUp) {
          st.held.push({ seq, event: msg.event })
        } else if (seq === st.applied + 1) {
          this.apply(st, msg.event, seq)
        } else if (seq > st.applied + 1) {
          st.held.push({ seq, event: msg.event }) // a gap: fetch what is between
          void this.catchUp(st)
        }
        break
      }
      case 'resync':
        void this.catchUp(st)
        break
      case 'presence':
        st.presence = { online: msg.online ?? 0, people: msg.people ?? [] }
        st.handlers.onPresence?.(st.presence)
        break
      case 'error':
        st.handlers.onError?.(msg.code ?? 'error', msg.message ?? '')
        break
    }
  }

  private apply(st: RoomState, event: LiveEvent, seq: number) {
    if (seq > 0) st.applied = seq
    try {
      st.handlers.onEvent(event, seq)
    } catch (e) {
      console.error('live event handler failed', e)
    }
  }

  /** Fetches what is missing, then applies the held events that are still new, in order. */
  private async catchUp(st: RoomState) {
    if (st.catchingUp) {
      st.again = true
      return
    }
    st.catchingUp = true
    let failures = 0
    const pause = async () => {
      failures++
      const delay = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** Math.min(failures - 1, 16))
      await new Promise((r) => setTimeout(r, delay * (0.5 + this.opts.random())))
    }
    try {
      for (;;) {
        st.again = false
        const before = st.applied
        try {
          const last = await st.handlers.catchUp(st.room, st.applied, Math.max(st.known, st.applied))
          if (st.closed) return
          if (typeof last === 'number' && last > st.applied) st.applied = last
        } catch {
          if (st.closed) return
          await pause()
          if (st.closed) return
          continue
        }
        st.held.sort((a, b) => a.seq - b.seq)
        const held = st.held
        st.held = []
        for (const h of held) {
          if (h.seq <= st.applied) continue
          if (h.seq === st.applied + 1) {
            this.apply(st, h.event, h.seq)
          } else {
            // Still a hole: keep the rest and fetch again.
            st.held.push(h)
            st.again = true
          }
        }
        if (!st.again) return
        // Another round is needed; if this one made no progress, wait before asking again.
        if (st.applied === before) {
          await pause()
          if (st.closed) return
        } else {
          failures = 0
        }
      }
    } finally {
      st.catchingUp = false
    }
  }
}

let shared: LiveSocket | null = null

/** The tab's one live socket. */
export function liveSocket(): LiveSocket {
  shared ??= new LiveSocket()
  return shared
}
