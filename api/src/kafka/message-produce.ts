import { compatibilityPartitioner, findErrorBy, type Producer } from '@platformatic/kafka'
import { type FieldError, validationFailed } from '../errors.ts'
import { kafkaUnavailable } from './topic-reader.ts'

export type BytesEncoding = 'utf8' | 'hex' | 'base64'

/** A test message as the API takes it: text, or bytes as hex or base64. */
export interface MessageToWrite {
  partition?: number
  key: string | null
  keyEncoding: BytesEncoding
  value: string | null
  valueEncoding: BytesEncoding
  headers: { key: string; value: string | null }[]
}

export interface Written {
  partition: number
  offset: string
  timestamp: string
}

const encodings: Record<Exclude<BytesEncoding, 'utf8'>, RegExp> = {
  hex: /^([0-9a-fA-F]{2})*$/,
  base64: /^[A-Za-z0-9+/]*={0,2}$/,
}

/** The bytes `text` stands for, or the reason it stands for none. */
function bytesOf(text: string | null, encoding: BytesEncoding): Buffer | null | string {
  if (text === null) return null
  if (encoding !== 'utf8' && !encodings[encoding].test(text)) return `is not ${encoding}`
  return Buffer.from(text, encoding)
}

// What Kafka says when a record is over the topic's max.message.bytes.
const tooLarge = ['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']

/**
 * Writes one message with the platform's producer: to the partition asked for, else by its
 * key as Java's producer would (murmur2), else to any. Answers where it went; undefined when
 * Kafka has no such topic (the producer never creates one).
 */
export async function produceMessage(
  producer: Producer,
  topic: string,
  message: MessageToWrite,
): Promise<Written | undefined> {
  const errors: FieldError[] = []
  const key = bytesOf(message.key, message.keyEncoding)
  const value = bytesOf(message.value, message.valueEncoding)
  if (typeof key === 'string') errors.push({ path: 'key', message: key })
  if (typeof value === 'string') errors.push({ path: 'value', message: value })
  if (errors.length > 0) throw validationFailed(errors)
  let partitions: number
  try {
    const metadata = await producer.metadata({ topics: [topic] })
    partitions = metadata.topics.get(topic)?.partitionsCount ?? 0
  } catch (error) {
    if (findErrorBy(error as Error, 'apiId', 'UNKNOWN_TOPIC_OR_PARTITION')) return undefined
    if (error instanceof Error && /unknown topic/i.test(error.message)) return undefined
    throw kafkaUnavailable('describe the topic', error)
  }
  if (partitions === 0) return undefined
  if (message.partition !== undefined && message.partition >= partitions) {
    throw validationFailed([
      { path: 'partition', message: `the topic has ${partitions} partition(s), numbered from 0` },
    ])
  }
  const partition =
    message.partition ??
    (key instanceof Buffer
      ? compatibilityPartitioner(undefined as never, key) % partitions
      : Math.floor(Math.random() * partitions))
  const timestamp = BigInt(Date.now())
  try {
    const result = await producer.send({
      messages: [
        {
          topic,
          partition,
          timestamp,
          ...(key instanceof Buffer ? { key } : {}),
          ...(value instanceof Buffer ? { value } : {}),
          headers: new Map(
            message.headers.map((header) => [
              Buffer.from(header.key),
              header.value === null ? (null as unknown as Buffer) : Buffer.from(header.value),
            ]),
          ),
        },
      ],
      acks: -1,
      autocreateTopics: false,
    })
    const offset = result.offsets?.find((o) => o.partition === partition)?.offset
    if (offset === undefined) throw new Error('Kafka acknowledged no offset')
    return {
      partition,
      offset: String(offset),
      timestamp: new Date(Number(timestamp)).toISOString(),
    }
  } catch (error) {
    if (tooLarge.some((id) => findErrorBy(error as Error, 'apiId', id))) {
      throw validationFailed([
        { path: 'value', message: 'is larger than the topic takes (its max.message.bytes)' },
      ])
    }
    throw kafkaUnavailable('write the message', error)
  }
}
