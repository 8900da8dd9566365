import { retentionOf } from './format.ts'
import type { Topic } from './queries.ts'

/** One line of the topics table, worked out once per answer rather than once per render. */
export interface TopicRow {
  name: string
  /** The name in lower case, to search without allocating per keystroke. */
  key: string
  partitions: number
  replicationFactor: number
  retention: string
  retentionMs: number
  phase: string
}

export const sortKeys = ['name', 'partitions', 'replication', 'retention', 'status'] as const
export type SortKey = (typeof sortKeys)[number]

export function toRow(topic: Topic): TopicRow {
  const retention = retentionOf(topic.config)
  return {
    name: topic.name,
    key: topic.name.toLowerCase(),
    partitions: topic.partitions,
    replicationFactor: topic.replicationFactor,
    retention: retention.text,
    retentionMs: retention.ms,
    phase: topic.status.phase,
  }
}

const byName = (a: TopicRow, b: TopicRow) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

// Each column's own order; ties go by name, ascending whichever way the column goes.
const primary: Record<SortKey, (a: TopicRow, b: TopicRow) => number> = {
  name: byName,
  partitions: (a, b) => a.partitions - b.partitions,
  replication: (a, b) => a.replicationFactor - b.replicationFactor,
  retention: (a, b) => a.retentionMs - b.retentionMs,
  status: (a, b) => (a.phase < b.phase ? -1 : a.phase > b.phase ? 1 : 0),
}

/** The rows in the order asked; called when the rows or the order change, not per keystroke. */
export function sortRows(
  rows: readonly TopicRow[],
  sort: SortKey,
  descending: boolean,
): readonly TopicRow[] {
  const column = primary[sort]
  const sign = descending ? -1 : 1
  const compare = (a: TopicRow, b: TopicRow) => sign * column(a, b) || byName(a, b)
  // The API answers by name already: most of the time there is nothing to sort.
  if (rows.every((row, i) => i === 0 || compare(rows[i - 1] as TopicRow, row) <= 0)) return rows
  return [...rows].sort(compare)
}

/** The rows whose name contains every word of `query`, in any case, in their order. */
export function filterRows(rows: readonly TopicRow[], query: string): readonly TopicRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  if (words.length === 0) return rows
  return rows.filter((row) => words.every((word) => row.key.includes(word)))
}
