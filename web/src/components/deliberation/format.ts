// Labels and times for the deliberation pages, in the reader's language.
import { computed } from 'vue'
import { useI18n } from 'vue-i18n'

/**
 * The server's search snippets are HTML-escaped text with matches in <mark>…</mark>. Trust
 * nothing else: every other '<' or '>' is escaped again and the marks are re-balanced, so even
 * a wrong answer can only ever produce text and <mark>.
 */
export function safeSnippet(html: string): string {
  const parts = html.split(/(<\/?mark>)/i)
  let open = false
  let out = ''
  for (const part of parts) {
    const tag = part.toLowerCase()
    if (tag === '<mark>') {
      if (!open) out += '<mark>'
      open = true
    } else if (tag === '</mark>') {
      if (open) out += '</mark>'
      open = false
    } else {
      out += part.replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/&(?!(?:[a-z]+|#\d+|#x[0-9a-f]+);)/gi, '&amp;')
    }
  }
  if (open) out += '</mark>'
  return out
}

export function useDelibFormat() {
  const { t, te, locale } = useI18n()
  const full = computed(
    () =>
      new Intl.DateTimeFormat(locale.value, {
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      }),
  )
  const short = computed(
    () => new Intl.DateTimeFormat(locale.value, { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }),
  )
  const pick = (prefix: string, v: string | null | undefined) => (!v ? '' : te(`${prefix}.${v}`) ? t(`${prefix}.${v}`) : v)

  return {
    when(iso: string | null | undefined): string {
      if (!iso) return ''
      const d = new Date(iso)
      if (Number.isNaN(d.getTime())) return iso
      return d.getFullYear() === new Date().getFullYear() ? short.value.format(d) : full.value.format(d)
    },
    date(iso: string | null | undefined): string {
      if (!iso) return ''
      const d = new Date(iso)
      return Number.isNaN(d.getTime()) ? iso : full.value.format(d)
    },
    state: (s: string | null | undefined) => pick('delib.states', s),
    phaseKind: (s: string | null | undefined) => pick('delib.phaseKinds', s),
    pointState: (s: string | null | undefined) => pick('delib.pointStates', s),
    role: (s: string | null | undefined) => pick('delib.roles', s),
    /** Vant tag type per deliberation state */
    stateTag(s: string): 'primary' | 'success' | 'default' | 'warning' {
      return s === 'open' ? 'success' : s === 'draft' ? 'warning' : s === 'closed' ? 'default' : 'default'
    },
    pointTag(s: string): 'primary' | 'success' | 'default' | 'warning' {
      return s === 'accepted' ? 'success' : s === 'answered' ? 'primary' : s === 'claimed' ? 'warning' : 'default'
    },
  }
}
