// The deliberation module's API (网络议政协商会): deliberations, posts, points and answers,
// the event log for live catch-up, my contributions, and search. Shapes follow
// docs/api/openapi.yaml (Deliberation, Post, Point, EventPage, SearchPage …).
import { http, request, type Query } from './http'
import type { Attachment, Page, RecordLedger } from './types'

type Id = number | string
const enc = (id: Id) => encodeURIComponent(String(id))

export type DeliberationState = 'draft' | 'open' | 'closed' | 'archived'
export type PublicMode = 'closed' | 'read' | 'comment'
export type PartRole = 'public' | 'member' | 'expert' | 'staff' | 'leader' | 'department'
export type PhaseKind = 'speaking' | 'response' | 'summary' | 'other'

export interface IdName {
  id: number
  name: string
}

export interface Subtopic {
  id: number
  title: string
  description?: string
}

export interface Phase {
  id: number
  kind: PhaseKind | string
  name: string
  starts_at?: string | null
  ends_at?: string | null
}

export interface DeliberationCounts {
  visits: number
  unique_viewers: number
  posts: number
}

/** The caller's part in one deliberation (only in GET and write answers). */
export interface MyPart {
  role: PartRole | null
  may_post: boolean
  may_comment: boolean
  may_manage: boolean
  may_oversee: boolean
  banned: boolean
  departments: number[]
  /** how long after posting an author may delete their post */
  delete_window_minutes?: number
}

export interface Deliberation {
  id: number
  org: IdName
  orgs: IdName[]
  joint: boolean
  theme: string
  description: string
  description_html: string
  state: DeliberationState
  public_mode: PublicMode
  subtopics: Subtopic[]
  phases: Phase[]
  current_phase: Phase | null
  departments: IdName[]
  experts: { id: number; display_name: string }[]
  members: { scope: 'all' | 'sectors'; sectors: IdName[] }
  counts: DeliberationCounts
  last_seq: number
  version: number
  created_at: string
  updated_at: string
  opened_at?: string | null
  closed_at?: string | null
  my?: MyPart
  ledger?: RecordLedger
}

export interface DeliberationSummary {
  id: number
  org: IdName
  /** participating organisations, the host first (joint deliberations: more than one) */
  orgs?: IdName[]
  joint?: boolean
  theme: string
  state: DeliberationState
  public_mode: PublicMode
  current_phase: { id: number; kind: string; name: string } | null
  counts: DeliberationCounts
  created_at: string
  opened_at?: string | null
  closed_at?: string | null
}

export type PostKind = 'article' | 'reply' | 'comment'
export type PostState = 'visible' | 'held' | 'hidden' | 'deleted' | 'removed'
export type PostMark = 'leader_remark' | 'department_answer'

export interface PostAuthor {
  id: number
  display_name: string
  role: PartRole | string
  role_label: string
  org: IdName | null
}

export interface Post {
  id: number
  deliberation_id: number
  kind: PostKind
  parent_id: number | null
  root_id: number | null
  reply_to_id: number | null
  depth: 0 | 1 | 2 | number
  author: PostAuthor
  mark: PostMark | null
  subtopic_id: number | null
  point_id: number | null
  state: PostState
  title: string
  body: string
  /** safe HTML rendered by the server (cmark-gfm, no raw HTML) */
  html: string
  moderation?: { reason: string; at: string | null }
  version: number
  edited: boolean
  edited_at: string | null
  created_at: string
  like_count: number
  liked_by_me: boolean
  reply_count: number
  points?: Point[]
  attachments?: Attachment[]
  /** create answers only: the event's sequence number (0: held, no event) */
  seq?: number
}

export interface PostDetail extends Post {
  replies: Post[]
  replies_next_cursor: string | null
  deliberation: { id: number; theme: string; state: string }
  ledger?: RecordLedger
}

export interface PostPage extends Page<Post> {
  last_seq: number
}

export type PointState = 'open' | 'claimed' | 'answered' | 'accepted'

export interface Point {
  id: number
  deliberation_id: number
  post_id: number
  quote: string
  summary: string
  state: PointState
  department: IdName | null
  taken_how: 'assigned' | 'claimed' | null
  deadline_at: string | null
  asked_again: number
  follow_up: string | null
  created_at?: string
  taken_at?: string | null
  first_answered_at?: string | null
  answered_at?: string | null
  accepted_at?: string | null
  response_ms?: number | null
  answers?: Post[]
  follow_ups?: Post[]
}

export interface Contribution extends Post {
  deliberation?: { id: number; theme: string; state: string }
}

export interface DelibEvent {
  type: string
  seq: number
  at: string
  data: Record<string, unknown>
}

export interface EventPage {
  items: DelibEvent[]
  last_seq: number
  has_more: boolean
}

export interface PostInput {
  kind?: PostKind
  parent_id?: number
  subtopic_id?: number
  title?: string
  body: string
  attachment_ids?: number[]
}

export interface SearchHit {
  kind: 'post' | 'attachment'
  id: number
  deliberation_id: number
  author_id: number | null
  /** the author's name as it is now (null when erased) */
  author_name?: string | null
  sector_id: number | null
  department_id: number | null
  subtopic: string | null
  created_at: string
  /** HTML-escaped by the server; matches in <mark>, nothing else */
  title_html: string
  snippet_html: string
}

export interface SearchQuery {
  q: string
  deliberation_id?: Id | null
  author_id?: Id | null
  sector_id?: Id | null
  department_id?: Id | null
  subtopic?: string | null
  kind?: 'post' | 'attachment' | null
  from?: string | null
  to?: string | null
  cursor?: string | null
  limit?: number
}

export const delibApi = {
  list: (q: { state?: DeliberationState | ''; org_id?: Id | null; cursor?: string | null; limit?: number } = {}) =>
    http.get<Page<DeliberationSummary>>('/deliberations', { limit: 20, ...q } as Query),
  get: (id: Id) => http.get<Deliberation>(`/deliberations/${enc(id)}`),
  visit: (id: Id) => http.post<{ visits: number; unique_viewers: number }>(`/deliberations/${enc(id)}/visits`),
  events: (id: Id, afterSeq: number, limit = 200) =>
    request<EventPage>('GET', `/deliberations/${enc(id)}/events`, { query: { after_seq: afterSeq, limit } }),
  posts: (id: Id, q: { subtopic?: Id | null; order?: 'asc' | 'desc'; cursor?: string | null; limit?: number } = {}) =>
    http.get<PostPage>(`/deliberations/${enc(id)}/posts`, { limit: 20, ...q } as Query),
  createPost: (id: Id, input: PostInput) => http.post<Post>(`/deliberations/${enc(id)}/posts`, input),
  exportUrl: (id: Id) => `/api/v1/deliberations/${enc(id)}/export.xlsx`,

  post: (id: Id, q: { cursor?: string | null; limit?: number } = {}) =>
    http.get<PostDetail>(`/posts/${enc(id)}`, q as Query),
  editPost: (id: Id, patch: { title?: string; body?: string; subtopic_id?: number | null }) =>
    http.patch<Post>(`/posts/${enc(id)}`, patch),
  deletePost: (id: Id) => http.del(`/posts/${enc(id)}`),
  like: (id: Id, on: boolean) =>
    on
      ? http.post<{ post_id: number; like_count: number; liked_by_me: boolean }>(`/posts/${enc(id)}/like`)
      : http.del<{ post_id: number; like_count: number; liked_by_me: boolean }>(`/posts/${enc(id)}/like`),
  report: (id: Id, reason: string) => http.post<{ id: number }>(`/posts/${enc(id)}/reports`, { reason }),

  point: (id: Id) => http.get<Point>(`/points/${enc(id)}`),
  acceptPoint: (id: Id) => http.post<Point>(`/points/${enc(id)}/accept`),
  askAgain: (id: Id, body: string) => http.post<Point>(`/points/${enc(id)}/ask-again`, { body }),
  claimPoint: (id: Id, department_id?: number) =>
    http.post<Point>(`/points/${enc(id)}/claim`, department_id ? { department_id } : {}),
  answerPoint: (id: Id, body: string, attachment_ids: number[] = []) =>
    http.post<Point>(`/points/${enc(id)}/answers`, { body, attachment_ids }),

  contributions: (cursor?: string | null, limit = 20) =>
    http.get<Page<Contribution>>('/me/contributions', { cursor, limit }),

  search: (q: SearchQuery) => http.get<Page<SearchHit>>('/search', { limit: 20, ...q } as Query),
}
