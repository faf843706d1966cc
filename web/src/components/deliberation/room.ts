// The state of one deliberation page and how live events change it.
//
// The page holds the deliberation, a page of top-level posts (one sub-topic or all), the threads
// it has opened (replies of a top-level post), and each top-level post's points with their
// answers. The same post may show in several places (a department answer is a reply in the
// thread and shows under its point), so every change is applied to every copy.
//
// Live: the room `deliberation:<id>` through the tab's one socket (web/src/live/socket.ts).
// Events are applied in sequence order; what the socket missed (a gap, a `resync`, a
// reconnect after a server restart) is fetched from GET /deliberations/{id}/events?after_seq=N
// and applied the same way. Applying an event twice changes nothing (posts are matched by id,
// counts are set, not added, or guarded), so overlaps between a page load and the events
// after it are harmless.
import { reactive, ref, shallowRef } from 'vue'
import { liveSocket, type LiveEvent, type LiveStatus, type Presence, type Subscription } from '@/live/socket'
import {
  delibApi,
  type DelibEvent,
  type Deliberation,
  type Point,
  type Post,
  type PostDetail,
} from '@/api/deliberation'

export interface Thread {
  replies: Post[]
  next: string | null
  loading: boolean
}

const CONTENT_KEYS = ['title', 'body', 'html', 'edited', 'edited_at', 'version', 'subtopic_id'] as const

export function useDeliberationRoom(id: number, me: () => number | null) {
  const delib = ref<Deliberation | null>(null)
  const posts = ref<Post[]>([])
  const focused = ref<Post | null>(null)
  const nextCursor = ref<string | null>(null)
  const subtopic = ref<number | null>(null)
  const threads = reactive(new Map<number, Thread>())
  const presence = shallowRef<Presence | null>(null)
  const status = ref<LiveStatus>('closed')
  const liveError = ref('')
  const applied = ref(0)

  /** posts seen in events (answers are looked up here when their point.answered arrives) */
  const seen = new Map<number, Post>()
  /** replies already counted in their thread's reply_count */
  const counted = new Set<number>()
  let sub: Subscription | null = null
  let stopStatus: (() => void) | null = null

  const moderator = () => !!(delib.value?.my?.may_manage || delib.value?.my?.may_oversee)

  // ---- where a post shows -----------------------------------------------------------

  function tops(): Post[] {
    return focused.value ? [focused.value, ...posts.value] : posts.value
  }

  function topOf(rootId: number | null | undefined): Post | undefined {
    if (rootId == null) return undefined
    return tops().find((p) => p.id === rootId)
  }

  /** Every copy of the post on the page. */
  function copies(postId: number): Post[] {
    const out: Post[] = []
    const visit = (p: Post) => {
      if (p.id === postId) out.push(p)
      for (const pt of p.points ?? []) {
        for (const a of pt.answers ?? []) if (a.id === postId) out.push(a)
        for (const a of pt.follow_ups ?? []) if (a.id === postId) out.push(a)
      }
    }
    for (const p of tops()) visit(p)
    for (const t of threads.values()) for (const r of t.replies) visit(r)
    return out
  }

  function update(postId: number, fn: (p: Post) => void) {
    for (const p of copies(postId)) fn(p)
  }

  function blank(p: Post) {
    p.title = ''
    p.body = ''
    p.html = ''
    p.attachments = []
  }

  // ---- posts --------------------------------------------------------------------------

  function matchesFilter(p: Post) {
    return subtopic.value === null || p.subtopic_id === subtopic.value
  }

  /** A new post (ours just written, or from an event). */
  function addPost(p: Post) {
    seen.set(p.id, p)
    // Our own post that waited for review, approved now: it goes public where it already shows.
    if (p.state === 'visible')
      update(p.id, (x) => {
        if (x.state === 'held') x.state = 'visible'
      })
    if (p.parent_id === null || p.depth === 0) {
      if (tops().some((x) => x.id === p.id)) return
      if (!counted.has(p.id)) {
        counted.add(p.id)
        if (delib.value) delib.value.counts.posts += 1
      }
      if (!matchesFilter(p)) return
      posts.value.unshift({ ...p, points: p.points ?? [] })
      return
    }
    const rootId = p.root_id ?? p.parent_id
    const thread = rootId !== null ? threads.get(rootId) : undefined
    if (!counted.has(p.id)) {
      const inThread = thread?.replies.some((r) => r.id === p.id)
      if (!inThread) {
        counted.add(p.id)
        const root = topOf(rootId)
        if (root) root.reply_count += 1
        if (delib.value) delib.value.counts.posts += 1
      }
    }
    if (thread && !thread.replies.some((r) => r.id === p.id)) thread.replies.push({ ...p })
  }

  async function refetch(postId: number) {
    try {
      const fresh = await delibApi.post(postId, { limit: 1 })
      update(postId, (p) => {
        for (const k of CONTENT_KEYS) (p as unknown as Record<string, unknown>)[k] = fresh[k]
        p.state = fresh.state
        p.moderation = fresh.moderation
        p.attachments = fresh.attachments ?? []
      })
    } catch {
      /* gone or not readable: leave it */
    }
  }

  // ---- points -------------------------------------------------------------------------

  function upsertPoint(pt: Point, withLists = false) {
    const holders = copies(pt.post_id)
    for (const post of holders) {
      post.points ??= []
      const have = post.points.find((x) => x.id === pt.id)
      const { answers, follow_ups, ...fields } = pt
      if (have) {
        Object.assign(have, fields)
        if (withLists) {
          have.answers = answers ?? []
          have.follow_ups = follow_ups ?? []
        }
      } else {
        post.points.push({ ...fields, answers: answers ?? [], follow_ups: follow_ups ?? [] })
      }
    }
  }

  function addToPoint(pointId: number, postId: number, list: 'answers' | 'follow_ups') {
    const p = seen.get(postId)
    let missing = !p
    for (const top of tops()) {
      for (const pt of top.points ?? []) {
        if (pt.id !== pointId) continue
        const arr = (pt[list] ??= [])
        if (p && !arr.some((a) => a.id === p.id)) arr.push({ ...p })
      }
    }
    if (missing) {
      // Not in the events we saw (e.g. redacted): ask for the point with its answers.
      delibApi
        .point(pointId)
        .then((full) => upsertPoint(full, true))
        .catch(() => {})
      missing = false
    }
  }

  // ---- events -------------------------------------------------------------------------

  function apply(ev: DelibEvent | LiveEvent) {
    const d = ev.data as Record<string, unknown>
    switch (ev.type) {
      case 'post.created':
        if (d.redacted) return
        addPost(d as unknown as Post)
        break
      case 'post.edited': {
        const np = d as unknown as Post
        seen.set(np.id, np)
        update(np.id, (p) => {
          for (const k of CONTENT_KEYS) (p as unknown as Record<string, unknown>)[k] = np[k]
        })
        break
      }
      case 'post.hidden':
      case 'post.deleted':
      case 'post.removed': {
        const postId = Number(d.id)
        const state = ev.type === 'post.hidden' ? 'hidden' : ev.type === 'post.deleted' ? 'deleted' : 'removed'
        let mine = false
        update(postId, (p) => {
          p.state = state
          mine ||= p.author.id === me()
          blank(p)
        })
        // Its author and staff still see a hidden post, with the reason.
        if (state === 'hidden' && (mine || moderator())) void refetch(postId)
        break
      }
      case 'post.restored': {
        const np = d as unknown as Post
        update(np.id, (p) => {
          p.state = 'visible'
        })
        void refetch(np.id)
        break
      }
      case 'post.liked': {
        const postId = Number(d.post_id)
        update(postId, (p) => {
          p.like_count = Number(d.like_count)
        })
        break
      }
      case 'point.created':
      case 'point.updated':
      case 'point.claimed':
      case 'point.accepted':
        upsertPoint(d as unknown as Point)
        break
      case 'point.answered': {
        const pt = d.point as Point
        upsertPoint(pt)
        addToPoint(pt.id, Number(d.answer_id), 'answers')
        break
      }
      case 'point.asked_again': {
        const pt = d.point as Point
        upsertPoint(pt)
        addToPoint(pt.id, Number(d.follow_up_id), 'follow_ups')
        break
      }
      case 'phase.changed':
        if (delib.value) delib.value.current_phase = (d.phase as Deliberation['current_phase']) ?? null
        break
      case 'deliberation.updated':
        if (delib.value) {
          const my = delib.value.my
          Object.assign(delib.value, d, { my })
        }
        break
      case 'deliberation.state_changed':
        if (delib.value) delib.value.state = d.state as Deliberation['state']
        void reloadDeliberation() // what the caller may do changes with the state
        break
      case 'visits.changed':
        if (delib.value) {
          delib.value.counts.visits = Number(d.visits)
          delib.value.counts.unique_viewers = Number(d.unique_viewers)
        }
        break
    }
  }

  async function catchUp(_room: string, after: number): Promise<number> {
    let last = after
    for (;;) {
      const page = await delibApi.events(id, last, 500)
      for (const ev of page.items) {
        apply(ev)
        last = Math.max(last, ev.seq)
      }
      applied.value = last
      if (!page.has_more || page.items.length === 0) return last
    }
  }

  // ---- loading ------------------------------------------------------------------------

  async function reloadDeliberation() {
    try {
      delib.value = await delibApi.get(id)
    } catch {
      /* keep what we have */
    }
  }

  async function loadPosts(more = false) {
    const page = await delibApi.posts(id, {
      subtopic: subtopic.value,
      cursor: more ? nextCursor.value : null,
      limit: 20,
    })
    for (const p of page.items) {
      seen.set(p.id, p)
      counted.add(p.id)
    }
    if (more) {
      const have = new Set(tops().map((p) => p.id))
      posts.value.push(...page.items.filter((p) => !have.has(p.id)))
    } else {
      posts.value = page.items
    }
    nextCursor.value = page.next_cursor
    return page.last_seq
  }

  /** Loads the deliberation and the first page, then watches the room from there. */
  async function open() {
    const d = await delibApi.get(id)
    delib.value = d
    const lastSeq = await loadPosts()
    subscribe(Math.min(d.last_seq, lastSeq))
  }

  function subscribe(afterSeq: number) {
    sub?.unsubscribe()
    applied.value = afterSeq
    const socket = liveSocket()
    stopStatus ??= socket.onStatus((s) => (status.value = s))
    sub = socket.subscribe(`deliberation:${id}`, {
      afterSeq,
      onEvent: (ev, seq) => {
        apply(ev)
        if (seq > 0) applied.value = seq
      },
      catchUp,
      onPresence: (p) => (presence.value = p),
      onError: (_code, message) => (liveError.value = message),
    })
  }

  /** Another sub-topic tab: a fresh page, and the room from that page's point. */
  async function setSubtopic(s: number | null) {
    subtopic.value = s
    const lastSeq = await loadPosts()
    subscribe(lastSeq)
  }

  async function openThread(rootId: number, more = false) {
    let t = threads.get(rootId)
    if (!t) {
      threads.set(rootId, { replies: [], next: null, loading: false })
      t = threads.get(rootId)!
    }
    if (t.loading) return
    t.loading = true
    try {
      const detail = await delibApi.post(rootId, { cursor: more ? t.next : null, limit: 100 })
      mergeThread(detail, more)
    } finally {
      t.loading = false
    }
  }

  function mergeThread(detail: PostDetail, more = false) {
    const rootId = detail.id
    let t = threads.get(rootId)
    if (!t) {
      threads.set(rootId, { replies: [], next: null, loading: false })
      t = threads.get(rootId)!
    }
    const have = new Set(more ? t.replies.map((r) => r.id) : [])
    const fresh = detail.replies.filter((r) => !have.has(r.id))
    for (const r of fresh) {
      seen.set(r.id, r)
      counted.add(r.id)
    }
    t.replies = more ? [...t.replies, ...fresh] : fresh
    t.next = detail.replies_next_cursor
    const root = topOf(rootId)
    if (root) root.reply_count = Math.max(root.reply_count, detail.reply_count)
  }

  function closeThread(rootId: number) {
    threads.delete(rootId)
  }

  /** Shows one post (from a link or a search hit) with its thread, above the list if not in it. */
  async function focus(postId: number) {
    let detail = await delibApi.post(postId, { limit: 100 })
    if (detail.depth > 0 && detail.root_id) detail = await delibApi.post(detail.root_id, { limit: 100 })
    if (!posts.value.some((p) => p.id === detail.id)) {
      const { replies: _r, replies_next_cursor: _n, deliberation: _d, ledger: _l, ...top } = detail
      focused.value = { ...top, points: top.points ?? [] }
    }
    mergeThread(detail)
    return detail.id
  }

  function close() {
    sub?.unsubscribe()
    sub = null
    stopStatus?.()
    stopStatus = null
  }

  return {
    delib,
    posts,
    focused,
    nextCursor,
    subtopic,
    threads,
    presence,
    status,
    liveError,
    applied,
    open,
    loadPosts,
    setSubtopic,
    openThread,
    closeThread,
    focus,
    close,
    addPost,
    update,
    upsertPoint,
    apply,
    reloadDeliberation,
    moderator,
  }
}

export type DeliberationRoom = ReturnType<typeof useDeliberationRoom>
