import { type Backoff, backoffDelay } from '@fjord/time/backoff'

/** What a handler may ask for after a successful pass: look again later (polling MSK, say). */
// biome-ignore lint/suspicious/noConfusingVoidType: handlers that have nothing to say return nothing
export type HandlerResult = { requeueAfterMs?: number } | void

export type QueueHandler = (key: string, signal: AbortSignal) => Promise<HandlerResult>

export interface WorkQueueOptions {
  /** How many keys are handled at once; one key is never handled twice at once. */
  concurrency?: number
  /** Delay before the first retry of a failed key; doubles on each further failure. */
  baseDelayMs?: number
  maxDelayMs?: number
  /** Fraction in [0, 1] taken off a retry delay at random, so failed keys do not retry in lockstep. */
  jitter?: number
  random?: () => number
  /**
   * An overall budget for retries across all keys (client-go's bucket limiter): when Kafka
   * is down, 10,000 failing topics must not all retry in the same second.
   */
  retryRateLimit?: { perSecond: number; burst: number }
  /** Told of every finished pass, for metrics and logs. */
  onDone?: (outcome: {
    key: string
    durationMs: number
    error?: unknown
    retryInMs?: number
  }) => void
}

/**
 * A work queue keyed by object key (`namespace/name` or `name`), shaped like client-go's
 * rate-limited queue but owning its workers: keys are deduplicated while waiting, a key
 * added while it is being handled is handled once more afterwards (so no event is lost and
 * no two passes over one object overlap), failures retry with capped exponential backoff
 * and jitter, and success forgets the failure count.
 */
export class WorkQueue {
  readonly #handler: QueueHandler
  readonly #concurrency: number
  readonly #backoff: Backoff
  readonly #random: () => number
  readonly #onDone: WorkQueueOptions['onDone']
  readonly #retryBucket: TokenBucket | undefined

  /** Keys ready to be handled, in arrival order (a Set keeps insertion order and dedups). */
  readonly #ready = new Set<string>()
  readonly #active = new Map<string, Promise<void>>()
  /** Keys added again while active: handled once more when the current pass ends. */
  readonly #dirty = new Set<string>()
  readonly #delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>()
  readonly #failures = new Map<string, number>()
  #running = false
  #stopping = false
  #abort = new AbortController()

  constructor(handler: QueueHandler, options: WorkQueueOptions = {}) {
    this.#handler = handler
    this.#concurrency = Math.max(1, options.concurrency ?? 4)
    this.#backoff = {
      initialMs: options.baseDelayMs ?? 500,
      maxMs: options.maxDelayMs ?? 300_000,
      jitter: options.jitter ?? 0.2,
    }
    this.#random = options.random ?? Math.random
    this.#onDone = options.onDone
    this.#retryBucket = options.retryRateLimit && new TokenBucket(options.retryRateLimit)
  }

  /** Keys waiting to be handled now (not counting delayed or active ones). */
  get depth(): number {
    return this.#ready.size
  }

  get activeCount(): number {
    return this.#active.size
  }

  get delayedCount(): number {
    return this.#delayed.size
  }

  /** How many times in a row this key has failed. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0
  }

  /** Starts handling keys; keys added before start wait until then. A stopped queue stays stopped. */
  start(): void {
    if (this.#running || this.#stopping) return
    this.#running = true
    this.#pump()
  }

  add(key: string): void {
    if (this.#stopping) return
    if (this.#active.has(key)) {
      this.#dirty.add(key)
      return
    }
    this.#ready.add(key)
    this.#pump()
  }

  /** Adds the key once `ms` have passed; an earlier pending time for the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#stopping) return
    if (ms <= 0) {
      this.add(key)
      return
    }
    const at = Date.now() + ms
    const pending = this.#delayed.get(key)
    if (pending && pending.at <= at) return
    if (pending) clearTimeout(pending.timer)
    const timer = setTimeout(() => {
      this.#delayed.delete(key)
      this.add(key)
    }, ms)
    timer.unref?.()
    this.#delayed.set(key, { at, timer })
  }

  /** Drops a key that no longer exists: no retry, no requeue, no failure count. */
  forget(key: string): void {
    this.#ready.delete(key)
    this.#dirty.delete(key)
    this.#failures.delete(key)
    const pending = this.#delayed.get(key)
    if (pending) clearTimeout(pending.timer)
    this.#delayed.delete(key)
  }

  /**
   * Stops taking keys and waits for the passes in flight. With `abort`, their signal is
   * aborted first: that is how a replica that lost its lease stops acting at once.
   */
  async stop(options: { abort?: boolean } = {}): Promise<void> {
    this.#stopping = true
    for (const { timer } of this.#delayed.values()) clearTimeout(timer)
    this.#delayed.clear()
    this.#ready.clear()
    this.#dirty.clear()
    if (options.abort) this.#abort.abort(new Error('work queue stopped'))
    await Promise.allSettled([...this.#active.values()])
    this.#running = false
  }

  #pump(): void {
    if (!this.#running || this.#stopping) return
    while (this.#active.size < this.#concurrency && this.#ready.size > 0) {
      const key = this.#ready.values().next().value as string
      this.#ready.delete(key)
      const pass = this.#handle(key).finally(() => {
        this.#active.delete(key)
        if (this.#dirty.delete(key)) this.add(key)
        this.#pump()
      })
      this.#active.set(key, pass)
    }
  }

  async #handle(key: string): Promise<void> {
    const started = performance.now()
    let result: HandlerResult
    try {
      result = await this.#handler(key, this.#abort.signal)
    } catch (error) {
      const failures = (this.#failures.get(key) ?? 0) + 1
      this.#failures.set(key, failures)
      const retryInMs = Math.max(
        backoffDelay(failures - 1, this.#backoff, this.#random),
        this.#retryBucket?.reserve() ?? 0,
      )
      // A fresh event for the key (dirty) is handled right away; the retry still stands
      // in case that pass fails too.
      this.addAfter(key, retryInMs)
      this.#onDone?.({ key, durationMs: performance.now() - started, error, retryInMs })
      return
    }
    this.#failures.delete(key)
    // The latest pass decides what comes next: a retry scheduled by an earlier failure is moot.
    const pending = this.#delayed.get(key)
    if (pending) clearTimeout(pending.timer)
    this.#delayed.delete(key)
    const requeueAfterMs = result?.requeueAfterMs
    if (requeueAfterMs !== undefined) this.addAfter(key, requeueAfterMs)
    this.#onDone?.({
      key,
      durationMs: performance.now() - started,
      ...(requeueAfterMs === undefined ? {} : { retryInMs: requeueAfterMs }),
    })
  }
}

/**
 * A token bucket that hands out reservations: each call takes one token and says how long
 * to wait until that token exists, so callers queue up behind each other at the set rate.
 */
export class TokenBucket {
  readonly #perMs: number
  readonly #burst: number
  #tokens: number
  #at: number

  constructor(options: { perSecond: number; burst: number }, now = Date.now()) {
    this.#perMs = options.perSecond / 1000
    this.#burst = Math.max(1, options.burst)
    this.#tokens = this.#burst
    this.#at = now
  }

  /** Takes a token; returns the milliseconds until it is really available (0 if now). */
  reserve(now = Date.now()): number {
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs)
    this.#at = now
    this.#tokens -= 1
    return this.#tokens >= 0 ? 0 : Math.ceil(-this.#tokens / this.#perMs)
  }
}
