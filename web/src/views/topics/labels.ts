// Labels and small formatting shared by the topic pages.
import { useI18n } from 'vue-i18n'
import type { TopicCall, TopicCategory, TopicState } from '@/api/topics'

export function useTopicLabels() {
  const { t, locale } = useI18n()
  const stateType = (s: TopicState): 'primary' | 'success' | 'warning' | 'danger' | 'default' =>
    s === 'accepted' ? 'success' : s === 'needs_detail' ? 'warning' : s === 'declined' ? 'danger' : s === 'pending' ? 'primary' : 'default'
  const date = (iso: string | null) => {
    if (!iso) return ''
    const d = new Date(iso)
    return Number.isNaN(d.getTime()) ? iso : new Intl.DateTimeFormat(locale.value, { month: '2-digit', day: '2-digit' }).format(d)
  }
  return {
    state: (s: TopicState) => t(`topics.states.${s}`),
    stateType,
    category: (c: TopicCategory) => t(`topics.categories.${c}`),
    date,
    callWhen: (k: TopicCall) =>
      k.kind === 'box' ? t('topics.alwaysOpen') : !k.open_now ? t('topics.closed') : k.closes_at ? t('topics.closesAt', { date: date(k.closes_at) }) : '',
  }
}
