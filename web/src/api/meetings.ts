// Typed endpoints of meetings (远程协商、现场协商+网络直播): /api/v1/meetings.
// Contract: /work/helpers/meetings-contract.md (issue 7).
import { http, request, type Query } from './http'
import type { RecordLedger } from './types'

export type MeetingState = 'draft' | 'scheduled' | 'live' | 'ended' | 'published' | 'cancelled'
export type MeetingRole = 'staff' | 'chair' | 'secretary' | 'participant' | 'viewer'
export type Reply = 'onsite' | 'remote' | 'excused'
export type AttendanceStatus = 'present' | 'remote' | 'late' | 'excused' | 'absent'
export type CommentsMode = 'off' | 'open' | 'moderated'

export interface MeetingSummary {
  id: number
  org_id: number
  org_name: string
  title: string
  topic: string
  starts_at: string
  ends_at: string
  state: MeetingState
  public: boolean
  venue_count: number
  main_venue: { name: string; address: string } | null
  my_reply: Reply | null
}

export interface AgendaItem {
  id: number
  position: number
  title: string
  starts_at: string | null
  minutes: number | null
  speaker: string | null
}

export interface Venue {
  id: number
  name: string
  address: string | null
  capacity: number | null
  host_id: number | null
  host_name: string | null
  main: boolean
}

export interface Floor {
  request_id: number
  person_id: number
  person_name: string
  agenda_item_id: number | null
  started_at: string
  seconds: number
  ends_at: string
}

export interface Counters {
  invited: number
  replied_onsite: number
  replied_remote: number
  excused: number
  present_by_venue: Record<string, number>
  viewers_online: number
  comments: number
}

export interface MyMeeting {
  role: MeetingRole
  reply: Reply | null
  attendance: AttendanceStatus | null
  venue_id: number | null
  can: Record<string, boolean>
}

export interface Meeting extends MeetingSummary {
  description: string
  deliberation_id: number | null
  topic_id: number | null
  comments: CommentsMode
  hls_url: string | null
  video_url: string | null
  chair_ids: number[]
  secretary_ids: number[]
  agenda: AgendaItem[]
  current_item_id: number | null
  venues: Venue[]
  counters: Counters
  floor: Floor | null
  outcomes: { type: 'case' | 'topic' | 'deliberation'; id: number; title: string }[]
  minutes_published: boolean
  latest_seq: number
  my: MyMeeting
  ledger?: RecordLedger
}

export interface MeetingWrite {
  org_id?: number
  joint_org_ids?: number[]
  title?: string
  topic?: string
  description?: string
  deliberation_id?: number | null
  topic_id?: number | null
  starts_at?: string
  ends_at?: string
  public?: boolean
  comments?: CommentsMode
  video_url?: string | null
  hls_url?: string | null
  chair_ids?: number[]
  secretary_ids?: number[]
  agenda?: { title: string; starts_at?: string | null; minutes?: number | null; speaker?: string | null }[]
  venues?: { name: string; address?: string; capacity?: number | null; host_id?: number | null; main: boolean }[]
  invite?: { person_ids?: number[]; sector_ids?: number[]; department_ids?: number[]; all_members?: boolean }
}

export interface Invitee {
  person_id: number
  name: string
  sector: string | null
  reply: Reply | null
  reason: string | null
  attendance: AttendanceStatus | null
  venue_id: number | null
  checked_in_at: string | null
}

export interface AttendanceRow {
  person_id: number
  name: string
  status: AttendanceStatus
  venue_id: number | null
  checked_in_at: string | null
  by_hand: boolean
}

export interface CheckinCode {
  token: string
  url: string
  not_before: string
  expires_at: string
  svg: string
}

export interface QueueItem {
  id: number
  person_id: number
  person_name: string
  agenda_item_id: number | null
  note: string | null
  remote: boolean
  state: 'waiting' | 'speaking' | 'done' | 'withdrawn'
  requested_at: string
}

export interface Intervention {
  id: number
  person_id: number
  person_name: string
  agenda_item_id: number | null
  body: string
  created_at: string
}

export interface MeetingComment {
  id: number
  author_name: string
  body: string
  state: 'visible' | 'held' | 'rejected'
  picked: boolean
  created_at: string
}

export interface Minutes {
  body_md: string
  html: string
  updated_at: string | null
  /** a name, or the person {id, name} (the backend sends the latter) */
  updated_by: string | { id: number; name: string } | null
  published: boolean
}

export interface MeetingEvent {
  seq: number
  type: string
  at: string
  data: Record<string, unknown>
}

export interface MeetingRecord {
  meeting: Meeting
  agenda: AgendaItem[]
  attendance: { items: AttendanceRow[]; [k: string]: unknown }
  speeches: (QueueItem & { started_at?: string; ended_at?: string })[]
  interventions: Intervention[]
  picked: MeetingComment[]
  minutes: Minutes | null
}

const enc = (id: number | string) => encodeURIComponent(String(id))
const m = (id: number | string) => `/meetings/${enc(id)}`

export const meetingsApi = {
  list: (q: { org_id?: number; from?: string; to?: string; state?: string; mine?: 1; cursor?: string | null } = {}) =>
    http.get<{ items: MeetingSummary[]; next_cursor: string | null }>('/meetings', q as Query),
  create: (input: MeetingWrite) => http.post<Meeting>('/meetings', input),
  get: (id: number | string) => http.get<Meeting>(m(id)),
  update: (id: number | string, patch: MeetingWrite) => http.patch<Meeting>(m(id), patch),
  setState: (id: number | string, state: MeetingState, reason?: string) => http.post<Meeting>(`${m(id)}/state`, { state, reason }),
  setItem: (id: number | string, agenda_item_id: number) => http.post<Meeting>(`${m(id)}/current-item`, { agenda_item_id }),
  invitees: (id: number | string) => http.get<{ items: Invitee[] }>(`${m(id)}/invitees`),
  reply: (id: number | string, body: { reply: Reply; venue_id?: number | null; reason?: string }) => http.post<MyMeeting>(`${m(id)}/reply`, body),
  icsUrl: (id: number | string) => `/api/v1${m(id)}/calendar.ics`,
  checkinCode: (id: number | string, venueId: number) => http.get<CheckinCode>(`${m(id)}/venues/${enc(venueId)}/checkin-code`),
  checkin: (id: number | string, token: string) =>
    http.post<{ attendance: AttendanceStatus; venue_id: number; checked_in_at: string }>(`${m(id)}/checkin`, { token }),
  join: (id: number | string) => http.post<{ video_url: string | null; attendance: AttendanceStatus }>(`${m(id)}/join`),
  setAttendance: (id: number | string, personId: number, body: { status: AttendanceStatus; venue_id?: number | null; reason: string }) =>
    http.post<unknown>(`${m(id)}/attendance/${enc(personId)}`, body),
  attendance: (id: number | string) =>
    http.get<{ items: AttendanceRow[]; by_venue: Record<string, number> }>(`${m(id)}/attendance`),
  queue: (id: number | string) => http.get<{ items: QueueItem[]; floor: Floor | null }>(`${m(id)}/queue`),
  ask: (id: number | string, body: { agenda_item_id?: number | null; note?: string }) => http.post<QueueItem>(`${m(id)}/queue`, body),
  withdraw: (id: number | string, rid: number) => http.del(`${m(id)}/queue/${enc(rid)}`),
  giveFloor: (id: number | string, rid: number, seconds: number) => http.post<Floor>(`${m(id)}/queue/${enc(rid)}/floor`, { seconds }),
  endFloor: (id: number | string) => http.post<void>(`${m(id)}/floor/end`),
  interventions: (id: number | string, after?: number) =>
    http.get<{ items: Intervention[] }>(`${m(id)}/interventions`, { after }),
  intervene: (id: number | string, body: { body: string; agenda_item_id?: number | null }) =>
    http.post<Intervention>(`${m(id)}/interventions`, body),
  comments: (id: number | string, q: { after?: number; state?: 'held' | 'visible' } = {}) =>
    http.get<{ items: MeetingComment[] }>(`${m(id)}/comments`, q),
  comment: (id: number | string, body: string) => http.post<{ id: number; state: MeetingComment['state'] }>(`${m(id)}/comments`, { body }),
  moderate: (id: number | string, cid: number, action: 'approve' | 'reject') =>
    http.post<unknown>(`${m(id)}/comments/${enc(cid)}/moderate`, { action }),
  pick: (id: number | string, cid: number) => http.post<unknown>(`${m(id)}/comments/${enc(cid)}/pick`),
  unpick: (id: number | string, cid: number) => http.del(`${m(id)}/comments/${enc(cid)}/pick`),
  picked: (id: number | string) => http.get<{ items: MeetingComment[] }>(`${m(id)}/picked`),
  minutes: (id: number | string) => http.get<Minutes>(`${m(id)}/minutes`),
  saveMinutes: (id: number | string, body_md: string) =>
    request<Minutes>('PUT', `${m(id)}/minutes`, { json: { body_md } }),
  addOutcome: (id: number | string, type: 'case' | 'topic' | 'deliberation', oid: number) =>
    http.post<unknown>(`${m(id)}/outcomes`, { type, id: oid }),
  removeOutcome: (id: number | string, type: string, oid: number) => http.del(`${m(id)}/outcomes/${enc(type)}/${enc(oid)}`),
  record: (id: number | string) => http.get<MeetingRecord>(`${m(id)}/record`),
  events: (id: number | string, after_seq: number) =>
    http.get<{ items: MeetingEvent[]; latest_seq: number }>(`${m(id)}/events`, { after_seq }),
}
