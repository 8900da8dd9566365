import type { paths } from '@fjord/client/schema'

// The browse as the URL holds it (`…/messages?partition=1&start=offset&offset=120&filter=…`),
// so that a link shows the same messages, and what the API is asked for it.

export const starts = ['newest', 'oldest', 'offset', 'timestamp'] as const
export type StartAt = (typeof starts)[number]

export const limits = [20, 50, 100, 200, 500] as const
export const defaultLimit = 50

export interface MessagesSearch {
  /** One partition; all when left out. */
  partition?: number
  /** newest when left out. */
  start?: Exclude<StartAt, 'newest'>
  /** With start=offset: `120`, or per partition `0:120,1:98`. */
  offset?: string
  /** With start=timestamp: an ISO time. */
  time?: string
  /** With start=newest: the newest before these offsets (`0:120,1:98`): a previous page. */
  before?: string
  filter?: string
  limit?: number
  /** Follow new messages as they come. */
  live?: boolean
}

const offsets = /^(\d{1,19}|\d{1,5}:\d{1,19}(,\d{1,5}:\d{1,19})*)$/

/** The partition numbers of a topic of `count` partitions. */
export const partitionNumbers = (count: number | undefined): number[] =>
  Array.from({ length: count ?? 0 }, (_, partition) => partition)

/** Whether `text` is an offset (for every partition) or partition:offset pairs. */
export const isOffsets = (text: string) => offsets.test(text.replaceAll(' ', ''))

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined)
const whole = (value: unknown) => {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN
  return Number.isInteger(number) && number >= 0 ? number : undefined
}

/** The search params of a URL, as the route's `validateSearch` keeps them: unknown ones dropped. */
export function messagesSearch(search: Record<string, unknown>): MessagesSearch {
  const start = starts.find((s) => s !== 'newest' && s === search.start) as MessagesSearch['start']
  const limit = whole(search.limit)
  // Numbers in the URL may come back as numbers: an offset of `120` is the string "120".
  const offset = text(typeof search.offset === 'number' ? String(search.offset) : search.offset)
  const before = text(typeof search.before === 'number' ? String(search.before) : search.before)
  const time = text(search.time)
  const live = search.live === true || search.live === 'true'
  return {
    partition: whole(search.partition),
    start,
    offset: start === 'offset' && offset && isOffsets(offset) ? offset : undefined,
    time: start === 'timestamp' && time && !Number.isNaN(Date.parse(time)) ? time : undefined,
    before: !start && !live && before && isOffsets(before) ? before : undefined,
    filter: text(search.filter),
    limit: limit && limit !== defaultLimit ? Math.min(limit, 500) : undefined,
    live: !start && live ? true : undefined,
  }
}

type BrowseQuery = NonNullable<
  paths['/v1/orgs/{org}/clusters/{cluster}/topics/{topic}/messages']['get']['parameters']['query']
>

/** What the API is asked for the browse the URL holds. */
export function browseQuery(search: MessagesSearch): BrowseQuery {
  const query: BrowseQuery = { limit: search.limit ?? defaultLimit }
  if (search.partition !== undefined) query.partition = String(search.partition)
  if (search.filter) query.filter = search.filter
  switch (search.start) {
    case 'oldest':
      query.start = 'oldest'
      break
    case 'offset':
      query.start = 'offset'
      query.offset = search.offset ?? '0'
      break
    case 'timestamp':
      query.start = 'timestamp'
      query.timestamp = search.time ?? new Date(0).toISOString()
      break
    default:
      if (search.before) query.before = search.before
      if (search.live) query.follow = 'true'
  }
  return query
}

/** Offsets by partition, as the API's `done` line gives them, in the URL's `0:120,1:98`. */
export function offsetsParam(offsets: Record<string, string>): string {
  return Object.entries(offsets)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([partition, offset]) => `${partition}:${offset}`)
    .join(',')
}

/** A partition's first offset and its end, as the `start` line gives them. */
export interface Span {
  partition: number
  logStart: string
  end: string
}

/** Whether some partition has messages before `previous` (after `next`, for `hasAfter`). */
export function hasBefore(spans: Span[], previous: Record<string, string>): boolean {
  return spans.some((s) => BigInt(previous[s.partition] ?? s.logStart) > BigInt(s.logStart))
}

export function hasAfter(spans: Span[], next: Record<string, string>): boolean {
  return spans.some((s) => BigInt(next[s.partition] ?? s.end) < BigInt(s.end))
}

/** The search of the page before the one shown: the newest before where it began. */
export function previousPage(search: MessagesSearch, previous: Record<string, string>) {
  const { start: _start, offset: _offset, time: _time, live: _live, ...kept } = search
  return { ...kept, before: offsetsParam(previous) }
}

/** The search of the page after the one shown: forward from where it ended. */
export function nextPage(search: MessagesSearch, next: Record<string, string>): MessagesSearch {
  const { before: _before, time: _time, live: _live, ...kept } = search
  return { ...kept, start: 'offset', offset: offsetsParam(next) }
}

/** An ISO time as a `datetime-local` input shows it, in the browser's time zone. */
export function localInputTime(iso: string | undefined): string {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ''
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000)
  return local.toISOString().slice(0, 19)
}

/** A `datetime-local` input's value (the browser's time zone) as an ISO time. */
export function isoFromLocalInput(value: string): string | undefined {
  if (!value) return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}
