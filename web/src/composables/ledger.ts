import { useI18n } from 'vue-i18n'
import type { VerifyResult, VerifyStep } from '@/ledger/verify'

/** "2026-11-22 10:02" in the viewer's time zone (the ledger stores UTC ISO-8601). */
export function formatLedgerTime(iso: string | undefined | null): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}

/** Plain words for ledger objects, actions, verification steps and results. */
export function useLedgerText() {
  const { t, te } = useI18n()

  const objectLabel = (object: string) => {
    const [type, id] = object.split('/')
    const name = te(`ledger.objects.${type}`) ? t(`ledger.objects.${type}`) : type
    return id ? t('ledger.record', { type: name, id }) : name
  }
  const actionLabel = (action: string) => (te(`ledger.actions.${action}`) ? t(`ledger.actions.${action}`) : action)
  const reasonText = (code: string | undefined) =>
    te(`ledger.reasons.${code}`) ? t(`ledger.reasons.${code}`) : t('ledger.reasons.error')
  /** Why content was removed (right_to_deletion, moderation …), in words. */
  const erasureReason = (code: string) =>
    te(`ledger.erasureReasons.${code}`) ? t(`ledger.erasureReasons.${code}`) : code

  const stepText = (s: VerifyStep) => {
    const params: Record<string, string | number> = { ...s.params }
    if (s.code === 'action') {
      params.action = actionLabel(String(s.params.action))
      params.time = formatLedgerTime(String(s.params.at))
    }
    if (s.code === 'erased') {
      params.time = formatLedgerTime(String(s.params.at))
      params.reason = erasureReason(String(s.params.reason))
    }
    return t(`ledger.steps.${s.code}.${s.ok ? 'ok' : 'bad'}`, params)
  }

  const summary = (r: VerifyResult) => {
    const time = formatLedgerTime(r.entry?.at)
    switch (r.status) {
      case 'ok':
        // an erasure entry (checked from the record, or as one entry of the list)
        if (r.erased) return t('ledger.okErased', { time: formatLedgerTime(r.erased.at), seq: r.erased.seq })
        if (r.entry?.action.endsWith('.erased')) return t('ledger.okErased', { time, seq: r.seq ?? '' })
        return t(r.contentChecked ? 'ledger.okContent' : 'ledger.ok', { time, seq: r.seq ?? '' })
      case 'pending':
        return t('ledger.pending', { time, seq: r.seq ?? '' })
      case 'none':
        return t('ledger.none')
      case 'failed':
        return t('ledger.failed', { reason: reasonText(r.reason) })
      default:
        return t('ledger.error', { reason: reasonText(r.reason) })
    }
  }

  return { objectLabel, actionLabel, reasonText, erasureReason, stepText, summary }
}
