import { type ChildProcess, spawn } from 'node:child_process'
import { outbox, topics as topicRows } from '@fjord/api/db/schema'
import type { components } from '@fjord/client/schema'
import { labels } from '@fjord/contract/metadata'
import { reasons } from '@fjord/contract/reasons'
import { KafkaTopics } from '@fjord/contract/resources'
import { listObjects } from '@fjord/kube/apply'
import { KafkaAdmin } from '@fjord/operator/kafka/admin'
import { expectAnswer } from '@fjord/testing/answers'
import { stackDatabase } from '@fjord/testing/api'
import { env } from '@fjord/testing/operator'
import { aPrivateKafka } from '@fjord/testing/private-kafka'
import { aPoolOn, aProduct, kubeVia } from '@fjord/testing/product'
import { aTenant, type Tenant, withRoomyQuota } from '@fjord/testing/tenants'
import { and, eq, isNull } from 'drizzle-orm'
import { afterAll, describe, expect, test, vi } from 'vitest'
import { aProxy } from './support/proxy.ts'

type Product = Awaited<ReturnType<typeof aProduct>>
const cleanups: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

type Topic = components['schemas']['Topic']

async function topicsOf(product: Product, tenant: Tenant, cluster: string): Promise<Topic[]> {
  const page = await expectAnswer(
    product.as(tenant.owner).GET('/v1/orgs/{org}/clusters/{cluster}/topics', {
      params: { path: { org: tenant.org, cluster }, query: { limit: 100 } },
    }),
    200,
  )
  return page.items
}

/** The prefix of a shared cluster's Kafka names, from the Kafka name of one of its topics. */
function kafkaPrefixOf(topic: { name: string; kafkaName: string | null }): string {
  const prefix = topic.kafkaName?.slice(0, -topic.name.length) ?? ''
  expect(`${prefix}${topic.name}`, `the Kafka name of topic ${topic.name}`).toBe(topic.kafkaName)
  expect(prefix, `the Kafka prefix of topic ${topic.name}`).not.toBe('')
  return prefix
}

/** The KafkaTopics the provisioner made for an org, in whatever namespace it has. */
function kafkaTopicsOf(product: Product, tenant: Tenant) {
  return listObjects(product.kube, KafkaTopics, {
    labelSelector: `${labels.orgId}=${tenant.orgId}`,
  })
}

/** The Kafka topics under a prefix, as the broker lists them. */
async function kafkaTopicsUnder(
  prefix: string,
  kafka = { bootstrap: env.kafka.bootstrapServers, admin: env.kafka.admin },
) {
  const admin = new KafkaAdmin({
    bootstrapServers: [kafka.bootstrap],
    mechanism: env.kafka.saslMechanism,
    ...kafka.admin,
  })
  try {
    return (await admin.listTopics()).filter((name) => name.startsWith(prefix)).sort()
  } finally {
    await admin.close()
  }
}

/** `fjord-api serve` as a child process with the given environment. */
function apiProcess(environment: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['api/src/main.ts', 'serve'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...environment },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
}

describe('Fjord when a part of it goes away', () => {
  test('accepts 50 topics while Kubernetes is unreachable, and makes each exactly once when it is back', async () => {
    const target = new URL(env.kube.server)
    const proxy = await aProxy({ host: target.hostname, port: Number(target.port) })
    const product = await aProduct({ apiKube: kubeVia(proxy.port) })
    cleanups.push(
      () => product.stop(),
      () => proxy.stop(),
    )
    const tenant = await aTenant(product.api)
    await withRoomyQuota(product.api, tenant)
    const owner = product.as(tenant.owner)
    const main = { org: tenant.org, cluster: 'main' }
    await expectAnswer(
      owner.PUT('/v1/orgs/{org}/clusters/{cluster}', {
        params: { path: main, query: { wait: 'true' } },
        body: { type: 'shared' },
      }),
      201,
    )

    await proxy.stop()
    const names = Array.from({ length: 50 }, (_, i) => `t${String(i).padStart(2, '0')}`)
    for (const name of names) {
      const created = await expectAnswer(
        owner.PUT('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
          params: { path: { ...main, topic: name } },
          body: { partitions: 1 },
        }),
        201,
      )
      expect(created.status).toMatchObject({ phase: 'Pending' })
    }
    // The rows say why nothing happens yet.
    await vi.waitFor(
      async () => {
        const [first] = await topicsOf(product, tenant, 'main')
        expect(first?.status.conditions[0]?.reason).toBe(reasons.ProvisioningRetrying)
      },
      { timeout: 20_000, interval: 500 },
    )

    await proxy.start()
    const back = Date.now()
    // Waits longer than the bound below, so that a slow recovery is told apart from none.
    await vi.waitFor(
      async () => {
        const phases = (await topicsOf(product, tenant, 'main')).map((t) => t.status.phase)
        expect(phases).toEqual(names.map(() => 'Ready'))
      },
      { timeout: 90_000, interval: 200 },
    )
    // A row's retries back off to at most 15 s, and the status watcher's Lease and watches come
    // back at once; measured at about 2 s.
    expect(
      Date.now() - back,
      'ms from Kubernetes being back to all 50 topics Ready (at most 15 s of outbox backoff and 5 s of work)',
    ).toBeLessThan(20_000)
    const prefix = kafkaPrefixOf((await topicsOf(product, tenant, 'main'))[0] as Topic)
    expect(await kafkaTopicsUnder(prefix)).toEqual(names.map((name) => `${prefix}${name}`))
    expect(await kafkaTopicsOf(product, tenant)).toHaveLength(50)
  })

  test('finishes the drain when the api is killed in the middle of it and started again', async () => {
    // The api under test runs as a process of its own, on the stack's PostgreSQL; this
    // process only writes through the REST API.
    const databaseUrl = await stackDatabase('fjord_e2e')
    const product = await aProduct({ provision: false, databaseUrl })
    cleanups.push(() => product.stop())
    const tenant = await aTenant(product.api)
    await withRoomyQuota(product.api, tenant)
    const names = Array.from({ length: 200 }, (_, i) => `bulk-${String(i).padStart(3, '0')}`)
    const owner = product.as(tenant.owner)
    const main = { org: tenant.org, cluster: 'main' }
    await expectAnswer(
      owner.PUT('/v1/orgs/{org}/clusters/{cluster}', { params: { path: main }, body: {} }),
      201,
    )
    const child = () =>
      apiProcess({
        DATABASE_URL: databaseUrl,
        FJORD_KUBECONFIG: env.kube.kubeconfig,
        FJORD_RESOURCE_LABELS: Object.entries(product.resourceLabels)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      })
    const first = child()
    cleanups.push(async () => first.kill('SIGKILL'))
    await expectAnswer(
      owner.PUT('/v1/orgs/{org}/clusters/{cluster}/topics', {
        params: { path: main },
        body: { topics: names.map((name) => ({ name, partitions: 1 })) },
      }),
      200,
    )
    const made = () => kafkaTopicsOf(product, tenant)
    await vi.waitFor(async () => expect((await made()).length).toBeGreaterThan(0), {
      timeout: 60_000,
      interval: 20,
    })
    first.kill('SIGKILL')
    await new Promise((resolve) => first.once('exit', resolve))
    const pending = await product.api.database.db
      .select({ id: outbox.id })
      .from(outbox)
      .where(and(eq(outbox.orgId, tenant.orgId), isNull(outbox.processedAt)))
    expect(pending.length).toBeGreaterThan(0)

    const second = child()
    cleanups.push(async () => second.kill('SIGTERM'))
    const rows = () =>
      product.api.database.db
        .select({ name: topicRows.name, kafkaName: topicRows.kafkaName, phase: topicRows.phase })
        .from(topicRows)
        .where(eq(topicRows.orgId, tenant.orgId))
    await vi.waitFor(
      async () => {
        expect((await rows()).filter((row) => row.phase === 'Ready')).toHaveLength(names.length)
      },
      { timeout: 120_000, interval: 1_000 },
    )
    const prefix = kafkaPrefixOf((await rows())[0] as { name: string; kafkaName: string | null })
    expect(await kafkaTopicsUnder(prefix)).toEqual(names.map((name) => `${prefix}${name}`))
    expect(await made()).toHaveLength(names.length)
  })

  test('shows a retrying condition through the API while Kafka is stopped, then Ready', async () => {
    const kafka = await aPrivateKafka()
    const product = await aProduct()
    cleanups.push(
      () => kafka.close(),
      () => product.stop(),
    )
    // A pool registered by the platform admin, in a region of its own.
    const { region } = await aPoolOn(product, kafka, 'outage')
    const tenant = await aTenant(product.api)
    const owner = product.as(tenant.owner)
    const main = { org: tenant.org, cluster: 'main' }
    const cluster = await expectAnswer(
      owner.PUT('/v1/orgs/{org}/clusters/{cluster}', {
        params: { path: main, query: { wait: 'true' } },
        body: { type: 'shared', region },
      }),
      201,
    )
    expect(cluster.bootstrapServers).toBe(kafka.bootstrap)
    await expectAnswer(
      owner.PUT('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
        params: { path: { ...main, topic: 'before' }, query: { wait: 'true' } },
        body: { partitions: 1 },
      }),
      201,
    )

    await kafka.down()
    await expectAnswer(
      owner.PUT('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
        params: { path: { ...main, topic: 'during' } },
        body: { partitions: 2 },
      }),
      201,
    )
    await expectAnswer(
      owner.PATCH('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
        params: { path: { ...main, topic: 'before' } },
        body: { partitions: 3 },
      }),
      200,
    )
    await vi.waitFor(
      async () => {
        const during = (await topicsOf(product, tenant, 'main')).find((t) => t.name === 'during')
        expect(during?.status.conditions[0]).toMatchObject({
          reason: reasons.KafkaUnavailable,
          message: expect.stringMatching(/retrying/),
        })
      },
      { timeout: 30_000, interval: 500 },
    )

    await kafka.up()
    await vi.waitFor(
      async () => {
        const topics = await topicsOf(product, tenant, 'main')
        expect(topics.map((t) => [t.name, t.status.phase, t.partitions])).toEqual([
          ['before', 'Ready', 3],
          ['during', 'Ready', 2],
        ])
      },
      { timeout: 120_000, interval: 1_000 },
    )
    const prefix = kafkaPrefixOf((await topicsOf(product, tenant, 'main'))[0] as Topic)
    expect(await kafkaTopicsUnder(prefix, kafka)).toHaveLength(2)
  })
})
