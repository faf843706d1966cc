// The live state of one meeting, shared by the participant page, the viewer page, the chair
// console and the room's screen.
//
// Live: the room `meeting:<id>` through the tab's one socket (web/src/live/socket.ts). Events
// are applied in sequence order; what the socket missed (a gap, a `resync`, a reconnect) is
// fetched from GET /meetings/{id}/events?after_seq=N and applied the same way. Applying an
// event twice changes nothing (everything is matched by id). Unsequenced `counters` events
// (seq 0) update the counters at once.
import { computed, onUnmounted, ref } from 'vue'
import {
  meetingsApi,
  type Floor,
  type Intervention,
  type Meeting,
  type MeetingComment,
  type MeetingEvent,
  type QueueItem,
} from '@/api/meetings'
import { liveSocket, type LiveEvent, type LiveStatus, type Subscription } from '@/live/socket'

type Data = Record<string, unknown>

/** Some events carry the object itself, some wrap it under its name: accept both. */
function unwrap<T>(d: Data, key: string): T {
  const inner = d[key]
  return (inner && typeof inner === 'object' ? inner : d) as T
}

export function useMeetingRoom(id: number) {
  const meeting = ref<Meeting | null>(null)
  const queue = ref<QueueItem[]>([])
  const floor = ref<Floor | null>(null)
  const interventions = ref<Intervention[]>([])
  const comments = ref<MeetingComment[]>([])
  const held = ref<MeetingComment[]>([])
  const picked = ref<MeetingComment[]>([])
  const pollKey = ref(0)
  const status = ref<LiveStatus>('closed')
  const liveError = ref('')
  const applied = ref(0)
  /** server clock minus this browser's clock (ms), learnt from event times */
  const skew = ref(0)
  let sub: Subscription | null = null
  let stopStatus: (() => void) | null = null
  /** called after a state change (views reload what depends on the role/state) */
  const onStateChange: (() => void)[] = []

  function upsert<T extends { id: number }>(list: T[], item: T): T[] {
    const i = list.findIndex((x) => x.id === item.id)
    if (i < 0) return [...list, item]
    const next = list.slice()
    next[i] = { ...list[i], ...item }
    return next
  }

  function setFloor(f: Floor | null) {
    floor.value = f
    if (meeting.value) meeting.value.floor = f
    queue.value = queue.value.map((q) => {
      if (f && q.id === f.request_id) return { ...q, state: 'speaking' }
      if (q.state === 'speaking') return { ...q, state: 'done' }
      return q
    })
  }

  function apply(ev: MeetingEvent | LiveEvent) {
    const d = (ev.data ?? {}) as Data
    const m = meeting.value
    switch (ev.type) {
      case 'meeting.state':
        if (m) m.state = d.state as Meeting['state']
        void reload()
        break
      case 'meeting.item':
        if (m) m.current_item_id = Number(d.agenda_item_id) || null
        break
      case 'queue.requested': {
        const q = unwrap<QueueItem>(d, 'item')
        if (q && typeof q.id === 'number') queue.value = upsert(queue.value, q)
        break
      }
      case 'queue.withdrawn': {
        const rid = Number(d.id)
        queue.value = queue.value.map((q) => (q.id === rid ? { ...q, state: 'withdrawn' } : q))
        break
      }
      case 'floor.given':
        setFloor(unwrap<Floor>(d, 'floor'))
        break
      case 'floor.ended': {
        const rid = Number(d.request_id)
        if (!floor.value || floor.value.request_id === rid) setFloor(null)
        queue.value = queue.value.map((q) => (q.id === rid ? { ...q, state: 'done' } : q))
        break
      }
      case 'intervention.created': {
        const x = unwrap<Intervention>(d, 'intervention')
        if (x && typeof x.id === 'number') interventions.value = upsert(interventions.value, x)
        break
      }
      case 'comment.created': {
        const c = unwrap<MeetingComment>(d, 'comment')
        if (c && typeof c.id === 'number') {
          comments.value = upsert(comments.value, c)
          held.value = held.value.filter((h) => h.id !== c.id)
        }
        break
      }
      case 'comment.picked': {
        const c = { ...unwrap<MeetingComment>(d, 'comment'), picked: true }
        if (typeof c.id === 'number') {
          picked.value = upsert(picked.value, c)
          comments.value = comments.value.map((x) => (x.id === c.id ? { ...x, picked: true } : x))
        }
        break
      }
      case 'comment.unpicked': {
        const cid = Number(d.id)
        picked.value = picked.value.filter((x) => x.id !== cid)
        comments.value = comments.value.map((x) => (x.id === cid ? { ...x, picked: false } : x))
        break
      }
      case 'attendance.changed':
        if (m && d.present_by_venue) m.counters.present_by_venue = d.present_by_venue as Record<string, number>
        break
      case 'poll.opened':
        pollKey.value++
        break
      case 'counters':
        if (m) {
          if (d.present_by_venue) m.counters.present_by_venue = d.present_by_venue as Record<string, number>
          if (typeof d.viewers_online === 'number') m.counters.viewers_online = d.viewers_online
          if (typeof d.comments === 'number') m.counters.comments = d.comments
        }
        break
    }
  }

  async function catchUp(_room: string, after: number): Promise<number> {
    let last = after
    for (let round = 0; round < 50; round++) {
      const page = await meetingsApi.events(id, last)
      for (const ev of page.items) {
        apply(ev)
        last = Math.max(last, ev.seq)
      }
      applied.value = last
      if (page.items.length === 0 || last >= page.latest_seq) break
    }
    return last
  }

  async function reload() {
    try {
      const fresh = await meetingsApi.get(id)
      meeting.value = fresh
      floor.value = fresh.floor
      for (const fn of onStateChange) fn()
    } catch {
      /* keep what we have */
    }
  }

  /** Loads the meeting (and the lists asked for), then watches the room from there. */
  async function open(lists: { queue?: boolean; interventions?: boolean; comments?: boolean; held?: boolean; picked?: boolean } = {}) {
    const m = await meetingsApi.get(id)
    meeting.value = m
    floor.value = m.floor
    const jobs: Promise<unknown>[] = []
    const quiet = (p: Promise<unknown>) => jobs.push(p.catch(() => {}))
    if (lists.queue) quiet(loadQueue())
    if (lists.interventions) quiet(meetingsApi.interventions(id).then((r) => (interventions.value = r.items)))
    if (lists.comments) quiet(meetingsApi.comments(id).then((r) => (comments.value = r.items.filter((c) => c.state === 'visible'))))
    if (lists.held) quiet(loadHeld())
    if (lists.picked) quiet(meetingsApi.picked(id).then((r) => (picked.value = r.items)))
    await Promise.all(jobs)
    subscribe(m.latest_seq ?? 0)
    return m
  }

  async function loadQueue() {
    const r = await meetingsApi.queue(id)
    queue.value = r.items
    floor.value = r.floor
    if (meeting.value) meeting.value.floor = r.floor
  }
  async function loadHeld() {
    const r = await meetingsApi.comments(id, { state: 'held' })
    held.value = r.items.filter((c) => c.state === 'held')
  }

  function subscribe(afterSeq: number) {
    sub?.unsubscribe()
    applied.value = afterSeq
    const socket = liveSocket()
    stopStatus ??= socket.onStatus((s) => (status.value = s))
    sub = socket.subscribe(`meeting:${id}`, {
      afterSeq,
      onEvent: (ev, seq) => {
        // Learn the server's clock (the countdown follows it, even a test clock): an event's
        // time is at most the server's now when it arrives, so each one gives a lower bound
        // of the difference; the largest seen (from 0: same clocks) is the best guess, and a
        // replayed old event cannot pull it back.
        if (ev.at) {
          const at = Date.parse(ev.at)
          if (!Number.isNaN(at)) {
            const sample = at - Date.now()
            skew.value = Math.max(skew.value, sample)
          }
        }
        apply(ev)
        if (seq > 0) applied.value = seq
      },
      catchUp,
      onPresence: (p) => {
        if (meeting.value && p.online > meeting.value.counters.viewers_online) meeting.value.counters.viewers_online = p.online
      },
      onError: (_code, message) => (liveError.value = message),
    })
  }

  function close() {
    sub?.unsubscribe()
    sub = null
    stopStatus?.()
    stopStatus = null
  }
  onUnmounted(close)

  const waiting = computed(() => queue.value.filter((q) => q.state === 'waiting'))
  const currentItem = computed(() => meeting.value?.agenda.find((a) => a.id === meeting.value?.current_item_id) ?? null)
  const presentTotal = computed(() =>
    Object.values(meeting.value?.counters.present_by_venue ?? {}).reduce((a, b) => a + Number(b || 0), 0),
  )

  return {
    meeting,
    queue,
    waiting,
    floor,
    interventions,
    comments,
    held,
    picked,
    pollKey,
    status,
    liveError,
    applied,
    skew,
    currentItem,
    presentTotal,
    onStateChange,
    open,
    reload,
    loadQueue,
    loadHeld,
    apply,
    setFloor,
    upsert,
    close,
  }
}

export type MeetingRoom = ReturnType<typeof useMeetingRoom>

/** Seconds left of the floor, ticking every second (0 when over or nobody speaks). */
export function useCountdown(floor: () => Floor | null, skew: () => number) {
  const now = ref(Date.now())
  const timer = setInterval(() => (now.value = Date.now()), 250)
  onUnmounted(() => clearInterval(timer))
  const remaining = computed(() => {
    const f = floor()
    if (!f) return 0
    const end = Date.parse(f.ends_at)
    if (Number.isNaN(end)) return f.seconds
    return Math.max(0, Math.ceil((end - (now.value + skew())) / 1000))
  })
  const text = computed(() => {
    const s = remaining.value
    return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
  })
  return { remaining, text }
}
