// How meeting times, states and replies read in the current language.
import { useI18n } from 'vue-i18n'

export function useMeetingFormat() {
  const { t, locale } = useI18n()
  const tag = () => (locale.value === 'en' ? 'en-GB' : locale.value)
  function dateTime(iso: string | null | undefined): string {
    if (!iso) return ''
    const d = new Date(iso)
    if (Number.isNaN(d.getTime())) return ''
    return new Intl.DateTimeFormat(tag(), { month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false }).format(d)
  }
  function time(iso: string | null | undefined): string {
    if (!iso) return ''
    const d = new Date(iso)
    if (Number.isNaN(d.getTime())) return ''
    return new Intl.DateTimeFormat(tag(), { hour: '2-digit', minute: '2-digit', hour12: false }).format(d)
  }
  /** "11月23日 周一 09:00–11:30" */
  function span(from: string, to: string): string {
    const a = dateTime(from)
    const b = time(to)
    return b ? `${a}–${b}` : a
  }
  const state = (s: string) => t(`meetings.state.${s}`)
  const reply = (r: string | null | undefined) => (r ? t(`meetings.reply.${r}`) : t('meetings.reply.none'))
  const attendance = (a: string | null | undefined) => (a ? t(`meetings.attendance.${a}`) : t('meetings.attendance.none'))
  const role = (r: string) => t(`meetings.role.${r}`)
  return { dateTime, time, span, state, reply, attendance, role }
}

/** Tag colours of meeting states: dark enough for white text. */
export function meetingStateColor(s: string): string {
  switch (s) {
    case 'live':
      return '#c62828'
    case 'scheduled':
      return '#1565c0'
    case 'published':
      return '#2e7d32'
    case 'draft':
      return '#8a5a00'
    default:
      return '#616161'
  }
}

/** The check-in token from whatever a QR code or a person gave: a URL with ?t= or the token. */
export function tokenFrom(text: string): string {
  const s = text.trim()
  if (!s) return ''
  try {
    const u = new URL(s, 'http://x')
    const t = u.searchParams.get('t')
    if (t) return t
  } catch {
    /* not a URL */
  }
  return s
}
