import { useEffect, useState } from 'react'
import { Field } from '../../ui/field.tsx'
import {
  defaultLimit,
  isOffsets,
  isoFromLocalInput,
  limits,
  localInputTime,
  type MessagesSearch,
  partitionNumbers,
  type StartAt,
} from './search.ts'

const startLabels: Record<StartAt, string> = {
  newest: 'Newest',
  oldest: 'Oldest',
  offset: 'From an offset',
  timestamp: 'From a time',
}

interface Draft {
  partition: string
  start: StartAt
  offset: string
  time: string
  filter: string
  limit: string
}

const draftOf = (search: MessagesSearch): Draft => ({
  partition: search.partition === undefined ? 'all' : String(search.partition),
  start: search.start ?? 'newest',
  offset: search.offset ?? '',
  time: localInputTime(search.time),
  filter: search.filter ?? '',
  limit: String(search.limit ?? defaultLimit),
})

/** What the form asks for, as the URL keeps it; or the field at fault. */
function searchOf(draft: Draft): MessagesSearch | { field: 'offset' | 'time'; message: string } {
  const offset = draft.offset.replaceAll(' ', '')
  if (draft.start === 'offset' && !isOffsets(offset)) {
    return { field: 'offset', message: 'An offset (120), or partition:offset pairs (0:120,1:98)' }
  }
  const time = isoFromLocalInput(draft.time)
  if (draft.start === 'timestamp' && !time) return { field: 'time', message: 'Pick a time' }
  const limit = Number(draft.limit)
  return {
    ...(draft.partition === 'all' ? {} : { partition: Number(draft.partition) }),
    ...(draft.start === 'newest' ? {} : { start: draft.start }),
    ...(draft.start === 'offset' ? { offset } : {}),
    ...(draft.start === 'timestamp' ? { time } : {}),
    ...(draft.filter.trim() ? { filter: draft.filter.trim() } : {}),
    ...(limit === defaultLimit ? {} : { limit }),
  }
}

/**
 * Partition, where to start, how many and the filter: the form of a browse. Submitting it puts
 * the browse in the URL (which starts it); the API's problem shows next to its field.
 */
export function BrowseControls({
  search,
  partitions,
  error,
  onBrowse,
}: {
  search: MessagesSearch
  partitions: number | undefined
  error: unknown
  onBrowse: (search: MessagesSearch) => void
}) {
  const [draft, setDraft] = useState(() => draftOf(search))
  const [invalid, setInvalid] = useState<{ field: string; message: string }>()
  const shown = JSON.stringify(search)
  // biome-ignore lint/correctness/useExhaustiveDependencies: `shown` stands for the search
  useEffect(() => {
    setDraft(draftOf(search))
    setInvalid(undefined)
  }, [shown])
  const change = (patch: Partial<Draft>) => {
    setDraft({ ...draft, ...patch })
    setInvalid(undefined)
  }

  return (
    <form
      className="card msg-controls"
      aria-label="Browse messages"
      onSubmit={(event) => {
        event.preventDefault()
        const asked = searchOf(draft)
        if ('field' in asked) setInvalid(asked)
        else onBrowse(asked)
      }}
    >
      <div className="msg-control-row">
        <Field label="Partition" path="query.partition" error={error}>
          <select value={draft.partition} onChange={(e) => change({ partition: e.target.value })}>
            <option value="all">All</option>
            {partitionNumbers(partitions).map((p) => (
              <option key={p} value={String(p)}>
                {p}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Start" error={error} path="query.start">
          <select
            value={draft.start}
            onChange={(e) => change({ start: e.target.value as StartAt })}
          >
            {Object.entries(startLabels).map(([start, label]) => (
              <option key={start} value={start}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        {draft.start === 'offset' && (
          <Field
            label="Offset"
            hint="120, or per partition 0:120,1:98"
            path="query.offset"
            error={error}
            invalid={invalid?.field === 'offset' ? invalid.message : undefined}
          >
            <input
              value={draft.offset}
              inputMode="numeric"
              onChange={(e) => change({ offset: e.target.value })}
            />
          </Field>
        )}
        {draft.start === 'timestamp' && (
          <Field
            label="Time"
            hint="Your time zone"
            path="query.timestamp"
            error={error}
            invalid={invalid?.field === 'time' ? invalid.message : undefined}
          >
            <input
              type="datetime-local"
              step={1}
              value={draft.time}
              onChange={(e) => change({ time: e.target.value })}
            />
          </Field>
        )}
        <Field label="Per page" path="query.limit" error={error}>
          <select value={draft.limit} onChange={(e) => change({ limit: e.target.value })}>
            {[...new Set([...limits, Number(draft.limit)])]
              .sort((a, b) => a - b)
              .map((limit) => (
                <option key={limit} value={String(limit)}>
                  {limit}
                </option>
              ))}
          </select>
        </Field>
        <div className="msg-filter-field">
          <Field
            label="Filter"
            hint='CEL, run on the server: key == "order-7", value.contains("error"), headers["type"] == "order", json.amount > 100'
            path="query.filter"
            error={error}
          >
            <textarea
              className="msg-filter"
              rows={1}
              value={draft.filter}
              spellCheck={false}
              placeholder="Every message"
              onChange={(e) => change({ filter: e.target.value })}
              onKeyDown={(e) => {
                // Enter browses, as in a search box; Shift+Enter breaks the line.
                if (e.key === 'Enter' && !e.shiftKey) {
                  e.preventDefault()
                  e.currentTarget.form?.requestSubmit()
                }
              }}
            />
          </Field>
        </div>
        <div className="msg-browse">
          <button type="submit" className="primary">
            Browse
          </button>
        </div>
      </div>
    </form>
  )
}
