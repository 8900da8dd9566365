import type { Group, OffsetReset, ResetOffsets } from './queries.ts'

// What the group pages make of the API's answers, apart from showing them: which lag is
// unknown and why, the body of a reset, and a reset's preview as lag before and after.

type PartitionRow = Group['partitions'][number]

/** Partitions whose end offset Kafka did not tell, by topic: their lag is unknown. */
export function unansweredPartitions(rows: readonly PartitionRow[]): Map<string, number[]> {
  const byTopic = new Map<string, number[]>()
  for (const row of rows) {
    if (row.endOffset !== null) continue
    byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row.partition])
  }
  return byTopic
}

/** `orders 0, 1; payments 3`: partitions by topic, in words. */
export function partitionsInWords(byTopic: Map<string, number[]>): string {
  return [...byTopic].map(([topic, partitions]) => `${topic} ${partitions.join(', ')}`).join('; ')
}

export const resetTargets = ['earliest', 'latest', 'timestamp', 'offset'] as const
export type ResetTarget = (typeof resetTargets)[number]

export interface ResetForm {
  to: ResetTarget
  /** A `datetime-local` value, in the browser's time zone. */
  timestamp: string
  offset: string
  /** One topic, or '' for every topic the group committed on. */
  topic: string
}

/** The request a form asks for, or what is wrong with it, said beside the field. */
export function resetBody(
  form: ResetForm,
): { body: ResetOffsets } | { invalid: { field: 'timestamp' | 'offset'; message: string } } {
  const topics = form.topic ? { topics: [form.topic] } : {}
  switch (form.to) {
    case 'earliest':
    case 'latest':
      return { body: { to: form.to, ...topics } }
    case 'timestamp': {
      const time = new Date(form.timestamp)
      if (!form.timestamp || Number.isNaN(time.getTime())) {
        return { invalid: { field: 'timestamp', message: 'Pick a date and time' } }
      }
      return { body: { to: 'timestamp', timestamp: time.toISOString(), ...topics } }
    }
    case 'offset': {
      const offset = Number(form.offset)
      if (form.offset.trim() === '' || !Number.isSafeInteger(offset) || offset < 0) {
        return { invalid: { field: 'offset', message: 'A whole number, 0 or more' } }
      }
      return { body: { to: 'offset', offset, ...topics } }
    }
  }
}

export interface PreviewRow {
  topic: string
  partition: number
  currentOffset: number | null
  newOffset: number
  /** Messages left to read now, and after the reset; null where the end is not known. */
  lagBefore: number | null
  lagAfter: number | null
}

const lagAt = (offset: number | null, end: number | undefined) =>
  offset === null || end === undefined ? null : Math.max(end - offset, 0)

/**
 * A dry run's new offsets with the lag they leave, against `ends`: the dry run of a reset to
 * `latest` over the same partitions, whose new offsets are the partitions' ends.
 */
export function previewRows(preview: OffsetReset, ends: OffsetReset | undefined): PreviewRow[] {
  const endOf = new Map(ends?.partitions.map((p) => [`${p.topic}\0${p.partition}`, p.newOffset]))
  return preview.partitions.map((p) => {
    const end = endOf.get(`${p.topic}\0${p.partition}`)
    return {
      topic: p.topic,
      partition: p.partition,
      currentOffset: p.previousOffset,
      newOffset: p.newOffset,
      lagBefore: lagAt(p.previousOffset, end),
      lagAfter: lagAt(p.newOffset, end),
    }
  })
}

/** The sum of the rows' `key`; null when any of them is unknown. */
export function sumOf<K extends 'lagBefore' | 'lagAfter'>(
  rows: readonly PreviewRow[],
  key: K,
): number | null {
  let total = 0
  for (const row of rows) {
    const value = row[key]
    if (value === null) return null
    total += value
  }
  return total
}

/** `+3`, `−5`, `±0`: a change of lag, signed. */
export function signed(change: number): string {
  if (change === 0) return '±0'
  return change > 0 ? `+${formatCount(change)}` : `−${formatCount(-change)}`
}

const numbers = new Intl.NumberFormat('en')

export function formatCount(value: number): string {
  return numbers.format(value)
}
