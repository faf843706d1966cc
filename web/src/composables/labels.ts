import { useI18n } from 'vue-i18n'

/** Labels for enum values the API sends (level, kind, role), falling back to the raw value. */
export function useLabels() {
  const { t, te } = useI18n()
  const pick = (prefix: string, v: string | null | undefined) =>
    !v ? '' : te(`${prefix}.${v}`) ? t(`${prefix}.${v}`) : v
  return {
    level: (v?: string | null) => pick('levels', v),
    kind: (v?: string | null) => pick('kinds', v),
    role: (v?: string | null, serverLabel?: string) => serverLabel || pick('roles', v),
  }
}
