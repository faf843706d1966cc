import { useI18n } from 'vue-i18n'
import { isApiError } from '@/api'

/** Turn anything thrown by the API client into a sentence for the user. */
export function useErrorText() {
  const { t } = useI18n()
  return (e: unknown): string => {
    if (isApiError(e)) {
      if (e.status === 0) return t('common.networkError')
      return e.detail || e.title || t('common.unknownError')
    }
    return t('common.unknownError')
  }
}
