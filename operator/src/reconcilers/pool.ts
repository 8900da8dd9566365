import type { Reconcile } from '../kube/controller.ts'
import { failed, failureReason, type OperatorContext, ready, writeStatus } from './context.ts'

/** How often a pool's reachability is checked again while nothing changes. */
const healthCheckMs = 60_000

/** A pool is Ready when its admin user can log in and list topics. */
export function poolReconciler(ctx: OperatorContext): Reconcile {
  return async (key) => {
    const pool = ctx.informers.pools.get(key)
    if (!pool || pool.metadata.deletionTimestamp) return
    try {
      const admin = await ctx.kafka.forPool(pool)
      await admin.listTopics()
      const clusters = ctx.informers.clusters
        .list()
        .filter((c) => c.status?.pool === pool.metadata.name).length
      await writeStatus(ctx, pool, ready(`reachable at ${pool.spec.bootstrapServers.join(',')}`), {
        clusters,
      })
    } catch (error) {
      failureReason('KafkaPool', error)
      await writeStatus(ctx, pool, failed('KafkaUnreachable', (error as Error).message))
      throw error
    }
    return { requeueAfterMs: healthCheckMs }
  }
}
