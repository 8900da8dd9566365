import { randomUUID } from 'node:crypto'
import { isNull } from 'drizzle-orm'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KafkaClusters, KafkaTopics } from '../../operator/src/crds/resources.ts'
import type { KafkaTopic } from '../../operator/src/crds/types.ts'
import { getObject, listObjects } from '../../operator/src/kube/apply.ts'
import { KubeClient, type KubeObject } from '../../operator/src/kube/client.ts'
import { readStackEnv } from '../../stack/src/env.ts'
import { outbox } from '../src/db/schema/index.ts'
import { Provisioner } from '../src/provisioner/provisioner.ts'
import { expectStatus, stackDatabase, startTestApi, type TestApi } from './support/api.ts'
import { aTenant, withCluster } from './support/builders.ts'

// The provisioner against the stack's kube-apiserver, with no operator: what it applies is
// read back as it left it. Its resources carry a label of this file's own, and the outbox it
// drains is this file's alone (PGlite in memory, or a PostgreSQL database of its own).
const kube = KubeClient.fromFile(readStackEnv().kube.kubeconfig)
const resourceLabels = { 'fjord.dev/test-provisioner': randomUUID().slice(0, 8) }
let api: TestApi
let provisioner: Provisioner

beforeAll(async () => {
  const databaseUrl = process.env.DATABASE_URL
    ? await stackDatabase('fjord_provisioner_test')
    : undefined
  api = await startTestApi({ resourceLabels, databaseUrl }, { kube })
  // What earlier runs left pending there is not this run's to provision.
  await api.database.db
    .update(outbox)
    .set({ processedAt: new Date() })
    .where(isNull(outbox.processedAt))
  provisioner = new Provisioner({
    db: api.database.db,
    kube,
    log: pino({ level: 'silent' }),
    resourceLabels,
  })
})
afterAll(async () => {
  await api.close()
  kube.close()
})

/** Drains until nothing is left to claim now. */
async function drain(): Promise<void> {
  while ((await provisioner.drainOnce()) > 0);
}

describe('the provisioner', () => {
  it('applies a namespace per org and one resource per row, carrying the ids and the generation', async () => {
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
    const resources = await listObjects<KafkaTopic & KubeObject>(kube, KafkaTopics, {
      namespace: tenant.org,
    })
    expect(resources).toHaveLength(1)
    const [topic] = resources
    expect(topic?.metadata.labels).toMatchObject({
      ...resourceLabels,
      'fjord.dev/org-id': tenant.orgId,
      'fjord.dev/topic-id': made.id,
    })
    expect(topic?.metadata.annotations).toMatchObject({ 'fjord.dev/generation': '1' })
    expect(topic?.spec).toMatchObject({
      clusterRef: { name: cluster },
      topicName: 'Orders_V1',
      partitions: 2,
      config: { 'retention.ms': '3600000' },
    })
    // No pool carries this file's label: the cluster waits, and says why.
    expect(await getObject(kube, KafkaClusters, cluster, tenant.org)).toBeUndefined()
    const shown = await expectStatus(
      await api.request('GET', `/v1/orgs/${tenant.org}/clusters/${cluster}`, { as: tenant.owner }),
      200,
    )
    expect(shown.status).toMatchObject({
      phase: 'Pending',
      conditions: [
        {
          reason: 'ProvisioningRetrying',
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
    const name = `${cluster}.events`
    // Another replica got further meanwhile: the object says generation 7.
    await kube.request(
      'PATCH',
      `/apis/fjord.dev/v1alpha1/namespaces/${tenant.org}/kafkatopics/${name}`,
      {
        body: {
          metadata: { annotations: { 'fjord.dev/generation': '7' } },
          spec: { partitions: 9 },
        },
        contentType: 'application/merge-patch+json',
      },
    )
    await expectStatus(
      await api.request('PATCH', path, { as: tenant.owner, body: { partitions: 3 } }),
      200,
    )
    await drain()
    const after = await getObject<KafkaTopic & KubeObject>(kube, KafkaTopics, name, tenant.org)
    expect(after?.spec.partitions).toBe(9)
    expect(after?.metadata.annotations?.['fjord.dev/generation']).toBe('7')
  })
})
