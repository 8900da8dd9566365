import { useQuery } from '@tanstack/react-query'
import { getRouteApi } from '@tanstack/react-router'
import { lazy, Suspense } from 'react'
import { Empty, Loading, QueryState, StaleNote } from '../../ui/states.tsx'
import { clusterNamesQuery, meteringIntervalMs, topicNamesQuery, usageQuery } from './queries.ts'
import type { UsageSearch } from './search.ts'
import { type UsageWindow, usageWindows } from './series.ts'

// recharts is loaded with this page only, never with the console's first page.
const UsageCharts = lazy(() => import('./usage-charts.tsx'))

const route = getRouteApi('/app/orgs/$org/quotas/usage')

/** Partitions, storage and messages in over 24 h, 7 d or 30 d, for the org, a cluster or a topic. */
export function UsagePage() {
  const { org } = route.useParams()
  const search = route.useSearch()
  const window = search.window ?? '24h'
  const { cluster, topic } = search
  const usage = useQuery(usageQuery(org, { window, cluster, topic }))
  const scope = topic ? `topic ${topic}` : cluster ? `cluster ${cluster}` : 'all clusters'

  return (
    <section className="stack" aria-labelledby="usage-title">
      <h2 id="usage-title" className="visually-hidden">
        Usage
      </h2>
      <UsageControls org={org} window={window} cluster={cluster} topic={topic} />
      <QueryState query={usage} what="usage">
        {(data) => (
          <>
            <StaleNote error={usage.error} what="these charts" />
            {data.points === 0 ? (
              <Empty>
                <strong>
                  No usage for {scope} in {usageWindows[window].words} yet.
                </strong>
                <p>
                  Metering measures every topic about once a minute, so a new topic shows here a
                  minute or two after it is created, and messages in once producers write to it. A
                  longer window may hold older usage.
                </p>
              </Empty>
            ) : (
              <Suspense fallback={<Loading what="the charts" />}>
                <UsageCharts
                  series={data.series}
                  granularity={data.range.granularity}
                  window={window}
                  scope={scope}
                />
              </Suspense>
            )}
          </>
        )}
      </QueryState>
      <p className="muted">
        Hourly buckets over 24 h and 7 d, daily over 30 d, in your time zone. Partitions and storage
        are the highest of each bucket; messages in are the bucket's total. The page refreshes every{' '}
        {meteringIntervalMs / 1000} s.
      </p>
    </section>
  )
}

function UsageControls({
  org,
  window,
  cluster,
  topic,
}: {
  org: string
  window: UsageWindow
  cluster: string | undefined
  topic: string | undefined
}) {
  const navigate = route.useNavigate()
  const clusters = useQuery(clusterNamesQuery(org))
  const topics = useQuery({ ...topicNamesQuery(org, cluster ?? ''), enabled: Boolean(cluster) })
  const show = (next: UsageSearch) =>
    navigate({ search: (previous) => ({ ...previous, ...next }), replace: true })

  return (
    <div className="row ins-controls">
      <fieldset className="ins-segmented">
        <legend>Window</legend>
        {(Object.keys(usageWindows) as UsageWindow[]).map((key) => (
          <label key={key}>
            <input
              type="radio"
              name="usage-window"
              value={key}
              checked={window === key}
              onChange={() => show({ window: key })}
            />
            <span>{usageWindows[key].label}</span>
          </label>
        ))}
      </fieldset>
      <label className="field">
        <span className="ins-label">Cluster</span>
        <select
          value={cluster ?? ''}
          onChange={(event) => show({ cluster: event.target.value || undefined, topic: undefined })}
        >
          <option value="">All clusters</option>
          {cluster && !clusters.data?.includes(cluster) && (
            <option value={cluster}>{cluster}</option>
          )}
          {clusters.data?.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="ins-label">Topic</span>
        <select
          value={topic ?? ''}
          disabled={!cluster}
          title={cluster ? undefined : 'Pick a cluster first'}
          onChange={(event) => show({ topic: event.target.value || undefined })}
        >
          <option value="">{cluster ? 'All topics' : 'Pick a cluster first'}</option>
          {topic && !topics.data?.names.includes(topic) && <option value={topic}>{topic}</option>}
          {topics.data?.names.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      {topics.data?.more && <span className="muted">The first 500 topics by name are listed.</span>}
    </div>
  )
}
