import type { KafkaCluster, KafkaPool, KafkaUser } from '@fjord/contract/types'
import type { KubeObject } from '@fjord/kube/client'
import type { Logger } from 'pino'
import type { KafkaAdmin } from '../kafka/admin.ts'
import { tenantMechanism } from '../kafka/scram.ts'

/**
 * Repair of the SCRAM logins Kafka loses (KAFKA-20774: a broker that starts from a metadata
 * log holding a credential removal can drop every credential of that mechanism). The admin
 * is on a mechanism of its own, so the operator still gets in; tenants' logins are put back
 * from their Secrets, level-triggered: each pool check compares what every broker holds with
 * what the KafkaUsers say they have, whatever made them go.
 */

/** A KafkaUser's login in Kafka: its key in the informer cache and its principal's name. */
export interface Login {
  key: string
  username: string
}

/** A login some brokers lack, with their ids. */
export interface MissingLogin extends Login {
  brokers: number[]
}

/**
 * The logins `pool` should hold, from the informer caches: every KafkaUser not being deleted,
 * on a cluster placed on the pool, whose status says the operator gave it a login (its
 * username and the resourceVersion of the Secret its password came from).
 */
export function desiredLogins(
  pool: string,
  clusters: Iterable<KafkaCluster>,
  users: Iterable<KafkaUser>,
): Login[] {
  const onPool = new Set<string>()
  for (const c of clusters) {
    if (c.status?.pool === pool) onPool.add(`${c.metadata.namespace}/${c.metadata.name}`)
  }
  const logins: Login[] = []
  for (const u of users) {
    const { namespace, name, deletionTimestamp } = u.metadata
    const username = u.status?.username
    if (deletionTimestamp || username === undefined) continue
    if (u.status?.secretResourceVersion === undefined) continue
    if (!onPool.has(`${namespace}/${u.spec.clusterRef.name}`)) continue
    logins.push({ key: `${namespace}/${name}`, username })
  }
  return logins
}

/**
 * missing = desired − reported, broker by broker: each broker checks logins against its own
 * metadata image, so a login one of them lacks is missing. With no broker's answer nothing
 * is missing: silence is not absence.
 */
export function planScramRepair(
  desired: readonly Login[],
  reported: ReadonlyMap<number, ReadonlySet<string>>,
): MissingLogin[] {
  const missing: MissingLogin[] = []
  for (const login of desired) {
    const brokers = [...reported]
      .filter(([, users]) => !users.has(login.username))
      .map(([id]) => id)
      .sort((a, b) => a - b)
    if (brokers.length > 0) missing.push({ ...login, brokers })
  }
  return missing
}

export interface ScramRepairOptions {
  informers: {
    clusters: { list(): (KafkaCluster & KubeObject)[] }
    users: { list(): (KafkaUser & KubeObject)[] }
  }
  /** Queues a KafkaUser's reconcile, which sets its login again from its Secret. */
  enqueueUser: (key: string) => void
  log: Logger
}

/**
 * Finds the logins a pool lost and hands each to its KafkaUser's reconcile, which sets it
 * again: the work queue never runs two passes of one user at once, so a repair cannot race
 * the user's deletion and bring back a login that was just revoked.
 */
export class ScramRepair {
  readonly #options: ScramRepairOptions
  /** KafkaUser keys whose login a check found missing, with the pool it was missing on. */
  readonly #lost = new Map<string, string>()

  constructor(options: ScramRepairOptions) {
    this.#options = options
  }

  /** Compares the logins every broker of `pool` holds with those it should; returns the missing. */
  async check(pool: KafkaPool & KubeObject, admin: KafkaAdmin): Promise<MissingLogin[]> {
    const { informers, enqueueUser, log } = this.#options
    // The caches first: a login they show was set before Kafka is asked, so Kafka must have it.
    const desired = desiredLogins(
      pool.metadata.name,
      informers.clusters.list(),
      informers.users.list(),
    )
    const { users, unreachable } = await admin.scramUsersByBroker(tenantMechanism)
    if (unreachable.length > 0) {
      log.warn(
        { pool: pool.metadata.name, brokers: unreachable },
        'brokers did not answer the SCRAM login check',
      )
    }
    const missing = planScramRepair(desired, users)
    if (missing.length > 0) {
      log.warn(
        { pool: pool.metadata.name, missing: missing.length, of: desired.length },
        'Kafka lost SCRAM logins; setting them again from their Secrets',
      )
    }
    for (const login of missing) {
      this.lost(login.key, pool.metadata.name)
      enqueueUser(login.key)
    }
    return missing
  }

  /** Marks a KafkaUser's login as missing on `pool`, for its next reconcile to set again. */
  lost(key: string, pool: string): void {
    this.#lost.set(key, pool)
  }

  /**
   * The pool a check found this KafkaUser's login missing on, unmarking it: a reconcile that
   * takes it sets the login again (and marks it anew if that fails); a check that finds it
   * missing meanwhile marks it for the next pass.
   */
  take(key: string): string | undefined {
    const pool = this.#lost.get(key)
    this.#lost.delete(key)
    return pool
  }

  /** The KafkaUser is gone or going: its login is not to come back. */
  forget(key: string): void {
    this.#lost.delete(key)
  }
}
