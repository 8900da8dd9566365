import { isUtf8 } from 'node:buffer'
import type { FilterRecord } from './message-filter.ts'

// A Kafka record as a browse sends it (a `message` line) and as its filter sees it: bytes as
// UTF-8 text, or as hex when they are not UTF-8; shown cut at maxBytes, never inside a character.

/** A record as Kafka holds it. */
export interface KafkaRecord {
  partition: number
  offset: bigint
  /** Milliseconds since the epoch; negative when the record has none. */
  timestamp: bigint
  key: Buffer | null
  value: Buffer | null
  headers: [Buffer | null, Buffer | null][]
}

export type Encoding = 'utf8' | 'hex'

export interface MessageLine {
  type: 'message'
  partition: number
  offset: string
  timestamp: string | null
  key: string | null
  keyEncoding: Encoding
  keySize: number
  value: string | null
  valueEncoding: Encoding
  /** The value's size in bytes, whole. */
  size: number
  /** The key, the value or a header value is cut at maxBytes. */
  truncated: boolean
  headers: { key: string; value: string | null; encoding: Encoding }[]
}

/** The bytes as text when they are UTF-8, else as lower-case hex. */
export function textOf(bytes: Buffer | null): string | null {
  if (bytes === null) return null
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('hex')
}

/** Bytes as a line shows them: UTF-8 or hex, cut at `maxBytes` (at a character's start). */
export function shown(bytes: Buffer | null, maxBytes: number) {
  if (bytes === null) {
    return { text: null, encoding: 'utf8' as Encoding, size: 0, truncated: false }
  }
  const size = bytes.length
  const truncated = size > maxBytes
  if (!isUtf8(bytes)) {
    const kept = truncated ? bytes.subarray(0, maxBytes) : bytes
    return { text: kept.toString('hex'), encoding: 'hex' as Encoding, size, truncated }
  }
  let cut = truncated ? maxBytes : size
  // Not inside a character: UTF-8 continuation bytes are 0b10xxxxxx.
  while (cut > 0 && cut < size && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut -= 1
  return { text: bytes.toString('utf8', 0, cut), encoding: 'utf8' as Encoding, size, truncated }
}

function isoTime(ms: bigint): string | null {
  if (ms < 0n) return null
  const date = new Date(Number(ms))
  return Number.isNaN(date.getTime()) ? null : date.toISOString()
}

export function messageLine(record: KafkaRecord, maxBytes: number): MessageLine {
  const key = shown(record.key, maxBytes)
  const value = shown(record.value, maxBytes)
  let truncated = key.truncated || value.truncated
  const headers = record.headers.map(([name, bytes]) => {
    const header = shown(bytes, maxBytes)
    truncated ||= header.truncated
    return { key: name?.toString('utf8') ?? '', value: header.text, encoding: header.encoding }
  })
  return {
    type: 'message',
    partition: record.partition,
    offset: String(record.offset),
    timestamp: isoTime(record.timestamp),
    key: key.text,
    keyEncoding: key.encoding,
    keySize: key.size,
    value: value.text,
    valueEncoding: value.encoding,
    size: value.size,
    truncated,
    headers,
  }
}

export function filterRecordOf(record: KafkaRecord): FilterRecord {
  return {
    partition: record.partition,
    offset: record.offset,
    timestamp: Number(record.timestamp),
    key: textOf(record.key),
    value: textOf(record.value),
    headers: record.headers.map(([name, bytes]) => [name?.toString('utf8') ?? '', textOf(bytes)]),
  }
}

/** The bytes of a record: what a browse counts as read. */
export const sizeOf = (record: KafkaRecord) =>
  (record.key?.length ?? 0) +
  (record.value?.length ?? 0) +
  record.headers.reduce((sum, [k, v]) => sum + (k?.length ?? 0) + (v?.length ?? 0), 0)

/** Whether `a` comes before `b` in time (then partition, then offset). */
export function earlier(a: KafkaRecord, b: KafkaRecord): boolean {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp
  if (a.partition !== b.partition) return a.partition < b.partition
  return a.offset < b.offset
}
