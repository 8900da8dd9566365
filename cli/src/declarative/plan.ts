// A plan: what `fjord apply` would change so that the org matches the file, as terraform's.

export type Kind = 'cluster' | 'topic' | 'serviceAccount'
export type Action = 'create' | 'update' | 'delete'
export type Value = string | number | null

/** One field that changes; `from` is null for a field that is added, `to` for one removed. */
export interface FieldChange {
  field: string
  from: Value
  to: Value
}

export interface PlanEntry {
  kind: Kind
  /** The cluster a topic or service account is in; null for a cluster. */
  cluster: string | null
  name: string
  action: Action
  changes: FieldChange[]
}

/** Something that exists but that the file does not list: only `--prune` deletes it. */
export interface Unmanaged {
  kind: Kind
  cluster: string | null
  name: string
}

export interface Plan {
  org: string
  prune: boolean
  /** In the order they are shown: each cluster, then its topics, then its service accounts. */
  entries: PlanEntry[]
  /** How many of what the file lists already match it. */
  unchanged: number
  unmanaged: Unmanaged[]
}

export interface Summary {
  add: number
  change: number
  destroy: number
  unchanged: number
}

export function summaryOf(plan: Plan): Summary {
  const count = (action: Action) => plan.entries.filter((entry) => entry.action === action).length
  return {
    add: count('create'),
    change: count('update'),
    destroy: count('delete'),
    unchanged: plan.unchanged,
  }
}

export const hasChanges = (plan: Plan): boolean => plan.entries.length > 0

/** How a plan names an item: `cluster main`, `topic main/orders`. */
export function addressOf(item: { kind: Kind; cluster: string | null; name: string }): string {
  const noun = { cluster: 'cluster', topic: 'topic', serviceAccount: 'service account' }[item.kind]
  return item.cluster === null ? `${noun} ${item.name}` : `${noun} ${item.cluster}/${item.name}`
}
