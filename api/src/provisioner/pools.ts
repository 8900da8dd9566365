import { KafkaPools } from '@fjord/contract/resources'
import type { KafkaPool } from '@fjord/contract/types'
import { listObjects } from '@fjord/kube/apply'
import type { KubeClient, KubeObject } from '@fjord/kube/client'
import { eq, isNotNull, sum } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { clusters, topics } from '../db/schema/index.ts'
import { selectorOf } from './resources.ts'

export type Pool = KafkaPool & KubeObject

/** Partitions of the topics on each pool's clusters, as Postgres knows them. */
export async function partitionsByPool(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .select({ pool: clusters.pool, partitions: sum(topics.partitions).mapWith(Number) })
    .from(topics)
    .innerJoin(clusters, eq(clusters.id, topics.clusterId))
    .where(isNotNull(clusters.pool))
    .groupBy(clusters.pool)
  return new Map(rows.map((row) => [row.pool ?? '', row.partitions]))
}

/** Room left on a pool: its capacity less the partitions placed on it. */
export function roomOf(pool: Pool, usedPartitions: number): number {
  return pool.spec.capacity.maxPartitions - usedPartitions
}

/**
 * The pool a new shared cluster goes on: a Ready pool of its region before one without a
 * region (which takes any), and among those the one with the most room left; undefined
 * when none has room.
 */
export async function choosePool(
  db: Db,
  kube: KubeClient,
  region: string,
  resourceLabels: Record<string, string> = {},
): Promise<string | undefined> {
  const pools = await listObjects<Pool>(kube, KafkaPools, {
    labelSelector: selectorOf(resourceLabels),
  })
  const used = await partitionsByPool(db)
  const room = (pool: Pool) => roomOf(pool, used.get(pool.metadata.name) ?? 0)
  const [best] = pools
    .filter(
      (pool) =>
        pool.status?.phase === 'Ready' &&
        (pool.spec.region === undefined || pool.spec.region === region) &&
        room(pool) > 0,
    )
    .sort(
      (a, b) =>
        Number(b.spec.region === region) - Number(a.spec.region === region) || room(b) - room(a),
    )
  return best?.metadata.name
}

/** Pools with the room left on each, for the platform admin. */
export async function describePools(db: Db, kube: KubeClient) {
  const pools = await listObjects<Pool>(kube, KafkaPools)
  const used = await partitionsByPool(db)
  return pools.map((pool) => ({ pool, usedPartitions: used.get(pool.metadata.name) ?? 0 }))
}
