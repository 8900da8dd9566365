import { randomUUID } from 'node:crypto'
import {
  anonymous,
  type Caller,
  expectStatus,
  startTestApi,
  type TestApi,
} from '@fjord/testing/api'
import { anApiKey, aTenant, type Tenant, withCluster, withTopic } from '@fjord/testing/tenants'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clusters, topics } from '../src/db/schema/index.ts'

const token = 'metering-token-for-tests-0123456789'
const samplesPath = '/internal/v1/usage-samples'
let api: TestApi

beforeAll(async () => {
  api = await startTestApi({ meteringToken: token })
})
afterAll(() => api.close())

interface Point {
  time: string
  partitions: number
  storageBytes: number
  messagesIn: number
}

/** A tenant with one cluster and two topics, with the ids the operator would send. */
async function aMeteredTenant() {
  const tenant = await aTenant(api)
  const cluster = await withCluster(api, tenant)
  const names = [await withTopic(api, tenant, cluster), await withTopic(api, tenant, cluster)]
  const [clusterRow] = await api.database.db
    .select({ id: clusters.id })
    .from(clusters)
    .where(and(eq(clusters.orgId, tenant.orgId), eq(clusters.name, cluster)))
  const topicRows = await api.database.db
    .select({ id: topics.id, name: topics.name })
    .from(topics)
    .where(eq(topics.orgId, tenant.orgId))
  const topicId = (name: string) => topicRows.find((row) => row.name === name)?.id ?? ''
  return {
    tenant,
    cluster,
    clusterId: clusterRow?.id ?? '',
    topics: names.map((name) => ({ name, id: topicId(name) })),
  }
}
type Metered = Awaited<ReturnType<typeof aMeteredTenant>>

function aSample(
  metered: Metered,
  topic: number,
  at: string,
  usage: { endOffsets: number; storageBytes?: number; partitions?: number },
) {
  const topicId = metered.topics[topic]?.id ?? ''
  const sampledAt = new Date(at).toISOString()
  return {
    id: `${topicId}:${sampledAt}`,
    orgId: metered.tenant.orgId,
    clusterId: metered.clusterId,
    topicId,
    sampledAt,
    partitions: usage.partitions ?? 3,
    storageBytes: usage.storageBytes ?? 1000,
    endOffsets: usage.endOffsets,
  }
}

function postSamples(samples: unknown, headers: Record<string, string> = {}) {
  return api.request('POST', samplesPath, {
    body: { samples },
    headers: { authorization: `Bearer ${token}`, ...headers },
  })
}

async function usage(
  tenant: Tenant,
  query: string,
  as: Caller = tenant.owner,
): Promise<{ points: Point[] }> {
  const response = await api.request('GET', `/v1/orgs/${tenant.org}/usage?${query}`, { as })
  return (await expectStatus(response, 200)) as unknown as { points: Point[] }
}

const day = 'from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z'
const total = (points: Point[]) => points.reduce((sum, point) => sum + point.messagesIn, 0)
const peak = (points: Point[], gauge: 'storageBytes' | 'partitions') =>
  Math.max(...points.map((point) => point[gauge]))

/** Four minutes across an hour boundary, for two topics; the offsets only grow. */
function aBatch(metered: Metered) {
  return [
    aSample(metered, 0, '2026-03-01T00:58:00Z', { endOffsets: 100, storageBytes: 5000 }),
    aSample(metered, 0, '2026-03-01T00:59:00Z', { endOffsets: 150, storageBytes: 7000 }),
    aSample(metered, 0, '2026-03-01T01:00:00Z', { endOffsets: 150, storageBytes: 6000 }),
    aSample(metered, 0, '2026-03-01T01:01:00Z', { endOffsets: 400, storageBytes: 9000 }),
    aSample(metered, 1, '2026-03-01T00:58:00Z', { endOffsets: 0, storageBytes: 0, partitions: 1 }),
    aSample(metered, 1, '2026-03-01T00:59:00Z', { endOffsets: 7, storageBytes: 70, partitions: 1 }),
    aSample(metered, 1, '2026-03-01T01:00:00Z', { endOffsets: 9, storageBytes: 90, partitions: 2 }),
    aSample(metered, 1, '2026-03-01T01:01:00Z', { endOffsets: 9, storageBytes: 80, partitions: 2 }),
  ]
}

describe('the metering endpoint', () => {
  it('stores a batch and answers it raw, hourly and daily, the rollups adding up to the samples', async () => {
    const metered = await aMeteredTenant()
    const stored = await expectStatus(await postSamples(aBatch(metered)), 200)
    expect(stored).toEqual({ stored: 8, ignored: [] })

    const raw = await usage(metered.tenant, `${day}&granularity=raw&cluster=${metered.cluster}`)
    expect(raw.points).toEqual(
      [
        { time: '2026-03-01T00:58:00.000Z', partitions: 4, storageBytes: 5000, messagesIn: 100 },
        { time: '2026-03-01T00:59:00.000Z', partitions: 4, storageBytes: 7070, messagesIn: 57 },
        { time: '2026-03-01T01:00:00.000Z', partitions: 5, storageBytes: 6090, messagesIn: 2 },
        { time: '2026-03-01T01:01:00.000Z', partitions: 5, storageBytes: 9080, messagesIn: 250 },
      ].map((point) => ({ ...point, bytesIn: 0, bytesOut: 0 })),
    )

    const hourly = await usage(metered.tenant, `${day}&granularity=hour`)
    expect(hourly.points.map(({ time, messagesIn }) => ({ time, messagesIn }))).toEqual([
      { time: '2026-03-01T00:00:00.000Z', messagesIn: 157 },
      { time: '2026-03-01T01:00:00.000Z', messagesIn: 252 },
    ])
    const daily = await usage(metered.tenant, `${day}&granularity=day`)
    expect(daily.points).toHaveLength(1)
    // Messages in add up; the gauges keep the highest value of their bucket.
    expect(total(hourly.points)).toBe(total(raw.points))
    expect(total(daily.points)).toBe(total(raw.points))
    expect(total(raw.points)).toBe(400 + 9)
    expect(hourly.points.map((point) => point.storageBytes)).toEqual([
      peak(raw.points.slice(0, 2), 'storageBytes'),
      peak(raw.points.slice(2), 'storageBytes'),
    ])
    expect(daily.points[0]).toMatchObject({
      storageBytes: peak(raw.points, 'storageBytes'),
      partitions: peak(raw.points, 'partitions'),
      messagesIn: 409,
    })

    const [, topic] = metered.topics
    const oneTopic = `${day}&cluster=${metered.cluster}&topic=${topic?.name}`
    expect((await usage(metered.tenant, `${oneTopic}&granularity=raw`)).points).toEqual(
      [0, 7, 2, 0].map((messagesIn, minute) =>
        expect.objectContaining({
          time: `2026-03-01T0${minute < 2 ? 0 : 1}:${['58', '59', '00', '01'][minute]}:00.000Z`,
          messagesIn,
        }),
      ),
    )
    expect((await usage(metered.tenant, `${oneTopic}&granularity=hour`)).points).toEqual([
      expect.objectContaining({ messagesIn: 7, storageBytes: 70, partitions: 1 }),
      expect.objectContaining({ messagesIn: 2, storageBytes: 90, partitions: 2 }),
    ])
  })

  it('changes nothing when a batch is sent again, whole or in parts', async () => {
    const metered = await aMeteredTenant()
    const batch = aBatch(metered)
    await expectStatus(await postSamples(batch), 200)
    const before = await Promise.all(
      ['raw', 'hour', 'day'].map((g) => usage(metered.tenant, `${day}&granularity=${g}`)),
    )

    const again = await expectStatus(await postSamples(batch), 200)
    expect(again.stored).toBe(0)
    expect(again.ignored).toHaveLength(batch.length)
    expect(again.ignored).toEqual(
      expect.arrayContaining(batch.map((sample) => ({ id: sample.id, reason: 'duplicate' }))),
    )
    for (const sample of batch.slice(2, 5)) await expectStatus(await postSamples([sample]), 200)
    const after = await Promise.all(
      ['raw', 'hour', 'day'].map((g) => usage(metered.tenant, `${day}&granularity=${g}`)),
    )
    expect(after).toEqual(before)
  })

  it('gives the same usage whatever the order and batches the samples come in, even at once', async () => {
    const [atOnce, oneByOne, backwards, concurrently] = await Promise.all([
      aMeteredTenant(),
      aMeteredTenant(),
      aMeteredTenant(),
      aMeteredTenant(),
    ])
    await expectStatus(await postSamples(aBatch(atOnce)), 200)
    for (const sample of aBatch(oneByOne)) await expectStatus(await postSamples([sample]), 200)
    for (const sample of aBatch(backwards).reverse()) {
      await expectStatus(await postSamples([sample]), 200)
    }
    const shuffled = [3, 6, 0, 5, 7, 1, 4, 2].map((index) => aBatch(concurrently)[index])
    const results = await Promise.all(shuffled.map((sample) => postSamples([sample])))
    for (const result of results) await expectStatus(result, 200)

    const everyView = (metered: Metered) =>
      Promise.all(
        [
          `cluster=${metered.cluster}&`,
          ...metered.topics.map((t) => `cluster=${metered.cluster}&topic=${t.name}&`),
        ].flatMap((scope) =>
          ['raw', 'hour', 'day'].map((g) =>
            usage(metered.tenant, `${scope}${day}&granularity=${g}`),
          ),
        ),
      )
    const expected = await everyView(atOnce)
    expect(await everyView(oneByOne)).toEqual(expected)
    expect(await everyView(backwards)).toEqual(expected)
    expect(await everyView(concurrently)).toEqual(expected)
  })

  it('counts a late sample in its place, taking its messages from the sample after it', async () => {
    const metered = await aMeteredTenant()
    await expectStatus(
      await postSamples([
        aSample(metered, 0, '2026-03-01T10:59:00Z', { endOffsets: 10 }),
        aSample(metered, 0, '2026-03-01T11:01:00Z', { endOffsets: 50 }),
      ]),
      200,
    )
    const late = aSample(metered, 0, '2026-03-01T11:00:00Z', { endOffsets: 40 })
    expect(await expectStatus(await postSamples([late]), 200)).toEqual({ stored: 1, ignored: [] })
    const raw = await usage(metered.tenant, `${day}&granularity=raw`)
    expect(raw.points.map((point) => point.messagesIn)).toEqual([10, 30, 10])
    const hourly = await usage(metered.tenant, `${day}&granularity=hour`)
    expect(hourly.points.map((point) => point.messagesIn)).toEqual([10, 40])
  })

  it('counts a topic made again, whose offsets went down, from zero', async () => {
    const metered = await aMeteredTenant()
    await expectStatus(
      await postSamples([
        aSample(metered, 0, '2026-03-01T10:00:00Z', { endOffsets: 1000 }),
        aSample(metered, 0, '2026-03-01T10:01:00Z', { endOffsets: 1200 }),
        aSample(metered, 0, '2026-03-01T10:02:00Z', { endOffsets: 30 }),
      ]),
      200,
    )
    const raw = await usage(metered.tenant, `${day}&granularity=raw`)
    expect(raw.points.map((point) => point.messagesIn)).toEqual([1000, 200, 30])
    expect((await usage(metered.tenant, `${day}&granularity=day`)).points[0]?.messagesIn).toBe(1230)
  })

  it('ignores, and says why, samples of unknown topics and of another org or cluster', async () => {
    const metered = await aMeteredTenant()
    const other = await aMeteredTenant()
    const unknown = { ...aSample(metered, 0, '2026-03-01T10:06:00Z', { endOffsets: 60 }) }
    unknown.topicId = randomUUID()
    unknown.id = `${unknown.topicId}:x`
    const foreign = { ...aSample(other, 0, '2026-03-01T10:06:00Z', { endOffsets: 70 }) }
    foreign.orgId = metered.tenant.orgId
    const wrongCluster = { ...aSample(metered, 1, '2026-03-01T10:06:00Z', { endOffsets: 70 }) }
    wrongCluster.clusterId = other.clusterId
    const good = aSample(metered, 0, '2026-03-01T10:06:00Z', { endOffsets: 80 })

    const result = await expectStatus(
      await postSamples([unknown, foreign, wrongCluster, good]),
      200,
    )
    expect(result).toEqual({
      stored: 1,
      ignored: [
        { id: unknown.id, reason: 'unknown_topic' },
        { id: foreign.id, reason: 'unknown_topic' },
        { id: wrongCluster.id, reason: 'unknown_topic' },
      ],
    })
    const raw = await usage(metered.tenant, `${day}&granularity=raw`)
    expect(raw.points.map((point) => point.messagesIn)).toEqual([80])
    expect((await usage(other.tenant, `${day}&granularity=raw`)).points).toEqual([])
  })

  it('shows an org its own usage only', async () => {
    const metered = await aMeteredTenant()
    await expectStatus(await postSamples(aBatch(metered)), 200)
    const stranger = await aTenant(api)
    for (const granularity of ['raw', 'hour', 'day']) {
      expect((await usage(stranger, `${day}&granularity=${granularity}`)).points).toEqual([])
    }
    const theirs = await api.request(
      'GET',
      `/v1/orgs/${metered.tenant.org}/usage?${day}&granularity=raw`,
      { as: stranger.owner },
    )
    await expectStatus(theirs, 404)
    const byName = await api.request(
      'GET',
      `/v1/orgs/${stranger.org}/usage?${day}&cluster=${metered.cluster}`,
      { as: stranger.owner },
    )
    await expectStatus(byName, 404)
  })

  it('reports the latest cluster-wide storage as quota use', async () => {
    const metered = await aMeteredTenant()
    await expectStatus(await postSamples(aBatch(metered)), 200)
    const quotas = await expectStatus(
      await api.request('GET', `/v1/orgs/${metered.tenant.org}/quotas`, {
        as: metered.tenant.owner,
      }),
      200,
    )
    expect(quotas.use).toMatchObject({ storageBytes: 9080 })
  })
})

describe('the metering endpoint refuses', () => {
  it('a caller without the service token, with 401 problem+json', async () => {
    const metered = await aMeteredTenant()
    const batch = [aSample(metered, 0, '2026-03-01T12:00:00Z', { endOffsets: 1 })]
    const key = await anApiKey(api, metered.tenant, 'owner')
    for (const headers of [
      { authorization: '' },
      { authorization: `Bearer ${token}x` },
      { authorization: `Basic ${token}` },
      { authorization: `Bearer ${key.token}` },
    ]) {
      const response = await postSamples(batch, headers)
      const problem = await expectStatus(response, 401)
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      expect(problem.code).toBe('unauthorized')
    }
    const session = await api.request('POST', samplesPath, {
      as: metered.tenant.owner,
      body: { samples: batch },
    })
    await expectStatus(session, 401)
    await expectStatus(await api.request('POST', samplesPath, { as: anonymous }), 401)
    expect((await usage(metered.tenant, `${day}&granularity=raw`)).points).toEqual([])
  })

  it('a body that is not JSON with 400, and one that is not a batch with 422 naming the field', async () => {
    const metered = await aMeteredTenant()
    const notJson = await api.request('POST', samplesPath, {
      rawBody: '{"samples": [',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    })
    expect((await expectStatus(notJson, 400)).code).toBe('bad_request')

    const good = aSample(metered, 0, '2026-03-01T12:00:00Z', { endOffsets: 1 })
    for (const [samples, path] of [
      [[{ ...good, endOffsets: -1 }], 'samples.0.endOffsets'],
      [[good, { ...good, topicId: 'not-a-uuid' }], 'samples.1.topicId'],
      [[{ ...good, sampledAt: 'yesterday' }], 'samples.0.sampledAt'],
      [[{ ...good, storageBytes: 1.5 }], 'samples.0.storageBytes'],
      [[], 'samples'],
      [Array.from({ length: 1001 }, () => good), 'samples'],
    ] as const) {
      const problem = await expectStatus(await postSamples(samples), 422)
      expect(problem.code).toBe('validation_failed')
      expect(problem.errors).toContainEqual(expect.objectContaining({ path }))
    }
    expect((await usage(metered.tenant, `${day}&granularity=raw`)).points).toEqual([])
  })

  it('every call with 404 while no service token is configured', async () => {
    const off = await startTestApi()
    try {
      const response = await off.request('POST', samplesPath, {
        body: { samples: [] },
        headers: { authorization: `Bearer ${token}` },
      })
      expect((await expectStatus(response, 404)).code).toBe('not_found')
    } finally {
      await off.close()
    }
  })
})
