// The unread count of one's inbox, for the badge in the header. Polled while the page is
// visible and someone is logged in; views that mark notifications read set it directly.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '@/api'

const POLL_MS = 60_000

export const useInboxStore = defineStore('inbox', () => {
  const unread = ref(0)
  let timer: ReturnType<typeof setInterval> | null = null
  let inFlight: Promise<void> | null = null

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

  function start(): void {
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
    unread.value = 0
  }

  return { unread, set, refresh, start, stop }
})
