// Notification settings (which kinds reach one by SMS and e-mail, quiet hours) and the delivery
// record of one's notifications: /api/v1/me/notification-settings, /api/v1/inbox/{id}/deliveries.
import { http } from './http'

export type NotificationChannel = 'inbox' | 'sms' | 'email'

export interface NotificationKindSetting {
  kind: string
  urgent: boolean
  channels: NotificationChannel[]
  default_channels: NotificationChannel[]
}

export interface NotificationSettings {
  email: string
  has_mobile: boolean
  /** "HH:MM-HH:MM" local time, or "" for none */
  quiet_hours: string
  quiet_hours_default: boolean
  utc_offset_minutes: number
  channels_available: Record<NotificationChannel, boolean>
  kinds: NotificationKindSetting[]
}

export interface NotificationSettingsPatch {
  email?: string
  /** "" = none, null = the platform's default */
  quiet_hours?: string | null
  channels?: Record<string, NotificationChannel[]>
}

export interface DeliveryAttempt {
  attempt: number
  started_at: string
  finished_at: string | null
  outcome: 'started' | 'sent' | 'retry' | 'failed' | 'lost'
  detail: string
}

export interface Delivery {
  id: number
  channel: NotificationChannel
  state: 'pending' | 'sending' | 'sent' | 'failed'
  attempts: number
  next_attempt_at: string | null
  created_at: string
  finished_at: string | null
  last_error: string
  attempt_log: DeliveryAttempt[]
}

export const notifyApi = {
  settings: () => http.get<NotificationSettings>('/me/notification-settings'),
  updateSettings: (patch: NotificationSettingsPatch) => http.patch<NotificationSettings>('/me/notification-settings', patch),
  deliveries: (notificationId: number | string) =>
    http.get<{ items: Delivery[] }>(`/inbox/${encodeURIComponent(String(notificationId))}/deliveries`),
}
