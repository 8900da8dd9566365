import type { ReactElement } from 'react'
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'
import { formatBytes, formatCount } from './format.ts'
import {
  byteTicks,
  type ChartPoint,
  type Granularity,
  summaryOf,
  type UsageWindow,
} from './series.ts'

// Colours are the theme's tokens, so the charts follow dark mode with the rest of the page.
const axis = { stroke: 'var(--border)', tick: { fill: 'var(--fg-muted)', fontSize: 12 } }
const tooltipStyle = {
  contentStyle: {
    background: 'var(--surface)',
    border: '1px solid var(--border)',
    borderRadius: 'var(--radius)',
    color: 'var(--fg)',
  },
  labelStyle: { color: 'var(--fg-muted)' },
  itemStyle: { color: 'var(--fg)' },
  cursor: { fill: 'var(--surface-2)', stroke: 'var(--border)' },
}

const tickFormats: Record<UsageWindow, Intl.DateTimeFormatOptions> = {
  '24h': { hour: '2-digit', minute: '2-digit' },
  '7d': { weekday: 'short', day: 'numeric' },
  // Daily buckets are UTC days: labelled as such, so no day shifts by a time zone.
  '30d': { month: 'short', day: 'numeric', timeZone: 'UTC' },
}

/** Where the time axis has a label: every 4 h, each midnight, or every 5th day. */
const isTick: Record<UsageWindow, (time: Date, index: number, count: number) => boolean> = {
  '24h': (time) => time.getHours() % 4 === 0,
  '7d': (time) => time.getHours() === 0,
  '30d': (_, index, count) => (count - 1 - index) % 5 === 0,
}

function timeAxis(window: UsageWindow, granularity: Granularity, series: ChartPoint[]) {
  const tick = new Intl.DateTimeFormat(undefined, tickFormats[window])
  const label = new Intl.DateTimeFormat(
    undefined,
    granularity === 'hour'
      ? { dateStyle: 'medium', timeStyle: 'short' }
      : { dateStyle: 'medium', timeZone: 'UTC' },
  )
  return {
    ticks: series
      .map((point) => point.time)
      .filter((time, index) => isTick[window](new Date(time), index, series.length)),
    tick: (time: number) => tick.format(time),
    label: (time: unknown) =>
      granularity === 'hour'
        ? `The hour from ${label.format(Number(time))}`
        : `${label.format(Number(time))} (UTC day)`,
  }
}

const compactCount = new Intl.NumberFormat('en', { notation: 'compact' })

/** The three usage charts of a window; the default export, so the page can load it lazily. */
export default function UsageCharts({
  series,
  granularity,
  window,
  scope,
}: {
  series: ChartPoint[]
  granularity: Granularity
  window: UsageWindow
  scope: string
}) {
  const summary = summaryOf(series)
  const times = timeAxis(window, granularity, series)
  const xAxis = (
    <XAxis
      dataKey="time"
      ticks={times.ticks}
      interval="preserveStartEnd"
      minTickGap={8}
      tickFormatter={times.tick}
      tickLine={false}
      {...axis}
    />
  )
  const grid = <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
  // A gauge sampled in a few buckets only would be invisible as a line: dots mark its points.
  const sparse = series.filter((point) => point.partitions !== null).length < 12
  // How both area charts draw their series, each in its own token colour.
  const areaIn = (color: string) => ({
    stroke: color,
    fill: color,
    fillOpacity: 0.15,
    strokeWidth: 2,
    dot: sparse ? { r: 3, fill: color } : false,
    isAnimationActive: false,
  })
  const storageTicks = byteTicks(Math.max(0, ...series.map((point) => point.storageBytes ?? 0)))

  return (
    <div className="ins-charts" data-testid="usage-charts">
      <UsageChart
        id="partitions"
        title="Partitions"
        figure={summary.partitions === null ? '–' : formatCount(summary.partitions)}
        caption={`Partitions of ${scope}, the highest of each bucket`}
      >
        <AreaChart data={series} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          {grid}
          {xAxis}
          <YAxis allowDecimals={false} width={48} tickFormatter={compactCount.format} {...axis} />
          <Tooltip
            {...tooltipStyle}
            labelFormatter={times.label}
            formatter={(value) => [formatCount(Number(value)), 'Partitions']}
          />
          <Area
            type="stepAfter"
            dataKey="partitions"
            name="Partitions"
            {...areaIn('var(--chart-1)')}
          />
        </AreaChart>
      </UsageChart>
      <UsageChart
        id="storage"
        title="Storage"
        figure={summary.storageBytes === null ? '–' : formatBytes(summary.storageBytes)}
        caption={`Bytes ${scope} keeps on the brokers, the highest of each bucket`}
      >
        <AreaChart data={series} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          {grid}
          {xAxis}
          <YAxis
            width={64}
            ticks={storageTicks}
            domain={[0, storageTicks.at(-1) ?? 0]}
            tickFormatter={formatBytes}
            {...axis}
          />
          <Tooltip
            {...tooltipStyle}
            labelFormatter={times.label}
            formatter={(value) => [formatBytes(Number(value)), 'Storage']}
          />
          <Area
            type="monotone"
            dataKey="storageBytes"
            name="Storage"
            {...areaIn('var(--chart-2)')}
          />
        </AreaChart>
      </UsageChart>
      <UsageChart
        id="messages"
        title="Messages in"
        figure={formatCount(summary.messagesIn)}
        caption={`Messages written to ${scope} in each bucket`}
      >
        <BarChart data={series} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          {grid}
          {xAxis}
          <YAxis allowDecimals={false} width={48} tickFormatter={compactCount.format} {...axis} />
          <Tooltip
            {...tooltipStyle}
            labelFormatter={times.label}
            formatter={(value) => [formatCount(Number(value)), 'Messages in']}
          />
          <Bar
            dataKey="messagesIn"
            name="Messages in"
            fill="var(--chart-3)"
            radius={[2, 2, 0, 0]}
            isAnimationActive={false}
          />
        </BarChart>
      </UsageChart>
    </div>
  )
}

function UsageChart({
  id,
  title,
  figure,
  caption,
  children,
}: {
  id: string
  title: string
  figure: string
  caption: string
  children: ReactElement
}) {
  return (
    <figure className="card ins-chart" aria-labelledby={`chart-${id}`} data-testid={`chart-${id}`}>
      <figcaption id={`chart-${id}`}>
        <span className="ins-chart-title">{title}</span>{' '}
        <span className="ins-figure" data-testid="figure">
          {figure}
        </span>
        <span className="visually-hidden">. {caption}</span>
      </figcaption>
      <div className="ins-chart-plot">
        <ResponsiveContainer width="100%" height={180}>
          {children}
        </ResponsiveContainer>
      </div>
    </figure>
  )
}
