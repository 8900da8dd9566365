import { describe, expect, it } from 'vitest'
import {
  bucketStart,
  clusterIncrements,
  type IncomingSample,
  type KnownTopic,
  messagesSince,
  planSamples,
  rollupIncrements,
  type StoredSample,
} from './rollup.ts'

const org = 'org'
const cluster = 'cluster'

function aSample(topicId: string, at: number, endOffsets: number): IncomingSample {
  const sampledAt = minute(at)
  return {
    id: `${topicId}:${sampledAt.toISOString()}`,
    orgId: org,
    clusterId: cluster,
    topicId,
    sampledAt,
    partitions: 2,
    storageBytes: 10 * at,
    endOffsets,
  }
}

const minute = (m: number) => new Date(Date.UTC(2026, 2, 1, 0, m))

const known = (endOffsetsBefore: number | null = null, since: StoredSample[] = []): KnownTopic => ({
  orgId: org,
  clusterId: cluster,
  endOffsetsBefore,
  since,
})

/** The api's store in memory: applies each batch's plan as recordSamples does. */
function aStore() {
  const rows: (StoredSample & IncomingSample)[] = []
  return {
    rows,
    record(batch: IncomingSample[]) {
      const oldest = Math.min(...batch.map((s) => s.sampledAt.getTime()))
      const topicIds = new Set(batch.map((s) => s.topicId))
      const knownTopics = new Map(
        [...topicIds].map((topicId) => {
          const mine = rows.filter((row) => row.topicId === topicId)
          const before = mine
            .filter((row) => row.sampledAt.getTime() < oldest)
            .sort((a, b) => b.sampledAt.getTime() - a.sampledAt.getTime())[0]
          const since = mine.filter((row) => row.sampledAt.getTime() >= oldest)
          return [topicId, known(before?.endOffsets ?? null, since)]
        }),
      )
      const plan = planSamples(batch, knownTopics, new Set(rows.map((row) => row.id)))
      for (const row of plan.rows) rows.push({ ...row, rowId: rows.length })
      for (const correction of plan.corrections) {
        const row = rows[correction.rowId]
        if (row) row.messagesIn += correction.messagesIn
      }
    },
  }
}

describe('messagesSince', () => {
  it('counts the rise of the end offsets', () => {
    expect(messagesSince(100, 130)).toBe(30)
    expect(messagesSince(100, 100)).toBe(0)
  })

  it('counts from zero without an earlier reading, or when the offsets went down', () => {
    expect(messagesSince(undefined, 40)).toBe(40)
    expect(messagesSince(null, 40)).toBe(40)
    expect(messagesSince(500, 40)).toBe(40)
  })
})

describe('planSamples', () => {
  it('takes the samples of a topic oldest first, each counting from the one before', () => {
    const plan = planSamples(
      [aSample('a', 3, 70), aSample('a', 1, 10), aSample('a', 2, 25)],
      new Map([['a', known()]]),
      new Set(),
    )
    expect(plan.ignored).toEqual([])
    expect(plan.corrections).toEqual([])
    expect(plan.rows.map((row) => [row.sampledAt.getUTCMinutes(), row.messagesIn])).toEqual([
      [1, 10],
      [2, 15],
      [3, 45],
    ])
  })

  it('counts from the topic’s latest stored sample', () => {
    const plan = planSamples([aSample('a', 5, 120)], new Map([['a', known(100)]]), new Set())
    expect(plan.rows[0]?.messagesIn).toBe(20)
  })

  it('lets a late sample take its share from the stored sample after it', () => {
    const after: StoredSample = { rowId: 7, sampledAt: minute(6), endOffsets: 130, messagesIn: 30 }
    const plan = planSamples(
      [aSample('a', 5, 120)],
      new Map([['a', known(100, [after])]]),
      new Set(),
    )
    expect(plan.rows[0]?.messagesIn).toBe(20)
    expect(plan.corrections).toEqual([
      {
        rowId: 7,
        orgId: org,
        clusterId: cluster,
        topicId: 'a',
        sampledAt: minute(6),
        messagesIn: -20,
      },
    ])
  })

  it('ignores a stored id, an id sent twice, a time already sampled and an unknown topic', () => {
    const stored = aSample('a', 5, 120)
    const same = aSample('a', 6, 130)
    const plan = planSamples(
      [
        stored,
        same,
        same,
        { ...aSample('a', 5, 90), id: 'other-id-same-time' },
        { ...aSample('a', 6, 90), id: 'other-id-same-time-in-batch' },
        aSample('unknown', 6, 1),
        { ...aSample('a', 7, 1), id: 'foreign', orgId: 'another-org' },
        { ...aSample('a', 8, 1), id: 'wrong-cluster', clusterId: 'another-cluster' },
      ],
      new Map([
        ['a', known(100, [{ rowId: 1, sampledAt: minute(5), endOffsets: 120, messagesIn: 20 }])],
      ]),
      new Set([stored.id]),
    )
    expect(plan.rows.map((row) => row.id)).toEqual([same.id])
    expect(plan.ignored).toEqual([
      { id: stored.id, reason: 'duplicate' },
      { id: same.id, reason: 'duplicate' },
      { id: 'other-id-same-time', reason: 'duplicate' },
      { id: 'other-id-same-time-in-batch', reason: 'duplicate' },
      { id: aSample('unknown', 6, 1).id, reason: 'unknown_topic' },
      { id: 'foreign', reason: 'unknown_topic' },
      { id: 'wrong-cluster', reason: 'unknown_topic' },
    ])
  })

  it('gives each sample the same count whatever the order and batches they arrive in', () => {
    // Offsets rise, then the topic is made again and starts over.
    const samples = [
      aSample('a', 1, 10),
      aSample('a', 2, 25),
      aSample('a', 3, 25),
      aSample('a', 4, 3),
      aSample('a', 5, 40),
      aSample('a', 6, 41),
    ]
    const inOrder = aStore()
    inOrder.record(samples)
    const counts = (store: ReturnType<typeof aStore>) =>
      Object.fromEntries(store.rows.map((row) => [row.id, row.messagesIn]))
    expect(Object.values(counts(inOrder))).toEqual([10, 15, 0, 3, 37, 1])
    for (const order of [
      [5, 4, 3, 2, 1, 0],
      [2, 0, 5, 1, 3, 4],
      [3, 5, 0, 4, 1, 2],
    ]) {
      const store = aStore()
      const shuffled = order.map((index) => samples[index] as IncomingSample)
      store.record(shuffled.slice(0, 2))
      for (const sample of shuffled.slice(2)) store.record([sample, sample])
      expect(counts(store)).toEqual(counts(inOrder))
    }
  })
})

describe('bucketStart', () => {
  it('truncates to the UTC hour and day', () => {
    const time = new Date('2026-03-01T13:59:59.999Z')
    expect(bucketStart(time, 'hour').toISOString()).toBe('2026-03-01T13:00:00.000Z')
    expect(bucketStart(time, 'day').toISOString()).toBe('2026-03-01T00:00:00.000Z')
  })
})

describe('increments', () => {
  const rows = planSamples(
    [aSample('a', 58, 5), aSample('b', 58, 7), aSample('a', 59, 9), aSample('a', 61, 12)],
    new Map([
      ['a', known()],
      ['b', known()],
    ]),
    new Set(),
  ).rows

  it('add the topics of one time into one cluster-wide row', () => {
    expect(
      clusterIncrements(rows).map(({ sampledAt, partitions, storageBytes, messagesIn }) => ({
        minute: sampledAt.toISOString().slice(11, 16),
        partitions,
        storageBytes,
        messagesIn,
      })),
    ).toEqual([
      { minute: '00:58', partitions: 4, storageBytes: 1160, messagesIn: 12 },
      { minute: '00:59', partitions: 2, storageBytes: 590, messagesIn: 4 },
      { minute: '01:01', partitions: 2, storageBytes: 610, messagesIn: 3 },
    ])
  })

  it('sum messages in and keep the highest gauges per hour and day', () => {
    const topicA = rollupIncrements(rows).filter((increment) => increment.topicId === 'a')
    expect(
      topicA.map(({ granularity, bucketStart, storageBytes, messagesIn }) => ({
        granularity,
        bucket: bucketStart.toISOString(),
        storageBytes,
        messagesIn,
      })),
    ).toEqual([
      { granularity: 'day', bucket: '2026-03-01T00:00:00.000Z', storageBytes: 610, messagesIn: 12 },
      { granularity: 'hour', bucket: '2026-03-01T00:00:00.000Z', storageBytes: 590, messagesIn: 9 },
      { granularity: 'hour', bucket: '2026-03-01T01:00:00.000Z', storageBytes: 610, messagesIn: 3 },
    ])
  })
})
