import { setTimeout as sleep } from 'node:timers/promises'
import { annotations, finalizer, isCreatedByFjord, labels } from '@fjord/contract/metadata'
import { passwordSecretName, topicResourceName, userResourceName } from '@fjord/contract/naming'
import { readyCondition, reasons } from '@fjord/contract/reasons'
import { KafkaClusters, KafkaTopics, KafkaUsers } from '@fjord/contract/resources'
import { createObject, deleteObject, getObject, replaceObject } from '@fjord/kube/apply'
import type { KubeClient, KubeObject } from '@fjord/kube/client'
import { isAlreadyExists, isNotFound } from '@fjord/kube/errors'
import { controllerReference, Namespaces, type ResourceType, Secrets } from '@fjord/kube/resources'
import { and, eq, inArray, isNull, lt, sql } from 'drizzle-orm'
import type { Logger } from 'pino'
import type { Database, Db } from '../db/client.ts'
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
import { gathered } from './gather.ts'
import {
  claim,
  complete,
  nextDueInMs,
  type OutboxEntry,
  outboxChannel,
  refuse,
  retryLater,
} from './outbox.ts'
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
/** Not done yet: tried again after `retryInMs`, or, without it, after the outbox's backoff. */
const later = (reason: string, retryInMs?: number): Result => ({ done: false, reason, retryInMs })
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
  /**
   * Where new outbox rows are announced (the outbox's NOTIFY channel): with it the provisioner
   * wakes as a change commits and sleeps otherwise; without it, it polls every `idleMs`.
   */
  notifications?: Pick<Database, 'subscribe'>
  /** Put on every object made (see FJORD_RESOURCE_LABELS). */
  resourceLabels?: Record<string, string>
  /** The api's rights in org namespaces, bound in each (see FJORD_ORG_ROLE). */
  orgAccess?: OrgAccess | undefined
  /** Changes handled at once (each is a few apiserver and database round trips). */
  concurrency?: number
  idleMs?: number
}

/** The longest the provisioner sleeps while listening, whatever the outbox says is next. */
const maxSleepMs = 10_000

/**
 * Drains the outbox into custom resources. Every change is level-triggered: the row as it is
 * now is applied, not the change that was recorded, so rows may be handled in any order, twice,
 * or after a crash, and an older generation is never applied over a newer one (the applied
 * object carries its generation, and the apply is guarded by the resourceVersion read).
 *
 * Rows stream through: up to `concurrency` changes are in flight, and more are claimed as soon
 * as half of them are done, so a bulk apply of thousands never waits on the slowest of a batch.
 * Two changes of one aggregate never run at once: the later waits for the earlier.
 */
export class Provisioner {
  readonly #db: Db
  readonly #kube: KubeClient
  readonly #log: Logger
  readonly #notifications: Pick<Database, 'subscribe'> | undefined
  readonly #concurrency: number
  readonly #idleMs: number
  readonly #resourceLabels: Record<string, string>
  readonly #orgAccess: OrgAccess | undefined
  readonly #namespaces = new Set<string>()
  /** Namespaces where the api's org role is bound (by this process, or found so). */
  readonly #bound = new Set<string>()
  /** The uid of each cluster row's KafkaCluster, the owner its topics and users are made with. */
  readonly #clusterUids = new Map<string, string>()
  /** The changes in flight, by aggregate: the last of each chain. */
  readonly #running = new Map<string, Promise<void>>()
  #inFlight = 0
  /** Changes done, recorded together: one statement for all that finished meanwhile. */
  readonly #complete = gathered(async (groups: number[][]) => {
    await complete(this.#db, groups.flat())
    return groups.map(() => undefined)
  })
  /** A topic's row with its cluster and org, read together with the others wanted meanwhile. */
  readonly #topicRow = gathered(async (ids: string[]) => {
    const rows = await this.#db
      .select({ topic: topics, cluster: clusters, org: orgColumns })
      .from(topics)
      .innerJoin(clusters, eq(clusters.id, topics.clusterId))
      .innerJoin(organizations, eq(organizations.id, topics.orgId))
      .where(inArray(topics.id, ids))
    const byId = new Map(rows.map((row) => [row.topic.id, row]))
    return ids.map((id) => byId.get(id))
  })
  #listening = false
  #stopped = false
  #loop: Promise<void> | undefined
  #unsubscribe: (() => Promise<void>) | undefined
  /** Ends the loop's current wait (see `#wake`). */
  #sleeper: (() => void) | undefined
  /** Set by `#wake` since the loop last looked: what it would claim or wait for has changed. */
  #woken = false

  constructor(options: ProvisionerOptions) {
    this.#db = options.db
    this.#kube = options.kube
    this.#log = options.log
    this.#notifications = options.notifications
    this.#concurrency = options.concurrency ?? 64
    this.#idleMs = options.idleMs ?? 100
    this.#resourceLabels = options.resourceLabels ?? {}
    this.#orgAccess = options.orgAccess
  }

  start(): void {
    if (this.#loop) return
    this.#unsubscribe = this.#notifications?.subscribe(outboxChannel, {
      notified: () => this.#wake(),
      listening: () => {
        this.#listening = true
        this.#wake()
      },
      lost: (error) => {
        this.#listening = false
        this.#log.warn(
          { err: error },
          'provisioner: not listening for outbox changes; polling until it is again',
        )
      },
    })
    this.#loop = this.#run()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#wake()
    await this.#loop
    await this.#unsubscribe?.()
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      // Claims again once half the slots are free: rows come in batches, not one by one, and
      // the changes in flight never run dry while a claim is on its way.
      this.#woken = false
      if (this.#inFlight > this.#concurrency / 2) {
        await this.#sleep(maxSleepMs)
        continue
      }
      let claimed = 0
      try {
        claimed = this.#dispatch(await this.#claim())
      } catch (error) {
        this.#log.warn({ err: error }, 'provisioner: claiming from the outbox failed')
      }
      if (claimed > 0 || this.#stopped) continue
      await this.#sleep(this.#listening ? await this.#untilNextDue() : this.#idleMs)
    }
    await Promise.all(this.#running.values())
  }

  /** Until a row waiting for its retry or for another replica's claim may be claimed. */
  async #untilNextDue(): Promise<number> {
    try {
      return Math.min(await nextDueInMs(this.#db), maxSleepMs)
    } catch (error) {
      this.#log.warn({ err: error }, 'provisioner: reading the outbox failed')
      return this.#idleMs
    }
  }

  /**
   * For a notification, a change done (a slot is free, or a retry was scheduled), and the
   * stop; one that came while the loop was busy ends its next wait at once.
   */
  #wake(): void {
    this.#woken = true
    this.#sleeper?.()
  }

  async #sleep(ms: number): Promise<void> {
    if (this.#stopped || this.#woken) return
    const woken = new AbortController()
    this.#sleeper = () => woken.abort()
    await sleep(ms, undefined, { signal: woken.signal }).catch(() => {})
    this.#sleeper = undefined
  }

  /** Claims one batch and handles it; answers how many rows it claimed. */
  async drainOnce(): Promise<number> {
    const entries = await this.#claim()
    this.#dispatch(entries)
    await Promise.all(this.#running.values())
    return entries.length
  }

  #claim(): Promise<OutboxEntry[]> {
    return claim(this.#db, this.#concurrency - this.#inFlight)
  }

  /**
   * Starts on every claimed aggregate (however many of its changes were claimed, it is
   * handled once), after any change of it still in flight; answers how many rows it took.
   */
  #dispatch(entries: OutboxEntry[]): number {
    const groups = new Map<string, Claimed[]>()
    for (const entry of entries) {
      const parsed = parseChangeKind(entry.action, entry.payload)
      if (!parsed.ok) {
        this.#track(`refused/${entry.id}`, () => this.#refuse(entry, parsed.error))
        continue
      }
      const key = `${entry.aggregateType}/${entry.aggregateId}/${entry.aggregateType === 'credential' ? entry.id : ''}`
      groups.set(key, [...(groups.get(key) ?? []), { ...entry, change: parsed.kind }])
    }
    for (const [key, group] of groups) this.#track(key, () => this.#handleGroup(group))
    return entries.length
  }

  #track(key: string, work: () => Promise<void>): void {
    this.#inFlight++
    const run: Promise<void> = (this.#running.get(key) ?? Promise.resolve())
      .then(work)
      .catch((error: unknown) =>
        // The rows' claims run out, and they are claimed again then.
        this.#log.warn(
          { err: error, key },
          'provisioner: recording the outcome of a change failed',
        ),
      )
      .finally(() => {
        this.#inFlight--
        if (this.#running.get(key) === run) this.#running.delete(key)
        this.#wake()
      })
    this.#running.set(key, run)
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
      await this.#complete(ids)
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
        return this.#syncCluster(entry.aggregateId, change.action === 'cluster.create')
      case 'topic.create':
      case 'topic.update':
      case 'topic.delete':
      case 'topic.resync':
        return this.#syncTopic(entry.aggregateId, change.action === 'topic.create')
      case 'service_account.create':
      case 'service_account.update':
      case 'service_account.delete':
      case 'service_account.resync':
        return this.#syncServiceAccount(
          entry.aggregateId,
          change.action === 'service_account.create',
        )
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
   * A `fresh` row (its change is its creation) is created at once, without reading first: a
   * create never touches an object of that name, and when one is there the guarded way
   * follows.
   */
  async #writeGuarded(
    type: ResourceType,
    org: Org,
    object: { metadata: { name: string; namespace: string; labels: Record<string, string> } },
    idLabel: string,
    generation: number,
    fresh = false,
  ): Promise<Result> {
    await this.#ensureNamespace(org)
    Object.assign(object.metadata.labels, this.#resourceLabels)
    const { name, namespace } = object.metadata
    const write = async (existing: KubeObject | undefined) => {
      try {
        return existing
          ? await replaceObject(this.#kube, type, keepingOthers(existing, object), { fieldManager })
          : await createObject(this.#kube, type, object, { fieldManager })
      } catch (error) {
        // The namespace went away behind our back: make it again next time.
        if (isNotFound(error)) this.#namespaces.delete(namespace)
        throw error
      }
    }
    if (fresh) {
      try {
        await write(undefined)
        return done
      } catch (error) {
        if (!isAlreadyExists(error)) throw error
      }
    }
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
    await write(existing)
    return done
  }

  /**
   * Makes a topic or user as the operator would finish it, so that its first reconcile
   * writes nothing before Kafka: with the operator's cleanup finalizer, and owned by its
   * KafkaCluster (whose deletion lets the garbage collector delete it). Without a KafkaCluster
   * of its row yet, the owner is left to the operator. Only a new object takes these: a
   * replacement keeps the finalizers and owners it has (`keepingOthers`).
   */
  async #finished<T extends { metadata: object }>(
    object: T,
    org: Org,
    cluster: { id: string; name: string },
  ): Promise<T> {
    let uid = this.#clusterUids.get(cluster.id)
    if (!uid) {
      const found = await getObject(this.#kube, KafkaClusters, cluster.name, org.namespace)
      const ours =
        found &&
        isCreatedByFjord(found, org.id) &&
        found.metadata.labels?.[labels.clusterId] === cluster.id &&
        !found.metadata.deletionTimestamp
      uid = ours ? found.metadata.uid : undefined
      if (uid) this.#clusterUids.set(cluster.id, uid)
    }
    const owner =
      uid && controllerReference(KafkaClusters, { metadata: { name: cluster.name, uid } })
    return {
      ...object,
      metadata: {
        ...object.metadata,
        finalizers: [finalizer],
        ...(owner ? { ownerReferences: [owner] } : {}),
      },
    }
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
    // The status watcher lets the row go as soon as the object is gone; this only closes the
    // change, so a wait that lasts (the operator down) costs a read every 15 s, not every 1 s.
    return later(`waiting for the operator to delete ${type.kind} ${name}`)
  }

  async #syncCluster(id: string, fresh: boolean): Promise<Result> {
    // Made again after a deletion by hand, the KafkaCluster has a new uid: it is read anew.
    this.#clusterUids.delete(id)
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
      fresh,
    )
  }

  async #syncTopic(id: string, fresh: boolean): Promise<Result> {
    const found = await this.#topicRow(id)
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
      await this.#finished(topicResource(org, cluster, topic), org, cluster),
      labels.topicId,
      topic.generation,
      fresh,
    )
  }

  async #syncServiceAccount(id: string, fresh = false): Promise<Result> {
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
      await this.#finished(userResource(org, cluster, account, limits), org, cluster),
      labels.serviceAccountId,
      account.generation,
      fresh,
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
