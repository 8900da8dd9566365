import { randomUUID } from 'node:crypto'
import { finalizer, labels } from '@fjord/contract/metadata'
import { type Reason, readyCondition, reasons } from '@fjord/contract/reasons'
import { KafkaTopics } from '@fjord/contract/resources'
import type { KafkaTopic, Phase } from '@fjord/contract/types'
import { deleteObject, getObject, listObjects, removeFinalizer } from '@fjord/kube/apply'
import { KubeClient, type KubeObject } from '@fjord/kube/client'
import { isConflict } from '@fjord/kube/errors'
import { microTime } from '@fjord/kube/leader'
import { Leases, objectPath } from '@fjord/kube/resources'
import { readStackEnv } from '@fjord/stack/env'
import { expectStatus, startTestApiWithOwnOutbox, type TestApi } from '@fjord/testing/api'
import { createTestNamespace } from '@fjord/testing/kube'
import { uniqueName } from '@fjord/testing/names'
import { aTenant, withCluster } from '@fjord/testing/tenants'
import { and, eq } from 'drizzle-orm'
import pino from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../src/db/client.ts'
import { outbox, topics } from '../src/db/schema/index.ts'
import { Provisioner } from '../src/provisioner/provisioner.ts'
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
// Each test's replicas watch every resource of this file: they must not outlive the test.
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((watcher) => watcher.stop({ release: false })))
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
 * (which the writes in it are made through), before passing it on.
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

/** One replica's status watcher, on the shared database, its writes recorded in `writes`. */
function aReplica(replica: string, lease: string, writes: Write[]): StatusWatcher {
  const db = recordingWrites(api.database.db, (statement) =>
    writes.push({ replica, leading: watcher.leading, statement }),
  )
  const watcher: StatusWatcher = new StatusWatcher({
    db,
    kube,
    log,
    resourceLabels,
    lease: { namespace: leaseNamespace, name: lease, identity: replica, ...timing },
  })
  watchers.push(watcher)
  return watcher
}

/** A topic row with its KafkaTopic made by the provisioner, which the operator has not seen. */
async function aProvisionedTopic(tenant: Awaited<ReturnType<typeof aTenant>>, cluster: string) {
  const made = await expectStatus(
    await api.request('POST', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`, {
      as: tenant.owner,
      body: { name: uniqueName('t'), partitions: 1 },
    }),
    201,
  )
  const id = made.id as string
  const provisioner = new Provisioner({ db: api.database.db, kube, log, resourceLabels })
  const found = () =>
    listObjects<KafkaTopic & KubeObject>(kube, KafkaTopics, {
      labelSelector: `${labels.topicId}=${id}`,
    })
  await expect
    .poll(
      async () => {
        await provisioner.drainOnce()
        return (await found()).length
      },
      { timeout: 20_000, message: `the provisioner to make the KafkaTopic of topic ${id}` },
    )
    .toBe(1)
  const [resource] = await found()
  return { id, resource: resource as KafkaTopic & KubeObject }
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

/** Makes `holder` the Lease's holder, as a replica that took it over would. */
async function takeLease(name: string, holder: string): Promise<void> {
  const path = objectPath(Leases, name, leaseNamespace)
  for (;;) {
    const lease = await kube.get<KubeObject>(path)
    const spec = { ...lease.spec, holderIdentity: holder, renewTime: microTime(new Date()) }
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
 * Deletes the resource by hand. The provisioner made it with the operator's finalizer, which
 * no operator runs here to remove (after deleting the topic in Kafka): the test removes it.
 */
async function deleteByHand(resource: KubeObject): Promise<void> {
  const { name, namespace } = resource.metadata
  await deleteObject(kube, KafkaTopics, name, namespace)
  const deleting = await getObject(kube, KafkaTopics, name, namespace)
  if (deleting) await removeFinalizer(kube, KafkaTopics, deleting, finalizer)
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
