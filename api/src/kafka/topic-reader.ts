import '@fjord/kafka/connection-errors'
import { placedRecords } from '@fjord/kafka/records'
import { Consumer, findErrorBy, type RecordsBatch } from '@platformatic/kafka'
import { ApiError } from '../errors.ts'
import { earliestOffset, latestOffset } from './group-admin.ts'
import type { Fetched, PartitionReader } from './message-browse.ts'
import type { KafkaRecord } from './message-lines.ts'
import type { PoolClientOptions } from './pool-admins.ts'

/** How much one fetch brings: per partition, and in all. */
const partitionMaxBytes = 1024 * 1024
const fetchMaxBytes = 8 * 1024 * 1024

/** A failed Kafka call as a 503 that says what was asked and what Kafka said. */
export function kafkaUnavailable(action: string, error: unknown): ApiError {
  if (error instanceof ApiError) return error
  const reason =
    error instanceof AggregateError && error.errors.length > 0
      ? [...new Set(error.errors.map((e) => (e as Error).message))].join('; ')
      : error instanceof Error
        ? ((error as { apiId?: string }).apiId ?? error.message)
        : String(error)
  return new ApiError('unavailable', `Kafka did not answer (${action}): ${reason}; try again`)
}

/**
 * One topic read directly, partition by partition, as kcat does without a group: no group
 * joined, no offset committed. A request makes its own and closes it: the consumer's fetch
 * sessions are per reader.
 */
export class TopicReader implements PartitionReader {
  readonly #consumer: Consumer
  readonly #topic: string

  private constructor(consumer: Consumer, topic: string) {
    this.#consumer = consumer
    this.#topic = topic
  }

  /** A reader of `topic` (a Kafka name); undefined when Kafka has no such topic. */
  static async open(
    options: PoolClientOptions,
    topic: string,
  ): Promise<{ reader: TopicReader; partitions: number } | undefined> {
    // The client wants a group id; a consumer that never joins uses it for nothing.
    const consumer = new Consumer({
      clientId: 'fjord-api-browse',
      groupId: 'fjord-api',
      ...options,
    })
    try {
      const metadata = await consumer.metadata({ topics: [topic] })
      const partitions = metadata.topics.get(topic)?.partitionsCount ?? 0
      if (partitions === 0) {
        await consumer.close()
        return undefined
      }
      return { reader: new TopicReader(consumer, topic), partitions }
    } catch (error) {
      await consumer.close().catch(() => {})
      if (findErrorBy(error as Error, 'apiId', 'UNKNOWN_TOPIC_OR_PARTITION')) return undefined
      if (error instanceof Error && /unknown topic/i.test(error.message)) return undefined
      throw kafkaUnavailable('describe the topic', error)
    }
  }

  /** Each partition's first offset, its end, or its first offset at or after `timestamp` (ms). */
  async offsets(at: 'earliest' | 'latest' | bigint): Promise<Map<number, bigint>> {
    const timestamp = at === 'earliest' ? earliestOffset : at === 'latest' ? latestOffset : at
    try {
      const offsets = await this.#consumer.listOffsets({ topics: [this.#topic], timestamp })
      return new Map(
        (offsets.get(this.#topic) ?? []).map((offset, partition) => [partition, offset]),
      )
    } catch (error) {
      throw kafkaUnavailable('list offsets', error)
    }
  }

  async fetch(from: Map<number, bigint>, waitMs: number): Promise<Map<number, Fetched>> {
    try {
      return await this.#fetch(from, waitMs)
    } catch (error) {
      throw kafkaUnavailable('fetch messages', error)
    }
  }

  async #fetch(from: Map<number, bigint>, waitMs: number): Promise<Map<number, Fetched>> {
    const metadata = await this.#consumer.metadata({ topics: [this.#topic] })
    const topic = metadata.topics.get(this.#topic)
    if (!topic) throw new Error(`Kafka no longer has the topic ${this.#topic}`)
    const byLeader = new Map<number, number[]>()
    for (const partition of from.keys()) {
      const leader = topic.partitions[partition]?.leader ?? -1
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition])
    }
    const responses = await Promise.all(
      [...byLeader].map(([node, partitions]) =>
        this.#consumer.fetch({
          node,
          maxWaitTime: waitMs,
          minBytes: 1,
          maxBytes: fetchMaxBytes,
          topics: [
            {
              topicId: topic.id,
              partitions: partitions.map((partition) => ({
                partition,
                fetchOffset: from.get(partition) ?? 0n,
                partitionMaxBytes,
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
              })),
            },
          ],
        }),
      ),
    )
    const fetched = new Map<number, Fetched>()
    for (const response of responses) {
      for (const { partitions } of response.responses) {
        for (const { partitionIndex, records, highWatermark } of partitions) {
          const at = from.get(partitionIndex) ?? 0n
          const batches = records ?? []
          const last = batches.at(-1)
          fetched.set(partitionIndex, {
            records: recordsOf(partitionIndex, batches),
            next: last ? last.firstOffset + BigInt(last.lastOffsetDelta) + 1n : at,
            highWatermark,
          })
        }
      }
    }
    return fetched
  }

  async close(): Promise<void> {
    await this.#consumer.close(true).catch(() => {})
  }
}

function recordsOf(partition: number, batches: RecordsBatch[]): KafkaRecord[] {
  return [...placedRecords(batches)].map(({ offset, timestamp, record }) => ({
    partition,
    offset,
    timestamp,
    key: record.key,
    value: record.value,
    headers: record.headers,
  }))
}
