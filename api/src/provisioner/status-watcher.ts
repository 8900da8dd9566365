import { createHash, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { annotations, labels } from '@fjord/contract/metadata'
import { kafkaPrincipal } from '@fjord/contract/naming'
import { KafkaClusters, KafkaTopics, KafkaUsers } from '@fjord/contract/resources'
import type { FjordResource } from '@fjord/contract/types'
import type { KubeClient, KubeObject } from '@fjord/kube/client'
import { apiListWatch, Informer, objectKey } from '@fjord/kube/informer'
import { LeaderElector, type LeaderElectorOptions } from '@fjord/kube/leader'
import { collectionPath } from '@fjord/kube/resources'
import { and, eq, isNotNull, isNull } from 'drizzle-orm'
import type { Logger } from 'pino'
import type { Db } from '../db/client.ts'
import { type Condition, clusters, serviceAccounts, topics } from '../db/schema/index.ts'
import type { Actor } from '../http/context.ts'
import { enqueue } from '../resources/changes.ts'
import { selectorOf } from './resources.ts'

type Resource = FjordResource & KubeObject

/** Where each kind's status goes in Postgres, and what besides the lifecycle it carries. */
const kinds = {
  KafkaCluster: {
    type: KafkaClusters,
    table: clusters,
    aggregate: 'cluster',
    idLabel: labels.clusterId,
    extra: (status: Record<string, unknown>) => ({
      ...(typeof status.bootstrapServers === 'string'
        ? { bootstrapServers: status.bootstrapServers }
        : {}),
      ...(typeof status.pool === 'string' ? { pool: status.pool } : {}),
    }),
  },
  KafkaTopic: {
    type: KafkaTopics,
    table: topics,
    aggregate: 'topic',
    idLabel: labels.topicId,
    extra: (status: Record<string, unknown>) =>
      typeof status.topicName === 'string' ? { kafkaName: status.topicName } : {},
  },
  KafkaUser: {
    type: KafkaUsers,
    table: serviceAccounts,
    aggregate: 'service_account',
    idLabel: labels.serviceAccountId,
    extra: (status: Record<string, unknown>) =>
      typeof status.username === 'string' ? { principal: kafkaPrincipal(status.username) } : {},
  },
} as const

type Kind = keyof typeof kinds
interface Event {
  kind: Kind
  object: Resource
  deleted: boolean
}

/** The Lease the status watchers of one installation share. */
export type StatusLease = Pick<
  LeaderElectorOptions,
  'namespace' | 'identity' | 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs' | 'clock'
> & {
  /** By default one per set of resource labels, as each set is an installation of its own. */
  name?: string
}

/**
 * The Lease's name for the installation whose resources carry these labels: installations that
 * share a Kubernetes (and a system namespace) must not share the right to write status.
 */
export function statusLeaseName(resourceLabels: Record<string, string> = {}): string {
  const selector = selectorOf(Object.fromEntries(Object.entries(resourceLabels).sort()))
  if (!selector) return 'fjord-api-status'
  const digest = createHash('sha256').update(selector).digest('hex').slice(0, 12)
  return `fjord-api-status-${digest}`
}

/** Who the audit log says sent a resource deleted by hand back to the provisioner. */
const actor: Actor = { type: 'platform', id: 'fjord-api/status-watcher', label: 'status watcher' }

/** How long a replica that is not leading remembers a deletion for the leader it may become. */
const missedDeletionMs = 10 * 60_000

/**
 * Follows the custom resources the provisioner made and writes what the operator reports
 * (phase, conditions, the generation observed, bootstrap servers, Kafka names) back into
 * their rows. A resource that is gone lets its row go when the row was being deleted; when
 * it was not, someone deleted it by hand, and the row goes back to the provisioner.
 *
 * Every replica keeps its informers' caches, but only the one holding the Lease writes, so
 * that N replicas do not make every write N times. A replica that loses the Lease stops at
 * once (a write already sent still lands; none starts after); the next leader writes
 * everything in its caches again, and the deletions it saw meanwhile, since the events of the
 * gap between two leaders went to nobody.
 */
export class StatusWatcher {
  readonly #db: Db
  readonly #log: Logger
  readonly #informers: { kind: Kind; informer: Informer<Resource> }[]
  readonly #elector: LeaderElector
  readonly #pending = new Map<string, Event>()
  readonly #running = new Map<string, Promise<void>>()
  /** Deletions seen while not leading, by key, with when they were seen. */
  readonly #missedDeletions = new Map<string, { event: Event; at: number }>()
  #term: AbortSignal | undefined
  #stopped = false

  constructor(options: {
    db: Db
    kube: KubeClient
    log: Logger
    resourceLabels?: Record<string, string>
    lease: StatusLease
  }) {
    this.#db = options.db
    this.#log = options.log
    this.#informers = (Object.keys(kinds) as Kind[]).map((kind) => {
      const informer = new Informer<Resource>(
        apiListWatch(options.kube, collectionPath(kinds[kind].type), {
          labelSelector: selectorOf(options.resourceLabels, [labels.orgId]),
        }),
        {
          onError: (error) => this.#log.warn({ err: error, kind }, 'status watcher: watch failed'),
        },
      )
      const seen = (object: Resource) => this.#schedule({ kind, object, deleted: false })
      informer
        .onAdd(seen)
        .onUpdate(seen)
        .onDelete((object) => this.#schedule({ kind, object, deleted: true }))
      return { kind, informer }
    })
    const { name, ...lease } = options.lease
    const identity = lease.identity
    this.#elector = new LeaderElector({
      client: options.kube,
      name: name ?? statusLeaseName(options.resourceLabels),
      ...lease,
      onStartedLeading: (signal) => {
        this.#log.info({ identity }, 'status watcher: leading')
        this.#lead(signal)
      },
      onStoppedLeading: () => this.#log.info({ identity }, 'status watcher: stopped leading'),
      onError: (error) => this.#log.warn({ err: error, identity }, 'status watcher: lease'),
    })
  }

  /** Whether this replica holds the Lease, and so is the one writing. */
  get leading(): boolean {
    return this.#elector.isLeader
  }

  start(): void {
    for (const { informer } of this.#informers) informer.start()
    void this.#elector.start()
  }

  /** Resolves once every kind has been listed once. */
  async synced(): Promise<void> {
    await Promise.all(this.#informers.map(({ informer }) => informer.synced))
  }

  /**
   * Stops writing and watching: the writes in flight finish, those waiting are left to the
   * next leader (which writes everything again). With `release` (the default) the Lease is
   * then handed back, so another replica takes over at once instead of after a lease duration.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.#stopped = true
    this.#pending.clear()
    await Promise.allSettled(this.#running.values())
    await this.#elector.stop(options)
    await Promise.all(this.#informers.map(({ informer }) => informer.stop()))
  }

  #lead(term: AbortSignal): void {
    this.#term = term
    term.addEventListener('abort', () => this.#pending.clear(), { once: true })
    void this.#resync(term)
  }

  async #resync(term: AbortSignal): Promise<void> {
    await this.synced()
    if (term.aborted) return
    for (const { event } of this.#missedDeletions.values()) this.#schedule(event)
    this.#missedDeletions.clear()
    for (const { kind, informer } of this.#informers) {
      for (const object of informer.list()) this.#schedule({ kind, object, deleted: false })
    }
  }

  // One write at a time per object, always of its latest state, and only while leading.
  #schedule(event: Event): void {
    if (this.#stopped) return
    const key = `${event.kind}/${objectKey(event.object)}`
    if (!this.#term || this.#term.aborted) {
      this.#remember(key, event)
      return
    }
    this.#pending.set(key, event)
    if (!this.#running.has(key)) this.#running.set(key, this.#drain(key))
  }

  #remember(key: string, event: Event): void {
    if (!event.deleted) {
      this.#missedDeletions.delete(key)
      return
    }
    const now = Date.now()
    // Deleted first, so the map stays in the order of `at` and pruning can stop early.
    this.#missedDeletions.delete(key)
    this.#missedDeletions.set(key, { event, at: now })
    for (const [old, { at }] of this.#missedDeletions) {
      if (at > now - missedDeletionMs) break
      this.#missedDeletions.delete(old)
    }
  }

  async #drain(key: string): Promise<void> {
    try {
      // The term is read again each time: a key still draining when leadership came back
      // goes on under the new term.
      for (let term = this.#term; term && !term.aborted && !this.#stopped; term = this.#term) {
        const event = this.#pending.get(key)
        if (!event) return
        this.#pending.delete(key)
        try {
          await this.#write(event, term)
        } catch (error) {
          this.#log.warn({ err: error, key }, 'status watcher: write failed; retrying')
          if (!this.#pending.has(key)) this.#pending.set(key, event)
          await sleep(1_000, undefined, { signal: term }).catch(() => {})
        }
      }
    } finally {
      this.#running.delete(key)
    }
  }

  async #write({ kind, object, deleted }: Event, term: AbortSignal): Promise<void> {
    const { table, idLabel, aggregate, extra } = kinds[kind]
    const id = object.metadata.labels?.[idLabel]
    if (!id || term.aborted) return
    if (deleted) {
      const gone = await this.#db
        .delete(table)
        .where(and(eq(table.id, id), isNotNull(table.deletionRequestedAt)))
        .returning({ id: table.id })
      if (gone.length > 0) return
      // Made again, as the row still wants it: the provisioner takes it from the outbox.
      await this.#db.transaction(async (tx) => {
        const [live] = await tx
          .select({ orgId: table.orgId, name: table.name })
          .from(table)
          .where(eq(table.id, id))
        if (!live || term.aborted) return
        const reason = `${kind} ${objectKey(object)} was deleted outside Fjord`
        const requestId = randomUUID()
        this.#log.info({ id, requestId }, `status watcher: ${reason}; provisioning it again`)
        await enqueue(tx, {
          orgId: live.orgId,
          actor,
          requestId,
          action: `${aggregate}.resync`,
          targetName: live.name,
          aggregateId: id,
          payload: { reason },
        })
      })
      return
    }
    const status = object.status as (Record<string, unknown> & FjordResource['status']) | undefined
    const generation = Number(object.metadata.annotations?.[annotations.generation])
    // Only a status about the spec as it is now says anything about that generation.
    if (!status?.phase || !generation || status.observedGeneration !== object.metadata.generation)
      return
    const conditions: Condition[] = (status.conditions ?? []).map((condition) => ({
      type: condition.type,
      status: condition.status,
      reason: condition.reason,
      message: condition.message,
      lastTransitionTime: condition.lastTransitionTime,
    }))
    await this.#db
      .update(table)
      .set({
        phase: status.phase,
        conditions,
        observedGeneration: generation,
        ...extra(status),
      })
      .where(
        and(eq(table.id, id), eq(table.generation, generation), isNull(table.deletionRequestedAt)),
      )
  }
}
