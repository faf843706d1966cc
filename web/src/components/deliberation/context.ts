// What the deliberation page gives the posts and points below it: who is reading, what they
// may do, and the actions (each calls the API and updates the page).
import { inject, type ComputedRef, type InjectionKey } from 'vue'
import type { Deliberation, Point, Post } from '@/api/deliberation'
import type { ComposerInput, Mentionable } from './types'
import type { Thread } from './room'

export interface DelibContext {
  delib: ComputedRef<Deliberation>
  me: ComputedRef<number | null>
  mentionables: ComputedRef<Mentionable[]>
  threads: Map<number, Thread>
  /** the post to highlight (a link or a search hit) */
  highlight: ComputedRef<number | null>
  like(post: Post): Promise<void>
  reply(post: Post, input: ComposerInput): Promise<void>
  edit(post: Post, input: ComposerInput): Promise<void>
  remove(post: Post): Promise<void>
  report(post: Post): Promise<void>
  openThread(rootId: number, more?: boolean): Promise<void>
  closeThread(rootId: number): void
  accept(point: Point): Promise<void>
  askAgain(point: Point, body: string): Promise<void>
  claim(point: Point): Promise<void>
  answer(point: Point, input: ComposerInput): Promise<void>
}

export const DELIB_CONTEXT: InjectionKey<DelibContext> = Symbol('delib-context')

export function useDelibContext(): DelibContext {
  const ctx = inject(DELIB_CONTEXT)
  if (!ctx) throw new Error('deliberation context missing')
  return ctx
}
