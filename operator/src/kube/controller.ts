import type { KubeObject } from '@fjord/kube/client'
import { isConflict } from '@fjord/kube/errors'
import type { Informer } from '@fjord/kube/informer'
import { objectKey } from '@fjord/kube/informer'
import { type HandlerResult, WorkQueue } from '@fjord/kube/queue'
import type { Logger } from 'pino'
import { reconcileDuration, reconcilesTotal, trackInformer, trackQueue } from './metrics.ts'

export type Reconcile = (key: string, signal: AbortSignal) => Promise<HandlerResult>

export interface ControllerOptions<T extends KubeObject> {
  /** The resource kind, used as a metrics label and in logs. */
  kind: string
  informer: Informer<T>
  reconcile: Reconcile
  concurrency?: number
  baseDelayMs?: number
  maxDelayMs?: number
  retryRateLimit?: { perSecond: number; burst: number }
  /** Every cached key is reconciled again this often, to repair drift made behind our back. */
  resyncPeriodMs?: number
  /** Whether an update event needs a reconcile; the default skips status-only updates. */
  shouldReconcileUpdate?: (object: T, old: T) => boolean
  /** The controller logs through a child of this one, bound to `controller: kind`. */
  log: Logger
}

/**
 * True unless only the status (or nothing a reconciler reads) changed. The operator's own
 * status writes come back as update events; reconciling each of them again would double
 * the work for nothing. Kinds without a generation (ConfigMaps, Secrets) always count.
 */
export function specOrMetadataChanged(object: KubeObject, old: KubeObject): boolean {
  const now = object.metadata
  const before = old.metadata
  if (now.generation === undefined || now.generation !== before.generation) return true
  return (
    now.deletionTimestamp !== before.deletionTimestamp ||
    JSON.stringify(now.finalizers) !== JSON.stringify(before.finalizers) ||
    JSON.stringify(now.labels) !== JSON.stringify(before.labels) ||
    JSON.stringify(now.annotations) !== JSON.stringify(before.annotations)
  )
}

/**
 * Feeds informer events into a work queue and the queue into `reconcile`, while `run`'s
 * signal says this replica leads. The informer keeps running (and caching) on standby
 * replicas, so a new leader starts from a warm cache.
 */
export class Controller<T extends KubeObject = KubeObject> {
  readonly kind: string
  readonly #options: ControllerOptions<T>
  readonly #log: Logger
  #queue: WorkQueue | undefined

  constructor(options: ControllerOptions<T>) {
    this.kind = options.kind
    this.#options = options
    this.#log = options.log.child({ controller: options.kind })
    const shouldReconcile = options.shouldReconcileUpdate ?? specOrMetadataChanged
    trackInformer(options.kind, options.informer)
    options.informer
      .onAdd((object) => this.enqueue(objectKey(object)))
      .onUpdate((object, old) => {
        if (shouldReconcile(object, old)) this.enqueue(objectKey(object))
      })
      .onDelete((object) => this.enqueue(objectKey(object)))
  }

  /** The queue of the current term, for tests and metrics; undefined while not leading. */
  get queue(): WorkQueue | undefined {
    return this.#queue
  }

  /**
   * Queues a key for reconcile; for events of other resources that affect this one (a
   * Secret's change re-reconciles its KafkaUser). Ignored while not leading: the next term
   * starts with every cached key anyway.
   */
  enqueue(key: string): void {
    this.#queue?.add(key)
  }

  /**
   * Reconciles until `signal` aborts, then aborts the passes in flight and waits for them.
   * Call once per leadership term.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return
    const { informer, kind } = this.#options
    const queue = new WorkQueue(this.#options.reconcile, {
      concurrency: this.#options.concurrency ?? 4,
      baseDelayMs: this.#options.baseDelayMs ?? 500,
      maxDelayMs: this.#options.maxDelayMs ?? 300_000,
      retryRateLimit: this.#options.retryRateLimit ?? { perSecond: 50, burst: 500 },
      onDone: ({ key, durationMs, error, retryInMs }) => {
        const result = error ? 'error' : retryInMs !== undefined ? 'requeue' : 'success'
        reconcilesTotal.inc({ kind, result })
        reconcileDuration.observe({ kind }, durationMs / 1000)
        if (error && !signal.aborted) {
          // A conflict only means the object changed since this pass read it; the retry reads
          // it again, so it is routine, not a failure anyone needs to see.
          const level = isConflict(error) ? 'debug' : 'error'
          this.#log[level]({ key, err: error, retryInMs }, 'reconcile failed')
        }
      },
    })
    const stopped = new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    )
    await Promise.race([informer.synced, stopped])
    if (signal.aborted) return
    this.#queue = queue
    trackQueue(kind, queue)
    for (const key of informer.keys()) queue.add(key)
    queue.start()
    this.#log.info({ objects: informer.size }, 'controller started')
    const resync = setInterval(() => {
      for (const key of informer.keys()) queue.add(key)
    }, this.#options.resyncPeriodMs ?? 300_000)
    await stopped
    clearInterval(resync)
    this.#queue = undefined
    await queue.stop({ abort: true })
    trackQueue(kind, undefined)
    this.#log.info('controller stopped')
  }
}

/** The leader elector's onStartedLeading for a set of controllers. */
export function runWhileLeading(controllers: Pick<Controller, 'kind' | 'run'>[], log: Logger) {
  return (signal: AbortSignal): void => {
    for (const controller of controllers) {
      controller.run(signal).catch((error: unknown) => {
        log.error({ controller: controller.kind, err: error }, 'controller crashed')
      })
    }
  }
}
