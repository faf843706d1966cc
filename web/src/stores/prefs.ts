// Device preferences: language and elderly-friendly mode (适老化).
// Remembered in localStorage; when someone is logged in they are also saved to
// the account (PATCH /api/v1/me) so that a new device picks them up.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { applyLocale, normaliseLocale, type AppLocale } from '@/i18n'

const LOCALE_KEY = 'shangliang.locale'
const ELDERLY_KEY = 'shangliang.elderly'

function readStorage(key: string): string | null {
  try {
    return window.localStorage.getItem(key)
  } catch {
    return null
  }
}
function writeStorage(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value)
  } catch {
    /* private mode: keep it for this page only */
  }
}

export function applyElderly(on: boolean): void {
  document.documentElement.classList.toggle('sl-elderly', on)
}

export const usePrefsStore = defineStore('prefs', () => {
  const storedLocale = normaliseLocale(readStorage(LOCALE_KEY))
  const storedElderly = readStorage(ELDERLY_KEY)

  const locale = ref<AppLocale>(storedLocale ?? normaliseLocale(navigator.language) ?? 'zh-CN')
  const elderly = ref<boolean>(storedElderly === '1')
  /** whether this device has an explicit choice (then it wins over the account's) */
  const localeChosen = ref(storedLocale !== null)
  const elderlyChosen = ref(storedElderly !== null)

  function apply(): void {
    applyLocale(locale.value)
    applyElderly(elderly.value)
  }

  function setLocale(l: AppLocale): void {
    locale.value = l
    localeChosen.value = true
    writeStorage(LOCALE_KEY, l)
    applyLocale(l)
  }

  function setElderly(on: boolean): void {
    elderly.value = on
    elderlyChosen.value = true
    writeStorage(ELDERLY_KEY, on ? '1' : '0')
    applyElderly(on)
  }

  /** Adopt the account's settings where this device has made no choice of its own. */
  function adoptFromAccount(acct: { locale?: string | null; elderly_mode?: boolean }): void {
    const l = normaliseLocale(acct.locale)
    if (!localeChosen.value && l) {
      locale.value = l
      applyLocale(l)
    }
    if (!elderlyChosen.value && typeof acct.elderly_mode === 'boolean') {
      elderly.value = acct.elderly_mode
      applyElderly(acct.elderly_mode)
    }
  }

  return { locale, elderly, apply, setLocale, setElderly, adoptFromAccount }
})
