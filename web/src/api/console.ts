// The staff console and the department console (协商管理、部门工作台): typed calls to the
// deliberation module's management routes (docs/api/openapi.yaml, tag deliberations/posts/points).
import { buildUrl, http } from './http'
import type { Attachment, Page, RecordLedger } from './types'

type Id = number | string
const enc = (id: Id) => encodeURIComponent(String(id))

export type DeliberationState = 'draft' | 'open' | 'closed' | 'archived'
export type PublicMode = 'closed' | 'read' | 'comment'
export type PhaseKind = 'speaking' | 'response' | 'summary' | 'other'
export type PointState = 'open' | 'claimed' | 'answered' | 'accepted'

export interface IdName {
  id: number
  name: string
}

export interface Subtopic {
  id?: number
  title: string
  description?: string
}

export interface Phase {
  id?: number
  kind: PhaseKind
  name: string
  starts_at: string | null
  ends_at: string | null
}

export interface DeliberationSummary {
  id: number
  org: IdName
  theme: string
  state: DeliberationState
  public_mode: PublicMode
  current_phase: { id: number; kind: PhaseKind; name: string } | null
  counts: { visits: number; unique_viewers: number; posts: number }
  created_at: string
  opened_at: string | null
  closed_at: string | null
}

export interface Deliberation extends Omit<DeliberationSummary, 'current_phase'> {
  orgs: IdName[]
  joint: boolean
  description: string
  description_html: string
  subtopics: Subtopic[]
  phases: Phase[]
  current_phase: Phase | null
  departments: IdName[]
  experts: { id: number; display_name: string }[]
  members: { scope: 'all' | 'sectors'; sectors: IdName[] }
  last_seq: number
  version: number
  updated_at: string
  my?: {
    role: string | null
    may_post: boolean
    may_comment: boolean
    may_manage: boolean
    may_oversee: boolean
    banned: boolean
    departments: number[]
  }
  ledger?: RecordLedger
}

/** What the create and edit form sends (PATCH takes any subset). */
export interface DeliberationInput {
  org_id?: number
  theme?: string
  description?: string
  public_mode?: PublicMode
  org_ids?: number[]
  department_ids?: number[]
  expert_ids?: number[]
  member_sector_ids?: number[]
  subtopics?: Subtopic[]
  phases?: Phase[]
}

export interface PostAuthor {
  id: number
  display_name: string
  role: string
  role_label: string
  org: IdName | null
}

export interface Post {
  id: number
  deliberation_id: number
  kind: 'article' | 'reply' | 'comment'
  parent_id: number | null
  root_id: number | null
  reply_to_id: number | null
  depth: number
  author: PostAuthor
  mark: 'leader_remark' | 'department_answer' | null
  subtopic_id: number | null
  point_id: number | null
  state: 'visible' | 'held' | 'hidden' | 'deleted' | 'removed'
  title: string
  body: string
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
  /** held posts only: the listed words found */
  sensitive_words?: string[]
}

export interface PostDetail extends Post {
  replies: Post[]
  replies_next_cursor: string | null
}

export interface PostPage extends Page<Post> {
  last_seq: number
}

export interface PostVersion {
  version: number
  title: string
  body: string
  subtopic_id: number | null
  written_at: string
  current: boolean
}

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
  created_at: string
  taken_at: string | null
  first_answered_at: string | null
  answered_at: string | null
  accepted_at: string | null
  response_ms: number | null
  answers: Post[]
  follow_ups: Post[]
}

/** A point in the department console, with where it comes from. */
export interface ConsolePoint extends Point {
  deliberation: { id: number; theme: string }
  post?: { id: number; title: string; excerpt: string; author: { id: number; display_name: string } }
  overdue: boolean
}

export interface Report {
  id: number
  deliberation_id: number
  post: { id: number; excerpt: string; state: string }
  reporter: { id: number; display_name: string }
  reason: string
  state: 'open' | 'actioned' | 'dismissed'
  created_at: string
  resolved_at: string | null
}

export interface Ban {
  id: number
  person: { id: number; display_name: string }
  reason: string
  created_at: string
}

export interface ResponseStat {
  department: IdName
  points_taken: number
  points_answered: number
  points_accepted: number
  answers: number
  median_response_ms: number | null
  updated_at: string | null
}

export const consoleApi = {
  deliberations: {
    /** The ones the caller manages (drafts too). */
    managed: (q: { state?: DeliberationState | ''; cursor?: string | null; limit?: number } = {}) =>
      http.get<Page<DeliberationSummary>>('/deliberations', { manage: 'true', state: q.state, cursor: q.cursor, limit: q.limit ?? 20 }),
    get: (id: Id) => http.get<Deliberation>(`/deliberations/${enc(id)}`),
    create: (input: DeliberationInput) => http.post<Deliberation>('/deliberations', input),
    update: (id: Id, patch: DeliberationInput) => http.patch<Deliberation>(`/deliberations/${enc(id)}`, patch),
    setState: (id: Id, state: Exclude<DeliberationState, 'draft'>) =>
      http.post<Deliberation>(`/deliberations/${enc(id)}/state`, { state }),
    setPhase: (id: Id, phaseId: number | null) => http.post<Deliberation>(`/deliberations/${enc(id)}/phase`, { phase_id: phaseId }),
    /** A link the browser downloads with its session cookie. */
    exportUrl: (id: Id) => buildUrl(`/deliberations/${enc(id)}/export.xlsx`),
  },
  posts: {
    list: (id: Id, q: { subtopic?: Id | ''; cursor?: string | null; limit?: number } = {}) =>
      http.get<PostPage>(`/deliberations/${enc(id)}/posts`, { subtopic: q.subtopic, cursor: q.cursor, limit: q.limit ?? 20 }),
    get: (postId: Id) => http.get<PostDetail>(`/posts/${enc(postId)}`, { limit: 200 }),
    versions: (postId: Id) =>
      http.get<{ post_id: number; state: string; items: PostVersion[] }>(`/posts/${enc(postId)}/versions`),
    hide: (postId: Id, reason: string) => http.post<Post>(`/posts/${enc(postId)}/hide`, { reason }),
    restore: (postId: Id) => http.post<Post>(`/posts/${enc(postId)}/restore`),
    remove: (postId: Id, reason: string) => http.post<Post>(`/posts/${enc(postId)}/remove`, { reason }),
    approve: (postId: Id) => http.post<Post>(`/posts/${enc(postId)}/approve`),
    held: (id: Id) => http.get<Page<Post>>(`/deliberations/${enc(id)}/held-posts`),
  },
  reports: {
    list: (id: Id, q: { state?: 'open' | 'actioned' | 'dismissed' | ''; cursor?: string | null } = {}) =>
      http.get<Page<Report>>(`/deliberations/${enc(id)}/reports`, { state: q.state, cursor: q.cursor, limit: 50 }),
    dismiss: (reportId: Id) => http.post<Report>(`/reports/${enc(reportId)}/dismiss`),
  },
  bans: {
    list: (id: Id) => http.get<Page<Ban>>(`/deliberations/${enc(id)}/bans`),
    add: (id: Id, personId: Id, reason: string) =>
      http.post<Ban>(`/deliberations/${enc(id)}/bans`, { person_id: Number(personId), reason }),
    remove: (id: Id, personId: Id) => http.del(`/deliberations/${enc(id)}/bans/${enc(personId)}`),
  },
  points: {
    list: (id: Id, q: { state?: PointState | ''; department_id?: Id | ''; cursor?: string | null; limit?: number } = {}) =>
      http.get<Page<Point>>(`/deliberations/${enc(id)}/points`, {
        state: q.state,
        department_id: q.department_id,
        cursor: q.cursor,
        limit: q.limit ?? 100,
      }),
    get: (pointId: Id) => http.get<Point>(`/points/${enc(pointId)}`),
    /** Split a post into a point: a passage of it, or a one-line summary; staff may assign at once. */
    create: (postId: Id, input: { quote?: string; summary?: string; department_id?: number; deadline_at?: string }) =>
      http.post<Point>(`/posts/${enc(postId)}/points`, input),
    update: (pointId: Id, patch: { quote?: string; summary?: string; deadline_at?: string | null }) =>
      http.patch<Point>(`/points/${enc(pointId)}`, patch),
    assign: (pointId: Id, departmentId: number, deadlineAt?: string) =>
      http.post<Point>(`/points/${enc(pointId)}/assign`, { department_id: departmentId, deadline_at: deadlineAt }),
    claim: (pointId: Id, departmentId?: number) =>
      http.post<Point>(`/points/${enc(pointId)}/claim`, departmentId ? { department_id: departmentId } : {}),
    answer: (pointId: Id, body: string, attachmentIds: number[]) =>
      http.post<Point>(`/points/${enc(pointId)}/answers`, { body, attachment_ids: attachmentIds }),
    /** The department console: `todo` (open to claim, or held and not answered), or a state. */
    mine: (state: 'todo' | PointState, cursor?: string | null, limit = 50) =>
      http.get<Page<ConsolePoint>>('/me/points', { state, cursor, limit }),
    stats: (id: Id) => http.get<Page<ResponseStat>>(`/deliberations/${enc(id)}/response-stats`),
  },
}
