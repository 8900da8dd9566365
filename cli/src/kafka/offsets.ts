import { InvalidArgumentError } from 'commander'

// rpk's offset grammar for `fjord topics consume -o`, parsed once into where each partition
// starts and, optionally, where it stops. Relative times are resolved against `now` here, so
// that the rest of consume deals only in offsets and epoch milliseconds.

/** Where a partition's reading starts. */
export type From =
  /** `start`, or `+N`: N records after the oldest one kept. */
  | { at: 'start'; plus: bigint }
  /** `end`, or `-N`: N records before the end, so the last N. */
  | { at: 'end'; minus: bigint }
  /** `N`: exactly this offset. */
  | { at: 'offset'; offset: bigint }
  /** `@T`: the first record at or after this time. */
  | { at: 'time'; ms: number }

/** Where it stops (exclusive; never past the end it has when consume starts), so that consume exits by itself. */
export type Until =
  /** `:end`: the end the partition has when consume starts. */
  { at: 'end' } | { at: 'offset'; offset: bigint } | { at: 'time'; ms: number }

export interface OffsetRange {
  from: From
  until?: Until
}

export const offsetGrammar = `Offsets (-o), as rpk has them:
  start | oldest       from the oldest record kept
  end | newest         only records written from now on
  -N                   the last N records of each partition
  +N                   from N records after the oldest
  N                    from exactly offset N
  FROM:end             stop at the end each partition has when consume starts
                       (start:end, -10:end, @-1h:end; :end alone is start:end)
  N:M, :M              from N (default: the oldest) up to M, not included
  @T, @T:, @:T, @T:T2  by time: from the first record at or after T, until T2
  A stop is never past the end a partition has when consume starts.
  Times: 1700000000000 (ms), 1700000000 (s), 2025-05-01 (a UTC day), 2025-05-01T10:00:00Z
  (RFC 3339, with Z or an offset such as +02:00), -1h30m (ago; units ms, s, m, h, d), and
  for T2 only: end, or 1h (that long after T).`

const number = /^\d+$/
const duration = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/
const durationPart = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g
const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
/** The time forms that can start an `@` offset; the first that matches is the time. */
const timeForms = [
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})/,
  /^\d{4}-\d{2}-\d{2}/,
  /^\d{13}(?=:|$)/,
  /^\d{10}(?=:|$)/,
  /^-[^:]+/,
]

/** Parses `-o`'s value; a bad one is an InvalidArgumentError, which commander shows with the usage. */
export function parseOffset(text: string, now: number): OffsetRange {
  if (text.startsWith('@')) return parseTimeRange(text.slice(1), now, text)
  const colon = text.indexOf(':')
  if (colon === -1) return { from: parseFrom(text, text) }
  const fromText = text.slice(0, colon)
  const untilText = text.slice(colon + 1)
  const from = fromText === '' ? startOf : parseFrom(fromText, text)
  if (untilText === '') {
    if (fromText === '') throw bad(text)
    return { from }
  }
  const until = parseUntil(untilText, text)
  if (from.at === 'offset' && until.at === 'offset' && until.offset <= from.offset) {
    throw bad(text, `the end ${until.offset} must be after the start ${from.offset}`)
  }
  return { from, until }
}

const startOf: From = { at: 'start', plus: 0n }

function parseFrom(text: string, whole: string): From {
  if (text === 'start' || text === 'oldest') return startOf
  if (text === 'end' || text === 'newest') return { at: 'end', minus: 0n }
  const signed = /^([+-])(\d+)$/.exec(text)
  if (signed) {
    const n = BigInt(signed[2] as string)
    return signed[1] === '+' ? { at: 'start', plus: n } : { at: 'end', minus: n }
  }
  if (number.test(text)) return { at: 'offset', offset: BigInt(text) }
  throw bad(whole)
}

function parseUntil(text: string, whole: string): Until {
  if (text === 'end') return { at: 'end' }
  if (number.test(text)) return { at: 'offset', offset: BigInt(text) }
  throw bad(whole)
}

function parseTimeRange(text: string, now: number, whole: string): OffsetRange {
  const [fromText, rest] = splitTime(text)
  const from: From = fromText === '' ? startOf : { at: 'time', ms: parseTime(fromText, now, whole) }
  if (rest === '' || rest === ':') {
    if (fromText === '') throw bad(whole)
    return { from }
  }
  if (!rest.startsWith(':')) {
    // Say why the time is none, e.g. `@1h` for `@-1h`.
    if (fromText === '') parseTime(rest.split(':')[0] ?? rest, now, whole)
    throw bad(whole)
  }
  const untilText = rest.slice(1)
  if (untilText === 'end') return { from, until: { at: 'end' } }
  const fromMs = from.at === 'time' ? from.ms : undefined
  const untilMs =
    fromMs !== undefined && duration.test(untilText)
      ? fromMs + durationMs(untilText)
      : parseTime(untilText, now, whole)
  if (fromMs !== undefined && untilMs <= fromMs) {
    throw bad(whole, 'the end time must be after the start time')
  }
  return { from, until: { at: 'time', ms: untilMs } }
}

/** The leading time of an `@` offset and what follows it (RFC 3339 times hold colons too). */
function splitTime(text: string): [string, string] {
  for (const form of timeForms) {
    const match = form.exec(text)
    if (match) return [match[0], text.slice(match[0].length)]
  }
  return ['', text]
}

function parseTime(text: string, now: number, whole: string): number {
  if (/^\d{13}$/.test(text)) return Number(text)
  if (/^\d{10}$/.test(text)) return Number(text) * 1000
  if (text.startsWith('-') && duration.test(text.slice(1))) return now - durationMs(text.slice(1))
  if (/^\d{4}-\d{2}-\d{2}(T.*)?$/.test(text)) {
    const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text)
    if (!Number.isNaN(ms)) return ms
  }
  const hint = duration.test(text) ? `; a time ago is -${text}` : ''
  throw bad(whole, `"${text}" is not a time${hint}`)
}

function durationMs(text: string): number {
  let ms = 0
  for (const [, amount, unit] of text.matchAll(durationPart)) {
    ms += Number(amount) * unitMs[unit as keyof typeof unitMs]
  }
  return Math.round(ms)
}

function bad(text: string, reason?: string): InvalidArgumentError {
  const why = reason ? `: ${reason}` : ''
  return new InvalidArgumentError(
    `"${text}" is no offset${why}; expected start, end, -N, +N, N, FROM:end, N:M or @time (see --help)`,
  )
}
