import { setTimeout as sleep } from 'node:timers/promises'
import { and, eq, isNotNull, isNull } from 'drizzle-orm'
import type { Logger } from 'pino'
import { KafkaClusters, KafkaTopics, KafkaUsers } from '../../../operator/src/crds/resources.ts'
import type { FjordResource } from '../../../operator/src/crds/types.ts'
import type { KubeClient, KubeObject } from '../../../operator/src/kube/client.ts'
import { apiListWatch, Informer, objectKey } from '../../../operator/src/kube/informer.ts'
import { collectionPath } from '../../../operator/src/kube/resources.ts'
import type { Db } from '../db/client.ts'
import { type Condition, clusters, outbox, serviceAccounts, topics } from '../db/schema/index.ts'
import { generationAnnotation, labels, selectorOf } from './resources.ts'

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
      typeof status.username === 'string' ? { principal: `User:${status.username}` } : {},
  },
} as const

type Kind = keyof typeof kinds
interface Event {
  kind: Kind
  object: Resource
  deleted: boolean
}

/**
 * Follows the custom resources the provisioner made and writes what the operator reports
 * (phase, conditions, the generation observed, bootstrap servers, Kafka names) back into
 * their rows. A resource that is gone lets its row go when the row was being deleted; when
 * it was not, someone deleted it by hand, and the row goes back to the provisioner.
 */
export class StatusWatcher {
  readonly #db: Db
  readonly #log: Logger
  readonly #informers: Informer<Resource>[]
  readonly #pending = new Map<string, Event>()
  readonly #running = new Set<string>()
  #stopped = false

  constructor(options: {
    db: Db
    kube: KubeClient
    log: Logger
    resourceLabels?: Record<string, string>
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
      return informer
    })
  }

  start(): void {
    for (const informer of this.#informers) informer.start()
  }

  /** Resolves once every kind has been listed once. */
  async synced(): Promise<void> {
    await Promise.all(this.#informers.map((informer) => informer.synced))
  }

  async stop(): Promise<void> {
    this.#stopped = true
    await Promise.all(this.#informers.map((informer) => informer.stop()))
  }

  // One write at a time per object, always of its latest state.
  #schedule(event: Event): void {
    const key = `${event.kind}/${objectKey(event.object)}`
    this.#pending.set(key, event)
    if (!this.#running.has(key)) void this.#drain(key)
  }

  async #drain(key: string): Promise<void> {
    this.#running.add(key)
    try {
      for (let event = this.#pending.get(key); event; event = this.#pending.get(key)) {
        this.#pending.delete(key)
        try {
          await this.#write(event)
        } catch (error) {
          this.#log.warn({ err: error, key }, 'status watcher: write failed; retrying')
          if (!this.#pending.has(key)) this.#pending.set(key, event)
          await sleep(1_000)
        }
        if (this.#stopped) return
      }
    } finally {
      this.#running.delete(key)
    }
  }

  async #write({ kind, object, deleted }: Event): Promise<void> {
    const { table, idLabel, aggregate, extra } = kinds[kind]
    const id = object.metadata.labels?.[idLabel]
    if (!id) return
    if (deleted) {
      const gone = await this.#db
        .delete(table)
        .where(and(eq(table.id, id), isNotNull(table.deletionRequestedAt)))
        .returning({ id: table.id })
      if (gone.length > 0) return
      const [live] = await this.#db
        .select({ orgId: table.orgId })
        .from(table)
        .where(eq(table.id, id))
      if (live) {
        await this.#db.insert(outbox).values({
          orgId: live.orgId,
          aggregateType: aggregate,
          aggregateId: id,
          action: `${aggregate}.resync`,
          payload: { reason: `${kind} ${objectKey(object)} was deleted outside Fjord` },
        })
      }
      return
    }
    const status = object.status as (Record<string, unknown> & FjordResource['status']) | undefined
    const generation = Number(object.metadata.annotations?.[generationAnnotation])
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
