import type { ReactNode } from 'react'
import { ProblemNote, problemOf } from './problem.tsx'

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  )
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="card muted empty">{children}</div>
}

/** One piece of a page that could not be had: the rest of the page still shows. */
export function PartialNote({ children }: { children: ReactNode }) {
  return (
    <div className="note warn" role="status">
      {children}
    </div>
  )
}

/** A query's three states in one place: loading, its problem, or its data. */
export function QueryState<T>({
  query,
  what,
  children,
}: {
  query: { data: T | undefined; error: unknown; isPending: boolean }
  what: string
  children: (data: T) => ReactNode
}) {
  if (query.isPending) return <Loading what={what} />
  if (query.error) return <ProblemNote error={query.error} />
  return query.data === undefined ? null : children(query.data)
}

/** The button under a list read page by page (an infinite query): the next page, when there is one. */
export function ShowMore({
  query,
  what,
}: {
  query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown }
  what: string
}) {
  if (!query.hasNextPage) return null
  return (
    <div>
      <button
        type="button"
        onClick={() => query.fetchNextPage()}
        disabled={query.isFetchingNextPage}
      >
        {query.isFetchingNextPage ? 'Loading…' : `Show more ${what}`}
      </button>
    </div>
  )
}

/** Data still on screen whose last refresh failed: it shows, with why it may be out of date. */
export function StaleNote({ error, what }: { error: unknown; what: string }) {
  if (!error) return null
  return (
    <PartialNote>
      The last refresh failed, so {what} may be out of date: {problemOf(error).detail}
    </PartialNote>
  )
}
