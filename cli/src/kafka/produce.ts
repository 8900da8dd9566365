import type { Producer } from '@platformatic/kafka'
import { CliError, usageError } from '../errors.ts'
import { clientOptions, kafkaFailure, loadKafka } from './client.ts'
import type { KafkaLogin } from './login.ts'
import type { ProducedRecord, RecordToProduce } from './records.ts'

export interface ProduceRequest {
  login: KafkaLogin
  /** A short name. */
  topic: string
  /** Every record to this partition; else by key, and round robin without one. */
  partition?: number
  records: AsyncIterable<RecordToProduce>
  onWritten: (record: ProducedRecord) => void
  /** Where round robin starts, in [0, 1): so that short runs do not all land on partition 0. */
  random: () => number
}

/** Writes the records as they come, in order; answers how many Kafka acknowledged. */
export async function produce(request: ProduceRequest): Promise<number> {
  const kafka = await loadKafka()
  const { login, topic } = request
  const kafkaTopic = login.names.toKafka(topic, 'topic')
  const producer = new kafka.Producer({
    ...clientOptions(login),
    // No duplicates when a send is retried, and records stay in order.
    idempotent: true,
  })
  let written = 0
  try {
    const metadata = await producer.metadata({ topics: [kafkaTopic] })
    const partitions = metadata.topics.get(kafkaTopic)?.partitionsCount ?? 0
    const choose = partitionChooser(partitions, request, (key) =>
      kafka.compatibilityPartitioner(undefined as never, key),
    )
    const send = async (batch: Outgoing[]) => {
      const written = await sendBatch(producer, kafkaTopic, batch)
      for (const { partition, offset } of written) request.onWritten({ topic, partition, offset })
    }
    const batcher = new Batcher(send)
    for await (const record of request.records) {
      await batcher.add({ ...record, partition: choose(record.key) })
    }
    written = await batcher.finish()
    return written
  } catch (error) {
    if (error instanceof CliError) throw error
    throw kafkaFailure(error, { login, verb: 'write to', topics: [topic] })
  } finally {
    await producer.close()
  }
}

interface Outgoing extends RecordToProduce {
  partition: number
}

/**
 * The partition of each record: the one asked for; by key as Java's and rpk's default
 * partitioners do (murmur2), so that a key lands where their producers put it; round robin
 * for records without a key.
 */
export function partitionChooser(
  partitions: number,
  { partition, random }: { partition?: number; random: () => number },
  hash: (key: Buffer) => number,
): (key: Buffer | null) => number {
  if (partition !== undefined) {
    if (partition >= partitions) {
      throw usageError(
        `the topic has ${partitions} partition(s), numbered from 0: there is no partition ${partition}`,
      )
    }
    return () => partition
  }
  let next = Math.floor(random() * partitions)
  return (key) => {
    if (key !== null) return hash(key) % partitions
    next = (next + 1) % partitions
    return next
  }
}

/** Where each record of a batch went: a partition's records follow its base offset in order. */
async function sendBatch(producer: Producer, topic: string, batch: Outgoing[]) {
  const result = await producer.send({
    messages: batch.map((record) => ({
      topic,
      partition: record.partition,
      key: record.key ?? undefined,
      value: record.value ?? undefined,
      headers: new Map(record.headers.map(([key, value]) => [Buffer.from(key), value as Buffer])),
    })),
  })
  const next = new Map((result.offsets ?? []).map((o) => [o.partition, o.offset]))
  return batch.map(({ partition }) => {
    const offset = next.get(partition) ?? -1n
    next.set(partition, offset + 1n)
    return { partition, offset }
  })
}

// One send at most this big: Kafka refuses a batch over the topic's max.message.bytes (1 MiB).
const maxBatchRecords = 1000
const maxBatchBytes = 512 * 1024

const sizeOf = (record: RecordToProduce) =>
  (record.key?.length ?? 0) +
  (record.value?.length ?? 0) +
  record.headers.reduce((sum, [key, value]) => sum + key.length + (value?.length ?? 0), 0)

/**
 * Sends records as they come, one batch at a time: a record read while a batch is on its way
 * waits for the next one, so a file goes in large batches and a typed line at once.
 */
export class Batcher<R extends RecordToProduce> {
  readonly #send: (batch: R[]) => Promise<void>
  #queue: R[] = []
  #bytes = 0
  #sent = 0
  #running: Promise<void> | undefined
  #failure: { error: unknown } | undefined

  constructor(send: (batch: R[]) => Promise<void>) {
    this.#send = send
  }

  /** Queues a record; waits when the queue is a full batch, and fails once a send failed. */
  async add(record: R): Promise<void> {
    this.#throwFailure()
    this.#queue.push(record)
    this.#bytes += sizeOf(record)
    this.#running ??= this.#drain()
    if (this.#queue.length >= maxBatchRecords || this.#bytes >= maxBatchBytes) {
      await this.#running
      this.#throwFailure()
    }
  }

  /** Sends what is queued; answers how many records were sent. */
  async finish(): Promise<number> {
    while (this.#running) await this.#running
    this.#throwFailure()
    return this.#sent
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#take()
        await this.#send(batch)
        this.#sent += batch.length
      }
    } catch (error) {
      this.#failure = { error }
    } finally {
      this.#running = undefined
    }
  }

  #take(): R[] {
    let bytes = 0
    let count = 0
    while (count < this.#queue.length && count < maxBatchRecords && bytes < maxBatchBytes) {
      bytes += sizeOf(this.#queue[count] as R)
      count += 1
    }
    this.#bytes -= bytes
    return this.#queue.splice(0, count)
  }

  #throwFailure(): void {
    if (this.#failure) throw this.#failure.error
  }
}
