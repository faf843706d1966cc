import { createI18n } from 'vue-i18n'
import { Locale as VantLocale } from 'vant'
import vantZhCN from 'vant/es/locale/lang/zh-CN'
import vantZhTW from 'vant/es/locale/lang/zh-TW'
import vantEnUS from 'vant/es/locale/lang/en-US'
import zhCN, { type Messages } from './locales/zh-CN'
import zhTW from './locales/zh-TW'
import en from './locales/en'

export const LOCALES = ['zh-CN', 'zh-TW', 'en'] as const
export type AppLocale = (typeof LOCALES)[number]

export function isAppLocale(v: unknown): v is AppLocale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v)
}

/** Map anything the server or browser says (zh, zh-Hant, en-GB …) to one of ours. */
export function normaliseLocale(v: string | null | undefined): AppLocale | null {
  if (!v) return null
  const s = v.toLowerCase()
  if (s.startsWith('en')) return 'en'
  if (s === 'zh-tw' || s === 'zh-hk' || s === 'zh-mo' || s.startsWith('zh-hant')) return 'zh-TW'
  if (s.startsWith('zh')) return 'zh-CN'
  return null
}

export const i18n = createI18n<[Messages], AppLocale, false>({
  legacy: false,
  locale: 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, 'zh-TW': zhTW, en },
  missingWarn: import.meta.env.DEV,
  fallbackWarn: false,
})

const vantMessages = { 'zh-CN': vantZhCN, 'zh-TW': vantZhTW, en: vantEnUS }

/** Switch the whole UI: vue-i18n, Vant's own strings, <html lang> and the title. */
export function applyLocale(locale: AppLocale): void {
  i18n.global.locale.value = locale
  VantLocale.use(locale === 'en' ? 'en-US' : locale, vantMessages[locale])
  document.documentElement.lang = locale
}
