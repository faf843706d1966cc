// Topic collection (议题征集): calls and boxes, topics, supports, similar topics, screening,
// merging, topic → deliberation, hot spots. See docs/api/openapi.yaml (tag "topics").
import { http } from './http'
import type { Attachment, Page, RecordLedger } from './types'

type Id = number | string
const enc = (id: Id) => encodeURIComponent(String(id))

export type TopicState = 'pending' | 'needs_detail' | 'accepted' | 'declined' | 'merged'
export const TOPIC_STATES: TopicState[] = ['pending', 'needs_detail', 'accepted', 'declined', 'merged']
export const TOPIC_CATEGORIES = [
  'livelihood',
  'economy',
  'education',
  'health',
  'environment',
  'transport',
  'rural',
  'governance',
  'culture',
  'other',
] as const
export type TopicCategory = (typeof TOPIC_CATEGORIES)[number]

export interface TopicAudience {
  public: boolean
  members: boolean
  sector_ids: number[]
  department_ids: number[]
  body_ids: number[]
}

export interface TopicCall {
  id: number
  org: { id: number; name: string }
  kind: 'call' | 'box'
  theme: string
  description: string
  opens_at: string | null
  closes_at: string | null
  state: 'open' | 'closed'
  open_now: boolean
  audience: TopicAudience
  my: { may_submit: boolean; may_screen: boolean }
  topic_count?: number
  created_at: string
}

export interface TopicSummary {
  id: number
  call: { id: number; theme: string; kind: 'call' | 'box' }
  org: { id: number; name: string }
  author: { id: number; display_name: string }
  title: string
  excerpt?: string
  title_html?: string
  snippet_html?: string
  area: string
  category: TopicCategory
  state: TopicState
  merged_into: number | null
  deliberation_id: number | null
  counts: { supports: number; submitters: number }
  supported_by_me: boolean
  created_at: string
  updated_at: string
}

export interface Topic extends TopicSummary {
  body: string
  submitters: { id: number; display_name: string; raised_at: string }[]
  screening_note: string | null
  screened_at: string | null
  attachments: Attachment[]
  merged_into_topic?: { id: number; title: string; state: TopicState }
  my: { submitter: boolean; supported: boolean; may_support: boolean; may_edit: boolean; may_screen: boolean }
  version: number
  ledger: RecordLedger
}

export interface SimilarTopic extends TopicSummary {
  similarity: number
  likely_duplicate: boolean
}

export interface TopicInput {
  call_id?: number
  org_id?: number
  title?: string
  body?: string
  area?: string
  category?: TopicCategory
  attachment_ids?: number[]
}

export interface TopicListQuery {
  call_id?: Id
  org_id?: Id
  state?: TopicState | ''
  category?: TopicCategory | ''
  area?: string
  q?: string
  mine?: boolean
  cursor?: string | null
  limit?: number
}

export interface Hotspots {
  org: { id: number; name: string }
  from: string
  to: string
  half_life_days: number
  formula: string
  items: {
    rank: number
    topic: { id: number; title: string; area: string; category: TopicCategory; state: TopicState; deliberation_id: number | null }
    score: number
    raised: number
    supported: number
  }[]
  areas: { area: string; score: number; raised: number; supported: number; topics: number }[]
  categories: { category: TopicCategory; score: number; raised: number; supported: number; topics: number }[]
  series: { date: string; raised: number; supported: number }[]
}

export const topicsApi = {
  calls: (q: { org_id?: Id; open?: boolean; cursor?: string | null; limit?: number } = {}) =>
    http.get<Page<TopicCall>>('/topic-calls', { org_id: q.org_id, open: q.open ? 1 : undefined, cursor: q.cursor, limit: q.limit }),
  call: (id: Id) => http.get<TopicCall>(`/topic-calls/${enc(id)}`),
  createCall: (input: Record<string, unknown>) => http.post<TopicCall>('/topic-calls', input),
  updateCall: (id: Id, input: Record<string, unknown>) => http.patch<TopicCall>(`/topic-calls/${enc(id)}`, input),

  list: (q: TopicListQuery = {}) =>
    http.get<Page<TopicSummary>>('/topics', {
      call_id: q.call_id,
      org_id: q.org_id,
      state: q.state,
      category: q.category,
      area: q.area,
      q: q.q,
      mine: q.mine ? 1 : undefined,
      cursor: q.cursor,
      limit: q.limit,
    }),
  get: (id: Id) => http.get<Topic>(`/topics/${enc(id)}`),
  submit: (input: TopicInput) => http.post<Topic>('/topics', input),
  edit: (id: Id, input: TopicInput) => http.patch<Topic>(`/topics/${enc(id)}`, input),
  similarToDraft: (input: { call_id?: number; org_id?: number; title: string; body: string; exclude_id?: number }) =>
    http.post<{ items: SimilarTopic[] }>('/topics/similar', input),
  similar: (id: Id) => http.get<{ items: SimilarTopic[] }>(`/topics/${enc(id)}/similar`),
  support: (id: Id) => http.post<{ topic_id: number; supports: number; supported: boolean }>(`/topics/${enc(id)}/support`),
  unsupport: (id: Id) => http.del<{ topic_id: number; supports: number; supported: boolean }>(`/topics/${enc(id)}/support`),
  screen: (id: Id, action: 'accept' | 'decline' | 'needs_detail', reason = '') =>
    http.post<Topic>(`/topics/${enc(id)}/screen`, { action, reason }),
  merge: (id: Id, sourceIds: number[]) => http.post<Topic>(`/topics/${enc(id)}/merge`, { source_ids: sourceIds }),
  toDeliberation: (id: Id, input: { theme?: string; open?: boolean } = {}) =>
    http.post<{ topic: Topic; deliberation: { id: number; theme: string } }>(`/topics/${enc(id)}/deliberation`, input),
  hotspots: (q: { org_id: Id; from?: string; to?: string; half_life_days?: number; area?: string; limit?: number }) =>
    http.get<Hotspots>('/topic-hotspots', q),
}
