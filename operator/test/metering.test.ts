import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { labels } from '@fjord/contract/metadata'
import { kcat, stackAdmin } from '@fjord/testing/kcat'
import { uniqueName } from '@fjord/testing/names'
import { anOperatorWorld, env, stackKafka, untilPhase } from '@fjord/testing/operator'
import { aSharedCluster, aTopic } from '@fjord/testing/resources'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { startOperator } from '../src/main.ts'
import { UsageMeter } from '../src/metering/meter.ts'
import type { MeteredTopic, UsageSample } from '../src/metering/samples.ts'

const kafka = stackKafka()
const made: string[] = []
const token = 'operator-metering-token-0123456789'
const quiet = pino({ level: 'silent' })

/** A stand-in for the api's metering endpoint: answers each post with the next status. */
async function aReceiver(statuses: number[] = []) {
  const posts: { headers: IncomingHttpHeaders; samples: UsageSample[] }[] = []
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      posts.push({ headers: request.headers, samples: JSON.parse(body).samples })
      response.writeHead(statuses.shift() ?? 200, { 'content-type': 'application/json' })
      response.end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/internal/v1/usage-samples`,
    posts,
    samples: () => posts.flatMap((post) => post.samples),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A topic on the stack's Kafka with `records` messages in it, as the api would meter it. */
async function aTopicWithRecords(partitions: number, records: number): Promise<MeteredTopic> {
  const kafkaName = uniqueName('metered')
  const created = await kafka.createTopics([
    { name: kafkaName, partitions, replicationFactor: 1, config: {} },
  ])
  expect(created.get(kafkaName)).toMatchObject({ ok: true })
  made.push(kafkaName)
  if (records > 0) await produce(kafkaName, records)
  return {
    orgId: randomUUID(),
    clusterId: randomUUID(),
    topicId: randomUUID(),
    kafkaName,
    pool: 'stack',
  }
}

async function produce(kafkaName: string, records: number) {
  const lines = Array.from({ length: records }, (_, i) => `record-${i}`).join('\n')
  const produced = await kcat(stackAdmin(), ['-P', '-t', kafkaName], `${lines}\n`)
  expect(produced.stderr).toBe('')
}

function aMeter(
  url: string,
  topics: MeteredTopic[],
  overrides: { intervalMs?: number; maxQueued?: number } = {},
) {
  return new UsageMeter({
    url,
    token,
    intervalMs: overrides.intervalMs ?? 60_000,
    topics: () => topics,
    usageOf: (_pool, names) => kafka.topicUsage(names),
    log: quiet,
    backoff: { initialMs: 20, maxMs: 100 },
    ...(overrides.maxQueued ? { maxQueued: overrides.maxQueued } : {}),
  })
}

afterAll(async () => {
  for (const name of made) await kafka.deleteTopic(name)
  await kafka.close()
})

describe('the usage meter against the stack Kafka', () => {
  test('posts the partitions, end offsets and stored bytes of each topic, with the token', async () => {
    const receiver = await aReceiver()
    try {
      const busy = await aTopicWithRecords(3, 25)
      const empty = await aTopicWithRecords(2, 0)
      const gone = { ...busy, topicId: randomUUID(), kafkaName: uniqueName('never-made') }
      const meter = aMeter(receiver.url, [busy, empty, gone])
      const at = new Date('2026-03-01T10:05:00Z')
      expect(await meter.sample(at)).toHaveLength(2)
      await meter.flush()

      expect(receiver.posts).toHaveLength(1)
      expect(receiver.posts[0]?.headers.authorization).toBe(`Bearer ${token}`)
      const [first, second] = receiver.samples()
      expect(first).toEqual({
        id: `${busy.topicId}:2026-03-01T10:05:00.000Z`,
        orgId: busy.orgId,
        clusterId: busy.clusterId,
        topicId: busy.topicId,
        sampledAt: '2026-03-01T10:05:00.000Z',
        partitions: 3,
        endOffsets: 25,
        storageBytes: expect.any(Number),
      })
      expect(first?.storageBytes).toBeGreaterThan(25 * 'record-0'.length)
      expect(second).toMatchObject({ topicId: empty.topicId, partitions: 2, endOffsets: 0 })
      expect(second?.storageBytes).toBe(0)
      expect(meter.queued).toEqual([])

      await produce(busy.kafkaName, 5)
      await meter.sample(new Date('2026-03-01T10:06:00Z'))
      await meter.flush()
      expect(receiver.samples()[2]).toMatchObject({ topicId: busy.topicId, endOffsets: 30 })
    } finally {
      await receiver.close()
    }
  })

  test('retries a failed post with backoff, sending the same samples until the api takes them', async () => {
    const receiver = await aReceiver([503, 500])
    try {
      const topic = await aTopicWithRecords(1, 3)
      const meter = aMeter(receiver.url, [topic])
      await meter.sample(new Date('2026-03-01T11:00:00Z'))
      await meter.flush()
      expect(receiver.posts).toHaveLength(3)
      const [first, ...retries] = receiver.posts.map((post) => post.samples)
      for (const retry of retries) expect(retry).toEqual(first)
      expect(meter.queued).toEqual([])
    } finally {
      await receiver.close()
    }
  })

  test('drops a batch the api refuses as invalid and sends the next', async () => {
    const receiver = await aReceiver([422])
    try {
      const topic = await aTopicWithRecords(1, 1)
      const meter = aMeter(receiver.url, [topic])
      await meter.sample(new Date('2026-03-01T12:00:00Z'))
      await meter.flush()
      await meter.sample(new Date('2026-03-01T12:01:00Z'))
      await meter.flush()
      expect(receiver.posts.map((post) => post.samples[0]?.sampledAt)).toEqual([
        '2026-03-01T12:00:00.000Z',
        '2026-03-01T12:01:00.000Z',
      ])
      expect(meter.queued).toEqual([])
    } finally {
      await receiver.close()
    }
  })

  test('keeps samples while the api is away and stops retrying when its term ends', async () => {
    const receiver = await aReceiver()
    await receiver.close()
    const topic = await aTopicWithRecords(1, 1)
    const meter = aMeter(receiver.url, [topic])
    await meter.sample(new Date('2026-03-01T13:00:00Z'))
    const term = new AbortController()
    const flushing = meter.flush(term.signal)
    await new Promise((resolve) => setTimeout(resolve, 200))
    term.abort()
    await flushing
    expect(meter.queued.map((sample) => sample.topicId)).toEqual([topic.topicId])
  })

  test('drops the oldest unsent samples beyond its bound', async () => {
    const receiver = await aReceiver()
    await receiver.close()
    const meter = aMeter(receiver.url, [await aTopicWithRecords(1, 1)], { maxQueued: 2 })
    for (const minute of ['00', '01', '02']) {
      await meter.sample(new Date(`2026-03-01T14:${minute}:00Z`))
    }
    expect(meter.queued.map((sample) => sample.sampledAt)).toEqual([
      '2026-03-01T14:01:00.000Z',
      '2026-03-01T14:02:00.000Z',
    ])
  })

  test('samples at each interval boundary while running, and stops when the signal aborts', async () => {
    const receiver = await aReceiver()
    try {
      const topic = await aTopicWithRecords(1, 2)
      const meter = aMeter(receiver.url, [topic], { intervalMs: 1000 })
      const term = new AbortController()
      const running = meter.run(term.signal)
      await vi.waitFor(() => expect(receiver.samples().length).toBeGreaterThanOrEqual(2), {
        timeout: 10_000,
      })
      term.abort()
      await running
      const times = receiver.samples().map((sample) => new Date(sample.sampledAt).getTime())
      for (const time of times) expect(time % 1000).toBe(0)
      expect(new Set(times).size).toBe(times.length)
      const seen = receiver.samples().length
      await new Promise((resolve) => setTimeout(resolve, 1500))
      expect(receiver.samples()).toHaveLength(seen)
    } finally {
      await receiver.close()
    }
  })
})

describe('the operator with metering on', () => {
  let world: Awaited<ReturnType<typeof anOperatorWorld>>
  let stop: () => Promise<void>
  let receiver: Awaited<ReturnType<typeof aReceiver>>

  beforeAll(async () => {
    receiver = await aReceiver()
    world = await anOperatorWorld({ inProcess: false })
    stop = await startOperator({
      kubeconfig: env.kube.kubeconfig,
      installCrds: false,
      leaseNamespace: world.namespace,
      identity: uniqueName('operator'),
      port: 0,
      topicConcurrency: 8,
      resyncMs: 300_000,
      selector: Object.entries(world.labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(','),
      metering: { url: receiver.url, token, intervalMs: 1000 },
    })
    await untilPhase(world.get, world.pool, 'Ready')
  })
  afterAll(async () => {
    await stop?.()
    await receiver?.close()
  })

  test('meters the topics the api made, by their ids, and not one made by hand', async () => {
    const ids = { orgId: randomUUID(), clusterId: randomUUID(), topicId: randomUUID() }
    const cluster = await world.create(aSharedCluster(world.pool.metadata.name))
    await untilPhase(world.get, cluster, 'Ready')
    const labelled = aTopic(cluster.metadata.name, { partitions: 2 })
    labelled.metadata.labels = {
      [labels.orgId]: ids.orgId,
      [labels.clusterId]: ids.clusterId,
      [labels.topicId]: ids.topicId,
    }
    const byHand = aTopic(cluster.metadata.name, { partitions: 1 })
    await world.create(labelled)
    await world.create(byHand)
    const ready = await untilPhase(world.get, labelled, 'Ready')
    const handReady = await untilPhase(world.get, byHand, 'Ready')
    await produce(ready.status?.topicName ?? '', 7)
    await produce(handReady.status?.topicName ?? '', 7)

    await vi.waitFor(
      () =>
        expect(receiver.samples()).toContainEqual(
          expect.objectContaining({ ...ids, partitions: 2, endOffsets: 7 }),
        ),
      { timeout: 20_000, interval: 200 },
    )
    const topicIds = new Set(receiver.samples().map((sample) => sample.topicId))
    expect([...topicIds]).toEqual([ids.topicId])
  })
})
