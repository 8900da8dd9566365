import { skipToken, useQuery } from '@tanstack/react-query'
import { getRouteApi, Link } from '@tanstack/react-router'
import { useVirtualizer } from '@tanstack/react-virtual'
import { useDeferredValue, useEffect, useMemo, useRef, useState } from 'react'
import { ActionButton } from '../../ui/button.tsx'
import { StatusBadge } from '../../ui/page.tsx'
import { ProblemNote } from '../../ui/problem.tsx'
import { Empty, Loading, PartialNote } from '../../ui/states.tsx'
import { loadingTopicsKey, operations, type Topic, type TopicList, topicsQuery } from './queries.ts'
import { filterRows, type SortKey, sortRows, type TopicRow, toRow } from './table.ts'

const route = getRouteApi('/app/orgs/$org/clusters/$cluster/topics')

const rowOfTopic = new WeakMap<Topic, TopicRow>()

/** The rows of the topics; each made once, though the list is published as it grows. */
function rowsOf(topics: readonly Topic[]): TopicRow[] {
  return topics.map((topic) => {
    let row = rowOfTopic.get(topic)
    if (!row) {
      row = toRow(topic)
      rowOfTopic.set(topic, row)
    }
    return row
  })
}

const settled = new Set(['Ready', 'Failed'])

/** While a topic changes: often for a small cluster, rarely when each refetch is large. */
function liveInterval(list: TopicList | undefined): number | false {
  if (!list?.complete) return false
  if (list.items.every((topic) => settled.has(topic.status.phase))) return false
  return list.items.length <= 500 ? 2_000 : 15_000
}

/**
 * Every topic of the cluster, loaded page after page while the first ones already show; then
 * search and sort run in the browser over all of them, and only the rows in view are drawn.
 */
function useAllTopics(org: string, cluster: string) {
  const query = useQuery({
    ...topicsQuery(org, cluster),
    refetchInterval: (q) => liveInterval(q.state.data),
  })
  const loading = useQuery<TopicList>({
    queryKey: loadingTopicsKey(org, cluster),
    queryFn: skipToken,
  })
  const list = query.data ?? loading.data
  const rows = useMemo(() => rowsOf(list?.items ?? []), [list])
  return { query, rows, started: list !== undefined, complete: list?.complete === true }
}

const columns: { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: 'name', label: 'Name' },
  { key: 'partitions', label: 'Partitions', numeric: true },
  { key: 'replication', label: 'Replication', numeric: true },
  { key: 'retention', label: 'Retention' },
  { key: 'status', label: 'Status' },
]
const rowHeight = 38

export function TopicsPage() {
  const { org, cluster } = route.useParams()
  const search = route.useSearch()
  const navigate = route.useNavigate()
  const { query, rows, started, complete } = useAllTopics(org, cluster)
  const [text, setText] = useState(search.q ?? '')
  const deferred = useDeferredValue(text)
  const sort = search.sort ?? 'name'
  const descending = search.desc ?? false

  // The search goes into the URL a moment after typing stops, so a link keeps it.
  useEffect(() => {
    const timer = setTimeout(() => {
      if ((search.q ?? '') !== text) {
        void navigate({ search: (s) => ({ ...s, q: text || undefined }), replace: true })
      }
    }, 300)
    return () => clearTimeout(timer)
  }, [text, search.q, navigate])

  const sorted = useMemo(() => sortRows(rows, sort, descending), [rows, sort, descending])
  const shown = useMemo(() => filterRows(sorted, deferred), [sorted, deferred])
  const create = (
    <ActionButton
      org={org}
      operation={operations.create}
      className="primary"
      onClick={() => navigate({ search: (s) => ({ ...s, create: true }) })}
    >
      Create topic
    </ActionButton>
  )

  if (!started && query.isPending) return <Loading what="topics" />
  if (query.isError && rows.length === 0) return <ProblemNote error={query.error} />
  if (complete && rows.length === 0) {
    return (
      <Empty>
        <div className="stack topics-empty">
          <strong>No topics yet</strong>
          <span>
            Start from a use case (event log, IoT stream, logs, CDC, notifications) or set every
            config yourself.
          </span>
          <div>{create}</div>
        </div>
      </Empty>
    )
  }

  const setSort = (key: SortKey) =>
    navigate({
      search: (s) => ({
        ...s,
        sort: key === 'name' ? undefined : key,
        desc: key === sort && !descending ? true : undefined,
      }),
      replace: true,
    })

  return (
    <div className="stack">
      <div className="topics-toolbar">
        <label className="topics-search">
          <span className="visually-hidden">Search topics</span>
          <input
            type="search"
            placeholder="Search topics by name"
            value={text}
            onChange={(event) => setText(event.target.value)}
            aria-controls="topics-table"
          />
        </label>
        <p className="muted topics-count" role="status" aria-live="polite">
          {countLine(
            shown.length,
            rows.length,
            deferred,
            complete ? 'all' : query.isError ? 'failed' : 'loading',
          )}
        </p>
        {create}
      </div>
      {query.isError && (
        <PartialNote>
          Only {rows.length.toLocaleString('en')} topics could be loaded:{' '}
          {query.error instanceof Error ? query.error.message : String(query.error)}.{' '}
          <button type="button" className="link" onClick={() => void query.refetch()}>
            Try again
          </button>
        </PartialNote>
      )}
      <TopicTable
        org={org}
        cluster={cluster}
        rows={shown}
        sort={sort}
        descending={descending}
        onSort={setSort}
        query={deferred}
      />
    </div>
  )
}

function countLine(
  shown: number,
  total: number,
  query: string,
  loaded: 'all' | 'loading' | 'failed',
): string {
  const all = `${total.toLocaleString('en')} topic${total === 1 ? '' : 's'}`
  const loading = {
    all: '',
    loading: ' (loading the rest…)',
    failed: ' (not all could be loaded)',
  }[loaded]
  if (!query.trim()) return `${all}${loading}`
  return `${shown.toLocaleString('en')} of ${all} match${loading}`
}

function TopicTable({
  org,
  cluster,
  rows,
  sort,
  descending,
  onSort,
  query,
}: {
  org: string
  cluster: string
  rows: readonly TopicRow[]
  sort: SortKey
  descending: boolean
  onSort: (key: SortKey) => void
  query: string
}) {
  const scroller = useRef<HTMLDivElement>(null)
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  })
  const items = virtualizer.getVirtualItems()
  const before = items[0]?.start ?? 0
  const after = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0)
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to scroll by keyboard
    <div className="table-wrap topics-scroll" ref={scroller} tabIndex={0}>
      <table id="topics-table" aria-label="Topics" aria-rowcount={rows.length + 1}>
        <thead>
          <tr aria-rowindex={1}>
            {columns.map((column) => (
              <th
                key={column.key}
                className={column.numeric ? 'num' : undefined}
                aria-sort={
                  sort === column.key ? (descending ? 'descending' : 'ascending') : undefined
                }
              >
                <button type="button" className="sort" onClick={() => onSort(column.key)}>
                  {column.label}
                  <span aria-hidden="true">
                    {sort === column.key ? (descending ? ' ↓' : ' ↑') : ''}
                  </span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {before > 0 && (
            // biome-ignore lint/a11y/noAriaHiddenOnFocusable: a spacer for the rows out of view, with nothing to focus
            <tr aria-hidden="true">
              <td colSpan={columns.length} style={{ height: before, padding: 0, border: 0 }} />
            </tr>
          )}
          {items.map((item) => {
            const row = rows[item.index]
            if (!row) return null
            return (
              <tr key={row.name} aria-rowindex={item.index + 2} className="topic-row">
                <td className="topic-name">
                  <Link
                    to="/orgs/$org/clusters/$cluster/topics/$topic"
                    params={{ org, cluster, topic: row.name }}
                  >
                    {row.name}
                  </Link>
                </td>
                <td className="num">{row.partitions}</td>
                <td className="num">{row.replicationFactor}</td>
                <td>{row.retention}</td>
                <td>
                  <StatusBadge status={row.phase} />
                </td>
              </tr>
            )
          })}
          {after > 0 && (
            // biome-ignore lint/a11y/noAriaHiddenOnFocusable: a spacer for the rows out of view, with nothing to focus
            <tr aria-hidden="true">
              <td colSpan={columns.length} style={{ height: after, padding: 0, border: 0 }} />
            </tr>
          )}
          {rows.length === 0 && (
            <tr>
              <td colSpan={columns.length} className="muted">
                No topic matches “{query}”.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  )
}
