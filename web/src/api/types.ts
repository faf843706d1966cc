// Shapes of the Shangliang REST API (v1) as the web UI uses them.

export type Role = 'member' | 'staff' | 'leader' | 'responder' | 'admin'
export const ROLES: Role[] = ['member', 'staff', 'leader', 'responder', 'admin']

export type OrgLevel = 'national' | 'province' | 'city' | 'county' | 'township' | 'village'
export const ORG_LEVELS: OrgLevel[] = ['national', 'province', 'city', 'county', 'township', 'village']

export type OrgKind = 'cppcc' | 'congress' | 'council' | 'department' | 'other'
export const ORG_KINDS: OrgKind[] = ['cppcc', 'congress', 'council', 'department', 'other']

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

/** A record's ledger data: exactly the canonical content and salt the ledger hashed. */
export interface RecordLedger {
  type: string
  id: number | string
  salt: string
  content: string
}

/** When a record's content was removed, under which ledger entry, and why. */
export interface Erasure {
  at: string
  seq: number
  reason: string
}

export interface OrgRef {
  id: number | string
  name: string
  level?: OrgLevel | string
  kind?: OrgKind | string
}

export interface SectorRef {
  id: number | string
  name: string
}

export interface MyMembership {
  id: number | string
  role: Role | string
  role_label?: string
  org: OrgRef
  sector: SectorRef | null
}

export interface Me {
  id: number | string
  login: string | null
  mobile: string | null
  display_name: string
  is_superadmin: boolean
  is_public: boolean
  locale: string | null
  elderly_mode: boolean
  memberships: MyMembership[]
  ledger?: RecordLedger
}

export interface Org {
  id: number | string
  parent_id: number | string | null
  name: string
  level: OrgLevel | string
  kind: OrgKind | string
  member_label?: string
  child_count: number
  member_count: number
  ancestors: OrgRef[]
  version?: number | string
  ledger?: RecordLedger
}

export interface Sector {
  id: number | string
  org_id: number | string
  name: string
  member_count: number
  ledger?: RecordLedger
}

export interface PersonRef {
  id: number | string
  display_name: string
  login: string | null
  mobile: string | null
  /** only for callers who see the mobile number in full */
  ledger?: RecordLedger
}

export interface Membership {
  id: number | string
  role: Role | string
  role_label?: string
  sector: SectorRef | null
  person: PersonRef
  ledger?: RecordLedger
}

export interface NewPerson {
  display_name: string
  login?: string
  mobile?: string
  password?: string
}

export type AddMemberInput = ({ person_id: number | string } | NewPerson) & {
  role: Role
  sector_id?: number | string | null
}

export interface ImportResult {
  imported: number
  created_people: number
}

export type SmsPurpose = 'register' | 'reset' | 'survey'

/** One notification in one's inbox (站内消息). Title and body are plain text. */
export interface InboxItem {
  id: number
  /** welcome, mention, membership.added, membership.changed, … */
  kind: string
  title: string
  body: string
  /** a path inside this app, or '' */
  link: string
  created_at: string
  read_at: string | null
  read: boolean
}

export interface InboxPage extends Page<InboxItem> {
  unread_count: number
}

export type AttachmentKind = 'document' | 'image' | 'voice'

/** An uploaded file (see POST /api/v1/attachments); records embed these. */
export interface Attachment {
  id: number
  name: string
  mime: string
  size: number
  kind: AttachmentKind
  /** the file itself (streamed, with byte ranges) */
  url: string
  /** images only: a WebP at most 320 × 320 */
  thumbnail_url?: string
  /** images only: as displayed */
  width?: number
  height?: number
  created_at?: string
  /** bound to a record; until then only the uploader sees it */
  attached?: boolean
}
