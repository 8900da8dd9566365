import { and, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm'
import type { Db, Executor } from '../db/client.ts'
import { topics, usageRollups, usageSamples } from '../db/schema/index.ts'
import {
  clusterIncrements,
  correctionPoint,
  type IgnoredReason,
  type IncomingSample,
  type KnownTopic,
  planSamples,
  type RollupIncrement,
  rollupIncrements,
  type Usage,
} from './rollup.ts'

export interface RecordResult {
  stored: number
  ignored: { id: string; reason: IgnoredReason }[]
}

// The row an upsert tried to insert; its columns by their SQL names.
const excluded = (column: 'partitions' | 'storage_bytes' | 'messages_in') =>
  sql.raw(`excluded.${column}`)

/**
 * Locks the batch's topics until the transaction ends, so one topic's samples are recorded
 * one batch after the other, then reads what the batch is checked against (see KnownTopic).
 * Separate statements: each sees what a batch that held a lock before us committed.
 */
async function lockedTopics(
  tx: Executor,
  samples: IncomingSample[],
): Promise<Map<string, KnownTopic>> {
  const ids = [...new Set(samples.map((sample) => sample.topicId))]
  const oldest = new Date(Math.min(...samples.map((sample) => sample.sampledAt.getTime())))
  await tx
    .select({ id: topics.id })
    .from(topics)
    .where(inArray(topics.id, ids))
    .orderBy(topics.id)
    .for('no key update')
  const before = tx
    .select({ endOffsets: usageSamples.endOffsets })
    .from(usageSamples)
    .where(
      and(
        eq(usageSamples.clusterId, topics.clusterId),
        eq(usageSamples.topicId, topics.id),
        lt(usageSamples.sampledAt, oldest),
      ),
    )
    .orderBy(desc(usageSamples.sampledAt))
    .limit(1)
    .as('before')
  const rows = await tx
    .select({
      id: topics.id,
      orgId: topics.orgId,
      clusterId: topics.clusterId,
      endOffsetsBefore: before.endOffsets,
    })
    .from(topics)
    .leftJoinLateral(before, sql`true`)
    .where(inArray(topics.id, ids))
  const since = await tx
    .select({
      topicId: usageSamples.topicId,
      rowId: usageSamples.id,
      sampledAt: usageSamples.sampledAt,
      endOffsets: usageSamples.endOffsets,
      messagesIn: usageSamples.messagesIn,
    })
    .from(usageSamples)
    .where(
      and(
        inArray(usageSamples.clusterId, [...new Set(rows.map((row) => row.clusterId))]),
        inArray(usageSamples.topicId, ids),
        gte(usageSamples.sampledAt, oldest),
      ),
    )
  return new Map(
    rows.map(({ id, orgId, clusterId, endOffsetsBefore }) => [
      id,
      {
        orgId,
        clusterId,
        endOffsetsBefore,
        since: since.filter((stored) => stored.topicId === id),
      },
    ]),
  )
}

async function storedIds(tx: Executor, ids: string[]): Promise<Set<string>> {
  const rows = await tx
    .select({ id: usageSamples.sampleId })
    .from(usageSamples)
    .where(inArray(usageSamples.sampleId, ids))
  return new Set(rows.map((row) => row.id ?? ''))
}

/** Adds topic points to their cluster-wide rows; answers those rows' new totals. */
async function addToClusterRows(
  tx: Executor,
  points: ({ orgId: string; clusterId: string; sampledAt: Date } & Usage)[],
) {
  const increments = clusterIncrements(points)
  if (increments.length === 0) return []
  const totals = await tx
    .insert(usageSamples)
    .values(increments.map((increment) => ({ ...increment, topicId: null })))
    .onConflictDoUpdate({
      target: [usageSamples.clusterId, usageSamples.topicId, usageSamples.sampledAt],
      set: {
        partitions: sql`${usageSamples.partitions} + ${excluded('partitions')}`,
        storageBytes: sql`${usageSamples.storageBytes} + ${excluded('storage_bytes')}`,
        messagesIn: sql`${usageSamples.messagesIn} + ${excluded('messages_in')}`,
      },
    })
    .returning({
      clusterId: usageSamples.clusterId,
      sampledAt: usageSamples.sampledAt,
      partitions: usageSamples.partitions,
      storageBytes: usageSamples.storageBytes,
    })
  // Gauges are the row's totals so far; the counter is what this batch added to it.
  return increments.map((increment) => {
    const total = totals.find(
      (row) =>
        row.clusterId === increment.clusterId &&
        row.sampledAt.getTime() === increment.sampledAt.getTime(),
    )
    return { ...increment, ...total, topicId: null, messagesIn: increment.messagesIn }
  })
}

async function addToRollups(tx: Executor, increments: RollupIncrement[]) {
  if (increments.length === 0) return
  await tx
    .insert(usageRollups)
    .values(increments)
    .onConflictDoUpdate({
      target: [
        usageRollups.clusterId,
        usageRollups.topicId,
        usageRollups.granularity,
        usageRollups.bucketStart,
      ],
      set: {
        messagesIn: sql`${usageRollups.messagesIn} + ${excluded('messages_in')}`,
        partitions: sql`greatest(${usageRollups.partitions}, ${excluded('partitions')})`,
        storageBytes: sql`greatest(${usageRollups.storageBytes}, ${excluded('storage_bytes')})`,
      },
    })
}

/**
 * Stores a batch of topic samples once, whatever number of times it is sent, and in the
 * same transaction adds them to the cluster-wide rows and to the hourly and daily rollups,
 * so every rollup is exactly what its samples say.
 */
export async function recordSamples(db: Db, samples: IncomingSample[]): Promise<RecordResult> {
  return db.transaction(async (tx) => {
    const known = await lockedTopics(tx, samples)
    const ids = await storedIds(
      tx,
      samples.map((sample) => sample.id),
    )
    const { rows, corrections, ignored } = planSamples(samples, known, ids)
    // The locks and the checks above leave nothing to conflict; the constraint is the backstop.
    const inserted =
      rows.length === 0
        ? []
        : await tx
            .insert(usageSamples)
            .values(rows.map(({ id, ...row }) => ({ ...row, sampleId: id })))
            .onConflictDoNothing()
            .returning({ id: usageSamples.sampleId })
    const stored = new Set(inserted.map((row) => row.id))
    const storedRows = rows.filter((row) => stored.has(row.id))
    for (const correction of corrections) {
      await tx
        .update(usageSamples)
        .set({ messagesIn: sql`${usageSamples.messagesIn} + ${correction.messagesIn}` })
        .where(eq(usageSamples.id, correction.rowId))
    }
    const topicPoints = [...storedRows, ...corrections.map(correctionPoint)]
    const clusterPoints = await addToClusterRows(tx, topicPoints)
    await addToRollups(tx, rollupIncrements([...topicPoints, ...clusterPoints]))
    return {
      stored: storedRows.length,
      ignored: [
        ...ignored,
        ...rows
          .filter((row) => !stored.has(row.id))
          .map((row) => ({ id: row.id, reason: 'duplicate' as const })),
      ],
    }
  })
}
