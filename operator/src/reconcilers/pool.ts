import { reasons } from '@fjord/contract/reasons'
import type { KafkaPool } from '@fjord/contract/types'
import { platformMechanism, tenantMechanism } from '../kafka/scram.ts'
import type { Reconcile } from '../kube/controller.ts'
import { failed, failureReason, type OperatorContext, ready, writeStatus } from './context.ts'
import type { ScramRepair } from './scram-repair.ts'

export const defaultPoolCheckMs = 30_000

export interface PoolReconcilerOptions {
  /** Finds the tenants' logins Kafka lost on each pass; none when undefined. */
  repair?: ScramRepair
  /**
   * How often each pool is checked again while nothing changes: its reachability and its
   * tenants' SCRAM logins. A broker restart while the operator runs is noticed by the next
   * check: a periodic one catches it whether or not anything reconnected (an idle operator
   * never does, and a restart of one broker leaves connections to the others up), for one
   * DescribeUserScramCredentials per broker and period.
   */
  checkEveryMs?: number
}

/**
 * Why a pool's admin mechanism is unsafe, or undefined: on the tenants' mechanism, a Kafka
 * restart can lose the admin's login with theirs (KAFKA-20774), and the operator with it.
 */
export function adminMechanismWarning(pool: KafkaPool): string | undefined {
  const mechanism = pool.spec.saslMechanism ?? platformMechanism
  if (mechanism !== tenantMechanism) return undefined
  return `its admin logs in with ${mechanism}, the mechanism of tenants' logins, which Kafka can lose all at once on a restart (KAFKA-20774), the admin's with them: give the admin a ${platformMechanism} credential and set spec.saslMechanism to ${platformMechanism}`
}

/** A pool is Ready when its admin user can log in and list topics. */
export function poolReconciler(
  ctx: OperatorContext,
  { repair, checkEveryMs = defaultPoolCheckMs }: PoolReconcilerOptions = {},
): Reconcile {
  return async (key) => {
    const pool = ctx.informers.pools.get(key)
    if (!pool || pool.metadata.deletionTimestamp) return
    let admin: Awaited<ReturnType<OperatorContext['kafka']['forPool']>>
    try {
      admin = await ctx.kafka.forPool(pool)
      await admin.listTopics()
      const clusters = ctx.informers.clusters
        .list()
        .filter((c) => c.status?.pool === pool.metadata.name).length
      const reachable = `reachable at ${pool.spec.bootstrapServers.join(',')}`
      const warning = adminMechanismWarning(pool)
      await writeStatus(
        ctx,
        pool,
        warning
          ? ready(`${reachable}; ${warning}`, reasons.AdminOnTenantMechanism)
          : ready(reachable),
        { clusters },
      )
    } catch (error) {
      failureReason('KafkaPool', error)
      await writeStatus(ctx, pool, failed(reasons.KafkaUnreachable, (error as Error).message))
      throw error
    }
    // A failed check is retried by the next one; it does not make the pool less usable.
    await repair?.check(pool, admin).catch((error: unknown) => {
      failureReason('KafkaPool', error)
      ctx.log.warn({ pool: pool.metadata.name, err: error }, 'SCRAM login check failed')
    })
    return { requeueAfterMs: checkEveryMs }
  }
}
