import type { Output, Shape } from '../output.ts'
import { project } from '../output.ts'
import { producedShape, recordShape } from '../shapes/messages.ts'
import { bytesForHumans, type ConsumedRecord, type ProducedRecord } from './records.ts'

// How produce and consume print records: JSON lines of their shapes (the contract), or the
// shapes' columns as readable `name value` pairs.

export type RecordFormat = 'text' | 'json' | 'value'

/** A consumed record: a JSON line, its columns on a line and its value below, or the value alone. */
export function printedRecord(output: Output, record: ConsumedRecord, format: RecordFormat) {
  switch (format) {
    case 'json':
      return jsonLine(recordShape, record)
    case 'value':
      return `${record.value?.toString('utf8') ?? ''}\n`
    case 'text':
      return `${columnsLine(output, recordShape, record)}${bytesForHumans(record.value)}\n`
  }
}

/** Where produce wrote a record. */
export function printedWrite(output: Output, record: ProducedRecord, format: 'text' | 'json') {
  return format === 'json'
    ? jsonLine(producedShape, record)
    : columnsLine(output, producedShape, record)
}

function jsonLine<T>(shape: Shape<T>, item: T): string {
  return `${JSON.stringify(project(shape, item, Object.keys(shape.fields)))}\n`
}

/** The shape's columns as `name value` pairs, leaving out what is empty. */
function columnsLine<T>(output: Output, shape: Shape<T>, item: T): string {
  const row = project(shape, item, [...shape.columns])
  const pairs = Object.entries(row)
    .filter(([, value]) => value !== null && !(Array.isArray(value) && value.length === 0))
    .map(([name, value]) => `${output.style('dim', name)} ${textOf(value)}`)
  return `${pairs.join('  ')}\n`
}

function textOf(value: unknown): string {
  if (Array.isArray(value)) {
    return value.map(({ key, value }) => `${key}=${textOf(value)}`).join(',')
  }
  if (value && typeof value === 'object' && 'base64' in value) return `base64:${value.base64}`
  return String(value)
}

/** How many records produce wrote, and where: the first and last offset of each partition. */
export class Written {
  readonly #partitions = new Map<number, { first: bigint; last: bigint; count: number }>()

  add({ partition, offset }: ProducedRecord): void {
    const seen = this.#partitions.get(partition)
    this.#partitions.set(partition, {
      first: seen?.first ?? offset,
      last: offset,
      count: (seen?.count ?? 0) + 1,
    })
  }

  get count(): number {
    return [...this.#partitions.values()].reduce((sum, { count }) => sum + count, 0)
  }

  /** `3 records to orders (partition 0: offsets 4-5, partition 2: offset 9)` */
  describe(topic: string): string {
    const total = this.count
    const where = [...this.#partitions]
      .sort(([a], [b]) => a - b)
      .map(([partition, { first, last }]) =>
        first === last
          ? `partition ${partition}: offset ${first}`
          : `partition ${partition}: offsets ${first}-${last}`,
      )
    const records = `${total} record${total === 1 ? '' : 's'} to ${topic}`
    return where.length > 0 ? `${records} (${where.join(', ')})` : records
  }
}
