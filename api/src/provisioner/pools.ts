import { labels, managedBy } from '@fjord/contract/metadata'
import { poolAdminSecretName } from '@fjord/contract/naming'
import { KafkaPools } from '@fjord/contract/resources'
import type { KafkaPool } from '@fjord/contract/types'
import { getObject, listObjects } from '@fjord/kube/apply'
import type { KubeClient, KubeObject } from '@fjord/kube/client'
import { Secrets } from '@fjord/kube/resources'
import { eq, isNotNull, sum } from 'drizzle-orm'
import type { Config } from '../config.ts'
import type { Db } from '../db/client.ts'
import { clusters, topics } from '../db/schema/index.ts'
import type { PoolSpec } from '../resources/pools.ts'
import {
  ensureSystemNamespace,
  keepingOthers,
  NotCreatedByFjord,
  ownedByPlatform,
  writeOwned,
} from './ownership.ts'
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

/**
 * Registers a pool, or brings it up to date: its admin credentials in a Secret of the system
 * namespace, and the KafkaPool. A KafkaPool or Secret of that name that Fjord did not make is
 * refused (NotCreatedByFjord) and left as it is. Kubernetes' own errors are thrown as they are.
 */
export async function registerPool(
  kube: KubeClient,
  config: Pick<Config, 'systemNamespace' | 'resourceLabels'>,
  name: string,
  spec: PoolSpec,
): Promise<Pool> {
  const namespace = config.systemNamespace
  const secret = poolAdminSecretName(name)
  const owned = { [labels.managedBy]: managedBy, [labels.pool]: name }
  // Checked before its Secret is written, so that a refused pool changes nothing.
  const existing = await getObject(kube, KafkaPools, name)
  if (existing && !ownedByPlatform(existing)) throw new NotCreatedByFjord('KafkaPool', name)
  await ensureSystemNamespace(kube, namespace)
  await writeOwned(
    kube,
    Secrets,
    { metadata: { name: secret, namespace, labels: owned }, stringData: spec.admin },
    ownedByPlatform,
  )
  return writeOwned<Pool>(
    kube,
    KafkaPools,
    {
      // The api's own labels, so that its operator (--selector) and its placement see it.
      metadata: { name, labels: { ...config.resourceLabels, ...owned } },
      spec: {
        bootstrapServers: spec.bootstrapServers,
        securityProtocol: spec.securityProtocol,
        saslMechanism: spec.saslMechanism,
        adminCredentialsSecretRef: { name: secret, namespace },
        capacity: { maxPartitions: spec.maxPartitions },
        ...(spec.region ? { region: spec.region } : {}),
      },
    },
    ownedByPlatform,
    { keep: keepingOthers },
  )
}
