// Typed endpoints of surveys and quick polls (问卷调查、快速投票): /api/v1/surveys.
import { http, type Query } from './http'
import type { Page, RecordLedger } from './types'

export type QuestionType = 'single' | 'multiple' | 'rating' | 'ranking' | 'short_text' | 'long_text'
export type SurveyState = 'draft' | 'open' | 'closed'
export type Audience = 'members' | 'public' | 'scope'
export type ResultsVisibility = 'staff' | 'respondents' | 'all'

export interface SurveyOption {
  id: string
  label: string
}

export interface SkipRule {
  option: string
  /** a later question's id, or 'end' */
  goto: string
}

export interface SurveyQuestion {
  id: string
  type: QuestionType
  title: string
  description?: string
  required: boolean
  options?: SurveyOption[]
  min_choices?: number
  max_choices?: number
  scale?: { min: number; max: number; min_label?: string; max_label?: string }
  max_length?: number
  skip?: SkipRule[]
}

export interface Survey {
  id: number
  org: { id: number; name: string }
  kind: 'survey' | 'poll'
  scope: { type: string; id: number } | null
  title: string
  description: string
  state: SurveyState
  audience: Audience
  anonymous: boolean
  notice: string
  results_visibility: ResultsVisibility
  sms_check: boolean
  max_per_address: number
  closes_at: string | null
  questions: SurveyQuestion[]
  members: { orgs: { id: number; name: string }[]; sectors: { id: number; name: string }[] } | null
  response_count: number | null
  last_seq: number
  version: number
  created_at: string
  opened_at: string | null
  closed_at: string | null
  my: { may_answer: boolean; answered: boolean; needs_login: boolean; may_manage: boolean; may_see_results: boolean }
  ledger?: RecordLedger
}

export interface SurveyWrite {
  kind?: 'survey' | 'poll'
  org_id?: number
  scope_type?: string
  scope_id?: number
  title?: string
  description?: string
  audience?: 'members' | 'public'
  org_ids?: number[]
  sector_ids?: number[]
  anonymous?: boolean
  results_visibility?: ResultsVisibility
  sms_check?: boolean
  max_per_address?: number
  closes_at?: string | null
  questions?: SurveyQuestion[]
  version?: number
}

/** An answer: option id, option ids, a score, every option id in order, or text. */
export type AnswerValue = string | string[] | number
export type Answers = Record<string, AnswerValue>

export interface OptionResult {
  id: string
  label: string
  count?: number
  average_rank?: number | null
  positions?: number[]
}

export interface QuestionResult {
  id: string
  type: QuestionType
  title: string
  answered: number
  options?: OptionResult[]
  distribution?: { value: number; count: number }[]
  average?: number | null
}

export interface SurveyResults {
  survey_id: number
  state: SurveyState
  response_count: number
  last_seq: number
  questions: QuestionResult[]
}

export interface SurveyResponse {
  id: number
  created_at: string
  answers: Answers
  respondent: { id: number; display_name: string } | null
}

export interface AnswerHit {
  response_id: number
  created_at: string
  snippet_html: string
}

const enc = (id: number | string) => encodeURIComponent(String(id))

export const surveysApi = {
  list: (q: { org_id?: number; state?: SurveyState; scope_type?: string; scope_id?: number | string; cursor?: string | null; limit?: number } = {}) =>
    http.get<Page<Survey>>('/surveys', q as Query),
  get: (id: number | string) => http.get<Survey>(`/surveys/${enc(id)}`),
  create: (input: SurveyWrite) => http.post<Survey>('/surveys', input),
  update: (id: number | string, patch: SurveyWrite) => http.patch<Survey>(`/surveys/${enc(id)}`, patch),
  setState: (id: number | string, state: 'open' | 'closed') => http.post<Survey>(`/surveys/${enc(id)}/state`, { state }),
  answer: (id: number | string, answers: Answers, sms?: { mobile: string; code: string }) =>
    http.post<{ id: number | null; response_count: number }>(`/surveys/${enc(id)}/responses`, { answers, ...(sms ?? {}) }),
  results: (id: number | string) => http.get<SurveyResults>(`/surveys/${enc(id)}/results`),
  responses: (id: number | string, cursor?: string | null, limit = 50) =>
    http.get<Page<SurveyResponse>>(`/surveys/${enc(id)}/responses`, { cursor, limit }),
  search: (id: number | string, q: string, cursor?: string | null) =>
    http.get<Page<AnswerHit>>(`/surveys/${enc(id)}/search`, { q, cursor }),
  exportUrl: (id: number | string) => `/api/v1/surveys/${enc(id)}/export.xlsx`,
}

/**
 * The questions a respondent reaches with these answers: skip rules of single-choice
 * questions jump forward (the server walks the same path and drops other answers).
 */
export function pathOf(questions: SurveyQuestion[], answers: Answers): SurveyQuestion[] {
  const out: SurveyQuestion[] = []
  let i = 0
  while (i < questions.length) {
    const q = questions[i]
    out.push(q)
    let next = i + 1
    const a = answers[q.id]
    if (q.type === 'single' && typeof a === 'string') {
      const rule = q.skip?.find((r) => r.option === a)
      if (rule) {
        if (rule.goto === 'end') next = questions.length
        else {
          const j = questions.findIndex((x, k) => k > i && x.id === rule.goto)
          if (j > 0) next = j
        }
      }
    }
    i = next
  }
  return out
}

/** Is an answer empty (not given)? */
export function blank(a: AnswerValue | undefined): boolean {
  if (a === undefined || a === null) return true
  if (typeof a === 'string') return a.trim() === ''
  if (Array.isArray(a)) return a.length === 0
  return false
}
