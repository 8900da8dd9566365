import { randomUUID } from 'node:crypto'
import { finalizer, labels } from '@fjord/contract/metadata'
import { type Reason, readyCondition, reasons } from '@fjord/contract/reasons'
import { KafkaTopics } from '@fjord/contract/resources'
import type { KafkaTopic, Phase } from '@fjord/contract/types'
import { deleteObject, getObject, listObjects, removeFinalizer } from '@fjord/kube/apply'
import { KubeClient, type KubeObject, type WatchEventType } from '@fjord/kube/client'
import { isConflict } from '@fjord/kube/errors'
import { microTime } from '@fjord/kube/leader'
import { Leases, objectPath } from '@fjord/kube/resources'
import { readStackEnv } from '@fjord/stack/env'
import { expectStatus, startTestApiWithOwnOutbox, type TestApi } from '@fjord/testing/api'
import { createTestNamespace } from '@fjord/testing/kube'
import { uniqueName } from '@fjord/testing/names'
import { aTenant, withCluster } from '@fjord/testing/tenants'
import { and, eq, inArray, sql } from 'drizzle-orm'
import pino from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Db, Tx } from '../src/db/client.ts'
import { outbox, topics } from '../src/db/schema/index.ts'
import { Provisioner } from '../src/provisioner/provisioner.ts'
import { selectorOf } from '../src/provisioner/resources.ts'
import { StatusWatcher } from '../src/provisioner/status-watcher.ts'

// Two api replicas' status watchers on one database and the stack's real kube-apiserver, with
// no operator: the test writes the status an operator would. Resources carry a label of this
// file's own; the Lease lives in a namespace of this file's own, and the outbox the test
// drains is this file's alone (PGlite in memory, or a PostgreSQL database of its own).
const kube = KubeClient.fromFile(readStackEnv().kube.kubeconfig)
const resourceLabels = { 'fjord.dev/test-status-watcher': randomUUID().slice(0, 8) }
const timing = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 200 }
const log = pino({ level: 'silent' })
let api: TestApi
let leaseNamespace = ''
let removeLeaseNamespace = async () => {}
const watchers: StatusWatcher[] = []

beforeAll(async () => {
  api = await startTestApiWithOwnOutbox('fjord_status_watcher_test', { resourceLabels }, { kube })
  ;({ namespace: leaseNamespace, remove: removeLeaseNamespace } = await createTestNamespace(
    kube,
    'status-lease',
  ))
})
// Each test's replicas watch every resource of this file: they must not outlive the test, and
// the next test's replicas must not find its KafkaTopics (whose statuses they would write too).
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((watcher) => watcher.stop({ release: false })))
  const left = await listObjects(kube, KafkaTopics, { labelSelector: selectorOf(resourceLabels) })
  await Promise.all(left.map(deleteByHand))
})
afterAll(async () => {
  await removeLeaseNamespace()
  await api.close()
  kube.close()
})

interface Write {
  replica: string
  /** Whether that replica held the Lease as it called the database. */
  leading: boolean
  statement: string
}

/**
 * `db`, noting each insert, update and delete made through it, and each transaction opened
 * (which the writes in it are made through), before passing it on. Each call is one statement
 * (a transaction, several).
 */
function recordingWrites(db: Db, record: (statement: string) => void): Db {
  return new Proxy(db, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      if (['insert', 'update', 'delete', 'transaction'].includes(String(property))) {
        return (...args: unknown[]) => {
          record(String(property))
          return value.apply(target, args)
        }
      }
      return value.bind(target)
    },
  })
}

/**
 * `client`, telling `seen` of each object its watches deliver, once the watcher has been told:
 * the watcher's informers hand an event on before the next line of the watch is read.
 */
function tappingWatches(
  client: KubeClient,
  seen: (type: WatchEventType, object: KubeObject) => void,
): KubeClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      if (property !== 'watch') return value.bind(target)
      return (...[path, query, onEvent, onDone]: Parameters<KubeClient['watch']>) =>
        target.watch(
          path,
          query,
          (type, object) => {
            onEvent(type, object)
            seen(type, object)
          },
          onDone,
        )
    },
  })
}

/**
 * One replica's status watcher, on the shared database, its writes recorded in `writes`; it
 * watches through `watching` if given.
 */
function aReplica(
  replica: string,
  lease: string,
  writes: Write[],
  watching: KubeClient = kube,
): StatusWatcher {
  const db = recordingWrites(api.database.db, (statement) =>
    writes.push({ replica, leading: watcher.leading, statement }),
  )
  const watcher: StatusWatcher = new StatusWatcher({
    db,
    kube: watching,
    log,
    resourceLabels,
    lease: { namespace: leaseNamespace, name: lease, identity: replica, ...timing },
  })
  watchers.push(watcher)
  return watcher
}

type Tenant = Awaited<ReturnType<typeof aTenant>>

/** Topic rows with their KafkaTopics made by the provisioner, which the operator has not seen. */
async function provisionedTopics(tenant: Tenant, cluster: string, count: number) {
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const made = await expectStatus(
      await api.request('POST', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`, {
        as: tenant.owner,
        body: { name: uniqueName('t'), partitions: 1 },
      }),
      201,
    )
    ids.push(made.id as string)
  }
  const provisioner = new Provisioner({ db: api.database.db, kube, log, resourceLabels })
  const found = () =>
    listObjects<KafkaTopic & KubeObject>(kube, KafkaTopics, {
      labelSelector: `${labels.topicId} in (${ids.join(',')})`,
    })
  await expect
    .poll(
      async () => {
        await provisioner.drainOnce()
        return (await found()).length
      },
      { timeout: 20_000, message: `the provisioner to make the KafkaTopics of ${count} topics` },
    )
    .toBe(count)
  const resources = await found()
  return ids.map((id) => ({
    id,
    resource: resources.find(
      (resource) => resource.metadata.labels?.[labels.topicId] === id,
    ) as KafkaTopic & KubeObject,
  }))
}

async function aProvisionedTopic(tenant: Tenant, cluster: string) {
  const [topic] = await provisionedTopics(tenant, cluster, 1)
  return topic as NonNullable<typeof topic>
}

/**
 * Deletes the resource by hand. The provisioner made it with the operator's finalizer, which
 * no operator runs here to remove (after deleting the topic in Kafka): the test removes it.
 */
async function deleteByHand(resource: KubeObject): Promise<void> {
  const { name, namespace } = resource.metadata
  await deleteObject(kube, KafkaTopics, name, namespace)
  const deleting = await getObject(kube, KafkaTopics, name, namespace)
  if (deleting) await removeFinalizer(kube, KafkaTopics, deleting, finalizer)
}

/** Writes the resource's status as the operator would, about the generation it has now. */
async function reportStatus(resource: KubeObject, phase: Phase, reason: Reason) {
  const { name, namespace, generation } = resource.metadata
  await kube.request('PATCH', `${objectPath(KafkaTopics, name, namespace)}/status`, {
    body: {
      status: {
        phase,
        observedGeneration: generation,
        conditions: [
          {
            type: readyCondition,
            status: phase === 'Ready' ? 'True' : 'False',
            reason,
            message: `reported by the test as ${phase}`,
            lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          },
        ],
      },
    },
    contentType: 'application/merge-patch+json',
  })
}

/**
 * Makes `holder` the Lease's holder, as a replica that took it over would, for as long as it
 * says (by default the duration the Lease has).
 */
async function takeLease(
  name: string,
  holder: string,
  duration: { leaseDurationSeconds?: number } = {},
): Promise<void> {
  const path = objectPath(Leases, name, leaseNamespace)
  for (;;) {
    const lease = await kube.get<KubeObject>(path)
    const spec = {
      ...lease.spec,
      holderIdentity: holder,
      renewTime: microTime(new Date()),
      ...duration,
    }
    try {
      await kube.request('PUT', path, { body: { ...lease, spec } })
      return
    } catch (error) {
      // The holder renewed in between: read it again.
      if (!isConflict(error)) throw error
    }
  }
}

/**
 * Starts a replica whose UPDATE of Ready waits on the topic's row, locked by a transaction of
 * the test (on PGlite, behind that transaction), while the operator reports Failed; returns
 * once the replica has seen Failed and the transaction has ended. `first` runs first in it.
 */
async function failedWhileWritingReady(
  topic: { id: string; resource: KubeObject },
  writes: Write[],
  first: (tx: Tx) => Promise<void> = async () => {},
): Promise<void> {
  const failedSeen = Promise.withResolvers<void>()
  const watching = tappingWatches(kube, (_, object) => {
    if (object.metadata.uid === topic.resource.metadata.uid && object.status?.phase === 'Failed')
      failedSeen.resolve()
  })
  const a = aReplica('a', uniqueName('status'), writes, watching)
  a.start()
  await expect.poll(() => a.leading, { timeout: 10_000, message: 'a to lead' }).toBe(true)
  await a.synced()
  await api.database.db.transaction(async (tx) => {
    await first(tx)
    await tx.select({ id: topics.id }).from(topics).where(eq(topics.id, topic.id)).for('update')
    await reportStatus(topic.resource, 'Ready', reasons.Reconciled)
    await expect
      .poll(() => writes.filter((write) => write.statement === 'update').length, {
        timeout: 10_000,
        message: 'the UPDATE of Ready sent',
      })
      .toBe(1)
    await reportStatus(topic.resource, 'Failed', reasons.KafkaUnavailable)
    await failedSeen.promise
  })
}

async function rowOf(id: string) {
  const [row] = await api.database.db.select().from(topics).where(eq(topics.id, id))
  return row
}

describe('the status watchers of two api replicas', () => {
  it('write through the replica holding the Lease only; the other takes over when it dies and catches up from its caches', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const kept = await aProvisionedTopic(tenant, cluster)
    const lost = await aProvisionedTopic(tenant, cluster)
    const writes: Write[] = []
    const lease = uniqueName('status')
    const a = aReplica('a', lease, writes)
    const b = aReplica('b', lease, writes)
    a.start()
    await expect.poll(() => a.leading, { timeout: 10_000, message: 'a to lead' }).toBe(true)
    b.start()
    await b.synced()

    await reportStatus(kept.resource, 'Ready', reasons.Reconciled)
    await expect
      .poll(async () => (await rowOf(kept.id))?.phase, {
        timeout: 10_000,
        message: 'the Ready status in the row',
      })
      .toBe('Ready')
    expect(b.leading).toBe(false)

    // a dies without handing the Lease back. While nobody leads, the operator reports a later
    // status, and someone deletes the other topic's resource by hand.
    await a.stop({ release: false })
    const writesOfA = writes.filter((write) => write.replica === 'a').length
    await reportStatus(kept.resource, 'Failed', reasons.KafkaUnavailable)
    await deleteByHand(lost.resource)

    await expect
      .poll(() => b.leading, { timeout: 10_000, message: 'b to take the Lease over' })
      .toBe(true)
    await expect
      .poll(async () => (await rowOf(kept.id))?.phase, {
        timeout: 10_000,
        message: 'the later status, written by b from its cache',
      })
      .toBe('Failed')
    expect((await rowOf(kept.id))?.conditions).toMatchObject([{ reason: 'KafkaUnavailable' }])
    await expect
      .poll(
        async () =>
          (
            await api.database.db
              .select({ action: outbox.action })
              .from(outbox)
              .where(and(eq(outbox.aggregateId, lost.id), eq(outbox.action, 'topic.resync')))
          ).length,
        { timeout: 10_000, message: 'a resync of the topic deleted by hand while nobody led' },
      )
      .toBeGreaterThan(0)

    expect(
      writes.filter((write) => !write.leading),
      'writes made by a replica not holding the Lease',
    ).toEqual([])
    expect(writesOfA, 'writes made by a while it led').toBeGreaterThan(0)
    expect(writes.filter((write) => write.replica === 'a')).toHaveLength(writesOfA)
    expect(writes.filter((write) => write.replica === 'b').length).toBeGreaterThan(0)
  })

  it('stop writing at once on a replica whose Lease was taken, though it still watches', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const topic = await aProvisionedTopic(tenant, cluster)
    const writes: Write[] = []
    const lease = uniqueName('status')
    const a = aReplica('a', lease, writes)
    const b = aReplica('b', lease, writes)
    a.start()
    await expect.poll(() => a.leading, { timeout: 10_000, message: 'a to lead' }).toBe(true)
    b.start()
    await b.synced()

    // Another holder, as after a pause of a's process long enough for the Lease to go.
    await takeLease(lease, 'someone-else')
    await expect
      .poll(() => a.leading, { timeout: 10_000, message: 'a to see the Lease taken' })
      .toBe(false)
    await reportStatus(topic.resource, 'Ready', reasons.Reconciled)
    // The new holder never renews: one of the two takes the Lease back and writes the status.
    await expect
      .poll(async () => (await rowOf(topic.id))?.phase, {
        timeout: 10_000,
        message: 'the Ready status, written once one of them leads again',
      })
      .toBe('Ready')
    expect(
      writes.filter((write) => !write.leading),
      'writes made by a replica not holding the Lease',
    ).toEqual([])
    expect(a.leading || b.leading, 'a or b leading, having written it').toBe(true)
  })

  it('send a resource deleted by hand back to the provisioner, saying so in the audit log', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const topic = await aProvisionedTopic(tenant, cluster)
    const a = aReplica('a', uniqueName('status'), [])
    a.start()
    await expect.poll(() => a.leading, { timeout: 10_000, message: 'a to lead' }).toBe(true)
    await a.synced()
    const { name, namespace } = topic.resource.metadata
    await deleteByHand(topic.resource)

    const resyncs = async () =>
      (
        await expectStatus(
          await api.request('GET', `/v1/orgs/${tenant.org}/audit-events?action=topic.resync`, {
            as: tenant.owner,
          }),
          200,
        )
      ).items as Record<string, unknown>[]
    await expect
      .poll(resyncs, { timeout: 10_000, message: 'an audit event of the resync' })
      .toHaveLength(1)
    const [event] = await resyncs()
    expect(event).toMatchObject({
      actor: { type: 'platform', label: 'status watcher' },
      target: { type: 'topic', name: (await rowOf(topic.id))?.name },
      outcome: 'success',
      details: { reason: `KafkaTopic ${namespace}/${name} was deleted outside Fjord` },
    })
    const queued = await api.database.db
      .select({ action: outbox.action, payload: outbox.payload })
      .from(outbox)
      .where(eq(outbox.aggregateId, topic.id))
    expect(queued).toContainEqual({ action: 'topic.resync', payload: event?.details })
  })
})

describe('the status watcher', () => {
  it('writes the statuses of many objects together, in fewer statements than objects', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    // As many as the plan allows one org.
    const made = await provisionedTopics(tenant, cluster, 10)
    // Reported before the watcher starts: it finds them all at once in its first list.
    await Promise.all(
      made.map(({ resource }) => reportStatus(resource, 'Ready', reasons.Reconciled)),
    )
    const writes: Write[] = []
    const a = aReplica('a', uniqueName('status'), writes)
    a.start()

    const ids = made.map(({ id }) => id)
    const ready = async () =>
      (
        await api.database.db
          .select({ id: topics.id })
          .from(topics)
          .where(and(inArray(topics.id, ids), eq(topics.phase, 'Ready')))
      ).length
    await expect
      .poll(ready, { timeout: 10_000, message: 'every status in its row' })
      .toBe(made.length)
    // One statement for the objects its informer listed, and perhaps one more for those it
    // writes again as it starts leading; one per object without batches.
    const updates = writes.filter((write) => write.statement === 'update')
    expect(updates.length, 'UPDATE statements').toBeGreaterThan(0)
    expect(updates.length, 'UPDATE statements').toBeLessThanOrEqual(2)
  })

  it('lets the rows being deleted go with their resources, in fewer statements than rows', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const made = await provisionedTopics(tenant, cluster, 10)
    const uids = new Set(made.map(({ resource }) => resource.metadata.uid))
    const gone = new Set<string>()
    const allGone = Promise.withResolvers<void>()
    const watching = tappingWatches(kube, (type, object) => {
      if (type !== 'DELETED' || !uids.has(object.metadata.uid)) return
      gone.add(object.metadata.uid as string)
      if (gone.size === uids.size) allGone.resolve()
    })
    const writes: Write[] = []
    const lease = uniqueName('status')
    const a = aReplica('a', lease, writes, watching)
    a.start()
    await expect.poll(() => a.leading, { timeout: 10_000, message: 'a to lead' }).toBe(true)
    await a.synced()
    for (const { id } of made) {
      const name = (await rowOf(id))?.name
      await expectStatus(
        await api.request('DELETE', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics/${name}`, {
          as: tenant.owner,
        }),
        202,
      )
    }

    // While another holds the Lease, the resources go (as the provisioner and the operator
    // would make them go): a remembers the deletions, and writes them all at once when the
    // other hands the Lease over.
    await takeLease(lease, 'someone-else', { leaseDurationSeconds: 600 })
    await expect
      .poll(() => a.leading, { timeout: 10_000, message: 'a to see the Lease taken' })
      .toBe(false)
    await Promise.all(made.map(({ resource }) => deleteByHand(resource)))
    await allGone.promise
    await takeLease(lease, 'someone-else', { leaseDurationSeconds: 1 })

    const ids = made.map(({ id }) => id)
    const left = async () =>
      (await api.database.db.select({ id: topics.id }).from(topics).where(inArray(topics.id, ids)))
        .length
    await expect
      .poll(left, { timeout: 10_000, message: 'the rows gone, once a leads again' })
      .toBe(0)
    expect(a.leading).toBe(true)
    expect(writes.filter((write) => write.statement === 'delete')).toHaveLength(1)
  })

  it("writes an object's newer status that came while its older one was being written", async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const topic = await aProvisionedTopic(tenant, cluster)
    const writes: Write[] = []

    await failedWhileWritingReady(topic, writes)

    await expect
      .poll(async () => (await rowOf(topic.id))?.phase, {
        timeout: 10_000,
        message: 'the newer status in the row, after the older one',
      })
      .toBe('Failed')
    expect(writes.filter((write) => write.statement === 'update')).toHaveLength(2)
  })

  it("writes an object's newer status that came while its older one's write failed", async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const topic = await aProvisionedTopic(tenant, cluster)
    const writes: Write[] = []
    // A trigger of this test's own makes every write of Ready into the row fail: the batch
    // fails as on a database gone away, and so does any retry of Ready.
    const refuse = sql.identifier(uniqueName('refuse_ready').replace('-', '_'))
    try {
      await failedWhileWritingReady(topic, writes, async (tx) => {
        await tx.execute(sql`create function ${refuse}() returns trigger language plpgsql
          as $$ begin raise exception 'the test refuses Ready'; end $$`)
        await tx.execute(sql`create trigger ${refuse} before update on topics for each row
          when (new.id = ${sql.raw(`'${topic.id}'`)} and new.phase = 'Ready')
          execute function ${refuse}()`)
      })

      await expect
        .poll(async () => (await rowOf(topic.id))?.phase, {
          timeout: 10_000,
          message: 'the newer status in the row, once the failed batch is written again',
        })
        .toBe('Failed')
      expect((await rowOf(topic.id))?.conditions).toMatchObject([{ reason: 'KafkaUnavailable' }])
    } finally {
      await api.database.db.execute(sql`drop trigger if exists ${refuse} on topics`)
      await api.database.db.execute(sql`drop function if exists ${refuse}`)
    }
  })
})
