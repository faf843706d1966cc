// Typed endpoints of the Shangliang API. Components import `api` from here.
import { http, request, upload, type Query } from './http'
import type {
  AddMemberInput,
  Erasure,
  Attachment,
  AttachmentKind,
  ImportResult,
  InboxItem,
  InboxPage,
  Me,
  Membership,
  Org,
  OrgKind,
  OrgLevel,
  Page,
  PersonRef,
  Role,
  Sector,
  SmsPurpose,
} from './types'

export * from './types'
export { ApiError, isApiError, type Problem, type ProblemItem } from './http'

type Id = number | string
const enc = (id: Id) => encodeURIComponent(String(id))

/** Ids travel as JSON integers; form controls hold them as strings. */
export function toId(v: Id | '' | null | undefined): Id | null {
  if (v === '' || v === null || v === undefined) return null
  if (typeof v === 'number') return v
  return /^\d+$/.test(v) ? Number(v) : v
}

export const api = {
  auth: {
    login: (login: string, password: string) => http.post<{ person: Me }>('/auth/login', { login, password }),
    logout: () => http.post<void>('/auth/logout'),
    sendSmsCode: (mobile: string, purpose: SmsPurpose) =>
      http.post<{ retry_after_seconds?: number }>('/auth/sms-codes', { mobile, purpose }),
    register: (input: { mobile: string; code: string; password: string; display_name: string }) =>
      http.post<{ person: Me }>('/auth/register', input),
    resetPassword: (input: { mobile: string; code: string; new_password: string }) =>
      http.post<void>('/auth/password-reset', input),
  },
  me: {
    get: () => http.get<Me>('/me'),
    update: (patch: { display_name?: string; locale?: string; elderly_mode?: boolean }) => http.patch<Me>('/me', patch),
    changePassword: (old_password: string, new_password: string) =>
      http.post<void>('/me/password', { old_password, new_password }),
    /** Right to deletion: erases one's own personal data (the session ends with it). */
    erase: (password: string) => http.post<{ erased: Erasure }>('/me/erase', { password }),
  },
  orgs: {
    list: (parentId: Id | 'root', cursor?: string | null, limit = 50) =>
      http.get<Page<Org>>('/orgs', { parent_id: parentId, cursor, limit }),
    get: (id: Id) => http.get<Org>(`/orgs/${enc(id)}`),
    create: (input: { parent_id: Id | null; name: string; level: OrgLevel; kind: OrgKind }) =>
      http.post<Org>('/orgs', input),
    /** With `version`, the server refuses (412) to overwrite someone else's newer edit. */
    update: (id: Id, patch: { name?: string; level?: OrgLevel; kind?: OrgKind }, version?: number | string) =>
      request<Org>('PATCH', `/orgs/${enc(id)}`, {
        json: patch,
        headers: version !== undefined && version !== null ? { 'If-Match': `"v${version}"` } : undefined,
      }),
    remove: (id: Id) => http.del(`/orgs/${enc(id)}`),
  },
  sectors: {
    list: (orgId: Id) => http.get<Page<Sector>>(`/orgs/${enc(orgId)}/sectors`, { limit: 200 }),
    create: (orgId: Id, name: string) => http.post<Sector>(`/orgs/${enc(orgId)}/sectors`, { name }),
    rename: (id: Id, name: string) => http.patch<Sector>(`/sectors/${enc(id)}`, { name }),
    remove: (id: Id) => http.del(`/sectors/${enc(id)}`),
  },
  members: {
    list: (
      orgId: Id,
      filter: { role?: Role | ''; sector_id?: Id | ''; q?: string; cursor?: string | null; limit?: number } = {},
    ) => http.get<Page<Membership>>(`/orgs/${enc(orgId)}/members`, { limit: 20, ...filter } as Query),
    add: (orgId: Id, input: AddMemberInput) => http.post<Membership>(`/orgs/${enc(orgId)}/members`, input),
    update: (id: Id, patch: { role?: Role; sector_id?: Id | null }) =>
      http.patch<Membership>(`/memberships/${enc(id)}`, patch),
    remove: (id: Id) => http.del(`/memberships/${enc(id)}`),
  },
  inbox: {
    list: (q: { unread?: boolean; cursor?: string | null; limit?: number } = {}) =>
      http.get<InboxPage>('/inbox', { unread: q.unread ? 1 : undefined, cursor: q.cursor, limit: q.limit ?? 20 }),
    markRead: (id: Id) => http.post<{ item: InboxItem; unread_count: number }>(`/inbox/${enc(id)}/read`),
    markAllRead: () => http.post<{ marked: number; unread_count: number }>('/inbox/read-all'),
  },
  people: {
    search: (q: string, cursor?: string | null, limit = 10) => http.get<Page<PersonRef>>('/people', { q, cursor, limit }),
    /** Right to deletion, on the person's behalf: their personal data and memberships go. */
    erase: (id: Id) => http.del<{ id: number; erased: Erasure }>(`/people/${enc(id)}`),
  },
  roster: {
    importCsv: (orgId: Id, csv: string) =>
      request<ImportResult>('POST', `/orgs/${enc(orgId)}/roster/import`, {
        body: csv,
        contentType: 'text/csv; charset=utf-8',
      }),
    exportXlsx: (orgId: Id) => request<Blob>('GET', `/orgs/${enc(orgId)}/roster.xlsx`, { blob: true }),
  },
  attachments: {
    /** The raw file as the body; the name in the query. `kind`, if given, must match the content. */
    upload: (
      file: Blob,
      opts: { name?: string; kind?: AttachmentKind; onProgress?: (f: number) => void; signal?: AbortSignal } = {},
    ) =>
      upload<Attachment>('/attachments', file, {
        query: { name: opts.name, kind: opts.kind },
        onProgress: opts.onProgress,
        signal: opts.signal,
      }),
    get: (id: Id) => http.get<Attachment>(`/attachments/${enc(id)}`),
    /** Only the uploader, only before it is attached. */
    remove: (id: Id) => http.del(`/attachments/${enc(id)}`),
  },
}
