import { usageSamples } from '@fjord/api/db/schema'
import { expectAnswer, expectProblem } from '@fjord/testing/answers'
import { expectStatus } from '@fjord/testing/api'
import { kcat, kcatWithProperties, stackAdmin } from '@fjord/testing/kcat'
import { stackKafka } from '@fjord/testing/operator'
import { aProduct } from '@fjord/testing/product'
import { aTenant, type Tenant } from '@fjord/testing/tenants'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'

const samplePeriodMs = 2_000
let product: Awaited<ReturnType<typeof aProduct>>
beforeAll(async () => {
  product = await aProduct({ meteringIntervalMs: samplePeriodMs })
})
afterAll(() => product.stop())

/** The paths of a tenant's cluster `main`. */
const inMain = (tenant: Tenant) => ({ org: tenant.org, cluster: 'main' })

/** A free-plan tenant with a Ready topic and the kcat configuration of a service account. */
async function aProducer(topic: string, partitions: number) {
  const tenant = await aTenant(product.api)
  const owner = product.as(tenant.owner)
  const wait = { wait: 'true' } as const
  await expectAnswer(
    owner.PUT('/v1/orgs/{org}/clusters/{cluster}', {
      params: { path: inMain(tenant), query: wait },
      body: {},
    }),
    201,
  )
  const made = await expectAnswer(
    owner.PUT('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
      params: { path: { ...inMain(tenant), topic }, query: wait },
      body: { partitions },
    }),
    201,
  )
  const app = { ...inMain(tenant), serviceAccount: 'app' }
  await expectAnswer(
    owner.PUT('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}', {
      params: { path: app, query: wait },
      body: { acls: [{ resourceType: 'topic', name: topic, operations: ['write', 'describe'] }] },
    }),
    201,
  )
  const credential = await expectAnswer(
    owner.POST('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}/credentials', {
      params: { path: app },
    }),
    201,
  )
  expect(credential.loginReady).toBe(true)
  return {
    tenant,
    config: credential.clientConfig.kcat,
    kafkaTopic: made.kafkaName,
    username: credential.connection.username,
  }
}

/** Seconds a producer takes to send `count` records of `size` bytes, and what it said. */
async function timedProduce(
  run: (args: string[], input: string) => Promise<{ code: number; stderr: string }>,
  topic: string,
  count: number,
  size: number,
): Promise<{ seconds: number; stderr: string }> {
  const input = `${'x'.repeat(size)}\n`.repeat(count)
  const started = performance.now()
  const { code, stderr } = await run(['-P', '-t', topic, '-X', 'linger.ms=5'], input)
  expect({ code, errors: stderr.match(/ERROR.*/g) }).toEqual({ code: 0, errors: null })
  return { seconds: (performance.now() - started) / 1000, stderr }
}

describe('plan quotas and metering, end to end', () => {
  test("the plan's produce byte rate is enforced by Kafka, and its partition limit by the API", async () => {
    const { tenant, config, kafkaTopic, username } = await aProducer('firehose', 1)
    const kafka = stackKafka()
    try {
      await expect
        .poll(() => kafka.quotasOf(username), { timeout: 10_000 })
        .toMatchObject({ producer_byte_rate: 1024 * 1024 })
    } finally {
      await kafka.close()
    }
    // The free plan allows 1 MiB/s in. Kafka measures the rate over about 10 s, so the first
    // 10 MiB or so pass at once; 24 MiB must take well over 10 s.
    const count = 2400
    const size = 10 * 1024
    const throttled = await timedProduce(
      (args, input) => kcatWithProperties(config, args, input),
      kafkaTopic,
      count,
      size,
    )
    // The same bytes as the platform admin, who has no quota: what the broker can do here.
    const free = await timedProduce(
      (args, input) => kcat(stackAdmin(), args, input),
      kafkaTopic,
      count,
      size,
    )
    const rateMiBs = (count * size) / 1024 / 1024 / throttled.seconds
    expect(rateMiBs).toBeLessThan(2.2)
    expect(throttled.seconds).toBeGreaterThan(free.seconds * 3)
    // librdkafka reports the broker's throttle time: it is Kafka that slowed the producer.
    expect(throttled.stderr).toMatch(/throttled/)
    expect(free.stderr).not.toMatch(/throttled/)

    const refused = await expectProblem(
      product.as(tenant.owner).PUT('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
        params: { path: { ...inMain(tenant), topic: 'wide' } },
        body: { partitions: 30 },
      }),
      422,
    )
    expect(refused).toMatchObject({
      code: 'quota_exceeded',
      limit: 'partitions',
      current: 1,
      maximum: 30,
    })
  })

  test('usage shows the messages produced and the storage they take, and a replayed batch changes nothing', async () => {
    const { tenant, config, kafkaTopic } = await aProducer('events', 2)
    const produced = 1234
    await kcatWithProperties(config, ['-P', '-t', kafkaTopic], 'event\n'.repeat(produced))
    const from = new Date(Date.now() - 60 * 60 * 1000).toISOString()
    const to = new Date(Date.now() + 60 * 60 * 1000).toISOString()
    const usage = async (granularity: 'raw' | 'hour') => {
      const answer = await expectAnswer(
        product.as(tenant.owner).GET('/v1/orgs/{org}/usage', {
          params: {
            path: { org: tenant.org },
            query: { granularity, from, to, cluster: 'main', topic: 'events' },
          },
        }),
        200,
      )
      const points = answer.points
      return {
        messagesIn: points.reduce((total, point) => total + point.messagesIn, 0),
        storageBytes: Math.max(0, ...points.map((point) => point.storageBytes)),
      }
    }
    // Within a sample period or two of the produce.
    await vi.waitFor(async () => expect((await usage('raw')).messagesIn).toBe(produced), {
      timeout: 5 * samplePeriodMs + 10_000,
      interval: 500,
    })
    const settled = await usage('raw')
    expect(settled.storageBytes).toBeGreaterThan(0)
    expect(await usage('hour')).toMatchObject({ messagesIn: produced })

    // The operator's batches again, as a retry would send them: nothing changes.
    const [topic] = (
      await expectAnswer(
        product.as(tenant.owner).GET('/v1/orgs/{org}/clusters/{cluster}/topics', {
          params: { path: inMain(tenant) },
        }),
        200,
      )
    ).items
    const rows = await product.api.database.db
      .select()
      .from(usageSamples)
      .where(and(eq(usageSamples.orgId, tenant.orgId), eq(usageSamples.topicId, topic?.id ?? '')))
    const replayed = await product.api.request('POST', '/internal/v1/usage-samples', {
      as: { kind: 'api_key', token: product.meteringToken },
      body: {
        samples: rows.map((row) => ({
          id: row.sampleId,
          orgId: row.orgId,
          clusterId: row.clusterId,
          topicId: row.topicId,
          sampledAt: row.sampledAt.toISOString(),
          partitions: row.partitions,
          storageBytes: row.storageBytes,
          endOffsets: row.endOffsets,
        })),
      },
    })
    const answer = await expectStatus(replayed, 200)
    expect(answer.stored).toBe(0)
    expect(await usage('raw')).toMatchObject({ messagesIn: produced })
    expect(await usage('hour')).toMatchObject({ messagesIn: produced })
  })
})
