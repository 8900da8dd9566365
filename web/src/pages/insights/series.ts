/**
 * The arithmetic of the usage page, free of React: the windows it offers, the range and
 * granularity each asks the API for, and the API's sparse points as one point per bucket.
 */

export type UsageWindow = '24h' | '7d' | '30d'
export type Granularity = 'hour' | 'day'

const hourMs = 60 * 60 * 1000
const dayMs = 24 * hourMs

export const usageWindows: Record<
  UsageWindow,
  { label: string; words: string; granularity: Granularity; buckets: number }
> = {
  '24h': { label: '24 h', words: 'the last 24 hours', granularity: 'hour', buckets: 24 },
  '7d': { label: '7 d', words: 'the last 7 days', granularity: 'hour', buckets: 7 * 24 },
  '30d': { label: '30 d', words: 'the last 30 days', granularity: 'day', buckets: 30 },
}

export const isUsageWindow = (value: unknown): value is UsageWindow =>
  typeof value === 'string' && value in usageWindows

const stepOf = (granularity: Granularity) => (granularity === 'hour' ? hourMs : dayMs)

export interface UsageRange {
  from: Date
  to: Date
  granularity: Granularity
}

/**
 * The window's whole buckets up to and including the one `now` is in, as the API's rollups
 * cut them (UTC hours and days), so the first bar is never half a bucket.
 */
export function usageRange(window: UsageWindow, now: Date): UsageRange {
  const { granularity, buckets } = usageWindows[window]
  const step = stepOf(granularity)
  const to = new Date((Math.floor(now.getTime() / step) + 1) * step)
  return { from: new Date(to.getTime() - buckets * step), to, granularity }
}

export interface UsagePoint {
  time: string
  partitions: number
  storageBytes: number
  messagesIn: number
}

export interface ChartPoint {
  time: number
  /** Gauges: null where no sample was taken, so a chart leaves a gap rather than a zero. */
  partitions: number | null
  storageBytes: number | null
  /** A count: no sample means nothing was counted. */
  messagesIn: number
}

/** One point per bucket of the range, oldest first. */
export function bucketed(points: UsagePoint[], range: UsageRange): ChartPoint[] {
  const byTime = new Map(points.map((point) => [new Date(point.time).getTime(), point]))
  const step = stepOf(range.granularity)
  const series: ChartPoint[] = []
  for (let time = range.from.getTime(); time < range.to.getTime(); time += step) {
    const point = byTime.get(time)
    series.push({
      time,
      partitions: point?.partitions ?? null,
      storageBytes: point?.storageBytes ?? null,
      messagesIn: point?.messagesIn ?? 0,
    })
  }
  return series
}

/** What the charts' headings say: the latest gauges and the messages over the window. */
export function summaryOf(series: ChartPoint[]) {
  const latest = <K extends 'partitions' | 'storageBytes'>(key: K) =>
    series.findLast((point) => point[key] !== null)?.[key] ?? null
  return {
    partitions: latest('partitions'),
    storageBytes: latest('storageBytes'),
    messagesIn: series.reduce((total, point) => total + point.messagesIn, 0),
  }
}

/**
 * Ticks for a byte axis at round values of one unit (0, 50 KiB, 100 KiB, 150 KiB…), about
 * four of them, the last at or above `max`.
 */
export function byteTicks(max: number): number[] {
  if (max <= 0) return [0]
  let unit = 1
  while (max / unit >= 1024) unit *= 1024
  const rough = max / unit / 4
  const magnitude = 10 ** Math.floor(Math.log10(rough))
  const step =
    ([1, 2, 2.5, 5, 10].find((nice) => nice * magnitude >= rough) ?? 10) * magnitude * unit
  const ticks = [0]
  while ((ticks.at(-1) ?? 0) < max) ticks.push(ticks.length * step)
  return ticks
}
