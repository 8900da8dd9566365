import { setTimeout as sleep } from 'node:timers/promises'
import { annotations, isCreatedByFjord, labels } from '@fjord/contract/metadata'
import { passwordSecretName, topicResourceName, userResourceName } from '@fjord/contract/naming'
import { readyCondition, reasons } from '@fjord/contract/reasons'
import { KafkaClusters, KafkaTopics, KafkaUsers } from '@fjord/contract/resources'
import { createObject, deleteObject, getObject, replaceObject } from '@fjord/kube/apply'
import type { KubeClient, KubeObject } from '@fjord/kube/client'
import { isNotFound } from '@fjord/kube/errors'
import { Namespaces, type ResourceType, Secrets } from '@fjord/kube/resources'
import { and, eq, isNull, lt, sql } from 'drizzle-orm'
import type { Logger } from 'pino'
import type { Db } from '../db/client.ts'
import {
  type Condition,
  clusters,
  credentials,
  organizations,
  serviceAccounts,
  topics,
} from '../db/schema/index.ts'
import { effectiveLimits } from '../quota/usage.ts'
import { type ChangeKind, parseChangeKind } from '../resources/changes.ts'
import { claim, complete, type OutboxEntry, refuse, retryLater } from './outbox.ts'
import {
  bindOrgRole,
  deleteOwned,
  ensureOrgNamespace,
  keepingOthers,
  NotCreatedByFjord,
  type OrgAccess,
  ownedByOrg,
  refreshOrgNamespace,
} from './ownership.ts'
import { choosePool } from './pools.ts'
import { clusterResource, fieldManager, topicResource, userResource } from './resources.ts'

type Result = { done: true } | { done: false; reason: string; retryInMs?: number }
/** A claimed row, its payload read as the change its action names. */
type Claimed = OutboxEntry & { change: ChangeKind }
type PasswordSecret = Extract<ChangeKind, { action: 'credential.delete' }>['payload']
const done: Result = { done: true }
const later = (reason: string, retryInMs = 1_000): Result => ({ done: false, reason, retryInMs })
/** How often a change refused for an object Fjord did not make is tried again. */
const refusedRetryMs = 60_000

// What the provisioner needs of an org, read with each aggregate's own row.
const orgColumns = {
  id: organizations.id,
  name: organizations.name,
  displayName: organizations.displayName,
  namespace: organizations.namespace,
  plan: organizations.plan,
}
type Org = { id: string; name: string; displayName: string; namespace: string; plan: string }

export interface ProvisionerOptions {
  db: Db
  kube: KubeClient
  log: Logger
  /** Put on every object made (see FJORD_RESOURCE_LABELS). */
  resourceLabels?: Record<string, string>
  /** The api's rights in org namespaces, bound in each (see FJORD_ORG_ROLE). */
  orgAccess?: OrgAccess | undefined
  batchSize?: number
  concurrency?: number
  idleMs?: number
}

/**
 * Drains the outbox into custom resources. Every change is level-triggered: the row as it is
 * now is applied, not the change that was recorded, so rows may be handled in any order, twice,
 * or after a crash, and an older generation is never applied over a newer one (the applied
 * object carries its generation, and the apply is guarded by the resourceVersion read).
 */
export class Provisioner {
  readonly #db: Db
  readonly #kube: KubeClient
  readonly #log: Logger
  readonly #batchSize: number
  readonly #concurrency: number
  readonly #idleMs: number
  readonly #resourceLabels: Record<string, string>
  readonly #orgAccess: OrgAccess | undefined
  readonly #namespaces = new Set<string>()
  /** Namespaces where the api's org role is bound (by this process, or found so). */
  readonly #bound = new Set<string>()
  #stopped = false
  #loop: Promise<void> | undefined
  #wake: (() => void) | undefined

  constructor(options: ProvisionerOptions) {
    this.#db = options.db
    this.#kube = options.kube
    this.#log = options.log
    this.#batchSize = options.batchSize ?? 200
    this.#concurrency = options.concurrency ?? 64
    this.#idleMs = options.idleMs ?? 100
    this.#resourceLabels = options.resourceLabels ?? {}
    this.#orgAccess = options.orgAccess
  }

  start(): void {
    this.#loop ??= this.#run()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#wake?.()
    await this.#loop
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      let handled = 0
      try {
        handled = await this.drainOnce()
      } catch (error) {
        this.#log.warn({ err: error }, 'provisioner: claiming from the outbox failed')
      }
      if (handled === 0 && !this.#stopped) {
        const idle = new AbortController()
        this.#wake = () => idle.abort()
        await sleep(this.#idleMs, undefined, { signal: idle.signal }).catch(() => {})
        this.#wake = undefined
      }
    }
  }

  /** Claims one batch and handles it; answers how many rows it claimed. */
  async drainOnce(): Promise<number> {
    const entries = await claim(this.#db, this.#batchSize)
    // One aggregate is handled once per batch, however many of its changes are waiting.
    const groups = new Map<string, Claimed[]>()
    for (const entry of entries) {
      const parsed = parseChangeKind(entry.action, entry.payload)
      if (!parsed.ok) {
        await this.#refuse(entry, parsed.error)
        continue
      }
      const key = `${entry.aggregateType}/${entry.aggregateId}/${entry.aggregateType === 'credential' ? entry.id : ''}`
      groups.set(key, [...(groups.get(key) ?? []), { ...entry, change: parsed.kind }])
    }
    const queue = [...groups.values()]
    const worker = async () => {
      for (let group = queue.shift(); group; group = queue.shift()) await this.#handleGroup(group)
    }
    await Promise.all(Array.from({ length: this.#concurrency }, worker))
    return entries.length
  }

  /** A row no retry can apply is kept with the reason, for people to read, and not tried again. */
  async #refuse(entry: OutboxEntry, error: string): Promise<void> {
    this.#log.error(
      { outboxId: entry.id, action: entry.action, id: entry.aggregateId, err: error },
      'provisioner: refused an outbox row whose payload is not the change its action names',
    )
    await refuse(this.#db, entry.id, `refused: ${error}`)
  }

  async #handleGroup(group: Claimed[]): Promise<void> {
    const latest = group.at(-1) as Claimed
    const ids = group.map((entry) => entry.id)
    const attempts = Math.max(...group.map((entry) => entry.attempts))
    let result: Result
    try {
      result = await this.#handle(latest)
    } catch (error) {
      if (error instanceof NotCreatedByFjord) {
        this.#log.warn(
          { aggregate: latest.aggregateType, id: latest.aggregateId, err: error.message },
          'provisioner: refused to touch an object Fjord did not create',
        )
        await this.#noteRetrying(latest, error.message, reasons.NotCreatedByFjord)
        await retryLater(this.#db, ids, attempts, error.message, refusedRetryMs)
        return
      }
      const message = error instanceof Error ? error.message : String(error)
      this.#log.warn(
        { aggregate: latest.aggregateType, id: latest.aggregateId, attempts, err: message },
        'provisioner: change not applied yet; retrying',
      )
      await this.#noteRetrying(latest, message)
      await retryLater(this.#db, ids, attempts, message)
      return
    }
    if (result.done) {
      await complete(this.#db, ids)
      return
    }
    await this.#noteRetrying(latest, result.reason)
    await retryLater(this.#db, ids, attempts, result.reason, result.retryInMs)
  }

  async #handle(entry: Claimed): Promise<Result> {
    const { change } = entry
    switch (change.action) {
      case 'cluster.create':
      case 'cluster.update':
      case 'cluster.delete':
      case 'cluster.resync':
        return this.#syncCluster(entry.aggregateId)
      case 'topic.create':
      case 'topic.update':
      case 'topic.delete':
      case 'topic.resync':
        return this.#syncTopic(entry.aggregateId)
      case 'service_account.create':
      case 'service_account.update':
      case 'service_account.delete':
      case 'service_account.resync':
        return this.#syncServiceAccount(entry.aggregateId)
      case 'credential.issue':
        return this.#withdraw(entry.id, change.payload)
      case 'credential.delete':
        await this.#deleteCredentialSecret(change.payload)
        return done
      case 'organization.create':
      case 'organization.update':
        return this.#syncOrg(entry.aggregateId)
      case 'organization.delete':
        return this.#deleteNamespace(entry.aggregateId, change.payload)
      case 'quota.update':
        return this.#syncOrgUsers(entry.orgId)
      // Nothing of these goes to Kubernetes (an issued password went there as it was issued,
      // new offsets and test messages to Kafka as they were made).
      case 'credential.create':
      case 'group.offsets.reset':
      case 'topic.message.produce':
      case 'api_key.create':
      case 'api_key.delete':
      case 'member.update':
      case 'member.delete':
      case 'invitation.create':
      case 'invitation.delete':
      case 'invitation.accept':
      case 'user.password.change':
        return done
    }
  }

  async #ensureNamespace(org: Org): Promise<void> {
    if (this.#namespaces.has(org.namespace)) return
    await ensureOrgNamespace(this.#kube, org, { access: this.#orgAccess })
    this.#namespaces.add(org.namespace)
    this.#bound.add(org.namespace)
  }

  /**
   * Before a Secret of an org is read or deleted: its namespace may predate the api's org
   * role binding (made before FJORD_ORG_ROLE), so the binding is made when missing.
   */
  async #mayTouchSecrets(namespace: string): Promise<void> {
    if (!this.#orgAccess || this.#bound.has(namespace)) return
    await bindOrgRole(this.#kube, namespace, this.#orgAccess)
    this.#bound.add(namespace)
  }

  /**
   * Creates `object`, or replaces the one Fjord made for this row, unless that one belongs
   * to another row (a resource of the same name still being deleted) or was made from a
   * newer generation. An object of that name that Fjord did not make is refused, untouched.
   */
  async #writeGuarded(
    type: ResourceType,
    org: Org,
    object: { metadata: { name: string; namespace: string; labels: Record<string, string> } },
    idLabel: string,
    generation: number,
  ): Promise<Result> {
    await this.#ensureNamespace(org)
    Object.assign(object.metadata.labels, this.#resourceLabels)
    const { name, namespace } = object.metadata
    const existing = await getObject(this.#kube, type, name, namespace)
    if (existing) {
      if (!isCreatedByFjord(existing, org.id))
        throw new NotCreatedByFjord(type.kind, name, namespace)
      if (existing.metadata.labels?.[idLabel] !== object.metadata.labels[idLabel]) {
        return later(`an earlier ${type.kind} ${name} is still being deleted`, 2_000)
      }
      if (existing.metadata.deletionTimestamp) {
        return later(`${type.kind} ${name} is still being deleted`, 2_000)
      }
      const applied = Number(existing.metadata.annotations?.[annotations.generation] ?? 0)
      if (applied > generation) return done
    }
    try {
      if (existing) {
        await replaceObject(this.#kube, type, keepingOthers(existing, object), { fieldManager })
      } else {
        await createObject(this.#kube, type, object, { fieldManager })
      }
    } catch (error) {
      // The namespace went away behind our back: make it again next time.
      if (isNotFound(error)) this.#namespaces.delete(namespace)
      throw error
    }
    return done
  }

  /**
   * Deletes the object made for a row that is being deleted; the row goes once the object
   * is gone (the operator's finalizer holds it until Kafka let go).
   */
  async #deleteGuarded(
    type: ResourceType,
    name: string,
    namespace: string,
    idLabel: string,
    id: string,
    forget: () => Promise<unknown>,
  ): Promise<Result> {
    const existing = await getObject(this.#kube, type, name, namespace)
    if (!existing || existing.metadata.labels?.[idLabel] !== id) {
      await forget()
      return done
    }
    if (!existing.metadata.deletionTimestamp) {
      await deleteObject(this.#kube, type, name, namespace, { uid: existing.metadata.uid })
    }
    return later(`waiting for the operator to delete ${type.kind} ${name}`, 1_000)
  }

  async #syncCluster(id: string): Promise<Result> {
    const [found] = await this.#db
      .select({ row: clusters, org: orgColumns })
      .from(clusters)
      .innerJoin(organizations, eq(organizations.id, clusters.orgId))
      .where(eq(clusters.id, id))
    if (!found) return done
    const { row, org } = found
    if (row.deletionRequestedAt) {
      return this.#deleteGuarded(KafkaClusters, row.name, org.namespace, labels.clusterId, id, () =>
        this.#db.delete(clusters).where(eq(clusters.id, id)),
      )
    }
    // First, so that a namespace in the way is what the cluster reports, before any pool.
    await this.#ensureNamespace(org)
    let pool = row.pool ?? undefined
    if (row.type === 'shared' && !pool) {
      const existing = await getObject<KubeObject & { spec: { poolRef?: { name: string } } }>(
        this.#kube,
        KafkaClusters,
        row.name,
        org.namespace,
      )
      pool =
        existing?.spec.poolRef?.name ??
        (await choosePool(this.#db, this.#kube, row.region, this.#resourceLabels))
      if (!pool) return later(`no Ready KafkaPool in region ${row.region} has room`, 10_000)
      await this.#db.update(clusters).set({ pool }).where(eq(clusters.id, id))
    }
    return this.#writeGuarded(
      KafkaClusters,
      org,
      clusterResource(org, row, pool),
      labels.clusterId,
      row.generation,
    )
  }

  async #syncTopic(id: string): Promise<Result> {
    const [found] = await this.#db
      .select({ topic: topics, cluster: clusters, org: orgColumns })
      .from(topics)
      .innerJoin(clusters, eq(clusters.id, topics.clusterId))
      .innerJoin(organizations, eq(organizations.id, topics.orgId))
      .where(eq(topics.id, id))
    if (!found) return done
    const { topic, cluster, org } = found
    if (topic.deletionRequestedAt) {
      return this.#deleteGuarded(
        KafkaTopics,
        topicResourceName(cluster, topic),
        org.namespace,
        labels.topicId,
        id,
        () => this.#db.delete(topics).where(eq(topics.id, id)),
      )
    }
    return this.#writeGuarded(
      KafkaTopics,
      org,
      topicResource(org, cluster, topic),
      labels.topicId,
      topic.generation,
    )
  }

  async #syncServiceAccount(id: string): Promise<Result> {
    const [found] = await this.#db
      .select({ account: serviceAccounts, cluster: clusters, org: orgColumns })
      .from(serviceAccounts)
      .innerJoin(clusters, eq(clusters.id, serviceAccounts.clusterId))
      .innerJoin(organizations, eq(organizations.id, serviceAccounts.orgId))
      .where(eq(serviceAccounts.id, id))
    if (!found) return done
    const { account, cluster, org } = found
    const namespace = org.namespace
    if (account.deletionRequestedAt) {
      return this.#deleteGuarded(
        KafkaUsers,
        userResourceName(cluster, account),
        namespace,
        labels.serviceAccountId,
        id,
        async () => {
          const secret = passwordSecretName(cluster, account)
          await this.#mayTouchSecrets(namespace)
          await deleteOwned(this.#kube, Secrets, secret, namespace, ownedByOrg(org.id))
          await this.#db.delete(serviceAccounts).where(eq(serviceAccounts.id, id))
        },
      )
    }
    const limits = await effectiveLimits(this.#db, org.id, org.plan)
    return this.#writeGuarded(
      KafkaUsers,
      org,
      userResource(org, cluster, account, limits),
      labels.serviceAccountId,
      account.generation,
    )
  }

  /** A renamed org gets its namespace's labels anew; a new plan moves its principals' rates. */
  async #syncOrg(id: string): Promise<Result> {
    const [org] = await this.#db
      .select(orgColumns)
      .from(organizations)
      .where(eq(organizations.id, id))
    if (!org) return done
    await refreshOrgNamespace(this.#kube, org)
    return this.#syncOrgUsers(id)
  }

  async #syncOrgUsers(orgId: string | null): Promise<Result> {
    if (!orgId) return done
    const accounts = await this.#db
      .select({ id: serviceAccounts.id })
      .from(serviceAccounts)
      .where(and(eq(serviceAccounts.orgId, orgId), isNull(serviceAccounts.deletionRequestedAt)))
    for (const { id } of accounts) {
      const result = await this.#syncServiceAccount(id)
      if (!result.done) return result
    }
    return done
  }

  /**
   * Deletes a credential's Secret, unless a newer credential replaced it meanwhile; answers
   * whether it did.
   */
  async #deleteCredentialSecret({ namespace, secret, credentialId }: PasswordSecret) {
    await this.#mayTouchSecrets(namespace)
    const existing = await getObject(this.#kube, Secrets, secret, namespace)
    if (!existing || existing.metadata.annotations?.[annotations.credentialId] !== credentialId) {
      return false
    }
    await deleteObject(this.#kube, Secrets, secret, namespace, {
      uid: existing.metadata.uid,
      resourceVersion: existing.metadata.resourceVersion,
    })
    return true
  }

  /**
   * Runs only when the request that issued a credential stopped before it recorded it (it
   * cancels this otherwise): the password it may have put in the Secret is deleted. That
   * password had replaced every older one, so the older credentials go too.
   */
  async #withdraw(
    outboxId: number,
    issued: PasswordSecret & { serviceAccountId: string },
  ): Promise<Result> {
    if (!(await this.#deleteCredentialSecret(issued))) return done
    await this.#db
      .delete(credentials)
      .where(
        and(
          eq(credentials.serviceAccountId, issued.serviceAccountId),
          lt(credentials.createdAt, sql`(select created_at from outbox where id = ${outboxId})`),
        ),
      )
    return done
  }

  /**
   * Deletes a deleted org's namespace, only when Fjord made it for that org, and only the
   * namespace that was checked (uid precondition).
   */
  async #deleteNamespace(orgId: string, org: { name: string; namespace?: string }) {
    const name = org.namespace ?? org.name
    this.#namespaces.delete(name)
    const owns = ownedByOrg(orgId)
    if ((await deleteOwned(this.#kube, Namespaces, name, undefined, owns)) === 'not-owned') {
      this.#log.warn(
        { namespace: name, org: orgId },
        'provisioner: left a namespace Fjord did not create for this org',
      )
    }
    return done
  }

  /**
   * Shows on the row why its change has not reached Kubernetes yet; with `refusal`, that
   * it cannot until someone moves what is in the way (the row is Failed, with that reason).
   */
  async #noteRetrying(entry: OutboxEntry, message: string, refusal?: string): Promise<void> {
    const table = { cluster: clusters, topic: topics, service_account: serviceAccounts }[
      entry.aggregateType
    ]
    if (!table) return
    const condition: Condition = {
      type: readyCondition,
      status: 'False',
      reason: refusal ?? reasons.ProvisioningRetrying,
      message: refusal ? message : `not handed to Kubernetes yet (${message}); retrying`,
      lastTransitionTime: new Date().toISOString(),
    }
    await this.#db
      .update(table)
      .set({ conditions: [condition], ...(refusal ? { phase: 'Failed' } : {}) })
      .where(
        and(
          eq(table.id, entry.aggregateId),
          sql`${table.observedGeneration} < ${table.generation}`,
        ),
      )
      .catch((error: unknown) =>
        this.#log.warn({ err: error }, 'provisioner: could not note the retry'),
      )
  }
}
