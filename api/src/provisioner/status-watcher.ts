import { createHash, randomUUID } from 'node:crypto'
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import { annotations, labels } from '@fjord/contract/metadata'
import { kafkaPrincipal } from '@fjord/contract/naming'
import { KafkaClusters, KafkaTopics, KafkaUsers } from '@fjord/contract/resources'
import type { FjordResource } from '@fjord/contract/types'
import type { KubeClient, KubeObject } from '@fjord/kube/client'
import { apiListWatch, Informer, objectKey } from '@fjord/kube/informer'
import { LeaderElector, type LeaderElectorOptions } from '@fjord/kube/leader'
import { collectionPath } from '@fjord/kube/resources'
import { and, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm'
import type { Logger } from 'pino'
import type { Db } from '../db/client.ts'
import { type Condition, clusters, serviceAccounts, topics } from '../db/schema/index.ts'
import type { Actor } from '../http/context.ts'
import { enqueue } from '../resources/changes.ts'
import { selectorOf } from './resources.ts'

type Resource = FjordResource & KubeObject

const textOf = (value: unknown) => (typeof value === 'string' ? value : undefined)

/**
 * Where each kind's status goes in Postgres, and what besides the lifecycle it carries: `extra`
 * names every such column (all text), and a column the status leaves undefined keeps its value.
 */
const kinds = {
  KafkaCluster: {
    type: KafkaClusters,
    table: clusters,
    aggregate: 'cluster',
    idLabel: labels.clusterId,
    extra: (status: Record<string, unknown>) => ({
      bootstrapServers: textOf(status.bootstrapServers),
      pool: textOf(status.pool),
    }),
  },
  KafkaTopic: {
    type: KafkaTopics,
    table: topics,
    aggregate: 'topic',
    idLabel: labels.topicId,
    extra: (status: Record<string, unknown>) => ({ kafkaName: textOf(status.topicName) }),
  },
  KafkaUser: {
    type: KafkaUsers,
    table: serviceAccounts,
    aggregate: 'service_account',
    idLabel: labels.serviceAccountId,
    extra: (status: Record<string, unknown>) => {
      const username = textOf(status.username)
      return { principal: username === undefined ? undefined : kafkaPrincipal(username) }
    },
  },
} as const

type Kind = keyof typeof kinds
const kindNames = Object.keys(kinds) as Kind[]
interface Event {
  kind: Kind
  object: Resource
  deleted: boolean
}

const keyOf = (event: Event) => `${event.kind}/${objectKey(event.object)}`
const idOf = (event: Event) => event.object.metadata.labels?.[kinds[event.kind].idLabel]

/** What one statement writes at most: bounds a statement when thousands of objects change. */
const maxBatch = 500

/** Writes waiting, or taken together into one batch. */
interface Batch {
  /** In the order seen, and written before any status, so none goes after a later add. */
  deletions: Event[]
  /** The latest event of each object, by key. */
  statuses: Map<string, Event>
}

interface StatusRecord extends Record<string, unknown> {
  id: string
  generation: number
  phase: string
  conditions: Condition[]
}

/**
 * What goes into the object's row (the id, the row's generation it is about, and the columns
 * written), or nothing: only a status about the spec as it is now says anything about that
 * generation.
 */
function statusRecord(event: Event): StatusRecord | undefined {
  const { kind, object } = event
  const id = idOf(event)
  const status = object.status as (Record<string, unknown> & FjordResource['status']) | undefined
  const generation = Number(object.metadata.annotations?.[annotations.generation])
  if (
    !id ||
    !status?.phase ||
    !generation ||
    status.observedGeneration !== object.metadata.generation
  )
    return undefined
  const conditions: Condition[] = (status.conditions ?? []).map((condition) => ({
    type: condition.type,
    status: condition.status,
    reason: condition.reason,
    message: condition.message,
    lastTransitionTime: condition.lastTransitionTime,
  }))
  return { id, generation, phase: status.phase, conditions, ...kinds[kind].extra(status) }
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
 *
 * Writes go out in batches, one loop at a time: a bulk apply of thousands of topics is a few
 * statements per kind, not thousands of UPDATEs at once against a pool of ten connections (or
 * the one PGlite). A lone change is written at once; those that come while a batch is being
 * written wait for the next, where only the latest state of each object is taken.
 */
export class StatusWatcher {
  readonly #db: Db
  readonly #log: Logger
  readonly #informers: { kind: Kind; informer: Informer<Resource> }[]
  readonly #elector: LeaderElector
  readonly #pending: Batch = { deletions: [], statuses: new Map() }
  /** The loop writing what is pending, while there is some. */
  #writing: Promise<void> | undefined
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
    this.#informers = kindNames.map((kind) => {
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
   * Stops writing and watching: the batch in flight finishes, what waits is left to the next
   * leader (which writes everything again). With `release` (the default) the Lease is then
   * handed back, so another replica takes over at once instead of after a lease duration.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.#stopped = true
    this.#clearPending()
    await this.#writing
    await this.#elector.stop(options)
    await Promise.all(this.#informers.map(({ informer }) => informer.stop()))
  }

  #lead(term: AbortSignal): void {
    this.#term = term
    term.addEventListener('abort', () => this.#clearPending(), { once: true })
    void this.#resync(term)
  }

  #clearPending(): void {
    this.#pending.deletions = []
    this.#pending.statuses.clear()
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

  // Only the latest state of each object waits, and only while leading; one loop writes it.
  #schedule(event: Event): void {
    if (this.#stopped) return
    const key = keyOf(event)
    if (!this.#term || this.#term.aborted) {
      this.#remember(key, event)
      return
    }
    if (event.deleted) {
      // The object is gone: a status of it still waiting says nothing any more.
      this.#pending.statuses.delete(key)
      this.#pending.deletions.push(event)
    } else {
      this.#pending.statuses.set(key, event)
    }
    this.#writing ??= this.#writeAll()
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

  async #writeAll(): Promise<void> {
    try {
      // Not a linger: the rest of this turn's events (a watch's chunk, a resync) join the first
      // batch, which then goes out at once.
      await nextTurn()
      // The term is read again each time: a loop still writing when leadership came back goes
      // on under the new term.
      for (let term = this.#term; term && !term.aborted && !this.#stopped; term = this.#term) {
        const batch = this.#take()
        if (batch.deletions.length === 0 && batch.statuses.size === 0) return
        try {
          await this.#write(batch, term)
        } catch (error) {
          const left = batch.deletions.length + batch.statuses.size
          this.#log.warn({ err: error, left }, 'status watcher: write failed; retrying')
          // After the term, the next leader writes everything again.
          if (!term.aborted) this.#putBack(batch)
          await sleep(1_000, undefined, { signal: term }).catch(() => {})
        }
      }
    } finally {
      this.#writing = undefined
    }
  }

  /** Up to `maxBatch` of what waits: the deletions first, then the statuses. */
  #take(): Batch {
    const deletions = this.#pending.deletions.splice(0, maxBatch)
    const statuses = new Map<string, Event>()
    for (const [key, event] of this.#pending.statuses) {
      if (deletions.length + statuses.size >= maxBatch) break
      statuses.set(key, event)
      this.#pending.statuses.delete(key)
    }
    return { deletions, statuses }
  }

  /**
   * What a failed batch left goes back ahead of what came meanwhile, but never over it: an
   * object's newer status takes the place of its older one, and a deletion since drops it.
   */
  #putBack(left: Batch): void {
    const deletedSince = new Set(this.#pending.deletions.map(keyOf))
    this.#pending.deletions.unshift(...left.deletions)
    const since = [...this.#pending.statuses]
    this.#pending.statuses.clear()
    for (const [key, event] of left.statuses) {
      if (!deletedSince.has(key)) this.#pending.statuses.set(key, event)
    }
    for (const [key, event] of since) this.#pending.statuses.set(key, event)
  }

  /** Writes a batch, taking out of it what is done, so that a failure leaves the rest only. */
  async #write(batch: Batch, term: AbortSignal): Promise<void> {
    await this.#writeDeletions(batch.deletions, term)
    for (const kind of kindNames) {
      const ofKind = [...batch.statuses].filter(([, event]) => event.kind === kind)
      if (ofKind.length === 0) continue
      if (term.aborted) return
      await this.#writeStatuses(
        kind,
        ofKind.map(([, event]) => event),
      )
      for (const [key] of ofKind) batch.statuses.delete(key)
    }
  }

  async #writeDeletions(deletions: Event[], term: AbortSignal): Promise<void> {
    // Rows being deleted go with their resources, one statement per kind. Done again after a
    // failure, it finds them gone, as the resync below does.
    const gone = new Set<string>()
    for (const kind of kindNames) {
      const ids = deletions.flatMap((event) => (event.kind === kind ? (idOf(event) ?? []) : []))
      if (ids.length === 0) continue
      if (term.aborted) return
      const { table } = kinds[kind]
      const rows = await this.#db
        .delete(table)
        .where(and(inArray(table.id, ids), isNotNull(table.deletionRequestedAt)))
        .returning({ id: table.id })
      for (const { id } of rows) gone.add(id)
    }
    // The others were deleted by hand (rare): each is made again, one at a time, and taken out
    // once done, so that a retry does not enqueue it twice.
    for (let event = deletions[0]; event; event = deletions[0]) {
      if (term.aborted) return
      const id = idOf(event)
      if (id && !gone.has(id)) await this.#resyncRow(event, id, term)
      deletions.shift()
    }
  }

  /** Made again, as the row still wants it: the provisioner takes it from the outbox. */
  async #resyncRow({ kind, object }: Event, id: string, term: AbortSignal): Promise<void> {
    const { table, aggregate } = kinds[kind]
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
  }

  /** The statuses of one kind's objects, in one statement. */
  async #writeStatuses(kind: Kind, events: Event[]): Promise<void> {
    const { table, extra } = kinds[kind]
    // One record per row: of several records for a row, UPDATE … FROM takes any one.
    const records = new Map<string, StatusRecord>()
    for (const event of events) {
      const record = statusRecord(event)
      if (record) records.set(record.id, record)
    }
    if (records.size === 0) return
    // The records go in as one JSON parameter, turned back into rows by jsonb_to_recordset: one
    // statement text whatever the batch's size, on PGlite as on node-postgres. An extra column a
    // status leaves out is null in its record and keeps the row's value.
    const columns = Object.keys(extra({})) as (keyof ReturnType<typeof extra>)[]
    const extraSet: Record<string, SQL> = {}
    for (const column of columns) {
      extraSet[column] = sql`coalesce(reported.${sql.identifier(column)}, ${table[column]})`
    }
    const extraTypes = sql.join(
      columns.map((column) => sql`, ${sql.identifier(column)} text`),
      sql``,
    )
    await this.#db
      .update(table)
      .set({
        phase: sql`reported.phase`,
        conditions: sql`reported.conditions`,
        observedGeneration: sql`reported.generation`,
        ...extraSet,
      })
      .from(
        sql`jsonb_to_recordset(${JSON.stringify([...records.values()])}::jsonb) as reported(id uuid, generation int, phase text, conditions jsonb${extraTypes})`,
      )
      .where(
        and(
          eq(table.id, sql`reported.id`),
          eq(table.generation, sql`reported.generation`),
          isNull(table.deletionRequestedAt),
        ),
      )
  }
}
