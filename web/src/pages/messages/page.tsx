import { useQuery } from '@tanstack/react-query'
import { getRouteApi, Link } from '@tanstack/react-router'
import { useState } from 'react'
import { ProblemNote } from '../../ui/problem.tsx'
import { Empty, PartialNote } from '../../ui/states.tsx'
import { BrowseControls } from './controls.tsx'
import { ProduceButton } from './produce.tsx'
import { hasAfter, hasBefore, type MessagesSearch, nextPage, previousPage } from './search.ts'
import {
  type BrowseState,
  formatBytes,
  formatCount,
  formatElapsed,
  maxBuffer,
  stoppedByBound,
  stopReason,
} from './stream.ts'
import { MessageTable } from './table.tsx'
import { type Produced, topicForMessagesQuery, useBrowse } from './use-browse.ts'

const route = getRouteApi('/app/orgs/$org/clusters/$cluster/topics/$topic/messages')

/** The fields of the browse form, whose problems show next to them rather than below. */
const formFields = [
  'query.partition',
  'query.start',
  'query.offset',
  'query.timestamp',
  'query.filter',
  'query.limit',
]

/**
 * A topic's messages: browse them (partition, where to start, a server-side filter), page
 * back and forth, follow them live, and produce a test message. The browse lives in the URL.
 */
export function MessagesPage() {
  const { org, cluster, topic } = route.useParams()
  const search = route.useSearch()
  const navigate = route.useNavigate()
  const path = { org, cluster, topic }
  const partitions = useQuery(topicForMessagesQuery(path)).data?.partitions
  const { state, cancel, again } = useBrowse(path, search)
  const [produced, setProduced] = useState<Produced>()
  const go = (next: MessagesSearch) => {
    setProduced(undefined)
    void navigate({ search: next })
  }
  const live = search.live === true
  const problem = state.status === 'failed' ? state.problem : undefined

  return (
    <section className="stack msg-page" aria-labelledby="messages-title">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link to="/orgs/$org/clusters/$cluster/topics" params={{ org, cluster }}>
          Topics
        </Link>
        {' › '}
        <Link to="/orgs/$org/clusters/$cluster/topics/$topic" params={path}>
          {topic}
        </Link>
      </nav>
      <div className="row msg-title">
        <h2 id="messages-title">Messages of {topic}</h2>
        <div className="row">
          <button
            type="button"
            aria-pressed={live}
            onClick={() => {
              const { partition, filter, limit } = search
              go({ partition, filter, limit, ...(live ? {} : { live: true }) })
            }}
          >
            {live ? 'Stop live tail' : 'Live tail'}
          </button>
          <ProduceButton
            path={path}
            partitions={partitions}
            onProduced={(written) => {
              setProduced(written)
              // A page of the newest shows it at once; a live tail brings it by itself.
              if (!search.start && !search.before && !live) again()
            }}
          />
        </div>
      </div>
      {produced && (
        <div className="note ok" role="status">
          Written to partition {produced.partition} at offset {produced.offset}.{' '}
          <Link
            to="."
            search={{
              partition: produced.partition,
              start: 'offset',
              offset: produced.offset,
              limit: 1,
            }}
          >
            Show only it
          </Link>
        </div>
      )}
      <BrowseControls search={search} partitions={partitions} error={problem} onBrowse={go} />
      <Status state={state} live={live} onCancel={cancel} onAgain={again} />
      {problem !== undefined && <ProblemNote error={problem} shownFields={formFields} />}
      <Notes state={state} live={live} />
      {state.messages.length > 0 ? (
        <MessageTable path={path} messages={state.messages} />
      ) : (
        state.status === 'done' && <Nothing state={state} search={search} />
      )}
      {!live && (
        <Pager
          state={state}
          onPrevious={(previous) => go(previousPage(search, previous))}
          onNext={(next) => go(nextPage(search, next))}
        />
      )}
    </section>
  )
}

/** The progress line: what was read and matched, how long it took, and how to stop it. */
function Status({
  state,
  live,
  onCancel,
  onAgain,
}: {
  state: BrowseState
  live: boolean
  onCancel: () => void
  onAgain: () => void
}) {
  const { scanned = 0, matched = 0, bytes = 0, elapsedMs = 0 } = state.progress ?? {}
  const counts = `${formatCount(matched)} shown · ${formatCount(scanned)} read (${formatBytes(bytes)}) · ${formatElapsed(elapsedMs)}`
  let text: string
  switch (state.status) {
    case 'reading':
      text = live ? `Live: following new messages · ${counts}` : `Reading… ${counts}`
      break
    case 'done':
      text = `${counts} · ${state.done ? stopReason(state.done) : ''}`
      break
    case 'cancelled':
      text = `Cancelled · ${counts}`
      break
    case 'failed':
      text = `Stopped by an error · ${counts}`
      break
  }
  return (
    <div className="row msg-status">
      {state.status === 'reading' && <span className="msg-spinner" aria-hidden="true" />}
      <span role="status" aria-live="polite" data-testid="browse-status">
        {text}
      </span>
      {state.status === 'reading' ? (
        <button type="button" onClick={onCancel}>
          {live ? 'Stop' : 'Cancel'}
        </button>
      ) : (
        <button type="button" onClick={onAgain}>
          {state.status === 'done' ? 'Refresh' : 'Browse again'}
        </button>
      )}
    </div>
  )
}

/** What the page should know about how the browse went: bounds, filter errors, dropped rows. */
function Notes({ state, live }: { state: BrowseState; live: boolean }) {
  const { done } = state
  return (
    <>
      {done && stoppedByBound(done) && (
        <PartialNote>
          Stopped early: {done.detail ?? stopReason(done)}. What was found so far shows below;
          narrow the filter, pick a partition or start closer to what you look for.
        </PartialNote>
      )}
      {done && done.filterErrors > 0 && (
        <PartialNote>
          The filter failed on {formatCount(done.filterErrors)} messages, counted as not matching
          {done.filterError ? `: ${done.filterError}` : ''}. Test for a field first, as in{' '}
          <code>"type" in headers &amp;&amp; headers.type == "order"</code>.
        </PartialNote>
      )}
      {live && state.dropped > 0 && (
        <p className="note info" role="status">
          Showing the newest {formatCount(maxBuffer)} messages; {formatCount(state.dropped)} older
          ones were dropped from view.
        </p>
      )}
    </>
  )
}

function Nothing({ state, search }: { state: BrowseState; search: MessagesSearch }) {
  const empty = state.spans.every((span) => span.logStart === span.end)
  if (empty) {
    return <Empty>This topic holds no messages yet. Produce one, and it shows here.</Empty>
  }
  if (search.filter) return <Empty>No message read matches the filter.</Empty>
  return <Empty>No messages here. Try the oldest, or another partition or time.</Empty>
}

function Pager({
  state,
  onPrevious,
  onNext,
}: {
  state: BrowseState
  onPrevious: (previous: Record<string, string>) => void
  onNext: (next: Record<string, string>) => void
}) {
  const { done, spans } = state
  const before = done !== undefined && hasBefore(spans, done.previous)
  const after = done !== undefined && hasAfter(spans, done.next)
  return (
    <nav className="row msg-pager" aria-label="Pages">
      <button type="button" disabled={!before} onClick={() => done && onPrevious(done.previous)}>
        ← Previous
      </button>
      <button type="button" disabled={!after} onClick={() => done && onNext(done.next)}>
        Next →
      </button>
    </nav>
  )
}
