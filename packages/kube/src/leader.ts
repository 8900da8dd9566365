import { type Clock, sleep, systemClock } from '@fjord/time/clock'
import type { KubeClient, KubeObject } from './client.ts'
import { isAlreadyExists, isConflict, isNotFound } from './errors.ts'
import { collectionPath, Leases, objectPath } from './resources.ts'

export interface LeaderElectorOptions {
  client: KubeClient
  namespace: string
  /** The Lease's name; every replica of one operator uses the same. */
  name: string
  /** Unique per replica and per process start (pod name plus a random suffix). */
  identity: string
  /** How long a lease holds without renewal before another replica may take it. */
  leaseDurationMs?: number
  /** A leader that has not renewed for this long stops leading; must be < leaseDurationMs. */
  renewDeadlineMs?: number
  /** How often the leader renews and the others try to acquire. */
  retryPeriodMs?: number
  /** Where the lease durations are measured and waited for; tests step a FakeClock. */
  clock?: Clock
  /** In [0, 1); spreads the candidates' attempts over up to a fifth of the retry period. */
  random?: () => number
  /** Called on each term; `signal` aborts the moment leadership is lost. */
  onStartedLeading?: (signal: AbortSignal) => void
  onStoppedLeading?: () => void
  onNewLeader?: (identity: string) => void
  onError?: (error: unknown) => void
}

interface LeaseSpec {
  holderIdentity?: string | null
  leaseDurationSeconds?: number
  acquireTime?: string | null
  renewTime?: string | null
  leaseTransitions?: number
}

interface Lease extends KubeObject {
  spec?: LeaseSpec
}

export type ElectorState = 'candidate' | 'leading' | 'stopped'

/** RFC 3339 with microseconds, the MicroTime format Lease times are declared with. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z')
}

/**
 * Lease-based leader election after client-go's leaderelection package. Safety does not
 * rest on clocks agreeing: a candidate judges a lease expired only after it has seen the
 * same record unchanged for a full lease duration on its own clock, while the leader gives
 * up once renewDeadline has passed on its clock since the start of its last successful
 * renewal, which is earlier. Every write carries the resourceVersion it was based on, so two
 * candidates racing for a free lease cannot both win.
 */
export class LeaderElector {
  readonly #client: KubeClient
  readonly #namespace: string
  readonly #name: string
  readonly identity: string
  readonly #leaseDurationMs: number
  readonly #renewDeadlineMs: number
  readonly #retryPeriodMs: number
  readonly #clock: Clock
  readonly #random: () => number
  readonly #options: LeaderElectorOptions

  #state: ElectorState = 'stopped'
  #running: Promise<void> | undefined
  #term: AbortController | undefined
  #cancelDeadline: (() => void) | undefined
  /** Aborted by `stop()`: cuts short the wait before the next attempt. */
  #stopping: AbortController | undefined
  #observed: { key: string; at: number } | undefined
  #lastLeader: string | undefined
  #lastContactAt = 0

  constructor(options: LeaderElectorOptions) {
    this.#client = options.client
    this.#namespace = options.namespace
    this.#name = options.name
    this.identity = options.identity
    this.#leaseDurationMs = options.leaseDurationMs ?? 15_000
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000
    this.#retryPeriodMs = options.retryPeriodMs ?? 2_000
    this.#clock = options.clock ?? systemClock
    this.#random = options.random ?? Math.random
    if (this.#renewDeadlineMs >= this.#leaseDurationMs) {
      throw new Error('renewDeadlineMs must be shorter than leaseDurationMs')
    }
    if (this.#retryPeriodMs >= this.#renewDeadlineMs) {
      throw new Error('retryPeriodMs must be shorter than renewDeadlineMs')
    }
    this.#options = options
  }

  get state(): ElectorState {
    return this.#state
  }

  get isLeader(): boolean {
    return this.#state === 'leading'
  }

  /** The holder last seen on the lease (possibly this replica). */
  get leader(): string | undefined {
    return this.#lastLeader
  }

  /** Leading, or standing by with the apiserver answering: what /readyz reports. */
  get healthy(): boolean {
    if (this.#state === 'leading') return true
    return (
      this.#state === 'candidate' &&
      this.#clock.now() - this.#lastContactAt < 2 * this.#leaseDurationMs
    )
  }

  /** Starts campaigning; the promise settles after `stop()`. */
  start(): Promise<void> {
    if (!this.#running) {
      this.#state = 'candidate'
      this.#stopping = new AbortController()
      this.#running = this.#run(this.#stopping.signal)
    }
    return this.#running
  }

  /**
   * Stops campaigning and leading. With `release` (the default) a held lease is handed back
   * so another replica takes over at once instead of after a lease duration.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    const wasRunning = this.#running !== undefined
    this.#state = 'stopped'
    this.#stopping?.abort()
    this.#loseLeadership()
    await this.#running
    // Also when not leading: an acquire in flight during stop() may just have won the lease.
    if (wasRunning && options.release !== false) await this.#release()
  }

  async #run(stopping: AbortSignal): Promise<void> {
    while (this.#state !== 'stopped') {
      const renewStarted = this.#clock.now()
      let held = false
      try {
        held = await this.#tryAcquireOrRenew(renewStarted)
      } catch (error) {
        this.#options.onError?.(error)
      }
      // stop() may have run while the request was out.
      if ((this.#state as ElectorState) === 'stopped') break
      if (held) {
        if (this.#state === 'candidate') this.#becomeLeader()
        this.#armDeadline(renewStarted)
      } else if (this.#state === 'leading' && this.#lastLeader !== this.identity) {
        // Someone else holds the lease now: whatever happened, stop acting at once.
        this.#loseLeadership()
      }
      await sleep(this.#jittered(), this.#clock, stopping)
    }
  }

  #jittered(): number {
    // Candidates spread their attempts; the leader renews on the beat.
    return this.#state === 'leading'
      ? this.#retryPeriodMs
      : this.#retryPeriodMs * (1 + 0.2 * this.#random())
  }

  async #tryAcquireOrRenew(now: number): Promise<boolean> {
    const timeoutMs = this.#renewDeadlineMs / 2
    const path = objectPath(Leases, this.#name, this.#namespace)
    let lease: Lease
    try {
      lease = await this.#client.get<Lease>(path, { timeoutMs })
    } catch (error) {
      if (!isNotFound(error)) throw error
      return this.#create(now, timeoutMs)
    }
    this.#lastContactAt = this.#clock.now()
    const spec = lease.spec ?? {}
    const holder = spec.holderIdentity ?? ''
    this.#noteLeader(holder)
    const recordKey = JSON.stringify([holder, spec.renewTime, spec.leaseDurationSeconds])
    if (this.#observed?.key !== recordKey) this.#observed = { key: recordKey, at: now }
    const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000
    if (holder && holder !== this.identity && this.#observed.at + durationMs > now) return false

    const mine = holder === this.identity
    const updated: Lease = {
      ...lease,
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: Math.ceil(this.#leaseDurationMs / 1000),
        acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(new Date(now)),
        renewTime: microTime(new Date(now)),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
      },
    }
    try {
      // PUT with the resourceVersion just read: a concurrent writer makes this a 409.
      await this.#client.request('PUT', path, { body: updated, timeoutMs })
    } catch (error) {
      if (isConflict(error)) return false
      throw error
    }
    this.#noteLeader(this.identity)
    return true
  }

  async #create(now: number, timeoutMs: number): Promise<boolean> {
    const lease: Lease = {
      apiVersion: Leases.apiVersion,
      kind: Leases.kind,
      metadata: { name: this.#name, namespace: this.#namespace },
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: Math.ceil(this.#leaseDurationMs / 1000),
        acquireTime: microTime(new Date(now)),
        renewTime: microTime(new Date(now)),
        leaseTransitions: 0,
      },
    }
    try {
      await this.#client.request('POST', collectionPath(Leases, this.#namespace), {
        body: lease,
        timeoutMs,
      })
    } catch (error) {
      if (isAlreadyExists(error) || isConflict(error)) return false
      throw error
    }
    this.#lastContactAt = this.#clock.now()
    this.#noteLeader(this.identity)
    return true
  }

  #noteLeader(holder: string): void {
    if (holder && holder !== this.#lastLeader) this.#options.onNewLeader?.(holder)
    this.#lastLeader = holder || undefined
  }

  #becomeLeader(): void {
    this.#state = 'leading'
    this.#term = new AbortController()
    try {
      this.#options.onStartedLeading?.(this.#term.signal)
    } catch (error) {
      this.#options.onError?.(error)
    }
  }

  /** Leadership ends renewDeadline after the start of the last renewal that succeeded. */
  #armDeadline(renewStarted: number): void {
    this.#cancelDeadline?.()
    const remaining = renewStarted + this.#renewDeadlineMs - this.#clock.now()
    this.#cancelDeadline = this.#clock.setTimeout(() => {
      if (this.#state !== 'leading') return
      this.#options.onError?.(new Error(`lease ${this.#name} not renewed in time`))
      this.#loseLeadership()
    }, remaining)
  }

  #loseLeadership(): void {
    this.#cancelDeadline?.()
    this.#cancelDeadline = undefined
    if (this.#state === 'leading') this.#state = 'candidate'
    const term = this.#term
    this.#term = undefined
    if (!term) return
    term.abort(new Error('leadership lost'))
    try {
      this.#options.onStoppedLeading?.()
    } catch (error) {
      this.#options.onError?.(error)
    }
  }

  async #release(): Promise<void> {
    const path = objectPath(Leases, this.#name, this.#namespace)
    try {
      const lease = await this.#client.get<Lease>(path, { timeoutMs: this.#renewDeadlineMs })
      if (lease.spec?.holderIdentity !== this.identity) return
      const now = microTime(new Date(this.#clock.now()))
      await this.#client.request('PUT', path, {
        body: {
          ...lease,
          spec: { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: now },
        },
        timeoutMs: this.#renewDeadlineMs,
      })
    } catch (error) {
      this.#options.onError?.(error)
    }
  }
}
