// Cases (提案、议案、建议、社情民意、微建议): the API client of the cases module.
import { http, request, type Query } from './http'
import type { Attachment } from './types'

type Id = number | string
const enc = (id: Id) => encodeURIComponent(String(id))

export type CaseKind = 'proposal' | 'motion' | 'suggestion' | 'social_report' | 'micro_suggestion'
export const CASE_KINDS: CaseKind[] = ['proposal', 'motion', 'suggestion', 'social_report', 'micro_suggestion']
export type CaseCard = 'none' | 'yellow' | 'red'

export interface CaseSettings {
  kind: CaseKind
  kind_label: string
  enabled: boolean
  submitters: 'members' | 'members_and_public'
  category_required: boolean
  categories: string[]
  attachments_allowed: boolean
  cosigners_required: number
  deadline_working_days: number
  publication: 'never' | 'with_consent' | 'always'
  customised: boolean
}

export interface CaseRef {
  id: number
  name: string
}

export interface CaseSummary {
  id: number
  org: CaseRef
  kind: CaseKind
  kind_label: string
  state: string
  state_label: string
  title: string
  category: string
  submitter: CaseRef
  lead_unit: CaseRef | null
  deadline_day: string | null
  working_days_left: number | null
  card: CaseCard
  key_case: boolean
  rating: string | null
  published: boolean
  created_at: string
  submitted_at: string | null
  answered_at: string | null
  /** the content was erased at its submitter's request (right to deletion) */
  erased?: boolean
}

export interface CaseEvent {
  id: number
  action: string
  actor: CaseRef | null
  from: string
  to: string
  note: string
  data: Record<string, unknown>
  at: string
  attachments?: Attachment[]
}

export interface CaseDetail extends CaseSummary {
  body: string
  body_html: string
  allow_publish: boolean
  published_at: string | null
  merged_into: number | null
  decline_reason: string | null
  deadline_at: string | null
  rehandled: number
  answer: string | null
  answer_html: string | null
  answer_working_days: number | null
  answered_on_time: boolean | null
  rating_reason: string | null
  pending: { kind: 'reassign' | 'extension'; data?: Record<string, unknown> } | null
  units: { id: number; name: string; role: 'lead' | 'co'; input?: string | null; input_at?: string | null }[]
  cosigners: { id: number; name: string; state: string }[]
  cosign: { required: number; confirmed: number }
  attachments: Attachment[]
  answer_attachments?: Attachment[]
  events: CaseEvent[]
  my_roles: string[]
  actions: string[]
  my_units: number[]
}

export interface CaseFilter {
  scope?: 'mine' | 'unit' | 'org' | 'public'
  org_id?: Id | null
  unit_id?: Id | null
  kind?: CaseKind | ''
  state?: string
  card?: CaseCard | ''
  key_case?: boolean | null
  q?: string
  year?: number | null
}

export interface BoardUnit {
  unit: CaseRef
  handling: number
  yellow: number
  red: number
  key: number
  pending_requests: number
  answered: number
  answered_late: number
  colour: 'green' | 'yellow' | 'red'
}
export interface Board {
  org_id: number
  yellow_card_working_days: number
  totals: { handling: number; yellow: number; red: number }
  units: BoardUnit[]
  cards: CaseSummary[]
  escalated: CaseSummary[]
}

export interface CaseStats {
  total: number
  units: {
    unit: CaseRef
    assigned: number
    handled: number
    on_time: number
    on_time_rate: number
    average_working_days: number | null
    rated: number
    satisfied: number
    basically_satisfied: number
    unsatisfied: number
    satisfaction_rate: number
  }[]
  members: { person: CaseRef; submitted: number; accepted: number; answered: number; closed: number; satisfied: number }[]
}

export interface NewCase {
  org_id: Id
  kind: CaseKind
  title: string
  body: string
  category?: string
  allow_publish?: boolean
  attachment_ids?: Id[]
  cosigner_ids?: Id[]
  submit?: boolean
}

function query(f: CaseFilter): Query {
  return {
    scope: f.scope,
    org_id: f.org_id ?? undefined,
    unit_id: f.unit_id ?? undefined,
    kind: f.kind || undefined,
    state: f.state || undefined,
    card: f.card || undefined,
    key_case: f.key_case === null || f.key_case === undefined ? undefined : f.key_case,
    q: f.q || undefined,
    year: f.year ?? undefined,
  }
}

export interface CalendarDay {
  date: string
  kind: 'holiday' | 'workday'
  name: string
  /** null: the national calendar; else the organisation whose local day it is */
  org_id: number | null
}
export interface CalendarYear {
  org_id: number | null
  year: number
  official: boolean
  source: string | null
  working_days: number
  days: CalendarDay[]
}

export const casesApi = {
  updateSettings: (orgId: Id, kind: CaseKind, patch: Partial<CaseSettings>) =>
    request<CaseSettings>('PUT', `/orgs/${enc(orgId)}/case-settings/${enc(kind)}`, { json: patch }),
  /** orgId null: the national calendar (holidays and 调休 workdays) */
  calendar: (orgId: Id | null, year: number) =>
    http.get<CalendarYear>(orgId == null ? '/calendar' : `/orgs/${enc(orgId)}/calendar`, { year }),
  putCalendarDays: (orgId: Id | null, days: Omit<CalendarDay, 'org_id'>[], source?: string) =>
    http.post<CalendarYear>(orgId == null ? '/calendar/days' : `/orgs/${enc(orgId)}/calendar/days`, { days, source }),
  deleteCalendarDay: (orgId: Id | null, date: string) =>
    http.del(orgId == null ? `/calendar/days/${enc(date)}` : `/orgs/${enc(orgId)}/calendar/days/${enc(date)}`),
  settings: (orgId: Id) => http.get<{ org: CaseRef & { kind: string }; items: CaseSettings[] }>(`/orgs/${enc(orgId)}/case-settings`),
  list: (f: CaseFilter, cursor?: string | null, limit = 30) =>
    http.get<{ items: CaseSummary[]; next_cursor: string | null }>('/cases', { ...query(f), cursor, limit }),
  exportXlsx: (f: CaseFilter) => request<Blob>('GET', '/cases.xlsx', { query: query(f), blob: true }),
  get: (id: Id) => http.get<CaseDetail>(`/cases/${enc(id)}`),
  cosignerCandidates: (orgId: Id, q: string) =>
    http.get<{ items: CaseRef[] }>(`/orgs/${enc(orgId)}/case-cosigners`, { q }),
  create: (input: NewCase) => http.post<CaseDetail>('/cases', input),
  update: (id: Id, patch: Partial<NewCase>) => http.patch<CaseDetail>(`/cases/${enc(id)}`, patch),
  act: (id: Id, action: string, body: Record<string, unknown> = {}) =>
    http.post<CaseDetail>(`/cases/${enc(id)}/actions/${enc(action)}`, body),
  board: (orgId: Id) => http.get<Board>(`/orgs/${enc(orgId)}/case-board`),
  stats: (orgId: Id, year?: number | null) => http.get<CaseStats>(`/orgs/${enc(orgId)}/case-stats`, { year: year ?? undefined }),
}
