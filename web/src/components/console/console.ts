// Shared bits of the staff and department consoles: who may use which, and how times,
// durations and states read in the current language.
import { computed } from 'vue'
import { useI18n } from 'vue-i18n'
import { useSessionStore } from '@/stores/session'
import type { IdName } from '@/api/console'

/** Who sees which console: staff and admins (and the platform administrator) manage
 *  deliberations; responders (部门联络员) answer for their departments. */
export function useConsoleRoles() {
  const session = useSessionStore()
  const canManage = computed(() => session.canAdmin)
  const departments = computed<IdName[]>(() => {
    const seen = new Map<string, IdName>()
    for (const m of session.me?.memberships ?? []) {
      if (m.role === 'responder' && !seen.has(String(m.org.id))) seen.set(String(m.org.id), { id: Number(m.org.id), name: m.org.name })
    }
    return [...seen.values()]
  })
  const isDepartment = computed(() => departments.value.length > 0)
  return { canManage, departments, isDepartment }
}

export function useConsoleFormat() {
  const { t, locale } = useI18n()
  const tag = () => (locale.value === 'en' ? 'en-GB' : locale.value)

  function dateTime(iso: string | null | undefined): string {
    if (!iso) return ''
    const d = new Date(iso)
    if (Number.isNaN(d.getTime())) return ''
    return new Intl.DateTimeFormat(tag(), {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    }).format(d)
  }

  /** A duration in words: "3 小时 20 分钟", "2 天 4 小时". */
  function duration(ms: number | null | undefined): string {
    if (ms === null || ms === undefined) return t('console.common.none')
    const minutes = Math.max(0, Math.round(ms / 60000))
    const days = Math.floor(minutes / 1440)
    const hours = Math.floor((minutes % 1440) / 60)
    const mins = minutes % 60
    if (days > 0) return t('console.duration.dh', { d: days, h: hours })
    if (hours > 0) return t('console.duration.hm', { h: hours, m: mins })
    if (mins === 0) return t('console.duration.lt1')
    return t('console.duration.m', { m: mins })
  }

  const stateLabel = (s: string) => t(`console.state.${s}`)
  const pointStateLabel = (s: string) => t(`console.pointState.${s}`)
  const postStateLabel = (s: string) => t(`console.postState.${s}`)
  const phaseKindLabel = (k: string) => t(`console.phaseKind.${k}`)
  const publicModeLabel = (m: string) => t(`console.publicMode.${m}`)
  return { dateTime, duration, stateLabel, pointStateLabel, postStateLabel, phaseKindLabel, publicModeLabel }
}

/** Tag colours of deliberation, point and post states: dark enough for white text (≥ 4.5:1). */
export function stateColor(s: string): string {
  switch (s) {
    case 'open':
    case 'accepted':
      return '#2e7d32'
    case 'draft':
      return '#8a5a00'
    case 'claimed':
      return '#b34700'
    case 'answered':
      return '#1565c0'
    case 'hidden':
    case 'removed':
    case 'held':
      return '#c62828'
    default:
      return '#616161'
  }
}

/** A point waiting for a department reads as "needs attention", not as "open for business". */
export function pointStateColor(s: string): string {
  return stateColor(s === 'open' ? 'draft' : s)
}

/** <input type="datetime-local"> value ⇄ ISO-8601 (the browser's time zone). */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
}
export function fromLocalInput(v: string): string | null {
  if (!v) return null
  const d = new Date(v)
  return Number.isNaN(d.getTime()) ? null : d.toISOString()
}

/** The median of some numbers (null for none). */
export function median(xs: number[]): number | null {
  if (!xs.length) return null
  const s = [...xs].sort((a, b) => a - b)
  const n = s.length
  return n % 2 ? s[(n - 1) / 2] : Math.round((s[n / 2 - 1] + s[n / 2]) / 2)
}

/** What a moderator may do to a post from its card. */
export type PostAction = 'split' | 'history' | 'hide' | 'restore' | 'remove' | 'ban'
