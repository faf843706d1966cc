import { api } from '@/api'
import type { AppLocale } from '@/i18n'
import { usePrefsStore } from '@/stores/prefs'
import { useSessionStore } from '@/stores/session'

/** Change language / elderly mode on this device and, when logged in, on the account. */
export function usePreferenceActions() {
  const prefs = usePrefsStore()
  const session = useSessionStore()

  function saveToAccount(patch: { locale?: string; elderly_mode?: boolean }): void {
    if (!session.loggedIn) return
    api.me
      .update(patch)
      .then((me) => {
        if (me && typeof me === 'object' && 'id' in me) session.me = me
      })
      .catch(() => {
        /* the device keeps the choice even if the account could not be updated */
      })
  }

  function chooseLocale(l: AppLocale): void {
    if (l === prefs.locale) return
    prefs.setLocale(l)
    saveToAccount({ locale: l })
  }

  function chooseElderly(on: boolean): void {
    prefs.setElderly(on)
    saveToAccount({ elderly_mode: on })
  }

  return { prefs, chooseLocale, chooseElderly }
}
