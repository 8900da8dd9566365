import { isUtf8 } from 'node:buffer'

// Records as fjord reads and prints them, apart from the Kafka client (loaded only when a
// command talks to Kafka): what consume prints, and how produce reads its input lines.

/** A header: Kafka's keys are strings, its values bytes or null. */
export type Header = [key: string, value: Buffer | null]

/** A record consume read, under its topic's short name. */
export interface ConsumedRecord {
  topic: string
  partition: number
  offset: bigint
  /** Epoch milliseconds; -1 when the record has none. */
  timestamp: bigint
  key: Buffer | null
  value: Buffer | null
  headers: Header[]
}

/** Where produce wrote a record. */
export interface ProducedRecord {
  topic: string
  partition: number
  offset: bigint
}

/** A record to produce, read from one input line. */
export interface RecordToProduce {
  key: Buffer | null
  value: Buffer | null
  headers: Header[]
}

/** Bytes in JSON: the text when they are UTF-8, else `{"base64": …}`; null stays null. */
export type JsonBytes = string | { base64: string } | null

export function bytesToJson(bytes: Buffer | null): JsonBytes {
  if (bytes === null) return null
  return isUtf8(bytes) ? bytes.toString('utf8') : { base64: bytes.toString('base64') }
}

/** Bytes from their JSON form; a description of what is wrong otherwise. */
export function bytesFromJson(value: unknown, field: string): Buffer | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  if (typeof value === 'object' && 'base64' in value && typeof value.base64 === 'string') {
    return Buffer.from(value.base64, 'base64')
  }
  throw new Error(`${field} must be a string, {"base64": "…"} or null`)
}

export function timestampToJson(timestamp: bigint): string | null {
  return timestamp < 0n ? null : new Date(Number(timestamp)).toISOString()
}

export const inputFormats = ['value', 'key-value', 'json'] as const
export type InputFormat = (typeof inputFormats)[number]

/**
 * One input line as a record. `value`: the line is the value. `key-value`: the key, a tab, the
 * value. `json`: an object as consume prints it ({key, value, headers}), bytes that are not
 * UTF-8 as {"base64": …}, so that consume's output produces the same records again.
 */
export function parseLine(line: string, format: InputFormat): RecordToProduce {
  switch (format) {
    case 'value':
      return { key: null, value: Buffer.from(line, 'utf8'), headers: [] }
    case 'key-value': {
      const tab = line.indexOf('\t')
      if (tab === -1) throw new Error('has no tab between the key and the value')
      return {
        key: Buffer.from(line.slice(0, tab), 'utf8'),
        value: Buffer.from(line.slice(tab + 1), 'utf8'),
        headers: [],
      }
    }
    case 'json':
      return recordFromJson(line)
  }
}

function recordFromJson(line: string): RecordToProduce {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch (error) {
    throw new Error(`is not JSON: ${(error as Error).message}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('is not a JSON object with key, value and headers')
  }
  const record = parsed as Record<string, unknown>
  const headers = record.headers ?? []
  if (!Array.isArray(headers)) throw new Error('has headers that are not a list')
  return {
    key: bytesFromJson(record.key, 'key'),
    value: bytesFromJson(record.value, 'value'),
    headers: headers.map((header: unknown, i) => {
      const { key, value } = (header ?? {}) as { key?: unknown; value?: unknown }
      if (typeof key !== 'string') throw new Error(`has a header ${i} without a string key`)
      return [key, bytesFromJson(value, `header ${key}`)]
    }),
  }
}

/** `-H key=value` as a header. */
export function parseHeader(text: string): Header {
  const at = text.indexOf('=')
  if (at < 1) throw new Error(`expected key=value, got "${text}"`)
  return [text.slice(0, at), Buffer.from(text.slice(at + 1), 'utf8')]
}

/** Bytes for a human: the text, or base64 when they are not UTF-8. */
export function bytesForHumans(bytes: Buffer | null): string {
  const json = bytesToJson(bytes)
  if (json === null) return 'null'
  return typeof json === 'string' ? json : `base64:${json.base64}`
}
