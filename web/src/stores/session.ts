// Who is logged in. The session itself is the HttpOnly cookie `sl_session`;
// this store only mirrors GET /api/v1/me.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, isApiError, type Me } from '@/api'
import { liveSocket } from '@/live/socket'
import { usePrefsStore } from './prefs'

const ADMIN_ROLES = new Set(['staff', 'admin'])

export const useSessionStore = defineStore('session', () => {
  const me = ref<Me | null>(null)
  const loaded = ref(false)
  let loading: Promise<Me | null> | null = null

  const loggedIn = computed(() => me.value !== null)
  const canAdmin = computed(
    () => !!me.value && (me.value.is_superadmin || me.value.memberships.some((m) => ADMIN_ROLES.has(m.role))),
  )
  /** organisations this person may administer through a staff/admin role */
  const adminOrgs = computed(() => {
    const seen = new Map<string, Me['memberships'][number]['org']>()
    for (const m of me.value?.memberships ?? []) {
      if (ADMIN_ROLES.has(m.role) && !seen.has(String(m.org.id))) seen.set(String(m.org.id), m.org)
    }
    return [...seen.values()]
  })

  function set(person: Me | null): void {
    const changed = loaded.value && (me.value?.id ?? null) !== (person?.id ?? null)
    me.value = person
    loaded.value = true
    if (person) usePrefsStore().adoptFromAccount(person)
    // The live socket authenticated as whoever was here before: let it reconnect.
    if (changed) liveSocket().sessionChanged()
  }

  async function refresh(): Promise<Me | null> {
    try {
      set(await api.me.get())
    } catch (e) {
      if (isApiError(e) && (e.status === 401 || e.status === 403)) set(null)
      else {
        loaded.value = true
        throw e
      }
    }
    return me.value
  }

  /** Load /me once; later calls share the first answer. */
  function ensureLoaded(): Promise<Me | null> {
    if (loaded.value) return Promise.resolve(me.value)
    if (!loading) loading = refresh().finally(() => (loading = null))
    return loading
  }

  async function login(login: string, password: string): Promise<Me> {
    const { person } = await api.auth.login(login, password)
    set(person)
    return person
  }

  async function register(input: { mobile: string; code: string; password: string; display_name: string }) {
    const { person } = await api.auth.register(input)
    set(person)
    return person
  }

  async function logout(): Promise<void> {
    try {
      await api.auth.logout()
    } finally {
      set(null)
    }
  }

  async function update(patch: { display_name?: string; locale?: string; elderly_mode?: boolean }): Promise<Me> {
    const person = await api.me.update(patch)
    if (person && typeof person === 'object' && 'id' in person) me.value = person
    return me.value as Me
  }

  /** Forget the session locally (after a 401 from some other call). */
  function clear(): void {
    set(null)
  }

  return { me, loaded, loggedIn, canAdmin, adminOrgs, ensureLoaded, refresh, login, register, logout, update, clear }
})
