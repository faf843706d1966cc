// The unread count of one's inbox, for the badge in the header. Live: the store watches the
// person's room `inbox:<id>` on the live socket, where the server announces every change of
// the count (a new notification, read, read-all) as an `inbox.unread` event. It asks over HTTP
// when it starts, whenever the socket (re)connects (what changed while it was away is not
// replayed), when the tab becomes visible, and every few minutes as a safety net.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '@/api'
import { liveSocket, type Subscription } from '@/live/socket'

const POLL_MS = 5 * 60_000

export const useInboxStore = defineStore('inbox', () => {
  const unread = ref(0)
  /** true while the live room is subscribed and the socket is open */
  const live = ref(false)
  let timer: ReturnType<typeof setInterval> | null = null
  let inFlight: Promise<void> | null = null
  let sub: Subscription | null = null
  let stopStatus: (() => void) | null = null

  function set(n: number): void {
    unread.value = Math.max(0, n)
  }

  /** Ask the server (one item is enough: the page carries the total unread count). */
  function refresh(): Promise<void> {
    if (!inFlight) {
      inFlight = api.inbox
        .list({ limit: 1 })
        .then((p) => set(p.unread_count))
        .catch(() => {
          /* a badge is not worth an error message; the next poll tries again */
        })
        .finally(() => (inFlight = null))
    }
    return inFlight
  }

  function onVisible() {
    if (document.visibilityState === 'visible') void refresh()
  }

  function watchRoom(personId: number | string) {
    sub?.unsubscribe()
    const socket = liveSocket()
    sub = socket.subscribe(`inbox:${personId}`, {
      onEvent: (ev) => {
        const n = (ev.data as { unread_count?: unknown }).unread_count
        if (ev.type === 'inbox.unread' && typeof n === 'number') set(n)
      },
      // The room is not sequenced: after a resync, ask for the count itself.
      catchUp: async (_room, after) => {
        await refresh()
        return after
      },
      onError: () => (live.value = false),
    })
    stopStatus?.()
    stopStatus = socket.onStatus((s) => {
      live.value = s === 'open'
      if (s === 'open') void refresh() // counts that changed while the socket was away
    })
  }

  /** Starts following the count of `personId`'s inbox. */
  function start(personId?: number | string): void {
    if (personId) watchRoom(personId)
    if (timer) return
    void refresh()
    timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refresh()
    }, POLL_MS)
    document.addEventListener('visibilitychange', onVisible)
  }

  function stop(): void {
    if (timer) clearInterval(timer)
    timer = null
    document.removeEventListener('visibilitychange', onVisible)
    sub?.unsubscribe()
    sub = null
    stopStatus?.()
    stopStatus = null
    live.value = false
    unread.value = 0
  }

  return { unread, live, set, refresh, start, stop }
})
