const counts = new Intl.NumberFormat('en')
const byteUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const

/** `12345` as `12,345`. */
export const formatCount = (value: number): string => counts.format(value)

/** Bytes in the largest unit that keeps the number at least 1, to three figures: `1.21 MiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < byteUnits.length - 1) {
    value /= 1024
    unit += 1
  }
  const shown = unit === 0 ? String(value) : Number(value.toPrecision(3)).toString()
  return `${shown} ${byteUnits[unit]}`
}

/** A share of a limit as a whole percent, never shown as 100 % before it is reached. */
export function percentOf(used: number, maximum: number): number {
  if (maximum <= 0) return used > 0 ? 100 : 0
  const percent = (used / maximum) * 100
  return used < maximum ? Math.min(Math.round(percent), 99) : Math.round(percent)
}

/** Milliseconds in days, hours or minutes, whichever is whole: `7 days`, `12 hours`. */
export function formatSpan(ms: number): string {
  const units: [string, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ]
  for (const [unit, size] of units) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size
      return `${formatCount(n)} ${unit}${n === 1 ? '' : 's'}`
    }
  }
  return `${formatCount(ms)} ms`
}
