import { topicConfigKeys } from './rules.ts'

const longMax = '9223372036854775807'
const units: [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1_000],
]

/** `604800000` as `7 d`, `90000` as `90 s`; -1 is forever. */
export function formatDuration(ms: string | number): string {
  const text = String(ms)
  if (text === '-1') return 'forever'
  if (text === longMax) return 'never'
  const value = Number(text)
  if (!Number.isFinite(value)) return text
  for (const [unit, size] of units) {
    if (value >= size && value % size === 0) return `${value / size} ${unit}`
  }
  return `${value} ms`
}

const byteUnits: [string, number][] = [
  ['GiB', 1024 ** 3],
  ['MiB', 1024 ** 2],
  ['KiB', 1024],
]

export function formatBytes(bytes: string | number): string {
  const text = String(bytes)
  if (text === '-1') return 'no limit'
  const value = Number(text)
  if (!Number.isFinite(value)) return text
  for (const [unit, size] of byteUnits) {
    if (value >= size && value % size === 0) return `${value / size} ${unit}`
  }
  return `${value.toLocaleString('en')} B`
}

/** A config value in words beside the raw one, where its unit says how: `7 d`, `64 KiB`. */
export function readableConfig(key: string, value: string): string | undefined {
  const unit = topicConfigKeys[key]?.unit
  if (!unit || !/^-?\d+$/.test(value)) return undefined
  const shown = unit === 'ms' ? formatDuration(value) : formatBytes(value)
  return shown === value ? undefined : shown
}

/** The retention a topic has: its own, or Kafka's default (marked as such). */
export function retentionOf(config: Record<string, string>): { text: string; ms: number } {
  const own = config['retention.ms']
  const value = own ?? topicConfigKeys['retention.ms']?.kafkaDefault ?? '604800000'
  const ms = value === '-1' ? Number.POSITIVE_INFINITY : Number(value)
  return { text: own ? formatDuration(value) : `${formatDuration(value)} (default)`, ms }
}
