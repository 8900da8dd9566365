/**
 * The arithmetic of metering, free of the database: which samples to keep, how many
 * messages each one counts, and what it adds to the cluster-wide rows and the rollups.
 */

export type Granularity = 'hour' | 'day'
export const granularities: Granularity[] = ['hour', 'day']

/** One topic's usage as the operator measured it. */
export interface IncomingSample {
  id: string
  orgId: string
  clusterId: string
  topicId: string
  sampledAt: Date
  partitions: number
  storageBytes: number
  /** The sum of the topic's partition end offsets: every message ever written to it. */
  endOffsets: number
}

/** A topic sample the api already holds. */
export interface StoredSample {
  rowId: number
  sampledAt: Date
  endOffsets: number | null
  messagesIn: number
}

/** What the api knows of a topic a sample names. */
export interface KnownTopic {
  orgId: string
  clusterId: string
  /** The end offsets of its latest sample before the batch's oldest; null without one. */
  endOffsetsBefore: number | null
  /** Its samples from the batch's oldest time on: none, unless samples came out of order. */
  since: StoredSample[]
}

export type IgnoredReason = 'duplicate' | 'unknown_topic'

export interface SampleRow extends IncomingSample {
  messagesIn: number
}

/** A stored sample whose messages in change by `messagesIn`: a late sample came before it. */
export interface Correction {
  rowId: number
  orgId: string
  clusterId: string
  topicId: string
  sampledAt: Date
  messagesIn: number
}

/** The gauges and the counter of one row; what a cluster-wide row or a rollup is made of. */
export interface Usage {
  partitions: number
  storageBytes: number
  messagesIn: number
}

/**
 * Messages written between two readings of a topic's end offsets. Offsets only grow, so a
 * lower reading means the topic was deleted and made again: its messages count from zero.
 */
export function messagesSince(previous: number | null | undefined, endOffsets: number): number {
  if (previous === null || previous === undefined || endOffsets < previous) return endOffsets
  return endOffsets - previous
}

/**
 * Sorts a batch into rows to store and samples to ignore: a known id, or a topic and time
 * already sampled (`duplicate`), or a topic the api does not have in that org and cluster
 * (`unknown_topic`). Each sample counts the messages since the topic's sample before it in
 * time, whenever it arrives: a late one takes its share from the sample after it, which is
 * corrected. So the result depends on which samples arrived, never on their order.
 */
export function planSamples(
  samples: IncomingSample[],
  known: ReadonlyMap<string, KnownTopic>,
  storedIds: ReadonlySet<string>,
): {
  rows: SampleRow[]
  corrections: Correction[]
  ignored: { id: string; reason: IgnoredReason }[]
} {
  const ignored: { id: string; reason: IgnoredReason }[] = []
  const seen = new Set(storedIds)
  const accepted = new Map<string, IncomingSample[]>()
  for (const sample of samples) {
    const topic = known.get(sample.topicId)
    const taken = [...(topic?.since ?? []), ...(accepted.get(sample.topicId) ?? [])]
    if (
      seen.has(sample.id) ||
      taken.some((s) => s.sampledAt.getTime() === sample.sampledAt.getTime())
    ) {
      ignored.push({ id: sample.id, reason: 'duplicate' })
    } else if (!topic || topic.orgId !== sample.orgId || topic.clusterId !== sample.clusterId) {
      ignored.push({ id: sample.id, reason: 'unknown_topic' })
    } else {
      accepted.set(sample.topicId, [...(accepted.get(sample.topicId) ?? []), sample])
    }
    seen.add(sample.id)
  }
  const rows: SampleRow[] = []
  const corrections: Correction[] = []
  for (const [topicId, incoming] of accepted) {
    const { orgId, clusterId, endOffsetsBefore, since } = known.get(topicId) as KnownTopic
    const timeline: ({ stored: StoredSample } | { sample: IncomingSample })[] = [
      ...since.map((stored) => ({ stored })),
      ...incoming.map((sample) => ({ sample })),
    ]
    const timeOf = (entry: (typeof timeline)[number]) =>
      ('stored' in entry ? entry.stored : entry.sample).sampledAt.getTime()
    let previous = endOffsetsBefore
    for (const entry of timeline.sort((a, b) => timeOf(a) - timeOf(b))) {
      if ('sample' in entry) {
        const { sample } = entry
        rows.push({ ...sample, messagesIn: messagesSince(previous, sample.endOffsets) })
        previous = sample.endOffsets
      } else if (entry.stored.endOffsets !== null) {
        const { rowId, sampledAt, endOffsets, messagesIn } = entry.stored
        const change = messagesSince(previous, endOffsets) - messagesIn
        if (change !== 0) {
          corrections.push({ rowId, orgId, clusterId, topicId, sampledAt, messagesIn: change })
        }
        previous = endOffsets
      }
    }
  }
  return { rows, corrections, ignored }
}

export function bucketStart(time: Date, granularity: Granularity): Date {
  const start = new Date(time)
  start.setUTCMinutes(0, 0, 0)
  if (granularity === 'day') start.setUTCHours(0)
  return start
}

/** What stored topic rows (or corrections) add to the cluster-wide row of their time. */
export function clusterIncrements(
  points: ({ orgId: string; clusterId: string; sampledAt: Date } & Usage)[],
) {
  const sums = new Map<string, { orgId: string; clusterId: string; sampledAt: Date } & Usage>()
  for (const point of points) {
    const key = `${point.clusterId}/${point.sampledAt.toISOString()}`
    const sum = sums.get(key) ?? {
      orgId: point.orgId,
      clusterId: point.clusterId,
      sampledAt: point.sampledAt,
      partitions: 0,
      storageBytes: 0,
      messagesIn: 0,
    }
    sum.partitions += point.partitions
    sum.storageBytes += point.storageBytes
    sum.messagesIn += point.messagesIn
    sums.set(key, sum)
  }
  return [...sums.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, sum]) => sum)
}

/** A correction as a point that changes messages in and leaves the gauges be. */
export const correctionPoint = (correction: Correction) => ({
  ...correction,
  partitions: 0,
  storageBytes: 0,
})

export interface RollupIncrement extends Usage {
  orgId: string
  clusterId: string
  topicId: string | null
  granularity: Granularity
  bucketStart: Date
}

/**
 * Folds points (a topic's samples, or cluster-wide rows with their totals so far) into one
 * increment per rollup row: messages in add up, gauges keep the highest value of the bucket.
 * `messagesIn` of a point is what it adds now, not its total. Sorted, so concurrent writers
 * lock rollup rows in one order.
 */
export function rollupIncrements(
  points: ({ orgId: string; clusterId: string; topicId: string | null; sampledAt: Date } & Usage)[],
): RollupIncrement[] {
  const increments = new Map<string, RollupIncrement>()
  for (const point of points) {
    for (const granularity of granularities) {
      const start = bucketStart(point.sampledAt, granularity)
      const key = `${point.clusterId}/${point.topicId ?? ''}/${granularity}/${start.toISOString()}`
      const increment = increments.get(key)
      if (increment) {
        increment.messagesIn += point.messagesIn
        increment.partitions = Math.max(increment.partitions, point.partitions)
        increment.storageBytes = Math.max(increment.storageBytes, point.storageBytes)
      } else {
        increments.set(key, {
          orgId: point.orgId,
          clusterId: point.clusterId,
          topicId: point.topicId,
          granularity,
          bucketStart: start,
          partitions: point.partitions,
          storageBytes: point.storageBytes,
          messagesIn: point.messagesIn,
        })
      }
    }
  }
  return [...increments.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, inc]) => inc)
}
