import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/**
 * The operator's own registry (not prom-client's global one), so that whatever else loads
 * prom-client in the process cannot collide with these names.
 */
export const registry = new Registry()
collectDefaultMetrics({ register: registry, prefix: 'fjord_operator_' })

export type ReconcileResult = 'success' | 'error' | 'requeue'

export const reconcilesTotal = new Counter({
  name: 'fjord_operator_reconciles_total',
  help: 'Reconcile passes by resource kind and result.',
  labelNames: ['kind', 'result'] as const,
  registers: [registry],
})

export const reconcileDuration = new Histogram({
  name: 'fjord_operator_reconcile_duration_seconds',
  help: 'Time one reconcile pass took, by resource kind.',
  labelNames: ['kind'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
})

/** Count a failed Kafka admin request here, labelled by operation (`createTopics`) and error code. */
export const kafkaAdminErrorsTotal = new Counter({
  name: 'fjord_operator_kafka_admin_errors_total',
  help: 'Kafka admin requests that failed, by operation and error.',
  labelNames: ['operation', 'error'] as const,
  registers: [registry],
})

/**
 * Logins Kafka had lost (KAFKA-20774) that a pool check found and the KafkaUser's reconcile
 * set again from its Secret.
 */
export const scramLoginsRepairedTotal = new Counter({
  name: 'fjord_operator_scram_logins_repaired_total',
  help: 'SCRAM logins Kafka had lost and the operator set again from their Secrets, by pool.',
  labelNames: ['pool'] as const,
  registers: [registry],
})

export const isLeader = new Gauge({
  name: 'fjord_operator_leader',
  help: '1 while this replica holds the leader lease.',
  registers: [registry],
})

const queues = new Map<string, { depth: number; activeCount: number; delayedCount: number }>()
const informers = new Map<string, { size: number; stats: { stalls: number; expired: number } }>()

/** Reports a controller's queue as gauges, read at scrape time. */
export function trackQueue(
  kind: string,
  queue: { depth: number; activeCount: number; delayedCount: number } | undefined,
): void {
  if (queue) queues.set(kind, queue)
  else queues.delete(kind)
}

export function trackInformer(
  kind: string,
  informer: { size: number; stats: { stalls: number; expired: number } },
): void {
  informers.set(kind, informer)
}

export const queueDepth = new Gauge({
  name: 'fjord_operator_queue_depth',
  help: 'Keys waiting in the work queue, by kind and state (ready, active, delayed).',
  labelNames: ['kind', 'state'] as const,
  registers: [registry],
  collect() {
    this.reset()
    for (const [kind, queue] of queues) {
      this.set({ kind, state: 'ready' }, queue.depth)
      this.set({ kind, state: 'active' }, queue.activeCount)
      this.set({ kind, state: 'delayed' }, queue.delayedCount)
    }
  },
})

export const cachedObjects = new Gauge({
  name: 'fjord_operator_cached_objects',
  help: 'Objects held in the informer cache, by kind.',
  labelNames: ['kind'] as const,
  registers: [registry],
  collect() {
    this.reset()
    for (const [kind, informer] of informers) this.set({ kind }, informer.size)
  },
})

export const watchRestarts = new Gauge({
  name: 'fjord_operator_watch_restarts',
  help: 'Watches restarted since start, by kind and reason (stalled, expired).',
  labelNames: ['kind', 'reason'] as const,
  registers: [registry],
  collect() {
    this.reset()
    for (const [kind, informer] of informers) {
      this.set({ kind, reason: 'stalled' }, informer.stats.stalls)
      this.set({ kind, reason: 'expired' }, informer.stats.expired)
    }
  },
})
