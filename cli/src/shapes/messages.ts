import {
  bytesToJson,
  type ConsumedRecord,
  type ProducedRecord,
  timestampToJson,
} from '../kafka/records.ts'
import type { Shape } from '../output.ts'

// The JSON of the records produce and consume print, one object per line: a script may rely
// on them, so the sibling test snapshots them and a change shows up in review. Bytes are text
// when they are UTF-8, else {"base64": …}; offsets are numbers, timestamps RFC 3339.

/** A record consume read; the text form shows the columns on one line and the value below. */
export const recordShape: Shape<ConsumedRecord> = {
  fields: {
    topic: (record) => record.topic,
    partition: (record) => record.partition,
    offset: (record) => Number(record.offset),
    timestamp: (record) => timestampToJson(record.timestamp),
    key: (record) => bytesToJson(record.key),
    value: (record) => bytesToJson(record.value),
    headers: (record) => record.headers.map(([key, value]) => ({ key, value: bytesToJson(value) })),
  },
  columns: ['topic', 'partition', 'offset', 'timestamp', 'key', 'headers'],
}

/** Where produce wrote a record. */
export const producedShape: Shape<ProducedRecord> = {
  fields: {
    topic: (record) => record.topic,
    partition: (record) => record.partition,
    offset: (record) => Number(record.offset),
  },
  columns: ['topic', 'partition', 'offset'],
}
