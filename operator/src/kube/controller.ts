import type { KubeObject } from '@fjord/kube/client'
import { isConflict } from '@fjord/kube/errors'
import type { Informer } from '@fjord/kube/informer'
import { objectKey } from '@fjord/kube/informer'
import { type HandlerResult, WorkQueue } from '@fjord/kube/queue'
import type { Logger } from 'pino'
import { reconcileDuration, reconcilesTotal, trackInformer, trackQueue } from './metrics.ts'

export interface Reconcile {
  (key: string, signal: AbortSignal): Promise<HandlerResult>
  /**
   * Whether an update event needs a pass, when the reconciler knows more than
   * `specOrMetadataChanged` (its own writes coming back, say); the controller's option wins.
   */
  shouldReconcileUpdate?: (object: KubeObject, old: KubeObject) => boolean
}

export interface ControllerOptions<T extends KubeObject> {
  /** The resource kind, used as a metrics label and in logs. */
  kind: string
  informer: Informer<T>
  /**
   * The other caches `reconcile` reads. A term starts once they have synced too: before, an
   * object they have not listed yet reads as missing (a new leader failed a KafkaCluster
   * with PoolNotFound while its cache of pools was still empty).
   */
  caches?: Pick<Informer<KubeObject>, 'synced'>[]
  reconcile: Reconcile
  concurrency?: number
  baseDelayMs?: number
  maxDelayMs?: number
  retryRateLimit?: { perSecond: number; burst: number }
  /** Every cached key is reconciled again this often, to repair drift made behind our back. */
  resyncPeriodMs?: number
  /**
   * Whether an update event needs a reconcile; the default is the reconcile's own rule, else
   * `specOrMetadataChanged`, which skips status-only updates.
   */
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
    const shouldReconcile =
      options.shouldReconcileUpdate ??
      options.reconcile.shouldReconcileUpdate ??
      specOrMetadataChanged
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
   * When `draining` aborts first, no pass starts after it and those in flight finish (unless
   * `signal` aborts meanwhile). Call once per leadership term.
   */
  async run(signal: AbortSignal, draining?: AbortSignal): Promise<void> {
    const ends = [signal, ...(draining ? [draining] : [])]
    if (ends.some((end) => end.aborted)) return
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
    const stopped = new Promise<void>((resolve) => {
      for (const end of ends) end.addEventListener('abort', () => resolve(), { once: true })
    })
    const caches = [informer, ...(this.#options.caches ?? [])]
    await Promise.race([Promise.all(caches.map((cache) => cache.synced)), stopped])
    if (ends.some((end) => end.aborted)) return
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
    const abort = () => void queue.stop({ abort: true })
    signal.addEventListener('abort', abort, { once: true })
    await queue.stop({ abort: signal.aborted })
    signal.removeEventListener('abort', abort)
    trackQueue(kind, undefined)
    this.#log.info('controller stopped')
  }
}

/** A loop that runs while this replica leads, once per term: the usage meter. */
export interface LeaderLoop {
  kind: string
  run(signal: AbortSignal): Promise<void>
}

/**
 * What a leader does: its controllers, and other loops beside them, each run once per
 * leadership term (`onStartedLeading` is the elector's). Losing the lease aborts everything
 * at once; `drain` ends the work for good, gently, before the lease is handed back.
 */
export class LeaderWork {
  readonly #controllers: Pick<Controller, 'kind' | 'run'>[]
  readonly #loops: LeaderLoop[]
  readonly #log: Logger
  readonly #draining = new AbortController()
  readonly #cut = new AbortController()
  readonly #controllerRuns = new Set<Promise<void>>()
  readonly #loopRuns = new Set<Promise<void>>()

  constructor(controllers: Pick<Controller, 'kind' | 'run'>[], loops: LeaderLoop[], log: Logger) {
    this.#controllers = controllers
    this.#loops = loops
    this.#log = log
  }

  readonly onStartedLeading = (term: AbortSignal): void => {
    if (this.#draining.signal.aborted) return
    const signal = AbortSignal.any([term, this.#cut.signal])
    for (const controller of this.#controllers) {
      this.#track(
        this.#controllerRuns,
        controller.kind,
        controller.run(signal, this.#draining.signal),
      )
    }
    for (const loop of this.#loops) this.#track(this.#loopRuns, loop.kind, loop.run(signal))
  }

  /**
   * Takes no more work: the reconciles in flight finish, or are aborted once `graceMs` has
   * passed; then the other loops stop. Resolves when everything has, or `abortedWaitMs` after
   * the abort when some work ignores it (a Kafka request takes no signal): the caller then
   * hands the lease back and exits, which ends that work as surely as the kubelet's SIGKILL
   * would, and the next leader does not wait out a lease duration besides.
   */
  async drain(graceMs: number, abortedWaitMs = 2_000): Promise<void> {
    this.#draining.abort()
    const cut = setTimeout(() => {
      this.#log.warn(
        { graceMs },
        'reconciles still running after the shutdown grace: aborting them',
      )
      this.#cut.abort()
    }, graceMs)
    const ended = (async () => {
      await Promise.all(this.#controllerRuns)
      clearTimeout(cut)
      this.#cut.abort()
      await Promise.all(this.#loopRuns)
      return true
    })()
    const givenUp = Promise.withResolvers<false>()
    let giveUp: NodeJS.Timeout | undefined
    const startGiveUp = () => {
      giveUp = setTimeout(() => givenUp.resolve(false), abortedWaitMs)
    }
    this.#cut.signal.addEventListener('abort', startGiveUp, { once: true })
    const endedInTime = await Promise.race([ended, givenUp.promise])
    clearTimeout(giveUp)
    this.#cut.signal.removeEventListener('abort', startGiveUp)
    if (!endedInTime) {
      this.#log.warn(
        { abortedWaitMs, controllers: this.#controllerRuns.size, loops: this.#loopRuns.size },
        'work still running after its abort: leaving it to the exit',
      )
    }
  }

  #track(runs: Set<Promise<void>>, kind: string, run: Promise<void>): void {
    const tracked = run
      .catch((error: unknown) =>
        this.#log.error({ controller: kind, err: error }, 'controller crashed'),
      )
      .finally(() => runs.delete(tracked))
    runs.add(tracked)
  }
}
