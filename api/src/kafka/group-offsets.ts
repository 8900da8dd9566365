// What the api makes of a consumer group's offsets, apart from asking Kafka for them: tenants'
// short names, lag per partition, and where a reset moves each partition.

/** Offsets by topic, then partition. */
export type Offsets = Map<string, Map<number, bigint>>

export const groupStates = [
  'Stable',
  'Empty',
  'PreparingRebalance',
  'CompletingRebalance',
  'Assigning',
  'Reconciling',
  'Dead',
  'Unknown',
] as const
export type GroupState = (typeof groupStates)[number]

const statesByKey = new Map<string, GroupState>(
  groupStates.map((state) => [state.toLowerCase(), state]),
)

/** A group state as brokers spell it (`Stable`, `STABLE`, `PREPARING_REBALANCE`) in one spelling. */
export function groupStateOf(raw: string): GroupState {
  return statesByKey.get(raw.replaceAll('_', '').toLowerCase()) ?? 'Unknown'
}

/** The tenant's name of a Kafka name inside its cluster's prefix; undefined outside it. */
export function shortNameOf(prefix: string, kafkaName: string): string | undefined {
  if (!kafkaName.startsWith(prefix) || kafkaName.length === prefix.length) return undefined
  return kafkaName.slice(prefix.length)
}

/** Messages a group has yet to read: never negative (a reset may commit past the end). */
export function lagOf(committed: bigint | undefined, end: bigint | undefined): number | null {
  if (committed === undefined || end === undefined) return null
  return committed >= end ? 0 : Number(end - committed)
}

export interface PartitionRow {
  topic: string
  partition: number
  committedOffset: number | null
  endOffset: number | null
  lag: number | null
  memberId: string | null
}

/**
 * One row per partition the group committed an offset for or has a member assigned to, in
 * topic then partition order, with short topic names: partitions of topics outside `prefix`
 * are left out. A topic missing from `ends` (Kafka did not answer for it) has no lag.
 */
export function partitionRows(
  prefix: string,
  committed: Offsets,
  assigned: Map<string, Map<number, string>>,
  ends: Offsets,
): PartitionRow[] {
  const rows: PartitionRow[] = []
  for (const topic of [...new Set([...committed.keys(), ...assigned.keys()])].sort()) {
    const short = shortNameOf(prefix, topic)
    if (short === undefined) continue
    const partitions = new Set([
      ...(committed.get(topic)?.keys() ?? []),
      ...(assigned.get(topic)?.keys() ?? []),
    ])
    for (const partition of [...partitions].sort((a, b) => a - b)) {
      const offset = committed.get(topic)?.get(partition)
      const end = ends.get(topic)?.get(partition)
      rows.push({
        topic: short,
        partition,
        committedOffset: offset === undefined ? null : Number(offset),
        endOffset: end === undefined ? null : Number(end),
        lag: lagOf(offset, end),
        memberId: assigned.get(topic)?.get(partition) ?? null,
      })
    }
  }
  return rows
}

/** The sum of the rows' lag; null when any partition's lag is not known. */
export function totalLag(rows: readonly { lag: number | null }[]): number | null {
  let total = 0
  for (const { lag } of rows) {
    if (lag === null) return null
    total += lag
  }
  return total
}

export type ResetTarget =
  | { to: 'earliest' }
  | { to: 'latest' }
  | { to: 'timestamp'; timestamp: Date }
  | { to: 'offset'; offset: number }

/** What Kafka says of one partition, for a reset: its first and next offsets, and the first at a time. */
export interface PartitionBounds {
  earliest: bigint
  latest: bigint
  /** The first offset at or after the target's timestamp; -1 when every message is older. */
  atTimestamp?: bigint
}

/**
 * Where a reset moves a partition: as `kafka-consumer-groups --reset-offsets` does, a time
 * after the last message is the end, and an offset outside the log is brought into it.
 */
export function newOffset(target: ResetTarget, bounds: PartitionBounds): bigint {
  switch (target.to) {
    case 'earliest':
      return bounds.earliest
    case 'latest':
      return bounds.latest
    case 'timestamp':
      return bounds.atTimestamp === undefined || bounds.atTimestamp < 0n
        ? bounds.latest
        : bounds.atTimestamp
    case 'offset': {
      const wanted = BigInt(target.offset)
      if (wanted < bounds.earliest) return bounds.earliest
      return wanted > bounds.latest ? bounds.latest : wanted
    }
  }
}
