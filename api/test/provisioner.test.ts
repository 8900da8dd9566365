import { randomUUID } from 'node:crypto'
import { installCrds } from '@fjord/contract/install'
import { annotations, createdByFjord, finalizer, labels } from '@fjord/contract/metadata'
import { orgNamespaceName, passwordSecretName, topicResourceName } from '@fjord/contract/naming'
import { reasons } from '@fjord/contract/reasons'
import { KafkaClusters, KafkaTopics } from '@fjord/contract/resources'
import type { KafkaTopic } from '@fjord/contract/types'
import { createObject, deleteObject, getObject, listObjects } from '@fjord/kube/apply'
import { KubeClient, type KubeObject } from '@fjord/kube/client'
import { ConfigMaps, Namespaces, objectPath, Secrets } from '@fjord/kube/resources'
import { readStackEnv } from '@fjord/stack/env'
import { expectStatus, startTestApiWithOwnOutbox, type TestApi } from '@fjord/testing/api'
import { uniqueName } from '@fjord/testing/names'
import { aTenant, withCluster } from '@fjord/testing/tenants'
import { KubeConfig, PatchStrategy } from '@kubernetes/client-node'
import { eq, sql } from 'drizzle-orm'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { organizations } from '../src/db/schema/index.ts'
import { Provisioner } from '../src/provisioner/provisioner.ts'
import { selectorOf } from '../src/provisioner/resources.ts'

// The provisioner against the stack's kube-apiserver, with no operator: what it applies is
// read back as it left it. Its resources carry a label of this file's own, and the outbox it
// drains is this file's alone (PGlite in memory, or a PostgreSQL database of its own).
/**
 * The stack's apiserver, whose Secret writes can be held up (`secretWritesWait`) or whose
 * answers to them can be lost after the write is done.
 */
class KubeThatLosesAnswers extends KubeClient {
  losingSecretWrites = false
  secretWritesWait: Promise<void> | undefined

  override async request<T>(
    method: string,
    path: string,
    options?: Parameters<KubeClient['request']>[2],
  ): Promise<T> {
    const secretWrite = method !== 'GET' && path.includes('/secrets')
    if (secretWrite) await this.secretWritesWait
    const answer = await super.request<T>(method, path, options)
    if (this.losingSecretWrites && secretWrite) {
      throw new Error(`${method} ${path}: the connection broke after the write`)
    }
    return answer
  }
}
const kubeConfig = new KubeConfig()
kubeConfig.loadFromFile(readStackEnv().kube.kubeconfig)
const kube = new KubeThatLosesAnswers(kubeConfig)
const resourceLabels = { 'fjord.dev/test-provisioner': randomUUID().slice(0, 8) }
let api: TestApi
let provisioner: Provisioner

beforeAll(async () => {
  // Run alone, this file finds no CRDs unless it installs them.
  await installCrds(kube)
  api = await startTestApiWithOwnOutbox('fjord_provisioner_test', { resourceLabels }, { kube })
  provisioner = new Provisioner({
    db: api.database.db,
    kube,
    log: pino({ level: 'silent' }),
    resourceLabels,
  })
})
const cleanups: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup()
  // No operator runs here to let this file's KafkaTopics go: their finalizer is taken off as
  // it would, so that their namespaces, deleted or not, are not held up for good.
  const made = await listObjects(kube, KafkaTopics, { labelSelector: selectorOf(resourceLabels) })
  for (const topic of made) {
    await mergeIntoTopicObject(topic.metadata as { namespace: string }, topic.metadata.name, {
      metadata: { finalizers: null },
    })
  }
  await api.close()
  kube.close()
})

/** A namespace made by someone else, with a ConfigMap in it; gone after the file. */
async function aForeignNamespace(): Promise<KubeObject> {
  const name = uniqueName('platform')
  const made = await createObject(kube, Namespaces, { metadata: { name } })
  await createObject(kube, ConfigMaps, {
    metadata: { name: 'precious', namespace: name },
    data: { a: 'b' },
  })
  cleanups.push(() => deleteObject(kube, Namespaces, name, undefined))
  return made
}

/** Drains until nothing is left to claim now. */
async function drain(): Promise<void> {
  while ((await provisioner.drainOnce()) > 0);
}

/**
 * A tenant's cluster with its KafkaCluster: no pool carries this file's label, so the
 * KafkaCluster is put there as Fjord makes it, for its topics to be owned by.
 */
async function aClusterOnNoPool() {
  const tenant = await aTenant(api)
  const cluster = await withCluster(api, tenant)
  const { id } = await expectStatus(
    await api.request('GET', `/v1/orgs/${tenant.org}/clusters/${cluster}`, { as: tenant.owner }),
    200,
  )
  await drain()
  const made = await createObject(kube, KafkaClusters, {
    metadata: {
      name: cluster,
      namespace: tenant.namespace,
      labels: { ...resourceLabels, ...createdByFjord(tenant.orgId), [labels.clusterId]: id },
    },
    spec: { type: 'shared', provider: 'shared', region: 'local', poolRef: { name: 'none' } },
  })
  return { tenant, cluster, made }
}

/** Changes the KafkaTopic `name` of the tenant as someone else (another replica, the operator) would. */
function mergeIntoTopicObject(tenant: { namespace: string }, name: string, body: unknown) {
  return kube.request('PATCH', objectPath(KafkaTopics, name, tenant.namespace), {
    body,
    contentType: PatchStrategy.MergePatch,
  })
}

function topicObject(tenant: { namespace: string }, name: string) {
  return getObject<KafkaTopic & KubeObject>(kube, KafkaTopics, name, tenant.namespace)
}

describe('the provisioner', () => {
  it('makes a namespace per org, named from its id, and one resource per row, carrying the ids and the generation', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const topics = `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`
    const made = await expectStatus(
      await api.request('PUT', `${topics}/Orders_V1`, {
        as: tenant.owner,
        body: { partitions: 2, config: { 'retention.ms': '3600000' } },
      }),
      201,
    )
    await drain()
    expect(tenant.namespace).toBe(orgNamespaceName(tenant.orgId))
    const namespace = await getObject(kube, Namespaces, tenant.namespace)
    expect(namespace?.metadata).toMatchObject({
      labels: { ...createdByFjord(tenant.orgId), [labels.org]: tenant.org },
      annotations: { [annotations.orgDisplayName]: tenant.org },
    })
    const resources = await listObjects<KafkaTopic & KubeObject>(kube, KafkaTopics, {
      namespace: tenant.namespace,
    })
    expect(resources).toHaveLength(1)
    const [topic] = resources
    expect(topic?.metadata.labels).toMatchObject({
      ...resourceLabels,
      ...createdByFjord(tenant.orgId),
      [labels.topicId]: made.id,
    })
    expect(topic?.metadata.annotations).toMatchObject({ [annotations.generation]: '1' })
    expect(topic?.spec).toMatchObject({
      clusterRef: { name: cluster },
      topicName: 'Orders_V1',
      partitions: 2,
      config: { 'retention.ms': '3600000' },
    })
    // No pool carries this file's label: the cluster waits, and says why.
    expect(await getObject(kube, KafkaClusters, cluster, tenant.namespace)).toBeUndefined()
    const shown = await expectStatus(
      await api.request('GET', `/v1/orgs/${tenant.org}/clusters/${cluster}`, { as: tenant.owner }),
      200,
    )
    expect(shown.status).toMatchObject({
      phase: 'Pending',
      conditions: [
        {
          reason: reasons.ProvisioningRetrying,
          message: expect.stringContaining('no Ready KafkaPool in region local has room'),
        },
      ],
    })
  })

  it('never applies an older generation over a newer one', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const path = `/v1/orgs/${tenant.org}/clusters/${cluster}/topics/events`
    await expectStatus(
      await api.request('PUT', path, { as: tenant.owner, body: { partitions: 1 } }),
      201,
    )
    await drain()
    const name = topicResourceName({ name: cluster }, { name: 'events' })
    // Another replica got further meanwhile: the object says generation 7.
    await mergeIntoTopicObject(tenant, name, {
      metadata: { annotations: { [annotations.generation]: '7' } },
      spec: { partitions: 9 },
    })
    await expectStatus(
      await api.request('PATCH', path, { as: tenant.owner, body: { partitions: 3 } }),
      200,
    )
    await drain()
    const after = await topicObject(tenant, name)
    expect(after?.spec.partitions).toBe(9)
    expect(after?.metadata.annotations?.[annotations.generation]).toBe('7')
  })

  it("makes a topic as the operator would finish it: with the cleanup finalizer, owned by its cluster's KafkaCluster", async () => {
    const { tenant, cluster, made } = await aClusterOnNoPool()
    await expectStatus(
      await api.request('PUT', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics/clicks`, {
        as: tenant.owner,
        body: { partitions: 1 },
      }),
      201,
    )
    await drain()
    const topic = await topicObject(
      tenant,
      topicResourceName({ name: cluster }, { name: 'clicks' }),
    )
    expect(topic?.metadata.finalizers).toEqual([finalizer])
    expect(topic?.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'KafkaCluster',
        name: cluster,
        uid: made.metadata.uid,
        controller: true,
      }),
    ])
  })

  it("waits for the operator's finalizer with a growing pause, not a read every second", async () => {
    const { tenant, cluster } = await aClusterOnNoPool()
    const path = `/v1/orgs/${tenant.org}/clusters/${cluster}/topics/gone`
    const topic = await expectStatus(
      await api.request('PUT', path, { as: tenant.owner, body: { partitions: 1 } }),
      201,
    )
    await drain()
    await expectStatus(await api.request('DELETE', path, { as: tenant.owner }), 202)
    // No operator here: the finalizer stays, and every attempt finds the KafkaTopic still there.
    const pauses: number[] = []
    for (let attempt = 0; attempt < 6; attempt++) {
      await api.database.db.execute(
        sql`update outbox set next_attempt_at = now()
             where action = 'topic.delete' and aggregate_id = ${topic.id} and processed_at is null`,
      )
      await drain()
      const { rows } = (await api.database.db.execute(
        sql`select extract(epoch from next_attempt_at - now()) * 1000 as pause_ms from outbox
             where action = 'topic.delete' and aggregate_id = ${topic.id}`,
      )) as unknown as { rows: { pause_ms: string }[] }
      pauses.push(Number(rows[0]?.pause_ms))
    }
    const name = topicResourceName({ name: cluster }, { name: 'gone' })
    expect((await topicObject(tenant, name))?.metadata.deletionTimestamp).toBeDefined()
    expect(pauses.at(-1)).toBeGreaterThan(5_000)
  })

  it("takes a change as it commits, told by the outbox's notification rather than a timer", async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    await drain()
    // Polling once an hour: only the notification can bring the topic in time.
    const listening = new Provisioner({
      db: api.database.db,
      kube,
      log: pino({ level: 'silent' }),
      resourceLabels,
      notifications: api.database,
      idleMs: 3_600_000,
    })
    listening.start()
    try {
      await expectStatus(
        await api.request('PUT', `/v1/orgs/${tenant.org}/clusters/${cluster}/topics/views`, {
          as: tenant.owner,
          body: { partitions: 1 },
        }),
        201,
      )
      const name = topicResourceName({ name: cluster }, { name: 'views' })
      await expect
        .poll(() => topicObject(tenant, name), { timeout: 5_000, message: 'the KafkaTopic' })
        .toBeDefined()
    } finally {
      await listening.stop()
    }
  })

  it('replaces what it made with the spec as it is now, keeping what the operator put on it', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const path = `/v1/orgs/${tenant.org}/clusters/${cluster}/topics/audit`
    const config = { 'retention.ms': '3600000', 'cleanup.policy': 'compact' }
    await expectStatus(
      await api.request('PUT', path, { as: tenant.owner, body: { partitions: 1, config } }),
      201,
    )
    await drain()
    const name = topicResourceName({ name: cluster }, { name: 'audit' })
    await mergeIntoTopicObject(tenant, name, {
      metadata: {
        finalizers: [finalizer],
        annotations: { [annotations.kafkaTopicId]: 'made-by-the-operator' },
      },
    })
    await expectStatus(
      await api.request('PUT', path, {
        as: tenant.owner,
        body: { partitions: 1, config: { 'retention.ms': '3600000' } },
      }),
      200,
    )
    await drain()
    const after = await topicObject(tenant, name)
    expect(after?.spec.config).toEqual({ 'retention.ms': '3600000' })
    expect(after?.metadata.annotations).toMatchObject({
      [annotations.generation]: '2',
      [annotations.kafkaTopicId]: 'made-by-the-operator',
    })
    expect(after?.metadata.finalizers).toEqual([finalizer])
    await mergeIntoTopicObject(tenant, name, { metadata: { finalizers: null } })
  })

  it('refuses a namespace Fjord did not make, reports it on the cluster and leaves it as it was', async () => {
    const tenant = await aTenant(api)
    const foreign = await aForeignNamespace()
    // An org from before namespaces were named from ids, whose name is a platform namespace.
    await api.database.db
      .update(organizations)
      .set({ namespace: foreign.metadata.name })
      .where(eq(organizations.id, tenant.orgId))
    const cluster = await withCluster(api, tenant)
    await drain()
    const shown = await expectStatus(
      await api.request('GET', `/v1/orgs/${tenant.org}/clusters/${cluster}`, { as: tenant.owner }),
      200,
    )
    expect(shown.status).toMatchObject({
      phase: 'Failed',
      conditions: [
        {
          reason: reasons.NotCreatedByFjord,
          message: `Namespace ${foreign.metadata.name} exists and was not created by Fjord; it is left as it is`,
        },
      ],
    })
    const after = await getObject(kube, Namespaces, foreign.metadata.name)
    expect(after?.metadata.resourceVersion).toBe(foreign.metadata.resourceVersion)
    expect(after?.metadata.labels).toEqual(foreign.metadata.labels)
    expect(await listObjects(kube, KafkaClusters, { namespace: foreign.metadata.name })).toEqual([])
  })

  it("deletes a deleted org's namespace only when Fjord made it for that org", async () => {
    const mine = await aTenant(api)
    const cluster = await withCluster(api, mine)
    await expectStatus(
      await api.request('PUT', `/v1/orgs/${mine.org}/clusters/${cluster}/topics/events`, {
        as: mine.owner,
        body: { partitions: 1 },
      }),
      201,
    )
    await drain()
    const made = await getObject(kube, Namespaces, mine.namespace)
    expect(made?.metadata.labels?.[labels.orgId]).toBe(mine.orgId)
    const other = await aTenant(api)
    const foreign = await aForeignNamespace()
    await api.database.db
      .update(organizations)
      .set({ namespace: foreign.metadata.name })
      .where(eq(organizations.id, other.orgId))
    // The org's rows go with it here; the namespace is the provisioner's to delete.
    for (const tenant of [mine, other]) {
      await api.database.db.execute(sql`delete from clusters where org_id = ${tenant.orgId}`)
      await expectStatus(
        await api.request('DELETE', `/v1/orgs/${tenant.org}`, { as: tenant.owner }),
        204,
      )
    }
    await drain()
    const gone = await getObject(kube, Namespaces, mine.namespace)
    expect(gone === undefined || gone.metadata.deletionTimestamp !== undefined).toBe(true)
    const kept = await getObject(kube, Namespaces, foreign.metadata.name)
    expect(kept?.metadata.deletionTimestamp).toBeUndefined()
    expect(kept?.metadata.resourceVersion).toBe(foreign.metadata.resourceVersion)
  })

  it('withdraws a credential whose request stopped after writing the Secret, and keeps one that was recorded', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const account = `/v1/orgs/${tenant.org}/clusters/${cluster}/service-accounts/billing`
    await expectStatus(await api.request('PUT', account, { as: tenant.owner, body: {} }), 201)
    const passwordIn = async () => {
      const secret = await getObject<KubeObject & { data: { password: string } }>(
        kube,
        Secrets,
        passwordSecretName({ name: cluster }, { name: 'billing' }),
        tenant.namespace,
      )
      return secret && Buffer.from(secret.data.password, 'base64').toString()
    }
    // A minute on: every withdrawal still pending is due.
    const aMinuteLater = () =>
      api.database.db.execute(
        sql`update outbox set next_attempt_at = now() where action = 'credential.issue'`,
      )
    const issued = await expectStatus(
      await api.request('POST', `${account}/credentials`, { as: tenant.owner }),
      201,
    )
    await aMinuteLater()
    await drain()
    expect(await passwordIn()).toBe(issued.password)

    kube.losingSecretWrites = true
    try {
      const problem = await expectStatus(
        await api.request('POST', `${account}/credentials`, { as: tenant.owner }),
        503,
      )
      expect(problem.code).toBe('unavailable')
    } finally {
      kube.losingSecretWrites = false
    }
    // The unanswered password replaced the one handed out: nobody holds a working one now.
    expect(await passwordIn()).not.toBe(issued.password)
    await aMinuteLater()
    await drain()
    expect(await passwordIn()).toBeUndefined()
    const listed = await expectStatus(
      await api.request('GET', `${account}/credentials`, { as: tenant.owner }),
      200,
    )
    expect(listed.items).toEqual([])
  })

  it('holds no lock of the service account while its credential waits for Kubernetes', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const account = `/v1/orgs/${tenant.org}/clusters/${cluster}/service-accounts/billing`
    await expectStatus(await api.request('PUT', account, { as: tenant.owner, body: {} }), 201)
    let letGo = () => {}
    kube.secretWritesWait = new Promise((resolve) => {
      letGo = resolve
    })
    try {
      const issuing = api.request('POST', `${account}/credentials`, { as: tenant.owner })
      // A write of the account locks its row: it goes through while the Secret is held up.
      const patched = await Promise.race([
        api.request('PATCH', account, { as: tenant.owner, body: { description: 'billing' } }),
        new Promise<undefined>((resolve) => setTimeout(resolve, 4_000, undefined)),
      ])
      expect(patched?.status).toBe(200)
      letGo()
      await expectStatus(await issuing, 201)
    } finally {
      letGo()
      kube.secretWritesWait = undefined
    }
  })
})
