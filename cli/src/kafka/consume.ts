import { placedRecords } from '@fjord/kafka/records'
import type { ClusterMetadata, Consumer, Message, RecordsBatch } from '@platformatic/kafka'
import { CliError, usageError } from '../errors.ts'
import { clientOptions, fetchWaitMs, type Kafka, kafkaFailure, loadKafka } from './client.ts'
import type { KafkaLogin } from './login.ts'
import type { From, OffsetRange } from './offsets.ts'
import { finished, type ListedOffsets, type Position, positionOf } from './positions.ts'
import type { ConsumedRecord } from './records.ts'

export interface ConsumeRequest {
  login: KafkaLogin
  /** Short names. */
  topics: string[]
  range: OffsetRange
  /** Only these partitions (of every topic); all when not given. */
  partitions?: number[]
  /** A consumer group's short name: join it, start where it left off, commit what was read. */
  group?: string
  /** Stop after this many records. */
  max?: number
  /** Stops reading cleanly (Ctrl-C). */
  signal: AbortSignal
  onRecord: (record: ConsumedRecord) => void
}

/** Reads records until the range ends, `max` were read or the signal fires; answers how many. */
export async function consume(request: ConsumeRequest): Promise<number> {
  const kafka = await loadKafka()
  try {
    return request.group ? await consumeInGroup(kafka, request) : await peek(kafka, request)
  } catch (error) {
    if (error instanceof CliError) throw error
    throw kafkaFailure(error, { ...request, verb: 'read' })
  }
}

interface PartitionState extends Position {
  topic: string
  partition: number
}

/**
 * Reads partitions directly, as rpk and kcat do without a group: no group to join, none to
 * commit to, and no group ACL needed.
 */
async function peek(kafka: Kafka, request: ConsumeRequest): Promise<number> {
  const { login, range, max, signal, onRecord } = request
  const names = login.names
  const topics = request.topics.map((topic) => names.toKafka(topic, 'topic'))
  // The client wants a group id; a consumer that never joins uses it for nothing.
  const consumer = new kafka.Consumer({
    ...clientOptions(login),
    groupId: `${names.prefix}fjord-cli`,
  })
  try {
    const metadata = await consumer.metadata({ topics })
    const wanted = partitionsOf(metadata, topics, request.partitions)
    const listed = await listOffsets(consumer, topics, range)
    const states: PartitionState[] = wanted.map(({ topic, partition }) => ({
      topic,
      partition,
      ...positionOf(range, listedFor(listed, topic, partition)),
    }))
    let count = 0
    while (!signal.aborted) {
      const active = states.filter((state) => !finished(state))
      if (active.length === 0) break
      for (const record of await fetchRound(consumer, active)) {
        onRecord({ ...record, topic: names.toShort(record.topic) })
        count += 1
        if (count === max) return count
      }
    }
    return count
  } finally {
    await consumer.close()
  }
}

/** The partitions to read: all of each topic, or those asked for (which every topic must have). */
function partitionsOf(metadata: ClusterMetadata, topics: string[], only?: number[]) {
  return topics.flatMap((topic) => {
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0
    const partitions = only ?? Array.from({ length: count }, (_, i) => i)
    const missing = partitions.filter((partition) => partition >= count)
    if (missing.length > 0) {
      throw usageError(
        `the topic has ${count} partition(s), numbered from 0: there is no partition ${missing.join(', ')}`,
      )
    }
    return partitions.map((partition) => ({ topic, partition }))
  })
}

type Listed = Record<keyof ListedOffsets, Map<string, bigint[]> | undefined>

// ListOffsets' timestamps for the oldest offset and for the end.
const earliestTimestamp = -2n
const latestTimestamp = -1n

async function listOffsets(consumer: Consumer, topics: string[], range: OffsetRange) {
  const at = (timestamp: bigint) => consumer.listOffsets({ topics, timestamp })
  const { from, until } = range
  const listed: Listed = {
    earliest: await at(earliestTimestamp),
    latest: await at(latestTimestamp),
    fromTime: from.at === 'time' ? await at(BigInt(from.ms)) : undefined,
    untilTime: until?.at === 'time' ? await at(BigInt(until.ms)) : undefined,
  }
  return listed
}

function listedFor(listed: Listed, topic: string, partition: number): ListedOffsets {
  const of = (offsets: Map<string, bigint[]> | undefined) => offsets?.get(topic)?.[partition]
  return {
    earliest: of(listed.earliest) ?? 0n,
    latest: of(listed.latest) ?? 0n,
    fromTime: of(listed.fromTime),
    untilTime: of(listed.untilTime),
  }
}

const partitionMaxBytes = 1_048_576

/** One fetch from the leader of each partition: its records in order, each partition's state moved past them. */
async function fetchRound(consumer: Consumer, active: PartitionState[]) {
  const metadata = await consumer.metadata({ topics: [...new Set(active.map((s) => s.topic))] })
  const byLeader = new Map<number, PartitionState[]>()
  for (const state of active) {
    const leader = metadata.topics.get(state.topic)?.partitions[state.partition]?.leader ?? -1
    byLeader.set(leader, [...(byLeader.get(leader) ?? []), state])
  }
  const topicIds = new Map([...metadata.topics].map(([name, topic]) => [topic.id, name]))
  const responses = await Promise.all(
    [...byLeader].map(([node, states]) =>
      consumer.fetch({
        node,
        maxWaitTime: fetchWaitMs,
        topics: [...Map.groupBy(states, (state) => state.topic)].map(([topic, ofTopic]) => ({
          topicId: metadata.topics.get(topic)?.id ?? '',
          partitions: ofTopic.map((state) => ({
            partition: state.partition,
            fetchOffset: state.next,
            partitionMaxBytes,
            currentLeaderEpoch: -1,
            lastFetchedEpoch: -1,
          })),
        })),
      }),
    ),
  )
  const read: ConsumedRecord[] = []
  for (const response of responses) {
    for (const { topicId, partitions } of response.responses) {
      const topic = topicIds.get(topicId) ?? topicId
      for (const { partitionIndex, records } of partitions) {
        const state = active.find((s) => s.topic === topic && s.partition === partitionIndex)
        if (!state || !records) continue
        read.push(...recordsOf(state, records))
        // Past transaction markers and compacted gaps, even when they held no record.
        const last = records.at(-1)
        if (last)
          state.next = maxOf(state.next, last.firstOffset + BigInt(last.lastOffsetDelta) + 1n)
      }
    }
  }
  return read
}

const maxOf = (a: bigint, b: bigint) => (a > b ? a : b)

/** The records of the batches from the state's next offset, up to where it stops. */
function recordsOf(state: PartitionState, batches: RecordsBatch[]) {
  const read: ConsumedRecord[] = []
  const from = state.next
  for (const { offset, timestamp, record } of placedRecords(batches)) {
    if (offset < from) continue
    if (state.until !== null && offset >= state.until) return read
    read.push({
      topic: state.topic,
      partition: state.partition,
      offset,
      timestamp,
      key: record.key,
      value: record.value,
      headers: record.headers.map(([key, value]) => [key?.toString('utf8') ?? '', value]),
    })
  }
  return read
}

/**
 * Reads as a member of a consumer group: it starts where the group left off (a new group at
 * `-o start` or `end`), and commits each record once it is printed, so that none printed is
 * read again and none read past `--max` is skipped.
 */
async function consumeInGroup(kafka: Kafka, request: ConsumeRequest): Promise<number> {
  const { login, range, max, signal, onRecord } = request
  const names = login.names
  const topics = request.topics.map((topic) => names.toKafka(topic, 'topic'))
  const consumer = new kafka.Consumer({
    ...clientOptions(login),
    groupId: names.toKafka(request.group ?? '', 'group'),
    autocommit: false,
    maxWaitTime: fetchWaitMs,
    // A fjord killed without leaving the group holds its partitions only this long.
    sessionTimeout: 10_000,
    heartbeatInterval: 3000,
  })
  try {
    // With `:end`, each partition stops at the end it has now, from where the group is.
    const positions = range.until ? await groupPositions(consumer, topics, range.from) : undefined
    const stream = await consumer.consume({
      topics,
      mode: kafka.MessagesStreamModes.COMMITTED,
      fallbackMode:
        range.from.at === 'start'
          ? kafka.MessagesStreamFallbackModes.EARLIEST
          : kafka.MessagesStreamFallbackModes.LATEST,
      autocommit: false,
    })
    const commits = new Map<string, Promise<void>>()
    let count = 0
    let stopping = false
    const done = new Promise<void>((resolve, reject) => {
      stream.once('close', resolve)
      stream.once('error', reject)
    })
    const stop = () => {
      if (stopping) return
      stopping = true
      // Not from within a 'data' event: the stream pushes the rest of a batch after it, and
      // a push after close() throws.
      queueMicrotask(() => void stream.close())
    }
    const caughtUp = () =>
      positions !== undefined &&
      (consumer.assignments ?? []).every(({ topic, partitions }) =>
        partitions.every((partition) => {
          const position = positions.get(`${topic}/${partition}`)
          return !position || finished(position)
        }),
      )
    signal.addEventListener('abort', stop, { once: true })
    stream.on('fetch', () => {
      if (caughtUp()) stop()
    })
    stream.on('data', (message: Message) => {
      if (stopping) return
      onRecord(recordOfMessage(message, names.toShort(message.topic)))
      const key = `${message.topic}/${message.partition}`
      const position = positions?.get(key)
      if (position) position.next = message.offset + 1n
      commits.set(key, Promise.resolve(message.commit()))
      count += 1
      if (count === max || caughtUp()) stop()
    })
    if (signal.aborted || caughtUp()) stop()
    await done
    await Promise.all(commits.values())
    signal.removeEventListener('abort', stop)
    return count
  } finally {
    await consumer.close()
  }
}

/** Where the group is in each partition (its commit, else where a new group starts) and the end. */
async function groupPositions(consumer: Consumer, topics: string[], from: From) {
  if (from.at !== 'start' && from.at !== 'end') {
    throw usageError(
      'with --group, -o says only where a new group starts: start or end, and :end to stop',
    )
  }
  const earliest = await consumer.listOffsets({ topics, timestamp: earliestTimestamp })
  const latest = await consumer.listOffsets({ topics, timestamp: latestTimestamp })
  const committed = await consumer.listCommittedOffsets({
    topics: topics.map((topic) => ({
      topic,
      partitions: (latest.get(topic) ?? []).map((_, partition) => partition),
    })),
  })
  const positions = new Map<string, Position>()
  for (const topic of topics) {
    for (const [partition, end] of (latest.get(topic) ?? []).entries()) {
      const commit = committed.get(topic)?.[partition] ?? -1n
      const start = from.at === 'start' ? (earliest.get(topic)?.[partition] ?? 0n) : end
      positions.set(`${topic}/${partition}`, { next: commit >= 0n ? commit : start, until: end })
    }
  }
  return positions
}

function recordOfMessage(message: Message, topic: string): ConsumedRecord {
  return {
    topic,
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key ?? null,
    value: message.value ?? null,
    headers: message.headerEntries.map(([key, value]) => [key.toString('utf8'), value ?? null]),
  }
}
