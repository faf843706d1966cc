// Shapes shared by the deliberation components.

/** What a composer hands to whoever sends it. */
export interface ComposerInput {
  title: string
  body: string
  subtopic_id: number | null
  attachment_ids: number[]
}

/** Someone or a department that can be @mentioned in a deliberation. */
export interface Mentionable {
  kind: 'person' | 'org'
  id: number
  name: string
}
